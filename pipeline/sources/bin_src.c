/* The `bin` source: raw float32 point records, a .bin file or a folder (see
 * sp_bin.h), one frame per file, read when pulled. Times come from the
 * folder's timestamps.txt when there is one, else file index x 100 ms. */
#include <stdlib.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_bin.h"
#include "sp_stage.h"

typedef struct bin_src {
    sp_bin_reader *r;
    int64_t *times;
    size_t next;
    uint64_t seq;
} bin_src;

static const sp_prop_spec bin_props[] = {
    {.name = "path",
     .type = SP_PROP_STRING,
     .help = "a .bin file or a folder of them (a sequence in name order)"},
    {.name = "fields",
     .type = SP_PROP_STRING,
     .def = "x,y,z,i",
     .help = "float32 record layout: x,y,z,i (KITTI), x,y,z,i,ring "
             "(nuScenes); also t|time and _ (skip)"},
    {.name = "stream",
     .type = SP_PROP_STRING,
     .max = SP_STREAM_NAME_MAX - 1,
     .def = "lidar",
     .help = "stream name of the frames"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

static int bin_init(sp_stage *st)
{
    bin_src *s = sp_stage_priv(st);
    const char *path = sp_stage_prop_str(st, "path");
    int from_file;
    SP_TRY(sp_bin_reader_create(path, sp_stage_prop_str(st, "fields"), &s->r));
    sp_bin_reader_set_poolmgr(s->r, sp_stage_poolmgr(st));
    return sp__src_times(path, sp_bin_reader_count(s->r), &s->times,
                         &from_file);
}

static int make_frame(sp_stage *st, size_t i, sp_frame **out)
{
    bin_src *s = sp_stage_priv(st);
    size_t n;
    unsigned fields;
    sp_frame *f = NULL;
    SP_TRY(sp_bin_reader_shape(s->r, i, &n, &fields));
    int rc = sp__src_frame_points(st, s->seq, n, fields,
                                  sp_bin_reader_path(s->r, i), &f);
    if (rc < 0)
        return rc;
    rc = sp_bin_reader_read(s->r, i, &f->u.points);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    sp__src_stamp(st, f, &s->seq, s->times[i], sp_bin_reader_path(s->r, i));
    *out = f;
    return SP_OK;
}

static int bin_pull(sp_stage *st, sp_frame **out)
{
    bin_src *s = sp_stage_priv(st);
    return sp__src_pull(st, &s->next, sp_bin_reader_count(s->r), make_frame,
                        out);
}

static void bin_fini(sp_stage *st)
{
    bin_src *s = sp_stage_priv(st);
    sp_bin_reader_destroy(s->r);
    free(s->times);
    s->r = NULL;
    s->times = NULL;
}

const sp_stage_class sp__stage_bin = {
    .name = "bin",
    .description = "raw float32 point records (KITTI .bin and similar), one "
                   "frame per file",
    .props = bin_props,
    .nprops = sizeof bin_props / sizeof bin_props[0],
    .priv_size = sizeof(bin_src),
    .is_source = 1,
    .init = bin_init,
    .pull = bin_pull,
    .fini = bin_fini,
};
