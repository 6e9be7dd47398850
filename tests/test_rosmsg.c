/* ctest-label: io */
/* ctest-timeout: 120 */
/* ROS message decoding (io/sp_rosmsg.h) against encoders that are not
 * ours.
 *
 * The values of every fixture message live here, once: the test writes
 * them as JSON, tests/oracles/make_rosmsg_fixtures.py serializes them with
 * genpy (ROS1) and make_rosmsg_fixtures.mjs with
 * @foxglove/rosmsg2-serialization (CDR, little- and big-endian), and the
 * decoders must give the values back. Each half skips with the reason
 * when its encoder is missing. Hostile inputs (every truncation, every
 * 4-byte window set to 0xFFFFFFF0, bad encapsulations) run on those
 * fixtures and also on the fuzz seed corpus (tests/fuzz/corpus/rosmsg/,
 * made by the same encoders), so they run everywhere. Real bags:
 * test_rosmsg_bags.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include <cmocka.h>

#include "rosmsg_fixtures.h"
#include "rosmsg_oracle.h"
#include "sp_iotest.h"
#include "sp_png.h"
#include "sp_rosmsg.h"

/* ---- what each encoding gives back ---- */

static void check_header(const sp_rosmsg_header *h, const fx_msg *f, int ros1)
{
    assert_int_equal(h->seq, ros1 ? f->seq : 0);
    assert_true(h->stamp_ns == (int64_t)f->sec * 1000000000 + f->nsec);
    assert_string_equal(h->frame_id, f->frame_id);
    assert_int_equal(h->frame_id_len, strlen(f->frame_id));
}

static void check_pc2(const fx_msg *f, const uint8_t *b, size_t n,
                      sp_rosmsg_enc enc, int ros1)
{
    sp_pc2_msg m;
    int rc = sp_rosmsg_pc2_parse(b, n, enc, &m);
    if (f->expect_err) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), f->expect_err))
            fail_msg("%s: rc %d '%s', expected SP_EFORMAT with '%s'", f->name,
                     rc, sp_errmsg(), f->expect_err);
        return;
    }
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    check_header(&m.header, f, ros1);
    assert_int_equal(m.height, f->height);
    assert_int_equal(m.width, f->width);
    assert_int_equal(m.nfields, f->nfields);
    for (uint32_t i = 0; i < f->nfields; i++) {
        assert_string_equal(m.fields[i].name, f->fields[i].name);
        assert_int_equal(m.fields[i].offset, f->fields[i].offset);
        assert_int_equal(m.fields[i].datatype, f->fields[i].datatype);
        assert_int_equal(m.fields[i].count, f->fields[i].count);
    }
    assert_int_equal(m.is_bigendian, f->is_bigendian);
    assert_int_equal(m.point_step, f->point_step);
    assert_int_equal(m.row_step, f->row_step);
    assert_int_equal(m.data_size, f->ndata);
    assert_memory_equal(m.data, f->data, f->ndata);
    assert_true(m.data >= b && m.data + m.data_size <= b + n);
    assert_int_equal(m.is_dense, f->is_dense);
}

static void check_image(const fx_msg *f, const uint8_t *b, size_t n,
                        sp_rosmsg_enc enc, int ros1)
{
    sp_rosimg_msg m;
    int rc = sp_rosmsg_image_parse(b, n, enc, &m);
    if (f->expect_err) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), f->expect_err))
            fail_msg("%s: rc %d '%s', expected SP_EFORMAT with '%s'", f->name,
                     rc, sp_errmsg(), f->expect_err);
        return;
    }
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    check_header(&m.header, f, ros1);
    assert_int_equal(m.height, f->height);
    assert_int_equal(m.width, f->width);
    assert_string_equal(m.encoding, f->encoding);
    assert_int_equal(m.is_bigendian, f->is_bigendian);
    assert_int_equal(m.step, f->step);
    assert_int_equal(m.data_size, f->ndata);
    assert_memory_equal(m.data, f->data, f->ndata);
    sp_pixfmt fmt;
    if (f->pixfmt < 0) {
        assert_int_equal(sp_rosmsg_image_format(m.encoding, &fmt),
                         SP_EUNSUPPORTED);
        iot_msg_has(m.encoding, "mono8", "32FC1", NULL);
        return;
    }
    assert_int_equal(sp_rosmsg_image_format(m.encoding, &fmt), SP_OK);
    assert_int_equal(fmt, f->pixfmt);
    /* A destination stride unlike the message's, so padding is dropped. */
    sp_image img;
    void *mem = iot_image_alloc(&img, m.width, m.height, fmt, 0);
    assert_int_equal(sp_rosmsg_image_copy(&m, &img), SP_OK);
    size_t bpp = sp_pixfmt_bytes_per_pixel(fmt);
    size_t sample = fmt == SP_PIX_F32 ? 4 : bpp == 2 || bpp == 6 ? 2 : 1;
    for (uint32_t y = 0; y < m.height; y++) {
        const uint8_t *src = f->data + (size_t)y * f->step;
        const uint8_t *dst = sp_image_row(&img, y);
        for (size_t i = 0; i < m.width * bpp; i++) {
            /* A big-endian sample's bytes come out reversed (host is
             * little-endian wherever these tests run). */
            size_t j = f->is_bigendian && sample > 1
                           ? i - i % sample + (sample - 1 - i % sample)
                           : i;
            if (dst[i] != src[j])
                fail_msg("%s: row %u byte %zu is %u, expected %u", f->name, y,
                         i, dst[i], src[j]);
        }
    }
    free(mem);
}

/* The decoded pixels of a fixture payload, by the same libraries called
 * directly (TurboJPEG with default flags; libpng through sp_png_read of
 * the payload written to a file). */
static void check_cimage(const fx_msg *f, const uint8_t *b, size_t n,
                         sp_rosmsg_enc enc, int ros1)
{
    sp_roscimg_msg m;
    int rc = sp_rosmsg_cimage_parse(b, n, enc, &m);
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    check_header(&m.header, f, ros1);
    assert_string_equal(m.format, f->format);
    assert_int_equal(m.data_size, f->ndata);
    assert_memory_equal(m.data, f->data, f->ndata);
    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    uint32_t w, h;
    sp_pixfmt fmt;
    rc = sp_rosmsg_cimage_info(d, &m, &w, &h, &fmt);
    if (f->pixfmt < 0) {
        assert_int_equal(rc, SP_EFORMAT);
        iot_msg_has("expected JPEG", NULL);
        sp_rosmsg_decoder_destroy(d);
        return;
    }
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    assert_int_equal(w, f->width);
    assert_int_equal(h, f->height);
    assert_int_equal(fmt, f->pixfmt);
    sp_image img;
    /* an odd stride where samples are bytes (JPEG), else a padded one */
    void *mem = iot_image_alloc(&img, w, h, fmt,
                                sp_image_row_bytes(w, fmt) +
                                    (fmt == SP_PIX_GRAY16 ? 8 : 7));
    assert_int_equal(sp_rosmsg_cimage_decode(d, &m, &img), SP_OK);
    size_t row = sp_image_row_bytes(w, fmt);
    for (uint32_t y = 0; y < h; y++)
        assert_memory_equal(sp_image_row(&img, y), f->pixels + y * row, row);
    free(mem);
    sp_rosmsg_decoder_destroy(d);
}

static void check_caminfo(const fx_msg *f, const uint8_t *b, size_t n,
                          sp_rosmsg_enc enc, int ros1)
{
    sp_caminfo_msg m;
    int rc = sp_rosmsg_caminfo_parse(b, n, enc, &m);
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    check_header(&m.header, f, ros1);
    assert_int_equal(m.height, f->height);
    assert_int_equal(m.width, f->width);
    assert_string_equal(m.distortion_model, f->encoding);
    assert_int_equal(m.nD, f->nD);
    /* bit for bit, -0.0 and 1e-300 included */
    assert_memory_equal(m.D, f->D, f->nD * sizeof(double));
    assert_memory_equal(m.K, f->K, sizeof m.K);
    assert_memory_equal(m.R, f->R, sizeof m.R);
    assert_memory_equal(m.P, f->P, sizeof m.P);
    assert_int_equal(m.binning_x, f->binning[0]);
    assert_int_equal(m.binning_y, f->binning[1]);
    assert_int_equal(m.roi_x, f->roi[0]);
    assert_int_equal(m.roi_y, f->roi[1]);
    assert_int_equal(m.roi_h, f->roi[2]);
    assert_int_equal(m.roi_w, f->roi[3]);
    assert_int_equal(m.roi_rectify, f->roi[4]);
    sp_calib c;
    rc = sp_rosmsg_caminfo_to_calib(&m, "fixture: /cam/info", &c);
    if (f->expect_err) {
        if (rc != SP_EUNSUPPORTED || !strstr(sp_errmsg(), f->expect_err))
            fail_msg("%s: rc %d '%s', expected SP_EUNSUPPORTED with '%s'",
                     f->name, rc, sp_errmsg(), f->expect_err);
        iot_msg_has("fixture: /cam/info", NULL);
        return;
    }
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    assert_int_equal(c.dist_model, f->pixfmt);
    assert_true(c.has_K && c.has_P && c.has_R0);
    assert_memory_equal(c.K, f->K, sizeof c.K);
    assert_memory_equal(c.R0, f->R, sizeof c.R0);
    assert_memory_equal(c.P[0], f->P, sizeof c.P[0]);
    for (int i = 0; i < 8; i++)
        assert_true(c.dist[i] == (i < (int)f->nD ? f->D[i] : 0.0));
    assert_int_equal(c.width, f->width);
    assert_int_equal(c.height, f->height);
    assert_int_equal(c.camera, 0);
    assert_string_equal(c.source, "fixture: /cam/info");
}

static void check_scan(const fx_msg *f, const uint8_t *b, size_t n,
                       sp_rosmsg_enc enc, int ros1)
{
    sp_laserscan_msg m;
    int rc = sp_rosmsg_laserscan_parse(b, n, enc, &m);
    if (rc != SP_OK)
        fail_msg("%s: %s", f->name, sp_errmsg());
    check_header(&m.header, f, ros1);
    const float *s = f->scan;
    assert_true(m.angle_min == s[0] && m.angle_max == s[1] &&
                m.angle_increment == s[2] && m.time_increment == s[3] &&
                m.scan_time == s[4] && m.range_min == s[5] &&
                m.range_max == s[6]);
    assert_int_equal(m.nranges, f->nranges);
    assert_int_equal(m.nintensities, f->nintensities);
    sp_points p;
    void *mem = iot_points_alloc(&p, m.nranges, SP_POINTS_TIME);
    assert_int_equal(sp_rosmsg_laserscan_points(&m, &p), SP_OK);
    assert_int_equal(p.count, m.nranges);
    for (uint32_t i = 0; i < m.nranges; i++) {
        float r = f->ranges[i];
        double a = (double)s[0] + (double)i * s[2];
        int ok = isfinite(r) && r >= s[5] && r <= s[6];
        if (ok) {
            assert_true(p.x[i] == (float)(r * cos(a)));
            assert_true(p.y[i] == (float)(r * sin(a)));
            assert_true(p.z[i] == 0.0f);
        } else {
            assert_true(isnan(p.x[i]) && isnan(p.y[i]) && isnan(p.z[i]));
        }
        assert_true(p.intensity[i] ==
                    (i < f->nintensities ? f->intensities[i] : 0.0f));
        assert_true(p.time[i] == (float)((double)i * s[3]));
    }
    free(mem);
    /* too small, and no time channel */
    if (m.nranges > 1) {
        mem = iot_points_alloc(&p, m.nranges - 1, SP_POINTS_TIME);
        assert_int_equal(sp_rosmsg_laserscan_points(&m, &p), SP_EINVAL);
        free(mem);
    }
    mem = iot_points_alloc(&p, m.nranges, 0);
    assert_int_equal(sp_rosmsg_laserscan_points(&m, &p), SP_EINVAL);
    iot_msg_has("time channel", NULL);
    free(mem);
}

static void check_one(const fx_msg *f, const char *dir, const char *ext,
                      sp_rosmsg_enc enc)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.%s", dir, f->name, ext);
    size_t n;
    uint8_t *b = ro_read(path, &n);
    if (!b)
        fail_msg("%s: the encoder wrote no file", path);
    int ros1 = enc == SP_ROSMSG_ROS1;
    switch (f->kind) {
    case SP_ROSMSG_POINTCLOUD2:
        check_pc2(f, b, n, enc, ros1);
        break;
    case SP_ROSMSG_IMAGE:
        check_image(f, b, n, enc, ros1);
        break;
    case SP_ROSMSG_COMPRESSED_IMAGE:
        check_cimage(f, b, n, enc, ros1);
        break;
    case SP_ROSMSG_CAMERA_INFO:
        check_caminfo(f, b, n, enc, ros1);
        break;
    default:
        check_scan(f, b, n, enc, ros1);
        break;
    }
    free(b);
}

static void test_ros1_genpy(void **state)
{
    (void)state;
    const char *dir = fx_generate(FX_ROS1);
    if (!dir)
        skip();
    for (size_t i = 0; i < fx_count(); i++)
        check_one(fx_get(i), dir, "ros1", SP_ROSMSG_ROS1);
}

static void test_cdr_foxglove(void **state)
{
    (void)state;
    const char *dir = fx_generate(FX_CDR);
    if (!dir)
        skip();
    for (size_t i = 0; i < fx_count(); i++) {
        check_one(fx_get(i), dir, "cdr_le", SP_ROSMSG_CDR);
        check_one(fx_get(i), dir, "cdr_be", SP_ROSMSG_CDR);
    }
}

/* ---- names, encodings, the plan ---- */

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/PointCloud2"),
                     SP_ROSMSG_POINTCLOUD2);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/msg/PointCloud2"),
                     SP_ROSMSG_POINTCLOUD2);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/msg/Image"),
                     SP_ROSMSG_IMAGE);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/CompressedImage"),
                     SP_ROSMSG_COMPRESSED_IMAGE);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/msg/CameraInfo"),
                     SP_ROSMSG_CAMERA_INFO);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/LaserScan"),
                     SP_ROSMSG_LASER_SCAN);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/Imu"), SP_ROSMSG_OTHER);
    assert_int_equal(sp_rosmsg_kind_of("my_msgs/Image"), SP_ROSMSG_OTHER);
    assert_int_equal(sp_rosmsg_kind_of("sensor_msgs/msg/ImageX"),
                     SP_ROSMSG_OTHER);
    assert_int_equal(sp_rosmsg_kind_of(NULL), SP_ROSMSG_OTHER);
    sp_rosmsg_enc e;
    assert_int_equal(sp_rosmsg_enc_from_name("ros1", &e), SP_OK);
    assert_int_equal(e, SP_ROSMSG_ROS1);
    assert_int_equal(sp_rosmsg_enc_from_name("cdr", &e), SP_OK);
    assert_int_equal(e, SP_ROSMSG_CDR);
    assert_int_equal(sp_rosmsg_enc_from_name("protobuf", &e), SP_EUNSUPPORTED);
    iot_msg_has("'protobuf'", "ros1 or cdr", NULL);
    static const size_t sizes[10] = {0, 1, 1, 2, 2, 4, 4, 4, 8, 0};
    for (uint8_t t = 0; t < 10; t++)
        assert_int_equal(sp_rosmsg_pc2_type_size(t), sizes[t]);
    assert_int_equal(sp_rosmsg_pc2_type_size(255), 0);
    static const struct {
        const char *enc;
        sp_pixfmt fmt;
    } fm[] = {{"mono8", SP_PIX_GRAY8},   {"8UC1", SP_PIX_GRAY8},
              {"mono16", SP_PIX_GRAY16}, {"16UC1", SP_PIX_GRAY16},
              {"bgr8", SP_PIX_BGR8},     {"8UC3", SP_PIX_BGR8},
              {"8UC4", SP_PIX_BGRA8},    {"bayer_gbrg16", SP_PIX_BAYER_GBRG16},
              {"yuv422", SP_PIX_UYVY},   {"yuv422_yuy2", SP_PIX_YUYV},
              {"32FC1", SP_PIX_F32},     {"RGB8", SP_PIX_RGB8}};
    for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++) {
        sp_pixfmt f;
        assert_int_equal(sp_rosmsg_image_format(fm[i].enc, &f), SP_OK);
        assert_int_equal(f, fm[i].fmt);
    }
}

static sp_pc2_msg cloud(const char *names)
{
    sp_pc2_msg m;
    memset(&m, 0, sizeof m);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
        sp_pc2_field *f = &m.fields[m.nfields];
        f->count = 1;
        char *star = strchr(t, '*');
        if (star) {
            *star = '\0';
            f->count = (uint32_t)atoi(star + 1);
        }
        snprintf(f->name, sizeof f->name, "%s", t);
        f->datatype = 7;
        f->offset = 4 * m.nfields;
        m.nfields++;
    }
    m.point_step = 4 * m.nfields + 64;
    return m;
}

static void test_plan(void **state)
{
    (void)state;
    sp_pc2_plan p;
    sp_pc2_msg m = cloud("x,y,z,intensity,ring,time");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_OK);
    assert_true(p.ix == 0 && p.iy == 1 && p.iz == 2 && p.iintensity == 3 &&
                p.iring == 4 && p.itime == 5);
    assert_int_equal(p.fields, SP_POINTS_RING | SP_POINTS_TIME);
    assert_string_equal(p.dropped, "");

    /* aliases, in order of preference; the losers are kept as extras */
    m = cloud("i,x,laser_id,y,z,t,reflectance,timestamp,rgb");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_OK);
    assert_true(p.iintensity == 0 && p.iring == 2 && p.itime == 5);
    assert_string_equal(p.dropped, "");
    /* laser_id is float32 here: ring holds it converted, its raw values
     * are kept too */
    assert_int_equal(p.layout.nextra, 4);
    assert_true(p.extra[2] == 0 && p.extra[6] == 1 && p.extra[7] == 2 &&
                p.extra[8] == 3);
    assert_string_equal(p.layout.extra[3].name, "rgb");
    assert_int_equal(p.layout.extra[3].kind, SP_FIELD_COLOR);
    m = cloud("x,y,z,channel,time_stamp");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, "", &p), SP_OK);
    assert_true(p.iintensity == -1 && p.iring == 3 && p.itime == 4);

    /* count > 1 is an extra; duplicates are dropped, not errors */
    m = cloud("x,y,z,normal*3,intensity,intensity,y");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_OK);
    assert_true(p.iintensity == 4 && p.iy == 1);
    assert_int_equal(p.fields, 0u);
    assert_string_equal(p.dropped, "intensity (duplicate), y (duplicate)");
    assert_int_equal(p.layout.nextra, 1);
    assert_int_equal(p.layout.extra[0].count, 3);

    /* the map overrides names, and may reuse a field */
    m = cloud("x,y,z,reflectivity,intensity,ring,t_ns");
    assert_int_equal(sp_rosmsg_pc2_plan(&m,
                                        "intensity:reflectivity, time : t_ns,"
                                        "ring:intensity,",
                                        &p),
                     SP_OK);
    assert_true(p.iintensity == 3 && p.itime == 6 && p.iring == 4);
    assert_string_equal(p.dropped, "ring");

    /* missing x, y, z name what there is */
    m = cloud("x,y,Z,intensity");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_EFORMAT);
    iot_msg_has("'z'", "fields: x, y, Z, intensity", NULL);
    m = cloud("x*3,y,z");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_EFORMAT);
    iot_msg_has("'x' (it has several values)", NULL);
    m = cloud("");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_EFORMAT);
    iot_msg_has("fields: none", NULL);

    /* bad maps */
    m = cloud("x,y,z,a");
    static const struct {
        const char *map, *msg;
        int rc;
    } bad[] = {
        {"intensity", "expected channel:field", SP_EINVAL},
        {"intensity:", "expected channel:field", SP_EINVAL},
        {":a", "expected channel:field", SP_EINVAL},
        {"ring: ,x:a", "'ring:', expected channel:field", SP_EINVAL},
        {",ring:a", "'', expected channel:field", SP_EINVAL},
        {"colour:a", "channel 'colour'", SP_EINVAL},
        {"ring:a,ring:a", "mapped twice", SP_EINVAL},
        {"time:b", "no such field", SP_EFORMAT},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sp_rosmsg_pc2_plan(&m, bad[i].map, &p), bad[i].rc);
        iot_msg_has(bad[i].msg, NULL);
    }
    m = cloud("x,y,z,n*2");
    assert_int_equal(sp_rosmsg_pc2_plan(&m, "intensity:n", &p), SP_EFORMAT);
    iot_msg_has("several values", NULL);

    /* a long dropped list ends with "..." inside its buffer */
    char many[600] = "x,y,z";
    for (int i = 0; i < 60; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), ",extra_%02d",
                 i);
    m = cloud(many);
    assert_int_equal(sp_rosmsg_pc2_plan(&m, NULL, &p), SP_OK);
    assert_true(strlen(p.dropped) < sizeof p.dropped);
    assert_non_null(strstr(p.dropped, "..."));
}

/* ---- exact messages and misuse ---- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The message a lying length gives, word for word, on the ROS1 cloud of
 * the seed corpus (walked here by hand to find fields[3].name). */
static void test_exact_messages(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/fuzz/corpus/rosmsg/pc2-ros1.bin",
             ro_tests_dir());
    size_t n;
    uint8_t *seed = ro_read(path, &n);
    assert_non_null(seed);
    uint8_t *b = seed + 1;
    n--;
    size_t o = 12 + 4 + le32(b + 12) + 8 + 4; /* header, height, width */
    for (int i = 0; i < 3; i++)
        o += 4 + le32(b + o) + 9;
    memcpy(b + o, "\xf0\xff\xff\xff", 4);
    sp_pc2_msg m;
    assert_int_equal(sp_rosmsg_pc2_parse(b, n, SP_ROSMSG_ROS1, &m), SP_EFORMAT);
    char want[200];
    snprintf(want, sizeof want,
             "PointCloud2.fields[3].name: string of 4294967280 bytes at byte "
             "%zu, but the message has %zu bytes",
             o, n);
    assert_string_equal(sp_errmsg(), want);
    /* one byte short of the last field */
    memcpy(b + o, "\x0b\x00\x00\x00", 4); /* "reflectance" again */
    assert_int_equal(sp_rosmsg_pc2_parse(b, n - 1, SP_ROSMSG_ROS1, &m),
                     SP_EFORMAT);
    snprintf(want, sizeof want,
             "PointCloud2.is_dense: uint8 at byte %zu, but the message has "
             "%zu bytes",
             n - 1, n - 1);
    assert_string_equal(sp_errmsg(), want);
    free(seed);

    uint8_t cdr[8] = {0x00, 0x03, 0, 0, 0, 0, 0, 0};
    sp_laserscan_msg ls;
    assert_int_equal(sp_rosmsg_laserscan_parse(cdr, 8, SP_ROSMSG_CDR, &ls),
                     SP_EUNSUPPORTED);
    assert_string_equal(sp_errmsg(),
                        "LaserScan: CDR encapsulation bytes 0x00 0x03 "
                        "(PL_CDR), expected 0x00 0x01 (CDR_LE) or 0x00 0x00 "
                        "(CDR_BE)");
    cdr[1] = 0x07;
    assert_int_equal(sp_rosmsg_laserscan_parse(cdr, 8, SP_ROSMSG_CDR, &ls),
                     SP_EUNSUPPORTED);
    iot_msg_has("0x00 0x07 (XCDR2)", NULL);
    assert_int_equal(sp_rosmsg_laserscan_parse(cdr, 3, SP_ROSMSG_CDR, &ls),
                     SP_EFORMAT);
    iot_msg_has("3 bytes, expected at least the 4-byte CDR encapsulation",
                NULL);

    assert_string_equal(sp_calib_dist_name(SP_DIST_PLUMB_BOB), "plumb_bob");
    assert_string_equal(sp_calib_dist_name(SP_DIST_RATIONAL),
                        "rational_polynomial");
    assert_string_equal(sp_calib_dist_name(SP_DIST_EQUIDISTANT), "equidistant");
    assert_string_equal(sp_calib_dist_name(7), "unknown");
}

/* Destinations that do not match, payloads that are not images. */
static void test_image_misuse(void **state)
{
    (void)state;
    uint8_t px[64] = {0};
    sp_rosimg_msg m = {
        .height = 2, .width = 3, .step = 9, .data = px, .data_size = 18};
    snprintf(m.encoding, sizeof m.encoding, "rgb8");
    sp_image img;
    void *mem = iot_image_alloc(&img, 3, 2, SP_PIX_BGR8, 0);
    assert_int_equal(sp_rosmsg_image_copy(&m, &img), SP_EINVAL);
    iot_msg_has("3x2 bgr8", "expected 3x2 rgb8 (rgb8)", NULL);
    free(mem);
    mem = iot_image_alloc(&img, 3, 2, SP_PIX_RGB8, 0);
    assert_int_equal(sp_rosmsg_image_copy(&m, &img), SP_OK);
    m.data_size = 17; /* not from the parser: checked again */
    assert_int_equal(sp_rosmsg_image_copy(&m, &img), SP_EFORMAT);
    free(mem);

    /* a JPEG cut inside its header, one with a damaged body, and a
     * destination of the wrong format */
    const fx_msg *f = NULL;
    for (size_t i = 0; i < fx_count(); i++)
        if (!strcmp(fx_get(i)->name, "cimg_jpeg"))
            f = fx_get(i);
    assert_non_null(f);
    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    sp_roscimg_msg c = {.data = f->data, .data_size = 40};
    snprintf(c.format, sizeof c.format, "jpeg");
    uint32_t w, h;
    sp_pixfmt fmt;
    assert_int_equal(sp_rosmsg_cimage_info(d, &c, &w, &h, &fmt), SP_EFORMAT);
    iot_msg_has("CompressedImage (format 'jpeg'): JPEG header of 40 bytes",
                NULL);
    uint8_t *bad = malloc(f->ndata);
    memcpy(bad, f->data, f->ndata);
    size_t sos = 2;
    while (sos + 1 < f->ndata && !(bad[sos] == 0xFF && bad[sos + 1] == 0xDA))
        sos++;
    for (size_t i = sos + 16; i < f->ndata - 2; i++)
        bad[i] = (uint8_t)(i * 7); /* the entropy-coded data after SOS */
    c.data = bad;
    c.data_size = f->ndata;
    assert_int_equal(sp_rosmsg_cimage_info(d, &c, &w, &h, &fmt), SP_OK);
    mem = iot_image_alloc(&img, w, h, fmt, 0);
    int rc = sp_rosmsg_cimage_decode(d, &c, &img);
    assert_true(rc == SP_OK ||
                (rc == SP_EFORMAT && strstr(sp_errmsg(), "JPEG data")));
    free(mem);
    mem = iot_image_alloc(&img, w, h, SP_PIX_GRAY8, 0);
    c.data = f->data;
    assert_int_equal(sp_rosmsg_cimage_decode(d, &c, &img), SP_EINVAL);
    iot_msg_has("24x16 gray8", "decodes to 24x16 rgb8", NULL);
    free(mem);
    free(bad);
    c.data = NULL;
    c.data_size = 0;
    assert_int_equal(sp_rosmsg_cimage_info(d, &c, &w, &h, &fmt), SP_EFORMAT);
    iot_msg_has("0 bytes of data", NULL);
    sp_rosmsg_decoder_destroy(d);
    sp_rosmsg_decoder_destroy(NULL);
}

/* ---- hostile bytes ---- */

static void test_hostile_fixtures(void **state)
{
    (void)state;
    const char *dir = fx_generate(FX_ROS1 | FX_CDR);
    if (!dir)
        skip();
    static const char *const ext[3] = {"ros1", "cdr_le", "cdr_be"};
    for (size_t i = 0; i < fx_count(); i++) {
        const fx_msg *f = fx_get(i);
        if (f->expect_err)
            continue;
        for (int e = 0; e < 3; e++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s.%s", dir, f->name, ext[e]);
            size_t n;
            uint8_t *b = ro_read(path, &n);
            if (!b)
                continue; /* that encoder was not available */
            fx_hostile(f->kind, e == 0 ? SP_ROSMSG_ROS1 : SP_ROSMSG_CDR, e == 2,
                       b, n, f->name, (int)f->nlengths);
            free(b);
        }
    }
}

static void test_hostile_seeds(void **state)
{
    (void)state;
    size_t seeds = fx_hostile_seeds();
    if (seeds == 0)
        fail_msg("no seeds in %s/fuzz/corpus/rosmsg", ro_tests_dir());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_exact_messages),
        cmocka_unit_test(test_image_misuse),
        cmocka_unit_test(test_ros1_genpy),
        cmocka_unit_test(test_cdr_foxglove),
        cmocka_unit_test(test_hostile_fixtures),
        cmocka_unit_test(test_hostile_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
