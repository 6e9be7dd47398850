/* ctest-label: io */
/* ctest-timeout: 300 */
/* MCAP through sp_log (io/mcap_read.c, mcap_summary.c, mcap_scan.c),
 * checked message by message against the reference reader, node with
 * @mcap/core's McapIndexedReader / McapStreamReader (tests/support/mcap_ref.h:
 * topic, log time, publish time, sequence, length and SHA-1 of every
 * message in log-time order): the two real MCAPs of $SP_TEST_DATA/mcap, and
 * fixtures written by @mcap/core's McapWriter (every compression, no
 * summary, no chunks, chunks out of time order, several channels of one
 * topic, empty files, attachments and metadata, unknown opcodes, no message
 * indexes); topics, info, selection, read_at, refusals at open, and no
 * allocation per message. Damaged files: test_log_mcap_damage.c. Without
 * node or tests/oracles/node_modules the checks that need them skip,
 * saying so. */
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

/* ---- the real files ---- */

typedef struct real_topic {
    const char *name, *type;
    uint64_t count;
} real_topic;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void check_real(const char *rel, const real_topic *want, size_t nwant,
                       uint64_t messages)
{
    const char *path = iot_data(rel);
    if (!path) {
        print_message("skipped: %s not in $SP_TEST_DATA\n", rel);
        skip();
    }
    assert_int_equal(sp_log_probe(path), 1);
    sp_log *log;
    double t0 = now_s();
    ok(sp_log_open(path, NULL, &log));
    size_t nt = sp_log_topic_count(log);
    double t1 = now_s();
    print_message("%s: opened and %zu topics listed in %.3f ms\n", rel, nt,
                  (t1 - t0) * 1e3);
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->container, "mcap");
    assert_string_equal(li->version, "0");
    assert_string_equal(li->profile, "ros2");
    assert_int_equal(li->indexed, 1);
    assert_int_equal(li->messages, messages);
    for (size_t i = 0; i < nwant; i++) {
        size_t t = 0;
        while (t < nt && strcmp(sp_log_topic_at(log, t)->name, want[i].name))
            t++;
        if (t == nt)
            fail_msg("%s: no topic %s", rel, want[i].name);
        const sp_log_topic *tp = sp_log_topic_at(log, t);
        assert_string_equal(tp->type, want[i].type);
        assert_string_equal(tp->encoding, "cdr");
        assert_true(strlen(tp->schema) > 0);
        assert_int_equal(tp->count, want[i].count);
    }
    sp_log_destroy(log);

    if (mref_unavailable()) {
        print_message("message comparison skipped: %s\n", mref_unavailable());
        return;
    }
    mref_lines want_l, want_s, got;
    mref_run(path, 0, &want_l);
    mref_run(path, 1, &want_s);
    assert_string_equal(want_l.reader, "indexed");
    assert_int_equal(mref_read(path, NULL, &got), SP_EOS);
    mref_expect_same(path, &got, &want_l);
    mref_expect_same(path, &got, &want_s);
    mref_lines_free(&want_l);
    mref_lines_free(&want_s);
    mref_lines_free(&got);
}

static void test_real_talker_zstd(void **state)
{
    (void)state;
    real_topic t[] = {{"/topic", "std_msgs/msg/String", 10},
                      {"/rosout", "rcl_interfaces/msg/Log", 10}};
    check_real("mcap/synthetic_rosbag2_talker_zstd/talker.mcap", t, 2, 20);
}

static void test_real_cdr_test_none(void **state)
{
    (void)state;
    real_topic t[] = {{"/test_topic", "test_msgs/msg/BasicTypes", 3},
                      {"/array_topic", "test_msgs/msg/Arrays", 4}};
    check_real("mcap/synthetic_rosbag2_cdr_test_none/cdr_test_0.mcap", t, 2, 7);
}

/* ---- fixtures against the reference reader ---- */

typedef struct fixture {
    const char *name;
    int indexed;
    const char *compression;
    const char *note; /* a part of info.note */
    uint64_t messages;
    int stream; /* compare with the stream reader */
} fixture;

static void test_fixtures_match_reference(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    static const fixture fx_list[] = {
        {"indexed_none.mcap", 1, "none", "indexed", 240, 0},
        {"indexed_zstd.mcap", 1, "zstd", "indexed", 240, 0},
        {"indexed_lz4.mcap", 1, "lz4", "indexed", 240, 0},
        {"nosummary_none.mcap", 0, "none", "no summary", 240, 0},
        {"nosummary_zstd.mcap", 0, "zstd", "no summary", 240, 0},
        {"nosummary_lz4.mcap", 0, "lz4", "no summary", 240, 0},
        {"unchunked.mcap", 0, "none", "without chunk indexes", 240, 0},
        {"unchunked_nosummary.mcap", 0, "none", "no summary", 240, 0},
        {"outoforder_zstd.mcap", 1, "zstd", "indexed", 240, 0},
        {"nomsgindex_lz4.mcap", 1, "lz4", "without a usable message index", 240,
         1},
        {"attach_zstd.mcap", 1, "zstd", "4 attachments and 4 metadata", 240, 0},
        {"unknown_op.mcap", 0, "none", "no summary", 240, 0},
        {"empty.mcap", 1, "none", "indexed", 0, 0},
        {"empty_bare.mcap", 1, "none", "indexed", 0, 0},
    };
    mref_lines ref240;
    mref_run(mref_fx("indexed_none.mcap"), 0, &ref240);
    assert_int_equal(ref240.n, 240);
    for (size_t i = 0; i < sizeof fx_list / sizeof fx_list[0]; i++) {
        const fixture *f = &fx_list[i];
        const char *path = mref_fx(f->name);
        sp_log *log;
        ok(sp_log_open(path, NULL, &log));
        const sp_log_info *li = sp_log_info_get(log);
        if (li->indexed != f->indexed ||
            strcmp(li->compression, f->compression) ||
            !strstr(li->note, f->note) || li->messages != f->messages)
            fail_msg("%s: indexed %d, compression %s, %llu messages, note "
                     "'%s'",
                     f->name, li->indexed, li->compression,
                     (unsigned long long)li->messages, li->note);
        assert_string_equal(li->profile, f->messages || i == 12 ? "ros2" : "");
        /* /a is two channels of one topic and type; /never has none. */
        size_t nt = sp_log_topic_count(log);
        if (f->messages) {
            /* Channels come from the summary, or from the data section
             * where only channels with messages are written. */
            int summary = f->indexed || !strcmp(f->name, "unchunked.mcap");
            assert_int_equal(nt, summary ? 5 : 4);
            uint64_t sum = 0;
            for (size_t t = 0; t < nt; t++) {
                const sp_log_topic *tp = sp_log_topic_at(log, t);
                sum += tp->count;
                if (!strcmp(tp->name, "/j")) {
                    assert_string_equal(tp->type, "");
                    assert_string_equal(tp->encoding, "json");
                } else if (!strcmp(tp->name, "/r1")) {
                    assert_string_equal(tp->type, "std_msgs/String");
                    assert_string_equal(tp->encoding, "ros1");
                    assert_string_equal(tp->schema, "string data\n");
                } else if (!strcmp(tp->name, "/a")) {
                    assert_string_equal(tp->type, "test_msgs/msg/Blob");
                    assert_string_equal(tp->schema, "uint8[] data\n");
                }
            }
            assert_int_equal(sum, 240);
        }
        sp_log_destroy(log);

        mref_lines want, got;
        mref_run(path, f->stream, &want);
        assert_string_equal(want.error, "");
        assert_int_equal(mref_read(path, NULL, &got), SP_EOS);
        mref_expect_same(f->name, &got, &want);
        /* The same messages whatever the container's layout, except the
         * file whose log times are shuffled. */
        if (f->messages && strcmp(f->name, "outoforder_zstd.mcap"))
            mref_expect_same(f->name, &got, &ref240);
        mref_lines_free(&want);
        mref_lines_free(&got);
    }
    mref_lines_free(&ref240);
}

/* ---- selection ---- */

static void test_selection(void **state)
{
    (void)state;
    MREF_SKIP_WITHOUT_ORACLE();
    const char *path = mref_fx("outoforder_zstd.mcap");
    sp_log *log;
    ok(sp_log_open(path, NULL, &log));
    const sp_log_info *li = sp_log_info_get(log);
    mref_lines all;
    memset(&all, 0, sizeof all);
    sp_log_msg m;
    char buf[4096];
    int rc;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        mref_line(log, &m, buf, sizeof buf);
        mref_lines_add(&all, buf);
    }
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(all.n, 240);

    /* Topics, and types in either spelling. */
    sp_log_filter f = {.topics = "/b"};
    ok(sp_log_select(log, &f));
    size_t n = 0;
    while (sp_log_next(log, &m) == SP_OK) {
        assert_string_equal(sp_log_topic_at(log, m.topic)->name, "/b");
        n++;
    }
    size_t tb = 0;
    while (strcmp(sp_log_topic_at(log, tb)->name, "/b"))
        tb++;
    assert_int_equal(n, sp_log_topic_at(log, tb)->count);
    f = (sp_log_filter){.types = "std_msgs/String"};
    ok(sp_log_select(log, &f));
    n = 0;
    while (sp_log_next(log, &m) == SP_OK) {
        const char *t = sp_log_topic_at(log, m.topic)->name;
        assert_true(!strcmp(t, "/b") || !strcmp(t, "/r1"));
        n++;
    }
    assert_true(n > sp_log_topic_at(log, tb)->count);

    /* A time window relative to the start, and a count. */
    f = (sp_log_filter){.has_start = 1,
                        .start_ns = 50000000,
                        .has_end = 1,
                        .end_ns = 100000000};
    ok(sp_log_select(log, &f));
    n = 0;
    while (sp_log_next(log, &m) == SP_OK) {
        assert_true(m.log_time >= li->t_start + 50000000);
        assert_true(m.log_time <= li->t_start + 100000000);
        n++;
    }
    assert_true(n > 10 && n < 100);
    /* An open end written as the largest time: every message (the
     * window's ends are added to t_start without overflowing). */
    f = (sp_log_filter){.has_end = 1, .end_ns = INT64_MAX};
    ok(sp_log_select(log, &f));
    n = 0;
    while (sp_log_next(log, &m) == SP_OK)
        n++;
    assert_int_equal(n, 240);
    f = (sp_log_filter){.has_start = 1,
                        .start_ns = INT64_MAX,
                        .has_end = 1,
                        .end_ns = INT64_MAX};
    ok(sp_log_select(log, &f));
    assert_int_equal(sp_log_next(log, &m), SP_EOS);
    f = (sp_log_filter){.has_start = 1, .start_ns = INT64_MIN};
    ok(sp_log_select(log, &f));
    n = 0;
    while (sp_log_next(log, &m) == SP_OK)
        n++;
    assert_int_equal(n, 240);

    f = (sp_log_filter){.count = 17};
    ok(sp_log_select(log, &f));
    n = 0;
    while (sp_log_next(log, &m) == SP_OK) {
        mref_line(log, &m, buf, sizeof buf);
        assert_string_equal(buf, all.l[n]);
        n++;
    }
    assert_int_equal(n, 17);

    /* File order: chunk by chunk as stored. */
    f = (sp_log_filter){.order = SP_LOG_ORDER_FILE};
    ok(sp_log_select(log, &f));
    uint64_t last = 0;
    int64_t back = 0;
    int64_t prev_t = INT64_MIN;
    n = 0;
    while (sp_log_next(log, &m) == SP_OK) {
        assert_true(m.offset >= last);
        last = m.offset;
        back += m.log_time < prev_t;
        prev_t = m.log_time;
        n++;
    }
    assert_int_equal(n, 240);
    assert_true(back > 0); /* the times are shuffled in the file */

    /* read_at: the k-th message of a topic, without moving next(). */
    f = (sp_log_filter){0};
    ok(sp_log_select(log, &f));
    ok(sp_log_next(log, &m));
    for (uint64_t k = 0; k < sp_log_topic_at(log, tb)->count; k += 3) {
        ok(sp_log_read_at(log, (uint32_t)tb, k, &m));
        assert_int_equal(m.index, k);
        mref_line(log, &m, buf, sizeof buf);
        size_t seen = 0, i = 0;
        for (; i < all.n; i++)
            if (!strncmp(all.l[i], "/b\t", 3) && seen++ == k)
                break;
        assert_string_equal(buf, all.l[i]);
    }
    assert_int_equal(
        sp_log_read_at(log, (uint32_t)tb, sp_log_topic_at(log, tb)->count, &m),
        SP_ERANGE);
    ok(sp_log_next(log, &m)); /* next() goes on with the second message */
    mref_line(log, &m, buf, sizeof buf);
    assert_string_equal(buf, all.l[1]);
    mref_lines_free(&all);
    sp_log_destroy(log);
}

/* ---- refusals at open (no node needed) ---- */

static void test_open_refusals(void **state)
{
    (void)state;
    const char *p = iot_tmp("bad.mcap");
    uint8_t b[64] = "\x89MCAP0\r\n";
    iot_write(p, b, 12);
    sp_log *log = (sp_log *)1;
    assert_int_equal(sp_log_probe(p), 1);
    assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
    assert_null(log);
    iot_msg_has(p, "too short", NULL);

    b[8] = 0x02; /* a Footer where the Header belongs */
    iot_write(p, b, 40);
    assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
    iot_msg_has(p, "byte 8", "expected the Header record", NULL);

    b[8] = 0x01;
    mref_put64(b + 9, (uint64_t)1 << 40);
    iot_write(p, b, 40);
    assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
    iot_msg_has(p, "byte 8", "runs past the end", NULL);

    mref_put64(b + 9, 3); /* too short for two strings */
    iot_write(p, b, 40);
    assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
    iot_msg_has(p, "too short for its fields", NULL);

    /* A Header and nothing after it: no messages, then the damage. */
    mref_put64(b + 9, 8);
    memset(b + 17, 0, 8);
    iot_write(p, b, 25);
    ok(sp_log_open(p, NULL, &log));
    sp_log_msg m;
    assert_int_equal(sp_log_next(log, &m), SP_EFORMAT);
    iot_msg_has(p, "byte 25", "truncated", NULL);
    sp_log_destroy(log);
}

/* An MCAP file with no channel and no message (McapWriter's start() then
 * end(): Data End, a summary of one Statistics record, summary offsets,
 * footer). fuzz_mcap's first find: sorting its zero chunk indexes passed
 * qsort() a NULL array (undefined; UBSan aborts in the sanitizer build). */
static const uint8_t empty_bare[] = {
    0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a, 0x01, 0x1b, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00,
    0x00, 0x73, 0x65, 0x6e, 0x73, 0x6f, 0x72, 0x70, 0x69, 0x70, 0x65, 0x20,
    0x66, 0x69, 0x78, 0x74, 0x75, 0x72, 0x65, 0x73, 0x0f, 0x04, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0xb5, 0x29, 0xc5, 0xe3, 0x0b, 0x2e, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x0e, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x0b, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x37, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x14, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x70,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xfa, 0x64, 0x91, 0x89,
    0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a};

static void test_empty_summary(void **state)
{
    (void)state;
    const char *p = iot_tmp("empty_bare.mcap");
    iot_write(p, empty_bare, sizeof empty_bare);
    sp_log *log;
    ok(sp_log_open(p, NULL, &log));
    assert_int_equal(sp_log_info_get(log)->indexed, 1);
    assert_int_equal(sp_log_info_get(log)->messages, 0);
    assert_int_equal(sp_log_topic_count(log), 0);
    sp_log_msg m;
    assert_int_equal(sp_log_next(log, &m), SP_EOS);
    sp_log_destroy(log);
}

/* ---- no allocation per message ---- */

static void test_no_alloc_per_message(void **state)
{
    (void)state;
    if (!sp_test_alloc_available()) {
        print_message("skipped: allocations are not counted under a "
                      "sanitizer\n");
        skip();
    }
    /* The fixtures (every layout) with node; the real files without. */
    const char *names[8];
    int k = 0;
    if (!mref_unavailable()) {
        const char *fx[] = {"indexed_zstd.mcap", "indexed_lz4.mcap",
                            "nosummary_none.mcap", "unchunked.mcap",
                            "outoforder_zstd.mcap"};
        for (int i = 0; i < 5; i++)
            names[k++] = mref_fx(fx[i]);
    }
    int nfx = k;
    const char *real[] = {
        "mcap/synthetic_rosbag2_talker_zstd/talker.mcap",
        "mcap/synthetic_rosbag2_cdr_test_none/cdr_test_0.mcap"};
    for (int i = 0; i < 2; i++)
        if (iot_data(real[i]))
            names[k++] = strdup(iot_data(real[i]));
    if (k == 0) {
        print_message("skipped: %s, and no real MCAP in $SP_TEST_DATA\n",
                      mref_unavailable());
        skip();
    }
    for (int i = 0; i < k; i++) {
        sp_log *log;
        ok(sp_log_open(names[i], NULL, &log));
        sp_log_msg m;
        size_t n = 0;
        while (sp_log_next(log, &m) == SP_OK)
            n++; /* warm-up: staging blocks, decoder contexts */
        ok(sp_log_select(log, NULL));
        uint64_t before = sp_test_alloc_calls();
        while (sp_log_next(log, &m) == SP_OK)
            n--;
        uint64_t after = sp_test_alloc_calls();
        assert_int_equal(n, 0);
        if (after != before)
            fail_msg("%s: %llu allocations while reading", names[i],
                     (unsigned long long)(after - before));
        sp_log_destroy(log);
    }
    for (int i = nfx; i < k; i++)
        free((char *)names[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_talker_zstd),
        cmocka_unit_test(test_real_cdr_test_none),
        cmocka_unit_test(test_fixtures_match_reference),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_open_refusals),
        cmocka_unit_test(test_empty_summary),
        cmocka_unit_test(test_no_alloc_per_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
