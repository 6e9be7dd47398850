/* normalize, SSE4.1: 16 pixels per step for 1- and 3-byte pixels (byte
 * shuffles split the interleaved channels), 4 for RGBA; each channel is
 * widened to 4 int32 at a time, converted, multiplied and added as in the
 * scalar code (separate mul and add, so results are bit-exact). The AVX2
 * version's layout at half the width, for CPUs without AVX2. */
#include <smmintrin.h>

#include "normalize_int.h"

/* Four pixels: the low 4 bytes of @p bytes4. */
static inline void store4(float *d, __m128i bytes4, __m128 a, __m128 b)
{
    __m128 p = _mm_cvtepi32_ps(_mm_cvtepu8_epi32(bytes4));
    _mm_storeu_ps(d, _mm_add_ps(_mm_mul_ps(p, a), b));
}

static inline void store16(float *d, __m128i v, __m128 a, __m128 b)
{
    store4(d, v, a, b);
    store4(d + 4, _mm_srli_si128(v, 4), a, b);
    store4(d + 8, _mm_srli_si128(v, 8), a, b);
    store4(d + 12, _mm_srli_si128(v, 12), a, b);
}

int sp__normalize_sse41(const sp__normalize_job *j)
{
    const int nout = j->nout;
    __m128 va[3], vb[3];
    for (int c = 0; c < nout; c++) {
        va[c] = _mm_set1_ps(j->a[c]);
        vb[c] = _mm_set1_ps(j->b[c]);
    }
    /* RGB: mask[c][v] picks, from the v-th 16-byte block of 48 bytes, the
     * bytes of channel in_ch[c] of 16 pixels into their final place. RGBA:
     * mask[c][0] picks channel in_ch[c] of 4 pixels into 4 int32 lanes. */
    __m128i mask[3][3];
    for (int c = 0; c < nout; c++)
        for (int v = 0; v < 3; v++) {
            uint8_t m[16];
            for (int i = 0; i < 16; i++) {
                int pos = j->in_ch[c] + 3 * i;
                if (j->cn == 4)
                    m[i] = i % 4 == 0 ? (uint8_t)(j->in_ch[c] + i) : 0x80;
                else
                    m[i] = pos / 16 == v ? (uint8_t)(pos % 16) : 0x80;
            }
            mask[c][v] = _mm_loadu_si128((const __m128i *)(const void *)m);
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
                __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)p);
                __m128i v1 =
                    _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
                __m128i v2 =
                    _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
                for (int c = 0; c < 3; c++) {
                    __m128i t = _mm_or_si128(
                        _mm_or_si128(_mm_shuffle_epi8(v0, mask[c][0]),
                                     _mm_shuffle_epi8(v1, mask[c][1])),
                        _mm_shuffle_epi8(v2, mask[c][2]));
                    store16(d[c] + x, t, va[c], vb[c]);
                }
            }
        } else if (j->cn == 4) {
            for (; x + 4 <= j->w; x += 4) {
                __m128i v = _mm_loadu_si128(
                    (const __m128i *)(const void *)(s + (size_t)x * 4));
                for (int c = 0; c < 3; c++) {
                    __m128 p = _mm_cvtepi32_ps(_mm_shuffle_epi8(v, mask[c][0]));
                    _mm_storeu_ps(d[c] + x,
                                  _mm_add_ps(_mm_mul_ps(p, va[c]), vb[c]));
                }
            }
        } else {
            for (; x + 16 <= j->w; x += 16)
                store16(d[0] + x,
                        _mm_loadu_si128((const __m128i *)(const void *)(s + x)),
                        va[0], vb[0]);
        }
        sp__normalize_row_scalar(j, y, x);
    }
    return SP_OK;
}
