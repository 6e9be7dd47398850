/* ctest-label: io */
/* CRC-32 of the log containers (io/crc32.c): the folded PCLMULQDQ path
 * against zlib's crc32() on every length 0..1100 at every alignment 0..15,
 * with random and zero starting values, chained in pieces, on large
 * buffers, and the standard check value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log_int.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void test_check_value(void **state)
{
    (void)state;
    const uint8_t s[] = "123456789";
    assert_int_equal(sp__crc32(0, s, 9), 0xCBF43926u);
    assert_int_equal(sp__crc32_zlib(0, s, 9), 0xCBF43926u);
    assert_int_equal(sp__crc32(0, s, 0), 0);
    /* 64 zero bytes and 64 0xFF bytes: the first length the fold takes. */
    uint8_t z[64];
    memset(z, 0, sizeof z);
    assert_int_equal(sp__crc32(0, z, 64), sp__crc32_zlib(0, z, 64));
    memset(z, 0xFF, sizeof z);
    assert_int_equal(sp__crc32(0, z, 64), sp__crc32_zlib(0, z, 64));
}

static void test_lengths_alignments(void **state)
{
    (void)state;
    enum { MAX = 1100 };
    uint8_t *buf = malloc(MAX + 32);
    assert_non_null(buf);
    for (size_t i = 0; i < MAX + 32; i++)
        buf[i] = (uint8_t)next();
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n <= MAX; n++) {
            uint32_t init = (n & 1) ? next() : 0;
            uint32_t want = sp__crc32_zlib(init, buf + off, n);
            uint32_t got = sp__crc32(init, buf + off, n);
            if (got != want)
                fail_msg("offset %zu, %zu bytes, start %08x: %08x, zlib "
                         "%08x",
                         off, n, init, got, want);
        }
    free(buf);
}

static void test_large_and_chained(void **state)
{
    (void)state;
    size_t n = (size_t)5 << 20;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)next();
    uint32_t want = sp__crc32_zlib(0, buf, n);
    assert_int_equal(sp__crc32(0, buf, n), want);
    /* In uneven pieces: the state carries over exactly. */
    uint32_t c = 0;
    size_t at = 0;
    while (at < n) {
        size_t k = 1 + next() % 70000;
        if (k > n - at)
            k = n - at;
        c = sp__crc32(c, buf + at, k);
        at += k;
    }
    assert_int_equal(c, want);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_lengths_alignments),
        cmocka_unit_test(test_large_and_chained),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
