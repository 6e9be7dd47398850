/* ctest-label: unit */
/* After warm-up, taking frames from the pool manager and laying out packed
 * arrays in them performs no heap allocation. malloc, calloc, realloc and
 * friends are interposed here (the executable's definitions win over
 * libc's) and counted while a flag is on. AddressSanitizer owns malloc, so
 * under it the case is skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_image.h"
#include "sp_points.h"
#include "sp_poolmgr.h"
#include "sp_tensor.h"

#include "sp_alloc_counter.h"

#ifndef SP_TEST_ASAN

/* One pipeline-like frame: a point cloud, an image and a tensor. */
static void one_frame(sp_poolmgr *mgr, int *failures)
{
    sp_block *pb, *ib, *tb;
    size_t shape[3] = {3, 64, 80};
    size_t pn = sp_points_block_size(1000, SP_POINTS_RING | SP_POINTS_TIME);
    size_t in = sp_image_block_size(641, 480, SP_PIX_RGB8, 0);
    size_t tn = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
    if (sp_poolmgr_acquire(mgr, pn, &pb) || sp_poolmgr_acquire(mgr, in, &ib) ||
        sp_poolmgr_acquire(mgr, tn, &tb)) {
        ++*failures;
        return;
    }
    sp_points p;
    sp_image img;
    sp_tensor t;
    *failures += sp_points_init(&p, sp_block_data(pb), sp_block_size(pb), 1000,
                                SP_POINTS_RING | SP_POINTS_TIME) != SP_OK;
    *failures += sp_image_init(&img, sp_block_data(ib), sp_block_size(ib), 641,
                               480, SP_PIX_RGB8, 0) != SP_OK;
    *failures += sp_tensor_init(&t, sp_block_data(tb), sp_block_size(tb),
                                SP_DTYPE_F32, 3, shape) != SP_OK;
    p.x[999] = 1.0f;
    sp_image_row(&img, 479)[641 * 3 - 1] = 7;
    sp_block_ref(ib); /* a second consumer of the image */
    sp_block_unref(ib);
    sp_pool_release(tb);
    sp_pool_release(ib);
    sp_pool_release(pb);
}
#endif

static void test_no_heap_allocation_after_warmup(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip(); /* AddressSanitizer owns malloc: interposing it is not possible */
#else
    sp_poolmgr_desc d = {.budget_bytes = 64u << 20};
    sp_poolmgr *mgr;
    assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
    int failures = 0;
    for (int i = 0; i < 3; i++)
        one_frame(mgr, &failures); /* warm-up: pools and blocks created */
    assert_int_equal(failures, 0);

    /* The interposer itself must see the library's allocations, or a zero
     * count below would prove nothing. */
    uint64_t before = sp_test_alloc_calls();
    void *volatile probe = malloc(16); /* volatile: not elided */
    uint64_t after = sp_test_alloc_calls();
    free(probe);
    assert_int_equal(after - before, 1);

    before = sp_test_alloc_calls();
    for (int i = 0; i < 1000; i++)
        one_frame(mgr, &failures);
    sp_pool_stats st;
    sp_poolmgr_stats_get(mgr, 0, &st);
    after = sp_test_alloc_calls();
    assert_int_equal(failures, 0);
    assert_int_equal(after - before, 0);
    assert_int_equal(st.grows, st.blocks);
    assert_int_equal(st.acquires, 1003);

    /* And a pool that must grow does allocate (a header per new block). */
    sp_block *held[2];
    assert_int_equal(sp_poolmgr_acquire(mgr, 4096, &held[0]), SP_OK);
    before = sp_test_alloc_calls();
    assert_int_equal(sp_poolmgr_acquire(mgr, 4096, &held[1]), SP_OK);
    assert_true(sp_test_alloc_calls() - before >= 1);
    sp_pool_release(held[0]);
    sp_pool_release(held[1]);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_heap_allocation_after_warmup),
    };
    return cmocka_run_group_tests_name("pool_noalloc", tests, NULL, NULL);
}
