/* ctest-label: pipeline */
/* ctest-timeout: 300 */
/* `sensorpipe run` stopped by a signal, as timeout(1), systemd, docker
 * stop, a closed terminal and Ctrl-C stop it: SIGTERM, SIGHUP and SIGINT
 * each end the run cleanly (every thread joined, the stats printed, exit
 * 128 + the signal), no temporary file is left and every output file in
 * place is whole; the mcap sink finishes its file; a second signal kills;
 * and a run that fails mid-stream inside a queue thread reports the file.
 * In CI this suite also runs under ThreadSanitizer (label threads), where
 * reading the stats before the threads are joined is a reported race. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_pcd.h"

static char exe[4096];
static char out[1 << 16];

static int setup(void **state)
{
    (void)state;
    const char *d = getenv("SP_TEST_BINARY_DIR");
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", d ? d : ".");
    if (access(exe, X_OK) != 0) {
        print_message("skipped: %s not built\n", exe);
        skip();
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Starts `sensorpipe ARGS...` with stdout and stderr into @p log. */
static pid_t start(const char *log, const char *const *args)
{
    const char *argv[16];
    int n = 0;
    argv[n++] = exe;
    while (*args && n < 15)
        argv[n++] = *args++;
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0)
            _exit(126);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execv(exe, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits until the run has its handlers for SIGINT, SIGTERM and SIGHUP in
 * place (SigCgt in /proc), so that a slow start under load (or under a
 * sanitizer) never turns a test into a kill by the default action. Under
 * qemu-user (the aarch64 CI stage) SigCgt shows the emulator's own handlers
 * from its first instruction, so a test that signals a running command also
 * waits for a file the command creates after installing its handlers
 * (cmd_run.c installs them before the stages' init()). */
static void wait_handlers(pid_t pid)
{
    unsigned long long want =
        1ull << (SIGINT - 1) | 1ull << (SIGTERM - 1) | 1ull << (SIGHUP - 1);
    for (int i = 0; i < 3000; i++) {
        char path[64], line[256];
        unsigned long long mask = 0;
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        FILE *st = fopen(path, "r");
        while (st != NULL && fgets(line, sizeof line, st) != NULL)
            if (sscanf(line, "SigCgt: %llx", &mask) == 1)
                break;
        if (st != NULL)
            fclose(st);
        if ((mask & want) == want)
            return;
        sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    fail_msg("pid %d never caught SIGINT, SIGTERM and SIGHUP", (int)pid);
}

static void read_log(const char *log)
{
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
}

/* Files under @p d (recursively) whose name contains @p part. */
static int count_named(const char *d, const char *part)
{
    DIR *dd = opendir(d);
    int n = 0;
    if (!dd)
        return 0;
    struct dirent *e;
    while ((e = readdir(dd)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", d, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_named(p, part);
        else if (strstr(e->d_name, part))
            n++;
    }
    closedir(dd);
    return n;
}

/* Every .pcd file in @p d reads whole: a stop never leaves half a file
 * under a final name. Returns how many there are. */
static int check_pcds(const char *d)
{
    sp_pcd_reader *r = NULL;
    if (sp_pcd_reader_create(d, &r) != SP_OK)
        return 0;
    int n = (int)sp_pcd_reader_count(r);
    for (int i = 0; i < n; i++) {
        size_t pts;
        unsigned fields;
        if (sp_pcd_reader_shape(r, (size_t)i, &pts, &fields) != SP_OK)
            fail_msg("%s", sp_errmsg());
        sp_points p;
        void *mem = iot_points_alloc(&p, pts ? pts : 1, fields);
        if (sp_pcd_reader_read(r, (size_t)i, &p) != SP_OK)
            fail_msg("%s", sp_errmsg());
        free(mem);
    }
    sp_pcd_reader_destroy(r);
    return n;
}

static const char *sig_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

/* The case: an ascii PCD sink behind a queue (slow writes, so the
 * signal comes while files are being written), stopped by each signal. */
static void test_each_signal_stops_cleanly(void **state)
{
    (void)state;
    static const int sigs[] = {SIGTERM, SIGHUP, SIGINT};
    for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        int sig = sigs[k];
        char d[1100], vd[1200], log[1200], launch[1400];
        snprintf(d, sizeof d, "%s", iot_tmp(sig_name(sig)));
        iot_rmdir(d);
        snprintf(vd, sizeof vd, "%s/velodyne", d);
        snprintf(log, sizeof log, "%s.log", d);
        snprintf(launch, sizeof launch,
                 "synth frames=100000 camera=false ! queue depth=2 ! pcd "
                 "dir=%s encoding=ascii",
                 d);
        const char *args[] = {"run", "--stats", launch, NULL};
        pid_t pid = start(log, args);
        wait_handlers(pid);
        /* Until the first file is in place, then into the next write. */
        for (int i = 0;
             i < 3000 && count_named(vd, ".pcd") - count_named(vd, ".tmp.") < 1;
             i++)
            sleep_ms(10);
        sleep_ms(37 * (int)(k + 1));
        assert_int_equal(kill(pid, sig), 0);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        read_log(log);
        if (!WIFEXITED(st))
            fail_msg("%s: killed by signal %d:\n%s", sig_name(sig),
                     WTERMSIG(st), out);
        assert_int_equal(WEXITSTATUS(st), 128 + sig);
        char want[64];
        snprintf(want, sizeof want, "interrupted by %s after ", sig_name(sig));
        if (!strstr(out, want) || !strstr(out, "every thread joined") ||
            !strstr(out, "pools:") || !strstr(out, "frames in"))
            fail_msg("%s: output lacks the stats or the note:\n%s",
                     sig_name(sig), out);
        assert_int_equal(count_named(d, ".tmp."), 0);
        assert_true(check_pcds(vd) >= 1);
        iot_rmdir(d);
    }
}

/* The mcap sink finishes its file on a stop and says so. */
static void test_mcap_finished_on_sigterm(void **state)
{
    (void)state;
    char d[1100], path[1200], log[1200], launch[1400];
    snprintf(d, sizeof d, "%s", iot_tmp("mcap_term"));
    iot_rmdir(d);
    iot_mkdirs(d);
    snprintf(path, sizeof path, "%s/out.mcap", d);
    snprintf(log, sizeof log, "%s/log", d);
    snprintf(launch, sizeof launch,
             "synth frames=100000 camera=false ! queue depth=2 ! mcap path=%s "
             "chunk_kb=64",
             path);
    const char *args[] = {"run", launch, NULL};
    pid_t pid = start(log, args);
    wait_handlers(pid);
    /* The sink's temporary file: created in init(), after the handlers. */
    for (int i = 0; i < 3000 && count_named(d, ".tmp.") < 1; i++)
        sleep_ms(10);
    sleep_ms(400);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    read_log(log);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 143);
    if (!strstr(out, "interrupted: ") || !strstr(out, "finished with the"))
        fail_msg("no note on the finished file:\n%s", out);
    assert_int_equal(count_named(d, ".tmp."), 0);
    /* A finished MCAP ends with its magic. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char tail[8];
    assert_int_equal(fseek(f, -8, SEEK_END), 0);
    assert_int_equal(fread(tail, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(tail, "\x89MCAP0\r\n", 8);
    iot_rmdir(d);
}

/* A second signal, of any of the three, kills. Both are sent while the run
 * is stopped (SIGSTOP), so both are pending when it continues: the first
 * is handled (the run stops) and the second, held off until that handler
 * returns, kills. Under ThreadSanitizer, which queues both and calls the
 * handler later, this failed while the first handler put the defaults
 * back: the runtime dropped the second, queued for a handler now SIG_DFL. */
static void test_second_signal_kills(void **state)
{
    (void)state;
    char log[1100];
    snprintf(log, sizeof log, "%s", iot_tmp("second_signal.log"));
    const char *args[] = {
        "run", "synth frames=1000000 camera=false ! queue depth=2 ! null",
        NULL};
    pid_t pid = start(log, args);
    wait_handlers(pid);
    sleep_ms(100);
    assert_int_equal(kill(pid, SIGSTOP), 0);
    assert_int_equal(kill(pid, SIGTERM), 0);
    assert_int_equal(kill(pid, SIGINT), 0);
    assert_int_equal(kill(pid, SIGCONT), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFSIGNALED(st)) {
        read_log(log);
        fail_msg("not killed (exit %d):\n%s", WEXITSTATUS(st), out);
    }
    assert_true(WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGINT);
}

/* A file that fails in the middle of the stream, read by a queue's thread:
 * the error crosses to the main thread with the file's name, the stats are
 * still printed after every thread is joined, exit 1. */
static void test_failure_mid_stream(void **state)
{
    (void)state;
    char d[1100], vd[1200], bad[1300], log[1200], launch[1400];
    snprintf(d, sizeof d, "%s", iot_tmp("midstream"));
    iot_rmdir(d);
    snprintf(vd, sizeof vd, "%s/velodyne", d);
    snprintf(log, sizeof log, "%s.log", d);
    snprintf(launch, sizeof launch, "synth frames=3 camera=false ! pcd dir=%s",
             d);
    const char *mk[] = {"run", launch, NULL};
    pid_t pid = start(log, mk);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(bad, sizeof bad, "%s/000003.pcd", vd);
    iot_write_str(bad, "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                       "COUNT 1 1 1\nWIDTH 9\nHEIGHT 1\nPOINTS 9\n"
                       "DATA binary\nshort");
    snprintf(launch, sizeof launch,
             "pcd path=%s ! queue depth=1 ! voxel ! queue depth=2 ! null", vd);
    const char *args[] = {"run", "--stats", launch, NULL};
    pid = start(log, args);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    read_log(log);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 1)
        fail_msg("expected exit 1:\n%s", out);
    if (!strstr(out, "000003.pcd") || !strstr(out, "pools:"))
        fail_msg("no file name or no stats:\n%s", out);
    iot_rmdir(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_each_signal_stops_cleanly, setup),
        cmocka_unit_test_setup(test_mcap_finished_on_sigterm, setup),
        cmocka_unit_test_setup(test_second_signal_kills, setup),
        cmocka_unit_test_setup(test_failure_mid_stream, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
