/* ctest-label: sample */
/* ctest-timeout: 120 */
/* `sensorpipe bench` as a user runs it from the build tree: a quick run of
 * the lidar group gathered into one JSON document whose rows carry the
 * documented keys, the table, and the messages for bad arguments and for
 * programs that are not there. Speed is not checked here (bench/ is the
 * place for that); only that the rows are there and hold sane figures. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_iotest.h"

static char out[1 << 16];
static char exe[1024];

/* Runs the shell command @p cmd; returns its exit status (-1 when a
 * signal ended it), its standard output in out. */
static int run_cmd(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Runs `PROGRAM ARGS 2>&1`. */
static int run_exe(const char *prog, const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", prog, args);
    return run_cmd(cmd);
}

/* The built program and bench_lidar beside it, else skip. */
static void need_build(void)
{
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    char lidar[1024];
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", dir ? dir : ".");
    snprintf(lidar, sizeof lidar, "%s/bench/bench_lidar", dir ? dir : ".");
    if (access(exe, X_OK) != 0 || access(lidar, X_OK) != 0) {
        fprintf(stderr, "skip: %s or %s not built (SP_BUILD_BENCH=OFF?)\n", exe,
                lidar);
        skip();
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The number value of "key" in the object starting at row (up to its '}'). */
static double num_in(const char *row, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *end = strchr(row, '}');
    const char *p = strstr(row, pat);
    assert_non_null(p);
    assert_true(p < end);
    return strtod(p + strlen(pat), NULL);
}

static void test_bench_lidar_json(void **state)
{
    (void)state;
    need_build();
    const char *doc = iot_tmp("bench.json");
    unlink(doc);
    char args[2048];
    snprintf(args, sizeof args, "bench --quick lidar --json '%s'", doc);
    int rc = run_exe(exe, args);
    if (rc != 0)
        printf("%s\n", out);
    assert_int_equal(rc, 0);
    /* The table: a heading with the run's memcpy and the column names. */
    assert_non_null(strstr(out, "== bench_lidar (lidar): memcpy "));
    assert_non_null(strstr(out, "median_ms"));
    assert_non_null(strstr(out, "/memcpy"));

    char *j = slurp(doc);
    assert_true(j[0] == '{');
    assert_non_null(strstr(j, "\"quick\": true"));
    assert_non_null(strstr(j, "{\"program\": \"bench_lidar\", \"group\": "
                              "\"lidar\", \"exit_status\": 0, \"rows\": "));
    assert_null(strstr(j, "bench_camera")); /* only the group asked for */

    static const char *const keys[] = {"\"program\": \"bench_lidar\"",
                                       "\"group\": \"lidar\"",
                                       "\"kernel\":",
                                       "\"backend\":",
                                       "\"input\":",
                                       "\"items\":",
                                       "\"median_ms\":",
                                       "\"mitems_per_s\":",
                                       "\"bytes\":",
                                       "\"gb_per_s\":",
                                       "\"memcpy_gb_per_s\":",
                                       "\"ratio_to_memcpy\":"};
    const char *rows = strstr(j, "\"rows\": [");
    assert_non_null(rows);
    int n = 0, crop = 0, voxel = 0;
    for (const char *r = strstr(rows, "\n    {"); r;
         r = strstr(r + 1, "\n    {")) {
        const char *end = strchr(r, '}');
        assert_non_null(end);
        /* The lidar group has more programs (packet decoders): their rows
         * follow bench_lidar's and are checked by their own suites. */
        const char *own = strstr(r, "\"program\": \"bench_lidar\"");
        if (!own || own > end)
            continue;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            const char *p = strstr(r, keys[k]);
            if (!p || p > end)
                fail_msg("row %d lacks %s: %.*s", n, keys[k], (int)(end - r),
                         r);
        }
        double ms = num_in(r, "median_ms"), items = num_in(r, "items");
        assert_true(ms > 0 && ms < 10000);
        assert_true(items >= 100000);                  /* ~120k-point sweeps */
        assert_true(num_in(r, "bytes") >= items * 12); /* xyz read at least */
        assert_true(num_in(r, "memcpy_gb_per_s") > 0);
        crop += strstr(r, "\"kernel\":\"crop") != NULL &&
                strstr(r, "\"kernel\":\"crop") < end;
        voxel += strstr(r, "\"kernel\":\"voxel") != NULL &&
                 strstr(r, "\"kernel\":\"voxel") < end;
        n++;
    }
    /* Scalar at least, for both kernels, on the synthetic sweep. */
    assert_true(crop >= 1);
    assert_true(voxel >= 1);
    /* The programs entry counts the same rows. */
    assert_int_equal(n, (int)num_in(strstr(j, "\"exit_status\": 0"), "rows"));
    unlink(doc);
}

static void test_bench_json_stdout(void **state)
{
    (void)state;
    need_build();
    /* "-" puts the document on stdout instead of the table; --cputime
     * reaches the programs that take it: bench_lidar_raster then leaves
     * OpenCL out (its work is on the driver's threads). */
    assert_int_equal(run_exe(exe, "bench --quick --runs 3 --cputime pipeline "
                                  "raster --json -"),
                     0);
    assert_true(out[0] == '{');
    assert_null(strstr(out, "== bench_pipeline"));
    assert_non_null(strstr(out, "\"runs\": 3"));
    assert_non_null(strstr(out, "\"cputime\": true"));
    assert_non_null(strstr(out, "\"group\": \"pipeline\", \"pipeline\":"));
    assert_non_null(strstr(out, "\"ns_per_frame\":"));
    assert_non_null(strstr(out, "\"group\": \"raster\", \"kernel\":\"bev\""));
    assert_null(strstr(out, "\"backend\":\"opencl"));
    /* Programs run in the documented order whatever the order asked. */
    assert_true(strstr(out, "\"bench_lidar_raster\"") <
                strstr(out, "\"bench_pipeline\""));
}

static void test_bench_errors(void **state)
{
    (void)state;
    need_build();
    assert_int_equal(run_exe(exe, "bench nosuch"), 2);
    assert_non_null(strstr(out,
                           "unknown group 'nosuch', expected lidar, "
                           "raster, camera, io, pipeline, soak, compare or "
                           "all"));
    assert_int_equal(run_exe(exe, "bench --runs 0"), 2);
    assert_non_null(strstr(out, "--runs '0', expected a whole number"));
    assert_int_equal(run_exe(exe, "bench --json"), 2);
    assert_non_null(strstr(out, "--json needs a value"));
    /* an unwritable --json fails before any program runs (none prints) */
    iot_write_str(iot_tmp("plain"), "x");
    char jargs[2200];
    snprintf(jargs, sizeof jargs, "bench --quick lidar --json '%s/b.json'",
             iot_tmp("plain"));
    assert_int_equal(run_exe(exe, jargs), 1);
    assert_non_null(strstr(out, "bench: --json: "));
    assert_non_null(strstr(out, "plain/b.json: cannot create"));
    assert_null(strstr(out, "voxel"));
    assert_int_equal(run_exe(exe, "bench --frobnicate"), 2);
    assert_int_equal(run_exe(exe, "bench --help"), 0);
    assert_non_null(strstr(out, "usage: sensorpipe bench"));

    /* A copy of the program away from its build tree finds no programs
     * (unless they are installed). */
    iot_mkdirs(iot_tmp("bin"));
    const char *copy = iot_tmp("bin/sensorpipe");
    char args[4096];
    snprintf(args, sizeof args, "'%s' '%s' && chmod +x '%s'", exe, copy, copy);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "cp %s", args);
    assert_int_equal(system(cmd), 0);
    unsetenv("SP_BENCH_DIR");
    int rc = run_exe(copy, "bench --quick lidar");
    if (strstr(out, "not found in")) {
        assert_int_equal(rc, 1);
        assert_non_null(strstr(out, "sensorpipe bench: bench_lidar not found "
                                    "in "));
        assert_non_null(strstr(out, "build with -DSP_BUILD_BENCH=ON"));
    } else {
        printf("bench programs are installed: the not-found case is not "
               "checked\n");
    }
    /* SP_BENCH_DIR names the folder explicitly. */
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    snprintf(cmd, sizeof cmd, "%s/bench", dir ? dir : ".");
    setenv("SP_BENCH_DIR", cmd, 1);
    rc = run_exe(copy, "bench --quick --runs 1 lidar");
    unsetenv("SP_BENCH_DIR");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "== bench_lidar (lidar)"));
    unlink(copy);
}

static void test_bench_soak(void **state)
{
    (void)state;
    need_build();
    /* A quick soak (10,000 frames): the row carries the drift figures, and
     * the run is flat (RSS within 1 MiB after warm-up, no heap allocation
     * in its second half but pool block headers). */
    int rc = run_exe(exe, "bench --quick soak --json -");
    if (rc != 0)
        printf("%s\n", out);
    assert_int_equal(rc, 0);
    const char *row = strstr(out, "\"group\": \"soak\", \"soak\":");
    assert_non_null(row);
    static const char *const keys[] = {"\"frames\": 10000",
                                       "\"fps\":",
                                       "\"cpu_s\":",
                                       "\"loadavg_end\":",
                                       "\"rss_kb_range\":",
                                       "\"rss_kb_drift\":",
                                       "\"heap_allocs_after_warmup\":",
                                       "\"heap_allocs_second_half\":",
                                       "\"pool_blocks_end\":",
                                       "\"flat\": true"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!strstr(row, keys[k])) {
            printf("missing %s in %s\n", keys[k], row);
            fail();
        }
    assert_true(num_in(row, "rss_kb_range") <= 1024);
}

/* bench_chain with its data folder relative to the current folder (the
 * README's command from the project root takes ../shared/data): its
 * sample links live in TMPDIR, where a relative target would resolve from
 * there, so they must point at the folder's real path (they did not: "no
 * stream has files"). The Python comparison is left out: SP_BENCH_SRC
 * names no script, and the program says so. */
static void test_bench_chain_relative_data(void **state)
{
    (void)state;
    need_build();
    const char *env = getenv("SP_TEST_DATA");
    char data[PATH_MAX], prog[PATH_MAX], rel[1100];
    if (!iot_data("kitti_object/training/velodyne/000000.bin") || !env ||
        !realpath(env, data)) {
        printf("skip: no KITTI object samples under $SP_TEST_DATA\n");
        skip();
    }
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    snprintf(rel, sizeof rel, "%s/bench/bench_chain", dir ? dir : ".");
    if (!realpath(rel, prog)) {
        printf("skip: %s not built\n", rel);
        skip();
    }
    /* From the data folder's parent, the data folder by its bare name. */
    char *slash = strrchr(data, '/');
    assert_non_null(slash);
    *slash = '\0';
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && SP_TEST_DATA='%s' SP_BENCH_SRC=/nonexistent '%s' "
             "--quick 2>&1",
             *data ? data : "/", slash + 1, prog);
    if (run_cmd(cmd) != 0 || !strstr(out, "kitti chain, ") ||
        !strstr(out, "ms per sample") || !strstr(out, "python chain not timed"))
        fail_msg("%s: expected a timed chain and no Python row, got:\n%s", cmd,
                 out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_lidar_json),
        cmocka_unit_test(test_bench_json_stdout),
        cmocka_unit_test(test_bench_errors),
        cmocka_unit_test(test_bench_soak),
        cmocka_unit_test(test_bench_chain_relative_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
