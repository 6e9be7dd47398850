/* voxel: parameter checks, the table of back-ends and the choice of path
 * (runs, packed, general, wide; see voxel_int.h). The CPU parts the paths
 * and back-ends share (sort, reductions) are in voxel_sort.c, so no
 * back-end calls back into this file. See sp_voxel.h for the rules. */
#include <string.h>

#include "voxel_int.h"

static int make_plan(const sp_voxel_params *v, const sp_points *in,
                     const sp_points *out, sp__voxel_plan *p)
{
    for (int a = 0; a < 3; a++) {
        float leaf = v->leaf[a];
        if (!(leaf > 0.0f) || !isfinite(leaf))
            return sp__fail(SP_EINVAL,
                            "voxel: leaf %g,%g,%g: expected every size > 0 "
                            "and finite",
                            (double)v->leaf[0], (double)v->leaf[1],
                            (double)v->leaf[2]);
        p->inv[a] = 1.0f / leaf;
        if (!isfinite(p->inv[a]))
            return sp__fail(SP_EINVAL,
                            "voxel: leaf %g is too small (1/leaf "
                            "overflows float32)",
                            (double)leaf);
    }
    p->min_points = v->min_points ? v->min_points : 1;
    if (out->fields & ~in->fields)
        return sp__fail(SP_EINVAL,
                        "voxel: the output has fields 0x%x the input lacks "
                        "(input 0x%x)",
                        out->fields & ~in->fields, in->fields);
    p->ring =
        (in->fields & out->fields & SP_POINTS_RING) && in->ring && out->ring;
    p->time =
        (in->fields & out->fields & SP_POINTS_TIME) && in->time && out->time;
    return SP_OK;
}

/* The grid from the extent; 1 when it is too big for the runs and packed
 * paths (then g->kb + g->ib > 64 says the packed path cannot hold it). */
static int make_grid(const sp__voxel_plan *p, const sp__voxel_extent *e,
                     size_t n, sp__voxel_grid *g)
{
    for (int a = 0; a < 3; a++) {
        float lo = floorf(e->min[a] * p->inv[a]);
        float hi = floorf(e->max[a] * p->inv[a]);
        if (!(lo > -SP__VOXEL_LIM && hi < SP__VOXEL_LIM))
            return 1;
        g->lo[a] = (int32_t)lo;
        g->span[a] = (uint64_t)((int64_t)(int32_t)hi - g->lo[a]) + 1;
    }
    unsigned __int128 total =
        (unsigned __int128)g->span[0] * g->span[1] * g->span[2];
    if (total >= ((unsigned __int128)1 << 63))
        return 1;
    g->total = (uint64_t)total;
    g->kb = sp__voxel_bit_length(g->total);
    g->ib = sp__voxel_bit_length((uint64_t)(n - 1));
    return 0;
}

/* The general path: 32-bit indices per axis, (key, index) pairs. */
static int voxel_pairs(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                       sp_points *out)
{
    size_t n = in->count;
    int32_t *ix = sp__kctx_scratch(k, SP__VOXEL_SLOT_IX, n * 4);
    int32_t *iy = sp__kctx_scratch(k, SP__VOXEL_SLOT_IY, n * 4);
    int32_t *iz = sp__kctx_scratch(k, SP__VOXEL_SLOT_IZ, n * 4);
    if (!ix || !iy || !iz)
        return SP_ENOMEM;
    sp__voxel_bounds b;
    sp__voxel_bounds_init(&b);
    sp__voxel_index_scalar(p, in, 0, ix, iy, iz, &b);
    if (b.wide)
        return sp__voxel_wide(k, p, in, out);
    uint64_t *keys;
    uint32_t *idx;
    size_t m;
    int rc = sp__voxel_sort(k, &b, n, ix, iy, iz, &keys, &idx, &m);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return sp__voxel_wide(k, p, in, out);
    return sp__voxel_reduce(k, p, in, keys, idx, m, out);
}

static int overlaps(const void *a, const void *b, size_t bytes)
{
    uintptr_t u = (uintptr_t)a, v = (uintptr_t)b;
    return u < v + bytes && v < u + bytes;
}

/* The back-ends: the table holds the extent pass; the key pass of the
 * runs path comes in the same versions (voxel_keys32, by the same index). */
typedef void (*voxel_extent_fn)(const sp_points *, sp__voxel_extent *);
typedef int (*voxel_cl_fn)(sp_kctx *, const sp__voxel_plan *, const sp_points *,
                           sp_points *);
typedef void (*voxel_keys32_fn)(const sp__voxel_plan *, const sp__voxel_grid *,
                                const sp_points *, uint32_t *, float *);

static void extent_scalar(const sp_points *in, sp__voxel_extent *e)
{
    sp__voxel_extent_scalar(in, 0, e);
}

static const sp__ktable voxel_table = {
    "voxel",
    {SP__KT_SCALAR(extent_scalar) SP__KT_SSE41(sp__voxel_extent_sse41)
         SP__KT_AVX2(sp__voxel_extent_avx2) SP__KT_NEON(sp__voxel_extent_neon)
             SP__KT_OPENCL(sp__voxel_cl)},
    SP_VOXEL_OPENCL_MIN_POINTS,
    SP__KT_STREAMING | SP__KT_FP64,
};

static void keys32_scalar(const sp__voxel_plan *p, const sp__voxel_grid *g,
                          const sp_points *in, uint32_t *keys, float *aos)
{
    (void)aos;
    sp__voxel_keys32_scalar(p, g, in, 0, keys);
}
SP__IF_X86(static void keys32_sse41(const sp__voxel_plan *p,
                                    const sp__voxel_grid *g,
                                    const sp_points *in, uint32_t *keys,
                                    float *aos) {
    (void)aos;
    sp__voxel_keys32_sse41(p, g, in, keys);
})
SP__IF_NEON(static void keys32_neon(const sp__voxel_plan *p,
                                    const sp__voxel_grid *g,
                                    const sp_points *in, uint32_t *keys,
                                    float *aos) {
    (void)aos;
    sp__voxel_keys32_neon(p, g, in, keys);
})

static const voxel_keys32_fn voxel_keys32[SP__KIMPL_COUNT] = {
    [SP__KIMPL_SCALAR] = keys32_scalar,
    SP__IF_X86([SP__KIMPL_SSE41] = keys32_sse41,
               [SP__KIMPL_AVX2] = sp__voxel_keys32_avx2, )
        SP__IF_NEON([SP__KIMPL_NEON] = keys32_neon, )};

int sp_voxel(sp_kctx *k, const sp_voxel_params *params, const sp_points *in,
             sp_points *out)
{
    SP_GUARD(k && params && in && out);
    size_t n = in->count;
    SP_GUARD(n == 0 || (in->x && in->y && in->z && in->intensity));
    SP_GUARD(out->x && out->y && out->z && out->intensity);
    if (n > UINT32_MAX)
        return sp__fail(SP_ERANGE, "voxel: %zu points, at most %u per call", n,
                        UINT32_MAX);
    if (n && overlaps(in->x, out->x, n * sizeof(float)))
        return sp__fail(SP_EINVAL, "voxel: output shares memory with the "
                                   "input, expected separate clouds");
    sp__voxel_plan p;
    SP_TRY(make_plan(params, in, out, &p));
    sp__extras ex;
    SP_TRY(sp__extras_plan("voxel", in, out, &ex));
    p.ex = ex.n ? &ex : NULL;
    out->count = 0;
    if (n == 0) {
        sp__kctx_pick_impl(k, &voxel_table, n);
        return SP_OK;
    }

    sp__kimpl im = sp__kctx_pick_impl(k, &voxel_table, n);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((voxel_cl_fn)voxel_table.fn[im])(k, &p, in, out);
        im = sp__kctx_after_cl(k, &voxel_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
        out->count = 0;
    }
    sp__voxel_extent e;
    sp__voxel_extent_init(&e);
    ((voxel_extent_fn)voxel_table.fn[im])(in, &e);
    if (e.valid == 0)
        return SP_OK;
    sp__voxel_grid g;
    if (make_grid(&p, &e, n, &g))
        return voxel_pairs(k, &p, in, out);
    if (g.total < SP__VOXEL_NOKEY) {
        uint32_t *keys =
            sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY, SP__VOXEL_KEYS32_BYTES(n));
        float *aos = NULL;
        if (!keys)
            return SP_ENOMEM;
        /* AVX2's key pass also lays the points out for its reduction. */
        if (im == SP__KIMPL_AVX2) {
            aos = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY2,
                                   SP__VOXEL_AOS_BYTES(n));
            if (!aos)
                return SP_ENOMEM;
        }
        voxel_keys32[im](&p, &g, in, keys, aos);
        return sp__voxel_runs(k, &p, &g, in, keys, aos, out);
    }
    if (g.kb + g.ib > 64)
        return voxel_pairs(k, &p, in, out);

    /* Grids of 2^32 cells and more: packed key << ib | point, sorted. */
    uint64_t *packed =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY, SP__VOXEL_PACKED_BYTES(n));
    uint64_t *tmp =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY2, SP__VOXEL_PACKED_BYTES(n));
    uint32_t *hist =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, SP__VOXEL_HIST_BYTES);
    if (!packed || !tmp || !hist)
        return SP_ENOMEM;
    sp__voxel_keys_scalar(&p, &g, in, 0, packed);
    /* NaN/Inf points carry key = total and sort last: only the first
     * e.valid entries are voxels. */
    uint64_t *sorted = sp__voxel_radix_packed(packed, tmp, n, g.ib, g.kb, hist);
    return sp__voxel_reduce_packed(k, &p, in, sorted, e.valid, g.ib, out);
}

int sp_voxel_reserve(sp_kctx *k, size_t points)
{
    SP_GUARD(k);
    /* sp_voxel's own limit, and the largest ask (16 n + 128 bytes) within
     * size_t where that is 32 bits */
    size_t most = (SIZE_MAX - 128) / 16;
    most = most < UINT32_MAX ? most : UINT32_MAX;
    if (points > most)
        return sp__fail(SP_ERANGE, "voxel: reserve for %zu points, at most %zu",
                        points, most);
    const size_t n = points;
    /* Per slot, the larger of the runs and the packed path's asks (the
     * AVX2 points array is at least the packed path's second key array). */
    const struct {
        int slot;
        size_t bytes;
    } ask[] = {
        {SP__VOXEL_SLOT_KEY, SP__VOXEL_PACKED_BYTES(n)},
        {SP__VOXEL_SLOT_KEY2, SP__VOXEL_AOS_BYTES(n)},
        {SP__VOXEL_SLOT_IDX, SP__VOXEL_RSTART_BYTES(n)},
        {SP__VOXEL_SLOT_IDX2, SP__VOXEL_ENT_BYTES(n)},
        {SP__VOXEL_SLOT_MISC, SP__VOXEL_HIST_BYTES},
    };
    for (size_t i = 0; i < sizeof ask / sizeof *ask; i++)
        if (!sp__kctx_scratch(k, ask[i].slot, ask[i].bytes))
            return SP_ENOMEM;
    return SP_OK;
}
