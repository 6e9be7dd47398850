/* Levels, AVX2: 16 samples per step; the same single-precision operations
 * as the scalar reference (convert, multiply, add 0.5, min, truncate), so
 * the output is identical. */
#include <immintrin.h>

#include "levels_int.h"

/* clang contracts a * b + c into an fma by default; the bits must match. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void sp__levels_avx2(const sp__levels_job *j)
{
    const __m256i black =
        _mm256_set1_epi16((short)(j->black > 65535 ? 65535 : j->black));
    const __m256 half = _mm256_set1_ps(0.5f);
    const __m256 maxout = _mm256_set1_ps(j->maxout);
    for (uint32_t y = 0; y < j->h; y++) {
        const uint16_t *s =
            (const uint16_t *)(const void *)(j->src + (size_t)y * j->sstride);
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        const float *sc = j->scale[y & 1];
        const __m256 scale = _mm256_setr_ps(sc[0], sc[1], sc[0], sc[1], sc[0],
                                            sc[1], sc[0], sc[1]);
        uint32_t x = 0;
        for (; x + 16 <= j->w; x += 16) {
            __m256i v = _mm256_subs_epu16(
                _mm256_loadu_si256((const __m256i *)(const void *)(s + x)),
                black);
            __m256i lo = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(v));
            __m256i hi = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(v, 1));
            __m256 flo = _mm256_mul_ps(_mm256_cvtepi32_ps(lo), scale);
            __m256 fhi = _mm256_mul_ps(_mm256_cvtepi32_ps(hi), scale);
            flo = _mm256_min_ps(_mm256_add_ps(flo, half), maxout);
            fhi = _mm256_min_ps(_mm256_add_ps(fhi, half), maxout);
            __m256i r = _mm256_packus_epi32(_mm256_cvttps_epi32(flo),
                                            _mm256_cvttps_epi32(fhi));
            r = _mm256_permute4x64_epi64(r, 0xD8);
            if (j->wide)
                _mm256_storeu_si256(
                    (__m256i *)(void *)((uint16_t *)(void *)o + x), r);
            else
                _mm_storeu_si128(
                    (__m128i *)(void *)(o + x),
                    _mm_packus_epi16(_mm256_castsi256_si128(r),
                                     _mm256_extracti128_si256(r, 1)));
        }
        sp__levels_span_scalar(j, y, x, j->w);
    }
}
