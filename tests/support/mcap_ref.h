/* The MCAP reference reader for the test suites of io/mcap_*.c
 * (test_log_mcap.c, test_log_mcap_damage.c): node with @mcap/core
 * (tests/oracles/mcap_messages.mjs) prints every message of a file as
 * "topic TAB log_time TAB publish_time TAB sequence TAB length TAB sha1" in
 * log-time order; mref_read() writes the same lines from sp_log. Fixtures
 * come from tests/oracles/make_mcap_fixtures.mjs (@mcap/core's McapWriter),
 * written once per test program under its scratch folder. */
#ifndef MCAP_REF_H
#define MCAP_REF_H

#include <stddef.h>
#include <stdint.h>

#include "sp_log.h"

typedef struct mref_lines {
    char **l;
    size_t n, cap;
    char reader[16]; /* "indexed" / "stream" */
    char error[512]; /* "# error ..." or "" */
} mref_lines;

/* NULL when node and tests/oracles/node_modules are there, else why not. */
const char *mref_unavailable(void);

/* print_message() the reason and skip() without the reference reader. */
#define MREF_SKIP_WITHOUT_ORACLE()                                             \
    do {                                                                       \
        const char *why_ = mref_unavailable();                                 \
        if (why_) {                                                            \
            print_message("skipped: %s\n", why_);                              \
            skip();                                                            \
        }                                                                      \
    } while (0)

void mref_lines_add(mref_lines *L, const char *s);
void mref_lines_free(mref_lines *L);

/* The reference reader's lines for @p path (@p stream: McapStreamReader,
 * else McapIndexedReader where the file has chunk indexes). */
void mref_run(const char *path, int stream, mref_lines *L);

/* Our line for a message (the sequence number read from the Message record
 * just before the data: a white-box look, true for MCAP). */
void mref_line(const sp_log *log, const sp_log_msg *m, char *out, size_t cap);

/* Every message of the log as lines (L->error: the final message); returns
 * the final status (SP_EOS, or the damage). Fails the test when the open
 * fails. */
int mref_read(const char *path, const sp_log_desc *d, mref_lines *L);

/* Fails unless the two lists are equal, naming the first difference. */
void mref_expect_same(const char *path, const mref_lines *got,
                      const mref_lines *want);

/* The path of fixture @p name (made on first use); a rotating buffer. */
const char *mref_fx(const char *name);

/* A whole file into heap memory (free() it). */
uint8_t *mref_slurp(const char *path, size_t *n);
uint64_t mref_le64(const uint8_t *p);
void mref_put64(uint8_t *p, uint64_t v);

/* File offset of the k-th (0-based) record of opcode @p op in the data
 * section of an MCAP image, or 0. */
size_t mref_nth_record(const uint8_t *b, size_t n, uint8_t op, int k);

void mref_sha1_hex(const uint8_t *p, size_t n, char out[41]);

#endif
