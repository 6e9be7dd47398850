/* resize: argument checks, the coordinate/weight tables (the plan) and the
 * choice of back-end. The tables are computed here, once per call, into the
 * context's scratch, so scalar, SIMD and OpenCL apply the very same numbers;
 * computing them costs O(width + height), nothing next to the pixels. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "resize_int.h"
#include "sp_image.h"

/* OpenCL pays a launch and table upload; on a CPU device it does not beat
 * AVX2 below a few megapixels, so AUTO keeps smaller frames on the CPU. */
#define RESIZE_CL_MIN_WORK ((size_t)4 << 20)

typedef int (*resize_fn)(sp_kctx *, const sp__resize_plan *);

/* clang-format 14 rewraps this macro differently on every run. */
/* clang-format off */
#define RESIZE_BODIES                                                          \
    {                                                                          \
        SP__KT_SCALAR(sp__resize_scalar)                                       \
        SP__KT_SSE41(sp__resize_sse41) SP__KT_AVX2(sp__resize_avx2)            \
            SP__KT_NEON(sp__resize_neon) SP__KT_OPENCL(sp__resize_cl)          \
    }
/* clang-format on */

/* Linear and nearest: copy-bound on a device with its own memory (1920x1080
 * to 640x384 on the H200 with its copies: 0.62-0.74 ms, one AVX2 core of
 * its host 0.22-0.42 ms). */
static const sp__ktable resize_table = {
    "resize",
    RESIZE_BODIES,
    RESIZE_CL_MIN_WORK,
    SP__KT_STREAMING,
};

/* Area reads every source pixel for each output one it covers: it pays on
 * such a device too (the same resize: 0.76 ms against 4.24), and its work
 * is the source's size. */
static const sp__ktable resize_area_table = {
    "resize",
    RESIZE_BODIES,
    RESIZE_CL_MIN_WORK,
    0,
};

/* Element offsets are int32 and area weights floats: keep sizes sane. */
#define RESIZE_MAX_DIM ((uint32_t)1 << 24)

static const char *const method_names[] = {"linear", "area", "nearest"};

const char *sp_resize_method_name(sp_resize_method m)
{
    if ((unsigned)m >= sizeof method_names / sizeof method_names[0])
        return NULL;
    return method_names[m];
}

int sp_resize_method_from_name(const char *name, sp_resize_method *out)
{
    SP_GUARD(name && out);
    for (unsigned i = 0; i < sizeof method_names / sizeof method_names[0]; i++)
        if (strcasecmp(name, method_names[i]) == 0) {
            *out = (sp_resize_method)i;
            return SP_OK;
        }
    return sp__fail(SP_ENOTFOUND,
                    "resize: method '%s' unknown, expected linear, area or "
                    "nearest",
                    name);
}

int sp_resize_supports(sp_pixfmt fmt)
{
    return fmt == SP_PIX_GRAY8 || fmt == SP_PIX_RGB8 || fmt == SP_PIX_BGR8 ||
           fmt == SP_PIX_RGBA8 || fmt == SP_PIX_F32;
}

size_t sp_resize_block_size(uint32_t width, uint32_t height, sp_pixfmt fmt)
{
    if (!sp_resize_supports(fmt))
        return 0;
    return sp_image_block_size(width, height, fmt, 0);
}

/* Element count per pixel as resize sees it. */
static int elems_per_pixel(sp_pixfmt fmt)
{
    switch (fmt) {
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
        return 3;
    case SP_PIX_RGBA8:
        return 4;
    default:
        return 1;
    }
}

static int check_image(const sp_image *im, const char *which, int cn, int esz)
{
    if (im->width > RESIZE_MAX_DIM || im->height > RESIZE_MAX_DIM)
        return sp__fail(SP_EINVAL,
                        "resize: %s is %ux%u, expected at most %u pixels a "
                        "side",
                        which, im->width, im->height, RESIZE_MAX_DIM);
    size_t row = (size_t)im->width * (size_t)cn * (size_t)esz;
    if (!im->data)
        return sp__fail(SP_EINVAL, "resize: %s has no data", which);
    if (im->stride < row)
        return sp__fail(SP_EINVAL,
                        "resize: %s stride %zu is smaller than its row of "
                        "%zu bytes",
                        which, im->stride, row);
    if (esz == 4 && (im->stride % 4 != 0 || ((uintptr_t)im->data & 3) != 0))
        return sp__fail(SP_EINVAL,
                        "resize: %s is f32 with stride %zu or data not a "
                        "multiple of 4 bytes, expected 4-byte aligned rows",
                        which, im->stride);
    return SP_OK;
}

static size_t align64(size_t n)
{
    return (n + 63) & ~(size_t)63;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* OpenCV's saturate_cast<short>(float): round half to even. */
static int16_t round_s16(float v)
{
    long r = lrintf(v);
    return (int16_t)(r < -32768 ? -32768 : (r > 32767 ? 32767 : r));
}

/* Carves the tables of plan p out of one scratch buffer. */
static int plan_tables(sp_kctx *k, sp__resize_plan *p)
{
    size_t n = (size_t)p->n, dh = p->dh, dw = p->dw;
    size_t bytes = 0;
    size_t o_x0 = 0, o_x1 = 0, o_ia = 0, o_fa = 0, o_y0 = 0, o_y1 = 0, o_ib = 0,
           o_fb = 0, o_axs = 0, o_axn = 0, o_axw = 0, o_awx = 0, o_ays = 0,
           o_ayn = 0, o_ayw = 0, o_awy = 0;
#define TAKE(off, sz)                                                          \
    do {                                                                       \
        (off) = bytes;                                                         \
        bytes += align64(sz);                                                  \
    } while (0)
    if (p->method == SP_RESIZE_AREA) {
        /* At most ceil(sw / dw) + 1 source pixels touch an output pixel. */
        size_t wx = dw * ((size_t)p->sw / dw + 2);
        size_t wy = dh * ((size_t)p->sh / dh + 2);
        TAKE(o_axs, dw * 4);
        TAKE(o_axn, dw * 4);
        TAKE(o_axw, dw * 4);
        TAKE(o_awx, wx * 4);
        TAKE(o_ays, dh * 4);
        TAKE(o_ayn, dh * 4);
        TAKE(o_ayw, dh * 4);
        TAKE(o_awy, wy * 4);
    } else {
        TAKE(o_x0, n * 4);
        TAKE(o_x1, n * 4);
        TAKE(o_ia, n * 2 * 2);
        TAKE(o_fa, n * 2 * 4);
        TAKE(o_y0, dh * 4);
        TAKE(o_y1, dh * 4);
        TAKE(o_ib, dh * 2 * 2);
        TAKE(o_fb, dh * 2 * 4);
    }
#undef TAKE
    uint8_t *base = sp__kctx_scratch(k, SP__RESIZE_SLOT_TABLES, bytes);
    if (!base)
        return SP_ENOMEM;
    if (p->method == SP_RESIZE_AREA) {
        p->axs = (int32_t *)(base + o_axs);
        p->axn = (int32_t *)(base + o_axn);
        p->axw = (int32_t *)(base + o_axw);
        p->aw_x = (float *)(base + o_awx);
        p->ays = (int32_t *)(base + o_ays);
        p->ayn = (int32_t *)(base + o_ayn);
        p->ayw = (int32_t *)(base + o_ayw);
        p->aw_y = (float *)(base + o_awy);
    } else {
        p->x0 = (int32_t *)(base + o_x0);
        p->x1 = (int32_t *)(base + o_x1);
        p->ia = (int16_t *)(base + o_ia);
        p->fa = (float *)(base + o_fa);
        p->y0 = (int32_t *)(base + o_y0);
        p->y1 = (int32_t *)(base + o_y1);
        p->ib = (int16_t *)(base + o_ib);
        p->fb = (float *)(base + o_fb);
    }
    return SP_OK;
}

/* OpenCV's resize() coefficient loop for INTER_LINEAR (ksize 2): the
 * position is computed in double and rounded to float before the floor,
 * and a position left of the first pixel or right of the last snaps to it
 * with weight 0 on the other tap. Rows keep their fraction at the top
 * border (both taps clamp to row 0 instead), as OpenCV does. area_mode is
 * OpenCV's INTER_AREA when an axis upscales: output pixel d covers source
 * [d * s, (d + 1) * s), which straddles at most one pixel boundary, and the
 * second tap weighs the part past it. */
static void plan_linear(sp__resize_plan *p, int area_mode)
{
    double inv_x = (double)p->dw / p->sw, inv_y = (double)p->dh / p->sh;
    double scale_x = 1.0 / inv_x, scale_y = 1.0 / inv_y;
    int cn = p->cn, sw = (int)p->sw, sh = (int)p->sh;
    for (uint32_t dx = 0; dx < p->dw; dx++) {
        float fx;
        int sx;
        if (area_mode) {
            sx = (int)floor(dx * scale_x);
            fx = (float)((dx + 1) - (sx + 1) * inv_x);
            fx = fx <= 0 ? 0.f : fx - floorf(fx);
        } else {
            fx = (float)((dx + 0.5) * scale_x - 0.5);
            sx = (int)floorf(fx);
            fx -= (float)sx;
        }
        if (sx < 0) {
            fx = 0.f;
            sx = 0;
        }
        if (sx >= sw - 1) {
            fx = 0.f;
            sx = sw - 1;
        }
        int sx1 = sx + 1 < sw ? sx + 1 : sw - 1;
        float c0 = 1.f - fx, c1 = fx;
        for (int c = 0; c < cn; c++) {
            int i = (int)dx * cn + c;
            p->x0[i] = sx * cn + c;
            p->x1[i] = sx1 * cn + c;
            p->ia[2 * i] = round_s16(c0 * (float)SP__RESIZE_COEF_ONE);
            p->ia[2 * i + 1] = round_s16(c1 * (float)SP__RESIZE_COEF_ONE);
            p->fa[2 * i] = c0;
            p->fa[2 * i + 1] = c1;
        }
    }
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        float fy;
        int sy;
        if (area_mode) {
            sy = (int)floor(dy * scale_y);
            fy = (float)((dy + 1) - (sy + 1) * inv_y);
            fy = fy <= 0 ? 0.f : fy - floorf(fy);
        } else {
            fy = (float)((dy + 0.5) * scale_y - 0.5);
            sy = (int)floorf(fy);
            fy -= (float)sy;
        }
        p->y0[dy] = clampi(sy, 0, sh - 1);
        p->y1[dy] = clampi(sy + 1, 0, sh - 1);
        float c0 = 1.f - fy, c1 = fy;
        p->ib[2 * dy] = round_s16(c0 * (float)SP__RESIZE_COEF_ONE);
        p->ib[2 * dy + 1] = round_s16(c1 * (float)SP__RESIZE_COEF_ONE);
        p->fb[2 * dy] = c0;
        p->fb[2 * dy + 1] = c1;
    }
}

static void plan_nearest(sp__resize_plan *p)
{
    double ifx = 1.0 / ((double)p->dw / p->sw);
    double ify = 1.0 / ((double)p->dh / p->sh);
    int cn = p->cn;
    for (uint32_t dx = 0; dx < p->dw; dx++) {
        int sx = (int)floor(dx * ifx);
        if (sx > (int)p->sw - 1)
            sx = (int)p->sw - 1;
        for (int c = 0; c < cn; c++) {
            int i = (int)dx * cn + c;
            p->x0[i] = p->x1[i] = sx * cn + c;
        }
    }
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        int sy = (int)floor(dy * ify);
        if (sy > (int)p->sh - 1)
            sy = (int)p->sh - 1;
        p->y0[dy] = p->y1[dy] = sy;
    }
}

/* Box weights along one axis, exactly: output pixel d covers [d * s, (d+1)
 * * s) in units of 1/dn source pixels, source pixel i covers [i * dn, (i+1)
 * * dn), and the integer overlap over s is the weight. */
static void plan_area_axis(uint32_t sn, uint32_t dn, int32_t *start,
                           int32_t *count, int32_t *wofs, float *w)
{
    int32_t o = 0;
    for (uint32_t d = 0; d < dn; d++) {
        uint64_t lo = (uint64_t)d * sn, hi = (uint64_t)(d + 1) * sn;
        uint64_t i0 = lo / dn, i1 = (hi + dn - 1) / dn;
        start[d] = (int32_t)i0;
        wofs[d] = o;
        int32_t c = 0;
        for (uint64_t i = i0; i < i1; i++) {
            uint64_t a = i * dn > lo ? i * dn : lo;
            uint64_t b = (i + 1) * dn < hi ? (i + 1) * dn : hi;
            if (b <= a)
                continue;
            w[o + c] = (float)((double)(b - a) / (double)sn);
            c++;
        }
        count[d] = c;
        o += c;
    }
}

/* The first element whose SIMD loads would pass the row end; from there on
 * the back-ends finish the row with the scalar code. */
static int plan_xsafe(const sp__resize_plan *p)
{
    int reach = p->cn + (p->f32 ? 0 : 3);
    for (int i = 0; i < p->n; i++)
        if (p->x0[i] + reach >= p->srow)
            return i;
    return p->n;
}

/* Output rows [y0, y1) only: the plan is made for the whole image, then
 * its per-row tables, the output and (2x path) the input are advanced to y0
 * and its height cut to the band, so the back-ends, which apply the tables
 * row by row, write exactly the bytes a whole-image call writes there. */
static void plan_band(sp__resize_plan *p, uint32_t y0, uint32_t y1)
{
    p->dst += (size_t)y0 * p->dstride;
    if (p->method == SP_RESIZE_AREA) {
        p->ays += y0;
        p->ayn += y0;
        p->ayw += y0; /* offsets into the whole aw_y */
    } else {
        p->y0 += y0;
        p->y1 += y0;
        p->ib += 2 * (size_t)y0;
        p->fb += 2 * (size_t)y0;
        if (p->half)
            p->src += 2 * (size_t)y0 * p->sstride;
    }
    p->dh = y1 - y0;
}

int sp_resize(sp_kctx *k, const sp_image *src, sp_image *dst,
              sp_resize_method method)
{
    SP_GUARD(dst);
    return sp_resize_rows(k, src, dst, method, 0, dst->height);
}

int sp_resize_rows(sp_kctx *k, const sp_image *src, sp_image *dst,
                   sp_resize_method method, uint32_t y0, uint32_t y1)
{
    SP_GUARD(k && src && dst);
    if (!sp_resize_method_name(method))
        return sp__fail(SP_EINVAL,
                        "resize: method %d unknown, expected linear, area or "
                        "nearest",
                        (int)method);
    if (!sp_resize_supports(src->format))
        return sp__fail(SP_EINVAL,
                        "resize: input format %s unsupported, expected gray8, "
                        "rgb8, bgr8, rgba8 or f32",
                        sp_pixfmt_name(src->format)
                            ? sp_pixfmt_name(src->format)
                            : "(invalid)");
    if (dst->format != src->format)
        return sp__fail(SP_EINVAL,
                        "resize: output format %s differs from input %s, "
                        "expected the same",
                        sp_pixfmt_name(dst->format)
                            ? sp_pixfmt_name(dst->format)
                            : "(invalid)",
                        sp_pixfmt_name(src->format));
    if (y0 > y1 || y1 > dst->height)
        return sp__fail(SP_EINVAL,
                        "resize: rows [%u, %u), expected a range within the "
                        "output's %u",
                        y0, y1, dst->height);
    if (dst->width == 0 || y0 == y1)
        return SP_OK;
    if (src->width == 0 || src->height == 0)
        return sp__fail(SP_EINVAL,
                        "resize: input is %ux%u but output %ux%u, expected a "
                        "non-empty input",
                        src->width, src->height, dst->width, dst->height);

    sp__resize_plan p;
    memset(&p, 0, sizeof p);
    p.method = method;
    p.f32 = src->format == SP_PIX_F32;
    p.cn = elems_per_pixel(src->format);
    int esz = p.f32 ? 4 : 1;
    SP_TRY(check_image(src, "input", p.cn, esz));
    SP_TRY(check_image(dst, "output", p.cn, esz));
    p.sw = src->width;
    p.sh = src->height;
    p.dw = dst->width;
    p.dh = dst->height;
    p.n = (int)p.dw * p.cn;
    p.srow = (int)p.sw * p.cn;
    p.src = src->data;
    p.sstride = src->stride;
    p.dst = dst->data;
    p.dstride = dst->stride;
    /* OpenCV turns INTER_LINEAR into its fast 2x2 area average when both
     * scale factors are exactly 2; so do we, to stay bit-exact with it. */
    p.half = method == SP_RESIZE_LINEAR && p.sw == 2 * p.dw && p.sh == 2 * p.dh;
    /* INTER_AREA is a box filter only when neither axis grows; otherwise
     * OpenCV runs its linear code with box-overlap weights. Same here. */
    int area_mode = 0;
    if (method == SP_RESIZE_AREA && (p.dw > p.sw || p.dh > p.sh)) {
        p.method = SP_RESIZE_LINEAR;
        area_mode = 1;
    }

    SP_TRY(plan_tables(k, &p));
    if (p.method == SP_RESIZE_AREA) {
        plan_area_axis(p.sw, p.dw, p.axs, p.axn, p.axw, p.aw_x);
        plan_area_axis(p.sh, p.dh, p.ays, p.ayn, p.ayw, p.aw_y);
    } else if (p.method == SP_RESIZE_NEAREST) {
        plan_nearest(&p);
        p.xsafe = plan_xsafe(&p);
    } else {
        plan_linear(&p, area_mode);
        p.xsafe = plan_xsafe(&p);
    }

    /* A band is one thread's share of a frame: it stays on the CPU. */
    if (y0 != 0 || y1 != dst->height) {
        plan_band(&p, y0, y1);
        return (
            (resize_fn)resize_table.fn[sp__kctx_cpu_impl(k, &resize_table)])(
            k, &p);
    }
    size_t work = (size_t)p.n * p.dh;
    const sp__ktable *t = &resize_table;
    if (p.method == SP_RESIZE_AREA) {
        t = &resize_area_table;
        if ((size_t)p.srow * p.sh > work)
            work = (size_t)p.srow * p.sh;
    }
    sp__kimpl im = sp__kctx_pick_impl(k, t, work);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((resize_fn)t->fn[im])(k, &p);
        im = sp__kctx_after_cl(k, t, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    return ((resize_fn)t->fn[im])(k, &p);
}
