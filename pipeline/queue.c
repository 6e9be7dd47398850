/* The queue stage: `queue depth=4 cpu=1`.
 *
 * Everything upstream of a queue runs in the queue's own thread (started on
 * the first pull, pinned with hwloc when cpu= is given), which pushes frames
 * into a bounded ring of depth slots; the downstream side pops them. The
 * ring is allocated once at init, so a frame crossing costs no heap memory.
 * End of stream and errors cross too, after the frames before them, and an
 * error keeps the upstream's message text (messages are per thread, so the
 * text is copied across).
 *
 * Stopping: every wait is a timed wait that also checks the pipeline's stop
 * flag, so sp_pipeline_stop() from a signal handler is noticed within
 * WAIT_MS. fini() empties the ring (which may be what an upstream source is
 * waiting for to get a block), tells the thread to quit and joins it. */
#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline_int.h"

#define WAIT_MS 50

/* Frames of one pool alive at once around a full queue: its depth slots,
 * the one the upstream thread waits to push, and two downstream (the frame
 * being used and the one pulled next, as `for f in pipeline` holds both). */
#define QUEUE_SLACK 3

typedef struct queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    int sync_ok;
    sp_frame **ring;
    uint32_t depth, head, count;
    sp_pool *reserved; /* last pool grown to depth + QUEUE_SLACK blocks */
    int started;
    pthread_t thread;
    int quit;          /* fini asked the thread to stop */
    int producer_done; /* the thread has ended; end_status says why */
    int end_status;
    char end_msg[SP__ERRMSG_MAX];
    int cpu; /* -1: not pinned */
    hwloc_topology_t topo;
    hwloc_bitmap_t set;
} queue;

static const sp_prop_spec queue_props[] = {
    {.name = "depth",
     .type = SP_PROP_INT,
     .def = "4",
     .min = 1,
     .max = 1024,
     .help = "frames the ring holds between the two threads"},
    {.name = "cpu",
     .type = SP_PROP_INT,
     .min = 0,
     .max = 65535,
     .optional = 1,
     .help = "pin the upstream thread to this CPU (OS index, as in taskset)"},
};

static void deadline(struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_nsec += WAIT_MS * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int pin_init(sp_stage *st, queue *q)
{
    char have[128];

    if (hwloc_topology_init(&q->topo) < 0 || hwloc_topology_load(q->topo) < 0)
        return sp_stage_fail(
            st, SP_ESYS, "cpu=%d: hwloc could not read the topology", q->cpu);
    hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(q->topo);
    if (q->cpu < 0) {
        /* --realtime without cpu=: queue n on the n-th allowed CPU. */
        int n = 0, w = hwloc_bitmap_weight(allowed);
        for (int i = 0; i < st->index; i++)
            n += st->pipe->stages[i]->cls == &sp__stage_queue;
        q->cpu = hwloc_bitmap_first(allowed);
        for (int k = 0; w > 0 && k < n % w; k++)
            q->cpu = hwloc_bitmap_next(allowed, (unsigned)q->cpu);
        if (q->cpu < 0)
            return sp_stage_fail(st, SP_ESYS, "no CPU allowed to pin to");
    }
    if (!hwloc_bitmap_isset(allowed, (unsigned)q->cpu)) {
        hwloc_bitmap_list_snprintf(have, sizeof have, allowed);
        return sp_stage_fail(st, SP_ERANGE,
                             "property 'cpu' = '%d': no such CPU available "
                             "to this process, expected one of %s",
                             q->cpu, have);
    }
    q->set = hwloc_bitmap_alloc();
    if (q->set == NULL)
        return sp_stage_fail(st, SP_ENOMEM, "cpu=%d: out of memory", q->cpu);
    hwloc_bitmap_only(q->set, (unsigned)q->cpu);
    return SP_OK;
}

/* A failed init() is followed by queue_fini() (pipeline.c), which copes
 * with any partial state. */
static int queue_init(sp_stage *st)
{
    queue *q = sp_stage_priv(st);
    pthread_condattr_t ca;
    const sp_prop_value *cpu = sp_stage_prop(st, "cpu");

    q->depth = (uint32_t)sp_stage_prop_int(st, "depth");
    q->cpu = cpu->set ? (int)cpu->i : -1;
    q->ring = calloc(q->depth, sizeof *q->ring);
    if (q->ring == NULL)
        return sp_stage_fail(st, SP_ENOMEM, "out of memory for %u slots",
                             q->depth);
    /* Timed waits on the monotonic clock: a wall-clock jump must not turn
     * a 50 ms wait into an hour. */
    if (pthread_condattr_init(&ca) != 0)
        return sp_stage_fail(st, SP_ESYS, "pthread_condattr_init failed");
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int ok = pthread_mutex_init(&q->mu, NULL) == 0;
    ok = ok && pthread_cond_init(&q->not_empty, &ca) == 0;
    ok = ok && pthread_cond_init(&q->not_full, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return sp_stage_fail(st, SP_ESYS, "cannot create its mutex");
    q->sync_ok = 1;
    if (q->cpu >= 0 || st->pipe->realtime)
        SP_TRY(pin_init(st, q));
    return SP_OK;
}

/* How full the ring gets depends on timing, so without this the pool
 * would reach its high-water mark at the first burst, however late, and
 * that growth would count as a heap allocation after warm-up. Growing it
 * to what the queue can hold when its first frame passes makes the
 * allocation happen while warming up. A refusal by the budget is not an
 * error (acquires then wait for blocks to come back, as before); running
 * out of memory is. */
static int reserve(sp_stage *st, queue *q, const sp_frame *f)
{
    sp_pool *pool = f->block ? sp_block_pool(f->block) : NULL;
    if (pool == NULL || pool == q->reserved)
        return SP_OK;
    q->reserved = pool;
    int rc = sp_pool_reserve(pool, q->depth + QUEUE_SLACK);
    if (rc < 0 && rc != SP_EBUDGET)
        return sp_stage_fail(st, rc,
                             "growing the upstream pool to %u blocks: %s",
                             q->depth + QUEUE_SLACK, sp_errmsg());
    return SP_OK;
}

/* The producer: pulls everything upstream of the queue and fills the ring
 * until end of stream, an error, or a stop. */
static void *queue_thread(void *arg)
{
    sp_stage *st = arg;
    queue *q = sp_stage_priv(st);
    sp_frame *f;
    int rc;

    if (q->set != NULL &&
        hwloc_set_cpubind(q->topo, q->set, HWLOC_CPUBIND_THREAD) < 0) {
        char err[128];
        rc = sp_stage_fail(st, SP_ESYS,
                           "cannot pin the upstream thread to CPU %d: %s",
                           q->cpu, strerror_r(errno, err, sizeof err));
        goto end;
    }
    if (st->pipe->realtime) {
        struct sched_param sp = {.sched_priority = 50};
        int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (e != 0) {
            char err[128];
            sp_stage_note(st,
                          "realtime: SCHED_FIFO not permitted (%s); the "
                          "upstream thread runs on the normal scheduler "
                          "(grant CAP_SYS_NICE or an rtprio limit, ulimit -r)",
                          strerror_r(e, err, sizeof err));
        }
    }
    for (;;) {
        rc = sp__stage_pull(st->upstream, &f);
        if (rc != SP_OK)
            break;
        atomic_fetch_add_explicit(&st->frames_in, 1, memory_order_relaxed);
        rc = reserve(st, q, f);
        if (rc < 0) {
            sp_frame_unref(f);
            break;
        }
        pthread_mutex_lock(&q->mu);
        while (q->count == q->depth && !q->quit && !sp__stage_stopping(st)) {
            struct timespec ts;
            deadline(&ts);
            pthread_cond_timedwait(&q->not_full, &q->mu, &ts);
        }
        if (q->quit || sp__stage_stopping(st)) {
            pthread_mutex_unlock(&q->mu);
            sp_frame_unref(f);
            rc = sp__fail(SP_ECANCELED, "stage '%s': stopped",
                          sp_stage_name(st));
            break;
        }
        q->ring[(q->head + q->count) % q->depth] = f;
        q->count++;
        /* The consumer only waits on an empty ring. */
        if (q->count == 1)
            pthread_cond_signal(&q->not_empty);
        pthread_mutex_unlock(&q->mu);
    }
end:
    pthread_mutex_lock(&q->mu);
    q->producer_done = 1;
    q->end_status = rc;
    if (rc < 0)
        snprintf(q->end_msg, sizeof q->end_msg, "%s", sp_errmsg());
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

static int queue_pull(sp_stage *st, sp_frame **out)
{
    queue *q = sp_stage_priv(st);
    int rc;

    if (!q->started) {
        /* Started by the first pull, not by init: nothing upstream runs
         * before someone downstream asks. It starts with every signal
         * blocked, so a process-directed one (Ctrl-C, SIGTERM) reaches a
         * thread of the application, whose handler may stop the pipeline,
         * and never interrupts the reads and writes upstream. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        rc = pthread_create(&q->thread, NULL, queue_thread, st);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0)
            return sp_stage_fail(st, SP_ESYS, "cannot start its thread: %s",
                                 strerror(rc));
        q->started = 1;
    }
    pthread_mutex_lock(&q->mu);
    for (;;) {
        if (q->count > 0) {
            *out = q->ring[q->head];
            q->ring[q->head] = NULL;
            q->head = (q->head + 1) % q->depth;
            q->count--;
            /* A producer waiting on a full ring is woken once half of it
             * is free, not on every pop: on a busy machine each wake-up
             * costs a trip through the scheduler, and refilling in batches
             * keeps the two threads from ping-ponging. (Its timed wait
             * catches a consumer that stops before that.) */
            if (q->count == q->depth / 2)
                pthread_cond_signal(&q->not_full);
            pthread_mutex_unlock(&q->mu);
            return SP_OK;
        }
        if (q->producer_done) {
            rc = q->end_status;
            pthread_mutex_unlock(&q->mu);
            /* Re-raise the upstream thread's message on this thread. */
            return rc < 0 ? sp__fail(rc, "%s", q->end_msg) : rc;
        }
        if (sp__stage_stopping(st)) {
            pthread_mutex_unlock(&q->mu);
            return sp__fail(SP_ECANCELED, "stage '%s': stopped",
                            sp_stage_name(st));
        }
        /* Waiting for the upstream thread is upstream time, as it is for
         * a filter calling sp_stage_pull_upstream(): the queue's own time
         * is the handoff. */
        struct timespec ts;
        uint64_t t0 = sp__now_ns();
        deadline(&ts);
        pthread_cond_timedwait(&q->not_empty, &q->mu, &ts);
        st->upstream_ns += sp__now_ns() - t0;
    }
}

static void drain_locked(queue *q)
{
    while (q->count > 0) {
        sp_frame_unref(q->ring[q->head]);
        q->ring[q->head] = NULL;
        q->head = (q->head + 1) % q->depth;
        q->count--;
    }
}

static void queue_fini(sp_stage *st)
{
    queue *q = sp_stage_priv(st);

    if (q->sync_ok) {
        pthread_mutex_lock(&q->mu);
        q->quit = 1;
        /* Emptying the ring first gives a source that waits for a block
         * its block back, so the thread can reach the quit check. */
        drain_locked(q);
        pthread_cond_broadcast(&q->not_full);
        pthread_mutex_unlock(&q->mu);
        if (q->started)
            pthread_join(q->thread, NULL);
        q->started = 0;
        drain_locked(q);
        pthread_cond_destroy(&q->not_empty);
        pthread_cond_destroy(&q->not_full);
        pthread_mutex_destroy(&q->mu);
        q->sync_ok = 0;
    }
    free(q->ring);
    q->ring = NULL;
    if (q->set != NULL)
        hwloc_bitmap_free(q->set);
    if (q->topo != NULL)
        hwloc_topology_destroy(q->topo);
    q->set = NULL;
    q->topo = NULL;
}

const sp_stage_class sp__stage_queue = {
    .name = "queue",
    .takes = "points, image, tensor (any frame)",
    .gives = "points, image, tensor: the same frames, made upstream on its own "
             "thread",
    .description = "runs everything upstream in its own thread (pinned "
                   "with cpu=), handing frames over a bounded ring",
    .props = queue_props,
    .nprops = sizeof queue_props / sizeof queue_props[0],
    .priv_size = sizeof(queue),
    .init = queue_init,
    .pull = queue_pull,
    .fini = queue_fini,
};
