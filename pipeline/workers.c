/* The fork-join pool of workers_int.h.
 *
 * Shares are tickets. A call writes its function, then publishes one
 * 64-bit word: the call's number, its share count n, its ticket count
 * (rounds x n) and the next ticket to take. Any thread takes the next
 * ticket by a compare-and-swap on that word, so each ticket is run once,
 * and a thread that read a word of a call that has ended cannot take a
 * ticket of the next one (the call number differs). Ticket t is share
 * t % n of round t / n; before running it, a thread waits (spinning, then
 * yielding) until the tickets of the earlier rounds have all finished. No
 * thread waits while holding an unfinished ticket of an earlier round, as
 * tickets are taken in order: the rounds cannot deadlock. The caller
 * takes tickets like a worker, then waits for the tickets others hold.
 *
 * Waiting spins first, then sleeps. A worker that found nothing left to
 * take watches the call counter for SPIN_NS before it sleeps on a
 * condition variable, and the caller watches the finished count for as
 * long before it sleeps. Why: on a virtual machine an idle vCPU halts,
 * and waking it through a futex took a median of 13-30 us here and,
 * under load, up to milliseconds -- a large part of a 1 ms share. Why
 * not spin for ever: the machines this runs on are often shared, and a
 * spinning worker steals the core the caller's share needs; after
 * SPIN_NS a worker costs nothing until the next call. A sleeper is
 * counted (sleepers, caller_waits) so a call on a spinning pool makes no
 * system call at all; the counts and the counters are sequentially
 * consistent atomics, so either the waker sees the sleeper or the sleeper
 * sees the new value before it waits (and it checks again under the
 * mutex, which the waker takes to signal).
 *
 * Rounds wait without sleeping: every ticket of an earlier round is held
 * by a running thread, so it ends soon, and a handover through the kernel
 * costs ~100 us on the VMs this runs on. */
#include "workers_int.h"

#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
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

/* The ticket word: call number (32 bits), n (8), tickets (12), next (12). */
#define W_NEXT(c) ((unsigned)((c)&0xfff))
#define W_TOTAL(c) ((unsigned)(((c) >> 12) & 0xfff))
#define W_N(c) ((int)(((c) >> 24) & 0xff))
#define W_CALL(c) ((uint32_t)((c) >> 32))
#define W_MAKE(call, n, total)                                                 \
    (((uint64_t)(call) << 32) | ((uint64_t)(n) << 24) |                        \
     ((uint64_t)(total) << 12))

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
    atomic_ulong gen;        /* the call number, bumped per call */
    _Atomic uint64_t ticket; /* the ticket word (top) */
    atomic_uint finished;    /* tickets of this call returned */
    atomic_int sleepers;     /* workers asleep (or going to sleep) on go */
    atomic_int caller_waits; /* the caller asleep (or going to) on done */
    atomic_int stop;
    atomic_int held;  /* sp__workers_hold() */
    atomic_int ready; /* workers past their pinning */
    /* this call's, written before the ticket word is published */
    sp__work_fn fn1;
    sp__phase_fn fn;
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

/* Spins until *v reaches @p target: for SPIN_NS, then yielding the CPU
 * between looks (never sleeps) when @p yield, else gives up: 1 when it
 * got there. */
static int spin_reach(atomic_uint *v, unsigned target, int yield)
{
    long long end = 0;
    for (unsigned r = 0; atomic_load(v) < target; r++) {
        if (end < 0) {
            sched_yield();
            continue;
        }
        CPU_RELAX();
        if (spin_over(r, &end)) {
            if (!yield)
                return 0;
            end = -1;
        }
    }
    return 1;
}

/* Takes and runs tickets of call @p call until none is left. */
static void take_tickets(sp__workers *w, uint32_t call)
{
    uint64_t c = atomic_load_explicit(&w->ticket, memory_order_acquire);
    for (;;) {
        if (W_CALL(c) != call || W_NEXT(c) >= W_TOTAL(c))
            return;
        if (!atomic_compare_exchange_weak_explicit(&w->ticket, &c, c + 1,
                                                   memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        /* Ticket t is this thread's: the call cannot end before it has
         * run, so the call's fields are this call's. */
        const unsigned t = W_NEXT(c), total = W_TOTAL(c);
        const int n = W_N(c), phase = (int)t / n, i = (int)t % n;
        if (phase > 0)
            spin_reach(&w->finished, (unsigned)(phase * n), 1);
        if (w->fn1)
            w->fn1(w->arg, i, n);
        else
            w->fn(w->arg, phase, i, n);
        if (atomic_fetch_add(&w->finished, 1) + 1 == total &&
            atomic_load(&w->caller_waits)) {
            pthread_mutex_lock(&w->mu);
            pthread_cond_signal(&w->done);
            pthread_mutex_unlock(&w->mu);
        }
        c = atomic_load_explicit(&w->ticket, memory_order_acquire);
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
    atomic_fetch_add(&w->ready, 1);
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
        if (!atomic_load(&w->held))
            take_tickets(w, (uint32_t)seen);
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
        /* The workers say whether they could pin themselves. */
        while (atomic_load(&w->ready) < w->started)
            sched_yield();
        if (atomic_load(&w->pin_failed))
            rc = sp__fail(SP_ESYS,
                          "cpu=%d: hwloc cannot pin the worker threads", cpu);
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

void sp__workers_hold(sp__workers *w, int on)
{
    if (w != NULL)
        atomic_store(&w->held, on != 0);
}

static void run(sp__workers *w, int n, int phases, sp__work_fn fn1,
                sp__phase_fn fn, void *arg)
{
    if (phases < 1)
        return;
    if (phases > SP__WORKERS_PHASES)
        phases = SP__WORKERS_PHASES;
    if (w == NULL || n < 1)
        n = 1;
    else if (n > w->n)
        n = w->n;
    if (w == NULL || n == 1) {
        for (int p = 0; p < phases; p++)
            for (int i = 0; i < n; i++) {
                if (fn1)
                    fn1(arg, i, n);
                else
                    fn(arg, p, i, n);
            }
        return;
    }
    const unsigned total = (unsigned)(phases * n);
    w->fn1 = fn1;
    w->fn = fn;
    w->arg = arg;
    atomic_store(&w->finished, 0);
    /* Only the caller writes gen: this is the call's number. */
    unsigned long call = atomic_load(&w->gen) + 1;
    atomic_store_explicit(&w->ticket, W_MAKE((uint32_t)call, n, total),
                          memory_order_release);
    atomic_store(&w->gen, call);
    if (atomic_load(&w->sleepers) > 0) {
        pthread_mutex_lock(&w->mu);
        pthread_cond_broadcast(&w->go);
        pthread_mutex_unlock(&w->mu);
    }
    take_tickets(w, (uint32_t)call);
    if (spin_reach(&w->finished, total, 0))
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->caller_waits, 1);
    while (atomic_load(&w->finished) < total)
        pthread_cond_wait(&w->done, &w->mu);
    atomic_store(&w->caller_waits, 0);
    pthread_mutex_unlock(&w->mu);
}

void sp__workers_run(sp__workers *w, int n, sp__work_fn fn, void *arg)
{
    run(w, n, 1, fn, NULL, arg);
}

void sp__workers_run_phases(sp__workers *w, int n, int phases, sp__phase_fn fn,
                            void *arg)
{
    run(w, n, phases, NULL, fn, arg);
}
