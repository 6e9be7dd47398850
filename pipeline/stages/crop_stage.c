/* The `crop` stage: keeps the points inside a box and/or a range band (or,
 * with invert=true, drops them) on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_crop.h for the rules. */
#include <string.h>

#include "sp_crop.h"
#include "filter_int.h"
#include "sp_stage.h"

typedef struct crop_stage {
    sp_crop_params params;
} crop_stage;

static const sp_prop_spec crop_props[] = {
    {.name = "x",
     .type = SP_PROP_RANGE,
     .optional = 1,
     .help = "keep lo <= x <= hi (metres); unset: no x limit"},
    {.name = "y",
     .type = SP_PROP_RANGE,
     .optional = 1,
     .help = "keep lo <= y <= hi (metres)"},
    {.name = "z",
     .type = SP_PROP_RANGE,
     .optional = 1,
     .help = "keep lo <= z <= hi (metres)"},
    {.name = "range",
     .type = SP_PROP_RANGE,
     .optional = 1,
     .min = 0,
     .max = 1e9,
     .help = "keep lo <= sqrt(x^2+y^2+z^2) <= hi (metres, 3-D from the "
             "sensor)"},
    {.name = "invert",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "drop the points inside instead of keeping them (NaN/Inf "
             "points are dropped either way)"},
    SP__STREAMS_PROP,
};

static int crop_init(sp_stage *st)
{
    crop_stage *c = sp_stage_priv(st);
    static const char *axes[] = {"x", "y", "z"};
    memset(&c->params, 0, sizeof c->params);
    for (int a = 0; a < 3; a++) {
        const sp_prop_value *v = sp_stage_prop(st, axes[a]);
        if (!v->set)
            continue;
        c->params.limits |= 1u << a;
        c->params.min[a] = (float)v->lo;
        c->params.max[a] = (float)v->hi;
    }
    const sp_prop_value *r = sp_stage_prop(st, "range");
    if (r->set) {
        c->params.limits |= SP_CROP_RANGE;
        c->params.range_min = (float)r->lo;
        c->params.range_max = (float)r->hi;
    }
    c->params.invert = sp_stage_prop_bool(st, "invert");
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return SP_OK;
}

static int crop_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    crop_stage *c = sp_stage_priv(st);
    return sp_crop(sp_stage_kctx(st), &c->params, &in->u.points,
                   &res->u.points);
}

static const sp__filter_ops crop_ops = {
    .input = SP_PAYLOAD_POINTS,
    .prepare = sp__filter_like_points,
    .run = crop_run,
};

static int crop_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &crop_ops, NULL, out);
}

const sp_stage_class sp__stage_crop = {
    .name = "crop",
    .takes = "points",
    .gives = "points (those kept), same stream",
    .description = "keep points inside a box (x= y= z=) and/or a range band "
                   "(range=), or drop them (invert=true); order kept",
    .props = crop_props,
    .nprops = sizeof crop_props / sizeof crop_props[0],
    .priv_size = sizeof(crop_stage),
    .init = crop_init,
    .pull = crop_pull,
};
