/* Benchmark support: timer, median of runs, memcpy bandwidth, row printer. */
#include "bench_util.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_RUNS 1001

double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

double bench_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double median_clock(double (*now)(void), bench_fn fn, void *arg,
                           int warmup, int runs)
{
    double t[BENCH_MAX_RUNS];
    if (runs < 1)
        runs = 1;
    if (runs > BENCH_MAX_RUNS)
        runs = BENCH_MAX_RUNS;
    for (int i = 0; i < warmup; i++) {
        int rc = fn(arg);
        if (rc < 0)
            return rc;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        int rc = fn(arg);
        t[i] = now() - t0;
        if (rc < 0)
            return rc;
    }
    return median(t, runs);
}

double bench_median_ms(bench_fn fn, void *arg, int warmup, int runs)
{
    return median_clock(bench_now_ms, fn, arg, warmup, runs);
}

double bench_median_cpu_ms(bench_fn fn, void *arg, int warmup, int runs)
{
    return median_clock(bench_cpu_ms, fn, arg, warmup, runs);
}

double bench_memcpy_gbps(size_t bytes, int runs)
{
    double t[BENCH_MAX_RUNS];
    if (bytes == 0)
        bytes = (size_t)256 << 20;
    if (runs < 1)
        runs = 1;
    if (runs > BENCH_MAX_RUNS)
        runs = BENCH_MAX_RUNS;
    char *a = aligned_alloc(64, bytes);
    char *b = aligned_alloc(64, bytes);
    if (!a || !b) {
        free(a);
        free(b);
        return -1.0;
    }
    /* Touch both buffers first so page faults are not timed. */
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    memcpy(b, a, bytes);
    for (int i = 0; i < runs; i++) {
        double t0 = bench_now_ms();
        memcpy(b, a, bytes);
        t[i] = bench_now_ms() - t0;
        /* Keep the copy observable so it cannot be elided. */
        a[(size_t)i % bytes] = b[bytes - 1 - (size_t)i % bytes];
    }
    double ms = median(t, runs);
    free(a);
    free(b);
    return ms > 0 ? (double)bytes / (ms * 1e6) : -1.0;
}

void bench_print_header(FILE *f, int json)
{
    if (json)
        return;
    fprintf(f, "%-10s %-28s %-16s %10s %10s %10s %9s %8s %8s\n", "kernel",
            "backend", "input", "items", "median_ms", "Mitems/s", "MB", "GB/s",
            "/memcpy");
}

void bench_print_row(FILE *f, const bench_row *r, int json)
{
    double s = r->median_ms * 1e-3;
    double mitems = s > 0 ? (double)r->items / s * 1e-6 : 0.0;
    double gbps = s > 0 ? r->bytes / s * 1e-9 : 0.0;
    /* memcpy of B bytes reads B and writes B: compare like with like. */
    double ref = 2.0 * r->memcpy_gbps;
    double ratio = ref > 0 ? gbps / ref : 0.0;
    if (json) {
        fprintf(f,
                "{\"kernel\":\"%s\",\"backend\":\"%s\",\"input\":\"%s\","
                "\"items\":%zu,\"median_ms\":%.4f,\"mitems_per_s\":%.2f,"
                "\"bytes\":%.0f,\"gb_per_s\":%.3f,\"memcpy_gb_per_s\":%.3f,"
                "\"ratio_to_memcpy\":%.3f}\n",
                r->kernel, r->backend, r->input, r->items, r->median_ms, mitems,
                r->bytes, gbps, r->memcpy_gbps, ratio);
        return;
    }
    fprintf(f,
            "%-10s %-28.28s %-16.16s %10zu %10.4f %10.1f %9.2f %8.2f %8.2f\n",
            r->kernel, r->backend, r->input, r->items, r->median_ms, mitems,
            r->bytes * 1e-6, gbps, ratio);
}

double bench_median_by(bench_fn fn, void *arg, int warmup, int runs,
                       int cputime)
{
    return cputime ? bench_median_cpu_ms(fn, arg, warmup, runs)
                   : bench_median_ms(fn, arg, warmup, runs);
}

double bench_cv2_ms(const char *setup, const char *call, const char *path,
                    int runs, int cputime, char *why, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import sys, time\n"
             "try:\n"
             "    import cv2, numpy as np\n"
             "except ImportError as e:\n"
             "    print(\"skip\", e); sys.exit(0)\n"
             "cv2.setNumThreads(1)\n"
             "clk = time.thread_time if %d else time.perf_counter\n"
             "p = sys.argv[1]; ts = []\n"
             "%s\n"
             "for i in range(%d + 3):\n"
             "    t = clk(); a = %s\n"
             "    ts.append(clk() - t)\n"
             "ts = sorted(ts[3:]); print(\"ms\", ts[len(ts) // 2] * 1e3)\n"
             "' '%s' 2>&1",
             cputime, setup, runs, call, path);
    FILE *p = popen(cmd, "r");
    char line[512] = "";
    if (p) {
        if (!fgets(line, sizeof line, p))
            line[0] = '\0';
        pclose(p);
    }
    double ms;
    if (sscanf(line, "ms %lf", &ms) == 1)
        return ms;
    line[strcspn(line, "\n")] = '\0';
    snprintf(why, cap, "%.*s not timed: %s", (int)strcspn(call, "("), call,
             line[0] ? line
             : p     ? "no output from /usr/bin/python3"
                     : "cannot run /usr/bin/python3");
    return -1;
}

int bench_take_flag(int *argc, char **argv, const char *flag)
{
    int found = 0, n = 1;
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], flag) == 0)
            found = 1;
        else
            argv[n++] = argv[i];
    }
    *argc = n;
    return found;
}

int bench_parse_args(int argc, char **argv, bench_opts *o)
{
    o->json = 0;
    o->runs = 50;
    o->quick = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            o->json = 1;
        } else if (strcmp(argv[i], "--quick") == 0) {
            o->quick = 1;
            o->runs = 9;
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            o->runs = atoi(argv[++i]);
            if (o->runs < 1)
                o->runs = 1;
        } else {
            fprintf(stderr,
                    "%s: unknown option '%s' (expected --json, "
                    "--runs N, --quick)\n",
                    argv[0], argv[i]);
            return -1;
        }
    }
    return 0;
}

void bench_synth_sweep(float *x, float *y, float *z, float *in, size_t step)
{
    const size_t beams = 64, steps = 1875;
    uint64_t s = 12345;
    size_t k = 0;
    for (size_t b = 0; b < beams; b++) {
        double elev =
            (-24.8 + 26.8 * (double)b / (double)(beams - 1)) * M_PI / 180.0;
        for (size_t a = 0; a < steps; a++, k += step) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double az = 2.0 * M_PI * (double)a / (double)steps;
            double r = elev < -0.02 ? 1.73 / -sin(elev) : 80.0;
            double obst = 4.0 + (double)(s >> 40) / 16777216.0 * 60.0;
            if (((s >> 20) & 7) == 0 && obst < r)
                r = obst;
            if (r > 120.0)
                r = 120.0;
            double px = r * cos(elev) * cos(az), py = r * cos(elev) * sin(az);
            double pz = r * sin(elev);
            x[k] = (float)(round(px * 1000.0) / 1000.0);
            y[k] = (float)(round(py * 1000.0) / 1000.0);
            z[k] = (float)(round(pz * 1000.0) / 1000.0);
            in[k] = (float)((s >> 12) & 255) / 255.0f;
        }
    }
}
