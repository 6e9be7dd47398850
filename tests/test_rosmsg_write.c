/* ctest-label: io */
/* The CDR PointCloud2 and Image writers and the ros2msg schema texts, byte
 * by byte where the layout is worked out by hand here; decoding by the
 * reference reader is tested in test_mcap_write.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_rosmsg_write.h"

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Offset of the NUL-terminated @p s in @p buf (fails when absent). */
static size_t find(const uint8_t *buf, size_t n, const char *s)
{
    size_t k = strlen(s) + 1;
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, s, k) == 0)
            return i;
    fail_msg("'%s' not in the message", s);
    return 0;
}

static void test_pc2_layout(void **state)
{
    (void)state;
    sp_points p;
    void *mem = iot_points_alloc(&p, 4, 0);
    p.count = 1;
    p.x[0] = 1.0f;
    p.y[0] = -2.5f;
    p.z[0] = 0.125f;
    p.intensity[0] = 7.0f;
    /* Worked out by hand, offsets after the 4-byte encapsulation header:
     * stamp 0..8, frame_id "f" 8..14, height 16, width 20, fields count 24,
     * x 28..48, y ..68, z ..88, intensity ..116 (name of 10 bytes with its
     * NUL), is_bigendian 116, point_step 120, row_step 124, data length
     * 128, data 132..148, is_dense 148: 153 bytes in all. */
    size_t need = 0;
    assert_int_equal(sp_rosmsg_pc2_write(&p, 1500000000, "f", NULL, 0, &need),
                     SP_OK);
    assert_int_equal(need, 153);
    uint8_t buf[160];
    memset(buf, 0xee, sizeof buf);
    size_t size = 0;
    assert_int_equal(
        sp_rosmsg_pc2_write(&p, 1500000000, "f", buf, sizeof buf, &size),
        SP_OK);
    assert_int_equal(size, 153);
    const uint8_t encaps[4] = {0, 1, 0, 0};
    assert_memory_equal(buf, encaps, 4);
    const uint8_t *m = buf + 4;
    assert_int_equal(rd32(m + 0), 1);         /* sec */
    assert_int_equal(rd32(m + 4), 500000000); /* nanosec */
    assert_int_equal(rd32(m + 8), 2);         /* "f" and its NUL */
    assert_memory_equal(m + 12, "f", 2);
    assert_int_equal(m[14] | m[15], 0); /* padding is zero */
    assert_int_equal(rd32(m + 16), 1);  /* height */
    assert_int_equal(rd32(m + 20), 1);  /* width */
    assert_int_equal(rd32(m + 24), 4);  /* fields */
    assert_int_equal(rd32(m + 28), 2);
    assert_memory_equal(m + 32, "x", 2);
    assert_int_equal(rd32(m + 36), 0); /* offset */
    assert_int_equal(m[40], 7);        /* FLOAT32 */
    assert_int_equal(rd32(m + 44), 1); /* count */
    assert_int_equal(rd32(m + 88), 10);
    assert_memory_equal(m + 92, "intensity", 10);
    assert_int_equal(rd32(m + 104), 12);
    assert_int_equal(m[116], 0);         /* is_bigendian */
    assert_int_equal(rd32(m + 120), 16); /* point_step */
    assert_int_equal(rd32(m + 124), 16); /* row_step */
    assert_int_equal(rd32(m + 128), 16); /* data length */
    assert_memory_equal(m + 132, &p.x[0], 4);
    assert_memory_equal(m + 136, &p.y[0], 4);
    assert_memory_equal(m + 140, &p.z[0], 4);
    assert_memory_equal(m + 144, &p.intensity[0], 4);
    assert_int_equal(m[148], 1); /* is_dense */
    assert_int_equal(buf[153], 0xee);

    /* a buffer one byte short: nothing written, both sizes named */
    memset(buf, 0xee, sizeof buf);
    assert_int_equal(sp_rosmsg_pc2_write(&p, 0, "f", buf, 152, &size),
                     SP_ERANGE);
    assert_int_equal(size, 153);
    assert_int_equal(buf[0], 0xee);
    iot_msg_has("153", "152", NULL);

    /* a NaN coordinate makes the cloud not dense */
    p.z[0] = NAN;
    assert_int_equal(sp_rosmsg_pc2_write(&p, 0, "f", buf, sizeof buf, &size),
                     SP_OK);
    assert_int_equal(buf[4 + 148], 0);
    free(mem);
}

static void test_pc2_fields(void **state)
{
    (void)state;
    sp_points p;
    void *mem = iot_points_alloc(&p, 8, SP_POINTS_RING | SP_POINTS_TIME);
    p.count = 3;
    for (size_t i = 0; i < 3; i++) {
        p.x[i] = (float)i;
        p.y[i] = p.z[i] = p.intensity[i] = 0.5f;
        p.ring[i] = (uint16_t)(0x1234 + i);
        p.time[i] = 0.001f * (float)i;
    }
    uint8_t buf[512];
    size_t size;
    assert_int_equal(
        sp_rosmsg_pc2_write(&p, 0, "velodyne", buf, sizeof buf, &size), SP_OK);
    /* ring at 16, time packed right after it at 18: point_step 22 */
    const uint8_t *d = buf + size - 1 - 3 * 22;
    assert_int_equal(rd32(d - 4), 3 * 22);
    for (size_t i = 0; i < 3; i++) {
        uint16_t r;
        float t;
        memcpy(&r, d + 22 * i + 16, 2);
        memcpy(&t, d + 22 * i + 18, 4);
        assert_int_equal(r, p.ring[i]);
        assert_true(t == p.time[i]);
    }
    /* the field table names them in that order, after intensity */
    assert_true(find(buf, size, "intensity") < find(buf, size, "ring"));
    assert_true(find(buf, size, "ring") < find(buf, size, "time"));

    /* an empty cloud is a valid message of width 0 */
    p.count = 0;
    assert_int_equal(sp_rosmsg_pc2_write(&p, 0, "", buf, sizeof buf, &size),
                     SP_OK);
    assert_int_equal(buf[size - 1], 1);
    free(mem);
}

static void test_stamps(void **state)
{
    (void)state;
    sp_points p;
    void *mem = iot_points_alloc(&p, 1, 0);
    uint8_t buf[256];
    size_t size;
    /* floor division: -1 ns is 1 ns before the second 0 */
    assert_int_equal(sp_rosmsg_pc2_write(&p, -1, "", buf, sizeof buf, &size),
                     SP_OK);
    assert_int_equal((int32_t)rd32(buf + 4), -1);
    assert_int_equal(rd32(buf + 8), 999999999);
    /* the last nanosecond int32 seconds hold, and the first past it */
    const int64_t last = (int64_t)INT32_MAX * 1000000000 + 999999999;
    assert_int_equal(sp_rosmsg_pc2_write(&p, last, "", buf, sizeof buf, &size),
                     SP_OK);
    assert_int_equal(rd32(buf + 4), INT32_MAX);
    assert_int_equal(
        sp_rosmsg_pc2_write(&p, last + 1, "", buf, sizeof buf, &size),
        SP_ERANGE);
    iot_msg_has("int32", NULL);
    free(mem);
}

static void test_image(void **state)
{
    (void)state;
    /* 2x1 mono8, frame "": stamp 0..8, frame_id 8..13, height 16, width
     * 20, encoding "mono8" 24..34, is_bigendian 34, step 36, data length
     * 40, data 44..46: 50 bytes. */
    sp_image img;
    void *mem = iot_image_alloc(&img, 2, 1, SP_PIX_GRAY8, 64);
    img.data[0] = 9;
    img.data[1] = 250;
    uint8_t buf[128];
    size_t size;
    assert_int_equal(sp_rosmsg_image_write(&img, 0, "", buf, sizeof buf, &size),
                     SP_OK);
    assert_int_equal(size, 50);
    const uint8_t *m = buf + 4;
    assert_int_equal(rd32(m + 16), 1);
    assert_int_equal(rd32(m + 20), 2);
    assert_int_equal(rd32(m + 24), 6);
    assert_memory_equal(m + 28, "mono8", 6);
    assert_int_equal(m[34], 0);
    assert_int_equal(rd32(m + 36), 2); /* step: no stride padding */
    assert_int_equal(rd32(m + 40), 2);
    assert_int_equal(m[44], 9);
    assert_int_equal(m[45], 250);
    free(mem);

    /* rows are packed: a padded 3x4 RGB16 gives step 18, 72 bytes */
    mem = iot_image_alloc(&img, 3, 4, SP_PIX_RGB16, 0);
    for (uint32_t y = 0; y < 4; y++)
        for (size_t x = 0; x < 18; x++)
            sp_image_row(&img, y)[x] = (uint8_t)(y * 18 + x);
    uint8_t big[256];
    assert_int_equal(
        sp_rosmsg_image_write(&img, 0, "cam", big, sizeof big, &size), SP_OK);
    for (size_t i = 0; i < 72; i++)
        assert_int_equal(big[size - 72 + i], i);
    free(mem);

    /* NV12: the UV rows follow the Y rows */
    mem = iot_image_alloc(&img, 4, 4, SP_PIX_NV12, 0);
    assert_int_equal(sp_rosmsg_image_write(&img, 0, "", NULL, 0, &size), SP_OK);
    /* data at 44 as for mono8 ("nv12" and its NUL also pad to 36), then
     * 6 rows of 4 */
    assert_int_equal(size, 4 + 44 + 24);
    free(mem);

    /* no data, or a stride below the row, is refused */
    sp_image bad = {.data = NULL,
                    .width = 2,
                    .height = 2,
                    .stride = 2,
                    .format = SP_PIX_GRAY8};
    assert_int_equal(sp_rosmsg_image_write(&bad, 0, "", NULL, 0, &size),
                     SP_EINVAL);
    uint8_t px[4];
    bad.data = px;
    bad.stride = 1;
    assert_int_equal(sp_rosmsg_image_write(&bad, 0, "", NULL, 0, &size),
                     SP_EINVAL);
    iot_msg_has("stride", NULL);
    bad.format = SP_PIX_COUNT;
    assert_int_equal(sp_rosmsg_image_write(&bad, 0, "", NULL, 0, &size),
                     SP_EINVAL);
}

static void test_encodings(void **state)
{
    (void)state;
    static const struct {
        sp_pixfmt fmt;
        const char *enc;
    } table[] = {
        {SP_PIX_GRAY8, "mono8"},
        {SP_PIX_GRAY16, "mono16"},
        {SP_PIX_BAYER_RGGB8, "bayer_rggb8"},
        {SP_PIX_BAYER_BGGR8, "bayer_bggr8"},
        {SP_PIX_BAYER_GRBG8, "bayer_grbg8"},
        {SP_PIX_BAYER_GBRG8, "bayer_gbrg8"},
        {SP_PIX_BAYER_RGGB16, "bayer_rggb16"},
        {SP_PIX_BAYER_BGGR16, "bayer_bggr16"},
        {SP_PIX_BAYER_GRBG16, "bayer_grbg16"},
        {SP_PIX_BAYER_GBRG16, "bayer_gbrg16"},
        {SP_PIX_RGB8, "rgb8"},
        {SP_PIX_BGR8, "bgr8"},
        {SP_PIX_RGBA8, "rgba8"},
        {SP_PIX_BGRA8, "bgra8"},
        {SP_PIX_RGB16, "rgb16"},
        {SP_PIX_NV12, "nv12"},
        {SP_PIX_YUYV, "yuv422_yuy2"},
        {SP_PIX_UYVY, "yuv422"},
        {SP_PIX_F32, "32FC1"},
    };
    assert_int_equal(sizeof table / sizeof table[0], SP_PIX_COUNT);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        assert_string_equal(sp_rosmsg_image_encoding(table[i].fmt),
                            table[i].enc);
    assert_null(sp_rosmsg_image_encoding(SP_PIX_COUNT));
}

/* The schema texts: the root definition first, then each dependency after
 * a line of exactly 80 '=' and "MSG: pkg/Type", depth first in name order,
 * as rosbag2's mcap storage writes them. */
static void test_schemas(void **state)
{
    (void)state;
    char sep[100];
    memset(sep, '=', 80);
    sep[80] = '\0';
    const char *pc2 = sp_rosmsg_ros2_schema(SP_ROS2_POINTCLOUD2);
    const char *img = sp_rosmsg_ros2_schema(SP_ROS2_IMAGE);
    assert_non_null(pc2);
    assert_non_null(img);
    assert_null(sp_rosmsg_ros2_schema("sensor_msgs/msg/Imu"));
    assert_null(sp_rosmsg_ros2_schema(NULL));
    assert_true(strncmp(pc2, "std_msgs/Header header\nuint32 height\n", 37) ==
                0);
    const char *order[] = {"\nMSG: sensor_msgs/PointField\n",
                           "\nMSG: std_msgs/Header\n",
                           "\nMSG: builtin_interfaces/Time\n"};
    const char *at = pc2;
    for (int i = 0; i < 3; i++) {
        const char *m = strstr(at, order[i]);
        assert_non_null(m);
        /* a blank line, then exactly 80 '=' */
        assert_true(m - pc2 > 82 && m[-81] == '\n' && m[-82] == '\n');
        assert_memory_equal(m - 80, sep, 80);
        at = m + 1;
    }
    assert_non_null(strstr(pc2, "\nuint8 FLOAT32 = 7\n"));
    assert_non_null(strstr(pc2, "\nbool is_dense\n"));
    assert_true(strlen(pc2) > 20 &&
                strcmp(pc2 + strlen(pc2) - 15, "uint32 nanosec\n") == 0);
    assert_non_null(strstr(img, "\nstring encoding\nuint8 is_bigendian\n"));
    assert_non_null(strstr(img, "\nMSG: std_msgs/Header\n"));
    assert_null(strstr(img, "PointField"));
    assert_null(strchr(pc2, '#')); /* field declarations only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pc2_layout), cmocka_unit_test(test_pc2_fields),
        cmocka_unit_test(test_stamps),     cmocka_unit_test(test_image),
        cmocka_unit_test(test_encodings),  cmocka_unit_test(test_schemas),
    };
    return cmocka_run_group_tests_name("rosmsg_write", tests, NULL, NULL);
}
