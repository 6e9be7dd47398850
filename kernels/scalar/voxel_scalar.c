/* voxel, scalar: the reference index pass, and the exact wide path for
 * clouds whose voxel indices do not fit the 32-bit-per-axis fast path. */
#include <stdlib.h>

#include "voxel_int.h"

void sp__voxel_index_scalar(const sp__voxel_plan *p, const sp_points *in,
                            size_t first, int32_t *ix, int32_t *iy, int32_t *iz,
                            sp__voxel_bounds *b)
{
    const float *x = in->x, *y = in->y, *z = in->z;
    for (size_t i = first; i < in->count; i++) {
        if (!(isfinite(x[i]) && isfinite(y[i]) && isfinite(z[i]))) {
            ix[i] = SP__VOXEL_SKIP;
            continue;
        }
        /* PCL: floor (p.x * inverse_leaf_size_[0]), all float32. */
        float f[3] = {floorf(x[i] * p->inv[0]), floorf(y[i] * p->inv[1]),
                      floorf(z[i] * p->inv[2])};
        int32_t v[3];
        for (int a = 0; a < 3; a++) {
            if (!(f[a] > -SP__VOXEL_LIM && f[a] < SP__VOXEL_LIM)) {
                b->wide = 1;
                return;
            }
            v[a] = (int32_t)f[a];
            if (v[a] < b->lo[a])
                b->lo[a] = v[a];
            if (v[a] > b->hi[a])
                b->hi[a] = v[a];
        }
        ix[i] = v[0];
        iy[i] = v[1];
        iz[i] = v[2];
        b->valid++;
    }
}

void sp__voxel_extent_scalar(const sp_points *in, size_t first,
                             sp__voxel_extent *e)
{
    const float *c[3] = {in->x, in->y, in->z};
    for (size_t i = first; i < in->count; i++) {
        float x = c[0][i], y = c[1][i], z = c[2][i];
        if (!(isfinite(x) && isfinite(y) && isfinite(z)))
            continue;
        const float v[3] = {x, y, z};
        for (int a = 0; a < 3; a++) {
            e->min[a] = v[a] < e->min[a] ? v[a] : e->min[a];
            e->max[a] = v[a] > e->max[a] ? v[a] : e->max[a];
        }
        e->valid++;
    }
}

void sp__voxel_keys_scalar(const sp__voxel_plan *p, const sp__voxel_grid *g,
                           const sp_points *in, size_t first, uint64_t *packed)
{
    const float *x = in->x, *y = in->y, *z = in->z;
    const int ib = g->ib;
    const uint64_t sx = g->span[0], sy = g->span[1];
    for (size_t i = first; i < in->count; i++) {
        uint64_t key = g->total;
        if (isfinite(x[i]) && isfinite(y[i]) && isfinite(z[i])) {
            /* Within the grid by construction: the grid's bounds are the
             * floors of the extreme coordinates. */
            uint64_t dx =
                (uint64_t)((int64_t)floorf(x[i] * p->inv[0]) - g->lo[0]);
            uint64_t dy =
                (uint64_t)((int64_t)floorf(y[i] * p->inv[1]) - g->lo[1]);
            uint64_t dz =
                (uint64_t)((int64_t)floorf(z[i] * p->inv[2]) - g->lo[2]);
            key = dx + sx * (dy + sy * dz);
        }
        packed[i] = key << ib | (uint64_t)i;
    }
}

void sp__voxel_keys32_scalar(const sp__voxel_plan *p, const sp__voxel_grid *g,
                             const sp_points *in, size_t first, uint32_t *keys)
{
    const float *x = in->x, *y = in->y, *z = in->z;
    const uint32_t sx = (uint32_t)g->span[0], sy = (uint32_t)g->span[1];
    for (size_t i = first; i < in->count; i++) {
        uint32_t key = SP__VOXEL_NOKEY;
        if (isfinite(x[i]) && isfinite(y[i]) && isfinite(z[i])) {
            /* In the grid by construction, and the grid has < 2^32 cells:
             * 32-bit arithmetic is exact. */
            uint32_t dx =
                (uint32_t)((int64_t)floorf(x[i] * p->inv[0]) - g->lo[0]);
            uint32_t dy =
                (uint32_t)((int64_t)floorf(y[i] * p->inv[1]) - g->lo[1]);
            uint32_t dz =
                (uint32_t)((int64_t)floorf(z[i] * p->inv[2]) - g->lo[2]);
            key = dx + sx * (dy + sy * dz);
        }
        keys[i] = key;
    }
}

typedef struct wide_entry {
    int64_t v[3];
    uint32_t idx;
} wide_entry;

static int cmp_wide(const void *pa, const void *pb)
{
    const wide_entry *a = pa, *b = pb;
    for (int ax = 2; ax >= 0; ax--)
        if (a->v[ax] != b->v[ax])
            return a->v[ax] < b->v[ax] ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

int sp__voxel_wide(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                   sp_points *out)
{
    static const char axis[] = "xyz";
    size_t n = in->count;
    wide_entry *e =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, (n ? n : 1) * sizeof *e);
    uint64_t *keys =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_KEY, (n ? n : 1) * sizeof *keys);
    uint32_t *idx =
        sp__kctx_scratch(k, SP__VOXEL_SLOT_IDX, (n ? n : 1) * sizeof *idx);
    if (!e || !keys || !idx)
        return SP_ENOMEM;
    const float *c[3] = {in->x, in->y, in->z};
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(c[0][i]) && isfinite(c[1][i]) && isfinite(c[2][i])))
            continue;
        for (int a = 0; a < 3; a++) {
            float f = floorf(c[a][i] * p->inv[a]);
            /* 2^62: exact in float, and far from int64 overflow. */
            if (!(f > -4611686018427387904.0f && f < 4611686018427387904.0f))
                return sp__fail(SP_ERANGE,
                                "voxel: point %zu: %c = %g gives voxel index "
                                "%g, expected |index| < 2^62 (leaf too "
                                "small for this coordinate)",
                                i, axis[a], (double)c[a][i], (double)f);
            e[m].v[a] = (int64_t)f;
        }
        e[m].idx = (uint32_t)i;
        m++;
    }
    qsort(e, m, sizeof *e, cmp_wide);
    /* Runs of equal indices get consecutive ordinals as keys, so the
     * shared reduction finds the same runs. */
    uint64_t run = 0;
    for (size_t j = 0; j < m; j++) {
        if (j && (e[j - 1].v[0] != e[j].v[0] || e[j - 1].v[1] != e[j].v[1] ||
                  e[j - 1].v[2] != e[j].v[2]))
            run++;
        keys[j] = run;
        idx[j] = e[j].idx;
    }
    return sp__voxel_reduce(k, p, in, keys, idx, m, out);
}
