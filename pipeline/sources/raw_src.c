/* The `raw` source: headerless image frames (see sp_rawimg.h) from a file
 * or a folder, several frames per file allowed. File sizes are checked when
 * the stage starts; each frame is read when pulled. Times come from the
 * folder's timestamps.txt (one line per frame) or frame index x 100 ms. */
#include <stdio.h>
#include <stdlib.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_rawimg.h"
#include "sp_stage.h"

typedef struct raw_src {
    sp_raw_reader *r;
    sp_raw_desc d;
    int64_t *times;
    size_t next;
    uint64_t seq;
} raw_src;

static const sp_prop_spec raw_props[] = {
    {.name = "path",
     .type = SP_PROP_STRING,
     .help = "a file of frames or a folder of such files (name order)"},
    {.name = "width",
     .type = SP_PROP_INT,
     .min = 1,
     .max = 65536,
     .help = "frame width in pixels"},
    {.name = "height",
     .type = SP_PROP_INT,
     .min = 1,
     .max = 65536,
     .help = "frame height in pixels"},
    {.name = "format",
     .type = SP_PROP_ENUM,
     .choices = "gray8|gray16|bayer_rggb8|bayer_bggr8|bayer_grbg8|"
                "bayer_gbrg8|bayer_rggb16|bayer_bggr16|bayer_grbg16|"
                "bayer_gbrg16|rgb8|bgr8|nv12|yuyv",
     .help = "pixel layout; 16-bit formats are little-endian"},
    {.name = "stride",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 1e9,
     .help = "bytes per row in the file; 0 = rows are not padded"},
    {.name = "bit_depth",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 16,
     .help = "significant bits of 16-bit formats (e.g. 12, 14); 0 = 16"},
    {.name = "stream",
     .type = SP_PROP_STRING,
     .max = SP_STREAM_NAME_MAX - 1,
     .def = "camera",
     .help = "stream name of the frames"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

static int raw_init(sp_stage *st)
{
    raw_src *s = sp_stage_priv(st);
    const char *path = sp_stage_prop_str(st, "path");
    int from_file;
    s->d.width = (uint32_t)sp_stage_prop_int(st, "width");
    s->d.height = (uint32_t)sp_stage_prop_int(st, "height");
    SP_TRY(sp_pixfmt_from_name(sp_stage_prop_str(st, "format"), &s->d.format));
    s->d.stride = (size_t)sp_stage_prop_int(st, "stride");
    s->d.bit_depth = (uint8_t)sp_stage_prop_int(st, "bit_depth");
    /* Every frame has this size: a claim too large fails at start. */
    char what[64];
    snprintf(what, sizeof what, "a %ux%u %s frame", s->d.width, s->d.height,
             sp_pixfmt_name(s->d.format));
    SP_TRY(sp__src_frame_check(
        st, sp_image_block_size(s->d.width, s->d.height, s->d.format, 0), path,
        what));
    SP_TRY(sp_raw_reader_create(path, &s->d, &s->r));
    return sp__src_times(path, sp_raw_reader_count(s->r), &s->times,
                         &from_file);
}

static int make_frame(sp_stage *st, size_t i, sp_frame **out)
{
    raw_src *s = sp_stage_priv(st);
    sp_frame *f = NULL;
    int rc = sp_frame_create_image(sp_stage_poolmgr(st), s->d.width,
                                   s->d.height, s->d.format, 0, &f);
    if (rc < 0)
        return sp__src_frame_fail(rc, s->seq,
                                  sp_raw_reader_origin(s->r, i, NULL));
    rc = sp_raw_reader_read(s->r, i, &f->u.image);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    sp__src_stamp(st, f, &s->seq, s->times[i],
                  sp_raw_reader_origin(s->r, i, NULL));
    *out = f;
    return SP_OK;
}

static int raw_pull(sp_stage *st, sp_frame **out)
{
    raw_src *s = sp_stage_priv(st);
    return sp__src_pull(st, &s->next, sp_raw_reader_count(s->r), make_frame,
                        out);
}

static void raw_fini(sp_stage *st)
{
    raw_src *s = sp_stage_priv(st);
    sp_raw_reader_destroy(s->r);
    free(s->times);
    s->r = NULL;
    s->times = NULL;
}

const sp_stage_class sp__stage_raw = {
    .name = "raw",
    .description = "headerless raw image frames (gray, Bayer 8/16, rgb8, "
                   "bgr8, nv12, yuyv) with width=, height=, format=",
    .props = raw_props,
    .nprops = sizeof raw_props / sizeof raw_props[0],
    .priv_size = sizeof(raw_src),
    .is_source = 1,
    .init = raw_init,
    .pull = raw_pull,
    .fini = raw_fini,
};
