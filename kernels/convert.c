/* Convert: argument checks, YUV coefficients and dispatch. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include <stdint.h>

#include "convert_int.h"
#if SP_HAVE_OPENCL
#include "cl_int.h"
#endif
#include "sp_convert.h"

#define CONVERT_CL_MIN_WORK ((size_t)1 << 20)

typedef void (*convert_fn)(const sp__convert_job *);
typedef int (*convert_cl_fn)(sp_kctx *, const sp__convert_job *);

/* clang-format 14 rewraps this macro differently on every run. */
/* clang-format off */
#define CONVERT_BODIES                                                         \
    {                                                                          \
        SP__KT_SCALAR(sp__convert_scalar)                                      \
        SP__KT_SSE41(sp__convert_sse41) SP__KT_AVX2(sp__convert_avx2)          \
            SP__KT_NEON(sp__convert_neon) SP__KT_OPENCL(sp__convert_cl)        \
    }
/* clang-format on */

/* From RGB, BGR, gray or RGBA: memory-bound, OpenCL only on a device
 * sharing host memory. */
static const sp__ktable convert_table = {
    "convert",
    CONVERT_BODIES,
    CONVERT_CL_MIN_WORK,
    SP__KT_STREAMING,
};

/* From NV12 or YUYV: enough arithmetic per byte that a GPU with its own
 * memory pays even with the copies (1920x1080 on the H200: 0.76-0.94 ms
 * against 1.72 ms on one AVX2 core of its host). */
static const sp__ktable convert_yuv_table = {
    "convert",
    CONVERT_BODIES,
    CONVERT_CL_MIN_WORK,
    0,
};

static const char *const to_names[] = {"rgb", "bgr", "gray", "rgba"};
static const char *const matrix_names[] = {"bt601", "bt709"};
static const char *const range_names[] = {"limited", "full"};
static const char *const precision_names[] = {"exact", "fast"};

static int from_name(const char *what, const char *const *names, int n,
                     const char *name, int *out)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(name, names[i])) {
            *out = i;
            return SP_OK;
        }
    char list[96] = "";
    for (int i = 0; i < n; i++) {
        strncat(list, names[i], sizeof list - strlen(list) - 1);
        if (i + 1 < n)
            strncat(list, i + 2 < n ? ", " : " or ",
                    sizeof list - strlen(list) - 1);
    }
    return sp__fail(SP_ENOTFOUND, "convert: unknown %s '%s', expected %s", what,
                    name, list);
}

const char *sp_convert_to_name(sp_convert_to t)
{
    return (unsigned)t < 4 ? to_names[t] : NULL;
}
int sp_convert_to_from_name(const char *name, sp_convert_to *out)
{
    int v = 0;
    SP_GUARD(name && out);
    SP_TRY(from_name("target", to_names, 4, name, &v));
    *out = (sp_convert_to)v;
    return SP_OK;
}
const char *sp_yuv_matrix_name(sp_yuv_matrix m)
{
    return (unsigned)m < 2 ? matrix_names[m] : NULL;
}
int sp_yuv_matrix_from_name(const char *name, sp_yuv_matrix *out)
{
    int v = 0;
    SP_GUARD(name && out);
    SP_TRY(from_name("matrix", matrix_names, 2, name, &v));
    *out = (sp_yuv_matrix)v;
    return SP_OK;
}
const char *sp_yuv_range_name(sp_yuv_range r)
{
    return (unsigned)r < 2 ? range_names[r] : NULL;
}
int sp_yuv_range_from_name(const char *name, sp_yuv_range *out)
{
    int v = 0;
    SP_GUARD(name && out);
    SP_TRY(from_name("range", range_names, 2, name, &v));
    *out = (sp_yuv_range)v;
    return SP_OK;
}

const char *sp_convert_precision_name(sp_convert_precision p)
{
    return (unsigned)p < 2 ? precision_names[p] : NULL;
}
int sp_convert_precision_from_name(const char *name, sp_convert_precision *out)
{
    int v = 0;
    SP_GUARD(name && out);
    SP_TRY(from_name("precision", precision_names, 2, name, &v));
    *out = (sp_convert_precision)v;
    return SP_OK;
}

static int source_kind(sp_pixfmt f)
{
    switch (f) {
    case SP_PIX_RGB8:
        return SP__CV_RGB;
    case SP_PIX_BGR8:
        return SP__CV_BGR;
    case SP_PIX_GRAY8:
        return SP__CV_GRAY;
    case SP_PIX_RGBA8:
        return SP__CV_RGBA;
    case SP_PIX_NV12:
        return SP__CV_NV12;
    case SP_PIX_YUYV:
        return SP__CV_YUYV;
    default:
        return -1;
    }
}

int sp_convert_output(const sp_convert_desc *d, const sp_image *src,
                      sp_pixfmt *fmt, uint32_t *width, uint32_t *height)
{
    static const sp_convert_desc defaults = {0};
    static const sp_pixfmt target[4] = {SP_PIX_RGB8, SP_PIX_BGR8, SP_PIX_GRAY8,
                                        SP_PIX_RGBA8};
    SP_GUARD(src && fmt && width && height);
    if (!d)
        d = &defaults;
    if (source_kind(src->format) < 0)
        return sp__fail(
            SP_EINVAL,
            "convert: input is %s, expected rgb8, bgr8, rgba8, gray8, nv12 "
            "or yuyv",
            sp_pixfmt_name(src->format) ? sp_pixfmt_name(src->format)
                                        : "invalid");
    if ((unsigned)d->to > SP_CONVERT_RGBA)
        return sp__fail(SP_EINVAL,
                        "convert: target %d, expected rgb, bgr, gray or rgba",
                        (int)d->to);
    if ((unsigned)d->matrix > SP_YUV_BT709 || (unsigned)d->range > SP_YUV_FULL)
        return sp__fail(SP_EINVAL,
                        "convert: matrix %d range %d, expected bt601|bt709 and "
                        "limited|full",
                        (int)d->matrix, (int)d->range);
    if ((unsigned)d->precision > SP_CONVERT_FAST)
        return sp__fail(SP_EINVAL, "convert: precision %d, expected exact|fast",
                        (int)d->precision);
    if ((src->format == SP_PIX_NV12 && ((src->width | src->height) & 1)) ||
        (src->format == SP_PIX_YUYV && (src->width & 1)))
        return sp__fail(
            SP_EINVAL, "convert: %s input is %ux%u, expected even %s",
            sp_pixfmt_name(src->format), src->width, src->height,
            src->format == SP_PIX_NV12 ? "width and height" : "width");
    *fmt = target[d->to];
    *width = src->width;
    *height = src->height;
    return SP_OK;
}

static void coefficients(sp__convert_job *j, sp_yuv_matrix m, sp_yuv_range r)
{
    const double kr = m == SP_YUV_BT709 ? 0.2126 : 0.299;
    const double kb = m == SP_YUV_BT709 ? 0.0722 : 0.114;
    const double kg = 1.0 - kr - kb;
    const double one = (double)(1 << SP__CV_SHIFT);
    const double ys = r == SP_YUV_FULL ? 1.0 : 255.0 / 219.0;
    const double cs = r == SP_YUV_FULL ? 1.0 : 255.0 / 224.0;
    j->yoff = r == SP_YUV_FULL ? 0 : 16;
    j->cy = (int32_t)lround(ys * one);
    j->cvr = (int32_t)lround(2.0 * (1.0 - kr) * cs * one);
    j->cub = (int32_t)lround(2.0 * (1.0 - kb) * cs * one);
    j->cug = (int32_t)lround(-2.0 * kb * (1.0 - kb) / kg * cs * one);
    j->cvg = (int32_t)lround(-2.0 * kr * (1.0 - kr) / kg * cs * one);
    if (m == SP_YUV_BT601 && r == SP_YUV_LIMITED) {
        /* The published BT.601 studio-range constants (1.164, 1.596, 0.391,
         * 0.813, 2.018), which OpenCV, libyuv's reference and most decoders
         * use; the exact values differ by < 0.001 (2.0172 for 2.018) and
         * would move 3% of outputs by 1 against everyone else. */
        j->cy = (int32_t)lround(1.164 * one);
        j->cvr = (int32_t)lround(1.596 * one);
        j->cug = (int32_t)lround(-0.391 * one);
        j->cvg = (int32_t)lround(-0.813 * one);
        j->cub = (int32_t)lround(2.018 * one);
    }
    /* The fast rule's coefficients come from the exact ones, so both rules
     * share the published constants. */
    j->yg = (int32_t)lround(j->cy / 64.0);
    j->kvr = (int32_t)lround(j->cvr / 128.0);
    j->kug = (int32_t)lround(j->cug / 128.0);
    j->kvg = (int32_t)lround(j->cvg / 128.0);
    j->kub = (int32_t)lround(j->cub / 128.0);
}

int sp_convert(sp_kctx *k, const sp_convert_desc *d, const sp_image *src,
               sp_image *dst)
{
    static const sp_convert_desc defaults = {0};
    sp_pixfmt fmt;
    uint32_t w, h;
    SP_GUARD(k && src && dst);
    if (!d)
        d = &defaults;
    SP_TRY(sp_convert_output(d, src, &fmt, &w, &h));
    if (dst->format != fmt || dst->width != w || dst->height != h)
        return sp__fail(
            SP_EINVAL, "convert: output is %s %ux%u, expected %s %ux%u",
            sp_pixfmt_name(dst->format) ? sp_pixfmt_name(dst->format)
                                        : "invalid",
            dst->width, dst->height, sp_pixfmt_name(fmt), w, h);
    SP_TRY(sp__image_check("convert", "input", src));
    SP_TRY(sp__image_check("convert", "output", dst));
    if (w == 0 || h == 0)
        return SP_OK;

    sp__convert_job j = {.src = src->data,
                         .sstride = src->stride,
                         .dst = dst->data,
                         .dstride = dst->stride,
                         .w = w,
                         .h = h,
                         .from = source_kind(src->format),
                         .to = (int)d->to,
                         .fast = d->precision == SP_CONVERT_FAST};
    if (j.from == SP__CV_NV12)
        j.uv = src->data + src->stride * h;
    coefficients(&j, d->matrix, d->range);

    /* Same layout in and out: a row copy on every back-end. */
    if (j.from == j.to) {
        size_t row = sp_image_row_bytes(w, fmt);
        sp__kctx_cpu_impl(k, &convert_table);
        for (uint32_t y = 0; y < h; y++)
            memcpy(dst->data + (size_t)y * dst->stride,
                   src->data + (size_t)y * src->stride, row);
        return SP_OK;
    }

    const sp__ktable *t = j.from == SP__CV_NV12 || j.from == SP__CV_YUYV
                              ? &convert_yuv_table
                              : &convert_table;
    sp__kimpl im = sp__kctx_pick_impl(k, t, (size_t)w * h);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((convert_cl_fn)t->fn[im])(k, &j);
        im = sp__kctx_after_cl(k, t, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    ((convert_fn)t->fn[im])(&j);
    return SP_OK;
}
