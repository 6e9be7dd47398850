/* crop, NEON: the 4-lane test in vector registers, then the kept lanes
 * written one by one (NEON has no compress instruction; a full group is
 * stored as a vector). Same float operations as scalar: bit-identical. */
#include <arm_neon.h>

#include "crop_int.h"

size_t sp__crop_neon(const sp__crop_plan *p, const sp_points *in,
                     sp_points *out)
{
    const size_t n = in->count;
    const float32x4_t lox = vdupq_n_f32(p->lo[0]), hix = vdupq_n_f32(p->hi[0]);
    const float32x4_t loy = vdupq_n_f32(p->lo[1]), hiy = vdupq_n_f32(p->hi[1]);
    const float32x4_t loz = vdupq_n_f32(p->lo[2]), hiz = vdupq_n_f32(p->hi[2]);
    const float32x4_t r2lo = vdupq_n_f32(p->r2lo), r2hi = vdupq_n_f32(p->r2hi);
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const uint32_t bitv[4] = {1, 2, 4, 8};
    const uint32x4_t bits = vld1q_u32(bitv);
    size_t i = 0, o = 0;

    for (; i + 4 <= n; i += 4) {
        float32x4_t x = vld1q_f32(in->x + i);
        float32x4_t y = vld1q_f32(in->y + i);
        float32x4_t z = vld1q_f32(in->z + i);
        float32x4_t f = vaddq_f32(vaddq_f32(vsubq_f32(x, x), vsubq_f32(y, y)),
                                  vsubq_f32(z, z));
        uint32x4_t finite = vceqq_f32(f, zero);
        uint32x4_t inside = vandq_u32(vcgeq_f32(x, lox), vcleq_f32(x, hix));
        inside = vandq_u32(inside, vcgeq_f32(y, loy));
        inside = vandq_u32(inside, vcleq_f32(y, hiy));
        inside = vandq_u32(inside, vcgeq_f32(z, loz));
        inside = vandq_u32(inside, vcleq_f32(z, hiz));
        if (p->use_range) {
            /* vmulq + vaddq, never vmlaq/vfmaq: no fused rounding. */
            float32x4_t r2 = vaddq_f32(
                vaddq_f32(vmulq_f32(x, x), vmulq_f32(y, y)), vmulq_f32(z, z));
            inside = vandq_u32(inside, vcgeq_f32(r2, r2lo));
            inside = vandq_u32(inside, vcleq_f32(r2, r2hi));
        }
        uint32x4_t keep =
            p->invert ? vbicq_u32(finite, inside) : vandq_u32(finite, inside);
        uint32x4_t mb = vandq_u32(keep, bits);
        unsigned m = vgetq_lane_u32(mb, 0) | vgetq_lane_u32(mb, 1) |
                     vgetq_lane_u32(mb, 2) | vgetq_lane_u32(mb, 3);
        if (m == 0)
            continue;
        if (m == 0xfu) {
            vst1q_f32(out->x + o, x);
            vst1q_f32(out->y + o, y);
            vst1q_f32(out->z + o, z);
            vst1q_f32(out->intensity + o, vld1q_f32(in->intensity + i));
            if (p->time)
                vst1q_f32(out->time + o, vld1q_f32(in->time + i));
            if (p->ring)
                for (int b = 0; b < 4; b++)
                    out->ring[o + (size_t)b] = in->ring[i + (size_t)b];
            if (p->idx)
                for (int b = 0; b < 4; b++)
                    p->idx[o + (size_t)b] = (uint32_t)(i + (size_t)b);
            o += 4;
            continue;
        }
        for (unsigned b = m; b; b &= b - 1) {
            size_t j = i + (size_t)__builtin_ctz(b);
            out->x[o] = in->x[j];
            out->y[o] = in->y[j];
            out->z[o] = in->z[j];
            out->intensity[o] = in->intensity[j];
            if (p->ring)
                out->ring[o] = in->ring[j];
            if (p->time)
                out->time[o] = in->time[j];
            if (p->idx)
                p->idx[o] = (uint32_t)j;
            o++;
        }
    }
    return sp__crop_scalar(p, in, i, out, o);
}
