/* The synthetic spinning lidar: 64 beams over -24.8 to +2 degrees, 1800
 * azimuth steps per 10 Hz sweep (fewer with columns=), ray cast against the
 * street scene.
 *
 * Cost: one footprint intersection per column (1800 x objects) and then,
 * per beam, a height test against the few footprints the column crosses;
 * trigonometry comes from tables filled once. */
#include <math.h>

#include "error_int.h"
#include "synth_int.h"

#define PI_D 3.14159265358979323846

void sp__synth_lidar_init(sp__synth_lidar *l, int columns)
{
    l->columns = columns < 1                    ? 1
                 : columns > SP__SYNTH_AZIMUTHS ? SP__SYNTH_AZIMUTHS
                                                : columns;
    for (int a = 0; a < l->columns; a++) {
        /* firing starts behind the car (-180 deg) and turns counter-
         * clockwise, as the KITTI sweeps do */
        double az = -PI_D + (a + 0.5) * 2.0 * PI_D / l->columns;
        l->cos_az[a] = (float)cos(az);
        l->sin_az[a] = (float)sin(az);
    }
    for (int b = 0; b < SP__SYNTH_BEAMS; b++) {
        /* Each beam at the centre of its share of the vertical field of
         * view, as each firing is at the centre of its azimuth step: a
         * range image of 64 rows over -24.8:2 (its default) then has one
         * beam in the middle of each row, and one of 1800 columns
         * (cols=auto) one firing in the middle of each column — no empty
         * stripes either way. */
        double el = (SP__SYNTH_EL_MIN_DEG +
                     (b + 0.5) * (SP__SYNTH_EL_MAX_DEG - SP__SYNTH_EL_MIN_DEG) /
                         SP__SYNTH_BEAMS) *
                    PI_D / 180.0;
        l->tan_el[b] = (float)tan(el);
        l->inv_cos_el[b] = (float)(1.0 / cos(el));
    }
}

/* Lidar reflectivity of the ground at a point. */
static float ground_refl(float x, float y)
{
    switch (sp__synth_ground_kind(x, y)) {
    case SP__SYNTH_PAINT:
        return 0.75f;
    case SP__SYNTH_PAVEMENT:
        return 0.30f;
    default:
        return 0.16f;
    }
}

int sp__synth_lidar_sweep(const sp__synth_lidar *l,
                          const sp__synth_scene *scene, uint64_t frame_seed,
                          sp_points *out)
{
    size_t most = (size_t)SP__SYNTH_BEAMS * (size_t)l->columns;
    if (!out || out->capacity < most || !out->x || !out->y || !out->z ||
        !out->intensity)
        return sp__fail(SP_EINVAL,
                        "synth lidar: output holds %zu points, expected %zu",
                        out ? out->capacity : 0, most);
    uint64_t rs = frame_seed ? frame_seed : 1;
    sp__synth_span spans[SP__SYNTH_MAX_OBJECTS];
    const float dt = (float)(SP__SYNTH_SWEEP_S / l->columns);
    float *X = out->x, *Y = out->y, *Z = out->z, *I = out->intensity,
          *T = out->time;
    uint16_t *R = out->ring;
    size_t n = 0;

    for (int a = 0; a < l->columns; a++) {
        float dx = l->cos_az[a], dy = l->sin_az[a];
        int ns = sp__synth_column(scene, 0.0f, 0.0f, dx, dy, spans,
                                  SP__SYNTH_MAX_OBJECTS);
        float t = (float)a * dt;
        for (int b = 0; b < SP__SYNTH_BEAMS; b++) {
            float slope = l->tan_el[b], sec = l->inv_cos_el[b];
            sp__synth_hit hit;
            sp__synth_cast(scene, spans, ns, 0.0f, slope,
                           SP__SYNTH_MAX_RANGE / sec, &hit);
            float u0 = sp__synth_unit(&rs), u1 = sp__synth_unit(&rs);
            if (hit.obj == SP__SYNTH_HIT_NONE)
                continue;
            float d = hit.d, range = d * sec;
            float hx = d * dx, hy = d * dy, hz = d * slope;
            /* incidence: cosine between the ray and the surface normal */
            float cos_el = 1.0f / sec, refl, cosi, p_drop;
            if (hit.obj == SP__SYNTH_HIT_GROUND || hit.top) {
                cosi = fabsf(slope) * cos_el;
                refl = hit.obj == SP__SYNTH_HIT_GROUND
                           ? ground_refl(hx, hy)
                           : scene->obj[hit.obj].refl;
                p_drop = 0.01f;
            } else {
                const sp__synth_object *o = &scene->obj[hit.obj];
                cosi = cos_el * fabsf(hit.nx * dx + hit.ny * dy);
                refl = o->refl;
                p_drop = 0.008f;
                if (o->material == SP__SYNTH_BUILDING &&
                    sp__synth_is_window(hit.nx != 0.0f ? hy : hx, hz)) {
                    /* glass: most pulses pass through or reflect away */
                    refl = 0.05f;
                    p_drop = 0.6f;
                }
            }
            float falloff = 1.0f / (1.0f + range * range * (1.0f / 6400.0f));
            float inten = refl * (0.25f + 0.75f * cosi) * falloff;
            /* weak and far returns drop out more often */
            if (range > 70.0f)
                p_drop += (range - 70.0f) * 0.004f;
            if (inten < 0.02f)
                p_drop += 0.3f;
            if (u0 < p_drop)
                continue;
            /* +-2 cm range noise along the ray */
            float dn = d + (u1 - 0.5f) * 0.04f * cos_el;
            X[n] = dn * dx;
            Y[n] = dn * dy;
            Z[n] = dn * slope;
            inten += (u1 - 0.5f) * 0.02f;
            I[n] = inten < 0.0f ? 0.0f : inten > 1.0f ? 1.0f : inten;
            if (R)
                R[n] = (uint16_t)b;
            if (T)
                T[n] = t;
            n++;
        }
    }
    out->count = n;
    return SP_OK;
}
