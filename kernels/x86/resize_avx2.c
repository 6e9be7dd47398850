/* resize, AVX2: the linear path vectorised (16-byte windows or gathers for
 * the horizontal taps, 16-bit multiply-high for the vertical pass exactly
 * as OpenCV's VResizeLinearVec_32s8u; RGBA8 rows that are not reused go
 * through both passes in registers; the next source row is prefetched while
 * one is filtered, and outputs of 4 MiB or more take streaming stores),
 * area's vertical accumulation and rounding, and nearest for 4-byte
 * pixels. The area horizontal sums, the exact-2x path
 * and nearest on 1- and 3-byte pixels reuse the scalar code (gathering one
 * byte per lane does not pay). Bit-exact with resize_scalar.c. */
#include <immintrin.h>
#include <string.h>

#include "resize_int.h"

/* 16 elements from 4 windows; 0 when a block does not fit. */
static inline int hwin16(const sp__resize_plan *p, const sp__resize_windows *wt,
                         const uint8_t *s, int i, int16_t *h)
{
    int b = i / 4;
    const int32_t *bs = wt->base + b;
    if ((bs[0] | bs[1] | bs[2] | bs[3]) < 0)
        return 0;
    __m256i w01 = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(s + bs[0]))),
        _mm_loadu_si128((const __m128i *)(s + bs[1])), 1);
    __m256i w23 = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(s + bs[2]))),
        _mm_loadu_si128((const __m128i *)(s + bs[3])), 1);
    __m256i pa = _mm256_shuffle_epi8(
        w01, _mm256_loadu_si256((const __m256i *)(wt->mask + 16 * (size_t)b)));
    __m256i pb = _mm256_shuffle_epi8(
        w23,
        _mm256_loadu_si256((const __m256i *)(wt->mask + 16 * (size_t)b + 32)));
    __m256i ha = _mm256_srai_epi32(
        _mm256_madd_epi16(pa,
                          _mm256_loadu_si256((const __m256i *)(p->ia + 2 * i))),
        4);
    __m256i hb = _mm256_srai_epi32(
        _mm256_madd_epi16(
            pb, _mm256_loadu_si256((const __m256i *)(p->ia + 2 * i + 16))),
        4);
    __m256i pk = _mm256_permute4x64_epi64(_mm256_packs_epi32(ha, hb), 0xd8);
    _mm256_storeu_si256((__m256i *)(h + i), pk);
    return 1;
}

/* The bytes at a and b in the two 128-bit lanes: 16 of each, or where a
 * row's last pixels leave fewer than 16 (narrow), the 8 that hold an RGBA
 * pixel's two taps (the rest of the lane is zero, and unused). */
static inline __m256i lanes2(const uint8_t *a, const uint8_t *b, int narrow)
{
    if (narrow)
        return _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadl_epi64((const __m128i *)a)),
            _mm_loadl_epi64((const __m128i *)b), 1);
    return _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)a)),
        _mm_loadu_si128((const __m128i *)b), 1);
}

/* RGBA8: both taps of a pixel lie in the 8 bytes at x0 (x1 = x0 + 4, or
 * x1 = x0 with weight 0 at the right edge, where x0 + 4 is then read with
 * weight 0), so one constant shuffle makes the int16 tap pairs of the pixel
 * at each lane: no window table, no gather. */
static inline __m256i rgba_pairs(void)
{
    return _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1, 7,
                            -1, 0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3, -1,
                            7, -1);
}

/* H >> 4 of RGBA pixels i / 4 .. i / 4 + 3 of row s, as int16 in the
 * order pixel 0, 2 | 1, 3 (the 128-bit lanes); wa, wb: their weights. */
static inline __m256i taps_rgba(const sp__resize_plan *p, const uint8_t *s,
                                int i, __m256i wa, __m256i wb, int narrow)
{
    const int32_t *x0 = p->x0;
    const __m256i pair = rgba_pairs();
    __m256i a = lanes2(s + x0[i], s + x0[i + 4], narrow);
    __m256i b = lanes2(s + x0[i + 8], s + x0[i + 12], narrow);
    __m256i ha = _mm256_srai_epi32(
        _mm256_madd_epi16(_mm256_shuffle_epi8(a, pair), wa), 4);
    __m256i hb = _mm256_srai_epi32(
        _mm256_madd_epi16(_mm256_shuffle_epi8(b, pair), wb), 4);
    return _mm256_packs_epi32(ha, hb);
}

/* 4 pixels (16 elements) of an RGBA8 row's horizontal pass, in order. */
static inline __attribute__((always_inline)) void
hrow_rgba_step(const sp__resize_plan *p, const uint8_t *s, int16_t *h, int i,
               int narrow)
{
    const __m256i *w = (const __m256i *)(const void *)(p->ia + 2 * i);
    __m256i t = taps_rgba(p, s, i, _mm256_loadu_si256(w),
                          _mm256_loadu_si256(w + 1), narrow);
    _mm256_storeu_si256((__m256i *)(h + i), _mm256_permute4x64_epi64(t, 0xd8));
}

static void hrow_rgba(const sp__resize_plan *p, const uint8_t *s, int16_t *h,
                      const uint8_t *pf)
{
    const int32_t *x0 = p->x0;
    sp__resize_prefetch pfs = sp__resize_prefetch_init(p, pf, p->xsafe / 16);
    int i = 0;
    /* 16-byte loads while the step's last pixel has 16 bytes left in the
     * row (x0 does not decrease, so its last pixel is the one to test). */
    for (; i + 16 <= p->xsafe && x0[i + 12] + 16 <= p->srow; i += 16) {
        sp__resize_prefetch_step(&pfs);
        hrow_rgba_step(p, s, h, i, 0);
    }
    /* Then 8-byte ones while 8 are left: the scalar pieces, about ten
     * times slower an element, took 13 % of a 1080p -> 640x384 resize for
     * the last 8 pixels of each row. */
    for (; i + 16 <= p->n && x0[i + 12] + 8 <= p->srow; i += 16)
        hrow_rgba_step(p, s, h, i, 1);
    sp__resize_prefetch_rest(&pfs);
    sp__resize_hrow_u8(p, s, h, i);
}

/* OpenCV's vertical step on int16 H >> 4 of the two rows. */
static inline __m256i vmix(__m256i h0, __m256i h1, __m256i vb0, __m256i vb1)
{
    __m256i t = _mm256_add_epi16(_mm256_mulhi_epi16(h0, vb0),
                                 _mm256_mulhi_epi16(h1, vb1));
    return _mm256_srai_epi16(_mm256_add_epi16(t, _mm256_set1_epi16(2)), 2);
}

/* RGBA8, an output row whose two source rows are both new and not needed
 * again: both horizontal passes and the vertical one in registers, 8
 * pixels a step, sharing the index and weight loads and never storing the
 * intermediate rows (a downscale by more than 2 vertically is all such
 * rows). Returns the element it stopped at: the row loop
 * (resize_linear.c) does the tail. pf0 and pf1 (or NULL) are prefetched,
 * the next output row's source rows; stream: d is 32-byte aligned and
 * takes streaming stores. */
/* One step of fused_rgba: 8 output pixels from element i, the taps loaded
 * 16 or (narrow) 8 bytes a pixel. */
static inline __attribute__((always_inline)) void
fused_step(const sp__resize_plan *p, const uint8_t *s0, const uint8_t *s1,
           int i, __m256i vb0, __m256i vb1, uint8_t *d, int stream, int narrow)
{
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m256i *w = (const __m256i *)(const void *)(p->ia + 2 * i);
    __m256i wa = _mm256_loadu_si256(w), wb = _mm256_loadu_si256(w + 1);
    __m256i wc = _mm256_loadu_si256(w + 2), wd = _mm256_loadu_si256(w + 3);
    /* pixels 0 2 | 1 3 and 4 6 | 5 7; packus keeps the lanes, vpermd puts
     * the 4-byte pixels back in order. */
    __m256i lo = vmix(taps_rgba(p, s0, i, wa, wb, narrow),
                      taps_rgba(p, s1, i, wa, wb, narrow), vb0, vb1);
    __m256i hi = vmix(taps_rgba(p, s0, i + 16, wc, wd, narrow),
                      taps_rgba(p, s1, i + 16, wc, wd, narrow), vb0, vb1);
    __m256i o = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(lo, hi), order);
    if (stream)
        _mm256_stream_si256((__m256i *)(void *)(d + i), o);
    else
        _mm256_storeu_si256((__m256i *)(void *)(d + i), o);
}

static int fused_rgba(const sp__resize_plan *p, const uint8_t *s0,
                      const uint8_t *s1, int16_t b0, int16_t b1, uint8_t *d,
                      const uint8_t *pf0, const uint8_t *pf1, int stream)
{
    const __m256i vb0 = _mm256_set1_epi16(b0), vb1 = _mm256_set1_epi16(b1);
    sp__resize_prefetch q0 = sp__resize_prefetch_init(p, pf0, p->xsafe / 32);
    sp__resize_prefetch q1 = sp__resize_prefetch_init(p, pf1, p->xsafe / 32);
    int i = 0;
    for (; i + 32 <= p->xsafe && p->x0[i + 28] + 16 <= p->srow; i += 32) {
        sp__resize_prefetch_step(&q0);
        sp__resize_prefetch_step(&q1);
        fused_step(p, s0, s1, i, vb0, vb1, d, stream, 0);
    }
    /* the row's last pixels, while 8 bytes are left (see hrow_rgba) */
    for (; i + 32 <= p->n && p->x0[i + 28] + 8 <= p->srow; i += 32)
        fused_step(p, s0, s1, i, vb0, vb1, d, stream, 1);
    sp__resize_prefetch_rest(&q0);
    sp__resize_prefetch_rest(&q1);
    return i;
}

/* Horizontal taps of 16 output elements -> H >> 4 as int16, 1 and 3
 * channels (RGBA8 has hrow_rgba): from the window table where a block's
 * taps fit 16 bytes, else one 4-byte gather at x0 holds both taps (bytes 0
 * and cn), which a byte shuffle spreads into int16 pairs for madd. */
static void hrow_u8(const sp__resize_plan *p, const sp__resize_windows *wtp,
                    const uint8_t *s, int16_t *h, const uint8_t *pf)
{
    /* The table's pointers in a local copy, which the vector stores below
     * cannot alias (an intrinsic's store may alias anything): they stay in
     * registers (7 % of an AVX2 RGB8 resize when reloaded every step). */
    const sp__resize_windows w = *wtp, *wt = &w;
    sp__resize_prefetch pfs = sp__resize_prefetch_init(p, pf, p->xsafe / 16);
    const int cn = p->cn;
    const int *base = (const int *)(const void *)s;
    const char t1 = (char)(cn == 1 ? 1 : 3);
    const __m256i shuf = _mm256_setr_epi8(
        0, -1, t1, -1, 4, -1, (char)(4 + t1), -1, 8, -1, (char)(8 + t1), -1, 12,
        -1, (char)(12 + t1), -1, 0, -1, t1, -1, 4, -1, (char)(4 + t1), -1, 8,
        -1, (char)(8 + t1), -1, 12, -1, (char)(12 + t1), -1);
    int i = 0;
    for (; i + 16 <= p->xsafe; i += 16) {
        sp__resize_prefetch_step(&pfs);
        if (hwin16(p, wt, s, i, h))
            continue;
        __m256i ia = _mm256_loadu_si256((const __m256i *)(p->x0 + i));
        __m256i ib = _mm256_loadu_si256((const __m256i *)(p->x0 + i + 8));
        __m256i ga = _mm256_i32gather_epi32(base, ia, 1);
        __m256i gb = _mm256_i32gather_epi32(base, ib, 1);
        __m256i pa = _mm256_shuffle_epi8(ga, shuf);
        __m256i pb = _mm256_shuffle_epi8(gb, shuf);
        __m256i wa = _mm256_loadu_si256((const __m256i *)(p->ia + 2 * i));
        __m256i wb = _mm256_loadu_si256((const __m256i *)(p->ia + 2 * i + 16));
        __m256i ha = _mm256_srai_epi32(_mm256_madd_epi16(pa, wa), 4);
        __m256i hb = _mm256_srai_epi32(_mm256_madd_epi16(pb, wb), 4);
        __m256i pk = _mm256_permute4x64_epi64(_mm256_packs_epi32(ha, hb), 0xd8);
        _mm256_storeu_si256((__m256i *)(h + i), pk);
    }
    sp__resize_prefetch_rest(&pfs);
    sp__resize_hrow_u8(p, s, h, i);
}

static void vrow_u8(const sp__resize_plan *p, const int16_t *h0,
                    const int16_t *h1, int16_t b0, int16_t b1, uint8_t *d,
                    int stream)
{
    const __m256i vb0 = _mm256_set1_epi16(b0), vb1 = _mm256_set1_epi16(b1);
    const __m256i two = _mm256_set1_epi16(2);
    int i = 0;
    for (; i + 32 <= p->n; i += 32) {
        __m256i a0 = _mm256_loadu_si256((const __m256i *)(h0 + i));
        __m256i a1 = _mm256_loadu_si256((const __m256i *)(h1 + i));
        __m256i c0 = _mm256_loadu_si256((const __m256i *)(h0 + i + 16));
        __m256i c1 = _mm256_loadu_si256((const __m256i *)(h1 + i + 16));
        __m256i ta = _mm256_add_epi16(_mm256_mulhi_epi16(a0, vb0),
                                      _mm256_mulhi_epi16(a1, vb1));
        __m256i tc = _mm256_add_epi16(_mm256_mulhi_epi16(c0, vb0),
                                      _mm256_mulhi_epi16(c1, vb1));
        ta = _mm256_srai_epi16(_mm256_add_epi16(ta, two), 2);
        tc = _mm256_srai_epi16(_mm256_add_epi16(tc, two), 2);
        __m256i o = _mm256_permute4x64_epi64(_mm256_packus_epi16(ta, tc), 0xd8);
        if (stream)
            _mm256_stream_si256((__m256i *)(void *)(d + i), o);
        else
            _mm256_storeu_si256((__m256i *)(d + i), o);
    }
    sp__resize_vrow_u8(p, h0, h1, b0, b1, d, i);
}

static void hrow_f32(const sp__resize_plan *p, const float *s, float *h)
{
    int i = 0;
    for (; i + 8 <= p->n; i += 8) {
        __m256i i0 = _mm256_loadu_si256((const __m256i *)(p->x0 + i));
        __m256i i1 = _mm256_loadu_si256((const __m256i *)(p->x1 + i));
        __m256 g0 = _mm256_i32gather_ps(s, i0, 4);
        __m256 g1 = _mm256_i32gather_ps(s, i1, 4);
        __m256 w01a = _mm256_loadu_ps(p->fa + 2 * i);
        __m256 w01b = _mm256_loadu_ps(p->fa + 2 * i + 8);
        /* de-interleave (a0, a1) pairs: shuffle works per lane, so the
         * order comes out 0 1 4 5 2 3 6 7 until the 64-bit permute. */
        __m256 a0 = _mm256_shuffle_ps(w01a, w01b, 0x88);
        __m256 a1 = _mm256_shuffle_ps(w01a, w01b, 0xdd);
        a0 =
            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(a0), 0xd8));
        a1 =
            _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(a1), 0xd8));
        _mm256_storeu_ps(
            h + i, _mm256_add_ps(_mm256_mul_ps(g0, a0), _mm256_mul_ps(g1, a1)));
    }
    sp__resize_hrow_f32(p, s, h, i);
}

static void vrow_f32(const sp__resize_plan *p, const float *h0, const float *h1,
                     float b0, float b1, float *d)
{
    const __m256 vb0 = _mm256_set1_ps(b0), vb1 = _mm256_set1_ps(b1);
    int i = 0;
    for (; i + 8 <= p->n; i += 8)
        _mm256_storeu_ps(
            d + i, _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(h0 + i), vb0),
                                 _mm256_mul_ps(_mm256_loadu_ps(h1 + i), vb1)));
    sp__resize_vrow_f32(p, h0, h1, b0, b1, d, i);
}

static const sp__resize_rows avx2_rows = {
    .hrow_u8 = hrow_u8,
    .hrow_rgba = hrow_rgba,
    .fused_rgba = fused_rgba,
    .vrow_u8 = vrow_u8,
    .hrow_f32 = hrow_f32,
    .vrow_f32 = vrow_f32,
    .windows = 1,
    .stream_align = 32,
};

/* Area: the vertical sums over whole source rows vectorised (8 elements a
 * step, mul then add in row order as the scalar code), the horizontal sums
 * from the scalar code, the rounding vectorised. */
static int area_avx2(sp_kctx *k, const sp__resize_plan *p)
{
    float *v = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS,
                                (size_t)p->srow * sizeof(float));
    float *h = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS + 1,
                                (size_t)p->n * sizeof(float));
    if (!v || !h)
        return SP_ENOMEM;
    const __m256 half = _mm256_set1_ps(0.5f);
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        const float *wy = p->aw_y + p->ayw[dy];
        int x = 0;
        for (; x + 8 <= p->srow; x += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (int j = 0; j < p->ayn[dy]; j++) {
                const uint8_t *s = sp__resize_src_row(p, p->ays[dy] + j);
                __m256 px =
                    p->f32 ? _mm256_loadu_ps((const float *)(const void *)s + x)
                           : _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                                 _mm_loadl_epi64((const __m128i *)(s + x))));
                acc = _mm256_add_ps(acc,
                                    _mm256_mul_ps(_mm256_set1_ps(wy[j]), px));
            }
            _mm256_storeu_ps(v + x, acc);
        }
        sp__resize_area_vrow(p, dy, v, x);
        sp__resize_area_hrow(p, v, h);
        uint8_t *d = sp__resize_dst_row(p, dy);
        int i = 0;
        if (!p->f32)
            for (; i + 16 <= p->n; i += 16) {
                __m256 va = _mm256_floor_ps(
                    _mm256_add_ps(_mm256_loadu_ps(h + i), half));
                __m256 vb = _mm256_floor_ps(
                    _mm256_add_ps(_mm256_loadu_ps(h + i + 8), half));
                __m256i w16 = _mm256_packs_epi32(_mm256_cvtps_epi32(va),
                                                 _mm256_cvtps_epi32(vb));
                w16 = _mm256_permute4x64_epi64(w16, 0xd8);
                __m128i b8 = _mm_packus_epi16(_mm256_castsi256_si128(w16),
                                              _mm256_extracti128_si256(w16, 1));
                _mm_storeu_si128((__m128i *)(d + i), b8);
            }
        sp__resize_area_store(p, h, d, i);
    }
    return SP_OK;
}

/* Nearest for 4-byte pixels (RGBA8, F32): one gather per 8 pixels. */
static void nearest_row4(const sp__resize_plan *p, uint32_t dy)
{
    const int *s = (const int *)(const void *)sp__resize_src_row(p, p->y0[dy]);
    int *d = (int *)(void *)sp__resize_dst_row(p, dy);
    const int cn = p->cn; /* 4 for RGBA8 (byte offsets), 1 for F32 */
    const int scale = cn == 4 ? 1 : 4;
    const __m256i step = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    uint32_t dx = 0;
    for (; dx + 8 <= p->dw; dx += 8) {
        __m256i idx;
        if (cn == 4)
            idx = _mm256_i32gather_epi32(p->x0 + dx * 4,
                                         _mm256_slli_epi32(step, 2), 4);
        else
            idx = _mm256_loadu_si256((const __m256i *)(p->x0 + dx));
        __m256i v = scale == 1 ? _mm256_i32gather_epi32(s, idx, 1)
                               : _mm256_i32gather_epi32(s, idx, 4);
        _mm256_storeu_si256((__m256i *)(d + dx), v);
    }
    for (; dx < p->dw; dx++)
        memcpy(d + dx, (const uint8_t *)s + (size_t)p->x0[dx * cn] * (4 / cn),
               4);
}

/* Exact 2x downscale, (a + b + c + d + 2) >> 2, for 8-bit pixels:
 * the horizontal pairs are summed by maddubs with ones (RGBA first brings
 * each channel of a pixel pair next to each other), the two rows added in
 * 16 bits. 16 output bytes per step; other formats and the row tail use the
 * scalar code. */
static void half_row(const sp__resize_plan *p, uint32_t dy)
{
    int dx = 0;
    if (!p->f32 && (p->cn == 1 || p->cn == 4)) {
        const uint8_t *r0 = sp__resize_src_row(p, (int32_t)(2 * dy));
        const uint8_t *r1 = sp__resize_src_row(p, (int32_t)(2 * dy + 1));
        uint8_t *d = sp__resize_dst_row(p, dy);
        const __m256i ones = _mm256_set1_epi8(1), two = _mm256_set1_epi16(2);
        const __m256i pair4 = _mm256_setr_epi8(
            0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15, 0, 4, 1, 5, 2,
            6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
        const int step = 16 / p->cn; /* output pixels per step */
        for (; dx + step <= (int)p->dw; dx += step) {
            size_t o = (size_t)dx * 2 * p->cn;
            __m256i a = _mm256_loadu_si256((const __m256i *)(r0 + o));
            __m256i b = _mm256_loadu_si256((const __m256i *)(r1 + o));
            if (p->cn == 4) {
                a = _mm256_shuffle_epi8(a, pair4);
                b = _mm256_shuffle_epi8(b, pair4);
            }
            __m256i sum = _mm256_add_epi16(_mm256_maddubs_epi16(a, ones),
                                           _mm256_maddubs_epi16(b, ones));
            sum = _mm256_srli_epi16(_mm256_add_epi16(sum, two), 2);
            __m256i pk =
                _mm256_permute4x64_epi64(_mm256_packus_epi16(sum, sum), 0xd8);
            _mm_storeu_si128((__m128i *)(d + (size_t)dx * p->cn),
                             _mm256_castsi256_si128(pk));
        }
    }
    if (!p->f32 && p->cn == 3) {
        /* 4 output pixels a step: each 128-bit lane takes 4 source pixels
         * (12 of 16 loaded bytes) and yields 2 output pixels; 8-byte stores
         * overlap, so the loop stops while a pixel remains for the scalar
         * tail to write over the last 2 spare bytes (and the 16-byte loads
         * stay in the row). */
        const uint8_t *r0 = sp__resize_src_row(p, (int32_t)(2 * dy));
        const uint8_t *r1 = sp__resize_src_row(p, (int32_t)(2 * dy + 1));
        uint8_t *d = sp__resize_dst_row(p, dy);
        const __m256i ones = _mm256_set1_epi8(1), two = _mm256_set1_epi16(2);
        const __m256i pair3 = _mm256_setr_epi8(
            0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11, -1, -1, -1, -1, 0, 3, 1, 4, 2,
            5, 6, 9, 7, 10, 8, 11, -1, -1, -1, -1);
        for (; dx + 5 <= (int)p->dw; dx += 4) {
            size_t o = (size_t)dx * 6;
            __m256i a = _mm256_inserti128_si256(
                _mm256_castsi128_si256(
                    _mm_loadu_si128((const __m128i *)(r0 + o))),
                _mm_loadu_si128((const __m128i *)(r0 + o + 12)), 1);
            __m256i b = _mm256_inserti128_si256(
                _mm256_castsi128_si256(
                    _mm_loadu_si128((const __m128i *)(r1 + o))),
                _mm_loadu_si128((const __m128i *)(r1 + o + 12)), 1);
            __m256i sum = _mm256_add_epi16(
                _mm256_maddubs_epi16(_mm256_shuffle_epi8(a, pair3), ones),
                _mm256_maddubs_epi16(_mm256_shuffle_epi8(b, pair3), ones));
            sum = _mm256_srli_epi16(_mm256_add_epi16(sum, two), 2);
            __m256i pk = _mm256_packus_epi16(sum, sum);
            _mm_storel_epi64((__m128i *)(d + (size_t)dx * 3),
                             _mm256_castsi256_si128(pk));
            _mm_storel_epi64((__m128i *)(d + (size_t)dx * 3 + 6),
                             _mm256_extracti128_si256(pk, 1));
        }
    }
    sp__resize_half_row(p, dy, dx);
}

/* Nearest for 3-byte pixels: one 4-byte move per pixel (its 4th byte is
 * overwritten by the next pixel); the last pixel of the row, and any whose
 * 4-byte read would pass the source row, move 3 bytes. */
static void nearest_row3(const sp__resize_plan *p, uint32_t dy)
{
    const uint8_t *s = sp__resize_src_row(p, p->y0[dy]);
    uint8_t *d = sp__resize_dst_row(p, dy);
    const int32_t *x0 = p->x0;
    uint32_t dx = 0;
    for (; dx + 1 < p->dw && x0[3 * dx] + 4 <= p->srow; dx++)
        memcpy(d + 3 * (size_t)dx, s + x0[3 * dx], 4);
    for (; dx < p->dw; dx++)
        memcpy(d + 3 * (size_t)dx, s + x0[3 * dx], 3);
}

int sp__resize_avx2(sp_kctx *k, const sp__resize_plan *p)
{
    switch (p->method) {
    case SP_RESIZE_NEAREST:
        for (uint32_t dy = 0; dy < p->dh; dy++) {
            if (p->cn == 4 || p->f32)
                nearest_row4(p, dy);
            else if (p->cn == 3)
                nearest_row3(p, dy);
            else
                sp__resize_nearest_row(p, dy);
        }
        return SP_OK;
    case SP_RESIZE_AREA:
        return area_avx2(k, p);
    default:
        if (p->half) {
            for (uint32_t dy = 0; dy < p->dh; dy++)
                half_row(p, dy);
            return SP_OK;
        }
        return sp__resize_linear(k, p, &avx2_rows);
    }
}
