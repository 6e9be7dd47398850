/* The MCAP reference reader for tests: runs tests/oracles/mcap_dump.mjs
 * (node with @mcap/core, @mcap/support, @foxglove/rosmsg and
 * @foxglove/rosmsg2-serialization from tests/oracles/node_modules) over a
 * file and gives its JSON output line by line; and the lines a test
 * expects for the messages it wrote, built from the arrays themselves. */
#ifndef MCAP_ORACLE_H
#define MCAP_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_points.h"

/* NULL when node and tests/oracles/node_modules are there, else why not
 * (the caller skips with it). */
const char *mo_unavailable(void);

/* The dump of @p path ("" or options such as "--start 5 --end 9"): every
 * line of its output. The status is the script's exit status. Free with
 * mo_free(). */
typedef struct mo_dump {
    char *text;
    char **lines;
    size_t nlines;
    int status;
} mo_dump;
void mo_run(mo_dump *d, const char *path, const char *options);
void mo_free(mo_dump *d);

/* The value of top-level key @p key when it fits on its line (without the
 * trailing comma; a static buffer), or NULL. */
const char *mo_value(const mo_dump *d, const char *key);

/* The lines of list @p key (without trailing commas): *n receives how
 * many; NULL when the key is missing. Points into @p d. */
char **mo_list(const mo_dump *d, const char *key, size_t *n);

/* A growing string. */
typedef struct mo_str {
    char *s;
    size_t len, cap;
} mo_str;
void mo_printf(mo_str *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mo_str_free(mo_str *b);

/* The line mcap_dump.mjs prints for a message: the MCAP fields, then the
 * decoded PointCloud2 or Image, from what was written. */
typedef struct mo_msg {
    const char *topic;
    unsigned channel;
    uint32_t sequence;
    uint64_t log_time, publish_time;
    int64_t stamp_ns;
    const char *frame_id;
} mo_msg;
void mo_expect_pc2(mo_str *b, const mo_msg *m, const sp_points *p,
                   size_t max_points);
void mo_expect_image(mo_str *b, const mo_msg *m, const sp_image *img,
                     const char *encoding);

/* ---- checks (cmocka) ---- */

/* Print @p why and skip the test. */
void mo_skip(const char *why);
int mo_exists(const char *path);
/* Files in a folder; fails the test on a leftover temporary file. */
size_t mo_count_files(const char *dir);
/* $SP_TEST_TMP/name, emptied and created. */
const char *mo_fresh_dir(const char *name);
/* Fails the test with sp_errmsg() unless rc is SP_OK. */
void mo_ok(int rc);
/* mo_run() that fails the test unless the script succeeds. */
void mo_run_ok(mo_dump *d, const char *path, const char *opts);
/* Fails unless top-level key @p key's line is exactly @p want. */
void mo_want_value(const mo_dump *d, const char *key, const char *want);
/* Fails unless the messages are exactly @p lines, in order. */
void mo_want_messages(const mo_dump *d, mo_str *lines, size_t n);
/* The number of lines of list @p key; fails unless each contains every
 * one of the NULL-ended strings. */
size_t mo_all_have(const mo_dump *d, const char *key, const char *first, ...);

#endif
