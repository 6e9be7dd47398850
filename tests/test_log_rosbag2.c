/* ctest-label: io */
/* ctest-timeout: 120 */
/* The rosbag2 container (io/rosbag2*.c) through sp_log.h: the real bags in
 * $SP_TEST_DATA (nebula's VLP-16, Pandar64 and VLS-128 recordings) and
 * fixtures written by tests/oracles/rosbag2_oracle.py (Python's sqlite3,
 * libzstd through ctypes, the zstd command), every message compared with
 * what that independent reader reads (topic, time, size, row, SHA-1 of the
 * bytes); selection, read-only use of the user's files, odd paths, and no
 * heap allocation per message after warm-up. Damage:
 * test_log_rosbag2_damage.c. */
#include <dirent.h>
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
#include "rosbag2_test.h"

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t1.tv_nsec - t0->tv_nsec) * 1e-6;
}

/* ---- real bags ---- */

static void test_nebula_vlp16(void **state)
{
    (void)state;
    const char *bag = iot_data("rosbag2/nebula_vlp16");
    if (!bag)
        skip();
    assert_int_equal(sp_log_probe(bag), 1);
    sp_log *log;
    assert_int_equal(sp_log_open(bag, NULL, &log), SP_OK);
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->container, "rosbag2");
    assert_string_equal(li->version, "5");
    assert_string_equal(li->profile, "sqlite3");
    assert_string_equal(li->compression, "none");
    assert_non_null(strstr(li->note, "sqlite schema 3 (humble)"));
    assert_int_equal(li->nfiles, 1);
    assert_int_equal(li->messages, 4);
    assert_int_equal(li->indexed, 1);
    assert_int_equal(li->t_start, 1673400471837873222LL);
    assert_int_equal(sp_log_topic_count(log), 1);
    const sp_log_topic *t = sp_log_topic_at(log, 0);
    assert_string_equal(t->name, "/velodyne_packets");
    assert_string_equal(t->type, "velodyne_msgs/msg/VelodyneScan");
    assert_string_equal(t->encoding, "cdr");
    assert_string_equal(t->schema, "");
    assert_int_equal(t->count, 4);
    sp_log_msg m;
    assert_int_equal(sp_log_next(log, &m), SP_OK);
    assert_int_equal(m.size, 183648);
    assert_int_equal(m.offset, 1); /* the row id */
    assert_non_null(strstr(m.file, "1673400471837873222_0.db3"));
    sp_log_destroy(log);
    r2t_check_oracle(bag, NULL, SP_LOG_ORDER_TIME);
}

static void test_nebula_bags(void **state)
{
    (void)state;
    const char *root = iot_data("lidar_packets/nebula");
    if (!root)
        skip();
    const char *subs[2] = {"hesai_pandar64", "velodyne_vls128"};
    int seen = 0;
    for (int s = 0; s < 2; s++) {
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/%s", root, subs[s]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strstr(e->d_name, ".pcd"))
                continue;
            char bag[2400];
            snprintf(bag, sizeof bag, "%s/%s", dir, e->d_name);
            struct timespec t0;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            sp_log *log;
            assert_int_equal(sp_log_open(bag, NULL, &log), SP_OK);
            double open_ms = ms_since(&t0);
            const sp_log_info *li = sp_log_info_get(log);
            assert_int_equal(li->messages, 4);
            /* VLS-128's bag records an empty serialization_format: rosbag2
             * reads that as its default, cdr. */
            assert_string_equal(sp_log_topic_at(log, 0)->encoding, "cdr");
            clock_gettime(CLOCK_MONOTONIC, &t0);
            size_t n;
            assert_int_equal(r2t_read_all(log, NULL, &n), SP_EOS);
            print_message("%s/%s: open %.2f ms, 4 messages read in %.2f ms\n",
                          subs[s], e->d_name, open_ms, ms_since(&t0));
            sp_log_destroy(log);
            r2t_check_oracle(bag, NULL, SP_LOG_ORDER_TIME);
            seen++;
        }
        closedir(d);
    }
    assert_int_equal(seen, 2);
}

static void test_single_db3_and_probe(void **state)
{
    (void)state;
    const char *db = iot_data("rosbag2/nebula_vlp16/1673400471837873222_0.db3");
    if (!db)
        skip();
    sp_log *log;
    assert_int_equal(sp_log_open(db, NULL, &log), SP_OK);
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->version, "");
    assert_non_null(strstr(li->note, "one .db3 file, no metadata.yaml"));
    sp_log_destroy(log);
    r2t_check_oracle(db, NULL, SP_LOG_ORDER_TIME);

    /* Not rosbag2: a text file named .db3, an SQLite database without the
     * tables, a folder whose metadata.yaml is something else. */
    const char *txt = iot_tmp("probe/not.db3");
    iot_mkdirs(iot_tmp("probe/other"));
    iot_write_str(txt, "SQLite format 2, not really\n");
    assert_int_equal(sp_log_probe(txt), 0);
    char cmd[2048];
    const char *empty = iot_tmp("probe/empty.db3");
    remove(empty);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import sqlite3; c = sqlite3.connect('%s'); "
             "c.execute('CREATE TABLE topics(id)'); c.commit()\"",
             empty);
    if (system(cmd) == 0)
        assert_int_equal(sp_log_probe(empty), 0);
    iot_write_str(iot_tmp("probe/other/metadata.yaml"),
                  "# a comment\nsomething_else:\n  version: 5\n");
    assert_int_equal(sp_log_probe(iot_tmp("probe/other")), 0);
    assert_int_equal(sp_log_open(iot_tmp("probe/other"), NULL, &log),
                     SP_EUNSUPPORTED);
    assert_null(log);
}

/* ---- fixtures ---- */

static void test_multi_file(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    const char *bag = r2t_fixture("multi");
    sp_log *log;
    assert_int_equal(sp_log_open(bag, NULL, &log), SP_OK);
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->version, "9");
    assert_int_equal(li->nfiles, 3);
    assert_int_equal(li->messages, 30);
    assert_non_null(strstr(li->note, "3 files in its order"));
    assert_int_equal(sp_log_topic_count(log), 3);
    /* Topics by name and type across files whose topic ids differ. */
    assert_int_equal(sp_log_topic_at(log, 0)->count, 12);
    assert_int_equal(sp_log_topic_at(log, 1)->count, 11);
    assert_int_equal(sp_log_topic_at(log, 2)->count, 7);
    /* Schema text from message_definitions (the first file's schema 4). */
    assert_string_equal(sp_log_topic_at(log, 1)->schema, "string data\n");
    assert_string_equal(sp_log_topic_at(log, 0)->schema, "");
    /* File order is metadata.yaml's (b_0, a_1, c_2), not the names'. */
    sp_log_filter f = {.order = SP_LOG_ORDER_FILE};
    assert_int_equal(sp_log_select(log, &f), SP_OK);
    sp_log_msg m;
    const char *want[3] = {"b_0.db3", "a_1.db3", "c_2.db3"};
    int k = 0;
    for (size_t i = 0; i < 30; i++) {
        assert_int_equal(sp_log_next(log, &m), SP_OK);
        if (i == 0 || i == 12 || i == 22)
            assert_non_null(strstr(m.file, want[k++]));
    }
    assert_int_equal(sp_log_next(log, &m), SP_EOS);
    /* One message read out of turn. */
    assert_int_equal(sp_log_read_at(log, 0, 11, &m), SP_OK);
    assert_int_equal(m.topic, 0);
    assert_int_equal(m.index, 11);
    assert_int_equal(sp_log_read_at(log, 0, 12, &m), SP_ERANGE);
    sp_log_destroy(log);
    assert_int_equal(r2t_check_oracle(bag, NULL, SP_LOG_ORDER_TIME), 30);
    assert_int_equal(r2t_check_oracle(bag, NULL, SP_LOG_ORDER_FILE), 30);
}

static void test_message_zstd(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    sp_log *log;
    assert_int_equal(sp_log_open(r2t_fixture("msgzstd"), NULL, &log), SP_OK);
    assert_string_equal(sp_log_info_get(log)->compression, "zstd (message)");
    sp_log_destroy(log);
    assert_int_equal(
        r2t_check_oracle(r2t_fixture("msgzstd"), NULL, SP_LOG_ORDER_TIME), 18);
    /* Without metadata.yaml, the first message's zstd magic tells. */
    assert_int_equal(sp_log_open(r2t_fixture("single_zstd.db3"), NULL, &log),
                     SP_OK);
    assert_string_equal(sp_log_info_get(log)->compression, "zstd (message)");
    sp_log_destroy(log);
    assert_int_equal(r2t_check_oracle(r2t_fixture("single_zstd.db3"), NULL,
                                      SP_LOG_ORDER_TIME),
                     6);
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static void test_file_zstd(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    /* The decompressed copies go under $TMPDIR and never stay there. */
    const char *tmpdir = iot_tmp("tmpdir");
    iot_rmdir(tmpdir);
    iot_mkdirs(tmpdir);
    char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", tmpdir, 1);
    sp_log *log;
    assert_int_equal(sp_log_open(r2t_fixture("filezstd"), NULL, &log), SP_OK);
    assert_int_equal(count_files(tmpdir), 0);
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->compression, "zstd (file)");
    assert_non_null(strstr(li->note, "decompressed from f_0.db3.zstd"));
    sp_log_msg m;
    assert_int_equal(sp_log_next(log, &m), SP_OK);
    assert_non_null(strstr(m.file, "filezstd/f_0.db3.zstd"));
    sp_log_destroy(log);
    assert_int_equal(
        r2t_check_oracle(r2t_fixture("filezstd"), NULL, SP_LOG_ORDER_TIME), 14);

    /* A .db3.zstd alone. */
    char one[1200];
    snprintf(one, sizeof one, "%s/f_1.db3.zstd", r2t_fixture("filezstd"));
    assert_int_equal(sp_log_probe(one), 1);
    assert_int_equal(sp_log_open(one, NULL, &log), SP_OK);
    assert_int_equal(sp_log_info_get(log)->messages, 7);
    sp_log_destroy(log);

    /* Cut short: the first file's messages, then the error. */
    assert_int_equal(sp_log_open(r2t_fixture("dmg_filezstd"), NULL, &log),
                     SP_OK);
    size_t n;
    assert_int_equal(r2t_read_all(log, NULL, &n), SP_EFORMAT);
    assert_int_equal(n, 7);
    iot_msg_has("f_1.db3.zstd: byte ", "ends inside a zstd frame", NULL);
    assert_null(strstr(sp_errmsg(), tmpdir));
    sp_log_destroy(log);
    assert_int_equal(count_files(tmpdir), 0);
    if (old) {
        setenv("TMPDIR", old, 1);
        free(old);
    } else {
        unsetenv("TMPDIR");
    }
}

static void test_no_metadata(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    sp_log *log;
    assert_int_equal(sp_log_probe(r2t_fixture("nometa")), 1);
    assert_int_equal(sp_log_open(r2t_fixture("nometa"), NULL, &log), SP_OK);
    assert_non_null(strstr(sp_log_info_get(log)->note,
                           "no metadata.yaml: 2 .db3 files read in name "
                           "order"));
    sp_log_destroy(log);
    assert_int_equal(
        r2t_check_oracle(r2t_fixture("nometa"), NULL, SP_LOG_ORDER_FILE), 10);
    assert_int_equal(
        r2t_check_oracle(r2t_fixture("nometa"), NULL, SP_LOG_ORDER_TIME), 10);
}

/* SQLite opens the file through an URI: characters that mean something
 * there ('?', '#', '%') and a path starting "//" are escaped. */
static void test_odd_path(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    const char *dir = iot_tmp("odd ?name#1 %20x");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char link[1200], target[1200];
    snprintf(link, sizeof link, "%s/a ?b.db3", dir);
    snprintf(target, sizeof target, "%s/n_0.db3", r2t_fixture("nometa"));
    assert_int_equal(symlink(target, link), 0);
    sp_log *log;
    if (sp_log_open(link, NULL, &log) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_log_info_get(log)->messages, 5);
    sp_log_destroy(log);
    char slashes[1300];
    snprintf(slashes, sizeof slashes, "/%s", link);
    if (link[0] == '/') {
        assert_int_equal(sp_log_open(slashes, NULL, &log), SP_OK);
        sp_log_destroy(log);
    }
}

/* ---- selection ---- */

static size_t count_sel(sp_log *log, const sp_log_filter *f, int64_t *first,
                        int64_t *last)
{
    assert_int_equal(sp_log_select(log, f), SP_OK);
    sp_log_msg m;
    size_t n = 0;
    int64_t prev = INT64_MIN;
    while (sp_log_next(log, &m) == SP_OK) {
        assert_true(sp_log_topic_selected(log, m.topic, f));
        if (f->order == SP_LOG_ORDER_TIME)
            assert_true(m.log_time >= prev);
        prev = m.log_time;
        if (n == 0 && first)
            *first = m.log_time;
        if (last)
            *last = m.log_time;
        n++;
    }
    return n;
}

static void test_selection(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    sp_log *log;
    assert_int_equal(sp_log_open(r2t_fixture("multi"), NULL, &log), SP_OK);
    const int64_t t0 = 1700000000000000000LL;
    assert_int_equal(sp_log_info_get(log)->t_start, t0);
    sp_log_filter f = {.topics = "/points"};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 12);
    f = (sp_log_filter){.topics = "/imu, /chatter"};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 18);
    f = (sp_log_filter){.topics = "/c*"};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 11);
    f = (sp_log_filter){.types = "sensor_msgs/PointCloud2"};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 12);
    f = (sp_log_filter){.types = "sensor_msgs/msg/PointCloud2"};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 12);
    f = (sp_log_filter){.types = "sensor_msgs/*"};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 19);
    /* A window [20 ms, 50 ms] from the start, inclusive. */
    int64_t a, b;
    f = (sp_log_filter){
        .has_start = 1, .start_ns = 20000000, .has_end = 1, .end_ns = 50000000};
    assert_int_equal(count_sel(log, &f, &a, &b), 16);
    assert_int_equal(a, t0 + 20000000);
    assert_int_equal(b, t0 + 50000000);
    f.count = 5;
    assert_int_equal(count_sel(log, &f, &a, &b), 5);
    f = (sp_log_filter){
        .topics = "/points", .count = 3, .order = SP_LOG_ORDER_FILE};
    assert_int_equal(count_sel(log, &f, NULL, NULL), 3);
    f = (sp_log_filter){.has_start = 1, .start_ns = 5, .has_end = 1};
    assert_int_equal(sp_log_select(log, &f), SP_EINVAL);
    sp_log_destroy(log);
}

/* The user's files are never written to: a read-only folder opens, and no
 * -journal, -wal or -shm appears. */
static void test_read_only(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    const char *dir = r2t_fixture("multi");
    size_t before = count_files(dir);
    assert_int_equal(chmod(dir, 0555), 0);
    sp_log *log;
    int rc = sp_log_open(dir, NULL, &log);
    size_t n = 0;
    if (rc == SP_OK) {
        rc = r2t_read_all(log, NULL, &n);
        sp_log_destroy(log);
    }
    chmod(dir, 0755);
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(n, 30);
    assert_int_equal(count_files(dir), before);
}

/* ---- allocation ---- */

#ifndef SP_TEST_ASAN
static uint64_t allocs_of_one_pass(sp_log *log)
{
    assert_int_equal(sp_log_select(log, NULL), SP_OK);
    uint64_t before = sp_test_alloc_calls();
    size_t n;
    assert_int_equal(r2t_read_all(log, NULL, &n), SP_EOS);
    return sp_test_alloc_calls() - before;
}
#endif

static void test_no_alloc_per_message(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip(); /* AddressSanitizer owns malloc */
#else
    if (!sp_test_alloc_available())
        skip();
    const char *bags[4] = {iot_data("lidar_packets/nebula/hesai_pandar64/"
                                    "1673403880599376836"),
                           r2t_have_fixtures() ? r2t_fixture("multi") : NULL,
                           r2t_have_fixtures() ? r2t_fixture("msgzstd") : NULL,
                           r2t_have_fixtures() ? r2t_fixture("filezstd")
                                               : NULL};
    int tried = 0;
    for (int i = 0; i < 4; i++) {
        if (!bags[i])
            continue;
        sp_log *log;
        assert_int_equal(sp_log_open(bags[i], NULL, &log), SP_OK);
        uint64_t warm = allocs_of_one_pass(log); /* blobs, pages, staging */
        uint64_t again = allocs_of_one_pass(log);
        print_message("%s: %llu allocations in the first pass, %llu in "
                      "the second\n",
                      bags[i], (unsigned long long)warm,
                      (unsigned long long)again);
        assert_int_equal(again, 0);
        sp_log_destroy(log);
        tried++;
    }
    if (!tried)
        skip();
#endif
}

/* The rosbag2 folders whose storage is MCAP (ros2 bag record's default
 * since Iron): the folder reads as its .mcap file does, message for
 * message, and says it is a rosbag2 bag of MCAP storage. */
static void test_mcap_storage(void **state)
{
    (void)state;
    static const char *const bags[][2] = {
        {"mcap/synthetic_rosbag2_talker_zstd", "talker.mcap"},
        {"mcap/synthetic_rosbag2_cdr_test_none", "cdr_test_0.mcap"}};
    for (size_t b = 0; b < 2; b++) {
        const char *dir = iot_data(bags[b][0]);
        if (!dir)
            skip();
        char file[1024];
        snprintf(file, sizeof file, "%s/%s", dir, bags[b][1]);
        sp_log *folder = NULL, *mcap = NULL;
        assert_int_equal(sp_log_open(dir, NULL, &folder), SP_OK);
        assert_int_equal(sp_log_open(file, NULL, &mcap), SP_OK);
        const sp_log_info *fi = sp_log_info_get(folder);
        assert_string_equal(fi->container, "rosbag2");
        assert_string_equal(fi->profile, "mcap");
        assert_string_equal(sp_log_info_get(mcap)->container, "mcap");
        assert_true(fi->messages > 0);
        assert_int_equal(fi->messages, sp_log_info_get(mcap)->messages);
        assert_int_equal(sp_log_topic_count(folder), sp_log_topic_count(mcap));
        sp_log_msg a, m;
        uint64_t n = 0;
        int ra, rm;
        while ((ra = sp_log_next(folder, &a)) == SP_OK) {
            rm = sp_log_next(mcap, &m);
            assert_int_equal(rm, SP_OK);
            assert_string_equal(sp_log_topic_at(folder, a.topic)->name,
                                sp_log_topic_at(mcap, m.topic)->name);
            assert_int_equal(a.log_time, m.log_time);
            assert_int_equal(a.size, m.size);
            assert_memory_equal(a.data, m.data, a.size);
            n++;
        }
        assert_int_equal(ra, SP_EOS);
        assert_int_equal(sp_log_next(mcap, &m), SP_EOS);
        assert_int_equal(n, fi->messages);
        sp_log_destroy(folder);
        sp_log_destroy(mcap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nebula_vlp16),
        cmocka_unit_test(test_nebula_bags),
        cmocka_unit_test(test_single_db3_and_probe),
        cmocka_unit_test(test_multi_file),
        cmocka_unit_test(test_message_zstd),
        cmocka_unit_test(test_file_zstd),
        cmocka_unit_test(test_no_metadata),
        cmocka_unit_test(test_odd_path),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_no_alloc_per_message),
        cmocka_unit_test(test_mcap_storage),
    };
    return cmocka_run_group_tests_name("log_rosbag2", tests, r2t_setup, NULL);
}
