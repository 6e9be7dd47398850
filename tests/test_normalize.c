/* ctest-label: simd */
/* normalize: shapes and errors, hand-checked values and channel orders,
 * the re-association tolerance over every byte value, every back-end
 * against the scalar reference (bit-exact) on awkward sizes with padded
 * strides, and a cross-check with cv2.dnn.blobFromImage (+ division by
 * std) when /usr/bin/python3 has OpenCV. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cam2_test.h"
#include "sp_normalize.h"
#include "sp_pipeline.h"

static const double MEAN[3] = {0.485, 0.456, 0.406};
static const double STD[3] = {0.229, 0.224, 0.225};

/* A tensor over malloc'd memory with 64 canary bytes after it. */
typedef struct tbuf {
    sp_tensor t;
    size_t bytes;
} tbuf;

static void tensor_alloc(tbuf *b, uint32_t w, uint32_t h, sp_pixfmt fmt)
{
    size_t shape[4];
    int ndim;
    assert_int_equal(sp_normalize_shape(w, h, fmt, shape, &ndim), SP_OK);
    b->bytes = shape[1] * shape[2] * shape[3] * sizeof(float);
    uint8_t *m = malloc(b->bytes + 64);
    assert_non_null(m);
    memset(m, CAM2_CANARY, b->bytes + 64);
    b->t.data = m;
    b->t.dtype = SP_DTYPE_F32;
    b->t.ndim = 4;
    memcpy(b->t.shape, shape, sizeof shape);
}

static int tensor_canary_ok(const tbuf *b)
{
    const uint8_t *m = (const uint8_t *)b->t.data + b->bytes;
    for (int i = 0; i < 64; i++)
        if (m[i] != CAM2_CANARY)
            return 0;
    return 1;
}

static void test_shape_and_errors(void **state)
{
    (void)state;
    size_t shape[4];
    int ndim;
    assert_int_equal(sp_normalize_shape(640, 384, SP_PIX_BGR8, shape, &ndim),
                     SP_OK);
    assert_int_equal(ndim, 4);
    assert_int_equal(shape[0], 1);
    assert_int_equal(shape[1], 3);
    assert_int_equal(shape[2], 384);
    assert_int_equal(shape[3], 640);
    assert_int_equal(sp_normalize_shape(5, 3, SP_PIX_GRAY8, shape, &ndim),
                     SP_OK);
    assert_int_equal(shape[1], 1);
    assert_int_equal(sp_normalize_shape(5, 3, SP_PIX_F32, shape, &ndim),
                     SP_EINVAL);
    assert_true(sp_normalize_block_size(640, 384, SP_PIX_RGB8) >=
                640 * 384 * 12);
    assert_int_equal(sp_normalize_block_size(640, 384, SP_PIX_NV12), 0);
    sp_channel_order o;
    assert_int_equal(sp_channel_order_from_name("BGR", &o), SP_OK);
    assert_int_equal(o, SP_ORDER_BGR);
    assert_int_equal(sp_channel_order_from_name("rgbx", &o), SP_ENOTFOUND);
    assert_string_equal(sp_channel_order_name(SP_ORDER_RGB), "rgb");

    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    sp_image img;
    tbuf tb;
    assert_int_equal(cam2_image_alloc(&img, 4, 3, SP_PIX_RGB8, 0), 0);
    tensor_alloc(&tb, 4, 3, SP_PIX_RGB8);
    sp_normalize_desc d = {.nvalues = 3, .mean = {0, 0, 0}, .std = {1, 0, 1}};
    assert_int_equal(sp_normalize(k, &d, &img, &tb.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "std"));
    d.nvalues = 2;
    assert_int_equal(sp_normalize(k, &d, &img, &tb.t), SP_EINVAL);
    tb.t.shape[3] = 5;
    assert_int_equal(sp_normalize(k, NULL, &img, &tb.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "shape"));
    tb.t.shape[3] = 4;
    tb.t.dtype = SP_DTYPE_U8;
    assert_int_equal(sp_normalize(k, NULL, &img, &tb.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "f32"));
    tb.t.dtype = SP_DTYPE_F32;
    img.format = SP_PIX_YUYV;
    assert_int_equal(sp_normalize(k, NULL, &img, &tb.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "yuyv"));
    img.format = SP_PIX_RGB8;
    img.stride = 11;
    assert_int_equal(sp_normalize(k, NULL, &img, &tb.t), SP_EINVAL);
    img.stride = 12;
    /* [C, H, W] is accepted too */
    tb.t.ndim = 3;
    tb.t.shape[0] = 3, tb.t.shape[1] = 3, tb.t.shape[2] = 4, tb.t.shape[3] = 1;
    assert_int_equal(sp_normalize(k, NULL, &img, &tb.t), SP_OK);
    assert_int_equal(sp_normalize(NULL, NULL, &img, &tb.t), SP_EINVAL);
    free(tb.t.data);
    cam2_image_free(&img);
    sp_kctx_destroy(k);
}

/* Every byte value in every colour through the default parameters: the
 * re-associated form stays within 1e-6 of the literal formula, and the
 * channel order / input format routing is right. */
static void test_values_and_orders(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    static const sp_pixfmt fmts[] = {SP_PIX_RGB8, SP_PIX_BGR8, SP_PIX_RGBA8};
    double worst = 0;
    for (int f = 0; f < 3; f++)
        for (int ord = 0; ord < 2; ord++) {
            sp_image img;
            tbuf tb;
            assert_int_equal(cam2_image_alloc(&img, 256, 1, fmts[f], 0), 0);
            tensor_alloc(&tb, 256, 1, fmts[f]);
            int cn = (int)sp_pixfmt_bytes_per_pixel(fmts[f]);
            /* colour k of pixel x is (x + 85 k) mod 256 */
            for (int x = 0; x < 256; x++)
                for (int kk = 0; kk < 3; kk++) {
                    int pos = fmts[f] == SP_PIX_BGR8 ? 2 - kk : kk;
                    img.data[x * cn + pos] = (uint8_t)((x + 85 * kk) & 255);
                }
            if (cn == 4)
                for (int x = 0; x < 256; x++)
                    img.data[x * 4 + 3] = 0x77;
            sp_normalize_desc d = {.order = (sp_channel_order)ord};
            assert_int_equal(sp_normalize(k, &d, &img, &tb.t), SP_OK);
            const float *out = tb.t.data;
            for (int c = 0; c < 3; c++) {
                int kk = ord == SP_ORDER_RGB ? c : 2 - c;
                for (int x = 0; x < 256; x++) {
                    int px = (x + 85 * kk) & 255;
                    double lit = (px / 255.0 - MEAN[kk]) / STD[kk];
                    double e = fabs(out[c * 256 + x] - lit);
                    if (e > worst)
                        worst = e;
                }
            }
            assert_true(tensor_canary_ok(&tb));
            free(tb.t.data);
            cam2_image_free(&img);
        }
    print_message("max |re-associated - literal| = %.3g\n", worst);
    assert_true(worst <= 1e-6);

    /* Gray: one channel with mean[0] / std[0]; custom parameters. */
    sp_image g;
    tbuf tb;
    assert_int_equal(cam2_image_alloc(&g, 3, 2, SP_PIX_GRAY8, 5), 0);
    tensor_alloc(&tb, 3, 2, SP_PIX_GRAY8);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 3; x++)
            g.data[y * g.stride + x] = (uint8_t)(y * 3 + x);
    sp_normalize_desc d = {
        .nvalues = 1, .mean = {1.f}, .std = {0.5f}, .scale = 1.f};
    assert_int_equal(sp_normalize(k, &d, &g, &tb.t), SP_OK);
    const float *o = tb.t.data;
    for (int i = 0; i < 6; i++)
        assert_true(o[i] == (float)(i - 1) * 2.f);
    free(tb.t.data);
    cam2_image_free(&g);
    sp_kctx_destroy(k);
}

static void backend_vs_scalar(sp_backend b)
{
    sp_kctx *ks = NULL, *kb = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &ks), SP_OK);
    if (cam2_kctx(b, &kb) != SP_OK) {
        sp_kctx_destroy(ks);
        print_message("skipped: %s back-end unavailable here\n",
                      sp_backend_name(b));
        skip();
    }
    static const uint32_t sizes[][2] = {
        {1, 1}, {2, 2}, {3, 5}, {17, 3}, {33, 9}, {1241, 375}, {1920, 1080}};
    static const sp_pixfmt fmts[] = {SP_PIX_GRAY8, SP_PIX_RGB8, SP_PIX_BGR8,
                                     SP_PIX_RGBA8};
    int n = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t f = 0; f < 4; f++)
            for (int ord = 0; ord < 2; ord++) {
                uint32_t w = sizes[s][0], h = sizes[s][1];
                sp_image img;
                tbuf r, o;
                assert_int_equal(
                    cam2_image_alloc(&img, w, h, fmts[f], 1 + s * 13), 0);
                cam2_fill_random(&img, (uint32_t)(s * 8 + f * 2 + (size_t)ord));
                tensor_alloc(&r, w, h, fmts[f]);
                tensor_alloc(&o, w, h, fmts[f]);
                sp_normalize_desc d = {.order = (sp_channel_order)ord};
                if (s % 2) /* custom parameters on every other size */
                    d = (sp_normalize_desc){.nvalues = 3,
                                            .mean = {10, 20, 30},
                                            .std = {3, -4, 5},
                                            .scale = 1.f,
                                            .order = (sp_channel_order)ord};
                assert_int_equal(sp_normalize(ks, &d, &img, &r.t), SP_OK);
                assert_int_equal(sp_normalize(kb, &d, &img, &o.t), SP_OK);
                if (memcmp(r.t.data, o.t.data, r.bytes) != 0)
                    fail_msg("%s %s %ux%u order %d differs from scalar",
                             sp_backend_name(b), sp_pixfmt_name(fmts[f]), w, h,
                             ord);
                assert_true(tensor_canary_ok(&o));
                /* What ran is what was asked: a SIMD level without its
                 * own version would fall back to scalar unseen. */
                assert_int_equal(sp_kctx_last_backend(kb), b);
                if (b == SP_BACKEND_SIMD)
                    assert_int_equal(sp_kctx_last_simd(kb),
                                     sp_kctx_simd_level(kb));
                free(r.t.data);
                free(o.t.data);
                cam2_image_free(&img);
                n++;
            }
    print_message("%s: %d cases bit-exact with scalar\n",
                  b == SP_BACKEND_SIMD
                      ? sp_simd_level_name(sp_kctx_simd_level(kb))
                      : sp_backend_name(b),
                  n);
    sp_kctx_destroy(kb);
    sp_kctx_destroy(ks);
}

static void test_simd_vs_scalar(void **state)
{
    (void)state;
    backend_vs_scalar(SP_BACKEND_SIMD);
}

/* SSE4.1 as well on an AVX2 machine (an SSE4.1-only CPU runs it). */
static void test_sse41_vs_scalar(void **state)
{
    (void)state;
    if (cam2_simd_force("sse41") != 0) {
        print_message("skipped: this CPU does not run SSE4.1\n");
        skip();
    }
    backend_vs_scalar(SP_BACKEND_SIMD);
}

static void test_opencl_vs_scalar(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    print_message("skipped: built without OpenCL\n");
    skip();
#endif
    backend_vs_scalar(SP_BACKEND_OPENCL);
}

/* cv2.dnn.blobFromImage(img, 1/255, mean=255*mean, swapRB) / std: the
 * usual OpenCV way to a normalised NCHW blob. */
static void test_opencv_crosscheck(void **state)
{
    (void)state;
    if (!cam2_have_cv2()) {
        print_message("skipped: /usr/bin/python3 cannot import cv2\n");
        skip();
    }
    const uint32_t w = 97, h = 61;
    sp_image img;
    assert_int_equal(cam2_image_alloc(&img, w, h, SP_PIX_BGR8, 7), 0);
    cam2_fill_random(&img, 4242);
    char in[600], out[600], script[2048];
    snprintf(in, sizeof in, "%s/nz_in.bin", cam2_tmpdir());
    snprintf(out, sizeof out, "%s/nz_cv.bin", cam2_tmpdir());
    assert_int_equal(cam2_write_rows(in, &img), 0);
    snprintf(
        script, sizeof script,
        "import cv2, numpy as np\n"
        "a = np.fromfile('%s', dtype=np.uint8).reshape(%u, %u, 3)\n"
        "mean = np.array([0.485, 0.456, 0.406]); std = np.array([0.229, "
        "0.224, 0.225], dtype=np.float32)\n"
        "b = cv2.dnn.blobFromImage(a, 1/255.0, (%u, %u), tuple(mean * 255), "
        "swapRB=True, crop=False)\n"
        "b = b / std.reshape(1, 3, 1, 1)\n"
        "b.astype(np.float32).tofile('%s')\n",
        in, h, w, w, h, out);
    assert_int_equal(cam2_run_python(script), 0);
    tbuf tb;
    tensor_alloc(&tb, w, h, SP_PIX_BGR8);
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_AUTO, &k), SP_OK);
    sp_normalize_desc d = {.order = SP_ORDER_RGB};
    assert_int_equal(sp_normalize(k, &d, &img, &tb.t), SP_OK);
    float *cv = malloc(tb.bytes);
    assert_non_null(cv);
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    assert_int_equal(fread(cv, 1, tb.bytes, f), tb.bytes);
    fclose(f);
    double worst = 0;
    const float *o = tb.t.data;
    for (size_t i = 0; i < tb.bytes / 4; i++) {
        double e = fabs((double)o[i] - (double)cv[i]);
        if (e > worst)
            worst = e;
    }
    print_message("max |ours - blobFromImage/std| = %.3g\n", worst);
    assert_true(worst <= 2e-6);
    free(cv);
    free(tb.t.data);
    cam2_image_free(&img);
    sp_kctx_destroy(k);
}

/* The stage: camera frames become [1, 3, H, W] f32 tensors equal to a
 * direct sp_normalize with the stage's parameters; lidar frames pass
 * untouched; bad mean/std lists are refused at creation, naming the
 * property. */
static void test_stage(void **state)
{
    (void)state;
    sp_frame *a[16], *b[16];
    sp_pipeline *pa = NULL, *pb = NULL;
    int na =
        cam2_pipeline_frames("synth frames=2 format=rgb8 width=33 height=9 "
                             "! normalize mean=0.5 std=0.25,0.5,2 order=bgr",
                             SP_BACKEND_AUTO, a, 16, &pa);
    if (na < 0)
        fail_msg("pipeline: %s", sp_errmsg());
    int nb =
        cam2_pipeline_frames("synth frames=2 format=rgb8 width=33 height=9",
                             SP_BACKEND_AUTO, b, 16, &pb);
    assert_int_equal(na, nb);
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    int cams = 0;
    for (int i = 0; i < na; i++) {
        if (b[i]->payload != SP_PAYLOAD_IMAGE) {
            assert_int_equal(a[i]->payload, SP_PAYLOAD_POINTS);
            continue;
        }
        assert_int_equal(a[i]->payload, SP_PAYLOAD_TENSOR);
        const sp_tensor *t = &a[i]->u.tensor;
        assert_int_equal(t->dtype, SP_DTYPE_F32);
        assert_int_equal(t->ndim, 4);
        assert_int_equal(t->shape[1], 3);
        assert_int_equal(t->shape[2], 9);
        assert_int_equal(t->shape[3], 33);
        tbuf ref;
        tensor_alloc(&ref, 33, 9, SP_PIX_RGB8);
        sp_normalize_desc d = {.nvalues = 3,
                               .mean = {0.5f, 0.5f, 0.5f},
                               .std = {0.25f, 0.5f, 2.f},
                               .scale = 1.f / 255.f,
                               .order = SP_ORDER_BGR};
        assert_int_equal(sp_normalize(k, &d, &b[i]->u.image, &ref.t), SP_OK);
        assert_memory_equal(ref.t.data, t->data, ref.bytes);
        free(ref.t.data);
        cams++;
    }
    assert_int_equal(cams, 2);
    cam2_frames_release(a, na);
    cam2_frames_release(b, nb);
    sp_pipeline_destroy(pa);
    sp_pipeline_destroy(pb);
    sp_kctx_destroy(k);

    int n = cam2_pipeline_frames("synth frames=1 ! normalize mean=1,2",
                                 SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "'mean'"));
    sp_pipeline_destroy(pa);
    n = cam2_pipeline_frames("synth frames=1 ! normalize std=0",
                             SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "'std'"));
    sp_pipeline_destroy(pa);
    n = cam2_pipeline_frames("synth frames=1 lidar=false ! normalize",
                             SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "bayer_rggb8"));
    sp_pipeline_destroy(pa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_and_errors),
        cmocka_unit_test(test_values_and_orders),
        cmocka_unit_test(test_simd_vs_scalar),
        cmocka_unit_test_teardown(test_sse41_vs_scalar, cam2_simd_restore),
        cmocka_unit_test(test_opencl_vs_scalar),
        cmocka_unit_test(test_opencv_crosscheck),
        cmocka_unit_test(test_stage),
    };
    /* SP_TEST_FILTER=test_name runs one test (cmocka pattern). */
    if (getenv("SP_TEST_FILTER"))
        cmocka_set_test_filter(getenv("SP_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
