/* Helpers for the ROS1 bag suites (see ros1_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "ros1_test.h"
#include "sp_iotest.h"

/* tests/ (this file is tests/support/ros1_test.c). */
static const char *tests_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", __FILE__);
        for (int k = 0; k < 2; k++) {
            char *s = strrchr(dir, '/');
            if (s)
                *s = '\0';
        }
    }
    return dir;
}

int r1_have_rosbag(void)
{
    static int have = -1;
    if (have < 0)
        have = oracle_status("/usr/bin/python3 -c 'import rosbag' >/dev/null "
                             "2>&1") == 0;
    return have;
}

const char *r1_fixtures(void)
{
    static char dir[1024];
    static int done;
    if (!r1_have_rosbag())
        return NULL;
    if (!done) {
        snprintf(dir, sizeof dir, "%s", iot_tmp("ros1_fixtures"));
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 %s/oracles/ros1_fixtures.py '%s'",
                 tests_dir(), dir);
        assert_int_equal(system(cmd), 0);
        done = 1;
    }
    return dir;
}

const char *r1_fixture(const char *name)
{
    static char buf[8][1024];
    static int k;
    const char *dir = r1_fixtures();
    if (!dir)
        return NULL;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

void r1_oracle_load(const char *bag, r1_oracle *o)
{
    memset(o, 0, sizeof *o);
    char script[1100], cmd[4096];
    snprintf(script, sizeof script, "%s/oracles/ros1_oracle.py", tests_dir());
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, bag);
    const char *inputs[] = {script, bag, NULL};
    size_t len;
    int status;
    char *text = oracle_output(cmd, inputs, &len, &status);
    assert_non_null(text);
    if (status != 0)
        fail_msg("%s: exit status %d", cmd, status);
    FILE *f = fmemopen(text, len ? len : 1, "r"); /* 0: EINVAL */
    assert_non_null(f);
    char line[2048];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == 'T') {
            assert_true(o->nt < 64);
            r1_otopic *t = &o->t[o->nt++];
            unsigned long long c;
            assert_int_equal(sscanf(line,
                                    "T\t%255[^\t]\t%255[^\t]\t%39[^\t]\t%llu",
                                    t->name, t->type, t->md5, &c),
                             4);
            t->count = c;
        } else if (line[0] == 'M') {
            if (o->nm == cap) {
                cap = cap ? cap * 2 : 256;
                o->m = realloc(o->m, cap * sizeof *o->m);
                assert_non_null(o->m);
            }
            r1_omsg *m = &o->m[o->nm++];
            long long t;
            unsigned long long sz, cp, off, av;
            assert_int_equal(sscanf(line,
                                    "M\t%255[^\t]\t%lld\t%llu\t%40[^\t]\t%llu"
                                    "\t%llu\t%llu",
                                    m->topic, &t, &sz, m->sha, &cp, &off, &av),
                             7);
            m->t = t, m->size = sz, m->chunk_pos = cp, m->offset = off,
            m->avail = av;
        }
    }
    fclose(f);
    free(text);
}

void r1_oracle_free(r1_oracle *o)
{
    free(o->m);
    memset(o, 0, sizeof *o);
}

/* ---- SHA-1 (FIPS 180-4) ---- */

static uint32_t rol(uint32_t x, int k)
{
    return x << k | x >> (32 - k);
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
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
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

void r1_sha1_hex(const uint8_t *p, size_t n, char out[41])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476,
                     0xC3D2E1F0};
    size_t i = 0;
    for (; n - i >= 64; i += 64)
        sha1_block(h, p + i);
    uint8_t tail[128] = {0};
    size_t r = n - i;
    if (r)
        memcpy(tail, p + i, r);
    tail[r] = 0x80;
    size_t tn = r + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++)
        tail[tn - 1 - k] = (uint8_t)(bits >> (8 * k));
    sha1_block(h, tail);
    if (tn == 128)
        sha1_block(h, tail + 64);
    for (int k = 0; k < 5; k++)
        snprintf(out + 8 * k, 9, "%08x", h[k]);
}

/* ---- bag bytes ---- */

r1_bytes r1_read(const char *path)
{
    r1_bytes b = {0};
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b.p = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(b.p);
    b.n = (size_t)n;
    assert_int_equal(fread(b.p, 1, b.n, f), b.n);
    fclose(f);
    return b;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

uint64_t r1_field(const r1_bytes *b, const r1_rec *r, const char *name)
{
    size_t nl = strlen(name);
    uint64_t i = r->pos + 4, end = r->pos + 4 + r->hlen;
    while (i + 4 <= end) {
        uint32_t len = le32(b->p + i);
        const uint8_t *f = b->p + i + 4;
        if (len > nl && !memcmp(f, name, nl) && f[nl] == '=')
            return i + 4 + nl + 1;
        i += 4 + (uint64_t)len;
    }
    return 0;
}

size_t r1_records(const r1_bytes *b, r1_rec *out, size_t cap)
{
    size_t n = 0;
    uint64_t pos = 13;
    while (pos + 8 <= b->n && n < cap) {
        r1_rec r = {.pos = pos};
        r.hlen = le32(b->p + pos);
        if (pos + 8 + r.hlen > b->n)
            break;
        r.dlen = le32(b->p + pos + 4 + r.hlen);
        r.data_pos = pos + 8 + r.hlen;
        r.end = r.data_pos + r.dlen;
        if (r.end > b->n)
            break;
        uint64_t op = r1_field(b, &r, "op");
        r.op = op ? b->p[op] : -1;
        out[n++] = r;
        pos = r.end;
    }
    return n;
}

/* ---- comparison ---- */

sp_log *r1_open(const char *path, const sp_log_desc *desc)
{
    sp_log *log = NULL;
    int rc = sp_log_open(path, desc, &log);
    if (rc != SP_OK)
        print_message("sp_log_open(%s): %s: %s\n", path, sp_status_name(rc),
                      sp_errmsg());
    assert_int_equal(rc, SP_OK);
    return log;
}

void r1_expect(sp_log *log, const r1_oracle *o, const size_t *idx, size_t n,
               int final)
{
    for (size_t i = 0; i < n; i++) {
        const r1_omsg *e = &o->m[idx ? idx[i] : i];
        sp_log_msg m;
        int rc = sp_log_next(log, &m);
        if (rc != SP_OK)
            print_message("message %zu of %zu (%s at %lld): %s: %s\n", i, n,
                          e->topic, (long long)e->t, sp_status_name(rc),
                          sp_errmsg());
        assert_int_equal(rc, SP_OK);
        const sp_log_topic *t = sp_log_topic_at(log, m.topic);
        assert_non_null(t);
        char sha[41];
        r1_sha1_hex(m.data, m.size, sha);
        if (strcmp(t->name, e->topic) || m.log_time != e->t ||
            m.size != e->size || strcmp(sha, e->sha))
            print_message("message %zu: got %s %lld %zu %s, expected %s %lld "
                          "%llu %s\n",
                          i, t->name, (long long)m.log_time, m.size, sha,
                          e->topic, (long long)e->t,
                          (unsigned long long)e->size, e->sha);
        assert_string_equal(t->name, e->topic);
        assert_int_equal(m.log_time, e->t);
        assert_int_equal(m.publish_time, e->t);
        assert_int_equal(m.size, e->size);
        assert_string_equal(sha, e->sha);
    }
    if (final != 1) {
        sp_log_msg m;
        int rc = sp_log_next(log, &m);
        if (rc != final)
            print_message("after %zu messages: %s (%s), expected %s\n", n,
                          sp_status_name(rc), sp_errmsg(),
                          sp_status_name(final));
        assert_int_equal(rc, final);
    }
}
