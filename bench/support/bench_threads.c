#include "bench_threads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_pipeline.h"
#include "sp_status.h"

static double process_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One run: the stage's mean time per frame (ms; the pipeline's p50 is a
 * log-bucketed figure, too coarse here) and CPU ms per frame. */
static int one_run(const char *launch, sp_backend b, double *p50_ms,
                   double *cpu_ms, uint64_t *frames)
{
    sp_pipeline_opts po = {.backend = b};
    sp_pipeline *p;
    sp_frame *f;
    int rc;
    if (sp_pipeline_create(launch, &po, &p) != SP_OK)
        return -1;
    double c0 = process_cpu_ms();
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK)
        sp_frame_unref(f);
    double c1 = process_cpu_ms();
    sp_pipeline_stats s;
    sp_pipeline_stats_get(p, &s);
    sp_pipeline_destroy(p);
    if (rc != SP_EOS || s.nstages < 2 || s.frames == 0)
        return -1;
    *p50_ms = (double)s.stages[s.nstages - 1].mean_ns / 1e6;
    *cpu_ms = (c1 - c0) / (double)s.frames;
    *frames = s.frames;
    return 0;
}

int bench_threads_rows(const char *label, const char *src, const char *stage,
                       int threads, sp_backend b, int reps, const bench_opts *o)
{
    char launch[2048];
    double base = 0, base_best = 0;
    double t[64], c[64];
    if (reps > 64)
        reps = 64;
    if (o->json)
        return 0; /* the JSON rows are the kernel table's (bench/README.md) */
    for (int pass = 0; pass < 2; pass++) {
        int n = pass ? threads : 1;
        uint64_t frames = 0;
        snprintf(launch, sizeof launch, "%s ! %s threads=%d", src, stage, n);
        for (int r = 0; r < reps; r++)
            if (one_run(launch, b, &t[r], &c[r], &frames) < 0) {
                fprintf(stderr, "bench: %s: %s\n", launch, sp_errmsg());
                return -1;
            }
        qsort(t, (size_t)reps, sizeof *t, cmp_d);
        qsort(c, (size_t)reps, sizeof *c, cmp_d);
        double ms = t[reps / 2], cpu = c[reps / 2], best = t[0];
        if (pass == 0) {
            base = ms;
            base_best = best;
        }
        printf("%-16s threads=%-2d %-6s %-22s median %7.3f ms/frame "
               "x%.2f, best run %7.3f ms x%.2f; cpu %7.3f ms/frame "
               "(process, source too; %d runs of %llu frames)\n",
               stage, n, sp_backend_name(b), label, ms, base / ms, best,
               base_best / best, cpu, reps, (unsigned long long)frames);
    }
    return 0;
}
