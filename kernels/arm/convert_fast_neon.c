/* Convert, NEON, the fast YUV rule (sp_convert.h): 32 pixels a step in
 * 16-bit lanes. vld2/vld4 split luma into even and odd pixels, so each
 * chroma sample's products line up with both of its pixels without
 * duplication; vqrdmulh is pmulhrsw's (a * b + 2^14) >> 15, the luma
 * product is pmulhuw's high half. Bit-exact with the scalar fast rule. */
#include <arm_neon.h>

#include "convert_int.h"

typedef struct fastc {
    uint16x8_t yg;
    int16x8_t kvr, kug, kvg, kub, bias;
    uint8x16_t yoff, c128;
} fastc;

/* (Y' * 256 * yg) >> 16 + 32 for 8 pixels of y (Y' bytes). */
static inline int16x8_t luma8(const fastc *c, uint8x16_t y, int hi)
{
    const uint8x16_t z = vdupq_n_u8(0);
    uint16x8_t y256 =
        vreinterpretq_u16_u8(hi ? vzip2q_u8(z, y) : vzip1q_u8(z, y));
    uint32x4_t lo = vmull_u16(vget_low_u16(y256), vget_low_u16(c->yg));
    uint32x4_t up = vmull_high_u16(y256, c->yg);
    uint16x8_t h =
        vuzp2q_u16(vreinterpretq_u16_u32(lo), vreinterpretq_u16_u32(up));
    return vaddq_s16(vreinterpretq_s16_u16(h), c->bias);
}

static inline uint8x8_t out8(int16x8_t y, int16x8_t ch)
{
    return vqmovun_s16(vshrq_n_s16(vqaddq_s16(y, ch), 6));
}

void sp__convert_fast_neon(const sp__convert_job *j)
{
    const fastc c = {vdupq_n_u16((uint16_t)j->yg), vdupq_n_s16((int16_t)j->kvr),
                     vdupq_n_s16((int16_t)j->kug), vdupq_n_s16((int16_t)j->kvg),
                     vdupq_n_s16((int16_t)j->kub), vdupq_n_s16(32),
                     vdupq_n_u8((uint8_t)j->yoff), vdupq_n_u8(128)};
    const int bpp = j->to == SP__CV_RGBA ? 4 : 3;
    const uint32_t w = j->w;
    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        const uint8_t *uvp =
            j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        if (w < 32) {
            sp__convert_span_scalar(j, y, 0, w);
            continue;
        }
        /* The last step starts at w - 32 (even: chroma pairs stay aligned)
         * and rewrites some pixels with the same values. */
        for (uint32_t x = 0;; x += 32) {
            if (x + 32 > w)
                x = w - 32;
            uint8x16_t ye, yo, u8, v8;
            if (uvp) {
                uint8x16x2_t yy = vld2q_u8(s + x), cc = vld2q_u8(uvp + x);
                ye = yy.val[0];
                yo = yy.val[1];
                u8 = cc.val[0];
                v8 = cc.val[1];
            } else {
                uint8x16x4_t p = vld4q_u8(s + 2 * x); /* Y0 U Y1 V */
                ye = p.val[0];
                yo = p.val[2];
                u8 = p.val[1];
                v8 = p.val[3];
            }
            ye = vqsubq_u8(ye, c.yoff);
            yo = vqsubq_u8(yo, c.yoff);
            /* (U - 128) << 8 as int16 */
            int8x16_t us = vreinterpretq_s8_u8(veorq_u8(u8, c.c128));
            int8x16_t vs = vreinterpretq_s8_u8(veorq_u8(v8, c.c128));
            uint8x8_t re[2], ro[2], ge[2], go[2], be[2], bo[2];
            for (int h = 0; h < 2; h++) {
                int16x8_t u =
                    vshll_n_s8(h ? vget_high_s8(us) : vget_low_s8(us), 8);
                int16x8_t v =
                    vshll_n_s8(h ? vget_high_s8(vs) : vget_low_s8(vs), 8);
                int16x8_t cr = vqrdmulhq_s16(v, c.kvr);
                int16x8_t cb = vqrdmulhq_s16(u, c.kub);
                int16x8_t cg =
                    vaddq_s16(vqrdmulhq_s16(u, c.kug), vqrdmulhq_s16(v, c.kvg));
                int16x8_t le = luma8(&c, ye, h), lo = luma8(&c, yo, h);
                re[h] = out8(le, cr);
                ro[h] = out8(lo, cr);
                ge[h] = out8(le, cg);
                go[h] = out8(lo, cg);
                be[h] = out8(le, cb);
                bo[h] = out8(lo, cb);
            }
            uint8x16x2_t r =
                vzipq_u8(vcombine_u8(re[0], re[1]), vcombine_u8(ro[0], ro[1]));
            uint8x16x2_t g =
                vzipq_u8(vcombine_u8(ge[0], ge[1]), vcombine_u8(go[0], go[1]));
            uint8x16x2_t b =
                vzipq_u8(vcombine_u8(be[0], be[1]), vcombine_u8(bo[0], bo[1]));
            uint8_t *op = o + (size_t)x * (size_t)bpp;
            for (int q = 0; q < 2; q++) {
                uint8x16_t c0 = j->to == SP__CV_BGR ? b.val[q] : r.val[q];
                uint8x16_t c2 = j->to == SP__CV_BGR ? r.val[q] : b.val[q];
                if (j->to == SP__CV_RGBA) {
                    uint8x16x4_t p = {{c0, g.val[q], c2, vdupq_n_u8(255)}};
                    vst4q_u8(op + 64 * q, p);
                } else {
                    uint8x16x3_t p = {{c0, g.val[q], c2}};
                    vst3q_u8(op + 48 * q, p);
                }
            }
            if (x + 32 >= w)
                break;
        }
    }
}
