/* undistort: the remap table (built once per calibration, in double, as
 * cv::initUndistortRectifyMap does for CV_16SC2 maps), its key, argument
 * checks and the choice of back-end. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "undistort_int.h"

/* AUTO sends frames to a device only when they are large: on a CPU device
 * the gathers are no faster than AVX2 and the launch costs. */
#define UNDISTORT_CL_MIN_WORK ((size_t)4 << 20)

typedef int (*cpu_fn)(const sp__undistort_job *);
typedef int (*cl_fn)(sp_kctx *, const sp__undistort_job *);

static const sp__ktable undistort_table = {
    "undistort",
    {SP__KT_SCALAR(sp__undistort_scalar) SP__KT_SSE41(sp__undistort_sse41)
         SP__KT_AVX2(sp__undistort_avx2) SP__KT_NEON(sp__undistort_neon)
             SP__KT_OPENCL(sp__undistort_cl)},
    UNDISTORT_CL_MIN_WORK,
    0,
};

/* int16 table coordinates: keep sizes inside them with room to spare. */
#define UNDISTORT_MAX_DIM 16384u

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

size_t sp_undistort_map_size(uint32_t width, uint32_t height)
{
    if (width == 0 || height == 0 || width > UNDISTORT_MAX_DIM ||
        height > UNDISTORT_MAX_DIM)
        return 0;
    size_t n = (size_t)width * height;
    return align64(n * 2 * sizeof(int16_t)) + align64(n * sizeof(uint16_t));
}

/* 3x3 inverse by cofactors; 0 when singular or not finite. */
static int invert3(const double *a, double *inv)
{
    double c00 = a[4] * a[8] - a[5] * a[7];
    double c01 = a[5] * a[6] - a[3] * a[8];
    double c02 = a[3] * a[7] - a[4] * a[6];
    double det = a[0] * c00 + a[1] * c01 + a[2] * c02;
    if (!isfinite(det) || fabs(det) < 1e-300)
        return 0;
    double id = 1.0 / det;
    inv[0] = c00 * id;
    inv[1] = (a[2] * a[7] - a[1] * a[8]) * id;
    inv[2] = (a[1] * a[5] - a[2] * a[4]) * id;
    inv[3] = c01 * id;
    inv[4] = (a[0] * a[8] - a[2] * a[6]) * id;
    inv[5] = (a[2] * a[3] - a[0] * a[5]) * id;
    inv[6] = c02 * id;
    inv[7] = (a[1] * a[6] - a[0] * a[7]) * id;
    inv[8] = (a[0] * a[4] - a[1] * a[3]) * id;
    for (int i = 0; i < 9; i++)
        if (!isfinite(inv[i]))
            return 0;
    return 1;
}

/* OpenCV's saturate_cast<int>(double): round half to even, saturate; NaN
 * goes far outside (INT_MIN) so the pixel reads the border. */
static int round_sat(double v)
{
    if (!(v == v))
        return INT_MIN;
    if (v >= (double)INT_MAX)
        return INT_MAX;
    if (v <= (double)INT_MIN)
        return INT_MIN;
    return (int)lrint(v);
}

static int16_t sat16(int v)
{
    return (int16_t)(v < INT16_MIN ? INT16_MIN
                                   : (v > INT16_MAX ? INT16_MAX : v));
}

/* Where the distortion moves normalised point (x, y): OpenCV's formulas for
 * each model, in double. */
static void distort(const sp_undistort_lens *l, double x, double y, double *xd,
                    double *yd)
{
    const double *k = l->k;
    double x2 = x * x, y2 = y * y, r2 = x2 + y2;
    if (l->model == SP_UNDISTORT_EQUIDISTANT) {
        double r = sqrt(r2);
        if (r == 0) {
            *xd = x;
            *yd = y;
            return;
        }
        double t = atan(r), t2 = t * t;
        double td =
            t * (1 + t2 * (k[0] + t2 * (k[1] + t2 * (k[2] + t2 * k[3]))));
        double sc = td / r;
        *xd = x * sc;
        *yd = y * sc;
        return;
    }
    double _2xy = 2 * x * y;
    double kr = 1 + ((k[4] * r2 + k[1]) * r2 + k[0]) * r2;
    if (l->model == SP_UNDISTORT_RATIONAL)
        kr /= 1 + ((k[7] * r2 + k[6]) * r2 + k[5]) * r2;
    *xd = x * kr + k[2] * _2xy + k[3] * (r2 + 2 * x2);
    *yd = y * kr + k[2] * (r2 + 2 * y2) + k[3] * _2xy;
}

int sp_undistort_map_init_lens(sp_undistort_map *m, void *mem, size_t mem_size,
                               const double K[9], const sp_undistort_lens *lens,
                               uint32_t width, uint32_t height)
{
    SP_GUARD(m && mem && K && lens);
    m->valid = 0;
    size_t need = sp_undistort_map_size(width, height);
    if (need == 0)
        return sp__fail(SP_EINVAL,
                        "undistort map: size %ux%u, expected 1..%u pixels a "
                        "side",
                        width, height, UNDISTORT_MAX_DIM);
    if (mem_size < need)
        return sp__fail(SP_EINVAL,
                        "undistort map: %zu bytes given for %ux%u, expected "
                        "%zu (sp_undistort_map_size)",
                        mem_size, width, height, need);
    if (((uintptr_t)mem & 7) != 0)
        return sp__fail(SP_EINVAL, "undistort map: memory not 8-byte aligned");
    if ((unsigned)lens->model > SP_UNDISTORT_EQUIDISTANT)
        return sp__fail(SP_EINVAL,
                        "undistort map: distortion model %d, expected "
                        "plumb_bob, rational_polynomial or equidistant",
                        (int)lens->model);
    for (int i = 0; i < 8; i++)
        if (!isfinite(lens->k[i]))
            return sp__fail(SP_EINVAL,
                            "undistort map: distortion coefficient "
                            "%d is not finite",
                            i);
    double ir[9];
    if (!invert3(K, ir))
        return sp__fail(SP_EINVAL,
                        "undistort map: camera matrix [%g %g %g; %g %g %g; %g "
                        "%g %g] is not invertible, expected fx, fy != 0",
                        K[0], K[1], K[2], K[3], K[4], K[5], K[6], K[7], K[8]);

    const size_t n = (size_t)width * height;
    int16_t *xy = mem;
    uint16_t *frac = (uint16_t *)(void *)((uint8_t *)mem + align64(n * 4));
    const double fx = K[0], fy = K[4], u0 = K[2], v0 = K[5];
    for (uint32_t i = 0; i < height; i++) {
        for (uint32_t j = 0; j < width; j++) {
            double X = j * ir[0] + i * ir[1] + ir[2];
            double Y = j * ir[3] + i * ir[4] + ir[5];
            double W = j * ir[6] + i * ir[7] + ir[8];
            double w = 1.0 / W, xd, yd;
            distort(lens, X * w, Y * w, &xd, &yd);
            double u = fx * xd + u0, v = fy * yd + v0;
            int iu = round_sat(u * SP__REMAP_TAB);
            int iv = round_sat(v * SP__REMAP_TAB);
            size_t p = (size_t)i * width + j;
            xy[2 * p] = sat16(iu >> SP__REMAP_BITS);
            xy[2 * p + 1] = sat16(iv >> SP__REMAP_BITS);
            frac[p] = (uint16_t)((iv & (SP__REMAP_TAB - 1)) * SP__REMAP_TAB +
                                 (iu & (SP__REMAP_TAB - 1)));
        }
    }
    m->width = width;
    m->height = height;
    memcpy(m->K, K, sizeof m->K);
    m->lens = *lens;
    m->xy = xy;
    m->frac = frac;
    m->valid = 1;
    return SP_OK;
}

static void plumb_bob(const double dist[5], sp_undistort_lens *l)
{
    memset(l, 0, sizeof *l);
    l->model = SP_UNDISTORT_PLUMB_BOB;
    if (dist)
        memcpy(l->k, dist, 5 * sizeof *dist);
}

int sp_undistort_map_init(sp_undistort_map *m, void *mem, size_t mem_size,
                          const double K[9], const double dist[5],
                          uint32_t width, uint32_t height)
{
    sp_undistort_lens l;
    plumb_bob(dist, &l);
    return sp_undistort_map_init_lens(m, mem, mem_size, K, &l, width, height);
}

int sp_undistort_map_matches_lens(const sp_undistort_map *m, const double K[9],
                                  const sp_undistort_lens *lens, uint32_t width,
                                  uint32_t height)
{
    if (!m || !K || !lens || !m->valid)
        return 0;
    return m->width == width && m->height == height &&
           memcmp(m->K, K, sizeof m->K) == 0 && m->lens.model == lens->model &&
           memcmp(m->lens.k, lens->k, sizeof m->lens.k) == 0;
}

int sp_undistort_map_matches(const sp_undistort_map *m, const double K[9],
                             const double dist[5], uint32_t width,
                             uint32_t height)
{
    sp_undistort_lens l;
    plumb_bob(dist, &l);
    return sp_undistort_map_matches_lens(m, K, &l, width, height);
}

static int elems(sp_pixfmt fmt, int *cn, int *f32)
{
    *f32 = 0;
    switch (fmt) {
    case SP_PIX_GRAY8:
        *cn = 1;
        return 1;
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
        *cn = 3;
        return 1;
    case SP_PIX_RGBA8:
        *cn = 4;
        return 1;
    case SP_PIX_F32:
        *cn = 1, *f32 = 1;
        return 1;
    default:
        return 0;
    }
}

int sp_undistort(sp_kctx *k, const sp_undistort_map *m, const sp_image *src,
                 sp_image *dst)
{
    SP_GUARD(dst);
    return sp_undistort_rows(k, m, src, dst, 0, dst->height);
}

int sp_undistort_rows(sp_kctx *k, const sp_undistort_map *m,
                      const sp_image *src, sp_image *dst, uint32_t y0,
                      uint32_t y1)
{
    SP_GUARD(k && m && src && dst);
    if (!m->valid)
        return sp__fail(SP_EINVAL, "undistort: the map is not built, expected "
                                   "sp_undistort_map_init() first");
    int cn, f32;
    if (!elems(src->format, &cn, &f32))
        return sp__fail(SP_EINVAL,
                        "undistort: input format %s unsupported, expected "
                        "gray8, rgb8, bgr8, rgba8 or f32",
                        sp_pixfmt_name(src->format)
                            ? sp_pixfmt_name(src->format)
                            : "(invalid)");
    if (dst->format != src->format)
        return sp__fail(SP_EINVAL,
                        "undistort: output format %s differs from input %s, "
                        "expected the same",
                        sp_pixfmt_name(dst->format)
                            ? sp_pixfmt_name(dst->format)
                            : "(invalid)",
                        sp_pixfmt_name(src->format));
    if (src->width != m->width || src->height != m->height ||
        dst->width != m->width || dst->height != m->height)
        return sp__fail(SP_EINVAL,
                        "undistort: images %ux%u -> %ux%u, expected the map's "
                        "%ux%u",
                        src->width, src->height, dst->width, dst->height,
                        m->width, m->height);
    size_t row = (size_t)src->width * (size_t)cn * (f32 ? 4 : 1);
    if (!src->data || !dst->data)
        return sp__fail(SP_EINVAL, "undistort: image without data");
    if (src->stride < row || dst->stride < row)
        return sp__fail(SP_EINVAL,
                        "undistort: stride %zu / %zu smaller than the row of "
                        "%zu bytes",
                        src->stride, dst->stride, row);
    if (f32 && ((src->stride | dst->stride) % 4 != 0 ||
                (((uintptr_t)src->data | (uintptr_t)dst->data) & 3) != 0))
        return sp__fail(SP_EINVAL,
                        "undistort: f32 stride %zu / %zu or data not a "
                        "multiple of 4 bytes, expected 4-byte aligned rows",
                        src->stride, dst->stride);
    if (y0 > y1 || y1 > dst->height)
        return sp__fail(SP_EINVAL,
                        "undistort: rows [%u, %u), expected a range within "
                        "the image's %u",
                        y0, y1, dst->height);

    sp__undistort_job j = {.src = src->data,
                           .sstride = src->stride,
                           .dst = dst->data,
                           .dstride = dst->stride,
                           .w = src->width,
                           .h = src->height,
                           .y0 = y0,
                           .y1 = y1,
                           .cn = cn,
                           .f32 = f32,
                           .xy = m->xy,
                           .frac = m->frac};
    /* A band of rows is one thread's share of a frame: it stays on the
     * CPU, where every back-end writes exactly the rows it is given. */
    if (y0 != 0 || y1 != dst->height)
        return (
            (cpu_fn)undistort_table.fn[sp__kctx_cpu_impl(k, &undistort_table)])(
            &j);
    size_t work = (size_t)j.w * j.h;
    sp__kimpl im = sp__kctx_pick_impl(k, &undistort_table, work);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((cl_fn)undistort_table.fn[im])(k, &j);
        im = sp__kctx_after_cl(k, &undistort_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    return ((cpu_fn)undistort_table.fn[im])(&j);
}
