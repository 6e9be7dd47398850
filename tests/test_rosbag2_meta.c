/* ctest-label: io */
/* rosbag2's metadata.yaml (io/rosbag2_meta.c): the fuzz seeds (real files
 * from nebula's bags and hand-written ones for versions 3 to 9, flow style,
 * anchors) parse to what they say; each bad value is refused with the file,
 * line and column; the probe's sniff; and through sp_log_open(), a bag
 * folder's bad metadata.yaml, a listed file that is missing, storage mcap
 * (read by the MCAP container; see test_log_rosbag2's real folders) and
 * version 3's paths from the folder's parent. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rosbag2_int.h"
#include "sp_iotest.h"
#include "sp_log.h"

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *n = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static int parse_file(const char *path, sp__r2_meta *m)
{
    size_t n;
    char *t = slurp(path, &n);
    int rc = sp__r2_meta_parse(t, n, "meta.yaml", m);
    free(t);
    return rc;
}

static void corpus(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s", __FILE__);
    char *slash = strrchr(buf, '/');
    size_t at = slash ? (size_t)(slash + 1 - buf) : 0;
    snprintf(buf + at, cap - at, "fuzz/corpus/rosbag2_meta/%s", name);
}

static void test_seeds(void **state)
{
    (void)state;
    char dir[1024];
    corpus(dir, sizeof dir, "");
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s%s", dir, e->d_name);
        sp__r2_meta m;
        if (parse_file(p, &m) != SP_OK)
            fail_msg("%s: %s", e->d_name, sp_errmsg());
        size_t n;
        char *t = slurp(p, &n);
        assert_int_equal(sp__r2_meta_sniff(t, n), 1);
        free(t);
        sp__r2_meta_free(&m);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 10);

    sp__r2_meta m;
    corpus(dir, sizeof dir, "real_nebula_vlp16.yaml");
    assert_int_equal(parse_file(dir, &m), SP_OK);
    assert_int_equal(m.version, 5);
    assert_int_equal(m.storage, SP__R2_SQLITE3);
    assert_int_equal(m.compression, SP__R2_COMP_NONE);
    assert_int_equal(m.starting_time, 1673400471837873222LL);
    assert_int_equal(m.duration, 300143486);
    assert_int_equal(m.message_count, 4);
    assert_int_equal(m.npaths, 1);
    assert_string_equal(m.paths[0], "1673400471837873222_0.db3");
    assert_int_equal(m.ntopics, 1);
    assert_string_equal(m.topics[0].name, "/velodyne_packets");
    assert_string_equal(m.topics[0].type, "velodyne_msgs/msg/VelodyneScan");
    assert_string_equal(m.topics[0].serialization_format, "cdr");
    assert_int_equal(m.topics[0].message_count, 4);
    assert_int_equal(m.nfiles, 1);
    assert_int_equal(m.files[0].message_count, 4);
    sp__r2_meta_free(&m);

    corpus(dir, sizeof dir, "v9_qos_list.yaml");
    assert_int_equal(parse_file(dir, &m), SP_OK);
    assert_int_equal(m.version, 9);
    assert_int_equal(m.npaths, 2);
    assert_string_equal(m.paths[1], "a_1.db3");
    assert_int_equal(m.ntopics, 3);
    assert_string_equal(m.ros_distro, "jazzy");
    sp__r2_meta_free(&m);

    corpus(dir, sizeof dir, "v6_file_zstd.yaml");
    assert_int_equal(parse_file(dir, &m), SP_OK);
    assert_int_equal(m.compression, SP__R2_COMP_FILE);
    sp__r2_meta_free(&m);
    corpus(dir, sizeof dir, "v7_message_zstd.yaml");
    assert_int_equal(parse_file(dir, &m), SP_OK);
    assert_int_equal(m.compression, SP__R2_COMP_MESSAGE);
    sp__r2_meta_free(&m);
    corpus(dir, sizeof dir, "v9_mcap.yaml");
    assert_int_equal(parse_file(dir, &m), SP_OK);
    assert_int_equal(m.storage, SP__R2_MCAP);
    sp__r2_meta_free(&m);
    corpus(dir, sizeof dir, "flow_style_anchors.yaml");
    assert_int_equal(parse_file(dir, &m), SP_OK);
    assert_int_equal(m.starting_time, INT64_MAX);
    assert_int_equal(m.nfiles, 1);
    assert_int_equal(m.ntopics, 0);
    sp__r2_meta_free(&m);
}

typedef struct bad_case {
    const char *text;
    int status;
    const char *what; /* "line L, column C: ..." */
} bad_case;

#define HEAD "rosbag2_bagfile_information:\n"
#define OK_STORAGE "  storage_identifier: sqlite3\n"
#define OK_PATHS "  relative_file_paths:\n    - a_0.db3\n"

static void test_bad_values(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"", SP_EFORMAT, "meta.yaml: empty, expected rosbag2_bagfile_"},
        {"something: 1\n", SP_EFORMAT,
         "line 1, column 1: no rosbag2_bagfile_information key"},
        {HEAD "  version: [1\n", SP_EFORMAT, "not valid YAML"},
        {HEAD "  version: five\n" OK_STORAGE OK_PATHS, SP_EFORMAT,
         "line 2, column 12: version 'five' is not an integer, expected the "
         "metadata version"},
        {HEAD "  version: 0\n" OK_STORAGE OK_PATHS, SP_EFORMAT,
         "line 2, column 12: version 0 is out of range"},
        {HEAD OK_STORAGE OK_PATHS, SP_EFORMAT,
         "line 2, column 3: rosbag2_bagfile_information has no version"},
        {HEAD "  version: 5\n  storage_identifier: rocksdb\n" OK_PATHS,
         SP_EUNSUPPORTED,
         "line 3, column 23: storage_identifier 'rocksdb', expected sqlite3 "
         "or mcap"},
        {HEAD "  version: 5\n" OK_STORAGE, SP_EFORMAT,
         "has no relative_file_paths"},
        {HEAD "  version: 5\n" OK_STORAGE "  relative_file_paths: []\n",
         SP_EFORMAT,
         "line 4, column 24: relative_file_paths is empty, expected the "
         "bag's storage files"},
        {HEAD "  version: 5\n" OK_STORAGE "  relative_file_paths: a.db3\n",
         SP_EFORMAT, "relative_file_paths is a scalar, expected a list"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  compression_format: zstd\n  compression_mode: SOMETIMES\n",
         SP_EFORMAT,
         "line 7, column 21: compression_mode 'SOMETIMES', expected \"\", "
         "NONE, FILE or MESSAGE"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  compression_format: lz4\n  compression_mode: FILE\n",
         SP_EUNSUPPORTED, "compression_format 'lz4': only zstd is read"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  compression_mode: MESSAGE\n",
         SP_EFORMAT,
         "compression_mode MESSAGE but compression_format is "
         "empty"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  starting_time:\n    nanoseconds_since_epoch: soon\n",
         SP_EFORMAT,
         "line 7, column 30: starting_time.nanoseconds_since_epoch 'soon' "
         "is not an integer"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  duration:\n    nanoseconds: 99999999999999999999\n",
         SP_EFORMAT,
         "duration.nanoseconds 99999999999999999999 is out of "
         "range"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS "  duration: 5\n",
         SP_EFORMAT,
         "line 6, column 13: duration is a scalar, expected a "
         "mapping"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS "  message_count: -3\n",
         SP_EFORMAT, "message_count -3 is out of range"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  topics_with_message_count:\n    - topic_metadata:\n"
              "        type: std_msgs/msg/String\n      message_count: 1\n",
         SP_EFORMAT,
         "line 8, column 9: topics_with_message_count[0].topic_metadata has "
         "no name"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  topics_with_message_count:\n    - message_count: 1\n",
         SP_EFORMAT, "topics_with_message_count[0] has no topic_metadata"},
        {HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  files:\n    - path: a_0.db3\n      message_count: 1.5\n",
         SP_EFORMAT,
         "line 8, column 22: files[0].message_count '1.5' is not an "
         "integer"},
        {HEAD "  version: 5\n" OK_STORAGE
              "  relative_file_paths:\n    - \"a\\0b.db3\"\n",
         SP_EFORMAT, "relative_file_paths[0] holds a NUL character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        sp__r2_meta m;
        int rc = sp__r2_meta_parse(c->text, strlen(c->text), "meta.yaml", &m);
        if (rc != c->status || !strstr(sp_errmsg(), c->what))
            fail_msg("case %zu: %s: %s\nexpected %s: ...%s", i,
                     sp_status_name(rc), sp_errmsg(), sp_status_name(c->status),
                     c->what);
        sp__r2_meta_free(&m);
    }
    /* Unknown keys and their content are skipped. */
    const char *ok = HEAD "  version: 5\n" OK_STORAGE OK_PATHS
                          "  custom_data: {a: [1, {b: *x}]}\n";
    sp__r2_meta m;
    assert_int_equal(sp__r2_meta_parse(ok, strlen(ok), "meta.yaml", &m),
                     SP_EFORMAT); /* an undefined alias is not YAML */
    sp__r2_meta_free(&m);
    ok = HEAD "  version: 5\n" OK_STORAGE OK_PATHS
              "  future_key: {a: [1, {b: 2}]}\n  compression_mode: none\n";
    assert_int_equal(sp__r2_meta_parse(ok, strlen(ok), "meta.yaml", &m), SP_OK);
    assert_int_equal(m.compression, SP__R2_COMP_NONE);
    sp__r2_meta_free(&m);
}

static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"rosbag2_bagfile_information:\n", 1},
        {"\xEF\xBB\xBF# comment\n\n---\nrosbag2_bagfile_information :\n", 1},
        {"%YAML 1.1\n--- # doc\nrosbag2_bagfile_information:", 1},
        {"rosbag2_bagfile_informations:\n", 0},
        {"other: 1\nrosbag2_bagfile_information:\n", 0},
        {"rosbag2_bagfile_information", 0},
        {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (sp__r2_meta_sniff(cases[i].text, strlen(cases[i].text)) !=
            cases[i].want)
            fail_msg("sniff case %zu", i);
}

/* A bag folder of one real .db3 (a symbolic link) and @p meta. */
static const char *bag_with(const char *name, const char *rel, const char *meta)
{
    const char *db = iot_data("rosbag2/nebula_vlp16/1673400471837873222_0.db3");
    if (!db)
        return NULL;
    char dir[1024], p[2048];
    snprintf(dir, sizeof dir, "%s", iot_tmp(name));
    iot_rmdir(dir);
    iot_mkdirs(dir);
    if (rel) {
        snprintf(p, sizeof p, "%s/%s", dir, rel);
        char *slash = strrchr(p, '/');
        *slash = '\0';
        iot_mkdirs(p);
        *slash = '/';
        assert_int_equal(symlink(db, p), 0);
    }
    snprintf(p, sizeof p, "%s/metadata.yaml", dir);
    iot_write_str(p, meta);
    return iot_tmp(name);
}

static void test_open_errors(void **state)
{
    (void)state;
    const char *bag = bag_with("badmeta", "x_0.db3",
                               HEAD "  version: five\n" OK_STORAGE
                                    "  relative_file_paths: [x_0.db3]\n");
    if (!bag)
        skip();
    sp_log *log;
    assert_int_equal(sp_log_probe(bag), 1);
    assert_int_equal(sp_log_open(bag, NULL, &log), SP_EFORMAT);
    assert_null(log);
    iot_msg_has("badmeta/metadata.yaml: line 2, column 12: version 'five'",
                NULL);

    bag = bag_with("missing", "x_0.db3",
                   HEAD "  version: 5\n" OK_STORAGE
                        "  relative_file_paths: [nope_0.db3]\n");
    assert_int_equal(sp_log_open(bag, NULL, &log), SP_EFORMAT);
    iot_msg_has("missing/metadata.yaml: none of the 1 files it lists is "
                "there (nope_0.db3)",
                NULL);

    /* One of two files missing: the other's messages, then the error. */
    bag = bag_with("onemissing", "x_0.db3",
                   HEAD "  version: 5\n" OK_STORAGE
                        "  relative_file_paths: [x_0.db3, x_1.db3]\n");
    assert_int_equal(sp_log_open(bag, NULL, &log), SP_OK);
    sp_log_msg msg;
    for (int i = 0; i < 4; i++)
        assert_int_equal(sp_log_next(log, &msg), SP_OK);
    assert_int_equal(sp_log_next(log, &msg), SP_EFORMAT);
    iot_msg_has("onemissing/metadata.yaml lists x_1.db3, but ",
                "x_1.db3 is missing", NULL);
    sp_log_destroy(log);

    bag = bag_with("mcap", NULL,
                   HEAD "  version: 9\n  storage_identifier: mcap\n"
                        "  relative_file_paths: [x_0.mcap]\n");
    /* Storage mcap: the MCAP container reads the listed files. */
    assert_int_equal(sp_log_open(bag, NULL, &log), SP_ENOTFOUND);
    iot_msg_has("x_0.mcap", NULL);

    /* Version 3 named files from the bag folder's parent. */
    bag = bag_with("v3bag", "v3bag_0.db3",
                   HEAD "  version: 3\n" OK_STORAGE
                        "  relative_file_paths: [v3bag/v3bag_0.db3]\n"
                        "  message_count: 4\n");
    char slashed[1100];
    snprintf(slashed, sizeof slashed, "%s//", bag);
    assert_int_equal(sp_log_open(slashed, NULL, &log), SP_OK);
    assert_int_equal(sp_log_info_get(log)->messages, 4);
    assert_string_equal(sp_log_info_get(log)->version, "3");
    assert_null(strstr(sp_log_info_get(log)->note, "metadata.yaml says"));
    sp_log_destroy(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests_name("rosbag2_meta", tests, NULL, NULL);
}
