/* The `convert` stage: colour conversion of rgb8/bgr8/rgba8/gray8/nv12/yuyv
 * images to rgb, bgr, gray or rgba (see sp_convert.h). Frames that are not
 * images pass through untouched; an image already in the target format
 * passes through too (no copy); other image formats are an error. */
#include "sp_convert.h"
#include "error_int.h"
#include "filter_int.h"
#include "sp_stage.h"

typedef struct convert_stage {
    sp_convert_desc desc;
} convert_stage;

static const sp_prop_spec convert_props[] = {
    {.name = "to",
     .type = SP_PROP_ENUM,
     .def = "rgb",
     .choices = "rgb|bgr|gray|rgba",
     .help = "target layout"},
    {.name = "matrix",
     .type = SP_PROP_ENUM,
     .def = "bt601",
     .choices = "bt601|bt709",
     .help = "YUV matrix of nv12/yuyv input"},
    {.name = "range",
     .type = SP_PROP_ENUM,
     .def = "limited",
     .choices = "limited|full",
     .help = "YUV range of nv12/yuyv input (limited: Y 16..235)"},
    {.name = "precision",
     .type = SP_PROP_ENUM,
     .def = "exact",
     .choices = "exact|fast",
     .help = "YUV to colour rule: exact (= OpenCV) or fast (16-bit, "
             "within 1 of exact)"},
    SP__STREAMS_PROP,
};

static int convert_init(sp_stage *st)
{
    convert_stage *c = sp_stage_priv(st);
    c->desc.to = (sp_convert_to)sp_stage_prop(st, "to")->i;
    c->desc.matrix = (sp_yuv_matrix)sp_stage_prop(st, "matrix")->i;
    c->desc.range = (sp_yuv_range)sp_stage_prop(st, "range")->i;
    c->desc.precision = (sp_convert_precision)sp_stage_prop(st, "precision")->i;
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return SP_OK;
}

static int convert_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    convert_stage *c = sp_stage_priv(st);
    o->payload = SP_PAYLOAD_IMAGE;
    SP_TRY(sp_convert_output(&c->desc, &in->u.image, &o->format, &o->width,
                             &o->height));
    o->pass = o->format == in->u.image.format; /* already there: no copy */
    return SP_OK;
}

static int convert_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    convert_stage *c = sp_stage_priv(st);
    return sp_convert(sp_stage_kctx(st), &c->desc, &in->u.image, &res->u.image);
}

static const sp__filter_ops convert_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .prepare = convert_prepare,
    .run = convert_run,
};

static int convert_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &convert_ops, NULL, out);
}

const sp_stage_class sp__stage_convert = {
    .name = "convert",
    .takes = "image (rgb8, bgr8, rgba8, gray8, nv12, yuyv)",
    .gives = "image in rgb8, bgr8, gray8 or rgba8 (to=), same stream",
    .description = "colour conversion to=rgb|bgr|gray|rgba from "
                   "rgb8/bgr8/rgba8/gray8/nv12/yuyv "
                   "(matrix=, range=, precision= for YUV); non-image frames "
                   "pass through",
    .props = convert_props,
    .nprops = sizeof convert_props / sizeof convert_props[0],
    .priv_size = sizeof(convert_stage),
    .init = convert_init,
    .pull = convert_pull,
};
