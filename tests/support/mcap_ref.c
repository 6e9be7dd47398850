/* See mcap_ref.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcap_ref.h"
#include "oracle_run.h"
#include "sp_iotest.h"

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

void mref_sha1_hex(const uint8_t *p, size_t n, char out[41])
{
    sha1 s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0},
              0,
              {0},
              0};
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
const char *mref_unavailable(void)
{
    static char why[1200];
    if (!oracle_dir[0]) {
        snprintf(oracle_dir, sizeof oracle_dir, "%s", __FILE__);
        char *slash = strrchr(oracle_dir, '/');
        snprintf(slash ? slash + 1 : oracle_dir,
                 sizeof oracle_dir -
                     (size_t)(slash ? slash + 1 - oracle_dir : 0),
                 "../oracles");
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

void mref_lines_add(mref_lines *L, const char *s)
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

void mref_lines_free(mref_lines *L)
{
    for (size_t i = 0; i < L->n; i++)
        free(L->l[i]);
    free(L->l);
    memset(L, 0, sizeof *L);
}

/* node 20 could deadlock in V8 under load (see mcap_oracle.c): run with
 * --single-threaded, each read gets 60 s and up to 3 attempts, a retry
 * said on stderr. */
void mref_run(const char *path, int stream, mref_lines *L)
{
    char cmd[3000], script[1100];
    snprintf(script, sizeof script, "%s/mcap_messages.mjs", oracle_dir);
    snprintf(cmd, sizeof cmd,
             "timeout -k 5 60 node --single-threaded '%s' '%s'%s", script, path,
             stream ? " --stream" : "");
    const char *inputs[] = {script, path, NULL};
    for (int attempt = 1;; attempt++) {
        memset(L, 0, sizeof *L);
        int code;
        char *text = oracle_output(cmd, inputs, NULL, &code);
        assert_non_null(text);
        if ((code == 124 || code == 137) && attempt < 3) {
            fprintf(stderr,
                    "note: mcap_messages.mjs gave no end in 60 s (attempt %d "
                    "of 3): run again\n",
                    attempt);
            free(text);
            continue;
        }
        char *save = NULL;
        for (char *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            if (!strncmp(line, "# reader ", 9))
                snprintf(L->reader, sizeof L->reader, "%.15s", line + 9);
            else if (!strncmp(line, "# error ", 8))
                snprintf(L->error, sizeof L->error, "%.511s", line + 8);
            else
                mref_lines_add(L, line);
        }
        free(text);
        if (code != 0)
            fail_msg("%s: exit status %d", cmd, code);
        return;
    }
}

/* Our line for a message, as the oracle writes it. The sequence number is
 * in the Message record just before the data (a white-box look: for MCAP
 * the data always points into its record). */
void mref_line(const sp_log *log, const sp_log_msg *m, char *out, size_t cap)
{
    char hex[41];
    mref_sha1_hex(m->data, m->size, hex);
    const uint8_t *q = m->data - 20;
    uint32_t seq = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                   (uint32_t)q[3] << 24;
    snprintf(out, cap, "%s\t%lld\t%lld\t%u\t%zu\t%s",
             sp_log_topic_at(log, m->topic)->name, (long long)m->log_time,
             (long long)m->publish_time, seq, m->size, hex);
}

/* Every message of the log as mref_lines, and the final status. */
int mref_read(const char *path, const sp_log_desc *d, mref_lines *L)
{
    memset(L, 0, sizeof *L);
    sp_log *log;
    int rc = sp_log_open(path, d, &log);
    if (rc != SP_OK)
        fail_msg("open %s: %s: %s", path, sp_status_name(rc), sp_errmsg());
    sp_log_msg m;
    char buf[4096];
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        mref_line(log, &m, buf, sizeof buf);
        mref_lines_add(L, buf);
    }
    snprintf(L->error, sizeof L->error, "%s", rc < 0 ? sp_errmsg() : "");
    sp_log_destroy(log);
    return rc;
}

void mref_expect_same(const char *path, const mref_lines *got,
                      const mref_lines *want)
{
    size_t n = got->n < want->n ? got->n : want->n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(got->l[i], want->l[i]) != 0)
            fail_msg("%s: message %zu:\n got %s\nwant %s", path, i, got->l[i],
                     want->l[i]);
    if (got->n != want->n)
        fail_msg("%s: %zu messages, the reference reader (%s) reads %zu", path,
                 got->n, want->reader, want->n);
}

/* ---- fixtures ---- */

const char *mref_fx(const char *name)
{
    static char dir[1024];
    static int made;
    if (!made) {
        snprintf(dir, sizeof dir, "%s", iot_tmp("fixtures"));
        iot_mkdirs(dir);
        char cmd[3000];
        snprintf(cmd, sizeof cmd,
                 "node --single-threaded '%s/make_mcap_fixtures.mjs' '%s' "
                 ">/dev/null",
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

uint8_t *mref_slurp(const char *path, size_t *n)
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

uint64_t mref_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void mref_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* File offset of the k-th (0-based) record of opcode @p op in the data
 * section, or 0. */
size_t mref_nth_record(const uint8_t *b, size_t n, uint8_t op, int k)
{
    size_t pos = 8 + 9 + (size_t)mref_le64(b + 9);
    while (pos + 9 <= n) {
        uint64_t len = mref_le64(b + pos + 1);
        if (b[pos] == op && k-- == 0)
            return pos;
        if (b[pos] == 0x0F || len > n - pos - 9)
            return 0;
        pos += 9 + (size_t)len;
    }
    return 0;
}
