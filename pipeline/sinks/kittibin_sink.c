/* The `kittibin` sink: each point frame as KITTI .bin (float32 x, y, z,
 * intensity records) at DIR/<stream>/<name>.bin (name=, sink_int.h), written to
 * a temporary name and renamed. Frames without points pass through unwritten.
 */
#include "error_int.h"
#include "sink_int.h"
#include "sp_bin.h"
#include "sp_stage.h"

typedef struct kittibin_sink {
    sp__sink_dir dir;
} kittibin_sink;

static const sp_prop_spec kittibin_props[] = {
    {.name = "dir",
     .type = SP_PROP_STRING,
     .help = "output folder; files go to DIR/<stream>/<name>.bin"},
    SP__SINK_NAME_PROP,
};

static int kittibin_init(sp_stage *st)
{
    kittibin_sink *s = sp_stage_priv(st);
    return sp__sink_dir_open(&s->dir, sp_stage_prop_str(st, "dir"),
                             sp__sink_naming_of(st));
}

static int kittibin_pull(sp_stage *st, sp_frame **out)
{
    kittibin_sink *s = sp_stage_priv(st);
    sp_frame *f = NULL;
    int rc = sp_stage_pull_upstream(st, &f);
    if (rc != SP_OK)
        return rc;
    if (f->payload == SP_PAYLOAD_POINTS) {
        const char *path;
        rc = sp__sink_dir_path(&s->dir, f, "", "bin", &path);
        if (rc == SP_OK)
            rc = sp_kittibin_write(path, &f->u.points);
        if (rc < 0) {
            sp_frame_unref(f);
            return rc;
        }
    }
    *out = f;
    return SP_OK;
}

static void kittibin_fini(sp_stage *st)
{
    kittibin_sink *s = sp_stage_priv(st);
    sp__sink_dir_close(&s->dir);
}

const sp_stage_class sp__stage_kittibin = {
    .name = "kittibin",
    .takes = "points (other frames pass through unwritten)",
    .gives = "files DIR/<stream>/<name>.bin (float32 x y z intensity); "
             "the frames, written",
    .description = "writes each point frame as KITTI .bin (x y z intensity "
                   "float32) under dir=/<stream>/",
    .props = kittibin_props,
    .nprops = sizeof kittibin_props / sizeof kittibin_props[0],
    .priv_size = sizeof(kittibin_sink),
    .is_sink = 1,
    .init = kittibin_init,
    .pull = kittibin_pull,
    .fini = kittibin_fini,
};
