/* Convert, AVX2, the fast YUV rule (sp_convert.h): 32 pixels a step in
 * 16-bit lanes, the arithmetic libyuv's I422ToARGB rows use (pmulhuw for
 * luma, a per-chroma-sample multiply spread to its two pixels) with 13-bit
 * chroma coefficients through pmulhrsw. Bit-exact with the scalar fast rule:
 * each instruction computes one of its formulas (sp__cv_fast_*), and the
 * saturating add only saturates sums that clamp to 255 anyway. */
#include <immintrin.h>
#include <string.h>

#include "convert_int.h"

#define LD256(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define ST256(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define ST128(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

typedef struct fastc {
    __m256i yg, kbr, kg, ones, bias, sign, dupb, dupr;
} fastc;

/* 16 pixels, one per 16-bit lane: y16 = Y' * 257, uv = U << 8, V << 8 of
 * the 4 chroma pairs of each 128-bit lane. Out: R, G, B as int16, >> 6
 * done, not yet clamped (the pack clamps). */
static inline void px16(const fastc *c, __m256i y16, __m256i uv, __m256i *r,
                        __m256i *g, __m256i *b)
{
    __m256i yt = _mm256_add_epi16(_mm256_mulhi_epu16(y16, c->yg), c->bias);
    uv = _mm256_xor_si256(uv, c->sign);           /* (U - 128) << 8 */
    __m256i br = _mm256_mulhrs_epi16(uv, c->kbr); /* B0 R0 B1 R1 ... */
    /* Gu + Gv of a pair in the low word of its dword */
    __m256i gg = _mm256_madd_epi16(_mm256_mulhrs_epi16(uv, c->kg), c->ones);
    *b = _mm256_srai_epi16(
        _mm256_adds_epi16(yt, _mm256_shuffle_epi8(br, c->dupb)), 6);
    *r = _mm256_srai_epi16(
        _mm256_adds_epi16(yt, _mm256_shuffle_epi8(br, c->dupr)), 6);
    *g = _mm256_srai_epi16(
        _mm256_adds_epi16(yt, _mm256_shuffle_epi8(gg, c->dupb)), 6);
}

/* Clamps and stores 32 pixels: lo holds pixels 0-7 | 16-23, hi 8-15 |
 * 24-31 (lane by lane), so the packs give R, G, B in pixel order. */
static inline void store32(int to, const __m256i lo[3], const __m256i hi[3],
                           __m256i pack3, uint8_t *o)
{
    __m256i r8 = _mm256_packus_epi16(lo[0], hi[0]);
    __m256i g8 = _mm256_packus_epi16(lo[1], hi[1]);
    __m256i b8 = _mm256_packus_epi16(lo[2], hi[2]);
    __m256i c0 = to == SP__CV_BGR ? b8 : r8, c2 = to == SP__CV_BGR ? r8 : b8;
    __m256i a8 = _mm256_set1_epi8(-1);
    __m256i rgl = _mm256_unpacklo_epi8(c0, g8),
            rgh = _mm256_unpackhi_epi8(c0, g8);
    __m256i bal = _mm256_unpacklo_epi8(c2, a8),
            bah = _mm256_unpackhi_epi8(c2, a8);
    __m256i q[4] = {_mm256_unpacklo_epi16(rgl, bal),  /* 0-3 | 16-19 */
                    _mm256_unpackhi_epi16(rgl, bal),  /* 4-7 | 20-23 */
                    _mm256_unpacklo_epi16(rgh, bah),  /* 8-11 | 24-27 */
                    _mm256_unpackhi_epi16(rgh, bah)}; /* 12-15 | 28-31 */
    if (to == SP__CV_RGBA) {
        ST256(o, _mm256_permute2x128_si256(q[0], q[1], 0x20));
        ST256(o + 32, _mm256_permute2x128_si256(q[2], q[3], 0x20));
        ST256(o + 64, _mm256_permute2x128_si256(q[0], q[1], 0x31));
        ST256(o + 96, _mm256_permute2x128_si256(q[2], q[3], 0x31));
        return;
    }
    /* 12 bytes of each 4-pixel lane; each 16-byte store's last 4 bytes are
     * rewritten by the next, the last store writes 12 bytes only. */
    for (int i = 0; i < 4; i++) {
        q[i] = _mm256_shuffle_epi8(q[i], pack3);
        ST128(o + 12 * i, _mm256_castsi256_si128(q[i]));
    }
    for (int i = 0; i < 3; i++)
        ST128(o + 48 + 12 * i, _mm256_extracti128_si256(q[i], 1));
    __m128i t = _mm256_extracti128_si256(q[3], 1);
    _mm_storel_epi64((__m128i *)(void *)(o + 84), t);
    int32_t tail = _mm_extract_epi32(t, 2);
    memcpy(o + 92, &tail, 4);
}

void sp__convert_fast_avx2(const sp__convert_job *j)
{
    const fastc c = {
        _mm256_set1_epi16((int16_t)j->yg),
        _mm256_set1_epi32(
            (int32_t)(((uint32_t)(uint16_t)j->kvr << 16) | (uint16_t)j->kub)),
        _mm256_set1_epi32(
            (int32_t)(((uint32_t)(uint16_t)j->kvg << 16) | (uint16_t)j->kug)),
        _mm256_set1_epi16(1),
        _mm256_set1_epi16(32),
        _mm256_set1_epi16((int16_t)0x8000),
        _mm256_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13, 0,
                         1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13),
        _mm256_setr_epi8(2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15,
                         2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14,
                         15)};
    const __m256i pack3 = _mm256_setr_epi8(
        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5,
        6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m256i yoff8 = _mm256_set1_epi8((char)j->yoff);
    /* YUYV: yoff on the Y bytes only; Y doubled into words; chroma words */
    const __m256i yoffw = _mm256_set1_epi16((int16_t)j->yoff);
    const __m256i ydup =
        _mm256_setr_epi8(0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14,
                         0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14);
    const __m256i cmask = _mm256_set1_epi16((int16_t)0xff00);
    const __m256i zero = _mm256_setzero_si256();
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
        /* The last step starts at w - 32 (even, so chroma pairs stay
         * aligned) and rewrites some pixels with the same values. */
        for (uint32_t x = 0;; x += 32) {
            if (x + 32 > w)
                x = w - 32;
            __m256i lo[3], hi[3];
            if (uvp) {
                __m256i yy = _mm256_subs_epu8(LD256(s + x), yoff8);
                __m256i uv = LD256(uvp + x);
                px16(&c, _mm256_unpacklo_epi8(yy, yy),
                     _mm256_unpacklo_epi8(zero, uv), &lo[0], &lo[1], &lo[2]);
                px16(&c, _mm256_unpackhi_epi8(yy, yy),
                     _mm256_unpackhi_epi8(zero, uv), &hi[0], &hi[1], &hi[2]);
            } else {
                __m256i a = LD256(s + 2 * x), b = LD256(s + 2 * x + 32);
                /* pixels 0-7 | 16-23 and 8-15 | 24-31, as NV12's unpacks */
                __m256i l = _mm256_permute2x128_si256(a, b, 0x20);
                __m256i h = _mm256_permute2x128_si256(a, b, 0x31);
                l = _mm256_subs_epu8(l, yoffw); /* Y bytes only */
                h = _mm256_subs_epu8(h, yoffw);
                px16(&c, _mm256_shuffle_epi8(l, ydup),
                     _mm256_and_si256(l, cmask), &lo[0], &lo[1], &lo[2]);
                px16(&c, _mm256_shuffle_epi8(h, ydup),
                     _mm256_and_si256(h, cmask), &hi[0], &hi[1], &hi[2]);
            }
            store32(j->to, lo, hi, pack3, o + (size_t)x * (size_t)bpp);
            if (x + 32 >= w)
                break;
        }
    }
}
