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

    size_t o;
    sp_backend be =
        sp__kctx_pick(k, SP_HAVE_OPENCL, n, SP_CROP_OPENCL_MIN_POINTS);
#if SP_HAVE_OPENCL
    if (be == SP_BACKEND_OPENCL) {
        int rc = sp__crop_cl(k, &p, in, out);
        if (rc >= 0 && ex.n)
            sp__extras_gather(&ex, p.idx, out->count);
        /* AUTO chose the device itself: a device failure falls back to the
         * CPU (sp_kctx_last_backend() says which ran); an explicit opencl
         * back-end reports it. */
        if (rc >= 0 || k->backend != SP_BACKEND_AUTO)
            return rc;
        sp_errmsg_clear();
        be = k->simd != SP_SIMD_NONE ? SP_BACKEND_SIMD : SP_BACKEND_SCALAR;
        k->last = be;
    }
#endif
    switch (be) {
    case SP_BACKEND_SIMD:
        switch (k->simd) {
#if defined(__x86_64__) || defined(__i386__)
        case SP_SIMD_AVX2:
            o = sp__crop_avx2(&p, in, out);
            break;
        case SP_SIMD_SSE41:
            o = sp__crop_sse41(&p, in, out);
            break;
#endif
#if defined(__aarch64__) || defined(__ARM_NEON)
        case SP_SIMD_NEON:
            o = sp__crop_neon(&p, in, out);
            break;
#endif
        default:
            o = sp__crop_scalar(&p, in, 0, out, 0);
            break;
        }
        break;
    default:
        o = sp__crop_scalar(&p, in, 0, out, 0);
        break;
    }
    out->count = o;
    if (ex.n)
        sp__extras_gather(&ex, p.idx, o);
    return SP_OK;
}
