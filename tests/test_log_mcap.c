/* ctest-label: io */
/* ctest-timeout: 300 */
/* MCAP through sp_log (io/mcap_read.c, mcap_summary.c, mcap_scan.c),
 * checked message by message against the reference reader: node with
 * @mcap/core's McapIndexedReader / McapStreamReader
 * (tests/oracles/mcap_messages.mjs: topic, log time, publish time,
 * sequence, length and SHA-1 of every message in log-time order). Files:
 * the two real MCAPs of $SP_TEST_DATA/mcap, and fixtures written here by
 * @mcap/core's McapWriter (tests/oracles/make_mcap_fixtures.mjs: every
 * compression, no summary, no chunks, chunks out of time order, several
 * channels of one topic, empty files, attachments and metadata, unknown
 * opcodes, unsupported compression), and damaged copies of them made here
 * (truncated at many offsets, a chunk length that lies, a chunk claiming
 * 1 TB, a record past its chunk, bad CRCs). Without node or
 * tests/oracles/node_modules the checks that need them skip, saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_log.h"

#define ok(expr) assert_int_equal((expr), SP_OK)

/* ---- SHA-1, for the oracle's digests ---- */

typedef struct sha1 {
    uint32_t h[5];
    uint64_t len;
    uint8_t buf[64];
    size_t n;
} sha1;

#define ROL(x, r) (((x) << (r)) | ((x) >> (32 - (r))))

static void sha1_block(sha1 *s, const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = ROL(a, 5) + f + e + k + w[i];
        e = d, d = c, c = ROL(b, 30), b = a, a = t;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_hex(const uint8_t *p, size_t n, char out[41])
{
    sha1 s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0},
              0, {0}, 0};
    s.len = (uint64_t)n * 8;
    for (; n >= 64; n -= 64, p += 64)
        sha1_block(&s, p);
    uint8_t last[128] = {0};
    memcpy(last, p, n);
    last[n] = 0x80;
    size_t tot = n + 9 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        last[tot - 1 - i] = (uint8_t)(s.len >> (8 * i));
    sha1_block(&s, last);
    if (tot == 128)
        sha1_block(&s, last + 64);
    for (int i = 0; i < 5; i++)
        snprintf(out + 8 * i, 9, "%08x", s.h[i]);
}

/* ---- the oracle ---- */

static char oracle_dir[1024];

/* NULL when node and the oracle's packages are there, else why not. */
static const char *oracle_unavailable(void)
{
    static char why[1200];
    if (!oracle_dir[0]) {
        snprintf(oracle_dir, sizeof oracle_dir, "%s", __FILE__);
        char *slash = strrchr(oracle_dir, '/');
        snprintf(slash ? slash + 1 : oracle_dir,
                 sizeof oracle_dir - (size_t)(slash ? slash + 1 - oracle_dir : 0),
                 "oracles");
    }
    if (system("node --version >/dev/null 2>&1") != 0)
        return "node is not installed: the MCAP reference reader "
               "(@mcap/core) cannot run";
    char p[1200];
    snprintf(p, sizeof p, "%s/node_modules/@mcap/core/package.json",
             oracle_dir);
    if (access(p, R_OK) != 0) {
        snprintf(why, sizeof why,
                 "%s/node_modules is missing (run `npm ci` there): the MCAP "
                 "reference reader (@mcap/core) cannot run",
                 oracle_dir);
        return why;
    }
    return NULL;
}

#define SKIP_WITHOUT_ORACLE()                                                  \
    do {                                                                       \
        const char *why_ = oracle_unavailable();                               \
        if (why_) {                                                            \
            print_message("skipped: %s\n", why_);                              \
            skip();                                                            \
        }                                                                      \
    } while (0)

typedef struct lines {
    char **l;
    size_t n, cap;
    char reader[16]; /* "indexed" / "stream" */
    char error[512]; /* "# error ..." or "" */
} lines;

static void lines_add(lines *L, const char *s)
{
    if (L->n == L->cap) {
        L->cap = L->cap ? 2 * L->cap : 256;
        L->l = realloc(L->l, L->cap * sizeof *L->l);
        assert_non_null(L->l);
    }
    L->l[L->n] = strdup(s);
    assert_non_null(L->l[L->n]);
    L->n++;
}

static void lines_free(lines *L)
{
    for (size_t i = 0; i < L->n; i++)
        free(L->l[i]);
    free(L->l);
    memset(L, 0, sizeof *L);
}

static void oracle_run(const char *path, int stream, lines *L)
{
    memset(L, 0, sizeof *L);
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "node '%s/mcap_messages.mjs' '%s'%s", oracle_dir,
             path, stream ? " --stream" : "");
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char buf[4096];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        if (!strncmp(buf, "# reader ", 9))
            snprintf(L->reader, sizeof L->reader, "%.15s", buf + 9);
        else if (!strncmp(buf, "# error ", 8))
            snprintf(L->error, sizeof L->error, "%.511s", buf + 8);
        else
            lines_add(L, buf);
    }
    int st = pclose(f);
    if (st != 0)
        fail_msg("%s: exit status %d", cmd, st);
}

/* Our line for a message, as the oracle writes it. The sequence number is
 * in the Message record just before the data (a white-box look: for MCAP
 * the data always points into its record). */
static void our_line(const sp_log *log, const sp_log_msg *m, char *out,
                     size_t cap)
{
    char hex[41];
    sha1_hex(m->data, m->size, hex);
    const uint8_t *q = m->data - 20;
    uint32_t seq = (uint32_t)q[0] | (uint32_t)q[1] << 8 |
                   (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
    snprintf(out, cap, "%s\t%lld\t%lld\t%u\t%zu\t%s",
             sp_log_topic_at(log, m->topic)->name, (long long)m->log_time,
             (long long)m->publish_time, seq, m->size, hex);
}

/* Every message of the log as lines, and the final status. */
static int read_lines(const char *path, const sp_log_desc *d, lines *L)
{
    memset(L, 0, sizeof *L);
    sp_log *log;
    int rc = sp_log_open(path, d, &log);
    if (rc != SP_OK)
        fail_msg("open %s: %s: %s", path, sp_status_name(rc), sp_errmsg());
    sp_log_msg m;
    char buf[4096];
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        our_line(log, &m, buf, sizeof buf);
        lines_add(L, buf);
    }
    snprintf(L->error, sizeof L->error, "%s", rc < 0 ? sp_errmsg() : "");
    sp_log_destroy(log);
    return rc;
}

static void expect_same(const char *path, const lines *got, const lines *want)
{
    size_t n = got->n < want->n ? got->n : want->n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(got->l[i], want->l[i]) != 0)
            fail_msg("%s: message %zu:\n got %s\nwant %s", path, i,
                     got->l[i], want->l[i]);
    if (got->n != want->n)
        fail_msg("%s: %zu messages, the reference reader (%s) reads %zu", path,
                 got->n, want->reader, want->n);
}

/* ---- fixtures ---- */

static const char *fx(const char *name)
{
    static char dir[1024];
    static int made;
    if (!made) {
        snprintf(dir, sizeof dir, "%s", iot_tmp("fixtures"));
        iot_mkdirs(dir);
        char cmd[3000];
        snprintf(cmd, sizeof cmd,
                 "node '%s/make_mcap_fixtures.mjs' '%s' >/dev/null",
                 oracle_dir, dir);
        if (system(cmd) != 0)
            fail_msg("%s failed", cmd);
        made = 1;
    }
    static char path[8][1200];
    static int k;
    k = (k + 1) % 8;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* File offset of the k-th (0-based) record of opcode @p op in the data
 * section, or 0. */
static size_t nth_record(const uint8_t *b, size_t n, uint8_t op, int k)
{
    size_t pos = 8 + 9 + (size_t)le64(b + 9);
    while (pos + 9 <= n) {
        uint64_t len = le64(b + pos + 1);
        if (b[pos] == op && k-- == 0)
            return pos;
        if (b[pos] == 0x0F || len > n - pos - 9)
            return 0;
        pos += 9 + (size_t)len;
    }
    return 0;
}

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

    if (oracle_unavailable()) {
        print_message("message comparison skipped: %s\n", oracle_unavailable());
        return;
    }
    lines want_l, want_s, got;
    oracle_run(path, 0, &want_l);
    oracle_run(path, 1, &want_s);
    assert_string_equal(want_l.reader, "indexed");
    assert_int_equal(read_lines(path, NULL, &got), SP_EOS);
    expect_same(path, &got, &want_l);
    expect_same(path, &got, &want_s);
    lines_free(&want_l);
    lines_free(&want_s);
    lines_free(&got);
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
    check_real("mcap/synthetic_rosbag2_cdr_test_none/cdr_test_0.mcap", t, 2,
               7);
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
    SKIP_WITHOUT_ORACLE();
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
        {"nomsgindex_lz4.mcap", 1, "lz4", "without a usable message index",
         240, 1},
        {"attach_zstd.mcap", 1, "zstd", "4 attachments and 4 metadata", 240,
         0},
        {"unknown_op.mcap", 0, "none", "no summary", 240, 0},
        {"empty.mcap", 1, "none", "indexed", 0, 0},
        {"empty_bare.mcap", 1, "none", "indexed", 0, 0},
    };
    lines ref240;
    oracle_run(fx("indexed_none.mcap"), 0, &ref240);
    assert_int_equal(ref240.n, 240);
    for (size_t i = 0; i < sizeof fx_list / sizeof fx_list[0]; i++) {
        const fixture *f = &fx_list[i];
        const char *path = fx(f->name);
        sp_log *log;
        ok(sp_log_open(path, NULL, &log));
        const sp_log_info *li = sp_log_info_get(log);
        if (li->indexed != f->indexed || strcmp(li->compression,
                                                f->compression) ||
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

        lines want, got;
        oracle_run(path, f->stream, &want);
        assert_string_equal(want.error, "");
        assert_int_equal(read_lines(path, NULL, &got), SP_EOS);
        expect_same(f->name, &got, &want);
        /* The same messages whatever the container's layout, except the
         * file whose log times are shuffled. */
        if (f->messages && strcmp(f->name, "outoforder_zstd.mcap"))
            expect_same(f->name, &got, &ref240);
        lines_free(&want);
        lines_free(&got);
    }
    lines_free(&ref240);
}

/* ---- selection ---- */

static void test_selection(void **state)
{
    (void)state;
    SKIP_WITHOUT_ORACLE();
    const char *path = fx("outoforder_zstd.mcap");
    sp_log *log;
    ok(sp_log_open(path, NULL, &log));
    const sp_log_info *li = sp_log_info_get(log);
    lines all;
    memset(&all, 0, sizeof all);
    sp_log_msg m;
    char buf[4096];
    int rc;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        our_line(log, &m, buf, sizeof buf);
        lines_add(&all, buf);
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
    f = (sp_log_filter){.has_start = 1, .start_ns = 50000000, .has_end = 1,
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
    f = (sp_log_filter){.has_start = 1, .start_ns = INT64_MAX, .has_end = 1,
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
        our_line(log, &m, buf, sizeof buf);
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
        our_line(log, &m, buf, sizeof buf);
        size_t seen = 0, i = 0;
        for (; i < all.n; i++)
            if (!strncmp(all.l[i], "/b\t", 3) && seen++ == k)
                break;
        assert_string_equal(buf, all.l[i]);
    }
    assert_int_equal(sp_log_read_at(log, (uint32_t)tb,
                                    sp_log_topic_at(log, tb)->count, &m),
                     SP_ERANGE);
    ok(sp_log_next(log, &m)); /* next() goes on with the second message */
    our_line(log, &m, buf, sizeof buf);
    assert_string_equal(buf, all.l[1]);
    lines_free(&all);
    sp_log_destroy(log);
}

/* ---- damage ---- */

/* Messages delivered from a damaged copy are a prefix-free subset of the
 * reference, in log-time order, and the end is an error naming the file
 * and a byte offset (or, with skip_damaged, SP_EOS). */
static void check_damaged(const char *path, const lines *ref, int skip_dmg,
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
        our_line(log, &m, buf, sizeof buf);
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
    SKIP_WITHOUT_ORACLE();
    const char *names[] = {"indexed_zstd.mcap", "nosummary_lz4.mcap",
                           "unchunked.mcap", "indexed_none.mcap"};
    lines ref;
    oracle_run(fx("indexed_none.mcap"), 0, &ref);
    for (size_t f = 0; f < 4; f++) {
        size_t n;
        uint8_t *b = slurp(fx(names[f]), &n);
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
    lines_free(&ref);
}

/* A copy of @p name with the k-th chunk patched by @p patch. */
static const char *patched(const char *name, int k,
                           void (*patch)(uint8_t *b, size_t n, size_t chunk))
{
    size_t n;
    uint8_t *b = slurp(fx(name), &n);
    size_t at = nth_record(b, n, 0x06, k);
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
    put64(b + at + 1, (uint64_t)1 << 40);
}

static void lie_1tb(uint8_t *b, size_t n, size_t at)
{
    (void)n;
    put64(b + at + 9 + 16, (uint64_t)1 << 40);
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
    size_t end = r + (size_t)le64(b + r - 8);
    while (r < end) {
        uint64_t len = le64(b + r + 1);
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
    put64(b + first_message(b, at) + 1, (uint64_t)1 << 20);
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
    b[r + (size_t)le64(b + r - 8) / 2] ^= 0x40;
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
    SKIP_WITHOUT_ORACLE();
    lines ref;
    oracle_run(fx("indexed_none.mcap"), 0, &ref);
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
    lines_free(&ref);
}

static void test_bad_crc(void **state)
{
    (void)state;
    SKIP_WITHOUT_ORACLE();
    lines ref;
    oracle_run(fx("indexed_none.mcap"), 0, &ref);
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
        lines l;
        assert_int_equal(read_lines(p, &nv, &l), SP_EOS);
        assert_int_equal(l.n, 240);
        size_t differ = 0;
        for (size_t k = 0; k < 240; k++)
            differ += strcmp(l.l[k], ref.l[k]) != 0;
        assert_int_equal(differ, 1);
        lines_free(&l);
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
    uint8_t *b = slurp(fx("indexed_zstd.mcap"), &n);
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
    lines_free(&ref);
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
    SKIP_WITHOUT_ORACLE();
    size_t n;
    uint8_t *b = slurp(fx("indexed_zstd.mcap"), &n);
    size_t foot = n - 37;
    size_t ss = (size_t)le64(b + foot + 9), so = (size_t)le64(b + foot + 17);
    size_t pos = ss, cut = 0, cut_len = 0;
    for (int k = 0; pos < foot; pos += 9 + (size_t)le64(b + pos + 1))
        if (b[pos] == 0x08 && k++ == 2) {
            cut = pos;
            cut_len = 9 + (size_t)le64(b + pos + 1);
            break;
        }
    assert_true(cut > 0);
    memmove(b + cut, b + cut + cut_len, n - cut - cut_len);
    n -= cut_len;
    foot -= cut_len;
    if (so > cut)
        put64(b + foot + 17, so - cut_len);
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
    lines got, ref;
    assert_int_equal(read_lines(p, NULL, &got), SP_EOS);
    oracle_run(fx("indexed_zstd.mcap"), 0, &ref);
    assert_int_equal(got.n, ref.n);
    /* The same messages; equal log times across the late chunk may come in
     * another order than the reference's (chunk order). */
    qsort(got.l, got.n, sizeof *got.l, cmp_str);
    qsort(ref.l, ref.n, sizeof *ref.l, cmp_str);
    expect_same(p, &got, &ref);
    lines_free(&got);
    lines_free(&ref);
}

static void test_unsupported_compression(void **state)
{
    (void)state;
    SKIP_WITHOUT_ORACLE();
    const char *p = fx("brotli.mcap");
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
    put64(b + 9, (uint64_t)1 << 40);
    iot_write(p, b, 40);
    assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
    iot_msg_has(p, "byte 8", "runs past the end", NULL);

    put64(b + 9, 3); /* too short for two strings */
    iot_write(p, b, 40);
    assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
    iot_msg_has(p, "too short for its fields", NULL);

    /* A Header and nothing after it: no messages, then the damage. */
    put64(b + 9, 8);
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
  0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a
};

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
    SKIP_WITHOUT_ORACLE();
    const char *names[] = {"indexed_zstd.mcap", "indexed_lz4.mcap",
                           "nosummary_none.mcap", "unchunked.mcap",
                           "outoforder_zstd.mcap"};
    for (int i = 0; i < 5; i++) {
        sp_log *log;
        ok(sp_log_open(fx(names[i]), NULL, &log));
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_talker_zstd),
        cmocka_unit_test(test_real_cdr_test_none),
        cmocka_unit_test(test_fixtures_match_reference),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_chunk_lies),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_summary_missing_chunk),
        cmocka_unit_test(test_unsupported_compression),
        cmocka_unit_test(test_open_refusals),
        cmocka_unit_test(test_empty_summary),
        cmocka_unit_test(test_no_alloc_per_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
