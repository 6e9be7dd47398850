/* crop: parameter checks, the plan every back-end shares, and dispatch. */
#include <math.h>
#include <stdint.h>

#include "crop_int.h"
#include "extras_int.h"

/* Scratch slot of the kept indices (OpenCL's counts use slot 0). */
#define CROP_SLOT_IDX 1

static int make_plan(const sp_crop_params *c, const sp_points *in,
                     const sp_points *out, sp__crop_plan *p)
{
    static const char axis[] = "xyz";
    for (int a = 0; a < 3; a++) {
        p->lo[a] = -INFINITY;
        p->hi[a] = INFINITY;
        if (!(c->limits & (1u << a)))
            continue;
        if (isnan(c->min[a]) || isnan(c->max[a]) || c->min[a] > c->max[a])
            return sp__fail(SP_EINVAL,
                            "crop: %c=%g:%g is not a range, expected "
                            "min <= max",
                            axis[a], (double)c->min[a], (double)c->max[a]);
        p->lo[a] = c->min[a];
        p->hi[a] = c->max[a];
    }
    p->use_range = (c->limits & SP_CROP_RANGE) != 0;
    p->r2lo = 0.0f;
    p->r2hi = INFINITY;
    if (p->use_range) {
        if (isnan(c->range_min) || isnan(c->range_max) || c->range_min < 0 ||
            c->range_min > c->range_max)
            return sp__fail(SP_EINVAL,
                            "crop: range=%g:%g is not a range, expected "
                            "0 <= min <= max",
                            (double)c->range_min, (double)c->range_max);
        p->r2lo = c->range_min * c->range_min;
        p->r2hi = c->range_max * c->range_max;
    }
    p->invert = c->invert ? 1 : 0;
    if (out->fields & ~in->fields)
        return sp__fail(SP_EINVAL,
                        "crop: the output has fields 0x%x the input lacks "
                        "(input 0x%x)",
                        out->fields & ~in->fields, in->fields);
    p->ring =
        (in->fields & out->fields & SP_POINTS_RING) && in->ring && out->ring;
    p->time =
        (in->fields & out->fields & SP_POINTS_TIME) && in->time && out->time;
    return SP_OK;
}

static size_t crop_scalar(const sp__crop_plan *p, const sp_points *in,
                          sp_points *out)
{
    return sp__crop_scalar(p, in, 0, out, 0);
}

typedef size_t (*crop_cpu_fn)(const sp__crop_plan *, const sp_points *,
                              sp_points *);
typedef int (*crop_cl_fn)(sp_kctx *, const sp__crop_plan *, const sp_points *,
                          sp_points *);

static const sp__ktable crop_table = {
    "crop",
    {SP__KT_SCALAR(crop_scalar) SP__KT_SSE41(sp__crop_sse41) SP__KT_AVX2(
        sp__crop_avx2) SP__KT_NEON(sp__crop_neon) SP__KT_OPENCL(sp__crop_cl)},
    SP_CROP_OPENCL_MIN_POINTS,
    SP__KT_STREAMING,
};

static int overlaps(const void *a, const void *b, size_t bytes)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y + bytes && y < x + bytes;
}

int sp_crop(sp_kctx *k, const sp_crop_params *params, const sp_points *in,
            sp_points *out)
{
    SP_GUARD(k && params && in && out);
    size_t n = in->count;
    SP_GUARD(n == 0 || (in->x && in->y && in->z && in->intensity));
    SP_GUARD(out->x && out->y && out->z && out->intensity);
    if (out->capacity < n)
        return sp__fail(SP_EINVAL,
                        "crop: output holds %zu points but the input has "
                        "%zu, expected capacity >= input count",
                        out->capacity, n);
    if (n && overlaps(in->x, out->x, n * sizeof(float)))
        return sp__fail(SP_EINVAL, "crop: output shares memory with the "
                                   "input, expected separate clouds");
    sp__crop_plan p;
    SP_TRY(make_plan(params, in, out, &p));
    sp__extras ex;
    SP_TRY(sp__extras_plan("crop", in, out, &ex));
    p.idx = NULL;
    if (ex.n) {
        if (n > UINT32_MAX)
            return sp__fail(SP_ERANGE,
                            "crop: %zu points with extra fields, at most %u "
                            "per call",
                            n, UINT32_MAX);
        p.idx = sp__kctx_scratch(k, CROP_SLOT_IDX, (n ? n : 1) * 4);
        if (!p.idx)
            return SP_ENOMEM;
    }

    sp__kimpl im = sp__kctx_pick_impl(k, &crop_table, n);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((crop_cl_fn)crop_table.fn[im])(k, &p, in, out);
        if (rc >= 0 && ex.n)
            sp__extras_gather(&ex, p.idx, out->count);
        im = sp__kctx_after_cl(k, &crop_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    size_t o = ((crop_cpu_fn)crop_table.fn[im])(&p, in, out);
    out->count = o;
    if (ex.n)
        sp__extras_gather(&ex, p.idx, o);
    return SP_OK;
}
