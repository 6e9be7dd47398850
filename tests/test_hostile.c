/* ctest-label: io */
/* Hostile input for every io/ reader: files that lie about their sizes,
 * truncated and corrupt data, malformed metadata and empty folders. Each
 * case is written here at run time and checked for the exact status and a
 * message that names the file, the byte offset or line, and what was
 * expected. Run under the ASan build, nothing may read past a buffer. */
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_bin.h"
#include "sp_iotest.h"
#include "sp_kitti.h"
#include "sp_pcd.h"
#include "sp_png.h"
#include "sp_rawimg.h"

/* ---- helpers ---- */

/* Open a one-file PCD reader and return the status of shape() then, if
 * that succeeds, read(). */
static int pcd_status(const char *path)
{
    sp_pcd_reader *r;
    int rc = sp_pcd_reader_create(path, &r);
    if (rc < 0)
        return rc;
    size_t n;
    unsigned f;
    rc = sp_pcd_reader_shape(r, 0, &n, &f);
    if (rc == SP_OK) {
        sp_points p;
        void *mem = iot_points_alloc(&p, n ? n : 1, f);
        rc = sp_pcd_reader_read(r, 0, &p);
        free(mem);
    }
    sp_pcd_reader_destroy(r);
    return rc;
}

#define XYZ_HDR(points, data)                                                  \
    "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\n"         \
    "WIDTH " points "\nHEIGHT 1\nPOINTS " points "\nDATA " data "\n"

/* Header then @p n bytes of body. */
static const char *write_pcd(const char *name, const char *hdr,
                             const void *body, size_t n)
{
    const char *path = iot_tmp(name);
    size_t hl = strlen(hdr);
    uint8_t *buf = malloc(hl + n + 1);
    memcpy(buf, hdr, hl);
    if (n)
        memcpy(buf + hl, body, n);
    iot_write(path, buf, hl + n);
    free(buf);
    return path;
}

/* ---- .bin ---- */

static void test_bin_truncated(void **state)
{
    (void)state;
    const char *path = iot_tmp("trunc.bin");
    uint8_t b[16 * 3 + 5] = {0};
    iot_write(path, b, sizeof b);
    sp_bin_reader *r;
    assert_int_equal(sp_bin_reader_create(path, NULL, &r), SP_OK);
    size_t n;
    unsigned f;
    assert_int_equal(sp_bin_reader_shape(r, 0, &n, &f), SP_EFORMAT);
    iot_msg_has("trunc.bin: byte 48:",
                "file of 53 bytes ends 5 bytes into a "
                "record",
                "expected a multiple of the 16-byte record", NULL);
    sp_points p;
    void *mem = iot_points_alloc(&p, 4, 0);
    assert_int_equal(sp_bin_reader_read(r, 0, &p), SP_EFORMAT);
    free(mem);
    sp_bin_reader_destroy(r);
}

/* ---- PCD headers that lie ---- */

static void test_pcd_points_larger_than_data(void **state)
{
    (void)state;
    float body[2][3] = {{1, 2, 3}, {4, 5, 6}};
    const char *hdr = XYZ_HDR("5", "binary");
    const char *path = write_pcd("lie_points.pcd", hdr, body, sizeof body);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    char where[64];
    snprintf(where, sizeof where, "lie_points.pcd: byte %zu:", strlen(hdr));
    iot_msg_has(where, "POINTS says 5 points of 12 bytes (60 bytes)",
                "DATA holds 24 bytes", "expected the file to hold them all",
                NULL);

    /* ascii: two lines where five are promised. */
    const char *a = "1 2 3\n4 5 6\n          \n"; /* long enough for the
                                                       size check */
    const char *ahdr = XYZ_HDR("3", "ascii");
    path = write_pcd("lie_points_ascii.pcd", ahdr, a, strlen(a));
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("lie_points_ascii.pcd: line 13:", "DATA ends after 2 points",
                "expected POINTS 3", NULL);

    /* ascii: a line with a missing value. */
    const char *b = "1.0 2.0 3.0\n4.0 5.0\n7.0 8.0 9.0\n";
    path = write_pcd("short_line.pcd", ahdr, b, strlen(b));
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("short_line.pcd: line 11:", "2 values, expected 3", NULL);

    /* ascii: a value that is not a number. */
    const char *c = "1 2 3\n4 five 6\n7 8 9\n";
    path = write_pcd("nan_word.pcd", ahdr, c, strlen(c));
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("nan_word.pcd: line 11:", "value 'five' of field 'y'",
                "expected a number", NULL);
}

static void test_pcd_width_height_mismatch(void **state)
{
    (void)state;
    const char *hdr = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                      "COUNT 1 1 1\nWIDTH 3\nHEIGHT 2\nPOINTS 5\n"
                      "DATA binary\n";
    float body[6][3] = {{0}};
    const char *path = write_pcd("wxh.pcd", hdr, body, sizeof body);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("wxh.pcd: line 8:", "WIDTH 3 x HEIGHT 2 = 6 but POINTS is 5",
                "expected them to agree", NULL);
}

static void test_pcd_unknown_type_size(void **state)
{
    (void)state;
    const char *t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F D F\n"
                    "WIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n";
    const char *path = iot_tmp("type_d.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EUNSUPPORTED);
    iot_msg_has("type_d.pcd: line 4:", "TYPE 'D' of field 'y'",
                "expected F, U or I", NULL);

    t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 3 4\nTYPE F F F\n"
        "WIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n";
    path = iot_tmp("size3.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EUNSUPPORTED);
    iot_msg_has("size3.pcd: line 4:", "field 'y' has TYPE F SIZE 3",
                "expected F 4/8, U 1/2/4/8 or I 1/2/4/8", NULL);

    t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 16 4\nTYPE F F F\n"
        "WIDTH 1\nPOINTS 1\nDATA ascii\n1 2 3\n";
    path = iot_tmp("size16.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EUNSUPPORTED);
    iot_msg_has("size16.pcd: line 3:", "SIZE '16' of field 'y'",
                "expected 1, 2, 4 or 8", NULL);

    t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 1\n"
        "POINTS 1\nDATA binary_lz4\n";
    path = iot_tmp("data_lz4.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EUNSUPPORTED);
    iot_msg_has("data_lz4.pcd: line 7:", "DATA 'binary_lz4'",
                "expected ascii, binary or binary_compressed", NULL);

    t = "VERSION 0.7\nFIELDS x z\nSIZE 4 4\nTYPE F F\nWIDTH 1\n"
        "POINTS 1\nDATA ascii\n1 2\n";
    path = iot_tmp("no_y.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("no_y.pcd:", "FIELDS has no 'y'", "expected x, y and z", NULL);

    t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4\nTYPE F F F\nWIDTH 1\n"
        "POINTS 1\nDATA ascii\n1 2 3\n";
    path = iot_tmp("size_count.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("size_count.pcd: line 3:", "SIZE has 2 values for 3 fields",
                "expected one per field", NULL);
}

static void test_pcd_huge_points(void **state)
{
    (void)state;
    /* 2^40 points: refused by the header parser before any sizing. */
    const char *t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                    "WIDTH 1099511627776\nHEIGHT 1\nPOINTS 1099511627776\n"
                    "DATA binary\n";
    const char *path = iot_tmp("huge.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_ERANGE);
    iot_msg_has("huge.pcd: line 5:", "WIDTH 1099511627776",
                "expected at most 2147483648", NULL);

    /* Within the parser's limit but not within the file: the size query
     * refuses it, so nobody allocates 24 GiB. */
    t = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
        "WIDTH 2147483648\nHEIGHT 1\nPOINTS 2147483648\nDATA binary\n";
    path = iot_tmp("big.pcd");
    iot_write_str(path, t);
    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    size_t n = 7;
    unsigned f;
    assert_int_equal(sp_pcd_reader_shape(r, 0, &n, &f), SP_EFORMAT);
    assert_int_equal(n, 7);
    iot_msg_has("big.pcd: byte", "POINTS says 2147483648 points",
                "DATA holds 0 bytes", NULL);
    sp_pcd_reader_destroy(r);

    /* Same for ascii and binary_compressed. */
    t = "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 1000000\n"
        "DATA ascii\n1 2 3\n";
    path = iot_tmp("big_ascii.pcd");
    iot_write_str(path, t);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("big_ascii.pcd: byte 60:",
                "POINTS says 1000000 points of 3 "
                "values",
                "expected at least 5999999", NULL);

    uint32_t sizes[3] = {4, 0xC0000000u, 0};
    t = XYZ_HDR("268435456", "binary_compressed");
    path = write_pcd("big_lzf.pcd", t, sizes, sizeof sizes);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("big_lzf.pcd: byte",
                "4 compressed bytes cannot hold "
                "3221225472 uncompressed bytes",
                NULL);
}

static void test_pcd_compressed_lies(void **state)
{
    (void)state;
    float pts[4][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}};
    /* Column-major, as PCL stores it. */
    float soa[12];
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < 3; c++)
            soa[c * 4 + k] = pts[k][c];
    uint8_t lz[128], body[256];
    uint32_t c = (uint32_t)iot_lzf_literals((uint8_t *)soa, 48, lz), u = 48;
    const char *hdr = XYZ_HDR("4", "binary_compressed");
    size_t off = strlen(hdr);
    char where[64];

    /* Sane file first: reads back. */
    memcpy(body, &c, 4);
    memcpy(body + 4, &u, 4);
    memcpy(body + 8, lz, c);
    const char *path = write_pcd("lzf_ok.pcd", hdr, body, 8 + c);
    assert_int_equal(pcd_status(path), SP_OK);

    /* Compressed size larger than the file. */
    uint32_t big = c + 100;
    memcpy(body, &big, 4);
    path = write_pcd("lzf_csize.pcd", hdr, body, 8 + c);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    snprintf(where, sizeof where, "lzf_csize.pcd: byte %zu:", off);
    iot_msg_has(where, "compressed size 150 but only 50 bytes follow", NULL);

    /* Stated uncompressed size is not POINTS x 12. */
    uint32_t u2 = 40;
    memcpy(body, &c, 4);
    memcpy(body + 4, &u2, 4);
    path = write_pcd("lzf_usize.pcd", hdr, body, 8 + c);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    snprintf(where, sizeof where, "lzf_usize.pcd: byte %zu:", off + 4);
    iot_msg_has(where, "uncompressed size 40",
                "expected POINTS 4 x 12 bytes = 48", NULL);

    /* A stream that decodes past the stated size: 60 bytes of literals. */
    uint8_t more[60] = {0};
    memcpy(more, soa, 48);
    uint32_t c3 = (uint32_t)iot_lzf_literals(more, 60, lz);
    memcpy(body, &c3, 4);
    memcpy(body + 4, &u, 4);
    memcpy(body + 8, lz, c3);
    path = write_pcd("lzf_past.pcd", hdr, body, 8 + c3);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    snprintf(where, sizeof where, "lzf_past.pcd: byte %zu:", off + 8);
    iot_msg_has(where, "LZF data decodes past its stated 48 bytes", NULL);

    /* A stream that decodes short of it: 40 bytes. */
    uint32_t c4 = (uint32_t)iot_lzf_literals((uint8_t *)soa, 40, lz);
    memcpy(body, &c4, 4);
    memcpy(body + 4, &u, 4);
    memcpy(body + 8, lz, c4);
    path = write_pcd("lzf_short.pcd", hdr, body, 8 + c4);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    snprintf(where, sizeof where, "lzf_short.pcd: byte %zu:", off + 8);
    iot_msg_has(where, "decodes to 40 bytes, expected the stated 48", NULL);

    /* A back reference before the start of the output: corrupt. */
    uint8_t bad[2] = {0x20, 0x10}; /* 3 bytes from 17 back, at start */
    uint32_t c5 = 2;
    memcpy(body, &c5, 4);
    memcpy(body + 4, &u, 4);
    memcpy(body + 8, bad, 2);
    path = write_pcd("lzf_corrupt.pcd", hdr, body, 10);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("lzf_corrupt.pcd: byte", "LZF data is corrupt", NULL);

    /* Eight size bytes missing altogether. */
    path = write_pcd("lzf_nosizes.pcd", hdr, body, 5);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    snprintf(where, sizeof where, "lzf_nosizes.pcd: byte %zu:", off);
    iot_msg_has(where, "DATA holds 5 bytes", "expected 8 bytes", NULL);
}

static void test_pcd_not_a_pcd(void **state)
{
    (void)state;
    const char *path = iot_tmp("binary_garbage.pcd");
    uint8_t junk[300];
    for (int k = 0; k < 300; k++)
        junk[k] = (uint8_t)(k * 37 + 11);
    iot_write(path, junk, sizeof junk);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("binary_garbage.pcd: line 1:", NULL);

    path = iot_tmp("no_data_line.pcd");
    iot_write_str(path, "VERSION 0.7\nFIELDS x y z\n");
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("no_data_line.pcd: line 3:", "without a DATA line", NULL);

    path = iot_tmp("empty.pcd");
    iot_write(path, "", 0);
    assert_int_equal(pcd_status(path), SP_EFORMAT);
    iot_msg_has("empty.pcd: line 1:", NULL);
}

/* ---- PNG through the KITTI reader ---- */

static void make_object_set(const char *root, int png_kind, const char *calib)
{
    char p[1024];
    iot_rmdir(root);
    snprintf(p, sizeof p, "%s/training/velodyne", root);
    iot_mkdirs(p);
    snprintf(p, sizeof p, "%s/training/image_2", root);
    iot_mkdirs(p);
    float rec[4] = {1, 2, 3, 0.5f};
    snprintf(p, sizeof p, "%s/training/velodyne/000000.bin", root);
    iot_write(p, rec, sizeof rec);
    snprintf(p, sizeof p, "%s/training/image_2/000000.png", root);
    if (png_kind == 0) {
        iot_write_str(p, "this is not a PNG file, it is text pretending");
    } else {
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        im.width = 16;
        im.height = 16;
        im.format = PNG_FORMAT_GRAY;
        uint8_t px[256];
        for (int k = 0; k < 256; k++)
            px[k] = (uint8_t)k;
        static uint8_t file[4096];
        png_alloc_size_t n = sizeof file;
        assert_true(png_image_write_to_memory(&im, file, &n, 0, px, 0, NULL));
        /* Corrupt a byte inside the IDAT chunk's data (CRC mismatch). */
        for (size_t k = 8; k + 8 < n; k++)
            if (!memcmp(file + k, "IDAT", 4)) {
                file[k + 6] ^= 0x5A;
                break;
            }
        iot_write(p, file, n);
    }
    if (calib) {
        snprintf(p, sizeof p, "%s/training/calib", root);
        iot_mkdirs(p);
        snprintf(p, sizeof p, "%s/training/calib/000000.txt", root);
        iot_write_str(p, calib);
    }
}

static void test_png_not_png_and_corrupt(void **state)
{
    (void)state;
    const char *root = iot_tmp("obj_badpng");
    make_object_set(root, 0, NULL);
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(root, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_frame_count(k), 2);
    uint32_t w, h;
    sp_pixfmt f;
    assert_int_equal(sp_kitti_image_shape(k, 1, &w, &h, &f), SP_EFORMAT);
    iot_msg_has("image_2/000000.png", NULL);
    /* The sweep beside it is fine. */
    size_t n;
    assert_int_equal(sp_kitti_points_shape(k, 0, &n), SP_OK);
    sp_kitti_destroy(k);

    make_object_set(root, 1, NULL);
    assert_int_equal(sp_kitti_create(root, NULL, &k), SP_OK);
    int rc = sp_kitti_image_shape(k, 1, &w, &h, &f);
    if (rc == SP_OK) {
        sp_image img;
        void *mem = iot_image_alloc(&img, w, h, f, 0);
        rc = sp_kitti_image_read(k, 1, &img);
        free(mem);
    }
    assert_int_equal(rc, SP_EFORMAT);
    iot_msg_has("image_2/000000.png", NULL);
    sp_kitti_destroy(k);
}

/* ---- calibration ---- */

static void test_calib_malformed_and_missing(void **state)
{
    (void)state;
    const char *root = iot_tmp("obj_calib");
    make_object_set(root, 0,
                    "P0: 1 0 0 0 0 1 0 0 0 0 1 0\n"
                    "P2: 1 0 0 0 0 1 0 0 0 0 1 0\n"
                    "Tr_velo_to_cam: 1 0 0 0 0 1 0 0 0 0 1\n");
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(root, NULL, &k), SP_OK);
    const sp_calib *c = (const sp_calib *)1;
    assert_int_equal(sp_kitti_calib_get(k, 0, &c), SP_EFORMAT);
    assert_null(c);
    iot_msg_has("calib/000000.txt: line 3:",
                "key 'Tr_velo_to_cam' has 11 values, expected 12", NULL);
    sp_kitti_destroy(k);

    /* No calib/ folder: fine until a stage needs it; the source says what
     * was looked for. */
    make_object_set(root, 0, NULL);
    assert_int_equal(sp_kitti_create(root, NULL, &k), SP_OK);
    assert_int_equal(sp_kitti_calib_get(k, 0, &c), SP_OK);
    assert_false(c->has_P || c->has_velo_to_cam);
    assert_non_null(strstr(c->source, "training/calib/000000.txt not found"));
    sp_kitti_destroy(k);

    /* Raw drive with a malformed calib_velo_to_cam.txt: found at open, not
     * read; refused when asked for, the same way every time. */
    const char *drive = iot_tmp("raw_badcalib/drive");
    iot_rmdir(iot_tmp("raw_badcalib"));
    char p[1024];
    snprintf(p, sizeof p, "%s/velodyne_points/data", drive);
    iot_mkdirs(p);
    snprintf(p, sizeof p, "%s/velodyne_points/data/0000000000.bin", drive);
    float rec[4] = {0};
    iot_write(p, rec, sizeof rec);
    snprintf(p, sizeof p, "%s/calib_velo_to_cam.txt", drive);
    iot_write_str(p, "calib_time: 15-Mar-2012 11:37:16\nR 1 0 0\n");
    assert_int_equal(sp_kitti_create(drive, NULL, &k), SP_OK);
    for (int i = 0; i < 2; i++) {
        c = (const sp_calib *)1;
        assert_int_equal(sp_kitti_calib_get(k, 0, &c), SP_EFORMAT);
        assert_null(c);
        iot_msg_has("calib_velo_to_cam.txt: line 2:", "'R 1 0 0'",
                    "expected 'key: values'", NULL);
    }
    sp_kitti_destroy(k);
}

/* ---- timestamps ---- */

static const char *make_drive_ts(const char *name, const char *ts, int files)
{
    const char *drive = iot_tmp(name);
    iot_rmdir(drive);
    char p[1024];
    snprintf(p, sizeof p, "%s/velodyne_points/data", drive);
    iot_mkdirs(p);
    float rec[4] = {0};
    for (int i = 0; i < files; i++) {
        snprintf(p, sizeof p, "%s/velodyne_points/data/%010d.bin", drive, i);
        iot_write(p, rec, sizeof rec);
    }
    snprintf(p, sizeof p, "%s/velodyne_points/timestamps.txt", drive);
    iot_write_str(p, ts);
    return drive;
}

static void test_timestamps_hostile(void **state)
{
    (void)state;
    sp_kitti *k;
    const char *d = make_drive_ts("ts_order",
                                  "2011-09-26 14:30:15.2\n"
                                  "2011-09-26 14:30:15.3\n"
                                  "2011-09-26 14:30:15.1\n",
                                  3);
    assert_int_equal(sp_kitti_create(d, NULL, &k), SP_EFORMAT);
    iot_msg_has("velodyne_points/timestamps.txt: line 3:",
                "time goes backwards (200000000 ns before line 2's)",
                "expected times in order", NULL);

    d = make_drive_ts("ts_garbage", "2011-09-26 14:30:15.2\nsoon\n", 2);
    assert_int_equal(sp_kitti_create(d, NULL, &k), SP_EFORMAT);
    iot_msg_has("timestamps.txt: line 2:", "'soon'",
                "expected YYYY-MM-DD hh:mm:ss.nnnnnnnnn", NULL);

    d = make_drive_ts("ts_few", "2011-09-26 14:30:15.2\n", 2);
    assert_int_equal(sp_kitti_create(d, NULL, &k), SP_EFORMAT);
    iot_msg_has("timestamps.txt: has 1 times but 0000000001.bin needs line 2",
                "expected a time for every file", NULL);
}

/* ---- empty folders ---- */

static void test_empty_folders(void **state)
{
    (void)state;
    const char *e = iot_tmp("empty_dir");
    iot_rmdir(e);
    iot_mkdirs(e);
    sp_kitti *k;
    assert_int_equal(sp_kitti_create(e, NULL, &k), SP_ENOTFOUND);
    iot_msg_has("empty_dir: no KITTI layout", "expected velodyne_points/",
                NULL);
    sp_pcd_reader *pr;
    assert_int_equal(sp_pcd_reader_create(e, &pr), SP_ENOTFOUND);
    iot_msg_has("empty_dir: folder holds no .pcd files", NULL);
    sp_raw_reader *rr;
    sp_raw_desc rd = {.width = 4, .height = 4, .format = SP_PIX_GRAY8};
    assert_int_equal(sp_raw_reader_create(e, &rd, &rr), SP_ENOTFOUND);
    iot_msg_has("empty_dir: folder holds no raw frame files", NULL);

    /* A drive whose data folders are empty. */
    char p[1024];
    snprintf(p, sizeof p, "%s/velodyne_points/data", e);
    iot_mkdirs(p);
    snprintf(p, sizeof p, "%s/image_02/data", e);
    iot_mkdirs(p);
    assert_int_equal(sp_kitti_create(e, NULL, &k), SP_ENOTFOUND);
    iot_msg_has("empty_dir: no stream has files (KITTI raw layout)", NULL);
    sp_kitti_desc d = {.streams = "image_02"};
    assert_int_equal(sp_kitti_create(e, &d, &k), SP_ENOTFOUND);
    iot_msg_has("image_02/data: folder holds no .png files", NULL);

    /* A raw frame file that is not a whole number of frames. */
    const char *rf = iot_tmp("odd.raw");
    uint8_t b[100] = {0};
    iot_write(rf, b, sizeof b);
    rd = (sp_raw_desc){.width = 4, .height = 3, .format = SP_PIX_GRAY16};
    assert_int_equal(sp_raw_reader_create(rf, &rd, &rr), SP_EFORMAT);
    iot_msg_has("odd.raw: 100 bytes is not a whole number of 24-byte frames",
                "4 frames and 4 bytes over", "expected a multiple of 24", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bin_truncated),
        cmocka_unit_test(test_pcd_points_larger_than_data),
        cmocka_unit_test(test_pcd_width_height_mismatch),
        cmocka_unit_test(test_pcd_unknown_type_size),
        cmocka_unit_test(test_pcd_huge_points),
        cmocka_unit_test(test_pcd_compressed_lies),
        cmocka_unit_test(test_pcd_not_a_pcd),
        cmocka_unit_test(test_png_not_png_and_corrupt),
        cmocka_unit_test(test_calib_malformed_and_missing),
        cmocka_unit_test(test_timestamps_hostile),
        cmocka_unit_test(test_empty_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
