/* The `debayer` stage: Bayer mosaics to RGB8/BGR8 (8-bit) or RGB16 (16-bit)
 * on the pipeline's kernel back-end (see sp_debayer.h). The pattern comes
 * from the frame's pixel format; pattern= overrides it, and also lets a
 * gray8/gray16 frame (a raw mosaic read without a pattern) be demosaiced.
 * Frames that are not images pass through untouched, and so do images that
 * are already colour (rgb8, bgr8, rgba8, rgb16). */
#include "sp_debayer.h"
#include "filter_int.h"
#include "sp_stage.h"

typedef struct debayer_stage {
    sp_debayer_desc desc;
} debayer_stage;

static const sp_prop_spec debayer_props[] = {
    {.name = "method",
     .type = SP_PROP_ENUM,
     .def = "bilinear",
     .choices = "bilinear|ea",
     .help = "bilinear (OpenCV's, exact on interior pixels) or ea (edge-aware "
             "green)"},
    {.name = "pattern",
     .type = SP_PROP_ENUM,
     .def = "auto",
     .choices = "auto|rggb|bggr|grbg|gbrg",
     .help =
         "Bayer pattern, first row then second (auto: from the pixel format)"},
    {.name = "order",
     .type = SP_PROP_ENUM,
     .def = "rgb",
     .choices = "rgb|bgr",
     .help = "channel order of 8-bit output (16-bit input always gives rgb16)"},
    SP__STREAMS_PROP,
};

static int debayer_init(sp_stage *st)
{
    debayer_stage *d = sp_stage_priv(st);
    d->desc.method = (sp_debayer_method)sp_stage_prop(st, "method")->i;
    d->desc.pattern =
        (sp_bayer_pattern)sp_stage_prop(st, "pattern")->i; /* auto = 0 */
    d->desc.bgr = sp_stage_prop(st, "order")->i == 1;
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED;
    return SP_OK;
}

static int is_colour(sp_pixfmt f)
{
    return f == SP_PIX_RGB8 || f == SP_PIX_BGR8 || f == SP_PIX_RGBA8 ||
           f == SP_PIX_RGB16;
}

/* The input as the kernel sees it: pattern= turns gray into a mosaic. */
static sp_image mosaic(const debayer_stage *d, const sp_frame *in)
{
    sp_image src = in->u.image;
    if (d->desc.pattern &&
        (src.format == SP_PIX_GRAY8 || src.format == SP_PIX_GRAY16))
        src.format = src.format == SP_PIX_GRAY8 ? SP_PIX_BAYER_RGGB8
                                                : SP_PIX_BAYER_RGGB16;
    return src;
}

static int debayer_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    debayer_stage *d = sp_stage_priv(st);
    if (is_colour(in->u.image.format)) {
        o->pass = 1;
        return SP_OK;
    }
    sp_image src = mosaic(d, in);
    o->payload = SP_PAYLOAD_IMAGE;
    return sp_debayer_output(&d->desc, &src, &o->format, &o->width, &o->height);
}

static int debayer_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    debayer_stage *d = sp_stage_priv(st);
    sp_image src = mosaic(d, in);
    return sp_debayer(sp_stage_kctx(st), &d->desc, &src, &res->u.image);
}

static const sp__filter_ops debayer_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .prepare = debayer_prepare,
    .run = debayer_run,
};

static int debayer_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &debayer_ops, NULL, out);
}

const sp_stage_class sp__stage_debayer = {
    .name = "debayer",
    .takes = "image (Bayer 8/16-bit; gray8/gray16 with pattern=)",
    .gives = "image rgb8/bgr8 (8-bit) or rgb16 (16-bit), same stream",
    .description = "demosaic Bayer images to rgb8/bgr8 (8-bit) or rgb16 "
                   "(16-bit): bilinear or "
                   "edge-aware; colour images and other frames pass through",
    .props = debayer_props,
    .nprops = sizeof debayer_props / sizeof debayer_props[0],
    .priv_size = sizeof(debayer_stage),
    .init = debayer_init,
    .pull = debayer_pull,
};
