/* unpack, NEON (AArch64): 4 records a step; the two passes of
 * unpack_avx2.c with one record per register (a 4x4 dword transpose with
 * zip1/zip2 per window). Conversions: mul then add in float64x2 (never
 * fmla) and fcvtn, which rounds as the C cast does; to u16 by fcvtzu
 * (NaN -> 0, negatives -> 0, truncation) and saturating narrows, the
 * scalar clamps. Bit-identical to unpack_scalar.c. */
#include <arm_neon.h>

#include "unpack_int.h"

#define CHUNK SP__UNPACK_CHUNK

static inline uint32x4_t ld(const uint8_t *p)
{
    return vreinterpretq_u32_u8(vld1q_u8(p));
}

static inline uint32x4_t zip_lo64(uint32x4_t a, uint32x4_t b)
{
    return vreinterpretq_u32_u64(
        vzip1q_u64(vreinterpretq_u64_u32(a), vreinterpretq_u64_u32(b)));
}

static inline uint32x4_t zip_hi64(uint32x4_t a, uint32x4_t b)
{
    return vreinterpretq_u32_u64(
        vzip2q_u64(vreinterpretq_u64_u32(a), vreinterpretq_u64_u32(b)));
}

static void transpose(const sp__unpack_plan *p, const sp__unpack_window *w,
                      const uint8_t *rec, size_t m, size_t o,
                      uint32_t tmp[4][CHUNK])
{
    uint32_t *out[4];
    for (unsigned j = 0; j < 4; j++)
        out[j] = !(w->lanes >> j & 1)  ? NULL
                 : w->direct >> j & 1 ? (uint32_t *)p->cols[w->dcol[j]].dst + o
                                      : tmp[j];
    const size_t step = p->step;
    const int lo = (w->lanes & 3) != 0, hi = (w->lanes & 12) != 0;
    const uint8_t *s = rec + w->base;
    for (size_t i = 0; i < m; i += 4, s += 4 * step) {
        uint32x4_t a = ld(s), b = ld(s + step), c = ld(s + 2 * step);
        uint32x4_t d = ld(s + 3 * step);
        if (lo) {
            uint32x4_t t0 = vzip1q_u32(a, b), t1 = vzip1q_u32(c, d);
            if (out[0])
                vst1q_u32(out[0] + i, zip_lo64(t0, t1));
            if (out[1])
                vst1q_u32(out[1] + i, zip_hi64(t0, t1));
        }
        if (hi) {
            uint32x4_t t2 = vzip2q_u32(a, b), t3 = vzip2q_u32(c, d);
            if (out[2])
                vst1q_u32(out[2] + i, zip_lo64(t2, t3));
            if (out[3])
                vst1q_u32(out[3] + i, zip_hi64(t2, t3));
        }
    }
}

/* See unpack_avx2.c: shift right by `at`, swap a 2-byte element's bytes,
 * shift left by `keep` and back (arithmetically when signed). NEON shifts
 * right by a negative left shift. */
typedef struct cut {
    int32x4_t at, up, down;
    int size, sign, swap;
} cut;

static inline cut make_cut(const sp__unpack_colplan *c, unsigned byte,
                           int sign, int swap)
{
    int keep = 32 - 8 * c->size;
    cut k = {.at = vdupq_n_s32(-8 * (int)byte),
             .up = vdupq_n_s32(keep),
             .down = vdupq_n_s32(-keep),
             .size = c->size,
             .sign = sign,
             .swap = swap};
    return k;
}

static inline uint32x4_t field(const uint32_t *lane, const cut *k)
{
    uint32x4_t x = vld1q_u32(lane);
    if (k->size == 4)
        return k->swap ? vreinterpretq_u32_u8(
                             vrev32q_u8(vreinterpretq_u8_u32(x)))
                       : x;
    x = vshlq_u32(x, k->at);
    if (k->swap && k->size == 2) {
        const uint32x4_t ff = vdupq_n_u32(0xff);
        x = vorrq_u32(vshlq_n_u32(vandq_u32(x, ff), 8),
                      vandq_u32(vshrq_n_u32(x, 8), ff));
    }
    x = vshlq_u32(x, k->up);
    return k->sign ? vreinterpretq_u32_s32(
                         vshlq_s32(vreinterpretq_s32_u32(x), k->down))
                   : vshlq_u32(x, k->down);
}

static inline float32x4_t affine(float64x2_t lo, float64x2_t hi,
                                 float64x2_t s, float64x2_t b)
{
    lo = vaddq_f64(vmulq_f64(lo, s), b);
    hi = vaddq_f64(vmulq_f64(hi, s), b);
    return vcvt_high_f32_f64(vcvt_f32_f64(lo), hi);
}

/* int32 lanes (sign- or zero-extended values) to double. */
static inline void to_f64(uint32x4_t x, sp_unpack_type t, float64x2_t *lo,
                          float64x2_t *hi)
{
    if (t == SP_UNPACK_F32) {
        float32x4_t f = vreinterpretq_f32_u32(x);
        *lo = vcvt_f64_f32(vget_low_f32(f));
        *hi = vcvt_high_f64_f32(f);
    } else if (t == SP_UNPACK_U32) {
        *lo = vcvtq_f64_u64(vmovl_u32(vget_low_u32(x)));
        *hi = vcvtq_f64_u64(vmovl_high_u32(x));
    } else {
        int32x4_t y = vreinterpretq_s32_u32(x);
        *lo = vcvtq_f64_s64(vmovl_s32(vget_low_s32(y)));
        *hi = vcvtq_f64_s64(vmovl_high_s32(y));
    }
}

/* 4 elements to uint16 by the TO_U16 rules. */
static inline uint16x4_t to_u16(uint32x4_t x, sp_unpack_type t)
{
    if (t == SP_UNPACK_F32)
        return vqmovn_u32(vcvtq_u32_f32(vreinterpretq_f32_u32(x)));
    if (t == SP_UNPACK_U32)
        return vqmovn_u32(x);
    return vqmovun_s32(vreinterpretq_s32_u32(x));
}

static void convert(const sp__unpack_colplan *c, const uint32_t *lane,
                    unsigned byte, size_t m, size_t o, int swap)
{
    const sp_unpack_type t = (sp_unpack_type)c->type;
    const int sign = t == SP_UNPACK_I8 || t == SP_UNPACK_I16;
    if (c->op == SP_UNPACK_COPY) {
        cut k = make_cut(c, byte, 0, swap);
        if (c->size == 4) {
            uint32_t *d = (uint32_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 4)
                vst1q_u32(d + i, field(lane + i, &k));
        } else if (c->size == 2) {
            uint16_t *d = (uint16_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 4)
                vst1_u16(d + i, vmovn_u32(field(lane + i, &k)));
        } else {
            uint8_t *d = (uint8_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 8) {
                uint16x8_t w = vcombine_u16(vmovn_u32(field(lane + i, &k)),
                                            vmovn_u32(field(lane + i + 4, &k)));
                vst1_u8(d + i, vmovn_u16(w));
            }
        }
    } else if (c->op == SP_UNPACK_TO_F32) {
        cut k = make_cut(c, byte, sign, swap);
        const float64x2_t s = vdupq_n_f64(c->scale), b = vdupq_n_f64(c->bias);
        float *d = (float *)c->dst + o;
        for (size_t i = 0; i < m; i += 4) {
            float64x2_t lo, hi;
            to_f64(field(lane + i, &k), t, &lo, &hi);
            vst1q_f32(d + i, affine(lo, hi, s, b));
        }
    } else {
        cut k = make_cut(c, byte, sign, swap);
        uint16_t *d = (uint16_t *)c->dst + o;
        for (size_t i = 0; i < m; i += 4)
            vst1_u16(d + i, to_u16(field(lane + i, &k), t));
    }
}

/* Doubles of records 0 and 1 at p and p + step, swapped when asked. */
static inline uint64x2_t load_f64x2(const uint8_t *p, size_t step, int swap)
{
    uint8x16_t v = vcombine_u8(vld1_u8(p), vld1_u8(p + step));
    return vreinterpretq_u64_u8(swap ? vrev64q_u8(v) : v);
}

static void wide(const sp__unpack_colplan *c, const uint8_t *rec, size_t step,
                 size_t m, size_t o, int swap)
{
    const uint8_t *p = rec + c->offset;
    const size_t s2 = 2 * step;
    if (c->op == SP_UNPACK_COPY) {
        uint64_t *d = (uint64_t *)c->dst + o;
        for (size_t i = 0; i < m; i += 2, p += s2)
            vst1q_u64(d + i, load_f64x2(p, step, swap));
    } else if (c->op == SP_UNPACK_TO_F32) {
        const float64x2_t s = vdupq_n_f64(c->scale), b = vdupq_n_f64(c->bias);
        float *d = (float *)c->dst + o;
        for (size_t i = 0; i < m; i += 4, p += 2 * s2)
            vst1q_f32(
                d + i,
                affine(vreinterpretq_f64_u64(load_f64x2(p, step, swap)),
                       vreinterpretq_f64_u64(load_f64x2(p + s2, step, swap)),
                       s, b));
    } else {
        uint16_t *d = (uint16_t *)c->dst + o;
        for (size_t i = 0; i < m; i += 4, p += 2 * s2) {
            uint32x2_t a = vqmovn_u64(vcvtq_u64_f64(
                vreinterpretq_f64_u64(load_f64x2(p, step, swap))));
            uint32x2_t z = vqmovn_u64(vcvtq_u64_f64(
                vreinterpretq_f64_u64(load_f64x2(p + s2, step, swap))));
            vst1_u16(d + i, vqmovn_u32(vcombine_u32(a, z)));
        }
    }
}

void sp__unpack_neon(const sp__unpack_plan *p, const uint8_t *src, size_t n)
{
    uint32_t tmp[4][CHUNK] __attribute__((aligned(16)));
    for (size_t row = 0; row < p->rows; row++) {
        size_t start = row * p->row_step;
        size_t lim = sp__unpack_vec_limit(p, n - start) & ~(size_t)7;
        for (size_t r = 0; r < lim; r += CHUNK) {
            size_t m = lim - r < CHUNK ? lim - r : CHUNK;
            const uint8_t *rec = src + start + r * p->step;
            size_t o = row * p->per_row + r;
            for (size_t w = 0; w < p->nwin; w++) {
                const sp__unpack_window *win = &p->win[w];
                transpose(p, win, rec, m, o, tmp);
                for (unsigned i = win->first; i < win->first + win->count; i++)
                    if (!p->wcol[i].direct)
                        convert(&p->cols[p->wcol[i].col], tmp[p->wcol[i].lane],
                                p->wcol[i].byte, m, o, p->swap);
            }
            for (size_t i = 0; i < p->nwide; i++)
                wide(&p->cols[p->wide[i]], rec, p->step, m, o, p->swap);
        }
        sp__unpack_scalar_rows(p, src, row, lim, p->per_row);
    }
}
