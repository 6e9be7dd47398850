/* normalize, AVX2: 16 pixels per step for 1- and 3-byte pixels (byte
 * shuffles split the interleaved channels), 8 for RGBA; each channel is
 * widened to 8 int32, converted, multiplied and added as in the scalar
 * code (separate mul and add, so results are bit-exact). */
#include <immintrin.h>

#include "normalize_int.h"

static inline void store8(float *d, __m128i bytes8, __m256 a, __m256 b)
{
    __m256 p = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes8));
    _mm256_storeu_ps(d, _mm256_add_ps(_mm256_mul_ps(p, a), b));
}

int sp__normalize_avx2(const sp__normalize_job *j)
{
    const int nout = j->nout;
    __m256 va[3], vb[3];
    for (int c = 0; c < nout; c++) {
        va[c] = _mm256_set1_ps(j->a[c]);
        vb[c] = _mm256_set1_ps(j->b[c]);
    }
    /* For RGB: mask[c][v] picks, from the v-th 16-byte block of 48 bytes,
     * the bytes of channel in_ch[c] of 16 pixels into their final place. */
    __m128i mask[3][3];
    if (j->cn == 3)
        for (int c = 0; c < nout; c++)
            for (int v = 0; v < 3; v++) {
                uint8_t m[16];
                for (int i = 0; i < 16; i++) {
                    int pos = j->in_ch[c] + 3 * i;
                    m[i] = pos / 16 == v ? (uint8_t)(pos % 16) : 0x80;
                }
                mask[c][v] = _mm_loadu_si128((const __m128i *)m);
            }

    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        float *d[3];
        for (int c = 0; c < nout; c++)
            d[c] = j->dst + (size_t)c * j->plane + (size_t)y * j->w;
        uint32_t x = 0;
        if (j->cn == 3) {
            for (; x + 16 <= j->w; x += 16) {
                const uint8_t *p = s + (size_t)x * 3;
                __m128i v0 = _mm_loadu_si128((const __m128i *)p);
                __m128i v1 = _mm_loadu_si128((const __m128i *)(p + 16));
                __m128i v2 = _mm_loadu_si128((const __m128i *)(p + 32));
                for (int c = 0; c < 3; c++) {
                    __m128i t = _mm_or_si128(
                        _mm_or_si128(_mm_shuffle_epi8(v0, mask[c][0]),
                                     _mm_shuffle_epi8(v1, mask[c][1])),
                        _mm_shuffle_epi8(v2, mask[c][2]));
                    store8(d[c] + x, t, va[c], vb[c]);
                    store8(d[c] + x + 8, _mm_srli_si128(t, 8), va[c], vb[c]);
                }
            }
        } else if (j->cn == 4) {
            const __m256i lo8 = _mm256_set1_epi32(0xff);
            for (; x + 8 <= j->w; x += 8) {
                __m256i v =
                    _mm256_loadu_si256((const __m256i *)(s + (size_t)x * 4));
                for (int c = 0; c < 3; c++) {
                    __m256i ch = _mm256_and_si256(
                        _mm256_srlv_epi32(v,
                                          _mm256_set1_epi32(8 * j->in_ch[c])),
                        lo8);
                    __m256 p = _mm256_cvtepi32_ps(ch);
                    _mm256_storeu_ps(
                        d[c] + x,
                        _mm256_add_ps(_mm256_mul_ps(p, va[c]), vb[c]));
                }
            }
        } else {
            for (; x + 16 <= j->w; x += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(s + x));
                store8(d[0] + x, v, va[0], vb[0]);
                store8(d[0] + x + 8, _mm_srli_si128(v, 8), va[0], vb[0]);
            }
        }
        sp__normalize_row_scalar(j, y, x);
    }
    return SP_OK;
}
