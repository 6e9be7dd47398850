/* voxel, NEON: the index pass 4 points a step (vmulq + vrndmq = floor,
 * same float32 results as scalar), validity, 32-bit range check, bounds.
 * Key/sort/reduce stay scalar (voxel.c). AArch64 (vrndmq, vminvq). */
#include <arm_neon.h>

#include "voxel_int.h"

void sp__voxel_index_neon(const sp__voxel_plan *p, const sp_points *in,
                          int32_t *ix, int32_t *iy, int32_t *iz,
                          sp__voxel_bounds *b)
{
    const size_t n = in->count;
    const float32x4_t inv[3] = {vdupq_n_f32(p->inv[0]),
                                vdupq_n_f32(p->inv[1]),
                                vdupq_n_f32(p->inv[2])};
    const float32x4_t lim = vdupq_n_f32(SP__VOXEL_LIM);
    const float32x4_t nlim = vdupq_n_f32(-SP__VOXEL_LIM);
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const int32x4_t skip = vdupq_n_s32(SP__VOXEL_SKIP);
    const int32x4_t big = vdupq_n_s32(INT32_MAX);
    int32x4_t lo[3] = {big, big, big}, hi[3] = {skip, skip, skip};
    const float *src[3] = {in->x, in->y, in->z};
    int32_t *dst[3] = {ix, iy, iz};
    size_t valid = 0, i = 0;

    for (; i + 4 <= n; i += 4) {
        float32x4_t c[3], f[3];
        float32x4_t fin = zero;
        for (int a = 0; a < 3; a++) {
            c[a] = vld1q_f32(src[a] + i);
            fin = vaddq_f32(fin, vsubq_f32(c[a], c[a]));
        }
        uint32x4_t finite = vceqq_f32(fin, zero);
        uint32x4_t inrange = finite;
        for (int a = 0; a < 3; a++) {
            f[a] = vrndmq_f32(vmulq_f32(c[a], inv[a]));
            inrange = vandq_u32(inrange, vcgtq_f32(f[a], nlim));
            inrange = vandq_u32(inrange, vcltq_f32(f[a], lim));
        }
        /* Any finite lane out of range: the scalar pass takes over. */
        if (vmaxvq_u32(veorq_u32(inrange, finite)) != 0)
            break;
        for (int a = 0; a < 3; a++) {
            int32x4_t v = vcvtq_s32_f32(f[a]);
            lo[a] = vminq_s32(lo[a], vbslq_s32(finite, v, big));
            hi[a] = vmaxq_s32(hi[a], vbslq_s32(finite, v, skip));
            if (a == 0)
                v = vbslq_s32(finite, v, skip);
            vst1q_s32(dst[a] + i, v);
        }
        valid += (size_t)(-(int32_t)vaddvq_s32(vreinterpretq_s32_u32(finite)));
    }
    for (int a = 0; a < 3; a++) {
        int32_t l = vminvq_s32(lo[a]), h = vmaxvq_s32(hi[a]);
        if (l < b->lo[a])
            b->lo[a] = l;
        if (h > b->hi[a])
            b->hi[a] = h;
    }
    b->valid += valid;
    sp__voxel_index_scalar(p, in, i, ix, iy, iz, b);
}
