/* The MCAP reference reader for tests (see mcap_oracle.h). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include <cmocka.h>

#include "mcap_oracle.h"
#include "oracle_run.h"
#include "sp_iotest.h"
#include "sp_status.h"

/* The oracle folder beside this file's folder: tests/oracles. */
static const char *oracle_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        const char *src = __FILE__;
        const char *slash = strrchr(src, '/');
        int n = slash ? (int)(slash - src) : 0;
        snprintf(dir, sizeof dir, "%.*s/../oracles", n, src);
    }
    return dir;
}

const char *mo_unavailable(void)
{
    static char why[1200];
    char p[1100];
    snprintf(p, sizeof p, "%s/node_modules/@mcap/core/package.json",
             oracle_dir());
    if (system("node --version >/dev/null 2>&1") != 0)
        return "node is not installed: the MCAP reference reader was not run";
    if (access(p, R_OK) != 0) {
        snprintf(why, sizeof why,
                 "%s/node_modules is missing (run npm ci there): the MCAP "
                 "reference reader was not run",
                 oracle_dir());
        return why;
    }
    return NULL;
}

/* node 20 now and then deadlocked in V8 under load (about 1 run of 10 of
 * test_mcap_sink at load 8-10, never alone; gdb: a background compile
 * thread in CollectionBarrier::AwaitCollectionBackground, the main thread
 * waiting on it), printing nothing. Every oracle runs with V8's
 * --single-threaded (no background tasks; the same output), and these
 * readers also get NODE_LIMIT_S and up to NODE_TRIES attempts, a retry
 * said on stderr. */
#define NODE_LIMIT_S 60
#define NODE_TRIES 3

void mo_run(mo_dump *d, const char *path, const char *options)
{
    memset(d, 0, sizeof *d);
    char cmd[4096], script[1100];
    snprintf(script, sizeof script, "%s/mcap_dump.mjs", oracle_dir());
    snprintf(cmd, sizeof cmd,
             "timeout -k 5 %d node --single-threaded '%s' '%s' %s 2>&1",
             NODE_LIMIT_S, script, path, options ? options : "");
    const char *inputs[] = {script, path, NULL};
    size_t len = 0;
    for (int attempt = 1;; attempt++) {
        d->text = oracle_output(cmd, inputs, &len, &d->status);
        if (!d->text)
            return;
        if ((d->status != 124 && d->status != 137) || attempt == NODE_TRIES)
            break;
        fprintf(stderr,
                "note: mcap_dump.mjs gave no end in %d s (attempt %d of %d, "
                "%zu bytes printed): run again\n",
                NODE_LIMIT_S, attempt, NODE_TRIES, len);
        free(d->text);
        d->text = NULL;
    }
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += d->text[i] == '\n';
    d->lines = calloc(n, sizeof *d->lines);
    char *save = NULL;
    for (char *l = strtok_r(d->text, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        size_t k = strlen(l);
        if (k && l[k - 1] == ',')
            l[k - 1] = '\0';
        d->lines[d->nlines++] = l;
    }
}

void mo_free(mo_dump *d)
{
    free(d->lines);
    free(d->text);
    memset(d, 0, sizeof *d);
}

static size_t key_line(const mo_dump *d, const char *key, const char **rest)
{
    char k[128];
    int n = snprintf(k, sizeof k, "\"%s\": ", key);
    for (size_t i = 0; i < d->nlines; i++) {
        if (strncmp(d->lines[i], k, (size_t)n) == 0) {
            *rest = d->lines[i] + n;
            return i;
        }
    }
    return (size_t)-1;
}

const char *mo_value(const mo_dump *d, const char *key)
{
    const char *rest;
    if (key_line(d, key, &rest) == (size_t)-1)
        return NULL;
    return rest;
}

char **mo_list(const mo_dump *d, const char *key, size_t *n)
{
    const char *rest;
    size_t i = key_line(d, key, &rest);
    *n = 0;
    if (i == (size_t)-1 || strcmp(rest, "[") != 0)
        return NULL;
    size_t k = i + 1;
    while (k < d->nlines && strcmp(d->lines[k], "]") != 0)
        k++;
    *n = k - i - 1;
    return d->lines + i + 1;
}

void mo_printf(mo_str *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL,
                          b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
}

void mo_str_free(mo_str *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

static void head(mo_str *b, const mo_msg *m, const char *type)
{
    int64_t s = m->stamp_ns / 1000000000, r = m->stamp_ns % 1000000000;
    if (r < 0) {
        s--;
        r += 1000000000;
    }
    mo_printf(b,
              "{\"topic\":\"%s\",\"channel\":%u,\"sequence\":%u,"
              "\"log_time\":\"%llu\",\"publish_time\":\"%llu\","
              "\"type\":\"%s\",\"stamp\":[%lld,%lld],\"frame_id\":\"%s\",",
              m->topic, m->channel, m->sequence,
              (unsigned long long)m->log_time,
              (unsigned long long)m->publish_time, type, (long long)s,
              (long long)r, m->frame_id);
}

void mo_expect_pc2(mo_str *b, const mo_msg *m, const sp_points *p,
                   size_t max_points)
{
    /* The writer's columns (sp_points.h): every channel and extra it
     * keeps, packed in that order; the values go in as each column's
     * type, and are read back by the reference reader. */
    sp_points_column col[SP_POINTS_MAX_COLUMNS];
    uint32_t off[SP_POINTS_MAX_COLUMNS];
    size_t nc = sp_points_columns(p, col);
    uint32_t step = 0;
    for (size_t c = 0; c < nc; c++) {
        off[c] = step;
        step += (uint32_t)(sp_field_type_size(col[c].type) * col[c].count);
    }
    size_t rows = p->height > 1 && p->count % p->height == 0 ? p->height : 1;
    head(b, m, "sensor_msgs/msg/PointCloud2");
    mo_printf(b, "\"height\":%zu,\"width\":%zu,\"fields\":[", rows,
              p->count / rows);
    for (size_t c = 0; c < nc; c++)
        mo_printf(b, "%s[\"%s\",%u,%d,%u]", c ? "," : "", col[c].name, off[c],
                  (int)col[c].type, col[c].count);
    int dense = 1;
    uLong crc = crc32(0, NULL, 0);
    uint8_t *row = malloc(step ? step : 1);
    assert_non_null(row);
    for (size_t i = 0; i < p->count; i++) {
        if (isnan(p->x[i]) || isnan(p->y[i]) || isnan(p->z[i]))
            dense = 0;
        for (size_t c = 0; c < nc; c++)
            sp_points_column_copy(p, &col[c], i, 1, row + off[c], step);
        crc = crc32(crc, row, step);
    }
    mo_printf(b,
              "],\"is_bigendian\":false,\"point_step\":%u,\"row_step\":%zu,"
              "\"is_dense\":%s,\"data_len\":%zu,\"points_crc\":\"%08lx\"",
              step, step * (p->count / rows), dense ? "true" : "false",
              step * p->count, (unsigned long)crc);
    if (p->count <= max_points) {
        mo_printf(b, ",\"points\":[");
        for (size_t i = 0; i < p->count; i++) {
            for (size_t c = 0; c < nc; c++)
                sp_points_column_copy(p, &col[c], i, 1, row + off[c], step);
            mo_printf(b, "%s[", i ? "," : "");
            int first = 1;
            for (size_t c = 0; c < nc; c++) {
                size_t sz = sp_field_type_size(col[c].type);
                for (uint32_t k = 0; k < col[c].count; k++) {
                    const uint8_t *v = row + off[c] + k * sz;
                    mo_printf(b, first ? "" : ",");
                    first = 0;
                    if (col[c].type == SP_FIELD_F32) {
                        uint32_t u;
                        memcpy(&u, v, 4);
                        mo_printf(b, "\"%08x\"", u);
                    } else if (col[c].type == SP_FIELD_U16) {
                        uint16_t u;
                        memcpy(&u, v, 2);
                        mo_printf(b, "%u", u);
                    } else {
                        mo_printf(b, "\"bytes@%zu\"",
                                  i * step + off[c] + k * sz);
                    }
                }
            }
            mo_printf(b, "]");
        }
        mo_printf(b, "]");
    }
    free(row);
    mo_printf(b, "}");
}

void mo_expect_image(mo_str *b, const mo_msg *m, const sp_image *img,
                     const char *encoding)
{
    const size_t row = sp_image_row_bytes(img->width, img->format);
    const uint32_t rows = img->format == SP_PIX_NV12
                              ? img->height + img->height / 2
                              : img->height;
    uLong crc = crc32(0, NULL, 0);
    char first[33] = "";
    size_t nfirst = 0;
    for (uint32_t y = 0; y < rows; y++) {
        const uint8_t *r = sp_image_row(img, y);
        crc = crc32(crc, r, (uInt)row);
        for (size_t x = 0; x < row && nfirst < 16; x++, nfirst++)
            snprintf(first + 2 * nfirst, 3, "%02x", r[x]);
    }
    head(b, m, "sensor_msgs/msg/Image");
    mo_printf(b,
              "\"height\":%u,\"width\":%u,\"encoding\":\"%s\","
              "\"is_bigendian\":0,\"step\":%zu,\"data_len\":%zu,"
              "\"data_crc\":\"%08lx\",\"first\":\"%s\"}",
              img->height, img->width, encoding, row, row * rows,
              (unsigned long)crc, first);
}

/* ---- checks ---- */

void mo_skip(const char *why)
{
    print_message("%s\n", why);
    skip();
}

int mo_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Files in a folder; fails on a leftover temporary file. */
size_t mo_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
            continue;
        if (strstr(e->d_name, ".tmp."))
            fail_msg("%s: leftover %s", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

const char *mo_fresh_dir(const char *name)
{
    const char *dir = iot_tmp(name);
    iot_rmdir(dir);
    iot_mkdirs(dir);
    return dir;
}

void mo_ok(int rc)
{
    if (rc != SP_OK)
        fail_msg("status %d: %s", rc, sp_errmsg());
}

void mo_want_value(const mo_dump *d, const char *key, const char *want)
{
    const char *got = mo_value(d, key);
    if (!got || strcmp(got, want) != 0)
        fail_msg("\"%s\": got %s\nexpected %s", key, got ? got : "(none)",
                 want);
}

/* The messages, exactly, in order. */
void mo_want_messages(const mo_dump *d, mo_str *lines, size_t n)
{
    size_t got;
    char **l = mo_list(d, "messages", &got);
    assert_non_null(l);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], lines[i].s) != 0)
            fail_msg("message %zu:\n got %s\nwant %s", i, l[i], lines[i].s);
}

/* Lines of list @p key that contain every NULL-ended string; fails
 * unless all of them do. */
size_t mo_all_have(const mo_dump *d, const char *key, const char *first, ...)
{
    size_t n;
    char **l = mo_list(d, key, &n);
    assert_non_null(l);
    for (size_t i = 0; i < n; i++) {
        va_list ap;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
            if (!strstr(l[i], s))
                fail_msg("%s[%zu] lacks %s: %s", key, i, s, l[i]);
        va_end(ap);
    }
    return n;
}

void mo_run_ok(mo_dump *d, const char *path, const char *opts)
{
    mo_run(d, path, opts);
    if (d->status != 0)
        fail_msg("mcap_dump.mjs %s: status %d:\n%s", path, d->status,
                 d->nlines ? d->lines[0] : "");
}
