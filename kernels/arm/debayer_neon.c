/* Debayer, NEON: 16 pixels (8-bit) or 8 pixels (16-bit) of a row per step,
 * from a red/blue site, the same arithmetic as the scalar reference: 4-sums
 * in wider lanes with a rounding shift (vrshr: (s + 2) >> 2), 2-means with
 * vrhadd ((a + b + 1) >> 1), interleaved by vst3. Borders and row tails go
 * through the scalar span. */
#include <arm_neon.h>

#include "debayer_int.h"

static uint32_t row8(const sp__debayer_job *j, const uint8_t *u,
                     const uint8_t *c, const uint8_t *d, uint8_t *o,
                     uint32_t xs, int swap_rb)
{
    const uint16x8_t lo = vdupq_n_u16(0x00ff);
    const uint8x16_t odd = vreinterpretq_u8_u16(vdupq_n_u16(0xff00));
    uint32_t x = xs;
    for (; x + 17 <= j->w; x += 16) {
        uint8x16_t U0 = vld1q_u8(u + x), Um = vld1q_u8(u + x - 1);
        uint8x16_t D0 = vld1q_u8(d + x), Dm = vld1q_u8(d + x - 1);
        uint8x16_t C0 = vld1q_u8(c + x), Cm = vld1q_u8(c + x - 1),
                   Cp = vld1q_u8(c + x + 1);
        uint16x8_t u0 = vreinterpretq_u16_u8(U0), um = vreinterpretq_u16_u8(Um);
        uint16x8_t d0 = vreinterpretq_u16_u8(D0), dm = vreinterpretq_u16_u8(Dm);
        uint16x8_t c0 = vreinterpretq_u16_u8(C0), cm = vreinterpretq_u16_u8(Cm);
        uint16x8_t vsE = vaddq_u16(vandq_u16(u0, lo), vandq_u16(d0, lo));
        uint16x8_t vsO = vaddq_u16(vshrq_n_u16(u0, 8), vshrq_n_u16(d0, 8));
        uint16x8_t vsOm = vaddq_u16(vandq_u16(um, lo), vandq_u16(dm, lo));
        uint16x8_t hsE = vaddq_u16(vandq_u16(cm, lo), vshrq_n_u16(c0, 8));
        uint8x16_t x4 =
            vreinterpretq_u8_u16(vrshrq_n_u16(vaddq_u16(vsE, hsE), 2));
        uint8x16_t d4 =
            vreinterpretq_u8_u16(vrshrq_n_u16(vaddq_u16(vsO, vsOm), 2));
        uint8x16_t avgH = vrhaddq_u8(Cm, Cp), avgV = vrhaddq_u8(U0, D0);
        uint8x16_t g = x4;
        if (j->ea) {
            uint8x16_t dh = vabdq_u8(Cm, Cp), dv = vabdq_u8(U0, D0);
            g = vbslq_u8(vcltq_u8(dh, dv), avgH, g);
            g = vbslq_u8(vcltq_u8(dv, dh), avgV, g);
        }
        uint8x16_t colour = vbslq_u8(odd, avgH, C0);
        uint8x16_t green = vbslq_u8(odd, C0, g);
        uint8x16_t other = vbslq_u8(odd, avgV, d4);
        uint8x16x3_t px;
        px.val[0] = swap_rb ? other : colour;
        px.val[1] = green;
        px.val[2] = swap_rb ? colour : other;
        vst3q_u8(o + 3 * (size_t)x, px);
    }
    return x;
}

static uint32_t row16(const sp__debayer_job *j, const uint16_t *u,
                      const uint16_t *c, const uint16_t *d, uint16_t *o,
                      uint32_t xs, int swap_rb)
{
    const uint32x4_t lo = vdupq_n_u32(0xffff);
    const uint16x8_t odd = vreinterpretq_u16_u32(vdupq_n_u32(0xffff0000u));
    uint32_t x = xs;
    for (; x + 9 <= j->w; x += 8) {
        uint16x8_t U0 = vld1q_u16(u + x), Um = vld1q_u16(u + x - 1);
        uint16x8_t D0 = vld1q_u16(d + x), Dm = vld1q_u16(d + x - 1);
        uint16x8_t C0 = vld1q_u16(c + x), Cm = vld1q_u16(c + x - 1),
                   Cp = vld1q_u16(c + x + 1);
        uint32x4_t u0 = vreinterpretq_u32_u16(U0),
                   um = vreinterpretq_u32_u16(Um);
        uint32x4_t d0 = vreinterpretq_u32_u16(D0),
                   dm = vreinterpretq_u32_u16(Dm);
        uint32x4_t c0 = vreinterpretq_u32_u16(C0),
                   cm = vreinterpretq_u32_u16(Cm);
        uint32x4_t vsE = vaddq_u32(vandq_u32(u0, lo), vandq_u32(d0, lo));
        uint32x4_t vsO = vaddq_u32(vshrq_n_u32(u0, 16), vshrq_n_u32(d0, 16));
        uint32x4_t vsOm = vaddq_u32(vandq_u32(um, lo), vandq_u32(dm, lo));
        uint32x4_t hsE = vaddq_u32(vandq_u32(cm, lo), vshrq_n_u32(c0, 16));
        uint16x8_t x4 =
            vreinterpretq_u16_u32(vrshrq_n_u32(vaddq_u32(vsE, hsE), 2));
        uint16x8_t d4 =
            vreinterpretq_u16_u32(vrshrq_n_u32(vaddq_u32(vsO, vsOm), 2));
        uint16x8_t avgH = vrhaddq_u16(Cm, Cp), avgV = vrhaddq_u16(U0, D0);
        uint16x8_t g = x4;
        if (j->ea) {
            uint16x8_t dh = vabdq_u16(Cm, Cp), dv = vabdq_u16(U0, D0);
            g = vbslq_u16(vcltq_u16(dh, dv), avgH, g);
            g = vbslq_u16(vcltq_u16(dv, dh), avgV, g);
        }
        uint16x8_t colour = vbslq_u16(odd, avgH, C0);
        uint16x8_t green = vbslq_u16(odd, C0, g);
        uint16x8_t other = vbslq_u16(odd, avgV, d4);
        uint16x8x3_t px;
        px.val[0] = swap_rb ? other : colour;
        px.val[1] = green;
        px.val[2] = swap_rb ? colour : other;
        vst3q_u16(o + 3 * (size_t)x, px);
    }
    return x;
}

/* One row through the 8- or 16-bit vector loop. */
static uint32_t row_any(const sp__debayer_job *j, const sp__debayer_row *r,
                        const void *ctx)
{
    (void)ctx;
    if (j->wide)
        return row16(j, (const uint16_t *)(const void *)r->u,
                     (const uint16_t *)(const void *)r->c,
                     (const uint16_t *)(const void *)r->d,
                     (uint16_t *)(void *)r->o, r->xs, r->swap_rb);
    return row8(j, r->u, r->c, r->d, r->o, r->xs, r->swap_rb);
}

void sp__debayer_neon(const sp__debayer_job *j)
{
    sp__debayer_drive(j, row_any, NULL);
}
