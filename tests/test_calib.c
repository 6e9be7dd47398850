/* ctest-label: io */
/* KITTI calibration and timestamps parsers (io/calib.c, io/timestamps.c) on
 * text held in memory: what they accept and the exact line they blame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_kitti.h"

static void test_object_calib(void **state)
{
    (void)state;
    const char *t =
        "P0: 1 0 0 0 0 1 0 0 0 0 1 0\n"
        "P1: 1 0 0 -1 0 1 0 0 0 0 1 0\n"
        "P2: 7.070493e+02 0 6.040814e+02 4.575831e+01 0 7.070493e+02 "
        "1.805066e+02 -3.454157e-01 0 0 1 4.981016e-03\n"
        "P3: 1 0 0 -3 0 1 0 0 0 0 1 0\n"
        "R_rect 1 0 0 0 1 0 0 0 1\n"; /* no colon: malformed */
    sp_calib c;
    assert_int_equal(sp_calib_parse_kitti(t, strlen(t), "calib/000007.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("calib/000007.txt: line 5", "expected 'key: values'", NULL);

    const char *ok =
        "P0: 1 0 0 0 0 1 0 0 0 0 1 0\n"
        "P1: 1 0 0 -1 0 1 0 0 0 0 1 0\n"
        "P2: 7.070493e+02 0 6.040814e+02 4.575831e+01 0 7.070493e+02 "
        "1.805066e+02 -3.454157e-01 0 0 1 4.981016e-03\n"
        "P3: 1 0 0 -3 0 1 0 0 0 0 1 0\n"
        "R_rect: 0.9 0 0 0 1 0 0 0 1\n"
        "Tr_velo_cam: 0 -1 0 0.1 0 0 -1 0.2 1 0 0 0.3\r\n"
        "\n"
        "Tr_imu_velo: 1 2 3\n";
    assert_int_equal(sp_calib_parse_kitti(ok, strlen(ok), "tracking.txt", &c),
                     SP_OK);
    assert_true(c.has_P && c.has_R0 && c.has_velo_to_cam && !c.has_K);
    assert_true(c.P[2][3] == 45.75831 && c.P[3][3] == -3);
    assert_true(c.R0[0] == 0.9);
    assert_true(c.velo_to_cam[11] == 0.3);
    assert_int_equal(c.camera, 2);
    assert_string_equal(c.source, "tracking.txt");

    /* Only P2: a partial file still gives the usual camera; R0 identity. */
    const char *p2 = "P2: 1 0 0 0 0 1 0 0 0 0 1 0\n";
    assert_int_equal(sp_calib_parse_kitti(p2, strlen(p2), "p2.txt", &c), SP_OK);
    assert_true(c.has_P && !c.has_R0 && !c.has_velo_to_cam);
    assert_true(c.R0[0] == 1 && c.R0[4] == 1 && c.R0[1] == 0);
}

static void test_calib_errors(void **state)
{
    (void)state;
    sp_calib c;
    const char *few = "P2: 1 2 3\n";
    assert_int_equal(sp_calib_parse_kitti(few, strlen(few), "a.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("a.txt: line 1", "key 'P2' has 3 values, expected 12", NULL);
    const char *nan = "\n\nR0_rect: 1 0 0 0 x1 0 0 0 1\n";
    assert_int_equal(sp_calib_parse_kitti(nan, strlen(nan), "b.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("b.txt: line 3", "key 'R0_rect' value 5 'x1'",
                "expected a number", NULL);
    const char *velo = "R: 1 0 0 0 1 0 0 0 1\nT: 1 2\n";
    assert_int_equal(sp_calib_parse_kitti_raw(NULL, 0, NULL, velo, strlen(velo),
                                              "velo.txt", 2, &c),
                     SP_EFORMAT);
    iot_msg_has("velo.txt: line 2", "key 'T' has 2 values, expected 3", NULL);
    /* Unterminated last line, no NUL: nothing is read past len. */
    char buf[16];
    memcpy(buf, "P2: 1 2 3 4 5 6 ", 16);
    assert_int_equal(sp_calib_parse_kitti(buf, sizeof buf, "c.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("has 6 values", NULL);
}

/* What is no calibration is refused, naming the file: a text with none of
 * the keys, a camera matrix of zeros, NaN or infinity in a matrix. */
static void test_calib_refused(void **state)
{
    (void)state;
    sp_calib c;
    const char *none = "calib_time: 09-Jan-2012 13:57:47\nfoo: 1 2 3\n";
    assert_int_equal(sp_calib_parse_kitti(none, strlen(none), "n.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("n.txt: no calibration key found",
                "expected P0..P3, R0_rect or Tr_velo_to_cam", NULL);
    assert_int_equal(sp_calib_parse_kitti("", 0, "e.txt", &c), SP_EFORMAT);
    iot_msg_has("e.txt: no calibration key found", NULL);
    assert_int_equal(sp_calib_parse_kitti_raw(none, strlen(none), "cam.txt",
                                              NULL, 0, NULL, 2, &c),
                     SP_EFORMAT);
    iot_msg_has("cam.txt: no calibration key found", "K_02 or D_02", NULL);
    assert_int_equal(sp_calib_parse_kitti_raw(NULL, 0, NULL, none, strlen(none),
                                              "velo.txt", 2, &c),
                     SP_EFORMAT);
    iot_msg_has("velo.txt: no calibration key found", "R and T", NULL);

    const char *zp = "P2: 0 0 0 0 0 0 0 0 0 0 0 0\n";
    assert_int_equal(sp_calib_parse_kitti(zp, strlen(zp), "z.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("z.txt: key 'P2' is all zeros, expected a camera matrix", NULL);
    const char *zk = "K_02: 0 0 0 0 0 0 0 0 0\nD_02: 0 0 0 0 0\n";
    assert_int_equal(sp_calib_parse_kitti_raw(zk, strlen(zk), "zk.txt", NULL, 0,
                                              NULL, 2, &c),
                     SP_EFORMAT);
    iot_msg_has("zk.txt: key 'K_02' is all zeros", NULL);

    static const char *const bad[] = {"nan", "inf", "-inf", "1e999"};
    for (int i = 0; i < 4; i++) {
        char t[200];
        snprintf(t, sizeof t, "P2: 700 0 600 0 0 700 %s 0 0 0 1 0\n", bad[i]);
        assert_int_equal(sp_calib_parse_kitti(t, strlen(t), "f.txt", &c),
                         SP_EFORMAT);
        iot_msg_has("f.txt: line 1", "key 'P2' value 7", bad[i],
                    "expected a finite number", NULL);
    }
    /* A tiny (subnormal) number is a number. */
    const char *tiny = "P2: 700 0 600 1e-320 0 700 180 0 0 0 1 0\n";
    assert_int_equal(sp_calib_parse_kitti(tiny, strlen(tiny), "t.txt", &c),
                     SP_OK);
    assert_true(c.P[2][3] > 0 && c.P[2][3] < 1e-300);
}

static void test_timestamps_forms(void **state)
{
    (void)state;
    const char *t = "2011-09-26 14:30:15.002263428\n"
                    "2011-09-26 14:30:15.1\n"
                    "  2011-09-26T14:30:16  \r\n"
                    "1317047417.5\n"
                    "1317047418000000000\n"
                    "1.3170474185e+09\n"
                    "\n\n";
    int64_t v[8];
    size_t n;
    assert_int_equal(sp_timestamps_parse(t, strlen(t), "ts", v, 8, &n), SP_OK);
    assert_int_equal(n, 6);
    const int64_t s = 1317047415LL * 1000000000LL;
    assert_int_equal(v[0], s + 2263428);
    assert_int_equal(v[1], s + 100000000);
    assert_int_equal(v[2], s + 1000000000);
    assert_int_equal(v[3], s + 2500000000LL);
    assert_int_equal(v[4], s + 3000000000LL);
    assert_true(v[5] > s + 3499999000LL && v[5] < s + 3500001000LL);
    /* Counting pass writes nothing. */
    assert_int_equal(sp_timestamps_parse(t, strlen(t), "ts", NULL, 0, &n),
                     SP_OK);
    assert_int_equal(n, 6);
    assert_int_equal(sp_timestamps_parse("", 0, "ts", NULL, 0, &n), SP_OK);
    assert_int_equal(n, 0);
    /* Equal times are allowed (non-decreasing). */
    const char *eq = "5\n5\n";
    assert_int_equal(sp_timestamps_parse(eq, 4, "ts", v, 8, &n), SP_OK);
}

static void test_timestamps_errors(void **state)
{
    (void)state;
    int64_t v[8];
    size_t n;
    const char *bad = "2011-09-26 14:30:15.0\n2011-13-26 14:30:15.0\n";
    assert_int_equal(sp_timestamps_parse(bad, strlen(bad), "t.txt", v, 8, &n),
                     SP_EFORMAT);
    iot_msg_has("t.txt: line 2", "'2011-13-26 14:30:15.0'",
                "expected YYYY-MM-DD hh:mm:ss.nnnnnnnnn", NULL);
    const char *mid = "1\n\n2\n";
    assert_int_equal(sp_timestamps_parse(mid, strlen(mid), "t.txt", v, 8, &n),
                     SP_EFORMAT);
    iot_msg_has("t.txt: line 2", "empty line", NULL);
    const char *frac = "2011-09-26 14:30:15.\n";
    assert_int_equal(sp_timestamps_parse(frac, strlen(frac), "t.txt", v, 8, &n),
                     SP_EFORMAT);
    const char *junk = "2011-09-26 14:30:15.5 extra\n";
    assert_int_equal(sp_timestamps_parse(junk, strlen(junk), "t.txt", v, 8, &n),
                     SP_EFORMAT);
    const char *late = "2262-04-12 00:00:00\n"; /* past int64 ns */
    assert_int_equal(sp_timestamps_parse(late, strlen(late), "t.txt", v, 8, &n),
                     SP_EFORMAT);
    iot_msg_has("t.txt: line 1", NULL);
    const char *huge = "99999999999999999999999\n";
    assert_int_equal(sp_timestamps_parse(huge, strlen(huge), "t.txt", v, 8, &n),
                     SP_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_calib),
        cmocka_unit_test(test_calib_errors),
        cmocka_unit_test(test_calib_refused),
        cmocka_unit_test(test_timestamps_forms),
        cmocka_unit_test(test_timestamps_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
