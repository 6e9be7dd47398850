/* ctest-label: simd */
/* ground on every back-end against the scalar reference: the same points
 * kept, in the same order, bit for bit, and the same plane (the tolerance
 * rule of sp_ground.h is not needed: the tests demand exact equality). On
 * a synthetic scene with a known answer, on random clouds with NaN/Inf of
 * 0, 1, 2, 7, 63, 64, 65, 1000 and 10^6 points, for both methods and
 * both sides; determinism per seed; parameter errors; a real KITTI sweep
 * when the data is there; clouds with extra channels of every type and
 * count (each kept row traced to its input row). */
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
#include "sp_ground.h"

static sp_kctx *scalar_ctx(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

static float unif(uint64_t *s, float lo, float hi)
{
    return lo + (hi - lo) * (float)(lcg(s) & 0xFFFFFF) / 16777216.0f;
}

/* 3000 ground points on z = -1.7 + 0.02 x with noise in +-0.05, and 1000
 * obstacle points 0.6..2.5 m above that plane, interleaved; isg[i] says
 * which. */
static kcloud *scene(uint8_t *isg)
{
    kcloud *c = kcloud_new(4000, SP_POINTS_RING);
    uint64_t s = 42;
    for (size_t i = 0; i < 4000; i++) {
        float x = unif(&s, -30, 30), y = unif(&s, -30, 30);
        float g = -1.7f + 0.02f * x;
        isg[i] = (i % 4) != 3;
        c->pts.x[i] = x;
        c->pts.y[i] = y;
        c->pts.z[i] =
            isg[i] ? g + unif(&s, -0.05f, 0.05f) : g + unif(&s, 0.6f, 2.5f);
        c->pts.intensity[i] = (float)i;
        c->pts.ring[i] = (uint16_t)(i % 64);
    }
    c->pts.count = 4000;
    return c;
}

static void check_scene(const sp_ground_params *p)
{
    uint8_t isg[4000];
    kcloud *c = scene(isg), *out = kcloud_new(4000, SP_POINTS_RING);
    sp_kctx *k = scalar_ctx();
    sp_ground_info info;
    sp_ground_params q = *p;
    for (int keep = 0; keep < 2; keep++) {
        q.keep_ground = keep;
        assert_int_equal(sp_ground_filter(k, &q, &c->pts, &out->pts, &info),
                         SP_OK);
        assert_int_equal(info.ground, 3000);
        assert_int_equal(out->pts.count, keep ? 3000 : 1000);
        /* Order preserved, every field carried. */
        size_t m = 0;
        for (size_t i = 0; i < 4000; i++) {
            if (isg[i] != keep)
                continue;
            assert_float_equal(out->pts.intensity[m], (float)i, 0);
            assert_float_equal(out->pts.z[m], c->pts.z[i], 0);
            assert_int_equal(out->pts.ring[m], i % 64);
            m++;
        }
    }
    if (p->method == SP_GROUND_PLANE) {
        assert_int_equal(info.found, 1);
        /* Normal ~ (-0.02, 0, 1)/|.|, offset ~ 1.7. */
        assert_float_equal(info.plane[0], -0.02f, 0.01);
        assert_float_equal(info.plane[1], 0.0f, 0.01);
        assert_float_equal(info.plane[2], 1.0f, 0.01);
        assert_float_equal(info.plane[3], 1.7f, 0.05);
    }
    sp_kctx_destroy(k);
    kcloud_free(out);
    kcloud_free(c);
}

static void test_scene_plane(void **state)
{
    (void)state;
    sp_ground_params p = {.method = SP_GROUND_PLANE};
    check_scene(&p);
    p.no_refine = 1;
    check_scene(&p);
}

/* The refined plane is the total-least-squares plane through the points
 * the first plane classified as ground: the normal is the covariance's
 * eigenvector of the least eigenvalue, found here by inverse iteration
 * (the kernel uses Jacobi rotations), the offset puts the centroid on
 * the plane. */
static void solve3(const double a[3][3], const double b[3], double x[3])
{
    double det = a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
                 a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
                 a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
    for (int c = 0; c < 3; c++) {
        double m[3][3];
        memcpy(m, a, sizeof m);
        for (int r = 0; r < 3; r++)
            m[r][c] = b[r];
        x[c] = (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])) /
               det;
    }
}

static void tls_plane(const sp_points *g, double plane[4])
{
    double c[3] = {0, 0, 0}, cov[3][3] = {{0}};
    for (size_t i = 0; i < g->count; i++) {
        c[0] += g->x[i];
        c[1] += g->y[i];
        c[2] += g->z[i];
    }
    for (int a = 0; a < 3; a++)
        c[a] /= (double)g->count;
    for (size_t i = 0; i < g->count; i++) {
        double d[3] = {g->x[i] - c[0], g->y[i] - c[1], g->z[i] - c[2]};
        for (int r = 0; r < 3; r++)
            for (int q = 0; q < 3; q++)
                cov[r][q] += d[r] * d[q];
    }
    double v[3] = {0, 0, 1}, w[3];
    for (int it = 0; it < 50; it++) {
        solve3(cov, v, w);
        double len = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
        for (int a = 0; a < 3; a++)
            v[a] = w[a] / len;
    }
    if (v[2] < 0)
        for (int a = 0; a < 3; a++)
            v[a] = -v[a];
    for (int a = 0; a < 3; a++)
        plane[a] = v[a];
    plane[3] = -(v[0] * c[0] + v[1] * c[1] + v[2] * c[2]);
}

static void test_refined_plane(void **state)
{
    (void)state;
    uint8_t isg[4000];
    kcloud *c = scene(isg), *g = kcloud_new(4000, SP_POINTS_RING),
           *out = kcloud_new(4000, SP_POINTS_RING);
    sp_kctx *k = scalar_ctx();
    sp_ground_info info;
    /* A thin band, so that the first plane's ground is a subset. */
    sp_ground_params p = {.method = SP_GROUND_PLANE,
                          .keep_ground = 1,
                          .threshold = 0.04,
                          .no_refine = 1};
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &g->pts, &info), SP_OK);
    assert_true(g->pts.count > 1000);
    double want[4];
    tls_plane(&g->pts, want);
    p.no_refine = 0;
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, &info), SP_OK);
    for (int a = 0; a < 4; a++)
        if (fabs(info.plane[a] - want[a]) > 1e-6)
            fail_msg("refined plane[%d] = %.9g, the least-squares plane "
                     "through the first plane's %zu ground points has %.9g",
                     a, (double)info.plane[a], g->pts.count, want[a]);
    sp_kctx_destroy(k);
    kcloud_free(out);
    kcloud_free(g);
    kcloud_free(c);
}

static void test_scene_grid(void **state)
{
    (void)state;
    /* Cells of 0.5 m: every cell with an obstacle point also has ground
     * points below it? Not guaranteed with 4000 points over 60 x 60 m, so
     * use large cells: 5 m holds ~28 ground points, the lowest within 0.1
     * of any other ground point's height (slope 0.02 * 5 m = 0.1), so a
     * band of 0.25 takes all ground and no obstacle (>= 0.6 above). */
    sp_ground_params p = {.method = SP_GROUND_GRID, .cell = 5, .band = 0.25};
    check_scene(&p);
}

/* Worked by hand: cell 1 m, band 0.2. */
static void test_grid_known(void **state)
{
    (void)state;
    kcloud *c = kcloud_new(8, 0), *out = kcloud_new(8, 0);
    const float pts[][3] = {
        {0.5f, 0.5f, 0.0f},  {0.2f, 0.9f, 0.2f}, /* ground (0.2 <= 0+0.2) */
        {0.5f, 0.5f, 0.5f},                      /* 0.5 above: not */
        {1.5f, 0.5f, 2.0f},                      /* alone: its own lowest */
        {-0.5f, 0.5f, 9.0f},                     /* cell -1: alone, ground */
        {NAN, 0.5f, 0.0f},   {0.5f, 0.5f, -INFINITY}, /* never ground */
        {1e30f, 0, 0},                                /* cell index > 2^31 */
    };
    for (int i = 0; i < 8; i++) {
        c->pts.x[i] = pts[i][0];
        c->pts.y[i] = pts[i][1];
        c->pts.z[i] = pts[i][2];
        c->pts.intensity[i] = (float)i;
    }
    c->pts.count = 8;
    sp_kctx *k = scalar_ctx();
    sp_ground_params p = {.method = SP_GROUND_GRID, .keep_ground = 1};
    sp_ground_info info;
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, &info), SP_OK);
    assert_int_equal(out->pts.count, 4);
    const float want[4] = {0, 1, 3, 4};
    for (int i = 0; i < 4; i++)
        assert_float_equal(out->pts.intensity[i], want[i], 0);
    p.keep_ground = 0;
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, &info), SP_OK);
    assert_int_equal(out->pts.count, 4);
    assert_int_equal(info.ground, 4);
    sp_kctx_destroy(k);
    kcloud_free(out);
    kcloud_free(c);
}

static void test_small_and_errors(void **state)
{
    (void)state;
    kcloud *c = kcloud_new(4, 0), *out = kcloud_new(4, 0);
    sp_kctx *k = scalar_ctx();
    sp_ground_info info;
    for (size_t n = 0; n < 3; n++) {
        kcloud_random(c, n, 7, 5.0f, 0, 0);
        assert_int_equal(sp_ground_filter(k, NULL, &c->pts, &out->pts, &info),
                         SP_OK);
        assert_int_equal(out->pts.count, n); /* no plane: nothing removed */
        assert_int_equal(info.found, 0);
    }
    /* Three collinear points: no valid hypothesis. */
    for (int i = 0; i < 3; i++) {
        c->pts.x[i] = (float)i;
        c->pts.y[i] = 0;
        c->pts.z[i] = 0;
    }
    c->pts.count = 3;
    assert_int_equal(sp_ground_filter(k, NULL, &c->pts, &out->pts, &info),
                     SP_OK);
    assert_int_equal(info.found, 0);
    assert_int_equal(out->pts.count, 3);

    sp_ground_params p = {.threshold = -1};
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, NULL),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "threshold=-1"));
    p = (sp_ground_params){.iterations = 1000000};
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, NULL),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "iterations=1000000"));
    p = (sp_ground_params){.method = SP_GROUND_GRID, .cell = -2};
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, NULL),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "cell=-2"));
    out->pts.capacity = 2;
    assert_int_equal(sp_ground_filter(k, NULL, &c->pts, &out->pts, NULL),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "room for the input's 3"));
    sp_kctx_destroy(k);
    kcloud_free(out);
    kcloud_free(c);
}

static void assert_same(const sp_points *a, const sp_points *b,
                        const char *what, size_t n)
{
    if (a->count != b->count)
        fail_msg("%s, %zu points: kept %zu, scalar %zu", what, n, b->count,
                 a->count);
    size_t fb = a->count * sizeof(float);
    if (memcmp(a->x, b->x, fb) || memcmp(a->y, b->y, fb) ||
        memcmp(a->z, b->z, fb) || memcmp(a->intensity, b->intensity, fb))
        fail_msg("%s, %zu points: kept points differ from scalar", what, n);
}

/* What ran is what the context asked for; the grid method is scalar on
 * every back-end (sp_ground.h) and says so; under 3 points nothing is
 * scored (the CPU is recorded). */
static void assert_ran(const sp_kctx *k, const sp_ground_params *p, size_t n,
                       const char *name)
{
    int ok = p->method == SP_GROUND_GRID
                 ? sp_kctx_last_backend(k) == SP_BACKEND_SCALAR &&
                       sp_kctx_last_simd(k) == SP_SIMD_NONE
                 : n < 3 || kcloud_ran_asked(k);
    if (!ok)
        fail_msg("%s, %s method, %zu points: ran %s/%s", name,
                 p->method == SP_GROUND_GRID ? "grid" : "plane", n,
                 sp_backend_name(sp_kctx_last_backend(k)),
                 sp_simd_level_name(sp_kctx_last_simd(k)));
}

static void run_backends(const sp_points *pts, const sp_ground_params *p)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    kcloud *ref = kcloud_new(pts->count, 0), *got = kcloud_new(pts->count, 0);
    sp_ground_info ri, gi;
    if (sp_ground_filter(ctx[0], p, pts, &ref->pts, &ri) != SP_OK)
        fail_msg("scalar: %s", sp_errmsg());
    for (int i = 1; i < nb; i++) {
        if (sp_ground_filter(ctx[i], p, pts, &got->pts, &gi) != SP_OK)
            fail_msg("%s: %s", names[i], sp_errmsg());
        assert_ran(ctx[i], p, pts->count, names[i]);
        assert_same(&ref->pts, &got->pts, names[i], pts->count);
        assert_int_equal(ri.ground, gi.ground);
        assert_int_equal(ri.found, gi.found);
        assert_memory_equal(ri.plane, gi.plane, sizeof ri.plane);
    }
    kcloud_free(ref);
    kcloud_free(got);
    kcloud_backends_free(ctx, nb);
}

static void test_backends_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 7, 63, 64, 65, 1000, 1000000};
    kcloud *c = kcloud_new(1000000, 0);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        kcloud_random(c, sizes[i], 6000 + i, 20.0f, 0.1f, 1);
        /* Flatten most points onto a few heights so planes have inliers
         * and many distances sit near the threshold. */
        for (size_t j = 0; j < sizes[i]; j++)
            if (j % 3)
                c->pts.z[j] = -1.5f + 0.1f * (float)(j % 5);
        sp_ground_params p = {.method = SP_GROUND_PLANE, .iterations = 50};
        run_backends(&c->pts, &p);
        p.keep_ground = 1;
        p.no_refine = 1;
        p.seed = 99;
        run_backends(&c->pts, &p);
        sp_ground_params g = {.method = SP_GROUND_GRID, .cell = 0.5};
        run_backends(&c->pts, &g);
    }
    kcloud_free(c);
}

/* Extras of every type and count on every back-end and both methods and
 * sides: each output row is the input row its id names (byte for byte,
 * arbitrary bytes), the kept count is the scene's (the ground count from
 * info), and every back-end equals scalar; an output extra the input lacks
 * is refused. */
static void test_extras(void **state)
{
    (void)state;
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    static const size_t sizes[] = {0, 1, 7, 65, 5000};
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    char why[256];
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        kcloud *in = kcloud_new_layout(n, &l), *ref = kcloud_new_layout(n, &l),
               *out = kcloud_new_layout(n, &l);
        assert_non_null(in);
        kcloud_random(in, n, 900 + i, 20.0f, 0.1f, 1);
        for (size_t j = 0; j < n; j++)
            if (j % 3)
                in->pts.z[j] = -1.5f + 0.01f * (float)(j % 5);
        kcloud_fill_extras(in, 900 + i, 1);
        const sp_ground_params ps[3] = {
            {.method = SP_GROUND_PLANE, .iterations = 30},
            {.method = SP_GROUND_PLANE, .iterations = 30, .keep_ground = 1},
            {.method = SP_GROUND_GRID, .cell = 0.5},
        };
        for (int q = 0; q < 3; q++)
            for (int b = 0; b < nb; b++) {
                kcloud *dst = b ? out : ref;
                sp_ground_info info;
                int rc = sp_ground_filter(ctx[b], &ps[q], &in->pts, &dst->pts,
                                          &info);
                if (rc != SP_OK)
                    fail_msg("%s: %s", names[b], sp_errmsg());
                size_t want = ps[q].keep_ground ? info.ground : n - info.ground;
                assert_int_equal(dst->pts.count, want);
                if (!kcloud_rows_from_ids(&in->pts, &dst->pts, why, sizeof why))
                    fail_msg("%s, %zu points, case %d: %s", names[b], n, q,
                             why);
                if (b &&
                    !kcloud_extras_equal(&ref->pts, &out->pts, why, sizeof why))
                    fail_msg("%s vs scalar, %zu points, case %d: %s", names[b],
                             n, q, why);
            }
        kcloud_free(in);
        kcloud_free(ref);
        kcloud_free(out);
    }
    /* The output asks for an extra the input lacks. */
    kcloud *plain = kcloud_new(10, 0), *o = kcloud_new_layout(10, &l);
    kcloud_random(plain, 10, 1, 5, 0, 0);
    sp_ground_params g = {.method = SP_GROUND_GRID};
    assert_int_equal(sp_ground_filter(ctx[0], &g, &plain->pts, &o->pts, NULL),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "ground: the output has extra"));
    kcloud_free(plain);
    kcloud_free(o);
    kcloud_backends_free(ctx, nb);
}

static void test_deterministic(void **state)
{
    (void)state;
    kcloud *c = kcloud_new(5000, 0), *a = kcloud_new(5000, 0),
           *b = kcloud_new(5000, 0);
    kcloud_random(c, 5000, 77, 10.0f, 0, 0);
    for (size_t j = 0; j < 5000; j += 2)
        c->pts.z[j] = -1.6f;
    sp_kctx *k = scalar_ctx();
    sp_ground_params p = {.iterations = 20, .seed = 1234};
    sp_ground_info ia, ib;
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &a->pts, &ia), SP_OK);
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &b->pts, &ib), SP_OK);
    assert_int_equal(a->pts.count, b->pts.count);
    assert_memory_equal(ia.plane, ib.plane, sizeof ia.plane);
    assert_true(ia.ground >= 2500);
    sp_kctx_destroy(k);
    kcloud_free(a);
    kcloud_free(b);
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
    sp_ground_params p = {0};
    run_backends(&c->pts, &p);
    sp_ground_params g = {.method = SP_GROUND_GRID};
    run_backends(&c->pts, &g);

    kcloud *out = kcloud_new(c->pts.count, 0);
    sp_kctx *k = scalar_ctx();
    sp_ground_info info;
    assert_int_equal(sp_ground_filter(k, &p, &c->pts, &out->pts, &info), SP_OK);
    printf("kitti 000001 plane: %zu of %zu ground, plane %.4f %.4f %.4f "
           "%.4f\n",
           info.ground, c->pts.count, info.plane[0], info.plane[1],
           info.plane[2], info.plane[3]);
    /* The sensor sits 1.73 m above a road that fills much of the sweep. */
    assert_int_equal(info.found, 1);
    assert_true(info.plane[2] > 0.98f);
    assert_true(info.plane[3] > 1.4f && info.plane[3] < 2.0f);
    assert_true(info.ground > c->pts.count / 5 &&
                info.ground < c->pts.count * 4 / 5);
    assert_int_equal(sp_ground_filter(k, &g, &c->pts, &out->pts, &info), SP_OK);
    printf("kitti 000001 grid: %zu of %zu ground\n", info.ground, c->pts.count);
    assert_true(info.ground > c->pts.count / 5 &&
                info.ground < c->pts.count * 9 / 10);
    sp_kctx_destroy(k);
    kcloud_free(out);
    kcloud_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scene_plane),
        cmocka_unit_test(test_refined_plane),
        cmocka_unit_test(test_scene_grid),
        cmocka_unit_test(test_grid_known),
        cmocka_unit_test(test_small_and_errors),
        cmocka_unit_test(test_backends_random),
        cmocka_unit_test(test_extras),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_kitti),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
