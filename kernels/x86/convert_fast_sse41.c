/* Convert, SSE4.1, the fast YUV rule (sp_convert.h): the AVX2 version's
 * arithmetic (kernels/x86/convert_fast_avx2.c) at half the width, 16 pixels
 * a step, for CPUs without AVX2. Bit-exact with the scalar fast rule. */
#include <smmintrin.h>
#include <string.h>

#include "convert_int.h"

#define LD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define ST128(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

typedef struct fastc {
    __m128i yg, kbr, kg, ones, bias, sign, dupb, dupr;
} fastc;

/* 8 pixels, one per 16-bit lane: y16 = Y' * 256, uv = U << 8, V << 8 of
 * their 4 chroma pairs. Out: R, G, B as int16 after the >> 6. */
static inline void px8(const fastc *c, __m128i y16, __m128i uv, __m128i *r,
                       __m128i *g, __m128i *b)
{
    __m128i yt = _mm_add_epi16(_mm_mulhi_epu16(y16, c->yg), c->bias);
    uv = _mm_xor_si128(uv, c->sign);
    __m128i br = _mm_mulhrs_epi16(uv, c->kbr);
    __m128i gg = _mm_madd_epi16(_mm_mulhrs_epi16(uv, c->kg), c->ones);
    *b = _mm_srai_epi16(_mm_adds_epi16(yt, _mm_shuffle_epi8(br, c->dupb)), 6);
    *r = _mm_srai_epi16(_mm_adds_epi16(yt, _mm_shuffle_epi8(br, c->dupr)), 6);
    *g = _mm_srai_epi16(_mm_adds_epi16(yt, _mm_shuffle_epi8(gg, c->dupb)), 6);
}

/* Clamps and stores 16 pixels (lo: 0-7, hi: 8-15). */
static inline void store16(int to, const __m128i lo[3], const __m128i hi[3],
                           __m128i pack3, uint8_t *o)
{
    __m128i r8 = _mm_packus_epi16(lo[0], hi[0]);
    __m128i g8 = _mm_packus_epi16(lo[1], hi[1]);
    __m128i b8 = _mm_packus_epi16(lo[2], hi[2]);
    __m128i c0 = to == SP__CV_BGR ? b8 : r8, c2 = to == SP__CV_BGR ? r8 : b8;
    __m128i a8 = _mm_set1_epi8(-1);
    __m128i rgl = _mm_unpacklo_epi8(c0, g8), rgh = _mm_unpackhi_epi8(c0, g8);
    __m128i bal = _mm_unpacklo_epi8(c2, a8), bah = _mm_unpackhi_epi8(c2, a8);
    __m128i q[4] = {_mm_unpacklo_epi16(rgl, bal), _mm_unpackhi_epi16(rgl, bal),
                    _mm_unpacklo_epi16(rgh, bah), _mm_unpackhi_epi16(rgh, bah)};
    if (to == SP__CV_RGBA) {
        for (int i = 0; i < 4; i++)
            ST128(o + 16 * i, q[i]);
        return;
    }
    for (int i = 0; i < 3; i++)
        ST128(o + 12 * i, _mm_shuffle_epi8(q[i], pack3));
    __m128i t = _mm_shuffle_epi8(q[3], pack3);
    _mm_storel_epi64((__m128i *)(void *)(o + 36), t);
    int32_t tail = _mm_extract_epi32(t, 2);
    memcpy(o + 44, &tail, 4);
}

void sp__convert_fast_sse41(const sp__convert_job *j)
{
    const fastc c = {
        _mm_set1_epi16((int16_t)j->yg),
        _mm_set1_epi32(
            (int32_t)(((uint32_t)(uint16_t)j->kvr << 16) | (uint16_t)j->kub)),
        _mm_set1_epi32(
            (int32_t)(((uint32_t)(uint16_t)j->kvg << 16) | (uint16_t)j->kug)),
        _mm_set1_epi16(1),
        _mm_set1_epi16(32),
        _mm_set1_epi16((int16_t)0x8000),
        _mm_setr_epi8(0, 1, 0, 1, 4, 5, 4, 5, 8, 9, 8, 9, 12, 13, 12, 13),
        _mm_setr_epi8(2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15)};
    const __m128i pack3 =
        _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m128i yoff8 = _mm_set1_epi8((char)j->yoff);
    const __m128i yoffw = _mm_set1_epi16((int16_t)j->yoff); /* Y bytes */
    const __m128i ydup = _mm_setr_epi8(-1, 0, -1, 2, -1, 4, -1, 6, -1, 8, -1,
                                       10, -1, 12, -1, 14);
    const __m128i cmask = _mm_set1_epi16((int16_t)0xff00);
    const __m128i zero = _mm_setzero_si128();
    const int bpp = j->to == SP__CV_RGBA ? 4 : 3;
    const uint32_t w = j->w;

    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        const uint8_t *uvp =
            j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        if (w < 16) {
            sp__convert_span_scalar(j, y, 0, w);
            continue;
        }
        /* The last step starts at w - 16 (even: chroma pairs stay aligned)
         * and rewrites some pixels with the same values. */
        for (uint32_t x = 0;; x += 16) {
            if (x + 16 > w)
                x = w - 16;
            __m128i lo[3], hi[3];
            if (uvp) {
                __m128i yy = _mm_subs_epu8(LD128(s + x), yoff8);
                __m128i uv = LD128(uvp + x);
                px8(&c, _mm_unpacklo_epi8(zero, yy),
                    _mm_unpacklo_epi8(zero, uv), &lo[0], &lo[1], &lo[2]);
                px8(&c, _mm_unpackhi_epi8(zero, yy),
                    _mm_unpackhi_epi8(zero, uv), &hi[0], &hi[1], &hi[2]);
            } else {
                __m128i a = _mm_subs_epu8(LD128(s + 2 * x), yoffw);
                __m128i b = _mm_subs_epu8(LD128(s + 2 * x + 16), yoffw);
                px8(&c, _mm_shuffle_epi8(a, ydup), _mm_and_si128(a, cmask),
                    &lo[0], &lo[1], &lo[2]);
                px8(&c, _mm_shuffle_epi8(b, ydup), _mm_and_si128(b, cmask),
                    &hi[0], &hi[1], &hi[2]);
            }
            store16(j->to, lo, hi, pack3, o + (size_t)x * (size_t)bpp);
            if (x + 16 >= w)
                break;
        }
    }
}
