/* voxel, NEON (AArch64): the extent and 32-bit key passes 4 points a step
 * (vmulq + vrndmq = floor, same float32 results as scalar; 32-bit integer
 * key arithmetic, exact on the runs path's grids of < 2^32 cells). The
 * sort and reduction are generic (voxel_runs.c). */
#include <arm_neon.h>

#include "voxel_int.h"

static inline uint32x4_t finite_mask(float32x4_t x, float32x4_t y,
                                     float32x4_t z)
{
    float32x4_t s =
        vaddq_f32(vaddq_f32(vsubq_f32(x, x), vsubq_f32(y, y)), vsubq_f32(z, z));
    return vceqq_f32(s, vdupq_n_f32(0.0f));
}

void sp__voxel_extent_neon(const sp_points *in, sp__voxel_extent *e)
{
    const size_t n = in->count;
    const float32x4_t pinf = vdupq_n_f32(INFINITY),
                      ninf = vdupq_n_f32(-INFINITY);
    float32x4_t mn[3] = {pinf, pinf, pinf}, mx[3] = {ninf, ninf, ninf};
    const float *src[3] = {in->x, in->y, in->z};
    size_t valid = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t c[3] = {vld1q_f32(src[0] + i), vld1q_f32(src[1] + i),
                            vld1q_f32(src[2] + i)};
        uint32x4_t fin = finite_mask(c[0], c[1], c[2]);
        for (int a = 0; a < 3; a++) {
            mn[a] = vminq_f32(mn[a], vbslq_f32(fin, c[a], pinf));
            mx[a] = vmaxq_f32(mx[a], vbslq_f32(fin, c[a], ninf));
        }
        valid += (size_t)(-vaddvq_s32(vreinterpretq_s32_u32(fin)));
    }
    for (int a = 0; a < 3; a++) {
        float l = vminvq_f32(mn[a]), h = vmaxvq_f32(mx[a]);
        if (l < e->min[a])
            e->min[a] = l;
        if (h > e->max[a])
            e->max[a] = h;
    }
    e->valid += valid;
    sp__voxel_extent_scalar(in, i, e);
}

void sp__voxel_keys32_neon(const sp__voxel_plan *p, const sp__voxel_grid *g,
                           const sp_points *in, uint32_t *keys)
{
    const size_t n = in->count;
    const float32x4_t inv[3] = {vdupq_n_f32(p->inv[0]), vdupq_n_f32(p->inv[1]),
                                vdupq_n_f32(p->inv[2])};
    const int32x4_t lo[3] = {vdupq_n_s32(g->lo[0]), vdupq_n_s32(g->lo[1]),
                             vdupq_n_s32(g->lo[2])};
    const uint32x4_t sx = vdupq_n_u32((uint32_t)g->span[0]);
    const uint32x4_t sy = vdupq_n_u32((uint32_t)g->span[1]);
    const uint32x4_t nokey = vdupq_n_u32(SP__VOXEL_NOKEY);
    const float *src[3] = {in->x, in->y, in->z};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t c[3];
        uint32x4_t d[3];
        for (int a = 0; a < 3; a++)
            c[a] = vld1q_f32(src[a] + i);
        uint32x4_t fin = finite_mask(c[0], c[1], c[2]);
        for (int a = 0; a < 3; a++)
            d[a] = vreinterpretq_u32_s32(vsubq_s32(
                vcvtq_s32_f32(vrndmq_f32(vmulq_f32(c[a], inv[a]))), lo[a]));
        /* Integer multiply-add: exact, unlike a float fma. */
        uint32x4_t key = vmlaq_u32(d[0], sx, vmlaq_u32(d[1], sy, d[2]));
        vst1q_u32(keys + i, vbslq_u32(fin, key, nokey));
    }
    sp__voxel_keys32_scalar(p, g, in, i, keys);
}
