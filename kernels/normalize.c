/* normalize: argument checks, the per-channel factors and the choice of
 * back-end. The factors a = scale / std and b = -mean / std are computed
 * here once, in double, so every back-end applies the same two floats. */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "normalize_int.h"
#include "sp_tensor.h"

/* A CPU OpenCL device loses to AVX2 on this memory-bound kernel; AUTO sends
 * only frames of several megapixels to a device. */
#define NORMALIZE_CL_MIN_WORK ((size_t)4 << 20)

typedef int (*cpu_fn)(const sp__normalize_job *);
typedef int (*cl_fn)(sp_kctx *, const sp__normalize_job *);

static const sp__ktable normalize_table = {
    "normalize",
    {SP__KT_SCALAR(sp__normalize_scalar) SP__KT_SSE41(sp__normalize_sse41)
         SP__KT_AVX2(sp__normalize_avx2) SP__KT_NEON(sp__normalize_neon)
             SP__KT_OPENCL(sp__normalize_cl)},
    NORMALIZE_CL_MIN_WORK,
    SP__KT_STREAMING,
};

static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

const char *sp_channel_order_name(sp_channel_order o)
{
    switch (o) {
    case SP_ORDER_RGB:
        return "rgb";
    case SP_ORDER_BGR:
        return "bgr";
    }
    return NULL;
}

int sp_channel_order_from_name(const char *name, sp_channel_order *out)
{
    SP_GUARD(name && out);
    if (strcasecmp(name, "rgb") == 0)
        *out = SP_ORDER_RGB;
    else if (strcasecmp(name, "bgr") == 0)
        *out = SP_ORDER_BGR;
    else
        return sp__fail(SP_ENOTFOUND,
                        "normalize: order '%s' unknown, expected rgb or bgr",
                        name);
    return SP_OK;
}

/* Input bytes per pixel and output channels; 0 for formats not taken. */
static int format_channels(sp_pixfmt fmt, int *cn, int *nout)
{
    switch (fmt) {
    case SP_PIX_GRAY8:
        *cn = 1, *nout = 1;
        return 1;
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
        *cn = 3, *nout = 3;
        return 1;
    case SP_PIX_RGBA8:
        *cn = 4, *nout = 3;
        return 1;
    default:
        return 0;
    }
}

int sp_normalize_shape(uint32_t width, uint32_t height, sp_pixfmt fmt,
                       size_t shape[4], int *ndim)
{
    SP_GUARD(shape && ndim);
    int cn, nout;
    if (!format_channels(fmt, &cn, &nout))
        return sp__fail(SP_EINVAL,
                        "normalize: input format %s unsupported, expected "
                        "rgb8, bgr8, rgba8 or gray8",
                        sp_pixfmt_name(fmt) ? sp_pixfmt_name(fmt)
                                            : "(invalid)");
    shape[0] = 1;
    shape[1] = (size_t)nout;
    shape[2] = height;
    shape[3] = width;
    *ndim = 4;
    return SP_OK;
}

size_t sp_normalize_block_size(uint32_t width, uint32_t height, sp_pixfmt fmt)
{
    size_t shape[4];
    int ndim, cn, nout;
    if (!format_channels(fmt, &cn, &nout))
        return 0;
    if (sp_normalize_shape(width, height, fmt, shape, &ndim) < 0)
        return 0;
    return sp_tensor_block_size(SP_DTYPE_F32, ndim, shape);
}

static int check_tensor(const sp_tensor *t, size_t c, size_t h, size_t w)
{
    if (t->dtype != SP_DTYPE_F32)
        return sp__fail(SP_EINVAL, "normalize: output dtype %s, expected f32",
                        sp_dtype_name(t->dtype) ? sp_dtype_name(t->dtype)
                                                : "(invalid)");
    int ok = (t->ndim == 4 && t->shape[0] == 1 && t->shape[1] == c &&
              t->shape[2] == h && t->shape[3] == w) ||
             (t->ndim == 3 && t->shape[0] == c && t->shape[1] == h &&
              t->shape[2] == w);
    if (!ok)
        return sp__fail(SP_EINVAL,
                        "normalize: output shape (ndim %d: %zu, %zu, %zu, %zu) "
                        "does not fit the image, expected [1, %zu, %zu, %zu]",
                        t->ndim, t->shape[0], t->shape[1], t->shape[2],
                        t->shape[3], c, h, w);
    if (!t->data)
        return sp__fail(SP_EINVAL, "normalize: output tensor has no data");
    return SP_OK;
}

int sp_normalize(sp_kctx *k, const sp_normalize_desc *d, const sp_image *src,
                 sp_tensor *dst)
{
    SP_GUARD(src);
    return sp_normalize_rows(k, d, src, dst, 0, src->height);
}

int sp_normalize_rows(sp_kctx *k, const sp_normalize_desc *d,
                      const sp_image *src, sp_tensor *dst, uint32_t y0,
                      uint32_t y1)
{
    static const sp_normalize_desc defaults = {0};
    SP_GUARD(k && src && dst);
    if (!d)
        d = &defaults;
    int cn, nout;
    if (!format_channels(src->format, &cn, &nout))
        return sp__fail(SP_EINVAL,
                        "normalize: input format %s unsupported, expected "
                        "rgb8, bgr8, rgba8 or gray8",
                        sp_pixfmt_name(src->format)
                            ? sp_pixfmt_name(src->format)
                            : "(invalid)");
    if (d->order != SP_ORDER_RGB && d->order != SP_ORDER_BGR)
        return sp__fail(SP_EINVAL,
                        "normalize: order %d unknown, expected rgb "
                        "or bgr",
                        (int)d->order);
    SP_TRY(check_tensor(dst, (size_t)nout, src->height, src->width));
    if (y0 > y1 || y1 > src->height)
        return sp__fail(SP_EINVAL,
                        "normalize: rows [%u, %u), expected a range within "
                        "the image's %u",
                        y0, y1, src->height);
    if (src->width == 0 || y0 == y1)
        return SP_OK;
    if (!src->data)
        return sp__fail(SP_EINVAL, "normalize: input image has no data");
    if (src->stride < (size_t)src->width * (size_t)cn)
        return sp__fail(SP_EINVAL,
                        "normalize: input stride %zu is smaller than its row "
                        "of %zu bytes",
                        src->stride, (size_t)src->width * (size_t)cn);

    float mean[3], stdv[3];
    switch (d->nvalues) {
    case 0:
        memcpy(mean, imagenet_mean, sizeof mean);
        memcpy(stdv, imagenet_std, sizeof stdv);
        break;
    case 1:
        for (int c = 0; c < 3; c++)
            mean[c] = d->mean[0], stdv[c] = d->std[0];
        break;
    case 3:
        memcpy(mean, d->mean, sizeof mean);
        memcpy(stdv, d->std, sizeof stdv);
        break;
    default:
        return sp__fail(SP_EINVAL,
                        "normalize: %d mean/std values, expected 1 "
                        "or 3 (0 = ImageNet defaults)",
                        d->nvalues);
    }
    double scale = d->scale != 0.f ? (double)d->scale : 1.0 / 255.0;
    if (!isfinite(scale))
        return sp__fail(SP_EINVAL,
                        "normalize: scale %g, expected a finite "
                        "number",
                        scale);
    for (int c = 0; c < 3; c++)
        if (stdv[c] == 0.f || !isfinite(stdv[c]) || !isfinite(mean[c]))
            return sp__fail(SP_EINVAL,
                            "normalize: mean %g / std %g for channel %d, "
                            "expected finite values and std != 0",
                            (double)mean[c], (double)stdv[c], c);

    sp__normalize_job j;
    memset(&j, 0, sizeof j);
    j.src = src->data;
    j.sstride = src->stride;
    j.w = src->width;
    j.h = src->height;
    j.cn = cn;
    j.nout = nout;
    j.dst = dst->data;
    j.plane = (size_t)src->width * src->height;
    /* Where each colour sits in the input pixel. */
    int pos_r = src->format == SP_PIX_BGR8 ? 2 : 0;
    int pos_b = src->format == SP_PIX_BGR8 ? 0 : 2;
    for (int c = 0; c < nout; c++) {
        int colour; /* 0 = R, 1 = G, 2 = B */
        if (nout == 1)
            colour = 0, j.in_ch[c] = 0;
        else {
            colour = d->order == SP_ORDER_RGB ? c : 2 - c;
            j.in_ch[c] = colour == 0 ? pos_r : (colour == 2 ? pos_b : 1);
        }
        j.a[c] = (float)(scale / (double)stdv[colour]);
        j.b[c] = (float)(-(double)mean[colour] / (double)stdv[colour]);
    }

    /* A band of rows is one thread's share of a frame: the job starts at
     * row y0 of the input and of each plane and stays on the CPU. */
    if (y0 != 0 || y1 != src->height) {
        j.src += (size_t)y0 * j.sstride;
        j.dst += (size_t)y0 * j.w;
        j.h = y1 - y0;
        return (
            (cpu_fn)normalize_table.fn[sp__kctx_cpu_impl(k, &normalize_table)])(
            &j);
    }
    sp__kimpl im = sp__kctx_pick_impl(k, &normalize_table, j.plane);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((cl_fn)normalize_table.fn[im])(k, &j);
        im = sp__kctx_after_cl(k, &normalize_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    return ((cpu_fn)normalize_table.fn[im])(&j);
}
