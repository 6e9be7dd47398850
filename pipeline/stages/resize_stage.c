/* The `resize` stage: scale camera images to width x height (linear like
 * OpenCV's INTER_LINEAR, area, or nearest; see sp_resize.h) on the
 * pipeline's kernel back-end. Frames that are not images pass through
 * untouched, and so do images already of the requested size.
 *
 * threads=N cuts the output into N bands of rows, and each share writes
 * its band with sp_resize_rows(): the coordinate and weight tables are
 * those of the whole image, so each output row is computed from the same
 * source rows and weights as with one thread, bit-identical, and no share
 * writes another's rows. */
#include <math.h>

#include "sp_resize.h"
#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"

typedef struct resize_stage {
    uint32_t width, height;
    sp_resize_method method;
    /* the frame in flight, for the shares */
    const sp_image *src;
    sp_image *dst;
    sp__par par;
} resize_stage;

/* The largest side the stage makes, given or kept by the aspect ratio. */
#define MAX_SIDE 16384

static const sp_prop_spec resize_props[] = {
    {.name = "width",
     .type = SP_PROP_INT,
     .min = 1,
     .max = MAX_SIDE,
     .optional = 1,
     .help = "output width in pixels; unset: height='s, keeping each "
             "image's aspect ratio"},
    {.name = "height",
     .type = SP_PROP_INT,
     .min = 1,
     .max = MAX_SIDE,
     .optional = 1,
     .help = "output height in pixels; unset: width='s, keeping each "
             "image's aspect ratio"},
    {.name = "method",
     .type = SP_PROP_ENUM,
     .def = "linear",
     .choices = "linear|area|nearest",
     .help = "linear (OpenCV INTER_LINEAR, bit-exact for 8-bit), area (box "
             "filter for downscaling) or nearest"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

static int resize_init(sp_stage *st)
{
    resize_stage *r = sp_stage_priv(st);
    /* 0: the other side's, by the image's aspect ratio (prepare) */
    const sp_prop_value *w = sp_stage_prop(st, "width");
    const sp_prop_value *h = sp_stage_prop(st, "height");
    if (!w->set && !h->set)
        return sp__fail(SP_EINVAL,
                        "no output size: expected width=, height= or both "
                        "(one alone keeps each image's aspect ratio)");
    r->width = w->set ? (uint32_t)w->i : 0;
    r->height = h->set ? (uint32_t)h->i : 0;
    r->method = (sp_resize_method)sp_stage_prop(st, "method")->i;
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &r->par);
}

static void resize_fini(sp_stage *st)
{
    resize_stage *r = sp_stage_priv(st);
    sp__par_deinit(&r->par);
}

static int resize_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    resize_stage *r = sp_stage_priv(st);
    const sp_image *src = &in->u.image;
    uint32_t w = r->width, h = r->height;
    if (!w || !h) {
        /* the other side rounded to the nearest pixel (ffmpeg's
         * scale=W:-1), at least 1; past MAX_SIDE the aspect
         * could not be kept, so it is refused rather than squeezed */
        const double a = (double)src->width / (double)src->height;
        double d = w ? (double)w / a : (double)h * a;
        d = d < 1 ? 1 : d;
        if (d >= MAX_SIDE + 0.5)
            return sp__fail(SP_ERANGE,
                            "%s=%u keeps the %ux%u image's aspect ratio at "
                            "%s=%.0f, past the largest %d: give both "
                            "width= and height=",
                            w ? "width" : "height", w ? w : h, src->width,
                            src->height, w ? "height" : "width", d, MAX_SIDE);
        *(w ? &h : &w) = (uint32_t)llround(d);
    }
    if (src->width == w && src->height == h) {
        o->pass = 1;
        return SP_OK;
    }
    if (!sp_resize_supports(src->format))
        return sp__fail(SP_EINVAL,
                        "image format %s, expected gray8, rgb8, bgr8, rgba8 "
                        "or f32 (put debayer or convert before resize)",
                        sp_pixfmt_name(src->format));
    o->payload = SP_PAYLOAD_IMAGE;
    o->width = w;
    o->height = h;
    o->format = src->format;
    return SP_OK;
}

static void resize_share(void *arg, int i, int n)
{
    resize_stage *r = arg;
    size_t y0, y1;
    sp__par_rows(r->dst->height, i, n, 1, &y0, &y1);
    sp__par_note(&r->par, i,
                 sp_resize_rows(r->par.k[i], r->src, r->dst, r->method,
                                (uint32_t)y0, (uint32_t)y1));
}

static int resize_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    resize_stage *r = sp_stage_priv(st);
    /* A band of a few rows still pays a whole plan (O(width + height)). */
    int n = sp__par_shares(st, &r->par, res->u.image.height, 4);
    if (n == 1)
        return sp_resize(sp_stage_kctx(st), &in->u.image, &res->u.image,
                         r->method);
    r->src = &in->u.image;
    r->dst = &res->u.image;
    sp__workers_run(r->par.w, n, resize_share, r);
    return sp__par_result(&r->par, n);
}

static const sp__filter_ops resize_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .prepare = resize_prepare,
    .run = resize_run,
};

static int resize_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &resize_ops, NULL, out);
}

const sp_stage_class sp__stage_resize = {
    .name = "resize",
    .takes = "image (gray8, rgb8, bgr8, rgba8, f32)",
    .gives = "image of width x height (one given: the other keeps the "
             "aspect ratio), same format and stream",
    .description = "scale images to width x height (linear = OpenCV "
                   "INTER_LINEAR, area, nearest); other frames pass through",
    .props = resize_props,
    .nprops = sizeof resize_props / sizeof resize_props[0],
    .priv_size = sizeof(resize_stage),
    .init = resize_init,
    .fini = resize_fini,
    .pull = resize_pull,
};
