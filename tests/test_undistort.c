/* ctest-label: simd */
/* ctest-timeout: 120 */
/* undistort: the map (key, errors, the principal point maps to itself),
 * identity (zero distortion reproduces the input exactly on every
 * back-end), every back-end against the scalar reference with real-looking
 * distortion on awkward sizes and padded strides, and cross-checks with
 * cv2.initUndistortRectifyMap + cv2.remap and cv2.undistort when
 * /usr/bin/python3 has OpenCV. */
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
#include "pipeline_test_stages.h"
#include "sp_pipeline.h"
#include "sp_undistort.h"

typedef struct cam {
    uint32_t w, h;
    double K[9];
    double dist[5];
} cam;

/* A camera for a size: KITTI-like for 1241x375, a 1080p lens, and a
 * generic one (f = largest side, centred) for small sizes. */
static cam camera_for(uint32_t w, uint32_t h)
{
    cam c = {.w = w, .h = h};
    double f = w > h ? w : h, cx = (w - 1) * 0.5 + 0.3,
           cy = (h - 1) * 0.5 - 0.2;
    double d[5] = {-0.25, 0.08, 0.0007, -0.0004, -0.01};
    if (w == 1241 && h == 375) {
        f = 721.5377, cx = 609.5593, cy = 172.854;
        d[0] = -0.3691481, d[1] = 0.1968681, d[2] = 0.001353473,
        d[3] = 0.0005677587, d[4] = -0.06770705;
    } else if (w == 1920 && h == 1080) {
        f = 1400, cx = 961.7, cy = 538.2;
        d[0] = -0.28, d[1] = 0.07, d[2] = 0.0005, d[3] = -0.0002, d[4] = 0;
    }
    double K[9] = {f, 0, cx, 0, f * 1.001, cy, 0, 0, 1};
    memcpy(c.K, K, sizeof K);
    memcpy(c.dist, d, sizeof d);
    return c;
}

typedef struct map_buf {
    sp_undistort_map m;
    void *mem;
} map_buf;

static void map_build(map_buf *mb, const cam *c, int zero_dist)
{
    memset(mb, 0, sizeof *mb);
    size_t sz = sp_undistort_map_size(c->w, c->h);
    assert_true(sz > 0);
    mb->mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
    assert_non_null(mb->mem);
    static const double zero[5] = {0};
    assert_int_equal(sp_undistort_map_init(&mb->m, mb->mem, sz, c->K,
                                           zero_dist ? zero : c->dist, c->w,
                                           c->h),
                     SP_OK);
}

static void map_free(map_buf *mb)
{
    free(mb->mem);
    mb->mem = NULL;
}

static void test_map_and_errors(void **state)
{
    (void)state;
    cam c = camera_for(64, 48);
    assert_int_equal(sp_undistort_map_size(0, 5), 0);
    size_t sz = sp_undistort_map_size(64, 48);
    assert_true(sz >= 64 * 48 * 6);
    void *mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
    assert_non_null(mem);
    sp_undistort_map m = {0};
    assert_int_equal(
        sp_undistort_map_init(&m, mem, sz - 1, c.K, c.dist, 64, 48), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "bytes"));
    double bad[9] = {0, 0, 32, 0, 0, 24, 0, 0, 1};
    assert_int_equal(sp_undistort_map_init(&m, mem, sz, bad, c.dist, 64, 48),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "not invertible"));
    assert_false(sp_undistort_map_matches(&m, c.K, c.dist, 64, 48));
    assert_int_equal(sp_undistort_map_init(&m, mem, sz, c.K, c.dist, 64, 48),
                     SP_OK);
    assert_true(sp_undistort_map_matches(&m, c.K, c.dist, 64, 48));
    assert_false(sp_undistort_map_matches(&m, c.K, c.dist, 64, 47));
    cam c2 = c;
    c2.dist[4] += 1e-9;
    assert_false(sp_undistort_map_matches(&m, c2.K, c2.dist, 64, 48));
    /* The centre of distortion does not move: pixel (32, 24) of a camera
     * with its principal point there samples exactly itself. */
    double Kc[9] = {50, 0, 32, 0, 50, 24, 0, 0, 1};
    assert_int_equal(sp_undistort_map_init(&m, mem, sz, Kc, c.dist, 64, 48),
                     SP_OK);
    assert_int_equal(m.xy[2 * (24 * 64 + 32)], 32);
    assert_int_equal(m.xy[2 * (24 * 64 + 32) + 1], 24);
    assert_int_equal(m.frac[24 * 64 + 32], 0);
    /* Barrel distortion (k1 < 0) pulled the edges of the picture inward,
     * so the undistorted corner samples a point inside the frame, closer
     * to the centre. */
    assert_true(m.xy[0] > 0 && m.xy[1] > 0);
    assert_true(m.xy[0] < 32 && m.xy[1] < 24);

    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    sp_image a, b;
    assert_int_equal(cam2_image_alloc(&a, 64, 48, SP_PIX_RGB8, 0), 0);
    assert_int_equal(cam2_image_alloc(&b, 64, 47, SP_PIX_RGB8, 0), 0);
    assert_int_equal(sp_undistort(k, &m, &a, &b), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "expected the map's 64x48"));
    b.height = 48;
    b.format = SP_PIX_GRAY8;
    assert_int_equal(sp_undistort(k, &m, &a, &b), SP_EINVAL);
    b.format = SP_PIX_RGB8;
    b.stride = 100;
    assert_int_equal(sp_undistort(k, &m, &a, &b), SP_EINVAL);
    sp_undistort_map empty = {0};
    assert_int_equal(sp_undistort(k, &empty, &a, &a), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "not built"));
    cam2_image_free(&a);
    cam2_image_free(&b);
    sp_kctx_destroy(k);
    free(mem);
}

static const uint32_t sizes[][2] = {{1, 1},   {2, 2},      {3, 5},      {9, 7},
                                    {67, 41}, {1241, 375}, {1920, 1080}};
static const sp_pixfmt fmts[] = {SP_PIX_GRAY8, SP_PIX_RGB8, SP_PIX_BGR8,
                                 SP_PIX_RGBA8, SP_PIX_F32};
#define NSIZES (sizeof sizes / sizeof sizes[0])
#define NFMTS (sizeof fmts / sizeof fmts[0])

/* Zero distortion: every output pixel samples itself with weight 1. */
static void test_identity(void **state)
{
    (void)state;
    sp_backend bs[] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD, SP_BACKEND_OPENCL};
    for (int bi = 0; bi < 3; bi++) {
        sp_kctx *k = NULL;
        if (cam2_kctx(bs[bi], &k) != SP_OK) {
            print_message("identity: %s unavailable, not run\n",
                          sp_backend_name(bs[bi]));
            continue;
        }
        for (size_t s = 0; s < NSIZES; s++) {
            cam c = camera_for(sizes[s][0], sizes[s][1]);
            map_buf mb;
            map_build(&mb, &c, 1);
            for (size_t f = 0; f < NFMTS; f++) {
                if (s == NSIZES - 1 && f != 1)
                    continue; /* 1080p once (RGB8) is enough here */
                sp_image in, out;
                assert_int_equal(
                    cam2_image_alloc(&in, c.w, c.h, fmts[f], 5 + s), 0);
                assert_int_equal(cam2_image_alloc(&out, c.w, c.h, fmts[f], 3),
                                 0);
                cam2_fill_random(&in, (uint32_t)(s * 5 + f));
                assert_int_equal(sp_undistort(k, &mb.m, &in, &out), SP_OK);
                if (cam2_compare(&in, &out, 0, NULL) != 0)
                    fail_msg("identity %s %s %ux%u changed pixels",
                             sp_backend_name(bs[bi]), sp_pixfmt_name(fmts[f]),
                             c.w, c.h);
                assert_true(cam2_canaries_ok(&out));
                cam2_image_free(&in);
                cam2_image_free(&out);
            }
            map_free(&mb);
        }
        sp_kctx_destroy(k);
    }
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
    int n = 0;
    for (size_t s = 0; s < NSIZES; s++) {
        cam c = camera_for(sizes[s][0], sizes[s][1]);
        map_buf mb;
        map_build(&mb, &c, 0);
        for (size_t f = 0; f < NFMTS; f++) {
            sp_image in, r, o;
            assert_int_equal(
                cam2_image_alloc(&in, c.w, c.h, fmts[f], 1 + s * 7), 0);
            assert_int_equal(cam2_image_alloc(&r, c.w, c.h, fmts[f], 0), 0);
            assert_int_equal(cam2_image_alloc(&o, c.w, c.h, fmts[f], 2 + s), 0);
            cam2_fill_random(&in, (uint32_t)(100 + s * 5 + f));
            assert_int_equal(sp_undistort(ks, &mb.m, &in, &r), SP_OK);
            assert_int_equal(sp_undistort(kb, &mb.m, &in, &o), SP_OK);
            double md = 0;
            size_t bad = cam2_compare(&r, &o, 0, &md);
            if (bad)
                fail_msg(
                    "%s %s %ux%u: %zu elements differ from scalar (max %g)",
                    sp_backend_name(b), sp_pixfmt_name(fmts[f]), c.w, c.h, bad,
                    md);
            assert_true(cam2_canaries_ok(&o));
            /* What ran is what was asked: a SIMD level without its own
             * version would fall back to scalar unseen. */
            assert_int_equal(sp_kctx_last_backend(kb), b);
            if (b == SP_BACKEND_SIMD)
                assert_int_equal(sp_kctx_last_simd(kb), sp_kctx_simd_level(kb));
            cam2_image_free(&in);
            cam2_image_free(&r);
            cam2_image_free(&o);
            n++;
        }
        map_free(&mb);
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

static void test_opencl_vs_scalar(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    print_message("skipped: built without OpenCL\n");
    skip();
#endif
    backend_vs_scalar(SP_BACKEND_OPENCL);
}

/* A pincushion lens (k1 > 0, like the Raspberry Pi camera of the ubiquity
 * bag) makes the undistorted corners sample just outside the picture: taps
 * at x = -1 or y = -1 are the constant border (0) there. The image sits in
 * a larger buffer whose bytes before each row and above the first are not
 * 0, so a back-end that read them instead would differ from scalar. (The
 * AVX2 version once let x = -1 and y = -1 through its inside test.) */
static void test_sse41_vs_scalar(void **state)
{
    (void)state;
    if (cam2_simd_force("sse41") != 0) {
        print_message("skipped: this CPU does not run SSE4.1\n");
        skip();
    }
    backend_vs_scalar(SP_BACKEND_SIMD);
}

static void simd_vs_scalar_border(void);

static void test_simd_vs_scalar_border(void **state)
{
    (void)state;
    simd_vs_scalar_border();
}

/* The border cases with SSE4.1 on an AVX2 machine. */
static void test_sse41_vs_scalar_border(void **state)
{
    (void)state;
    if (cam2_simd_force("sse41") != 0) {
        print_message("skipped: this CPU does not run SSE4.1\n");
        skip();
    }
    simd_vs_scalar_border();
}

static void simd_vs_scalar_border(void)
{
    sp_kctx *ks = NULL, *kb = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &ks), SP_OK);
    assert_int_equal(cam2_kctx(SP_BACKEND_SIMD, &kb), SP_OK);
    static const uint32_t dims[][2] = {{67, 41}, {640, 480}};
    static const sp_pixfmt bfmts[] = {SP_PIX_GRAY8, SP_PIX_RGB8, SP_PIX_RGBA8,
                                      SP_PIX_F32};
    for (size_t s = 0; s < 2; s++) {
        uint32_t w = dims[s][0], h = dims[s][1];
        double f = 0.9 * w;
        cam c = {.w = w,
                 .h = h,
                 .K = {f, 0, (w - 1) * 0.5 + 0.3, 0, f, (h - 1) * 0.5 - 0.2, 0,
                       0, 1},
                 .dist = {0.35, 0.1, 0.001, -0.002, 0}};
        map_buf mb;
        map_build(&mb, &c, 0);
        size_t edge = 0;
        for (size_t p = 0; p < (size_t)w * h; p++)
            edge += mb.m.xy[2 * p] == -1 || mb.m.xy[2 * p + 1] == -1;
        assert_true(edge > 0);
        for (size_t fi = 0; fi < 4; fi++) {
            size_t row = sp_image_row_bytes(w, bfmts[fi]);
            size_t stride = row + 64;
            uint8_t *buf = malloc(stride * (h + 2) + 64);
            assert_non_null(buf);
            for (size_t i = 0; i < stride * (h + 2) + 64; i++)
                buf[i] = (uint8_t)(0xA5 ^ (i * 7));
            sp_image in = {.data = buf + stride + 64,
                           .width = w,
                           .height = h,
                           .stride = stride,
                           .format = bfmts[fi]};
            sp_image r, o;
            assert_int_equal(cam2_image_alloc(&r, w, h, bfmts[fi], 0), 0);
            assert_int_equal(cam2_image_alloc(&o, w, h, bfmts[fi], 0), 0);
            assert_int_equal(sp_undistort(ks, &mb.m, &in, &r), SP_OK);
            assert_int_equal(sp_undistort(kb, &mb.m, &in, &o), SP_OK);
            double md = 0;
            size_t bad = cam2_compare(&r, &o, 0, &md);
            if (bad)
                fail_msg("%s %s %ux%u, %zu pixels sampling x or y = -1: "
                         "%zu elements differ from scalar (max %g)",
                         sp_simd_level_name(sp_kctx_simd_level(kb)),
                         sp_pixfmt_name(bfmts[fi]), w, h, edge, bad, md);
            assert_int_equal(sp_kctx_last_backend(kb), SP_BACKEND_SIMD);
            cam2_image_free(&r);
            cam2_image_free(&o);
            free(buf);
        }
        map_free(&mb);
    }
    sp_kctx_destroy(kb);
    sp_kctx_destroy(ks);
}

static void *read_file(const char *path, size_t bytes)
{
    void *p = malloc(bytes);
    assert_non_null(p);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(p, 1, bytes, f), bytes);
    fclose(f);
    return p;
}

/* Against OpenCV: (1) our table vs cv2.initUndistortRectifyMap(K, D, None,
 * K, size, CV_16SC2); (2) our sampler on OpenCV's own table vs cv2.remap
 * (must be exact for 8-bit: same weights); (3) our whole undistort vs
 * cv2.undistort. */
static void test_opencv_crosscheck(void **state)
{
    (void)state;
    if (!cam2_have_cv2()) {
        print_message("skipped: /usr/bin/python3 cannot import cv2\n");
        skip();
    }
    const char *dir = cam2_tmpdir();
    typedef struct cvcase {
        uint32_t w, h;
        sp_pixfmt fmt;
    } cvcase;
    static const cvcase cases[] = {
        {67, 41, SP_PIX_GRAY8},   {67, 41, SP_PIX_RGB8},
        {67, 41, SP_PIX_F32},     {1241, 375, SP_PIX_GRAY8},
        {1241, 375, SP_PIX_RGB8}, {1241, 375, SP_PIX_F32},
        {1920, 1080, SP_PIX_RGB8}};
    const size_t ncases = sizeof cases / sizeof cases[0];
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_AUTO, &k), SP_OK);

    /* Inputs: smooth content (a real picture is smooth; pure noise would
     * magnify every 1/32 pixel difference) plus a little noise. */
    char script[8192];
    int off = snprintf(script, sizeof script,
                       "import cv2, numpy as np\ncv2.setNumThreads(1)\n"
                       "cases = [\n");
    for (size_t i = 0; i < ncases; i++) {
        const cvcase *cc = &cases[i];
        cam c = camera_for(cc->w, cc->h);
        unsigned ch = sp_pixfmt_channels(cc->fmt);
        int isf = cc->fmt == SP_PIX_F32;
        sp_image in;
        assert_int_equal(cam2_image_alloc(&in, c.w, c.h, cc->fmt, 0), 0);
        cam2_fill_random(&in, (uint32_t)(7 + i));
        for (uint32_t y = 0; y < c.h; y++)
            for (uint32_t x = 0; x < c.w * ch; x++) {
                double v =
                    127 + 100 * sin(x * 0.05 + y * 0.031) * cos(y * 0.02);
                if (isf)
                    ((float *)(void *)(in.data + y * in.stride))[x] = (float)v;
                else
                    in.data[y * in.stride + x] =
                        (uint8_t)(v + (in.data[y * in.stride + x] & 3));
            }
        char pin[600];
        snprintf(pin, sizeof pin, "%s/ud_in_%zu.bin", dir, i);
        assert_int_equal(cam2_write_rows(pin, &in), 0);
        cam2_image_free(&in);
        off += snprintf(script + off, sizeof script - (size_t)off,
                        " (%zu, %u, %u, %u, %d, [%.17g, %.17g, %.17g, %.17g, "
                        "%.17g, %.17g, %.17g, %.17g, %.17g], [%.17g, %.17g, "
                        "%.17g, %.17g, %.17g]),\n",
                        i, c.w, c.h, ch, isf, c.K[0], c.K[1], c.K[2], c.K[3],
                        c.K[4], c.K[5], c.K[6], c.K[7], c.K[8], c.dist[0],
                        c.dist[1], c.dist[2], c.dist[3], c.dist[4]);
    }
    snprintf(
        script + off, sizeof script - (size_t)off,
        "]\nd = '%s'\n"
        "for i, w, h, ch, isf, K, D in cases:\n"
        "    K = np.array(K).reshape(3, 3); D = np.array(D)\n"
        "    a = np.fromfile('%%s/ud_in_%%d.bin' %% (d, i), dtype=np.float32 "
        "if isf else np.uint8).reshape(h, w, ch)\n"
        "    m1, m2 = cv2.initUndistortRectifyMap(K, D, None, K, (w, h), "
        "cv2.CV_16SC2)\n"
        "    m1.tofile('%%s/ud_m1_%%d.bin' %% (d, i)); "
        "m2.tofile('%%s/ud_m2_%%d.bin' %% (d, i))\n"
        "    cv2.remap(a, m1, m2, cv2.INTER_LINEAR, borderMode="
        "cv2.BORDER_CONSTANT, borderValue=0).tofile('%%s/ud_remap_%%d.bin' "
        "%% (d, i))\n"
        "    cv2.undistort(a, K, D).tofile('%%s/ud_undist_%%d.bin' %% (d, "
        "i))\n",
        dir);
    assert_int_equal(cam2_run_python(script), 0);

    for (size_t i = 0; i < ncases; i++) {
        const cvcase *cc = &cases[i];
        cam c = camera_for(cc->w, cc->h);
        unsigned ch = sp_pixfmt_channels(cc->fmt);
        int isf = cc->fmt == SP_PIX_F32;
        sp_image in, ours, cvr, cvu;
        assert_int_equal(cam2_image_alloc(&in, c.w, c.h, cc->fmt, 0), 0);
        assert_int_equal(cam2_image_alloc(&ours, c.w, c.h, cc->fmt, 0), 0);
        assert_int_equal(cam2_image_alloc(&cvr, c.w, c.h, cc->fmt, 0), 0);
        assert_int_equal(cam2_image_alloc(&cvu, c.w, c.h, cc->fmt, 0), 0);
        char path[600];
        snprintf(path, sizeof path, "%s/ud_in_%zu.bin", dir, i);
        assert_int_equal(cam2_read_rows(path, &in), 0);
        snprintf(path, sizeof path, "%s/ud_remap_%zu.bin", dir, i);
        assert_int_equal(cam2_read_rows(path, &cvr), 0);
        snprintf(path, sizeof path, "%s/ud_undist_%zu.bin", dir, i);
        assert_int_equal(cam2_read_rows(path, &cvu), 0);
        size_t npx = (size_t)c.w * c.h;
        snprintf(path, sizeof path, "%s/ud_m1_%zu.bin", dir, i);
        int16_t *m1 = read_file(path, npx * 4);
        snprintf(path, sizeof path, "%s/ud_m2_%zu.bin", dir, i);
        uint16_t *m2 = read_file(path, npx * 2);

        /* (1) the tables, in 1/32 pixel */
        map_buf mb;
        map_build(&mb, &c, 0);
        size_t map_diff = 0;
        int worst32 = 0;
        for (size_t p = 0; p < npx; p++) {
            int ox = mb.m.xy[2 * p] * 32 + (mb.m.frac[p] & 31);
            int oy = mb.m.xy[2 * p + 1] * 32 + (mb.m.frac[p] >> 5);
            int cx = m1[2 * p] * 32 + (m2[p] & 31);
            int cy = m1[2 * p + 1] * 32 + (m2[p] >> 5);
            int d = abs(ox - cx) > abs(oy - cy) ? abs(ox - cx) : abs(oy - cy);
            if (d) {
                map_diff++;
                if (d > worst32)
                    worst32 = d;
            }
        }
        /* (2) our sampler on OpenCV's table */
        sp_undistort_map cvm = mb.m;
        cvm.xy = m1;
        cvm.frac = m2;
        assert_int_equal(sp_undistort(k, &cvm, &in, &ours), SP_OK);
        double md_r = 0;
        size_t bad_r = cam2_compare(&cvr, &ours, isf ? 1e-3 : 0, &md_r);
        /* (3) the whole thing vs cv2.undistort */
        assert_int_equal(sp_undistort(k, &mb.m, &in, &ours), SP_OK);
        double md_u = 0;
        size_t bad_u = cam2_compare(&cvu, &ours, isf ? 1e-3 : 0, &md_u);
        size_t bad_u2 = cam2_compare(&cvu, &ours, isf ? 0.05 : 2, NULL);
        print_message("%s %ux%u: table %zu/%zu px differ (max %d/32 px); "
                      "remap on cv table: %zu differ (max %g); vs "
                      "cv2.undistort: %zu elements differ (max %g), %zu by "
                      "more than %s\n",
                      sp_pixfmt_name(cc->fmt), c.w, c.h, map_diff, npx, worst32,
                      bad_r, md_r, bad_u, md_u, bad_u2, isf ? "0.05" : "2");
        assert_int_equal(bad_r, 0);
        assert_true(map_diff * 1000 <= npx); /* <= 0.1 % of the table */
        assert_true(worst32 <= 1);
        assert_true(bad_u2 * 1000 <= npx * ch);
        free(m1);
        free(m2);
        map_free(&mb);
        cam2_image_free(&in);
        cam2_image_free(&ours);
        cam2_image_free(&cvr);
        cam2_image_free(&cvu);
    }
    sp_kctx_destroy(k);
}

/* The stage: K/dist from properties give the same pixels as a direct
 * sp_undistort; the synthetic camera (zero distortion) passes through;
 * lidar frames pass untouched; a frame without calibration and an
 * incomplete fx/fy/cx/cy set are errors naming what is missing. */
static void test_stage(void **state)
{
    (void)state;
    sp_frame *a[16], *b[16];
    sp_pipeline *pa = NULL, *pb = NULL;
    int na =
        cam2_pipeline_frames("synth frames=2 format=rgb8 width=97 height=61 "
                             "! undistort fx=80 fy=81 cx=48.5 cy=30.2 "
                             "k1=-0.3 k2=0.1 p1=0.001 p2=-0.002",
                             SP_BACKEND_AUTO, a, 16, &pa);
    if (na < 0)
        fail_msg("pipeline: %s", sp_errmsg());
    int nb =
        cam2_pipeline_frames("synth frames=2 format=rgb8 width=97 height=61",
                             SP_BACKEND_AUTO, b, 16, &pb);
    assert_int_equal(na, nb);
    cam c = {.w = 97,
             .h = 61,
             .K = {80, 0, 48.5, 0, 81, 30.2, 0, 0, 1},
             .dist = {-0.3, 0.1, 0.001, -0.002, 0}};
    map_buf mb;
    map_build(&mb, &c, 0);
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    int cams = 0;
    for (int i = 0; i < na; i++) {
        if (b[i]->payload != SP_PAYLOAD_IMAGE) {
            assert_int_equal(a[i]->payload, SP_PAYLOAD_POINTS);
            continue;
        }
        sp_image ref;
        assert_int_equal(cam2_image_alloc(&ref, 97, 61, SP_PIX_RGB8, 0), 0);
        assert_int_equal(sp_undistort(k, &mb.m, &b[i]->u.image, &ref), SP_OK);
        assert_int_equal(cam2_compare(&ref, &a[i]->u.image, 0, NULL), 0);
        /* and the picture did change */
        assert_true(cam2_compare(&b[i]->u.image, &a[i]->u.image, 0, NULL) > 0);
        cam2_image_free(&ref);
        cams++;
    }
    assert_int_equal(cams, 2);
    cam2_frames_release(a, na);
    cam2_frames_release(b, nb);
    sp_pipeline_destroy(pa);
    sp_pipeline_destroy(pb);
    map_free(&mb);
    sp_kctx_destroy(k);

    /* synth's own calibration has zero distortion: frames pass through */
    na = cam2_pipeline_frames("synth frames=1 lidar=false format=rgb8 width=40 "
                              "height=20 ! undistort",
                              SP_BACKEND_AUTO, a, 16, &pa);
    nb = cam2_pipeline_frames("synth frames=1 lidar=false format=rgb8 width=40 "
                              "height=20",
                              SP_BACKEND_AUTO, b, 16, &pb);
    assert_int_equal(na, 1);
    assert_int_equal(nb, 1);
    assert_int_equal(cam2_compare(&a[0]->u.image, &b[0]->u.image, 0, NULL), 0);
    cam2_frames_release(a, na);
    cam2_frames_release(b, nb);
    sp_pipeline_destroy(pa);
    sp_pipeline_destroy(pb);

    /* no calibration anywhere */
    pt_register();
    int n = cam2_pipeline_frames("tsrc frames=2 kind=camera ! undistort",
                                 SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "no camera matrix"));
    assert_non_null(strstr(sp_errmsg(), "fx, fy, cx, cy"));
    sp_pipeline_destroy(pa);
    n = cam2_pipeline_frames(
        "tsrc frames=2 kind=camera ! undistort fx=10 fy=10 cx=3",
        SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "'cy' missing"));
    sp_pipeline_destroy(pa);
    /* every distortion model of a frame's calibration is undistorted (the
     * tables themselves are checked in test_models) */
    for (int model = 1; model <= 2; model++) {
        char launch[128];
        snprintf(launch, sizeof launch,
                 "tsrc frames=2 kind=camera dist_model=%d ! undistort", model);
        n = cam2_pipeline_frames(launch, SP_BACKEND_AUTO, a, 16, &pa);
        if (n < 0)
            fail_msg("model %d: %s", model, sp_errmsg());
        assert_int_equal(n, 2);
        cam2_frames_release(a, n);
        sp_pipeline_destroy(pa);
    }
    n = cam2_pipeline_frames("tsrc frames=2 kind=camera dist_model=0 ! "
                             "undistort",
                             SP_BACKEND_AUTO, a, 16, &pa);
    if (n < 0)
        fail_msg("plumb_bob: %s", sp_errmsg());
    assert_int_equal(n, 2);
    cam2_frames_release(a, n);
    sp_pipeline_destroy(pa);
    n = cam2_pipeline_frames(
        "tsrc frames=2 kind=camera ! undistort calib=/nonexistent/calib.txt",
        SP_BACKEND_AUTO, a, 16, &pa);
    assert_int_equal(n, SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "/nonexistent/calib.txt"));
    sp_pipeline_destroy(pa);
}

/* The tables of the rational_polynomial and equidistant (fisheye) models
 * against OpenCV's formulas written again in numpy (double precision, the
 * coefficient orders of ROS CameraInfo), and against OpenCV itself
 * (cv2.initUndistortRectifyMap with 8 coefficients, cv2.fisheye.
 * initUndistortRectifyMap) where /usr/bin/python3 has cv2. Positions are
 * compared in 1/32 pixel; a position within rounding noise of a step may
 * differ by one step (0.1% of the table at most), as in
 * test_opencv_crosscheck. */
static void test_models(void **state)
{
    (void)state;
    const char *dir = cam2_tmpdir();
    enum { W = 97, H = 61 };
    static const double K[9] = {80, 0, 47.6, 0, 78, 30.3, 0, 0, 1};
    static const sp_undistort_lens lenses[] = {
        {SP_UNDISTORT_RATIONAL,
         {-0.31, 0.12, 0.0011, -0.0007, -0.02, 0.05, 0.01, -0.004}},
        {SP_UNDISTORT_EQUIDISTANT, {-0.03, 0.011, -0.004, 0.0009, 0, 0, 0, 0}},
        {SP_UNDISTORT_EQUIDISTANT, {0}}};
    size_t sz = sp_undistort_map_size(W, H);
    void *mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
    assert_non_null(mem);
    for (size_t l = 0; l < sizeof lenses / sizeof lenses[0]; l++) {
        const sp_undistort_lens *lens = &lenses[l];
        sp_undistort_map m;
        memset(&m, 0, sizeof m);
        assert_int_equal(sp_undistort_map_init_lens(&m, mem, sz, K, lens, W, H),
                         SP_OK);
        assert_true(sp_undistort_map_matches_lens(&m, K, lens, W, H));
        assert_false(sp_undistort_map_matches(&m, K, lens->k, W, H));
        char script[4096], out_np[600], out_cv[600];
        snprintf(out_np, sizeof out_np, "%s/models_np_%zu.bin", dir, l);
        snprintf(out_cv, sizeof out_cv, "%s/models_cv_%zu.bin", dir, l);
        remove(out_cv);
        snprintf(
            script, sizeof script,
            "import numpy as np\n"
            "K = np.array([%.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, "
            "%.17g, %.17g]).reshape(3, 3)\n"
            "k = [%.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g]\n"
            "fisheye = %d\nW, H = %d, %d\n"
            "j, i = np.meshgrid(np.arange(W, dtype=np.float64), "
            "np.arange(H, dtype=np.float64))\n"
            "Ki = np.linalg.inv(K)\n"
            "X = Ki[0,0]*j + Ki[0,1]*i + Ki[0,2]; Y = Ki[1,0]*j + Ki[1,1]*i + "
            "Ki[1,2]; Z = Ki[2,0]*j + Ki[2,1]*i + Ki[2,2]\n"
            "x = X / Z; y = Y / Z; r2 = x*x + y*y\n"
            "if fisheye:\n"
            "    r = np.sqrt(r2); t = np.arctan(r); t2 = t*t\n"
            "    td = t*(1 + k[0]*t2 + k[1]*t2**2 + k[2]*t2**3 + k[3]*t2**4)\n"
            "    s = np.where(r > 0, td / np.where(r > 0, r, 1), 1.0)\n"
            "    xd = x*s; yd = y*s\n"
            "else:\n"
            "    kr = (1 + k[0]*r2 + k[1]*r2**2 + k[4]*r2**3) / (1 + k[5]*r2 + "
            "k[6]*r2**2 + k[7]*r2**3)\n"
            "    xd = x*kr + 2*k[2]*x*y + k[3]*(r2 + 2*x*x)\n"
            "    yd = y*kr + k[2]*(r2 + 2*y*y) + 2*k[3]*x*y\n"
            "u = np.rint((K[0,0]*xd + K[0,2])*32).astype(np.int64)\n"
            "v = np.rint((K[1,1]*yd + K[1,2])*32).astype(np.int64)\n"
            "np.stack([u, v], axis=-1).astype(np.int32).tofile('%s')\n"
            "try:\n"
            "    import cv2\n"
            "except ImportError:\n"
            "    raise SystemExit(0)\n"
            "if fisheye:\n"
            "    m1, m2 = cv2.fisheye.initUndistortRectifyMap(K, "
            "np.array(k[:4]), np.eye(3), K, (W, H), cv2.CV_16SC2)\n"
            "else:\n"
            "    m1, m2 = cv2.initUndistortRectifyMap(K, np.array(k), None, K, "
            "(W, H), cv2.CV_16SC2)\n"
            "u = m1[..., 0].astype(np.int64)*32 + (m2 & 31)\n"
            "v = m1[..., 1].astype(np.int64)*32 + (m2 >> 5)\n"
            "np.stack([u, v], axis=-1).astype(np.int32).tofile('%s')\n",
            K[0], K[1], K[2], K[3], K[4], K[5], K[6], K[7], K[8], lens->k[0],
            lens->k[1], lens->k[2], lens->k[3], lens->k[4], lens->k[5],
            lens->k[6], lens->k[7], lens->model == SP_UNDISTORT_EQUIDISTANT, W,
            H, out_np, out_cv);
        if (cam2_run_python(script) != 0) {
            print_message("skipped: /usr/bin/python3 with numpy is needed\n");
            free(mem);
            skip();
        }
        const char *outs[2] = {out_np, out_cv};
        for (int o = 0; o < 2; o++) {
            FILE *f = fopen(outs[o], "rb");
            if (!f) {
                if (o == 1)
                    print_message("model %zu: cv2 not installed, numpy only\n",
                                  l);
                continue;
            }
            static int32_t want[W * H * 2];
            assert_int_equal(fread(want, sizeof want[0], W * H * 2, f),
                             W * H * 2);
            fclose(f);
            size_t off = 0;
            for (size_t p = 0; p < (size_t)W * H; p++) {
                int32_t u = m.xy[2 * p] * 32 + (m.frac[p] & 31);
                int32_t v = m.xy[2 * p + 1] * 32 + (m.frac[p] >> 5);
                int du = abs(u - want[2 * p]), dv = abs(v - want[2 * p + 1]);
                if (du > 1 || dv > 1)
                    fail_msg("model %zu vs %s: pixel %zu at (%d, %d)/32, "
                             "expected (%d, %d)/32",
                             l, o ? "cv2" : "numpy", p, u, v, want[2 * p],
                             want[2 * p + 1]);
                off += du || dv;
            }
            if (off * 1000 > (size_t)W * H)
                fail_msg("model %zu vs %s: %zu of %d positions off by 1/32", l,
                         o ? "cv2" : "numpy", off, W * H);
        }
    }
    /* Bad lenses are refused. */
    sp_undistort_map m;
    sp_undistort_lens bad = {(sp_undistort_model)7, {0}};
    assert_int_equal(sp_undistort_map_init_lens(&m, mem, sz, K, &bad, W, H),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "distortion model 7"));
    bad.model = SP_UNDISTORT_RATIONAL;
    bad.k[6] = NAN;
    assert_int_equal(sp_undistort_map_init_lens(&m, mem, sz, K, &bad, W, H),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "coefficient 6 is not finite"));
    free(mem);
}

/* calib= with a KITTI raw calib_cam_to_cam.txt (camera 2 of the
 * 2011_09_26 drives, written to the test's scratch folder): the table comes
 * from K_02/D_02 and the frame size must be S_02's. */
static void test_stage_kitti_calib(void **state)
{
    (void)state;
    char path[700];
    snprintf(path, sizeof path, "%s/calib_cam_to_cam.txt", cam2_tmpdir());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("calib_time: 09-Jan-2012 13:57:47\n"
          "corner_dist: 9.950000e-02\n"
          "S_02: 1.392000e+03 5.120000e+02\n"
          "K_02: 9.597910e+02 0.000000e+00 6.960217e+02 0.000000e+00 "
          "9.569251e+02 2.241806e+02 0.000000e+00 0.000000e+00 1.000000e+00\n"
          "D_02: -3.691481e-01 1.968681e-01 1.353473e-03 5.677587e-04 "
          "-6.770705e-02\n",
          f);
    fclose(f);
    char launch[1400];
    snprintf(launch, sizeof launch,
             "synth frames=1 lidar=false format=rgb8 "
             "width=1392 height=512 ! undistort calib=%s camera=2",
             path);
    sp_frame *a[4], *b[4];
    sp_pipeline *pa = NULL, *pb = NULL;
    int n = cam2_pipeline_frames(launch, SP_BACKEND_AUTO, a, 4, &pa);
    if (n < 0)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(n, 1);
    int nb = cam2_pipeline_frames("synth frames=1 lidar=false format=rgb8 "
                                  "width=1392 height=512",
                                  SP_BACKEND_AUTO, b, 4, &pb);
    assert_int_equal(nb, 1);
    cam c = {.w = 1392,
             .h = 512,
             .K = {959.791, 0, 696.0217, 0, 956.9251, 224.1806, 0, 0, 1},
             .dist = {-0.3691481, 0.1968681, 0.001353473, 0.0005677587,
                      -0.06770705}};
    map_buf mb;
    map_build(&mb, &c, 0);
    sp_kctx *k = NULL;
    assert_int_equal(cam2_kctx(SP_BACKEND_SCALAR, &k), SP_OK);
    sp_image ref;
    assert_int_equal(cam2_image_alloc(&ref, 1392, 512, SP_PIX_RGB8, 0), 0);
    assert_int_equal(sp_undistort(k, &mb.m, &b[0]->u.image, &ref), SP_OK);
    assert_int_equal(cam2_compare(&ref, &a[0]->u.image, 0, NULL), 0);
    cam2_image_free(&ref);
    map_free(&mb);
    sp_kctx_destroy(k);
    cam2_frames_release(a, n);
    cam2_frames_release(b, nb);
    sp_pipeline_destroy(pa);
    sp_pipeline_destroy(pb);
    /* a frame of another size is refused, naming both sizes */
    snprintf(launch, sizeof launch,
             "synth frames=1 lidar=false format=rgb8 "
             "width=640 height=384 ! undistort calib=%s",
             path);
    n = cam2_pipeline_frames(launch, SP_BACKEND_AUTO, a, 4, &pa);
    assert_int_equal(n, SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "640x384"));
    assert_non_null(strstr(sp_errmsg(), "1392x512"));
    sp_pipeline_destroy(pa);
    /* camera 1 is not in the file */
    snprintf(launch, sizeof launch,
             "synth frames=1 ! undistort calib=%s camera=1", path);
    n = cam2_pipeline_frames(launch, SP_BACKEND_AUTO, a, 4, &pa);
    assert_int_equal(n, SP_EFORMAT);
    assert_non_null(strstr(sp_errmsg(), "K_01"));
    sp_pipeline_destroy(pa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_and_errors),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_simd_vs_scalar),
        cmocka_unit_test(test_opencl_vs_scalar),
        cmocka_unit_test(test_simd_vs_scalar_border),
        cmocka_unit_test_teardown(test_sse41_vs_scalar, cam2_simd_restore),
        cmocka_unit_test_teardown(test_sse41_vs_scalar_border,
                                  cam2_simd_restore),
        cmocka_unit_test(test_opencv_crosscheck),
        cmocka_unit_test(test_stage),
        cmocka_unit_test(test_stage_kitti_calib),
        cmocka_unit_test(test_models),
    };
    /* SP_TEST_FILTER=test_name runs one test (cmocka pattern). */
    if (getenv("SP_TEST_FILTER"))
        cmocka_set_test_filter(getenv("SP_TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
