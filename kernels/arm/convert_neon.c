/* Convert, NEON: 16 pixels per step. vld3/vld4 de-interleave packed
 * sources, YUV goes through the scalar reference's 20-bit fixed point in
 * 32-bit lanes (saturating narrows do the clamp), vst3/vst4 interleave the
 * target. Row tails go through the scalar span. */
#include <arm_neon.h>

#include "convert_int.h"

typedef struct yuvc {
    int32x4_t yoff, zero, bias, c256;
    int32_t cy, cvr, cug, cvg, cub;
} yuvc;

static inline uint16x4_t descale4(const yuvc *c, int32x4_t s)
{
    int32x4_t v =
        vsubq_s32(vshrq_n_s32(vaddq_s32(s, c->bias), SP__CV_SHIFT), c->c256);
    return vqmovun_s32(v); /* < 0 -> 0; > 255 saturates below */
}

/* Four pixels: Y, U, V widened to int32. */
static inline void yuv4(const yuvc *c, int32x4_t Y, int32x4_t U, int32x4_t V,
                        uint16x4_t out[4])
{
    int32x4_t yp =
        vmulq_n_s32(vmaxq_s32(vsubq_s32(Y, c->yoff), c->zero), c->cy);
    int32x4_t u = vsubq_s32(U, vdupq_n_s32(128)),
              v = vsubq_s32(V, vdupq_n_s32(128));
    out[0] = descale4(c, vaddq_s32(yp, vmulq_n_s32(v, c->cvr)));
    out[1] = descale4(c, vaddq_s32(yp, vaddq_s32(vmulq_n_s32(u, c->cug),
                                                 vmulq_n_s32(v, c->cvg))));
    out[2] = descale4(c, vaddq_s32(yp, vmulq_n_s32(u, c->cub)));
    out[3] = descale4(c, yp);
}

static inline int32x4_t widen(uint8x16_t v, int q)
{
    uint16x8_t h = q < 2 ? vmovl_u8(vget_low_u8(v)) : vmovl_u8(vget_high_u8(v));
    return vreinterpretq_s32_u32((q & 1) ? vmovl_u16(vget_high_u16(h))
                                         : vmovl_u16(vget_low_u16(h)));
}

/* 16 pixels of Y, U, V (chroma already one per pixel) to R, G, B, gray. */
static void yuv16(const yuvc *c, uint8x16_t Y, uint8x16_t U, uint8x16_t V,
                  uint8x16_t rgbg[4])
{
    uint16x4_t part[4][4];
    for (int q = 0; q < 4; q++)
        yuv4(c, widen(Y, q), widen(U, q), widen(V, q), part[q]);
    for (int ch = 0; ch < 4; ch++)
        rgbg[ch] =
            vcombine_u8(vqmovn_u16(vcombine_u16(part[0][ch], part[1][ch])),
                        vqmovn_u16(vcombine_u16(part[2][ch], part[3][ch])));
}

static inline uint8x8_t gray8(uint8x8_t r, uint8x8_t g, uint8x8_t b)
{
    uint16x8_t r16 = vmovl_u8(r), g16 = vmovl_u8(g), b16 = vmovl_u8(b);
    uint32x4_t lo = vmull_n_u16(vget_low_u16(r16), 9798);
    lo = vmlal_n_u16(lo, vget_low_u16(g16), 19235);
    lo = vmlal_n_u16(lo, vget_low_u16(b16), 3735);
    uint32x4_t hi = vmull_n_u16(vget_high_u16(r16), 9798);
    hi = vmlal_n_u16(hi, vget_high_u16(g16), 19235);
    hi = vmlal_n_u16(hi, vget_high_u16(b16), 3735);
    /* vrshrn: (s + 2^14) >> 15, the reference's rounding */
    return vmovn_u16(vcombine_u16(vrshrn_n_u32(lo, 15), vrshrn_n_u32(hi, 15)));
}

void sp__convert_neon(const sp__convert_job *j)
{
    if (j->fast && (j->from == SP__CV_NV12 || j->from == SP__CV_YUYV) &&
        j->to != SP__CV_GRAY) {
        sp__convert_fast_neon(j);
        return;
    }
    const yuvc c = {vdupq_n_s32(j->yoff),
                    vdupq_n_s32(0),
                    vdupq_n_s32(SP__CV_BIAS),
                    vdupq_n_s32(256),
                    j->cy,
                    j->cvr,
                    j->cug,
                    j->cvg,
                    j->cub};
    const uint8x16_t alpha = vdupq_n_u8(255);
    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        const uint8_t *uv =
            j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        for (; x + 16 <= j->w; x += 16) {
            uint8x16_t r, g, b, a = alpha, gray = alpha;
            int have_gray = 0;
            switch (j->from) {
            case SP__CV_RGB:
            case SP__CV_BGR: {
                uint8x16x3_t p = vld3q_u8(s + 3 * x);
                r = j->from == SP__CV_RGB ? p.val[0] : p.val[2];
                g = p.val[1];
                b = j->from == SP__CV_RGB ? p.val[2] : p.val[0];
                break;
            }
            case SP__CV_RGBA: {
                uint8x16x4_t p = vld4q_u8(s + 4 * x);
                r = p.val[0];
                g = p.val[1];
                b = p.val[2];
                a = p.val[3];
                break;
            }
            case SP__CV_GRAY:
                r = g = b = gray = vld1q_u8(s + x);
                have_gray = 1;
                break;
            case SP__CV_NV12: {
                uint8x8x2_t ch = vld2_u8(uv + x);
                uint8x8x2_t uu = vzip_u8(ch.val[0], ch.val[0]),
                            vv = vzip_u8(ch.val[1], ch.val[1]);
                uint8x16_t out[4];
                yuv16(&c, vld1q_u8(s + x), vcombine_u8(uu.val[0], uu.val[1]),
                      vcombine_u8(vv.val[0], vv.val[1]), out);
                r = out[0];
                g = out[1];
                b = out[2];
                gray = out[3];
                have_gray = 1;
                break;
            }
            default: { /* YUYV: Y0 U Y1 V per pixel pair */
                uint8x8x4_t p = vld4_u8(s + 2 * x);
                uint8x8x2_t yy = vzip_u8(p.val[0], p.val[2]);
                uint8x8x2_t uu = vzip_u8(p.val[1], p.val[1]),
                            vv = vzip_u8(p.val[3], p.val[3]);
                uint8x16_t out[4];
                yuv16(&c, vcombine_u8(yy.val[0], yy.val[1]),
                      vcombine_u8(uu.val[0], uu.val[1]),
                      vcombine_u8(vv.val[0], vv.val[1]), out);
                r = out[0];
                g = out[1];
                b = out[2];
                gray = out[3];
                have_gray = 1;
                break;
            }
            }
            switch (j->to) {
            case SP__CV_GRAY:
                if (!have_gray)
                    gray = vcombine_u8(
                        gray8(vget_low_u8(r), vget_low_u8(g), vget_low_u8(b)),
                        gray8(vget_high_u8(r), vget_high_u8(g),
                              vget_high_u8(b)));
                vst1q_u8(o + x, gray);
                break;
            case SP__CV_RGBA: {
                uint8x16x4_t p = {{r, g, b, a}};
                vst4q_u8(o + 4 * x, p);
                break;
            }
            default: {
                uint8x16x3_t p;
                p.val[0] = j->to == SP__CV_BGR ? b : r;
                p.val[1] = g;
                p.val[2] = j->to == SP__CV_BGR ? r : b;
                vst3q_u8(o + 3 * x, p);
                break;
            }
            }
        }
        sp__convert_span_scalar(j, y, x, j->w);
    }
}
