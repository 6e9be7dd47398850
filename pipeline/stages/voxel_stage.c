/* The `voxel` stage: one point per occupied voxel at its points' centroid
 * (PCL VoxelGrid's voxel rule), on the pipeline's kernel back-end. Frames
 * without points pass through untouched. See sp_voxel.h.
 *
 * threads=N: the output lists voxels by increasing (z, y, x) index and
 * each voxel's means add its points in input order, so cutting the cloud
 * into slabs of whole (z, y) index pairs, each keeping its points in input
 * order, and voxelising each slab on its own gives the same voxels, the
 * same sums, and the output slabs back to back in slab order. The caller
 * computes each point's (z, y) pair with the kernel's own float32 rule
 * (floorf(v * (1.0f / leaf))), histograms them into 4096 ordered bins and
 * cuts where the counts balance; each share gathers its slab into its
 * scratch, voxelises it into the output at its slab's input offset, and the
 * caller closes the gaps. Points with a non-finite coordinate go to the
 * first slab, where the kernel skips them (or refuses an index it cannot
 * hold) as it would unsplit. Clouds with extra channels run on one thread. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"
#include "sp_voxel.h"

#define NBINS 4096

typedef struct voxel_stage {
    sp_voxel_params params;
    /* the frame in flight, for the shares */
    const sp_points *in;
    sp_points *out;
    uint16_t *bin; /* per point, grow-only */
    int32_t *zy;   /* per point (z, y) index, grow-only */
    size_t bin_cap;
    uint32_t cut[SP__WORKERS_MAX + 1]; /* share s: bins [cut[s], cut[s+1]) */
    size_t off[SP__WORKERS_MAX + 1];   /* share s: input offset of its slab */
    size_t made[SP__WORKERS_MAX];      /* share s: voxels it wrote */
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
    return sp__par_init(st, &v->par);
}

static void voxel_fini(sp_stage *st)
{
    voxel_stage *v = sp_stage_priv(st);
    sp__par_deinit(&v->par);
    free(v->bin);
    free(v->zy);
}

/* floorf(v * inv) for |v * inv| < 2^30 without a libm call (the library
 * is built for baseline x86-64, where floorf is one): the truncation,
 * less one when that rounded up. Exact: any float of that size converts to
 * int32 and back without rounding. */
static int floor_index(float v, float inv, int32_t *out)
{
    float f = v * inv;
    if (!(f > -1073741824.0f && f < 1073741824.0f))
        return 0;
    int32_t t = (int32_t)f;
    *out = t - ((float)t > f);
    return 1;
}

/* Bins and cuts (see the top): 0 when the cloud cannot be cut (an index
 * beyond int32: the kernel copes, or refuses, on one thread). */
static int plan_slabs(voxel_stage *v, const sp_points *p, int n)
{
    const float izl = 1.0f / v->params.leaf[2], iyl = 1.0f / v->params.leaf[1];
    int64_t zlo = INT64_MAX, zhi = INT64_MIN, ylo = INT64_MAX, yhi = INT64_MIN;
    int32_t *zy = v->zy;
    uint32_t hist[NBINS];

    for (size_t j = 0; j < p->count; j++) {
        int32_t iz, iy;
        if (!isfinite(p->x[j]) || !isfinite(p->y[j]) || !isfinite(p->z[j])) {
            zy[2 * j] = INT32_MIN; /* skipped by the kernel: first slab */
            continue;
        }
        if (!floor_index(p->z[j], izl, &iz) || !floor_index(p->y[j], iyl, &iy))
            return 0;
        zy[2 * j] = iz;
        zy[2 * j + 1] = iy;
        zlo = iz < zlo ? iz : zlo;
        zhi = iz > zhi ? iz : zhi;
        ylo = iy < ylo ? iy : ylo;
        yhi = iy > yhi ? iy : yhi;
    }
    if (zlo > zhi)
        return 0;
    /* bin = floor(key * NBINS / keys) over key = (z, y) in (z, y) order:
     * monotonic, so a bin never splits a (z, y) pair across slabs. */
    uint64_t ny = (uint64_t)(yhi - ylo) + 1;
    uint64_t keys = ((uint64_t)(zhi - zlo) + 1) * ny; /* < 2^62 */
    memset(hist, 0, sizeof hist);
    for (size_t j = 0; j < p->count; j++) {
        uint32_t b = 0;
        if (zy[2 * j] != INT32_MIN) {
            uint64_t key = (uint64_t)(zy[2 * j] - zlo) * ny +
                           (uint64_t)(zy[2 * j + 1] - ylo);
            b = (uint32_t)((double)key * NBINS / (double)keys);
            b = b < NBINS ? b : NBINS - 1;
        }
        v->bin[j] = (uint16_t)b;
        hist[b]++;
    }
    size_t cum = 0;
    uint32_t b = 0;
    v->cut[0] = 0;
    v->off[0] = 0;
    for (int s = 1; s < n; s++) {
        size_t want = p->count * (size_t)s / (size_t)n;
        while (b < NBINS && cum + hist[b] <= want)
            cum += hist[b++];
        v->cut[s] = b;
        v->off[s] = cum;
    }
    v->cut[n] = NBINS;
    v->off[n] = p->count;
    return 1;
}

static void voxel_share(void *arg, int s, int n)
{
    voxel_stage *v = arg;
    const sp_points *in = v->in;
    size_t m = v->off[s + 1] - v->off[s];
    (void)n;

    /* The slab, in input order, in this share's scratch. */
    sp_points slab = *in;
    float *f = v->par.buf[s];
    slab.x = f;
    slab.y = f + m;
    slab.z = f + 2 * m;
    slab.intensity = f + 3 * m;
    slab.time = in->time ? f + 4 * m : NULL;
    slab.ring = in->ring ? (uint16_t *)(f + 5 * m) : NULL;
    slab.count = slab.capacity = m;
    slab.height = 0;
    size_t k = 0;
    for (size_t j = 0; j < in->count && k < m; j++) {
        uint32_t b = v->bin[j];
        if (b < v->cut[s] || b >= v->cut[s + 1])
            continue;
        slab.x[k] = in->x[j];
        slab.y[k] = in->y[j];
        slab.z[k] = in->z[j];
        slab.intensity[k] = in->intensity[j];
        if (slab.time)
            slab.time[k] = in->time[j];
        if (slab.ring)
            slab.ring[k] = in->ring[j];
        k++;
    }
    /* Its voxels, into the output where its points started. */
    sp_points o = *v->out;
    size_t at = v->off[s];
    o.x += at;
    o.y += at;
    o.z += at;
    o.intensity += at;
    o.time = o.time ? o.time + at : NULL;
    o.ring = o.ring ? o.ring + at : NULL;
    o.capacity = m;
    o.count = 0;
    int rc = sp_voxel(v->par.k[s], &v->params, &slab, &o);
    v->made[s] = o.count;
    sp__par_note(&v->par, s, rc);
}

static void close_gaps(voxel_stage *v, int n)
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

static int voxel_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    voxel_stage *v = sp_stage_priv(st);
    const sp_points *p = &in->u.points;
    sp_points *o = &res->u.points;
    /* Slabs of fewer than ~4096 points cost more to cut than they save. */
    int n = sp__par_shares(st, &v->par, p->count, 4096);
    if (n > 1 && (p->nextra || o->nextra || !p->x || !p->y || !p->z ||
                  !p->intensity || o->capacity < p->count))
        n = 1;
    if (n > 1 && v->bin_cap < p->count) {
        free(v->bin);
        free(v->zy);
        v->bin = malloc(p->count * sizeof *v->bin);
        v->zy = malloc(p->count * 2 * sizeof *v->zy);
        v->bin_cap = v->bin && v->zy ? p->count : 0;
        if (v->bin_cap == 0)
            return sp__fail(SP_ENOMEM, "voxel: out of memory for %zu points",
                            p->count);
    }
    if (n == 1 || !plan_slabs(v, p, n))
        return sp_voxel(sp_stage_kctx(st), &v->params, p, o);
    /* Out-of-place only, as the kernel (it checks the unsplit pair). */
    SP_TRY(sp__par_reserve(&v->par, n, p->count * 6 * sizeof(float)));
    v->in = p;
    v->out = o;
    o->count = 0;
    sp__workers_run(v->par.w, n, voxel_share, v);
    SP_TRY(sp__par_result(&v->par, n));
    close_gaps(v, n);
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
