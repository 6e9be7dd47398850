/* Benchmark support shared by every bench/bench_*.c program: a monotonic
 * timer, the median of N timed runs after warm-up, the memcpy bandwidth of
 * this machine measured in the same run (the yardstick every kernel row is
 * compared with), and one printer for a result row (table or JSON).
 *
 * Not part of the library; benchmarks may print. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" { /* for the C++ programs in bench/compare/ */
#endif

/* Monotonic clock in milliseconds (CLOCK_MONOTONIC). */
double bench_now_ms(void);

/* The function timed: returns 0 on success, < 0 to abort the measurement. */
typedef int (*bench_fn)(void *arg);

/* This thread's CPU time in milliseconds (CLOCK_THREAD_CPUTIME_ID). */
double bench_cpu_ms(void);

/* Runs fn `warmup` times untimed, then `runs` times timed, and returns the
 * median in milliseconds; a negative value when fn failed (its status). At
 * most 1001 runs are kept. */
double bench_median_ms(bench_fn fn, void *arg, int warmup, int runs);

/* As bench_median_ms() but each run is timed by this thread's CPU time: on
 * a shared, loaded machine the time the kernel itself ran, without the
 * slices other processes took. Only meaningful for work done on the
 * calling thread (not OpenCL devices or thread pools). */
double bench_median_cpu_ms(bench_fn fn, void *arg, int warmup, int runs);

/* memcpy bandwidth in GB/s (1e9 bytes copied per second) for a copy of
 * `bytes` (0: 256 MiB, far larger than any cache), the median of `runs`
 * copies after one untimed copy. Returns < 0 when memory is short.
 * bench_print_row() compares a kernel's read+write traffic with 2x this
 * figure, since a copy of B bytes reads B and writes B. */
double bench_memcpy_gbps(size_t bytes, int runs);

/* One result row. bytes = bytes the kernel must read plus write at least
 * (its compulsory traffic); memcpy of B bytes is counted as 2*B moved
 * (read + write) so the two figures are comparable. */
typedef struct bench_row {
    const char *kernel;  /* "crop" */
    const char *backend; /* "avx2", "opencl (pthread-...)" */
    const char *input;   /* "kitti 000001", "synthetic" */
    size_t items;        /* points, pixels ... */
    double median_ms;
    double bytes;       /* read + written */
    double memcpy_gbps; /* from bench_memcpy_gbps(), same run */
} bench_row;

/* Prints the table header (json: nothing). */
void bench_print_header(FILE *f, int json);

/* Prints a row: kernel, backend, input, items, median ms, Mitems/s, MB
 * moved, GB/s, ratio of GB/s to the memcpy bandwidth (read+write). With
 * json, one JSON object per line. */
void bench_print_row(FILE *f, const bench_row *r, int json);

/* The synthetic KITTI-sized sweep of bench_lidar and the comparisons:
 * 64 beams x 1875 azimuth steps, ranges from a ground plane at -1.73 m and
 * scattered obstacles, rounded to millimetres. Point k goes to x[k * step],
 * y[k * step], z[k * step], in[k * step] (step 1: columns; 4 with x..in
 * one float apart: x, y, z, intensity records). */
#define BENCH_SYNTH_POINTS ((size_t)64 * 1875)
void bench_synth_sweep(float *x, float *y, float *z, float *in, size_t step);

/* Parses the common options: --json, --runs N, --quick. Returns 0, or -1
 * with a message on stderr for an unknown option. */
typedef struct bench_opts {
    int json;
    int runs;  /* default 50 */
    int quick; /* fewer runs, smaller memcpy buffer */
} bench_opts;
int bench_parse_args(int argc, char **argv, bench_opts *o);

/* bench_median_cpu_ms() when @p cputime, else bench_median_ms(). */
double bench_median_by(bench_fn fn, void *arg, int warmup, int runs,
                       int cputime);

/* OpenCV's time for one call, from Debian's /usr/bin/python3 (cv2 on one
 * thread, timed inside Python so the interpreter's start is not counted):
 * the median ms of @p runs evaluations of the Python expression @p call
 * after 3 warm-up ones, by thread CPU time when @p cputime. @p setup runs
 * once before (may be ""); both see the file name as `p` and numpy as
 * `np`. < 0 with @p why filled ("NAME not timed: ...") when cv2 or numpy
 * is missing or the script fails. */
double bench_cv2_ms(const char *setup, const char *call, const char *path,
                    int runs, int cputime, char *why, size_t cap);

/* 1 when @p flag (a program's own switch, e.g. "--cputime") is among the
 * arguments; every occurrence is taken out of argv (and *argc), so that
 * bench_parse_args() sees only the common options. */
int bench_take_flag(int *argc, char **argv, const char *flag);

#ifdef __cplusplus
}
#endif
#endif
