/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The `bag` source on fixture logs that hold what the real recordings lack
 * (tests/oracles/bag_src_fixtures.py: every PointField datatype in every
 * channel, big-endian clouds, an organised cloud with NaN points and row
 * padding, point_step padding, fields to map and to drop, a zero stamp, a
 * LaserScan; Image in twelve encodings with padded rows, little- and
 * big-endian; CameraInfo by namespace and by frame_id), each in three
 * containers: the ROS1 bag python3-rosbag wrote, the same messages as CDR
 * in an MCAP file (@foxglove/rosmsg2-serialization, @mcap/core) and in a
 * rosbag2 .db3 (Python's sqlite3). Every frame equals, bit for bit, what
 * bag_frames_oracle.py computes from the ROS1 bag with numpy; a few values
 * are also checked by hand here, so the oracle's reading of the rules is
 * checked too. Skips when python3-rosbag / numpy (everything) or node and
 * tests/oracles/node_modules (MCAP, rosbag2) are missing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bag_test.h"

#define ALL_TIME INT64_MIN, INT64_MAX

/* The frames of @p path (a container holding the messages of @p o) equal
 * the oracle's, in time order and in file order; @p props are added to
 * the bag element. */
static void same_as_oracle(const char *path, const bt_oracle *o,
                           const char *topics, const char *props)
{
    size_t *idx = malloc((o->nf + 1) * sizeof *idx);
    assert_non_null(idx);
    char launch[2048];
    for (int file = 0; file < 2; file++) {
        size_t n = bt_select(o, topics, file, ALL_TIME, SIZE_MAX, idx);
        assert_true(n > 0);
        snprintf(launch, sizeof launch, "bag path='%s' topics='%s' %s%s", path,
                 topics ? topics : "", props ? props : "",
                 file ? " order=file" : "");
        sp_pipeline *p = bt_run_expect(launch, o, idx, n, path);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
    free(idx);
}

static uint32_t bits(float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    return u;
}

/* Frame @p k of topic @p topic of @p path (the pipeline stays open for the
 * caller to destroy after releasing the frame). */
static sp_frame *frame_of(const char *path, const char *topic, int k,
                          sp_pipeline **pp)
{
    char launch[1400];
    snprintf(launch, sizeof launch, "bag path='%s' topics=%s", path, topic);
    *pp = bt_create(launch);
    sp_frame *f = NULL;
    for (int i = 0; i <= k; i++) {
        sp_frame_unref(f);
        f = NULL;
        int rc = sp_pipeline_pull(*pp, &f);
        if (rc != SP_OK)
            fail_msg("%s: %s", launch, sp_errmsg());
    }
    return f;
}

/* The rules of sp_rosmsg.h / bag_decode.c on values chosen by hand. */
static void hand_checks(const char *path)
{
    sp_pipeline *p;
    /* int32: ring clamped to 0..65535; x converted, rounded to float32 */
    sp_frame *f = frame_of(path, "/dt5", 0, &p);
    const sp_points *pt = &f->u.points;
    assert_int_equal(pt->ring[0], 0);     /* INT32_MIN */
    assert_int_equal(pt->ring[1], 65535); /* INT32_MAX */
    assert_true(pt->x[1] == 2147483648.0f);
    assert_true(pt->time[0] == (float)(-2147483648.0 * 1e-9));
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* float32: copied bit for bit; ring NaN -> 0, -1.5 -> 0, 70000.7 ->
     * 65535, 3.9 -> 3, -inf -> 0, +inf -> 65535 */
    f = frame_of(path, "/dt7", 0, &p);
    pt = &f->u.points;
    assert_true(isnan(pt->x[0]) && bits(pt->y[1]) == 0x80000000u);
    assert_true(isinf(pt->z[2]) && pt->intensity[6] == 1.5f);
    static const uint16_t ring7[9] = {0, 0,     65535, 3, 65535,
                                      0, 65535, 65535, 0};
    assert_memory_equal(pt->ring, ring7, sizeof ring7);
    assert_true(isnan(pt->time[1]));
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* float64: -0 becomes +0 (v * 1 + 0), 1e300 -> inf, time relative to
     * the first finite value (point 1: points 0 and 3 are NaN, inf) */
    f = frame_of(path, "/dt8", 0, &p);
    pt = &f->u.points;
    assert_int_equal(bits(pt->x[1]), 0);
    assert_true(isinf(pt->x[8]) && pt->x[9] == 0.0f);
    assert_true(isnan(pt->time[0]) && pt->time[1] == 0.0f);
    assert_true(isinf(pt->time[3]));
    assert_true(fabsf(pt->time[2] - 1.3e-5f) < 1e-6f);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* uint32 time in ns: 4294967295 ns */
    f = frame_of(path, "/dt6", 0, &p);
    assert_true(f->u.points.time[1] == (float)(4294967295.0 * 1e-9));
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* organised: 4 rows kept, NaN payloads and -0 bit for bit */
    f = frame_of(path, "/organised", 1, &p);
    pt = &f->u.points;
    assert_int_equal(pt->height, 4);
    assert_int_equal(pt->count, 24);
    assert_int_equal(bits(pt->x[1]), 0x7fc00000u);
    assert_int_equal(bits(pt->y[7]), 0xffc00000u);
    assert_int_equal(bits(pt->z[12]), 0x7fa00001u);
    assert_int_equal(bits(pt->x[23]), 0x7fc0beefu);
    assert_int_equal(bits(pt->z[5]), 0x80000000u);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void clouds(const char *path, const char *origin_name)
{
    bt_oracle o;
    bt_oracle_load(bt_fixture("clouds.bag"), NULL, &o);
    /* 8 datatypes, 2 x 2 big-endian, 2 organised, 3 x 3 padded / mapped /
     * extra, the zero stamp, 2 scans; not the 3 strings */
    assert_int_equal(o.nf, 8 + 4 + 2 + 9 + 1 + 2);
    same_as_oracle(path, &o, NULL, NULL);
    hand_checks(path);
    /* the same cloud, its channels picked by fields= */
    bt_oracle m;
    bt_oracle_load(bt_fixture("clouds.bag"), "ring:channel,time:time_stamp",
                   &m);
    same_as_oracle(path, &m, "/mapped", "fields=ring:channel,time:time_stamp");
    bt_oracle_free(&m);
    bt_oracle_free(&o);
    print_message("%s: every frame as the oracle's\n", origin_name);
}

static void test_clouds_ros1(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    clouds(bt_fixture("clouds.bag"), "clouds.bag");
}

static void test_clouds_mcap(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    clouds(bt_fixture_mcap("clouds"), "clouds.mcap");
}

static void test_clouds_rosbag2(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    clouds(bt_fixture_r2("clouds"), "clouds_r2");
}

/* The calibration rules on the fixture: namespace (recorded after the
 * first image), frame_id (another namespace), the longest namespace of two
 * nested ones, none. */
static void images(const char *path)
{
    bt_oracle o;
    bt_oracle_load(bt_fixture("images.bag"), NULL, &o);
    assert_int_equal(o.nf, 2 * 13);
    assert_int_equal(o.nc, 4);
    size_t calibrated = 0;
    for (size_t i = 0; i < o.nf; i++) {
        const bt_frame *e = &o.f[i];
        if (strstr(e->topic, "/cam_rgb8/"))
            assert_string_equal(e->calib, "/cam_rgb8/camera_info");
        else if (strstr(e->topic, "/cam_bgr8/"))
            assert_string_equal(e->calib, "/elsewhere/camera_info");
        else if (strstr(e->topic, "/stereo/left/"))
            assert_string_equal(e->calib, "/stereo/left/camera_info");
        else
            assert_string_equal(e->calib, "-");
        calibrated += strcmp(e->calib, "-") != 0;
    }
    assert_int_equal(calibrated, 6);
    same_as_oracle(path, &o, NULL, NULL);
    /* calib=false: the same pixels, no calibration attached */
    for (size_t i = 0; i < o.nf; i++)
        snprintf(o.f[i].calib, sizeof o.f[i].calib, "-");
    same_as_oracle(path, &o, "/cam_rgb8/*,/cam_bgr8/*", "calib=false");
    bt_oracle_free(&o);
}

static void test_images_ros1(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    images(bt_fixture("images.bag"));
}

static void test_images_mcap(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    images(bt_fixture_mcap("images"));
}

static void test_images_rosbag2(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    images(bt_fixture_r2("images"));
}

/* By hand: the 32FC1 images hold real floats (normal, sigma 100, one NaN)
 * in both byte orders, so a missing or extra swap shows as absurd values;
 * the oracle covers the other encodings. */
static void test_float_image_byte_order(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *path = bt_fixture("images.bag");
    for (int k = 0; k < 2; k++) { /* little-endian, then big-endian */
        sp_pipeline *p;
        sp_frame *f = frame_of(path, "/cam_32fc1/image_raw", k, &p);
        const sp_image *im = &f->u.image;
        assert_int_equal(im->format, SP_PIX_F32);
        for (uint32_t i = 0; i < im->width * im->height; i++) {
            float v;
            memcpy(&v,
                   im->data + (i / im->width) * im->stride +
                       4 * (i % im->width),
                   4);
            if (i == 3)
                assert_true(isnan(v));
            else if (!(fabsf(v) < 1000.0f))
                fail_msg("message %d pixel %u: %g", k, i, v);
        }
        sp_frame_unref(f);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clouds_ros1),
        cmocka_unit_test(test_clouds_mcap),
        cmocka_unit_test(test_clouds_rosbag2),
        cmocka_unit_test(test_images_ros1),
        cmocka_unit_test(test_images_mcap),
        cmocka_unit_test(test_images_rosbag2),
        cmocka_unit_test(test_float_image_byte_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
