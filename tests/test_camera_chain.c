/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The real camera data in ../shared/data through whole camera chains, as a
 * user runs them: KITTI colour images (pngs ! [convert] ! [undistort] !
 * resize ! normalize) and the raw 14-bit Bayer dump (raw ! levels ! debayer
 * ! resize ! normalize). What is checked is computed independently of the
 * chain: the channel means of the original pictures, the identity of the
 * principal point under undistortion, and the channel-order algebra. A
 * synthetic chain also proves that no heap allocation happens per frame.
 * Skipped with a message where the data folder is absent. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sp_alloc_counter.h"
#include "sp_pipeline.h"
#include "sp_png.h"

static const float MEAN[3] = {0.485f, 0.456f, 0.406f};
static const float STD[3] = {0.229f, 0.224f, 0.225f};

static char data_dir[512];

static int have_data(const char *rel)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", data_dir, rel);
    return stat(path, &st) == 0;
}

#define NEED_DATA(rel)                                                         \
    do {                                                                       \
        if (!have_data(rel)) {                                                 \
            print_message("skipped: %s/%s is absent\n", data_dir, rel);        \
            skip();                                                            \
        }                                                                      \
    } while (0)

/* Pulls every frame of @p launch, keeping up to @p cap of them. */
static size_t pull_all(const char *launch, sp_pipeline **pipe, sp_frame **out,
                       size_t cap)
{
    sp_frame *f;
    size_t n = 0;
    int rc;

    if (sp_pipeline_create(launch, NULL, pipe) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    while ((rc = sp_pipeline_pull(*pipe, &f)) == SP_OK) {
        if (n < cap)
            out[n++] = f;
        else
            sp_frame_unref(f);
    }
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, sp_errmsg());
    return n;
}

static void release_all(sp_pipeline *p, sp_frame **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sp_frame_unref(f[i]);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* Per-channel mean of an RGB8 PNG, in 0..255. */
static void png_means(const char *path, double mean[3])
{
    sp_png_info info;
    sp_image img;
    assert_int_equal(sp_png_probe(NULL, path, &info), SP_OK);
    assert_int_equal(info.format, SP_PIX_RGB8);
    size_t bytes = sp_image_block_size(info.width, info.height, info.format, 0);
    void *mem = aligned_alloc(64, (bytes + 63) / 64 * 64);
    assert_non_null(mem);
    assert_int_equal(sp_image_init(&img, mem, bytes, info.width, info.height,
                                   info.format, 0),
                     SP_OK);
    assert_int_equal(sp_png_read(NULL, path, &img, &info), SP_OK);
    double sum[3] = {0, 0, 0};
    for (uint32_t y = 0; y < img.height; y++) {
        const uint8_t *row = sp_image_row(&img, y);
        for (uint32_t x = 0; x < img.width; x++)
            for (int c = 0; c < 3; c++)
                sum[c] += row[3 * x + c];
    }
    for (int c = 0; c < 3; c++)
        mean[c] = sum[c] / ((double)img.width * img.height);
    free(mem);
}

/* Mean of tensor channel @p c, mapped back to 0..255 through the default
 * mean and std of colour @p colour. */
static double tensor_level_mean(const sp_tensor *t, int c, int colour)
{
    size_t h = t->shape[2], w = t->shape[3];
    const float *p = (const float *)t->data + (size_t)c * h * w;
    double sum = 0;
    for (size_t i = 0; i < h * w; i++) {
        assert_true(isfinite(p[i]));
        sum += p[i];
    }
    return (sum / (double)(h * w) * STD[colour] + MEAN[colour]) * 255.0;
}

static void assert_tensor_shape(const sp_frame *f, size_t c, size_t h, size_t w)
{
    assert_int_equal(f->payload, SP_PAYLOAD_TENSOR);
    assert_int_equal(f->u.tensor.dtype, SP_DTYPE_F32);
    assert_int_equal(f->u.tensor.ndim, 4);
    assert_int_equal(f->u.tensor.shape[0], 1);
    assert_int_equal(f->u.tensor.shape[1], c);
    assert_int_equal(f->u.tensor.shape[2], h);
    assert_int_equal(f->u.tensor.shape[3], w);
}

/* KITTI colour images to a network's input tensor: the tensor's channel
 * means, mapped back, are the picture's own channel means (a linear resize
 * keeps the mean to within a level); converting to BGR first and asking for
 * RGB order gives the very same tensor; asking for BGR order swaps the
 * planes and nothing else. */
static void test_kitti_images_to_tensor(void **state)
{
    (void)state;
    NEED_DATA("kitti_object/training/image_2/000001.png");
    char launch[1536], path[1024];
    sp_pipeline *pa, *pb, *pc;
    sp_frame *a[4], *b[4], *c[4];

    snprintf(launch, sizeof launch,
             "pngs path=%s/kitti_object/training/image_2 ! resize width=640 "
             "height=384 ! normalize",
             data_dir);
    size_t na = pull_all(launch, &pa, a, 4);
    snprintf(launch, sizeof launch,
             "pngs path=%s/kitti_object/training/image_2 ! convert to=bgr ! "
             "resize width=640 height=384 ! normalize order=rgb",
             data_dir);
    size_t nb = pull_all(launch, &pb, b, 4);
    snprintf(launch, sizeof launch,
             "pngs path=%s/kitti_object/training/image_2 ! resize width=640 "
             "height=384 ! normalize order=bgr",
             data_dir);
    size_t nc = pull_all(launch, &pc, c, 4);
    assert_int_equal(na, 3);
    assert_int_equal(nb, 3);
    assert_int_equal(nc, 3);

    size_t plane = 384 * 640;
    for (size_t i = 0; i < na; i++) {
        double orig[3];
        snprintf(path, sizeof path,
                 "%s/kitti_object/training/image_2/%06zu.png", data_dir, i);
        png_means(path, orig);
        assert_tensor_shape(a[i], 3, 384, 640);
        assert_tensor_shape(b[i], 3, 384, 640);
        assert_tensor_shape(c[i], 3, 384, 640);
        for (int ch = 0; ch < 3; ch++) {
            double got = tensor_level_mean(&a[i]->u.tensor, ch, ch);
            if (fabs(got - orig[ch]) > 1.0)
                fail_msg("image %zu channel %d: tensor mean %.2f levels, "
                         "picture mean %.2f",
                         i, ch, got, orig[ch]);
        }
        assert_memory_equal(a[i]->u.tensor.data, b[i]->u.tensor.data,
                            3 * plane * sizeof(float));
        const float *pa_ = a[i]->u.tensor.data, *pc_ = c[i]->u.tensor.data;
        assert_memory_equal(pc_, pa_ + 2 * plane, plane * sizeof(float));
        assert_memory_equal(pc_ + plane, pa_ + plane, plane * sizeof(float));
        assert_memory_equal(pc_ + 2 * plane, pa_, plane * sizeof(float));
    }
    release_all(pa, a, na);
    release_all(pb, b, nb);
    release_all(pc, c, nc);
}

/* OpenCV's model for the lens of test_kitti_images_undistort: where the
 * output pixel (u, v) of the undistorted image is taken from. */
static void distort(double u, double v, double *su, double *sv)
{
    const double fx = 721.5377, fy = 721.5377, cx = 609.5593, cy = 172.854;
    const double k1 = -0.3728, k2 = 0.2037, p1 = 0.0022, p2 = 0.0011,
                 k3 = -0.0724;
    double x = (u - cx) / fx, y = (v - cy) / fy, r2 = x * x + y * y;
    double radial = 1 + r2 * (k1 + r2 * (k2 + r2 * k3));
    double xd = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
    double yd = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
    *su = fx * xd + cx;
    *sv = fy * yd + cy;
}

/* Bilinear sample of an RGB8 image; 0 when (x, y) is outside. */
static int sample(const sp_image *img, double x, double y, double out[3])
{
    if (x < 0 || y < 0 || x > img->width - 1 || y > img->height - 1)
        return 0;
    uint32_t x0 = (uint32_t)x, y0 = (uint32_t)y;
    uint32_t x1 = x0 + (x0 + 1 < img->width), y1 = y0 + (y0 + 1 < img->height);
    double fx = x - x0, fy = y - y0;
    const uint8_t *r0 = sp_image_row(img, y0), *r1 = sp_image_row(img, y1);
    for (int c = 0; c < 3; c++)
        out[c] = (1 - fy) * ((1 - fx) * r0[3 * x0 + c] + fx * r0[3 * x1 + c]) +
                 fy * ((1 - fx) * r1[3 * x0 + c] + fx * r1[3 * x1 + c]);
    return 1;
}

/* Undistorting a real image with KITTI-like lens coefficients moves the
 * periphery and leaves the principal point where it is. */
static void test_kitti_images_undistort(void **state)
{
    (void)state;
    NEED_DATA("kitti_object/training/image_2/000001.png");
    char launch[1536];
    sp_pipeline *pu, *po;
    sp_frame *u[4], *o[4];
    const char *lens = "fx=721.5377 fy=721.5377 cx=609.5593 cy=172.854 "
                       "k1=-0.3728 k2=0.2037 p1=0.0022 p2=0.0011 k3=-0.0724";

    snprintf(launch, sizeof launch,
             "pngs path=%s/kitti_object/training/image_2 ! undistort %s",
             data_dir, lens);
    size_t nu = pull_all(launch, &pu, u, 4);
    snprintf(launch, sizeof launch,
             "pngs path=%s/kitti_object/training/image_2", data_dir);
    size_t no = pull_all(launch, &po, o, 4);
    assert_int_equal(nu, 3);
    assert_int_equal(no, 3);
    for (size_t i = 0; i < nu; i++) {
        const sp_image *a = &u[i]->u.image, *b = &o[i]->u.image;
        assert_int_equal(a->width, b->width);
        assert_int_equal(a->height, b->height);
        assert_int_equal(a->format, SP_PIX_RGB8);
        /* at the principal point the map is the identity */
        const uint8_t *pa = sp_image_row(a, 173) + 3 * 610;
        const uint8_t *pb = sp_image_row(b, 173) + 3 * 610;
        for (int ch = 0; ch < 3; ch++)
            assert_true(abs((int)pa[ch] - (int)pb[ch]) <= 2);
        /* and elsewhere each output pixel is the original sampled where
         * OpenCV's lens model (computed here on its own) sends it */
        double w1 = a->width - 1, h1 = a->height - 1;
        const double pts[][2] = {{0, 0},   {w1, 0},    {0, h1},
                                 {w1, h1}, {100, 200}, {1000, 50}};
        for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
            double sx, sy, want[3] = {0, 0, 0};
            distort(pts[k][0], pts[k][1], &sx, &sy);
            assert_true(sample(b, sx, sy, want));
            const uint8_t *got =
                sp_image_row(a, (uint32_t)pts[k][1]) + 3 * (size_t)pts[k][0];
            for (int ch = 0; ch < 3; ch++)
                if (fabs(got[ch] - want[ch]) > 3.0)
                    fail_msg("image %zu (%g,%g) channel %d: %d, expected "
                             "%.1f from (%.2f,%.2f)",
                             i, pts[k][0], pts[k][1], ch, got[ch], want[ch], sx,
                             sy);
        }
    }
    release_all(pu, u, nu);
    release_all(po, o, no);
}

/* The raw 14-bit Bayer dump (a red rose on dark leaves) through levels,
 * debayer, resize and normalize: finite values, and the colours come out in
 * the picture's order — red over green over blue — which a wrong Bayer
 * phase or a swapped channel would break. */
static void test_raw_bayer_to_tensor(void **state)
{
    (void)state;
    NEED_DATA("raw_bayer/DSC_1339_768x512_rggb.raw");
    char launch[1536];
    sp_pipeline *p;
    sp_frame *f[2];

    snprintf(launch, sizeof launch,
             "raw path=%s/raw_bayer/DSC_1339_768x512_rggb.raw width=768 "
             "height=512 format=bayer_rggb16 ! levels black=600 white=15520 "
             "! debayer ! resize width=384 height=256 ! normalize",
             data_dir);
    size_t n = pull_all(launch, &p, f, 2);
    assert_int_equal(n, 1);
    assert_tensor_shape(f[0], 3, 256, 384);
    double r = tensor_level_mean(&f[0]->u.tensor, 0, 0);
    double g = tensor_level_mean(&f[0]->u.tensor, 1, 1);
    double b = tensor_level_mean(&f[0]->u.tensor, 2, 2);
    if (!(r > 1.2 * g && g > 1.5 * b && b > 1.0))
        fail_msg("rose means R %.1f G %.1f B %.1f: expected R > G > B", r, g,
                 b);
    release_all(p, f, n);
}

/* The camera chain allocates nothing per frame once warm. */
static void test_camera_chain_no_allocation(void **state)
{
    (void)state;
    if (!sp_test_alloc_available()) {
        print_message("skipped: AddressSanitizer owns malloc\n");
        skip();
    }
    const char *launch =
        "synth lidar=false frames=40 ! debayer ! undistort fx=700 fy=700 "
        "cx=620 cy=187 k1=-0.3 k2=0.1 ! resize width=640 height=384 ! "
        "normalize ! null";
    sp_pipeline *p = NULL;
    sp_frame *f;
    int rc, n = 0;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        sp_frame_unref(f);
    }
    uint64_t before = sp_test_alloc_calls();
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        n++;
    }
    uint64_t after = sp_test_alloc_calls();
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(n, 34);
    assert_int_equal(after - before, 0);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

int main(void)
{
    const char *d = getenv("SP_TEST_DATA");
    snprintf(data_dir, sizeof data_dir, "%s", d ? d : "../shared/data");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kitti_images_to_tensor),
        cmocka_unit_test(test_kitti_images_undistort),
        cmocka_unit_test(test_raw_bayer_to_tensor),
        cmocka_unit_test(test_camera_chain_no_allocation),
    };
    return cmocka_run_group_tests_name("camera_chain", tests, NULL, NULL);
}
