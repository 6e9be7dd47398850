/* threads= rows for the bench programs: one stage of a pipeline timed by the
 * pipeline's own per-stage figures (the stage's time per frame, without its
 * source), with 1 and then N threads. */
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

#include "bench_util.h"
#include "sp_kernels.h"

/* Runs "@p src ! @p stage threads=T" for T = 1 and @p threads on back-end
 * @p b, @p reps times each, and prints per T: the stage's median per-frame
 * time (median over the runs of each run's mean, and the best run: on a
 * loaded machine the least disturbed), the process CPU time per frame (all
 * threads, the source's work included), and the speed-ups over T = 1;
 * nothing with --json (its rows are the kernel table's). Returns 0, or -1
 * with a message on stderr. */
int bench_threads_rows(const char *label, const char *src, const char *stage,
                       int threads, sp_backend b, int reps,
                       const bench_opts *o);

#endif
