/* ctest-label: unit */
/* The test oracles' answer cache (tests/support/oracle_run.c), which CI
 * turns on: a kept answer is reused only for the same command on the same
 * input bytes, wherever the input lies; one byte changed (same size, same
 * second) is a new answer; timeouts and damaged entries are run again;
 * folders made by a generator come back whole. Each command counts its
 * runs in a file, so a hit is seen as a run that did not happen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "sp_iotest.h"

static char cache[1024], counter[1024];

static void rm_rf(const char *path)
{
    char sh[1100];
    snprintf(sh, sizeof sh, "rm -rf '%s'", path);
    assert_int_equal(system(sh), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(cache, sizeof cache, "%s", iot_tmp("cache"));
    rm_rf(cache);
    setenv("SP_TEST_ORACLE_CACHE", cache, 1);
    snprintf(counter, sizeof counter, "%s", iot_tmp("runs"));
    iot_write_str(counter, "");
    return 0;
}

/* How many times a command has run (lines in the counter file). */
static int runs(void)
{
    FILE *f = fopen(counter, "r");
    assert_non_null(f);
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* A command that counts its run, then prints @p file's bytes and exits
 * with @p code. */
static char *cat_cmd(const char *file, int code)
{
    static char cmd[4096];
    snprintf(cmd, sizeof cmd, "echo >> '%s'; cat '%s'; exit %d", counter, file,
             code);
    return cmd;
}

static char *answer(const char *file, int code, int *status)
{
    const char *inputs[] = {file, NULL};
    size_t len;
    char *text = oracle_output(cat_cmd(file, code), inputs, &len, status);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

static void test_same_bytes_same_answer(void **state)
{
    (void)state;
    const char *a = iot_tmp("a.txt");
    iot_write_str(a, "first answer\n");
    int st;
    char *t = answer(a, 0, &st);
    assert_string_equal(t, "first answer\n");
    assert_int_equal(st, 0);
    assert_int_equal(runs(), 1);
    free(t);
    t = answer(a, 0, &st); /* kept */
    assert_string_equal(t, "first answer\n");
    assert_int_equal(runs(), 1);
    free(t);
    /* One byte changed, same size, at once (the same mtime second). */
    iot_write_str(a, "first answeR\n");
    t = answer(a, 0, &st);
    assert_string_equal(t, "first answeR\n");
    assert_int_equal(runs(), 2);
    free(t);
}

static void test_copy_elsewhere_hits(void **state)
{
    (void)state;
    const char *a = iot_tmp("x/one.bin"), *b = iot_tmp("y/two.bin");
    iot_mkdirs(iot_tmp("x"));
    iot_mkdirs(iot_tmp("y"));
    iot_write_str(a, "the same bytes\n");
    iot_write_str(b, "the same bytes\n");
    int st;
    free(answer(a, 0, &st));
    int before = runs();
    char *t = answer(b, 0, &st);
    assert_string_equal(t, "the same bytes\n");
    assert_int_equal(runs(), before);
    free(t);
}

static void test_status_kept_timeout_not(void **state)
{
    (void)state;
    const char *a = iot_tmp("s.txt");
    iot_write_str(a, "failing\n");
    int st;
    free(answer(a, 3, &st));
    assert_int_equal(st, 3);
    int before = runs();
    free(answer(a, 3, &st)); /* an oracle's "no" is an answer too */
    assert_int_equal(st, 3);
    assert_int_equal(runs(), before);
    free(answer(a, 124, &st)); /* timeout(1): run again next time */
    assert_int_equal(st, 124);
    free(answer(a, 124, &st));
    assert_int_equal(st, 124);
    assert_int_equal(runs(), before + 2);
    assert_int_equal(oracle_status("exit 5"), 5);
    assert_int_equal(oracle_status("exit 0"), 0);
}

static void test_off_without_folder(void **state)
{
    (void)state;
    const char *a = iot_tmp("o.txt");
    iot_write_str(a, "uncached\n");
    unsetenv("SP_TEST_ORACLE_CACHE");
    int st, before = runs();
    free(answer(a, 0, &st));
    free(answer(a, 0, &st));
    setenv("SP_TEST_ORACLE_CACHE", cache, 1);
    assert_int_equal(runs(), before + 2);
}

static void test_damaged_entry_runs_again(void **state)
{
    (void)state;
    const char *a = iot_tmp("d.txt");
    iot_write_str(a, "whole answer\n");
    int st;
    free(answer(a, 0, &st));
    int before = runs();
    /* Every kept entry cut short: each must read as a miss. */
    char sh[2200];
    snprintf(sh, sizeof sh,
             "for f in '%s'/*; do [ -f \"$f\" ] && truncate -s -3 \"$f\"; "
             "done; true",
             cache);
    assert_int_equal(system(sh), 0);
    char *t = answer(a, 0, &st);
    assert_string_equal(t, "whole answer\n");
    assert_int_equal(runs(), before + 1);
    free(t);
}

/* A generator that counts its run and writes folder @p dir from @p in: a
 * subfolder with a copy of @p in, and a file. */
static int generate(const char *in, const char *dir)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "echo >> '%s'; mkdir -p '%s/sub' && cp '%s' '%s/sub/f' && "
             "echo top > '%s/t'",
             counter, dir, in, dir, dir);
    const char *inputs[] = {in, NULL};
    return oracle_make_dir(cmd, inputs, dir);
}

static void test_folder_made_once(void **state)
{
    (void)state;
    const char *in = iot_tmp("gen_in.txt");
    iot_write_str(in, "seed 1\n");
    char d1[1024], d2[1024];
    snprintf(d1, sizeof d1, "%s", iot_tmp("made1"));
    snprintf(d2, sizeof d2, "%s", iot_tmp("made2"));
    rm_rf(d1);
    rm_rf(d2);
    int before = runs();
    assert_int_equal(generate(in, d1), 0);
    assert_int_equal(runs(), before + 1);
    assert_int_equal(generate(in, d2), 0); /* copied */
    assert_int_equal(runs(), before + 1);
    char p[1100];
    snprintf(p, sizeof p, "%s/sub/f", d2);
    char sh[2400];
    snprintf(sh, sizeof sh, "diff -r '%s' '%s'", d1, d2);
    assert_int_equal(system(sh), 0);
    /* The input changed: made again. */
    iot_write_str(in, "seed 2\n");
    rm_rf(d2);
    assert_int_equal(generate(in, d2), 0);
    assert_int_equal(runs(), before + 2);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char line[32] = {0};
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "seed 2\n");
}

/* @p file's bytes after a pause, through the cache (*len its length). */
static char *slow_cat(const char *file, size_t *len, int *status)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "sleep 0.05; cat '%s'", file);
    const char *inputs[] = {file, NULL};
    return oracle_output(cmd, inputs, len, status);
}

/* Suites run at once (ctest -j) may ask the same question together: each
 * gets the whole answer, and one whole entry is left. */
static void test_racing_writers(void **state)
{
    (void)state;
    const char *a = iot_tmp("race.txt");
    char big[1 << 16];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = '\0';
    iot_write_str(a, big);
    pid_t kids[6];
    for (int k = 0; k < 6; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            int st;
            size_t len;
            char *t = slow_cat(a, &len, &st);
            _exit(t && st == 0 && len == strlen(big) && !strcmp(t, big) ? 0
                                                                        : 1);
        }
    }
    for (int k = 0; k < 6; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    /* No temporary left beside the entries. */
    char sh[1200];
    snprintf(sh, sizeof sh, "! ls '%s' | grep -q tmp", cache);
    assert_int_equal(system(sh), 0);
    /* And the kept entry answers whole. */
    int st;
    char *t = slow_cat(a, NULL, &st);
    assert_non_null(t);
    assert_string_equal(t, big);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_same_answer),
        cmocka_unit_test(test_copy_elsewhere_hits),
        cmocka_unit_test(test_status_kept_timeout_not),
        cmocka_unit_test(test_off_without_folder),
        cmocka_unit_test(test_damaged_entry_runs_again),
        cmocka_unit_test(test_folder_made_once),
        cmocka_unit_test(test_racing_writers),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
