/* The `convert` stage: colour conversion of rgb8/bgr8/rgba8/gray8/nv12/yuyv
 * images to rgb, bgr, gray or rgba (see sp_convert.h). Frames that are not
 * images pass through untouched; an image already in the target format
 * passes through too (no copy); other image formats are an error. */
#include "sp_convert.h"
#include "sp_stage.h"

typedef struct convert_stage {
    sp_convert_desc desc;
} convert_stage;

static const sp_prop_spec convert_props[] = {
    {.name = "to", .type = SP_PROP_ENUM, .def = "rgb", .choices = "rgb|bgr|gray|rgba",
     .help = "target layout"},
    {.name = "matrix", .type = SP_PROP_ENUM, .def = "bt601", .choices = "bt601|bt709",
     .help = "YUV matrix of nv12/yuyv input"},
    {.name = "range", .type = SP_PROP_ENUM, .def = "limited", .choices = "limited|full",
     .help = "YUV range of nv12/yuyv input (limited: Y 16..235)"},
};

static int convert_init(sp_stage *st)
{
    convert_stage *c = sp_stage_priv(st);
    c->desc.to = (sp_convert_to)sp_stage_prop(st, "to")->i;
    c->desc.matrix = (sp_yuv_matrix)sp_stage_prop(st, "matrix")->i;
    c->desc.range = (sp_yuv_range)sp_stage_prop(st, "range")->i;
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED;
    return SP_OK;
}

static int convert_pull(sp_stage *st, sp_frame **out)
{
    convert_stage *c = sp_stage_priv(st);
    sp_frame *in = NULL, *res = NULL;
    *out = NULL;
    int rc = sp_stage_pull_upstream(st, &in);
    if (rc != SP_OK)
        return rc;
    if (in->payload != SP_PAYLOAD_IMAGE) {
        *out = in;
        return SP_OK;
    }
    unsigned long long seq = (unsigned long long)in->seq;
    sp_pixfmt fmt;
    uint32_t w, h;
    rc = sp_convert_output(&c->desc, &in->u.image, &fmt, &w, &h);
    if (rc < 0)
        goto fail;
    if (fmt == in->u.image.format) {
        *out = in;
        return SP_OK;
    }
    rc = sp_frame_create_image(sp_stage_poolmgr(st), w, h, fmt, 0, &res);
    if (rc < 0)
        goto fail;
    sp_frame_copy_meta(res, in);
    rc = sp_convert(sp_stage_kctx(st), &c->desc, &in->u.image, &res->u.image);
    if (rc < 0)
        goto fail;
    sp_frame_unref(in);
    *out = res;
    return SP_OK;
fail:
    sp_frame_unref(res);
    sp_frame_unref(in);
    return sp_stage_fail(st, rc, "frame %llu: %s", seq, sp_errmsg());
}

const sp_stage_class sp__stage_convert = {
    .name = "convert",
    .description = "colour conversion to=rgb|bgr|gray|rgba from rgb8/bgr8/rgba8/gray8/nv12/yuyv "
                   "(matrix=, range= for YUV); non-image frames pass through",
    .props = convert_props,
    .nprops = sizeof convert_props / sizeof convert_props[0],
    .priv_size = sizeof(convert_stage),
    .init = convert_init,
    .pull = convert_pull,
};
