/* ctest-label: io */
/* ctest-timeout: 300 */
/* Damaged MCAP files through sp_log (io/mcap_*.c, io/log*.c): copies of
 * @mcap/core McapWriter fixtures (tests/support/mcap_ref.h) truncated at
 * many offsets, a chunk record length that lies, a chunk claiming 1 TB
 * uncompressed, a message record past its chunk, bad chunk and summary
 * CRCs (verified, skipped, no_verify), corrupt zstd and LZ4 data, a summary
 * that leaves a chunk out, an unsupported compression. Every message
 * delivered is one of the original's, in log-time order; damage ends the
 * read with SP_EFORMAT / SP_EUNSUPPORTED naming the file and byte, after
 * the messages before it; skip_damaged goes on and lists what it skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "mcap_ref.h"
#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_log.h"

#define ok(expr) assert_int_equal((expr), SP_OK)

/* ---- damage ---- */

/* Messages delivered from a damaged copy are a prefix-free subset of the
 * reference, in log-time order, and the end is an error naming the file
 * and a byte offset (or, with skip_damaged, SP_EOS). */
static void check_damaged(const char *path, const mref_lines *ref, int skip_dmg,
                          size_t *delivered)
{
    sp_log_desc d = {.skip_damaged = skip_dmg};
    sp_log *log;
    int rc = sp_log_open(path, &d, &log);
    if (rc != SP_OK) {
        /* Only a file whose Header cannot be read is refused at open. */
        assert_int_equal(rc, SP_EFORMAT);
        iot_msg_has(path, "byte", NULL);
        *delivered = 0;
        return;
    }
    sp_log_msg m;
    char buf[4096];
    size_t n = 0, j = 0;
    int64_t prev = INT64_MIN;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        mref_line(log, &m, buf, sizeof buf);
        while (j < ref->n && strcmp(ref->l[j], buf))
            j++;
        if (j == ref->n)
            fail_msg("%s: message %zu not in the original: %s", path, n, buf);
        assert_true(m.log_time >= prev);
        prev = m.log_time;
        n++;
    }
    if (skip_dmg) {
        assert_int_equal(rc, SP_EOS);
    } else {
        if (rc != SP_EFORMAT && rc != SP_EUNSUPPORTED)
            fail_msg("%s: ends with %s (%s), expected damage", path,
                     sp_status_name(rc), sp_errmsg());
        iot_msg_has(path, "byte ", NULL);
        /* The error is repeated, not turned into the end. */
        assert_int_equal(sp_log_next(log, &m), rc);
    }
    sp_log_destroy(log);
    *delivered = n;
}

static void write_copy(const char *path, const uint8_t *b, size_t n)
{
    iot_write(path, b, n);
}

static void test_truncated(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    const char *names[] = {"indexed_zstd.mcap", "nosummary_lz4.mcap",
                           "unchunked.mcap", "indexed_none.mcap"};
    mref_lines ref;
    mref_run(mref_fx("indexed_none.mcap"), 0, &ref);
    for (size_t f = 0; f < 4; f++) {
        size_t n;
        uint8_t *b = mref_slurp(mref_fx(names[f]), &n);
        const char *cut = iot_tmp("cut.mcap");
        size_t last = 0, last_skip = 0;
        size_t cuts[80], nc = 0;
        for (size_t c = 8; c < 60; c += 3)
            cuts[nc++] = c;
        for (size_t k = 1; k < 50; k++)
            cuts[nc++] = n * k / 50;
        cuts[nc++] = n - 38;
        cuts[nc++] = n - 37;
        cuts[nc++] = n - 8;
        cuts[nc++] = n - 1;
        for (size_t i = 0; i < nc; i++) {
            write_copy(cut, b, cuts[i]);
            size_t got, got_skip;
            check_damaged(cut, &ref, 0, &got);
            check_damaged(cut, &ref, 1, &got_skip);
            /* A longer prefix never gives fewer messages. */
            if (got < last || got_skip < last_skip)
                fail_msg("%s cut at %zu: %zu messages (%zu skipping), after "
                         "%zu (%zu) for a shorter cut",
                         names[f], cuts[i], got, got_skip, last, last_skip);
            assert_int_equal(got, got_skip);
            last = got, last_skip = got_skip;
        }
        /* Without the footer, a linear scan still finds every message. */
        assert_int_equal(last, 240);
        free(b);
    }
    mref_lines_free(&ref);
}

/* A copy of @p name with the k-th chunk patched by @p patch. */
static const char *patched(const char *name, int k,
                           void (*patch)(uint8_t *b, size_t n, size_t chunk))
{
    size_t n;
    uint8_t *b = mref_slurp(mref_fx(name), &n);
    size_t at = mref_nth_record(b, n, 0x06, k);
    assert_true(at > 0);
    patch(b, n, at);
    const char *out = iot_tmp("patched.mcap");
    write_copy(out, b, n);
    free(b);
    return out;
}

static void lie_length(uint8_t *b, size_t n, size_t at)
{
    (void)n;
    mref_put64(b + at + 1, (uint64_t)1 << 40);
}

static void lie_1tb(uint8_t *b, size_t n, size_t at)
{
    (void)n;
    mref_put64(b + at + 9 + 16, (uint64_t)1 << 40);
}

/* Offset in the file of the first byte of the chunk's records (an
 * uncompressed chunk). */
static size_t records_at(const uint8_t *b, size_t at)
{
    uint32_t clen = (uint32_t)b[at + 37] | (uint32_t)b[at + 38] << 8 |
                    (uint32_t)b[at + 39] << 16 | (uint32_t)b[at + 40] << 24;
    return at + 41 + clen + 8;
}

/* The first Message record of an uncompressed chunk with data. */
static size_t first_message(const uint8_t *b, size_t at)
{
    size_t r = records_at(b, at);
    size_t end = r + (size_t)mref_le64(b + r - 8);
    while (r < end) {
        uint64_t len = mref_le64(b + r + 1);
        if (b[r] == 0x05 && len > 22 + 8)
            return r;
        r += 9 + (size_t)len;
    }
    fail_msg("no message with data in the chunk at %zu", at);
    return 0;
}

static void lie_record(uint8_t *b, size_t n, size_t at)
{
    (void)n;
    mref_put64(b + first_message(b, at) + 1, (uint64_t)1 << 20);
    memset(b + at + 9 + 24, 0, 4); /* no CRC: the lie is what is seen */
}

static void flip_data(uint8_t *b, size_t n, size_t at)
{
    (void)n;
    b[first_message(b, at) + 9 + 22 + 5] ^= 0x40;
}

static void flip_compressed(uint8_t *b, size_t n, size_t at)
{
    (void)n;
    size_t r = records_at(b, at);
    b[r + (size_t)mref_le64(b + r - 8) / 2] ^= 0x40;
}

/* Messages read with the given options; *rc the final status. */
static size_t count_read(const char *path, const sp_log_desc *d, int *rc,
                         char *skipped, size_t cap)
{
    sp_log *log;
    ok(sp_log_open(path, d, &log));
    sp_log_msg m;
    size_t n = 0;
    while ((*rc = sp_log_next(log, &m)) == SP_OK)
        n++;
    if (skipped)
        sp_log_skipped(log, skipped, cap);
    sp_log_destroy(log);
    return n;
}

static void test_chunk_lies(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    mref_lines ref;
    mref_run(mref_fx("indexed_none.mcap"), 0, &ref);
    sp_log_desc skip = {.skip_damaged = 1};
    char sk[4096];
    int rc;
    size_t got, got_skip;

    /* A chunk record whose length runs past the file: the summary does not
     * match it, so the file is scanned, and the scan stops there. */
    const char *p = patched("indexed_zstd.mcap", 3, lie_length);
    check_damaged(p, &ref, 0, &got);
    iot_msg_has("Chunk record", "runs past the end of the file", NULL);
    check_damaged(p, &ref, 1, &got_skip);
    assert_true(got > 0 && got < 240);
    assert_int_equal(got, got_skip);
    p = patched("nosummary_zstd.mcap", 3, lie_length);
    check_damaged(p, &ref, 0, &got_skip);
    assert_int_equal(got, got_skip);

    /* A chunk claiming 1 TB uncompressed: refused before any memory is
     * asked for it; with skip_damaged only its messages are missing. */
    const char *names[] = {"indexed_zstd.mcap", "nosummary_lz4.mcap"};
    for (int i = 0; i < 2; i++) {
        p = patched(names[i], 3, lie_1tb);
        check_damaged(p, &ref, 0, &got);
        iot_msg_has("1099511627776", "byte ", NULL);
        check_damaged(p, &ref, 1, &got_skip);
        assert_true(got > 0 && got < got_skip && got_skip < 240);
        count_read(p, &skip, &rc, sk, sizeof sk);
        if (!strstr(sk, "1099511627776"))
            fail_msg("skipped list: %s", sk);
    }

    /* A message record longer than its chunk: indexed, only that message
     * is damaged; scanned, the rest of its chunk is lost. */
    p = patched("indexed_none.mcap", 3, lie_record);
    check_damaged(p, &ref, 0, &got);
    iot_msg_has("runs past", "byte ", NULL);
    check_damaged(p, &ref, 1, &got_skip);
    assert_int_equal(got_skip, 239);
    p = patched("nosummary_none.mcap", 3, lie_record);
    check_damaged(p, &ref, 0, &got);
    iot_msg_has("runs past the chunk's end", NULL);
    check_damaged(p, &ref, 1, &got_skip);
    assert_true(got < got_skip && got_skip < 240);
    mref_lines_free(&ref);
}

static void test_bad_crc(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    mref_lines ref;
    mref_run(mref_fx("indexed_none.mcap"), 0, &ref);
    sp_log_desc nv = {.no_verify = 1};
    size_t got, got_skip;
    int rc;

    /* A chunk's CRC, indexed and scanned. */
    const char *names[] = {"indexed_none.mcap", "nosummary_none.mcap"};
    for (int i = 0; i < 2; i++) {
        const char *p = patched(names[i], 2, flip_data);
        check_damaged(p, &ref, 0, &got);
        iot_msg_has("CRC-32", "byte ", NULL);
        check_damaged(p, &ref, 1, &got_skip);
        assert_true(got_skip > got && got_skip < 240);
        /* Without verification every message comes, one of them wrong. */
        mref_lines l;
        assert_int_equal(mref_read(p, &nv, &l), SP_EOS);
        assert_int_equal(l.n, 240);
        size_t differ = 0;
        for (size_t k = 0; k < 240; k++)
            differ += strcmp(l.l[k], ref.l[k]) != 0;
        assert_int_equal(differ, 1);
        mref_lines_free(&l);
    }

    /* Corrupt LZ4 and zstd data: the decoder or the checksum says so. */
    const char *comp[] = {"indexed_lz4.mcap", "indexed_zstd.mcap"};
    for (int i = 0; i < 2; i++) {
        const char *p = patched(comp[i], 2, flip_compressed);
        check_damaged(p, &ref, 0, &got);
        check_damaged(p, &ref, 1, &got_skip);
        assert_true(got_skip > got && got_skip < 240);
    }

    /* The summary's CRC: the summary is not trusted, the file is scanned
     * and nothing is lost. */
    size_t n;
    uint8_t *b = mref_slurp(mref_fx("indexed_zstd.mcap"), &n);
    b[n - 8 - 4] ^= 1;
    const char *p = iot_tmp("summary_crc.mcap");
    write_copy(p, b, n);
    free(b);
    sp_log *log;
    ok(sp_log_open(p, NULL, &log));
    assert_int_equal(sp_log_info_get(log)->indexed, 0);
    if (!strstr(sp_log_info_get(log)->note, "CRC"))
        fail_msg("note: %s", sp_log_info_get(log)->note);
    sp_log_destroy(log);
    assert_int_equal(count_read(p, NULL, &rc, NULL, 0), 240);
    assert_int_equal(rc, SP_EOS);
    ok(sp_log_open(p, &nv, &log));
    assert_int_equal(sp_log_info_get(log)->indexed, 1);
    sp_log_destroy(log);
    mref_lines_free(&ref);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A summary that leaves a chunk out (its Chunk Index record removed, the
 * summary CRC cleared): the statistics count more messages than the
 * indexes give, so the data section is walked for the rest. */
static void test_summary_missing_chunk(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    size_t n;
    uint8_t *b = mref_slurp(mref_fx("indexed_zstd.mcap"), &n);
    size_t foot = n - 37;
    size_t ss = (size_t)mref_le64(b + foot + 9),
           so = (size_t)mref_le64(b + foot + 17);
    size_t pos = ss, cut = 0, cut_len = 0;
    for (int k = 0; pos < foot; pos += 9 + (size_t)mref_le64(b + pos + 1))
        if (b[pos] == 0x08 && k++ == 2) {
            cut = pos;
            cut_len = 9 + (size_t)mref_le64(b + pos + 1);
            break;
        }
    assert_true(cut > 0);
    memmove(b + cut, b + cut + cut_len, n - cut - cut_len);
    n -= cut_len;
    foot -= cut_len;
    if (so > cut)
        mref_put64(b + foot + 17, so - cut_len);
    memset(b + foot + 25, 0, 4);
    const char *p = iot_tmp("missing_chunk.mcap");
    write_copy(p, b, n);
    free(b);

    sp_log *log;
    ok(sp_log_open(p, NULL, &log));
    const sp_log_info *li = sp_log_info_get(log);
    assert_int_equal(li->indexed, 1);
    if (!strstr(li->note, "miss"))
        fail_msg("note: %s", li->note);
    sp_log_destroy(log);
    mref_lines got, ref;
    assert_int_equal(mref_read(p, NULL, &got), SP_EOS);
    mref_run(mref_fx("indexed_zstd.mcap"), 0, &ref);
    assert_int_equal(got.n, ref.n);
    /* The same messages; equal log times across the late chunk may come in
     * another order than the reference's (chunk order). */
    qsort(got.l, got.n, sizeof *got.l, cmp_str);
    qsort(ref.l, ref.n, sizeof *ref.l, cmp_str);
    mref_expect_same(p, &got, &ref);
    mref_lines_free(&got);
    mref_lines_free(&ref);
}

static void test_unsupported_compression(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    const char *p = mref_fx("brotli.mcap");
    sp_log *log;
    ok(sp_log_open(p, NULL, &log));
    assert_true(sp_log_topic_count(log) == 5);
    assert_string_equal(sp_log_info_get(log)->compression, "brotli");
    sp_log_msg m;
    int rc = sp_log_next(log, &m);
    assert_int_equal(rc, SP_EUNSUPPORTED);
    iot_msg_has(p, "byte ", "'brotli'", NULL);
    sp_log_destroy(log);
    sp_log_desc skip = {.skip_damaged = 1};
    char sk[4096];
    assert_int_equal(count_read(p, &skip, &rc, sk, sizeof sk), 0);
    assert_int_equal(rc, SP_EOS);
    assert_non_null(strstr(sk, "brotli"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_chunk_lies),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_summary_missing_chunk),
        cmocka_unit_test(test_unsupported_compression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
