/* ctest-label: simd */
/* ctest-timeout: 120 */
/* convert: hand-computed values, every back-end against the scalar
 * reference for every source/target pair (odd and even sizes, padded
 * strides, random content), OpenCV's cvtColor where it applies, and bad
 * arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

static void test_known_values(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
    /* RGB -> gray: pure red (255*9798 + 16384) >> 15 = 76, green 150, blue
     * 29, white 255. */
    uint8_t rgb[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255}, gray[4];
    sp_image s, d;
    assert_int_equal(sp_image_init(&s, rgb, sizeof rgb, 4, 1, SP_PIX_RGB8, 12),
                     SP_OK);
    assert_int_equal(
        sp_image_init(&d, gray, sizeof gray, 4, 1, SP_PIX_GRAY8, 4), SP_OK);
    sp_convert_desc cd = {.to = SP_CONVERT_GRAY};
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    uint8_t wantg[4] = {76, 150, 29, 255};
    assert_memory_equal(gray, wantg, 4);
    /* BGR input reads the same bytes the other way round. */
    s.format = SP_PIX_BGR8;
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    assert_int_equal(gray[0], 29);
    assert_int_equal(gray[2], 76);
    /* RGB -> RGBA and BGR. */
    uint8_t rgba[16], bgr[12];
    s.format = SP_PIX_RGB8;
    assert_int_equal(
        sp_image_init(&d, rgba, sizeof rgba, 4, 1, SP_PIX_RGBA8, 16), SP_OK);
    cd.to = SP_CONVERT_RGBA;
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    uint8_t want_rgba[16] = {255, 0, 0,   255, 0,   255, 0,   255,
                             0,   0, 255, 255, 255, 255, 255, 255};
    assert_memory_equal(rgba, want_rgba, 16);
    assert_int_equal(sp_image_init(&d, bgr, sizeof bgr, 4, 1, SP_PIX_BGR8, 12),
                     SP_OK);
    cd.to = SP_CONVERT_BGR;
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    assert_int_equal(bgr[0], 0);
    assert_int_equal(bgr[2], 255);
    /* NV12 2x2, limited range: Y 16 -> black, 235 -> white, 126 -> gray
     * (126-16)*255/219 = 128.08 -> 128; chroma neutral. */
    uint8_t nv[6] = {16, 235, 126, 126, 128, 128}, out[12];
    assert_int_equal(sp_image_init(&s, nv, sizeof nv, 2, 2, SP_PIX_NV12, 2),
                     SP_OK);
    assert_int_equal(sp_image_init(&d, out, sizeof out, 2, 2, SP_PIX_RGB8, 6),
                     SP_OK);
    cd = (sp_convert_desc){.to = SP_CONVERT_RGB};
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    uint8_t want_nv[12] = {0,   0,   0,   255, 255, 255,
                           128, 128, 128, 128, 128, 128};
    assert_memory_equal(out, want_nv, 12);
    /* Full range: Y passes through. Strong red chroma V = 255 (v = 127) on
     * Y 100, BT.601 full: R = 100 + 1.402 * 127 = 278 -> 255, G = 100 -
     * 0.714136 * 127 = 9.30 -> 9, B = 100. */
    uint8_t nv2[6] = {100, 100, 100, 100, 128, 255};
    assert_int_equal(sp_image_init(&s, nv2, sizeof nv2, 2, 2, SP_PIX_NV12, 2),
                     SP_OK);
    cd = (sp_convert_desc){.to = SP_CONVERT_RGB, .range = SP_YUV_FULL};
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    assert_int_equal(out[0], 255);
    assert_int_equal(out[1], 9);
    assert_int_equal(out[2], 100);
    /* BT.709 full: G = 100 - 0.4681 * 127 = 40.55 -> 41 (rounded). */
    cd.matrix = SP_YUV_BT709;
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    assert_int_equal(out[1], 41);
    /* YUYV pair Y0 U Y1 V = 16 128 235 128 -> black, white. */
    uint8_t yuyv[4] = {16, 128, 235, 128};
    assert_int_equal(sp_image_init(&s, yuyv, sizeof yuyv, 2, 1, SP_PIX_YUYV, 4),
                     SP_OK);
    assert_int_equal(sp_image_init(&d, out, sizeof out, 2, 1, SP_PIX_RGB8, 6),
                     SP_OK);
    cd = (sp_convert_desc){0};
    assert_int_equal(sp_convert(k, &cd, &s, &d), SP_OK);
    uint8_t want_y[6] = {0, 0, 0, 255, 255, 255};
    assert_memory_equal(out, want_y, 6);
    sp_kctx_destroy(k);
}

static const sp_pixfmt sources[] = {SP_PIX_RGB8,  SP_PIX_BGR8, SP_PIX_RGBA8,
                                    SP_PIX_GRAY8, SP_PIX_NV12, SP_PIX_YUYV};

static void check_backends(uint32_t w, uint32_t h, size_t pad, uint64_t seed,
                           int all)
{
    sp_kctx *ks[CAMTEST_MAX_CTX];
    const char *names[CAMTEST_MAX_CTX];
    int nk = camtest_contexts(ks, names);
    uint64_t rng = seed;
    for (size_t si = 0; si < sizeof sources / sizeof sources[0]; si++) {
        sp_pixfmt sf = sources[si];
        if ((sf == SP_PIX_NV12 && ((w | h) & 1)) ||
            (sf == SP_PIX_YUYV && (w & 1)))
            continue;
        camtest_img src;
        assert_int_equal(camtest_img_alloc(&src, w, h, sf, pad, &rng), 0);
        for (int to = 0; to < 4; to++)
            for (int mr = 0; mr < 4; mr++) {
                int yuv = sf == SP_PIX_NV12 || sf == SP_PIX_YUYV;
                /* large frames: two targets per source keep the suite fast */
                if (!all && to != (int)(si % 4) && to != (int)((si + 1) % 4))
                    continue;
                if (mr && (!yuv || (!all && mr != (to % 3) + 1)))
                    continue;
                sp_convert_desc d = {.to = (sp_convert_to)to,
                                     .matrix = (sp_yuv_matrix)(mr & 1),
                                     .range = (sp_yuv_range)(mr >> 1)};
                convert_check_one(ks, names, nk, &d, &src.im, pad, &rng,
                                  "exact");
            }
        camtest_img_free(&src);
    }
    for (int b = 0; b < nk; b++)
        sp_kctx_destroy(ks[b]);
}

static void test_backends(void **state)
{
    (void)state;
    static const uint32_t sz[][2] = {{1, 1},  {2, 2},  {3, 5},  {8, 2},
                                     {9, 3},  {10, 4}, {18, 2}, {33, 5},
                                     {34, 6}, {130, 7}};
    for (size_t i = 0; i < sizeof sz / sizeof sz[0]; i++)
        check_backends(sz[i][0], sz[i][1], i % 2 ? 0 : 7, 0x99 + i, 1);
    check_backends(1241, 375, 5, 1, 0);
    check_backends(1242, 376, 0, 2, 0);
    check_backends(1920, 1080, 64, 3, 0);
}

/* OpenCV cross-check: one python process runs every job. */
typedef struct cvjob {
    char in[256], out[256];
    const char *shape; /* numpy shape of the input, formatted */
    char shape_buf[48];
    const char *code;
    sp_image ours;
    sp_convert_desc d;
    sp_pixfmt from;
    unsigned tol;
} cvjob;

static void test_opencv(void **state)
{
    (void)state;
    const char *dir = camtest_tmpdir();
    if (!dir || !camtest_have_cv2())
        skip();
    static const struct {
        sp_pixfmt from;
        sp_convert_desc d;
        const char *code;
        unsigned tol;
    } cases[] = {
        {SP_PIX_RGB8, {.to = SP_CONVERT_GRAY}, "COLOR_RGB2GRAY", 0},
        {SP_PIX_BGR8, {.to = SP_CONVERT_GRAY}, "COLOR_BGR2GRAY", 0},
        {SP_PIX_RGBA8, {.to = SP_CONVERT_GRAY}, "COLOR_RGBA2GRAY", 0},
        {SP_PIX_RGB8, {.to = SP_CONVERT_BGR}, "COLOR_RGB2BGR", 0},
        {SP_PIX_RGB8, {.to = SP_CONVERT_RGBA}, "COLOR_RGB2RGBA", 0},
        {SP_PIX_BGR8, {.to = SP_CONVERT_RGBA}, "COLOR_BGR2RGBA", 0},
        {SP_PIX_RGBA8, {.to = SP_CONVERT_BGR}, "COLOR_RGBA2BGR", 0},
        {SP_PIX_GRAY8, {.to = SP_CONVERT_RGB}, "COLOR_GRAY2RGB", 0},
        {SP_PIX_GRAY8, {.to = SP_CONVERT_RGBA}, "COLOR_GRAY2RGBA", 0},
        {SP_PIX_NV12, {.to = SP_CONVERT_RGB}, "COLOR_YUV2RGB_NV12", 0},
        {SP_PIX_NV12, {.to = SP_CONVERT_BGR}, "COLOR_YUV2BGR_NV12", 0},
        {SP_PIX_NV12, {.to = SP_CONVERT_RGBA}, "COLOR_YUV2RGBA_NV12", 0},
        {SP_PIX_YUYV, {.to = SP_CONVERT_RGB}, "COLOR_YUV2RGB_YUYV", 0},
        {SP_PIX_YUYV, {.to = SP_CONVERT_BGR}, "COLOR_YUV2BGR_YUYV", 0},
        /* OpenCV's YUV->gray copies Y: equal to ours in full range. */
        {SP_PIX_NV12,
         {.to = SP_CONVERT_GRAY, .range = SP_YUV_FULL},
         "COLOR_YUV2GRAY_NV12",
         0},
        {SP_PIX_YUYV,
         {.to = SP_CONVERT_GRAY, .range = SP_YUV_FULL},
         "COLOR_YUV2GRAY_YUYV",
         0},
    };
    enum { NC = sizeof cases / sizeof cases[0] };
    const uint32_t w = 642, h = 376;
    static cvjob jobs[NC];
    static char cmd[16384];
    sp_kctx *k = scalar_ctx();
    uint64_t rng = 11;
    size_t len = (size_t)snprintf(
        cmd, sizeof cmd,
        "/usr/bin/python3 -c 'import sys, numpy as np, cv2\n"
        "cv2.setNumThreads(1)\n"
        "a = sys.argv[1:]\n"
        "for i in range(0, len(a), 4):\n"
        "    shape, code, src, dst = a[i:i + 4]\n"
        "    m = np.fromfile(src, np.uint8).reshape([int(v) for v in "
        "shape.split(\",\")])\n"
        "    cv2.cvtColor(m, getattr(cv2, code)).tofile(dst)'");
    for (int i = 0; i < NC; i++) {
        cvjob *j = &jobs[i];
        camtest_img src, dst;
        sp_pixfmt of;
        uint32_t ow, oh;
        assert_int_equal(camtest_img_alloc(&src, w, h, cases[i].from, 0, &rng),
                         0);
        assert_int_equal(sp_convert_output(&cases[i].d, &src.im, &of, &ow, &oh),
                         SP_OK);
        assert_int_equal(camtest_img_alloc(&dst, ow, oh, of, 0, &rng), 0);
        assert_int_equal(sp_convert(k, &cases[i].d, &src.im, &dst.im), SP_OK);
        size_t row = sp_image_row_bytes(w, cases[i].from);
        uint32_t rows = cases[i].from == SP_PIX_NV12 ? h * 3 / 2 : h;
        uint8_t *packed = malloc(row * rows);
        assert_non_null(packed);
        for (uint32_t y = 0; y < rows; y++)
            memcpy(packed + y * row, src.im.data + (size_t)y * src.im.stride,
                   row);
        snprintf(j->in, sizeof j->in, "%s/conv_in%d.raw", dir, i);
        snprintf(j->out, sizeof j->out, "%s/conv_out%d.raw", dir, i);
        assert_int_equal(camtest_write(j->in, packed, row * rows), 0);
        free(packed);
        unsigned ch = (unsigned)(row / w);
        if (cases[i].from == SP_PIX_NV12)
            snprintf(j->shape_buf, sizeof j->shape_buf, "%u,%u", rows, w);
        else if (ch == 1)
            snprintf(j->shape_buf, sizeof j->shape_buf, "%u,%u", h, w);
        else
            snprintf(j->shape_buf, sizeof j->shape_buf, "%u,%u,%u", h, w, ch);
        j->ours = dst.im;
        j->code = cases[i].code;
        j->tol = cases[i].tol;
        camtest_img_free(&src);
        len += (size_t)snprintf(cmd + len, sizeof cmd - len, " %s %s '%s' '%s'",
                                j->shape_buf, j->code, j->in, j->out);
        assert_true(len < sizeof cmd);
    }
    assert_int_equal(system(cmd), 0);
    for (int i = 0; i < NC; i++) {
        cvjob *j = &jobs[i];
        size_t row = sp_image_row_bytes(j->ours.width, j->ours.format);
        uint8_t *cv = malloc(row * h);
        assert_non_null(cv);
        assert_int_equal(camtest_read(j->out, cv, row * h), 0);
        unsigned maxd = 0;
        size_t ndiff = 0;
        for (uint32_t y = 0; y < h; y++)
            for (size_t x = 0; x < row; x++) {
                unsigned a = sp_image_row(&j->ours, y)[x], b = cv[y * row + x];
                unsigned dd = a > b ? a - b : b - a;
                maxd = dd > maxd ? dd : maxd;
                ndiff += dd != 0;
            }
        print_message("opencv %-22s max |diff| %u, %.3f%% of values differ\n",
                      j->code, maxd, 100.0 * (double)ndiff / ((double)row * h));
        if (maxd > j->tol)
            fail_msg("%s: differs from OpenCV by up to %u, tolerance %u",
                     j->code, maxd, j->tol);
        free(cv);
        free(j->ours.data);
    }
    sp_kctx_destroy(k);
}

/* Through the stage: debayered synth frames to gray; an image already in
 * the target format passes; a Bayer frame is refused with the reason. */
static void test_stage(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    sp_frame *f = NULL;
    if (sp_pipeline_create("synth frames=1 ! debayer ! convert to=gray", NULL,
                           &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    int images = 0, rc;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        if (f->payload == SP_PAYLOAD_IMAGE) {
            assert_int_equal(f->u.image.format, SP_PIX_GRAY8);
            assert_int_equal(f->u.image.width, 1242);
            images++;
        }
        sp_frame_unref(f);
    }
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(images, 1);
    sp_pipeline_destroy(p);
    assert_int_equal(
        sp_pipeline_create(
            "synth frames=1 lidar=false format=rgb8 ! convert to=rgb", NULL,
            &p),
        SP_OK);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->u.image.format, SP_PIX_RGB8);
    sp_frame_unref(f);
    sp_pipeline_destroy(p);
    assert_int_equal(
        sp_pipeline_create("synth frames=1 lidar=false ! convert to=bgr", NULL,
                           &p),
        SP_OK);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "convert"));
    assert_non_null(strstr(sp_errmsg(), "input is bayer_rggb8"));
    sp_pipeline_destroy(p);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t a[256], b[256];
    sp_image src, dst;
    sp_pixfmt f;
    uint32_t w, h;
    sp_kctx *k = scalar_ctx();
    assert_int_equal(
        sp_image_init(&src, a, sizeof a, 4, 4, SP_PIX_BAYER_RGGB8, 0), SP_OK);
    assert_int_equal(sp_convert_output(NULL, &src, &f, &w, &h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "input is bayer_rggb8, expected rgb8"));
    src = (sp_image){
        .data = a, .width = 3, .height = 2, .stride = 4, .format = SP_PIX_NV12};
    assert_int_equal(sp_convert_output(NULL, &src, &f, &w, &h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "expected even width and height"));
    assert_int_equal(sp_image_init(&src, a, sizeof a, 4, 4, SP_PIX_RGB8, 0),
                     SP_OK);
    sp_convert_desc d = {.to = (sp_convert_to)9};
    assert_int_equal(sp_convert_output(&d, &src, &f, &w, &h), SP_EINVAL);
    assert_int_equal(sp_image_init(&dst, b, sizeof b, 4, 4, SP_PIX_GRAY8, 0),
                     SP_OK);
    assert_int_equal(sp_convert(k, NULL, &src, &dst), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "expected rgb8 4x4"));
    sp_convert_to t;
    assert_int_equal(sp_convert_to_from_name("RGBA", &t), SP_OK);
    assert_int_equal(t, SP_CONVERT_RGBA);
    assert_int_equal(sp_convert_to_from_name("hsv", &t), SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "expected rgb, bgr, gray or rgba"));
    sp_yuv_range r;
    assert_int_equal(sp_yuv_range_from_name("full", &r), SP_OK);
    assert_int_equal(r, SP_YUV_FULL);
    sp_yuv_matrix m;
    assert_int_equal(sp_yuv_matrix_from_name("bt2020", &m), SP_ENOTFOUND);
    /* Same format in and out: a copy. */
    uint8_t c[48];
    assert_int_equal(sp_image_init(&dst, c, sizeof c, 4, 4, SP_PIX_RGB8, 12),
                     SP_OK);
    memset(a, 7, sizeof a);
    assert_int_equal(sp_convert(k, NULL, &src, &dst), SP_OK);
    assert_int_equal(c[47], 7);
    sp_kctx_destroy(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),  cmocka_unit_test(test_backends),
        cmocka_unit_test(test_opencv),        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests_name("convert", tests, NULL, NULL);
}
