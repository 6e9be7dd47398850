/* crop, NEON: 4 points a step, the kept lanes packed to the front with a
 * byte table lookup (vqtbl1q_u8, pshufb's equivalent: an index of 16 or
 * more gives 0) from a 16-row table, and stored as whole vectors, as
 * crop_sse41.c does; see crop_avx2.c for the scheme. (Before, the kept
 * lanes of a partial group were written one by one, a branch per point.)
 * Same float operations as scalar: bit-identical. */
#include <arm_neon.h>

#include "crop_int.h"

/* pack[m]: the bytes of the lanes set in m, in order, then 0xff (zero). */
static const uint8_t pack[16][16] __attribute__((aligned(16))) = {
#define N 255, 255, 255, 255
#define L(b) 4 * (b), 4 * (b) + 1, 4 * (b) + 2, 4 * (b) + 3
    {N, N, N, N},          {L(0), N, N, N},
    {L(1), N, N, N},       {L(0), L(1), N, N},
    {L(2), N, N, N},       {L(0), L(2), N, N},
    {L(1), L(2), N, N},    {L(0), L(1), L(2), N},
    {L(3), N, N, N},       {L(0), L(3), N, N},
    {L(1), L(3), N, N},    {L(0), L(1), L(3), N},
    {L(2), L(3), N, N},    {L(0), L(2), L(3), N},
    {L(1), L(2), L(3), N}, {L(0), L(1), L(2), L(3)},
#undef L
#undef N
};

static inline float32x4_t packf(float32x4_t v, uint8x16_t sh)
{
    return vreinterpretq_f32_u8(vqtbl1q_u8(vreinterpretq_u8_f32(v), sh));
}

size_t sp__crop_neon(const sp__crop_plan *p, const sp_points *in,
                     sp_points *out)
{
    const size_t n = in->count;
    const float32x4_t lox = vdupq_n_f32(p->lo[0]), hix = vdupq_n_f32(p->hi[0]);
    const float32x4_t loy = vdupq_n_f32(p->lo[1]), hiy = vdupq_n_f32(p->hi[1]);
    const float32x4_t loz = vdupq_n_f32(p->lo[2]), hiz = vdupq_n_f32(p->hi[2]);
    const float32x4_t r2lo = vdupq_n_f32(p->r2lo), r2hi = vdupq_n_f32(p->r2hi);
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const uint32_t bitv[4] = {1, 2, 4, 8}, iotav[4] = {0, 1, 2, 3};
    const uint32x4_t bits = vld1q_u32(bitv), iota = vld1q_u32(iotav);
    uint32_t *const idx = p->idx;
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
        unsigned m = vaddvq_u32(vandq_u32(keep, bits));
        if (m == 0)
            continue;
        /* Whole vectors at o: the output holds the input's count, and o
         * stays at or below i, so o + 4 <= i + 4 <= n. */
        const uint8x16_t sh = vld1q_u8(pack[m]);
        vst1q_f32(out->x + o, packf(x, sh));
        vst1q_f32(out->y + o, packf(y, sh));
        vst1q_f32(out->z + o, packf(z, sh));
        vst1q_f32(out->intensity + o, packf(vld1q_f32(in->intensity + i), sh));
        if (p->time)
            vst1q_f32(out->time + o, packf(vld1q_f32(in->time + i), sh));
        if (idx)
            vst1q_u32(idx + o, vreinterpretq_u32_u8(vqtbl1q_u8(
                                   vreinterpretq_u8_u32(vaddq_u32(
                                       vdupq_n_u32((uint32_t)i), iota)),
                                   sh)));
        if (p->ring) {
            size_t r = o;
            for (unsigned b = m; b; b &= b - 1)
                out->ring[r++] = in->ring[i + (size_t)__builtin_ctz(b)];
        }
        o += (size_t)__builtin_popcount(m);
    }
    return sp__crop_scalar(p, in, i, out, o);
}
