/* voxel's shared CPU pieces, used by the dispatcher (voxel.c) and the
 * back-ends alike: a stable LSD radix sort of keys with their point
 * indices or of packed keys, and the per-voxel reductions of the packed
 * and general paths (the runs path's is in voxel_runs.c). */
#include <string.h>

#include "voxel_int.h"

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
    int bits = sp__voxel_bit_length((uint64_t)(total - 1));
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

int sp__voxel_reduce_packed(sp_kctx *k, const sp__voxel_plan *p,
                            const sp_points *in, const uint64_t *packed,
                            size_t m, int ib, sp_points *out)
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
