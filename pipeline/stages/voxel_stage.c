/* The `voxel` stage: one point per occupied voxel at its points' centroid
 * (PCL VoxelGrid's voxel rule), on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_voxel.h. */
#include "sp_stage.h"
#include "sp_voxel.h"

typedef struct voxel_stage {
    sp_voxel_params params;
} voxel_stage;

static const sp_prop_spec voxel_props[] = {
    {.name = "leaf", .type = SP_PROP_FLOATS, .def = "0.2", .min = 1e-9,
     .max = 1e9,
     .help = "voxel edge in metres: one value, or x,y,z (leaf=0.2,0.2,0.1)"},
    {.name = "min_points", .type = SP_PROP_INT, .def = "1", .min = 1,
     .max = 4294967295.0,
     .help = "drop voxels with fewer points than this"},
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

static int voxel_pull(sp_stage *st, sp_frame **out)
{
    voxel_stage *v = sp_stage_priv(st);
    sp_frame *in = NULL, *res = NULL;
    *out = NULL;
    int rc = sp_stage_pull_upstream(st, &in);
    if (rc != SP_OK)
        return rc;
    if (in->payload != SP_PAYLOAD_POINTS) {
        *out = in;
        return SP_OK;
    }
    const sp_points *p = &in->u.points;
    /* At most one voxel per input point. */
    rc = sp_frame_create_points(sp_stage_poolmgr(st), p->count, p->fields,
                                &res);
    if (rc < 0) {
        sp_frame_unref(in);
        return sp_stage_fail(st, rc, "frame %llu: %s",
                             (unsigned long long)in->seq, sp_errmsg());
    }
    sp_frame_copy_meta(res, in);
    res->payload = SP_PAYLOAD_POINTS;
    rc = sp_voxel(sp_stage_kctx(st), &v->params, p, &res->u.points);
    uint64_t seq = in->seq;
    sp_frame_unref(in);
    if (rc < 0) {
        sp_frame_unref(res);
        return sp_stage_fail(st, rc, "frame %llu: %s",
                             (unsigned long long)seq, sp_errmsg());
    }
    *out = res;
    return SP_OK;
}

const sp_stage_class sp__stage_voxel = {
    .name = "voxel",
    .description = "downsample to one point per occupied voxel (centroid; "
                   "PCL VoxelGrid's float32 voxel rule): leaf=, min_points=",
    .props = voxel_props,
    .nprops = sizeof voxel_props / sizeof voxel_props[0],
    .priv_size = sizeof(voxel_stage),
    .init = voxel_init,
    .pull = voxel_pull,
};
