/* The `debayer` stage: Bayer mosaics to RGB8/BGR8 (8-bit) or RGB16 (16-bit)
 * on the pipeline's kernel back-end (see sp_debayer.h). The pattern comes
 * from the frame's pixel format; pattern= overrides it, and also lets a
 * gray8/gray16 frame (a raw mosaic read without a pattern) be demosaiced.
 * Frames that are not images pass through untouched, and so do images that
 * are already colour (rgb8, bgr8, rgba8, rgb16), with a note.
 *
 * threads=N cuts the frame into N bands of rows, each starting on an even
 * row so it keeps the frame's Bayer pattern, and demosaics each band as an
 * image of its own. A band's first and last rows then come out mirrored
 * (the kernel's border rule) instead of reading the next band; every other
 * row is right, the kernel being a 3x3 stencil. So each share also
 * demosaics the 4 rows around each of its cut lines into its scratch, where
 * the middle two are interior rows, and copies over the one row of the two
 * it owns. No share writes another's rows: no barrier, and bit-identical
 * output to one thread. */
#include <string.h>

#include "sp_debayer.h"
#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"

typedef struct debayer_stage {
    sp_debayer_desc desc;
    /* the frame in flight, for the shares */
    sp_image src, dst;
    size_t row_bytes;
    int shares;
    sp__par par;
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
    SP__THREADS_PROPS,
};

static int debayer_init(sp_stage *st)
{
    debayer_stage *d = sp_stage_priv(st);
    d->desc.method = (sp_debayer_method)sp_stage_prop(st, "method")->i;
    d->desc.pattern =
        (sp_bayer_pattern)sp_stage_prop(st, "pattern")->i; /* auto = 0 */
    d->desc.bgr = sp_stage_prop(st, "order")->i == 1;
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &d->par);
}

static void debayer_fini(sp_stage *st)
{
    debayer_stage *d = sp_stage_priv(st);
    sp__par_deinit(&d->par);
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
        /* Said, not silent: debayer on a stream that is colour already (a
         * decoded JPEG, a camera's own demosaic) usually means a wrong
         * stream or a missed pattern=. Counted per stream by the notes. */
        sp_stage_note(st,
                      "stream '%s': %s images are colour already, not Bayer "
                      "mosaics: passed through unchanged",
                      in->stream, sp_pixfmt_name(in->u.image.format));
        o->pass = 1;
        return SP_OK;
    }
    sp_image src = mosaic(d, in);
    o->payload = SP_PAYLOAD_IMAGE;
    return sp_debayer_output(&d->desc, &src, &o->format, &o->width, &o->height);
}

static sp_image rows_of(const sp_image *im, size_t y0, size_t y1)
{
    sp_image r = *im;
    r.data = im->data + y0 * im->stride;
    r.height = (uint32_t)(y1 - y0);
    return r;
}

/* Row @p y next to a cut (cut - 1 or cut) done right: demosaic rows
 * [cut - 2, cut + 2) into the share's scratch and copy the one wanted. */
static int fix_row(debayer_stage *d, sp_kctx *k, void *buf, size_t cut,
                   size_t y)
{
    sp_image s = rows_of(&d->src, cut - 2, cut + 2);
    sp_image t = d->dst;
    t.data = buf;
    t.height = 4;
    t.stride = d->row_bytes;
    int rc = sp_debayer(k, &d->desc, &s, &t);
    if (rc == SP_OK)
        memcpy(d->dst.data + y * d->dst.stride,
               (uint8_t *)buf + (y - (cut - 2)) * d->row_bytes, d->row_bytes);
    return rc;
}

static void debayer_share(void *arg, int i, int n)
{
    debayer_stage *d = arg;
    sp_kctx *k = d->par.k[i];
    size_t y0, y1;

    sp__par_rows(d->src.height, i, n, 2, &y0, &y1);
    sp_image s = rows_of(&d->src, y0, y1);
    sp_image t = rows_of(&d->dst, y0, y1);
    int rc = sp_debayer(k, &d->desc, &s, &t);
    if (rc == SP_OK && i > 0)
        rc = fix_row(d, k, d->par.buf[i], y0, y0);
    if (rc == SP_OK && i < n - 1)
        rc = fix_row(d, k, d->par.buf[i], y1, y1 - 1);
    sp__par_note(&d->par, i, rc);
}

static int debayer_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    debayer_stage *d = sp_stage_priv(st);
    sp_image src = mosaic(d, in);
    /* Bands of at least 8 rows keep every cut's 4-row patch inside the
     * frame and away from the other cuts. */
    int n = sp__par_shares(st, &d->par, src.height, 8);
    if (n == 1)
        return sp_debayer(sp_stage_kctx(st), &d->desc, &src, &res->u.image);
    d->src = src;
    d->dst = res->u.image;
    d->row_bytes = sp_image_row_bytes(d->dst.width, d->dst.format);
    SP_TRY(sp__par_reserve(&d->par, n, 4 * d->row_bytes));
    sp__workers_run(d->par.w, n, debayer_share, d);
    return sp__par_result(&d->par, n);
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
                   "(16-bit): bilinear or edge-aware; colour images (with a "
                   "note) and other frames pass through",
    .props = debayer_props,
    .nprops = sizeof debayer_props / sizeof debayer_props[0],
    .priv_size = sizeof(debayer_stage),
    .init = debayer_init,
    .fini = debayer_fini,
    .pull = debayer_pull,
};
