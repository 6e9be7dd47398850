/* Helpers for the rosbag2 test suites (see rosbag2_test.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "rosbag2_test.h"
#include "sp_iotest.h"

static char oracle[1024];
static char fx[1024];   /* fixture root, "" when they could not be made */
static int have_python; /* /usr/bin/python3 can import sqlite3 and yaml */

const char *r2t_fixture(const char *name)
{
    static char buf[4][1200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", fx, name);
    return buf[k];
}

int r2t_setup(void **state)
{
    (void)state;
    /* tests/support/ -> tests/oracles/ */
    snprintf(oracle, sizeof oracle, "%s", __FILE__);
    char *slash = strrchr(oracle, '/');
    if (slash)
        *slash = '\0';
    slash = strrchr(oracle, '/');
    snprintf(slash ? slash + 1 : oracle,
             sizeof oracle - (size_t)(slash ? slash + 1 - oracle : 0),
             "oracles/rosbag2_oracle.py");
    fx[0] = '\0';
    have_python = oracle_status("/usr/bin/python3 -c 'import sqlite3, yaml' "
                                ">/dev/null 2>&1") == 0;
    if (!have_python || system("zstd --version >/dev/null 2>&1") != 0)
        return 0;
    char dir[1024], cmd[3000];
    snprintf(dir, sizeof dir, "%s", iot_tmp("fx"));
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' make '%s' >/dev/null",
             oracle, dir);
    if (system(cmd) == 0)
        snprintf(fx, sizeof fx, "%s", dir);
    return 0;
}

int r2t_have_fixtures(void)
{
    return fx[0] != '\0';
}

/* Read everything selected into @p dump (the oracle's check format);
 * returns the status that ended it and the count in *n. */
int r2t_read_all(sp_log *log, const char *dump, size_t *n)
{
    FILE *f = dump ? fopen(dump, "wb") : NULL;
    sp_log_msg m;
    int rc;
    *n = 0;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        if (f) {
            fprintf(f, "%s\t%lld\t%zu\t%llu\n",
                    sp_log_topic_at(log, m.topic)->name, (long long)m.log_time,
                    m.size, (unsigned long long)m.offset);
            fwrite(m.data, 1, m.size, f);
        }
        assert_int_equal(m.publish_time, m.log_time);
        ++*n;
    }
    if (f)
        fclose(f);
    return rc;
}

/* Every message of @p path, in @p order, agrees with the oracle. */
size_t r2t_check_oracle(const char *path, const sp_log_desc *desc,
                        sp_log_order order)
{
    sp_log *log;
    assert_int_equal(sp_log_open(path, desc, &log), SP_OK);
    sp_log_filter f = {.order = order};
    assert_int_equal(sp_log_select(log, &f), SP_OK);
    const char *dump = iot_tmp("dump.bin");
    size_t n;
    int rc = r2t_read_all(log, dump, &n);
    if (rc != SP_EOS)
        fail_msg("%s: %s", path, sp_errmsg());
    sp_log_destroy(log);
    if (!have_python) {
        print_message("skipped: %s read (%zu messages), but the oracle needs "
                      "/usr/bin/python3 with sqlite3 and yaml (apt-get install "
                      "python3-yaml)\n",
                      path, n);
        skip();
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' check '%s' '%s' %s",
             oracle, path, dump, order == SP_LOG_ORDER_FILE ? "file" : "time");
    if (system(cmd) != 0)
        fail_msg("%s: the oracle disagrees (above)", path);
    return n;
}
