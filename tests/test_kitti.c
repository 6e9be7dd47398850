/* ctest-label: io */
/* KITTI (io/kitti.c): the real object set and raw sweeps in $SP_TEST_DATA,
 * and a small raw drive written here (two streams with interleaved
 * timestamps, calibration one folder up) to check the merge order, stream
 * selection, start/count/step, calibration and laziness. */
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_kitti.h"

#define T0 1317047415LL /* 2011-09-26 14:30:15 UTC */

static void test_object_set(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object");
    if (!dir)
        skip();
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(dir, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_get_layout(k), SP_KITTI_OBJECT);
    assert_non_null(strstr(sp_kitti_note(k), "x 100 ms"));
    assert_int_equal(sp_kitti_stream_count(k), 2);
    sp_kitti_stream_info si;
    assert_int_equal(sp_kitti_stream_get(k, 1, &si), SP_OK);
    assert_string_equal(si.name, "image_02");
    assert_int_equal(si.frames, 3);
    assert_int_equal(si.has_timestamps, 0);
    assert_int_equal(si.t_last, 200000000);
    assert_int_equal(sp_kitti_frame_count(k), 6);

    static const size_t pts[3] = {115384, 120268, 126891};
    static const uint32_t w[3] = {1224, 1242, 1242}, h[3] = {370, 375, 375};
    for (size_t i = 0; i < 6; i++) {
        sp_kitti_frame f;
        assert_int_equal(sp_kitti_frame_get(k, i, &f), SP_OK);
        assert_int_equal(f.timestamp_ns, (int64_t)(i / 2) * 100000000);
        assert_int_equal(f.index, i / 2);
        assert_int_equal(f.is_camera, (int)(i % 2));
        const sp_calib *c;
        assert_int_equal(sp_kitti_calib_get(k, i, &c), SP_OK);
        assert_true(c->has_P && c->has_R0 && c->has_velo_to_cam);
        assert_int_equal(c->camera, 2);
        assert_non_null(strstr(c->source, "calib/00000"));
        if (i < 2) {
            /* calib/000000.txt: P2 fx and Tr_velo_to_cam[0]. */
            assert_true(c->P[2][0] == 707.0493);
            assert_true(c->P[2][3] == 45.75831);
            assert_true(c->velo_to_cam[0] == 6.927964e-03);
            assert_true(c->R0[0] == 0.9999128);
        }
        if (!f.is_camera) {
            size_t n;
            assert_int_equal(sp_kitti_points_shape(k, i, &n), SP_OK);
            assert_int_equal(n, pts[i / 2]);
            sp_points p;
            void *mem = iot_points_alloc(&p, n, 0);
            assert_int_equal(sp_kitti_points_read(k, i, &p), SP_OK);
            assert_int_equal(p.count, n);
            free(mem);
            uint32_t a, b;
            sp_pixfmt fmt;
            assert_int_equal(sp_kitti_image_shape(k, i, &a, &b, &fmt),
                             SP_EINVAL);
        } else {
            uint32_t a, b;
            sp_pixfmt fmt;
            assert_int_equal(sp_kitti_image_shape(k, i, &a, &b, &fmt), SP_OK);
            assert_int_equal(a, w[i / 2]);
            assert_int_equal(b, h[i / 2]);
            assert_int_equal(fmt, SP_PIX_RGB8);
            sp_image img;
            void *mem = iot_image_alloc(&img, a, b, fmt, 0);
            assert_int_equal(sp_kitti_image_read(k, i, &img), SP_OK);
            free(mem);
            size_t n;
            assert_int_equal(sp_kitti_points_shape(k, i, &n), SP_EINVAL);
        }
    }
    sp_kitti_destroy(k);

    /* streams=velodyne only, as image_2 spelt the object way works too. */
    sp_kitti_desc d = {.streams = "image_2", .start = 1};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_OK);
    assert_int_equal(sp_kitti_frame_count(k), 2);
    sp_kitti_destroy(k);
    d = (sp_kitti_desc){.streams = "image_00"};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_ENOTFOUND);
    iot_msg_has("training/image_0", "stream 'image_00'",
                "(streams here: velodyne, image_02)", NULL);
}

static void test_raw_sweeps(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_raw_seq");
    if (!dir)
        skip();
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(dir, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_get_layout(k), SP_KITTI_RAW);
    assert_string_equal(sp_kitti_note(k), "");
    assert_int_equal(sp_kitti_stream_count(k), 1);
    assert_int_equal(sp_kitti_frame_count(k), 11);
    sp_kitti_frame f;
    assert_int_equal(sp_kitti_frame_get(k, 0, &f), SP_OK);
    assert_int_equal(f.timestamp_ns, T0 * 1000000000LL + 2263428);
    assert_int_equal(sp_kitti_frame_get(k, 10, &f), SP_OK);
    assert_int_equal(f.timestamp_ns, (T0 + 1) * 1000000000LL + 37663703);
    for (size_t i = 0; i < 11; i++) {
        size_t n;
        assert_int_equal(sp_kitti_points_shape(k, i, &n), SP_OK);
        assert_true(n >= 117599 && n <= 117763);
    }
    /* No calibration there: not an error until someone needs it. */
    const sp_calib *c;
    assert_int_equal(sp_kitti_calib_get(k, 3, &c), SP_OK);
    assert_false(c->has_P || c->has_velo_to_cam || c->has_K);
    assert_non_null(strstr(c->source, "calib_cam_to_cam.txt and "
                                      "calib_velo_to_cam.txt not found in"));
    sp_kitti_destroy(k);

    sp_kitti_desc d = {
        .streams = "velodyne", .start = 2, .count = 3, .step = 3};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_OK);
    assert_int_equal(sp_kitti_frame_count(k), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sp_kitti_frame_get(k, i, &f), SP_OK);
        assert_int_equal(f.index, 2 + 3 * i);
    }
    sp_kitti_destroy(k);
    d = (sp_kitti_desc){.start = 11};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_ENOTFOUND);
    iot_msg_has("start=11 selects no frame", "expected start < 11", NULL);
    d = (sp_kitti_desc){.step = -1};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_EINVAL);
    d = (sp_kitti_desc){.streams = "velodyne,lidar2"};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_EINVAL);
    iot_msg_has("unknown stream 'lidar2'", "expected velodyne", NULL);
    d = (sp_kitti_desc){.streams = "image_02"};
    assert_int_equal(sp_kitti_create(dir, &d, &k), SP_ENOTFOUND);
    iot_msg_has("image_02", "(streams here: velodyne)", NULL);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ---- a drive written here ---- */

static void write_png_gray(const char *path, uint32_t w, uint32_t h, uint8_t v)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = w;
    im.height = h;
    im.format = PNG_FORMAT_GRAY;
    uint8_t *px = malloc((size_t)w * h);
    memset(px, v, (size_t)w * h);
    assert_true(png_image_write_to_file(&im, path, 0, px, 0, NULL));
    free(px);
}

static const char *cam_to_cam =
    "calib_time: 09-Jan-2012 13:57:47\n"
    "corner_dist: 9.950000e-02\n"
    "S_00: 1.392000e+03 5.120000e+02\n"
    "K_00: 9.842439e+02 0.000000e+00 6.900000e+02 0.000000e+00 "
    "9.808141e+02 2.331966e+02 0.000000e+00 0.000000e+00 1.000000e+00\n"
    "D_00: -3.728755e-01 2.037299e-01 2.219027e-03 1.383707e-03 "
    "-7.233722e-02\n"
    "R_rect_00: 9.999239e-01 9.837760e-03 -7.445048e-03 -9.869795e-03 "
    "9.999421e-01 -4.278459e-03 7.402527e-03 4.351614e-03 9.999631e-01\n"
    "P_rect_00: 7.215377e+02 0.000000e+00 6.095593e+02 0.000000e+00 "
    "0.000000e+00 7.215377e+02 1.728540e+02 0.000000e+00 0.000000e+00 "
    "0.000000e+00 1.000000e+00 0.000000e+00\n"
    "P_rect_01: 1 0 0 -3.875744e+02 0 1 0 0 0 0 1 0\n"
    "P_rect_02: 2 0 0 4.485728e+01 0 2 0 2.163791e-01 0 0 1 2.745884e-03\n"
    "P_rect_03: 3 0 0 -3.395242e+02 0 3 0 2.199936e+00 0 0 1 2.729905e-03\n";

static const char *velo_to_cam =
    "calib_time: 15-Mar-2012 11:37:16\n"
    "R: 7.533745e-03 -9.999714e-01 -6.166020e-04 1.480249e-02 "
    "7.280733e-04 -9.998902e-01 9.998621e-01 7.523790e-03 1.480755e-02\n"
    "T: -4.069766e-03 -7.631618e-02 -2.717806e-01\n"
    "delta_f: 0.000000e+00 0.000000e+00\n"
    "delta_c: 0.000000e+00 0.000000e+00\n";

/* tmp/date/drive: velodyne at .00 .10 .20 s, image_00 at .05 .15 s. */
static const char *make_drive(void)
{
    const char *date = iot_tmp("2011_09_26");
    iot_rmdir(date);
    char p[1024];
    snprintf(p, sizeof p, "%s/drive_sync/velodyne_points/data", date);
    iot_mkdirs(p);
    snprintf(p, sizeof p, "%s/drive_sync/image_00/data", date);
    iot_mkdirs(p);
    for (int i = 0; i < 3; i++) {
        float rec[2][4] = {{(float)i, 1, 2, 0.5f}, {(float)i, 3, 4, 0.25f}};
        snprintf(p, sizeof p, "%s/drive_sync/velodyne_points/data/%010d.bin",
                 date, i);
        iot_write(p, rec,
                  (size_t)(i + 1) * 16 > sizeof rec ? sizeof rec
                                                    : (size_t)(i + 1) * 16);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/drive_sync/image_00/data/%010d.png", date, i);
        write_png_gray(p, 8, 6, (uint8_t)(10 * (i + 1)));
    }
    snprintf(p, sizeof p, "%s/drive_sync/velodyne_points/timestamps.txt", date);
    iot_write_str(p, "2011-09-26 14:30:15.000000000\n"
                     "2011-09-26 14:30:15.100000000\n"
                     "2011-09-26 14:30:15.200000000\n\n");
    snprintf(p, sizeof p, "%s/drive_sync/image_00/timestamps.txt", date);
    iot_write_str(p, "2011-09-26 14:30:15.05\r\n"
                     "2011-09-26 14:30:15.150000000\r\n");
    snprintf(p, sizeof p, "%s/calib_cam_to_cam.txt", date);
    iot_write_str(p, cam_to_cam);
    snprintf(p, sizeof p, "%s/calib_velo_to_cam.txt", date);
    iot_write_str(p, velo_to_cam);
    static char drive[1024];
    snprintf(drive, sizeof drive, "%s/drive_sync", date);
    return drive;
}

static void test_written_drive(void **state)
{
    (void)state;
    const char *drive = make_drive();
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(drive, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_frame_count(k), 5);
    static const int order_cam[5] = {0, 1, 0, 1, 0};
    static const int64_t ms[5] = {0, 50, 100, 150, 200};
    for (size_t i = 0; i < 5; i++) {
        sp_kitti_frame f;
        assert_int_equal(sp_kitti_frame_get(k, i, &f), SP_OK);
        assert_int_equal(f.is_camera, order_cam[i]);
        assert_int_equal(f.timestamp_ns, T0 * 1000000000LL + ms[i] * 1000000);
        assert_string_equal(f.stream_name,
                            f.is_camera ? "image_00" : "velodyne");
        const sp_calib *c;
        assert_int_equal(sp_kitti_calib_get(k, i, &c), SP_OK);
        assert_true(c->has_P && c->has_R0 && c->has_velo_to_cam);
        assert_true(c->P[2][0] == 2 && c->P[3][0] == 3);
        assert_true(c->R0[1] == 9.837760e-03);
        /* [R | T] */
        assert_true(c->velo_to_cam[1] == -9.999714e-01);
        assert_true(c->velo_to_cam[3] == -4.069766e-03);
        assert_true(c->velo_to_cam[11] == -2.717806e-01);
        assert_non_null(strstr(c->source, "calib_cam_to_cam.txt + "
                                          "calib_velo_to_cam.txt"));
        if (f.is_camera) {
            assert_int_equal(c->camera, 0);
            assert_true(c->has_K);
            assert_true(c->K[0] == 9.842439e+02 && c->dist[4] == -7.233722e-02);
            /* KITTI's D_0c is OpenCV's five-coefficient model */
            assert_int_equal(c->dist_model, SP_DIST_PLUMB_BOB);
            assert_true(c->dist[5] == 0 && c->dist[6] == 0 && c->dist[7] == 0);
            assert_int_equal(c->width, 1392);
            assert_int_equal(c->height, 512);
            uint32_t w, h;
            sp_pixfmt fmt;
            assert_int_equal(sp_kitti_image_shape(k, i, &w, &h, &fmt), SP_OK);
            assert_int_equal(w, 8);
            assert_int_equal(h, 6);
            assert_int_equal(fmt, SP_PIX_GRAY8);
            sp_image img;
            void *mem = iot_image_alloc(&img, w, h, fmt, 0);
            assert_int_equal(sp_kitti_image_read(k, i, &img), SP_OK);
            assert_int_equal(img.data[img.stride * 5 + 7], 10 * (f.index + 1));
            free(mem);
        } else {
            assert_int_equal(c->camera, 2);
            size_t n;
            assert_int_equal(sp_kitti_points_shape(k, i, &n), SP_OK);
            assert_int_equal(n, f.index == 0 ? 1 : 2);
            sp_points p;
            void *mem = iot_points_alloc(&p, n, 0);
            assert_int_equal(sp_kitti_points_read(k, i, &p), SP_OK);
            assert_true(p.x[0] == (float)f.index && p.intensity[0] == 0.5f);
            free(mem);
        }
    }
    sp_kitti_destroy(k);

    sp_kitti_desc d = {.streams = "image_00"};
    assert_int_equal(sp_kitti_create(drive, &d, &k), SP_OK);
    assert_int_equal(sp_kitti_frame_count(k), 2);
    sp_kitti_stream_info si;
    assert_int_equal(sp_kitti_stream_get(k, 0, &si), SP_OK);
    assert_true(si.has_timestamps && si.is_camera);
    assert_int_equal(si.t_last - si.t_first, 100000000);
    sp_kitti_destroy(k);
}

static void test_laziness(void **state)
{
    (void)state;
    const char *drive = make_drive();
    char p[1024];
    /* A broken sweep is only noticed when that frame is pulled. */
    snprintf(p, sizeof p, "%s/velodyne_points/data/0000000002.bin", drive);
    iot_write(p, "0123456789", 10);
    sp_kitti_desc d = {.streams = "velodyne"};
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(drive, &d, &k), SP_OK);
    /* Files removed after open were never opened by it. */
    snprintf(p, sizeof p, "%s/velodyne_points/data/0000000001.bin", drive);
    unlink(p);
    size_t n;
    assert_int_equal(sp_kitti_points_shape(k, 0, &n), SP_OK);
    assert_int_equal(sp_kitti_points_shape(k, 1, &n), SP_ENOTFOUND);
    iot_msg_has("0000000001.bin", NULL);
    assert_int_equal(sp_kitti_points_shape(k, 2, &n), SP_EFORMAT);
    iot_msg_has("0000000002.bin", "10 bytes", "16-byte record", NULL);
    sp_kitti_destroy(k);
}

/* Distinct files opened in the watched folders since the last call. */
static int opened_files(int fd, char names[][64], int max)
{
    char buf[4096] __attribute__((aligned(8)));
    int n = 0;
    for (;;) {
        ssize_t len = read(fd, buf, sizeof buf);
        if (len <= 0)
            break;
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *e = (struct inotify_event *)p;
            if ((e->mask & IN_OPEN) && e->len) {
                int seen = 0;
                for (int k = 0; k < n; k++)
                    seen |= !strcmp(names[k], e->name);
                if (!seen && n < max)
                    snprintf(names[n++], 64, "%s", e->name);
            }
            p += sizeof *e + e->len;
        }
    }
    return n;
}

static void test_pulling_k_frames_opens_k_files(void **state)
{
    (void)state;
    const char *drive = make_drive();
    char vd[1024], id[1024];
    snprintf(vd, sizeof vd, "%s/velodyne_points/data", drive);
    snprintf(id, sizeof id, "%s/image_00/data", drive);
    int fd = inotify_init1(IN_NONBLOCK);
    if (fd < 0)
        skip();
    assert_true(inotify_add_watch(fd, vd, IN_OPEN) >= 0);
    assert_true(inotify_add_watch(fd, id, IN_OPEN) >= 0);
    char names[8][64];
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(drive, NULL, &k), SP_OK);
    assert_int_equal(opened_files(fd, names, 8), 0); /* open reads no frame */
    for (size_t i = 0; i < 3; i++) {
        sp_kitti_frame f;
        assert_int_equal(sp_kitti_frame_get(k, i, &f), SP_OK);
        if (f.is_camera) {
            uint32_t w, h;
            sp_pixfmt fmt;
            assert_int_equal(sp_kitti_image_shape(k, i, &w, &h, &fmt), SP_OK);
            sp_image img;
            void *mem = iot_image_alloc(&img, w, h, fmt, 0);
            assert_int_equal(sp_kitti_image_read(k, i, &img), SP_OK);
            free(mem);
        } else {
            size_t n;
            assert_int_equal(sp_kitti_points_shape(k, i, &n), SP_OK);
            sp_points p;
            void *mem = iot_points_alloc(&p, n, 0);
            assert_int_equal(sp_kitti_points_read(k, i, &p), SP_OK);
            free(mem);
        }
        /* Frame i opened exactly one new file: its own. */
        int got = opened_files(fd, names, 8);
        assert_int_equal(got, 1);
        assert_string_equal(names[0], base_name(f.path));
    }
    sp_kitti_destroy(k);
    close(fd);
}

static void test_odometry_sequence(void **state)
{
    (void)state;
    const char *seq = iot_tmp("sequences/00");
    iot_rmdir(seq);
    char p[1024];
    snprintf(p, sizeof p, "%s/velodyne", seq);
    iot_mkdirs(p);
    snprintf(p, sizeof p, "%s/image_0", seq);
    iot_mkdirs(p);
    for (int i = 0; i < 3; i++) {
        float rec[4] = {(float)i, 0, 0, 0};
        snprintf(p, sizeof p, "%s/velodyne/%06d.bin", seq, i);
        iot_write(p, rec, sizeof rec);
        snprintf(p, sizeof p, "%s/image_0/%06d.png", seq, i);
        write_png_gray(p, 4, 2, 7);
    }
    snprintf(p, sizeof p, "%s/times.txt", seq);
    iot_write_str(p, "0.000000e+00\n1.036240e-01\n2.073400e-01\n");
    snprintf(p, sizeof p, "%s/calib.txt", seq);
    iot_write_str(p, "P0: 7.188560e+02 0 6.071928e+02 0 0 7.188560e+02 "
                     "1.852157e+02 0 0 0 1 0\n"
                     "P1: 1 0 0 -3.861448e+02 0 1 0 0 0 0 1 0\n"
                     "P2: 1 0 0 4.538225e+01 0 1 0 -1.130887e-01 0 0 1 "
                     "3.779761e-03\n"
                     "P3: 1 0 0 -3.372877e+02 0 1 0 2.369057e+00 0 0 1 "
                     "4.915215e-03\n"
                     "Tr: 4.276802e-04 -9.999672e-01 -8.084491e-03 "
                     "-1.198459e-02 -7.210626e-03 8.081198e-03 -9.999413e-01 "
                     "-5.403984e-02 9.999738e-01 4.859485e-04 -7.206933e-03 "
                     "-2.921968e-01\n");
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(seq, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_get_layout(k), SP_KITTI_OBJECT);
    assert_string_equal(sp_kitti_note(k), "");
    assert_int_equal(sp_kitti_frame_count(k), 6);
    sp_kitti_frame f;
    assert_int_equal(sp_kitti_frame_get(k, 3, &f), SP_OK);
    assert_string_equal(f.stream_name, "image_00");
    assert_int_equal(f.timestamp_ns, 103624000);
    assert_int_equal(sp_kitti_frame_get(k, 4, &f), SP_OK);
    assert_int_equal(f.timestamp_ns, 207340000);
    const sp_calib *c, *c2;
    assert_int_equal(sp_kitti_calib_get(k, 0, &c), SP_OK);
    assert_int_equal(sp_kitti_calib_get(k, 5, &c2), SP_OK);
    assert_ptr_equal(c, c2);
    assert_true(c->has_P && c->has_velo_to_cam && !c->has_R0);
    assert_true(c->velo_to_cam[11] == -2.921968e-01);
    assert_non_null(strstr(c->source, "00/calib.txt"));
    sp_kitti_destroy(k);
}

static void test_huge_file_numbers(void **state)
{
    (void)state;
    /* A number x 100 ms past int64 nanoseconds: the file's position is its
     * number instead. */
    const char *root = iot_tmp("obj_huge");
    iot_rmdir(root);
    char p[1024];
    snprintf(p, sizeof p, "%s/velodyne", root);
    iot_mkdirs(p);
    float rec[4] = {0};
    snprintf(p, sizeof p, "%s/velodyne/000007.bin", root);
    iot_write(p, rec, sizeof rec);
    snprintf(p, sizeof p, "%s/velodyne/99999999999999999999999.bin", root);
    iot_write(p, rec, sizeof rec);
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(root, NULL, &k), SP_OK);
    sp_kitti_frame f;
    assert_int_equal(sp_kitti_frame_get(k, 0, &f), SP_OK);
    assert_int_equal(f.timestamp_ns, 100000000); /* position 1 */
    assert_int_equal(sp_kitti_frame_get(k, 1, &f), SP_OK);
    assert_int_equal(f.timestamp_ns, 700000000);
    sp_kitti_destroy(k);
}

static void test_partial_drive_and_missing_velo_calib(void **state)
{
    (void)state;
    const char *drive = make_drive();
    char p[1024];
    snprintf(p, sizeof p, "%s/image_00", drive);
    iot_rmdir(p);
    snprintf(p, sizeof p, "%s/../calib_velo_to_cam.txt", drive);
    unlink(p);
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(drive, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_stream_count(k), 1);
    const sp_calib *c;
    assert_int_equal(sp_kitti_calib_get(k, 0, &c), SP_OK);
    assert_true(c->has_P);
    assert_false(c->has_velo_to_cam);
    assert_non_null(strstr(c->source, "calib_velo_to_cam.txt not found in"));
    assert_non_null(strstr(c->source, "drive_sync"));
    sp_kitti_destroy(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_set),
        cmocka_unit_test(test_raw_sweeps),
        cmocka_unit_test(test_written_drive),
        cmocka_unit_test(test_laziness),
        cmocka_unit_test(test_pulling_k_frames_opens_k_files),
        cmocka_unit_test(test_odometry_sequence),
        cmocka_unit_test(test_huge_file_numbers),
        cmocka_unit_test(test_partial_drive_and_missing_velo_calib),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
