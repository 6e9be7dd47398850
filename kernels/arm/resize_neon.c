/* resize, NEON: the vertical pass of linear (8-bit: 16-bit products
 * shifted as OpenCV's VResizeLinear<uchar>; F32: multiply and add), the
 * horizontal taps from 16-byte windows, RGBA8's from one 8-byte load a
 * pixel (rows not reused go through both passes in registers), and the
 * area accumulation and the 8-bit 2x path are vectorised; area's box sums,
 * F32 2x and nearest reuse the scalar code. Bit-exact with
 * resize_scalar.c. */
#include <arm_neon.h>
#include <string.h>

#include "resize_int.h"

/* Horizontal taps of 8 output elements from two 16-byte windows: a table
 * lookup (indices 0x80 give 0) makes (tap0, tap1) int16 pairs, widening
 * multiplies by the weight pairs and pairwise adds give H, kept as H >> 4.
 * Blocks that do not fit a window, and the row tail, use the scalar code. */
/* pf (or NULL): the next source row to filter, prefetched meanwhile. */
static void hrow_u8(const sp__resize_plan *p, const sp__resize_windows *wtp,
                    const uint8_t *s, int16_t *h, const uint8_t *pf)
{
    /* The table's pointers in a local copy, which the vector stores below
     * cannot alias (an intrinsic's store may alias anything): they stay in
     * registers (7 % of an AVX2 RGB8 resize when reloaded every step). */
    const sp__resize_windows w = *wtp, *wt = &w;
    sp__resize_prefetch pfs = sp__resize_prefetch_init(p, pf, p->n / 8);
    int i = 0;
    for (; i + 8 <= p->n; i += 8) {
        sp__resize_prefetch_step(&pfs);
        int b = i / 4;
        if ((wt->base[b] | wt->base[b + 1]) < 0)
            break;
        int16x8_t pa = vreinterpretq_s16_u8(vqtbl1q_u8(
            vld1q_u8(s + wt->base[b]), vld1q_u8(wt->mask + 16 * (size_t)b)));
        int16x8_t pb = vreinterpretq_s16_u8(
            vqtbl1q_u8(vld1q_u8(s + wt->base[b + 1]),
                       vld1q_u8(wt->mask + 16 * (size_t)b + 16)));
        int16x8_t wa = vld1q_s16(p->ia + 2 * i),
                  wb = vld1q_s16(p->ia + 2 * i + 8);
        int32x4_t ha =
            vpaddq_s32(vmull_s16(vget_low_s16(pa), vget_low_s16(wa)),
                       vmull_s16(vget_high_s16(pa), vget_high_s16(wa)));
        int32x4_t hb =
            vpaddq_s32(vmull_s16(vget_low_s16(pb), vget_low_s16(wb)),
                       vmull_s16(vget_high_s16(pb), vget_high_s16(wb)));
        vst1q_s16(h + i, vcombine_s16(vshrn_n_s32(ha, 4), vshrn_n_s32(hb, 4)));
    }
    sp__resize_prefetch_rest(&pfs);
    sp__resize_hrow_u8(p, s, h, i);
}

/* RGBA8: both taps of an output pixel lie in the 8 bytes at its x0 (x1 =
 * x0 + 4, or x1 = x0 with weight 0 at the right edge, where x0 + 4 is then
 * read with weight 0): one 8-byte load widened holds tap 0's four channels
 * then tap 1's, and a de-interleaving load of the weight pairs gives each
 * tap's four weights. No window table and no scalar blocks (the generic
 * rows above stop at the first block whose taps do not fit a window).
 * H >> 4 of the pixel at element i. */
static inline int16x4_t tap_rgba(const sp__resize_plan *p, const uint8_t *s,
                                 int i)
{
    int16x8_t v = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(s + p->x0[i])));
    int16x4x2_t w = vld2_s16(p->ia + 2 * i);
    return vshrn_n_s32(vmlal_s16(vmull_s16(vget_low_s16(v), w.val[0]),
                                 vget_high_s16(v), w.val[1]),
                       4);
}

/* Elements i .. i + 7 (two pixels) as int16, in order. */
static inline int16x8_t taps2_rgba(const sp__resize_plan *p, const uint8_t *s,
                                   int i)
{
    return vcombine_s16(tap_rgba(p, s, i), tap_rgba(p, s, i + 4));
}

/* An RGBA8 row's horizontal pass: two pixels a step while a step's last
 * pixel has its 8 bytes in the row (x0 does not decrease), then the scalar
 * pieces. */
static void hrow_rgba(const sp__resize_plan *p, const uint8_t *s, int16_t *h,
                      const uint8_t *pf)
{
    sp__resize_prefetch pfs = sp__resize_prefetch_init(p, pf, p->n / 8);
    int i = 0;
    for (; i + 8 <= p->n && p->x0[i + 4] + 8 <= p->srow; i += 8) {
        sp__resize_prefetch_step(&pfs);
        vst1q_s16(h + i, taps2_rgba(p, s, i));
    }
    sp__resize_prefetch_rest(&pfs);
    sp__resize_hrow_u8(p, s, h, i);
}

/* OpenCV's vertical step on 8 elements (H >> 4) of the two rows. */
static inline uint8x8_t vmix(int16x8_t a, int16x8_t c, int16x4_t vb0,
                             int16x4_t vb1)
{
    int32x4_t lo = vaddq_s32(vshrq_n_s32(vmull_s16(vget_low_s16(a), vb0), 16),
                             vshrq_n_s32(vmull_s16(vget_low_s16(c), vb1), 16));
    int32x4_t hi = vaddq_s32(vshrq_n_s32(vmull_s16(vget_high_s16(a), vb0), 16),
                             vshrq_n_s32(vmull_s16(vget_high_s16(c), vb1), 16));
    int16x8_t t = vcombine_s16(vmovn_s32(lo), vmovn_s32(hi));
    return vqmovun_s16(vshrq_n_s16(vaddq_s16(t, vdupq_n_s16(2)), 2));
}

/* RGBA8, an output row whose two source rows are both new and not needed
 * again (see kernels/resize_linear.c): both horizontal passes and the vertical
 * one in registers, four pixels a step, as AVX2's fused_rgba. Returns the
 * element it stopped at: the row loop does the tail. pf0 and pf1 (or
 * NULL), the next output row's source rows, are prefetched meanwhile. */
static int fused_rgba(const sp__resize_plan *p, const uint8_t *s0,
                      const uint8_t *s1, int16_t b0, int16_t b1, uint8_t *d,
                      const uint8_t *pf0, const uint8_t *pf1, int stream)
{
    (void)stream; /* cached stores only here */
    const int16x4_t vb0 = vdup_n_s16(b0), vb1 = vdup_n_s16(b1);
    sp__resize_prefetch q0 = sp__resize_prefetch_init(p, pf0, p->n / 16);
    sp__resize_prefetch q1 = sp__resize_prefetch_init(p, pf1, p->n / 16);
    int i = 0;
    for (; i + 16 <= p->n && p->x0[i + 12] + 8 <= p->srow; i += 16) {
        sp__resize_prefetch_step(&q0);
        sp__resize_prefetch_step(&q1);
        uint8x8_t lo =
            vmix(taps2_rgba(p, s0, i), taps2_rgba(p, s1, i), vb0, vb1);
        uint8x8_t hi =
            vmix(taps2_rgba(p, s0, i + 8), taps2_rgba(p, s1, i + 8), vb0, vb1);
        vst1q_u8(d + i, vcombine_u8(lo, hi));
    }
    sp__resize_prefetch_rest(&q0);
    sp__resize_prefetch_rest(&q1);
    return i;
}

static void vrow_u8(const sp__resize_plan *p, const int16_t *h0,
                    const int16_t *h1, int16_t b0, int16_t b1, uint8_t *d,
                    int stream)
{
    (void)stream;
    const int16x4_t vb0 = vdup_n_s16(b0), vb1 = vdup_n_s16(b1);
    int i = 0;
    for (; i + 8 <= p->n; i += 8)
        vst1_u8(d + i, vmix(vld1q_s16(h0 + i), vld1q_s16(h1 + i), vb0, vb1));
    sp__resize_vrow_u8(p, h0, h1, b0, b1, d, i);
}

static void vrow_f32(const sp__resize_plan *p, const float *h0, const float *h1,
                     float b0, float b1, float *d)
{
    int i = 0;
    for (; i + 4 <= p->n; i += 4) {
        float32x4_t t0 = vmulq_n_f32(vld1q_f32(h0 + i), b0);
        float32x4_t t1 = vmulq_n_f32(vld1q_f32(h1 + i), b1);
        vst1q_f32(d + i, vaddq_f32(t0, t1));
    }
    sp__resize_vrow_f32(p, h0, h1, b0, b1, d, i);
}

static const sp__resize_rows neon_rows = {
    .hrow_u8 = hrow_u8,
    .hrow_rgba = hrow_rgba,
    .fused_rgba = fused_rgba,
    .vrow_u8 = vrow_u8,
    .vrow_f32 = vrow_f32,
    .windows = 1,
};

static int area_neon(sp_kctx *k, const sp__resize_plan *p)
{
    float *v = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS,
                                (size_t)p->srow * sizeof(float));
    float *h = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS + 1,
                                (size_t)p->n * sizeof(float));
    if (!v || !h)
        return SP_ENOMEM;
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        const float *wy = p->aw_y + p->ayw[dy];
        int x = 0;
        for (; x + 4 <= p->srow; x += 4) {
            float32x4_t acc = vdupq_n_f32(0.f);
            for (int j = 0; j < p->ayn[dy]; j++) {
                const uint8_t *s = sp__resize_src_row(p, p->ays[dy] + j);
                float32x4_t px;
                if (p->f32) {
                    px = vld1q_f32((const float *)(const void *)s + x);
                } else {
                    uint32_t q;
                    memcpy(&q, s + x, 4);
                    uint16x4_t u = vget_low_u16(vmovl_u8(vcreate_u8(q)));
                    px = vcvtq_f32_u32(vmovl_u16(u));
                }
                acc = vaddq_f32(acc, vmulq_n_f32(px, wy[j]));
            }
            vst1q_f32(v + x, acc);
        }
        sp__resize_area_vrow(p, dy, v, x);
        sp__resize_area_hrow(p, v, h);
        sp__resize_area_store(p, h, sp__resize_dst_row(p, dy), 0);
    }
    return SP_OK;
}

/* 2x down, 8-bit, 1, 3 or 4 channels: vld1/vld3/vld4 split 16 source
 * pixels by channel, pairwise widening adds give the horizontal pair sums
 * of both rows, and a rounding narrow by 2 is the scalar (sum + 2) >> 2. */
static void half_row(const sp__resize_plan *p, uint32_t dy)
{
    int dx = 0;
    const uint8_t *r0 = sp__resize_src_row(p, (int32_t)(2 * dy));
    const uint8_t *r1 = sp__resize_src_row(p, (int32_t)(2 * dy + 1));
    uint8_t *d = sp__resize_dst_row(p, dy);
    if (!p->f32) {
        for (; dx + 8 <= (int)p->dw; dx += 8) {
            size_t o = (size_t)dx * 2 * (size_t)p->cn;
            uint8_t *dp = d + (size_t)dx * (size_t)p->cn;
            if (p->cn == 1) {
                uint16x8_t s = vaddq_u16(vpaddlq_u8(vld1q_u8(r0 + o)),
                                         vpaddlq_u8(vld1q_u8(r1 + o)));
                vst1_u8(dp, vrshrn_n_u16(s, 2));
            } else if (p->cn == 3) {
                uint8x16x3_t a = vld3q_u8(r0 + o), b = vld3q_u8(r1 + o);
                uint8x8x3_t v;
                for (int c = 0; c < 3; c++)
                    v.val[c] = vrshrn_n_u16(
                        vaddq_u16(vpaddlq_u8(a.val[c]), vpaddlq_u8(b.val[c])),
                        2);
                vst3_u8(dp, v);
            } else if (p->cn == 4) {
                uint8x16x4_t a = vld4q_u8(r0 + o), b = vld4q_u8(r1 + o);
                uint8x8x4_t v;
                for (int c = 0; c < 4; c++)
                    v.val[c] = vrshrn_n_u16(
                        vaddq_u16(vpaddlq_u8(a.val[c]), vpaddlq_u8(b.val[c])),
                        2);
                vst4_u8(dp, v);
            } else {
                break;
            }
        }
    }
    sp__resize_half_row(p, dy, dx);
}

int sp__resize_neon(sp_kctx *k, const sp__resize_plan *p)
{
    switch (p->method) {
    case SP_RESIZE_NEAREST:
        for (uint32_t dy = 0; dy < p->dh; dy++)
            sp__resize_nearest_row(p, dy);
        return SP_OK;
    case SP_RESIZE_AREA:
        return area_neon(k, p);
    default:
        if (p->half) {
            for (uint32_t dy = 0; dy < p->dh; dy++)
                half_row(p, dy);
            return SP_OK;
        }
        return sp__resize_linear(k, p, &neon_rows);
    }
}
