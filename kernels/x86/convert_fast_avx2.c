/* Convert, AVX2, the fast YUV rule (sp_convert.h): 32 pixels a step in
 * 16-bit lanes, the arithmetic of libyuv's I422ToARGB rows (pmulhuw for
 * luma, pmulhrsw for chroma, here with 13-bit coefficients). Luma is split
 * into even and odd pixels (a shift and a mask of its words), so each
 * chroma sample's products line up with both of its pixels and need no
 * duplication; the pixels are re-interleaved with the R, G, B, A bytes.
 * Bit-exact with the scalar fast rule: each instruction computes one of its
 * formulas (sp__cv_fast_*), and the saturating add only saturates sums
 * that clamp to 255 anyway.
 *
 * Outputs of SP__STREAM_MIN bytes or more are written with streaming stores
 * (RGBA 32-byte aligned; RGB and BGR 16-byte aligned, their 12-byte pixel
 * quads joined into whole vectors first): such a frame is larger than a core's
 * L2 here (2 MiB), so a cached store gains the next stage little, while it
 * costs a read of every output line first (write-allocate); measured 25-35%
 * less time on 1080p (bench/compare/libyuv_compare). The next stage reads the
 * frame from memory instead of L3. */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "convert_int.h"

#define LD256(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define ST256(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define ST128(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

typedef struct fastc {
    __m256i yg, kvr, kug, kvg, kub, c512, hi8, yoff, x80, ff, pack3;
} fastc;

/* (s + 32) >> 6 as (s * 512 + 2^14) >> 15: one pmulhrsw for add and
 * shift. */
static inline __m256i out16(const fastc *c, __m256i y, __m256i ch)
{
    return _mm256_mulhrs_epi16(_mm256_adds_epi16(y, ch), c->c512);
}

/* 32 pixels to 4 vectors of R, G, B, A dwords and stores them. In: y, the
 * Y bytes of 16 pixel pairs, and uv, their U, V bytes, both laid out so
 * that 128-bit lane 0 holds pairs 0, 1, 4, 5, 8, 9, 12, 13 and lane 1 the
 * others: the interleave then yields pixels 0-7, 8-15, 16-23, 24-31 with
 * in-lane instructions only. */
static inline void px32(const fastc *c, int to, int stream, __m256i y,
                        __m256i uv, uint8_t *o)
{
    y = _mm256_subs_epu8(y, c->yoff);
    uv = _mm256_xor_si256(uv, c->x80); /* U - 128, V - 128 as int8 */
    /* Y' * 256 in words, even and odd pixels; (Y' * 256 * yg) >> 16 */
    __m256i ye = _mm256_mulhi_epu16(_mm256_slli_epi16(y, 8), c->yg);
    __m256i yo = _mm256_mulhi_epu16(_mm256_and_si256(y, c->hi8), c->yg);
    __m256i u = _mm256_slli_epi16(uv, 8), v = _mm256_and_si256(uv, c->hi8);
    __m256i cr = _mm256_mulhrs_epi16(v, c->kvr);
    __m256i cb = _mm256_mulhrs_epi16(u, c->kub);
    __m256i cg = _mm256_add_epi16(_mm256_mulhrs_epi16(u, c->kug),
                                  _mm256_mulhrs_epi16(v, c->kvg));
    /* lane: 8 even then 8 odd pixels, clamped */
    __m256i r8 = _mm256_packus_epi16(out16(c, ye, cr), out16(c, yo, cr));
    __m256i g8 = _mm256_packus_epi16(out16(c, ye, cg), out16(c, yo, cg));
    __m256i b8 = _mm256_packus_epi16(out16(c, ye, cb), out16(c, yo, cb));
    __m256i c0 = to == SP__CV_BGR ? b8 : r8, c2 = to == SP__CV_BGR ? r8 : b8;
    __m256i rge = _mm256_unpacklo_epi8(c0, g8),
            rgo = _mm256_unpackhi_epi8(c0, g8);
    __m256i bae = _mm256_unpacklo_epi8(c2, c->ff),
            bao = _mm256_unpackhi_epi8(c2, c->ff);
    __m256i e0 = _mm256_unpacklo_epi16(rge, bae),
            e1 = _mm256_unpackhi_epi16(rge, bae);
    __m256i o0 = _mm256_unpacklo_epi16(rgo, bao),
            o1 = _mm256_unpackhi_epi16(rgo, bao);
    __m256i q[4] = {
        _mm256_unpacklo_epi32(e0, o0), _mm256_unpackhi_epi32(e0, o0),
        _mm256_unpacklo_epi32(e1, o1), _mm256_unpackhi_epi32(e1, o1)};
    if (to == SP__CV_RGBA) {
        if (stream)
            for (int i = 0; i < 4; i++)
                _mm256_stream_si256((__m256i *)(void *)(o + 32 * i), q[i]);
        else
            for (int i = 0; i < 4; i++)
                ST256(o + 32 * i, q[i]);
        return;
    }
    if (stream) {
        /* The eight 12-byte pieces (4 pixels each) joined into six whole
         * 16-byte vectors: 96 bytes at a 16-byte aligned address. */
        for (int h = 0; h < 2; h++) {
            __m256i pa = _mm256_shuffle_epi8(q[2 * h], c->pack3);
            __m256i pb = _mm256_shuffle_epi8(q[2 * h + 1], c->pack3);
            __m128i a0 = _mm256_castsi256_si128(pa),
                    a1 = _mm256_extracti128_si256(pa, 1);
            __m128i a2 = _mm256_castsi256_si128(pb),
                    a3 = _mm256_extracti128_si256(pb, 1);
            __m128i *d = (__m128i *)(void *)(o + 48 * h);
            _mm_stream_si128(d, _mm_or_si128(a0, _mm_slli_si128(a1, 12)));
            _mm_stream_si128(d + 1, _mm_or_si128(_mm_srli_si128(a1, 4),
                                                 _mm_slli_si128(a2, 8)));
            _mm_stream_si128(d + 2, _mm_or_si128(_mm_srli_si128(a2, 8),
                                                 _mm_slli_si128(a3, 4)));
        }
        return;
    }
    /* 12 bytes of each 4-pixel lane; each 16-byte store's last 4 bytes are
     * rewritten by the next, the last store writes 12 bytes only. */
    for (int i = 0; i < 3; i++) {
        __m256i p = _mm256_shuffle_epi8(q[i], c->pack3);
        ST128(o + 24 * i, _mm256_castsi256_si128(p));
        ST128(o + 24 * i + 12, _mm256_extracti128_si256(p, 1));
    }
    __m256i p = _mm256_shuffle_epi8(q[3], c->pack3);
    ST128(o + 72, _mm256_castsi256_si128(p));
    __m128i t = _mm256_extracti128_si256(p, 1);
    _mm_storel_epi64((__m128i *)(void *)(o + 84), t);
    int32_t tail = _mm_extract_epi32(t, 2);
    memcpy(o + 92, &tail, 4);
}

void sp__convert_fast_avx2(const sp__convert_job *j)
{
    const fastc c = {_mm256_set1_epi16((int16_t)j->yg),
                     _mm256_set1_epi16((int16_t)j->kvr),
                     _mm256_set1_epi16((int16_t)j->kug),
                     _mm256_set1_epi16((int16_t)j->kvg),
                     _mm256_set1_epi16((int16_t)j->kub),
                     _mm256_set1_epi16(512),
                     _mm256_set1_epi16((int16_t)0xff00),
                     _mm256_set1_epi8((char)j->yoff),
                     _mm256_set1_epi8((char)0x80),
                     _mm256_set1_epi8(-1),
                     _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14,
                                      -1, -1, -1, -1, 0, 1, 2, 4, 5, 6, 8, 9,
                                      10, 12, 13, 14, -1, -1, -1, -1)};
    /* NV12: 4-byte groups (2 pairs) 0, 2, 4, 6 to lane 0, the odd ones to
     * lane 1 */
    const __m256i nv_perm = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    /* YUYV: per lane, the 4 pairs' Y bytes then their U, V bytes; after the
     * 64-bit unpacks lane 0 holds groups 0, 1, 4, 5 and lane 1 2, 3, 6, 7,
     * which this puts into NV12's order */
    const __m256i yuyv_split =
        _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
                         0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    const __m256i yuyv_perm = _mm256_setr_epi32(0, 4, 2, 6, 1, 5, 3, 7);
    const int bpp = j->to == SP__CV_RGBA ? 4 : 3;
    const int to = j->to;
    const uint32_t w = j->w;
    /* RGBA: 32-byte streaming stores; 3-byte outputs: 16-byte ones, at
     * x * 3 bytes, aligned when x is a multiple of 16. */
    const int stream =
        j->dstride * j->h >= SP__STREAM_MIN &&
        !(((uintptr_t)j->dst | j->dstride) & (to == SP__CV_RGBA ? 31u : 15u));
    const uint32_t stream_step = to == SP__CV_RGBA ? 7 : 15;

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
            __m256i yy, uv;
            if (uvp) {
                yy = _mm256_permutevar8x32_epi32(LD256(s + x), nv_perm);
                uv = _mm256_permutevar8x32_epi32(LD256(uvp + x), nv_perm);
            } else {
                __m256i a = _mm256_shuffle_epi8(LD256(s + 2 * x), yuyv_split);
                __m256i b =
                    _mm256_shuffle_epi8(LD256(s + 2 * x + 32), yuyv_split);
                yy = _mm256_permutevar8x32_epi32(_mm256_unpacklo_epi64(a, b),
                                                 yuyv_perm);
                uv = _mm256_permutevar8x32_epi32(_mm256_unpackhi_epi64(a, b),
                                                 yuyv_perm);
            }
            /* the last, overlapping step may be unaligned */
            px32(&c, to, stream && !(x & stream_step), yy, uv,
                 o + (size_t)x * (size_t)bpp);
            if (x + 32 >= w)
                break;
        }
    }
    if (stream)
        _mm_sfence(); /* streaming stores visible before the next stage */
}
