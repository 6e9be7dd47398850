/* ground, scalar reference: the plane inlier test and the grid method. */
#include <string.h>

#include "lidar_int.h"

size_t sp__ground_count_scalar(const float pl[4], float thr, const float *x,
                               const float *y, const float *z, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += (size_t)sp__ground_inlier(pl, thr, x[i], y[i], z[i]);
    return c;
}

void sp__ground_mask_scalar(const float pl[4], float thr, const float *x,
                            const float *y, const float *z, size_t n,
                            uint8_t *mask)
{
    for (size_t i = 0; i < n; i++)
        mask[i] = (uint8_t)sp__ground_inlier(pl, thr, x[i], y[i], z[i]);
}

/* Cell of a point, or 0 when it has none (NaN/Inf, index beyond 32 bits).
 * The bounds are written so that NaN fails them. */
static int grid_cell(float inv_cell, float x, float y, int32_t *ix, int32_t *iy)
{
    float fx = floorf(x * inv_cell), fy = floorf(y * inv_cell);
    if (!(fx >= -2147483648.0f && fx < 2147483648.0f && fy >= -2147483648.0f &&
          fy < 2147483648.0f))
        return 0;
    *ix = (int32_t)fx;
    *iy = (int32_t)fy;
    return 1;
}

static size_t grid_hash(int32_t ix, int32_t iy, size_t mask)
{
    uint64_t h = ((uint64_t)(uint32_t)ix << 32) | (uint32_t)iy;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return (size_t)h & mask;
}

/* Linear probing in a table at most half full, so a probe always ends. */
static sp__ground_grid_cell *grid_find(sp__ground_grid_cell *hash, size_t cap,
                                       int32_t ix, int32_t iy)
{
    size_t m = cap - 1, s = grid_hash(ix, iy, m);
    while (hash[s].used && (hash[s].ix != ix || hash[s].iy != iy))
        s = (s + 1) & m;
    return &hash[s];
}

void sp__ground_grid_scalar(float inv_cell, float band, const sp_points *in,
                            sp__ground_grid_cell *hash, size_t hash_cap,
                            uint8_t *mask)
{
    size_t n = in->count;
    memset(hash, 0, hash_cap * sizeof *hash);
    for (size_t i = 0; i < n; i++) {
        int32_t ix, iy;
        float z = in->z[i];
        if (!isfinite(z) || !grid_cell(inv_cell, in->x[i], in->y[i], &ix, &iy))
            continue;
        sp__ground_grid_cell *c = grid_find(hash, hash_cap, ix, iy);
        if (!c->used) {
            c->used = 1;
            c->ix = ix;
            c->iy = iy;
            c->zmin = z;
        } else if (z < c->zmin) {
            c->zmin = z;
        }
    }
    for (size_t i = 0; i < n; i++) {
        int32_t ix, iy;
        float z = in->z[i];
        mask[i] = 0;
        if (!isfinite(z) || !grid_cell(inv_cell, in->x[i], in->y[i], &ix, &iy))
            continue;
        const sp__ground_grid_cell *c = grid_find(hash, hash_cap, ix, iy);
        mask[i] = (uint8_t)(z <= c->zmin + band);
    }
}
