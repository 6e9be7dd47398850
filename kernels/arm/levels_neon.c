/* Levels, NEON: 8 samples per step, the scalar reference's single-precision
 * steps (multiply, add 0.5, min, truncate) as separate instructions (the
 * library is built as ISO C11: no fma contraction), so bit-exact. */
#include <arm_neon.h>

#include "levels_int.h"

/* clang contracts a * b + c into an fma by default; the bits must match. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static inline uint16x4_t one4(uint16x4_t v, float32x4_t scale,
                              float32x4_t maxout)
{
    float32x4_t f = vmulq_f32(vcvtq_f32_u32(vmovl_u16(v)), scale);
    f = vminq_f32(vaddq_f32(f, vdupq_n_f32(0.5f)), maxout);
    return vmovn_u32(vcvtq_u32_f32(f));
}

void sp__levels_neon(const sp__levels_job *j)
{
    const uint16x8_t black =
        vdupq_n_u16((uint16_t)(j->black > 65535 ? 65535 : j->black));
    const float32x4_t maxout = vdupq_n_f32(j->maxout);
    for (uint32_t y = 0; y < j->h; y++) {
        const uint16_t *s =
            (const uint16_t *)(const void *)(j->src + (size_t)y * j->sstride);
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        const float *sc = j->scale[y & 1];
        const float pat[4] = {sc[0], sc[1], sc[0], sc[1]};
        const float32x4_t scale = vld1q_f32(pat);
        uint32_t x = 0;
        for (; x + 8 <= j->w; x += 8) {
            uint16x8_t v = vqsubq_u16(vld1q_u16(s + x), black);
            uint16x8_t r = vcombine_u16(one4(vget_low_u16(v), scale, maxout),
                                        one4(vget_high_u16(v), scale, maxout));
            if (j->wide)
                vst1q_u16((uint16_t *)(void *)o + x, r);
            else
                vst1_u8(o + x, vmovn_u16(r));
        }
        sp__levels_span_scalar(j, y, x, j->w);
    }
}
