/* ctest-label: unit */
/* Buffer pool: reuse of the pool's own blocks (LIFO), statistics, back-
 * pressure with waits and timeouts, the NOWAIT policy, reference counting
 * and refusal to destroy a busy pool. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_pool.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static sp_pool *make_pool(uint32_t max_blocks, sp_pool_policy policy,
                          int64_t timeout_ms)
{
    sp_pool_desc d = {
        .name = "test",
        .block_size = 10000,
        .max_blocks = max_blocks,
        .policy = policy,
        .timeout_ms = timeout_ms,
    };
    sp_pool *pool = NULL;
    int rc = sp_pool_create(&d, &pool);
    if (rc != SP_OK)
        print_error("sp_pool_create: %s\n", sp_errmsg());
    assert_int_equal(rc, SP_OK);
    assert_non_null(pool);
    return pool;
}

static int in_set(void *const *set, int n, const void *p)
{
    for (int i = 0; i < n; i++)
        if (set[i] == p)
            return 1;
    return 0;
}

static void test_reuse_same_blocks_and_stats(void **state)
{
    (void)state;
    enum { K = 4, CYCLES = 1000 };
    sp_pool *pool = make_pool(K, SP_POOL_WAIT, 1000);
    sp_block *b[K];
    void *addrs[K];

    /* Warm-up: K blocks are mapped once. */
    for (int i = 0; i < K; i++) {
        assert_int_equal(sp_pool_acquire(pool, &b[i]), SP_OK);
        addrs[i] = sp_block_data(b[i]);
        assert_int_equal((uintptr_t)addrs[i] % 64, 0);
        assert_true(sp_block_size(b[i]) == 10000);
        assert_ptr_equal(sp_block_pool(b[i]), pool);
        assert_int_equal(sp_block_refcount(b[i]), 1);
        memset(addrs[i], 0xA5, 10000); /* the whole block is usable */
    }
    for (int i = 0; i < K; i++)
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(addrs[i], addrs[j]);
    for (int i = 0; i < K; i++) {
        sp_pool_release(b[i]);
        assert_int_equal(sp_block_refcount(b[i]), 0);
    }

    /* Steady state: every cycle takes 1..K blocks; each must be one of the
     * warm-up blocks, and the last released comes back first (LIFO). */
    uint64_t acquired = 0;
    for (int c = 0; c < CYCLES; c++) {
        int k = 1 + c % K;
        for (int i = 0; i < k; i++) {
            assert_int_equal(sp_pool_acquire(pool, &b[i]), SP_OK);
            assert_true(in_set(addrs, K, sp_block_data(b[i])));
            acquired++;
        }
        void *last = sp_block_data(b[k - 1]);
        for (int i = 0; i < k; i++)
            sp_pool_release(b[i]);
        sp_block *again;
        assert_int_equal(sp_pool_acquire(pool, &again), SP_OK);
        assert_ptr_equal(sp_block_data(again), last);
        sp_pool_release(again);
        acquired++;
    }

    sp_pool_stats st;
    assert_int_equal(sp_pool_stats_get(pool, &st), SP_OK);
    assert_string_equal(st.name, "test");
    assert_int_equal(st.block_size, 10000);
    assert_int_equal(st.alignment, 64);
    assert_int_equal(st.blocks, K);
    assert_int_equal(st.grows, K);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.high_water, K);
    assert_int_equal(st.max_blocks, K);
    assert_int_equal(st.acquires, K + acquired);
    assert_int_equal(st.releases, K + acquired);
    assert_int_equal(st.reuses, acquired);
    assert_int_equal(st.waits, 0);
    assert_int_equal(st.wait_ns, 0);
    assert_int_equal(st.timeouts, 0);
    assert_int_equal(st.trims, 0);
    double ratio = (double)acquired / (double)(K + acquired);
    assert_true(st.reuse_ratio > ratio - 1e-9 && st.reuse_ratio < ratio + 1e-9);
    /* 10000 bytes round up to whole pages per block. */
    long page = sysconf(_SC_PAGESIZE);
    uint64_t per =
        (10000 + (uint64_t)page - 1) / (uint64_t)page * (uint64_t)page;
    assert_int_equal(st.bytes_reserved, K * per);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

static void test_ref_unref_counts(void **state)
{
    (void)state;
    sp_pool *pool = make_pool(1, SP_POOL_NOWAIT, 0);
    sp_block *b, *c;
    assert_int_equal(sp_pool_acquire(pool, &b), SP_OK);
    sp_block_ref(b);
    sp_block_ref(b);
    assert_int_equal(sp_block_refcount(b), 3);
    sp_block_unref(b);
    sp_block_unref(b);
    assert_int_equal(sp_block_refcount(b), 1);
    /* Still referenced: the only block is not free. */
    assert_int_equal(sp_pool_acquire(pool, &c), SP_EAGAIN);
    assert_null(c);
    sp_block_unref(b);
    assert_int_equal(sp_block_refcount(b), 0);
    /* An extra unref of an idle block must not put it on the list twice. */
    sp_block_unref(b);
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.releases, 1);
    assert_int_equal(st.in_use, 0);
    sp_block *x, *y;
    assert_int_equal(sp_pool_acquire(pool, &x), SP_OK);
    assert_int_equal(sp_pool_acquire(pool, &y), SP_EAGAIN);
    sp_pool_release(x);
    sp_block_ref(NULL);
    sp_block_unref(NULL);
    assert_null(sp_block_data(NULL));
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

typedef struct releaser {
    sp_pool *pool;
    sp_block *block;
    int delay_ms;
} releaser;

/* Releases the block once the other thread is known to be waiting (the
 * pool counts a wait when it starts), so a slow scheduler cannot turn the
 * case into one without a wait. */
static void *release_later(void *arg)
{
    releaser *r = arg;
    sp_pool_stats st;
    for (int i = 0; i < 10000; i++) {
        sp_pool_stats_get(r->pool, &st);
        if (st.waits > 0)
            break;
        usleep(1000);
    }
    usleep((useconds_t)r->delay_ms * 1000);
    sp_pool_release(r->block);
    return NULL;
}

static void check_wait_for_release(int64_t timeout_ms)
{
    sp_pool *pool = make_pool(2, SP_POOL_WAIT, timeout_ms);
    sp_block *a, *b, *got;
    assert_int_equal(sp_pool_acquire(pool, &a), SP_OK);
    assert_int_equal(sp_pool_acquire(pool, &b), SP_OK);

    releaser r = {pool, b, 30};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_later, &r), 0);
    uint64_t t0 = now_ns();
    int rc = sp_pool_acquire(pool, &got);
    uint64_t waited = now_ns() - t0;
    pthread_join(t, NULL);
    assert_int_equal(rc, SP_OK);
    /* The waiter gets exactly the block the other thread gave back. */
    assert_ptr_equal(got, b);
    assert_true(waited >= 25u * 1000000u);

    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.waits, 1);
    assert_true(st.wait_ns >= 25u * 1000000u);
    assert_true(st.wait_ns <= waited);
    assert_int_equal(st.timeouts, 0);
    assert_int_equal(st.blocks, 2);
    assert_int_equal(st.in_use, 2);
    sp_pool_release(a);
    sp_pool_release(got);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

static void test_acquire_waits_for_release(void **state)
{
    (void)state;
    check_wait_for_release(5000);
}

static void test_acquire_waits_forever_for_release(void **state)
{
    (void)state;
    check_wait_for_release(-1);
}

static void test_acquire_times_out(void **state)
{
    (void)state;
    sp_pool *pool = make_pool(1, SP_POOL_WAIT, 100);
    sp_block *a, *b = (sp_block *)&b;
    assert_int_equal(sp_pool_acquire(pool, &a), SP_OK);
    uint64_t t0 = now_ns();
    int rc = sp_pool_acquire(pool, &b);
    uint64_t el = now_ns() - t0;
    assert_int_equal(rc, SP_ETIMEDOUT);
    assert_null(b);
    assert_true(el >= 95u * 1000000u);
    assert_true(el < 2000u * 1000000u);
    assert_non_null(strstr(sp_errmsg(), "'test'"));
    assert_non_null(strstr(sp_errmsg(), "100 ms"));

    /* The explicit-timeout form overrides the pool's. */
    t0 = now_ns();
    assert_int_equal(sp_pool_acquire_timeout(pool, 30, &b), SP_ETIMEDOUT);
    el = now_ns() - t0;
    assert_true(el >= 28u * 1000000u && el < 2000u * 1000000u);

    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.waits, 2);
    assert_int_equal(st.timeouts, 2);
    assert_true(st.wait_ns >= 120u * 1000000u);
    assert_int_equal(st.acquires, 1);
    sp_pool_release(a);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

static void test_nowait_fails_at_once(void **state)
{
    (void)state;
    sp_pool *pool = make_pool(1, SP_POOL_NOWAIT, 5000);
    sp_block *a, *b;
    assert_int_equal(sp_pool_acquire(pool, &a), SP_OK);
    uint64_t t0 = now_ns();
    assert_int_equal(sp_pool_acquire(pool, &b), SP_EAGAIN);
    assert_null(b);
    /* A zero timeout on a WAIT pool behaves the same. */
    assert_int_equal(sp_pool_acquire_timeout(pool, 0, &b), SP_EAGAIN);
    assert_true(now_ns() - t0 < 500u * 1000000u);
    assert_non_null(strstr(sp_errmsg(), "max_blocks"));
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.timeouts, 2);
    assert_int_equal(st.waits, 0);
    sp_pool_release(a);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

static void test_destroy_busy_refused(void **state)
{
    (void)state;
    sp_pool *pool = make_pool(0, SP_POOL_WAIT, 0);
    sp_block *b[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(sp_pool_acquire(pool, &b[i]), SP_OK);
    sp_pool_release(b[0]);
    assert_int_equal(sp_pool_destroy(pool), SP_EBUSY);
    assert_non_null(strstr(sp_errmsg(), "2 of 3 blocks"));
    /* Refused means intact: the pool still serves and counts. */
    sp_block *c;
    assert_int_equal(sp_pool_acquire(pool, &c), SP_OK);
    assert_ptr_equal(c, b[0]);
    sp_pool_release(c);
    sp_pool_release(b[1]);
    assert_int_equal(sp_pool_destroy(pool), SP_EBUSY);
    assert_non_null(strstr(sp_errmsg(), "1 of 3 blocks"));
    sp_pool_release(b[2]);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
    assert_int_equal(sp_pool_destroy(NULL), SP_OK);
}

static void test_min_blocks_and_trim(void **state)
{
    (void)state;
    sp_pool_desc d = {.block_size = 4096, .min_blocks = 5, .max_blocks = 8};
    sp_pool *pool;
    assert_int_equal(sp_pool_create(&d, &pool), SP_OK);
    sp_pool_stats st;
    sp_pool_stats_get(pool, &st);
    assert_string_equal(st.name, "pool");
    assert_int_equal(st.blocks, 5);
    assert_int_equal(st.grows, 5);
    assert_int_equal(st.in_use, 0);

    sp_block *held;
    assert_int_equal(sp_pool_acquire(pool, &held), SP_OK);
    assert_int_equal(sp_pool_trim(pool, 1), 3); /* 4 idle, keep 1 */
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.blocks, 2);
    assert_int_equal(st.trims, 3);
    assert_int_equal(st.bytes_reserved, 2 * 4096);
    assert_int_equal(sp_pool_trim(pool, 0), 1);
    assert_int_equal(sp_pool_trim(pool, 0), 0);
    sp_pool_release(held);
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.blocks, 1);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

/* Reserved blocks are idle, counted once, served without growing, and
 * never pass max_blocks. */
static void test_reserve_grows_idle_blocks(void **state)
{
    (void)state;
    sp_pool *pool = make_pool(6, SP_POOL_WAIT, 1000);
    sp_pool_stats st;
    sp_block *b[6];

    assert_int_equal(sp_pool_acquire(pool, &b[0]), SP_OK);
    assert_int_equal(sp_pool_reserve(pool, 4), SP_OK);
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.blocks, 4);
    assert_int_equal(st.grows, 4);
    assert_int_equal(st.in_use, 1);
    assert_int_equal(sp_pool_reserve(pool, 3), SP_OK); /* already there */
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.grows, 4);
    for (int i = 1; i < 4; i++)
        assert_int_equal(sp_pool_acquire(pool, &b[i]), SP_OK);
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.grows, 4);
    assert_int_equal(st.reuses, 3);
    assert_int_equal(sp_pool_reserve(pool, 100), SP_OK); /* capped at 6 */
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.blocks, 6);
    for (int i = 4; i < 6; i++)
        assert_int_equal(sp_pool_acquire(pool, &b[i]), SP_OK);
    sp_pool_stats_get(pool, &st);
    assert_int_equal(st.grows, 6);
    for (int i = 0; i < 6; i++)
        sp_pool_release(b[i]);
    assert_int_equal(sp_pool_destroy(pool), SP_OK);
}

static void test_bad_desc(void **state)
{
    (void)state;
    sp_pool *pool = (sp_pool *)&pool;
    sp_pool_desc d = {.block_size = 0};
    assert_int_equal(sp_pool_create(&d, &pool), SP_EINVAL);
    assert_null(pool);
    assert_non_null(strstr(sp_errmsg(), "block_size"));
    d.block_size = 100;
    d.alignment = 96;
    assert_int_equal(sp_pool_create(&d, &pool), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "power of two"));
    d.alignment = 0;
    d.min_blocks = 4;
    d.max_blocks = 2;
    assert_int_equal(sp_pool_create(&d, &pool), SP_EINVAL);
    d.min_blocks = 0;
    d.block_size = SIZE_MAX - 10;
    assert_int_equal(sp_pool_create(&d, &pool), SP_EINVAL);
    assert_int_equal(sp_pool_create(NULL, &pool), SP_EINVAL);
    sp_block *b = (sp_block *)&b;
    assert_int_equal(sp_pool_acquire(NULL, &b), SP_EINVAL);
    assert_null(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reuse_same_blocks_and_stats),
        cmocka_unit_test(test_ref_unref_counts),
        cmocka_unit_test(test_acquire_waits_for_release),
        cmocka_unit_test(test_acquire_waits_forever_for_release),
        cmocka_unit_test(test_acquire_times_out),
        cmocka_unit_test(test_nowait_fails_at_once),
        cmocka_unit_test(test_destroy_busy_refused),
        cmocka_unit_test(test_min_blocks_and_trim),
        cmocka_unit_test(test_reserve_grows_idle_blocks),
        cmocka_unit_test(test_bad_desc),
    };
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
