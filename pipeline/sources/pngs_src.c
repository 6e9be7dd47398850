/* The `pngs` source: a folder of PNG images as one camera stream, in name
 * order, decoded when pulled (probe for the shape, then decode into a frame
 * from the pool manager through a reused libpng arena). Times come from the
 * folder's timestamps.txt or image index x 100 ms. bayer= marks
 * single-channel images as a raw Bayer mosaic of that pattern. */
#include <stdlib.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_pngseq.h"
#include "sp_stage.h"

typedef struct pngs_src {
    sp_pngseq *images;
    int64_t *times;
    size_t next;
    uint64_t seq;
    int bayer; /* 0 none, 1.. rggb bggr grbg gbrg */
} pngs_src;

static const sp_prop_spec pngs_props[] = {
    {.name = "path",
     .type = SP_PROP_STRING,
     .help = "a folder of .png images (or one image)"},
    {.name = "bayer",
     .type = SP_PROP_ENUM,
     .def = "none",
     .choices = "none|rggb|bggr|grbg|gbrg",
     .help = "treat 8/16-bit gray images as a raw Bayer mosaic"},
    {.name = "stream",
     .type = SP_PROP_STRING,
     .max = SP_STREAM_NAME_MAX - 1,
     .def = "camera",
     .help = "stream name of the frames"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

static int pngs_init(sp_stage *st)
{
    pngs_src *s = sp_stage_priv(st);
    const char *path = sp_stage_prop_str(st, "path");
    int from_file;
    s->bayer = (int)sp_stage_prop(st, "bayer")->i;
    SP_TRY(sp_pngseq_create(path, &s->images));
    SP_TRY(sp_pngseq_set_poolmgr(s->images, sp_stage_poolmgr(st)));
    return sp__src_times(path, sp_pngseq_count(s->images), &s->times,
                         &from_file);
}

static int bayer_format(int bayer, sp_pixfmt gray, sp_pixfmt *out)
{
    static const sp_pixfmt b8[] = {SP_PIX_BAYER_RGGB8, SP_PIX_BAYER_BGGR8,
                                   SP_PIX_BAYER_GRBG8, SP_PIX_BAYER_GBRG8};
    static const sp_pixfmt b16[] = {SP_PIX_BAYER_RGGB16, SP_PIX_BAYER_BGGR16,
                                    SP_PIX_BAYER_GRBG16, SP_PIX_BAYER_GBRG16};
    if (gray == SP_PIX_GRAY8)
        *out = b8[bayer - 1];
    else if (gray == SP_PIX_GRAY16)
        *out = b16[bayer - 1];
    else
        return -1;
    return 0;
}

static int make_frame(sp_stage *st, size_t i, sp_frame **out)
{
    pngs_src *s = sp_stage_priv(st);
    const char *path = sp_pngseq_path(s->images, i);
    sp_png_info info;
    sp_frame *f = NULL;
    sp_pixfmt bayer_fmt = SP_PIX_GRAY8;
    SP_TRY(sp_pngseq_shape(s->images, i, &info));
    if (s->bayer && bayer_format(s->bayer, info.format, &bayer_fmt) != 0)
        return sp__fail(SP_EFORMAT,
                        "%s: decodes to %s, expected a gray "
                        "8- or 16-bit image for bayer=%s",
                        path, sp_pixfmt_name(info.format),
                        sp_stage_prop_str(st, "bayer"));
    int rc = sp__src_frame_image(st, s->seq, info.width, info.height,
                                 info.format, path, &f);
    if (rc < 0)
        return rc;
    rc = sp_pngseq_read(s->images, i, &f->u.image);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    /* Same bytes, same layout: only the meaning of the samples changes. */
    if (s->bayer)
        f->u.image.format = bayer_fmt;
    sp__src_stamp(st, f, &s->seq, s->times[i], path);
    *out = f;
    return SP_OK;
}

static int pngs_pull(sp_stage *st, sp_frame **out)
{
    pngs_src *s = sp_stage_priv(st);
    return sp__src_pull(st, &s->next, sp_pngseq_count(s->images), make_frame,
                        out);
}

static void pngs_fini(sp_stage *st)
{
    pngs_src *s = sp_stage_priv(st);
    sp_pngseq_destroy(s->images);
    free(s->times);
    s->images = NULL;
    s->times = NULL;
}

const sp_stage_class sp__stage_pngs = {
    .name = "pngs",
    .description = "a folder of PNG images as a camera stream (gray, RGB, "
                   "RGBA, palette; bayer= for raw mosaics)",
    .props = pngs_props,
    .nprops = sizeof pngs_props / sizeof pngs_props[0],
    .priv_size = sizeof(pngs_src),
    .is_source = 1,
    .init = pngs_init,
    .pull = pngs_pull,
    .fini = pngs_fini,
};
