/* The `voxel` stage: one point per occupied voxel at its points' centroid
 * (PCL VoxelGrid's voxel rule), on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_voxel.h. */
#include "filter_int.h"
#include "sp_stage.h"
#include "sp_voxel.h"

typedef struct voxel_stage {
    sp_voxel_params params;
} voxel_stage;

static const sp_prop_spec voxel_props[] = {
    {.name = "leaf",
     .type = SP_PROP_FLOATS,
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
};

static int voxel_init(sp_stage *st)
{
    voxel_stage *v = sp_stage_priv(st);
    const sp_prop_value *leaf = sp_stage_prop(st, "leaf");
    if (leaf->nv != 1 && leaf->nv != 3)
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'leaf': %d values given, expected 1 "
                             "(cubic voxels) or 3 (x,y,z)",
                             leaf->nv);
    for (int a = 0; a < 3; a++) {
        double l = leaf->v[leaf->nv == 3 ? a : 0];
        if (!(l > 0))
            return sp_stage_fail(st, SP_EINVAL,
                                 "property 'leaf': %g, expected > 0", l);
        v->params.leaf[a] = (float)l;
    }
    v->params.min_points = (uint32_t)sp_stage_prop_int(st, "min_points");
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED; /* sp_stage_kctx() said why */
    return SP_OK;
}

static int voxel_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    voxel_stage *v = sp_stage_priv(st);
    return sp_voxel(sp_stage_kctx(st), &v->params, &in->u.points,
                    &res->u.points);
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
    .priv_size = sizeof(voxel_stage),
    .init = voxel_init,
    .pull = voxel_pull,
};
