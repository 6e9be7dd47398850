/* ctest-label: unit */
/* Packed arrays: points, images and tensors laid out over exactly-sized
 * buffers (so AddressSanitizer sees any write past the end), with their
 * alignment, bounds, size rules, rejections and overflow behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_image.h"
#include "sp_points.h"
#include "sp_tensor.h"

static void *alloc64(size_t n)
{
    /* aligned_alloc wants a multiple of the alignment. */
    void *p = aligned_alloc(64, (n + 63) / 64 * 64);
    assert_non_null(p);
    return p;
}

static int inside(const void *p, size_t bytes, const uint8_t *mem, size_t n)
{
    const uint8_t *b = p;
    return b >= mem && b + bytes <= mem + n;
}

/* Two arrays of a layout must not overlap. */
static int disjoint(const void *a, size_t an, const void *b, size_t bn)
{
    const uint8_t *x = a, *y = b;
    return x + an <= y || y + bn <= x;
}

static void check_points(size_t cap, unsigned fields)
{
    size_t need = sp_points_block_size(cap, fields);
    assert_true(need >= cap * (4 * sizeof(float)));
    assert_int_equal(need % 64, 0);
    uint8_t *mem = alloc64(need);
    sp_points p;
    int rc = sp_points_init(&p, mem, need, cap, fields);
    assert_int_equal(rc, SP_OK);
    assert_int_equal(p.count, 0);
    assert_int_equal(p.capacity, cap);
    assert_int_equal(p.fields, fields);

    const void *arr[6] = {p.x, p.y, p.z, p.intensity, p.ring, p.time};
    size_t sz[6] = {cap * 4, cap * 4, cap * 4, cap * 4, cap * 2, cap * 4};
    assert_true((p.ring != NULL) == !!(fields & SP_POINTS_RING));
    assert_true((p.time != NULL) == !!(fields & SP_POINTS_TIME));
    for (int i = 0; i < 6; i++) {
        if (!arr[i])
            continue;
        assert_int_equal((uintptr_t)arr[i] % SP_ARRAY_ALIGN, 0);
        assert_true(inside(arr[i], sz[i], mem, need));
        for (int j = 0; j < i; j++)
            if (arr[j])
                assert_true(disjoint(arr[i], sz[i], arr[j], sz[j]));
    }
    /* Every element is writable (ASan checks the bounds). */
    for (size_t i = 0; i < cap; i++) {
        p.x[i] = p.y[i] = p.z[i] = p.intensity[i] = (float)i;
        if (p.ring)
            p.ring[i] = (uint16_t)i;
        if (p.time)
            p.time[i] = 0.5f;
    }
    assert_true(p.x[cap - 1] == (float)(cap - 1));
    assert_true(p.intensity[cap - 1] == (float)(cap - 1));

    /* One byte short is refused with the sizes in the message. */
    rc = sp_points_init(&p, mem, need - 1, cap, fields);
    assert_int_equal(rc, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "block has"));
    free(mem);
}

static void test_points_layouts(void **state)
{
    (void)state;
    static const size_t caps[] = {1, 7, 63, 64, 65, 1000000};
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
        for (unsigned f = 0; f < 4; f++)
            check_points(caps[i], f);
    /* Exact sizes for one case: 65 floats pad to 320 bytes, 65 uint16 to
     * 192. */
    assert_int_equal(sp_points_block_size(65, 0), 4 * 320);
    assert_int_equal(sp_points_block_size(65, SP_POINTS_RING), 4 * 320 + 192);
    assert_int_equal(sp_points_block_size(65, SP_POINTS_RING | SP_POINTS_TIME),
                     5 * 320 + 192);
}

static void test_points_rejects(void **state)
{
    (void)state;
    assert_int_equal(sp_points_block_size(SIZE_MAX / 2, 0), 0);
    assert_int_equal(sp_points_block_size(SIZE_MAX / 20, SP_POINTS_TIME), 0);
    assert_int_equal(sp_points_block_size(10, 0x80), 0);
    sp_points p;
    uint8_t *mem = alloc64(4096);
    assert_int_equal(sp_points_init(&p, mem + 4, 4000, 10, 0), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "aligned"));
    assert_int_equal(sp_points_init(&p, mem, 4096, 10, 0x80), SP_EINVAL);
    assert_int_equal(sp_points_init(&p, mem, 4096, SIZE_MAX / 2, 0), SP_EINVAL);
    assert_int_equal(sp_points_init(&p, NULL, 0, 10, 0), SP_EINVAL);
    /* No points: valid, nothing to address. */
    assert_int_equal(sp_points_block_size(0, SP_POINTS_RING), 0);
    assert_int_equal(sp_points_init(&p, NULL, 0, 0, 0), SP_OK);
    assert_int_equal(p.capacity, 0);
    free(mem);
}

static void check_image(uint32_t w, uint32_t h, sp_pixfmt fmt, size_t stride)
{
    size_t need = sp_image_block_size(w, h, fmt, stride);
    assert_true(need > 0);
    size_t row = sp_image_row_bytes(w, fmt);
    size_t st = stride ? stride : sp_image_default_stride(w, fmt);
    size_t rows = fmt == SP_PIX_NV12 ? h + h / 2 : h;
    assert_int_equal(need, st * rows);
    uint8_t *mem = malloc(need); /* exact: ASan catches any overrun */
    assert_non_null(mem);
    sp_image img;
    assert_int_equal(sp_image_init(&img, mem, need, w, h, fmt, stride), SP_OK);
    assert_ptr_equal(img.data, mem);
    assert_int_equal(img.stride, st);
    assert_int_equal(img.width, w);
    assert_int_equal(img.height, h);
    assert_int_equal(img.format, fmt);
    for (uint32_t y = 0; y < rows; y++) {
        uint8_t *r = sp_image_row(&img, y);
        assert_true(inside(r, row, mem, need));
        memset(r, (int)y, row);
    }
    if (!stride)
        assert_int_equal((uintptr_t)sp_image_row(&img, h - 1) % 64,
                         (uintptr_t)mem % 64);
    assert_int_equal(sp_image_init(&img, mem, need - 1, w, h, fmt, stride),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "needs"));
    free(mem);
}

static void test_image_strides(void **state)
{
    (void)state;
    static const uint32_t widths[] = {1, 3, 7, 63, 64, 65, 641};
    static const sp_pixfmt fmts[] = {
        SP_PIX_GRAY8, SP_PIX_GRAY16,      SP_PIX_RGB8, SP_PIX_RGBA8,
        SP_PIX_F32,   SP_PIX_BAYER_RGGB8, SP_PIX_RGB16};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
            uint32_t w = widths[i];
            size_t row = sp_image_row_bytes(w, fmts[f]);
            assert_int_equal(row, w * sp_pixfmt_bytes_per_pixel(fmts[f]));
            size_t ds = sp_image_default_stride(w, fmts[f]);
            assert_int_equal(ds % 64, 0);
            assert_true(ds >= row && ds < row + 64);
            check_image(w, 5, fmts[f], 0);
            check_image(w, 3, fmts[f], row); /* tight */
            /* An odd padding that keeps the sample alignment. */
            size_t sample =
                fmts[f] == SP_PIX_F32                                   ? 4
                : (fmts[f] == SP_PIX_GRAY16 || fmts[f] == SP_PIX_RGB16) ? 2
                                                                        : 1;
            check_image(w, 2, fmts[f], row + 13 * sample);
        }
    /* Stride smaller than a row, or breaking 16-bit sample alignment. */
    assert_int_equal(sp_image_block_size(7, 2, SP_PIX_RGB8, 20), 0);
    assert_int_equal(sp_image_block_size(7, 2, SP_PIX_GRAY16, 15), 0);
    assert_int_equal(sp_image_block_size(7, 2, SP_PIX_F32, 30), 0);
    sp_image img;
    uint8_t buf[256];
    assert_int_equal(
        sp_image_init(&img, buf, sizeof buf, 7, 2, SP_PIX_RGB8, 20), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "stride"));
}

static void test_image_yuv_shapes(void **state)
{
    (void)state;
    /* NV12: Y plane then the interleaved UV plane, same stride. */
    check_image(64, 48, SP_PIX_NV12, 0);
    check_image(2, 2, SP_PIX_NV12, 0);
    check_image(66, 10, SP_PIX_NV12, 70);
    assert_int_equal(sp_image_block_size(64, 48, SP_PIX_NV12, 0),
                     64 * 48 + 64 * 24);
    assert_int_equal(sp_image_row_bytes(66, SP_PIX_NV12), 66);
    assert_int_equal(sp_image_block_size(63, 48, SP_PIX_NV12, 0), 0);
    assert_int_equal(sp_image_block_size(64, 47, SP_PIX_NV12, 0), 0);
    /* YUYV: 2 bytes a pixel, even width, any height. */
    check_image(64, 7, SP_PIX_YUYV, 0);
    assert_int_equal(sp_image_row_bytes(64, SP_PIX_YUYV), 128);
    assert_int_equal(sp_image_block_size(63, 8, SP_PIX_YUYV, 0), 0);
    sp_image img;
    uint8_t buf[8192];
    assert_int_equal(
        sp_image_init(&img, buf, sizeof buf, 63, 8, SP_PIX_YUYV, 0), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "even width"));
    assert_int_equal(sp_image_init(&img, buf, sizeof buf, 8, 7, SP_PIX_NV12, 0),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "even"));
}

static void test_image_rejects_and_overflow(void **state)
{
    (void)state;
    assert_int_equal(sp_image_row_bytes(0, SP_PIX_GRAY8), 0);
    assert_int_equal(sp_image_row_bytes(5, (sp_pixfmt)99), 0);
    assert_int_equal(sp_image_block_size(0, 5, SP_PIX_GRAY8, 0), 0);
    assert_int_equal(sp_image_block_size(5, 0, SP_PIX_GRAY8, 0), 0);
    assert_int_equal(sp_image_block_size(UINT32_MAX, UINT32_MAX, SP_PIX_F32, 0),
                     0);
    assert_int_equal(
        sp_image_block_size(16, UINT32_MAX, SP_PIX_GRAY8, SIZE_MAX / 2), 0);
    sp_image img;
    assert_int_equal(sp_image_init(&img, NULL, 0, 4, 4, SP_PIX_GRAY8, 0),
                     SP_EINVAL);
    uint8_t buf[64];
    assert_int_equal(
        sp_image_init(&img, buf, sizeof buf, 4, 4, (sp_pixfmt)99, 0),
        SP_EINVAL);
}

static void test_pixfmt_table(void **state)
{
    (void)state;
    for (int i = 0; i < SP_PIX_COUNT; i++) {
        const char *name = sp_pixfmt_name((sp_pixfmt)i);
        assert_non_null(name);
        sp_pixfmt f;
        assert_int_equal(sp_pixfmt_from_name(name, &f), SP_OK);
        assert_int_equal(f, i);
        assert_true(sp_pixfmt_channels(f) >= 1);
        assert_true(sp_pixfmt_bytes_per_pixel(f) >= 1);
    }
    sp_pixfmt f;
    assert_int_equal(sp_pixfmt_from_name("RGB8", &f), SP_OK);
    assert_int_equal(f, SP_PIX_RGB8);
    assert_int_equal(sp_pixfmt_from_name("Bayer_GRBG8", &f), SP_OK);
    assert_int_equal(f, SP_PIX_BAYER_GRBG8);
    assert_int_equal(sp_pixfmt_from_name("rgb9", &f), SP_ENOTFOUND);
    const char *m = sp_errmsg();
    assert_non_null(strstr(m, "'rgb9'"));
    assert_non_null(strstr(m, "gray8"));
    assert_non_null(strstr(m, "nv12"));
    assert_non_null(strstr(m, "f32"));
    assert_null(sp_pixfmt_name(SP_PIX_COUNT));
    assert_int_equal(sp_pixfmt_channels(SP_PIX_NV12), 3);
    assert_int_equal(sp_pixfmt_channels(SP_PIX_RGBA8), 4);
    assert_int_equal(sp_pixfmt_bytes_per_pixel(SP_PIX_NV12), 1);
    assert_int_equal(sp_pixfmt_bytes_per_pixel(SP_PIX_RGB16), 6);
    assert_true(sp_pixfmt_is_bayer(SP_PIX_BAYER_GBRG16));
    assert_true(sp_pixfmt_is_bayer(SP_PIX_BAYER_RGGB8));
    assert_false(sp_pixfmt_is_bayer(SP_PIX_GRAY8));
    assert_false(sp_pixfmt_is_bayer(SP_PIX_RGB8));
}

static void test_tensor_shapes(void **state)
{
    (void)state;
    size_t s1[1] = {65}, s2[2] = {7, 3}, s3[3] = {3, 63, 65},
           s4[4] = {2, 3, 5, 7};
    const size_t *shapes[4] = {s1, s2, s3, s4};
    size_t counts[4] = {65, 21, 3 * 63 * 65, 210};
    for (int nd = 1; nd <= 4; nd++)
        for (int dt = 0; dt < SP_DTYPE_COUNT; dt++) {
            size_t es = sp_dtype_size((sp_dtype)dt);
            size_t need =
                sp_tensor_block_size((sp_dtype)dt, nd, shapes[nd - 1]);
            assert_int_equal(need, (counts[nd - 1] * es + 63) / 64 * 64);
            uint8_t *mem = alloc64(need);
            sp_tensor t;
            assert_int_equal(
                sp_tensor_init(&t, mem, need, (sp_dtype)dt, nd, shapes[nd - 1]),
                SP_OK);
            assert_int_equal(t.ndim, nd);
            assert_int_equal(sp_tensor_count(&t), counts[nd - 1]);
            for (int i = 0; i < SP_TENSOR_MAX_DIMS; i++)
                assert_int_equal(t.shape[i], i < nd ? shapes[nd - 1][i] : 1);
            memset(t.data, 1, counts[nd - 1] * es);
            /* The exact byte count is enough for init; one less is not. */
            assert_int_equal(sp_tensor_init(&t, mem, counts[nd - 1] * es,
                                            (sp_dtype)dt, nd, shapes[nd - 1]),
                             SP_OK);
            assert_int_equal(sp_tensor_init(&t, mem, counts[nd - 1] * es - 1,
                                            (sp_dtype)dt, nd, shapes[nd - 1]),
                             SP_EINVAL);
            free(mem);
        }
    assert_int_equal(sp_dtype_size(SP_DTYPE_U16), 2);
    assert_string_equal(sp_dtype_name(SP_DTYPE_F32), "f32");
    assert_null(sp_dtype_name(SP_DTYPE_COUNT));
    assert_int_equal(sp_dtype_size(SP_DTYPE_COUNT), 0);
}

static void test_tensor_rejects(void **state)
{
    (void)state;
    size_t s[5] = {2, 2, 2, 2, 2};
    assert_int_equal(sp_tensor_block_size(SP_DTYPE_U8, 0, s), 0);
    assert_int_equal(sp_tensor_block_size(SP_DTYPE_U8, 5, s), 0);
    assert_int_equal(sp_tensor_block_size(SP_DTYPE_COUNT, 2, s), 0);
    size_t zero[2] = {4, 0};
    assert_int_equal(sp_tensor_block_size(SP_DTYPE_U8, 2, zero), 0);
    size_t huge[2] = {SIZE_MAX / 2, 3};
    assert_int_equal(sp_tensor_block_size(SP_DTYPE_U8, 2, huge), 0);
    size_t big[1] = {SIZE_MAX / 2};
    assert_int_equal(sp_tensor_block_size(SP_DTYPE_F32, 1, big), 0);
    sp_tensor t = {.ndim = 2, .shape = {SIZE_MAX / 2, 3, 1, 1}};
    assert_int_equal(sp_tensor_count(&t), 0);
    uint8_t *mem = alloc64(256);
    assert_int_equal(sp_tensor_init(&t, mem, 256, SP_DTYPE_U8, 5, s),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "dimensions"));
    assert_int_equal(sp_tensor_init(&t, mem, 256, SP_DTYPE_U8, 2, zero),
                     SP_EINVAL);
    assert_int_equal(sp_tensor_init(&t, mem + 8, 248, SP_DTYPE_U8, 2, s),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "aligned"));
    size_t s3[2] = {16, 17};
    assert_int_equal(sp_tensor_init(&t, mem, 256, SP_DTYPE_U8, 2, s3),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "272 bytes, block has 256"));
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_layouts),
        cmocka_unit_test(test_points_rejects),
        cmocka_unit_test(test_image_strides),
        cmocka_unit_test(test_image_yuv_shapes),
        cmocka_unit_test(test_image_rejects_and_overflow),
        cmocka_unit_test(test_pixfmt_table),
        cmocka_unit_test(test_tensor_shapes),
        cmocka_unit_test(test_tensor_rejects),
    };
    return cmocka_run_group_tests_name("arrays", tests, NULL, NULL);
}
