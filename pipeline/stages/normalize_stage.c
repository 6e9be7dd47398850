/* The `normalize` stage: an 8-bit image (rgb8, bgr8, rgba8, gray8) to a
 * float32 [1, C, H, W] tensor, out = (px * scale - mean) / std per colour,
 * channels in order=rgb|bgr (see sp_normalize.h). Frames that are not
 * images (points, tensors) pass through untouched. */
#include <math.h>

#include "sp_normalize.h"
#include "sp_stage.h"

typedef struct normalize_stage {
    sp_normalize_desc desc;
} normalize_stage;

static const sp_prop_spec normalize_props[] = {
    {.name = "mean", .type = SP_PROP_FLOATS, .def = "0.485,0.456,0.406",
     .help = "per-colour mean (R,G,B; or one value for all), after scale"},
    {.name = "std", .type = SP_PROP_FLOATS, .def = "0.229,0.224,0.225",
     .help = "per-colour standard deviation (R,G,B; or one value), non-zero"},
    {.name = "scale", .type = SP_PROP_FLOAT, .def = "1/255",
     .help = "multiplies the 8-bit value first"},
    {.name = "order", .type = SP_PROP_ENUM, .def = "rgb", .choices = "rgb|bgr",
     .help = "tensor channel order (the input format says where each colour "
             "is)"},
};

/* mean= and std= as the descriptor wants them: 1 or 3 values. */
static int take_values(sp_stage *st, const char *name, float *dst)
{
    const sp_prop_value *v = sp_stage_prop(st, name);
    if (v->nv != 1 && v->nv != 3)
        return sp_stage_fail(st, SP_EINVAL,
                             "property '%s': %d values, expected 1 or 3 "
                             "(R,G,B)",
                             name, v->nv);
    for (int i = 0; i < 3; i++)
        dst[i] = (float)v->v[v->nv == 1 ? 0 : i];
    return v->nv;
}

static int normalize_init(sp_stage *st)
{
    normalize_stage *n = sp_stage_priv(st);
    int nm = take_values(st, "mean", n->desc.mean);
    if (nm < 0)
        return nm;
    int ns = take_values(st, "std", n->desc.std);
    if (ns < 0)
        return ns;
    for (int i = 0; i < 3; i++)
        if (n->desc.std[i] == 0.f || !isfinite(n->desc.std[i]))
            return sp_stage_fail(st, SP_EINVAL,
                                 "property 'std': value %d is %g, expected a "
                                 "non-zero finite number",
                                 i, (double)n->desc.std[i]);
    n->desc.nvalues = 3; /* one value was spread to all three above */
    double scale = sp_stage_prop_float(st, "scale");
    if (scale == 0.0 || !isfinite(scale))
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'scale': %g, expected a non-zero "
                             "finite number",
                             scale);
    n->desc.scale = (float)scale;
    n->desc.order = (sp_channel_order)sp_stage_prop(st, "order")->i;
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED;
    return SP_OK;
}

static int normalize_pull(sp_stage *st, sp_frame **out)
{
    normalize_stage *n = sp_stage_priv(st);
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
    const sp_image *src = &in->u.image;
    size_t shape[4];
    int ndim;
    rc = sp_normalize_shape(src->width, src->height, src->format, shape, &ndim);
    if (rc < 0) {
        rc = sp_stage_fail(st, rc,
                           "frame %llu: image format %s, expected rgb8, bgr8, "
                           "rgba8 or gray8 (put debayer or convert before "
                           "normalize)",
                           seq, sp_pixfmt_name(src->format));
        sp_frame_unref(in);
        return rc;
    }
    rc = sp_frame_create_tensor(sp_stage_poolmgr(st), SP_DTYPE_F32, ndim, shape,
                                &res);
    if (rc < 0)
        goto fail;
    sp_frame_copy_meta(res, in);
    res->sensor = SP_SENSOR_TENSOR;
    rc = sp_normalize(sp_stage_kctx(st), &n->desc, src, &res->u.tensor);
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

const sp_stage_class sp__stage_normalize = {
    .name = "normalize",
    .description = "8-bit image to a float32 [1,C,H,W] tensor, (px*scale - "
                   "mean)/std per colour, rgb or bgr order; other frames pass "
                   "through",
    .props = normalize_props,
    .nprops = sizeof normalize_props / sizeof normalize_props[0],
    .priv_size = sizeof(normalize_stage),
    .init = normalize_init,
    .pull = normalize_pull,
};
