/* ctest-label: io */
/* ctest-timeout: 120 */
/* Damaged rosbag2 bags (io/rosbag2*.c) through sp_log.h, on fixtures
 * written by tests/oracles/rosbag2_oracle.py: each kind of damage delivers
 * the messages before it and then fails with the file, the row and the
 * topic (and again when asked again); with skip_damaged the damaged rows
 * and files are listed and the rest is read. Also: a write-ahead log left
 * beside a .db3, and a message larger than the pool budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rosbag2_test.h"
#include "sp_iotest.h"
#include "sp_log.h"

/* SQLite ignores the write-ahead log of an immutable file: a recording
 * that was not closed says what it leaves out. */
static void test_wal_left_out(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    char db[1200];
    snprintf(db, sizeof db, "%s/w_0.db3", r2t_fixture("wal"));
    sp_log *log;
    assert_int_equal(sp_log_open(db, NULL, &log), SP_OK);
    size_t n;
    assert_int_equal(r2t_read_all(log, NULL, &n), SP_EOS);
    assert_int_equal(n, 3);
    char text[1024];
    assert_int_equal(sp_log_skipped(log, text, sizeof text), 1);
    assert_non_null(strstr(text, "w_0.db3-wal: "));
    assert_non_null(strstr(text, "not yet merged into the database"));
    sp_log_destroy(log);
}

/* ---- damage ---- */

typedef struct damage_case {
    const char *bag;
    size_t before;     /* messages delivered before the error */
    size_t good;       /* messages delivered with skip_damaged */
    const char *what1; /* substrings of the message */
    const char *what2;
} damage_case;

static void test_damage(void **state)
{
    (void)state;
    R2T_NEED_FIXTURES();
    static const damage_case cases[] = {
        {"dmg_tables", 6, 6,
         "x_1.db3: an SQLite database without a "
         "messages table",
         "expected a rosbag2 .db3"},
        /* Rows whose data is not a blob fail in their place. */
        {"dmg_null", 6, 10, "x_1.db3: row 3: topic /points: data is null",
         "expected a blob"},
        {"dmg_topic", 10, 10, "x_1.db3: row 4: topic_id 42 is not an id",
         "expected one of its 2 ids"},
        {"dmg_notdb", 6, 6, "x_1.db3: file is not a database",
         "not an SQLite database"},
        {"dmg_trunc", 31, 31, "x_1.db3: row 26: topic /chatter: data",
         "database disk image is malformed"},
        {"dmg_zstd", 1, 1,
         "x_1.db3: row 2: topic /chatter: 24 bytes: not a "
         "zstd frame",
         "expected a zstd-compressed message (compression_mode MESSAGE)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const damage_case *c = &cases[i];
        sp_log *log;
        if (sp_log_open(r2t_fixture(c->bag), NULL, &log) != SP_OK)
            fail_msg("%s: %s", c->bag, sp_errmsg());
        size_t n;
        int rc = r2t_read_all(log, NULL, &n);
        if (rc != SP_EFORMAT || n != c->before)
            fail_msg("%s: %s after %zu messages: %s", c->bag,
                     sp_status_name(rc), n, sp_errmsg());
        iot_msg_has(c->what1, c->what2, NULL);
        /* Latched: asked again, the same error. */
        sp_log_msg m;
        assert_int_equal(sp_log_next(log, &m), SP_EFORMAT);
        iot_msg_has(c->what1, NULL);
        sp_log_destroy(log);

        sp_log_desc d = {.skip_damaged = 1};
        assert_int_equal(sp_log_open(r2t_fixture(c->bag), &d, &log), SP_OK);
        rc = r2t_read_all(log, NULL, &n);
        if (rc != SP_EOS || n != c->good)
            fail_msg("%s, skip_damaged: %s after %zu messages: %s", c->bag,
                     sp_status_name(rc), n, sp_errmsg());
        char text[4096];
        assert_true(sp_log_skipped(log, text, sizeof text) >= 1);
        if (!strstr(text, c->what1))
            fail_msg("%s: skipped list lacks '%s':\n%s", c->bag, c->what1,
                     text);
        sp_log_destroy(log);
    }
    /* Each damaged row of the index is listed, with its topic. */
    sp_log_desc d = {.skip_damaged = 1};
    sp_log *log;
    char text[4096];
    assert_int_equal(sp_log_open(r2t_fixture("dmg_topic"), &d, &log), SP_OK);
    assert_int_equal(sp_log_skipped(log, text, sizeof text), 2);
    assert_non_null(strstr(text, "x_1.db3: row 5: topic /points: timestamp "
                                 "is not an integer"));
    sp_log_destroy(log);
    /* The truncation itself is named (with skip_damaged, in the list). */
    assert_int_equal(sp_log_open(r2t_fixture("dmg_trunc"), &d, &log), SP_OK);
    sp_log_skipped(log, text, sizeof text);
    assert_non_null(strstr(text, "the file ends there, but its header says"));
    sp_log_destroy(log);
    /* A frame cut short: the decoder's message, with the row and topic. */
    assert_int_equal(sp_log_open(r2t_fixture("dmg_zstd"), &d, &log), SP_OK);
    size_t n;
    assert_int_equal(r2t_read_all(log, NULL, &n), SP_EOS);
    assert_int_equal(sp_log_skipped(log, text, sizeof text), 3);
    assert_non_null(strstr(text, "x_1.db3: row 3: topic /points: zstd"));
    /* A header that lies about the size is refused before any staging. */
    assert_non_null(strstr(text, "x_1.db3: row 4: topic /chatter: 16 bytes: "
                                 "a zstd frame whose header says it holds "
                                 "more than its bytes can"));
    sp_log_destroy(log);
}

/* A message larger than the pool budget: the budget's refusal names the
 * file, the row and the topic. */
static void test_budget(void **state)
{
    (void)state;
    const char *bag =
        iot_data("lidar_packets/nebula/hesai_pandar64/1673403880599376836");
    if (!bag)
        skip();
    sp_poolmgr_desc pd = {.budget_bytes = 256 << 10};
    sp_poolmgr *mgr;
    assert_int_equal(sp_poolmgr_create(&pd, &mgr), SP_OK);
    sp_log_desc d = {.mgr = mgr};
    sp_log *log;
    assert_int_equal(sp_log_open(bag, &d, &log), SP_OK);
    sp_log_msg m;
    int rc = sp_log_next(log, &m);
    assert_true(rc == SP_EBUDGET || rc == SP_ENOMEM);
    iot_msg_has("1673403880599376836_0.db3: row 1: topic /pandar_packets: ",
                "907228 bytes", NULL);
    sp_log_destroy(log);
    sp_poolmgr_destroy(mgr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_wal_left_out),
        cmocka_unit_test(test_budget),
    };
    return cmocka_run_group_tests_name("log_rosbag2_damage", tests, r2t_setup,
                                       NULL);
}
