/* undistort, AVX2: 8 output pixels per step. When all four taps of all 8
 * pixels lie inside the image (and 8-byte loads stay inside the row), the
 * taps are loaded per pixel (gray: 2 bytes per row; RGB/RGBA: one 8-byte
 * load per row holds both taps, cheaper here than gathers), spread into
 * int16 pairs and weighted with madd (weights in 14 bits fit int16); F32
 * gathers its taps and multiplies and adds in the scalar order. Any other
 * group of 8 goes through the scalar code, so border handling has one
 * definition. Bit-exact with undistort_scalar.c. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "undistort_int.h"

int sp__undistort_avx2(const sp__undistort_job *j)
{
    const int cn = j->cn;
    const size_t esz = j->f32 ? 4 : 1;
    const int64_t rowb = (int64_t)j->w * cn * (int64_t)esz;
    /* Byte reach past a pixel's first byte of the widest load: 4-byte
     * gathers at the left tap (and at the right tap for 3/4 channels). */
    const int64_t reach = 7; /* 8-byte loads (2 floats, 2 RGB(A) pixels) */
    const int64_t sxmax64 = (rowb - reach - 1) / (cn * (int64_t)esz);
    const int sxmax = rowb - reach - 1 < 0 ? -1 : (int)sxmax64;
    const int symax = (int)j->h - 2;
    /* 32-bit gather offsets: huge images take the scalar path. */
    if ((uint64_t)j->sstride * j->h >= (1ull << 31) || sxmax < 0 || symax < 0)
        return sp__undistort_scalar(j);

    const __m256i vsxmax = _mm256_set1_epi32(sxmax);
    const __m256i vsymax = _mm256_set1_epi32(symax);
    const __m256i zero = _mm256_setzero_si256();
    const __m256i vstride = _mm256_set1_epi32((int)j->sstride);
    const __m256i vcnb = _mm256_set1_epi32(cn * (int)esz);
    const __m256i m31 = _mm256_set1_epi32(SP__REMAP_TAB - 1);
    const __m256i v32 = _mm256_set1_epi32(SP__REMAP_TAB);
    const __m256i v16 = _mm256_set1_epi32(16);
    const __m256i round = _mm256_set1_epi32(1 << (SP__REMAP_WBITS - 1));
    const __m256i pair1 = _mm256_setr_epi8(
        0, -1, 1, -1, 4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1, 0, -1, 1, -1,
        4, -1, 5, -1, 8, -1, 9, -1, 12, -1, 13, -1);
    const __m256i pair1b = _mm256_setr_epi8(
        2, -1, 3, -1, 6, -1, 7, -1, 10, -1, 11, -1, 14, -1, 15, -1, 2, -1, 3,
        -1, 6, -1, 7, -1, 10, -1, 11, -1, 14, -1, 15, -1);
    /* (p00, p01) int16 pairs per channel from an 8-byte window of 2 pixels */
    const __m256i pairs =
        cn == 3 ? _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1,
                                   -1, -1, -1, 0, -1, 3, -1, 1, -1, 4, -1, 2,
                                   -1, 5, -1, -1, -1, -1, -1)
                : _mm256_setr_epi8(0, -1, 4, -1, 1, -1, 5, -1, 2, -1, 6, -1, 3,
                                   -1, 7, -1, 0, -1, 4, -1, 1, -1, 5, -1, 2, -1,
                                   6, -1, 3, -1, 7, -1);
    const __m256i pack3 = _mm256_setr_epi8(
        0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1, 0, 1, 2, 4, 5,
        6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m256i pack1 = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8,
        12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256 inv32 = _mm256_set1_ps(1.f / SP__REMAP_TAB);
    const __m256 one = _mm256_set1_ps(1.f);
    const int *base = (const int *)(const void *)j->src;

    for (uint32_t y = j->y0; y < j->y1; y++) {
        const size_t prow = (size_t)y * j->w;
        uint8_t *drow = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        for (; x + 8 <= j->w; x += 8) {
            __m256i xy =
                _mm256_loadu_si256((const __m256i *)(j->xy + 2 * (prow + x)));
            __m256i sx = _mm256_srai_epi32(_mm256_slli_epi32(xy, 16), 16);
            __m256i sy = _mm256_srai_epi32(xy, 16);
            __m256i bad =
                _mm256_or_si256(_mm256_or_si256(_mm256_cmpgt_epi32(sx, vsxmax),
                                                _mm256_cmpgt_epi32(sy, vsymax)),
                                _mm256_or_si256(_mm256_cmpgt_epi32(zero, sx),
                                                _mm256_cmpgt_epi32(zero, sy)));
            if (!_mm256_testz_si256(bad, bad)) {
                sp__undistort_span_scalar(j, y, x, x + 8);
                continue;
            }
            __m256i f = _mm256_cvtepu16_epi32(
                _mm_loadu_si128((const __m128i *)(j->frac + prow + x)));
            __m256i fx = _mm256_and_si256(f, m31);
            __m256i fy = _mm256_srli_epi32(f, SP__REMAP_BITS);
            __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(sy, vstride),
                                           _mm256_mullo_epi32(sx, vcnb));
            __m256i offb = _mm256_add_epi32(off, vstride);
            if (j->f32) {
                __m256 p00 =
                    _mm256_castsi256_ps(_mm256_i32gather_epi32(base, off, 1));
                __m256 p01 = _mm256_castsi256_ps(_mm256_i32gather_epi32(
                    base, _mm256_add_epi32(off, _mm256_set1_epi32(4)), 1));
                __m256 p10 =
                    _mm256_castsi256_ps(_mm256_i32gather_epi32(base, offb, 1));
                __m256 p11 = _mm256_castsi256_ps(_mm256_i32gather_epi32(
                    base, _mm256_add_epi32(offb, _mm256_set1_epi32(4)), 1));
                __m256 ax = _mm256_mul_ps(_mm256_cvtepi32_ps(fx), inv32);
                __m256 ay = _mm256_mul_ps(_mm256_cvtepi32_ps(fy), inv32);
                __m256 bx = _mm256_sub_ps(one, ax), by = _mm256_sub_ps(one, ay);
                __m256 t = _mm256_mul_ps(p00, _mm256_mul_ps(by, bx));
                t = _mm256_add_ps(t, _mm256_mul_ps(p01, _mm256_mul_ps(by, ax)));
                t = _mm256_add_ps(t, _mm256_mul_ps(p10, _mm256_mul_ps(ay, bx)));
                t = _mm256_add_ps(t, _mm256_mul_ps(p11, _mm256_mul_ps(ay, ax)));
                _mm256_storeu_ps((float *)(void *)drow + x, t);
                continue;
            }
            /* 14-bit weights as int16 pairs: (w00 | w01 << 16) for the top
             * row, (w10 | w11 << 16) for the bottom one. */
            __m256i wx0 = _mm256_sub_epi32(v32, fx),
                    wy0 = _mm256_sub_epi32(v32, fy);
            __m256i w00 = _mm256_mullo_epi16(_mm256_mullo_epi16(wx0, wy0), v16);
            __m256i w01 = _mm256_mullo_epi16(_mm256_mullo_epi16(fx, wy0), v16);
            __m256i w10 = _mm256_mullo_epi16(_mm256_mullo_epi16(wx0, fy), v16);
            __m256i w11 = _mm256_mullo_epi16(_mm256_mullo_epi16(fx, fy), v16);
            __m256i wt = _mm256_or_si256(w00, _mm256_slli_epi32(w01, 16));
            __m256i wb = _mm256_or_si256(w10, _mm256_slli_epi32(w11, 16));
            int32_t offs[8];
            _mm256_storeu_si256((__m256i *)offs, off);
            if (cn == 1) {
                /* per pixel the 2 top and 2 bottom taps in one dword */
                uint32_t taps[8];
                for (int q = 0; q < 8; q++) {
                    uint16_t t, b;
                    memcpy(&t, j->src + offs[q], 2);
                    memcpy(&b, j->src + offs[q] + j->sstride, 2);
                    taps[q] = (uint32_t)t | (uint32_t)b << 16;
                }
                __m256i g = _mm256_loadu_si256((const __m256i *)taps);
                __m256i v = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_shuffle_epi8(g, pair1), wt),
                    _mm256_madd_epi16(_mm256_shuffle_epi8(g, pair1b), wb));
                v = _mm256_srai_epi32(_mm256_add_epi32(v, round),
                                      SP__REMAP_WBITS);
                v = _mm256_shuffle_epi8(v, pack1);
                __m128i o = _mm_unpacklo_epi32(_mm256_castsi256_si128(v),
                                               _mm256_extracti128_si256(v, 1));
                _mm_storel_epi64((__m128i *)(drow + x), o);
                continue;
            }
            /* 3 or 4 channels: one 8-byte load per pixel and row holds both
             * taps (2 pixels); lane 0 takes pixels 0-3, lane 1 pixels 4-7,
             * so the packs below leave the pixels in order. */
            __m256i acc[4];
            for (int q = 0; q < 4; q++) {
                const uint8_t *a0 = j->src + offs[q],
                              *a1 = j->src + offs[q + 4];
                __m256i top = _mm256_inserti128_si256(
                    _mm256_castsi128_si256(
                        _mm_loadl_epi64((const __m128i *)a0)),
                    _mm_loadl_epi64((const __m128i *)a1), 1);
                __m256i bot = _mm256_inserti128_si256(
                    _mm256_castsi128_si256(
                        _mm_loadl_epi64((const __m128i *)(a0 + j->sstride))),
                    _mm_loadl_epi64((const __m128i *)(a1 + j->sstride)), 1);
                __m256i idx =
                    _mm256_setr_epi32(q, q, q, q, q + 4, q + 4, q + 4, q + 4);
                __m256i v = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_shuffle_epi8(top, pairs),
                                      _mm256_permutevar8x32_epi32(wt, idx)),
                    _mm256_madd_epi16(_mm256_shuffle_epi8(bot, pairs),
                                      _mm256_permutevar8x32_epi32(wb, idx)));
                acc[q] = _mm256_srai_epi32(_mm256_add_epi32(v, round),
                                           SP__REMAP_WBITS);
            }
            __m256i out =
                _mm256_packus_epi16(_mm256_packs_epi32(acc[0], acc[1]),
                                    _mm256_packs_epi32(acc[2], acc[3]));
            if (cn == 4) {
                _mm256_storeu_si256((__m256i *)(drow + (size_t)x * 4), out);
            } else {
                uint8_t tmp[32];
                _mm256_storeu_si256((__m256i *)tmp,
                                    _mm256_shuffle_epi8(out, pack3));
                memcpy(drow + (size_t)x * 3, tmp, 12);
                memcpy(drow + (size_t)x * 3 + 12, tmp + 16, 12);
            }
        }
        if (x < j->w)
            sp__undistort_span_scalar(j, y, x, j->w);
    }
    return SP_OK;
}
