/* ctest-label: simd */
/* ctest-timeout: 120 */
/* voxel: an independent reference written here (qsort of float32 voxel
 * indices, double sums in input order) pins the scalar kernel exactly; every
 * other back-end is compared with scalar (CPU back-ends exactly, OpenCL to
 * 1e-6 relative); the KITTI/PCL known answer (37,869 voxels at leaf 0.2 on
 * kitti_object 000001) and the proof that dividing in double would differ;
 * huge extents with a tiny leaf (no int32 overflow as in PCL); errors. */
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
#include "sp_voxel.h"

typedef struct ref_entry {
    int64_t v[3];
    uint32_t idx;
} ref_entry;

static int cmp_ref(const void *pa, const void *pb)
{
    const ref_entry *a = pa, *b = pb;
    for (int ax = 2; ax >= 0; ax--)
        if (a->v[ax] != b->v[ax])
            return a->v[ax] < b->v[ax] ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* The spec, independently: voxels in (z, y, x) order; with `dbl`, the index
 * is floor((double)c / dleaf) instead, the leaf as the double the user
 * wrote (the rule PCL does NOT use). */
static size_t reference_any(const sp_points *in, const float leaf[3],
                            uint32_t min_points, const double *dleaf,
                            kcloud *out)
{
    size_t n = in->count, m = 0, o = 0;
    ref_entry *e = malloc((n ? n : 1) * sizeof *e);
    float inv[3] = {1.0f / leaf[0], 1.0f / leaf[1], 1.0f / leaf[2]};
    const float *c[3] = {in->x, in->y, in->z};
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(c[0][i]) || !isfinite(c[1][i]) || !isfinite(c[2][i]))
            continue;
        for (int a = 0; a < 3; a++)
            e[m].v[a] = dleaf ? (int64_t)floor((double)c[a][i] / dleaf[a])
                              : (int64_t)floorf(c[a][i] * inv[a]);
        e[m++].idx = (uint32_t)i;
    }
    qsort(e, m, sizeof *e, cmp_ref);
    for (size_t s = 0; s < m;) {
        size_t t = s + 1;
        while (t < m && !memcmp(e[t].v, e[s].v, sizeof e[s].v))
            t++;
        if (t - s >= (min_points ? min_points : 1)) {
            if (out) {
                double sx = 0, sy = 0, sz = 0, sw = 0;
                for (size_t j = s; j < t; j++) {
                    sx += in->x[e[j].idx];
                    sy += in->y[e[j].idx];
                    sz += in->z[e[j].idx];
                    sw += in->intensity[e[j].idx];
                }
                double r = 1.0 / (double)(t - s);
                out->pts.x[o] = (float)(sx * r);
                out->pts.y[o] = (float)(sy * r);
                out->pts.z[o] = (float)(sz * r);
                out->pts.intensity[o] = (float)(sw * r);
                if (out->pts.ring && in->ring)
                    out->pts.ring[o] = in->ring[e[s].idx];
            }
            o++;
        }
        s = t;
    }
    if (out)
        out->pts.count = o;
    free(e);
    return o;
}

static size_t reference(const sp_points *in, const float leaf[3],
                        uint32_t min_points, kcloud *out)
{
    return reference_any(in, leaf, min_points, NULL, out);
}

static void assert_close(const sp_points *a, const sp_points *b, int exact,
                         const char *what)
{
    if (a->count != b->count)
        fail_msg("%s: %zu voxels, reference %zu", what, b->count, a->count);
    for (size_t i = 0; i < a->count; i++) {
        const float av[4] = {a->x[i], a->y[i], a->z[i], a->intensity[i]};
        const float bv[4] = {b->x[i], b->y[i], b->z[i], b->intensity[i]};
        for (int c = 0; c < 4; c++) {
            float tol = exact ? 0.0f : 1e-6f * fmaxf(1.0f, fabsf(av[c]));
            if (!(fabsf(av[c] - bv[c]) <= tol))
                fail_msg("%s: voxel %zu field %d: %.9g, reference %.9g", what,
                         i, c, (double)bv[c], (double)av[c]);
        }
        if (a->ring && b->ring && a->ring[i] != b->ring[i])
            fail_msg("%s: voxel %zu ring %u, reference %u", what, i, b->ring[i],
                     a->ring[i]);
    }
}

static void test_spec_points(void **state)
{
    (void)state;
    kcloud *in = kcloud_new(8, SP_POINTS_RING | SP_POINTS_TIME);
    kcloud *out = kcloud_new(8, SP_POINTS_RING | SP_POINTS_TIME);
    const float x[6] = {0.1f, 0.9f, 1.5f, NAN, -0.5f, 0.5f};
    for (int i = 0; i < 6; i++) {
        in->pts.x[i] = x[i];
        in->pts.y[i] = 0.25f;
        in->pts.z[i] = i == 5 ? 1.0f : 0.0f;
        in->pts.intensity[i] = (float)i;
        in->pts.ring[i] = (uint16_t)(i + 1);
        in->pts.time[i] = (float)i;
    }
    in->pts.count = 6;
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    sp_voxel_params v = {.leaf = {1, 1, 1}};
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_OK);
    /* voxels (z,y,x): (0,0,-1) #4; (0,0,0) #0,#1; (0,0,1) #2; (1,0,0) #5 */
    assert_int_equal(out->pts.count, 4);
    assert_true(out->pts.x[0] == -0.5f && out->pts.intensity[0] == 4.0f);
    assert_true(out->pts.x[1] == 0.5f && out->pts.intensity[1] == 0.5f);
    assert_int_equal(out->pts.ring[1], 1); /* first point's ring */
    assert_true(out->pts.time[1] == 0.5f); /* mean time */
    assert_true(out->pts.x[2] == 1.5f);
    assert_true(out->pts.z[3] == 1.0f);
    v.min_points = 2;
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_OK);
    assert_int_equal(out->pts.count, 1);
    assert_true(out->pts.x[0] == 0.5f);
    sp_kctx_destroy(k);
    kcloud_free(in);
    kcloud_free(out);
}

static void test_errors(void **state)
{
    (void)state;
    kcloud *in = kcloud_new(100, 0), *out = kcloud_new(100, 0);
    kcloud *small = kcloud_new(3, 0), *ring = kcloud_new(100, SP_POINTS_RING);
    kcloud_random(in, 100, 5, 10, 0, 0);
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    sp_voxel_params v = {.leaf = {0.2f, 0, 0.2f}};
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "leaf"));
    v.leaf[1] = NAN;
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_EINVAL);
    v.leaf[1] = 0.2f;
    assert_int_equal(sp_voxel(k, &v, &in->pts, &small->pts), SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "capacity"));
    assert_int_equal(sp_voxel(k, &v, &in->pts, &ring->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "fields"));
    assert_int_equal(sp_voxel(k, &v, &in->pts, &in->pts), SP_EINVAL);
    /* An index beyond 2^62 is refused, naming the point. */
    in->pts.x[17] = 1e19f;
    v.leaf[0] = 0.1f;
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "point 17"));
    sp_kctx_destroy(k);
    kcloud_free(in);
    kcloud_free(out);
    kcloud_free(small);
    kcloud_free(ring);
}

/* Reference vs scalar exactly, then every back-end vs scalar. */
static void compare_all(kcloud *in, const float leaf[3], uint32_t min_points,
                        const char *label)
{
    size_t n = in->pts.count;
    unsigned f = in->pts.fields;
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    kcloud *ref = kcloud_new(n, f), *sc = kcloud_new(n, f),
           *out = kcloud_new(n, f);
    sp_voxel_params v = {.leaf = {leaf[0], leaf[1], leaf[2]},
                         .min_points = min_points};
    char what[128];
    reference(&in->pts, leaf, min_points, ref);
    int rc = sp_voxel(ctx[0], &v, &in->pts, &sc->pts);
    if (rc != SP_OK)
        fail_msg("%s scalar: %s", label, sp_errmsg());
    snprintf(what, sizeof what, "%s: scalar vs reference", label);
    assert_close(&ref->pts, &sc->pts, 1, what);
    for (int b = 1; b < nb; b++) {
        snprintf(what, sizeof what, "%s: %s vs scalar", label, names[b]);
        out->pts.count = 777;
        rc = sp_voxel(ctx[b], &v, &in->pts, &out->pts);
        if (rc != SP_OK)
            fail_msg("%s: %s", what, sp_errmsg());
        if (!kcloud_ran_asked(ctx[b]))
            fail_msg("%s: ran %s/%s instead", what,
                     sp_backend_name(sp_kctx_last_backend(ctx[b])),
                     sp_simd_level_name(sp_kctx_last_simd(ctx[b])));
        assert_close(&sc->pts, &out->pts, strcmp(names[b], "opencl") != 0,
                     what);
        /* A second call reuses scratch and gives the same answer. */
        rc = sp_voxel(ctx[b], &v, &in->pts, &out->pts);
        assert_int_equal(rc, SP_OK);
        assert_close(&sc->pts, &out->pts, strcmp(names[b], "opencl") != 0,
                     what);
    }
    kcloud_backends_free(ctx, nb);
    kcloud_free(ref);
    kcloud_free(sc);
    kcloud_free(out);
}

static void test_backends_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 1000, 20000};
    const float leaf[3] = {0.2f, 0.2f, 0.2f}, leaf2[3] = {0.2f, 0.2f, 0.1f};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        kcloud *in = kcloud_new(sizes[i], SP_POINTS_RING | SP_POINTS_TIME);
        kcloud_random(in, sizes[i], 300 + i, 3, 0.2f, 1);
        char label[64];
        snprintf(label, sizeof label, "%zu points", sizes[i]);
        compare_all(in, leaf, 0, label);
        compare_all(in, leaf2, 3, label);
        kcloud_free(in);
    }
}

static void test_backends_million(void **state)
{
    (void)state;
    kcloud *in = kcloud_new(1000000, SP_POINTS_RING);
    kcloud_random(in, 1000000, 99, 60, 0.001f, 1);
    const float leaf[3] = {0.2f, 0.2f, 0.2f};
    compare_all(in, leaf, 0, "10^6 points");
    kcloud_free(in);
}

static void test_huge_extent(void **state)
{
    (void)state;
    /* +-10 km with a 1 cm leaf: 2e6 voxels per axis, 8e18 cells in the
     * box, far past PCL's int32 index (it warns and goes on wrong). */
    kcloud *in = kcloud_new(20000, 0);
    kcloud_random(in, 20000, 7, 10000, 0.01f, 1);
    /* Clusters, so that voxels really hold several points. */
    for (size_t i = 0; i < 20000; i += 2) {
        in->pts.x[i + 1] = in->pts.x[i] + 0.001f;
        in->pts.y[i + 1] = in->pts.y[i];
        in->pts.z[i + 1] = in->pts.z[i];
    }
    const float leaf[3] = {0.01f, 0.01f, 0.01f};
    compare_all(in, leaf, 0, "+-10 km leaf 0.01");
    /* Past 32 bits per axis: +-1e9 m with 1 mm leaf (the exact wide path). */
    kcloud_random(in, 20000, 8, 1e9f, 0, 1);
    const float tiny[3] = {0.001f, 0.001f, 0.001f};
    compare_all(in, tiny, 0, "+-1e9 m leaf 0.001");
    kcloud_free(in);
}

/* Runs of consecutive points in one voxel, as a lidar sweep has them (the
 * runs path sorts runs and adds a run's first four points under masks):
 * run lengths 1-12, voxels revisited later, NaN points inside runs (A NaN
 * A must continue A's sums), clouds ending in short and long runs. */
static void make_runs(kcloud *in, size_t n, uint64_t seed)
{
    uint64_t s = seed * 2654435761u + 1;
    sp_points *p = &in->pts;
    size_t i = 0;
    while (i < n) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        size_t len = 1 + (size_t)(s >> 60) % 12;
        /* Few distinct voxels, so that voxels recur in later runs. */
        float cx = (float)((s >> 20) % 5) * 0.2f - 0.4f;
        float cy = (float)((s >> 30) % 4) * 0.2f;
        float cz = (float)((s >> 40) % 3) * 0.2f - 0.2f;
        for (size_t j = 0; j < len && i < n; j++, i++) {
            float f = (float)((s >> (j % 20)) & 255) / 256.0f * 0.19f;
            p->x[i] = cx + f;
            p->y[i] = cy + 0.19f - f;
            p->z[i] = cz + 0.5f * f;
            p->intensity[i] = (float)(i % 97) * 0.01f;
            if (p->ring)
                p->ring[i] = (uint16_t)(i % 64);
            if (p->time)
                p->time[i] = (float)i * 1e-5f;
            if (j == 2 && (s & 1))
                p->x[i] = NAN;
        }
    }
    p->count = n;
}

static void test_backends_runs(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 4, 5, 9, 13, 67, 5001};
    const float leaf[3] = {0.2f, 0.2f, 0.2f};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        kcloud *in = kcloud_new(sizes[i], SP_POINTS_RING | SP_POINTS_TIME);
        make_runs(in, sizes[i], 40 + i);
        char label[64];
        snprintf(label, sizeof label, "%zu points in runs", sizes[i]);
        compare_all(in, leaf, 0, label);
        compare_all(in, leaf, 3, label);
        kcloud_free(in);
    }
    /* One voxel of 700 points (counts past the reductions' 1/count
     * table), then a second voxel, then the first again. */
    kcloud *in = kcloud_new(900, SP_POINTS_RING | SP_POINTS_TIME);
    for (size_t i = 0; i < 900; i++) {
        in->pts.x[i] =
            (i >= 700 && i < 800 ? 0.25f : 0.05f) + (float)(i % 700) * 1e-4f;
        in->pts.y[i] = 0.1f;
        in->pts.z[i] = 0.1f + (float)(i % 7) * 1e-3f;
        in->pts.intensity[i] = (float)(i % 13);
        in->pts.ring[i] = (uint16_t)i;
        in->pts.time[i] = (float)i * 1e-4f;
    }
    in->pts.count = 900;
    compare_all(in, leaf, 0, "900 points in 2 voxels");
    kcloud_free(in);
}

/* One context per back-end through clouds of moving boxes (a box inside
 * the last, one past it on each side, one far off, another leaf, NaN/Inf,
 * a grid of nearly 2^32 cells, the first again): each call must give the
 * reference's voxels whatever the calls before left in the context's
 * scratch. (A grid kept from the last call to skip the extent pass was
 * tried against these on 2026-12-06 and not kept: README.) */
static void test_backends_moving_boxes(void **state)
{
    (void)state;
    enum { N = 3000 };
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    kcloud *in = kcloud_new(N, SP_POINTS_RING), *ref = kcloud_new(N, 0),
           *out = kcloud_new(N, 0);
    static const struct {
        float extent, dx, dy, dz, leaf;
        int bad;
    } steps[] = {
        {20, 0, 0, 0, 0.2f, 0},    {19, 0.5f, -0.5f, 0.3f, 0.2f, 0},
        {20, 3, 0, 0, 0.2f, 0},    {20, 0, -3, 0, 0.2f, 0},
        {20, 0, 0, 4, 0.2f, 0},    {20, -3, 3, -4, 0.2f, 0},
        {20, 5000, 0, 0, 0.2f, 0}, {20, 5000, 0, 0, 0.25f, 1},
        {20, 0, 0, 0, 0.2f, 1},    {80, 0, 0, 0, 0.1f, 0},
        {79, 0, 0, 0, 0.1f, 0},    {20, 0, 0, 0, 0.2f, 0},
        {21, 0, 0, 0, 0.2f, 0},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        kcloud_random(in, N, 500 + i, steps[i].extent, 0.001f, steps[i].bad);
        for (size_t j = 0; j < N; j++) {
            in->pts.x[j] += steps[i].dx;
            in->pts.y[j] += steps[i].dy;
            in->pts.z[j] += steps[i].dz;
        }
        const float leaf[3] = {steps[i].leaf, steps[i].leaf, steps[i].leaf};
        sp_voxel_params v = {.leaf = {leaf[0], leaf[1], leaf[2]}};
        reference(&in->pts, leaf, 0, ref);
        for (int b = 0; b < nb; b++) {
            char what[96];
            snprintf(what, sizeof what, "step %zu: %s vs reference", i,
                     names[b]);
            assert_int_equal(sp_voxel(ctx[b], &v, &in->pts, &out->pts), SP_OK);
            assert_close(&ref->pts, &out->pts, strcmp(names[b], "opencl") != 0,
                         what);
        }
    }
    kcloud_backends_free(ctx, nb);
    kcloud_free(in);
    kcloud_free(ref);
    kcloud_free(out);
}

static void test_kitti_pcl_known_answer(void **state)
{
    (void)state;
    char buf[512], why[600];
    const char *path = kcloud_data_path(
        "kitti_object/training/velodyne/000001.bin", buf, sizeof buf);
    if (!path) {
        fprintf(stderr, "skip: KITTI sweep absent (SP_TEST_DATA=%s)\n",
                getenv("SP_TEST_DATA") ? getenv("SP_TEST_DATA") : "(unset)");
        skip();
    }
    kcloud *in = kcloud_load_kitti(path, why, sizeof why);
    assert_non_null(in);
    assert_int_equal(in->pts.count, 120268);
    const float leaf[3] = {0.2f, 0.2f, 0.2f};
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    /* Every back-end bit-identical to the reference on the real sweep. */
    compare_all(in, leaf, 0, "kitti 000001 leaf 0.2");
    kcloud *out = kcloud_new(in->pts.count, 0);
    sp_voxel_params v = {.leaf = {0.2f, 0.2f, 0.2f}};
    for (int b = 0; b < nb; b++) {
        assert_int_equal(sp_voxel(ctx[b], &v, &in->pts, &out->pts), SP_OK);
        /* PCL 1.13 VoxelGrid, leaf 0.2, on this sweep: 37,869 points. */
        if (out->pts.count != 37869)
            fail_msg("%s: %zu voxels, PCL gives 37869", names[b],
                     out->pts.count);
    }
    /* The rule matters: dividing in double (by 0.2 as written) moves
     * points to other voxels; the issue measured 711 of them. */
    const double dleaf[3] = {0.2, 0.2, 0.2};
    size_t moved = 0;
    for (size_t i = 0; i < in->pts.count; i++) {
        const float c[3] = {in->pts.x[i], in->pts.y[i], in->pts.z[i]};
        for (int a = 0; a < 3; a++)
            if ((int64_t)floorf(c[a] * (1.0f / leaf[a])) !=
                (int64_t)floor((double)c[a] / dleaf[a])) {
                moved++;
                break;
            }
    }
    size_t dbl = reference_any(&in->pts, leaf, 0, dleaf, NULL);
    fprintf(stderr,
            "kitti 000001 leaf 0.2: float32 rule 37869 voxels; "
            "double division moves %zu points, gives %zu voxels\n",
            moved, dbl);
    assert_true(moved > 0);
    assert_int_equal(moved, 711);
    assert_true(dbl != 37869);
    kcloud_backends_free(ctx, nb);
    kcloud_free(in);
    kcloud_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_points),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_backends_sizes),
        cmocka_unit_test(test_backends_million),
        cmocka_unit_test(test_huge_extent),
        cmocka_unit_test(test_backends_runs),
        cmocka_unit_test(test_backends_moving_boxes),
        cmocka_unit_test(test_kitti_pcl_known_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
