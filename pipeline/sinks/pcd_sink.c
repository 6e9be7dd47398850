/* The `pcd` sink: each point frame as DIR/<stream>/<name>.pcd, named after
 * the frame's input (name=, sink_int.h), in the chosen encoding (see sp_pcd.h),
 * written to a temporary name and renamed. Frames without points (camera
 * images, tensors) pass through unwritten. */
#include "error_int.h"
#include "sink_int.h"
#include "sp_pcd.h"
#include "sp_stage.h"

typedef struct pcd_sink {
    sp__sink_dir dir;
    sp_pcd_writer *w;
    sp_pcd_encoding enc;
} pcd_sink;

static const sp_prop_spec pcd_sink_props[] = {
    {.name = "dir",
     .type = SP_PROP_STRING,
     .help = "output folder; files go to DIR/<stream>/<name>.pcd"},
    SP__SINK_NAME_PROP,
    {.name = "encoding",
     .type = SP_PROP_ENUM,
     .def = "binary",
     .choices = "ascii|binary|binary_compressed",
     .help = "PCD DATA encoding"},
};

static int pcd_sink_init(sp_stage *st)
{
    pcd_sink *s = sp_stage_priv(st);
    static const sp_pcd_encoding encs[] = {SP_PCD_ASCII, SP_PCD_BINARY,
                                           SP_PCD_BINARY_COMPRESSED};
    s->enc = encs[sp_stage_prop(st, "encoding")->i];
    SP_TRY(sp__sink_dir_open(&s->dir, sp_stage_prop_str(st, "dir"),
                             sp__sink_naming_of(st)));
    return sp_pcd_writer_create(&s->w);
}

static int pcd_sink_pull(sp_stage *st, sp_frame **out)
{
    pcd_sink *s = sp_stage_priv(st);
    sp_frame *f = NULL;
    int rc = sp_stage_pull_upstream(st, &f);
    if (rc != SP_OK)
        return rc;
    if (f->payload == SP_PAYLOAD_POINTS) {
        const char *path;
        rc = sp__sink_dir_path(&s->dir, f, "", "pcd", &path);
        if (rc == SP_OK)
            rc = sp_pcd_writer_write(s->w, path, &f->u.points, s->enc);
        if (rc < 0) {
            sp_frame_unref(f);
            return rc;
        }
        f->written = 1;
    }
    *out = f;
    return SP_OK;
}

static void pcd_sink_fini(sp_stage *st)
{
    pcd_sink *s = sp_stage_priv(st);
    sp_pcd_writer_destroy(s->w);
    s->w = NULL;
    sp__sink_dir_close(&s->dir, st);
}

const sp_stage_class sp__stage_pcd_sink = {
    .name = "pcd",
    .takes = "points (other frames pass through unwritten)",
    .gives = "files DIR/<stream>/<name>.pcd; the frames, written",
    .description = "writes each point frame as a PCD file (ascii, binary or "
                   "binary_compressed) under dir=/<stream>/",
    .props = pcd_sink_props,
    .nprops = sizeof pcd_sink_props / sizeof pcd_sink_props[0],
    .priv_size = sizeof(pcd_sink),
    .is_sink = 1,
    .init = pcd_sink_init,
    .pull = pcd_sink_pull,
    .fini = pcd_sink_fini,
};
