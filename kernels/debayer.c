/* Debayer: argument checks, the output-format helper and dispatch to the
 * scalar, SIMD or OpenCL version (all bit-exact with the scalar one). */
#include <string.h>
#include <strings.h>

#include <stdint.h>

#include "debayer_int.h"
#if SP_HAVE_OPENCL
#include "cl_int.h"
#endif
#include "sp_debayer.h"

/* Below this many pixels a frame is not worth an OpenCL launch in AUTO. */
#define DEBAYER_CL_MIN_WORK ((size_t)1 << 20)

typedef void (*cpu_fn)(const sp__debayer_job *);
typedef int (*cl_fn)(sp_kctx *, const sp__debayer_job *);

static const sp__ktable debayer_table = {
    "debayer",
    {SP__KT_SCALAR(sp__debayer_scalar) SP__KT_SSE41(sp__debayer_sse41)
         SP__KT_AVX2(sp__debayer_avx2) SP__KT_NEON(sp__debayer_neon)
             SP__KT_OPENCL(sp__debayer_cl)},
    DEBAYER_CL_MIN_WORK,
    SP__KT_STREAMING,
};

static const char *const method_names[] = {"bilinear", "ea"};
static const char *const pattern_names[] = {"", "rggb", "bggr", "grbg", "gbrg"};

const char *sp_debayer_method_name(sp_debayer_method m)
{
    return (unsigned)m < 2 ? method_names[m] : NULL;
}

int sp_debayer_method_from_name(const char *name, sp_debayer_method *out)
{
    SP_GUARD(name && out);
    for (int i = 0; i < 2; i++)
        if (!strcasecmp(name, method_names[i])) {
            *out = (sp_debayer_method)i;
            return SP_OK;
        }
    return sp__fail(SP_ENOTFOUND,
                    "debayer: unknown method '%s', expected bilinear or ea",
                    name);
}

const char *sp_bayer_pattern_name(sp_bayer_pattern p)
{
    return (unsigned)p < 5 ? pattern_names[p] : NULL;
}

int sp_bayer_pattern_from_name(const char *name, sp_bayer_pattern *out)
{
    SP_GUARD(name && out);
    for (int i = 1; i < 5; i++)
        if (!strcasecmp(name, pattern_names[i])) {
            *out = (sp_bayer_pattern)i;
            return SP_OK;
        }
    return sp__fail(SP_ENOTFOUND,
                    "debayer: unknown Bayer pattern '%s', expected rggb, bggr, "
                    "grbg or gbrg",
                    name);
}

sp_bayer_pattern sp_bayer_pattern_of(sp_pixfmt fmt)
{
    switch (fmt) {
    case SP_PIX_BAYER_RGGB8:
    case SP_PIX_BAYER_RGGB16:
        return SP_BAYER_RGGB;
    case SP_PIX_BAYER_BGGR8:
    case SP_PIX_BAYER_BGGR16:
        return SP_BAYER_BGGR;
    case SP_PIX_BAYER_GRBG8:
    case SP_PIX_BAYER_GRBG16:
        return SP_BAYER_GRBG;
    case SP_PIX_BAYER_GBRG8:
    case SP_PIX_BAYER_GBRG16:
        return SP_BAYER_GBRG;
    default:
        return SP_BAYER_FROM_FORMAT;
    }
}

static int is_wide_bayer(sp_pixfmt f)
{
    return f == SP_PIX_BAYER_RGGB16 || f == SP_PIX_BAYER_BGGR16 ||
           f == SP_PIX_BAYER_GRBG16 || f == SP_PIX_BAYER_GBRG16;
}

int sp_debayer_output(const sp_debayer_desc *d, const sp_image *src,
                      sp_pixfmt *fmt, uint32_t *width, uint32_t *height)
{
    static const sp_debayer_desc defaults = {0};
    SP_GUARD(src && fmt && width && height);
    if (!d)
        d = &defaults;
    if (sp_bayer_pattern_of(src->format) == SP_BAYER_FROM_FORMAT)
        return sp__fail(
            SP_EINVAL, "debayer: input is %s, expected a bayer_* format",
            sp_pixfmt_name(src->format) ? sp_pixfmt_name(src->format)
                                        : "invalid");
    if ((unsigned)d->method > SP_DEBAYER_EA)
        return sp__fail(SP_EINVAL,
                        "debayer: method %d, expected bilinear or ea",
                        (int)d->method);
    if ((unsigned)d->pattern > SP_BAYER_GBRG)
        return sp__fail(
            SP_EINVAL, "debayer: pattern %d, expected rggb, bggr, grbg or gbrg",
            (int)d->pattern);
    if (is_wide_bayer(src->format)) {
        if (d->bgr)
            return sp__fail(
                SP_EINVAL,
                "debayer: bgr output needs 8-bit input, %s gives rgb16",
                sp_pixfmt_name(src->format));
        *fmt = SP_PIX_RGB16;
    } else {
        *fmt = d->bgr ? SP_PIX_BGR8 : SP_PIX_RGB8;
    }
    *width = src->width;
    *height = src->height;
    return SP_OK;
}

int sp_debayer(sp_kctx *k, const sp_debayer_desc *d, const sp_image *src,
               sp_image *dst)
{
    static const sp_debayer_desc defaults = {0};
    static const int rpos[5][2] = {{0, 0}, {0, 0}, {1, 1}, {1, 0}, {0, 1}};
    sp_pixfmt fmt;
    uint32_t w, h;
    SP_GUARD(k && src && dst);
    if (!d)
        d = &defaults;
    SP_TRY(sp_debayer_output(d, src, &fmt, &w, &h));
    if (dst->format != fmt || dst->width != w || dst->height != h)
        return sp__fail(
            SP_EINVAL, "debayer: output is %s %ux%u, expected %s %ux%u",
            sp_pixfmt_name(dst->format) ? sp_pixfmt_name(dst->format)
                                        : "invalid",
            dst->width, dst->height, sp_pixfmt_name(fmt), w, h);
    SP_TRY(sp__image_check("debayer", "input", src));
    SP_TRY(sp__image_check("debayer", "output", dst));
    if (w == 0 || h == 0)
        return SP_OK;

    sp_bayer_pattern pat =
        d->pattern ? d->pattern : sp_bayer_pattern_of(src->format);
    sp__debayer_job j = {.src = src->data,
                         .sstride = src->stride,
                         .dst = dst->data,
                         .dstride = dst->stride,
                         .w = w,
                         .h = h,
                         .rx = rpos[pat][0],
                         .ry = rpos[pat][1],
                         .bgr = d->bgr != 0,
                         .wide = is_wide_bayer(src->format),
                         .ea = d->method == SP_DEBAYER_EA};
    if (j.wide)
        dst->bit_depth = src->bit_depth;

    sp__kimpl im = sp__kctx_pick_impl(k, &debayer_table, (size_t)w * h);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((cl_fn)debayer_table.fn[im])(k, &j);
        im = sp__kctx_after_cl(k, &debayer_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    ((cpu_fn)debayer_table.fn[im])(&j);
    return SP_OK;
}
