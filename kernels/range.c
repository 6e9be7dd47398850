/* range: parameters, output checks and back-end dispatch. See sp_range.h
 * for the spec. */
#include <math.h>
#include <string.h>

#include "lidar_int.h"

/* Below this many points the OpenCL launch overhead outweighs the gain. */
#define RANGE_CL_MIN_WORK 200000

static int range_resolve(const sp_range_params *in, sp_range_params *p)
{
    static const sp_range_params def = {
        SP_RANGE_DEFAULT_ROWS, SP_RANGE_DEFAULT_COLS, SP_RANGE_DEFAULT_FOV_DOWN,
        SP_RANGE_DEFAULT_FOV_UP};
    *p = in ? *in : def;
    if (p->rows == 0)
        p->rows = def.rows;
    if (p->cols == 0)
        p->cols = def.cols;
    if (p->fov_down == 0 && p->fov_up == 0) {
        p->fov_down = def.fov_down;
        p->fov_up = def.fov_up;
    }
    if (p->rows < 0 || p->cols < 0)
        return sp__fail(SP_EINVAL, "range: rows=%d cols=%d, expected > 0",
                        p->rows, p->cols);
    if (!(p->fov_down < p->fov_up) || !(p->fov_down >= -90.0) ||
        !(p->fov_up <= 90.0))
        return sp__fail(SP_EINVAL,
                        "range: fov=%g:%g, expected down:up degrees with "
                        "-90 <= down < up <= 90",
                        p->fov_down, p->fov_up);
    /* rows and cols are compared as float32: keep each <= 2^24. */
    if ((double)p->rows * p->cols > (double)SP_RANGE_MAX_PIXELS ||
        p->rows > 16777216 || p->cols > 16777216)
        return sp__fail(SP_EINVAL, "range: %d x %d pixels, expected at most %u",
                        p->rows, p->cols, (unsigned)SP_RANGE_MAX_PIXELS);
    return SP_OK;
}

int sp_range_shape(const sp_range_params *params, size_t shape[3])
{
    sp_range_params p;
    SP_GUARD(shape != NULL);
    SP_TRY(range_resolve(params, &p));
    shape[0] = 5;
    shape[1] = (size_t)p.rows;
    shape[2] = (size_t)p.cols;
    return SP_OK;
}

static void range_plan_init(sp__range_plan *pl, const sp_range_params *p)
{
    const double deg = 3.14159265358979323846 / 180.0;
    pl->rows = (uint32_t)p->rows;
    pl->cols = (uint32_t)p->cols;
    pl->fov_up = (float)(p->fov_up * deg);
    pl->row_scale = (float)(p->rows / ((p->fov_up - p->fov_down) * deg));
    pl->frows = (float)p->rows;
    pl->fcols = (float)p->cols;
}

typedef int (*range_cl_fn)(sp_kctx *, const sp__range_plan *, const sp_points *,
                           float *);

static const sp__ktable range_table = {
    "range",
    {SP__KT_SCALAR(sp__range_scatter_scalar) SP__KT_SSE41(
        sp__range_scatter_sse41) SP__KT_AVX2(sp__range_scatter_avx2)
         SP__KT_NEON(sp__range_scatter_neon) SP__KT_OPENCL(sp__range_opencl)},
    RANGE_CL_MIN_WORK,
    SP__KT_EXACT_DIVIDE,
};

int sp_range_project(sp_kctx *k, const sp_range_params *params,
                     const sp_points *in, sp_tensor *out)
{
    sp_range_params p;
    size_t shape[3];
    SP_GUARD(k != NULL && in != NULL && out != NULL);
    SP_TRY(range_resolve(params, &p));
    SP_TRY(sp_range_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("range", in));
    SP_TRY(sp__lidar_check_tensor("range", out, 3, shape));

    sp__range_plan pl;
    range_plan_init(&pl, &p);
    sp__kimpl im = sp__kctx_pick_impl(k, &range_table, in->count);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((range_cl_fn)range_table.fn[im])(k, &pl, in, out->data);
        im = sp__kctx_after_cl(k, &range_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    float *o = out->data;
    size_t total = 5 * shape[1] * shape[2];
    for (size_t i = 0; i < total; i++)
        o[i] = -1.0f;
    ((sp__range_scatter_fn)range_table.fn[im])(&pl, in, o);
    return SP_OK;
}

/* The classification half of the CPU scatters, for a split frame. */
static const sp__ktable range_cells_table = {
    "range",
    {SP__KT_SCALAR(sp__range_cells_scalar) SP__KT_SSE41(sp__range_cells_sse41)
         SP__KT_AVX2(sp__range_cells_avx2) SP__KT_NEON(sp__range_cells_neon)},
    0,
    0,
};

int sp_range_cells(sp_kctx *k, const sp_range_params *params,
                   const sp_points *in, size_t i0, size_t i1, int32_t *pix,
                   float *r)
{
    sp_range_params p;
    size_t shape[3];
    SP_GUARD(k != NULL && in != NULL &&
             (i0 == i1 || (pix != NULL && r != NULL)));
    SP_TRY(range_resolve(params, &p));
    SP_TRY(sp_range_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("range", in));
    if (i0 > i1 || i1 > in->count)
        return sp__fail(SP_EINVAL,
                        "range: points [%zu, %zu), expected a range within "
                        "the cloud's %zu",
                        i0, i1, in->count);
    sp__range_plan pl;
    range_plan_init(&pl, &p);
    ((sp__range_cells_fn)
         range_cells_table.fn[sp__kctx_cpu_impl(k, &range_cells_table)])(
        &pl, in, i0, i1, pix, r);
    return SP_OK;
}

int sp_range_rows(const sp_range_params *params, const sp_points *in,
                  const int32_t *pix, const float *r, size_t r0, size_t r1,
                  sp_tensor *out)
{
    sp_range_params p;
    size_t shape[3];
    SP_GUARD(in != NULL && out != NULL &&
             (in->count == 0 || (pix != NULL && r != NULL)));
    SP_TRY(range_resolve(params, &p));
    SP_TRY(sp_range_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("range", in));
    SP_TRY(sp__lidar_check_tensor("range", out, 3, shape));
    if (r0 > r1 || r1 > shape[1])
        return sp__fail(SP_EINVAL,
                        "range: rows [%zu, %zu), expected a range within the "
                        "image's %zu",
                        r0, r1, shape[1]);
    size_t plane = shape[1] * shape[2], p0 = r0 * shape[2], p1 = r1 * shape[2];
    float *o = out->data;
    for (int ch = 0; ch < 5; ch++)
        for (size_t i = p0; i < p1; i++)
            o[ch * plane + i] = -1.0f;
    /* The points of the band in input order, as the one-pass scatter
     * offers them: the same winner on equal ranges. */
    for (size_t i = 0; i < in->count; i++)
        if ((uint32_t)pix[i] - (uint32_t)p0 < (uint32_t)(p1 - p0))
            sp__range_put(o, plane, pix[i], r[i], in->x[i], in->y[i], in->z[i],
                          in->intensity[i]);
    return SP_OK;
}

/* Azimuth steps counted for cols=auto: 0.0005 to 2 degrees in bins of
 * 0.001 degree (0: the beams of one firing, > 2: a jump between beams or a
 * gap in the sweep). */
#define AUTO_BINS 2000
#define AUTO_MIN_STEPS 64
#define AUTO_MAX_RINGS 1024

int sp_range_auto_cols(const sp_points *in, int *cols, double *step_deg)
{
    SP_GUARD(in != NULL && cols != NULL && step_deg != NULL);
    SP_TRY(sp__lidar_check_points("range", in));
    static const double rad2deg = 180.0 / 3.14159265358979323846;
    uint32_t hist[AUTO_BINS];
    double sum[AUTO_BINS];
    double prev[AUTO_MAX_RINGS];
    uint8_t seen[AUTO_MAX_RINGS];
    memset(hist, 0, sizeof hist);
    memset(sum, 0, sizeof sum);
    memset(seen, 0, sizeof seen);
    int rings = (in->fields & SP_POINTS_RING) && in->ring != NULL;
    uint64_t total = 0;
    for (size_t i = 0; i < in->count; i++) {
        float x = in->x[i], y = in->y[i];
        if (!isfinite(x) || !isfinite(y) || (x == 0.0f && y == 0.0f))
            continue;
        size_t key = rings ? in->ring[i] : 0;
        if (key >= AUTO_MAX_RINGS)
            continue;
        double yaw = atan2((double)y, (double)x) * rad2deg;
        if (seen[key]) {
            double d = fabs(yaw - prev[key]);
            if (d > 180.0)
                d = 360.0 - d;
            if (d >= 0.0005 && d < 2.0) {
                int b = (int)(d * 1000.0);
                hist[b < AUTO_BINS ? b : AUTO_BINS - 1]++;
                sum[b < AUTO_BINS ? b : AUTO_BINS - 1] += d;
                total++;
            }
        }
        prev[key] = yaw;
        seen[key] = 1;
    }
    if (total < AUTO_MIN_STEPS)
        return sp__fail(SP_ENOTFOUND,
                        "range: cols=auto: %llu azimuth steps of 0.0005..2 "
                        "degrees between consecutive points of a beam in a "
                        "sweep of %zu points, expected at least %d (points "
                        "in firing order)",
                        (unsigned long long)total, in->count, AUTO_MIN_STEPS);
    /* The median step, refined by the mean of the steps within a bin of
     * it: the bins are 0.001 degree, the answer must be exact enough that
     * 360 / step rounds to the sensor's count. */
    uint64_t acc = 0;
    int m = 0;
    while (m < AUTO_BINS - 1 && (acc += hist[m]) * 2 < total)
        m++;
    double s = 0;
    uint64_t n = 0;
    for (int b = m > 0 ? m - 1 : 0; b <= m + 1 && b < AUTO_BINS; b++) {
        s += sum[b];
        n += hist[b];
    }
    double step = s / (double)n;
    double c = floor(360.0 / step + 0.5);
    if (!(c >= 1 && c <= 65536))
        return sp__fail(SP_ERANGE,
                        "range: cols=auto: an azimuth step of %g degrees "
                        "gives %.0f columns, expected 1..65536",
                        step, c);
    *cols = (int)c;
    *step_deg = step;
    return SP_OK;
}
