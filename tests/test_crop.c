/* ctest-label: simd */
/* crop on every back-end against the scalar reference (exact: same points,
 * same order, same bits), on random clouds with NaN/Inf and points exactly
 * on the limits, of 0, 1, 7, 63, 64, 65, 1000 and 10^6 points, with ring and
 * time; plus the spec on hand-made points, parameter errors, and a real
 * KITTI sweep when the data is there; clouds with extra channels of every
 * type and count (each kept row traced to its input row). OpenCL runs when
 * a device opens. */
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
#include "sp_crop.h"

static sp_crop_params box_and_range(void)
{
    sp_crop_params c = {.limits =
                            SP_CROP_X | SP_CROP_Y | SP_CROP_Z | SP_CROP_RANGE,
                        .min = {-40, -40, -3},
                        .max = {40, 40, 2},
                        .range_min = 2,
                        .range_max = 80};
    return c;
}

static void assert_same(const sp_points *a, const sp_points *b,
                        const char *what)
{
    if (a->count != b->count)
        fail_msg("%s: %zu points, scalar %zu", what, b->count, a->count);
    size_t fb = a->count * sizeof(float);
    if (memcmp(a->x, b->x, fb) || memcmp(a->y, b->y, fb) ||
        memcmp(a->z, b->z, fb) || memcmp(a->intensity, b->intensity, fb))
        fail_msg("%s: points differ from scalar", what);
    if (a->ring && b->ring &&
        memcmp(a->ring, b->ring, a->count * sizeof(uint16_t)))
        fail_msg("%s: ring differs from scalar", what);
    if (a->time && b->time && memcmp(a->time, b->time, fb))
        fail_msg("%s: time differs from scalar", what);
}

static void test_spec_points(void **state)
{
    (void)state;
    kcloud *in = kcloud_new(8, SP_POINTS_RING),
           *out = kcloud_new(8, SP_POINTS_RING);
    const float x[8] = {0, 40, 40.001f, 1, NAN, 3, 0, -40};
    const float y[8] = {5, 0, 0, 0, 0, INFINITY, 0, -40};
    const float z[8] = {0, 2, 0, 0, 0, 0, -3.5f, -3};
    for (int i = 0; i < 8; i++) {
        in->pts.x[i] = x[i];
        in->pts.y[i] = y[i];
        in->pts.z[i] = z[i];
        in->pts.intensity[i] = (float)i;
        in->pts.ring[i] = (uint16_t)(10 + i);
    }
    in->pts.count = 8;
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    sp_crop_params c = box_and_range();
    assert_int_equal(sp_crop(k, &c, &in->pts, &out->pts), SP_OK);
    /* kept: #0 (r=5), #1 (on the x and z limits, r=40.05). Not: #2 outside
     * x, #3 r=1 < 2, #4 NaN, #5 Inf, #6 z below, #7 r=56.6 but inside. */
    assert_int_equal(out->pts.count, 3);
    assert_true(out->pts.intensity[0] == 0 && out->pts.intensity[1] == 1 &&
                out->pts.intensity[2] == 7);
    assert_int_equal(out->pts.ring[2], 17);
    /* Inverted: everything finite that was not kept; NaN/Inf still out. */
    c.invert = 1;
    assert_int_equal(sp_crop(k, &c, &in->pts, &out->pts), SP_OK);
    assert_int_equal(out->pts.count, 3);
    assert_true(out->pts.intensity[0] == 2 && out->pts.intensity[1] == 3 &&
                out->pts.intensity[2] == 6);
    /* No limit: every finite point. */
    sp_crop_params none = {0};
    assert_int_equal(sp_crop(k, &none, &in->pts, &out->pts), SP_OK);
    assert_int_equal(out->pts.count, 6);
    /* Range only, 2-D subset of axes. */
    sp_crop_params r = {
        .limits = SP_CROP_RANGE, .range_min = 0, .range_max = 5};
    assert_int_equal(sp_crop(k, &r, &in->pts, &out->pts), SP_OK);
    assert_int_equal(out->pts.count, 3); /* #0 (exactly 5), #3, #6 */
    sp_kctx_destroy(k);
    kcloud_free(in);
    kcloud_free(out);
}

static void test_errors(void **state)
{
    (void)state;
    kcloud *in = kcloud_new(10, 0), *out = kcloud_new(5, SP_POINTS_RING);
    kcloud *out2 = kcloud_new(10, 0);
    kcloud_random(in, 10, 1, 10, 0, 0);
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    sp_crop_params c = box_and_range();
    assert_int_equal(sp_crop(k, &c, &in->pts, &out->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "capacity"));
    c.min[1] = 50;
    assert_int_equal(sp_crop(k, &c, &in->pts, &out2->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "y=50:40"));
    c = box_and_range();
    c.range_min = NAN;
    assert_int_equal(sp_crop(k, &c, &in->pts, &out2->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "range="));
    c = box_and_range();
    assert_int_equal(sp_crop(k, &c, &in->pts, &in->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "shares memory"));
    assert_int_equal(sp_crop(NULL, &c, &in->pts, &out2->pts), SP_EINVAL);
    sp_kctx_destroy(k);
    kcloud_free(in);
    kcloud_free(out);
    kcloud_free(out2);
}

static void compare_all(size_t n, unsigned fields, const sp_crop_params *c,
                        uint64_t seed, float extent)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    assert_true(nb >= 1);
    kcloud *in = kcloud_new(n, fields), *ref = kcloud_new(n, fields);
    kcloud *out = kcloud_new(n, fields);
    assert_non_null(in);
    kcloud_random(in, n, seed, extent, 0.5f, 1);
    assert_int_equal(sp_crop(ctx[0], c, &in->pts, &ref->pts), SP_OK);
    for (int b = 1; b < nb; b++) {
        char what[96];
        snprintf(what, sizeof what, "%s, %zu points, invert %d", names[b], n,
                 c->invert);
        memset(out->mem, 0xA5, sp_points_block_size(n ? n : 1, fields));
        out->pts.count = 12345;
        int rc = sp_crop(ctx[b], c, &in->pts, &out->pts);
        if (rc != SP_OK)
            fail_msg("%s: %s", what, sp_errmsg());
        if (!kcloud_ran_asked(ctx[b]))
            fail_msg("%s: ran %s/%s instead", what,
                     sp_backend_name(sp_kctx_last_backend(ctx[b])),
                     sp_simd_level_name(sp_kctx_last_simd(ctx[b])));
        assert_same(&ref->pts, &out->pts, what);
    }
    kcloud_free(in);
    kcloud_free(ref);
    kcloud_free(out);
    kcloud_backends_free(ctx, nb);
}

static void test_backends_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 1000};
    sp_crop_params c = box_and_range();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int inv = 0; inv < 2; inv++) {
            c.invert = inv;
            compare_all(sizes[i], 0, &c, 100 + i, 90);
            compare_all(sizes[i], SP_POINTS_RING | SP_POINTS_TIME, &c, 200 + i,
                        90);
        }
    }
    /* Subsets of the limits, and limits that sit on the quantum grid so
     * many points lie exactly on them. */
    sp_crop_params s = {
        .limits = SP_CROP_Z, .min = {0, 0, -1.5f}, .max = {0, 0, 1.5f}};
    compare_all(1000, SP_POINTS_RING, &s, 7, 5);
    s.limits = SP_CROP_X | SP_CROP_RANGE;
    s.min[0] = -2;
    s.max[0] = 2.5f;
    s.range_min = 1.5f;
    s.range_max = 4;
    compare_all(1001, 0, &s, 8, 5);
}

static void test_backends_million(void **state)
{
    (void)state;
    sp_crop_params c = box_and_range();
    compare_all(1000000, SP_POINTS_RING, &c, 42, 100);
    c.invert = 1;
    compare_all(1000003, 0, &c, 43, 100);
}

/* The spec's test written out here, independently of crop_int.h. */
static int keeps(const sp_crop_params *c, float x, float y, float z)
{
    if (!isfinite(x) || !isfinite(y) || !isfinite(z))
        return 0;
    const float v[3] = {x, y, z};
    int in = 1;
    for (int a = 0; a < 3; a++)
        if (c->limits & (1u << a))
            in &= v[a] >= c->min[a] && v[a] <= c->max[a];
    if (c->limits & SP_CROP_RANGE) {
        float r2 = x * x + y * y;
        r2 = r2 + z * z;
        in &= r2 >= c->range_min * c->range_min &&
              r2 <= c->range_max * c->range_max;
    }
    return in ^ (c->invert != 0);
}

/* Extras of every type and count on every back-end: each output row is
 * the input row its id names (all channels, byte for byte, arbitrary bytes
 * so NaN patterns too), the kept set is the spec's, and every back-end
 * equals scalar. Sizes cover every SIMD tail and the OpenCL chunk. */
static void crop_extras_case(size_t n, const sp_crop_params *c, uint64_t seed)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    kcloud *in = kcloud_new_layout(n, &l), *ref = kcloud_new_layout(n, &l);
    kcloud *out = kcloud_new_layout(n, &l);
    assert_non_null(in);
    assert_non_null(ref);
    assert_non_null(out);
    kcloud_random(in, n, seed, 90, 0.5f, 1);
    kcloud_fill_extras(in, seed, 1);
    size_t expect = 0;
    for (size_t i = 0; i < n; i++)
        expect += (size_t)keeps(c, in->pts.x[i], in->pts.y[i], in->pts.z[i]);
    char why[256];
    for (int b = 0; b < nb; b++) {
        kcloud *dst = b == 0 ? ref : out;
        for (unsigned e = 0; e < dst->pts.nextra; e++)
            memset(dst->pts.extra[e].data, 0xA5,
                   n * sp_points_extra_stride(&dst->pts.extra[e]));
        int rc = sp_crop(ctx[b], c, &in->pts, &dst->pts);
        if (rc != SP_OK)
            fail_msg("%s, %zu points: %s", names[b], n, sp_errmsg());
        if (dst->pts.count != expect)
            fail_msg("%s, %zu points: kept %zu, the spec %zu", names[b], n,
                     dst->pts.count, expect);
        if (!kcloud_rows_from_ids(&in->pts, &dst->pts, why, sizeof why))
            fail_msg("%s, %zu points, invert %d: %s", names[b], n, c->invert,
                     why);
        if (b > 0) {
            assert_same(&ref->pts, &out->pts, names[b]);
            if (!kcloud_extras_equal(&ref->pts, &out->pts, why, sizeof why))
                fail_msg("%s against scalar: %s", names[b], why);
        }
    }
    kcloud_free(in);
    kcloud_free(ref);
    kcloud_free(out);
    kcloud_backends_free(ctx, nb);
}

static void test_extras_backends(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 8, 9, 63, 64, 65, 1000, 100003};
    sp_crop_params c = box_and_range();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        for (int inv = 0; inv < 2; inv++) {
            c.invert = inv;
            crop_extras_case(sizes[i], &c, 300 + i);
        }
    sp_crop_params none = {0};
    crop_extras_case(1001, &none, 9);
}

/* The output decides which extras it wants: a subset is carried, the rest
 * dropped; an extra the input lacks, or of another type or count, is
 * refused with its name. */
static void test_extras_subset_and_errors(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    sp_points_layout l;
    kcloud_layout_all(&l, 0);
    kcloud *in = kcloud_new_layout(500, &l);
    kcloud_random(in, 500, 5, 20, 0, 0);
    kcloud_fill_extras(in, 5, 1);
    sp_points_layout sub = {0};
    assert_true(sp_points_layout_add(&sub, "rgb", SP_FIELD_F32, 1,
                                     SP_FIELD_COLOR) >= 0);
    assert_true(
        sp_points_layout_add(&sub, "id", SP_FIELD_U32, 1, SP_FIELD_LABEL) >= 0);
    kcloud *out = kcloud_new_layout(500, &sub);
    sp_crop_params c = box_and_range();
    assert_int_equal(sp_crop(k, &c, &in->pts, &out->pts), SP_OK);
    char why[256];
    if (!kcloud_rows_from_ids(&in->pts, &out->pts, why, sizeof why))
        fail_msg("subset: %s", why);
    assert_true(out->pts.count > 20);
    /* An output without extras: the standard channels only, as before. */
    kcloud *plain = kcloud_new(500, 0);
    assert_int_equal(sp_crop(k, &c, &in->pts, &plain->pts), SP_OK);
    assert_int_equal(plain->pts.count, out->pts.count);
    /* Output extra the input lacks. */
    sp_points_layout bad = sub;
    assert_true(sp_points_layout_add(&bad, "nope", SP_FIELD_U8, 1, 0) >= 0);
    kcloud *o2 = kcloud_new_layout(500, &bad);
    assert_int_equal(sp_crop(k, &c, &in->pts, &o2->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "crop: the output has extra 'nope' "
                                        "the input lacks"));
    /* Same name, other count. */
    sp_points_layout cnt = {0};
    assert_true(sp_points_layout_add(&cnt, "normal", SP_FIELD_F32, 2, 0) >= 0);
    kcloud *o3 = kcloud_new_layout(500, &cnt);
    assert_int_equal(sp_crop(k, &c, &in->pts, &o3->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "extra 'normal' is f32 x 3 in the "
                                        "input but f32 x 2"));
    kcloud_free(o3);
    kcloud_free(o2);
    kcloud_free(plain);
    kcloud_free(out);
    kcloud_free(in);
    sp_kctx_destroy(k);
}

static void test_kitti(void **state)
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
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    kcloud *ref = kcloud_new(in->pts.count, 0),
           *out = kcloud_new(in->pts.count, 0);
    sp_crop_params c = box_and_range();
    assert_int_equal(sp_crop(ctx[0], &c, &in->pts, &ref->pts), SP_OK);
    /* Independent count with the spec written out in double. */
    size_t expect = 0;
    for (size_t i = 0; i < in->pts.count; i++) {
        double x = in->pts.x[i], y = in->pts.y[i], z = in->pts.z[i];
        float r2 = (float)(x * x) + (float)(y * y);
        r2 = r2 + (float)(z * z);
        if (x >= -40 && x <= 40 && y >= -40 && y <= 40 && z >= -3 && z <= 2 &&
            r2 >= 4.0f && r2 <= 6400.0f)
            expect++;
    }
    assert_int_equal(ref->pts.count, expect);
    assert_true(expect > 50000 && expect < in->pts.count);
    for (int b = 1; b < nb; b++) {
        assert_int_equal(sp_crop(ctx[b], &c, &in->pts, &out->pts), SP_OK);
        assert_same(&ref->pts, &out->pts, names[b]);
    }
    kcloud_backends_free(ctx, nb);
    kcloud_free(in);
    kcloud_free(ref);
    kcloud_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_points),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_backends_sizes),
        cmocka_unit_test(test_backends_million),
        cmocka_unit_test(test_kitti),
        cmocka_unit_test(test_extras_backends),
        cmocka_unit_test(test_extras_subset_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
