/* voxel: parameter checks, the choice of path (runs, packed, general,
 * wide; see voxel_int.h) and the per-back-end key passes, and the CPU
 * parts the paths share — a stable LSD radix sort and the per-voxel
 * reductions of the packed and general paths (the runs path's is in
 * voxel_runs.c). See sp_voxel.h for the rules. */
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

/* Stable LSD radix sort of (keys, idx) on the low `bits` bits of the keys,
 * ping-ponging with (k2, i2). Returns which buffer holds the result. */
static int radix_sort(uint64_t *keys, uint32_t *idx, uint64_t *k2, uint32_t *i2,
                      size_t m, int bits, uint32_t *hist)
{
    if (bits == 0 || m < 2)
        return 0;
    int passes = (bits + SP__VOXEL_RADIX_BITS - 1) / SP__VOXEL_RADIX_BITS;
    int dbits = (bits + passes - 1) / passes;
    size_t buckets = (size_t)1 << dbits;
    uint64_t mask = buckets - 1;
    memset(hist, 0, (size_t)passes * buckets * sizeof *hist);
    /* All the histograms in one read of the keys. */
    for (size_t j = 0; j < m; j++) {
        uint64_t key = keys[j];
        for (int ps = 0; ps < passes; ps++)
            hist[(size_t)ps * buckets + ((key >> (ps * dbits)) & mask)]++;
    }
    uint64_t *ks = keys, *kd = k2;
    uint32_t *is = idx, *id = i2;
    int flips = 0;
    for (int ps = 0; ps < passes; ps++) {
        uint32_t *h = hist + (size_t)ps * buckets;
        /* A digit that is the same for every key needs no pass. */
        if (h[(ks[0] >> (ps * dbits)) & mask] == m)
            continue;
        uint32_t sum = 0;
        for (size_t b = 0; b < buckets; b++) {
            uint32_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        int shift = ps * dbits;
        for (size_t j = 0; j < m; j++) {
            uint32_t at = h[(ks[j] >> shift) & mask]++;
            kd[at] = ks[j];
            id[at] = is[j];
        }
        uint64_t *tk = ks;
        ks = kd;
        kd = tk;
        uint32_t *ti = is;
        is = id;
        id = ti;
        flips ^= 1;
    }
    return flips;
}

static int bit_length(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

uint64_t *sp__voxel_radix_packed(uint64_t *a, uint64_t *tmp, size_t m, int lo,
                                 int bits, uint32_t *hist)
{
    if (bits == 0 || m < 2)
        return a;
    int passes = (bits + SP__VOXEL_RADIX_BITS - 1) / SP__VOXEL_RADIX_BITS;
    int dbits = (bits + passes - 1) / passes;
    size_t buckets = (size_t)1 << dbits;
    uint64_t mask = buckets - 1;
    memset(hist, 0, (size_t)passes * buckets * sizeof *hist);
    if (passes == 2) { /* the usual case, unrolled */
        uint32_t *h1 = hist + buckets;
        for (size_t j = 0; j < m; j++) {
            uint64_t v = a[j] >> lo;
            hist[v & mask]++;
            h1[(v >> dbits) & mask]++;
        }
    } else {
        for (size_t j = 0; j < m; j++) {
            uint64_t v = a[j] >> lo;
            for (int ps = 0; ps < passes; ps++)
                hist[(size_t)ps * buckets + ((v >> (ps * dbits)) & mask)]++;
        }
    }
    uint64_t *src = a, *dst = tmp;
    for (int ps = 0; ps < passes; ps++) {
        uint32_t *h = hist + (size_t)ps * buckets;
        int shift = lo + ps * dbits;
        if (h[(src[0] >> shift) & mask] == m)
            continue;
        uint32_t sum = 0;
        for (size_t b = 0; b < buckets; b++) {
            uint32_t c = h[b];
            h[b] = sum;
            sum += c;
        }
        for (size_t j = 0; j < m; j++) {
            uint64_t v = src[j];
            dst[h[(v >> shift) & mask]++] = v;
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    return src;
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
    g->kb = bit_length(g->total);
    g->ib = bit_length((uint64_t)(n - 1));
    return 0;
}

static int reduce_packed(sp_kctx *k, const sp__voxel_plan *p,
                         const sp_points *in, const uint64_t *packed, size_t m,
                         int ib, sp_points *out)
{
    const float *x = in->x, *y = in->y, *z = in->z, *w = in->intensity;
    const uint64_t imask = ib ? (~(uint64_t)0 >> (64 - ib)) : 0;
    size_t o = 0;
    for (size_t s = 0; s < m;) {
        uint64_t key = packed[s] >> ib;
        size_t e = s + 1;
        while (e < m && packed[e] >> ib == key)
            e++;
        size_t cnt = e - s;
        if (cnt >= p->min_points) {
            if (o >= out->capacity)
                return sp__fail(SP_ERANGE,
                                "voxel: more than %zu voxels, the output's "
                                "capacity (input %zu points)",
                                out->capacity, in->count);
            double sx = 0, sy = 0, sz = 0, sw = 0;
            for (size_t j = s; j < e; j++) {
                size_t i = (size_t)(packed[j] & imask);
                sx += x[i];
                sy += y[i];
                sz += z[i];
                sw += w[i];
            }
            double inv = 1.0 / (double)cnt;
            out->x[o] = (float)(sx * inv);
            out->y[o] = (float)(sy * inv);
            out->z[o] = (float)(sz * inv);
            out->intensity[o] = (float)(sw * inv);
            if (p->ring)
                out->ring[o] = in->ring[packed[s] & imask];
            if (p->time) {
                double st = 0;
                for (size_t j = s; j < e; j++)
                    st += in->time[packed[j] & imask];
                out->time[o] = (float)(st * inv);
            }
            o++;
        }
        s = e;
    }
    out->count = o;
    if (p->ex)
        return sp__voxel_extras_packed(k, p, packed, m, ib, out);
    return SP_OK;
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

int sp__voxel_sort(sp_kctx *k, const sp__voxel_bounds *b, size_t n,
                   const int32_t *ix, const int32_t *iy, const int32_t *iz,
                   uint64_t **keys_out, uint32_t **idx_out, size_t *m_out)
{
    uint64_t span[3];
    for (int a = 0; a < 3; a++)
        span[a] = b->valid ? (uint64_t)((int64_t)b->hi[a] - b->lo[a]) + 1 : 1;
    /* The key of the last voxel must fit 64 bits. */
    unsigned __int128 total = (unsigned __int128)span[0] * span[1] * span[2];
    if (total > (unsigned __int128)UINT64_MAX)
        return 1;
    size_t cnt = n ? n : 1;
    uint64_t *keys = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY, cnt * 8);
    uint32_t *idx = sp__kctx_scratch(k, SP__VOXEL_SLOT_IDX, cnt * 4);
    uint64_t *k2 = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY2, cnt * 8);
    uint32_t *i2 = sp__kctx_scratch(k, SP__VOXEL_SLOT_IDX2, cnt * 4);
    /* At most ceil(64 / 13) = 5 passes of 2^13 counters. */
    uint32_t *hist =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, SP__VOXEL_HIST_WORDS * 4);
    if (!keys || !idx || !k2 || !i2 || !hist)
        return SP_ENOMEM;
    const int64_t lo0 = b->lo[0], lo1 = b->lo[1], lo2 = b->lo[2];
    const uint64_t sx = span[0], sy = span[1];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (ix[i] == SP__VOXEL_SKIP)
            continue;
        keys[m] = (uint64_t)(ix[i] - lo0) +
                  sx * ((uint64_t)(iy[i] - lo1) + sy * (uint64_t)(iz[i] - lo2));
        idx[m] = (uint32_t)i;
        m++;
    }
    int bits = bit_length((uint64_t)(total - 1));
    if (radix_sort(keys, idx, k2, i2, m, bits, hist)) {
        keys = k2;
        idx = i2;
    }
    *keys_out = keys;
    *idx_out = idx;
    *m_out = m;
    return SP_OK;
}

int sp__voxel_reduce(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                     const uint64_t *keys, const uint32_t *idx, size_t m,
                     sp_points *out)
{
    const float *x = in->x, *y = in->y, *z = in->z, *w = in->intensity;
    size_t o = 0;
    for (size_t s = 0; s < m;) {
        size_t e = s + 1;
        while (e < m && keys[e] == keys[s])
            e++;
        size_t cnt = e - s;
        if (cnt >= p->min_points) {
            if (o >= out->capacity)
                return sp__fail(SP_ERANGE,
                                "voxel: more than %zu voxels, the output's "
                                "capacity (input %zu points)",
                                out->capacity, in->count);
            double sx = 0, sy = 0, sz = 0, sw = 0, st = 0;
            for (size_t j = s; j < e; j++) {
                uint32_t i = idx[j];
                sx += x[i];
                sy += y[i];
                sz += z[i];
                sw += w[i];
            }
            double inv = 1.0 / (double)cnt;
            out->x[o] = (float)(sx * inv);
            out->y[o] = (float)(sy * inv);
            out->z[o] = (float)(sz * inv);
            out->intensity[o] = (float)(sw * inv);
            if (p->ring)
                out->ring[o] = in->ring[idx[s]];
            if (p->time) {
                for (size_t j = s; j < e; j++)
                    st += in->time[idx[j]];
                out->time[o] = (float)(st * inv);
            }
            o++;
        }
        s = e;
    }
    out->count = o;
    if (p->ex)
        return sp__voxel_extras_keys(k, p, keys, idx, m, out);
    return SP_OK;
}

static int overlaps(const void *a, const void *b, size_t bytes)
{
    uintptr_t u = (uintptr_t)a, v = (uintptr_t)b;
    return u < v + bytes && v < u + bytes;
}

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
        sp__kctx_pick(k, SP_HAVE_OPENCL, n, SP_VOXEL_OPENCL_MIN_POINTS);
        return SP_OK;
    }

    sp_backend be =
        sp__kctx_pick(k, SP_HAVE_OPENCL, n, SP_VOXEL_OPENCL_MIN_POINTS);
#if SP_HAVE_OPENCL
    if (be == SP_BACKEND_OPENCL) {
        int rc = sp__voxel_cl(k, &p, in, out);
        /* Under AUTO a device failure falls back to the CPU. */
        if (rc >= 0 || k->backend != SP_BACKEND_AUTO)
            return rc;
        sp_errmsg_clear();
        out->count = 0;
        be = k->simd != SP_SIMD_NONE ? SP_BACKEND_SIMD : SP_BACKEND_SCALAR;
        k->last = be;
    }
#endif
    sp_simd_level lv = be == SP_BACKEND_SIMD ? k->simd : SP_SIMD_NONE;
    sp__voxel_extent e;
    sp__voxel_extent_init(&e);
    switch (lv) {
#if defined(__x86_64__) || defined(__i386__)
    case SP_SIMD_AVX2:
        sp__voxel_extent_avx2(in, &e);
        break;
    case SP_SIMD_SSE41:
        sp__voxel_extent_sse41(in, &e);
        break;
#endif
#if defined(__aarch64__) || defined(__ARM_NEON)
    case SP_SIMD_NEON:
        sp__voxel_extent_neon(in, &e);
        break;
#endif
    default:
        sp__voxel_extent_scalar(in, 0, &e);
        break;
    }
    if (e.valid == 0)
        return SP_OK;
    sp__voxel_grid g;
    if (make_grid(&p, &e, n, &g))
        return voxel_pairs(k, &p, in, out);
    if (g.total < SP__VOXEL_NOKEY) {
        uint32_t *keys = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY, n * 4);
        float *aos = NULL;
        if (!keys)
            return SP_ENOMEM;
        switch (lv) {
#if defined(__x86_64__) || defined(__i386__)
        case SP_SIMD_AVX2:
            aos = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY2, (n + 4) * 16);
            if (!aos)
                return SP_ENOMEM;
            sp__voxel_keys32_avx2(&p, &g, in, keys, aos);
            break;
        case SP_SIMD_SSE41:
            sp__voxel_keys32_sse41(&p, &g, in, keys);
            break;
#endif
#if defined(__aarch64__) || defined(__ARM_NEON)
        case SP_SIMD_NEON:
            sp__voxel_keys32_neon(&p, &g, in, keys);
            break;
#endif
        default:
            sp__voxel_keys32_scalar(&p, &g, in, 0, keys);
            break;
        }
        return sp__voxel_runs(k, &p, &g, in, keys, aos, out);
    }
    if (g.kb + g.ib > 64)
        return voxel_pairs(k, &p, in, out);

    /* Grids of 2^32 cells and more: packed key << ib | point, sorted. */
    uint64_t *packed = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY, n * 8);
    uint64_t *tmp = sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY2, n * 8);
    uint32_t *hist =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, SP__VOXEL_HIST_WORDS * 4);
    if (!packed || !tmp || !hist)
        return SP_ENOMEM;
    sp__voxel_keys_scalar(&p, &g, in, 0, packed);
    /* NaN/Inf points carry key = total and sort last: only the first
     * e.valid entries are voxels. */
    uint64_t *sorted = sp__voxel_radix_packed(packed, tmp, n, g.ib, g.kb, hist);
    return reduce_packed(k, &p, in, sorted, e.valid, g.ib, out);
}
