/* ctest-label: io */
/* The LZ4 frame decoder (io/lz4frame.c) against frames liblz4's own
 * encoder writes (LZ4F_compressFrame): every block size, linked and
 * independent blocks, block and content checksums, the content size in
 * the header, incompressible data (stored blocks), empty frames,
 * concatenated and skippable frames; then damage: every truncation, flips
 * in the header, a block and the content checksum, sizes that lie. */
#include <lz4frame.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log_int.h"
#include "sp_iotest.h"

static uint64_t rng = 88172645463325252ull;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* Compressible data with some noise, or pure noise. */
static void fill(uint8_t *p, size_t n, int noise)
{
    for (size_t i = 0; i < n; i++)
        p[i] = noise ? (uint8_t)next() : (uint8_t)((i / 7) ^ (next() % 3 == 0));
}

static size_t encode(const uint8_t *src, size_t n, uint8_t *dst, size_t cap,
                     LZ4F_blockSizeID_t bs, int linked, int bsum, int csum,
                     int csize)
{
    LZ4F_preferences_t p;
    memset(&p, 0, sizeof p);
    p.frameInfo.blockSizeID = bs;
    p.frameInfo.blockMode = linked ? LZ4F_blockLinked : LZ4F_blockIndependent;
    p.frameInfo.blockChecksumFlag = bsum ? LZ4F_blockChecksumEnabled : 0;
    p.frameInfo.contentChecksumFlag = csum ? LZ4F_contentChecksumEnabled : 0;
    p.frameInfo.contentSize = csize ? n : 0;
    assert_true(LZ4F_compressFrameBound(n, &p) <= cap);
    size_t r = LZ4F_compressFrame(dst, cap, src, n, &p);
    assert_false(LZ4F_isError(r));
    return r;
}

static void test_frames_from_liblz4(void **state)
{
    (void)state;
    static const size_t sizes[] = {0,     1,      100,     65535,  65536,
                                   65537, 300000, 1 << 20, 5000000};
    static const LZ4F_blockSizeID_t bss[] = {LZ4F_max64KB, LZ4F_max256KB,
                                             LZ4F_max1MB, LZ4F_max4MB};
    size_t maxn = 5000000;
    uint8_t *src = malloc(maxn), *out = malloc(maxn + 1);
    size_t cap = maxn + maxn / 16 + (1 << 20);
    uint8_t *frame = malloc(cap);
    assert_true(src && out && frame);
    /* Under the emulator every 4th (block size, flags) pair, rotated by
     * size and content so each pair still meets several sizes (emulated
     * liblz4 and xxHash took 19 s there). */
    size_t step = iot_emulated_stride(4, "liblz4 frames");
    int cases = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int noise = 0; noise < 2; noise++) {
            size_t n = sizes[s];
            fill(src, n, noise);
            for (size_t b = 0; b < 4; b++)
                for (int flags = 0; flags < 16; flags++) {
                    if ((b * 16 + (size_t)flags + 2 * s + (size_t)noise) %
                            step !=
                        0)
                        continue;
                    size_t k = encode(src, n, frame, cap, bss[b], flags & 1,
                                      flags & 2, flags & 4, flags & 8);
                    memset(out, 0xA5, n + 1);
                    if (sp__lz4f_decompress(frame, k, out, n, 1, "t") != SP_OK)
                        fail_msg("%zu bytes, noise %d, block id %d, flags "
                                 "%d: %s",
                                 n, noise, (int)bss[b], flags, sp_errmsg());
                    assert_memory_equal(out, src, n);
                    assert_int_equal(out[n], 0xA5); /* nothing past it */
                    cases++;
                }
        }
    assert_int_equal(cases, 9 * 2 * 4 * 16 / (int)step);
    free(src), free(out), free(frame);
}

static void test_concatenated_and_skippable(void **state)
{
    (void)state;
    uint8_t a[3000], b[5000], out[8000], frame[20000];
    fill(a, sizeof a, 0);
    fill(b, sizeof b, 1);
    size_t k = 0;
    /* A skippable frame first, then two frames. */
    const uint8_t skip[] = {0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3};
    memcpy(frame, skip, sizeof skip);
    k += sizeof skip;
    k += encode(a, sizeof a, frame + k, sizeof frame - k, LZ4F_max64KB, 1, 1, 1,
                1);
    k += encode(b, sizeof b, frame + k, sizeof frame - k, LZ4F_max64KB, 0, 0, 1,
                0);
    assert_int_equal(
        sp__lz4f_decompress(frame, k, out, sizeof a + sizeof b, 1, "t"), SP_OK);
    assert_memory_equal(out, a, sizeof a);
    assert_memory_equal(out + sizeof a, b, sizeof b);
}

/* Every truncation is an error; flips are caught by the checksums with
 * verify, and never read or write out of bounds without. */
static void test_damage(void **state)
{
    (void)state;
    enum { N = 70000 };
    uint8_t *src = malloc(N), *out = malloc(N), *frame = malloc(N + 1024);
    fill(src, N, 0);
    size_t k = encode(src, N, frame, N + 1024, LZ4F_max64KB, 1, 1, 1, 1);
    for (size_t cut = 0; cut < k; cut++)
        if (sp__lz4f_decompress(frame, cut, out, N, 1, "cut") != SP_EFORMAT)
            fail_msg("cut at %zu of %zu: accepted", cut, k);
    assert_non_null(strstr(sp_errmsg(), "cut: lz4 frame"));
    /* The size the container gives is wrong. */
    assert_int_equal(sp__lz4f_decompress(frame, k, out, N - 1, 1, "t"),
                     SP_EFORMAT);
    assert_non_null(strstr(sp_errmsg(), "more than"));
    /* Every byte flipped: with verify, an error each time (the header
     * checksum, a block checksum, the content checksum or the format). */
    uint8_t *bad = malloc(k);
    for (size_t i = 0; i < k; i += 1 + i / 64) {
        memcpy(bad, frame, k);
        bad[i] ^= 0x20;
        if (sp__lz4f_decompress(bad, k, out, N, 1, "flip") == SP_OK)
            fail_msg("flip at byte %zu of %zu: accepted with verify", i, k);
        (void)sp__lz4f_decompress(bad, k, out, N, 0, "flip");
    }
    /* A block claiming more than the frame's block size. */
    memcpy(bad, frame, k);
    /* magic 4, FLG and BD, content size 8, header checksum 1 */
    bad[15] = 0xFF, bad[16] = 0xFF, bad[17] = 0xFF, bad[18] = 0x7F;
    assert_int_equal(sp__lz4f_decompress(bad, k, out, N, 0, "t"), SP_EFORMAT);
    assert_non_null(strstr(sp_errmsg(), "larger than the frame's block"));
    free(bad), free(src), free(out), free(frame);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_from_liblz4),
        cmocka_unit_test(test_concatenated_and_skippable),
        cmocka_unit_test(test_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
