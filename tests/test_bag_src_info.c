/* ctest-label: io */
/* ctest-timeout: 120 */
/* `sensorpipe info` on every real log of the shared data folder (the four
 * ROS1 bags, the two MCAP files alone and as rosbag2 folders, the rosbag2
 * sqlite bag) and on the Image fixture bag, text and --json, against what
 * tests/oracles/bag_info_oracle.py reads without sensorpipe (python3-rosbag;
 * sqlite3 and PyYAML; @mcap/core through mcap_dump.mjs): the container, its
 * version, compression, chunks and message count, the time span, and per
 * topic its type, message count, first and last log time and rate, a
 * PointCloud2's fields and points per message, an image's size and
 * encoding, a CameraInfo's size and model. Skips what it lacks (the data,
 * the built program, python3-rosbag, node and its modules), saying so. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "bag_test.h"
#include "oracle_run.h"
#include "rosmsg_oracle.h"
#include "sp_iotest.h"

static char out[1 << 17];

/* `sensorpipe ARGS 2>&1` into out; the exit status, or -1 when the program
 * is not built. */
static int run(const char *args)
{
    char exe[1024], cmd[4096];
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", dir ? dir : ".");
    struct stat st;
    if (stat(exe, &st) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", exe, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

typedef struct itopic {
    char name[256], type[256], fields[512], image[128];
    unsigned long long n;
    long long t0, t1;
    long lo, hi, rows; /* points per message; -1: not a cloud */
} itopic;

typedef struct iexp {
    char container[16], version[16], comp[64];
    unsigned long long chunks, msgs;
    long long t0, t1;
    itopic t[64];
    size_t nt;
} iexp;

static itopic *topic_of(iexp *e, const char *name)
{
    for (size_t i = 0; i < e->nt; i++)
        if (!strcmp(e->t[i].name, name))
            return &e->t[i];
    fail_msg("oracle: no topic %s", name);
    return NULL;
}

static void load(const char *path, iexp *e)
{
    memset(e, 0, sizeof *e);
    char cmd[4096], script[1100];
    snprintf(script, sizeof script, "%s/oracles/bag_info_oracle.py",
             ro_tests_dir());
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, path);
    const char *inputs[] = {script, path, NULL};
    int rc;
    char *text = oracle_output(cmd, inputs, NULL, &rc);
    assert_non_null(text);
    if (rc != 0) /* the oracle's own words went to stderr, above */
        fail_msg("%s: exit %d", cmd, rc);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l;
         l = strtok_r(NULL, "\n", &save)) {
        char name[256];
        if (l[0] == 'L') {
            assert_int_equal(sscanf(l, "L %15s %15s %63s %llu %llu %lld %lld",
                                    e->container, e->version, e->comp,
                                    &e->chunks, &e->msgs, &e->t0, &e->t1),
                             7);
        } else if (l[0] == 'T') {
            assert_true(e->nt < 64);
            itopic *t = &e->t[e->nt++];
            assert_int_equal(sscanf(l, "T %255s %255s %llu %lld %lld", t->name,
                                    t->type, &t->n, &t->t0, &t->t1),
                             5);
            t->lo = t->hi = -1;
        } else if (l[0] == 'F' || l[0] == 'I') {
            int k = 0;
            assert_int_equal(sscanf(l + 2, "%255s %n", name, &k), 1);
            itopic *t = topic_of(e, name);
            snprintf(l[0] == 'F' ? t->fields : t->image,
                     l[0] == 'F' ? sizeof t->fields : sizeof t->image, "%s",
                     l + 2 + k);
        } else if (l[0] == 'P') {
            long lo, hi, rows;
            assert_int_equal(
                sscanf(l, "P %255s %ld %ld %ld", name, &lo, &hi, &rows), 4);
            itopic *t = topic_of(e, name);
            t->lo = lo, t->hi = hi, t->rows = rows;
        }
    }
    free(text);
    assert_true(e->container[0] && e->nt > 0);
}

/* The line of out starting at @p start (copied into a static buffer). */
static const char *line_at(const char *start)
{
    static char buf[4096];
    size_t n = strcspn(start, "\n");
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    return buf;
}

static void has(const char *hay, const char *what, const char *path)
{
    if (!strstr(hay, what))
        fail_msg("%s: '%s' not in:\n%s", path, what, hay);
}

static void check_text(const char *path, const iexp *e)
{
    char args[1200], s[1024];
    snprintf(args, sizeof args, "info '%s'", path);
    assert_int_equal(run(args), 0);
    snprintf(s, sizeof s, "log:     %s", e->container);
    has(out, s, path);
    /* "uncompressed" for none; "1 chunk", "2 chunks" */
    snprintf(s, sizeof s, ", version %s, %s%s, %llu chunk%s, ", e->version,
             strcmp(e->comp, "none") ? e->comp : "uncompressed",
             strcmp(e->comp, "none") ? " compression" : "", e->chunks,
             e->chunks == 1 ? "" : "s");
    has(out, s, path);
    snprintf(s, sizeof s, "(%.3f s), %llu messages\n",
             (double)(e->t1 - e->t0) / 1e9, e->msgs);
    has(out, s, path);
    size_t lines = 0;
    for (const char *p = out; (p = strstr(p, "\ntopic ")); p++)
        lines++;
    assert_int_equal(lines, e->nt);
    for (size_t i = 0; i < e->nt; i++) {
        const itopic *t = &e->t[i];
        snprintf(s, sizeof s, "\ntopic %s (%s, ", t->name, t->type);
        const char *at = strstr(out, s);
        if (!at)
            fail_msg("%s: no line '%s' in:\n%s", path, s + 1, out);
        const char *line = line_at(at + 1);
        snprintf(s, sizeof s, "): %llu message%s", t->n, t->n == 1 ? "" : "s");
        has(line, s, path);
        if (t->n > 1 && t->t1 > t->t0) {
            snprintf(s, sizeof s, "(%.2f Hz)",
                     (double)(t->n - 1) * 1e9 / (double)(t->t1 - t->t0));
            has(line, s, path);
        }
        const char *next = strchr(at + 1, '\n');
        const char *detail =
            next && !strncmp(next, "\n  ", 3) ? line_at(next + 1) : "";
        if (t->fields[0]) {
            snprintf(s, sizeof s, "fields %s", t->fields);
            has(detail, s, path);
        }
        if (t->lo >= 0) {
            long lo, hi;
            const char *pf = strstr(detail, "points/frame min ");
            assert_non_null(pf);
            assert_int_equal(
                sscanf(pf, "points/frame min %ld mean %*f max %ld", &lo, &hi),
                2);
            /* sampled messages: within the range of all of them */
            if (lo < t->lo || hi > t->hi || lo > hi)
                fail_msg("%s %s: points %ld..%ld, all messages %ld..%ld", path,
                         t->name, lo, hi, t->lo, t->hi);
            if (t->lo == t->hi) {
                snprintf(s, sizeof s, "points/frame min %ld mean %ld.0 max %ld",
                         t->lo, t->lo, t->lo);
                has(detail, s, path);
            }
        }
        if (t->image[0]) {
            int w, h, k = 0;
            assert_int_equal(sscanf(t->image, "%d %d %n", &w, &h, &k), 2);
            snprintf(s, sizeof s, "image %dx%d %s", w, h, t->image + k);
            has(detail, s, path);
        }
    }
}

static void check_json(const char *path, const iexp *e)
{
    char args[1200], s[1024];
    snprintf(args, sizeof args, "info --json '%s'", path);
    assert_int_equal(run(args), 0);
    assert_true(out[0] == '{');
    const char *log = strstr(out, "\"log\": {");
    assert_non_null(log);
    snprintf(s, sizeof s, "\"container\": \"%s\", \"version\": \"%s\"",
             e->container, e->version);
    has(log, s, path);
    snprintf(s, sizeof s, "\"compression\": \"%s\"", e->comp);
    has(log, s, path);
    snprintf(s, sizeof s,
             "\"chunks\": %llu, \"messages\": %llu, "
             "\"start_ns\": %lld, \"end_ns\": %lld",
             e->chunks, e->msgs, e->t0, e->t1);
    has(log, s, path);
    for (size_t i = 0; i < e->nt; i++) {
        const itopic *t = &e->t[i];
        snprintf(s, sizeof s, "{\"name\": \"%s\", \"type\": \"%s\", ", t->name,
                 t->type);
        const char *at = strstr(out, s);
        if (!at)
            fail_msg("%s: no '%s' in %s", path, s, out);
        char obj[4096];
        size_t n = strcspn(at, "}");
        assert_true(n < sizeof obj);
        memcpy(obj, at, n);
        obj[n] = '\0';
        snprintf(s, sizeof s, "\"frames\": %llu, ", t->n);
        has(obj, s, path);
        if (t->n) {
            snprintf(s, sizeof s, "\"t_first_ns\": %lld, \"t_last_ns\": %lld",
                     t->t0, t->t1);
            has(obj, s, path);
        }
        const char *r = strstr(obj, "\"rate_hz\": ");
        if (t->n > 1 && t->t1 > t->t0) {
            assert_non_null(r);
            double want = (double)(t->n - 1) * 1e9 / (double)(t->t1 - t->t0);
            double got = strtod(r + 11, NULL);
            if (fabs(got - want) > 1e-5 * want) /* printed with %g */
                fail_msg("%s %s: rate %g, expected %g", path, t->name, got,
                         want);
        }
        if (t->fields[0]) {
            snprintf(s, sizeof s, "\"fields\": \"%s\"", t->fields);
            has(obj, s, path);
        }
        if (t->lo >= 0 && t->lo == t->hi) {
            snprintf(s, sizeof s, "\"points_min\": %ld, ", t->lo);
            has(obj, s, path);
            snprintf(s, sizeof s, "\"points_max\": %ld, ", t->hi);
            has(obj, s, path);
        }
        if (t->image[0]) {
            int w, h, k = 0;
            assert_int_equal(sscanf(t->image, "%d %d %n", &w, &h, &k), 2);
            snprintf(s, sizeof s,
                     "\"width\": %d, \"height\": %d, \"format\": \"%s\"", w, h,
                     t->image + k);
            has(obj, s, path);
        }
    }
}

static void check(const char *path)
{
    iexp e;
    load(path, &e);
    check_text(path, &e);
    check_json(path, &e);
    print_message("%s: %s, %zu topics, %llu messages as the oracle says\n",
                  path, e.container, e.nt, e.msgs);
}

static int have_cli(void)
{
    if (run("--version") < 0) {
        print_message("skipped: the sensorpipe program is not built\n");
        return 0;
    }
    return 1;
}

static void test_info_ros1(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    if (!have_cli())
        skip();
    static const char *const bags[] = {
        "sick_rms1000_lms1000_bz2.bag", "embag_test.bag",
        "swri_pointcloud2_lz4.bag", "ubiquity_aruco_marker_jpeg.bag"};
    for (size_t i = 0; i < 4; i++) {
        const char *p = bt_real(bags[i]);
        if (p)
            check(p);
    }
    /* Image messages of every encoding (the real bags have none) */
    check(bt_fixture("images.bag"));
}

static void test_info_mcap(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    if (!have_cli())
        skip();
    static const char *const logs[] = {
        "mcap/synthetic_rosbag2_talker_zstd/talker.mcap",
        "mcap/synthetic_rosbag2_talker_zstd",
        "mcap/synthetic_rosbag2_cdr_test_none/cdr_test_0.mcap",
        "mcap/synthetic_rosbag2_cdr_test_none"};
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        const char *p = iot_data(logs[i]);
        if (p) {
            check(p);
            n++;
        }
    }
    if (!n) {
        print_message("skipped: no MCAP in $SP_TEST_DATA/mcap\n");
        skip();
    }
}

static void test_info_rosbag2(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    if (!have_cli())
        skip();
    const char *p = iot_data("rosbag2/nebula_vlp16");
    if (!p) {
        print_message("skipped: $SP_TEST_DATA/rosbag2/nebula_vlp16 is "
                      "missing\n");
        skip();
    }
    check(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_ros1),
        cmocka_unit_test(test_info_mcap),
        cmocka_unit_test(test_info_rosbag2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
