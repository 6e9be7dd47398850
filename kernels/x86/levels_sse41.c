/* Levels, SSE4.1: 8 samples per step, the scalar reference's single
 * precision steps, bit-exact (see levels_avx2.c). */
#include <smmintrin.h>

#include "levels_int.h"

/* clang contracts a * b + c into an fma by default; the bits must match. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static inline __m128i one4(__m128i v32, __m128 scale, __m128 half,
                           __m128 maxout)
{
    __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(v32), scale);
    f = _mm_min_ps(_mm_add_ps(f, half), maxout);
    return _mm_cvttps_epi32(f);
}

void sp__levels_sse41(const sp__levels_job *j)
{
    const __m128i black =
        _mm_set1_epi16((short)(j->black > 65535 ? 65535 : j->black));
    const __m128 half = _mm_set1_ps(0.5f), maxout = _mm_set1_ps(j->maxout);
    for (uint32_t y = 0; y < j->h; y++) {
        const uint16_t *s =
            (const uint16_t *)(const void *)(j->src + (size_t)y * j->sstride);
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        const float *sc = j->scale[y & 1];
        const __m128 scale = _mm_setr_ps(sc[0], sc[1], sc[0], sc[1]);
        uint32_t x = 0;
        for (; x + 8 <= j->w; x += 8) {
            __m128i v = _mm_subs_epu16(
                _mm_loadu_si128((const __m128i *)(const void *)(s + x)), black);
            __m128i lo = one4(_mm_cvtepu16_epi32(v), scale, half, maxout);
            __m128i hi = one4(_mm_cvtepu16_epi32(_mm_srli_si128(v, 8)), scale,
                              half, maxout);
            __m128i r = _mm_packus_epi32(lo, hi);
            if (j->wide)
                _mm_storeu_si128((__m128i *)(void *)((uint16_t *)(void *)o + x),
                                 r);
            else
                _mm_storel_epi64((__m128i *)(void *)(o + x),
                                 _mm_packus_epi16(r, r));
        }
        sp__levels_span_scalar(j, y, x, j->w);
    }
}
