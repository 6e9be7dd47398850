/* Running a reference program (tests/oracles: python3-rosbag, @mcap/core,
 * numpy...) and reading what it printed, with an optional cache.
 *
 * The oracles are deterministic: the same script on the same bytes prints
 * the same thing. Several suites run the same oracle on the same fixture
 * (each suite writes its own copy of the deterministic fixtures), and CI
 * runs the suites in four builds, so about half of the suites' time went
 * to answers already computed once. With SP_TEST_ORACLE_CACHE naming a
 * folder (`make test` makes a fresh one for its run, .ci/run one for all
 * of its builds; unset, as when a suite is run by hand or by ctest alone,
 * nothing is kept), an answer is kept there, keyed by the command
 * with each named input file replaced by its size and a hash of its bytes,
 * so the key does not depend on where the copy lies but does change when
 * one byte of the input, or of the oracle script named as an input, does.
 */
#ifndef SP_ORACLE_RUN_H
#define SP_ORACLE_RUN_H

#include <stddef.h>

/* Runs shell command @p cmd (through sh, as popen) and returns what it
 * wrote to its standard output (malloc'd, NUL-terminated; *len its length
 * when @p len is not NULL); *status is its exit status (-1: killed by a
 * signal, or not started). @p inputs (NULL-ended, or NULL) are the files
 * whose bytes the answer depends on, each named in @p cmd as written
 * (the oracle script among them). Only an answer with an exit status
 * below 124 is kept: timeout(1)'s 124, a kill, a program that is missing
 * (127) are run again next time. The caller frees the text. */
char *oracle_output(const char *cmd, const char *const *inputs, size_t *len,
                    int *status);

/* Runs shell command @p cmd, which writes folder @p dir (named in @p cmd
 * as written; @p inputs as above), and returns its exit status. With the
 * cache, a folder made by the same command from the same inputs is copied
 * into @p dir instead (`cp -R`), and a folder made here (status 0) is
 * kept. The key leaves @p dir out: each suite makes its copy in its own
 * scratch folder. A generator's own imports (the Python modules of
 * tests/oracles, node_modules) are not hashed: the cache is meant for one run,
 * as .ci/run makes a fresh one each time. */
int oracle_make_dir(const char *cmd, const char *const *inputs,
                    const char *dir);

/* The exit status of @p cmd run through sh, as system() but cached as
 * above (for "is this module installed" probes: no inputs). */
int oracle_status(const char *cmd);

#endif
