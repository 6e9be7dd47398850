/* ctest-label: simd */
/* ctest-timeout: 120 */
/* resize: hand-worked answers (2x2 -> 1x1 area and linear, identity,
 * nearest picks), argument errors, every back-end against the scalar
 * reference on random images of awkward sizes with padded strides, and a
 * cross-check with cv2.resize when /usr/bin/python3 has OpenCV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cam2_test.h"
#include "sp_pipeline.h"
#include "sp_resize.h"

static sp_kctx *scalar_ctx(void)
{
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    return k;
}

static void test_names_and_errors(void **state)
{
    (void)state;
    sp_resize_method m;
    assert_string_equal(sp_resize_method_name(SP_RESIZE_AREA), "area");
    assert_null(sp_resize_method_name((sp_resize_method)9));
    assert_int_equal(sp_resize_method_from_name("Nearest", &m), SP_OK);
    assert_int_equal(m, SP_RESIZE_NEAREST);
    assert_int_equal(sp_resize_method_from_name("cubic", &m), SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "'cubic'"));
    assert_true(sp_resize_supports(SP_PIX_RGBA8));
    assert_false(sp_resize_supports(SP_PIX_NV12));
    assert_int_equal(sp_resize_block_size(640, 384, SP_PIX_RGB8),
                     sp_image_block_size(640, 384, SP_PIX_RGB8, 0));
    assert_int_equal(sp_resize_block_size(640, 384, SP_PIX_YUYV), 0);

    sp_kctx *k = scalar_ctx();
    sp_image a, b;
    assert_int_equal(cam2_image_alloc(&a, 4, 4, SP_PIX_RGB8, 0), 0);
    assert_int_equal(cam2_image_alloc(&b, 2, 2, SP_PIX_GRAY8, 0), 0);
    assert_int_equal(sp_resize(k, &a, &b, SP_RESIZE_LINEAR), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "differs"));
    b.format = SP_PIX_RGB8;
    b.stride = 5; /* a row of 2 RGB pixels is 6 bytes */
    assert_int_equal(sp_resize(k, &a, &b, SP_RESIZE_LINEAR), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "stride 5"));
    b.stride = 6;
    assert_int_equal(sp_resize(k, &a, &b, (sp_resize_method)7), SP_EINVAL);
    a.format = b.format = SP_PIX_NV12;
    assert_int_equal(sp_resize(k, &a, &b, SP_RESIZE_LINEAR), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "nv12"));
    /* f32 rows must be 4-byte aligned */
    a.format = b.format = SP_PIX_F32;
    a.stride = 18, b.stride = 8;
    assert_int_equal(sp_resize(k, &a, &b, SP_RESIZE_LINEAR), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "aligned"));
    a.stride = 12, b.stride = 6;
    a.format = b.format = SP_PIX_RGB8;
    /* empty output: nothing to do; empty input with an output: error */
    b.width = 0;
    assert_int_equal(sp_resize(k, &a, &b, SP_RESIZE_LINEAR), SP_OK);
    b.width = 2;
    a.height = 0;
    assert_int_equal(sp_resize(k, &a, &b, SP_RESIZE_LINEAR), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "non-empty"));
    a.height = 4;
    assert_int_equal(sp_resize(NULL, &a, &b, SP_RESIZE_LINEAR), SP_EINVAL);
    cam2_image_free(&a);
    cam2_image_free(&b);
    sp_kctx_destroy(k);
}

/* Runs src -> dst on every back-end available and checks each against the
 * first (scalar) result; returns the scalar result in dst. */
static sp_kctx *known_ctx[3]; /* scalar, SIMD, OpenCL (NULL if absent) */

static void known(sp_image *src, sp_image *dst, sp_resize_method m)
{
    sp_image ref;
    assert_int_equal(
        cam2_image_alloc(&ref, dst->width, dst->height, dst->format, 0), 0);
    for (int i = 0; i < 3; i++) {
        sp_kctx *k = known_ctx[i];
        if (!k)
            continue;
        sp_image *out = i == 0 ? &ref : dst;
        assert_int_equal(sp_resize(k, src, out, m), SP_OK);
        if (i > 0)
            assert_int_equal(cam2_compare(&ref, dst, 0, NULL), 0);
    }
    for (uint32_t y = 0; y < dst->height; y++)
        memcpy(dst->data + y * dst->stride, ref.data + y * ref.stride,
               cam2_row_bytes(dst));
    cam2_image_free(&ref);
}

static void test_known_answers(void **state)
{
    (void)state;
    sp_backend bs[] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD, SP_BACKEND_OPENCL};
    for (int i = 0; i < 3; i++)
        if (cam2_kctx(bs[i], &known_ctx[i]) != SP_OK)
            known_ctx[i] = NULL;
    assert_non_null(known_ctx[0]);
    sp_image s, d;
    /* 2x2 -> 1x1 area: the mean rounded half up, (a+b+c+d+2) >> 2. */
    static const uint8_t quads[][4] = {{1, 2, 3, 4},
                                       {0, 0, 1, 1},
                                       {0, 0, 0, 1},
                                       {255, 255, 255, 254},
                                       {10, 20, 30, 41}};
    for (size_t q = 0; q < sizeof quads / sizeof quads[0]; q++) {
        const uint8_t *v = quads[q];
        int want = (v[0] + v[1] + v[2] + v[3] + 2) >> 2;
        assert_int_equal(cam2_image_alloc(&s, 2, 2, SP_PIX_GRAY8, 3), 0);
        assert_int_equal(cam2_image_alloc(&d, 1, 1, SP_PIX_GRAY8, 5), 0);
        s.data[0] = v[0];
        s.data[1] = v[1];
        s.data[s.stride] = v[2];
        s.data[s.stride + 1] = v[3];
        known(&s, &d, SP_RESIZE_AREA);
        assert_int_equal(d.data[0], want);
        /* OpenCV's linear on an exact 2x downscale is the same average */
        known(&s, &d, SP_RESIZE_LINEAR);
        assert_int_equal(d.data[0], want);
        assert_true(cam2_canaries_ok(&d));
        cam2_image_free(&s);
        cam2_image_free(&d);
    }
    /* 2x2 -> 1x1 on F32 and RGB */
    assert_int_equal(cam2_image_alloc(&s, 2, 2, SP_PIX_F32, 4), 0);
    assert_int_equal(cam2_image_alloc(&d, 1, 1, SP_PIX_F32, 0), 0);
    float *r0 = (float *)(void *)s.data,
          *r1 = (float *)(void *)(s.data + s.stride);
    r0[0] = 1.f, r0[1] = 2.f, r1[0] = 3.f, r1[1] = 4.5f;
    known(&s, &d, SP_RESIZE_AREA);
    assert_true(*(float *)(void *)d.data == 2.625f);
    cam2_image_free(&s);
    cam2_image_free(&d);
    assert_int_equal(cam2_image_alloc(&s, 2, 2, SP_PIX_RGB8, 1), 0);
    assert_int_equal(cam2_image_alloc(&d, 1, 1, SP_PIX_RGB8, 0), 0);
    static const uint8_t rgb[2][6] = {{10, 100, 200, 11, 101, 201},
                                      {12, 102, 202, 14, 104, 204}};
    memcpy(s.data, rgb[0], 6);
    memcpy(s.data + s.stride, rgb[1], 6);
    known(&s, &d, SP_RESIZE_AREA);
    assert_int_equal(d.data[0], (10 + 11 + 12 + 14 + 2) >> 2); /* 12 */
    assert_int_equal(d.data[1], (100 + 101 + 102 + 104 + 2) >> 2);
    assert_int_equal(d.data[2], (200 + 201 + 202 + 204 + 2) >> 2);
    cam2_image_free(&s);
    cam2_image_free(&d);

    /* 4x1 -> 2x1 nearest picks pixels 0 and 2; 1x1 -> 3x5 replicates. */
    assert_int_equal(cam2_image_alloc(&s, 4, 1, SP_PIX_GRAY8, 0), 0);
    assert_int_equal(cam2_image_alloc(&d, 2, 1, SP_PIX_GRAY8, 0), 0);
    memcpy(s.data, "\x05\x06\x07\x08", 4);
    known(&s, &d, SP_RESIZE_NEAREST);
    assert_int_equal(d.data[0], 5);
    assert_int_equal(d.data[1], 7);
    cam2_image_free(&s);
    cam2_image_free(&d);
    for (int m = 0; m < 3; m++) {
        assert_int_equal(cam2_image_alloc(&s, 1, 1, SP_PIX_RGBA8, 0), 0);
        assert_int_equal(cam2_image_alloc(&d, 3, 5, SP_PIX_RGBA8, 7), 0);
        memcpy(s.data, "\x09\x80\xff\x01", 4);
        known(&s, &d, (sp_resize_method)m);
        for (uint32_t y = 0; y < 5; y++)
            for (uint32_t x = 0; x < 3; x++)
                assert_memory_equal(d.data + y * d.stride + 4 * x,
                                    "\x09\x80\xff\x01", 4);
        assert_true(cam2_canaries_ok(&d));
        cam2_image_free(&s);
        cam2_image_free(&d);
    }
    /* Same size: linear and area reproduce the input exactly. */
    for (int m = 0; m < 3; m++) {
        assert_int_equal(cam2_image_alloc(&s, 37, 11, SP_PIX_RGB8, 9), 0);
        assert_int_equal(cam2_image_alloc(&d, 37, 11, SP_PIX_RGB8, 0), 0);
        cam2_fill_random(&s, 77);
        known(&s, &d, (sp_resize_method)m);
        assert_int_equal(cam2_compare(&s, &d, 0, NULL), 0);
        cam2_image_free(&s);
        cam2_image_free(&d);
    }
    for (int i = 0; i < 3; i++) {
        sp_kctx_destroy(known_ctx[i]);
        known_ctx[i] = NULL;
    }
}

typedef struct size_case {
    uint32_t sw, sh, dw, dh;
} size_case;

static const size_case cases[] = {
    {1, 1, 1, 1},           {2, 2, 1, 1},          {1, 1, 3, 5},
    {3, 5, 2, 2},           {3, 5, 7, 4},          {5, 3, 33, 17},
    {64, 48, 32, 24},       {97, 61, 40, 29},      {1241, 375, 640, 384},
    {1920, 1080, 640, 384}, {640, 384, 1241, 375}, {1920, 1080, 1920, 1080},
    {2, 700, 70, 3},        {1242, 376, 621, 188}};

static const sp_pixfmt fmts[] = {SP_PIX_GRAY8, SP_PIX_RGB8, SP_PIX_BGR8,
                                 SP_PIX_RGBA8, SP_PIX_F32};

static int big(const size_case *c)
{
    return (size_t)c->sw * c->sh > 1000000 || (size_t)c->dw * c->dh > 1000000;
}

static void backend_vs_scalar(sp_backend b)
{
    sp_kctx *ks = scalar_ctx(), *kb = NULL;
    int rc = cam2_kctx(b, &kb);
    if (rc != SP_OK) {
        sp_kctx_destroy(ks);
        print_message("skipped: %s back-end unavailable here: %s\n",
                      sp_backend_name(b), sp_errmsg());
        skip();
    }
    int checked = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
            for (int m = 0; m < 3; m++) {
                const size_case *sc = &cases[c];
                /* Large frames: every method, but not every 8-bit twin
                 * (BGR8 is RGB8 for resize) to keep the suite quick. */
                if (big(sc) && fmts[f] == SP_PIX_BGR8)
                    continue;
                sp_image s, r, o;
                size_t pad = 3 + (c % 3) * 29;
                assert_int_equal(
                    cam2_image_alloc(&s, sc->sw, sc->sh, fmts[f], pad), 0);
                assert_int_equal(
                    cam2_image_alloc(&r, sc->dw, sc->dh, fmts[f], 0), 0);
                assert_int_equal(
                    cam2_image_alloc(&o, sc->dw, sc->dh, fmts[f], pad + 1), 0);
                cam2_fill_random(&s, (uint32_t)(c * 31 + f * 7 + (size_t)m));
                assert_int_equal(sp_resize(ks, &s, &r, (sp_resize_method)m),
                                 SP_OK);
                assert_int_equal(sp_resize(kb, &s, &o, (sp_resize_method)m),
                                 SP_OK);
                double md = 0;
                size_t bad = cam2_compare(&r, &o, 0, &md);
                if (bad)
                    fail_msg("%s %s %ux%u -> %ux%u %s: %zu elements differ "
                             "(max %g)",
                             sp_backend_name(b), sp_pixfmt_name(fmts[f]),
                             sc->sw, sc->sh, sc->dw, sc->dh,
                             sp_resize_method_name((sp_resize_method)m), bad,
                             md);
                assert_true(cam2_canaries_ok(&o));
                assert_true(cam2_canaries_ok(&r));
                /* What ran is what was asked: a SIMD level without its
                 * own version would fall back to scalar unseen. */
                assert_int_equal(sp_kctx_last_backend(kb), b);
                checked++;
                cam2_image_free(&s);
                cam2_image_free(&r);
                cam2_image_free(&o);
            }
    print_message("%s: %d cases bit-exact with scalar\n",
                  b == SP_BACKEND_SIMD
                      ? sp_simd_level_name(sp_kctx_simd_level(kb))
                      : sp_backend_name(b),
                  checked);
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

/* Outputs past SP__STREAM_MIN with 32-byte aligned rows take
 * AVX2's streaming-store path (the cases above pad every output row, so
 * they never do); a row length that is no multiple of 32 leaves a tail to
 * the scalar code, and the padding canaries must survive it; the last
 * case downscales by more than 2 vertically (RGBA's fused rows). Linear
 * only: the only method that streams. */
static void test_streamed_output(void **state)
{
    (void)state;
    static const struct {
        uint32_t sw, sh, dw, dh;
        sp_pixfmt fmt;
        size_t pad;
    } sc[] = {{640, 384, 1920, 1080, SP_PIX_RGBA8, 0},
              {1241, 375, 4096, 1088, SP_PIX_GRAY8, 0},
              {640, 384, 2001, 700, SP_PIX_RGB8, 13},
              {1920, 1080, 1376, 800, SP_PIX_RGBA8, 32},
              {4000, 3000, 1504, 720, SP_PIX_RGBA8, 0}};
    sp_kctx *ks = scalar_ctx(), *kb = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SIMD, &kb), SP_OK);
    for (size_t c = 0; c < sizeof sc / sizeof sc[0]; c++) {
        sp_image s, r, o;
        assert_int_equal(cam2_image_alloc(&s, sc[c].sw, sc[c].sh, sc[c].fmt, 7),
                         0);
        assert_int_equal(cam2_image_alloc(&r, sc[c].dw, sc[c].dh, sc[c].fmt, 0),
                         0);
        assert_int_equal(
            cam2_image_alloc(&o, sc[c].dw, sc[c].dh, sc[c].fmt, sc[c].pad), 0);
        assert_int_equal(o.stride % 32, 0);
        assert_true(o.stride * o.height >= (size_t)4 << 20);
        cam2_fill_random(&s, (uint32_t)(c + 91));
        assert_int_equal(sp_resize(ks, &s, &r, SP_RESIZE_LINEAR), SP_OK);
        assert_int_equal(sp_resize(kb, &s, &o, SP_RESIZE_LINEAR), SP_OK);
        double md = 0;
        size_t bad = cam2_compare(&r, &o, 0, &md);
        if (bad)
            fail_msg("%s %ux%u -> %ux%u: %zu elements differ (max %g)",
                     sp_pixfmt_name(sc[c].fmt), sc[c].sw, sc[c].sh, sc[c].dw,
                     sc[c].dh, bad, md);
        assert_true(cam2_canaries_ok(&o));
        cam2_image_free(&s);
        cam2_image_free(&r);
        cam2_image_free(&o);
    }
    sp_kctx_destroy(kb);
    sp_kctx_destroy(ks);
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

/* cv2.resize on the same random images: linear and nearest exactly for
 * 8-bit, area within 1 LSB; F32 within 1e-3 (OpenCV's float paths may use
 * FMA). */
static void test_opencv_crosscheck(void **state)
{
    (void)state;
    if (!cam2_have_cv2()) {
        print_message("skipped: /usr/bin/python3 cannot import cv2 (apt-get "
                      "install python3-opencv python3-numpy)\n");
        skip();
    }
    static const size_case cv_cases[] = {
        {2, 2, 1, 1},          {3, 5, 7, 4},           {5, 3, 2, 2},
        {97, 61, 40, 29},      {64, 48, 32, 24},       {61, 37, 200, 150},
        {1241, 375, 640, 384}, {1920, 1080, 640, 384}, {320, 240, 641, 479}};
    static const sp_pixfmt cv_fmts[] = {SP_PIX_GRAY8, SP_PIX_RGB8, SP_PIX_RGBA8,
                                        SP_PIX_F32};
    const int ncase = (int)(sizeof cv_cases / sizeof cv_cases[0]);
    const int nfmt = (int)(sizeof cv_fmts / sizeof cv_fmts[0]);
    const char *dir = cam2_tmpdir();
    size_t stat_off[4][3] = {{0}}, stat_all[4][3] = {{0}};
    double stat_max[4][3] = {{0}};
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_AUTO, &k), SP_OK);
    /* inputs, then one Python run over all of them */
    char script[8192];
    int off = snprintf(script, sizeof script,
                       "import cv2, numpy as np\ncv2.setNumThreads(1)\n"
                       "I = {'linear': cv2.INTER_LINEAR, 'area': "
                       "cv2.INTER_AREA, 'nearest': cv2.INTER_NEAREST}\n"
                       "cases = [\n");
    for (int c = 0; c < ncase; c++)
        for (int f = 0; f < nfmt; f++) {
            const size_case *sc = &cv_cases[c];
            sp_image s;
            assert_int_equal(
                cam2_image_alloc(&s, sc->sw, sc->sh, cv_fmts[f], 16), 0);
            cam2_fill_random(&s, (uint32_t)(1000 + c * 10 + f));
            char path[600];
            snprintf(path, sizeof path, "%s/rs_in_%d_%d.bin", dir, c, f);
            assert_int_equal(cam2_write_rows(path, &s), 0);
            cam2_image_free(&s);
            unsigned ch = sp_pixfmt_channels(cv_fmts[f]);
            off +=
                snprintf(script + off, sizeof script - (size_t)off,
                         " (%d, %d, %u, %u, %u, %u, %u, %d),\n", c, f, sc->sw,
                         sc->sh, ch, sc->dw, sc->dh, cv_fmts[f] == SP_PIX_F32);
        }
    snprintf(script + off, sizeof script - (size_t)off,
             "]\nfor c, f, w, h, ch, dw, dh, isf in cases:\n"
             "    dt = np.float32 if isf else np.uint8\n"
             "    a = np.fromfile('%s/rs_in_%%d_%%d.bin' %% (c, f), dtype=dt)"
             ".reshape(h, w, ch)\n"
             "    for m in I:\n"
             "        o = cv2.resize(a, (dw, dh), interpolation=I[m])\n"
             "        o.astype(dt).tofile('%s/rs_cv_%%d_%%d_%%s.bin' %% (c, f, "
             "m))\n",
             dir, dir);
    assert_int_equal(cam2_run_python(script), 0);

    for (int c = 0; c < ncase; c++)
        for (int f = 0; f < nfmt; f++)
            for (int m = 0; m < 3; m++) {
                const size_case *sc = &cv_cases[c];
                sp_image s, o, cv;
                char path[600];
                assert_int_equal(
                    cam2_image_alloc(&s, sc->sw, sc->sh, cv_fmts[f], 16), 0);
                assert_int_equal(
                    cam2_image_alloc(&o, sc->dw, sc->dh, cv_fmts[f], 8), 0);
                assert_int_equal(
                    cam2_image_alloc(&cv, sc->dw, sc->dh, cv_fmts[f], 0), 0);
                snprintf(path, sizeof path, "%s/rs_in_%d_%d.bin", dir, c, f);
                assert_int_equal(cam2_read_rows(path, &s), 0);
                snprintf(path, sizeof path, "%s/rs_cv_%d_%d_%s.bin", dir, c, f,
                         sp_resize_method_name((sp_resize_method)m));
                assert_int_equal(cam2_read_rows(path, &cv), 0);
                assert_int_equal(sp_resize(k, &s, &o, (sp_resize_method)m),
                                 SP_OK);
                double tol = cv_fmts[f] == SP_PIX_F32
                                 ? 1e-3
                                 : (m == SP_RESIZE_AREA ? 1 : 0);
                double md = 0;
                size_t bad = cam2_compare(&cv, &o, tol, &md);
                size_t ndiff = cam2_compare(&cv, &o, 0, NULL);
                size_t elems =
                    (size_t)sc->dw * sc->dh * sp_pixfmt_channels(cv_fmts[f]);
                stat_off[f][m] += ndiff;
                stat_all[f][m] += elems;
                if (md > stat_max[f][m])
                    stat_max[f][m] = md;
                if (bad)
                    fail_msg(
                        "vs cv2: %s %ux%u -> %ux%u %s: %zu elements off by "
                        "more than %g (max %g)",
                        sp_pixfmt_name(cv_fmts[f]), sc->sw, sc->sh, sc->dw,
                        sc->dh, sp_resize_method_name((sp_resize_method)m), bad,
                        tol, md);
                cam2_image_free(&s);
                cam2_image_free(&o);
                cam2_image_free(&cv);
            }
    for (int f = 0; f < nfmt; f++)
        for (int m = 0; m < 3; m++)
            print_message("vs cv2.resize %-6s %-7s: %zu of %zu elements differ "
                          "(max %g)\n",
                          sp_pixfmt_name(cv_fmts[f]),
                          sp_resize_method_name((sp_resize_method)m),
                          stat_off[f][m], stat_all[f][m], stat_max[f][m]);
    sp_kctx_destroy(k);
}

/* The stage: camera frames come out width x height and equal a direct
 * sp_resize of the same synthetic frame; lidar frames pass untouched; an
 * image it cannot take is an error naming the stage, frame and format. */
static void test_stage(void **state)
{
    (void)state;
    sp_frame *a[16], *b[16];
    sp_pipeline *pa = NULL, *pb = NULL;
    int na =
        cam2_pipeline_frames("synth frames=3 format=rgb8 width=97 height=61 "
                             "! resize width=40 height=29 method=area",
                             SP_BACKEND_AUTO, a, 16, &pa);
    if (na < 0)
        fail_msg("pipeline: %s", sp_errmsg());
    int nb =
        cam2_pipeline_frames("synth frames=3 format=rgb8 width=97 height=61",
                             SP_BACKEND_AUTO, b, 16, &pb);
    assert_int_equal(na, nb);
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    int cams = 0, lidars = 0;
    for (int i = 0; i < na; i++) {
        assert_int_equal(a[i]->payload, b[i]->payload);
        if (a[i]->payload != SP_PAYLOAD_IMAGE) {
            assert_int_equal(a[i]->u.points.count, b[i]->u.points.count);
            lidars++;
            continue;
        }
        assert_int_equal(a[i]->u.image.width, 40);
        assert_int_equal(a[i]->u.image.height, 29);
        assert_int_equal(a[i]->u.image.format, SP_PIX_RGB8);
        assert_int_equal(a[i]->seq, b[i]->seq);
        sp_image ref;
        assert_int_equal(cam2_image_alloc(&ref, 40, 29, SP_PIX_RGB8, 0), 0);
        assert_int_equal(sp_resize(k, &b[i]->u.image, &ref, SP_RESIZE_AREA),
                         SP_OK);
        assert_int_equal(cam2_compare(&ref, &a[i]->u.image, 0, NULL), 0);
        cam2_image_free(&ref);
        cams++;
    }
    assert_int_equal(cams, 3);
    assert_int_equal(lidars, 3);
    cam2_frames_release(a, na);
    cam2_frames_release(b, nb);
    sp_pipeline_destroy(pa);
    sp_pipeline_destroy(pb);
    sp_kctx_destroy(k);

    /* a Bayer mosaic: resize refuses it by name */
    int n = cam2_pipeline_frames("synth frames=1 lidar=false ! resize width=10 "
                                 "height=10",
                                 SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "resize"));
    assert_non_null(strstr(sp_errmsg(), "bayer_rggb8"));
    assert_non_null(strstr(sp_errmsg(), "frame 0"));
    sp_pipeline_destroy(pa);
    /* one side given: the other keeps the 97 x 61 image's aspect ratio,
     * rounded to the nearest pixel (40 * 61 / 97 = 25.2, 10 * 97 / 61 =
     * 15.9), the same pixels as sp_resize to that size */
    const char *one[] = {"resize width=40", "resize height=10"};
    const uint32_t want[][2] = {{40, 25}, {16, 10}};
    nb = cam2_pipeline_frames("synth frames=1 lidar=false format=rgb8 "
                              "width=97 height=61",
                              SP_BACKEND_AUTO, b, 16, &pb);
    assert_int_equal(nb, 1);
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    for (int t = 0; t < 2; t++) {
        char launch[160];
        snprintf(launch, sizeof launch,
                 "synth frames=1 lidar=false format=rgb8 width=97 height=61 "
                 "! %s",
                 one[t]);
        n = cam2_pipeline_frames(launch, SP_BACKEND_AUTO, a, 16, &pa);
        if (n != 1)
            fail_msg("%s: %d frames: %s", launch, n, sp_errmsg());
        assert_int_equal(a[0]->u.image.width, want[t][0]);
        assert_int_equal(a[0]->u.image.height, want[t][1]);
        sp_image ref;
        assert_int_equal(
            cam2_image_alloc(&ref, want[t][0], want[t][1], SP_PIX_RGB8, 0), 0);
        assert_int_equal(sp_resize(k, &b[0]->u.image, &ref, SP_RESIZE_LINEAR),
                         SP_OK);
        assert_int_equal(cam2_compare(&ref, &a[0]->u.image, 0, NULL), 0);
        cam2_image_free(&ref);
        cam2_frames_release(a, n);
        sp_pipeline_destroy(pa);
    }
    sp_kctx_destroy(k);
    cam2_frames_release(b, nb);
    sp_pipeline_destroy(pb);
    /* an aspect that would need a side past 16384: refused, not squeezed
     * (97 x 61 at height=16384 is 26053 wide) */
    n = cam2_pipeline_frames("synth frames=1 lidar=false format=rgb8 "
                             "width=97 height=61 ! resize height=16384",
                             SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "height=16384 keeps the 97x61 image's "
                                        "aspect ratio at width=26053, past "
                                        "the largest 16384"));
    sp_pipeline_destroy(pa);
    /* neither: refused, naming both */
    n = cam2_pipeline_frames("synth frames=1 ! resize", SP_BACKEND_AUTO, a, 16,
                             &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "stage 'resize': no output size: "
                                        "expected width=, height= or both"));
    sp_pipeline_destroy(pa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_errors),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_simd_vs_scalar),
        cmocka_unit_test_teardown(test_sse41_vs_scalar, cam2_simd_restore),
        cmocka_unit_test(test_streamed_output),
        cmocka_unit_test(test_opencl_vs_scalar),
        cmocka_unit_test(test_opencv_crosscheck),
        cmocka_unit_test(test_stage),
    };
    /* SP_TEST_FILTER=test_name runs one test (cmocka pattern). */
    if (getenv("SP_TEST_FILTER"))
        cmocka_set_test_filter(getenv("SP_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
