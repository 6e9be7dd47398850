/* The `resize` stage: scale camera images to width x height (linear like
 * OpenCV's INTER_LINEAR, area, or nearest; see sp_resize.h) on the
 * pipeline's kernel back-end. Frames that are not images pass through
 * untouched, and so do images already of the requested size. */
#include "sp_resize.h"
#include "error_int.h"
#include "filter_int.h"
#include "sp_stage.h"

typedef struct resize_stage {
    uint32_t width, height;
    sp_resize_method method;
} resize_stage;

static const sp_prop_spec resize_props[] = {
    {.name = "width",
     .type = SP_PROP_INT,
     .min = 1,
     .max = 16384,
     .help = "output width in pixels"},
    {.name = "height",
     .type = SP_PROP_INT,
     .min = 1,
     .max = 16384,
     .help = "output height in pixels"},
    {.name = "method",
     .type = SP_PROP_ENUM,
     .def = "linear",
     .choices = "linear|area|nearest",
     .help = "linear (OpenCV INTER_LINEAR, bit-exact for 8-bit), area (box "
             "filter for downscaling) or nearest"},
    SP__STREAMS_PROP,
};

static int resize_init(sp_stage *st)
{
    resize_stage *r = sp_stage_priv(st);
    r->width = (uint32_t)sp_stage_prop_int(st, "width");
    r->height = (uint32_t)sp_stage_prop_int(st, "height");
    r->method = (sp_resize_method)sp_stage_prop(st, "method")->i;
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED; /* sp_stage_kctx() said why */
    return SP_OK;
}

static int resize_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    resize_stage *r = sp_stage_priv(st);
    const sp_image *src = &in->u.image;
    if (src->width == r->width && src->height == r->height) {
        o->pass = 1;
        return SP_OK;
    }
    if (!sp_resize_supports(src->format))
        return sp__fail(SP_EINVAL,
                        "image format %s, expected gray8, rgb8, bgr8, rgba8 "
                        "or f32 (put debayer or convert before resize)",
                        sp_pixfmt_name(src->format));
    o->payload = SP_PAYLOAD_IMAGE;
    o->width = r->width;
    o->height = r->height;
    o->format = src->format;
    return SP_OK;
}

static int resize_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    resize_stage *r = sp_stage_priv(st);
    return sp_resize(sp_stage_kctx(st), &in->u.image, &res->u.image, r->method);
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
    .gives = "image of width x height, same format and stream",
    .description = "scale images to width x height (linear = OpenCV "
                   "INTER_LINEAR, area, nearest); other frames pass through",
    .props = resize_props,
    .nprops = sizeof resize_props / sizeof resize_props[0],
    .priv_size = sizeof(resize_stage),
    .init = resize_init,
    .pull = resize_pull,
};
