/* Internal to the stages in pipeline/stages/: threads= and cpu=, the
 * pieces a stage needs to split one frame across a fork-join pool
 * (pipeline/workers_int.h). Each share gets its own kernel context, so a
 * kernel's scratch memory is never shared between threads: share 0 uses
 * the stage's context, shares 1..n-1 contexts made at init on the CPU
 * back-end the stage's context would run (scalar stays scalar; simd and
 * auto take SIMD when the CPU has it). Every CPU back-end is bit-exact with
 * the scalar reference, so a split frame equals an unsplit one. With the
 * opencl back-end a frame is not split: the device does the parallel part.
 *
 * Nothing here allocates per frame: the pool, the contexts and the per-share
 * scratch (which only grows, like a context's) are made once. */
#ifndef SP_PAR_INT_H
#define SP_PAR_INT_H

#include <stdatomic.h>
#include <stddef.h>

#include "sp_kernels.h"
#include "sp_stage.h"
#include "workers_int.h"

/* clang-format off */
#define SP__THREADS_PROPS                                                      \
    {.name = "threads",                                                        \
     .type = SP_PROP_INT,                                                      \
     .def = "1",                                                               \
     .min = 1,                                                                 \
     .max = SP__WORKERS_MAX,                                                   \
     .help = "split each frame across this many threads (made at init); the "  \
             "output is the same as with one"},                                \
    {.name = "spin",                                                           \
     .type = SP_PROP_TIME,                                                     \
     .def = "50",                                                              \
     .min = 0,                                                                 \
     .max = 10000000,                                                          \
     .choices = "us",                                                          \
     .help = "threads=: how long an idle worker keeps looking for the "        \
             "next frame before it sleeps; longer than the time between "      \
             "frames saves a wake-up per frame (0.3 ms on a VM) and keeps a "  \
             "CPU busy"},                                                      \
    {.name = "anticipate",                                                     \
     .type = SP_PROP_BOOL,                                                     \
     .def = "true",                                                            \
     .help = "threads=: a sleeping worker wakes 1 ms before the next frame "   \
             "is due (from the time between frames) and looks for it until "   \
             "1 ms after: no wake-up in a steady stream's frame time"},        \
    {                                                                          \
        .name = "cpu", .type = SP_PROP_INT, .min = 0, .max = 65535,            \
        .optional = 1,                                                         \
        .help = "pin the threads= workers from this CPU on (OS index, as in "  \
                "taskset): the worker k to the k-th available CPU after it"    \
    }

/* clang-format on */

typedef struct sp__par {
    int n;                       /* shares: threads= */
    sp__workers *w;              /* NULL when n == 1 */
    sp_kctx *k[SP__WORKERS_MAX]; /* k[0] is the stage's (borrowed) */
    void *buf[SP__WORKERS_MAX];  /* per-share scratch, grow-only */
    size_t cap[SP__WORKERS_MAX];
    int rc[SP__WORKERS_MAX];
    char msg[SP__WORKERS_MAX][160]; /* a failed share's message */
    atomic_int failed;              /* a share of this call failed */
} sp__par;

/* Reads threads= and cpu=, starts the pool and the contexts. The stage's
 * fini must call sp__par_deinit() (also after a failed init). */
int sp__par_init(sp_stage *st, sp__par *p);
void sp__par_deinit(sp__par *p);

/* The shares to use for a frame of @p rows rows needing at least
 * @p min_rows rows each: 1 with the opencl back-end or a small frame. */
int sp__par_shares(sp_stage *st, const sp__par *p, size_t rows,
                   size_t min_rows);

/* Makes sure each of the first @p n shares has @p bytes of scratch (allocated
 * only when it grows; call on the caller's thread before the run). */
int sp__par_reserve(sp__par *p, int n, size_t bytes);

/* A share's result; called by the share itself, on its thread, so the
 * thread-local message is copied out. */
void sp__par_note(sp__par *p, int i, int rc);

/* The first failed share's status, its message set on this thread; SP_OK
 * when every one of the first @p n succeeded. Ends the call: the next one
 * starts with no failure. */
int sp__par_result(sp__par *p, int n);

/* Runs @p first's shares, then @p then's, in one call of the pool (a
 * second call would pay a second wake-up); @p then does not run after a
 * failed share. Returns sp__par_result(). */
int sp__par_two_rounds(sp__par *p, int n, sp__work_fn first, sp__work_fn then,
                       void *arg);

/* Rows [*y0, *y1) of share @p i of @p n over @p rows rows, the cut rounded
 * down to a multiple of @p align (so a Bayer band keeps its pattern). */
void sp__par_rows(size_t rows, int i, int n, size_t align, size_t *y0,
                  size_t *y1);

#endif
