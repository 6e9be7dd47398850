/* PNG row unfiltering (see png_fast_int.h).
 *
 * The scalar functions are the reference. On arm64 Sub (RGB, RGBA) and Up
 * run in NEON as below, the rest scalar. On x86 the Sub, Avg and Paeth
 * filters for 3- and 4-byte pixels (8-bit RGB and RGBA, the images cameras
 * and datasets write) run one pixel per step in vector lanes, as libpng's
 * filter_sse2_intrinsics.c does; Sub, which KITTI writes on every row, is a
 * prefix sum and runs five (RGB) or four (RGBA) pixels per step with
 * log-step shifted adds. Up is independent per byte and runs 16 at a time.
 * All of it is exact integer arithmetic modulo 256, so every path equals
 * the scalar one byte for byte (tests/test_png_fast.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png_fast_int.h"

/* ---- scalar reference ------------------------------------------------ */

/* Every function reads the filtered row s and writes d, which may be s
 * itself; prev is the previous row as written. */
static void none_c(const uint8_t *s, uint8_t *d, size_t n)
{
    if (d != s)
        memcpy(d, s, n);
}

static void sub_c(const uint8_t *s, uint8_t *d, size_t n, unsigned bpp)
{
    size_t i = 0;
    for (; i < bpp && i < n; i++)
        d[i] = s[i];
    for (; i < n; i++)
        d[i] = (uint8_t)(s[i] + d[i - bpp]);
}

static void up_c(const uint8_t *s, uint8_t *d, const uint8_t *prev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(s[i] + prev[i]);
}

static void avg_c(const uint8_t *s, uint8_t *d, const uint8_t *prev, size_t n,
                  unsigned bpp)
{
    for (size_t i = 0; i < n; i++) {
        unsigned a = i >= bpp ? d[i - bpp] : 0;
        d[i] = (uint8_t)(s[i] + ((a + prev[i]) >> 1));
    }
}

static inline uint8_t paeth_pick(int a, int b, int c)
{
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

static void paeth_c(const uint8_t *s, uint8_t *d, const uint8_t *prev, size_t n,
                    unsigned bpp)
{
    size_t i = 0;
    for (; i < bpp && i < n; i++)
        d[i] = (uint8_t)(s[i] + prev[i]); /* a = c = 0: picks b */
    for (; i < n; i++)
        d[i] = (uint8_t)(s[i] + paeth_pick(d[i - bpp], prev[i], prev[i - bpp]));
}

/* The first row has a previous row of zeros: Up is a copy, Avg halves the
 * left neighbour, Paeth is Sub. Callers pass @p prev = NULL for it. */
static int scalar_row(int filter, const uint8_t *s, uint8_t *d,
                      const uint8_t *prev, size_t n, unsigned bpp)
{
    switch (filter) {
    case 0:
        none_c(s, d, n);
        return 0;
    case 1:
        sub_c(s, d, n, bpp);
        return 0;
    case 2:
        if (prev)
            up_c(s, d, prev, n);
        else
            none_c(s, d, n);
        return 0;
    case 3:
        if (prev) {
            avg_c(s, d, prev, n, bpp);
        } else {
            size_t i = 0;
            for (; i < bpp && i < n; i++)
                d[i] = s[i];
            for (; i < n; i++)
                d[i] = (uint8_t)(s[i] + (d[i - bpp] >> 1));
        }
        return 0;
    case 4:
        if (prev)
            paeth_c(s, d, prev, n, bpp);
        else
            sub_c(s, d, n, bpp);
        return 0;
    default:
        return -1;
    }
}

int sp__png_unfilter_row_scalar(int filter, const uint8_t *src, uint8_t *dst,
                                const uint8_t *prev, size_t n, unsigned bpp)
{
    return scalar_row(filter, src, dst, prev, n, bpp);
}

/* ---- x86 vector paths ------------------------------------------------ */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define SP__SSE41 __attribute__((target("sse4.1")))

SP__SSE41 static inline __m128i load_px(const uint8_t *p, unsigned bpp)
{
    uint32_t v = 0;
    memcpy(&v, p, bpp);
    return _mm_cvtsi32_si128((int)v);
}

SP__SSE41 static inline void store_px(uint8_t *p, __m128i v, unsigned bpp)
{
    uint32_t x = (uint32_t)_mm_cvtsi128_si32(v);
    memcpy(p, &x, bpp);
}

/* Sub as a prefix sum: with whole pixels in the low 15 (RGB) or 16 (RGBA)
 * bytes of a register, adding the register shifted by 1, 2, 4 pixels sums
 * every pixel with all those before it; the last pixel carries into the
 * next step. */
SP__SSE41 static void sub_sse41(const uint8_t *row, uint8_t *d, size_t n,
                                unsigned bpp)
{
    __m128i carry = _mm_setzero_si128();
    size_t i = 0;
    if (bpp == 4) {
        for (; i + 16 <= n; i += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(row + i));
            x = _mm_add_epi8(x, _mm_slli_si128(x, 4));
            x = _mm_add_epi8(x, _mm_slli_si128(x, 8));
            x = _mm_add_epi8(x, carry);
            _mm_storeu_si128((__m128i *)(d + i), x);
            carry = _mm_shuffle_epi32(x, 0xFF);
        }
    } else { /* bpp == 3: five pixels per step, the 16th byte untouched */
        const __m128i low15 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1,
                                            -1, -1, -1, -1, -1, -1, 0);
        /* pixel 4 (bytes 12..14) to pixels 0..4; byte 15 zero */
        const __m128i last = _mm_setr_epi8(12, 13, 14, 12, 13, 14, 12, 13, 14,
                                           12, 13, 14, 12, 13, 14, -1);
        /* Each step's 16 bytes are loaded before the last step's store,
         * which they overlap by a byte: loaded after it, they would wait
         * for a failed store-to-load forward (about 4x slower). */
        __m128i next = n >= 16 ? _mm_loadu_si128((const __m128i *)row) : carry;
        for (; i + 16 <= n; i += 15) {
            __m128i in = next;
            if (i + 31 <= n)
                next = _mm_loadu_si128((const __m128i *)(row + i + 15));
            __m128i x = _mm_and_si128(in, low15);
            x = _mm_add_epi8(x, _mm_slli_si128(x, 3));
            x = _mm_add_epi8(x, _mm_slli_si128(x, 6));
            x = _mm_add_epi8(x, _mm_slli_si128(x, 12));
            x = _mm_and_si128(_mm_add_epi8(x, carry), low15);
            /* byte 15 (the next step's first byte) as it was: the next
             * step or the tail writes it */
            x = _mm_or_si128(x, _mm_andnot_si128(low15, in));
            _mm_storeu_si128((__m128i *)(d + i), x);
            carry = _mm_shuffle_epi8(x, last);
        }
    }
    /* the rest one byte at a time (i >= bpp whenever a step ran) */
    for (size_t j = i; j < bpp && j < n; j++)
        d[j] = row[j];
    for (size_t j = i < bpp ? bpp : i; j < n; j++)
        d[j] = (uint8_t)(row[j] + d[j - bpp]);
}

SP__SSE41 static void up_sse41(const uint8_t *row, uint8_t *d,
                               const uint8_t *prev, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i r = _mm_loadu_si128((const __m128i *)(row + i));
        __m128i p = _mm_loadu_si128((const __m128i *)(prev + i));
        _mm_storeu_si128((__m128i *)(d + i), _mm_add_epi8(r, p));
    }
    for (; i < n; i++)
        d[i] = (uint8_t)(row[i] + prev[i]);
}

/* Rows of whole pixels only: n is a multiple of bpp (3 or 4). */
SP__SSE41 static void avg_sse41(const uint8_t *row, uint8_t *dst,
                                const uint8_t *prev, size_t n, unsigned bpp)
{
    __m128i a = _mm_setzero_si128();
    const __m128i one = _mm_set1_epi8(1);
    for (size_t i = 0; i < n; i += bpp) {
        __m128i b = load_px(prev + i, bpp);
        __m128i d = load_px(row + i, bpp);
        /* floor((a + b) / 2): _mm_avg_epu8 rounds up when a + b is odd */
        __m128i avg = _mm_sub_epi8(_mm_avg_epu8(a, b),
                                   _mm_and_si128(_mm_xor_si128(a, b), one));
        a = _mm_add_epi8(d, avg);
        store_px(dst + i, a, bpp);
    }
}

SP__SSE41 static void paeth_sse41(const uint8_t *row, uint8_t *dst,
                                  const uint8_t *prev, size_t n, unsigned bpp)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i a = zero, c = zero;
    for (size_t i = 0; i < n; i += bpp) {
        __m128i b = _mm_unpacklo_epi8(load_px(prev + i, bpp), zero);
        __m128i d = load_px(row + i, bpp);
        /* p = a + b - c: |p - a| = |b - c|, |p - b| = |a - c|,
         * |p - c| = |(b - c) + (a - c)| */
        __m128i pa = _mm_sub_epi16(b, c);
        __m128i pb = _mm_sub_epi16(a, c);
        __m128i pc = _mm_abs_epi16(_mm_add_epi16(pa, pb));
        pa = _mm_abs_epi16(pa);
        pb = _mm_abs_epi16(pb);
        __m128i small = _mm_min_epi16(pc, _mm_min_epi16(pa, pb));
        /* ties favour a, then b, then c */
        __m128i pick =
            _mm_blendv_epi8(_mm_blendv_epi8(c, b, _mm_cmpeq_epi16(small, pb)),
                            a, _mm_cmpeq_epi16(small, pa));
        d = _mm_add_epi8(d, _mm_packus_epi16(pick, pick));
        store_px(dst + i, d, bpp);
        a = _mm_unpacklo_epi8(d, zero);
        c = b;
    }
}

static int have_sse41(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known =
            __builtin_cpu_supports("sse4.1") && __builtin_cpu_supports("ssse3");
    }
    return known;
}

static int vector_row(int filter, const uint8_t *s, uint8_t *d,
                      const uint8_t *prev, size_t n, unsigned bpp)
{
    switch (filter) {
    case 1:
        sub_sse41(s, d, n, bpp);
        return 0;
    case 2:
        if (!prev)
            return scalar_row(filter, s, d, prev, n, bpp);
        up_sse41(s, d, prev, n);
        return 0;
    case 3:
        if (!prev)
            return scalar_row(filter, s, d, prev, n, bpp);
        avg_sse41(s, d, prev, n, bpp);
        return 0;
    case 4:
        if (!prev) {
            sub_sse41(s, d, n, bpp);
            return 0;
        }
        paeth_sse41(s, d, prev, n, bpp);
        return 0;
    default:
        return scalar_row(filter, s, d, prev, n, bpp);
    }
}

int sp__png_unfilter_row_simd(int filter, const uint8_t *src, uint8_t *dst,
                              const uint8_t *prev, size_t n, unsigned bpp)
{
    if ((bpp == 3 || bpp == 4) && n % bpp == 0 && have_sse41())
        return vector_row(filter, src, dst, prev, n, bpp);
    if (filter == 2 && prev && have_sse41()) {
        up_sse41(src, dst, prev, n);
        return 0;
    }
    return scalar_row(filter, src, dst, prev, n, bpp);
}

int sp__png_unfilter_simd_available(void)
{
    return have_sse41();
}

#elif defined(__aarch64__) && defined(__ARM_NEON)
/* ---- arm64 vector paths: Sub (RGB, RGBA) and Up as on x86; Avg and
 * Paeth, serial a pixel at a time, stay scalar ---------------------------- */
#include <arm_neon.h>

/* x shifted up by k bytes (k = 16 - s), zeros below: vextq takes bytes
 * s.. of the first operand, then the second's. */
#define SP__UP(x, s) vextq_u8(vdupq_n_u8(0), (x), (s))

static void sub_neon(const uint8_t *row, uint8_t *d, size_t n, unsigned bpp)
{
    size_t i = 0;
    if (bpp == 4) {
        uint8x16_t carry = vdupq_n_u8(0);
        for (; i + 16 <= n; i += 16) {
            uint8x16_t x = vld1q_u8(row + i);
            x = vaddq_u8(x, SP__UP(x, 12));
            x = vaddq_u8(x, SP__UP(x, 8));
            x = vaddq_u8(x, carry);
            vst1q_u8(d + i, x);
            carry = vreinterpretq_u8_u32(
                vdupq_laneq_u32(vreinterpretq_u32_u8(x), 3));
        }
    } else { /* bpp == 3: five pixels a step, the 16th byte kept */
        static const uint8_t last_idx[16] = {12, 13, 14, 12, 13, 14, 12, 13,
                                             14, 12, 13, 14, 12, 13, 14, 255};
        const uint8x16_t last = vld1q_u8(last_idx);
        const uint8x16_t low15 =
            vextq_u8(vdupq_n_u8(0xFF), vdupq_n_u8(0), 1); /* 15 x FF, 0 */
        uint8x16_t carry = vdupq_n_u8(0);
        /* loaded before the previous step's store, which the load overlaps
         * by a byte (as on x86) */
        uint8x16_t next = n >= 16 ? vld1q_u8(row) : carry;
        for (; i + 16 <= n; i += 15) {
            uint8x16_t in = next;
            if (i + 31 <= n)
                next = vld1q_u8(row + i + 15);
            uint8x16_t x = vandq_u8(in, low15);
            x = vaddq_u8(x, SP__UP(x, 13));
            x = vaddq_u8(x, SP__UP(x, 10));
            x = vaddq_u8(x, SP__UP(x, 4));
            x = vandq_u8(vaddq_u8(x, carry), low15);
            x = vorrq_u8(x, vbicq_u8(in, low15));
            vst1q_u8(d + i, x);
            carry = vqtbl1q_u8(x, last); /* index 255 gives 0 */
        }
    }
    for (size_t j = i; j < bpp && j < n; j++)
        d[j] = row[j];
    for (size_t j = i < bpp ? bpp : i; j < n; j++)
        d[j] = (uint8_t)(row[j] + d[j - bpp]);
}

static void up_neon(const uint8_t *row, uint8_t *d, const uint8_t *prev,
                    size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        vst1q_u8(d + i, vaddq_u8(vld1q_u8(row + i), vld1q_u8(prev + i)));
    for (; i < n; i++)
        d[i] = (uint8_t)(row[i] + prev[i]);
}

int sp__png_unfilter_row_simd(int filter, const uint8_t *src, uint8_t *dst,
                              const uint8_t *prev, size_t n, unsigned bpp)
{
    /* Sub, and Paeth of the first row (Sub there) */
    if ((filter == 1 || (filter == 4 && !prev)) && (bpp == 3 || bpp == 4) &&
        n % bpp == 0) {
        sub_neon(src, dst, n, bpp);
        return 0;
    }
    if (filter == 2 && prev) {
        up_neon(src, dst, prev, n);
        return 0;
    }
    return scalar_row(filter, src, dst, prev, n, bpp);
}

int sp__png_unfilter_simd_available(void)
{
    return 1;
}

#else

int sp__png_unfilter_row_simd(int filter, const uint8_t *src, uint8_t *dst,
                              const uint8_t *prev, size_t n, unsigned bpp)
{
    return scalar_row(filter, src, dst, prev, n, bpp);
}

int sp__png_unfilter_simd_available(void)
{
    return 0;
}

#endif
