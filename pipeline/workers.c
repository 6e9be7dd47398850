/* The fork-join pool of workers_int.h. A call stores the share function,
 * bumps a generation counter and each worker runs its share; the last one
 * to finish tells the caller.
 *
 * Waiting spins first, then sleeps. A worker that finished a call watches
 * the counter for SPIN_NS before it sleeps on a condition variable, and the
 * caller watches the count of running shares for as long before it sleeps.
 * Why: on a virtual machine an idle vCPU halts, and waking it through a
 * futex took a median of 17-30 us here and, under load, up to milliseconds
 * (submit to the worker's first instruction) -- a large part of a 1 ms
 * share, paid again by every extra fork-join a frame makes (voxel makes
 * three). Why not spin for ever: the machines this runs on are often
 * shared, and a spinning worker steals the core the caller's share needs;
 * after SPIN_NS a worker costs nothing until the next call. A sleeper is
 * counted (sleepers, caller_sleeps) so a call on a spinning pool makes no
 * system call at all; the counts and the counters are sequentially
 * consistent atomics, so either the waker sees the sleeper or the sleeper
 * sees the new value before it waits (and it checks again under the
 * mutex, which the waker takes to signal). */
#include "workers_int.h"

#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "error_int.h"
#include "sp_status.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield" ::: "memory")
#else
#define CPU_RELAX() ((void)0)
#endif

/* How long a waiter spins before it sleeps (see the top). */
#define SPIN_NS 50000

typedef struct worker {
    sp__workers *pool;
    int index;
    pthread_t tid;
} worker;

struct sp__workers {
    int n;
    int started; /* threads created */
    pthread_mutex_t mu;
    pthread_cond_t go;
    pthread_cond_t done;
    atomic_ulong gen;        /* bumped per call */
    atomic_int pending;      /* worker threads still in this call */
    atomic_int sleepers;     /* workers asleep (or going to sleep) on go */
    atomic_int caller_waits; /* the caller asleep (or going to) on done */
    atomic_int stop;
    /* this call's, written before gen is bumped and read after */
    int used;
    sp__work_fn fn;
    void *arg;
    hwloc_topology_t topo;
    hwloc_bitmap_t set[SP__WORKERS_MAX]; /* per worker; NULL: not pinned */
    atomic_int pin_failed;
    worker w[SP__WORKERS_MAX];
};

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* For round @p r of a spin: 1 once SPIN_NS have passed since the first
 * look at the clock, which is read every 64 rounds only. */
static int spin_over(unsigned r, long long *end)
{
    if ((r & 63) != 63)
        return 0;
    long long t = now_ns();
    if (*end == 0) {
        *end = t + SPIN_NS;
        return 0;
    }
    return t >= *end;
}

/* Spins until *v != old or SPIN_NS pass; 1 when it changed. */
static int spin_ulong(atomic_ulong *v, unsigned long old, atomic_int *stop)
{
    long long end = 0;
    for (unsigned r = 0;; r++) {
        if (atomic_load_explicit(v, memory_order_acquire) != old ||
            atomic_load_explicit(stop, memory_order_relaxed))
            return 1;
        CPU_RELAX();
        if (spin_over(r, &end))
            return 0;
    }
}

static int spin_zero(atomic_int *v)
{
    long long end = 0;
    for (unsigned r = 0;; r++) {
        if (atomic_load_explicit(v, memory_order_acquire) == 0)
            return 1;
        CPU_RELAX();
        if (spin_over(r, &end))
            return 0;
    }
}

static void *worker_main(void *p)
{
    worker *self = p;
    sp__workers *w = self->pool;
    unsigned long seen = 0;

    if (w->set[self->index] != NULL &&
        hwloc_set_cpubind(w->topo, w->set[self->index], HWLOC_CPUBIND_THREAD) <
            0)
        atomic_store(&w->pin_failed, 1);
    for (;;) {
        if (!spin_ulong(&w->gen, seen, &w->stop)) {
            pthread_mutex_lock(&w->mu);
            atomic_fetch_add(&w->sleepers, 1);
            while (!atomic_load(&w->stop) && atomic_load(&w->gen) == seen)
                pthread_cond_wait(&w->go, &w->mu);
            atomic_fetch_sub(&w->sleepers, 1);
            pthread_mutex_unlock(&w->mu);
        }
        if (atomic_load(&w->stop))
            break;
        seen = atomic_load_explicit(&w->gen, memory_order_acquire);
        if (self->index < w->used)
            w->fn(w->arg, self->index, w->used);
        if (atomic_fetch_sub(&w->pending, 1) == 1 &&
            atomic_load(&w->caller_waits)) {
            pthread_mutex_lock(&w->mu);
            pthread_cond_signal(&w->done);
            pthread_mutex_unlock(&w->mu);
        }
    }
    return NULL;
}

static int pin_sets(sp__workers *w, int cpu)
{
    char have[128];

    if (hwloc_topology_init(&w->topo) < 0)
        return sp__fail(SP_ESYS, "cpu=%d: hwloc could not read the topology",
                        cpu);
    if (hwloc_topology_load(w->topo) < 0) {
        hwloc_topology_destroy(w->topo);
        w->topo = NULL;
        return sp__fail(SP_ESYS, "cpu=%d: hwloc could not read the topology",
                        cpu);
    }
    hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(w->topo);
    if (!hwloc_bitmap_isset(allowed, (unsigned)cpu)) {
        hwloc_bitmap_list_snprintf(have, sizeof have, allowed);
        return sp__fail(SP_ERANGE,
                        "property 'cpu' = '%d': no such CPU available to this "
                        "process, expected one of %s",
                        cpu, have);
    }
    int c = cpu;
    for (int k = 1; k < w->n; k++) {
        c = hwloc_bitmap_next(allowed, c);
        if (c < 0)
            c = hwloc_bitmap_first(allowed);
        w->set[k] = hwloc_bitmap_alloc();
        if (w->set[k] == NULL)
            return sp__fail(SP_ENOMEM, "cpu=%d: out of memory", cpu);
        hwloc_bitmap_only(w->set[k], (unsigned)c);
    }
    return SP_OK;
}

int sp__workers_create(int n, int cpu, sp__workers **out)
{
    *out = NULL;
    if (n < 1 || n > SP__WORKERS_MAX)
        return sp__fail(SP_ERANGE, "threads=%d: expected 1 to %d", n,
                        SP__WORKERS_MAX);
    sp__workers *w = calloc(1, sizeof *w);
    if (w == NULL)
        return sp__fail(SP_ENOMEM, "threads=%d: out of memory", n);
    w->n = n;
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return sp__fail(SP_ESYS, "threads=%d: cannot create a mutex", n);
    }
    pthread_cond_init(&w->go, NULL);
    pthread_cond_init(&w->done, NULL);
    int rc = SP_OK;
    if (cpu >= 0 && n > 1)
        rc = pin_sets(w, cpu);
    for (int k = 1; rc == SP_OK && k < n; k++) {
        w->w[k].pool = w;
        w->w[k].index = k;
        if (pthread_create(&w->w[k].tid, NULL, worker_main, &w->w[k]) != 0)
            rc = sp__fail(SP_ESYS, "threads=%d: cannot start thread %d", n, k);
        else
            w->started = k;
    }
    if (rc == SP_OK && cpu >= 0 && n > 1) {
        /* Wait for the workers to have pinned themselves: a call runs the
         * fn once, which is enough to know. */
        sp__workers_run(w, n, NULL, NULL);
        if (w->pin_failed)
            rc = sp__fail(SP_ESYS,
                          "cpu=%d: hwloc cannot pin the worker "
                          "threads",
                          cpu);
    }
    if (rc < 0) {
        sp__workers_destroy(w);
        return rc;
    }
    *out = w;
    return SP_OK;
}

void sp__workers_destroy(sp__workers *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, 1);
    pthread_cond_broadcast(&w->go);
    pthread_mutex_unlock(&w->mu);
    for (int k = 1; k <= w->started; k++)
        pthread_join(w->w[k].tid, NULL);
    for (int k = 0; k < SP__WORKERS_MAX; k++)
        if (w->set[k] != NULL)
            hwloc_bitmap_free(w->set[k]);
    if (w->topo != NULL)
        hwloc_topology_destroy(w->topo);
    pthread_cond_destroy(&w->go);
    pthread_cond_destroy(&w->done);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int sp__workers_count(const sp__workers *w)
{
    return w ? w->n : 1;
}

static void nothing(void *arg, int i, int n)
{
    (void)arg;
    (void)i;
    (void)n;
}

void sp__workers_run(sp__workers *w, int n, sp__work_fn fn, void *arg)
{
    if (fn == NULL)
        fn = nothing;
    if (w == NULL || n > w->n)
        n = w ? w->n : 1;
    if (n <= 1) {
        fn(arg, 0, 1);
        return;
    }
    w->fn = fn;
    w->arg = arg;
    w->used = n;
    atomic_store(&w->pending, w->n - 1);
    atomic_fetch_add(&w->gen, 1);
    if (atomic_load(&w->sleepers) > 0) {
        pthread_mutex_lock(&w->mu);
        pthread_cond_broadcast(&w->go);
        pthread_mutex_unlock(&w->mu);
    }
    fn(arg, 0, n);
    if (spin_zero(&w->pending))
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->caller_waits, 1);
    while (atomic_load(&w->pending) > 0)
        pthread_cond_wait(&w->done, &w->mu);
    atomic_store(&w->caller_waits, 0);
    pthread_mutex_unlock(&w->mu);
}

void sp__workers_barrier(atomic_int *arrived, int target)
{
    long long end = 0;
    atomic_fetch_add(arrived, 1);
    for (unsigned r = 0; atomic_load(arrived) < target; r++) {
        if (end < 0) {
            sched_yield();
            continue;
        }
        CPU_RELAX();
        if (spin_over(r, &end))
            end = -1;
    }
}
