/* The fork-join pool of workers_int.h. A call bumps a generation counter
 * under the mutex and broadcasts; each worker runs its share and the last
 * one to finish signals the caller. Condition variables rather than spin
 * waits: the machines this runs on are often shared, and a spinning worker
 * steals the core the caller's share needs. */
#include "workers_int.h"

#include <hwloc.h>
#include <pthread.h>
#include <stdlib.h>

#include "error_int.h"
#include "sp_status.h"

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
    unsigned long gen; /* bumped per call */
    int pending;       /* worker shares still running */
    int used;          /* shares this call */
    int stop;
    sp__work_fn fn;
    void *arg;
    hwloc_topology_t topo;
    hwloc_bitmap_t set[SP__WORKERS_MAX]; /* per worker; NULL: not pinned */
    int pin_failed;
    worker w[SP__WORKERS_MAX];
};

static void *worker_main(void *p)
{
    worker *self = p;
    sp__workers *w = self->pool;
    unsigned long seen = 0;

    if (w->set[self->index] != NULL &&
        hwloc_set_cpubind(w->topo, w->set[self->index], HWLOC_CPUBIND_THREAD) <
            0) {
        pthread_mutex_lock(&w->mu);
        w->pin_failed = 1;
        pthread_mutex_unlock(&w->mu);
    }
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->gen == seen)
            pthread_cond_wait(&w->go, &w->mu);
        if (w->stop)
            break;
        seen = w->gen;
        sp__work_fn fn = w->fn;
        void *arg = w->arg;
        int used = w->used;
        pthread_mutex_unlock(&w->mu);
        if (self->index < used)
            fn(arg, self->index, used);
        pthread_mutex_lock(&w->mu);
        if (--w->pending == 0)
            pthread_cond_signal(&w->done);
    }
    pthread_mutex_unlock(&w->mu);
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
    w->stop = 1;
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
    pthread_mutex_lock(&w->mu);
    w->fn = fn;
    w->arg = arg;
    w->used = n;
    w->pending = w->n - 1;
    w->gen++;
    pthread_cond_broadcast(&w->go);
    pthread_mutex_unlock(&w->mu);
    fn(arg, 0, n);
    pthread_mutex_lock(&w->mu);
    while (w->pending > 0)
        pthread_cond_wait(&w->done, &w->mu);
    pthread_mutex_unlock(&w->mu);
}
