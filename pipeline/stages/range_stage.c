/* The `range` stage: turns each lidar frame into a range image, a float32
 * tensor (5, rows, cols) frame named "range" (range, x, y, z, intensity;
 * -1 where empty; see sp_range.h for the column convention). With
 * points=true the input points frame follows the image downstream. Frames
 * without points pass through untouched. */
#include <stdio.h>
#include <string.h>

#include "sp_range.h"
#include "sp_stage.h"

typedef struct range_stage {
    sp_range_params params;
    size_t shape[3];
    int forward_points;
    sp_frame *pending;
} range_stage;

static const sp_prop_spec range_props[] = {
    {.name = "rows", .type = SP_PROP_INT, .def = "64", .min = 1, .max = 4096,
     .help = "image rows (beams); row 0 is the top of the field of view"},
    {.name = "cols", .type = SP_PROP_INT, .def = "2048", .min = 1,
     .max = 65536,
     .help = "image columns over 360 degrees; column cols/2 faces +x"},
    {.name = "fov", .type = SP_PROP_RANGE, .def = "-24.8:2", .min = -90,
     .max = 90,
     .help = "vertical field of view down:up in degrees; points outside "
             "are dropped"},
    {.name = "points", .type = SP_PROP_BOOL, .def = "false",
     .help = "also pass the input points downstream after the image"},
};

static int range_init(sp_stage *st)
{
    range_stage *r = sp_stage_priv(st);
    const sp_prop_value *fov = sp_stage_prop(st, "fov");
    r->params = (sp_range_params){
        .rows = (int)sp_stage_prop_int(st, "rows"),
        .cols = (int)sp_stage_prop_int(st, "cols"),
        .fov_down = fov->lo, .fov_up = fov->hi};
    r->forward_points = sp_stage_prop_bool(st, "points");
    int rc = sp_range_shape(&r->params, r->shape);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED; /* sp_stage_kctx() said why */
    return SP_OK;
}

static int range_pull(sp_stage *st, sp_frame **out)
{
    range_stage *r = sp_stage_priv(st);
    sp_frame *in = NULL, *res = NULL;
    *out = NULL;
    if (r->pending) {
        *out = r->pending;
        r->pending = NULL;
        return SP_OK;
    }
    int rc = sp_stage_pull_upstream(st, &in);
    if (rc != SP_OK)
        return rc;
    if (in->payload != SP_PAYLOAD_POINTS) {
        *out = in;
        return SP_OK;
    }
    uint64_t seq = in->seq;
    rc = sp_frame_create_tensor(sp_stage_poolmgr(st), SP_DTYPE_F32, 3,
                                r->shape, &res);
    if (rc == SP_OK) {
        sp_frame_copy_meta(res, in);
        res->sensor = SP_SENSOR_TENSOR;
        res->payload = SP_PAYLOAD_TENSOR;
        snprintf(res->stream, sizeof res->stream, "range");
        rc = sp_range_project(sp_stage_kctx(st), &r->params, &in->u.points,
                              &res->u.tensor);
    }
    if (rc < 0) {
        sp_frame_unref(res);
        sp_frame_unref(in);
        return sp_stage_fail(st, rc, "frame %llu: %s",
                             (unsigned long long)seq, sp_errmsg());
    }
    if (r->forward_points)
        r->pending = in;
    else
        sp_frame_unref(in);
    *out = res;
    return SP_OK;
}

static void range_fini(sp_stage *st)
{
    range_stage *r = sp_stage_priv(st);
    sp_frame_unref(r->pending);
    r->pending = NULL;
}

const sp_stage_class sp__stage_range = {
    .name = "range",
    .description = "spherical range image (5,rows,cols): range, x, y, z, "
                   "intensity, nearest point per pixel; rows= cols= fov=",
    .props = range_props,
    .nprops = sizeof range_props / sizeof range_props[0],
    .priv_size = sizeof(range_stage),
    .init = range_init,
    .pull = range_pull,
    .fini = range_fini,
};
