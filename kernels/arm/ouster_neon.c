/* Ouster column decoder, NEON: 4 beams a step. vld3q/vld4q de-interleave
 * four 12- or 16-byte pixels into one register per pixel word; the point
 * is computed with the float operations of sp__ouster_xyz() in its order
 * (separate multiplies and adds, never vfma). Bit-identical to
 * ouster_scalar.c. */
#include <arm_neon.h>

#include "ouster_int.h"

static inline void st16(uint16_t *dst, uint32x4_t v)
{
    vst1_u16(dst, vmovn_u32(v));
}

static inline void xyz4(const sp_ouster_plan *p, uint32_t b, float32x4_t ce,
                        float32x4_t se, uint32x4_t r, float *x, float *y,
                        float *z)
{
    float32x4_t rn = vsubq_f32(vcvtq_f32_u32(r), vld1q_f32(p->n + b));
    float32x4_t cxa = vld1q_f32(p->cxa + b), sxa = vld1q_f32(p->sxa + b);
    float32x4_t bx = vld1q_f32(p->bx + b);
    float32x4_t dx = vsubq_f32(vmulq_f32(ce, cxa), vmulq_f32(se, sxa));
    float32x4_t dy = vaddq_f32(vmulq_f32(se, cxa), vmulq_f32(ce, sxa));
    float32x4_t xl = vaddq_f32(vmulq_f32(rn, dx), vmulq_f32(bx, ce));
    float32x4_t yl = vaddq_f32(vmulq_f32(rn, dy), vmulq_f32(bx, se));
    float32x4_t zl =
        vaddq_f32(vmulq_f32(rn, vld1q_f32(p->sz + b)), vld1q_f32(p->bz + b));
    float *o[3] = {x, y, z};
    for (int k = 0; k < 3; k++) {
        float32x4_t a = vaddq_f32(vmulq_f32(vdupq_n_f32(p->R[3 * k]), xl),
                                  vmulq_f32(vdupq_n_f32(p->R[3 * k + 1]), yl));
        a = vaddq_f32(a, vmulq_f32(vdupq_n_f32(p->R[3 * k + 2]), zl));
        a = vaddq_f32(a, vdupq_n_f32(p->T[k]));
        vst1q_f32(o[k] + b, a);
    }
}

void sp__ouster_col_neon(const sp_ouster_plan *p, const uint8_t *px, uint32_t m,
                         sp_ouster_scan *s)
{
    const float32x4_t ce = vdupq_n_f32(p->ce[m]), se = vdupq_n_f32(p->se[m]);
    const size_t o = (size_t)m * p->beams;
    const uint32x4_t m16 = vdupq_n_u32(0xffff), m8 = vdupq_n_u32(0xff);
    uint32_t b = 0;
    for (; b + 4 <= p->beams; b += 4) {
        const uint8_t *q = px + (size_t)b * p->stride;
        uint32x4_t r, refl, sig, nir, r2 = vdupq_n_u32(0), refl2 = r2,
                                      sig2 = r2;
        switch (p->profile) {
        case SP_OUSTER_PKT_LEGACY: {
            uint32x4x3_t w = vld3q_u32((const uint32_t *)(const void *)q);
            r = vandq_u32(w.val[0], vdupq_n_u32(0xfffff));
            refl = vandq_u32(w.val[1], m16);
            sig = vshrq_n_u32(w.val[1], 16);
            nir = vandq_u32(w.val[2], m16);
            break;
        }
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16: {
            uint32x4x3_t w = vld3q_u32((const uint32_t *)(const void *)q);
            r = vandq_u32(w.val[0], vdupq_n_u32(0x7ffff));
            refl = vandq_u32(w.val[1], m8);
            sig = vshrq_n_u32(w.val[1], 16);
            nir = vandq_u32(w.val[2], m16);
            break;
        }
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16_DUAL: {
            uint32x4x4_t w = vld4q_u32((const uint32_t *)(const void *)q);
            r = vandq_u32(w.val[0], vdupq_n_u32(0x7ffff));
            refl = vshrq_n_u32(w.val[0], 24);
            r2 = vandq_u32(w.val[1], vdupq_n_u32(0x7ffff));
            refl2 = vshrq_n_u32(w.val[1], 24);
            sig = vandq_u32(w.val[2], m16);
            sig2 = vshrq_n_u32(w.val[2], 16);
            nir = vandq_u32(w.val[3], m16);
            break;
        }
        default: { /* RNG15_RFL8_NIR8 */
            uint32x4_t w0 = vld1q_u32((const uint32_t *)(const void *)q);
            r = vshlq_n_u32(vandq_u32(w0, vdupq_n_u32(0x7fff)), 3);
            refl = vandq_u32(vshrq_n_u32(w0, 16), m8);
            sig = vdupq_n_u32(0);
            nir = vshlq_n_u32(vshrq_n_u32(w0, 24), 4);
            break;
        }
        }
        vst1q_u32(s->range[0] + o + b, r);
        st16(s->reflectivity[0] + o + b, refl);
        st16(s->signal[0] + o + b, sig);
        st16(s->nir + o + b, nir);
        xyz4(p, b, ce, se, r, s->x[0] + o, s->y[0] + o, s->z[0] + o);
        if (p->returns == 2) {
            vst1q_u32(s->range[1] + o + b, r2);
            st16(s->reflectivity[1] + o + b, refl2);
            st16(s->signal[1] + o + b, sig2);
            xyz4(p, b, ce, se, r2, s->x[1] + o, s->y[1] + o, s->z[1] + o);
        }
    }
    sp__ouster_pixels(p, px, b, m, s);
}
