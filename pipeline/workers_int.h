/* Internal to pipeline/: a small fork-join pool that splits one frame's
 * work across a few threads. sp__workers_run() hands out shares 0..n-1 of
 * a call; the caller takes shares too, and it returns when all are done.
 * sp__workers_run_phases() runs several rounds in one call: a round's
 * shares start only after every share of the round before has returned.
 * The threads are created once (stage init) and, between calls, spin for
 * a while and then sleep on a condition variable (workers.c says why): a
 * call allocates nothing and creates no thread.
 *
 * A share is not tied to a thread. Thread t (the caller is 0) runs share
 * t of each round when it is on time, so what a round leaves for the next
 * stays in that core's cache; a share its thread has not claimed by the
 * time another thread is free goes to that thread. So a worker that wakes
 * late, or whose CPU another process holds, costs the call at most the
 * share it has taken: the others run the rest, and a frame on N threads
 * is never much slower than on one. A share function must therefore not
 * wait for another share of its round (use a next round) and must find
 * its per-share state by its index, never by thread.
 *
 * Pinning: with cpu >= 0, worker k (1..n-1) is bound with hwloc to the
 * k-th CPU available to the process counting from cpu (wrapping), so
 * threads=2 cpu=0 puts the worker on the CPU after 0. The caller's own
 * thread is left where it is (a queue's cpu= pins that one). */
#ifndef SP_WORKERS_INT_H
#define SP_WORKERS_INT_H

#include <stdint.h>

#define SP__WORKERS_MAX 64
#define SP__WORKERS_PHASES 8 /* rounds of one call, at most */

typedef struct sp__workers sp__workers;

/* Share @p i of @p n; @p arg is sp__workers_run()'s. */
typedef void (*sp__work_fn)(void *arg, int i, int n);

/* Share @p i of @p n of round @p phase. */
typedef void (*sp__phase_fn)(void *arg, int phase, int i, int n);

/* A pool for @p n shares (1..SP__WORKERS_MAX; n - 1 threads), pinned from
 * @p cpu (-1: not pinned). SP_ERANGE when cpu is not available to this
 * process, SP_ESYS / SP_ENOMEM otherwise; message set. */
int sp__workers_create(int n, int cpu, sp__workers **out);

/* Threads stopped and joined; NULL is a no-op. */
void sp__workers_destroy(sp__workers *w);

/* Shares in the pool (1 for NULL). */
int sp__workers_count(const sp__workers *w);

/* Runs fn(arg, i, n) once for each i = 0..n-1, on the calling thread and
 * the pool's, and returns when every share has returned; @p n is at most
 * the pool's count (a frame too small to split takes fewer). @p w NULL
 * runs every share on the calling thread. One caller at a time. */
void sp__workers_run(sp__workers *w, int n, sp__work_fn fn, void *arg);

/* Rounds 0..@p phases - 1 (at most SP__WORKERS_PHASES) of @p n shares
 * each, in one call: round p + 1's shares start after all of round p's
 * have returned, and see what they wrote. */
void sp__workers_run_phases(sp__workers *w, int n, int phases, sp__phase_fn fn,
                            void *arg);

/* How long an idle worker keeps looking for the next call before it
 * sleeps, in ns (default 50 us; past that it yields the CPU between
 * looks). A worker that sleeps between frames pays a wake-up at the
 * start of the next one: 13-30 us on an idle VM here, 0.3 ms and more
 * after a long sleep or under load -- a third of a 1 ms frame. A spin
 * longer than the time between frames keeps the worker awake at the
 * price of a CPU that is never idle. */
void sp__workers_set_spin(sp__workers *w, long long ns);

/* With @p on (the default), a worker that has gone to sleep wakes 1 ms
 * before the next call is due -- the last call's start plus the mean time
 * between calls -- and looks for it until 1 ms after, so frames that come
 * at a steady rate find it awake without a spin through the whole gap:
 * a busy CPU for ~2 ms a frame instead of a wake-up in the frame's time. */
void sp__workers_set_anticipate(sp__workers *w, int on);

/* For tests: with @p on, the pool's threads take no share (the caller
 * runs them all) until called again with 0. */
void sp__workers_hold(sp__workers *w, int on);

/* Calls so far that ran on more than one thread (read by the caller's
 * thread, the only one that makes calls), less those forgotten: a caller
 * that threw a call's work away (the frame then ran on one thread) forgets
 * it. */
uint64_t sp__workers_calls(const sp__workers *w);
void sp__workers_forget_call(sp__workers *w);

struct sp_stage;
/* The pool of a stage's threads=: a pull of the stage during which it ran
 * a call on several threads counts as a split frame (the stats'
 * frames_split). Call from the stage's init. */
void sp__stage_use_workers(struct sp_stage *st, const sp__workers *w);

#endif
