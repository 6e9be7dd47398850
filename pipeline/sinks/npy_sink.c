/* The `npy` sink: one .npy per frame under DIR/<stream>/<seq:06d>.npy (see
 * sp_npy.h for what each payload becomes). fields= chooses the point
 * columns: xyzi (N, 4), xyzir (N, 5), xyzit (N, 5), xyzirt (N, 6); asking
 * for a column the points do not carry is an error naming the file. */
#include "error_int.h"
#include "sink_int.h"
#include "sp_npy.h"
#include "sp_stage.h"

typedef struct npy_sink {
    sp__sink_dir dir;
    unsigned fields;
} npy_sink;

static const sp_prop_spec npy_props[] = {
    {.name = "dir",
     .type = SP_PROP_STRING,
     .help = "output folder; files go to DIR/<stream>/<seq:06d>.npy"},
    {.name = "fields",
     .type = SP_PROP_ENUM,
     .def = "xyzi",
     .choices = "xyzi|xyzir|xyzit|xyzirt",
     .help = "point columns: x y z intensity, + ring (r), + time (t)"},
};

static int npy_init(sp_stage *st)
{
    npy_sink *s = sp_stage_priv(st);
    static const unsigned fields[] = {0, SP_POINTS_RING, SP_POINTS_TIME,
                                      SP_POINTS_RING | SP_POINTS_TIME};
    SP_TRY(sp__sink_dir_open(&s->dir, sp_stage_prop_str(st, "dir")));
    s->fields = fields[sp_stage_prop(st, "fields")->i];
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
            rc = sp_npy_write_points(path, &f->u.points, s->fields);
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
    *out = f;
    return SP_OK;
}

const sp_stage_class sp__stage_npy = {
    .name = "npy",
    .description =
        "writes each frame as a NumPy .npy file under dir=/<stream>/",
    .props = npy_props,
    .nprops = sizeof npy_props / sizeof npy_props[0],
    .priv_size = sizeof(npy_sink),
    .is_sink = 1,
    .init = npy_init,
    .pull = npy_pull,
};
