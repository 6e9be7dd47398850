/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The `bag` source end to end on the real ROS1 recordings of the shared
 * data folder: every frame pulled through sp_pipeline_create("bag
 * path=...") is compared bit for bit with what tests/oracles/
 * bag_frames_oracle.py makes of the same messages (python3-rosbag, genpy,
 * numpy; the JPEG through libturbojpeg by ctypes): points, stream,
 * timestamps, origin, seq, order. LaserScan x and y are exact too: the
 * oracle takes cos and sin from Python's math module, which calls the same
 * glibc libm as the C library (numpy's own cos may differ by an ulp).
 * Skips when the data, python3-rosbag or numpy are missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bag_test.h"
#include "sp_calib.h"

#define SICK "sick_rms1000_lms1000_bz2.bag"
#define ALL_TIME INT64_MIN, INT64_MAX

/* Every PointCloud2 and LaserScan frame of the SICK bag (bz2 chunks), in
 * log-time order across the four topics, then in file order. */
static void test_sick_every_frame(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_real(SICK);
    if (!bag)
        skip();
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    size_t *idx = malloc(o.nf * sizeof *idx);
    assert_non_null(idx);
    size_t n = bt_select(&o, NULL, 0, ALL_TIME, SIZE_MAX, idx);
    /* MANIFEST: /cloud 89, radar raw targets 139, radar tracks 108,
     * scans 89 */
    assert_int_equal(n, 89 + 139 + 108 + 89);
    size_t per[4] = {0};
    for (size_t i = 0; i < n; i++) {
        const char *t = o.f[idx[i]].topic;
        per[0] += !strcmp(t, "/cloud");
        per[1] += !strcmp(t, "/cloud_radar_rawtarget");
        per[2] += !strcmp(t, "/cloud_radar_track");
        per[3] += !strcmp(t, "/sick_lms_1xx/scan");
        if (i)
            assert_true(o.f[idx[i]].log_time >= o.f[idx[i - 1]].log_time);
    }
    assert_int_equal(per[0], 89);
    assert_int_equal(per[1], 139);
    assert_int_equal(per[2], 108);
    assert_int_equal(per[3], 89);
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path='%s'", bag);
    sp_pipeline *p = bt_run_expect(launch, &o, idx, n, bag);
    /* the topics of other types are left out, and said so */
    bt_note_has(p, "messages not decoded", "/rosout (rosgraph_msgs/Log, 35)",
                NULL);
    /* the radars' own fields (vx, vrad, amplitude...) are kept as extras */
    assert_null(bt_note(p, "/cloud_radar_track"));
    assert_null(bt_note(p, "/cloud_radar_rawtarget"));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* As stored, which is not time order in this bag. */
    n = bt_select(&o, NULL, 1, ALL_TIME, SIZE_MAX, idx);
    size_t moved = 0;
    for (size_t i = 0; i < n; i++)
        moved += idx[i] != i;
    print_message("order=file: %zu of %zu frames elsewhere than in time "
                  "order\n",
                  moved, n);
    snprintf(launch, sizeof launch, "bag path='%s' order=file", bag);
    p = bt_run_expect(launch, &o, idx, n, bag);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    free(idx);
    bt_oracle_free(&o);
}

/* embag_test.bag: a real Luminar cloud (x, y, z, intensity float32,
 * laser_id uint16 -> ring; time_sec / time_nsec kept as extras) and a
 * simulator's LaserScan; lz4 chunks. */
static void test_luminar(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_real("embag_test.bag");
    if (!bag)
        skip();
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    size_t idx[64];
    size_t n = bt_select(&o, NULL, 0, ALL_TIME, 64, idx);
    assert_int_equal(n, 10);
    size_t clouds = 0;
    for (size_t i = 0; i < n; i++) {
        const bt_frame *e = &o.f[idx[i]];
        if (!strcmp(e->topic, "/luminar_pointcloud")) {
            clouds++;
            assert_true(e->ring && !e->time);
            assert_true(e->n >= 35707);
        }
    }
    assert_int_equal(clouds, 5);
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path='%s'", bag);
    sp_pipeline *p = bt_run_expect(launch, &o, idx, n, bag);
    assert_null(bt_note(p, "/luminar_pointcloud")); /* kept as extras */
    bt_note_has(p, "/base_pose_ground_truth (nav_msgs/Odometry, 5)", NULL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    bt_oracle_free(&o);
}

/* swri: one 64-beam cloud of 124,914 points ~1.3 km from the origin, ring
 * uint16 0..63, in a single lz4 chunk. */
static void test_swri(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_real("swri_pointcloud2_lz4.bag");
    if (!bag)
        skip();
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    assert_int_equal(o.nf, 1);
    assert_int_equal(o.f[0].n, 124914);
    assert_true(o.f[0].ring);
    const uint16_t *ring =
        (const uint16_t *)(const void *)(o.data + o.f[0].off + 16 * 124914);
    uint16_t lo = 65535, hi = 0;
    for (size_t i = 0; i < 124914; i++) {
        lo = ring[i] < lo ? ring[i] : lo;
        hi = ring[i] > hi ? ring[i] : hi;
    }
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 63);
    char launch[1200];
    size_t idx[1] = {0};
    snprintf(launch, sizeof launch, "bag path='%s' topics=/pointcloud2", bag);
    sp_pipeline *p = bt_run_expect(launch, &o, idx, 1, bag);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    bt_oracle_free(&o);
}

/* The two images of @p a and @p b: same size and format; returns 1 when
 * every pixel is equal. */
static int same_pixels(const sp_image *a, const sp_image *b)
{
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_int_equal(a->format, b->format);
    size_t row = sp_image_row_bytes(a->width, a->format);
    for (uint32_t y = 0; y < a->height; y++)
        if (memcmp(a->data + y * a->stride, b->data + y * b->stride, row))
            return 0;
    return 1;
}

static sp_frame *pull_one(const char *launch, sp_pipeline **pp)
{
    *pp = bt_create(launch);
    sp_frame *f = NULL;
    int rc = sp_pipeline_pull(*pp, &f);
    if (rc != SP_OK)
        fail_msg("%s: %s: %s", launch, sp_status_name(rc), sp_errmsg());
    return f;
}

/* The ubiquity bag's JPEG CompressedImage becomes an rgb8 frame equal to
 * libjpeg-turbo's own decode, carrying the CameraInfo recorded beside it
 * (K, D, size exactly the message's); `undistort` uses that calibration:
 * the same output as undistort given the same numbers as properties. */
static void test_jpeg_and_calibration(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_real("ubiquity_aruco_marker_jpeg.bag");
    if (!bag)
        skip();
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    assert_int_equal(o.nf, 1);
    assert_int_equal(o.nc, 1);
    assert_string_equal(o.f[0].fmt, "rgb8");
    assert_int_equal(o.f[0].w, 1280);
    assert_int_equal(o.f[0].h, 720);
    assert_string_equal(o.f[0].calib, "/raspicam_node/camera_info");
    char launch[1400];
    size_t idx[1] = {0};
    snprintf(launch, sizeof launch, "bag path='%s'", bag);
    sp_pipeline *p = bt_run_expect(launch, &o, idx, 1, bag);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* calib=false: no calibration on the frame */
    sp_pipeline *pa, *pb;
    snprintf(launch, sizeof launch, "bag path='%s' calib=false", bag);
    sp_frame *raw = pull_one(launch, &pa);
    assert_null(raw->calib);

    snprintf(launch, sizeof launch, "bag path='%s' ! undistort", bag);
    sp_frame *a = pull_one(launch, &pb);
    const bt_cal *c = &o.c[0];
    assert_int_equal(c->nD, 5);
    snprintf(launch, sizeof launch,
             "bag path='%s' calib=false ! undistort fx=%.17g fy=%.17g "
             "cx=%.17g cy=%.17g k1=%.17g k2=%.17g p1=%.17g p2=%.17g k3=%.17g",
             bag, c->K[0], c->K[4], c->K[2], c->K[5], c->D[0], c->D[1], c->D[2],
             c->D[3], c->D[4]);
    sp_pipeline *pc;
    sp_frame *b = pull_one(launch, &pc);
    assert_true(same_pixels(&a->u.image, &b->u.image));
    /* and it did something: the lens has distortion */
    assert_false(same_pixels(&a->u.image, &raw->u.image));
    sp_frame_unref(raw);
    sp_frame_unref(a);
    sp_frame_unref(b);
    assert_int_equal(sp_pipeline_destroy(pa), SP_OK);
    assert_int_equal(sp_pipeline_destroy(pb), SP_OK);
    assert_int_equal(sp_pipeline_destroy(pc), SP_OK);
    bt_oracle_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sick_every_frame),
        cmocka_unit_test(test_luminar),
        cmocka_unit_test(test_swri),
        cmocka_unit_test(test_jpeg_and_calibration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
