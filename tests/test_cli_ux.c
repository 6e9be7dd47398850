/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The command says what it does and guesses: exit 2 for launch-string and
 * usage errors and 1 for failures while running; a warning when a pipeline
 * without a sink discarded its frames (`null` silences it); `run -v` shows
 * what each stage produced for each stream's first frame; the progress
 * line shows the total and an ETA when the source knows its length;
 * `stages NAME` says what a stage takes and gives; a .bin read without
 * fields= ends with the note `info` prints too; `--realtime` runs and
 * reports, and `--latency-png` writes one picture row per stage (making
 * its missing folders) or, as `--json` does, fails before the run naming
 * the file. */
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

#include "sp_sanitizer.h"

static char exe[4096];
static char out[1 << 16];
static char tmp[1024];

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    const char *t = getenv("SP_TEST_TMP");
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", dir ? dir : ".");
    snprintf(tmp, sizeof tmp, "%s", t ? t : "/tmp/sp_test_cli_ux");
    char mk[1100];
    snprintf(mk, sizeof mk, "mkdir -p '%s'", tmp);
    return system(mk) == 0 ? 0 : -1;
}

/* Runs the command with @p args (a shell fragment), stdout and stderr into
 * out[]; returns the exit status, or -1. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char args[8192], cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", exe, args);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void has(const char *part)
{
    if (!strstr(out, part))
        fail_msg("'%s' not in:\n%s", part, out);
}

static void lacks(const char *part)
{
    if (strstr(out, part))
        fail_msg("'%s' in:\n%s", part, out);
}

#define NEED_EXE()                                                             \
    do {                                                                       \
        if (access(exe, X_OK) != 0) {                                          \
            print_message("skipped: %s not built\n", exe);                     \
            skip();                                                            \
        }                                                                      \
    } while (0)

static void test_exit_codes(void **state)
{
    (void)state;
    NEED_EXE();
    /* the launch string's fault: 2 */
    assert_int_equal(run("run 'synth frames=1 ! voxle'"), 2);
    has("unknown stage 'voxle'");
    assert_int_equal(run("run 'synth frames=1 ! voxel lef=1 ! null'"), 2);
    has("has no property 'lef'");
    assert_int_equal(run("run 'synth frames=-1 ! null'"), 2);
    has("property 'frames'");
    assert_int_equal(run("run 'synth frames=1 ! null ! synth'"), 2);
    assert_int_equal(run("run 'synth frames=1 ! npy dir=\"\"'"), 2);
    assert_int_equal(run("run 'synth ! png range=5:5 dir=%s/png'", tmp), 2);
    has("expected lo < hi");
    assert_int_equal(run("run 'synth frames=1 ! npy dir='"), 2);
    /* usage of the command: 2 */
    assert_int_equal(run("stages nosuchstage"), 2);
    assert_int_equal(run("run --nosuch 'synth ! null'"), 2);
    assert_int_equal(run("info"), 2);
    /* failures while running: 1 */
    assert_int_equal(run("run 'pcd path=/nonexistent/x.pcd ! null'"), 1);
    has("no such file");
    assert_int_equal(run("info /nonexistent/x.pcd"), 1);
    assert_int_equal(run("run 'synth frames=2 ! npy dir=/proc/nope'"), 1);
    /* the help says so */
    assert_int_equal(run("run --help"), 0);
    has("2 usage or launch-string error");
    assert_int_equal(run("--help"), 0);
    has("exit status: 0 success, 1 failure while running, 2 usage");
}

static void test_no_sink_warning(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("run 'synth frames=2 ! voxel leaf=0.5'"), 0);
    has("sensorpipe: warning: the pipeline ends in 'voxel', not a sink: its "
        "4 frames were discarded (end it with a sink such as `npy dir=out` to "
        "keep them, or with `null` to discard them on purpose)");
    assert_int_equal(run("run 'synth frames=2 ! voxel leaf=0.5 ! null'"), 0);
    lacks("warning");
    assert_int_equal(run("run 'synth frames=1'"), 0);
    has("ends in 'synth', not a sink: its 2 frames were discarded");
}

static void test_verbose(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("run -v 'synth frames=3 width=64 height=32 ! "
                         "crop x=0:30 ! queue depth=2 ! bev ! npy dir=%s/v'",
                         tmp),
                     0);
    has("sensorpipe: synth: stream 'velodyne': points ");
    has(" (x y z intensity ring time)\n");
    has("sensorpipe: synth: stream 'image_02': image 64x32 bayer_rggb8\n");
    has("sensorpipe: crop: stream 'velodyne': points ");
    has("sensorpipe: bev: stream 'bev': tensor f32 (3, ");
    has("sensorpipe: npy: stream 'bev': tensor f32 (3, ");
    /* once per stage and stream, not per frame */
    const char *first = strstr(out, "synth: stream 'velodyne'");
    assert_null(strstr(first + 1, "synth: stream 'velodyne'"));
    /* --verbose is the same; without it, none */
    assert_int_equal(run("run --verbose 'synth frames=1 ! null'"), 0);
    has("sensorpipe: null: stream 'velodyne': points ");
    assert_int_equal(run("run 'synth frames=1 ! null'"), 0);
    lacks("stream 'velodyne'");
}

static void test_progress_total_and_eta(void **state)
{
    (void)state;
    NEED_EXE();
    /* --progress shows the line without a terminal (here: a pipe); the
     * first frame shows it at once */
    assert_int_equal(
        run("run --progress 'synth frames=6 width=64 height=32 ! null'"), 0);
    has("/12 (");
    has("%)  ETA ");
    has(" frames/s  pool ");
    assert_int_equal(run("run --progress 'synth frames=2 camera=false ! "
                         "null'"),
                     0);
    has("/2 (");
    /* not a terminal: each line a line of its own, no carriage returns
     * or escapes left in a log */
    lacks("\r");
    lacks("\033");
    has(" MiB\n");
}

static void test_stages_name(void **state)
{
    (void)state;
    NEED_EXE();
    assert_int_equal(run("stages bev"), 0);
    has("takes: points\n");
    has("gives: tensor (3, H, W) float32 on stream bev");
    assert_int_equal(run("stages pcd"), 0);
    has("pcd (source)");
    has("pcd (sink)");
    has("gives: files DIR/<stream>/<name>.pcd");
    assert_int_equal(run("stages npy"), 0);
    has("one of source, seq, stamp");
    assert_int_equal(run("stages raw"), 0);
    has("rgba8");
    has("bgra8");
    has("start");
    has("step");
}

/* The .bin note at the end of a run is the one `info` prints. */
static void test_bin_note(void **state)
{
    (void)state;
    NEED_EXE();
    char path[1200];
    snprintf(path, sizeof path, "%s/sweep.pcd.bin", tmp);
    float v[5 * 64];
    for (int i = 0; i < 64; i++) {
        float *p = v + 5 * i;
        p[0] = 10.0f + 0.01f * (float)i, p[1] = 0.02f * (float)i, p[2] = -1;
        p[3] = (float)(i % 7), p[4] = (float)(i % 32);
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(v, sizeof v, 1, f), 1);
    fclose(f);
    assert_int_equal(run("run 'bin path=%s ! null'", path), 0);
    has("sensorpipe: note: stage 'bin': fields= not given: took "
        "fields=x,y,z,i,ring for sweep.pcd.bin: a .pcd.bin is nuScenes' lidar "
        "file, 5 floats per point (fields= says otherwise)\n");
    assert_int_equal(run("info %s", path), 0);
    has("bin:     read without fields= as x,y,z,i,ring\n");
    has("bin:     note: took fields=x,y,z,i,ring for sweep.pcd.bin: a "
        ".pcd.bin is nuScenes' lidar file, 5 floats per point (fields= says "
        "otherwise)\n");
    has("points/frame min 64 mean 64.0 max 64");
}

/* The height of the PNG at @p path from its IHDR, or 0. */
static uint32_t png_height(const char *path)
{
    unsigned char h[24];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(h, 1, sizeof h, f);
    fclose(f);
    if (n != sizeof h || memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0 ||
        memcmp(h + 12, "IHDR", 4) != 0)
        return 0;
    return (uint32_t)h[20] << 24 | (uint32_t)h[21] << 16 |
           (uint32_t)h[22] << 8 | h[23];
}

/* A sanitizer's shadow memory is terabytes of reserved address space, so
 * mlockall() in a sanitized build would try to lock it all: there the
 * runs go without --realtime, and say so. */
#if defined(SP_TEST_UNDER_ASAN) || defined(SP_TEST_UNDER_TSAN)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static void test_realtime_and_latency_png(void **state)
{
    (void)state;
    NEED_EXE();
    const char *rt = SANITIZED ? "" : "--realtime";
    if (SANITIZED)
        print_message("note: sanitizer build: --realtime (mlockall) not "
                      "run, the latency picture is\n");
    char p2[1200], p3[1200];
    snprintf(p2, sizeof p2, "%s/lat2.png", tmp);
    snprintf(p3, sizeof p3, "%s/lat3.png", tmp);
    remove(p2);
    remove(p3);
    assert_int_equal(run("run %s --stats --latency-png '%s' "
                         "'synth frames=20 camera=false ! null'",
                         rt, p2),
                     0);
    has("end to end");
    has("p99.9");
    has("jitter");
    /* Locked or not, said: the note appears only when refused. */
    if (strstr(out, "memory not locked") == NULL)
        lacks("mlockall");
    assert_int_equal(run("run %s --latency-png '%s' "
                         "'synth frames=20 camera=false ! queue depth=2 ! "
                         "null'",
                         rt, p3),
                     0);
    uint32_t h2 = png_height(p2), h3 = png_height(p3);
    if (h2 == 0 || h3 <= h2)
        fail_msg("latency pictures: %u rows of pixels for 2 stages, %u for 3",
                 h2, h3);
    /* Missing folders are made, as the sinks make theirs. */
    char made[1200], sh[2600];
    snprintf(sh, sizeof sh, "rm -rf '%s/lat_new'", tmp);
    assert_int_equal(system(sh), 0);
    snprintf(made, sizeof made, "%s/lat_new/a/x.png", tmp);
    assert_int_equal(run("run --latency-png '%s' "
                         "'synth frames=3 camera=false ! null'",
                         made),
                     0);
    assert_true(png_height(made) > 0);
    /* A file where a folder should be fails before the run (its sink's
     * folder is never made), naming the option and the file; --json too. */
    static const char *const opts[] = {"--latency-png", "--json"};
    for (int i = 0; i < 2; i++) {
        snprintf(sh, sizeof sh, "rm -rf '%s/lat_out' && touch '%s/lat_plain'",
                 tmp, tmp);
        assert_int_equal(system(sh), 0);
        assert_int_equal(
            run("run %s '%s/lat_plain/x' "
                "'synth frames=3 camera=false ! npy dir=%s/lat_out'",
                opts[i], tmp, tmp),
            1);
        has(opts[i]);
        has("lat_plain/x: cannot create");
        snprintf(made, sizeof made, "%s/lat_out", tmp);
        assert_int_equal(access(made, F_OK), -1);
    }
    assert_int_equal(run("run 'synth frames=3 camera=false ! null' "
                         "--latency-png"),
                     2);
    has("--latency-png needs a value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_no_sink_warning),
        cmocka_unit_test(test_verbose),
        cmocka_unit_test(test_progress_total_and_eta),
        cmocka_unit_test(test_stages_name),
        cmocka_unit_test(test_bin_note),
        cmocka_unit_test(test_realtime_and_latency_png),
    };
    return cmocka_run_group_tests_name("cli_ux", tests, setup, NULL);
}
