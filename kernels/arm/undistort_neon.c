/* undistort, NEON: 4 output pixels per step whose taps all lie inside;
 * for 8-bit images the weights are computed and applied in int32 lanes,
 * for F32 the 1-D float weights are multiplied and the taps summed in the
 * scalar order (separate multiplies and adds); the taps are loaded one by
 * one (NEON has no gather). Border pixels and row tails use the scalar
 * code. Bit-exact with undistort_scalar.c. */
#include <arm_neon.h>

#include "undistort_int.h"

int sp__undistort_neon(const sp__undistort_job *j)
{
    if (j->w < 2 || j->h < 2)
        return sp__undistort_scalar(j);
    const int cn = j->cn;
    const int32x4_t v32 = vdupq_n_s32(SP__REMAP_TAB), v16 = vdupq_n_s32(16);
    const int32x4_t vround = vdupq_n_s32(1 << (SP__REMAP_WBITS - 1));
    for (uint32_t y = j->y0; y < j->y1; y++) {
        const size_t prow = (size_t)y * j->w;
        uint8_t *drow = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        for (; x + 4 <= j->w; x += 4) {
            int inside = 1;
            int32_t sx[4], sy[4], fx[4], fy[4];
            for (int l = 0; l < 4; l++) {
                sx[l] = j->xy[2 * (prow + x + l)];
                sy[l] = j->xy[2 * (prow + x + l) + 1];
                int f = j->frac[prow + x + l];
                fx[l] = f & (SP__REMAP_TAB - 1);
                fy[l] = f >> SP__REMAP_BITS;
                if (sx[l] < 0 || sy[l] < 0 || sx[l] > (int)j->w - 2 ||
                    sy[l] > (int)j->h - 2)
                    inside = 0;
            }
            if (!inside) {
                sp__undistort_span_scalar(j, y, x, x + 4);
                continue;
            }
            int32x4_t vfx = vld1q_s32(fx), vfy = vld1q_s32(fy);
            if (j->f32) {
                float t00[4], t01[4], t10[4], t11[4];
                for (int l = 0; l < 4; l++) {
                    const float *r0 =
                        (const float *)(const void *)(j->src + (size_t)sy[l] *
                                                                   j->sstride) +
                        sx[l];
                    const float *r1 =
                        (const float *)(const void *)((const uint8_t *)r0 +
                                                      j->sstride);
                    t00[l] = r0[0], t01[l] = r0[1], t10[l] = r1[0],
                    t11[l] = r1[1];
                }
                float32x4_t ax =
                    vmulq_n_f32(vcvtq_f32_s32(vfx), 1.f / SP__REMAP_TAB);
                float32x4_t ay =
                    vmulq_n_f32(vcvtq_f32_s32(vfy), 1.f / SP__REMAP_TAB);
                float32x4_t bx = vsubq_f32(vdupq_n_f32(1.f), ax);
                float32x4_t by = vsubq_f32(vdupq_n_f32(1.f), ay);
                float32x4_t t = vmulq_f32(vld1q_f32(t00), vmulq_f32(by, bx));
                t = vaddq_f32(t, vmulq_f32(vld1q_f32(t01), vmulq_f32(by, ax)));
                t = vaddq_f32(t, vmulq_f32(vld1q_f32(t10), vmulq_f32(ay, bx)));
                t = vaddq_f32(t, vmulq_f32(vld1q_f32(t11), vmulq_f32(ay, ax)));
                vst1q_f32((float *)(void *)drow + x, t);
                continue;
            }
            int32x4_t wx0 = vsubq_s32(v32, vfx), wy0 = vsubq_s32(v32, vfy);
            int32x4_t w00 = vmulq_s32(vmulq_s32(wx0, wy0), v16);
            int32x4_t w01 = vmulq_s32(vmulq_s32(vfx, wy0), v16);
            int32x4_t w10 = vmulq_s32(vmulq_s32(wx0, vfy), v16);
            int32x4_t w11 = vmulq_s32(vmulq_s32(vfx, vfy), v16);
            for (int c = 0; c < cn; c++) {
                int32_t t00[4], t01[4], t10[4], t11[4];
                for (int l = 0; l < 4; l++) {
                    const uint8_t *r0 = j->src + (size_t)sy[l] * j->sstride +
                                        (size_t)sx[l] * cn + c;
                    const uint8_t *r1 = r0 + j->sstride;
                    t00[l] = r0[0], t01[l] = r0[cn], t10[l] = r1[0],
                    t11[l] = r1[cn];
                }
                int32x4_t v = vmulq_s32(vld1q_s32(t00), w00);
                v = vmlaq_s32(v, vld1q_s32(t01), w01);
                v = vmlaq_s32(v, vld1q_s32(t10), w10);
                v = vmlaq_s32(v, vld1q_s32(t11), w11);
                v = vshrq_n_s32(vaddq_s32(v, vround), SP__REMAP_WBITS);
                int32_t o[4];
                vst1q_s32(o, v);
                for (int l = 0; l < 4; l++)
                    drow[(size_t)(x + l) * cn + c] = (uint8_t)o[l];
            }
        }
        if (x < j->w)
            sp__undistort_span_scalar(j, y, x, j->w);
    }
    return SP_OK;
}
