/* resize, SSE4.1, for CPUs without AVX2: the linear path's horizontal taps
 * from 16-byte windows (one pshufb makes int16 tap pairs, pmaddwd applies
 * the weights; a block whose taps do not fit one window, as in strong
 * downscales, is computed as the scalar code does; RGBA8 takes one 8-byte
 * load a pixel, and its rows not reused go through both passes in
 * registers), the vertical pass with 16-bit multiply-high exactly as
 * OpenCV's VResizeLinearVec_32s8u, F32's vertical pass, area's vertical
 * accumulation and rounding, the exact-2x mean for 8-bit pixels, and
 * nearest through 4-byte moves. The area horizontal sums and F32's
 * horizontal taps reuse the scalar code (no gather before AVX2). Bit-exact
 * with resize_scalar.c. */
#include <smmintrin.h>
#include <string.h>

#include "resize_int.h"

#define LD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define ST128(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

/* H >> 4 of the 4 output elements of window block b (i = 4 b). */
static inline __m128i hblock(const sp__resize_plan *p,
                             const sp__resize_windows *wt, const uint8_t *s,
                             int b)
{
    int i = 4 * b;
    if (wt->base[b] >= 0) {
        __m128i pr = _mm_shuffle_epi8(LD128(s + wt->base[b]),
                                      LD128(wt->mask + 16 * (size_t)b));
        return _mm_srai_epi32(_mm_madd_epi16(pr, LD128(p->ia + 2 * i)), 4);
    }
    int32_t v[4];
    for (int e = 0; e < 4; e++)
        v[e] = (s[p->x0[i + e]] * p->ia[2 * (i + e)] +
                s[p->x1[i + e]] * p->ia[2 * (i + e) + 1]) >>
               4;
    return LD128(v);
}

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
        ST128(h + i, _mm_packs_epi32(hblock(p, wt, s, i / 4),
                                     hblock(p, wt, s, i / 4 + 1)));
    }
    sp__resize_prefetch_rest(&pfs);
    sp__resize_hrow_u8(p, s, h, i);
}

/* RGBA8: both taps of an output pixel lie in the 8 bytes at its x0 (x1 =
 * x0 + 4, or x1 = x0 with weight 0 at the right edge, where x0 + 4 is then
 * read with weight 0), so one 8-byte load and one constant shuffle give
 * its int16 tap pairs: no window table and no scalar blocks, which made
 * the generic rows three times AVX2's time here. H >> 4 of the pixel at
 * element i. */
static inline __m128i tap_rgba(const sp__resize_plan *p, const uint8_t *s,
                               int i)
{
    const __m128i pair =
        _mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7, -1);
    __m128i v = _mm_loadl_epi64((const __m128i *)(const void *)(s + p->x0[i]));
    return _mm_srai_epi32(
        _mm_madd_epi16(_mm_shuffle_epi8(v, pair), LD128(p->ia + 2 * i)), 4);
}

/* Elements i .. i + 7 (two pixels) as int16, in order. */
static inline __m128i taps2_rgba(const sp__resize_plan *p, const uint8_t *s,
                                 int i)
{
    return _mm_packs_epi32(tap_rgba(p, s, i), tap_rgba(p, s, i + 4));
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
        ST128(h + i, taps2_rgba(p, s, i));
    }
    sp__resize_prefetch_rest(&pfs);
    sp__resize_hrow_u8(p, s, h, i);
}

/* OpenCV's vertical step on int16 H >> 4 of the two rows. */
static inline __m128i vmix(__m128i h0, __m128i h1, __m128i vb0, __m128i vb1)
{
    __m128i t =
        _mm_add_epi16(_mm_mulhi_epi16(h0, vb0), _mm_mulhi_epi16(h1, vb1));
    return _mm_srai_epi16(_mm_add_epi16(t, _mm_set1_epi16(2)), 2);
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
    const __m128i vb0 = _mm_set1_epi16(b0), vb1 = _mm_set1_epi16(b1);
    sp__resize_prefetch q0 = sp__resize_prefetch_init(p, pf0, p->n / 16);
    sp__resize_prefetch q1 = sp__resize_prefetch_init(p, pf1, p->n / 16);
    int i = 0;
    for (; i + 16 <= p->n && p->x0[i + 12] + 8 <= p->srow; i += 16) {
        sp__resize_prefetch_step(&q0);
        sp__resize_prefetch_step(&q1);
        __m128i lo = vmix(taps2_rgba(p, s0, i), taps2_rgba(p, s1, i), vb0, vb1);
        __m128i hi =
            vmix(taps2_rgba(p, s0, i + 8), taps2_rgba(p, s1, i + 8), vb0, vb1);
        ST128(d + i, _mm_packus_epi16(lo, hi));
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
    const __m128i vb0 = _mm_set1_epi16(b0), vb1 = _mm_set1_epi16(b1);
    int i = 0;
    for (; i + 16 <= p->n; i += 16)
        ST128(d + i, _mm_packus_epi16(
                         vmix(LD128(h0 + i), LD128(h1 + i), vb0, vb1),
                         vmix(LD128(h0 + i + 8), LD128(h1 + i + 8), vb0, vb1)));
    sp__resize_vrow_u8(p, h0, h1, b0, b1, d, i);
}

static void vrow_f32(const sp__resize_plan *p, const float *h0, const float *h1,
                     float b0, float b1, float *d)
{
    const __m128 vb0 = _mm_set1_ps(b0), vb1 = _mm_set1_ps(b1);
    int i = 0;
    for (; i + 4 <= p->n; i += 4)
        _mm_storeu_ps(d + i, _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(h0 + i), vb0),
                                        _mm_mul_ps(_mm_loadu_ps(h1 + i), vb1)));
    sp__resize_vrow_f32(p, h0, h1, b0, b1, d, i);
}

static const sp__resize_rows sse41_rows = {
    .hrow_u8 = hrow_u8,
    .hrow_rgba = hrow_rgba,
    .fused_rgba = fused_rgba,
    .vrow_u8 = vrow_u8,
    .vrow_f32 = vrow_f32,
    .windows = 1,
};

/* Area: the vertical sums over whole source rows vectorised (4 elements a
 * step, mul then add in row order as the scalar code), the horizontal sums
 * from the scalar code, the rounding vectorised. */
static int area_sse41(sp_kctx *k, const sp__resize_plan *p)
{
    float *v = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS,
                                (size_t)p->srow * sizeof(float));
    float *h = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS + 1,
                                (size_t)p->n * sizeof(float));
    if (!v || !h)
        return SP_ENOMEM;
    const __m128 half = _mm_set1_ps(0.5f);
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        const float *wy = p->aw_y + p->ayw[dy];
        int x = 0;
        for (; x + 4 <= p->srow; x += 4) {
            __m128 acc = _mm_setzero_ps();
            for (int j = 0; j < p->ayn[dy]; j++) {
                const uint8_t *s = sp__resize_src_row(p, p->ays[dy] + j);
                __m128 px;
                if (p->f32) {
                    px = _mm_loadu_ps((const float *)(const void *)s + x);
                } else {
                    int32_t q;
                    memcpy(&q, s + x, 4);
                    px = _mm_cvtepi32_ps(
                        _mm_cvtepu8_epi32(_mm_cvtsi32_si128(q)));
                }
                acc = _mm_add_ps(acc, _mm_mul_ps(_mm_set1_ps(wy[j]), px));
            }
            _mm_storeu_ps(v + x, acc);
        }
        sp__resize_area_vrow(p, dy, v, x);
        sp__resize_area_hrow(p, v, h);
        uint8_t *d = sp__resize_dst_row(p, dy);
        int i = 0;
        if (!p->f32)
            for (; i + 8 <= p->n; i += 8) {
                __m128 va = _mm_floor_ps(_mm_add_ps(_mm_loadu_ps(h + i), half));
                __m128 vb =
                    _mm_floor_ps(_mm_add_ps(_mm_loadu_ps(h + i + 4), half));
                __m128i w16 =
                    _mm_packs_epi32(_mm_cvtps_epi32(va), _mm_cvtps_epi32(vb));
                _mm_storel_epi64((__m128i *)(void *)(d + i),
                                 _mm_packus_epi16(w16, w16));
            }
        sp__resize_area_store(p, h, d, i);
    }
    return SP_OK;
}

/* Exact 2x downscale, (a + b + c + d + 2) >> 2, for 8-bit pixels: the
 * horizontal pairs are summed by pmaddubsw with ones (a shuffle first
 * brings each channel of a pixel pair next to each other for 3 and 4
 * channels), the two rows added in 16 bits. The row tail and F32 use the
 * scalar code. */
static void half_row(const sp__resize_plan *p, uint32_t dy)
{
    int dx = 0;
    const uint8_t *r0 = sp__resize_src_row(p, (int32_t)(2 * dy));
    const uint8_t *r1 = sp__resize_src_row(p, (int32_t)(2 * dy + 1));
    uint8_t *d = sp__resize_dst_row(p, dy);
    const __m128i ones = _mm_set1_epi8(1), two = _mm_set1_epi16(2);
    if (!p->f32 && (p->cn == 1 || p->cn == 4)) {
        const __m128i pair4 =
            _mm_setr_epi8(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
        const int step = 8 / p->cn; /* output pixels per step */
        for (; dx + step <= (int)p->dw; dx += step) {
            size_t o = (size_t)dx * 2 * p->cn;
            __m128i a = LD128(r0 + o), b = LD128(r1 + o);
            if (p->cn == 4) {
                a = _mm_shuffle_epi8(a, pair4);
                b = _mm_shuffle_epi8(b, pair4);
            }
            __m128i sum = _mm_add_epi16(_mm_maddubs_epi16(a, ones),
                                        _mm_maddubs_epi16(b, ones));
            sum = _mm_srli_epi16(_mm_add_epi16(sum, two), 2);
            _mm_storel_epi64((__m128i *)(void *)(d + (size_t)dx * p->cn),
                             _mm_packus_epi16(sum, sum));
        }
    }
    if (!p->f32 && p->cn == 3) {
        /* 2 output pixels a step from 4 source pixels (12 of 16 loaded
         * bytes); the 8-byte stores overlap, so the loop stops while a
         * pixel remains for the next step or the scalar tail to write over
         * the 2 spare bytes (and the 16-byte loads stay in the row). */
        const __m128i pair3 =
            _mm_setr_epi8(0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11, -1, -1, -1, -1);
        for (; dx + 3 <= (int)p->dw; dx += 2) {
            size_t o = (size_t)dx * 6;
            __m128i sum = _mm_add_epi16(
                _mm_maddubs_epi16(_mm_shuffle_epi8(LD128(r0 + o), pair3), ones),
                _mm_maddubs_epi16(_mm_shuffle_epi8(LD128(r1 + o), pair3),
                                  ones));
            sum = _mm_srli_epi16(_mm_add_epi16(sum, two), 2);
            _mm_storel_epi64((__m128i *)(void *)(d + (size_t)dx * 3),
                             _mm_packus_epi16(sum, sum));
        }
    }
    sp__resize_half_row(p, dy, dx);
}

/* Nearest, 8-bit: one 4-byte move per pixel of 3 or 4 bytes (a 3-byte
 * pixel's 4th byte is overwritten by the next pixel; the last pixel, and
 * any whose 4-byte read would pass the source row, move 3 bytes). F32 is
 * one 4-byte element per output element as well. */
static void nearest_row(const sp__resize_plan *p, uint32_t dy)
{
    const uint8_t *s = sp__resize_src_row(p, p->y0[dy]);
    uint8_t *d = sp__resize_dst_row(p, dy);
    const int32_t *x0 = p->x0;
    if (p->f32) {
        for (int i = 0; i < p->n; i++)
            memcpy(d + 4 * (size_t)i, s + 4 * (size_t)x0[i], 4);
        return;
    }
    if (p->cn == 4) {
        for (uint32_t dx = 0; dx < p->dw; dx++)
            memcpy(d + 4 * (size_t)dx, s + x0[4 * dx], 4);
        return;
    }
    if (p->cn == 3) {
        uint32_t dx = 0;
        for (; dx + 1 < p->dw && x0[3 * dx] + 4 <= p->srow; dx++)
            memcpy(d + 3 * (size_t)dx, s + x0[3 * dx], 4);
        for (; dx < p->dw; dx++)
            memcpy(d + 3 * (size_t)dx, s + x0[3 * dx], 3);
        return;
    }
    sp__resize_nearest_row(p, dy);
}

int sp__resize_sse41(sp_kctx *k, const sp__resize_plan *p)
{
    switch (p->method) {
    case SP_RESIZE_NEAREST:
        for (uint32_t dy = 0; dy < p->dh; dy++)
            nearest_row(p, dy);
        return SP_OK;
    case SP_RESIZE_AREA:
        return area_sse41(k, p);
    default:
        if (p->half) {
            for (uint32_t dy = 0; dy < p->dh; dy++)
                half_row(p, dy);
            return SP_OK;
        }
        return sp__resize_linear(k, p, &sse41_rows);
    }
}
