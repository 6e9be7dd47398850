/* The `normalize` stage: an 8-bit image (rgb8, bgr8, rgba8, gray8) to a
 * float32 [1, C, H, W] tensor, out = (px * scale - mean) / std per colour,
 * channels in order=rgb|bgr (see sp_normalize.h). Frames that are not
 * images (points, tensors) pass through untouched.
 *
 * threads=N cuts the image into N bands of rows; each share writes its
 * band of every plane with sp_normalize_rows(). Each output float depends
 * on its own pixel only, so the result is bit-identical to one thread. */
#include <math.h>

#include "sp_normalize.h"
#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"

typedef struct normalize_stage {
    sp_normalize_desc desc;
    /* the frame in flight, for the shares */
    const sp_image *src;
    sp_tensor *dst;
    sp__par par;
} normalize_stage;

static const sp_prop_spec normalize_props[] = {
    {.name = "mean",
     .type = SP_PROP_FLOATS,
     .choices = "1|3",
     .def = "0.485,0.456,0.406",
     .help = "per-colour mean (R,G,B; or one value for all), after scale"},
    {.name = "std",
     .type = SP_PROP_FLOATS,
     .choices = "1|3",
     .def = "0.229,0.224,0.225",
     .help = "per-colour standard deviation (R,G,B; or one value), non-zero"},
    {.name = "scale",
     .type = SP_PROP_FLOAT,
     .def = "1/255",
     .help = "multiplies the 8-bit value first"},
    {.name = "order",
     .type = SP_PROP_ENUM,
     .def = "rgb",
     .choices = "rgb|bgr",
     .help = "tensor channel order (the input format says where each colour "
             "is)"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

/* mean= and std= as the descriptor wants them: 1 or 3 values (the
 * properties' choices). */
static int take_values(sp_stage *st, const char *name, float *dst)
{
    const sp_prop_value *v = sp_stage_prop(st, name);
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
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &n->par);
}

static void normalize_fini(sp_stage *st)
{
    normalize_stage *n = sp_stage_priv(st);
    sp__par_deinit(&n->par);
}

static int normalize_prepare(sp_stage *st, const sp_frame *in,
                             sp__filter_out *o)
{
    const sp_image *src = &in->u.image;
    (void)st;
    o->payload = SP_PAYLOAD_TENSOR;
    o->dtype = SP_DTYPE_F32;
    int rc = sp_normalize_shape(src->width, src->height, src->format, o->shape,
                                &o->ndim);
    if (rc < 0)
        return sp__fail(rc,
                        "image format %s, expected rgb8, bgr8, rgba8 or gray8 "
                        "(put debayer or convert before normalize)",
                        sp_pixfmt_name(src->format));
    return SP_OK;
}

static void normalize_share(void *arg, int i, int n)
{
    normalize_stage *s = arg;
    size_t y0, y1;
    sp__par_rows(s->src->height, i, n, 1, &y0, &y1);
    sp__par_note(&s->par, i,
                 sp_normalize_rows(s->par.k[i], &s->desc, s->src, s->dst,
                                   (uint32_t)y0, (uint32_t)y1));
}

static int normalize_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    normalize_stage *n = sp_stage_priv(st);
    int shares = sp__par_shares(st, &n->par, in->u.image.height, 1);
    if (shares == 1)
        return sp_normalize(sp_stage_kctx(st), &n->desc, &in->u.image,
                            &res->u.tensor);
    n->src = &in->u.image;
    n->dst = &res->u.tensor;
    sp__workers_run(n->par.w, shares, normalize_share, n);
    return sp__par_result(&n->par, shares);
}

static const sp__filter_ops normalize_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .prepare = normalize_prepare,
    .run = normalize_run,
};

static int normalize_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &normalize_ops, NULL, out);
}

const sp_stage_class sp__stage_normalize = {
    .name = "normalize",
    .takes = "image (rgb8, bgr8, rgba8, gray8)",
    .gives = "tensor (1, C, H, W) float32, same stream",
    .description = "8-bit image to a float32 [1,C,H,W] tensor, (px*scale - "
                   "mean)/std per colour, rgb or bgr order; other frames pass "
                   "through",
    .props = normalize_props,
    .nprops = sizeof normalize_props / sizeof normalize_props[0],
    .priv_size = sizeof(normalize_stage),
    .init = normalize_init,
    .fini = normalize_fini,
    .pull = normalize_pull,
};
