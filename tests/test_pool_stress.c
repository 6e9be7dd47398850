/* ctest-label: unit */
/* ctest-timeout: 120 */
/* Buffer pool under contention: 4 threads, 10^6 acquire/ref/unref/release
 * cycles in total on a pool with fewer blocks than the threads want, so
 * acquires wait and the last unref races between threads. Afterwards no
 * block is lost or returned twice: counts balance, every block is back on
 * the free list with a reference count of 0, and all are distinct. (Each
 * thread holds one block at a time and the slot one: 3 blocks always leave
 * one for a thread, so waiting cannot deadlock.) */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sp_pool.h"

enum { THREADS = 4, TOTAL_CYCLES = 1000000, MAX_BLOCKS = 3 };

typedef struct shared {
    sp_pool *pool;
    _Atomic(sp_block *) slot; /* a donated reference passed between threads */
    _Atomic int errors;
    _Atomic int double_handout;
} shared;

typedef struct worker {
    shared *sh;
    int id;
    int handoff; /* 1: pass a second reference to another thread */
    int cycles;
    sp_block *seen[MAX_BLOCKS + 1];
    int nseen;
} worker;

/* The first 8 bytes of a block's data hold the id of the thread that owns
 * it exclusively; a block handed to two owners at once shows up here. */
static _Atomic uint64_t *owner_word(sp_block *b)
{
    return (_Atomic uint64_t *)sp_block_data(b);
}

static void note_seen(worker *w, sp_block *b)
{
    for (int i = 0; i < w->nseen; i++)
        if (w->seen[i] == b)
            return;
    if (w->nseen < MAX_BLOCKS + 1)
        w->seen[w->nseen++] = b;
}

static void *run(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    uint64_t me = (uint64_t)w->id + 1;
    for (int i = 0; i < w->cycles; i++) {
        sp_block *b;
        if (sp_pool_acquire_timeout(sh->pool, -1, &b) != SP_OK) {
            atomic_fetch_add(&sh->errors, 1);
            continue;
        }
        note_seen(w, b);
        uint64_t prev = atomic_exchange(owner_word(b), me);
        if (prev != 0)
            atomic_fetch_add(&sh->double_handout, 1);
        sp_block_ref(b);
        if (sp_block_refcount(b) < 2)
            atomic_fetch_add(&sh->errors, 1);
        /* The owner mark is cleared while this thread still holds its
         * references, before anyone else can drop the last one. */
        atomic_store(owner_word(b), 0);
        if (w->handoff) {
            /* Donate the extra reference; drop the one found there. Who
             * drops the last reference of a block is a race. */
            sp_block *old = atomic_exchange(&sh->slot, b);
            sp_block_unref(old);
        } else {
            sp_block_unref(b);
        }
        sp_pool_release(b);
    }
    return NULL;
}

static void test_stress_no_block_lost(void **state)
{
    (void)state;
    shared sh = {0};
    sp_pool_desc d = {.name = "stress",
                      .block_size = 256,
                      .max_blocks = MAX_BLOCKS,
                      .no_lock = 1};
    assert_int_equal(sp_pool_create(&d, &sh.pool), SP_OK);
    atomic_init(&sh.slot, NULL);

    worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){.sh = &sh,
                        .id = i,
                        .handoff = i % 2,
                        .cycles = TOTAL_CYCLES / THREADS};
        assert_int_equal(pthread_create(&t[i], NULL, run, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    sp_block_unref(atomic_exchange(&sh.slot, NULL));

    assert_int_equal(atomic_load(&sh.errors), 0);
    assert_int_equal(atomic_load(&sh.double_handout), 0);

    sp_pool_stats st;
    assert_int_equal(sp_pool_stats_get(sh.pool, &st), SP_OK);
    assert_int_equal(st.acquires, TOTAL_CYCLES);
    assert_int_equal(st.releases, TOTAL_CYCLES);
    assert_int_equal(st.in_use, 0);
    assert_true(st.blocks <= MAX_BLOCKS);
    assert_int_equal(st.grows, st.blocks);
    assert_int_equal(st.reuses, TOTAL_CYCLES - st.grows);
    assert_true(st.high_water <= MAX_BLOCKS);
    assert_int_equal(st.timeouts, 0);
    print_message("%llu blocks, %llu waits (%.1f ms), high water %llu\n",
                  (unsigned long long)st.blocks, (unsigned long long)st.waits,
                  (double)st.wait_ns / 1e6, (unsigned long long)st.high_water);

    /* Every block any thread saw is idle now. */
    sp_block *all[THREADS * (MAX_BLOCKS + 1)];
    int nall = 0;
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < w[i].nseen; j++) {
            assert_int_equal(sp_block_refcount(w[i].seen[j]), 0);
            int dup = 0;
            for (int k = 0; k < nall; k++)
                dup |= all[k] == w[i].seen[j];
            if (!dup)
                all[nall++] = w[i].seen[j];
        }
    assert_int_equal(nall, st.blocks);

    /* The free list holds each block exactly once: taking them all gives
     * distinct blocks, and one more finds none. */
    sp_block *got[MAX_BLOCKS];
    for (uint64_t i = 0; i < st.blocks; i++) {
        assert_int_equal(sp_pool_acquire_timeout(sh.pool, 0, &got[i]), SP_OK);
        for (uint64_t k = 0; k < i; k++)
            assert_ptr_not_equal(got[i], got[k]);
    }
    if (st.blocks == MAX_BLOCKS) {
        sp_block *none;
        assert_int_equal(sp_pool_acquire_timeout(sh.pool, 0, &none), SP_EAGAIN);
    }
    for (uint64_t i = 0; i < st.blocks; i++)
        sp_pool_release(got[i]);
    assert_int_equal(sp_pool_destroy(sh.pool), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_no_block_lost),
    };
    return cmocka_run_group_tests_name("pool_stress", tests, NULL, NULL);
}
