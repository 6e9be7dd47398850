/* The `voxel` stage: one point per occupied voxel at its points' centroid
 * (PCL VoxelGrid's voxel rule), on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_voxel.h.
 *
 * threads=N: the output lists voxels by increasing (z, y, x) index and
 * each voxel's means add its points in input order, so the voxels can be
 * reduced in slabs of whole (z, y) index pairs, each slab's voxels from
 * its points in input order, into the output back to back in slab order.
 * The kernel does this without copying the points (sp_voxel_split_*,
 * sp_voxel.h): each share finds the keys and runs of its 1/N of the
 * points, then each slab gathers its runs from every share, sorts and
 * reduces them; three rounds of one pool call. Here, the pulling thread
 * only picks the N - 1 cut pairs (z, y) from a strided sample of 1024
 * points (quantiles of the sample's pairs: slabs of about equal points,
 * moved by what the last frames' slabs took; any cut gives the same
 * output, the sample only balances). A cloud the kernel cannot split (a
 * grid of 2^32 cells or more, extra channels) runs on one thread. */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"
#include "sp_voxel.h"

#define SAMPLE 1024

typedef struct voxel_stage {
    sp_voxel_params params;
    sp_voxel_split *split;
    int ncut; /* cuts: slabs - 1 */
    int32_t cz[SP__WORKERS_MAX], cy[SP__WORKERS_MAX];
    /* slab s's part of the points (learn_parts()) and when it finished
     * its slab (ns after the pool call began) */
    double part[SP__WORKERS_MAX];
    int part_n; /* the share count part[] was learnt for */
    long long t0, done[SP__WORKERS_MAX];
    sp__par par;
} voxel_stage;

static const sp_prop_spec voxel_props[] = {
    {.name = "leaf",
     .type = SP_PROP_FLOATS,
     .def = "0.2",
     .min = 1e-9,
     .max = 1e9,
     .help = "voxel edge in metres: one value, or x,y,z (leaf=0.2,0.2,0.1)"},
    {.name = "min_points",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 1,
     .max = 4294967295.0,
     .help = "drop voxels with fewer points than this"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

static int voxel_init(sp_stage *st)
{
    voxel_stage *v = sp_stage_priv(st);
    const sp_prop_value *leaf = sp_stage_prop(st, "leaf");
    if (leaf->nv != 1 && leaf->nv != 3)
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'leaf': %d values given, expected 1 "
                             "(cubic voxels) or 3 (x,y,z)",
                             leaf->nv);
    for (int a = 0; a < 3; a++) {
        double l = leaf->v[leaf->nv == 3 ? a : 0];
        if (!(l > 0))
            return sp_stage_fail(st, SP_EINVAL,
                                 "property 'leaf': %g, expected > 0", l);
        v->params.leaf[a] = (float)l;
    }
    v->params.min_points = (uint32_t)sp_stage_prop_int(st, "min_points");
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    SP_TRY(sp_voxel_split_create(&v->split));
    return sp__par_init(st, &v->par);
}

static void voxel_fini(sp_stage *st)
{
    voxel_stage *v = sp_stage_priv(st);
    sp__par_deinit(&v->par);
    sp_voxel_split_destroy(v->split);
    v->split = NULL;
}

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
static double part_of(const voxel_stage *v, int s, int n)
{
    return v->part_n == n ? v->part[s] : 1.0 / n;
}

/* Step (1) of the top: the cuts from a sample. 0 when a sample cannot
 * balance anything (no finite point, or all in one (z, y) pair). */
static int plan_cuts(voxel_stage *v, const sp_points *p, int n)
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
        v->cz[s - 1] = (int32_t)z;
        v->cy[s - 1] = (int32_t)(r - (1 << 24));
    }
    v->ncut = n - 1;
    return 1;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Points balance the slabs only roughly: a slab of sparse points has more
 * voxels per point than one of ground, and a worker starts its slab a
 * wake-up later than the pulling thread. So each share's part of the
 * points follows, by half steps, the part that would have made every
 * share finish together this frame. Any cut gives the same output. */
static void learn_parts(voxel_stage *v, int n)
{
    double want[SP__WORKERS_MAX], sum = 0, mean = 0;
    for (int s = 0; s < n; s++)
        mean += (double)(v->done[s] > 1000 ? v->done[s] : 1000) / n;
    for (int s = 0; s < n; s++) {
        double f = part_of(v, s, n);
        want[s] = f * mean / (double)(v->done[s] > 1000 ? v->done[s] : 1000);
        sum += want[s];
    }
    double tot = 0;
    for (int s = 0; s < n; s++) {
        double f = part_of(v, s, n);
        double g = 0.5 * (f + want[s] / sum);
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

/* The kernel's three rounds in one call of the pool: a round trip
 * through the pool per round costs more than the round on a VM
 * (workers_int.h). */
static void frame_phase(void *arg, int phase, int w, int n)
{
    voxel_stage *v = arg;
    (void)n;
    if (phase == 0) {
        sp_voxel_split_extent(v->split, w);
    } else if (phase == 1) {
        sp_voxel_split_keys(v->split, w);
    } else {
        int rc = sp_voxel_split_reduce(v->split, v->par.k[w], w);
        v->done[w] = now_ns() - v->t0;
        sp__par_note(&v->par, w, rc);
    }
}

static int voxel_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    voxel_stage *v = sp_stage_priv(st);
    const sp_points *p = &in->u.points;
    sp_points *o = &res->u.points;
    /* Shares of fewer than ~4096 points cost more to split than they
     * save. */
    int n = sp__par_shares(st, &v->par, p->count, 4096);
    if (n > 1 &&
        (p->nextra || o->nextra || !p->x || !p->y || !p->z || !p->intensity ||
         o->capacity < p->count || p->count > UINT32_MAX))
        n = 1;
    if (n == 1 || !plan_cuts(v, p, n))
        return sp_voxel(sp_stage_kctx(st), &v->params, p, o);
    size_t bytes = sp_voxel_split_bytes(p->count, n);
    SP_TRY(sp__par_reserve(&v->par, 1, bytes));
    int rc = sp_voxel_split_begin(v->split, sp_stage_kctx(st), &v->params, p, o,
                                  n, v->cz, v->cy, v->par.buf[0], bytes);
    if (rc < 0)
        return rc;
    if (rc == 1)
        return sp_voxel(sp_stage_kctx(st), &v->params, p, o);
    v->t0 = now_ns();
    sp__workers_run_phases(v->par.w, n, 3, frame_phase, v);
    SP_TRY(sp__par_result(&v->par, n));
    if (sp_voxel_split_end(v->split) == 1)
        return sp_voxel(sp_stage_kctx(st), &v->params, p, o);
    if (v->ncut == n - 1)
        learn_parts(v, n);
    return SP_OK;
}

/* At most one voxel per input point: the output is sized like the input. */
static const sp__filter_ops voxel_ops = {
    .input = SP_PAYLOAD_POINTS,
    .prepare = sp__filter_like_points,
    .run = voxel_run,
};

static int voxel_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &voxel_ops, NULL, out);
}

const sp_stage_class sp__stage_voxel = {
    .name = "voxel",
    .takes = "points",
    .gives = "points (one per occupied voxel), same stream",
    .description = "downsample to one point per occupied voxel (centroid; "
                   "PCL VoxelGrid's float32 voxel rule): leaf=, min_points=",
    .props = voxel_props,
    .nprops = sizeof voxel_props / sizeof voxel_props[0],
    .priv_size = sizeof(voxel_stage),
    .init = voxel_init,
    .fini = voxel_fini,
    .pull = voxel_pull,
};
