/* ctest-label: simd */
/* ctest-timeout: 120 */
/* convert precision=fast: its largest difference from the exact rule over
 * every Y, U, V (the bound sp_convert.h states), hand-computed values of
 * the 16-bit formulas, and every back-end bit-exact with the scalar fast
 * rule on random NV12/YUYV frames of edge widths and padded strides, and
 * on large aligned RGBA outputs (the streaming-store path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sp_camtest.h"
#include "convert_check.h"
#include "sp_convert.h"
#include "sp_pipeline.h"

static sp_kctx *scalar_ctx(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

/* Every (Y, U, V): for each U, a 256x256 YUYV image whose row is V and
 * whose pixel x has Y = x; converted by both rules, compared. On the SIMD
 * back-end when there is one (bit-exact with scalar for both rules, here
 * and in test_convert; 15x quicker, which matters under qemu). */
static void test_bound(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    sp_kctx_desc kd = {.backend = SP_BACKEND_SIMD};
    if (sp_simd_detect() == SP_SIMD_NONE || sp_kctx_create(&kd, &k) != SP_OK)
        k = scalar_ctx();
    uint64_t rng = 5;
    camtest_img src, ex, fa;
    assert_int_equal(camtest_img_alloc(&src, 256, 256, SP_PIX_YUYV, 0, &rng),
                     0);
    assert_int_equal(camtest_img_alloc(&ex, 256, 256, SP_PIX_RGB8, 0, &rng), 0);
    assert_int_equal(camtest_img_alloc(&fa, 256, 256, SP_PIX_RGB8, 0, &rng), 0);
    for (int mr = 0; mr < 4; mr++) {
        sp_convert_desc de = {.matrix = (sp_yuv_matrix)(mr & 1),
                              .range = (sp_yuv_range)(mr >> 1)};
        sp_convert_desc df = de;
        df.precision = SP_CONVERT_FAST;
        uint64_t hist[256] = {0};
        for (int u = 0; u < 256; u++) {
            for (int v = 0; v < 256; v++) {
                uint8_t *row = src.im.data + (size_t)v * src.im.stride;
                for (int x = 0; x < 256; x += 2) {
                    row[2 * x] = (uint8_t)x;
                    row[2 * x + 1] = (uint8_t)u;
                    row[2 * x + 2] = (uint8_t)(x + 1);
                    row[2 * x + 3] = (uint8_t)v;
                }
            }
            assert_int_equal(sp_convert(k, &de, &src.im, &ex.im), SP_OK);
            assert_int_equal(sp_convert(k, &df, &src.im, &fa.im), SP_OK);
            for (int v = 0; v < 256; v++) {
                const uint8_t *a = ex.im.data + (size_t)v * ex.im.stride,
                              *b = fa.im.data + (size_t)v * fa.im.stride;
                for (int i = 0; i < 3 * 256; i++)
                    hist[a[i] > b[i] ? a[i] - b[i] : b[i] - a[i]]++;
            }
        }
        int maxd = 0;
        for (int d = 0; d < 256; d++)
            if (hist[d])
                maxd = d;
        print_message(
            "fast vs exact, %s %s: max |diff| %d; %.3f%% of "
            "channel values differ\n",
            sp_yuv_matrix_name(de.matrix), sp_yuv_range_name(de.range), maxd,
            100.0 * (double)(hist[1] + hist[2] + hist[3]) / (3.0 * 16777216.0));
        /* The bound sp_convert.h states. */
        assert_true(maxd <= 1);
    }
    camtest_img_free(&src);
    camtest_img_free(&ex);
    camtest_img_free(&fa);
    sp_kctx_destroy(k);
}

/* Values from the formulas by hand (BT.601 limited: yg 19071, kvr 13074,
 * kug -3203, kvg -6660, kub 16531), as YUYV pairs through every back-end. */
static void test_known_values(void **state)
{
    (void)state;
    static const uint8_t yuv[][3] = {{16, 128, 128},  {235, 128, 128},
                                     {128, 128, 255}, {81, 90, 240},
                                     {145, 54, 34},   {41, 240, 110}};
    static const uint8_t rgb[][3] = {{0, 0, 0},      {255, 255, 255},
                                     {255, 27, 130}, {254, 0, 0},
                                     {0, 255, 1},    {0, 0, 255}};
    enum { N = sizeof yuv / sizeof yuv[0], W = 2 * 40 };
    sp_kctx *ks[CAMTEST_MAX_CTX];
    const char *names[CAMTEST_MAX_CTX];
    int nk = camtest_contexts(ks, names);
    /* 40 pixel pairs (wide enough for the vector loops), case i % N */
    uint8_t src[2 * W], dst[3 * W];
    for (int p = 0; p < W / 2; p++) {
        const uint8_t *c = yuv[p % N];
        src[4 * p] = src[4 * p + 2] = c[0];
        src[4 * p + 1] = c[1];
        src[4 * p + 3] = c[2];
    }
    sp_image s, d;
    assert_int_equal(
        sp_image_init(&s, src, sizeof src, W, 1, SP_PIX_YUYV, 2 * W), SP_OK);
    assert_int_equal(
        sp_image_init(&d, dst, sizeof dst, W, 1, SP_PIX_RGB8, 3 * W), SP_OK);
    sp_convert_desc cd = {.precision = SP_CONVERT_FAST};
    for (int b = 0; b < nk; b++) {
        memset(dst, 0x55, sizeof dst);
        assert_int_equal(sp_convert(ks[b], &cd, &s, &d), SP_OK);
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++)
                if (dst[3 * x + c] != rgb[(x / 2) % N][c])
                    fail_msg("%s: pixel %d channel %d is %u, expected %u",
                             names[b], x, c, dst[3 * x + c],
                             rgb[(x / 2) % N][c]);
    }
    for (int b = 0; b < nk; b++)
        sp_kctx_destroy(ks[b]);
}

/* Every back-end against the scalar fast rule: NV12 and YUYV to every
 * target, every matrix and range, random content and padding. */
static void check_backends(uint32_t w, uint32_t h, size_t pad, uint64_t seed)
{
    sp_kctx *ks[CAMTEST_MAX_CTX];
    const char *names[CAMTEST_MAX_CTX];
    int nk = camtest_contexts(ks, names);
    uint64_t rng = seed;
    static const sp_pixfmt sources[] = {SP_PIX_NV12, SP_PIX_YUYV};
    for (int si = 0; si < 2; si++) {
        camtest_img src;
        assert_int_equal(camtest_img_alloc(&src, w, h, sources[si], pad, &rng),
                         0);
        for (int to = 0; to < 4; to++)
            for (int mr = 0; mr < 4; mr++) {
                sp_convert_desc d = {.to = (sp_convert_to)to,
                                     .matrix = (sp_yuv_matrix)(mr & 1),
                                     .range = (sp_yuv_range)(mr >> 1),
                                     .precision = SP_CONVERT_FAST};
                convert_check_one(ks, names, nk, &d, &src.im, pad, &rng,
                                  "fast");
            }
        camtest_img_free(&src);
    }
    for (int b = 0; b < nk; b++)
        sp_kctx_destroy(ks[b]);
}

static void test_backends(void **state)
{
    (void)state;
    /* 2; below, at and past one 32-pixel step; odd multiples of 2, 16 and
     * 32; not multiples of 32; strides with and without padding. */
    static const uint32_t widths[] = {2,  6,   14,  16,  18,  30,  32,
                                      34, 46,  62,  64,  66,  94,  96,
                                      98, 126, 130, 162, 226, 1242};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        check_backends(widths[i], 4 + 2 * (uint32_t)(i % 3),
                       i % 3 == 0   ? 0
                       : i % 3 == 1 ? 7
                                    : 64,
                       0x51 + i);
    check_backends(1920, 1080, 0, 3);
    check_backends(1282, 22, 33, 4);
}

/* Large outputs in 64-byte aligned memory take the streaming-store path
 * (AVX2; RGBA 32 bytes a store, RGB and BGR 16 with their 12-byte pixel
 * quads joined): the same bytes as scalar, for widths with and without an
 * unaligned last step (1930: the last step starts at 1898, not a multiple
 * of 16; 1936: it does). */
static void test_streaming(void **state)
{
    (void)state;
    sp_kctx *ks[CAMTEST_MAX_CTX];
    const char *names[CAMTEST_MAX_CTX];
    int nk = camtest_contexts(ks, names);
    static const uint32_t sz[][2] = {{1920, 1080}, {1930, 730}, {1936, 730}};
    static const sp_pixfmt sources[] = {SP_PIX_NV12, SP_PIX_YUYV};
    static const struct {
        sp_convert_to to;
        sp_pixfmt fmt;
        size_t bpp;
    } outs[] = {{SP_CONVERT_RGBA, SP_PIX_RGBA8, 4},
                {SP_CONVERT_RGB, SP_PIX_RGB8, 3},
                {SP_CONVERT_BGR, SP_PIX_BGR8, 3}};
    uint64_t rng = 77;
    for (int i = 0; i < 3; i++)
        for (int si = 0; si < 2; si++)
            for (int oi = 0; oi < 3; oi++) {
                uint32_t w = sz[i][0], h = sz[i][1];
                size_t stride = (outs[oi].bpp * w + 63) & ~(size_t)63;
                size_t size = stride * h;
                assert_true(size >= (size_t)4 << 20); /* the streaming size */
                camtest_img src;
                assert_int_equal(
                    camtest_img_alloc(&src, w, h, sources[si], 0, &rng), 0);
                uint8_t *ref = aligned_alloc(64, size),
                        *got = aligned_alloc(64, size);
                assert_non_null(ref);
                assert_non_null(got);
                sp_image r, g;
                assert_int_equal(
                    sp_image_init(&r, ref, size, w, h, outs[oi].fmt, stride),
                    SP_OK);
                assert_int_equal(
                    sp_image_init(&g, got, size, w, h, outs[oi].fmt, stride),
                    SP_OK);
                sp_convert_desc d = {.to = outs[oi].to,
                                     .precision = SP_CONVERT_FAST};
                assert_int_equal(sp_convert(ks[0], &d, &src.im, &r), SP_OK);
                for (int b = 1; b < nk; b++) {
                    memset(got, 0, size);
                    assert_int_equal(sp_convert(ks[b], &d, &src.im, &g), SP_OK);
                    char where[128];
                    if (!camtest_img_equal(&r, &g, where, sizeof where))
                        fail_msg("streaming, %s vs scalar, %ux%u %s to %s: %s",
                                 names[b], w, h, sp_pixfmt_name(sources[si]),
                                 sp_pixfmt_name(outs[oi].fmt), where);
                }
                free(ref);
                free(got);
                camtest_img_free(&src);
            }
    for (int b = 0; b < nk; b++)
        sp_kctx_destroy(ks[b]);
}

/* The stage property reaches the kernel; the names parse. */
static void test_names(void **state)
{
    (void)state;
    sp_convert_precision p;
    assert_int_equal(sp_convert_precision_from_name("FAST", &p), SP_OK);
    assert_int_equal(p, SP_CONVERT_FAST);
    assert_string_equal(sp_convert_precision_name(SP_CONVERT_EXACT), "exact");
    assert_null(sp_convert_precision_name((sp_convert_precision)2));
    assert_int_equal(sp_convert_precision_from_name("approx", &p),
                     SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "exact or fast"));
    sp_image src = {.format = SP_PIX_NV12, .width = 4, .height = 2};
    sp_pixfmt f;
    uint32_t w, h;
    sp_convert_desc d = {.precision = (sp_convert_precision)7};
    assert_int_equal(sp_convert_output(&d, &src, &f, &w, &h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "precision"));
    sp_pipeline *pl = NULL;
    assert_int_equal(sp_pipeline_create("synth frames=1 lidar=false ! convert "
                                        "precision=fast",
                                        NULL, &pl),
                     SP_OK);
    sp_pipeline_destroy(pl);
    assert_int_not_equal(
        sp_pipeline_create("synth frames=1 ! convert precision=approx", NULL,
                           &pl),
        SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound),    cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_backends), cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests_name("convert_fast", tests, NULL, NULL);
}
