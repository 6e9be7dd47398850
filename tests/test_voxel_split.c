/* ctest-label: simd */
/* sp_voxel_split_*: the split call against sp_voxel(), byte for byte, on
 * every CPU back-end, 1 to 5 shares run one after another (rounds in
 * order, shares of a round in reverse), with cuts that balance, cuts that
 * leave slabs empty and cuts outside the grid; and the clouds it gives up
 * on (sp_voxel() then runs). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "sp_voxel.h"

static const struct {
    sp_backend backend;
    const char *simd; /* SP_SIMD, NULL: unset */
    sp_simd_level need;
} backs[] = {
    {SP_BACKEND_SCALAR, NULL, SP_SIMD_NONE},
#if defined(__aarch64__)
    {SP_BACKEND_SIMD, NULL, SP_SIMD_NEON},
#else
    {SP_BACKEND_SIMD, "sse41", SP_SIMD_SSE41},
    {SP_BACKEND_SIMD, NULL, SP_SIMD_AVX2},
#endif
};

static int32_t floor_of(float c, float leaf)
{
    return (int32_t)floorf(c * (1.0f / leaf));
}

/* Runs the split on @p shares shares with cuts by @p how (0: quantiles of
 * the finite points' (z, y), 1: all at the first point's pair, 2: below
 * and above the grid); returns begin's / end's 1, else SP_OK. */
static int run_split(sp_kctx *const *k, const sp_voxel_params *vp,
                     const sp_points *in, sp_points *out, int shares, int how)
{
    int32_t cz[8], cy[8];
    size_t c = 0;
    for (int s = 1; s < shares; s++) {
        size_t want = in->count * (size_t)s / (size_t)shares;
        while (c < in->count && (c < want || !isfinite(in->x[c]) ||
                                 !isfinite(in->y[c]) || !isfinite(in->z[c])))
            c++;
        size_t at = how == 1 ? 0 : c < in->count ? c : 0;
        cz[s - 1] = floor_of(in->z[at], vp->leaf[2]);
        cy[s - 1] = floor_of(in->y[at], vp->leaf[1]);
        if (how == 2) {
            cz[s - 1] = s == 1 ? -100000 : 100000;
            cy[s - 1] = 0;
        }
    }
    /* nondecreasing, as the stage gives them */
    for (int s = 1; s + 1 < shares; s++)
        if (cz[s] < cz[s - 1] || (cz[s] == cz[s - 1] && cy[s] < cy[s - 1])) {
            cz[s] = cz[s - 1];
            cy[s] = cy[s - 1];
        }
    size_t bytes = sp_voxel_split_bytes(in->count, shares);
    void *buf = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    sp_voxel_split *vs;
    assert_non_null(buf);
    assert_int_equal(sp_voxel_split_create(&vs), SP_OK);
    int rc =
        sp_voxel_split_begin(vs, k[0], vp, in, out, shares, cz, cy, buf, bytes);
    assert_true(rc >= 0);
    if (rc == SP_OK) {
        for (int w = shares - 1; w >= 0; w--)
            sp_voxel_split_extent(vs, w);
        for (int w = shares - 1; w >= 0; w--)
            sp_voxel_split_keys(vs, w);
        for (int s = shares - 1; s >= 0; s--)
            assert_int_equal(sp_voxel_split_reduce(vs, k[s], s), SP_OK);
        rc = sp_voxel_split_end(vs);
    }
    sp_voxel_split_destroy(vs);
    free(buf);
    return rc;
}

static void same_points(const sp_points *a, const sp_points *b,
                        const char *what)
{
    if (a->count != b->count)
        fail_msg("%s: %zu voxels split, %zu in one call", what, a->count,
                 b->count);
    size_t n = a->count * sizeof(float);
    int ok = !memcmp(a->x, b->x, n) && !memcmp(a->y, b->y, n) &&
             !memcmp(a->z, b->z, n) && !memcmp(a->intensity, b->intensity, n);
    if (a->time)
        ok &= !memcmp(a->time, b->time, n);
    if (a->ring)
        ok &= !memcmp(a->ring, b->ring, a->count * sizeof *a->ring);
    if (!ok)
        fail_msg("%s: the split's output differs", what);
}

/* @p in split on 1, 2, 3 and 5 shares and every cut kind against
 * sp_voxel(); @p splits: 1 when the split must not give up. */
static void check_cloud(const sp_points *in, const sp_voxel_params *vp,
                        int splits, const char *what)
{
    for (size_t b = 0; b < sizeof backs / sizeof *backs; b++) {
        if (backs[b].need != SP_SIMD_NONE && sp_simd_detect() < backs[b].need)
            continue;
        if (backs[b].simd)
            setenv("SP_SIMD", backs[b].simd, 1);
        else
            unsetenv("SP_SIMD");
        sp_kctx_desc d = {.backend = backs[b].backend};
        sp_kctx *k[5];
        for (int s = 0; s < 5; s++)
            assert_int_equal(sp_kctx_create(&d, &k[s]), SP_OK);
        kcloud *one = kcloud_new(in->count, in->fields);
        kcloud *many = kcloud_new(in->count, in->fields);
        assert_non_null(one);
        assert_non_null(many);
        assert_int_equal(sp_voxel(k[0], vp, in, &one->pts), SP_OK);
        static const int shares[] = {1, 2, 3, 5};
        for (size_t s = 0; s < sizeof shares / sizeof *shares; s++)
            for (int how = 0; how < 3; how++) {
                char msg[160];
                snprintf(msg, sizeof msg, "%s, backend %zu, %d shares, cuts %d",
                         what, b, shares[s], how);
                memset(many->pts.x, 0xff, in->count * sizeof(float));
                many->pts.count = 0;
                int rc = run_split(k, vp, in, &many->pts, shares[s], how);
                if (rc == 1) {
                    if (splits)
                        fail_msg("%s: gave up", msg);
                    continue;
                }
                if (!splits)
                    fail_msg("%s: split, expected a give-up", msg);
                same_points(&many->pts, &one->pts, msg);
            }
        kcloud_free(one);
        kcloud_free(many);
        for (int s = 0; s < 5; s++)
            sp_kctx_destroy(k[s]);
    }
    unsetenv("SP_SIMD");
}

static void test_split_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 7, 40, 1000, 30011};
    const unsigned fields = SP_POINTS_RING | SP_POINTS_TIME;
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++)
        for (int bad = 0; bad < 2; bad++) {
            kcloud *in = kcloud_new(sizes[c], fields);
            assert_non_null(in);
            kcloud_random(in, sizes[c], 5 + c, 20.0f, 0.1f, bad);
            if (c % 2)
                kcloud_cluster(in, 9 + c);
            sp_voxel_params vp = {{0.2f, 0.2f, 0.2f}, 1};
            int finite = 0;
            for (size_t i = 0; i < sizes[c]; i++)
                finite |= isfinite(in->pts.x[i]) && isfinite(in->pts.y[i]) &&
                          isfinite(in->pts.z[i]);
            check_cloud(&in->pts, &vp, finite, "random");
            vp.min_points = 2;
            check_cloud(&in->pts, &vp, finite, "random min_points=2");
            vp = (sp_voxel_params){{0.05f, 1.0f, 0.01f}, 3};
            check_cloud(&in->pts, &vp, finite, "random 0.05,1,0.01");
            in->pts.fields = 0; /* no ring or time */
            in->pts.ring = NULL;
            in->pts.time = NULL;
            vp = (sp_voxel_params){{0.3f, 0.3f, 0.3f}, 1};
            check_cloud(&in->pts, &vp, finite, "random, no ring or time");
            kcloud_free(in);
        }
}

/* Grids the runs path cannot take, and clouds without a finite point:
 * begin or end says 1. */
static void test_split_gives_up(void **state)
{
    (void)state;
    kcloud *in = kcloud_new(5000, 0);
    assert_non_null(in);
    kcloud_random(in, 5000, 3, 100.0f, 0.0f, 0);
    sp_voxel_params vp = {{1e-4f, 1e-4f, 1e-4f}, 1}; /* 8e18 cells */
    check_cloud(&in->pts, &vp, 0, "2^32 cells or more");
    in->pts.x[4000] = 3e12f; /* an index past 2^31 */
    vp = (sp_voxel_params){{0.2f, 0.2f, 0.2f}, 1};
    check_cloud(&in->pts, &vp, 0, "index past 2^31");
    for (size_t i = 0; i < 5000; i++)
        in->pts.y[i] = NAN;
    check_cloud(&in->pts, &vp, 0, "no finite point");
    kcloud_free(in);
}

static void test_split_kitti(void **state)
{
    (void)state;
    char path[1024], why[256];
    if (!kcloud_data_path("kitti_object/training/velodyne/000001.bin", path,
                          sizeof path))
        skip();
    kcloud *in = kcloud_load_kitti(path, why, sizeof why);
    if (in == NULL)
        fail_msg("%s", why);
    sp_voxel_params vp = {{0.2f, 0.2f, 0.2f}, 1};
    check_cloud(&in->pts, &vp, 1, "kitti 0.2");
    vp = (sp_voxel_params){{0.1f, 0.1f, 0.1f}, 2};
    check_cloud(&in->pts, &vp, 1, "kitti 0.1 min_points=2");
    kcloud_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_random),
        cmocka_unit_test(test_split_gives_up),
        cmocka_unit_test(test_split_kitti),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
