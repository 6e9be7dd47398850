/* undistort, SSE4.1: 4 output pixels per step, for CPUs without AVX2. When
 * all four taps of all 4 pixels lie inside the image (and 8-byte loads stay
 * inside the row), the taps are loaded per pixel (gray: 2 bytes per row;
 * RGB/RGBA: one 8-byte load per row holds both taps), spread into int16
 * pairs and weighted with pmaddwd (weights in 14 bits fit int16); F32 loads
 * its taps one by one and multiplies and adds in the scalar order. Any other
 * group of 4 goes through the scalar code, so border handling has one
 * definition. Bit-exact with undistort_scalar.c. */
#include <smmintrin.h>
#include <stdint.h>
#include <string.h>

#include "undistort_int.h"

static inline float ldf(const uint8_t *p)
{
    float f;
    memcpy(&f, p, 4);
    return f;
}

int sp__undistort_sse41(const sp__undistort_job *j)
{
    const int cn = j->cn;
    const size_t esz = j->f32 ? 4 : 1;
    const int64_t rowb = (int64_t)j->w * cn * (int64_t)esz;
    const int64_t reach = 7; /* 8-byte loads (2 floats, 2 RGB(A) pixels) */
    const int64_t sxmax64 = (rowb - reach - 1) / (cn * (int64_t)esz);
    const int sxmax = rowb - reach - 1 < 0 ? -1 : (int)sxmax64;
    const int symax = (int)j->h - 2;
    /* Offsets are computed in 32-bit lanes: huge images take the scalar
     * path. */
    if ((uint64_t)j->sstride * j->h >= (1ull << 31) || sxmax < 0 || symax < 0)
        return sp__undistort_scalar(j);

    const __m128i vsxmax = _mm_set1_epi32(sxmax);
    const __m128i vsymax = _mm_set1_epi32(symax);
    const __m128i zero = _mm_setzero_si128();
    const __m128i vstride = _mm_set1_epi32((int)j->sstride);
    const __m128i vcnb = _mm_set1_epi32(cn * (int)esz);
    const __m128i m31 = _mm_set1_epi32(SP__REMAP_TAB - 1);
    const __m128i v32 = _mm_set1_epi32(SP__REMAP_TAB);
    const __m128i v16 = _mm_set1_epi32(16);
    const __m128i round = _mm_set1_epi32(1 << (SP__REMAP_WBITS - 1));
    /* gray: a dword per pixel holds top taps (bytes 0, 1) and bottom taps
     * (bytes 2, 3); these spread them into int16 pairs */
    const __m128i pair1 =
        _mm_setr_epi8(0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1);
    const __m128i pair1b = _mm_setr_epi8(2, -1, 3, -1, 6, -1, 7, -1, 10, -1, 11,
                                         -1, 14, -1, 15, -1);
    /* (p00, p01) int16 pairs per channel from an 8-byte window of 2 pixels */
    const __m128i pairs = cn == 3 ? _mm_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2,
                                                  -1, 5, -1, -1, -1, -1, -1)
                                  : _mm_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2,
                                                  -1, 6, -1, 3, -1, 7, -1);
    const __m128i pack3 =
        _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m128i pack1 = _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1);
    const __m128 inv32 = _mm_set1_ps(1.f / SP__REMAP_TAB);
    const __m128 one = _mm_set1_ps(1.f);

    for (uint32_t y = j->y0; y < j->y1; y++) {
        const size_t prow = (size_t)y * j->w;
        uint8_t *drow = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        for (; x + 4 <= j->w; x += 4) {
            __m128i xy = _mm_loadu_si128(
                (const __m128i *)(const void *)(j->xy + 2 * (prow + x)));
            __m128i sx = _mm_srai_epi32(_mm_slli_epi32(xy, 16), 16);
            __m128i sy = _mm_srai_epi32(xy, 16);
            __m128i bad =
                _mm_or_si128(_mm_or_si128(_mm_cmpgt_epi32(sx, vsxmax),
                                          _mm_cmpgt_epi32(sy, vsymax)),
                             _mm_or_si128(_mm_cmpgt_epi32(zero, sx),
                                          _mm_cmpgt_epi32(zero, sy)));
            if (!_mm_testz_si128(bad, bad)) {
                sp__undistort_span_scalar(j, y, x, x + 4);
                continue;
            }
            __m128i f = _mm_cvtepu16_epi32(_mm_loadl_epi64(
                (const __m128i *)(const void *)(j->frac + prow + x)));
            __m128i fx = _mm_and_si128(f, m31);
            __m128i fy = _mm_srli_epi32(f, SP__REMAP_BITS);
            __m128i off = _mm_add_epi32(_mm_mullo_epi32(sy, vstride),
                                        _mm_mullo_epi32(sx, vcnb));
            int32_t offs[4];
            _mm_storeu_si128((__m128i *)(void *)offs, off);
            if (j->f32) {
                const uint8_t *a[4], *b[4];
                for (int q = 0; q < 4; q++) {
                    a[q] = j->src + offs[q];
                    b[q] = a[q] + j->sstride;
                }
                __m128 p00 =
                    _mm_setr_ps(ldf(a[0]), ldf(a[1]), ldf(a[2]), ldf(a[3]));
                __m128 p01 = _mm_setr_ps(ldf(a[0] + 4), ldf(a[1] + 4),
                                         ldf(a[2] + 4), ldf(a[3] + 4));
                __m128 p10 =
                    _mm_setr_ps(ldf(b[0]), ldf(b[1]), ldf(b[2]), ldf(b[3]));
                __m128 p11 = _mm_setr_ps(ldf(b[0] + 4), ldf(b[1] + 4),
                                         ldf(b[2] + 4), ldf(b[3] + 4));
                __m128 ax = _mm_mul_ps(_mm_cvtepi32_ps(fx), inv32);
                __m128 ay = _mm_mul_ps(_mm_cvtepi32_ps(fy), inv32);
                __m128 bx = _mm_sub_ps(one, ax), by = _mm_sub_ps(one, ay);
                __m128 t = _mm_mul_ps(p00, _mm_mul_ps(by, bx));
                t = _mm_add_ps(t, _mm_mul_ps(p01, _mm_mul_ps(by, ax)));
                t = _mm_add_ps(t, _mm_mul_ps(p10, _mm_mul_ps(ay, bx)));
                t = _mm_add_ps(t, _mm_mul_ps(p11, _mm_mul_ps(ay, ax)));
                _mm_storeu_ps((float *)(void *)drow + x, t);
                continue;
            }
            /* 14-bit weights as int16 pairs: (w00 | w01 << 16) for the top
             * row, (w10 | w11 << 16) for the bottom one. */
            __m128i wx0 = _mm_sub_epi32(v32, fx), wy0 = _mm_sub_epi32(v32, fy);
            __m128i w00 = _mm_mullo_epi16(_mm_mullo_epi16(wx0, wy0), v16);
            __m128i w01 = _mm_mullo_epi16(_mm_mullo_epi16(fx, wy0), v16);
            __m128i w10 = _mm_mullo_epi16(_mm_mullo_epi16(wx0, fy), v16);
            __m128i w11 = _mm_mullo_epi16(_mm_mullo_epi16(fx, fy), v16);
            __m128i wt = _mm_or_si128(w00, _mm_slli_epi32(w01, 16));
            __m128i wb = _mm_or_si128(w10, _mm_slli_epi32(w11, 16));
            if (cn == 1) {
                uint32_t taps[4];
                for (int q = 0; q < 4; q++) {
                    uint16_t t, b;
                    memcpy(&t, j->src + offs[q], 2);
                    memcpy(&b, j->src + offs[q] + j->sstride, 2);
                    taps[q] = (uint32_t)t | (uint32_t)b << 16;
                }
                __m128i g = _mm_loadu_si128((const __m128i *)(void *)taps);
                __m128i v = _mm_add_epi32(
                    _mm_madd_epi16(_mm_shuffle_epi8(g, pair1), wt),
                    _mm_madd_epi16(_mm_shuffle_epi8(g, pair1b), wb));
                v = _mm_srai_epi32(_mm_add_epi32(v, round), SP__REMAP_WBITS);
                int32_t o4 = _mm_cvtsi128_si32(_mm_shuffle_epi8(v, pack1));
                memcpy(drow + x, &o4, 4);
                continue;
            }
            /* 3 or 4 channels: one 8-byte load per pixel and row holds both
             * taps; each pixel's weights are broadcast to its channels. */
            __m128i acc[4];
            for (int q = 0; q < 4; q++) {
                const uint8_t *a0 = j->src + offs[q];
                __m128i top =
                    _mm_loadl_epi64((const __m128i *)(const void *)a0);
                __m128i bot = _mm_loadl_epi64(
                    (const __m128i *)(const void *)(a0 + j->sstride));
                __m128i wq_t, wq_b;
                switch (q) { /* pshufd takes an immediate */
                case 0:
                    wq_t = _mm_shuffle_epi32(wt, 0x00);
                    wq_b = _mm_shuffle_epi32(wb, 0x00);
                    break;
                case 1:
                    wq_t = _mm_shuffle_epi32(wt, 0x55);
                    wq_b = _mm_shuffle_epi32(wb, 0x55);
                    break;
                case 2:
                    wq_t = _mm_shuffle_epi32(wt, 0xaa);
                    wq_b = _mm_shuffle_epi32(wb, 0xaa);
                    break;
                default:
                    wq_t = _mm_shuffle_epi32(wt, 0xff);
                    wq_b = _mm_shuffle_epi32(wb, 0xff);
                    break;
                }
                __m128i v = _mm_add_epi32(
                    _mm_madd_epi16(_mm_shuffle_epi8(top, pairs), wq_t),
                    _mm_madd_epi16(_mm_shuffle_epi8(bot, pairs), wq_b));
                acc[q] =
                    _mm_srai_epi32(_mm_add_epi32(v, round), SP__REMAP_WBITS);
            }
            __m128i out = _mm_packus_epi16(_mm_packs_epi32(acc[0], acc[1]),
                                           _mm_packs_epi32(acc[2], acc[3]));
            if (cn == 4) {
                _mm_storeu_si128((__m128i *)(void *)(drow + (size_t)x * 4),
                                 out);
            } else {
                uint8_t tmp[16];
                _mm_storeu_si128((__m128i *)(void *)tmp,
                                 _mm_shuffle_epi8(out, pack3));
                memcpy(drow + (size_t)x * 3, tmp, 12);
            }
        }
        if (x < j->w)
            sp__undistort_span_scalar(j, y, x, j->w);
    }
    return SP_OK;
}
