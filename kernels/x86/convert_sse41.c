/* Convert, SSE4.1: the AVX2 version's layout at half the width, for CPUs
 * without AVX2. A decoder turns 4 source pixels into R, G, B, A in 32-bit
 * lanes (YUV through the scalar reference's fixed-point formulas), an
 * encoder packs them into the target layout; pure byte rearrangements
 * (RGB <-> BGR, to and from RGBA, RGB to gray) take one pshufb per 16
 * bytes. The row tail (and the last pixels, whose 16-byte accesses would
 * overrun the row) goes through the scalar span. */
#include <smmintrin.h>
#include <string.h>

#include "convert_int.h"

#define LD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define ST128(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

static inline __m128i ld32(const uint8_t *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtsi32_si128(v);
}

/* Byte-gather mask: byte k * step + off into the low byte of 32-bit lane
 * k. */
static __m128i gather_mask(int step, int off)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t)(i % 4 == 0 ? (i / 4) * step + off : 0x80);
    return LD128(b);
}

typedef struct yuvc {
    __m128i yoff, cy, cvr, cug, cvg, cub, bias, c128, c256, c255;
} yuvc;

static inline __m128i descale(const yuvc *c, __m128i s)
{
    __m128i v = _mm_sub_epi32(
        _mm_srai_epi32(_mm_add_epi32(s, c->bias), SP__CV_SHIFT), c->c256);
    return _mm_min_epi32(_mm_max_epi32(v, _mm_setzero_si128()), c->c255);
}

static inline void yuv2rgb(const yuvc *c, __m128i Y, __m128i U, __m128i V,
                           __m128i *r, __m128i *g, __m128i *b, __m128i *gray)
{
    __m128i yp = _mm_mullo_epi32(
        _mm_max_epi32(_mm_sub_epi32(Y, c->yoff), _mm_setzero_si128()), c->cy);
    __m128i u = _mm_sub_epi32(U, c->c128), v = _mm_sub_epi32(V, c->c128);
    *r = descale(c, _mm_add_epi32(yp, _mm_mullo_epi32(v, c->cvr)));
    *g = descale(c,
                 _mm_add_epi32(yp, _mm_add_epi32(_mm_mullo_epi32(u, c->cug),
                                                 _mm_mullo_epi32(v, c->cvg))));
    *b = descale(c, _mm_add_epi32(yp, _mm_mullo_epi32(u, c->cub)));
    *gray = descale(c, yp);
}

/* R*9798 + G*19235 + B*3735, rounded, >> 15: R and G < 256 share a dword
 * as two int16 words, so one pmaddwd gives the first two products. */
static inline __m128i gray4(__m128i r, __m128i g, __m128i b)
{
    __m128i s =
        _mm_add_epi32(_mm_madd_epi16(_mm_or_si128(r, _mm_slli_epi32(g, 16)),
                                     _mm_set1_epi32(9798 | (19235 << 16))),
                      _mm_madd_epi16(b, _mm_set1_epi32(3735)));
    return _mm_srli_epi32(_mm_add_epi32(s, _mm_set1_epi32(16384)), 15);
}

static void convert_any(const sp__convert_job *j)
{
    const int bgr_in = j->from == SP__CV_BGR;
    const __m128i m3r = gather_mask(3, bgr_in ? 2 : 0), m3g = gather_mask(3, 1),
                  m3b = gather_mask(3, bgr_in ? 0 : 2);
    const __m128i m4r = gather_mask(4, 0), m4g = gather_mask(4, 1),
                  m4b = gather_mask(4, 2), m4a = gather_mask(4, 3);
    const __m128i pack3 =
        _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m128i pack1 = _mm_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1,
                                        -1, -1, -1, -1, -1);
    const __m128i yuyv_y = _mm_setr_epi8(0, 2, 4, 6, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1);
    const __m128i yuyv_u = _mm_setr_epi8(1, 1, 5, 5, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1);
    const __m128i yuyv_v = _mm_setr_epi8(3, 3, 7, 7, -1, -1, -1, -1, -1, -1, -1,
                                         -1, -1, -1, -1, -1);
    const __m128i nv_u = _mm_setr_epi8(0, 0, 2, 2, -1, -1, -1, -1, -1, -1, -1,
                                       -1, -1, -1, -1, -1);
    const __m128i nv_v = _mm_setr_epi8(1, 1, 3, 3, -1, -1, -1, -1, -1, -1, -1,
                                       -1, -1, -1, -1, -1);
    const yuvc c = {_mm_set1_epi32(j->yoff),     _mm_set1_epi32(j->cy),
                    _mm_set1_epi32(j->cvr),      _mm_set1_epi32(j->cug),
                    _mm_set1_epi32(j->cvg),      _mm_set1_epi32(j->cub),
                    _mm_set1_epi32(SP__CV_BIAS), _mm_set1_epi32(128),
                    _mm_set1_epi32(256),         _mm_set1_epi32(255)};
    const __m128i alpha = _mm_set1_epi32(255);

    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        const uint8_t *uv =
            j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        /* 6 pixels of room: 3-byte layouts read/write 16 bytes at 3x. */
        for (; x + 6 <= j->w; x += 4) {
            __m128i r, g, b, a = alpha, gray = alpha;
            int have_gray = 0;
            switch (j->from) {
            case SP__CV_RGB:
            case SP__CV_BGR: {
                __m128i v = LD128(s + 3 * x);
                r = _mm_shuffle_epi8(v, m3r);
                g = _mm_shuffle_epi8(v, m3g);
                b = _mm_shuffle_epi8(v, m3b);
                break;
            }
            case SP__CV_RGBA: {
                __m128i v = LD128(s + 4 * x);
                r = _mm_shuffle_epi8(v, m4r);
                g = _mm_shuffle_epi8(v, m4g);
                b = _mm_shuffle_epi8(v, m4b);
                a = _mm_shuffle_epi8(v, m4a);
                break;
            }
            case SP__CV_GRAY:
                r = g = b = gray = _mm_cvtepu8_epi32(ld32(s + x));
                have_gray = 1;
                break;
            case SP__CV_NV12: {
                __m128i cu = ld32(uv + x);
                yuv2rgb(&c, _mm_cvtepu8_epi32(ld32(s + x)),
                        _mm_cvtepu8_epi32(_mm_shuffle_epi8(cu, nv_u)),
                        _mm_cvtepu8_epi32(_mm_shuffle_epi8(cu, nv_v)), &r, &g,
                        &b, &gray);
                have_gray = 1;
                break;
            }
            default: { /* YUYV */
                __m128i v =
                    _mm_loadl_epi64((const __m128i *)(const void *)(s + 2 * x));
                yuv2rgb(&c, _mm_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_y)),
                        _mm_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_u)),
                        _mm_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_v)), &r, &g,
                        &b, &gray);
                have_gray = 1;
                break;
            }
            }
            if (j->to == SP__CV_GRAY) {
                if (!have_gray)
                    gray = gray4(r, g, b);
                int32_t w4 = _mm_cvtsi128_si32(_mm_shuffle_epi8(gray, pack1));
                memcpy(o + x, &w4, 4);
                continue;
            }
            __m128i lo = j->to == SP__CV_BGR ? b : r,
                    hi = j->to == SP__CV_BGR ? r : b;
            __m128i p = _mm_or_si128(
                _mm_or_si128(lo, _mm_slli_epi32(g, 8)),
                _mm_or_si128(_mm_slli_epi32(hi, 16), _mm_slli_epi32(a, 24)));
            if (j->to == SP__CV_RGBA)
                ST128(o + 4 * x, p);
            else
                ST128(o + 3 * x, _mm_shuffle_epi8(p, pack3));
        }
        sp__convert_span_scalar(j, y, x, j->w);
    }
}

/* Pure byte shuffles between the packed 8-bit layouts. Each returns where
 * it stopped. */

/* RGB <-> BGR: 5 pixels (15 bytes) per step; the 16th byte is rewritten by
 * the next store (or the scalar tail). */
static uint32_t swap_rb(const uint8_t *s, uint8_t *o, uint32_t w)
{
    const __m128i m =
        _mm_setr_epi8(2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9, 14, 13, 12, 15);
    uint32_t x = 0;
    for (; x + 6 <= w; x += 5)
        ST128(o + 3 * x, _mm_shuffle_epi8(LD128(s + 3 * x), m));
    return x;
}

/* RGB/BGR -> RGBA: 4 pixels per step, alpha 255. */
static uint32_t to_rgba(const uint8_t *s, uint8_t *o, uint32_t w, int bgr_in)
{
    const __m128i m = bgr_in ? _mm_setr_epi8(2, 1, 0, -1, 5, 4, 3, -1, 8, 7, 6,
                                             -1, 11, 10, 9, -1)
                             : _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8,
                                             -1, 9, 10, 11, -1);
    const __m128i alpha = _mm_set1_epi32((int)0xff000000u);
    uint32_t x = 0;
    for (; x + 6 <= w; x += 4)
        ST128(o + 4 * x,
              _mm_or_si128(_mm_shuffle_epi8(LD128(s + 3 * x), m), alpha));
    return x;
}

/* RGBA -> RGB/BGR: 4 pixels to 12 bytes per step (a 16-byte store whose
 * last 4 bytes the next step rewrites). */
static uint32_t from_rgba(const uint8_t *s, uint8_t *o, uint32_t w, int bgr_out)
{
    const __m128i m = bgr_out ? _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14,
                                              13, 12, -1, -1, -1, -1)
                              : _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12,
                                              13, 14, -1, -1, -1, -1);
    uint32_t x = 0;
    for (; x + 6 <= w; x += 4)
        ST128(o + 3 * x, _mm_shuffle_epi8(LD128(s + 4 * x), m));
    return x;
}

/* RGB/BGR -> gray: pshufb puts R, G as two words of a dword and B alone, so
 * two pmaddwd give R*9798 + G*19235 and B*3735; 8 pixels per step. */
static uint32_t to_gray(const uint8_t *s, uint8_t *o, uint32_t w, int bgr_in)
{
    const int ri = bgr_in ? 2 : 0, bi = bgr_in ? 0 : 2;
    uint8_t mrg[16], mb[16];
    for (int i = 0; i < 16; i++) {
        int k = i / 4, q = i % 4;
        mrg[i] = (uint8_t)(q == 0 ? 3 * k + ri : q == 2 ? 3 * k + 1 : 0x80);
        mb[i] = (uint8_t)(q == 0 ? 3 * k + bi : 0x80);
    }
    const __m128i m_rg = LD128(mrg), m_b = LD128(mb);
    const __m128i c_rg = _mm_set1_epi32(9798 | (19235 << 16));
    const __m128i c_b = _mm_set1_epi32(3735);
    const __m128i half = _mm_set1_epi32(16384);
    uint32_t x = 0;
    for (; x + 10 <= w; x += 8) {
        __m128i g[2];
        for (int h = 0; h < 2; h++) {
            __m128i v = LD128(s + 3 * (x + 4 * (uint32_t)h));
            __m128i sum =
                _mm_add_epi32(_mm_madd_epi16(_mm_shuffle_epi8(v, m_rg), c_rg),
                              _mm_madd_epi16(_mm_shuffle_epi8(v, m_b), c_b));
            g[h] = _mm_srli_epi32(_mm_add_epi32(sum, half), 15);
        }
        __m128i p16 = _mm_packus_epi32(g[0], g[1]);
        _mm_storel_epi64((__m128i *)(void *)(o + x),
                         _mm_packus_epi16(p16, p16));
    }
    return x;
}

void sp__convert_sse41(const sp__convert_job *j)
{
    const int from = j->from, to = j->to;
    const int rgb_in = from == SP__CV_RGB || from == SP__CV_BGR;
    const int rgb_out = to == SP__CV_RGB || to == SP__CV_BGR;
    if (j->fast && (from == SP__CV_NV12 || from == SP__CV_YUYV) &&
        to != SP__CV_GRAY) {
        sp__convert_fast_sse41(j);
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
