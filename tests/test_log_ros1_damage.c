/* ctest-label: io */
/* ctest-timeout: 240 */
/* Damaged and hostile ROS1 bags through the public sp_log API: a bag cut
 * at many offsets (every message before the cut, then SP_EFORMAT naming
 * the file and the offset), chunk sizes that lie, a corrupt LZ4 frame with
 * and without verification, skip_damaged going on past a damaged chunk,
 * and hostile fields (lengths of 0xFFFFFFF0, a 4 GB chunk claim, undefined
 * connections, an index past the end, counts and positions that lie).
 * Expected messages come from python3-rosbag on the intact bag
 * (tests/oracles/ros1_oracle.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ros1_test.h"
#include "sp_iotest.h"
#include "sp_log.h"

#define NEED_FIXTURES()                                                        \
    do {                                                                       \
        if (!r1_fixtures()) {                                                  \
            print_message("skipping: /usr/bin/python3 without rosbag\n");      \
            skip();                                                            \
        }                                                                      \
    } while (0)

static void put32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int k = 0; k < 8; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The oracle messages (time order) that pass @p keep. */
static size_t pick(const r1_oracle *o, size_t *idx,
                   int (*keep)(const r1_omsg *, uint64_t), uint64_t arg)
{
    size_t n = 0;
    for (size_t i = 0; i < o->nm; i++)
        if (keep(&o->m[i], arg))
            idx[n++] = i;
    return n;
}

static int avail_by(const r1_omsg *m, uint64_t cut)
{
    return m->avail <= cut;
}

static int not_in_chunk(const r1_omsg *m, uint64_t pos)
{
    return m->chunk_pos != pos;
}

static int chunk_before(const r1_omsg *m, uint64_t pos)
{
    return m->chunk_pos < pos;
}

/* Time order up to the first message of chunk @p pos. */
static size_t until_chunk(const r1_oracle *o, size_t *idx, uint64_t pos)
{
    size_t n = 0;
    while (n < o->nm && o->m[n].chunk_pos != pos) {
        idx[n] = n;
        n++;
    }
    return n;
}

static const char *write_tmp(const char *name, const uint8_t *p, size_t n)
{
    const char *path = iot_tmp(name);
    iot_write(path, p, n);
    return path;
}

/* Opened with and without skip_damaged: @p idx then SP_EFORMAT naming the
 * file and the words given; skipping, @p sidx then SP_EOS with something
 * listed. */
static void expect_damage(const char *path, const r1_oracle *o,
                          const size_t *idx, size_t n, const size_t *sidx,
                          size_t sn, const char *word)
{
    sp_log *log = r1_open(path, NULL);
    r1_expect(log, o, idx, n, SP_EFORMAT);
    iot_msg_has(path, "byte", word, NULL);
    sp_log_destroy(log);
    sp_log_desc d = {.skip_damaged = 1};
    log = r1_open(path, &d);
    r1_expect(log, o, sidx, sn, SP_EOS);
    char text[4096];
    assert_true(sp_log_skipped(log, text, sizeof text) >= 1);
    if (!strstr(text, word))
        print_message("skipped: %s\n", text);
    assert_non_null(strstr(text, word));
    sp_log_destroy(log);
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    NEED_FIXTURES();
    static const char *const names[] = {"overlap_none.bag", "overlap_bz2.bag",
                                        "overlap_lz4.bag"};
    for (size_t f = 0; f < 3; f++) {
        const char *src = r1_fixture(names[f]);
        r1_oracle o;
        r1_oracle_load(src, &o);
        r1_bytes b = r1_read(src);
        r1_rec r[256];
        size_t nr = r1_records(&b, r, 256);
        size_t *idx = malloc(o.nm * sizeof *idx);
        assert_non_null(idx);
        /* Cuts: a stride over the file, and around every record's start,
         * header end and data start. */
        uint64_t cuts[2048];
        size_t nc = 0;
        for (uint64_t c = r[0].end; c < b.n; c += 307)
            cuts[nc++] = c;
        for (size_t i = 1; i < nr && nc + 6 < 2048; i++) {
            uint64_t at[] = {r[i].pos,      r[i].pos + 3,
                             r[i].pos + 5,  r[i].data_pos - 2,
                             r[i].data_pos, r[i].data_pos + 1};
            for (size_t k = 0; k < 6; k++)
                if (at[k] < b.n)
                    cuts[nc++] = at[k];
        }
        /* Under the emulator a quarter of the cuts, a different quarter
         * for each file (the bz2 and lz4 chunks took 30 s there). */
        size_t step = iot_emulated_stride(4, "truncations");
        for (size_t c = f % step; c < nc; c += step) {
            char name[64];
            snprintf(name, sizeof name, "cut_%zu.bag", f);
            const char *p = write_tmp(name, b.p, (size_t)cuts[c]);
            size_t n = pick(&o, idx, avail_by, cuts[c]);
            expect_damage(p, &o, idx, n, idx, n, "");
        }
        /* Inside the bag header: nothing to read at all. */
        for (uint64_t c = 13; c < r[0].end; c += 997) {
            const char *p = write_tmp("cut_header.bag", b.p, (size_t)c);
            sp_log *log = NULL;
            assert_int_equal(sp_log_open(p, NULL, &log), SP_EFORMAT);
            assert_null(log);
            iot_msg_has(p, "bag header", NULL);
        }
        free(idx);
        free(b.p);
        r1_oracle_free(&o);
    }
}

/* The (k+1)-th chunk record. */
static const r1_rec *chunk_no(const r1_rec *r, size_t nr, int k)
{
    for (size_t i = 0; i < nr; i++)
        if (r[i].op == 0x05 && k-- == 0)
            return &r[i];
    fail_msg("no chunk %d", k);
    return NULL;
}

static void zero_index_pos(r1_bytes *b, const r1_rec *r)
{
    memset(b->p + r1_field(b, &r[0], "index_pos"), 0, 8);
}

static void test_chunk_size_lies(void **state)
{
    (void)state;
    NEED_FIXTURES();
    static const char *const names[] = {"overlap_bz2.bag", "overlap_lz4.bag",
                                        "overlap_none.bag"};
    for (size_t f = 0; f < 3; f++) {
        const char *src = r1_fixture(names[f]);
        r1_oracle o;
        r1_oracle_load(src, &o);
        size_t *idx = malloc(o.nm * sizeof *idx),
               *sidx = malloc(o.nm * sizeof *sidx);
        assert_true(idx && sidx);
        for (int delta = -1; delta <= 1; delta += 2) {
            for (int indexed = 0; indexed < 2; indexed++) {
                r1_bytes b = r1_read(src);
                r1_rec r[256];
                size_t nr = r1_records(&b, r, 256);
                const r1_rec *c = chunk_no(r, nr, 3);
                uint8_t *size = b.p + r1_field(&b, c, "size");
                put32(size, get32(size) + (uint32_t)delta);
                if (!indexed)
                    zero_index_pos(&b, r);
                const char *p = write_tmp("size_lies.bag", b.p, b.n);
                size_t sn = pick(&o, sidx, not_in_chunk, c->pos);
                size_t n;
                /* Indexed and compressed, the lie shows when the chunk is
                 * read; otherwise (a scan, or an uncompressed chunk whose
                 * sizes must agree) at open, stopping there. */
                if (indexed && f < 2)
                    n = until_chunk(&o, idx, c->pos);
                else
                    n = pick(&o, idx, chunk_before, c->pos);
                char word[64];
                snprintf(word, sizeof word, "byte %llu",
                         (unsigned long long)c->pos);
                expect_damage(p, &o, idx, n, sidx, sn, word);
                free(b.p);
            }
        }
        free(idx);
        free(sidx);
        r1_oracle_free(&o);
    }
}

/* A byte flipped inside an LZ4 frame's compressed data: the content
 * checksum catches it; without verification whatever decodes is read. */
static void test_lz4_checksum(void **state)
{
    (void)state;
    NEED_FIXTURES();
    const char *src = r1_fixture("overlap_lz4.bag");
    r1_oracle o;
    r1_oracle_load(src, &o);
    r1_bytes b = r1_read(src);
    r1_rec r[256];
    size_t nr = r1_records(&b, r, 256);
    const r1_rec *c = chunk_no(r, nr, 2);
    int found = 0;
    /* Past the 7-byte frame header, before the end mark and checksum: the
     * first flip that still decodes (a literal byte). */
    for (uint64_t at = c->data_pos + 11; at + 8 < c->end && !found; at += 7) {
        b.p[at] ^= 0x10;
        const char *p = write_tmp("lz4_flip.bag", b.p, b.n);
        sp_log_desc nv = {.no_verify = 1};
        sp_log *log = r1_open(p, &nv);
        sp_log_msg m;
        int rc, differ = 0;
        size_t i = 0;
        while ((rc = sp_log_next(log, &m)) == SP_OK) {
            char sha[41];
            r1_sha1_hex(m.data, m.size, sha);
            differ |= strcmp(sha, o.m[i++].sha) != 0;
        }
        sp_log_destroy(log);
        if (rc == SP_EOS && i == o.nm && differ) {
            found = 1;
            size_t idx[256];
            size_t n = until_chunk(&o, idx, c->pos);
            log = r1_open(p, NULL);
            r1_expect(log, &o, idx, n, SP_EFORMAT);
            iot_msg_has(p, "lz4", "byte", NULL);
            sp_log_destroy(log);
        }
        b.p[at] ^= 0x10;
    }
    assert_true(found);
    free(b.p);
    r1_oracle_free(&o);
}

/* skip_damaged on a bag without its index: the scan goes past a chunk
 * whose data is garbage and reads the chunks after it. */
static void test_skip_damaged_scan(void **state)
{
    (void)state;
    NEED_FIXTURES();
    static const char *const names[] = {"overlap_bz2.bag", "overlap_lz4.bag"};
    for (size_t f = 0; f < 2; f++) {
        const char *src = r1_fixture(names[f]);
        r1_oracle o;
        r1_oracle_load(src, &o);
        r1_bytes b = r1_read(src);
        r1_rec r[256];
        size_t nr = r1_records(&b, r, 256);
        const r1_rec *c = chunk_no(r, nr, 5);
        memset(b.p + c->data_pos + 4, 0x5A, (size_t)c->dlen - 8);
        zero_index_pos(&b, r);
        const char *p = write_tmp("skip_scan.bag", b.p, b.n);
        size_t idx[256], sidx[256];
        size_t n = pick(&o, idx, chunk_before, c->pos);
        size_t sn = pick(&o, sidx, not_in_chunk, c->pos);
        assert_true(sn > n);
        char word[64];
        snprintf(word, sizeof word, "byte %llu", (unsigned long long)c->pos);
        expect_damage(p, &o, idx, n, sidx, sn, word);
        sp_log_desc d = {.skip_damaged = 1};
        sp_log *log = r1_open(p, &d);
        assert_non_null(strstr(sp_log_info_get(log)->note, "damaged at byte"));
        sp_log_destroy(log);
        free(b.p);
        r1_oracle_free(&o);
    }
}

/* ---- hostile fields on the tiny bags ---- */

typedef struct hostile {
    r1_bytes b;
    r1_rec r[16];
    size_t nr;
    const r1_rec *chunk, *index_data, *conn, *chunk_info;
} hostile;

static void hostile_load(hostile *h, const char *name)
{
    h->b = r1_read(r1_fixture(name));
    h->nr = r1_records(&h->b, h->r, 16);
    h->chunk = h->index_data = h->conn = h->chunk_info = NULL;
    for (size_t i = 0; i < h->nr; i++) {
        const r1_rec *x = &h->r[i];
        if (x->op == 0x05 && !h->chunk)
            h->chunk = x;
        if (x->op == 0x04 && !h->index_data)
            h->index_data = x;
        if (x->op == 0x07 && !h->conn)
            h->conn = x;
        if (x->op == 0x06 && !h->chunk_info)
            h->chunk_info = x;
    }
    assert_true(h->chunk && h->index_data && h->conn && h->chunk_info);
}

/* Open must succeed; then @p nmsgs messages and @p final (its message
 * holding @p word when an error). A small budget: nothing may be staged
 * from an unchecked size. */
static void hostile_read(hostile *h, size_t nmsgs, int final, const char *word)
{
    const char *p = write_tmp("hostile.bag", h->b.p, h->b.n);
    sp_poolmgr_desc md = {.budget_bytes = 16u << 20};
    sp_poolmgr *mgr;
    assert_int_equal(sp_poolmgr_create(&md, &mgr), SP_OK);
    sp_log_desc d = {.mgr = mgr};
    sp_log *log = r1_open(p, &d);
    sp_log_msg m;
    size_t n = 0;
    int rc;
    while ((rc = sp_log_next(log, &m)) == SP_OK)
        n++;
    if (rc != final || n != nmsgs)
        print_message("%zu messages, then %s: %s\n", n, sp_status_name(rc),
                      sp_errmsg());
    assert_int_equal(n, nmsgs);
    assert_int_equal(rc, final);
    if (word)
        iot_msg_has(p, word, NULL);
    sp_log_destroy(log);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    free(h->b.p);
}

static void hostile_open_fails(hostile *h, int status, const char *word)
{
    const char *p = write_tmp("hostile.bag", h->b.p, h->b.n);
    sp_log *log = NULL;
    int rc = sp_log_open(p, NULL, &log);
    if (rc != status)
        print_message("%s: %s\n", sp_status_name(rc), sp_errmsg());
    assert_int_equal(rc, status);
    assert_null(log);
    iot_msg_has(p, word, NULL);
    free(h->b.p);
}

/* The message data records inside an uncompressed chunk. */
static size_t chunk_messages(const hostile *h, uint64_t *pos, size_t cap)
{
    size_t n = 0;
    uint64_t at = h->chunk->data_pos;
    while (at < h->chunk->end && n < cap) {
        r1_rec x = {.pos = at};
        x.hlen = get32(h->b.p + at);
        x.data_pos = at + 8 + x.hlen;
        x.dlen = get32(h->b.p + x.data_pos - 4);
        uint64_t op = r1_field(&h->b, &x, "op");
        if (h->b.p[op] == 0x02)
            pos[n++] = at;
        at = x.data_pos + x.dlen;
    }
    return n;
}

static void test_hostile_sizes(void **state)
{
    (void)state;
    NEED_FIXTURES();
    hostile h;
    static const char *const tiny[] = {"tiny_none.bag", "tiny_bz2.bag",
                                       "tiny_lz4.bag"};
    for (int f = 0; f < 3; f++) {
        /* A chunk header length of 0xFFFFFFF0: the index cannot be used,
         * the scan cannot read past it. */
        hostile_load(&h, tiny[f]);
        put32(h.b.p + h.chunk->pos, 0xFFFFFFF0u);
        hostile_read(&h, 0, SP_EFORMAT, "header length 4294967280");
        /* A chunk data length of 0xFFFFFFF0. */
        hostile_load(&h, tiny[f]);
        put32(h.b.p + h.chunk->data_pos - 4, 0xFFFFFFF0u);
        hostile_read(&h, f == 0 ? 3 : 0, SP_EFORMAT, "4294967280");
        /* A chunk claiming 4 GB once decompressed. */
        hostile_load(&h, tiny[f]);
        put32(h.b.p + r1_field(&h.b, h.chunk, "size"), 0xFFFFFFFFu);
        hostile_read(&h, 0, SP_EFORMAT, f ? "cannot hold more than" : "size");
        /* IndexData whose count lies, or whose offset is past the chunk:
         * the scan reads everything. */
        hostile_load(&h, tiny[f]);
        uint8_t *cnt = h.b.p + r1_field(&h.b, h.index_data, "count");
        put32(cnt, get32(cnt) + 1);
        hostile_read(&h, 3, SP_EOS, NULL);
        hostile_load(&h, tiny[f]);
        put32(h.b.p + h.index_data->data_pos + 8, 0xFFFFFF00u);
        hostile_read(&h, 3, SP_EOS, NULL);
        /* index_pos past the end: a scan, then the cut is reported. */
        hostile_load(&h, tiny[f]);
        put64(h.b.p + r1_field(&h.b, &h.r[0], "index_pos"), h.b.n + 1000);
        hostile_read(&h, 3, SP_EFORMAT, "truncated");
        /* index_pos inside the bag header. */
        hostile_load(&h, tiny[f]);
        put64(h.b.p + r1_field(&h.b, &h.r[0], "index_pos"), 20);
        hostile_read(&h, 3, SP_EOS, NULL);
        /* chunk_pos at garbage (inside the chunk). */
        hostile_load(&h, tiny[f]);
        put64(h.b.p + r1_field(&h.b, h.chunk_info, "chunk_pos"),
              h.chunk->pos + 7);
        hostile_read(&h, 3, SP_EOS, NULL);
        /* chunk_pos past the end. */
        hostile_load(&h, tiny[f]);
        put64(h.b.p + r1_field(&h.b, h.chunk_info, "chunk_pos"),
              (uint64_t)1 << 62);
        hostile_read(&h, 3, SP_EOS, NULL);
        /* Counts that lie: more connections than there are (the index
         * looks cut), fewer chunks than there are. */
        hostile_load(&h, tiny[f]);
        put32(h.b.p + r1_field(&h.b, &h.r[0], "conn_count"), 0xFFFFFFFFu);
        hostile_read(&h, 3, SP_EFORMAT, "4294967295");
        hostile_load(&h, tiny[f]);
        put32(h.b.p + r1_field(&h.b, &h.r[0], "chunk_count"), 0);
        hostile_read(&h, 3, SP_EOS, NULL);
        /* IndexData of a connection never defined. */
        hostile_load(&h, tiny[f]);
        put32(h.b.p + r1_field(&h.b, h.index_data, "conn"), 77);
        hostile_read(&h, 3, SP_EOS, NULL);
        /* A header field longer than its header. */
        hostile_load(&h, tiny[f]);
        put32(h.b.p + h.chunk->pos + 4, 0x7FFFFFFFu);
        hostile_read(&h, 0, SP_EFORMAT, "field");
        /* A chunk compressed with something unknown. */
        hostile_load(&h, tiny[f]);
        uint64_t comp = r1_field(&h.b, h.chunk, "compression");
        h.b.p[comp] = 'X';
        hostile_read(&h, 0, SP_EFORMAT, "expected none, bz2 or lz4");
    }

    /* Messages of connection 77 inside an uncompressed chunk: with the
     * index, the record is not the index's; by a scan, nobody's. */
    uint64_t mpos[8];
    hostile_load(&h, "tiny_none.bag");
    assert_int_equal(chunk_messages(&h, mpos, 8), 3);
    {
        r1_rec x = {.pos = mpos[0]};
        x.hlen = get32(h.b.p + mpos[0]);
        put32(h.b.p + r1_field(&h.b, &x, "conn"), 77);
    }
    hostile_read(&h, 0, SP_EFORMAT, "connection 77");
    hostile_load(&h, "tiny_none.bag");
    chunk_messages(&h, mpos, 8);
    {
        r1_rec x = {.pos = mpos[0]};
        x.hlen = get32(h.b.p + mpos[0]);
        put32(h.b.p + r1_field(&h.b, &x, "conn"), 77);
    }
    zero_index_pos(&h.b, h.r);
    hostile_read(&h, 2, SP_EFORMAT, "connection 77");

    /* The bag header itself. */
    hostile_load(&h, "tiny_lz4.bag");
    put32(h.b.p + 13, 0xFFFFFFF0u);
    hostile_open_fails(&h, SP_EFORMAT, "bag header");
    hostile_load(&h, "tiny_lz4.bag");
    h.b.n = 13;
    hostile_open_fails(&h, SP_EFORMAT, "bag header");
    hostile_load(&h, "tiny_lz4.bag");
    memcpy(h.b.p + r1_field(&h.b, &h.r[0], "index_pos") - 4, "xnd", 3);
    hostile_open_fails(&h, SP_EFORMAT, "index_pos");
    hostile_load(&h, "tiny_lz4.bag");
    uint64_t cc = r1_field(&h.b, &h.r[0], "chunk_count") - 12;
    memcpy(h.b.p + cc, "encryptor=aesXYZ", 16);
    hostile_open_fails(&h, SP_EUNSUPPORTED, "encrypted");
    hostile_load(&h, "tiny_lz4.bag");
    h.b.p[r1_field(&h.b, &h.r[0], "op")] = 0x05;
    hostile_open_fails(&h, SP_EFORMAT, "expected the bag header");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_chunk_size_lies),
        cmocka_unit_test(test_lz4_checksum),
        cmocka_unit_test(test_skip_damaged_scan),
        cmocka_unit_test(test_hostile_sizes),
    };
    return cmocka_run_group_tests_name("log_ros1_damage", tests, NULL, NULL);
}
