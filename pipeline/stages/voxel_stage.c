/* The `voxel` stage: one point per occupied voxel at its points' centroid
 * (PCL VoxelGrid's voxel rule), on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_voxel.h.
 *
 * threads=N cuts a frame into slabs of whole (z, y) voxel rows voxelised
 * on N threads, the output the same bit for bit (voxel_split.c). */
#include <stdint.h>

#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"
#include "sp_voxel.h"
#include "voxel_split_int.h"

static const sp_prop_spec voxel_props[] = {
    {.name = "leaf",
     .type = SP_PROP_FLOATS,
     .choices = "1|3",
     .def = "0.2",
     .min = 1e-9,
     .max = 1e9,
     .help = "voxel edge in metres: one value, or x,y,z (leaf=0.2,0.2,0.1)"},
    {.name = "min_points",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 1,
     .max = 4294967295.0,
     .help = "drop voxels with fewer points than this"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

static int voxel_init(sp_stage *st)
{
    sp__voxel_stage *v = sp_stage_priv(st);
    const sp_prop_value *leaf = sp_stage_prop(st, "leaf");
    for (int a = 0; a < 3; a++) {
        double l = leaf->v[leaf->nv == 3 ? a : 0];
        if (!(l > 0))
            return sp_stage_fail(st, SP_EINVAL,
                                 "property 'leaf': %g, expected > 0", l);
        v->params.leaf[a] = (float)l;
    }
    v->params.min_points = (uint32_t)sp_stage_prop_int(st, "min_points");
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &v->par);
}

static void voxel_fini(sp_stage *st)
{
    sp__voxel_stage *v = sp_stage_priv(st);
    sp__par_deinit(&v->par);
}

static int voxel_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    sp__voxel_stage *v = sp_stage_priv(st);
    const sp_points *p = &in->u.points;
    sp_points *o = &res->u.points;
    /* Slabs of fewer than ~4096 points cost more to cut than they save. */
    int n = sp__par_shares(st, &v->par, p->count, 4096);
    if (n > 1 && (p->nextra || o->nextra)) {
        /* Said, not silent: threads= was asked for and does not apply. */
        sp_stage_note(st,
                      "threads=%d: frames with extra channels run on one "
                      "thread (the split carries x, y, z, intensity, time "
                      "and ring)",
                      n);
        n = 1;
    }
    if (n > 1 && (!p->x || !p->y || !p->z || !p->intensity ||
                  o->capacity < p->count || p->count > UINT32_MAX))
        n = 1;
    if (n > 1) {
        int rc = sp__voxel_split(v, p, o, n);
        if (rc != 1)
            return rc;
        sp_stage_note(st, "threads=%d: a frame ran on one thread: %s", n,
                      v->why_one);
    }
    return sp_voxel(sp_stage_kctx(st), &v->params, p, o);
}

/* At most one voxel per input point: the output is sized like the input. */
static const sp__filter_ops voxel_ops = {
    .input = SP_PAYLOAD_POINTS,
    .prepare = sp__filter_like_points,
    .run = voxel_run,
};

static int voxel_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &voxel_ops, NULL, out);
}

const sp_stage_class sp__stage_voxel = {
    .name = "voxel",
    .takes = "points",
    .gives = "points (one per occupied voxel), same stream",
    .description = "downsample to one point per occupied voxel (centroid; "
                   "PCL VoxelGrid's float32 voxel rule): leaf=, min_points=",
    .props = voxel_props,
    .nprops = sizeof voxel_props / sizeof voxel_props[0],
    .priv_size = sizeof(sp__voxel_stage),
    .init = voxel_init,
    .fini = voxel_fini,
    .pull = voxel_pull,
};
