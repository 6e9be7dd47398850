/* The `range` stage: turns each lidar frame into a range image, a float32
 * tensor (5, rows, cols) frame named "range" (range, x, y, z, intensity;
 * -1 where empty; see sp_range.h for the column convention). cols=auto
 * (the default) takes the columns from the first sweep's azimuth step
 * (sp_range_auto_cols), once, and says so in a note; every image of the run
 * then has that shape. rows=auto and fov=auto are decided on that sweep
 * too, and fixed ones are checked against it (notes say what they lose). With
 * points=true the input points frame follows the image downstream. Frames
 * without points pass through untouched.
 *
 * threads=N, as bev: the shares first classify slices of the points (pixel
 * and range per point, into one scratch array), then each fills a band of
 * image rows from the points of its band offered in input order
 * (sp_range_cells() and sp_range_rows()). Nearest wins and, on equal
 * ranges, the earlier point, so offering each pixel its points in the
 * order one thread does gives the same winner; keeping per-thread partial
 * images and merging them would need the point index to break ties. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "sp_range.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"

typedef struct range_stage {
    sp_range_params params;
    int auto_cols; /* cols=auto not decided yet */
    int auto_rows; /* rows=auto, fov=auto: decided on the first sweep */
    int auto_fov;
    int checked; /* the first sweep seen: the autos decided, the fit noted */
    size_t shape[3];
    int forward_points;
    sp_frame *pending;
    /* the frame in flight, for the shares */
    const sp_points *in;
    sp_tensor *out;
    int32_t *pix; /* per point, in the share 0 scratch */
    float *r;
    sp__par par;
} range_stage;

static const sp_prop_spec range_props[] = {
    {.name = "rows",
     .type = SP_PROP_INT,
     .def = "64",
     .min = 1,
     .max = 4096,
     .choices = "auto",
     .help = "image rows, row 0 the top of the field of view; auto: one per "
             "beam, from the first sweep's rings"},
    {.name = "cols",
     .type = SP_PROP_INT,
     .def = "auto",
     .min = 1,
     .max = 65536,
     .choices = "auto",
     .help = "image columns over 360 degrees, column cols/2 facing +x; "
             "auto: one per firing, from the first sweep's azimuth step"},
    {.name = "fov",
     .type = SP_PROP_RANGE,
     .def = "-24.8:2",
     .min = -90,
     .max = 90,
     .choices = "auto",
     .help = "vertical field of view down:up in degrees (points outside "
             "are dropped, and a note says how many of the first sweep's); "
             "auto: the first sweep's elevations, half a row wider each "
             "way"},
    {.name = "points",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "also pass the input points downstream after the image"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

static int range_init(sp_stage *st)
{
    range_stage *r = sp_stage_priv(st);
    const sp_prop_value *rows = sp_stage_prop(st, "rows"),
                        *cols = sp_stage_prop(st, "cols"),
                        *fov = sp_stage_prop(st, "fov");
    r->auto_rows = rows->is_auto;
    r->auto_cols = cols->is_auto;
    r->auto_fov = fov->is_auto;
    /* What is auto is decided on the first sweep; until then the
     * defaults' shape stands in. */
    r->params = (sp_range_params){
        .rows = r->auto_rows ? SP_RANGE_DEFAULT_ROWS : (int)rows->i,
        .cols = r->auto_cols ? SP_RANGE_DEFAULT_COLS : (int)cols->i,
        .fov_down = r->auto_fov ? SP_RANGE_DEFAULT_FOV_DOWN : fov->lo,
        .fov_up = r->auto_fov ? SP_RANGE_DEFAULT_FOV_UP : fov->hi};
    r->forward_points = sp_stage_prop_bool(st, "points");
    int rc = sp_range_shape(&r->params, r->shape);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &r->par);
}

/* cols=auto: decided on the first sweep, kept for the run, said in a note
 * (a guess the user should see). */
static int decide_cols(sp_stage *st, range_stage *r, const sp_frame *in)
{
    int cols;
    double step;
    r->auto_cols = 0;
    if (sp_range_auto_cols(&in->u.points, &cols, &step) == SP_OK) {
        sp_stage_note(st,
                      "cols=auto: %d columns, from the azimuth step of "
                      "%.4f degrees in the first sweep (%s)",
                      cols, step, in->stream);
    } else {
        cols = SP_RANGE_DEFAULT_COLS;
        sp_stage_note(st, "cols=auto: %d columns: %s", cols, sp_errmsg());
    }
    r->params.cols = cols;
    return sp_range_shape(&r->params, r->shape);
}

/* The first sweep decides rows=auto (a row per beam: the highest ring + 1)
 * and fov=auto (its elevations, half a row wider each way, so evenly
 * spaced beams fall on row centres), each said in a note; and where the
 * user fixed them, whether they fit, also in notes. The defaults are KITTI's
 * HDL-64E (64 beams over -24.8..2 degrees): a sensor that looks higher or
 * lower would lose those points from every image without a word (the
 * kernel drops what lies outside fov=), and one with fewer beams than rows
 * leaves rows empty. The fov= offered keeps at least 0.05 degree past the
 * points seen (a point on the lower edge is outside). */
static int first_sweep(sp_stage *st, range_stage *r, const sp_frame *in)
{
    const sp_points *p = &in->u.points;
    double down = r->params.fov_down, up = r->params.fov_up;
    double lo = INFINITY, hi = -INFINITY;
    size_t valid = 0, outside = 0;
    for (size_t i = 0; i < p->count; i++) {
        const double x = p->x[i], y = p->y[i], z = p->z[i];
        const double h = sqrt(x * x + y * y);
        if (!isfinite(h) || !isfinite(z) || (h == 0 && z == 0))
            continue;
        const double el = atan2(z, h) * (180 / M_PI);
        valid++;
        lo = el < lo ? el : lo;
        hi = el > hi ? el : hi;
        outside += el <= down || el > up; /* down is row = rows: out */
    }
    uint16_t top = 0;
    for (size_t i = 0; p->ring && i < p->count; i++)
        top = p->ring[i] > top ? p->ring[i] : top;
    const int beams = p->ring && p->count ? top + 1 : 0;

    if (r->auto_rows && beams) {
        r->params.rows = beams;
        sp_stage_note(st,
                      "rows=auto: %d rows, one per beam of the first sweep "
                      "(stream %s, rings 0 to %d)",
                      beams, in->stream, top);
    } else if (r->auto_rows) {
        sp_stage_note(st,
                      "rows=auto: the first sweep (stream %s) has no ring "
                      "field to count beams by: %d rows",
                      in->stream, r->params.rows);
    }
    if (r->auto_fov && valid) {
        const int rows = r->params.rows;
        double half = rows > 1 && hi > lo ? (hi - lo) / (rows - 1) / 2 : 0.5;
        down = fmax(lo - half, -90);
        up = fmin(hi + half, 90);
        r->params.fov_down = down;
        r->params.fov_up = up;
        sp_stage_note(st,
                      "fov=auto: %.3f:%.3f degrees, the first sweep's "
                      "elevations (%.3f to %.3f, stream %s) and half a row "
                      "each way",
                      down, up, lo, hi, in->stream);
    } else if (r->auto_fov) {
        sp_stage_note(st,
                      "fov=auto: the first sweep (stream %s) has no finite "
                      "point: %g:%g degrees",
                      in->stream, down, up);
    } else if (outside) {
        sp_stage_note(
            st,
            "fov=%g:%g: %.1f%% of the first sweep's points (%zu of %zu, "
            "stream %s) lie outside it, at elevations from %.1f to %.1f "
            "degrees, and are left out of every image; fov=%.1f:%.1f (or "
            "fov=auto) would take them",
            down, up, 100.0 * (double)outside / (double)valid, outside, valid,
            in->stream, lo, hi, fmax(floor(lo * 10 - 0.5) / 10, -90),
            fmin(ceil(hi * 10 + 0.5) / 10, 90));
    }
    if (!r->auto_rows && beams && beams != r->params.rows)
        sp_stage_note(st,
                      "rows=%d for the first sweep's %d beams (stream %s, "
                      "rings 0 to %d): %s; rows=%d (or rows=auto) gives a "
                      "row per beam",
                      r->params.rows, beams, in->stream, top,
                      beams < r->params.rows
                          ? "rows no beam reaches stay empty"
                          : "beams share rows (the nearest point wins)",
                      beams);
    if (!r->auto_rows && !r->auto_fov)
        return SP_OK;
    int rc = sp_range_shape(&r->params, r->shape);
    return rc < 0 ? sp_stage_fail(st, rc, "%s", sp_errmsg()) : SP_OK;
}

static int range_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    range_stage *r = sp_stage_priv(st);
    if (!r->checked) {
        r->checked = 1;
        SP_TRY(first_sweep(st, r, in));
    }
    if (r->auto_cols)
        SP_TRY(decide_cols(st, r, in));
    return sp__filter_f32_tensor(o, 3, r->shape);
}

static void range_cells_share(void *arg, int i, int n)
{
    range_stage *r = arg;
    size_t i0, i1;
    sp__par_rows(r->in->count, i, n, 1, &i0, &i1);
    sp__par_note(
        &r->par, i,
        sp_range_cells(r->par.k[i], &r->params, r->in, i0, i1, r->pix, r->r));
}

static void range_rows_share(void *arg, int i, int n)
{
    range_stage *r = arg;
    size_t r0, r1;
    sp__par_rows(r->shape[1], i, n, 1, &r0, &r1);
    sp__par_note(
        &r->par, i,
        sp_range_rows(&r->params, r->in, r->pix, r->r, r0, r1, r->out));
}

static int range_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    range_stage *r = sp_stage_priv(st);
    int n = sp__par_shares(st, &r->par, r->shape[1], 1);
    if (n == 1)
        return sp_range_project(sp_stage_kctx(st), &r->params, &in->u.points,
                                &res->u.tensor);
    size_t count = in->u.points.count;
    SP_TRY(
        sp__par_reserve(&r->par, 1, count * (sizeof(int32_t) + sizeof(float))));
    r->in = &in->u.points;
    r->out = &res->u.tensor;
    r->pix = r->par.buf[0];
    r->r = count ? (float *)(r->pix + count) : NULL;
    return sp__par_two_rounds(&r->par, n, range_cells_share, range_rows_share,
                              r);
}

static const sp__filter_ops range_ops = {
    .input = SP_PAYLOAD_POINTS,
    .stream = "range",
    .prepare = range_prepare,
    .run = range_run,
};

static int range_pull(sp_stage *st, sp_frame **out)
{
    range_stage *r = sp_stage_priv(st);
    return sp__filter_pull(st, &range_ops,
                           r->forward_points ? &r->pending : NULL, out);
}

static void range_fini(sp_stage *st)
{
    range_stage *r = sp_stage_priv(st);
    sp_frame_unref(r->pending);
    r->pending = NULL;
    sp__par_deinit(&r->par);
}

const sp_stage_class sp__stage_range = {
    .name = "range",
    .takes = "points",
    .gives = "tensor (5, rows, cols) float32 on stream range (+ the "
             "points with points=true)",
    .description = "spherical range image (5,rows,cols): range, x, y, z, "
                   "intensity, nearest point per pixel; rows= cols=auto fov= "
                   "(rows=auto fov=auto follow the sensor)",
    .props = range_props,
    .nprops = sizeof range_props / sizeof range_props[0],
    .priv_size = sizeof(range_stage),
    .init = range_init,
    .pull = range_pull,
    .fini = range_fini,
};
