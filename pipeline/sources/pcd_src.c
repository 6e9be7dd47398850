/* The `pcd` source: a PCD file or a folder of them in name order (see
 * sp_pcd.h), one frame per file, read when pulled. Times come from the
 * folder's timestamps.txt when there is one, else file index x 100 ms. */
#include <stdlib.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_pcd.h"
#include "sp_stage.h"

typedef struct pcd_src {
    sp_pcd_reader *r;
    int64_t *times;
    size_t next;
    uint64_t seq;
} pcd_src;

static const sp_prop_spec pcd_props[] = {
    {.name = "path",
     .type = SP_PROP_STRING,
     .help = "a .pcd file or a folder of them (a sequence in name order)"},
    {.name = "stream",
     .type = SP_PROP_STRING,
     .max = SP_STREAM_NAME_MAX - 1,
     .def = "lidar",
     .help = "stream name of the frames"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

static int pcd_init(sp_stage *st)
{
    pcd_src *s = sp_stage_priv(st);
    const char *path = sp_stage_prop_str(st, "path");
    int from_file;
    SP_TRY(sp_pcd_reader_create(path, &s->r));
    sp_pcd_reader_set_poolmgr(s->r, sp_stage_poolmgr(st));
    return sp__src_times(path, sp_pcd_reader_count(s->r), &s->times,
                         &from_file);
}

static int make_frame(sp_stage *st, size_t i, sp_frame **out)
{
    pcd_src *s = sp_stage_priv(st);
    size_t n;
    unsigned fields;
    sp_frame *f = NULL;
    SP_TRY(sp_pcd_reader_shape(s->r, i, &n, &fields));
    int rc = sp__src_frame_points(st, s->seq, n, fields,
                                  sp_pcd_reader_path(s->r, i), &f);
    if (rc < 0)
        return rc;
    rc = sp_pcd_reader_read(s->r, i, &f->u.points);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    sp__src_stamp(st, f, &s->seq, s->times[i], sp_pcd_reader_path(s->r, i));
    *out = f;
    return SP_OK;
}

static int pcd_pull(sp_stage *st, sp_frame **out)
{
    pcd_src *s = sp_stage_priv(st);
    return sp__src_pull(st, &s->next, sp_pcd_reader_count(s->r), make_frame,
                        out);
}

static void pcd_fini(sp_stage *st)
{
    pcd_src *s = sp_stage_priv(st);
    sp_pcd_reader_destroy(s->r);
    free(s->times);
    s->r = NULL;
    s->times = NULL;
}

const sp_stage_class sp__stage_pcd = {
    .name = "pcd",
    .description = "PCL .pcd files (ascii, binary, binary_compressed), one "
                   "frame per file",
    .props = pcd_props,
    .nprops = sizeof pcd_props / sizeof pcd_props[0],
    .priv_size = sizeof(pcd_src),
    .is_source = 1,
    .init = pcd_init,
    .pull = pcd_pull,
    .fini = pcd_fini,
};
