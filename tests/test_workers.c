/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The fork-join pool behind threads= (pipeline/workers.c): every share of
 * every round runs once per call, a round starts after the one before has
 * finished and sees its writes, fewer shares than threads, a pool whose
 * threads take nothing (the caller runs every share, and the call still
 * ends), the threads taking shares again once let go, workers that sleep
 * at once or spin long, pinning and a CPU that is not there. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_status.h"
#include "workers_int.h"

typedef struct tally {
    int hits[SP__WORKERS_MAX];
    int seen_n[SP__WORKERS_MAX];
} tally;

static void count_share(void *arg, int i, int n)
{
    tally *t = arg;
    t->hits[i]++;
    t->seen_n[i] = n;
}

static void test_pool_runs_each_share(void **state)
{
    (void)state;
    sp__workers *w;
    tally t = {{0}, {0}};
    assert_int_equal(sp__workers_create(4, -1, &w), SP_OK);
    assert_int_equal(sp__workers_count(w), 4);
    for (int r = 0; r < 1000; r++)
        sp__workers_run(w, 4, count_share, &t);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(t.hits[i], 1000);
        assert_int_equal(t.seen_n[i], 4);
    }
    /* fewer shares than threads: no share past n runs */
    sp__workers_run(w, 2, count_share, &t);
    assert_int_equal(t.hits[0], 1001);
    assert_int_equal(t.hits[1], 1001);
    assert_int_equal(t.hits[2], 1000);
    assert_int_equal(t.seen_n[1], 2);
    sp__workers_destroy(w);
    sp__workers_destroy(NULL);
    memset(&t, 0, sizeof t);
    sp__workers_run(NULL, 3, count_share, &t);
    assert_int_equal(t.hits[0], 1);
    assert_int_equal(t.seen_n[0], 1);
}

/* ---- rounds ---- */

typedef struct rounds {
    int phases, n;
    /* ran[p][i]: times share i of round p ran in this call */
    int ran[SP__WORKERS_PHASES][SP__WORKERS_MAX];
    /* value[p][i]: what share i of round p wrote; a share of round p + 1
     * adds up round p's values, which it must see whole */
    long value[SP__WORKERS_PHASES][SP__WORKERS_MAX];
    atomic_int early; /* a share that saw its round before done */
    atomic_int finished[SP__WORKERS_PHASES];
    pthread_t caller;
    atomic_int on_caller, elsewhere;
    int nap_us; /* each share sleeps this long: lets the others in */
} rounds;

static void round_share(void *arg, int p, int i, int n)
{
    rounds *r = arg;
    if (n != r->n || p < 0 || p >= r->phases || i < 0 || i >= n) {
        atomic_fetch_add(&r->early, 1000);
        return;
    }
    long v = 1 + i;
    if (p > 0) {
        if (atomic_load(&r->finished[p - 1]) != n)
            atomic_fetch_add(&r->early, 1);
        for (int u = 0; u < n; u++)
            v += r->value[p - 1][u];
    }
    if (r->nap_us) {
        struct timespec ts = {0, (long)r->nap_us * 1000};
        nanosleep(&ts, NULL);
    }
    r->ran[p][i]++;
    r->value[p][i] = v;
    if (pthread_equal(pthread_self(), r->caller))
        atomic_fetch_add(&r->on_caller, 1);
    else
        atomic_fetch_add(&r->elsewhere, 1);
    atomic_fetch_add(&r->finished[p], 1);
}

/* What value[p][i] must be: share i adds 1 + i to the sum of the round
 * before's values. */
static long expect(int p, int i, int n)
{
    long v = 1 + i;
    if (p > 0)
        for (int u = 0; u < n; u++)
            v += expect(p - 1, u, n);
    return v;
}

static void one_call(sp__workers *w, rounds *r, int n, int phases)
{
    memset(r->ran, 0, sizeof r->ran);
    memset(r->value, 0, sizeof r->value);
    for (int p = 0; p < SP__WORKERS_PHASES; p++)
        atomic_store(&r->finished[p], 0);
    r->n = n;
    r->phases = phases;
    r->caller = pthread_self();
    sp__workers_run_phases(w, n, phases, round_share, r);
    assert_int_equal(atomic_load(&r->early), 0);
    for (int p = 0; p < phases; p++)
        for (int i = 0; i < n; i++) {
            assert_int_equal(r->ran[p][i], 1);
            assert_int_equal(r->value[p][i], expect(p, i, n));
        }
}

static void test_pool_rounds(void **state)
{
    (void)state;
    sp__workers *w;
    static rounds r;
    memset(&r, 0, sizeof r);
    assert_int_equal(sp__workers_create(4, -1, &w), SP_OK);
    uint32_t seed = 7;
    for (int c = 0; c < 3000; c++) {
        seed = seed * 1664525u + 1013904223u;
        int n = 1 + (int)(seed >> 8) % 4;
        int phases = 1 + (int)(seed >> 16) % 4;
        one_call(w, &r, n, phases);
    }
    /* the most rounds a call takes */
    one_call(w, &r, 4, SP__WORKERS_PHASES);
    sp__workers_destroy(w);
    /* no pool: every round on the caller, in order */
    memset(&r, 0, sizeof r);
    one_call(NULL, &r, 1, 3);
    assert_int_equal(atomic_load(&r.elsewhere), 0);
}

/* A pool whose threads take nothing (as when another process holds their
 * CPU): the caller runs every share of every round and the call ends;
 * let go, the threads take shares again. */
static void test_pool_caller_runs_all_when_held(void **state)
{
    (void)state;
    sp__workers *w;
    static rounds r;
    memset(&r, 0, sizeof r);
    assert_int_equal(sp__workers_create(3, -1, &w), SP_OK);
    sp__workers_hold(w, 1);
    r.nap_us = 200;
    for (int c = 0; c < 20; c++)
        one_call(w, &r, 3, 3);
    assert_int_equal(atomic_load(&r.on_caller), 20 * 9);
    assert_int_equal(atomic_load(&r.elsewhere), 0);
    sp__workers_hold(w, 0);
    /* Each share naps 1 ms, so a thread spinning or woken takes one; allow
     * many calls for a machine busy with other work. */
    r.nap_us = 1000;
    for (int c = 0; c < 500 && atomic_load(&r.elsewhere) == 0; c++)
        one_call(w, &r, 3, 2);
    assert_true(atomic_load(&r.elsewhere) > 0);
    sp__workers_destroy(w);
}

/* spin= and anticipate=: workers that sleep at once (every call wakes
 * them through the condition variable, or their own timed wake-up ahead of
 * the next call) and workers that spin through the gaps between calls all
 * run every share once. */
static void test_pool_spin(void **state)
{
    (void)state;
    static const long long spins[] = {0, 1000, 20000000};
    for (size_t k = 0; k < sizeof spins / sizeof *spins; k++) {
        sp__workers *w;
        static rounds r;
        memset(&r, 0, sizeof r);
        assert_int_equal(sp__workers_create(3, -1, &w), SP_OK);
        sp__workers_set_spin(w, spins[k]);
        /* the first pool wakes ahead of calls at a steady rate */
        sp__workers_set_anticipate(w, k == 0);
        for (int c = 0; c < 200; c++) {
            if (c % 20 == 0) {
                /* a gap: the workers go to sleep unless they spin */
                struct timespec ts = {0, 2000000};
                nanosleep(&ts, NULL);
            }
            one_call(w, &r, 1 + c % 3, 1 + c % 3);
        }
        sp__workers_destroy(w);
    }
}

static void test_pool_pins_and_refuses(void **state)
{
    (void)state;
    sp__workers *w;
    tally t = {{0}, {0}};
    assert_int_equal(sp__workers_create(3, 0, &w), SP_OK);
    sp__workers_run(w, 3, count_share, &t);
    assert_int_equal(t.hits[2], 1);
    sp__workers_destroy(w);
    assert_int_equal(sp__workers_create(2, 65535, &w), SP_ERANGE);
    assert_null(w);
    iot_msg_has("no such CPU", NULL);
    assert_int_equal(sp__workers_create(0, -1, &w), SP_ERANGE);
    assert_int_equal(sp__workers_create(SP__WORKERS_MAX + 1, -1, &w),
                     SP_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_runs_each_share),
        cmocka_unit_test(test_pool_rounds),
        cmocka_unit_test(test_pool_caller_runs_all_when_held),
        cmocka_unit_test(test_pool_spin),
        cmocka_unit_test(test_pool_pins_and_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
