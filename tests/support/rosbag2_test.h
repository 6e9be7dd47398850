/* Helpers for the rosbag2 test suites (test_log_rosbag2*.c): the fixture
 * bags written by tests/oracles/rosbag2_oracle.py, reading a log into the
 * oracle's check format, and the oracle's verdict. */
#ifndef ROSBAG2_TEST_H
#define ROSBAG2_TEST_H

#include <stddef.h>

#include "sp_log.h"

/* cmocka group setup: writes the fixtures under $SP_TEST_TMP/fx (when
 * /usr/bin/python3 has sqlite3 and yaml, and zstd is installed). */
int r2t_setup(void **state);

/* 1 when the fixtures were written. */
int r2t_have_fixtures(void);

/* The fixture @p name's path (a rotating static buffer). */
const char *r2t_fixture(const char *name);

/* Read every selected message; with @p dump, write them in the oracle's
 * check format there. Returns the status that ended it, the count in *n. */
int r2t_read_all(sp_log *log, const char *dump, size_t *n);

/* Every message of @p path in @p order agrees with the oracle (fails the
 * test otherwise); returns the count. */
size_t r2t_check_oracle(const char *path, const sp_log_desc *desc,
                        sp_log_order order);

#define R2T_NEED_FIXTURES()                                                    \
    do {                                                                       \
        if (!r2t_have_fixtures()) {                                            \
            print_message("skipping: python3 (sqlite3, yaml) or zstd "         \
                          "missing: no fixtures\n");                           \
            skip();                                                            \
        }                                                                      \
    } while (0)

#endif
