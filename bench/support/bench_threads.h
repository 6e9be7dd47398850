/* threads= rows for the bench programs: one stage of a pipeline timed by the
 * pipeline's own per-stage figures (the stage's time per frame, without its
 * source), with 1 and with N threads. */
#ifndef BENCH_THREADS_H
#define BENCH_THREADS_H

#include "bench_util.h"
#include "sp_kernels.h"

/* Runs "@p src ! @p stage threads=T" for T = 1 and @p threads on back-end
 * @p b, @p reps times each, the two alternating run by run, and prints per
 * T the stage's median per-frame time over the runs (each run's figure is
 * its own time over the frames after the first two: the warm-up's page
 * faults and first blocks left out) and its best run, the process CPU time
 * per frame (all threads, the source's work included), and the speed-up:
 * the median of the paired runs' ratios, beside the ratio of the medians
 * and of the best runs, and the share of the machine's CPU time a
 * hypervisor stole meanwhile (/proc/stat, where there is one). Nothing with
 * --json (its rows are the kernel table's). Returns 0, or -1 with a message on
 * stderr. */
int bench_threads_rows(const char *label, const char *src, const char *stage,
                       int threads, sp_backend b, int reps,
                       const bench_opts *o);

#endif
