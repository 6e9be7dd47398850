/* ctest-label: simd */
/* range on every back-end against the scalar reference — same pixels, same
 * winners, x/y/z/intensity bit-exact; the range plane bit-exact on SIMD and
 * within 1 ulp on OpenCL — on random clouds with NaN/Inf of 0, 1, 7, 63,
 * 64, 65, 1000 and 10^6 points and on clouds with many ties; the spec's
 * convention on points worked by hand; parameter errors; a real KITTI
 * sweep when the data is there; the stage's notes on a sweep that rows= or
 * fov= does not fit, and rows=auto fov=auto. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "kernels_int.h"
#include "sp_iotest.h"
#include "sp_pipeline.h"
#include "sp_range.h"

typedef struct tbuf {
    sp_tensor t;
    void *mem;
} tbuf;

static void tbuf_init(tbuf *b, int ndim, const size_t *shape)
{
    size_t bytes = sp_tensor_block_size(SP_DTYPE_F32, ndim, shape);
    assert_true(bytes > 0);
    bytes = (bytes + 63) & ~(size_t)63;
    b->mem = aligned_alloc(64, bytes);
    assert_non_null(b->mem);
    memset(b->mem, 0xA5, bytes); /* the kernel must write every element */
    assert_int_equal(
        sp_tensor_init(&b->t, b->mem, bytes, SP_DTYPE_F32, ndim, shape), SP_OK);
}

static sp_kctx *scalar_ctx(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

static void test_shape_and_errors(void **state)
{
    (void)state;
    size_t s[3];
    assert_int_equal(sp_range_shape(NULL, s), SP_OK);
    assert_int_equal(s[0], 5);
    assert_int_equal(s[1], 64);
    assert_int_equal(s[2], 2048);
    sp_range_params p = {.rows = 32, .cols = 100, .fov_down = 5, .fov_up = 1};
    assert_int_equal(sp_range_shape(&p, s), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "fov=5:1"));
    p = (sp_range_params){.rows = -3};
    assert_int_equal(sp_range_shape(&p, s), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "rows=-3"));
    p = (sp_range_params){.rows = 100000, .cols = 100000};
    assert_int_equal(sp_range_shape(&p, s), SP_EINVAL);

    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(1, 0);
    tbuf b;
    size_t bad[3] = {5, 2048, 64};
    tbuf_init(&b, 3, bad);
    assert_int_equal(sp_range_project(k, NULL, &c->pts, &b.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "expected f32 (5,64,2048)"));
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

/* Defaults: 64 rows over 26.8 degrees from +2 down; 2048 columns.
 * (10,0,0): pitch 0 is 2 deg below the top, 2/26.8*64 = 4.78 -> row 4;
 * yaw 0 -> column 1024. (0,10,0), to the left: yaw +90 deg -> column 512.
 * (0,-10,0): column 1536. (-10,0,0): yaw 180 deg -> column 0.
 * (10,0,-2.5): pitch -14.04 deg -> (2+14.04)/26.8*64 = 38.3 -> row 38. */
static void test_known_pixels(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(16, 0);
    const float pts[][4] = {
        {10, 0, 0, 0.7f},
        {0, 10, 0, 0.1f},
        {0, -10, 0, 0.2f},
        {-10, 0, 0, 0.3f},
        {10, 0, -2.5f, 0.4f},
        {20, 0, 0, 0.9f}, /* behind (10,0,0) in the same pixel: loses */
        {0, 5, 0, 0.5f},  /* in front of (0,10,0): wins */
        {0, 5, 0, 0.6f},  /* same range as the one before: lower index wins */
        {0, 0, 10, 1},    /* straight up: outside the field of view */
        {10, 0, -10, 1},  /* 45 deg down: outside */
        {0, 0, 0, 1},     /* range 0 */
        {NAN, 1, 1, 1},
        {1, INFINITY, 1, 1},
    };
    size_t n = sizeof pts / sizeof pts[0];
    for (size_t i = 0; i < n; i++) {
        c->pts.x[i] = pts[i][0];
        c->pts.y[i] = pts[i][1];
        c->pts.z[i] = pts[i][2];
        c->pts.intensity[i] = pts[i][3];
    }
    c->pts.count = n;
    size_t s[3];
    assert_int_equal(sp_range_shape(NULL, s), SP_OK);
    tbuf b;
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_range_project(k, NULL, &c->pts, &b.t), SP_OK);
    const float *o = b.t.data;
    size_t plane = 64 * 2048;
#define PIX(r, col) ((size_t)(r)*2048 + (col))
    assert_float_equal(o[PIX(4, 1024)], 10.0f, 0);
    assert_float_equal(o[plane + PIX(4, 1024)], 10.0f, 0);
    assert_float_equal(o[2 * plane + PIX(4, 1024)], 0.0f, 0);
    assert_float_equal(o[4 * plane + PIX(4, 1024)], 0.7f, 0);
    assert_float_equal(o[PIX(4, 512)], 5.0f, 0);
    assert_float_equal(o[4 * plane + PIX(4, 512)], 0.5f, 0);
    assert_float_equal(o[PIX(4, 1536)], 10.0f, 0);
    assert_float_equal(o[4 * plane + PIX(4, 1536)], 0.2f, 0);
    assert_float_equal(o[PIX(4, 0)], 10.0f, 0);
    assert_float_equal(o[4 * plane + PIX(4, 0)], 0.3f, 0);
    assert_float_equal(o[PIX(38, 1024)], sqrtf(106.25f), 1e-6);
    assert_float_equal(o[3 * plane + PIX(38, 1024)], -2.5f, 0);
    size_t filled = 0;
    for (size_t i = 0; i < plane; i++) {
        if (o[i] >= 0)
            filled++;
        else
            for (int ch = 0; ch < 5; ch++)
                assert_float_equal(o[ch * plane + i], -1.0f, 0);
    }
    assert_int_equal(filled, 5);
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

static void compare(const float *ref, const float *got, size_t plane,
                    const char *name, size_t n)
{
    int opencl = strcmp(name, "opencl") == 0;
    for (int ch = 0; ch < 5; ch++) {
        const float *a = ref + ch * plane, *b = got + ch * plane;
        if (!memcmp(a, b, plane * sizeof(float)))
            continue;
        for (size_t i = 0; i < plane; i++) {
            if (!memcmp(&a[i], &b[i], sizeof(float)))
                continue;
            if (ch == 0 && opencl && a[i] > 0 &&
                fabsf(a[i] - b[i]) <= nextafterf(a[i], INFINITY) - a[i])
                continue;
            fail_msg("%s, %zu points: channel %d pixel %zu: %g vs scalar %g",
                     name, n, ch, i, b[i], a[i]);
        }
    }
}

static void run_backends(const sp_points *pts, const sp_range_params *p)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    assert_true(nb >= 1);
    size_t s[3];
    assert_int_equal(sp_range_shape(p, s), SP_OK);
    tbuf ref, got;
    tbuf_init(&ref, 3, s);
    tbuf_init(&got, 3, s);
    if (sp_range_project(ctx[0], p, pts, &ref.t) != SP_OK)
        fail_msg("scalar: %s", sp_errmsg());
    for (int i = 1; i < nb; i++) {
        memset(got.mem, 0xA5, 5 * s[1] * s[2] * sizeof(float));
        if (sp_range_project(ctx[i], p, pts, &got.t) != SP_OK)
            fail_msg("%s: %s", names[i], sp_errmsg());
        compare(ref.t.data, got.t.data, s[1] * s[2], names[i], pts->count);
    }
    free(ref.mem);
    free(got.mem);
    kcloud_backends_free(ctx, nb);
}

static void test_backends_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 1000, 1000000};
    kcloud *c = kcloud_new(1000000, 0);
    assert_non_null(c);
    sp_range_params small = {
        .rows = 16, .cols = 90, .fov_down = -30, .fov_up = 10};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        kcloud_random(c, sizes[i], 3000 + i, 30.0f, 0.25f, 1);
        run_backends(&c->pts, NULL);
        /* A coarse image: thousands of points per pixel, and the quantum
         * makes equal ranges (ties) common. */
        kcloud_random(c, sizes[i], 4000 + i, 4.0f, 0.5f, 1);
        run_backends(&c->pts, &small);
    }
    kcloud_free(c);
}

static void test_kitti(void **state)
{
    (void)state;
    char buf[1024], why[256];
    const char *path = kcloud_data_path(
        "kitti_object/training/velodyne/000001.bin", buf, sizeof buf);
    if (!path) {
        printf("skipped: KITTI sweep kitti_object/training/velodyne/"
               "000001.bin not found under $SP_TEST_DATA or ../shared/data\n");
        skip();
    }
    kcloud *c = kcloud_load_kitti(path, why, sizeof why);
    if (!c)
        fail_msg("%s", why);
    run_backends(&c->pts, NULL);
    sp_kctx *k = scalar_ctx();
    size_t s[3];
    assert_int_equal(sp_range_shape(NULL, s), SP_OK);
    tbuf b;
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_range_project(k, NULL, &c->pts, &b.t), SP_OK);
    const float *o = b.t.data;
    size_t plane = s[1] * s[2], filled = 0;
    for (size_t i = 0; i < plane; i++)
        if (o[i] >= 0) {
            filled++;
            assert_true(o[i] > 0 && o[i] < 130);
        }
    /* The HDL-64E gives ~120k points over 64 x ~2000 positions (the
     * camera-facing half is denser): most of the image is filled. */
    printf("kitti 000001: %zu of %zu pixels filled\n", filled, plane);
    assert_true(filled > plane / 2 && filled <= c->pts.count);
    free(b.mem);
    sp_kctx_destroy(k);
    kcloud_free(c);
}

/* cols=auto: the columns of a full turn from the azimuth step, with and
 * without rings, with drop-outs; refused for a cloud not in firing order;
 * the real HDL-64E sweep when the data is there. */
static void test_auto_cols(void **state)
{
    (void)state;
    /* 32 beams x 1000 firings (0.36 deg), firing order (azimuth major),
     * every 29th return dropped. */
    kcloud *c = kcloud_new(32000, SP_POINTS_RING);
    size_t n = 0;
    for (int a = 0; a < 1000; a++) {
        double az = -3.14159265358979 + (a + 0.5) * 2 * 3.14159265358979 / 1000;
        for (int b = 0; b < 32; b++) {
            if ((a * 32 + b) % 29 == 0)
                continue;
            double r = 5 + (b % 7);
            c->pts.x[n] = (float)(r * cos(az));
            c->pts.y[n] = (float)(r * sin(az));
            c->pts.z[n] = (float)(-1 + 0.05 * b);
            c->pts.intensity[n] = 0.5f;
            c->pts.ring[n] = (uint16_t)b;
            n++;
        }
    }
    c->pts.count = n;
    int cols = 0;
    double step = 0;
    assert_int_equal(sp_range_auto_cols(&c->pts, &cols, &step), SP_OK);
    assert_int_equal(cols, 1000);
    assert_true(fabs(step - 0.36) < 1e-4);
    /* Without the ring field: consecutive points. */
    c->pts.fields = 0;
    c->pts.ring = NULL;
    assert_int_equal(sp_range_auto_cols(&c->pts, &cols, &step), SP_OK);
    assert_int_equal(cols, 1000);
    /* An unordered cloud has no step to find. */
    kcloud_random(c, 500, 77, 20.0f, 0, 0);
    assert_int_equal(sp_range_auto_cols(&c->pts, &cols, &step), SP_ENOTFOUND);
    if (!strstr(sp_errmsg(), "cols=auto") ||
        !strstr(sp_errmsg(), "expected at least 64"))
        fail_msg("%s", sp_errmsg());
    kcloud_free(c);

    char buf[1024], why[256];
    const char *path = kcloud_data_path(
        "kitti_object/training/velodyne/000001.bin", buf, sizeof buf);
    if (!path) {
        printf("skipped: KITTI sweep not found under $SP_TEST_DATA or "
               "../shared/data\n");
        return;
    }
    kcloud *k = kcloud_load_kitti(path, why, sizeof why);
    if (!k)
        fail_msg("%s", why);
    assert_int_equal(sp_range_auto_cols(&k->pts, &cols, &step), SP_OK);
    /* HDL-64E at 10 Hz: about 0.18 degree, some 2000 firings a turn. */
    printf("kitti 000001: cols=auto %d (step %.4f deg)\n", cols, step);
    assert_true(cols >= 1950 && cols <= 2050);
    kcloud_free(k);
}

/* The stage checks its first sweep against fov= and rows= and says what
 * they lose: synth's 64 beams span about -24.6..1.8 degrees, which the
 * defaults hold. */
static void test_stage_fit_notes(void **state)
{
    (void)state;
    char notes[4096];
    iot_run_notes("synth frames=2 camera=false ! range ! null", notes,
                  sizeof notes);
    if (strstr(notes, "fov=") || strstr(notes, "rows="))
        fail_msg("the defaults fit synth, yet: %s", notes);
    iot_run_notes(
        "synth frames=2 camera=false ! range fov=-10:2 rows=32 ! null", notes,
        sizeof notes);
    const char *f = strstr(notes, "fov=-10:2: ");
    if (!f || !strstr(f, "of the first sweep's points (") ||
        !strstr(f,
                "stream velodyne) lie outside it, at elevations from -24.") ||
        !strstr(f, "left out of every image; fov=-24."))
        fail_msg("%s", notes);
    /* One note for the run, not one a frame. */
    assert_null(strstr(f + 1, "fov=-10:2: "));
    if (!strstr(notes, "rows=32 for the first sweep's 64 beams (stream "
                       "velodyne, rings 0 to 63): beams share rows (the "
                       "nearest point wins); rows=64 (or rows=auto) gives a "
                       "row per beam"))
        fail_msg("%s", notes);
    iot_run_notes("synth frames=1 camera=false ! range rows=100 ! null", notes,
                  sizeof notes);
    if (!strstr(notes, "rows=100 for the first sweep's 64 beams") ||
        !strstr(notes, "rows no beam reaches stay empty"))
        fail_msg("%s", notes);
}

/* rows=auto and fov=auto follow the first sweep: a row per ring, the
 * elevations seen and half a row, said in notes; the image has that shape
 * and loses no point to the field of view; bad values are refused naming
 * both forms. */
static void test_stage_auto_rows_fov(void **state)
{
    (void)state;
    const char *launch = "synth frames=2 camera=false ! range rows=auto "
                         "fov=auto cols=360";
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    for (int i = 0; i < 2; i++) {
        sp_frame *f = NULL;
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        assert_int_equal(f->payload, SP_PAYLOAD_TENSOR);
        assert_int_equal(f->u.tensor.shape[1], 64); /* synth's 64 rings */
        assert_int_equal(f->u.tensor.shape[2], 360);
        sp_frame_unref(f);
    }
    sp_pipeline_close(p);
    char notes[2048] = "";
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        strncat(notes, sp_pipeline_note(p, i, NULL),
                sizeof notes - strlen(notes) - 2);
        strcat(notes, "\n");
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    const char *fov = strstr(notes, "fov=auto: ");
    double down = 0, up = 0, lo = 0, hi = 0;
    if (!strstr(notes, "rows=auto: 64 rows, one per beam of the first sweep "
                       "(stream velodyne, rings 0 to 63)") ||
        !fov ||
        sscanf(fov,
               "fov=auto: %lf:%lf degrees, the first sweep's elevations "
               "(%lf to %lf",
               &down, &up, &lo, &hi) != 4 ||
        strstr(notes, "left out of every image") || strstr(notes, "rows=64"))
        fail_msg("%s", notes);
    /* half a row of (hi - lo) / 63 each way */
    double half = (hi - lo) / 63 / 2;
    assert_true(fabs(down - (lo - half)) < 2e-3);
    assert_true(fabs(up - (hi + half)) < 2e-3);

    assert_int_equal(sp_pipeline_create("synth ! range rows=0", NULL, &p),
                     SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "'rows' = '0': out of range, expected "
                                        "auto, or an integer in 1..4096"));
    assert_int_equal(sp_pipeline_create("synth ! range fov=2:1", NULL, &p),
                     SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "'fov' = '2:1'"));
    assert_non_null(strstr(sp_errmsg(), "expected auto, or LO:HI"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_cols),
        cmocka_unit_test(test_stage_fit_notes),
        cmocka_unit_test(test_stage_auto_rows_fov),
        cmocka_unit_test(test_shape_and_errors),
        cmocka_unit_test(test_known_pixels),
        cmocka_unit_test(test_backends_random),
        cmocka_unit_test(test_kitti),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
