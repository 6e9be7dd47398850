/* voxel, the runs path (every grid of < 2^32 cells: a lidar sweep at a
 * usual leaf): sort runs of points, not points.
 *
 * Consecutive points of a lidar sweep mostly share their voxel (59% on
 * KITTI), so the sweep is ~2.4x fewer runs of equal keys than points. The
 * runs are radix-sorted by key (stable: a voxel's runs stay in input
 * order) and the reduction walks them in that order, adding each run's
 * points (consecutive in memory) to its voxel's sums. Each voxel's points
 * are thus added in input order to sums that start at +0, in double — the
 * same additions as the scalar reference's, so the output is bit-identical
 * to it on every back-end.
 *
 * Passes: a back-end's key pass (sp__voxel_keys32_*: 32-bit z-major keys,
 * SP__VOXEL_NOKEY for NaN/Inf; AVX2 also writes the points as x, y, z,
 * intensity quadruples), runs (branch-free compaction; AVX2: 8 keys a
 * step), the radix sort of (key << 32 | run) on the key bits, the
 * reduction (generic here, AVX2 in voxel_avx2.c).
 * The reduction avoids data-dependent branches, which mispredict on real
 * sweeps: a run's first four points are added under masks — +0 for points
 * past the run's end, which changes no bit of a sum that starts at +0 (such
 * a sum is never -0) — and the output point is written after every run,
 * the output index advancing only at a voxel's last run. */
#include <string.h>

#include "voxel_int.h"

typedef double v2d __attribute__((vector_size(16)));
typedef int64_t v2i __attribute__((vector_size(16)));

static inline v2d masked(v2d v, int64_t m)
{
    return (v2d)((v2i)v & (v2i){m, m});
}

/* Runs of equal keys: ent[r] = key << 32 | r and rstart[r] (its first
 * point), rstart[nr] = n; returns nr. Every point stores, r advances at a
 * change (no branch). */
static size_t find_runs(const uint32_t *keys, size_t n, uint64_t *ent,
                        uint32_t *rstart)
{
    size_t r = 0, st = 0;
    uint32_t prev = keys[0];
    for (size_t i = 0; i < n; i++) {
        const uint32_t key = keys[i];
        const size_t change = key != prev;
        r += change;
        st = change ? i : st;
        rstart[r] = (uint32_t)st;
        ent[r] = (uint64_t)key << 32 | r;
        prev = key;
    }
    rstart[r + 1] = (uint32_t)n;
    return r + 1;
}

/* The generic reduction (scalar, SSE4.1, NEON back-ends); x, y and z,
 * intensity as pairs of doubles. Returns the output count or (size_t)-1
 * past the output's capacity. */
static size_t reduce(const sp__voxel_plan *p, const sp_points *in,
                     const uint64_t *sorted, const uint32_t *rstart, size_t nr,
                     sp_points *out)
{
    const float *x = in->x, *y = in->y, *z = in->z, *w = in->intensity;
    const float *t = p->time ? in->time : NULL;
    const size_t n = in->count, cap = out->capacity;
    /* 1 / count for the usual counts: the same quotients, without a
     * division per run (the output is computed after every run). */
    double inv_tab[256];
    for (int c = 1; c < 256; c++)
        inv_tab[c] = 1.0 / (double)c;
    v2d a0 = {0, 0}, a1 = {0, 0};
    double ts = 0;
    uint32_t cnt = 0, fst = 0, pkey = SP__VOXEL_NOKEY;
    size_t o = 0;
    for (size_t j = 0; j < nr; j++) {
        const uint32_t key = (uint32_t)(sorted[j] >> 32);
        /* Runs are random accesses in key order: fetch ahead. */
        if (j + 12 < nr) {
            const size_t f = rstart[(uint32_t)sorted[j + 12]];
            __builtin_prefetch(x + f);
            __builtin_prefetch(y + f);
            __builtin_prefetch(z + f);
            __builtin_prefetch(w + f);
        }
        const uint32_t r = (uint32_t)sorted[j];
        const size_t s = rstart[r], e = rstart[r + 1];
        const int same = key == pkey; /* another run of the last voxel */
        a0 = masked(a0, -(int64_t)same);
        a1 = masked(a1, -(int64_t)same);
        /* Masks, not selects: the compiler makes a select a branch,
         * and whether a run continues a voxel is unpredictable. */
        const uint32_t keepm = 0u - (uint32_t)same;
        cnt = (cnt & keepm) + (uint32_t)(e - s);
        fst = (fst & keepm) | ((uint32_t)s & ~keepm);
        size_t q = s;
        if (s + 4 <= n) {
            a0 += (v2d){x[s], y[s]};
            a1 += (v2d){z[s], w[s]};
            for (size_t d = 1; d < 4; d++) {
                const int64_t m = -(int64_t)(s + d < e);
                a0 += masked((v2d){x[s + d], y[s + d]}, m);
                a1 += masked((v2d){z[s + d], w[s + d]}, m);
            }
            q = s + 4;
        }
        for (; q < e; q++) {
            a0 += (v2d){x[q], y[q]};
            a1 += (v2d){z[q], w[q]};
        }
        if (t) {
            ts = same ? ts : 0.0;
            for (size_t d = s; d < e; d++)
                ts += t[d];
        }
        pkey = key;
        const uint32_t nkey = (uint32_t)(sorted[j + 1] >> 32); /* sentinel */
        const size_t emit = (nkey != key) & (cnt >= p->min_points);
        if (o < cap) {
            const double inv = cnt < 256 ? inv_tab[cnt] : 1.0 / (double)cnt;
            out->x[o] = (float)(a0[0] * inv);
            out->y[o] = (float)(a0[1] * inv);
            out->z[o] = (float)(a1[0] * inv);
            out->intensity[o] = (float)(a1[1] * inv);
            if (p->ring)
                out->ring[o] = in->ring[fst];
            if (p->time)
                out->time[o] = (float)(ts * inv);
        } else if (emit) {
            return (size_t)-1;
        }
        o += emit;
    }
    return o;
}

int sp__voxel_runs(sp_kctx *k, const sp__voxel_plan *p, const sp__voxel_grid *g,
                   const sp_points *in, const uint32_t *keys, const float *aos,
                   sp_points *out)
{
    const size_t n = in->count;
    /* 8 entries of slack for the AVX2 runs pass's whole-vector stores. */
    uint32_t *rstart =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_IDX, SP__VOXEL_RSTART_BYTES(n));
    uint64_t *ent =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_IDX2, SP__VOXEL_ENT_BYTES(n));
    uint32_t *hist =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, SP__VOXEL_HIST_BYTES);
    if (!rstart || !ent || !hist)
        return SP_ENOMEM;
    (void)aos; /* only AVX2's key pass lays it out (x86 only) */
    size_t nr = SP__IF_X86(aos ? sp__voxel_runs_avx2(keys, n, ent, rstart) :)
        find_runs(keys, n, ent, rstart);
    /* Sorting on the key's low kb bits: NOKEY's are all ones there, above
     * every valid key (< total <= 2^kb - 1), so NaN/Inf runs sort last. */
    uint64_t *sorted =
        sp__voxel_radix_packed(ent, ent + n + 8, nr, 32, g->kb, hist);
    /* The reductions see the valid runs only, followed by a NOKEY entry
     * (room: n + 8 entries from either buffer). */
    while (nr && (uint32_t)(sorted[nr - 1] >> 32) == SP__VOXEL_NOKEY)
        nr--;
    sorted[nr] = (uint64_t)SP__VOXEL_NOKEY << 32;
    size_t o = SP__IF_X86(
        aos ? sp__voxel_runs_reduce_avx2(p, in, aos, sorted, rstart, nr, out) :)
        reduce(p, in, sorted, rstart, nr, out);
    if (o == (size_t)-1)
        return sp__fail(SP_ERANGE,
                        "voxel: more than %zu voxels, the output's capacity "
                        "(input %zu points)",
                        out->capacity, in->count);
    out->count = o;
    if (p->ex)
        return sp__voxel_extras_runs(k, p, sorted, rstart, nr, n, out);
    return SP_OK;
}
