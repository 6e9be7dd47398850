/* Debayer, AVX2: 32 pixels (8-bit) or 16 pixels (16-bit) of a row per step,
 * starting at a red/blue site so even lanes are colour sites and odd lanes
 * green sites. Every mean is computed exactly as the scalar reference does:
 * 4-neighbour sums in wider lanes then (s + 2) >> 2, 2-neighbour means with
 * pavgb/pavgw, which is (a + b + 1) >> 1. The first pixel(s) and the tail of
 * each row go through the scalar span, which also handles the mirrored
 * border. */
#include <immintrin.h>

#include "debayer_int.h"

/* Masks for interleaving three planes into packed RGB with pshufb, per
 * 128-bit lane: output register k (0..2), channel ch, element size es. */
static void make_masks(__m256i m[9], int es)
{
    for (int k = 0; k < 3; k++)
        for (int ch = 0; ch < 3; ch++) {
            uint8_t b[32];
            for (int i = 0; i < 16; i++) {
                int jj = 16 * k + i, e = jj / es, q = jj % es;
                int p = e / 3, c = e % 3;
                b[i] = b[i + 16] = (uint8_t)(c == ch ? p * es + q : 0x80);
            }
            m[3 * k + ch] =
                _mm256_loadu_si256((const __m256i *)(const void *)b);
        }
}

static inline void store3(uint8_t *o, __m256i p0, __m256i p1, __m256i p2,
                          const __m256i m[9])
{
    __m256i o0 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(p0, m[0]),
                                                 _mm256_shuffle_epi8(p1, m[1])),
                                 _mm256_shuffle_epi8(p2, m[2]));
    __m256i o1 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(p0, m[3]),
                                                 _mm256_shuffle_epi8(p1, m[4])),
                                 _mm256_shuffle_epi8(p2, m[5]));
    __m256i o2 = _mm256_or_si256(_mm256_or_si256(_mm256_shuffle_epi8(p0, m[6]),
                                                 _mm256_shuffle_epi8(p1, m[7])),
                                 _mm256_shuffle_epi8(p2, m[8]));
    _mm256_storeu_si256((__m256i *)(void *)o,
                        _mm256_permute2x128_si256(o0, o1, 0x20));
    _mm256_storeu_si256((__m256i *)(void *)(o + 32),
                        _mm256_permute2x128_si256(o2, o0, 0x30));
    _mm256_storeu_si256((__m256i *)(void *)(o + 64),
                        _mm256_permute2x128_si256(o1, o2, 0x31));
}

#define LD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))

static inline __m256i absdiff8(__m256i a, __m256i b)
{
    return _mm256_or_si256(_mm256_subs_epu8(a, b), _mm256_subs_epu8(b, a));
}
static inline __m256i absdiff16(__m256i a, __m256i b)
{
    return _mm256_or_si256(_mm256_subs_epu16(a, b), _mm256_subs_epu16(b, a));
}

/* One row of 8-bit samples, x from xs (a colour site) while 32 + 1 pixels
 * remain to its right; returns where the vector part stopped. */
static uint32_t row8(const sp__debayer_job *j, const uint8_t *u,
                     const uint8_t *c, const uint8_t *d, uint8_t *o,
                     uint32_t xs, int swap_rb, const __m256i m[9])
{
    const __m256i lo = _mm256_set1_epi16(0x00ff);
    const __m256i hi = _mm256_set1_epi16((short)0xff00);
    const __m256i two = _mm256_set1_epi16(2);
    uint32_t x = xs;
    for (; x + 33 <= j->w; x += 32) {
        __m256i U0 = LD(u + x), Um = LD(u + x - 1);
        __m256i D0 = LD(d + x), Dm = LD(d + x - 1);
        __m256i C0 = LD(c + x), Cm = LD(c + x - 1), Cp = LD(c + x + 1);
        __m256i vsE = _mm256_add_epi16(_mm256_and_si256(U0, lo),
                                       _mm256_and_si256(D0, lo));
        __m256i vsO = _mm256_add_epi16(_mm256_srli_epi16(U0, 8),
                                       _mm256_srli_epi16(D0, 8));
        __m256i vsOm = _mm256_add_epi16(_mm256_and_si256(Um, lo),
                                        _mm256_and_si256(Dm, lo));
        __m256i hsE = _mm256_add_epi16(_mm256_and_si256(Cm, lo),
                                       _mm256_srli_epi16(C0, 8));
        __m256i x4 = _mm256_srli_epi16(
            _mm256_add_epi16(_mm256_add_epi16(vsE, hsE), two), 2);
        __m256i d4 = _mm256_srli_epi16(
            _mm256_add_epi16(_mm256_add_epi16(vsO, vsOm), two), 2);
        __m256i avgH = _mm256_avg_epu8(Cm, Cp);
        __m256i avgV = _mm256_avg_epu8(U0, D0);
        __m256i g = x4;
        if (j->ea) {
            __m256i dh = absdiff8(Cm, Cp), dv = absdiff8(U0, D0);
            __m256i mx = _mm256_max_epu8(dh, dv);
            g = _mm256_blendv_epi8(avgV, x4, _mm256_cmpeq_epi8(mx, dv));
            g = _mm256_blendv_epi8(avgH, g, _mm256_cmpeq_epi8(mx, dh));
        }
        __m256i colour = _mm256_blendv_epi8(C0, avgH, hi);
        __m256i green = _mm256_blendv_epi8(g, C0, hi);
        __m256i other = _mm256_blendv_epi8(d4, avgV, hi);
        if (swap_rb)
            store3(o + 3 * (size_t)x, other, green, colour, m);
        else
            store3(o + 3 * (size_t)x, colour, green, other, m);
    }
    return x;
}

/* The same on 16-bit samples, 16 per step, sums in 32-bit lanes. */
static uint32_t row16(const sp__debayer_job *j, const uint16_t *u,
                      const uint16_t *c, const uint16_t *d, uint16_t *o,
                      uint32_t xs, int swap_rb, const __m256i m[9])
{
    const __m256i lo = _mm256_set1_epi32(0x0000ffff);
    const __m256i hi = _mm256_set1_epi32((int)0xffff0000u);
    const __m256i two = _mm256_set1_epi32(2);
    uint32_t x = xs;
    for (; x + 17 <= j->w; x += 16) {
        __m256i U0 = LD(u + x), Um = LD(u + x - 1);
        __m256i D0 = LD(d + x), Dm = LD(d + x - 1);
        __m256i C0 = LD(c + x), Cm = LD(c + x - 1), Cp = LD(c + x + 1);
        __m256i vsE = _mm256_add_epi32(_mm256_and_si256(U0, lo),
                                       _mm256_and_si256(D0, lo));
        __m256i vsO = _mm256_add_epi32(_mm256_srli_epi32(U0, 16),
                                       _mm256_srli_epi32(D0, 16));
        __m256i vsOm = _mm256_add_epi32(_mm256_and_si256(Um, lo),
                                        _mm256_and_si256(Dm, lo));
        __m256i hsE = _mm256_add_epi32(_mm256_and_si256(Cm, lo),
                                       _mm256_srli_epi32(C0, 16));
        __m256i x4 = _mm256_srli_epi32(
            _mm256_add_epi32(_mm256_add_epi32(vsE, hsE), two), 2);
        __m256i d4 = _mm256_srli_epi32(
            _mm256_add_epi32(_mm256_add_epi32(vsO, vsOm), two), 2);
        __m256i avgH = _mm256_avg_epu16(Cm, Cp);
        __m256i avgV = _mm256_avg_epu16(U0, D0);
        __m256i g = x4;
        if (j->ea) {
            __m256i dh = absdiff16(Cm, Cp), dv = absdiff16(U0, D0);
            __m256i mx = _mm256_max_epu16(dh, dv);
            g = _mm256_blendv_epi8(avgV, x4, _mm256_cmpeq_epi16(mx, dv));
            g = _mm256_blendv_epi8(avgH, g, _mm256_cmpeq_epi16(mx, dh));
        }
        __m256i colour = _mm256_blendv_epi8(C0, avgH, hi);
        __m256i green = _mm256_blendv_epi8(g, C0, hi);
        __m256i other = _mm256_blendv_epi8(d4, avgV, hi);
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
    const __m256i *m = ctx;
    if (j->wide)
        return row16(j, (const uint16_t *)(const void *)r->u,
                     (const uint16_t *)(const void *)r->c,
                     (const uint16_t *)(const void *)r->d,
                     (uint16_t *)(void *)r->o, r->xs, r->swap_rb, m);
    return row8(j, r->u, r->c, r->d, r->o, r->xs, r->swap_rb, m);
}

void sp__debayer_avx2(const sp__debayer_job *j)
{
    __m256i m[9];
    make_masks(m, j->wide ? 2 : 1);
    sp__debayer_drive(j, row_any, m);
}
