/* The `png` sink: images and tensors as PNG under DIR/<stream>/.
 *
 * Files are named after the frame's input (name=, sink_int.h).
 * Images: <name>.png as themselves (Bayer mosaics as gray pictures of
 * the raw samples, BGR as RGB, float images colour-mapped). Tensors:
 * (H, W) as <name>.png; (C, H, W) and (1, C, H, W) one picture per channel,
 * <name>_c<k>.png, each with its own value range (BEV channels such as
 * height, intensity and density have unrelated units). Float data is
 * colour-mapped with the range in the file's "sensorpipe:range" text
 * chunk; range= fixes it; empty= says which values are drawn black (by
 * default NaN and -1, the range image's mark for a missing return). Point
 * clouds have no picture: they are passed on unwritten. */
#include <stdio.h>

#include "error_int.h"
#include "sink_int.h"
#include "sp_png.h"
#include "sp_stage.h"

typedef struct png_sink {
    sp__sink_dir dir;
    sp_png_cmap cmap;
    sp_png_writer *writer; /* reused: no heap allocation per file once warm */
} png_sink;

static const sp_prop_spec png_props[] = {
    {.name = "dir",
     .type = SP_PROP_STRING,
     .help = "output folder; files go to DIR/<stream>/<name>.png"},
    SP__SINK_NAME_PROP,
    {.name = "empty",
     .type = SP_PROP_ENUM,
     .def = "nan_minus1",
     .choices = "nan_minus1|nan|negative",
     .help = "float values drawn black: NaN and -1 (range images), NaN only, "
             "or NaN and "
             "negatives"},
    {.name = "range",
     .type = SP_PROP_RANGE,
     .optional = 1,
     .help =
         "lo:hi value range of the colour map (default: each picture's own)"},
};

static int png_init(sp_stage *st)
{
    png_sink *s = sp_stage_priv(st);
    SP_TRY(sp__sink_dir_open(&s->dir, sp_stage_prop_str(st, "dir"),
                             sp__sink_naming_of(st)));
    static const sp_png_empty empties[] = {
        SP_PNG_EMPTY_NAN_NEG1, SP_PNG_EMPTY_NAN, SP_PNG_EMPTY_NEGATIVE};
    s->cmap.empty = empties[sp_stage_prop(st, "empty")->i];
    const sp_prop_value *r = sp_stage_prop(st, "range");
    if (r->set) {
        if (!(r->lo < r->hi))
            return sp_stage_fail(st, SP_EINVAL, "range=%s: expected lo < hi",
                                 r->s);
        s->cmap.lo = (float)r->lo;
        s->cmap.hi = (float)r->hi;
    }
    return sp_png_writer_create(&s->writer);
}

static int write_tensor(png_sink *s, const sp_frame *f)
{
    size_t planes = sp_png_plane_count(&f->u.tensor);
    if (planes == 0)
        return sp__fail(
            SP_EUNSUPPORTED,
            "frame %s %llu: a tensor of %d dimensions has no picture, expected "
            "(H, W), (C, H, W) or (1, C, H, W)",
            f->stream, (unsigned long long)f->seq, f->u.tensor.ndim);
    for (size_t c = 0; c < planes; c++) {
        char suffix[24] = "";
        if (planes > 1)
            snprintf(suffix, sizeof suffix, "_c%zu", c);
        const char *path;
        SP_TRY(sp__sink_dir_path(&s->dir, f, suffix, "png", &path));
        SP_TRY(sp_png_writer_plane(s->writer, path, &f->u.tensor, c, &s->cmap));
    }
    return SP_OK;
}

static int png_pull(sp_stage *st, sp_frame **out)
{
    png_sink *s = sp_stage_priv(st);
    sp_frame *f = NULL;
    int rc = sp_stage_pull_upstream(st, &f);
    if (rc != SP_OK)
        return rc;
    int wrote = 0;
    if (f->payload == SP_PAYLOAD_IMAGE) {
        const char *path;
        rc = sp__sink_dir_path(&s->dir, f, "", "png", &path);
        if (rc == SP_OK)
            rc = sp_png_writer_image(s->writer, path, &f->u.image, &s->cmap);
        wrote = 1;
    } else if (f->payload == SP_PAYLOAD_TENSOR) {
        rc = write_tensor(s, f);
        wrote = 1;
    }
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    f->written |= wrote;
    *out = f;
    return SP_OK;
}

static void png_fini(sp_stage *st)
{
    png_sink *s = sp_stage_priv(st);
    sp_png_writer_destroy(s->writer);
    s->writer = NULL;
    sp__sink_dir_close(&s->dir, st);
}

const sp_stage_class sp__stage_png = {
    .name = "png",
    .takes = "image, tensor (H,W) or (C,H,W) (points pass through "
             "unwritten)",
    .gives = "files DIR/<stream>/<name>.png (<name>_c<k>.png per tensor "
             "channel); the frames, written",
    .description =
        "writes images and tensors as PNG under dir=/<stream>/ (float data "
        "colour-mapped)",
    .props = png_props,
    .nprops = sizeof png_props / sizeof png_props[0],
    .priv_size = sizeof(png_sink),
    .is_sink = 1,
    .init = png_init,
    .pull = png_pull,
    .fini = png_fini,
};
