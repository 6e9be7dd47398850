/* CRC-32 (IEEE 802.3, reflected, as zlib and MCAP compute it). On x86 with
 * PCLMULQDQ, whole 16-byte blocks are folded four at a time by carry-less
 * multiplication (the method of Intel's white paper "Fast CRC Computation
 * for Generic Polynomials Using PCLMULQDQ", 2009) and reduced by Barrett;
 * the rest, and other CPUs, go through zlib's crc32(). MCAP's chunk CRCs
 * cover every decompressed byte, so at zlib's ~2.7 GB/s they cost as much
 * as decompressing with zstd; folding runs at memory speed.
 *
 * The constants are powers of x modulo the CRC polynomial P = 0x104C11DB7,
 * bit-reflected: x^(512+32) and x^(512-32) fold 64 bytes ahead, x^(128+32)
 * and x^(128-32) fold one block, x^64 reduces 96 bits to 64, and P' with
 * mu = floor(x^64 / P) do the Barrett step. */
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "log_int.h"

static uint32_t crc32_zlib(uint32_t crc, const uint8_t *p, size_t n)
{
    uLong c = crc;
    /* zlib takes uInt lengths: feed large buffers in pieces. */
    while (n > 0) {
        uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define SP__CLMUL __attribute__((target("pclmul,sse4.1")))

/* The folding of n bytes (n >= 64, a multiple of 16) from the running
 * (not inverted) CRC state @p crc; returns the new state. */
SP__CLMUL static uint32_t fold_pclmul(uint32_t crc, const uint8_t *p, size_t n)
{
    const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596LL, 0x0154442bd4LL);
    const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009eLL, 0x01751997d0LL);
    const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124LL);
    const __m128i poly = _mm_set_epi64x(0x01f7011641LL, 0x01db710641LL);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);

    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 0));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(p + 48));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    p += 64;
    n -= 64;
    /* Four independent streams, each folded 64 bytes ahead. */
    while (n >= 64) {
        __m128i y1 = _mm_clmulepi64_si128(x1, k1k2, 0x00);
        __m128i y2 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
        __m128i y3 = _mm_clmulepi64_si128(x3, k1k2, 0x00);
        __m128i y4 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
        x1 = _mm_clmulepi64_si128(x1, k1k2, 0x11);
        x2 = _mm_clmulepi64_si128(x2, k1k2, 0x11);
        x3 = _mm_clmulepi64_si128(x3, k1k2, 0x11);
        x4 = _mm_clmulepi64_si128(x4, k1k2, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, y1),
                           _mm_loadu_si128((const __m128i *)(p + 0)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, y2),
                           _mm_loadu_si128((const __m128i *)(p + 16)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, y3),
                           _mm_loadu_si128((const __m128i *)(p + 32)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, y4),
                           _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        n -= 64;
    }
    /* The four into one, then the remaining blocks one at a time. */
    __m128i y = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), y),
                       x2);
    y = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), y),
                       x3);
    y = _mm_clmulepi64_si128(x1, k3k4, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), y),
                       x4);
    while (n >= 16) {
        y = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(
            _mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), y),
            _mm_loadu_si128((const __m128i *)p));
        p += 16;
        n -= 16;
    }
    /* 128 bits to 64. */
    y = _mm_clmulepi64_si128(x1, k3k4, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), y);
    y = _mm_srli_si128(x1, 4);
    x1 = _mm_xor_si128(
        _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), k5, 0x00), y);
    /* Barrett reduction to 32. */
    y = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10);
    y = _mm_clmulepi64_si128(_mm_and_si128(y, mask32), poly, 0x00);
    x1 = _mm_xor_si128(x1, y);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

static int have_pclmul(void)
{
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("pclmul") &&
                __builtin_cpu_supports("sse4.1");
    }
    return known;
}

uint32_t sp__crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    if (n >= 64 && have_pclmul()) {
        size_t blocks = n & ~(size_t)15;
        crc = ~fold_pclmul(~crc, p, blocks);
        p += blocks;
        n -= blocks;
    }
    return crc32_zlib(crc, p, n);
}

#else

uint32_t sp__crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    return crc32_zlib(crc, p, n);
}

#endif

uint32_t sp__crc32_zlib(uint32_t crc, const uint8_t *p, size_t n)
{
    return crc32_zlib(crc, p, n);
}
