/* ctest-label: simd */
/* project on every back-end against the scalar reference (bit-exact depth
 * image) on random clouds with NaN/Inf of 0, 1, 7, 63, 64, 65, 1000 and
 * 10^6 points; the spec on points worked by hand with a simple pinhole;
 * errors; and the real KITTI calibration + sweep 000001 (P2 * R0_rect *
 * Tr_velo_to_cam, parsed here) when the data is there. */
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
#include "sp_project.h"

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

/* A pinhole f = 100, principal point (50, 25), 100 x 50 image, and the
 * KITTI axes: camera x = -lidar y, camera y = -lidar z, camera z = lidar x. */
static const double pin_P[12] = {100, 0, 50, 0, 0, 100, 25, 0, 0, 0, 1, 0};
static const double pin_Tr[12] = {0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0};

static void test_known_pixels(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(16, 0);
    const float pts[][3] = {
        {10, 0, 0},      /* optical axis: (u, v) = (50, 25), depth 10 */
        {10, 1, 0},      /* 1 m left: u = 50 - 100 * 1/10 = 40 */
        {10, 0, 1},      /* 1 m up: v = 25 - 10 = 15 */
        {20, 0, 0},      /* behind the first in the same pixel: loses */
        {5, 0.5f, 0},    /* u = 50 - 10 = 40, nearer than (10,1,0): wins */
        {-10, 0, 0},     /* behind the camera */
        {0.0005f, 0, 0}, /* within min_depth */
        {10, 10, 0},     /* u = -50: left of the image */
        {NAN, 0, 0},     {10, INFINITY, 0},
    };
    size_t n = sizeof pts / sizeof pts[0];
    for (size_t i = 0; i < n; i++) {
        c->pts.x[i] = pts[i][0];
        c->pts.y[i] = pts[i][1];
        c->pts.z[i] = pts[i][2];
        c->pts.intensity[i] = 1;
    }
    c->pts.count = n;
    sp_project_params p = {
        .P = pin_P, .Tr = pin_Tr, .width = 100, .height = 50};
    size_t s[2];
    assert_int_equal(sp_project_shape(&p, s), SP_OK);
    assert_int_equal(s[0], 50);
    assert_int_equal(s[1], 100);
    tbuf b;
    tbuf_init(&b, 2, s);
    assert_int_equal(sp_project_depth(k, &p, &c->pts, &b.t), SP_OK);
    const float *o = b.t.data;
    assert_float_equal(o[25 * 100 + 50], 10.0f, 0);
    assert_float_equal(o[25 * 100 + 40], 5.0f, 0);
    assert_float_equal(o[15 * 100 + 50], 10.0f, 0);
    size_t filled = 0;
    for (size_t i = 0; i < 5000; i++)
        filled += o[i] != 0;
    assert_int_equal(filled, 3);
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

static void test_errors(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(1, 0);
    size_t s[2];
    sp_project_params p = {.P = pin_P, .width = 0, .height = 50};
    assert_int_equal(sp_project_shape(&p, s), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "0x50"));
    p.width = 100;
    size_t bad[2] = {100, 50};
    tbuf b;
    tbuf_init(&b, 2, bad);
    assert_int_equal(sp_project_depth(k, &p, &c->pts, &b.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "expected f32 (50,100)"));
    p.P = NULL;
    assert_int_equal(sp_project_depth(k, &p, &c->pts, &b.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "no projection matrix"));
    double nanP[12] = {NAN};
    p.P = nanP;
    b.t.shape[0] = 50;
    b.t.shape[1] = 100;
    assert_int_equal(sp_project_depth(k, &p, &c->pts, &b.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "finite"));

    sp_calib cal;
    memset(&cal, 0, sizeof cal);
    snprintf(cal.source, sizeof cal.source, "calib/000042.txt");
    cal.has_P = 1;
    assert_int_equal(sp_project_params_from_calib(&cal, &p), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "calib/000042.txt"));
    assert_non_null(strstr(sp_errmsg(), "Tr_velo_to_cam"));
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

/* Reads the 12 / 9 numbers after "NAME:" in a KITTI calib file. */
static int calib_line(const char *path, const char *name, double *v, int n)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int found = 0;
    if (!f)
        return 0;
    size_t len = strlen(name);
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, name, len) || line[len] != ':')
            continue;
        char *p = line + len + 1, *end;
        int i = 0;
        for (; i < n; i++, p = end) {
            v[i] = strtod(p, &end);
            if (end == p)
                break;
        }
        found = i == n;
    }
    fclose(f);
    return found;
}

static void run_backends(const sp_points *pts, const sp_project_params *p)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    assert_true(nb >= 1);
    size_t s[2];
    assert_int_equal(sp_project_shape(p, s), SP_OK);
    tbuf ref, got;
    tbuf_init(&ref, 2, s);
    tbuf_init(&got, 2, s);
    if (sp_project_depth(ctx[0], p, pts, &ref.t) != SP_OK)
        fail_msg("scalar: %s", sp_errmsg());
    const float *a = ref.t.data;
    for (int i = 1; i < nb; i++) {
        memset(got.mem, 0xA5, s[0] * s[1] * sizeof(float));
        if (sp_project_depth(ctx[i], p, pts, &got.t) != SP_OK)
            fail_msg("%s: %s", names[i], sp_errmsg());
        const float *g = got.t.data;
        for (size_t j = 0; j < s[0] * s[1]; j++)
            if (memcmp(&a[j], &g[j], sizeof(float)))
                fail_msg("%s, %zu points: pixel %zu: %g vs scalar %g", names[i],
                         pts->count, j, g[j], a[j]);
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
    /* KITTI-like camera (numbers of calib/000001.txt, rounded). */
    static const double P[12] = {721.5, 0,     609.6, 44.9, 0, 721.5,
                                 172.9, 0.216, 0,     0,    1, 0.00275};
    static const double R0[9] = {0.99992,  0.00984, -0.00745, -0.00987, 0.99994,
                                 -0.00428, 0.0074,  0.00435,  0.99996};
    static const double Tr[12] = {0.00753, -0.99997, -0.00062, -0.00407,
                                  0.0148,  0.00073,  -0.99989, -0.0763,
                                  0.99986, 0.00752,  0.0148,   -0.2718};
    sp_project_params kp = {
        .P = P, .R0 = R0, .Tr = Tr, .width = 1242, .height = 375};
    sp_project_params pin = {
        .P = pin_P, .Tr = pin_Tr, .width = 100, .height = 50};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        kcloud_random(c, sizes[i], 5000 + i, 40.0f, 0.5f, 1);
        run_backends(&c->pts, &kp);
        /* Tiny image: hundreds of points per pixel, quantised depths. */
        run_backends(&c->pts, &pin);
    }
    kcloud_free(c);
}

/* Extra channels are not read: a cloud with extras gives the same depth
 * image, bit for bit, as its x, y, z alone, on every back-end. */
static void test_extras_ignored(void **state)
{
    (void)state;
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    kcloud *x = kcloud_new_layout(5000, &l), *plain = kcloud_new(5000, 0);
    kcloud_random(x, 5000, 77, 20.0f, 0, 1);
    kcloud_fill_extras(x, 77, 1);
    memcpy(plain->pts.x, x->pts.x, 5000 * 4);
    memcpy(plain->pts.y, x->pts.y, 5000 * 4);
    memcpy(plain->pts.z, x->pts.z, 5000 * 4);
    memcpy(plain->pts.intensity, x->pts.intensity, 5000 * 4);
    plain->pts.count = 5000;
    sp_project_params pin = {
        .P = pin_P, .Tr = pin_Tr, .width = 100, .height = 50};
    size_t shape[2] = {50, 100};
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    for (int b = 0; b < nb; b++) {
        tbuf a, c;
        tbuf_init(&a, 2, shape);
        tbuf_init(&c, 2, shape);
        assert_int_equal(sp_project_depth(ctx[b], &pin, &x->pts, &a.t), SP_OK);
        assert_int_equal(sp_project_depth(ctx[b], &pin, &plain->pts, &c.t),
                         SP_OK);
        if (memcmp(a.t.data, c.t.data, 50 * 100 * 4))
            fail_msg("%s: the extras changed the depth image", names[b]);
        free(a.mem);
        free(c.mem);
    }
    kcloud_backends_free(ctx, nb);
    kcloud_free(x);
    kcloud_free(plain);
}

static void test_kitti(void **state)
{
    (void)state;
    char buf[1024], cbuf[1024], why[256];
    const char *path = kcloud_data_path(
        "kitti_object/training/velodyne/000001.bin", buf, sizeof buf);
    const char *cpath = kcloud_data_path(
        "kitti_object/training/calib/000001.txt", cbuf, sizeof cbuf);
    if (!path || !cpath) {
        printf("skipped: KITTI kitti_object/training/{velodyne/000001.bin,"
               "calib/000001.txt} not found under $SP_TEST_DATA or "
               "../shared/data\n");
        skip();
    }
    double P2[12], R0[9], Tr[12];
    assert_true(calib_line(cpath, "P2", P2, 12));
    assert_true(calib_line(cpath, "R0_rect", R0, 9));
    assert_true(calib_line(cpath, "Tr_velo_to_cam", Tr, 12));
    kcloud *c = kcloud_load_kitti(path, why, sizeof why);
    if (!c)
        fail_msg("%s", why);
    sp_project_params p = {
        .P = P2, .R0 = R0, .Tr = Tr, .width = 1242, .height = 375};
    run_backends(&c->pts, &p);

    sp_kctx *k = scalar_ctx();
    size_t s[2];
    assert_int_equal(sp_project_shape(&p, s), SP_OK);
    tbuf b;
    tbuf_init(&b, 2, s);
    assert_int_equal(sp_project_depth(k, &p, &c->pts, &b.t), SP_OK);
    const float *o = b.t.data;
    size_t filled = 0;
    float dmin = INFINITY, dmax = 0;
    for (size_t i = 0; i < s[0] * s[1]; i++)
        if (o[i] != 0) {
            filled++;
            dmin = fminf(dmin, o[i]);
            dmax = fmaxf(dmax, o[i]);
        }
    printf("kitti 000001: %zu pixels with depth in [%.3f, %.3f] m\n", filled,
           dmin, dmax);
    /* The camera sees the front ~90 degrees: about a fifth of the sweep. */
    assert_true(filled > 10000 && filled < 60000);
    assert_true(dmin > 0 && dmax <= 80);
    free(b.mem);
    sp_kctx_destroy(k);
    kcloud_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_pixels),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_backends_random),
        cmocka_unit_test(test_extras_ignored),
        cmocka_unit_test(test_kitti),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
