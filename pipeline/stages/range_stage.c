/* The `range` stage: turns each lidar frame into a range image, a float32
 * tensor (5, rows, cols) frame named "range" (range, x, y, z, intensity;
 * -1 where empty; see sp_range.h for the column convention). With
 * points=true the input points frame follows the image downstream. Frames
 * without points pass through untouched. */
#include <stdio.h>
#include <string.h>

#include "sp_range.h"
#include "filter_int.h"
#include "sp_stage.h"

typedef struct range_stage {
    sp_range_params params;
    size_t shape[3];
    int forward_points;
    sp_frame *pending;
} range_stage;

static const sp_prop_spec range_props[] = {
    {.name = "rows",
     .type = SP_PROP_INT,
     .def = "64",
     .min = 1,
     .max = 4096,
     .help = "image rows (beams); row 0 is the top of the field of view"},
    {.name = "cols",
     .type = SP_PROP_INT,
     .def = "2048",
     .min = 1,
     .max = 65536,
     .help = "image columns over 360 degrees; column cols/2 faces +x"},
    {.name = "fov",
     .type = SP_PROP_RANGE,
     .def = "-24.8:2",
     .min = -90,
     .max = 90,
     .help = "vertical field of view down:up in degrees; points outside "
             "are dropped"},
    {.name = "points",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "also pass the input points downstream after the image"},
    SP__STREAMS_PROP,
};

static int range_init(sp_stage *st)
{
    range_stage *r = sp_stage_priv(st);
    const sp_prop_value *fov = sp_stage_prop(st, "fov");
    r->params = (sp_range_params){.rows = (int)sp_stage_prop_int(st, "rows"),
                                  .cols = (int)sp_stage_prop_int(st, "cols"),
                                  .fov_down = fov->lo,
                                  .fov_up = fov->hi};
    r->forward_points = sp_stage_prop_bool(st, "points");
    int rc = sp_range_shape(&r->params, r->shape);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED; /* sp_stage_kctx() said why */
    return SP_OK;
}

static int range_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    range_stage *r = sp_stage_priv(st);
    (void)in;
    return sp__filter_f32_tensor(o, 3, r->shape);
}

static int range_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    range_stage *r = sp_stage_priv(st);
    return sp_range_project(sp_stage_kctx(st), &r->params, &in->u.points,
                            &res->u.tensor);
}

static const sp__filter_ops range_ops = {
    .input = SP_PAYLOAD_POINTS,
    .stream = "range",
    .prepare = range_prepare,
    .run = range_run,
};

static int range_pull(sp_stage *st, sp_frame **out)
{
    range_stage *r = sp_stage_priv(st);
    return sp__filter_pull(st, &range_ops,
                           r->forward_points ? &r->pending : NULL, out);
}

static void range_fini(sp_stage *st)
{
    range_stage *r = sp_stage_priv(st);
    sp_frame_unref(r->pending);
    r->pending = NULL;
}

const sp_stage_class sp__stage_range = {
    .name = "range",
    .takes = "points",
    .gives = "tensor (5, rows, cols) float32 on stream range (+ the "
             "points with points=true)",
    .description = "spherical range image (5,rows,cols): range, x, y, z, "
                   "intensity, nearest point per pixel; rows= cols= fov=",
    .props = range_props,
    .nprops = sizeof range_props / sizeof range_props[0],
    .priv_size = sizeof(range_stage),
    .init = range_init,
    .pull = range_pull,
    .fini = range_fini,
};
