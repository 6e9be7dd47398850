/* normalize, NEON: 16 pixels per step; vld3/vld4 de-interleave the
 * channels, each is widened to 4 x 4 floats, multiplied and added (separate
 * mul and add, as the scalar code). Bit-exact with normalize_scalar.c. */
#include <arm_neon.h>

#include "normalize_int.h"

static inline void store16(float *d, uint8x16_t v, float a, float b)
{
    uint16x8_t lo = vmovl_u8(vget_low_u8(v)), hi = vmovl_u8(vget_high_u8(v));
    const float32x4_t vb = vdupq_n_f32(b);
    float32x4_t f0 = vcvtq_f32_u32(vmovl_u16(vget_low_u16(lo)));
    float32x4_t f1 = vcvtq_f32_u32(vmovl_u16(vget_high_u16(lo)));
    float32x4_t f2 = vcvtq_f32_u32(vmovl_u16(vget_low_u16(hi)));
    float32x4_t f3 = vcvtq_f32_u32(vmovl_u16(vget_high_u16(hi)));
    vst1q_f32(d, vaddq_f32(vmulq_n_f32(f0, a), vb));
    vst1q_f32(d + 4, vaddq_f32(vmulq_n_f32(f1, a), vb));
    vst1q_f32(d + 8, vaddq_f32(vmulq_n_f32(f2, a), vb));
    vst1q_f32(d + 12, vaddq_f32(vmulq_n_f32(f3, a), vb));
}

int sp__normalize_neon(const sp__normalize_job *j)
{
    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        float *d[3];
        for (int c = 0; c < j->nout; c++)
            d[c] = j->dst + (size_t)c * j->plane + (size_t)y * j->w;
        uint32_t x = 0;
        if (j->cn == 3) {
            for (; x + 16 <= j->w; x += 16) {
                uint8x16x3_t v = vld3q_u8(s + (size_t)x * 3);
                for (int c = 0; c < 3; c++)
                    store16(d[c] + x, v.val[j->in_ch[c]], j->a[c], j->b[c]);
            }
        } else if (j->cn == 4) {
            for (; x + 16 <= j->w; x += 16) {
                uint8x16x4_t v = vld4q_u8(s + (size_t)x * 4);
                for (int c = 0; c < 3; c++)
                    store16(d[c] + x, v.val[j->in_ch[c]], j->a[c], j->b[c]);
            }
        } else {
            for (; x + 16 <= j->w; x += 16)
                store16(d[0] + x, vld1q_u8(s + x), j->a[0], j->b[0]);
        }
        sp__normalize_row_scalar(j, y, x);
    }
    return SP_OK;
}
