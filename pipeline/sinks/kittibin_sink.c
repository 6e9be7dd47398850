/* The `kittibin` sink: each point frame as KITTI .bin (float32 x, y, z,
 * intensity records) at DIR/<stream>/<name>.bin (name=, sink_int.h), written to
 * a temporary name and renamed. Frames without points pass through unwritten.
 * A cloud with extra fields (rgb, labels, a file's own fields) is refused,
 * naming them, rather than written without them, unless drop=true; ring and
 * time are dropped as KITTI's format has always dropped them. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "sink_int.h"
#include "sp_bin.h"
#include "sp_stage.h"

typedef struct kittibin_sink {
    sp__sink_dir dir;
    int drop;
} kittibin_sink;

static const sp_prop_spec kittibin_props[] = {
    {.name = "dir",
     .type = SP_PROP_STRING,
     .help = "output folder; files go to DIR/<stream>/<name>.bin"},
    {.name = "drop",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "write clouds with extra fields (rgb, labels...) without them "
             "instead of refusing them"},
    SP__SINK_NAME_PROP,
};

/* Refuses a cloud whose extras a .bin would lose, naming them. */
static int check_extras(const sp_frame *f)
{
    const sp_points *p = &f->u.points;
    if (!p->extra || p->nextra == 0)
        return SP_OK;
    char names[256] = "";
    size_t k = 0;
    for (unsigned i = 0; i < p->nextra && k < sizeof names; i++) {
        int w = snprintf(names + k, sizeof names - k, "%s%s", i ? " " : "",
                         p->extra[i].field.name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    return sp__fail(SP_EINVAL,
                    "kittibin: frame %llu of '%s' has fields %s that a KITTI "
                    ".bin (x y z intensity float32) cannot hold, expected a "
                    "cloud of x y z intensity; drop=true writes it without "
                    "them, pcd or npy structured=true keep them",
                    (unsigned long long)f->seq, f->stream, names);
}

static int kittibin_init(sp_stage *st)
{
    kittibin_sink *s = sp_stage_priv(st);
    s->drop = sp_stage_prop_bool(st, "drop");
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
        rc = s->drop ? SP_OK : check_extras(f);
        if (rc == SP_OK)
            rc = sp__sink_dir_path(&s->dir, f, "", "bin", &path);
        if (rc == SP_OK)
            rc = sp_kittibin_write(path, &f->u.points);
        if (rc < 0) {
            sp_frame_unref(f);
            return rc;
        }
        f->written = 1;
    }
    *out = f;
    return SP_OK;
}

static void kittibin_fini(sp_stage *st)
{
    kittibin_sink *s = sp_stage_priv(st);
    sp__sink_dir_close(&s->dir, st);
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
