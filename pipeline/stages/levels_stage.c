/* The `levels` stage: black-level subtraction, white-level scaling and
 * optional white-balance gains on raw 16-bit Bayer frames, to 8- or 16-bit
 * Bayer (see sp_levels.h). pattern= overrides the format's pattern and lets
 * a gray16 frame be treated as a mosaic. Frames that are not images pass
 * through untouched; other image formats are an error. */
#include "sp_levels.h"
#include "filter_int.h"
#include "sp_stage.h"

typedef struct levels_stage {
    sp_levels_desc desc;
} levels_stage;

static const sp_prop_spec levels_props[] = {
    {.name = "black",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 65535,
     .help = "black level, subtracted (raw units)"},
    {.name = "white",
     .type = SP_PROP_INT,
     .optional = 1,
     .min = 1,
     .max = 65535,
     .help = "white level, maps to full scale (unset: the input's bit depth)"},
    {.name = "depth",
     .type = SP_PROP_ENUM,
     .def = "8",
     .choices = "8|16",
     .help = "output bits per sample"},
    {.name = "gains",
     .type = SP_PROP_FLOATS,
     .choices = "3",
     .optional = 1,
     .min = 0.001,
     .max = 64,
     .help = "white-balance gains r,g,b applied on the Bayer sites"},
    {.name = "pattern",
     .type = SP_PROP_ENUM,
     .def = "auto",
     .choices = "auto|rggb|bggr|grbg|gbrg",
     .help = "Bayer pattern (auto: from the pixel format)"},
    SP__STREAMS_PROP,
};

static int levels_init(sp_stage *st)
{
    levels_stage *l = sp_stage_priv(st);
    l->desc.black = (uint32_t)sp_stage_prop_int(st, "black");
    const sp_prop_value *w = sp_stage_prop(st, "white");
    l->desc.white = w->set ? (uint32_t)w->i : 0;
    l->desc.depth = sp_stage_prop(st, "depth")->i == 1 ? 16 : 8;
    l->desc.pattern = (sp_bayer_pattern)sp_stage_prop(st, "pattern")->i;
    const sp_prop_value *g = sp_stage_prop(st, "gains");
    if (g->set) {
        l->desc.gain_r = (float)g->v[0];
        l->desc.gain_g = (float)g->v[1];
        l->desc.gain_b = (float)g->v[2];
    }
    if (w->set && l->desc.white <= l->desc.black)
        return sp_stage_fail(st, SP_EINVAL, "white %u must be above black %u",
                             l->desc.white, l->desc.black);
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return SP_OK;
}

/* The input as the kernel sees it: pattern= turns gray16 into a mosaic. */
static sp_image mosaic(const levels_stage *l, const sp_frame *in)
{
    sp_image src = in->u.image;
    if (l->desc.pattern && src.format == SP_PIX_GRAY16)
        src.format = SP_PIX_BAYER_RGGB16;
    return src;
}

static int levels_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    levels_stage *l = sp_stage_priv(st);
    sp_image src = mosaic(l, in);
    o->payload = SP_PAYLOAD_IMAGE;
    return sp_levels_output(&l->desc, &src, &o->format, &o->width, &o->height);
}

static int levels_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    levels_stage *l = sp_stage_priv(st);
    sp_image src = mosaic(l, in);
    return sp_levels(sp_stage_kctx(st), &l->desc, &src, &res->u.image);
}

static const sp__filter_ops levels_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .prepare = levels_prepare,
    .run = levels_run,
};

static int levels_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &levels_ops, NULL, out);
}

const sp_stage_class sp__stage_levels = {
    .name = "levels",
    .takes = "image (Bayer 16-bit; gray16 with pattern=)",
    .gives = "image Bayer 8- or 16-bit, same stream",
    .description =
        "raw 16-bit Bayer: subtract black=, scale white= to full 8/16-bit "
        "range, "
        "optional white-balance gains=r,g,b; non-image frames pass through",
    .props = levels_props,
    .nprops = sizeof levels_props / sizeof levels_props[0],
    .priv_size = sizeof(levels_stage),
    .init = levels_init,
    .pull = levels_pull,
};
