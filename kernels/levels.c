/* Levels: argument checks, per-site scale factors and dispatch. */
#include <math.h>

#include <stdint.h>

#include "levels_int.h"
#if SP_HAVE_OPENCL
#include "cl_int.h"
#endif
#include "sp_levels.h"

#define LEVELS_CL_MIN_WORK ((size_t)1 << 20)

typedef void (*cpu_fn)(const sp__levels_job *);
typedef int (*cl_fn)(sp_kctx *, const sp__levels_job *);

static const sp__ktable levels_table = {
    "levels",
    {SP__KT_SCALAR(sp__levels_scalar) SP__KT_SSE41(sp__levels_sse41)
         SP__KT_AVX2(sp__levels_avx2) SP__KT_NEON(sp__levels_neon)
             SP__KT_OPENCL(sp__levels_cl)},
    LEVELS_CL_MIN_WORK,
    SP__KT_STREAMING,
};

static sp_pixfmt bayer_fmt(sp_bayer_pattern p, int wide)
{
    static const sp_pixfmt f8[5] = {SP_PIX_COUNT, SP_PIX_BAYER_RGGB8,
                                    SP_PIX_BAYER_BGGR8, SP_PIX_BAYER_GRBG8,
                                    SP_PIX_BAYER_GBRG8};
    static const sp_pixfmt f16[5] = {SP_PIX_COUNT, SP_PIX_BAYER_RGGB16,
                                     SP_PIX_BAYER_BGGR16, SP_PIX_BAYER_GRBG16,
                                     SP_PIX_BAYER_GBRG16};
    return wide ? f16[p] : f8[p];
}

static int is_wide_bayer(sp_pixfmt f)
{
    return f == SP_PIX_BAYER_RGGB16 || f == SP_PIX_BAYER_BGGR16 ||
           f == SP_PIX_BAYER_GRBG16 || f == SP_PIX_BAYER_GBRG16;
}

static int check_gain(const char *name, float g)
{
    if (g == 0.0f)
        return SP_OK;
    if (!(g > 0.0f && g <= 64.0f))
        return sp__fail(SP_EINVAL,
                        "levels: gain %s = %g, expected a value in (0, 64]",
                        name, (double)g);
    return SP_OK;
}

int sp_levels_output(const sp_levels_desc *d, const sp_image *src,
                     sp_pixfmt *fmt, uint32_t *width, uint32_t *height)
{
    static const sp_levels_desc defaults = {0};
    SP_GUARD(src && fmt && width && height);
    if (!d)
        d = &defaults;
    if (!is_wide_bayer(src->format))
        return sp__fail(
            SP_EINVAL, "levels: input is %s, expected a 16-bit bayer_* format",
            sp_pixfmt_name(src->format) ? sp_pixfmt_name(src->format)
                                        : "invalid");
    unsigned depth = d->depth ? d->depth : 8;
    if (depth != 8 && depth != 16)
        return sp__fail(SP_EINVAL, "levels: depth %u, expected 8 or 16",
                        d->depth);
    uint32_t full = src->bit_depth && src->bit_depth < 16
                        ? (1u << src->bit_depth) - 1
                        : 65535;
    uint32_t white = d->white ? d->white : full;
    if (d->black > 65535 || white > 65535 || white <= d->black)
        return sp__fail(
            SP_EINVAL,
            "levels: black %u white %u, expected 0 <= black < white <= 65535",
            d->black, white);
    if ((unsigned)d->pattern > SP_BAYER_GBRG)
        return sp__fail(SP_EINVAL,
                        "levels: pattern %d, expected rggb, bggr, grbg or gbrg",
                        (int)d->pattern);
    SP_TRY(check_gain("r", d->gain_r));
    SP_TRY(check_gain("g", d->gain_g));
    SP_TRY(check_gain("b", d->gain_b));
    sp_bayer_pattern p =
        d->pattern ? d->pattern : sp_bayer_pattern_of(src->format);
    *fmt = bayer_fmt(p, depth == 16);
    *width = src->width;
    *height = src->height;
    return SP_OK;
}

int sp_levels(sp_kctx *k, const sp_levels_desc *d, const sp_image *src,
              sp_image *dst)
{
    static const sp_levels_desc defaults = {0};
    static const int rpos[5][2] = {{0, 0}, {0, 0}, {1, 1}, {1, 0}, {0, 1}};
    sp_pixfmt fmt;
    uint32_t w, h;
    SP_GUARD(k && src && dst);
    if (!d)
        d = &defaults;
    SP_TRY(sp_levels_output(d, src, &fmt, &w, &h));
    if (dst->format != fmt || dst->width != w || dst->height != h)
        return sp__fail(
            SP_EINVAL, "levels: output is %s %ux%u, expected %s %ux%u",
            sp_pixfmt_name(dst->format) ? sp_pixfmt_name(dst->format)
                                        : "invalid",
            dst->width, dst->height, sp_pixfmt_name(fmt), w, h);
    SP_TRY(sp__image_check("levels", "input", src));
    SP_TRY(sp__image_check("levels", "output", dst));
    dst->bit_depth = 0;
    if (w == 0 || h == 0)
        return SP_OK;

    int wide = d->depth == 16;
    uint32_t full = src->bit_depth && src->bit_depth < 16
                        ? (1u << src->bit_depth) - 1
                        : 65535;
    uint32_t white = d->white ? d->white : full;
    double maxout = wide ? 65535.0 : 255.0;
    double range = (double)white - (double)d->black;
    double g[3] = {d->gain_r ? d->gain_r : 1.0, d->gain_g ? d->gain_g : 1.0,
                   d->gain_b ? d->gain_b : 1.0};
    sp_bayer_pattern p =
        d->pattern ? d->pattern : sp_bayer_pattern_of(src->format);
    int rx = rpos[p][0], ry = rpos[p][1];
    sp__levels_job j = {.src = src->data,
                        .sstride = src->stride,
                        .dst = dst->data,
                        .dstride = dst->stride,
                        .w = w,
                        .h = h,
                        .black = d->black,
                        .wide = wide,
                        .maxout = (float)maxout};
    for (int yy = 0; yy < 2; yy++)
        for (int xx = 0; xx < 2; xx++) {
            int c = (xx == rx && yy == ry) ? 0 : (xx != rx && yy != ry) ? 2 : 1;
            j.scale[yy][xx] = (float)(g[c] * maxout / range);
        }

    sp__kimpl im = sp__kctx_pick_impl(k, &levels_table, (size_t)w * h);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((cl_fn)levels_table.fn[im])(k, &j);
        im = sp__kctx_after_cl(k, &levels_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    ((cpu_fn)levels_table.fn[im])(&j);
    return SP_OK;
}
