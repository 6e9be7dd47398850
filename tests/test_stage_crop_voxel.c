/* ctest-label: pipeline */
/* The crop and voxel stages through a pipeline with the synthetic rig:
 * the stage output equals the kernel applied to the same synth frame,
 * camera frames pass through, properties are validated, and bad values
 * name the stage and property. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sp_crop.h"
#include "sp_pipeline.h"
#include "sp_voxel.h"

/* The n-th lidar frame of `synth camera=false` (a fresh pipeline). */
static sp_frame *synth_frame(sp_pipeline **pp, int n)
{
    assert_int_equal(
        sp_pipeline_create("synth camera=false frames=3", NULL, pp), SP_OK);
    sp_frame *f = NULL;
    for (int i = 0; i <= n; i++) {
        sp_frame_unref(f);
        f = NULL;
        assert_int_equal(sp_pipeline_pull(*pp, &f), SP_OK);
    }
    return f;
}

static void test_crop_voxel_chain(void **state)
{
    (void)state;
    sp_pipeline *ref = NULL, *p = NULL;
    sp_frame *raw = synth_frame(&ref, 1);
    assert_int_equal(raw->payload, SP_PAYLOAD_POINTS);
    assert_true(raw->u.points.count > 10000);

    /* The same computation by hand, scalar. */
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    size_t n = raw->u.points.count;
    sp_frame *a = NULL, *b = NULL;
    sp_poolmgr *mgr = sp_pipeline_poolmgr(ref);
    assert_int_equal(sp_frame_create_points(mgr, n, raw->u.points.fields, &a),
                     SP_OK);
    assert_int_equal(sp_frame_create_points(mgr, n, raw->u.points.fields, &b),
                     SP_OK);
    sp_crop_params c = {.limits = SP_CROP_X | SP_CROP_Y | SP_CROP_RANGE,
                        .min = {0, -20, 0},
                        .max = {50, 20, 0},
                        .range_min = 2,
                        .range_max = 45};
    assert_int_equal(sp_crop(k, &c, &raw->u.points, &a->u.points), SP_OK);
    sp_voxel_params v = {.leaf = {0.5f, 0.5f, 0.25f}, .min_points = 2};
    assert_int_equal(sp_voxel(k, &v, &a->u.points, &b->u.points), SP_OK);
    assert_true(b->u.points.count > 100);
    assert_true(b->u.points.count < a->u.points.count);

    sp_pipeline_opts o = {.backend = SP_BACKEND_AUTO};
    assert_int_equal(sp_pipeline_create("synth frames=3 ! crop x=0:50 y=-20:20 "
                                        "range=2:45 ! voxel leaf=0.5,0.5,0.25 "
                                        "min_points=2",
                                        &o, &p),
                     SP_OK);
    int lidar_seen = 0, camera_seen = 0;
    for (;;) {
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc == SP_EOS)
            break;
        assert_int_equal(rc, SP_OK);
        if (f->payload == SP_PAYLOAD_POINTS) {
            if (f->seq == 1) {
                const sp_points *x = &f->u.points, *y = &b->u.points;
                assert_int_equal(x->count, y->count);
                /* AUTO may run SIMD: voxel is exact on CPU back-ends. */
                assert_memory_equal(x->x, y->x, y->count * sizeof(float));
                assert_memory_equal(x->z, y->z, y->count * sizeof(float));
                assert_memory_equal(x->ring, y->ring, y->count * 2);
            }
            lidar_seen++;
        } else {
            camera_seen++; /* passed through untouched */
            assert_int_equal(f->payload, SP_PAYLOAD_IMAGE);
        }
        sp_frame_unref(f);
    }
    assert_int_equal(lidar_seen, 3);
    assert_int_equal(camera_seen, 3);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    sp_frame_unref(a);
    sp_frame_unref(b);
    sp_frame_unref(raw);
    sp_kctx_destroy(k);
    assert_int_equal(sp_pipeline_destroy(ref), SP_OK);
}

static void test_bad_properties(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create("synth ! voxel leaf=0.2,0.1", NULL, &p);
    assert_int_not_equal(rc, SP_OK);
    assert_null(p);
    assert_non_null(strstr(sp_errmsg(), "leaf"));
    rc = sp_pipeline_create("synth ! crop x=5:1", NULL, &p);
    assert_int_not_equal(rc, SP_OK);
    assert_non_null(strstr(sp_errmsg(), "x"));
    rc = sp_pipeline_create("synth ! voxel leaf=-1", NULL, &p);
    assert_int_not_equal(rc, SP_OK);
    assert_non_null(strstr(sp_errmsg(), "leaf"));
    rc = sp_pipeline_create("synth ! crop invert=maybe", NULL, &p);
    assert_int_not_equal(rc, SP_OK);
    assert_non_null(strstr(sp_errmsg(), "invert"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crop_voxel_chain),
        cmocka_unit_test(test_bad_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
