/* ctest-label: io */
/* Headerless raw frames (io/raw.c): the real 14-bit Bayer dump from
 * $SP_TEST_DATA, every format with padded strides, rows re-strided in the
 * image itself (no staging buffer), several frames per file, folders, and
 * sizes that do not divide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_rawimg.h"

static void test_real_bayer16(void **state)
{
    (void)state;
    const char *path = iot_data("raw_bayer/DSC_1339_768x512_rggb.raw");
    if (!path)
        skip();
    sp_raw_desc d = {.width = 768,
                     .height = 512,
                     .format = SP_PIX_BAYER_RGGB16,
                     .bit_depth = 14};
    sp_raw_reader *r;
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_OK);
    assert_int_equal(sp_raw_reader_count(r), 1);
    assert_int_equal(sp_raw_reader_frame_bytes(r), 768 * 512 * 2);
    sp_image img;
    void *mem = iot_image_alloc(&img, 768, 512, SP_PIX_BAYER_RGGB16, 0);
    assert_int_equal(sp_raw_reader_read(r, 0, &img), SP_OK);
    assert_int_equal(img.bit_depth, 14);
    uint16_t lo = 65535, hi = 0;
    for (uint32_t y = 0; y < 512; y++) {
        const uint16_t *row = (const uint16_t *)sp_image_row(&img, y);
        for (uint32_t x = 0; x < 768; x++) {
            lo = row[x] < lo ? row[x] : lo;
            hi = row[x] > hi ? row[x] : hi;
        }
    }
    /* MANIFEST: min 616, max 16383. */
    assert_int_equal(lo, 616);
    assert_int_equal(hi, 16383);
    free(mem);
    sp_raw_reader_destroy(r);

    /* 786432 bytes is not a whole number of 768x511 gray8 frames. */
    sp_raw_desc bad = {.width = 768, .height = 511, .format = SP_PIX_GRAY8};
    assert_int_equal(sp_raw_reader_create(path, &bad, &r), SP_EFORMAT);
    assert_null(r);
    iot_msg_has("DSC_1339_768x512_rggb.raw", "786432 bytes",
                "392448-byte frames", "2 frames and 1536 bytes over", NULL);
}

/* Frame k of a file: pixel bytes depend on (frame, row, byte). */
static uint8_t pat(size_t frame, size_t row, size_t b)
{
    return (uint8_t)(frame * 31 + row * 7 + b * 3 + 1);
}

static void check_format(sp_pixfmt fmt, uint32_t w, uint32_t h, size_t stride,
                         int frames)
{
    size_t rb = sp_image_row_bytes(w, fmt);
    size_t fs = stride ? stride : rb;
    size_t rows = fmt == SP_PIX_NV12 ? h * 3 / 2 : h;
    size_t fb = fs * rows;
    uint8_t *file = malloc(fb * (size_t)frames);
    for (int f = 0; f < frames; f++)
        for (size_t y = 0; y < rows; y++)
            for (size_t b = 0; b < fs; b++)
                file[f * fb + y * fs + b] =
                    b < rb ? pat((size_t)f, y, b) : 0xEE;
    char name[64];
    snprintf(name, sizeof name, "f_%s_%zu.raw", sp_pixfmt_name(fmt), stride);
    const char *path = iot_tmp(name);
    iot_write(path, file, fb * (size_t)frames);
    free(file);

    sp_raw_desc d = {.width = w, .height = h, .format = fmt, .stride = stride};
    sp_raw_reader *r;
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_OK);
    assert_int_equal(sp_raw_reader_count(r), (size_t)frames);
    /* Once with the image's default stride, once with the file's. */
    for (int pass = 0; pass < 2; pass++) {
        sp_image img;
        void *mem = iot_image_alloc(&img, w, h, fmt, pass ? fs : 0);
        for (int f = frames - 1; f >= 0; f--) {
            size_t in_file;
            assert_non_null(sp_raw_reader_origin(r, (size_t)f, &in_file));
            assert_int_equal(in_file, (size_t)f);
            assert_int_equal(sp_raw_reader_read(r, (size_t)f, &img), SP_OK);
            for (size_t y = 0; y < rows; y++)
                for (size_t b = 0; b < rb; b++)
                    if (img.data[y * img.stride + b] != pat((size_t)f, y, b))
                        fail_msg("%s frame %d row %zu byte %zu",
                                 sp_pixfmt_name(fmt), f, y, b);
        }
        free(mem);
    }
    sp_raw_reader_destroy(r);
}

static void test_all_formats_strides(void **state)
{
    (void)state;
    static const sp_pixfmt fmts[] = {
        SP_PIX_GRAY8,        SP_PIX_GRAY16,       SP_PIX_BAYER_RGGB8,
        SP_PIX_BAYER_BGGR8,  SP_PIX_BAYER_GRBG8,  SP_PIX_BAYER_GBRG8,
        SP_PIX_BAYER_RGGB16, SP_PIX_BAYER_BGGR16, SP_PIX_BAYER_GRBG16,
        SP_PIX_BAYER_GBRG16, SP_PIX_RGB8,         SP_PIX_BGR8,
        SP_PIX_NV12,         SP_PIX_YUYV};
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++) {
        check_format(fmts[k], 6, 4, 0, 3);
        check_format(fmts[k], 6, 4, 40, 2); /* padded rows */
        check_format(fmts[k], 2, 2, 0, 1);
    }
}

/* One frame of @p fmt read into an image of stride @p ds from a file of
 * stride @p fs: the reader has no buffer of its own, so it reads rows in
 * place and moves them; every pixel must arrive and nothing past the
 * image's last row byte may be written (a guard follows it). */
static void check_restride(sp_pixfmt fmt, uint32_t w, uint32_t h, size_t fs,
                           size_t ds)
{
    size_t rb = sp_image_row_bytes(w, fmt);
    size_t rows = fmt == SP_PIX_NV12 ? h * 3 / 2 : h;
    uint8_t *file = malloc(fs * rows);
    for (size_t y = 0; y < rows; y++)
        for (size_t b = 0; b < fs; b++)
            file[y * fs + b] = b < rb ? pat(1, y, b) : 0xEE;
    const char *path = iot_tmp("restride.raw");
    iot_write(path, file, fs * rows);
    free(file);
    sp_raw_desc d = {.width = w, .height = h, .format = fmt, .stride = fs};
    sp_raw_reader *r;
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_OK);
    size_t end = (rows - 1) * ds + rb, guard = 256;
    uint8_t *mem = malloc(end + guard);
    memset(mem, 0xA5, end + guard);
    sp_image img = {
        .data = mem, .width = w, .height = h, .stride = ds, .format = fmt};
    assert_int_equal(sp_raw_reader_read(r, 0, &img), SP_OK);
    for (size_t y = 0; y < rows; y++)
        for (size_t b = 0; b < rb; b++)
            if (mem[y * ds + b] != pat(1, y, b))
                fail_msg("%s %ux%u file stride %zu image stride %zu: row %zu "
                         "byte %zu",
                         sp_pixfmt_name(fmt), w, h, fs, ds, y, b);
    for (size_t k = 0; k < guard; k++)
        if (mem[end + k] != 0xA5)
            fail_msg("%s file stride %zu image stride %zu: wrote %zu bytes "
                     "past the image",
                     sp_pixfmt_name(fmt), fs, ds, k + 1);
    free(mem);
    sp_raw_reader_destroy(r);
}

static void test_restride_in_place(void **state)
{
    (void)state;
    static const size_t file_strides[] = {5, 6, 7, 11, 64, 100, 999};
    static const size_t image_strides[] = {5, 6, 9, 64, 100, 1000};
    for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < 6; j++) {
            check_restride(SP_PIX_GRAY8, 5, 37, file_strides[i],
                           image_strides[j]);
            check_restride(SP_PIX_GRAY8, 5, 1, file_strides[i],
                           image_strides[j]);
        }
    check_restride(SP_PIX_NV12, 6, 8, 6, 64);
    check_restride(SP_PIX_NV12, 6, 8, 100, 6);
    check_restride(SP_PIX_NV12, 6, 8, 100, 64);
    check_restride(SP_PIX_GRAY16, 3, 300, 6, 8);
    check_restride(SP_PIX_GRAY16, 3, 300, 4096, 6);
    check_restride(SP_PIX_RGB8, 7, 50, 22, 21);
}

static void test_folder_of_files(void **state)
{
    (void)state;
    const char *dir = iot_tmp("rawdir");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char p[1024];
    uint8_t buf[3 * 16];
    for (int k = 0; k < 48; k++)
        buf[k] = (uint8_t)k;
    snprintf(p, sizeof p, "%s/b.raw", dir);
    iot_write(p, buf, 16); /* one 4x4 gray8 frame */
    snprintf(p, sizeof p, "%s/a.raw", dir);
    iot_write(p, buf, 48); /* three */
    snprintf(p, sizeof p, "%s/timestamps.txt", dir);
    iot_write_str(p, "ignored\n");
    sp_raw_desc d = {.width = 4, .height = 4, .format = SP_PIX_GRAY8};
    sp_raw_reader *r;
    assert_int_equal(sp_raw_reader_create(dir, &d, &r), SP_OK);
    assert_int_equal(sp_raw_reader_count(r), 4);
    size_t in_file;
    assert_non_null(strstr(sp_raw_reader_origin(r, 2, &in_file), "a.raw"));
    assert_int_equal(in_file, 2);
    assert_non_null(strstr(sp_raw_reader_origin(r, 3, &in_file), "b.raw"));
    assert_int_equal(in_file, 0);
    assert_null(sp_raw_reader_origin(r, 4, &in_file));
    sp_image img;
    void *mem = iot_image_alloc(&img, 4, 4, SP_PIX_GRAY8, 0);
    assert_int_equal(sp_raw_reader_read(r, 2, &img), SP_OK);
    assert_int_equal(img.data[0], 32);
    assert_int_equal(sp_raw_reader_read(r, 3, &img), SP_OK);
    assert_int_equal(img.data[img.stride * 3 + 3], 15);
    assert_int_equal(sp_raw_reader_read(r, 4, &img), SP_ERANGE);
    free(mem);
    /* A wrong destination shape is refused. */
    mem = iot_image_alloc(&img, 4, 2, SP_PIX_GRAY8, 0);
    assert_int_equal(sp_raw_reader_read(r, 0, &img), SP_EINVAL);
    free(mem);
    sp_raw_reader_destroy(r);
}

static void test_bad_desc(void **state)
{
    (void)state;
    const char *path = iot_tmp("one.raw");
    iot_write(path, "abcdefgh", 8);
    sp_raw_reader *r;
    sp_raw_desc d = {.width = 3, .height = 2, .format = SP_PIX_NV12};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_EINVAL);
    iot_msg_has("nv12", "expected even width and height", NULL);
    d = (sp_raw_desc){.width = 3, .height = 1, .format = SP_PIX_YUYV};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_EINVAL);
    d = (sp_raw_desc){
        .width = 4, .height = 2, .format = SP_PIX_GRAY8, .stride = 3};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_EINVAL);
    iot_msg_has("stride 3", "expected >= 4", NULL);
    d = (sp_raw_desc){
        .width = 2, .height = 2, .format = SP_PIX_GRAY16, .bit_depth = 17};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_EINVAL);
    iot_msg_has("bit depth 17", "1..16", NULL);
    d = (sp_raw_desc){.width = 2, .height = 1, .format = SP_PIX_COUNT};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_EUNSUPPORTED);
    d = (sp_raw_desc){.width = 0, .height = 1, .format = SP_PIX_GRAY8};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_EINVAL);
    d = (sp_raw_desc){.width = 2, .height = 2, .format = SP_PIX_GRAY8};
    assert_int_equal(sp_raw_reader_create(path, &d, &r), SP_OK);
    assert_int_equal(sp_raw_reader_count(r), 2);
    sp_raw_reader_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_bayer16),
        cmocka_unit_test(test_all_formats_strides),
        cmocka_unit_test(test_restride_in_place),
        cmocka_unit_test(test_folder_of_files),
        cmocka_unit_test(test_bad_desc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
