/* The synthetic street scene, the prism ray caster and the calibration that
 * ties the camera to it (see synth_int.h for the frames and the idea). */
#include <math.h>
#include <string.h>

#include "synth_int.h"

/* Moving objects wrap around inside this stretch of street. */
#define TRAFFIC_X0 (-58.0f)
#define TRAFFIC_X1 84.0f
#define STREET_X0 (-62.0f) /* inner faces of the buildings closing the ends */
#define STREET_X1 88.0f

/* KITTI's image_02 intrinsics, the default the synthetic camera copies. */
#define KITTI_FX 721.5377
#define KITTI_CX 609.5593
#define KITTI_CY 172.854

/* min/max without libm calls (no NaN can reach them here). */
static inline float minf(float a, float b)
{
    return a < b ? a : b;
}

static inline float maxf(float a, float b)
{
    return a > b ? a : b;
}

typedef struct rng {
    uint64_t s;
} rng;

static float uniform(rng *r, float lo, float hi)
{
    return lo + (hi - lo) * sp__synth_unit(&r->s);
}

static sp__synth_object *add(sp__synth_scene *s, int kind, int material,
                             float refl, uint8_t r, uint8_t g, uint8_t b)
{
    if (s->n >= SP__SYNTH_MAX_OBJECTS)
        return NULL;
    sp__synth_object *o = &s->obj[s->n++];
    memset(o, 0, sizeof *o);
    o->kind = (uint8_t)kind;
    o->material = (uint8_t)material;
    o->refl = refl;
    o->rgb[0] = r;
    o->rgb[1] = g;
    o->rgb[2] = b;
    return o;
}

static void add_box(sp__synth_scene *s, int material, float refl,
                    const uint8_t rgb[3], float x0, float x1, float y0,
                    float y1, float height, float vx)
{
    sp__synth_object *o =
        add(s, SP__SYNTH_BOX, material, refl, rgb[0], rgb[1], rgb[2]);
    if (!o)
        return;
    o->x0 = x0;
    o->x1 = x1;
    o->y0 = y0;
    o->y1 = y1;
    o->z0 = SP__SYNTH_GROUND_Z;
    o->z1 = SP__SYNTH_GROUND_Z + height;
    o->vx = vx;
}

static const uint8_t facade_rgb[4][3] = {
    {200, 180, 150}, {150, 82, 62}, {140, 140, 146}, {222, 210, 188}};
static const float facade_refl[4] = {0.35f, 0.28f, 0.30f, 0.42f};
static const uint8_t car_rgb[6][3] = {{235, 235, 235}, {25, 25, 28},
                                      {170, 172, 178}, {180, 30, 30},
                                      {30, 60, 160},   {30, 90, 50}};
static const float car_refl[6] = {0.85f, 0.12f, 0.60f, 0.45f, 0.35f, 0.25f};

static void add_car(sp__synth_scene *s, rng *r, float xc, float yc, float vx)
{
    int c = (int)uniform(r, 0.0f, 5.999f);
    float len = uniform(r, 3.8f, 4.8f), wid = uniform(r, 1.7f, 1.9f);
    add_box(s, SP__SYNTH_CAR, car_refl[c], car_rgb[c], xc - len / 2,
            xc + len / 2, yc - wid / 2, yc + wid / 2, uniform(r, 1.40f, 1.65f),
            vx);
}

/* One side of the street: a row of buildings whose faces are at |y| =
 * 9.5..11.5, with occasional narrow gaps. sign is +1 (left) or -1. */
static void add_buildings(sp__synth_scene *s, rng *r, float sign)
{
    float x = STREET_X0;
    while (x < STREET_X1 - 4.0f) {
        float len = uniform(r, 10.0f, 26.0f);
        float x1 = x + len > STREET_X1 ? STREET_X1 : x + len;
        float face = uniform(r, 9.5f, 11.5f);
        int k = (int)uniform(r, 0.0f, 3.999f);
        float y0 = sign > 0 ? face : -27.0f, y1 = sign > 0 ? 27.0f : -face;
        add_box(s, SP__SYNTH_BUILDING, facade_refl[k], facade_rgb[k], x, x1, y0,
                y1, uniform(r, 7.0f, 25.0f), 0.0f);
        x = x1 +
            (uniform(r, 0.0f, 1.0f) < 0.4f ? uniform(r, 1.0f, 4.0f) : 0.0f);
    }
}

void sp__synth_scene_init(sp__synth_scene *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
    rng r = {sp__synth_mix(seed ^ 0x5EED5CE7Eull) | 1u};
    static const uint8_t backdrop[3] = {120, 118, 125};

    /* Buildings closing both ends of the street and a backdrop behind the
     * side rows, so rays through gaps still return. */
    add_box(s, SP__SYNTH_BUILDING, 0.32f, facade_rgb[2], STREET_X1,
            STREET_X1 + 8, -34, 34, uniform(&r, 14.0f, 22.0f), 0.0f);
    add_box(s, SP__SYNTH_BUILDING, 0.32f, facade_rgb[0], STREET_X0 - 8,
            STREET_X0, -34, 34, uniform(&r, 14.0f, 22.0f), 0.0f);
    add_box(s, SP__SYNTH_BUILDING, 0.30f, backdrop, STREET_X0, STREET_X1, 27,
            34, 24.0f, 0.0f);
    add_box(s, SP__SYNTH_BUILDING, 0.30f, backdrop, STREET_X0, STREET_X1, -34,
            -27, 24.0f, 0.0f);
    add_buildings(s, &r, 1.0f);
    add_buildings(s, &r, -1.0f);

    /* The car ahead in our lane: always in the camera's view. */
    add_car(s, &r, uniform(&r, 12.0f, 17.0f), 0.0f, 0.0f);

    /* Traffic: two cars oncoming (y = +3.5), two in the lane to our right
     * (y = -3.2), each lane at one speed so they never overlap. */
    float v_on = -uniform(&r, 8.0f, 14.0f), v_same = uniform(&r, 1.0f, 5.0f);
    float span = TRAFFIC_X1 - TRAFFIC_X0;
    float x_on = uniform(&r, TRAFFIC_X0, TRAFFIC_X1);
    float x_same = uniform(&r, TRAFFIC_X0, TRAFFIC_X1);
    for (int i = 0; i < 2; i++) {
        add_car(s, &r,
                TRAFFIC_X0 +
                    fmodf(x_on - TRAFFIC_X0 + (float)i * span / 2, span),
                3.5f, v_on);
        add_car(s, &r,
                TRAFFIC_X0 +
                    fmodf(x_same - TRAFFIC_X0 + (float)i * span / 2, span),
                -3.2f, v_same);
    }

    /* Parked cars on both sides, one slot every 6.5 m. */
    for (int side = 0; side < 2; side++)
        for (float x = -54.0f; x < 80.0f; x += 6.5f)
            if (uniform(&r, 0.0f, 1.0f) < 0.35f)
                add_car(s, &r, x + uniform(&r, -0.5f, 0.5f),
                        side ? -5.6f : 6.1f, 0.0f);

    /* Street lights along both kerbs. */
    for (int side = 0; side < 2; side++)
        for (float x = -56.0f + uniform(&r, 0.0f, 8.0f); x < 84.0f;
             x += uniform(&r, 12.0f, 20.0f)) {
            sp__synth_object *o =
                add(s, SP__SYNTH_CYL, SP__SYNTH_POLE, 0.55f, 95, 98, 104);
            if (!o)
                break;
            o->x0 = x;
            o->y0 = side ? -8.3f : 8.3f;
            o->r = uniform(&r, 0.10f, 0.20f);
            o->z0 = SP__SYNTH_GROUND_Z;
            o->z1 = SP__SYNTH_GROUND_Z + uniform(&r, 4.5f, 7.5f);
        }

    /* A few crates on the pavements. */
    static const uint8_t crate_rgb[3] = {176, 132, 72};
    for (int i = 0; i < 4; i++) {
        float x = uniform(&r, -40.0f, 60.0f),
              y = (i & 1) ? uniform(&r, 7.4f, 8.6f) : -uniform(&r, 7.4f, 8.6f);
        float e = uniform(&r, 0.6f, 1.2f);
        add_box(s, SP__SYNTH_CRATE, 0.5f, crate_rgb, x, x + e, y - e / 2,
                y + e / 2, e, 0.0f);
    }
}

void sp__synth_scene_at(const sp__synth_scene *s, double t,
                        sp__synth_scene *out)
{
    if (out != s)
        memcpy(out, s, sizeof *s);
    const double span = TRAFFIC_X1 - TRAFFIC_X0;
    for (int i = 0; i < out->n; i++) {
        sp__synth_object *o = &out->obj[i];
        if (o->vx == 0.0f)
            continue;
        double c = 0.5 * ((double)o->x0 + o->x1),
               half = 0.5 * ((double)o->x1 - o->x0);
        double nc = fmod(c - TRAFFIC_X0 + o->vx * t, span);
        if (nc < 0)
            nc += span;
        nc += TRAFFIC_X0;
        o->x0 = (float)(nc - half);
        o->x1 = (float)(nc + half);
    }
}

int sp__synth_column(const sp__synth_scene *s, float ox, float oy, float dx,
                     float dy, sp__synth_span *spans, int cap)
{
    int n = 0;
    const float inf = INFINITY;
    float idx = dx != 0.0f ? 1.0f / dx : inf,
          idy = dy != 0.0f ? 1.0f / dy : inf;
    for (int i = 0; i < s->n && n < cap; i++) {
        const sp__synth_object *o = &s->obj[i];
        sp__synth_span sp;
        if (o->kind == SP__SYNTH_BOX) {
            float tx0, tx1, ty0, ty1;
            if (dx != 0.0f) {
                tx0 = (o->x0 - ox) * idx;
                tx1 = (o->x1 - ox) * idx;
            } else {
                if (ox < o->x0 || ox > o->x1)
                    continue;
                tx0 = -inf;
                tx1 = inf;
            }
            if (dy != 0.0f) {
                ty0 = (o->y0 - oy) * idy;
                ty1 = (o->y1 - oy) * idy;
            } else {
                if (oy < o->y0 || oy > o->y1)
                    continue;
                ty0 = -inf;
                ty1 = inf;
            }
            float txn = minf(tx0, tx1), txf = maxf(tx0, tx1);
            float tyn = minf(ty0, ty1), tyf = maxf(ty0, ty1);
            sp.d_in = maxf(txn, tyn);
            sp.d_out = minf(txf, tyf);
            if (sp.d_out < sp.d_in || sp.d_in <= 0.0f)
                continue; /* missed, or the origin is inside (never placed so)
                           */
            if (txn > tyn) {
                sp.nx = dx > 0 ? -1.0f : 1.0f;
                sp.ny = 0.0f;
            } else {
                sp.nx = 0.0f;
                sp.ny = dy > 0 ? -1.0f : 1.0f;
            }
        } else {
            float px = ox - o->x0, py = oy - o->y0;
            float b = px * dx + py * dy;
            float c = px * px + py * py - o->r * o->r;
            float disc = b * b - c;
            if (disc <= 0.0f || c <= 0.0f)
                continue;
            float q = sqrtf(disc);
            sp.d_in = -b - q;
            sp.d_out = -b + q;
            if (sp.d_in <= 0.0f)
                continue;
            sp.nx = (px + sp.d_in * dx) / o->r;
            sp.ny = (py + sp.d_in * dy) / o->r;
        }
        sp.obj = i;
        /* insertion sort by d_in: a column crosses only a handful */
        int j = n++;
        while (j > 0 && spans[j - 1].d_in > sp.d_in) {
            spans[j] = spans[j - 1];
            j--;
        }
        spans[j] = sp;
    }
    return n;
}

void sp__synth_cast(const sp__synth_scene *s, const sp__synth_span *spans,
                    int n, float oz, float slope, float max_d,
                    sp__synth_hit *hit)
{
    hit->obj = SP__SYNTH_HIT_NONE;
    hit->top = 0;
    hit->nx = hit->ny = 0.0f;
    hit->d = max_d;
    if (slope < 0.0f) {
        float dg = (SP__SYNTH_GROUND_Z - oz) / slope;
        if (dg < max_d) {
            hit->d = dg;
            hit->obj = SP__SYNTH_HIT_GROUND;
        }
    }
    for (int i = 0; i < n; i++) {
        const sp__synth_span *sp = &spans[i];
        if (sp->d_in >= hit->d)
            break; /* sorted: nothing later is closer */
        const sp__synth_object *o = &s->obj[sp->obj];
        float z_in = oz + slope * sp->d_in;
        if (z_in >= o->z0 && z_in <= o->z1) {
            hit->d = sp->d_in;
            hit->obj = sp->obj;
            hit->top = 0;
            hit->nx = sp->nx;
            hit->ny = sp->ny;
            break; /* every later span starts farther away */
        }
        if (z_in > o->z1 && slope < 0.0f) {
            float d_top = (o->z1 - oz) / slope;
            if (d_top <= sp->d_out && d_top < hit->d) {
                hit->d = d_top;
                hit->obj = sp->obj;
                hit->top = 1;
            }
        }
    }
}

int sp__synth_ground_kind(float x, float y)
{
    float ay = fabsf(y);
    if (ay > 7.0f)
        return SP__SYNTH_PAVEMENT;
    /* solid kerb lines, dashed lane lines (3 m dash every 9 m) */
    if (ay > 6.75f)
        return SP__SYNTH_PAINT;
    if (fabsf(ay - 1.75f) < 0.075f) {
        float f = (x + 100.0f) * (1.0f / 9.0f);
        if (f - sp__synth_floor(f) < 1.0f / 3.0f)
            return SP__SYNTH_PAINT;
    }
    return SP__SYNTH_ASPHALT;
}

int sp__synth_is_window(float u, float z)
{
    float h = z - SP__SYNTH_GROUND_Z - 2.5f;
    if (h < 0.0f)
        return 0;
    float fu = u * (1.0f / 3.0f), fh = h * (1.0f / 3.2f);
    fu -= sp__synth_floor(fu);
    fh -= sp__synth_floor(fh);
    return fu > 0.25f && fu < 0.75f && fh > 0.3f && fh < 0.8f;
}

void sp__synth_calib(sp_calib *c, uint32_t width, uint32_t height)
{
    memset(c, 0, sizeof *c);
    /* KITTI's intrinsics scaled to the asked size, so the field of view
     * stays KITTI's whatever the resolution. */
    double fx = KITTI_FX * width / SP__SYNTH_CAM_WIDTH;
    double fy = KITTI_FX * height / SP__SYNTH_CAM_HEIGHT;
    double cx = KITTI_CX * width / SP__SYNTH_CAM_WIDTH;
    double cy = KITTI_CY * height / SP__SYNTH_CAM_HEIGHT;
    double P[12] = {fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0};
    c->has_P = 1;
    for (int i = 0; i < 4; i++)
        memcpy(c->P[i], P, sizeof P);
    c->has_R0 = 1;
    double I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(c->R0, I, sizeof I);
    /* Lidar (x forward, y left, z up) to camera (x right, y down, z
     * forward), camera centre at (CAM_X, 0, CAM_Z) in the lidar frame:
     * p_cam = R (p - c) with t = -R c. */
    double T[12] = {0, -1, 0,  0,
                    0, 0,  -1, (double)SP__SYNTH_CAM_Z,
                    1, 0,  0,  -(double)SP__SYNTH_CAM_X};
    c->has_velo_to_cam = 1;
    memcpy(c->velo_to_cam, T, sizeof T);
    c->has_K = 1;
    double K[9] = {fx, 0, cx, 0, fy, cy, 0, 0, 1};
    memcpy(c->K, K, sizeof K);
    c->width = (int)width;
    c->height = (int)height;
    c->camera = 2;
    c->form = SP_CALIB_SYNTH;
    strcpy(c->source, "synth");
}
