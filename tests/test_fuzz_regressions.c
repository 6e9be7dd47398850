/* ctest-label: io */
/* Every crash the libFuzzer targets in tests/fuzz/ found, replayed through
 * the same API the target calls and checked for a clean error status and a
 * message naming the input and what was expected. Inputs are written out as
 * bytes here (not committed as binary files) so each case reads on its own.
 * Run under the ASan+UBSan build, a regression is a sanitizer report. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_bin.h"
#include "sp_kitti.h"
#include "sp_lidardec.h"
#include "sp_log.h"
#include "sp_loginfo.h"
#include "sp_mcap.h"
#include "sp_pcd.h"
#include "sp_png.h"
#include "sp_status.h"

/* A heap copy of exactly @p n bytes (no NUL, no slack), as the fuzz targets
 * pass their input, so any read past the end is an ASan error. */
static char *exact_copy(const void *src, size_t n)
{
    char *t = malloc(n ? n : 1);
    assert_non_null(t);
    memcpy(t, src, n);
    return t;
}

/* Parse @p text as a timestamps file: counting pass only (as
 * fuzz_timestamps' first pass). */
static int ts_status(const char *text, size_t n, size_t *count)
{
    char *t = exact_copy(text, n);
    int rc = sp_timestamps_parse(t, n, "ts", NULL, 0, count);
    free(t);
    return rc;
}

/* fuzz_timestamps, crash-35d859b6: a year past 2262 overflowed int64
 * nanoseconds (UBSan: signed integer overflow in parse_datetime). */
static void test_timestamps_year_overflow(void **state)
{
    (void)state;
    static const char in[] = "2811-09-26 14:30:15.002263420128\n"
                             "1-09-26 14:3209325058\n";
    size_t n = 99;
    assert_int_equal(ts_status(in, sizeof in - 1, &n), SP_EFORMAT);
    assert_non_null(strstr(sp_errmsg(), "ts: line 1: '2811-09-26"));
    assert_non_null(strstr(sp_errmsg(), "expected"));
    /* The largest representable year still parses; one past it does not. */
    static const char ok[] = "2262-04-11 23:47:16.854775807\n";
    assert_int_equal(ts_status(ok, sizeof ok - 1, &n), SP_OK);
    assert_int_equal(n, 1);
    static const char over[] = "2262-04-11 23:47:17.000000000\n";
    assert_int_equal(ts_status(over, sizeof over - 1, &n), SP_EFORMAT);
    static const char far[] = "9999-12-31 23:59:59.999999999\n";
    assert_int_equal(ts_status(far, sizeof far - 1, &n), SP_EFORMAT);
}

/* fuzz_calib: an S_0c image size of 1e300 (or NaN) was converted to int
 * (UBSan: outside the range of representable values); 0 or negative sizes
 * passed as real ones. Found while reworking the target so that the camera
 * and the cam/velo split come from the input. */
static void test_calib_image_size_out_of_range(void **state)
{
    (void)state;
    static const char *const bad[] = {"1e300 375", "1242 nan",   "0 375",
                                      "-5 375",    "1242.5 375", "1242 65536"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[160];
        int n = snprintf(text, sizeof text,
                         "S_02: %s\nK_02: 700 0 600 0 700 180 0 0 1\n"
                         "D_02: 0 0 0 0 0\n",
                         bad[i]);
        char *t = exact_copy(text, (size_t)n);
        sp_calib c;
        int rc = sp_calib_parse_kitti_raw(t, (size_t)n, "cam.txt", NULL, 0,
                                          NULL, 2, &c);
        free(t);
        assert_int_equal(rc, SP_EFORMAT);
        assert_non_null(strstr(sp_errmsg(), "cam.txt: key 'S_02'"));
        assert_non_null(strstr(sp_errmsg(), "expected two whole numbers"));
    }
    /* KITTI's own values still parse. */
    static const char ok[] = "S_02: 1.242000e+03 3.750000e+02\n"
                             "K_02: 700 0 600 0 700 180 0 0 1\n"
                             "D_02: 0 0 0 0 0\n";
    sp_calib c;
    assert_int_equal(sp_calib_parse_kitti_raw(ok, sizeof ok - 1, "cam.txt",
                                              NULL, 0, NULL, 2, &c),
                     SP_OK);
    assert_int_equal(c.width, 1242);
    assert_int_equal(c.height, 375);
}

/* fuzz_pcd, crash-41c1b0ab (a harness assumption, not a library bug, kept
 * as a check of the reader): a binary_compressed header with WIDTH
 * 1561266079 passes the header check, whose file-size bound cannot see
 * the size words; the reader's shape() must refuse it from the size words
 * before a caller sizes 1.5e9 points. */
static void test_pcd_compressed_points_bounded_by_size_words(void **state)
{
    (void)state;
    static const char hdr[] = "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                              "WIDTH 1561266079\nDATA binary_compressed\n";
    uint8_t file[sizeof hdr - 1 + 17];
    memcpy(file, hdr, sizeof hdr - 1);
    static const uint8_t data[17] = {13,   0,    0,    0,    12,   0,
                                     0,    0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 'B'};
    memcpy(file + sizeof hdr - 1, data, sizeof data);
    const char *path = iot_tmp("wide_compressed.pcd");
    iot_write(path, file, sizeof file);

    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    size_t points = 0;
    unsigned fields = 0;
    assert_int_equal(sp_pcd_reader_shape(r, 0, &points, &fields), SP_EFORMAT);
    iot_msg_has("wide_compressed.pcd", "byte", "expected", NULL);
    assert_int_equal(points, 0);
    sp_pcd_reader_destroy(r);
}

/* fuzz_png, 258cdd00 (found by its RSS, 1.2 GB after one input): a 103-byte
 * 2x2 PNG whose tEXt chunk claims 1 GiB. libpng only warns that the chunk
 * is too large (a benign error on read) and asks the reader's arena for
 * the whole length; the arena took it from the heap and grew to 1.25 GiB
 * at the next file, for the reader's lifetime. Now the arena refuses
 * requests past libpng's own chunk limit: the file fails as truncated and
 * nothing comes from the heap. */
static void test_png_huge_text_chunk_not_allocated(void **state)
{
    (void)state;
    static const uint8_t png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
        0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02,
        0x08, 0x00, 0x00, 0x00, 0x00, 0x57, 0xdd, 0x52, 0xf8,
        /* tEXt, length 0x40000014 */
        0x40, 0x00, 0x00, 0x14, 0x74, 0x45, 0x58, 0x74, 0x32, 0x65, 0x6e, 0x73,
        0x6f, 0x72, 0x70, 0x69, 0x70, 0x65, 0x3a, 0x72, 0x61, 0x6e, 0x67, 0x65,
        0x00, 0x30, 0x20, 0x31, 0x52, 0xc7, 0x33, 0x4d, 0x00, 0x00, 0x00, 0x0e,
        0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0x60, 0x64, 0x60, 0x60,
        0x04, 0x00, 0x00, 0x0b, 0x00, 0x03, 0x4f, 0x41, 0x36, 0xf9, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    assert_int_equal(sizeof png, 103);
    char *t = exact_copy(png, sizeof png);
    sp_png_reader *r;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    uint8_t pix[2 * 64];
    sp_image img;
    assert_int_equal(
        sp_image_init(&img, pix, sizeof pix, 2, 2, SP_PIX_GRAY8, 64), SP_OK);
    assert_int_equal(sp_png_read_mem(r, (const uint8_t *)t, sizeof png,
                                     "text.png", &img, NULL),
                     SP_EFORMAT);
    iot_msg_has("text.png", "truncated", "expected", NULL);
    assert_int_equal(sp_png_reader_heap_allocs(r), 0);
    /* The same through a file, and the reader stays small. */
    const char *path = iot_tmp("text.png");
    iot_write(path, png, sizeof png);
    assert_int_equal(sp_png_read(r, path, &img, NULL), SP_EFORMAT);
    iot_msg_has("text.png", "truncated", NULL);
    assert_int_equal(sp_png_reader_heap_allocs(r), 0);
    sp_png_reader_destroy(r);
    free(t);
}

/* fuzz_kitti, crash-88a09a32: a drive's velodyne files 0000000000,
 * 0000000002, 0000000010 and x.bin without timestamps are timed by their
 * number (x by its index, 3) x 100 ms: 0, 0.2, 1.0 and 0.3 s in name order.
 * The stream's span was its first and last file's (0 .. 0.3 s), so a frame
 * at 1.0 s lay outside it; the span is now the selected frames' min and
 * max. */
static void test_kitti_span_covers_every_frame(void **state)
{
    (void)state;
    const char *dir = iot_tmp("kitti_span");
    iot_rmdir(dir);
    static const char *const names[] = {"0000000000", "0000000002",
                                        "0000000010", "x"};
    float rec[4] = {1, 2, 3, 0.5f};
    char p[512];
    snprintf(p, sizeof p, "%s/velodyne_points/data", dir);
    iot_mkdirs(p);
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/velodyne_points/data/%s.bin", dir, names[i]);
        iot_write(p, rec, sizeof rec);
    }
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(dir, NULL, &k), SP_OK);
    sp_kitti_stream_info si;
    assert_int_equal(sp_kitti_stream_get(k, 0, &si), SP_OK);
    assert_int_equal(si.frames, 4);
    assert_int_equal(si.t_first, 0);
    assert_int_equal(si.t_last, 1000000000LL);
    for (size_t i = 0; i < sp_kitti_frame_count(k); i++) {
        sp_kitti_frame f;
        assert_int_equal(sp_kitti_frame_get(k, i, &f), SP_OK);
        assert_true(f.timestamp_ns >= si.t_first &&
                    f.timestamp_ns <= si.t_last);
    }
    sp_kitti_destroy(k);
}

/* fuzz_mcap_write, crash-700dbb21: two MCAP channels "/points" without a
 * schema, one "cdr" and one "ros1", were merged into one topic (same name
 * and type) with the first's encoding, so the ros1 channel's messages came
 * back as cdr. Channels now merge only when the encoding agrees too. */
static void test_mcap_channels_of_two_encodings_stay_apart(void **state)
{
    (void)state;
    const char *path = iot_tmp("two_encodings.mcap");
    sp_mcap_writer_desc d = {.compression = SP_MCAP_NONE};
    sp_mcap_writer *w;
    assert_int_equal(sp_mcap_writer_create(path, &d, &w), SP_OK);
    uint16_t a, b;
    assert_int_equal(sp_mcap_writer_add_channel(w, 0, "/points", "cdr", &a),
                     SP_OK);
    assert_int_equal(sp_mcap_writer_add_channel(w, 0, "/points", "ros1", &b),
                     SP_OK);
    assert_int_equal(sp_mcap_writer_write(w, a, 0, 10, 10, "C", 1), SP_OK);
    assert_int_equal(sp_mcap_writer_write(w, b, 0, 20, 20, "R", 1), SP_OK);
    assert_int_equal(sp_mcap_writer_finish(w), SP_OK);
    sp_mcap_writer_destroy(w);

    sp_log *log;
    assert_int_equal(sp_log_open(path, NULL, &log), SP_OK);
    assert_int_equal(sp_log_topic_count(log), 2);
    sp_log_msg m;
    assert_int_equal(sp_log_next(log, &m), SP_OK);
    assert_int_equal(m.data[0], 'C');
    assert_string_equal(sp_log_topic_at(log, m.topic)->encoding, "cdr");
    assert_int_equal(sp_log_next(log, &m), SP_OK);
    assert_int_equal(m.data[0], 'R');
    assert_string_equal(sp_log_topic_at(log, m.topic)->encoding, "ros1");
    assert_int_equal(sp_log_next(log, &m), SP_EOS);
    sp_log_destroy(log);
}

/* fuzz_info, crash-edc8ff14: an MCAP whose messages' log times span more
 * than int64 (one at 1.7e18 ns, one past 2^63, which reads as a negative
 * int64) overflowed the subtraction of `sensorpipe info`'s duration and
 * rate (UBSan: signed integer overflow in log_describe.c). The span is now
 * taken in unsigned arithmetic: 1.7e18 + 2^63 - 5 ns, positive. */
static void test_info_span_past_int64(void **state)
{
    (void)state;
    const char *path = iot_tmp("span.mcap");
    sp_mcap_writer_desc d = {.compression = SP_MCAP_NONE};
    sp_mcap_writer *w;
    assert_int_equal(sp_mcap_writer_create(path, &d, &w), SP_OK);
    uint16_t a;
    assert_int_equal(sp_mcap_writer_add_channel(w, 0, "/x", "cdr", &a), SP_OK);
    const uint64_t late = ((uint64_t)1 << 63) + 5, now = 1700000000024223000u;
    assert_int_equal(sp_mcap_writer_write(w, a, 0, now, now, "A", 1), SP_OK);
    assert_int_equal(sp_mcap_writer_write(w, a, 1, late, late, "B", 1), SP_OK);
    assert_int_equal(sp_mcap_writer_finish(w), SP_OK);
    sp_mcap_writer_destroy(w);

    sp_loginfo li;
    assert_int_equal(sp_loginfo_probe(path, 0, &li), SP_OK);
    const char *dur = sp_loginfo_attr_get(&li, "log", "duration_s");
    assert_non_null(dur);
    /* now - (late - 2^64) = now + 2^63 - 5 ns */
    double want = ((double)now + 9223372036854775803.0) * 1e-9;
    assert_true(fabs(strtod(dur, NULL) - want) < 1e-3 * want);
    char text[4096];
    assert_true(sp_loginfo_format(&li, 0, text, sizeof text) > 0);
    assert_non_null(strstr(text, "/x"));
    sp_loginfo_free(&li);
}

/* fuzz_bin, crash-407207e7: a field list ending in a comma ("x,y,z,i,")
 * was read as its names before the comma, while an empty name anywhere
 * else (",x,y,z", "x,,y,z") was refused. Now all three are refused. */
static void test_bin_fields_trailing_comma(void **state)
{
    (void)state;
    const char *path = iot_tmp("one.bin");
    static const float rec[4] = {1, 2, 3, 4};
    iot_write(path, rec, sizeof rec);
    static const char *const bad[] = {"x,y,z,i,", ",x,y,z", "x,,y,z", ","};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_bin_reader *r = (sp_bin_reader *)1;
        assert_int_equal(sp_bin_reader_create(path, bad[i], &r), SP_EINVAL);
        assert_null(r);
        iot_msg_has("bin: fields '", "unknown name ''", "expected", NULL);
    }
    sp_bin_reader *r;
    assert_int_equal(sp_bin_reader_create(path, "x,y,z,i", &r), SP_OK);
    assert_int_equal(sp_bin_reader_record_size(r), 16);
    sp_bin_reader_destroy(r);
}

/* fuzz_pcap, crash-083d4c36: an empty UDP datagram (0 bytes of payload)
 * was taken for a Hesai XT32 or QT64 packet, whose models have no second
 * packet size (0 in the table), and its header read past the end (ASan:
 * heap-buffer-overflow in hesai_inspect). It must be refused by its size,
 * whatever bytes follow it in memory. */
static void test_hesai_empty_datagram(void **state)
{
    (void)state;
    static const sp_lidar_model models[] = {
        SP_LIDAR_XT32, SP_LIDAR_QT64, SP_LIDAR_PANDAR64, SP_LIDAR_PANDAR40P};
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    /* A valid-looking header just past the empty datagram, as in a capture
     * where the next record follows. */
    static const uint8_t after[16] = {0xee, 0xff, 1, 4, 0, 0, 64, 4};
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        sp_lidardec_desc desc = {.model = models[m]};
        sp_lidardec *d = NULL;
        assert_int_equal(sp_lidardec_create(k, &desc, &d), SP_OK);
        sp_lidardec_info info;
        char *p = exact_copy(after, sizeof after);
        assert_int_equal(sp_lidardec_inspect(d, (const uint8_t *)p, 0, &info),
                         SP_EFORMAT);
        iot_msg_has("0-byte packet, expected ", NULL);
        if (models[m] == SP_LIDAR_XT32 || models[m] == SP_LIDAR_QT64)
            assert_null(strstr(sp_errmsg(), " or 0"));
        free(p);
        sp_lidardec_destroy(d);
    }
    sp_kctx_destroy(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamps_year_overflow),
        cmocka_unit_test(test_calib_image_size_out_of_range),
        cmocka_unit_test(test_pcd_compressed_points_bounded_by_size_words),
        cmocka_unit_test(test_png_huge_text_chunk_not_allocated),
        cmocka_unit_test(test_kitti_span_covers_every_frame),
        cmocka_unit_test(test_mcap_channels_of_two_encodings_stay_apart),
        cmocka_unit_test(test_bin_fields_trailing_comma),
        cmocka_unit_test(test_info_span_past_int64),
        cmocka_unit_test(test_hesai_empty_datagram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
