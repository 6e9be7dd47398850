/* The `npy` sink: one .npy per frame under DIR/<stream>/, named after the
 * frame's input (name=, sink_int.h; sp_npy.h for what each payload becomes).
 * fields= chooses the point columns: xyzi (N, 4), xyzir (N, 5), xyzit (N, 5),
 * xyzirt (N, 6), or any comma-separated list of the cloud's field names
 * ("x,y,z,rgb,label"), or "all"; structured=true writes a structured array
 * with named, typed fields (every field by default). Asking for a column the
 * points do not carry is an error naming the file. */
#include <string.h>

#include "error_int.h"
#include "sink_int.h"
#include "sp_npy.h"
#include "sp_stage.h"

typedef struct npy_sink {
    sp__sink_dir dir;
    int legacy;        /* fields= one of xyzi..xyzirt */
    unsigned fields;   /* their SP_POINTS_* columns */
    const char *names; /* else the names, "" = all */
    int structured;
} npy_sink;

static const sp_prop_spec npy_props[] = {
    {.name = "dir",
     .type = SP_PROP_STRING,
     .help = "output folder; files go to DIR/<stream>/<name>.npy"},
    SP__SINK_NAME_PROP,
    {.name = "fields",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "point columns: xyzi (default), xyzir, xyzit, xyzirt, all, or "
             "field names x,y,z,rgb,label,... (extras included)"},
    {.name = "structured",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "a structured array of named, typed fields (all by default) "
             "instead of (N, C) float32"},
};

static int npy_init(sp_stage *st)
{
    npy_sink *s = sp_stage_priv(st);
    static const char *const legacy[] = {"xyzi", "xyzir", "xyzit", "xyzirt"};
    static const char *const lists[] = {
        "x,y,z,intensity", "x,y,z,intensity,ring", "x,y,z,intensity,time",
        "x,y,z,intensity,ring,time"};
    static const unsigned fields[] = {0, SP_POINTS_RING, SP_POINTS_TIME,
                                      SP_POINTS_RING | SP_POINTS_TIME};
    SP_TRY(sp__sink_dir_open(&s->dir, sp_stage_prop_str(st, "dir"),
                             sp__sink_naming_of(st)));
    s->structured = sp_stage_prop_bool(st, "structured");
    s->names = sp_stage_prop_str(st, "fields");
    if (!*s->names && !s->structured)
        s->names = "xyzi";
    for (int k = 0; k < 4; k++)
        if (!strcmp(s->names, legacy[k])) {
            s->legacy = !s->structured;
            s->fields = fields[k];
            s->names = lists[k];
        }
    return SP_OK;
}

static int npy_pull(sp_stage *st, sp_frame **out)
{
    npy_sink *s = sp_stage_priv(st);
    sp_frame *f = NULL;
    int rc = sp_stage_pull_upstream(st, &f);
    if (rc != SP_OK)
        return rc;
    const char *path;
    rc = sp__sink_dir_path(&s->dir, f, "", "npy", &path);
    if (rc == SP_OK) {
        switch (f->payload) {
        case SP_PAYLOAD_POINTS:
            rc = s->legacy ? sp_npy_write_points(path, &f->u.points, s->fields)
                           : sp_npy_write_columns(path, &f->u.points, s->names,
                                                  s->structured);
            break;
        case SP_PAYLOAD_IMAGE:
            rc = sp_npy_write_image(path, &f->u.image);
            break;
        case SP_PAYLOAD_PACKETS:
            rc = sp_stage_fail(st, SP_EUNSUPPORTED,
                               "frame %llu of %s holds raw packets, expected "
                               "points, an image or a tensor (decode them "
                               "first: `... ! lidar model=... ! npy`)",
                               (unsigned long long)f->seq, f->stream);
            break;
        default:
            rc = sp_npy_write_tensor(path, &f->u.tensor);
            break;
        }
    }
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    f->written = 1;
    *out = f;
    return SP_OK;
}

static void npy_fini(sp_stage *st)
{
    npy_sink *s = sp_stage_priv(st);
    sp__sink_dir_close(&s->dir, st);
}

const sp_stage_class sp__stage_npy = {
    .name = "npy",
    .takes = "points, image, tensor",
    .gives = "files DIR/<stream>/<name>.npy; the frames, written",
    .description =
        "writes each frame as a NumPy .npy file under dir=/<stream>/",
    .props = npy_props,
    .nprops = sizeof npy_props / sizeof npy_props[0],
    .priv_size = sizeof(npy_sink),
    .is_sink = 1,
    .init = npy_init,
    .pull = npy_pull,
    .fini = npy_fini,
};
