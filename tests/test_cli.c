/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The sensorpipe command as a user runs it: exit statuses, the caret under
 * a launch-string error, help texts, and Ctrl-C stopping a run cleanly. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static char exe[4096];
static char out[1 << 16];

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", dir ? dir : ".");
    return 0;
}

/* Runs the command with args (a shell fragment), stdout and stderr into
 * out[]; returns the exit status, or -1. */
static int run(const char *args)
{
    char cmd[16384];
    FILE *p;
    size_t n;
    int st;

    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", exe, args);
    p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    st = pclose(p);
    if (!WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

#define NEED_EXE()                                                             \
    do {                                                                       \
        if (access(exe, X_OK) != 0) {                                          \
            print_message("skipped: %s not built\n", exe);                     \
            skip();                                                            \
        }                                                                      \
    } while (0)

static void test_help(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("--help"), 0);
    assert_non_null(strstr(out, "usage: sensorpipe"));
    assert_non_null(strstr(out, "  run "));
    assert_non_null(strstr(out, "  stages "));
    assert_int_equal(run("help run"), 0);
    assert_non_null(strstr(out, "--pool-mb N"));
    assert_int_equal(run("run --help"), 0);
    assert_non_null(strstr(out, "usage: sensorpipe run"));
    assert_int_equal(run("--version"), 0);
    assert_non_null(strstr(out, "sensorpipe 0."));
    assert_int_equal(run("devices"), 0);
    assert_non_null(strstr(out, "SIMD: "));
    assert_true(strstr(out, "\nPNG inflate: isa-l\n") ||
                strstr(out, "\nPNG inflate: libdeflate\n"));
    assert_int_equal(run("rn"), 2);
    assert_string_equal(out, "sensorpipe: unknown command 'rn', did you mean "
                             "'run'? (`sensorpipe --help` lists the "
                             "commands)\n");
    assert_int_equal(run("run"), 2);
    assert_non_null(strstr(out, "expected a launch string"));
    assert_int_equal(run("run --backend gpu x"), 2);
    assert_int_equal(run("run --pool-mb 0 x"), 2);
    assert_non_null(strstr(out, "expected a whole number from 1 to"));
    /* a budget refusal says which option raises the budget */
    assert_int_equal(run("run --pool-mb 1 'synth frames=2 ! null'"), 1);
    assert_non_null(strstr(out, "budget 1.0 MiB exceeded"));
    assert_non_null(strstr(out, "sensorpipe: hint: the frame pools' budget "
                                "is 1 MiB: --pool-mb N raises it"));
}

static void test_stages(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("stages"), 0);
    assert_non_null(strstr(out, "queue "));
    assert_int_equal(run("stages queue"), 0);
    assert_non_null(strstr(out, "depth"));
    assert_non_null(strstr(out, "an integer in 1..1024"));
    /* a filter has no replay properties; a source lists them */
    assert_null(strstr(out, "max_gap=T"));
    if (run("stages synth") == 0) {
        assert_non_null(strstr(out, "rate=R"));
        assert_non_null(strstr(out, "max_gap=T"));
        assert_non_null(strstr(out, "deadline=T"));
    }
    assert_int_equal(run("stages queu"), 2);
    assert_string_equal(out, "sensorpipe stages: unknown stage 'queu', did "
                             "you mean 'queue'?\n");
}

static void test_launch_error(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("run \"queue dpth='3\""), 2);
    assert_string_equal(out,
                        "sensorpipe: launch string, column 12: unterminated "
                        "quote: the ' opened here is never closed, expected "
                        "a closing '\n"
                        "  queue dpth='3\n"
                        "             ^\n");
}

static void test_run_ok(void **state)
{
    (void)state;
    NEED_EXE();
    if (run("stages synth") != 0 || run("stages null") != 0) {
        print_message("skipped: this build has no synth or null stage\n");
        skip();
    }
    char args[4300], json[4096];
    const char *tmp = getenv("SP_TEST_TMP");
    snprintf(json, sizeof json, "%s/stats.json", tmp ? tmp : "/tmp");
    if (tmp) {
        char mk[4200];
        snprintf(mk, sizeof mk, "mkdir -p '%s'", tmp);
        assert_int_equal(system(mk), 0);
    }
    /* Several arguments are joined into one launch string. */
    snprintf(args, sizeof args,
             "run --stats --json '%s' synth frames=3 '!' queue depth=2 '!' "
             "null",
             json);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out, "6 frames in "));
    assert_non_null(strstr(out, "heap allocations after warm-up"));
    FILE *f = fopen(json, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    assert_non_null(strstr(out, "{\"frames\": 6, "));
    assert_non_null(strstr(out, "\"name\": \"queue\""));
    /* A failing run: exit 1 and the stage's message. */
    assert_int_equal(run("run 'synth frames=2 ! npy dir=/proc/nope'"), 1);
    assert_non_null(strstr(out, "sensorpipe: stage 'npy': "));
}

static void test_interrupt(void **state)
{
    (void)state;
    NEED_EXE();
    if (run("stages synth") != 0 || run("stages null") != 0) {
        print_message("skipped: this build has no synth or null stage\n");
        skip();
    }
    char log[4096];
    const char *tmp = getenv("SP_TEST_TMP");
    snprintf(log, sizeof log, "%s/interrupt.log", tmp ? tmp : "/tmp");
    if (tmp) {
        char mk[4200];
        snprintf(mk, sizeof mk, "mkdir -p '%s'", tmp);
        assert_int_equal(system(mk), 0);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        execl(exe, exe, "run", "synth frames=100000 ! queue depth=4 ! null",
              (char *)NULL);
        _exit(127);
    }
    /* Wait until the run has installed its SIGINT handler (SigCgt in
     * /proc shows it), then let it run a little: a slow start under load
     * must not turn the test into a kill by the default action. */
    int caught = 0;
    for (int i = 0; i < 1000 && !caught; i++) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        FILE *st = fopen(path, "r");
        while (st != NULL && fgets(line, sizeof line, st) != NULL) {
            unsigned long long mask;
            if (sscanf(line, "SigCgt: %llx", &mask) == 1)
                caught = (mask >> (SIGINT - 1)) & 1;
        }
        if (st != NULL)
            fclose(st);
        struct timespec tick = {0, 10000000};
        nanosleep(&tick, NULL);
    }
    assert_true(caught);
    struct timespec ts = {0, 300000000};
    nanosleep(&ts, NULL);
    kill(pid, SIGINT);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 130);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    assert_non_null(strstr(out, "interrupted by SIGINT after "));
    assert_non_null(strstr(out, "every thread joined and every block "
                                "returned to its pool"));
}

/* --json FILE: its temporary file is created beside FILE, exclusively and
 * never through a symbolic link planted at its name (in a shared folder,
 * onto someone else's file): the target keeps its bytes, and when every
 * name is taken the run says so and exits 1. */
static void test_json_never_through_a_link(void **state)
{
    (void)state;
    NEED_EXE();
    const char *tmp = getenv("SP_TEST_TMP");
    char d[1024], victim[1100], json[1100], mk[2200];
    snprintf(d, sizeof d, "%s/json_link", tmp ? tmp : "/tmp");
    snprintf(mk, sizeof mk, "rm -rf '%s' && mkdir -p '%s'", d, d);
    assert_int_equal(system(mk), 0);
    snprintf(victim, sizeof victim, "%s/victim", d);
    snprintf(json, sizeof json, "%s/stats.json", d);
    FILE *f = fopen(victim, "w");
    assert_non_null(f);
    fputs("keep\n", f);
    fclose(f);
    /* The child waits on a pipe until the links are planted at the names
     * its pid gives (DIR/.stats.json.tmp.PID.N, N from 0). */
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(126);
        char log[1200]; /* stdout and stderr: a log beside */
        snprintf(log, sizeof log, "%s/log", d);
        if (freopen(log, "w", stderr) == NULL || dup2(2, 1) < 0)
            _exit(126);
        execl(exe, exe, "run", "--json", json, "synth frames=2 ! null",
              (char *)NULL);
        _exit(127);
    }
    close(go[0]);
    for (int n = 0; n < 16; n++) {
        char name[1300];
        snprintf(name, sizeof name, "%s/.stats.json.tmp.%d.%d", d, (int)pid, n);
        assert_int_equal(symlink(victim, name), 0);
    }
    /* And the name versions before 0.1 wrote through with fopen("w"). */
    char old[1300];
    snprintf(old, sizeof old, "%s.tmp.%d", json, (int)pid);
    assert_int_equal(symlink(victim, old), 0);
    assert_int_equal(write(go[1], "x", 1), 1);
    close(go[1]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    char log[1200];
    snprintf(log, sizeof log, "%s/log", d);
    f = fopen(log, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    if (!strstr(out, "--json: ") || !strstr(out, "stats.json: cannot create") ||
        !strstr(out, "taken by files or links already there (left "
                     "untouched)"))
        fail_msg("unclear message:\n%s", out);
    f = fopen(victim, "r");
    assert_non_null(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    assert_string_equal(out, "keep\n");
    assert_int_equal(access(json, F_OK), -1);
}

/* Names that come from outside (a path in the launch string, echoed in an
 * error) cannot send escape sequences to the terminal: control characters
 * are printed as \\xNN, and the caret still points at the right column. */
static void test_control_characters_escaped(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("run \"$(printf 'pcd path=/nonexistent/a\\033[2Jb ! "
                         "null')\""),
                     1);
    if (strchr(out, 0x1b) != NULL || !strstr(out, "/nonexistent/a\\x1b[2Jb"))
        fail_msg("not escaped: %s", out);
    assert_int_equal(run("run \"$(printf 'pcd path=\\033]0;x\\007 ! nul')\""),
                     2);
    assert_null(strchr(out, 0x1b));
    assert_null(strchr(out, 0x07));
    assert_non_null(strstr(out, "  pcd path=\\x1b]0;x\\x07 ! nul\n"
                                "                          ^\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_help, setup),
        cmocka_unit_test_setup(test_stages, setup),
        cmocka_unit_test_setup(test_launch_error, setup),
        cmocka_unit_test_setup(test_run_ok, setup),
        cmocka_unit_test_setup(test_interrupt, setup),
        cmocka_unit_test_setup(test_json_never_through_a_link, setup),
        cmocka_unit_test_setup(test_control_characters_escaped, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
