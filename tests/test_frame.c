/* ctest-label: unit */
/* Frames: header and payload in one pool block, alignment, reference
 * counting through the block, metadata copy, and failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sp_frame.h"

static uint64_t in_use(const sp_poolmgr *mgr)
{
    uint64_t n = 0;
    for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
        sp_pool_stats s;
        assert_int_equal(sp_poolmgr_stats_get(mgr, i, &s), SP_OK);
        n += s.in_use;
    }
    return n;
}

static int inside_block(const sp_frame *f, const void *p, size_t bytes)
{
    const uint8_t *b = sp_block_data(f->block);
    const uint8_t *q = p;
    return q >= b && q + bytes <= b + sp_block_size(f->block);
}

static void test_points(void **state)
{
    (void)state;
    sp_poolmgr *mgr;
    sp_frame *f;
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    assert_int_equal(
        sp_frame_create_points(mgr, 1000, SP_POINTS_RING | SP_POINTS_TIME, &f),
        SP_OK);
    /* The header is the block's start; the arrays follow inside it. */
    assert_ptr_equal(f, sp_block_data(f->block));
    assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
    assert_int_equal(f->sensor, SP_SENSOR_LIDAR);
    assert_int_equal(f->u.points.capacity, 1000);
    assert_int_equal(f->u.points.count, 0);
    assert_int_equal((uintptr_t)f->u.points.x % 64, 0);
    assert_int_equal((uintptr_t)f->u.points.ring % 64, 0);
    assert_true(inside_block(f, f->u.points.x, 1000 * sizeof(float)));
    assert_true(inside_block(f, f->u.points.time, 1000 * sizeof(float)));
    assert_true((uint8_t *)f->u.points.x >= (uint8_t *)(f + 1));
    f->u.points.time[999] = 1.0f; /* the last element is writable */
    assert_int_equal(f->seq, 0);
    assert_string_equal(f->stream, "");
    assert_int_equal(in_use(mgr), 1);

    /* Reference counting is the block's. */
    sp_frame_ref(f);
    assert_int_equal(sp_block_refcount(f->block), 2);
    sp_frame_unref(f);
    assert_int_equal(sp_block_refcount(f->block), 1);
    assert_int_equal(in_use(mgr), 1);
    sp_frame_unref(f);
    assert_int_equal(in_use(mgr), 0);
    sp_frame_ref(NULL);
    sp_frame_unref(NULL);

    /* An empty cloud is a valid frame. */
    assert_int_equal(sp_frame_create_points(mgr, 0, 0, &f), SP_OK);
    assert_int_equal(f->u.points.capacity, 0);
    sp_frame_unref(f);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_image_tensor(void **state)
{
    (void)state;
    sp_poolmgr *mgr;
    sp_frame *f, *g;
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    assert_int_equal(
        sp_frame_create_image(mgr, 1242, 375, SP_PIX_BAYER_RGGB8, 0, &f),
        SP_OK);
    assert_int_equal(f->payload, SP_PAYLOAD_IMAGE);
    assert_int_equal(f->sensor, SP_SENSOR_CAMERA);
    assert_int_equal(f->u.image.width, 1242);
    assert_int_equal(f->u.image.stride, 1280);
    assert_int_equal((uintptr_t)f->u.image.data % 64, 0);
    assert_true(inside_block(f, f->u.image.data, 1280 * 375));

    size_t shape[3] = {3, 256, 256};
    assert_int_equal(sp_frame_create_tensor(mgr, SP_DTYPE_F32, 3, shape, &g),
                     SP_OK);
    assert_int_equal(g->payload, SP_PAYLOAD_TENSOR);
    assert_int_equal(g->sensor, SP_SENSOR_TENSOR);
    assert_int_equal(g->u.tensor.shape[1], 256);
    assert_true(inside_block(g, g->u.tensor.data, 3 * 256 * 256 * 4));

    f->seq = 42;
    f->timestamp_ns = 123456789;
    strcpy(f->stream, "image_02");
    sp_frame_copy_meta(g, f);
    assert_int_equal(g->seq, 42);
    assert_int_equal(g->timestamp_ns, 123456789);
    assert_string_equal(g->stream, "image_02");
    assert_int_equal(g->sensor, SP_SENSOR_CAMERA);
    assert_int_equal(g->payload, SP_PAYLOAD_TENSOR); /* payload is not meta */
    sp_frame_unref(f);
    sp_frame_unref(g);
    assert_int_equal(in_use(mgr), 0);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_failures(void **state)
{
    (void)state;
    sp_poolmgr *mgr;
    sp_frame *f = (sp_frame *)1;
    sp_poolmgr_desc d = {.budget_bytes = 1 << 20};
    assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
    size_t bad_shape[1] = {0};
    assert_int_equal(
        sp_frame_create_tensor(mgr, SP_DTYPE_F32, 0, bad_shape, &f), SP_EINVAL);
    assert_null(f);
    assert_non_null(strstr(sp_errmsg(), "sp_frame_create_tensor"));
    f = (sp_frame *)1;
    assert_int_equal(sp_frame_create_image(mgr, 0, 10, SP_PIX_GRAY8, 0, &f),
                     SP_EINVAL);
    assert_null(f);
    assert_int_equal(sp_frame_create_image(mgr, 10, 10, (sp_pixfmt)999, 0, &f),
                     SP_EINVAL);
    /* Past the budget: the pool manager's error comes back. */
    assert_int_equal(sp_frame_create_points(mgr, 1 << 20, 0, &f), SP_EBUDGET);
    assert_null(f);
    assert_int_equal(sp_frame_create_points(NULL, 10, 0, &f), SP_EINVAL);
    assert_int_equal(in_use(mgr), 0);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    assert_string_equal(sp_sensor_name(SP_SENSOR_LIDAR), "lidar");
    assert_string_equal(sp_sensor_name(SP_SENSOR_TENSOR), "tensor");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points),
        cmocka_unit_test(test_image_tensor),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
