/* mem_demo: the memory layer the way a pipeline uses it.
 *
 * A producer thread takes a lidar sweep (points), a camera frame (image)
 * and a network input (tensor) from a pool manager for every frame and
 * hands them to a consumer thread through a small queue; the consumer
 * "processes" them (touches the memory) and releases them. Each size class
 * may hold only a few blocks, so when the consumer is slow the producer
 * waits for blocks to come back (back-pressure) instead of allocating.
 * Afterwards it shows the budget refusing a request, trimming, and prints
 * the pool report: reuse, waits, locking and NUMA placement.
 *
 *   sample_mem_demo [frames] [--json]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "sensorpipe.h"

#define QUEUE_DEPTH 2

typedef struct frame {
    sp_block *points, *image, *tensor;
    sp_points pts;
    sp_image img;
    sp_tensor ten;
} frame;

typedef struct queue {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    frame items[QUEUE_DEPTH];
    int head, count, done;
} queue;

static void queue_push(queue *q, const frame *f)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == QUEUE_DEPTH)
        pthread_cond_wait(&q->cv, &q->mu);
    q->items[(q->head + q->count) % QUEUE_DEPTH] = *f;
    q->count++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

static int queue_pop(queue *q, frame *f)
{
    pthread_mutex_lock(&q->mu);
    while (q->count == 0 && !q->done)
        pthread_cond_wait(&q->cv, &q->mu);
    int ok = q->count > 0;
    if (ok) {
        *f = q->items[q->head];
        q->head = (q->head + 1) % QUEUE_DEPTH;
        q->count--;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return ok;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The consumer: uses the frame, then gives every block back. */
static void *consume(void *arg)
{
    queue *q = arg;
    frame f;
    double sink = 0;
    while (queue_pop(q, &f)) {
        for (size_t i = 0; i < f.pts.count; i += 64)
            sink += f.pts.x[i] + f.pts.intensity[i];
        sink += sp_image_row(&f.img, f.img.height - 1)[0];
        sleep_ms(2); /* a slow stage: the producer will have to wait */
        sp_pool_release(f.tensor);
        sp_pool_release(f.image);
        sp_pool_release(f.points);
    }
    return sink < 0 ? (void *)1 : NULL;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "mem_demo: %s: %s (%s)\n", what, sp_errmsg(),
            sp_status_name(rc));
    return 1;
}

/* Takes one frame's blocks and lays the arrays out in them. */
static int produce(sp_poolmgr *mgr, unsigned n, frame *f)
{
    const size_t npts = 120000 + (n % 7) * 1000; /* sweeps vary in size */
    const unsigned fields = SP_POINTS_RING | SP_POINTS_TIME;
    const size_t shape[3] = {3, 256, 512};
    int rc;
    memset(f, 0, sizeof *f);
    if ((rc = sp_poolmgr_acquire(mgr, sp_points_block_size(npts, fields),
                                 &f->points)) < 0)
        return fail("points block", rc);
    sp_points_init(&f->pts, sp_block_data(f->points), sp_block_size(f->points),
                   npts, fields);
    for (size_t i = 0; i < npts; i++) {
        f->pts.x[i] = (float)i * 0.01f;
        f->pts.intensity[i] = (float)(i & 255);
    }
    f->pts.count = npts;
    if ((rc = sp_poolmgr_acquire(mgr,
                                 sp_image_block_size(1242, 375, SP_PIX_RGB8, 0),
                                 &f->image)) < 0)
        return fail("image block", rc);
    sp_image_init(&f->img, sp_block_data(f->image), sp_block_size(f->image),
                  1242, 375, SP_PIX_RGB8, 0);
    memset(sp_image_row(&f->img, 0), (int)n, f->img.stride * f->img.height);
    if ((rc = sp_poolmgr_acquire(mgr,
                                 sp_tensor_block_size(SP_DTYPE_F32, 3, shape),
                                 &f->tensor)) < 0)
        return fail("tensor block", rc);
    sp_tensor_init(&f->ten, sp_block_data(f->tensor), sp_block_size(f->tensor),
                   SP_DTYPE_F32, 3, shape);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned frames = 200;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (atoi(argv[i]) > 0)
            frames = (unsigned)atoi(argv[i]);
        else {
            fprintf(stderr, "usage: %s [frames] [--json]\n", argv[0]);
            return 2;
        }
    }

    /* Four blocks per class: two in the queue, one being consumed, one
     * being produced. A 64 MiB budget holds that comfortably. */
    sp_poolmgr_desc d = {.budget_bytes = 64u << 20,
                         .max_blocks_per_pool = 4,
                         .timeout_ms = 5000};
    sp_poolmgr *mgr;
    int rc = sp_poolmgr_create(&d, &mgr);
    if (rc < 0)
        return fail("pool manager", rc);

    queue q = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    pthread_t consumer;
    pthread_create(&consumer, NULL, consume, &q);
    int bad = 0;
    for (unsigned n = 0; n < frames && !bad; n++) {
        frame f;
        bad = produce(mgr, n, &f);
        if (bad) {
            sp_pool_release(f.points);
            sp_pool_release(f.image);
            sp_pool_release(f.tensor);
        } else {
            queue_push(&q, &f);
        }
    }
    pthread_mutex_lock(&q.mu);
    q.done = 1;
    pthread_cond_broadcast(&q.cv);
    pthread_mutex_unlock(&q.mu);
    pthread_join(consumer, NULL);

    static char report[16384];
    if (json) {
        sp_poolmgr_report(mgr, SP_REPORT_JSON, report, sizeof report);
        fputs(report, stdout);
        sp_poolmgr_destroy(mgr);
        return bad;
    }

    printf("sensorpipe memory layer: %u frames of points + image + tensor "
           "through a queue of %d\n\n",
           frames, QUEUE_DEPTH);
    sp_poolmgr_report(mgr, SP_REPORT_TABLE, report, sizeof report);
    fputs(report, stdout);

    /* What the figures say. */
    uint64_t acq = 0, grows = 0, waits = 0, wait_ns = 0, reserved = 0;
    uint64_t locked = 0, refused = 0;
    sp_pool_stats st = {0};
    for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
        sp_poolmgr_stats_get(mgr, i, &st);
        acq += st.acquires;
        grows += st.grows;
        waits += st.waits;
        wait_ns += st.wait_ns;
        reserved += st.bytes_reserved;
        locked += st.bytes_locked;
        refused += st.lock_failures;
    }
    printf("\nreuse:   %llu acquires were served by %llu blocks mapped once "
           "(%.1f%% from the free list: no allocation per frame)\n",
           (unsigned long long)acq, (unsigned long long)grows,
           acq ? 100.0 * (double)(acq - grows) / (double)acq : 0.0);
    printf("waits:   the producer waited %llu times (%.1f ms in all) for "
           "the slow consumer to return blocks (back-pressure)\n",
           (unsigned long long)waits, (double)wait_ns / 1e6);
    struct rlimit rl;
    getrlimit(RLIMIT_MEMLOCK, &rl);
    if (refused == 0)
        printf("locking: all %.1f MiB locked in RAM with mlock()\n",
               (double)locked / (1 << 20));
    else
        printf("locking: mlock() refused for %llu blocks (RLIMIT_MEMLOCK "
               "%llu KiB): %.1f of %.1f MiB locked, the rest served "
               "unlocked\n",
               (unsigned long long)refused,
               (unsigned long long)(rl.rlim_cur == RLIM_INFINITY
                                        ? 0
                                        : rl.rlim_cur / 1024),
               (double)locked / (1 << 20), (double)reserved / (1 << 20));
    printf("NUMA:    %s\n", st.numa_note);

    /* The budget at work: a 50 MiB block (class 56 MiB) does not fit next
     * to what the pools hold until their idle blocks are trimmed... */
    sp_block *big;
    double before = (double)sp_poolmgr_reserved(mgr) / (1 << 20);
    rc = sp_poolmgr_acquire(mgr, 50u << 20, &big);
    printf("\nbudget:  a 50 MiB request with %.1f MiB reserved -> %s\n", before,
           sp_status_name(rc));
    if (rc == SP_OK) {
        uint64_t trimmed = 0;
        for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
            sp_poolmgr_stats_get(mgr, i, &st);
            trimmed += st.trims;
        }
        printf("         (%llu idle blocks of other classes were trimmed to "
               "make room; %.1f MiB reserved now)\n",
               (unsigned long long)trimmed,
               (double)sp_poolmgr_reserved(mgr) / (1 << 20));
        sp_pool_release(big);
    }
    /* ...and a request larger than the whole budget never does. */
    rc = sp_poolmgr_acquire(mgr, 100u << 20, &big);
    printf("         a 100 MiB request -> %s: %s\n", sp_status_name(rc),
           sp_errmsg());
    int freed = sp_poolmgr_trim(mgr);
    printf("trim:    %d idle blocks freed, %.1f MiB reserved now\n", freed,
           (double)sp_poolmgr_reserved(mgr) / (1 << 20));

    rc = sp_poolmgr_destroy(mgr);
    if (rc < 0)
        return fail("destroy", rc);
    return bad;
}
