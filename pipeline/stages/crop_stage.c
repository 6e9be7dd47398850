/* The `crop` stage: keeps the points inside a box and/or a range band (or,
 * with invert=true, drops them) on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_crop.h for the rules. */
#include <string.h>

#include "sp_crop.h"
#include "sp_stage.h"

typedef struct crop_stage {
    sp_crop_params params;
} crop_stage;

static const sp_prop_spec crop_props[] = {
    {.name = "x", .type = SP_PROP_RANGE, .optional = 1,
     .help = "keep lo <= x <= hi (metres); unset: no x limit"},
    {.name = "y", .type = SP_PROP_RANGE, .optional = 1,
     .help = "keep lo <= y <= hi (metres)"},
    {.name = "z", .type = SP_PROP_RANGE, .optional = 1,
     .help = "keep lo <= z <= hi (metres)"},
    {.name = "range", .type = SP_PROP_RANGE, .optional = 1, .min = 0,
     .max = 1e9,
     .help = "keep lo <= sqrt(x^2+y^2+z^2) <= hi (metres, 3-D from the "
             "sensor)"},
    {.name = "invert", .type = SP_PROP_BOOL, .def = "false",
     .help = "drop the points inside instead of keeping them (NaN/Inf "
             "points are dropped either way)"},
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
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED; /* sp_stage_kctx() said why */
    return SP_OK;
}

static int crop_pull(sp_stage *st, sp_frame **out)
{
    crop_stage *c = sp_stage_priv(st);
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
    rc = sp_frame_create_points(sp_stage_poolmgr(st), p->count, p->fields,
                                &res);
    if (rc < 0) {
        sp_frame_unref(in);
        return sp_stage_fail(st, rc, "frame %llu: %s",
                             (unsigned long long)in->seq, sp_errmsg());
    }
    sp_frame_copy_meta(res, in);
    res->payload = SP_PAYLOAD_POINTS;
    rc = sp_crop(sp_stage_kctx(st), &c->params, p, &res->u.points);
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

const sp_stage_class sp__stage_crop = {
    .name = "crop",
    .description = "keep points inside a box (x= y= z=) and/or a range band "
                   "(range=), or drop them (invert=true); order kept",
    .props = crop_props,
    .nprops = sizeof crop_props / sizeof crop_props[0],
    .priv_size = sizeof(crop_stage),
    .init = crop_init,
    .pull = crop_pull,
};
