/* Internal to pipeline/: a small fork-join pool that splits one frame's
 * work across a few threads. sp__workers_run() hands the same function to
 * every share: share 0 runs on the caller, shares 1..n-1 on the pool's
 * threads, and it returns when all are done. The threads are created once
 * (stage init) and, between calls, spin for a while and then sleep on a
 * condition variable (workers.c says why): a call allocates nothing and
 * creates no thread.
 *
 * Pinning: with cpu >= 0, worker k (1..n-1) is bound with hwloc to the
 * k-th CPU available to the process counting from cpu (wrapping), so
 * threads=2 cpu=0 puts the worker on the CPU after 0. The caller's own
 * thread is left where it is (a queue's cpu= pins that one). */
#ifndef SP_WORKERS_INT_H
#define SP_WORKERS_INT_H

#include <stdatomic.h>

#define SP__WORKERS_MAX 64

typedef struct sp__workers sp__workers;

/* Share @p i of @p n; @p arg is sp__workers_run()'s. */
typedef void (*sp__work_fn)(void *arg, int i, int n);

/* A pool for @p n shares (1..SP__WORKERS_MAX; n - 1 threads), pinned from
 * @p cpu (-1: not pinned). SP_ERANGE when cpu is not available to this
 * process, SP_ESYS / SP_ENOMEM otherwise; message set. */
int sp__workers_create(int n, int cpu, sp__workers **out);

/* Threads stopped and joined; NULL is a no-op. */
void sp__workers_destroy(sp__workers *w);

/* Shares in the pool (1 for NULL). */
int sp__workers_count(const sp__workers *w);

/* Runs fn(arg, i, n) for i = 0..n-1, share 0 on the calling thread, and
 * returns when every share has returned; @p n is at most the pool's count
 * (a frame too small to split takes fewer; the other workers wake and wait
 * again). @p w NULL runs fn(arg, 0, 1). One caller at a time. */
void sp__workers_run(sp__workers *w, int n, sp__work_fn fn, void *arg);

/* A barrier between the rounds of one call's shares: each share adds one
 * to *@p arrived (zeroed before the call) and returns once it reaches
 * @p target (n for the first round, 2n for the second, ...). It spins,
 * then yields the CPU between looks, and never sleeps: every share of a
 * call is running, so the last one comes soon, and a handover through
 * the kernel costs ~100 us on the VMs this runs on (workers.c). */
void sp__workers_barrier(atomic_int *arrived, int target);

#endif
