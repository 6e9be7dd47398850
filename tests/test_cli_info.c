/* ctest-label: io */
/* `sensorpipe info` as a user runs it: exit codes, text and JSON output,
 * and the message for a path it cannot describe. Runs the built program
 * ($SP_TEST_BINARY_DIR/cli/sensorpipe). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "sp_iotest.h"

static char out[65536];

/* Runs `sensorpipe ARGS 2>&1`; returns the exit status, output in out. */
static int run(const char *args)
{
    char exe[1024], cmd[4096];
    const char *dir = getenv("SP_TEST_BINARY_DIR");
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", dir ? dir : ".");
    struct stat st;
    if (stat(exe, &st) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", exe, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_info_kitti_text_and_json(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object");
    if (!dir)
        skip();
    char args[2048];
    snprintf(args, sizeof args, "info '%s'", dir);
    int rc = run(args);
    if (rc < 0)
        skip();
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "layout:  kitti object"));
    assert_non_null(strstr(out, "stream velodyne (lidar): 3 frames"));
    assert_non_null(strstr(out, "points/frame min 115384 mean 120847.7 max "
                                "126891"));
    assert_non_null(strstr(out, "image 1224x370 rgb8"));
    snprintf(args, sizeof args, "info --json --sample 2 '%s'", dir);
    assert_int_equal(run(args), 0);
    assert_true(out[0] == '{');
    assert_non_null(strstr(out, "\"calib\": \"found\""));
    assert_non_null(strstr(out, "\"sampled\": 2"));
}

static void test_info_errors(void **state)
{
    (void)state;
    int rc = run("info /no/such/place");
    if (rc < 0)
        skip();
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "sensorpipe: /no/such/place: no such file "
                                "or folder"));
    assert_int_equal(run("info"), 2);
    assert_int_equal(run("info --sample 0 x"), 2);
    assert_non_null(strstr(out, "--sample '0'"));
    assert_int_equal(run("info --help"), 0);
    assert_non_null(strstr(out, "usage: sensorpipe info"));
    const char *bad = iot_tmp("bad.bin");
    char b[20] = {0};
    iot_write(bad, b, sizeof b);
    char args[1024];
    snprintf(args, sizeof args, "info '%s'", bad);
    assert_int_equal(run(args), 0);
    /* 20 bytes: records of 5 floats fit, and the sample says why */
    assert_non_null(strstr(out, "float32 records that fit: 5 (20 B)"));
    assert_non_null(strstr(out, "sampled frames failed"));
    assert_non_null(strstr(out, "expected a multiple of the 16-byte record"));
    /* 19 bytes: no record of 3 to 8 floats divides it, and it says so */
    bad = iot_tmp("cut.bin");
    iot_write(bad, b, 19);
    snprintf(args, sizeof args, "info '%s'", bad);
    assert_int_equal(run(args), 0);
    assert_non_null(strstr(out, "19 bytes; no record of 3 to 8 float32 "
                                "divides it (cut short, or not float32 "
                                "records)"));
    assert_non_null(strstr(out, "are not a whole number of 16-byte records "
                                "(4 floats: x,y,z,i), nor of any record of 3 "
                                "to 8 float32"));
    assert_null(strstr(out, "none floats"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_kitti_text_and_json),
        cmocka_unit_test(test_info_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
