/* Debayer, SSE4.1: the AVX2 version's arithmetic on 128-bit vectors (16
 * pixels of 8 bits or 8 of 16 bits per step), for x86 CPUs without AVX2.
 * Bit-exact with the scalar reference; borders and row tails go through
 * the scalar span. */
#include <smmintrin.h>

#include "debayer_int.h"

static void make_masks(__m128i m[9], int es)
{
    for (int k = 0; k < 3; k++)
        for (int ch = 0; ch < 3; ch++) {
            uint8_t b[16];
            for (int i = 0; i < 16; i++) {
                int jj = 16 * k + i, e = jj / es, q = jj % es;
                int p = e / 3, c = e % 3;
                b[i] = (uint8_t)(c == ch ? p * es + q : 0x80);
            }
            m[3 * k + ch] = _mm_loadu_si128((const __m128i *)(const void *)b);
        }
}

static inline void store3(uint8_t *o, __m128i p0, __m128i p1, __m128i p2,
                          const __m128i m[9])
{
    for (int k = 0; k < 3; k++) {
        __m128i v =
            _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(p0, m[3 * k]),
                                      _mm_shuffle_epi8(p1, m[3 * k + 1])),
                         _mm_shuffle_epi8(p2, m[3 * k + 2]));
        _mm_storeu_si128((__m128i *)(void *)(o + 16 * k), v);
    }
}

#define LD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))

static uint32_t row8(const sp__debayer_job *j, const uint8_t *u,
                     const uint8_t *c, const uint8_t *d, uint8_t *o,
                     uint32_t xs, int swap_rb, const __m128i m[9])
{
    const __m128i lo = _mm_set1_epi16(0x00ff),
                  hi = _mm_set1_epi16((short)0xff00);
    const __m128i two = _mm_set1_epi16(2);
    uint32_t x = xs;
    for (; x + 17 <= j->w; x += 16) {
        __m128i U0 = LD(u + x), Um = LD(u + x - 1), D0 = LD(d + x),
                Dm = LD(d + x - 1);
        __m128i C0 = LD(c + x), Cm = LD(c + x - 1), Cp = LD(c + x + 1);
        __m128i vsE =
            _mm_add_epi16(_mm_and_si128(U0, lo), _mm_and_si128(D0, lo));
        __m128i vsO =
            _mm_add_epi16(_mm_srli_epi16(U0, 8), _mm_srli_epi16(D0, 8));
        __m128i vsOm =
            _mm_add_epi16(_mm_and_si128(Um, lo), _mm_and_si128(Dm, lo));
        __m128i hsE =
            _mm_add_epi16(_mm_and_si128(Cm, lo), _mm_srli_epi16(C0, 8));
        __m128i x4 =
            _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(vsE, hsE), two), 2);
        __m128i d4 =
            _mm_srli_epi16(_mm_add_epi16(_mm_add_epi16(vsO, vsOm), two), 2);
        __m128i avgH = _mm_avg_epu8(Cm, Cp), avgV = _mm_avg_epu8(U0, D0);
        __m128i g = x4;
        if (j->ea) {
            __m128i dh =
                _mm_or_si128(_mm_subs_epu8(Cm, Cp), _mm_subs_epu8(Cp, Cm));
            __m128i dv =
                _mm_or_si128(_mm_subs_epu8(U0, D0), _mm_subs_epu8(D0, U0));
            __m128i mx = _mm_max_epu8(dh, dv);
            g = _mm_blendv_epi8(avgV, x4, _mm_cmpeq_epi8(mx, dv));
            g = _mm_blendv_epi8(avgH, g, _mm_cmpeq_epi8(mx, dh));
        }
        __m128i colour = _mm_blendv_epi8(C0, avgH, hi);
        __m128i green = _mm_blendv_epi8(g, C0, hi);
        __m128i other = _mm_blendv_epi8(d4, avgV, hi);
        if (swap_rb)
            store3(o + 3 * (size_t)x, other, green, colour, m);
        else
            store3(o + 3 * (size_t)x, colour, green, other, m);
    }
    return x;
}

static uint32_t row16(const sp__debayer_job *j, const uint16_t *u,
                      const uint16_t *c, const uint16_t *d, uint16_t *o,
                      uint32_t xs, int swap_rb, const __m128i m[9])
{
    const __m128i lo = _mm_set1_epi32(0xffff),
                  hi = _mm_set1_epi32((int)0xffff0000u);
    const __m128i two = _mm_set1_epi32(2);
    uint32_t x = xs;
    for (; x + 9 <= j->w; x += 8) {
        __m128i U0 = LD(u + x), Um = LD(u + x - 1), D0 = LD(d + x),
                Dm = LD(d + x - 1);
        __m128i C0 = LD(c + x), Cm = LD(c + x - 1), Cp = LD(c + x + 1);
        __m128i vsE =
            _mm_add_epi32(_mm_and_si128(U0, lo), _mm_and_si128(D0, lo));
        __m128i vsO =
            _mm_add_epi32(_mm_srli_epi32(U0, 16), _mm_srli_epi32(D0, 16));
        __m128i vsOm =
            _mm_add_epi32(_mm_and_si128(Um, lo), _mm_and_si128(Dm, lo));
        __m128i hsE =
            _mm_add_epi32(_mm_and_si128(Cm, lo), _mm_srli_epi32(C0, 16));
        __m128i x4 =
            _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(vsE, hsE), two), 2);
        __m128i d4 =
            _mm_srli_epi32(_mm_add_epi32(_mm_add_epi32(vsO, vsOm), two), 2);
        __m128i avgH = _mm_avg_epu16(Cm, Cp), avgV = _mm_avg_epu16(U0, D0);
        __m128i g = x4;
        if (j->ea) {
            __m128i dh =
                _mm_or_si128(_mm_subs_epu16(Cm, Cp), _mm_subs_epu16(Cp, Cm));
            __m128i dv =
                _mm_or_si128(_mm_subs_epu16(U0, D0), _mm_subs_epu16(D0, U0));
            __m128i mx = _mm_max_epu16(dh, dv);
            g = _mm_blendv_epi8(avgV, x4, _mm_cmpeq_epi16(mx, dv));
            g = _mm_blendv_epi8(avgH, g, _mm_cmpeq_epi16(mx, dh));
        }
        __m128i colour = _mm_blendv_epi8(C0, avgH, hi);
        __m128i green = _mm_blendv_epi8(g, C0, hi);
        __m128i other = _mm_blendv_epi8(d4, avgV, hi);
        uint8_t *ob = (uint8_t *)(void *)(o + 3 * (size_t)x);
        if (swap_rb)
            store3(ob, other, green, colour, m);
        else
            store3(ob, colour, green, other, m);
    }
    return x;
}

/* One row through the 8- or 16-bit vector loop; ctx is the mask table. */
static uint32_t row_any(const sp__debayer_job *j, const sp__debayer_row *r,
                        const void *ctx)
{
    const __m128i *m = ctx;
    if (j->wide)
        return row16(j, (const uint16_t *)(const void *)r->u,
                     (const uint16_t *)(const void *)r->c,
                     (const uint16_t *)(const void *)r->d,
                     (uint16_t *)(void *)r->o, r->xs, r->swap_rb, m);
    return row8(j, r->u, r->c, r->d, r->o, r->xs, r->swap_rb, m);
}

void sp__debayer_sse41(const sp__debayer_job *j)
{
    __m128i m[9];
    make_masks(m, j->wide ? 2 : 1);
    sp__debayer_drive(j, row_any, m);
}
