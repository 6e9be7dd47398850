/* The fork-join pool of workers_int.h.
 *
 * A call writes its function, then publishes one 64-bit word: the call's
 * number, its share count n and its round count. Each share of each round
 * has a claim word holding the number of the last call that claimed it;
 * a thread claims share i of round p of call c by a compare-and-swap from
 * a number below c to c, so each share runs once per call, and a thread
 * still looking at a call that has ended claims nothing (every share of
 * it holds its number or a later one). Numbers are 64-bit: they never wrap.
 *
 * Own share first, then the others': in each round, thread t (the caller
 * is 0) claims share t, then any share still unclaimed. So when every
 * thread is on time, thread t runs share t of every round -- the data a
 * round leaves for the next stays in that core's cache -- and a worker that
 * wakes late or loses its CPU to another process leaves its shares to
 * whoever is free. A thread goes on to round p + 1 once every share of
 * round p has finished (spinning, then yielding); it holds no share of
 * round p then, so the rounds cannot deadlock.
 *
 * Waiting spins first, then sleeps. A worker that found nothing left to
 * take watches the call counter for SPIN_NS before it sleeps on a
 * condition variable, and the caller watches the finished count for as
 * long, then yields its CPU between looks up to FINAL_WAIT_NS, before it
 * sleeps. Why: on a virtual machine an idle vCPU halts,
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
 * Rounds wait without sleeping: every share of an earlier round is held
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

/* How long a waiter spins before it sleeps (see the top); a pool's
 * workers spin for the pool's spin_ns (sp__workers_set_spin()). */
#define SPIN_NS 50000
/* How long the caller waits for the last round's shares before it
 * sleeps: spinning, then yielding its CPU after SPIN_NS. A share often
 * ends 50-100 us after the caller's own, and a sleeping caller then took
 * ~30 us more to wake (a threads=2 voxel frame here); yielding keeps the
 * CPU for a worker that shares it. */
#define FINAL_WAIT_NS 200000

/* anticipate(): a sleeping worker wakes this long before the next call is
 * due (a wake-up of a halted vCPU took up to ~0.5 ms here), plus four
 * times the calls' mean deviation from their mean gap, and looks for it
 * until as long after. */
#define WINDOW_NS 1000000

/* The call word: call number (48 bits), n (8), rounds (8). */
#define W_CALL(c) ((c) >> 16)
#define W_N(c) ((int)(((c) >> 8) & 0xff))
#define W_PHASES(c) ((int)((c)&0xff))
#define W_MAKE(call, n, phases)                                                \
    (((uint64_t)(call) << 16) | ((uint64_t)(n) << 8) | (uint64_t)(phases))

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
    atomic_ulong gen;      /* bumped per call: wakes the sleepers */
    _Atomic uint64_t call; /* the call word (top) */
    uint64_t calls;        /* calls made (the caller's) */
    uint64_t forgotten;    /* of those, thrown away (the caller's) */
    /* claim[p][i]: the last call that claimed share i of round p */
    _Atomic uint64_t claim[SP__WORKERS_PHASES][SP__WORKERS_MAX];
    atomic_uint finished[SP__WORKERS_PHASES]; /* shares of a round done */
    atomic_int sleepers;     /* workers asleep (or going to sleep) on go */
    atomic_int caller_waits; /* the caller asleep (or going to) on done */
    atomic_int stop;
    atomic_int held;       /* sp__workers_hold() */
    atomic_int ready;      /* workers past their pinning */
    atomic_llong spin_ns;  /* how long an idle worker looks */
    atomic_int anticipate; /* sp__workers_set_anticipate() */
    /* the caller's: when the last call began, the mean time between
     * calls, and so when the next is due (0: not known yet) */
    long long last_start, mean_gap, dev_gap;
    atomic_llong due_ns, window_ns;
    /* this call's, written before the call word is published */
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

/* For round @p r of a spin: 1 once @p ns have passed since the first
 * look at the clock, which is read every 64 rounds only. */
static int spin_over(unsigned r, long long *end, long long ns)
{
    if ((r & 63) != 63)
        return 0;
    long long t = now_ns();
    if (*end == 0) {
        *end = t + ns;
        return 0;
    }
    return t >= *end;
}

/* Spins until *v != old or @p ns pass; 1 when it changed. Past SPIN_NS
 * it yields the CPU between looks: a long spin= must not keep another
 * process that shares the CPU from running. */
static int spin_ulong(atomic_ulong *v, unsigned long old, atomic_int *stop,
                      long long ns)
{
    long long end = 0, short_end = 0;
    for (unsigned r = 0;; r++) {
        if (atomic_load_explicit(v, memory_order_acquire) != old ||
            atomic_load_explicit(stop, memory_order_relaxed))
            return 1;
        CPU_RELAX();
        if (spin_over(r, &end, ns))
            return 0;
        if (short_end >= 0 && spin_over(r, &short_end, SPIN_NS))
            short_end = -1;
        if (short_end < 0 && (r & 63) == 63)
            sched_yield();
    }
}

/* Spins until *v reaches @p target: for SPIN_NS, then yielding the CPU
 * between looks until @p yield_ns have passed since the first look (for
 * ever when < 0), then gives up, returning 0. Also gives up when the call
 * word is no longer @p word (a thread late for a call that has ended). */
static int spin_reach(sp__workers *w, atomic_uint *v, unsigned target,
                      uint64_t word, long long yield_ns)
{
    long long end = 0, t0 = 0;
    for (unsigned r = 0; atomic_load(v) < target; r++) {
        if ((r & 63) == 63 && atomic_load(&w->call) != word)
            return 0;
        if (end < 0) {
            sched_yield();
            if (yield_ns >= 0 && (r & 15) == 15 && now_ns() - t0 >= yield_ns)
                return 0;
            continue;
        }
        CPU_RELAX();
        if (spin_over(r, &end, SPIN_NS)) {
            t0 = end - SPIN_NS;
            end = -1;
        }
    }
    return 1;
}

/* Claims share @p i of round @p p for call number @p call; 1 when this
 * thread got it. */
static int claim(sp__workers *w, int p, int i, uint64_t call)
{
    _Atomic uint64_t *c = &w->claim[p][i];
    uint64_t v = atomic_load_explicit(c, memory_order_relaxed);
    while (v < call)
        if (atomic_compare_exchange_weak_explicit(
                c, &v, call, memory_order_acq_rel, memory_order_relaxed))
            return 1;
    return 0;
}

/* Runs share @p i of round @p p, claimed: the call cannot end before it
 * has finished, so the call's fields are this call's. */
static void run_share(sp__workers *w, int p, int i, int n, int phases)
{
    if (w->fn1)
        w->fn1(w->arg, i, n);
    else
        w->fn(w->arg, p, i, n);
    if (atomic_fetch_add(&w->finished[p], 1) + 1 == (unsigned)n &&
        p == phases - 1 && atomic_load(&w->caller_waits)) {
        pthread_mutex_lock(&w->mu);
        pthread_cond_signal(&w->done);
        pthread_mutex_unlock(&w->mu);
    }
}

/* Thread @p self's part of the call published as @p word (see the top). */
static void take_shares(sp__workers *w, uint64_t word, int self)
{
    const uint64_t call = W_CALL(word);
    const int n = W_N(word), phases = W_PHASES(word);
    for (int p = 0; p < phases; p++) {
        if (p > 0 && !spin_reach(w, &w->finished[p - 1], (unsigned)n, word, -1))
            return;
        if (self < n && claim(w, p, self, call))
            run_share(w, p, self, n, phases);
        for (int k = 1; k < n; k++) {
            int i = (self + k) % n;
            if (claim(w, p, i, call))
                run_share(w, p, i, n, phases);
        }
    }
}

/* sp__workers_set_anticipate(): sleeps until a window before the next
 * call is due, then looks for it until as long after; 1 when it came. */
static int anticipate(sp__workers *w, unsigned long seen)
{
    long long due = atomic_load(&w->due_ns), win = atomic_load(&w->window_ns);
    if (!atomic_load(&w->anticipate) || due == 0)
        return 0;
    long long wake = due - win, now = now_ns();
    if (now >= due + win)
        return 0;
    if (wake > now) {
        struct timespec ts = {(time_t)(wake / 1000000000LL),
                              (long)(wake % 1000000000LL)};
        pthread_mutex_lock(&w->mu);
        atomic_fetch_add(&w->sleepers, 1);
        while (!atomic_load(&w->stop) && atomic_load(&w->gen) == seen &&
               pthread_cond_timedwait(&w->go, &w->mu, &ts) == 0)
            ;
        atomic_fetch_sub(&w->sleepers, 1);
        pthread_mutex_unlock(&w->mu);
        now = now_ns();
    }
    return spin_ulong(&w->gen, seen, &w->stop, due + win - now);
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
        if (!spin_ulong(&w->gen, seen, &w->stop, atomic_load(&w->spin_ns)) &&
            !anticipate(w, seen)) {
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
            take_shares(w, atomic_load_explicit(&w->call, memory_order_acquire),
                        self->index);
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
    atomic_store(&w->spin_ns, SPIN_NS);
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        free(w);
        return sp__fail(SP_ESYS, "threads=%d: cannot create a mutex", n);
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* anticipate()'s */
    pthread_cond_init(&w->go, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&w->done, NULL);
    atomic_store(&w->anticipate, 1);
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

void sp__workers_set_spin(sp__workers *w, long long ns)
{
    if (w != NULL)
        atomic_store(&w->spin_ns, ns < 0 ? 0 : ns);
}

void sp__workers_set_anticipate(sp__workers *w, int on)
{
    if (w != NULL)
        atomic_store(&w->anticipate, on != 0);
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
    w->fn1 = fn1;
    w->fn = fn;
    w->arg = arg;
    for (int p = 0; p < phases; p++)
        atomic_store(&w->finished[p], 0);
    /* Only the caller writes these. */
    const long long start = now_ns();
    if (w->last_start) {
        long long gap = start - w->last_start;
        if (w->mean_gap) {
            long long d = gap - w->mean_gap;
            w->mean_gap += d / 4;
            w->dev_gap += ((d < 0 ? -d : d) - w->dev_gap) / 4;
        } else {
            w->mean_gap = gap;
        }
        /* Early and late by the wake-up's time and four times the
         * frames' jitter, within half the gap. */
        long long win = WINDOW_NS + 4 * w->dev_gap;
        win = win < w->mean_gap / 2 ? win : w->mean_gap / 2;
        atomic_store(&w->window_ns, win);
        atomic_store(&w->due_ns, start + w->mean_gap);
    }
    w->last_start = start;
    const uint64_t word = W_MAKE(++w->calls, n, phases);
    atomic_store_explicit(&w->call, word, memory_order_release);
    atomic_fetch_add(&w->gen, 1);
    if (atomic_load(&w->sleepers) > 0) {
        pthread_mutex_lock(&w->mu);
        pthread_cond_broadcast(&w->go);
        pthread_mutex_unlock(&w->mu);
    }
    take_shares(w, word, 0);
    atomic_uint *last = &w->finished[phases - 1];
    if (spin_reach(w, last, (unsigned)n, word, FINAL_WAIT_NS))
        return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->caller_waits, 1);
    while (atomic_load(last) < (unsigned)n)
        pthread_cond_wait(&w->done, &w->mu);
    atomic_store(&w->caller_waits, 0);
    pthread_mutex_unlock(&w->mu);
}

uint64_t sp__workers_calls(const sp__workers *w)
{
    return w ? w->calls - w->forgotten : 0;
}

void sp__workers_forget_call(sp__workers *w)
{
    if (w)
        w->forgotten++;
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
