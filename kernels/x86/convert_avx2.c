/* Convert, AVX2: 8 pixels per step. A decoder turns the source pixels into
 * R, G, B, A in 32-bit lanes (YUV through the same fixed-point formulas as
 * the scalar reference), an encoder packs them into the target layout. The
 * row tail (and the last pixels, whose 16-byte accesses would overrun the
 * row) goes through the scalar span. */
#include <immintrin.h>

#include "convert_int.h"

#define LD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define LD64(p) _mm_loadl_epi64((const __m128i *)(const void *)(p))

/* Byte-gather mask for a 4-pixel lane: byte k * step + off of the lane into
 * the low byte of 32-bit lane k. */
static __m256i gather_mask(int step, int off)
{
    uint8_t b[32];
    for (int i = 0; i < 16; i++) {
        int k = i / 4, q = i % 4;
        b[i] = b[i + 16] = (uint8_t)(q == 0 ? k * step + off : 0x80);
    }
    return _mm256_loadu_si256((const __m256i *)(const void *)b);
}

static inline __m256i clamp255(__m256i v)
{
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()),
                            _mm256_set1_epi32(255));
}

typedef struct yuvc {
    __m256i yoff, cy, cvr, cug, cvg, cub, bias, c128;
} yuvc;

static inline __m256i luma(const yuvc *c, __m256i Y)
{
    return _mm256_mullo_epi32(
        _mm256_max_epi32(_mm256_sub_epi32(Y, c->yoff), _mm256_setzero_si256()),
        c->cy);
}

static inline __m256i descale(const yuvc *c, __m256i s)
{
    return clamp255(_mm256_sub_epi32(
        _mm256_srai_epi32(_mm256_add_epi32(s, c->bias), SP__CV_SHIFT),
        _mm256_set1_epi32(256)));
}

static inline void yuv2rgb(const yuvc *c, __m256i Y, __m256i U, __m256i V,
                           __m256i *r, __m256i *g, __m256i *b, __m256i *gray)
{
    __m256i yp = luma(c, Y);
    __m256i u = _mm256_sub_epi32(U, c->c128), v = _mm256_sub_epi32(V, c->c128);
    *r = descale(c, _mm256_add_epi32(yp, _mm256_mullo_epi32(v, c->cvr)));
    *g = descale(c, _mm256_add_epi32(
                        yp, _mm256_add_epi32(_mm256_mullo_epi32(u, c->cug),
                                             _mm256_mullo_epi32(v, c->cvg))));
    *b = descale(c, _mm256_add_epi32(yp, _mm256_mullo_epi32(u, c->cub)));
    *gray = descale(c, yp);
}

/* Packs 8 pixels (R, G, B in 32-bit lanes) into RGB8, BGR8 or RGBA8. */
static inline void store8(int to, __m256i r, __m256i g, __m256i b,
                          __m256i pack3, uint8_t *o)
{
    __m256i lo = to == SP__CV_BGR ? b : r, hi = to == SP__CV_BGR ? r : b;
    __m256i p = _mm256_or_si256(_mm256_or_si256(lo, _mm256_slli_epi32(g, 8)),
                                _mm256_slli_epi32(hi, 16));
    if (to == SP__CV_RGBA) {
        p = _mm256_or_si256(p, _mm256_set1_epi32((int)0xff000000u));
        _mm256_storeu_si256((__m256i *)(void *)o, p);
    } else {
        p = _mm256_shuffle_epi8(p, pack3);
        _mm_storeu_si128((__m128i *)(void *)o, _mm256_castsi256_si128(p));
        _mm_storeu_si128((__m128i *)(void *)(o + 12),
                         _mm256_extracti128_si256(p, 1));
    }
}

/* NV12 / YUYV to RGB8, BGR8, RGBA8, 16 pixels a step: the chroma products
 * are formed once per chroma sample (8 per step, shared by a pixel pair)
 * and spread to both pixels, so a step takes 6 32-bit multiplies where the
 * generic loop takes 10; the same integer sums as the scalar reference.
 * Returns where it stopped (x + 18 <= w keeps the 3-byte stores of the
 * second half inside the row, as the generic loop's x + 10). */
static uint32_t yuv_rows16(const sp__convert_job *j, const yuvc *c,
                           const uint8_t *s, const uint8_t *uv, uint8_t *o,
                           __m256i pack3)
{
    const int bpp = j->to == SP__CV_RGBA ? 4 : 3;
    const __m256i dup0 = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3);
    const __m256i dup1 = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    const __m128i ysel = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1,
                                       -1, -1, -1, -1, -1);
    const __m128i usel = _mm_setr_epi8(1, 5, 9, 13, -1, -1, -1, -1, -1, -1, -1,
                                       -1, -1, -1, -1, -1);
    const __m128i vsel = _mm_setr_epi8(3, 7, 11, 15, -1, -1, -1, -1, -1, -1, -1,
                                       -1, -1, -1, -1, -1);
    const __m128i nu = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1,
                                     -1, -1, -1, -1);
    const __m128i nv = _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, -1, -1, -1, -1,
                                     -1, -1, -1, -1);
    uint32_t x = 0;
    for (; x + 18 <= j->w; x += 16) {
        __m128i y8, u8, v8;
        if (uv) {
            __m128i cuv = LD128(uv + x);
            y8 = LD128(s + x);
            u8 = _mm_shuffle_epi8(cuv, nu);
            v8 = _mm_shuffle_epi8(cuv, nv);
        } else {
            __m128i a = LD128(s + 2 * x), b = LD128(s + 2 * x + 16);
            y8 = _mm_unpacklo_epi64(_mm_shuffle_epi8(a, ysel),
                                    _mm_shuffle_epi8(b, ysel));
            u8 = _mm_unpacklo_epi32(_mm_shuffle_epi8(a, usel),
                                    _mm_shuffle_epi8(b, usel));
            v8 = _mm_unpacklo_epi32(_mm_shuffle_epi8(a, vsel),
                                    _mm_shuffle_epi8(b, vsel));
        }
        __m256i u = _mm256_sub_epi32(_mm256_cvtepu8_epi32(u8), c->c128);
        __m256i v = _mm256_sub_epi32(_mm256_cvtepu8_epi32(v8), c->c128);
        __m256i cr = _mm256_mullo_epi32(v, c->cvr);
        __m256i cg = _mm256_add_epi32(_mm256_mullo_epi32(u, c->cug),
                                      _mm256_mullo_epi32(v, c->cvg));
        __m256i cb = _mm256_mullo_epi32(u, c->cub);
        for (int h = 0; h < 2; h++) {
            __m256i d = h ? dup1 : dup0;
            __m256i yp =
                luma(c, _mm256_cvtepu8_epi32(h ? _mm_srli_si128(y8, 8) : y8));
            __m256i r = descale(
                c, _mm256_add_epi32(yp, _mm256_permutevar8x32_epi32(cr, d)));
            __m256i g = descale(
                c, _mm256_add_epi32(yp, _mm256_permutevar8x32_epi32(cg, d)));
            __m256i b = descale(
                c, _mm256_add_epi32(yp, _mm256_permutevar8x32_epi32(cb, d)));
            store8(j->to, r, g, b, pack3,
                   o + (size_t)(x + 8 * (uint32_t)h) * (size_t)bpp);
        }
    }
    return x;
}

static void convert_any(const sp__convert_job *j)
{
    const int bgr_in = j->from == SP__CV_BGR;
    const __m256i m3r = gather_mask(3, bgr_in ? 2 : 0), m3g = gather_mask(3, 1),
                  m3b = gather_mask(3, bgr_in ? 0 : 2);
    const __m256i m4r = gather_mask(4, 0), m4g = gather_mask(4, 1),
                  m4b = gather_mask(4, 2), m4a = gather_mask(4, 3);
    /* Encoder: pack 4-byte pixels (R,G,B,A or B,G,R,A) into 3 bytes per lane.
     */
    uint8_t pk[32], gk[32];
    for (int i = 0; i < 16; i++) {
        pk[i] = pk[i + 16] = (uint8_t)(i < 12 ? (i / 3) * 4 + i % 3 : 0x80);
        gk[i] = gk[i + 16] = (uint8_t)(i < 4 ? i * 4 : 0x80);
    }
    const __m256i pack3 = _mm256_loadu_si256((const __m256i *)(const void *)pk);
    const __m256i pack1 = _mm256_loadu_si256((const __m256i *)(const void *)gk);
    const __m256i cross = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m128i yuyv_y = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1,
                                         -1, -1, -1, -1, -1);
    const __m128i yuyv_u =
        _mm_setr_epi8(1, 1, 5, 5, 9, 9, 13, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i yuyv_v = _mm_setr_epi8(3, 3, 7, 7, 11, 11, 15, 15, -1, -1, -1,
                                         -1, -1, -1, -1, -1);
    const __m128i nv_u =
        _mm_setr_epi8(0, 0, 2, 2, 4, 4, 6, 6, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i nv_v =
        _mm_setr_epi8(1, 1, 3, 3, 5, 5, 7, 7, -1, -1, -1, -1, -1, -1, -1, -1);
    const yuvc c = {_mm256_set1_epi32(j->yoff),     _mm256_set1_epi32(j->cy),
                    _mm256_set1_epi32(j->cvr),      _mm256_set1_epi32(j->cug),
                    _mm256_set1_epi32(j->cvg),      _mm256_set1_epi32(j->cub),
                    _mm256_set1_epi32(SP__CV_BIAS), _mm256_set1_epi32(128)};
    const __m256i alpha = _mm256_set1_epi32(255);

    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        const uint8_t *uv =
            j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        if ((j->from == SP__CV_NV12 || j->from == SP__CV_YUYV) &&
            j->to != SP__CV_GRAY)
            x = yuv_rows16(j, &c, s, uv, o, pack3);
        /* 10 pixels of room: 3-byte layouts read/write 16 bytes at 3x + 12. */
        for (; x + 10 <= j->w; x += 8) {
            __m256i r, g, b, a = alpha, gray;
            int have_gray = 0;
            switch (j->from) {
            case SP__CV_RGB:
            case SP__CV_BGR: {
                __m256i v = _mm256_loadu2_m128i(
                    (const __m128i *)(const void *)(s + 3 * x + 12),
                    (const __m128i *)(const void *)(s + 3 * x));
                r = _mm256_shuffle_epi8(v, m3r);
                g = _mm256_shuffle_epi8(v, m3g);
                b = _mm256_shuffle_epi8(v, m3b);
                break;
            }
            case SP__CV_RGBA: {
                __m256i v = _mm256_loadu_si256(
                    (const __m256i *)(const void *)(s + 4 * x));
                r = _mm256_shuffle_epi8(v, m4r);
                g = _mm256_shuffle_epi8(v, m4g);
                b = _mm256_shuffle_epi8(v, m4b);
                a = _mm256_shuffle_epi8(v, m4a);
                break;
            }
            case SP__CV_GRAY:
                r = g = b = gray = _mm256_cvtepu8_epi32(LD64(s + x));
                have_gray = 1;
                break;
            case SP__CV_NV12: {
                __m128i cu = LD64(uv + x);
                yuv2rgb(&c, _mm256_cvtepu8_epi32(LD64(s + x)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(cu, nv_u)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(cu, nv_v)), &r,
                        &g, &b, &gray);
                have_gray = 1;
                break;
            }
            default: { /* YUYV */
                __m128i v = LD128(s + 2 * x);
                yuv2rgb(&c, _mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_y)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_u)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_v)), &r,
                        &g, &b, &gray);
                have_gray = 1;
                break;
            }
            }
            if (j->to == SP__CV_GRAY) {
                if (!have_gray) {
                    /* R, G < 256 share a dword as two int16 words: one
                     * pmaddwd gives R*9798 + G*19235, another B*3735. */
                    __m256i rg = _mm256_or_si256(r, _mm256_slli_epi32(g, 16));
                    __m256i s4 = _mm256_add_epi32(
                        _mm256_add_epi32(
                            _mm256_madd_epi16(
                                rg, _mm256_set1_epi32(9798 | (19235 << 16))),
                            _mm256_madd_epi16(b, _mm256_set1_epi32(3735))),
                        _mm256_set1_epi32(16384));
                    gray = _mm256_srli_epi32(s4, 15);
                }
                __m256i p = _mm256_permutevar8x32_epi32(
                    _mm256_shuffle_epi8(gray, pack1), cross);
                _mm_storel_epi64((__m128i *)(void *)(o + x),
                                 _mm256_castsi256_si128(p));
                continue;
            }
            __m256i lo = j->to == SP__CV_BGR ? b : r,
                    hi = j->to == SP__CV_BGR ? r : b;
            __m256i p =
                _mm256_or_si256(_mm256_or_si256(lo, _mm256_slli_epi32(g, 8)),
                                _mm256_or_si256(_mm256_slli_epi32(hi, 16),
                                                _mm256_slli_epi32(a, 24)));
            if (j->to == SP__CV_RGBA) {
                _mm256_storeu_si256((__m256i *)(void *)(o + 4 * x), p);
            } else {
                p = _mm256_shuffle_epi8(p, pack3);
                _mm_storeu_si128((__m128i *)(void *)(o + 3 * x),
                                 _mm256_castsi256_si128(p));
                _mm_storeu_si128((__m128i *)(void *)(o + 3 * x + 12),
                                 _mm256_extracti128_si256(p, 1));
            }
        }
        sp__convert_span_scalar(j, y, x, j->w);
    }
}

/* Pure byte shuffles between the packed 8-bit layouts need no arithmetic:
 * one pshufb per 128-bit lane. Each returns where it stopped. */

/* RGB <-> BGR: 5 pixels (15 bytes) per lane, 10 per step; the 16th byte
 * of each lane is rewritten by the next store. */
static uint32_t swap_rb(const uint8_t *s, uint8_t *o, uint32_t w)
{
    const __m256i m =
        _mm256_setr_epi8(2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 15,
                         2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 15);
    uint32_t x = 0;
    for (; x + 11 <= w; x += 10) {
        __m256i v =
            _mm256_loadu2_m128i((const __m128i *)(const void *)(s + 3 * x + 15),
                                (const __m128i *)(const void *)(s + 3 * x));
        v = _mm256_shuffle_epi8(v, m);
        _mm_storeu_si128((__m128i *)(void *)(o + 3 * x),
                         _mm256_castsi256_si128(v));
        _mm_storeu_si128((__m128i *)(void *)(o + 3 * x + 15),
                         _mm256_extracti128_si256(v, 1));
    }
    return x;
}

/* RGB/BGR -> RGBA: 4 pixels per lane, alpha 255. */
static uint32_t to_rgba(const uint8_t *s, uint8_t *o, uint32_t w, int bgr_in)
{
    const __m256i m =
        bgr_in ? _mm256_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1, 11, 10,
                                  9, -1, 2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6, -1,
                                  11, 10, 9, -1)
               : _mm256_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10,
                                  11, -1, 0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1,
                                  9, 10, 11, -1);
    const __m256i alpha = _mm256_set1_epi32((int)0xff000000u);
    uint32_t x = 0;
    for (; x + 10 <= w; x += 8) {
        __m256i v =
            _mm256_loadu2_m128i((const __m128i *)(const void *)(s + 3 * x + 12),
                                (const __m128i *)(const void *)(s + 3 * x));
        v = _mm256_or_si256(_mm256_shuffle_epi8(v, m), alpha);
        _mm256_storeu_si256((__m256i *)(void *)(o + 4 * x), v);
    }
    return x;
}

/* RGBA -> RGB/BGR: 4 pixels per lane to 12 bytes; lane 1's store covers
 * lane 0's 4 spare bytes. */
static uint32_t from_rgba(const uint8_t *s, uint8_t *o, uint32_t w, int bgr_out)
{
    const __m256i m =
        bgr_out ? _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1,
                                   -1, -1, -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
                                   13, 12, -1, -1, -1, -1)
                : _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1,
                                   -1, -1, -1, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12,
                                   13, 14, -1, -1, -1, -1);
    uint32_t x = 0;
    for (; x + 10 <= w; x += 8) {
        __m256i v = _mm256_shuffle_epi8(
            _mm256_loadu_si256((const __m256i *)(const void *)(s + 4 * x)), m);
        _mm_storeu_si128((__m128i *)(void *)(o + 3 * x),
                         _mm256_castsi256_si128(v));
        _mm_storeu_si128((__m128i *)(void *)(o + 3 * x + 12),
                         _mm256_extracti128_si256(v, 1));
    }
    return x;
}

/* RGB/BGR -> gray: pshufb puts R,G as two words of a dword and B alone, so
 * two pmaddwd give R*9798 + G*19235 and B*3735; 16 pixels per step. */
static uint32_t to_gray(const uint8_t *s, uint8_t *o, uint32_t w, int bgr_in)
{
    const int ri = bgr_in ? 2 : 0, bi = bgr_in ? 0 : 2;
    uint8_t mrg[32], mb[32];
    for (int i = 0; i < 16; i++) {
        int k = i / 4, q = i % 4;
        mrg[i] = mrg[i + 16] = (uint8_t)(q == 0   ? 3 * k + ri
                                         : q == 2 ? 3 * k + 1
                                                  : 0x80);
        mb[i] = mb[i + 16] = (uint8_t)(q == 0 ? 3 * k + bi : 0x80);
    }
    const __m256i m_rg = _mm256_loadu_si256((const __m256i *)(const void *)mrg);
    const __m256i m_b = _mm256_loadu_si256((const __m256i *)(const void *)mb);
    const __m256i c_rg = _mm256_set1_epi32(9798 | (19235 << 16));
    const __m256i c_b = _mm256_set1_epi32(3735);
    const __m256i half = _mm256_set1_epi32(16384);
    uint32_t x = 0;
    for (; x + 18 <= w; x += 16) {
        __m256i g[2];
        for (int h = 0; h < 2; h++) {
            const uint8_t *p = s + 3 * (x + 8 * (uint32_t)h);
            __m256i v =
                _mm256_loadu2_m128i((const __m128i *)(const void *)(p + 12),
                                    (const __m128i *)(const void *)p);
            __m256i sum = _mm256_add_epi32(
                _mm256_madd_epi16(_mm256_shuffle_epi8(v, m_rg), c_rg),
                _mm256_madd_epi16(_mm256_shuffle_epi8(v, m_b), c_b));
            g[h] = _mm256_srli_epi32(_mm256_add_epi32(sum, half), 15);
        }
        __m256i p16 =
            _mm256_permute4x64_epi64(_mm256_packus_epi32(g[0], g[1]), 0xD8);
        _mm_storeu_si128((__m128i *)(void *)(o + x),
                         _mm_packus_epi16(_mm256_castsi256_si128(p16),
                                          _mm256_extracti128_si256(p16, 1)));
    }
    return x;
}

void sp__convert_avx2(const sp__convert_job *j)
{
    const int from = j->from, to = j->to;
    const int rgb_in = from == SP__CV_RGB || from == SP__CV_BGR;
    const int rgb_out = to == SP__CV_RGB || to == SP__CV_BGR;
    if (j->fast && (from == SP__CV_NV12 || from == SP__CV_YUYV) &&
        to != SP__CV_GRAY) {
        sp__convert_fast_avx2(j);
        return;
    }
    if ((rgb_in && (rgb_out || to == SP__CV_RGBA || to == SP__CV_GRAY)) ||
        (from == SP__CV_RGBA && rgb_out)) {
        for (uint32_t y = 0; y < j->h; y++) {
            const uint8_t *s = j->src + (size_t)y * j->sstride;
            uint8_t *o = j->dst + (size_t)y * j->dstride;
            uint32_t x = rgb_in && rgb_out ? swap_rb(s, o, j->w)
                         : rgb_in && to == SP__CV_GRAY
                             ? to_gray(s, o, j->w, from == SP__CV_BGR)
                         : rgb_in ? to_rgba(s, o, j->w, from == SP__CV_BGR)
                                  : from_rgba(s, o, j->w, to == SP__CV_BGR);
            sp__convert_span_scalar(j, y, x, j->w);
        }
        return;
    }
    convert_any(j);
}
