/* Helpers for the ROS message suites: running the oracle scripts of
 * tests/oracles/, reading what they wrote, and the "key value" files of
 * extract_bag_messages.py. */
#ifndef ROSMSG_ORACLE_H
#define ROSMSG_ORACLE_H

#include <stddef.h>
#include <stdint.h>

/* The source tree's tests/ folder (from this file's path). */
const char *ro_tests_dir(void);

/* Runs a shell command; returns its exit status (-1 when it could not
 * run or was killed). Its stderr goes to @p errfile. */
int ro_run(const char *cmd, const char *errfile);

/* The whole file in fresh malloc'd memory (free() it), exactly *n bytes
 * (no terminator; NULL when it cannot be read). ro_read_text() adds a NUL
 * after the bytes. */
uint8_t *ro_read(const char *path, size_t *n);
char *ro_read_text(const char *path);

/* The value of "key value" line @p key in @p text, copied into a static
 * rotating buffer; NULL when absent. */
const char *ro_get(const char *text, const char *key);
long long ro_get_ll(const char *text, const char *key);
/* Up to @p max numbers (strtod: decimal or hex floats) of line @p key;
 * returns how many. */
size_t ro_get_doubles(const char *text, const char *key, double *v, size_t max);

#endif
