/* ctest-label: io */
/* ctest-timeout: 120 */
/* ROS message decoding (io/sp_rosmsg.h) on real messages from the ROS1
 * bags in the shared data folder, against what Python makes of the same
 * bytes: tests/oracles/extract_bag_messages.py takes the raw serialized
 * messages with rosbag (read_messages(raw=True)), decodes them with genpy
 * and numpy (point fields through numpy.frombuffer with the fields'
 * dtype, scans in float64), and the JPEG with libturbojpeg called from
 * Python (ctypes, default flags). Everything is compared bit for bit,
 * except the scan's x and y, whose cos/sin come from two different maths
 * libraries (numpy's and glibc's): at most 1 float32 ulp apart, and the
 * count of inexact ones is printed. Skips when the bags or python3-rosbag
 * are missing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "rosmsg_oracle.h"
#include "sp_iotest.h"
#include "sp_rosmsg.h"

static const char *bags_dir(void)
{
    static char dir[1024];
    static int state; /* 0 not run, 1 ok, -1 skip */
    if (state == 0) {
        const char *data = iot_data("ros1");
        state = -1;
        if (!data) {
            printf("SKIP: no ROS1 bags ($SP_TEST_DATA/ros1)\n");
            return NULL;
        }
        snprintf(dir, sizeof dir, "%s", iot_tmp("bags"));
        iot_mkdirs(dir);
        char cmd[4096], err[1100];
        const char *d = getenv("SP_TEST_DATA");
        snprintf(err, sizeof err, "%s/extract.err", dir);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 '%s/oracles/extract_bag_messages.py' '%s' "
                 "'%s'",
                 ro_tests_dir(), d, dir);
        int rc = ro_run(cmd, err);
        char *e = ro_read_text(err);
        if (rc == 3)
            printf("SKIP: %s\n", e ? e : "python3-rosbag missing");
        else if (rc != 0)
            fail_msg("%s exited with %d: %s", cmd, rc, e ? e : "");
        else
            state = 1;
        free(e);
    }
    return state > 0 ? dir : NULL;
}

/* The message, its "key value" facts, and the path of its other files;
 * NULL when that bag is absent. */
typedef struct bag_msg {
    uint8_t *b;
    size_t n;
    char *txt;
    char base[1100];
} bag_msg;

static int load(const char *name, bag_msg *m)
{
    const char *dir = bags_dir();
    if (!dir)
        return 0;
    snprintf(m->base, sizeof m->base, "%s/%s", dir, name);
    char p[1200];
    snprintf(p, sizeof p, "%s.ros1", m->base);
    m->b = ro_read(p, &m->n);
    snprintf(p, sizeof p, "%s.txt", m->base);
    m->txt = ro_read_text(p);
    if (!m->b || !m->txt) {
        printf("SKIP: %s: its bag is missing\n", name);
        free(m->b);
        free(m->txt);
        return 0;
    }
    return 1;
}

static uint8_t *side(const bag_msg *m, const char *ext, size_t *n)
{
    char p[1200];
    snprintf(p, sizeof p, "%s.%s", m->base, ext);
    uint8_t *b = ro_read(p, n);
    if (!b)
        fail_msg("%s missing", p);
    return b;
}

static void check_header(const sp_rosmsg_header *h, const char *txt)
{
    assert_int_equal(h->seq, ro_get_ll(txt, "seq"));
    assert_true(h->stamp_ns == ro_get_ll(txt, "stamp_ns"));
    assert_string_equal(h->frame_id, ro_get(txt, "frame_id"));
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A cloud: every fact, the data bytes, the plan, and x, y, z (intensity)
 * read through the plan's fields equal to numpy's. */
static void cloud(const char *name, int iint, int iring, int itime,
                  const char *dropped)
{
    bag_msg bm;
    if (!load(name, &bm))
        skip();
    sp_pc2_msg m;
    double t0 = now_ms();
    int rc = sp_rosmsg_pc2_parse(bm.b, bm.n, SP_ROSMSG_ROS1, &m);
    double t1 = now_ms();
    if (rc != SP_OK)
        fail_msg("%s: %s", name, sp_errmsg());
    check_header(&m.header, bm.txt);
    const char *t = bm.txt;
    assert_int_equal(m.height, ro_get_ll(t, "height"));
    assert_int_equal(m.width, ro_get_ll(t, "width"));
    assert_int_equal(m.nfields, ro_get_ll(t, "nfields"));
    assert_int_equal(m.is_bigendian, ro_get_ll(t, "is_bigendian"));
    assert_int_equal(m.point_step, ro_get_ll(t, "point_step"));
    assert_int_equal(m.row_step, ro_get_ll(t, "row_step"));
    assert_int_equal(m.data_size, ro_get_ll(t, "data_size"));
    assert_int_equal(m.is_dense, ro_get_ll(t, "is_dense"));
    for (uint32_t i = 0; i < m.nfields; i++) {
        char key[16], want[200], got[200];
        snprintf(key, sizeof key, "field%u", i);
        snprintf(want, sizeof want, "%s", ro_get(t, key));
        snprintf(got, sizeof got, "%s %u %u %u", m.fields[i].name,
                 m.fields[i].offset, m.fields[i].datatype, m.fields[i].count);
        assert_string_equal(got, want);
    }
    size_t nd;
    uint8_t *data = side(&bm, "data", &nd);
    assert_int_equal(nd, m.data_size);
    assert_memory_equal(m.data, data, nd);
    free(data);

    sp_pc2_plan p;
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_OK);
    assert_true(p.ix == 0 && p.iy == 1 && p.iz == 2);
    assert_int_equal(p.iintensity, iint);
    assert_int_equal(p.iring, iring);
    assert_int_equal(p.itime, itime);
    assert_string_equal(p.dropped, dropped);

    /* numpy's x, y, z (, intensity) arrays, one after the other */
    size_t nx;
    uint8_t *xyzi = side(&bm, "xyzi", &nx);
    size_t npts = (size_t)m.width * m.height;
    int cols[4] = {p.ix, p.iy, p.iz, p.iintensity};
    int ncols = iint >= 0 ? 4 : 3;
    assert_int_equal(nx, npts * 4 * (size_t)ncols);
    for (int c = 0; c < ncols; c++) {
        const sp_pc2_field *f = &m.fields[cols[c]];
        assert_int_equal(f->datatype, 7);
        for (size_t i = 0; i < npts; i++) {
            size_t row = i / m.width, col = i % m.width;
            const uint8_t *src =
                m.data + row * m.row_step + col * m.point_step + f->offset;
            if (memcmp(src, xyzi + (c * npts + i) * 4, 4) != 0)
                fail_msg("%s: point %zu field %s differs from numpy", name, i,
                         f->name);
        }
    }
    free(xyzi);
    printf("%s: %zu points, %zu bytes, parse %.3f ms\n", name, npts, bm.n,
           t1 - t0);
    free(bm.b);
    free(bm.txt);
}

static void test_sick_cloud(void **state)
{
    (void)state;
    cloud("sick_cloud", 3, -1, -1, "");
}

static void test_sick_radar_track(void **state)
{
    (void)state;
    /* vx, vy, vz, objLen, objId are kept as extras */
    cloud("sick_radar_track", -1, -1, -1, "");
}

static void test_luminar(void **state)
{
    (void)state;
    /* point_step 32 with a pad after z; time as two uint32 fields that no
     * name maps (a fields map can; they are kept as extras), laser_id as
     * the ring */
    cloud("luminar", 3, 6, -1, "");
}

static void test_swri(void **state)
{
    (void)state;
    cloud("swri", 3, 4, -1, "");
}

static void test_ubiquity_jpeg(void **state)
{
    (void)state;
    bag_msg bm;
    if (!load("ubiquity_jpeg", &bm))
        skip();
    sp_roscimg_msg m;
    if (sp_rosmsg_cimage_parse(bm.b, bm.n, SP_ROSMSG_ROS1, &m) != SP_OK)
        fail_msg("%s", sp_errmsg());
    check_header(&m.header, bm.txt);
    assert_string_equal(m.format, ro_get(bm.txt, "format"));
    size_t nd;
    uint8_t *data = side(&bm, "data", &nd);
    assert_int_equal(m.data_size, nd);
    assert_memory_equal(m.data, data, nd);
    free(data);

    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    uint32_t w, h;
    sp_pixfmt fmt;
    assert_int_equal(sp_rosmsg_cimage_info(d, &m, &w, &h, &fmt), SP_OK);
    assert_int_equal(w, ro_get_ll(bm.txt, "pix_width"));
    assert_int_equal(h, ro_get_ll(bm.txt, "pix_height"));
    assert_string_equal(sp_pixfmt_name(fmt), ro_get(bm.txt, "pix_format"));
    assert_int_equal(w, 1280);
    assert_int_equal(h, 720);
    sp_image img;
    void *mem = iot_image_alloc(&img, w, h, fmt, 0); /* stride 3840 + 0 */
    size_t np;
    uint8_t *pix = side(&bm, "pix", &np);
    size_t row = sp_image_row_bytes(w, fmt);
    assert_int_equal(np, row * h);
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        memset(img.data, 0xAB, img.stride * h);
        double t0 = now_ms();
        assert_int_equal(sp_rosmsg_cimage_decode(d, &m, &img), SP_OK);
        double dt = now_ms() - t0;
        best = dt < best ? dt : best;
    }
    size_t diff = 0;
    for (uint32_t y = 0; y < h; y++)
        for (size_t x = 0; x < row; x++)
            diff += sp_image_row(&img, y)[x] != pix[y * row + x];
    printf("ubiquity JPEG %ux%u: %zu of %zu bytes differ from libturbojpeg "
           "via Python; decode %.2f ms (best of 5)\n",
           w, h, diff, row * h, best);
    assert_int_equal(diff, 0);
    free(pix);
    free(mem);
    sp_rosmsg_decoder_destroy(d);
    free(bm.b);
    free(bm.txt);
}

static void test_ubiquity_caminfo(void **state)
{
    (void)state;
    bag_msg bm;
    if (!load("ubiquity_caminfo", &bm))
        skip();
    sp_caminfo_msg m;
    if (sp_rosmsg_caminfo_parse(bm.b, bm.n, SP_ROSMSG_ROS1, &m) != SP_OK)
        fail_msg("%s", sp_errmsg());
    const char *t = bm.txt;
    check_header(&m.header, t);
    assert_int_equal(m.height, ro_get_ll(t, "height"));
    assert_int_equal(m.width, ro_get_ll(t, "width"));
    assert_string_equal(m.distortion_model, ro_get(t, "distortion_model"));
    double D[16], K[9], R[9], P[12], b[2], roi[5];
    assert_int_equal(m.nD, ro_get_doubles(t, "D", D, 16));
    assert_int_equal(ro_get_doubles(t, "K", K, 9), 9);
    assert_int_equal(ro_get_doubles(t, "R", R, 9), 9);
    assert_int_equal(ro_get_doubles(t, "P", P, 12), 12);
    assert_int_equal(ro_get_doubles(t, "binning", b, 2), 2);
    assert_int_equal(ro_get_doubles(t, "roi", roi, 5), 5);
    assert_memory_equal(m.D, D, m.nD * sizeof(double));
    assert_memory_equal(m.K, K, sizeof K);
    assert_memory_equal(m.R, R, sizeof R);
    assert_memory_equal(m.P, P, sizeof P);
    assert_true(m.binning_x == b[0] && m.binning_y == b[1]);
    assert_true(m.roi_x == roi[0] && m.roi_y == roi[1] && m.roi_h == roi[2] &&
                m.roi_w == roi[3] && m.roi_rectify == roi[4]);

    sp_calib c;
    assert_int_equal(
        sp_rosmsg_caminfo_to_calib(&m, "ubiquity.bag: camera_info", &c), SP_OK);
    assert_int_equal(c.dist_model, SP_DIST_PLUMB_BOB);
    assert_true(c.has_K && c.has_P && c.has_R0);
    assert_memory_equal(c.K, K, sizeof K);
    assert_memory_equal(c.dist, D, 5 * sizeof(double));
    assert_true(c.dist[5] == 0 && c.dist[6] == 0 && c.dist[7] == 0);
    assert_memory_equal(c.P[0], P, sizeof P);
    assert_int_equal(c.width, 1280);
    assert_int_equal(c.height, 720);
    assert_string_equal(c.source, "ubiquity.bag: camera_info");
    free(bm.b);
    free(bm.txt);
}

static int ulps(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    if ((ia < 0) != (ib < 0))
        return a == b ? 0 : 1 << 30;
    return abs(ia - ib);
}

static void scan(const char *name)
{
    bag_msg bm;
    if (!load(name, &bm))
        skip();
    sp_laserscan_msg m;
    if (sp_rosmsg_laserscan_parse(bm.b, bm.n, SP_ROSMSG_ROS1, &m) != SP_OK)
        fail_msg("%s: %s", name, sp_errmsg());
    const char *t = bm.txt;
    check_header(&m.header, t);
    double v[1];
    static const char *const keys[5] = {"angle_min", "angle_increment",
                                        "time_increment", "range_min",
                                        "range_max"};
    const float got[5] = {m.angle_min, m.angle_increment, m.time_increment,
                          m.range_min, m.range_max};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(ro_get_doubles(t, keys[k], v, 1), 1);
        assert_true((double)got[k] == v[0]);
    }
    assert_int_equal(m.nranges, ro_get_ll(t, "nranges"));
    assert_int_equal(m.nintensities, ro_get_ll(t, "nintensities"));
    size_t np;
    uint8_t *pts = side(&bm, "pts", &np);
    size_t n = m.nranges;
    assert_int_equal(np, 5 * 4 * n);
    sp_points p;
    void *mem = iot_points_alloc(&p, n, SP_POINTS_TIME);
    assert_int_equal(sp_rosmsg_laserscan_points(&m, &p), SP_OK);
    float *want = malloc(5 * n * sizeof(float));
    memcpy(want, pts, 5 * n * 4);
    float *cols[5] = {p.x, p.y, p.z, p.intensity, p.time};
    size_t inexact = 0, valid = 0;
    for (int c = 0; c < 5; c++) {
        for (size_t i = 0; i < n; i++) {
            float a = cols[c][i], b = want[c * n + i];
            if (isnan(a) || isnan(b)) {
                assert_true(isnan(a) && isnan(b));
                continue;
            }
            valid += c == 0;
            if (c < 2) {
                int u = ulps(a, b);
                if (u > 1)
                    fail_msg("%s: point %zu %c is %.9g, numpy %.9g", name, i,
                             "xy"[c], a, b);
                inexact += u != 0;
            } else if (memcmp(&a, &b, 4) != 0) {
                fail_msg("%s: point %zu column %d is %.9g, numpy %.9g", name, i,
                         c, a, b);
            }
        }
    }
    printf("%s: %zu ranges (%zu valid); x/y: %zu values 1 ulp from numpy, "
           "the rest exact\n",
           name, n, valid, inexact);
    free(want);
    free(mem);
    free(pts);
    free(bm.b);
    free(bm.txt);
}

static void test_sick_scan(void **state)
{
    (void)state;
    scan("sick_scan");
}

static void test_embag_scan(void **state)
{
    (void)state;
    scan("embag_scan");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sick_cloud),
        cmocka_unit_test(test_sick_radar_track),
        cmocka_unit_test(test_luminar),
        cmocka_unit_test(test_swri),
        cmocka_unit_test(test_ubiquity_jpeg),
        cmocka_unit_test(test_ubiquity_caminfo),
        cmocka_unit_test(test_sick_scan),
        cmocka_unit_test(test_embag_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
