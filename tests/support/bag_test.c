/* Helpers for the `bag` source suites (see bag_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bag_test.h"
#include "mcap_oracle.h"
#include "oracle_run.h"
#include "rosmsg_oracle.h"
#include "sp_calib.h"
#include "sp_iotest.h"

const char *bt_python_unavailable(void)
{
    static int have = -1;
    if (have < 0)
        have =
            oracle_status("/usr/bin/python3 -c 'import rosbag, genpy, numpy' "
                          ">/dev/null 2>&1") == 0;
    return have ? NULL
                : "/usr/bin/python3 cannot import rosbag, genpy and numpy "
                  "(Debian's python3-rosbag and python3-numpy): no fixture "
                  "bags and no oracle";
}

const char *bt_node_unavailable(void)
{
    return mo_unavailable();
}

const char *bt_real(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "ros1/%s", name);
    const char *p = iot_data(rel);
    if (!p)
        print_message("skipped: $SP_TEST_DATA/%s is missing (the shared "
                      "data folder)\n",
                      rel);
    return p;
}

static void run_ok(const char *cmd)
{
    const char *err = iot_tmp("oracle_stderr.txt");
    int rc = ro_run(cmd, err);
    if (rc != 0) {
        char *text = ro_read_text(err);
        fail_msg("%s: exit %d: %s", cmd, rc, text ? text : "");
    }
}

static const char *fixture_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        char d[1024], cmd[4096], script[1100];
        snprintf(d, sizeof d, "%s", iot_tmp("bag_fixtures"));
        snprintf(script, sizeof script, "%s/oracles/bag_src_fixtures.py",
                 ro_tests_dir());
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' ros1 '%s'", script, d);
        const char *inputs[] = {script, NULL};
        int rc = oracle_make_dir(cmd, inputs, d);
        if (rc != 0) /* its own words went to stderr, above */
            fail_msg("%s: exit %d", cmd, rc);
        snprintf(dir, sizeof dir, "%s", d);
    }
    return dir;
}

const char *bt_fixture(const char *file)
{
    static char buf[8][1100];
    static int k;
    const char *dir = fixture_dir();
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, file);
    return buf[k];
}

/* Whether fixture @p name's @p what was made in this process. */
static int made(const char *name, const char *what)
{
    static char done[16][64];
    static size_t n;
    char key[64];
    snprintf(key, sizeof key, "%s.%s", name, what);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(done[i], key))
            return 1;
    assert_true(n < 16);
    snprintf(done[n++], sizeof done[0], "%s", key);
    return 0;
}

const char *bt_fixture_mcap(const char *name)
{
    const char *dir = fixture_dir();
    if (!made(name, "mcap")) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "node --single-threaded '%s/oracles/bag_src_mcap.mjs' "
                 "'%s/%s.jsonl' "
                 "'%s/%s.mcap' '%s/%s.cdr.jsonl'",
                 ro_tests_dir(), dir, name, dir, name, dir, name);
        run_ok(cmd);
    }
    static char buf[4][1100];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s.mcap", dir, name);
    return buf[k];
}

const char *bt_fixture_r2(const char *name)
{
    const char *dir = fixture_dir();
    bt_fixture_mcap(name);
    if (!made(name, "r2")) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 '%s/oracles/bag_src_fixtures.py' db3 "
                 "'%s/%s.cdr.jsonl' '%s/%s_r2'",
                 ro_tests_dir(), dir, name, dir, name);
        run_ok(cmd);
    }
    static char buf[4][1100];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s_r2", dir, name);
    return buf[k];
}

/* ---- the oracle ---- */

static void parse_cal(char *line, bt_cal *c)
{
    char *save = NULL;
    char *tok = strtok_r(line, " \n", &save); /* "C" */
    const char *w[6];
    for (int i = 0; i < 6; i++) {
        w[i] = tok = strtok_r(NULL, " \n", &save);
        assert_non_null(tok);
    }
    snprintf(c->topic, sizeof c->topic, "%s", w[0]);
    snprintf(c->frame_id, sizeof c->frame_id, "%s",
             strcmp(w[1], "-") ? w[1] : "");
    c->w = atoi(w[2]);
    c->h = atoi(w[3]);
    snprintf(c->model, sizeof c->model, "%s", strcmp(w[4], "-") ? w[4] : "");
    c->nD = atoi(w[5]);
    assert_true(c->nD >= 0 && c->nD <= 16);
    for (int i = 0; i < c->nD + 9; i++) {
        tok = strtok_r(NULL, " \n", &save);
        assert_non_null(tok);
        double v = strtod(tok, NULL);
        if (i < c->nD)
            c->D[i] = v;
        else
            c->K[i - c->nD] = v;
    }
}

static void parse_frame(const char *line, bt_frame *e)
{
    long long st, lt;
    unsigned long long ix, rk, n, off, len;
    unsigned h, w, ih;
    int ring, tm;
    int k = sscanf(line,
                   "F %127s %7s %lld %lld %llu %llu %llu %u %d %d %llu %llu "
                   "%23s %u %u %127s",
                   e->topic, e->kind, &st, &lt, &ix, &rk, &n, &h, &ring, &tm,
                   &off, &len, e->fmt, &w, &ih, e->calib);
    assert_int_equal(k, 16);
    e->stamp = st, e->log_time = lt, e->index = ix, e->rank = rk;
    e->n = n, e->height = h, e->ring = ring, e->time = tm;
    e->off = off, e->len = len, e->w = w, e->h = ih;
}

/* The oracle's output folder for @p bag and @p fields_map: run once per
 * process for each pair. */
static const char *oracle_dir(const char *bag, const char *fields_map)
{
    static char keys[16][1200], dirs[16][1024];
    static int n;
    char key[1200];
    snprintf(key, sizeof key, "%s|%s", bag, fields_map ? fields_map : "");
    for (int i = 0; i < n; i++)
        if (!strcmp(keys[i], key))
            return dirs[i];
    assert_true(n < 16);
    char rel[64], cmd[4096], script[1100];
    snprintf(rel, sizeof rel, "frames_oracle/%d", n);
    snprintf(dirs[n], sizeof dirs[n], "%s", iot_tmp(rel));
    snprintf(script, sizeof script, "%s/oracles/bag_frames_oracle.py",
             ro_tests_dir());
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s' '%s'%s%s", script,
             bag, dirs[n], fields_map ? " --fields " : "",
             fields_map ? fields_map : "");
    const char *inputs[] = {script, bag, NULL};
    int rc = oracle_make_dir(cmd, inputs, dirs[n]);
    if (rc != 0) /* its own words went to stderr, above */
        fail_msg("%s: exit %d", cmd, rc);
    snprintf(keys[n], sizeof keys[n], "%s", key);
    return dirs[n++];
}

void bt_oracle_load(const char *bag, const char *fields_map, bt_oracle *o)
{
    memset(o, 0, sizeof *o);
    char path[1100];
    const char *dir = oracle_dir(bag, fields_map);
    snprintf(path, sizeof path, "%s/frames.txt", dir);
    char *text = ro_read_text(path);
    assert_non_null(text);
    size_t cap = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] == 'C') {
            assert_true(o->nc < 16);
            parse_cal(line, &o->c[o->nc++]);
        } else if (line[0] == 'F') {
            if (o->nf == cap) {
                cap = cap ? cap * 2 : 64;
                o->f = realloc(o->f, cap * sizeof *o->f);
                assert_non_null(o->f);
            }
            parse_frame(line, &o->f[o->nf++]);
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    free(text);
    snprintf(path, sizeof path, "%s/data.bin", dir);
    o->data = ro_read(path, &o->ndata);
    assert_non_null(o->data);
}

void bt_oracle_free(bt_oracle *o)
{
    free(o->f);
    free(o->data);
    memset(o, 0, sizeof *o);
}

static int in_list(const char *list, const char *name)
{
    if (!list || !*list)
        return 1;
    size_t nl = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && p[n - 1] == '*' ? !strncmp(name, p, n - 1)
                                 : n == nl && !strncmp(name, p, n))
            return 1;
        p += n + (e != NULL);
    }
    return 0;
}

size_t bt_select(const bt_oracle *o, const char *topics, int file_order,
                 int64_t t_lo, int64_t t_hi, size_t max, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < o->nf; i++) {
        const bt_frame *e = &o->f[i];
        if (in_list(topics, e->topic) && e->log_time >= t_lo &&
            e->log_time <= t_hi)
            idx[n++] = i;
    }
    if (file_order) /* insertion sort by rank: small lists */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i;
                 j > 0 && o->f[idx[j]].rank < o->f[idx[j - 1]].rank; j--) {
                size_t t = idx[j];
                idx[j] = idx[j - 1];
                idx[j - 1] = t;
            }
    return n < max ? n : max;
}

sp_pipeline *bt_create(const char *launch)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc != SP_OK)
        fail_msg("sp_pipeline_create(%s): %s: %s", launch, sp_status_name(rc),
                 sp_errmsg());
    return p;
}

/* ---- comparison ---- */

static void cmp_f32(const char *where, const char *col, const float *got,
                    const uint8_t *want, size_t n)
{
    if (memcmp(got, want, n * 4) == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        uint32_t a, b;
        memcpy(&a, got + i, 4);
        memcpy(&b, want + 4 * i, 4);
        if (a != b) {
            float fb;
            memcpy(&fb, &b, 4);
            fail_msg("%s: %s[%zu] is %.9g (0x%08x), the oracle's %.9g "
                     "(0x%08x)",
                     where, col, i, got[i], a, fb, b);
        }
    }
}

static void check_calib(const char *where, const sp_calib *c,
                        const bt_oracle *o, const char *topic)
{
    if (!strcmp(topic, "-")) {
        if (c)
            fail_msg("%s: has a calibration (%s), expected none", where,
                     c->source);
        return;
    }
    if (!c)
        fail_msg("%s: no calibration, expected %s's", where, topic);
    const bt_cal *e = NULL;
    for (size_t i = 0; i < o->nc; i++)
        if (!strcmp(o->c[i].topic, topic))
            e = &o->c[i];
    assert_non_null(e);
    if (!strstr(c->source, topic))
        fail_msg("%s: calibration from '%s', expected %s", where, c->source,
                 topic);
    assert_true(c->has_K);
    assert_memory_equal(c->K, e->K, sizeof e->K);
    for (int k = 0; k < 8; k++) {
        double want = k < e->nD ? e->D[k] : 0.0;
        if (memcmp(&c->dist[k], &want, sizeof want) != 0)
            fail_msg("%s: dist[%d] %.17g, expected %.17g", where, k, c->dist[k],
                     want);
    }
    assert_int_equal(c->width, e->w);
    assert_int_equal(c->height, e->h);
    assert_string_equal(sp_calib_dist_name(c->dist_model),
                        e->model[0] ? e->model : "plumb_bob");
}

void bt_check_frame(const sp_frame *f, const bt_oracle *o, const bt_frame *e,
                    uint64_t seq, const char *origin)
{
    char where[320];
    snprintf(where, sizeof where, "%s message %llu (frame %s #%llu)", e->topic,
             (unsigned long long)e->index, f->stream,
             (unsigned long long)f->seq);
    if (strcmp(f->stream, e->topic) || f->origin_index != e->index)
        fail_msg("%s: expected %s message %llu", where, e->topic,
                 (unsigned long long)e->index);
    int64_t ts = e->stamp ? e->stamp : e->log_time;
    if (f->timestamp_ns != ts || f->log_time_ns != e->log_time)
        fail_msg("%s: timestamp %lld, log time %lld; expected %lld, %lld",
                 where, (long long)f->timestamp_ns, (long long)f->log_time_ns,
                 (long long)ts, (long long)e->log_time);
    assert_int_equal(f->seq, seq);
    if (origin && (!f->origin || strncmp(f->origin, origin, strlen(origin))))
        fail_msg("%s: origin '%s', expected '%s'", where,
                 f->origin ? f->origin : "(null)", origin);
    const uint8_t *d = o->data + e->off;
    assert_true(e->off + e->len <= o->ndata);
    if (!strcmp(e->kind, "points")) {
        assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
        assert_int_equal(f->sensor, SP_SENSOR_LIDAR);
        const sp_points *p = &f->u.points;
        size_t n = e->n;
        if (p->count != n || p->height != e->height ||
            (p->ring != NULL) != e->ring || (p->time != NULL) != e->time)
            fail_msg("%s: %zu points, height %u, ring %d, time %d; expected "
                     "%zu, %u, %d, %d",
                     where, p->count, p->height, p->ring != NULL,
                     p->time != NULL, n, e->height, e->ring, e->time);
        assert_int_equal(e->len, n * (16 + 2 * e->ring + 4 * e->time));
        cmp_f32(where, "x", p->x, d, n);
        cmp_f32(where, "y", p->y, d + 4 * n, n);
        cmp_f32(where, "z", p->z, d + 8 * n, n);
        cmp_f32(where, "intensity", p->intensity, d + 12 * n, n);
        d += 16 * n;
        if (e->ring) {
            for (size_t i = 0; i < n; i++) {
                uint16_t want;
                memcpy(&want, d + 2 * i, 2);
                if (p->ring[i] != want)
                    fail_msg("%s: ring[%zu] is %u, the oracle's %u", where, i,
                             p->ring[i], want);
            }
            d += 2 * n;
        }
        if (e->time)
            cmp_f32(where, "time", p->time, d, n);
        assert_null(f->calib);
        return;
    }
    assert_int_equal(f->payload, SP_PAYLOAD_IMAGE);
    assert_int_equal(f->sensor, SP_SENSOR_CAMERA);
    const sp_image *img = &f->u.image;
    if (strcmp(sp_pixfmt_name(img->format), e->fmt) || img->width != e->w ||
        img->height != e->h)
        fail_msg("%s: %ux%u %s, expected %ux%u %s", where, img->width,
                 img->height, sp_pixfmt_name(img->format), e->w, e->h, e->fmt);
    size_t row = e->len / e->h;
    assert_int_equal(row, sp_image_row_bytes(e->w, img->format));
    for (uint32_t y = 0; y < e->h; y++)
        if (memcmp(img->data + y * img->stride, d + y * row, row) != 0)
            for (size_t x = 0; x < row; x++)
                if (img->data[y * img->stride + x] != d[y * row + x])
                    fail_msg("%s: row %u byte %zu is %u, the oracle's %u",
                             where, y, x, img->data[y * img->stride + x],
                             d[y * row + x]);
    check_calib(where, f->calib, o, e->calib);
}

void bt_expect(sp_pipeline *p, const bt_oracle *o, const size_t *idx, size_t n,
               const char *origin, int final)
{
    const char *names[256];
    uint64_t seqs[256];
    size_t nn = 0;
    for (size_t i = 0; i < n; i++) {
        const bt_frame *e = &o->f[idx[i]];
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc != SP_OK)
            fail_msg("frame %zu of %zu (%s message %llu): %s: %s", i, n,
                     e->topic, (unsigned long long)e->index, sp_status_name(rc),
                     sp_errmsg());
        size_t k = 0;
        while (k < nn && strcmp(names[k], e->topic))
            k++;
        if (k == nn) {
            assert_true(nn < 256);
            names[nn] = e->topic;
            seqs[nn++] = 0;
        }
        bt_check_frame(f, o, e, seqs[k]++, origin);
        sp_frame_unref(f);
    }
    sp_frame *f = NULL;
    int rc = sp_pipeline_pull(p, &f);
    if (rc != final) {
        const char *extra = f ? f->stream : "";
        sp_frame_unref(f);
        fail_msg("after %zu frames: %s %s (%s), expected %s", n,
                 sp_status_name(rc), extra, rc < 0 ? sp_errmsg() : "",
                 sp_status_name(final));
    }
}

sp_pipeline *bt_run_expect(const char *launch, const bt_oracle *o,
                           const size_t *idx, size_t n, const char *origin)
{
    sp_pipeline *p = bt_create(launch);
    bt_expect(p, o, idx, n, origin, SP_EOS);
    sp_pipeline_close(p);
    return p;
}

const char *bt_note(const sp_pipeline *p, const char *s)
{
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        const char *t = sp_pipeline_note(p, i, NULL);
        if (t && strstr(t, s))
            return t;
    }
    return NULL;
}

void bt_note_has(const sp_pipeline *p, const char *first, ...)
{
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        const char *t = sp_pipeline_note(p, i, NULL);
        va_list ap;
        va_start(ap, first);
        int all = 1;
        for (const char *s = first; s; s = va_arg(ap, const char *))
            all &= strstr(t, s) != NULL;
        va_end(ap);
        if (all)
            return;
    }
    print_message("notes (%zu):\n", sp_pipeline_note_count(p));
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++)
        print_message("  %s\n", sp_pipeline_note(p, i, NULL));
    fail_msg("no note contains '%s' (and the rest)", first);
}

int bt_drain(sp_pipeline *p, size_t *n)
{
    *n = 0;
    for (;;) {
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc != SP_OK)
            return rc;
        sp_frame_unref(f);
        (*n)++;
    }
}
