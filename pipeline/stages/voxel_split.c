/* The voxel stage's threads=N (voxel_stage.c holds the stage).
 *
 * The output lists voxels by increasing (z, y, x) index and
 * each voxel's means add its points in input order, so cutting the cloud
 * into slabs of whole (z, y) index pairs, each keeping its points in input
 * order, and voxelising each slab on its own gives the same voxels, the
 * same sums, and the output slabs back to back in slab order.
 *
 * The cut is parallel too; only a sample and a prefix sum run on one
 * thread. (1) The pulling thread picks the N - 1 cut pairs (z, y) from a
 * strided sample of 1024 points (quantiles of the sample's pairs: slabs of
 * about equal points; any cut gives the same output, the sample only
 * balances). A point is in slab s when its pair is at or past s cuts; with
 * the kernel's own float32 products fz = z * (1.0f / leaf) and fy, and a
 * cut (cz, cy) held as the exact floats cz, cz + 1, cy (|cz|, |cy| < 2^24),
 * "floor(fz) > cz or (floor(fz) == cz and floor(fy) >= cy)" is
 * "fz >= cz + 1 or (fz >= cz and fy >= cy)": no floor, no overflow, and a
 * NaN lands in slab 0 (the kernel skips it wherever it is). (2) Each share
 * classifies its contiguous 1/N of the input and counts its points per
 * slab. (3) In the next round, each share sums the N x N counts to where its
 * points of each slab go, and copies its part of the input there: slab s
 * is then share 0's points of s, then share 1's, ... -- in input order.
 * (4) In the last round, share s voxelises slab s into the output at the
 * slab's offset, and the caller closes the gaps. (2) to (4) are one call
 * of the pool, in three rounds. With two threads, (2) and (3) are one
 * round without counts (split_two(): each slab's two parts meet at a fixed
 * point, one written downwards, one upwards): 3 % less time a frame than
 * the counting rounds on the KITTI raw sweeps. A cloud with a point whose
 * index reaches 2^30 (the kernel's wide paths, or its error naming the
 * point's index) runs on one thread, as does one with extra channels.
 *
 * Why copy the points into slabs: the copy (over half the split's own work)
 * buys a slab whose kernel reads only what its own core wrote. Splits
 * without it were tried twice (README, "One frame on several cores"); in
 * the second (2026-12-05) each share keyed and found the runs
 * of 1/N of the points in shared arrays, then sorted and reduced the runs
 * of one key range (a range of (z, y) rows). It was bit-exact and 1.65x
 * over one thread in a loop on a hot cloud, but slower than this in the
 * stage (speed-up 1.40-1.47 against 1.42-1.55, interleaved): its
 * reduction reads, at random, point lines the other core has just
 * written. */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_int.h"
#include "voxel_split_int.h"

#define SAMPLE 1024

/* floorf(v * inv) for |v * inv| < 2^24 without a libm call (the library
 * is built for baseline x86-64, where floorf is one): the truncation,
 * less one when that rounded up. */
static int floor_index(float v, float inv, int32_t *out)
{
    float f = v * inv;
    if (!(f > -16777216.0f && f < 16777216.0f))
        return 0;
    int32_t t = (int32_t)f;
    *out = t - ((float)t > f);
    return 1;
}

/* The @p k-th smallest of a[0..n) moved to a[k], smaller ones before it
 * (Hoare's selection; n is at most SAMPLE). */
static void select_kth(int64_t *a, ptrdiff_t n, ptrdiff_t k)
{
    ptrdiff_t lo = 0, hi = n - 1;
    while (lo < hi) {
        int64_t piv = a[lo + (hi - lo) / 2];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv)
                i++;
            while (a[j] > piv)
                j--;
            if (i <= j) {
                int64_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* Share s's part of the points (see learn_parts()). */
static double part_of(const sp__voxel_stage *v, int s, int n)
{
    return v->part_n == n ? v->part[s] : 1.0 / n;
}

/* Step (1) of the top: the cuts from a sample. 0 when a sample cannot
 * balance anything (no finite point, or all in one (z, y) pair). */
static int plan_cuts(sp__voxel_stage *v, const sp_points *p, int n)
{
    const float izl = 1.0f / v->params.leaf[2], iyl = 1.0f / v->params.leaf[1];
    int64_t key[SAMPLE];
    size_t m = 0, want = p->count < SAMPLE ? p->count : SAMPLE;

    for (size_t i = 0; i < want; i++) {
        size_t j = i * p->count / want;
        int32_t iz, iy;
        if (isfinite(p->x[j]) && floor_index(p->z[j], izl, &iz) &&
            floor_index(p->y[j], iyl, &iy))
            key[m++] = (int64_t)iz * (1 << 25) + (iy + (1 << 24));
    }
    if (m == 0)
        return 0;
    int64_t lo = key[0], hi = key[0];
    for (size_t i = 1; i < m; i++) {
        lo = key[i] < lo ? key[i] : lo;
        hi = key[i] > hi ? key[i] : hi;
    }
    if (lo == hi)
        return 0;
    /* Successive quantiles: each selection leaves the larger keys after
     * its k, where the next one looks. */
    size_t from = 0;
    double cum = 0;
    for (int s = 1; s < n; s++) {
        cum += part_of(v, s - 1, n);
        size_t k = (size_t)(cum * (double)m);
        k = k < from ? from : k > m - 1 ? m - 1 : k;
        select_kth(key + from, (ptrdiff_t)(m - from), (ptrdiff_t)(k - from));
        from = k;
        int64_t r = (int64_t)((uint64_t)key[k] & ((1u << 25) - 1));
        int64_t z = (key[k] - r) / (1 << 25);
        v->cz0[s - 1] = (float)z;
        v->cz1[s - 1] = (float)(z + 1);
        v->cy[s - 1] = (float)(r - (1 << 24));
    }
    v->ncut = n - 1;
    return 1;
}

/* Step (2): slab of each of this share's points, and the counts; also
 * notes a point with finite x, y and z and an index of 2^30 or more (the
 * float's bits, sign cleared, at or above 2^30's: an overflow to Inf too).
 * Two slabs, the common case, go 4 points a step in GCC vectors (SSE2 on
 * the baseline x86-64 this file is built for, NEON on arm64). */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

#define BITS_2P30 0x4e800000 /* 2^30 as a float */
#define BITS_INF 0x7f800000

static int huge_index(float c[3], const float inv[3])
{
    int finite = 1, big = 0;
    for (int a = 0; a < 3; a++) {
        float f = c[a] * inv[a];
        uint32_t bc, bf;
        memcpy(&bc, &c[a], 4);
        memcpy(&bf, &f, 4);
        finite &= (bc & 0x7fffffff) < BITS_INF;
        big |= (bf & 0x7fffffff) >= BITS_2P30;
    }
    return finite & big;
}

static int slab_of(const sp__voxel_stage *v, float fz, float fy)
{
    int s = 0;
    for (int c = 0; c < v->ncut; c++)
        s += (fz >= v->cz1[c]) | ((fz >= v->cz0[c]) & (fy >= v->cy[c]));
    return s;
}

/* Points j..j+3 against the one cut: -1 in a lane whose point is in slab
 * 1, 0 in slab 0; an index of 2^30 or more (finite x, y and z) noted in
 * *hv (huge_index(), four at a time). */
static inline __attribute__((always_inline)) v4i
quad_slab1(const sp__voxel_stage *v, const sp_points *p, size_t j,
           const float inv[3], v4i *hv)
{
    const v4i abs = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    v4f vx, vy, vz;
    memcpy(&vx, p->x + j, sizeof vx);
    memcpy(&vy, p->y + j, sizeof vy);
    memcpy(&vz, p->z + j, sizeof vz);
    v4f fx = vx * inv[0], fy = vy * inv[1], fz = vz * inv[2];
    v4i fin = (((v4i)vx & abs) < BITS_INF) & (((v4i)vy & abs) < BITS_INF) &
              (((v4i)vz & abs) < BITS_INF);
    v4i big = (((v4i)fx & abs) >= BITS_2P30) | (((v4i)fy & abs) >= BITS_2P30) |
              (((v4i)fz & abs) >= BITS_2P30);
    *hv |= fin & big;
    return (fz >= v->cz1[0]) | ((fz >= v->cz0[0]) & (fy >= v->cy[0]));
}

/* One point, or 16 in a row, of p from index j to index d of q, every
 * column q has. */
static inline void put_point(const sp_points *p, sp_points *q, size_t j,
                             size_t d)
{
    q->x[d] = p->x[j];
    q->y[d] = p->y[j];
    q->z[d] = p->z[j];
    q->intensity[d] = p->intensity[j];
    if (q->time)
        q->time[d] = p->time[j];
    if (q->ring)
        q->ring[d] = p->ring[j];
}

static inline void put_block16(const sp_points *p, sp_points *q, size_t j,
                               size_t d)
{
    memcpy(q->x + d, p->x + j, 16 * sizeof(float));
    memcpy(q->y + d, p->y + j, 16 * sizeof(float));
    memcpy(q->z + d, p->z + j, 16 * sizeof(float));
    memcpy(q->intensity + d, p->intensity + j, 16 * sizeof(float));
    if (q->time)
        memcpy(q->time + d, p->time + j, 16 * sizeof(float));
    if (q->ring)
        memcpy(q->ring + d, p->ring + j, 16 * sizeof(uint16_t));
}

static void classify(sp__voxel_stage *v, int w, int n)
{
    const sp_points *p = v->in;
    const float inv[3] = {1.0f / v->params.leaf[0], 1.0f / v->params.leaf[1],
                          1.0f / v->params.leaf[2]};
    size_t j0 = p->count * (size_t)w / (size_t)n;
    size_t j1 = p->count * (size_t)(w + 1) / (size_t)n;
    const float *x = p->x, *y = p->y, *z = p->z;
    int32_t *sid = v->sid;
    size_t cnt[SP__WORKERS_MAX] = {0};
    int huge = 0;
    size_t j = j0;

    if (v->ncut == 1) {
        v4i acc = {0, 0, 0, 0}, hv = acc;
        for (; j + 4 <= j1; j += 4) {
            v4i s = -quad_slab1(v, p, j, inv, &hv); /* slab 0 / 1 */
            acc += s;
            memcpy(sid + j, &s, sizeof s);
        }
        for (int l = 0; l < 4; l++) {
            cnt[1] += (size_t)(uint32_t)acc[l];
            huge |= hv[l] != 0;
        }
    }
    for (; j < j1; j++) {
        float c[3] = {x[j], y[j], z[j]};
        int s = slab_of(v, z[j] * inv[2], y[j] * inv[1]);
        sid[j] = s;
        cnt[s]++;
        huge |= huge_index(c, inv);
    }
    if (v->ncut == 1)
        cnt[0] = (j1 - j0) - cnt[1];
    memcpy(v->count[w], cnt, (size_t)n * sizeof *cnt);
    v->huge[w] = huge;
}

/* Step (3): this share's points into their slabs. */
static void scatter_share(void *arg, int w, int n)
{
    sp__voxel_stage *v = arg;
    const sp_points *p = v->in;
    sp_points *q = &v->slab;
    size_t j0 = p->count * (size_t)w / (size_t)n;
    size_t j1 = p->count * (size_t)(w + 1) / (size_t)n;
    const int32_t *sid = v->sid;
    size_t at[SP__WORKERS_MAX];

    memcpy(at, v->at[w], (size_t)n * sizeof *at);
    size_t j = j0;
    /* A sweep in scan order has long runs in one slab: 16 points that
     * agree move as four blocks. */
    while (j + 16 <= j1) {
        int32_t s = sid[j], mixed = 0;
        for (int l = 1; l < 16; l++)
            mixed |= sid[j + l] ^ s;
        if (mixed) {
            for (size_t e = j + 16; j < e; j++)
                put_point(p, q, j, at[sid[j]]++);
            continue;
        }
        put_block16(p, q, j, at[s]);
        at[s] += 16;
        j += 16;
    }
    for (; j < j1; j++)
        put_point(p, q, j, at[sid[j]]++);
}

/* Whether points j..j+15 are all in slab 0 (returns 0), all in slab 1
 * (1) or mixed (-1); notes an index of 2^30 or more in *hv. */
static inline __attribute__((always_inline)) int
block16_slab(const sp__voxel_stage *v, const sp_points *p, size_t j,
             const float inv[3], v4i *hv)
{
    v4i any = {0, 0, 0, 0}, all = any - 1;
    for (int l = 0; l < 16; l += 4) {
        v4i in1 = quad_slab1(v, p, j + (size_t)l, inv, hv);
        any |= in1;
        all &= in1;
    }
    if ((all[0] & all[1] & all[2] & all[3]) != 0)
        return 1;
    return (any[0] | any[1] | any[2] | any[3]) == 0 ? 0 : -1;
}

/* threads=2, steps (2) and (3) in one round with no counting: slab s's
 * points meet at a fixed point m[s] of the slab arrays. Share 0 walks its
 * half of the input backwards and writes its points of s downwards from
 * m[s]; share 1 walks its half forwards and writes upwards from m[s]. The
 * slab is then share 0's points of it and share 1's, each in input order
 * -- what the counting split makes -- whatever the counts, and with halves
 * of h and N - h points, m = {h, h + N} leave room for any counts in 2N
 * points (slab_layout). The counting round cost more than the copy it
 * sizes: a pass over x, y, z and a slab number per point written and read
 * back. */
static void split_two(sp__voxel_stage *v, int w)
{
    const sp_points *p = v->in;
    sp_points *q = &v->slab;
    const float inv[3] = {1.0f / v->params.leaf[0], 1.0f / v->params.leaf[1],
                          1.0f / v->params.leaf[2]};
    const size_t h = p->count / 2;
    const size_t m[2] = {h, h + p->count};
    size_t d[2] = {m[0], m[1]};
    v4i hv = {0, 0, 0, 0};
    int huge = 0;

    if (w == 0) { /* [0, h) backwards, each slab downwards from m[s] */
        size_t j = h;
        for (; j >= 16; j -= 16) {
            const int bs = block16_slab(v, p, j - 16, inv, &hv);
            if (bs >= 0) {
                d[bs] -= 16;
                put_block16(p, q, j - 16, d[bs]);
                continue;
            }
            for (size_t i = j; i-- > j - 16;) {
                const int s = slab_of(v, p->z[i] * inv[2], p->y[i] * inv[1]);
                put_point(p, q, i, --d[s]);
            }
        }
        while (j-- > 0) {
            float c[3] = {p->x[j], p->y[j], p->z[j]};
            const int s = slab_of(v, c[2] * inv[2], c[1] * inv[1]);
            put_point(p, q, j, --d[s]);
            huge |= huge_index(c, inv);
        }
        for (int s = 0; s < 2; s++)
            v->count[0][s] = m[s] - d[s];
    } else { /* [h, N) forwards, each slab upwards from m[s] */
        size_t j = h;
        for (; j + 16 <= p->count; j += 16) {
            const int bs = block16_slab(v, p, j, inv, &hv);
            if (bs >= 0) {
                put_block16(p, q, j, d[bs]);
                d[bs] += 16;
                continue;
            }
            for (size_t i = j; i < j + 16; i++) {
                const int s = slab_of(v, p->z[i] * inv[2], p->y[i] * inv[1]);
                put_point(p, q, i, d[s]++);
            }
        }
        for (; j < p->count; j++) {
            float c[3] = {p->x[j], p->y[j], p->z[j]};
            const int s = slab_of(v, c[2] * inv[2], c[1] * inv[1]);
            put_point(p, q, j, d[s]++);
            huge |= huge_index(c, inv);
        }
        for (int s = 0; s < 2; s++)
            v->count[1][s] = d[s] - m[s];
    }
    for (int l = 0; l < 4; l++)
        huge |= hv[l] != 0;
    v->huge[w] = huge;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Points balance the slabs only roughly: a slab of sparse points has more
 * voxels per point than one of ground (on the KITTI raw sweeps the lower
 * slab's share settles near 0.6 of the points), and the two vCPUs of a VM
 * do not run at one speed. So each share's part of the points moves three
 * quarters of the way to the part that would have made the slabs end
 * together this frame, at each share's speed over its own slab (its
 * points per ns of voxelising, the split round before it left out): the
 * parts come near their level within three frames of a stream's start,
 * where half steps on the whole call's times took about eight, most of a
 * short log. Any cut gives the same output. */
static void learn_parts(sp__voxel_stage *v, int n)
{
    double speed[SP__WORKERS_MAX], sum = 0;
    for (int s = 0; s < n; s++) {
        long long d = v->slab_ns[s] > 1000 ? v->slab_ns[s] : 1000;
        speed[s] = (double)(v->slab_n[s] + 1) / (double)d;
        sum += speed[s];
    }
    double want[SP__WORKERS_MAX], tot = 0;
    for (int s = 0; s < n; s++) {
        double f = part_of(v, s, n);
        double g = 0.25 * f + 0.75 * speed[s] / sum;
        /* never starve a share: one bad frame (a preempted thread) must
         * not send the next all to the others */
        g = g < 0.25 / n ? 0.25 / n : g;
        want[s] = g;
        tot += g;
    }
    for (int s = 0; s < n; s++)
        v->part[s] = want[s] / tot;
    v->part_n = n;
}

/* The points of @p p from index @p at on, @p m of them (count and
 * capacity), its columns borrowed. */
static sp_points points_at(const sp_points *p, size_t at, size_t m)
{
    sp_points q = *p;
    q.x += at;
    q.y += at;
    q.z += at;
    q.intensity += at;
    q.time = q.time ? q.time + at : NULL;
    q.ring = q.ring ? q.ring + at : NULL;
    q.count = q.capacity = m;
    return q;
}

/* Step (4): slab s, m points from position from of the slab arrays,
 * voxelised into the output at offset at. */
static void voxel_slab(sp__voxel_stage *v, int s, size_t from, size_t at,
                       size_t m)
{
    sp_points slab = points_at(&v->slab, from, m);
    sp_points o = points_at(v->out, at, m);
    o.count = 0;
    const long long t0 = now_ns();
    int rc = sp_voxel(v->par.k[s], &v->params, &slab, &o);
    v->slab_ns[s] = now_ns() - t0;
    v->slab_n[s] = m;
    v->made[s] = o.count;
    sp__par_note(&v->par, s, rc);
}

static void voxel_share(void *arg, int s, int n)
{
    sp__voxel_stage *v = arg;
    (void)n;
    voxel_slab(v, s, v->off[s], v->off[s], v->off[s + 1] - v->off[s]);
}

/* threads=2: where slab s lies and where its voxels go, from the counts
 * of split_two() (each share computes its own; the caller, the offsets
 * close_gaps() reads, after the call). */
static void two_slab(const sp__voxel_stage *v, int s, size_t *from, size_t *at,
                     size_t *m)
{
    const size_t h = v->in->count / 2;
    *from = s == 0 ? h - v->count[0][0] : h + v->in->count - v->count[0][1];
    *at = s == 0 ? 0 : v->count[0][0] + v->count[1][0];
    *m = v->count[0][s] + v->count[1][s];
}

static void close_gaps(sp__voxel_stage *v, int n)
{
    sp_points *o = v->out;
    size_t to = 0;
    for (int s = 0; s < n; s++) {
        size_t from = v->off[s], c = v->made[s];
        if (from != to && c) {
            memmove(o->x + to, o->x + from, c * sizeof *o->x);
            memmove(o->y + to, o->y + from, c * sizeof *o->y);
            memmove(o->z + to, o->z + from, c * sizeof *o->z);
            memmove(o->intensity + to, o->intensity + from, c * sizeof(float));
            if (o->time)
                memmove(o->time + to, o->time + from, c * sizeof *o->time);
            if (o->ring)
                memmove(o->ring + to, o->ring + from, c * sizeof *o->ring);
        }
        to += c;
    }
    o->count = to;
}

/* Where share w's points of each slab go; share 0 also sets the slab
 * offsets (read by the others in the next round). */
static void prefix(sp__voxel_stage *v, int w, int n)
{
    size_t pos = 0;
    for (int s = 0; s < n; s++) {
        if (w == 0)
            v->off[s] = pos;
        for (int u = 0; u < n; u++) {
            if (u == w)
                v->at[w][s] = pos;
            pos += v->count[u][s];
        }
    }
    if (w == 0)
        v->off[n] = pos;
}

/* Steps (2) to (4) as the rounds of one call: a round trip through the
 * pool per step costs more than the step on a VM (workers_int.h). */
static void frame_phase(void *arg, int phase, int w, int n)
{
    sp__voxel_stage *v = arg;
    if (phase == 0) {
        if (n == 2)
            split_two(v, w);
        else
            classify(v, w, n);
        return;
    }
    for (int u = 0; u < n; u++)
        if (v->huge[u]) {
            if (w == 0 && phase == 1)
                v->gave_up = 1;
            return;
        }
    if (n == 2) {
        size_t from, at, m;
        two_slab(v, w, &from, &at, &m);
        voxel_slab(v, w, from, at, m);
        return;
    }
    if (phase == 1) {
        prefix(v, w, n);
        scatter_share(v, w, n);
    } else {
        voxel_share(v, w, n);
    }
}

/* The slab arrays (count points each) and the slab of each point, in
 * share 0's scratch. */
static int slab_layout(sp__voxel_stage *v, const sp_points *p, int n)
{
    /* 64-byte aligned arrays; threads=2 (split_two) needs room for 2N
     * points and no slab numbers */
    size_t c = ((n == 2 ? 2 * p->count : p->count) + 15) & ~(size_t)15;
    SP_TRY(sp__par_reserve(&v->par, 1,
                           c * (5 * sizeof(float) + 2) +
                               (n == 2 ? 0 : c * sizeof(int32_t))));
    float *f = v->par.buf[0];
    sp_points *q = &v->slab;
    *q = *p;
    q->x = f;
    q->y = f + c;
    q->z = f + 2 * c;
    q->intensity = f + 3 * c;
    q->time = p->time ? f + 4 * c : NULL;
    q->ring = p->ring ? (uint16_t *)(f + 5 * c) : NULL;
    q->height = 0;
    q->capacity = p->count;
    v->sid = n == 2 ? NULL : (int32_t *)((uint16_t *)(f + 5 * c) + c);
    return SP_OK;
}

int sp__voxel_split(sp__voxel_stage *v, const sp_points *p, sp_points *o, int n)
{
    if (!plan_cuts(v, p, n)) {
        v->why_one = "no cut separates its points (one (z, y) row of voxels, "
                     "or none finite)";
        return 1;
    }
    /* Out-of-place only, as the kernel (it checks the unsplit pair). */
    SP_TRY(slab_layout(v, p, n));
    /* A slab's size follows the learnt parts and the sample's cuts, so
     * each share's context is sized for the whole cloud: a share whose
     * slab grows (its core freed by another process) takes nothing from
     * the heap mid-stream. */
    for (int s = 0; s < n; s++)
        SP_TRY(sp_voxel_reserve(v->par.k[s], p->count));
    v->in = p;
    v->out = o;
    o->count = 0;
    v->gave_up = 0;
    sp__workers_run_phases(v->par.w, n, n == 2 ? 2 : 3, frame_phase, v);
    if (v->gave_up) {
        sp__workers_forget_call(v->par.w); /* the frame was not split */
        v->why_one = "a finite point's voxel index reaches 2^30 (the "
                     "kernel's wide paths)";
        return 1;
    }
    SP_TRY(sp__par_result(&v->par, n));
    if (n == 2) { /* where split_two's slabs' voxels went */
        size_t from, m;
        v->off[0] = 0;
        two_slab(v, 1, &from, &v->off[1], &m);
        v->off[2] = p->count;
    }
    if (v->ncut == n - 1)
        learn_parts(v, n);
    close_gaps(v, n);
    return SP_OK;
}
