#include "bench_threads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sp_pipeline.h"
#include "sp_status.h"

/* Frames each run pulls before its figures start: the first frames pay
 * for the pools' first blocks, page faults on fresh output memory and the
 * workers' first wake-up, none of which a long run sees per frame. */
#define WARM_FRAMES 2

static double process_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The machine's CPU ticks so far, all and stolen (the "cpu" line of
 * /proc/stat: user nice system idle iowait irq softirq steal). On a VM the
 * hypervisor's steal is time a vCPU was runnable and not run: a split frame
 * waits for its slowest share, so steal during the rows says how far their
 * speed-up is the machine's. 0 where there is no /proc/stat. */
static int cpu_ticks(unsigned long long *all, unsigned long long *steal)
{
    unsigned long long v[8];
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
                     &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (got != 8)
        return 0;
    *all = 0;
    for (int i = 0; i < 8; i++)
        *all += v[i];
    *steal = v[7];
    return 1;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One run: the last stage's own time per frame after the warm-up frames
 * (its busy time between two snapshots of the pipeline's figures, over
 * the frames produced in between) and the process CPU per frame over the
 * same frames. */
static int one_run(const char *launch, sp_backend b, double *stage_ms,
                   double *cpu_ms, uint64_t *frames)
{
    sp_pipeline_opts po = {.backend = b};
    sp_pipeline *p;
    sp_frame *f;
    int rc;
    uint64_t pulled = 0;
    static sp_pipeline_stats s0, s1; /* large: kept off the stack */
    double c0 = 0;

    if (sp_pipeline_create(launch, &po, &p) != SP_OK)
        return -1;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        if (++pulled == WARM_FRAMES) {
            sp_pipeline_stats_get(p, &s0);
            c0 = process_cpu_ms();
        }
    }
    double c1 = process_cpu_ms();
    sp_pipeline_stats_get(p, &s1);
    sp_pipeline_destroy(p);
    if (rc != SP_EOS || s1.nstages < 2 || pulled <= WARM_FRAMES) {
        if (rc == SP_EOS)
            fprintf(stderr, "bench: %s: %llu frames, expected more than %d\n",
                    launch, (unsigned long long)pulled, WARM_FRAMES);
        return -1;
    }
    const sp_stage_stats *a = &s0.stages[s0.nstages - 1],
                         *z = &s1.stages[s1.nstages - 1];
    uint64_t n = z->frames_out - a->frames_out;
    if (n == 0)
        return -1;
    *stage_ms = (z->busy_s - a->busy_s) * 1e3 / (double)n;
    *cpu_ms = (c1 - c0) / (double)n;
    *frames = n;
    return 0;
}

int bench_threads_rows(const char *label, const char *src, const char *stage,
                       int threads, sp_backend b, int reps, const bench_opts *o)
{
    char launch[2][2048];
    double t[2][64], c[2][64], ratio[64];
    uint64_t frames = 0;
    if (reps > 64)
        reps = 64;
    if (o->json)
        return 0; /* the JSON rows are the kernel table's (bench/README.md) */
    snprintf(launch[0], sizeof launch[0], "%s ! %s threads=1", src, stage);
    snprintf(launch[1], sizeof launch[1], "%s ! %s threads=%d", src, stage,
             threads);
    unsigned long long all0 = 0, st0 = 0, all1 = 0, st1 = 0;
    int ticks = cpu_ticks(&all0, &st0);
    /* One thread and N threads alternate run by run, so a disturbance of
     * the shared machine falls on both rather than on one row. */
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < 2; k++)
            if (one_run(launch[k], b, &t[k][r], &c[k][r], &frames) < 0) {
                fprintf(stderr, "bench: %s: %s\n", launch[k], sp_errmsg());
                return -1;
            }
    ticks = ticks && cpu_ticks(&all1, &st1) && all1 > all0;
    for (int r = 0; r < reps; r++)
        ratio[r] = t[0][r] / t[1][r];
    double best[2];
    for (int k = 0; k < 2; k++) {
        best[k] = t[k][0];
        for (int r = 1; r < reps; r++)
            if (t[k][r] < best[k])
                best[k] = t[k][r];
    }
    double ms1 = median(t[0], reps), msn = median(t[1], reps);
    double cpu1 = median(c[0], reps), cpun = median(c[1], reps);
    double pair = median(ratio, reps);
    printf("%-16s threads=1  %-6s %-22s median %7.3f ms/frame, best run "
           "%7.3f ms; cpu %7.3f ms/frame\n",
           stage, sp_backend_name(b), label, ms1, best[0], cpu1);
    printf("%-16s threads=%-2d %-6s %-22s median %7.3f ms/frame, best run "
           "%7.3f ms; cpu %7.3f ms/frame; speed-up x%.2f (median of %d "
           "paired runs; medians x%.2f, best runs x%.2f)\n",
           stage, threads, sp_backend_name(b), label, msn, best[1], cpun, pair,
           reps, ms1 / msn, best[0] / best[1]);
    printf("    (stage's own time per frame, frames %d.. of each run: %llu "
           "frames a run; cpu: the process's, source too",
           WARM_FRAMES + 1, (unsigned long long)frames);
    if (ticks)
        printf("; steal: %.1f%% of all CPUs' time during these runs",
               100.0 * (double)(st1 - st0) / (double)(all1 - all0));
    printf(")\n");
    return 0;
}
