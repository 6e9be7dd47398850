/* Soak: many frames through a queued chain, with the process's resident
 * memory, its heap allocations and the pools sampled as it runs, to show
 * that nothing grows with the number of frames.
 *
 *   bench_soak [--json] [--quick] [--frames N] [--every K] [--points P]
 *              [--launch STRING]
 *
 * The default chain, N frames (100,000; --quick 10,000):
 *   soak frames=N points=P ! queue depth=2 ! crop ! voxel leaf=0.5
 *        ! debayer ! queue depth=2 ! null
 * `soak` is this program's source: lidar sweeps of up to P random points
 * (15,000: every sweep, and voxel's output sized from it, then falls in one
 * pool size class, so the pools settle in the warm-up whatever the count)
 * and 320x240 Bayer images in turn, each different, cheap to make
 * so that the soak's time goes to the pipeline, not to rendering a scene
 * (synth's sweeps take ~4 ms each; --launch runs any chain instead, "%llu"
 * standing for N). The frames are pulled here; every K frames (N / 100) a
 * sample records the resident set (/proc/self/statm), the heap
 * allocations so far (a malloc counter linked into this program:
 * tests/support/alloc_counter.c; not under sanitizers), and the pools'
 * blocks and reserved bytes.
 *
 * After a warm-up of max(1000, N / 20) frames it reports the drift: RSS
 * range and end-minus-start, heap allocations after warm-up and in the
 * second half of the run alone, pool blocks and bytes at both ends, and
 * the pipeline's own heap_allocs_after_warmup. The run is "flat" when the
 * RSS stays within 1 MiB after warm-up and the second half of the run
 * allocates nothing from the heap but the header of a pool block added
 * there (a pool grows when the frames in flight reach a new high, bounded
 * by the queues' depths, not by N); the exit status is 1 when it is not. The
 * row also carries the CPU time, the wall time and the load average, since on a
 * shared machine they say what the figures mean. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench_util.h"
#include "sp_alloc_counter.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

#define MAX_SAMPLES 1024
#define RSS_FLAT_BYTES (1u << 20)

/* ---- the soak source ---- */

typedef struct soak {
    uint64_t next, frames, points;
    uint64_t rng;
} soak;

static const sp_prop_spec soak_props[] = {
    {"frames", SP_PROP_INT, "1000", 0, 1e12, NULL,
     "frames to produce (sweeps and images in turn)", 0},
    {"points", SP_PROP_INT, "15000", 1, 1 << 22, NULL, "points per sweep", 0},
};

static int soak_init(sp_stage *st)
{
    soak *s = sp_stage_priv(st);
    s->frames = (uint64_t)sp_stage_prop_int(st, "frames");
    s->points = (uint64_t)sp_stage_prop_int(st, "points");
    s->rng = 0x9E3779B97F4A7C15ull;
    return SP_OK;
}

static uint32_t next_u32(soak *s)
{
    s->rng = s->rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(s->rng >> 32);
}

static int soak_pull(sp_stage *st, sp_frame **out)
{
    soak *s = sp_stage_priv(st);
    if (s->next == s->frames)
        return SP_EOS;
    uint64_t k = s->next++;
    sp_frame *f = NULL;
    int rc;
    if (k % 2 == 0) {
        /* A sweep: points in a 100 m box around the sensor, a few hundred
         * fewer or more each time so the voxel output's size moves. */
        size_t n =
            (size_t)s->points - (size_t)(next_u32(s) % 512) % (size_t)s->points;
        rc = sp_frame_create_points(sp_stage_poolmgr(st), (size_t)s->points, 0,
                                    &f);
        if (rc < 0)
            return rc;
        sp_points *p = &f->u.points;
        for (size_t i = 0; i < n; i++) {
            uint32_t a = next_u32(s), b = next_u32(s);
            p->x[i] = (float)(a & 0xFFFF) * (100.0f / 65536) - 50.0f;
            p->y[i] = (float)(a >> 16) * (100.0f / 65536) - 50.0f;
            p->z[i] = (float)(b & 0xFFF) * (4.0f / 4096) - 2.0f;
            p->intensity[i] = (float)(b >> 24) * (1.0f / 255);
        }
        p->count = n;
        strcpy(f->stream, "velodyne");
        f->sensor = SP_SENSOR_LIDAR;
    } else {
        rc = sp_frame_create_image(sp_stage_poolmgr(st), 320, 240,
                                   SP_PIX_BAYER_RGGB8, 0, &f);
        if (rc < 0)
            return rc;
        sp_image *img = &f->u.image;
        uint32_t v = next_u32(s);
        for (uint32_t y = 0; y < img->height; y++)
            memset(sp_image_row(img, y), (int)((v + y) & 0xFF), img->width);
        strcpy(f->stream, "image_02");
        f->sensor = SP_SENSOR_CAMERA;
    }
    f->seq = k / 2;
    f->timestamp_ns = (int64_t)(k / 2) * 100000000;
    *out = f;
    return SP_OK;
}

static const sp_stage_class soak_class = {
    .name = "soak",
    .description = "bench_soak source: random sweeps and Bayer images",
    .props = soak_props,
    .nprops = 2,
    .priv_size = sizeof(soak),
    .is_source = 1,
    .init = soak_init,
    .pull = soak_pull,
};

/* ---- samples ---- */

typedef struct sample {
    unsigned long long frame;
    uint64_t rss, allocs, blocks, in_use, reserved;
} sample;

static sample samples[MAX_SAMPLES];
static size_t nsamples;

/* Resident bytes, read without stdio: fopen() would allocate, and the
 * soak counts every allocation. */
static uint64_t rss_bytes(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0)
        return 0;
    buf[k] = '\0';
    const char *res = strchr(buf, ' ');
    return res ? strtoull(res + 1, NULL, 10) * (uint64_t)sysconf(_SC_PAGESIZE)
               : 0;
}

static void take_sample(sp_pipeline *p, unsigned long long frame)
{
    if (nsamples == MAX_SAMPLES)
        return;
    sample *s = &samples[nsamples++];
    s->frame = frame;
    s->rss = rss_bytes();
    s->allocs = sp_test_alloc_available() ? sp_test_alloc_calls() : 0;
    sp_poolmgr *m = sp_pipeline_poolmgr(p);
    s->blocks = s->in_use = 0;
    for (size_t i = 0; i < sp_poolmgr_pool_count(m); i++) {
        sp_pool_stats ps;
        if (sp_poolmgr_stats_get(m, i, &ps) == SP_OK) {
            s->blocks += ps.blocks;
            s->in_use += ps.in_use;
        }
    }
    s->reserved = sp_poolmgr_reserved(m);
}

/* The first sample at or after frame @p f. */
static const sample *sample_at(unsigned long long f)
{
    for (size_t i = 0; i < nsamples; i++)
        if (samples[i].frame >= f)
            return &samples[i];
    return &samples[nsamples - 1];
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static double load1(void)
{
    double l = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = 0;
        fclose(f);
    }
    return l;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_soak [--json] [--quick] [--frames N] "
                    "[--every K] [--points P] [--launch STRING]\n");
}

int main(int argc, char **argv)
{
    int json = 0, quick = 0;
    unsigned long long frames = 0, every = 0, points = 15000;
    const char *launch_fmt = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--quick")) {
            quick = 1;
        } else if ((!strcmp(a, "--frames") || !strcmp(a, "--every") ||
                    !strcmp(a, "--points") || !strcmp(a, "--runs")) &&
                   i + 1 < argc) {
            char *end;
            unsigned long long v = strtoull(argv[++i], &end, 10);
            if (*end || v == 0) {
                fprintf(stderr,
                        "bench_soak: %s '%s', expected a positive "
                        "whole number\n",
                        a, argv[i]);
                return 2;
            }
            if (!strcmp(a, "--frames"))
                frames = v;
            else if (!strcmp(a, "--every"))
                every = v;
            else if (!strcmp(a, "--points"))
                points = v;
            /* --runs (from `sensorpipe bench`): one run is the soak */
        } else if (!strcmp(a, "--launch") && i + 1 < argc) {
            launch_fmt = argv[++i];
        } else {
            usage();
            return 2;
        }
    }
    if (!frames)
        frames = quick ? 10000 : 100000;
    if (!every)
        every = frames / 100 ? frames / 100 : 1;
    unsigned long long warm = frames / 20 > 1000 ? frames / 20 : 1000;
    if (warm > frames / 2)
        warm = frames / 2;

    if (sp_stage_class_register(&soak_class) < 0) {
        fprintf(stderr, "bench_soak: %s\n", sp_errmsg());
        return 1;
    }
    if (sp_test_alloc_available())
        sp_alloc_counter_set(sp_test_alloc_calls);
    char launch[1024];
    if (launch_fmt)
        snprintf(launch, sizeof launch, launch_fmt, frames);
    else
        snprintf(launch, sizeof launch,
                 "soak frames=%llu points=%llu ! queue depth=2 ! crop "
                 "x=-40:40 y=-40:40 ! voxel leaf=0.5 ! debayer ! queue "
                 "depth=2 ! null",
                 frames, points);

    sp_pipeline_opts o = {.warmup_frames = (uint32_t)warm};
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, &o, &p) < 0) {
        fprintf(stderr, "bench_soak: %s\n", sp_errmsg());
        return 1;
    }
    double load_start = load1(), cpu0 = cpu_s(), t0 = bench_now_ms();
    unsigned long long n = 0;
    sp_frame *f;
    int rc;
    take_sample(p, 0);
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        if (++n % every == 0)
            take_sample(p, n);
    }
    double wall = (bench_now_ms() - t0) * 1e-3, cpu = cpu_s() - cpu0;
    if (rc != SP_EOS) {
        fprintf(stderr, "bench_soak: %s\n", sp_errmsg());
        sp_pipeline_destroy(p);
        return 1;
    }
    if (n % every)
        take_sample(p, n);
    sp_pipeline_close(p);
    sp_pipeline_stats ps;
    sp_pipeline_stats_get(p, &ps);
    sp_pipeline_destroy(p);

    /* Drift after warm-up. */
    const sample *w = sample_at(warm), *mid = sample_at((warm + n) / 2),
                 *end = &samples[nsamples - 1];
    uint64_t lo = w->rss, hi = w->rss;
    for (const sample *s = w; s <= end; s++) {
        lo = s->rss < lo ? s->rss : lo;
        hi = s->rss > hi ? s->rss : hi;
    }
    int counted = sp_test_alloc_available();
    unsigned long long allocs_after = end->allocs - w->allocs,
                       allocs_second = end->allocs - mid->allocs;
    /* A pool may still add a block after warm-up when the frames in
     * flight reach a new high (queue timing varies); that costs one block
     * header from the heap and is bounded by the queues' depths, not by N.
     * Any other allocation in the second half is growth with N. */
    unsigned long long grown_second =
        end->blocks > mid->blocks ? end->blocks - mid->blocks : 0;
    int flat = hi - lo <= RSS_FLAT_BYTES &&
               (!counted || allocs_second <= grown_second);
    double load_end = load1();

    if (json) {
        printf("{\"soak\": \"%s\", \"frames\": %llu, \"warmup_frames\": %llu, "
               "\"wall_s\": %.3f, \"fps\": %.0f, \"cpu_s\": %.3f, "
               "\"loadavg_start\": %.2f, \"loadavg_end\": %.2f, "
               "\"rss_mb_start\": %.3f, \"rss_mb_end\": %.3f, "
               "\"rss_kb_range\": %.1f, \"rss_kb_drift\": %.1f, "
               "\"allocs_counted\": %s, \"heap_allocs_after_warmup\": %llu, "
               "\"heap_allocs_second_half\": %llu, "
               "\"pipeline_heap_allocs_after_warmup\": %llu, "
               "\"pool_blocks_start\": %llu, \"pool_blocks_end\": %llu, "
               "\"pool_mb_start\": %.2f, \"pool_mb_end\": %.2f, "
               "\"pool_grows_after_warmup\": %llu, \"samples\": %zu, "
               "\"flat\": %s}\n",
               launch, n, warm, wall, (double)n / wall, cpu, load_start,
               load_end, w->rss / 1048576.0, end->rss / 1048576.0,
               (double)(hi - lo) / 1024.0,
               ((double)end->rss - (double)w->rss) / 1024.0,
               counted ? "true" : "false", allocs_after, allocs_second,
               (unsigned long long)ps.heap_allocs_after_warmup,
               (unsigned long long)w->blocks, (unsigned long long)end->blocks,
               w->reserved / 1048576.0, end->reserved / 1048576.0,
               (unsigned long long)ps.pool_grows_after_warmup, nsamples,
               flat ? "true" : "false");
    } else {
        printf("soak: %s\n%llu frames in %.1f s (%.0f frames/s), %.1f s CPU, "
               "load %.2f -> %.2f; warm-up %llu frames\n\n",
               launch, n, wall, (double)n / wall, cpu, load_start, load_end,
               warm);
        printf("%10s %10s %12s %8s %8s %10s\n", "frame", "RSS MiB",
               "heap allocs", "blocks", "in use", "pool MiB");
        size_t step = nsamples > 21 ? nsamples / 20 : 1;
        for (size_t i = 0; i < nsamples; i++)
            if (i % step == 0 || i + 1 == nsamples)
                printf("%10llu %10.3f %12llu %8llu %8llu %10.2f\n",
                       samples[i].frame, samples[i].rss / 1048576.0,
                       (unsigned long long)samples[i].allocs,
                       (unsigned long long)samples[i].blocks,
                       (unsigned long long)samples[i].in_use,
                       samples[i].reserved / 1048576.0);
        printf("\nafter warm-up: RSS %.3f -> %.3f MiB (range %.1f KiB, "
               "drift %+.1f KiB)\n",
               w->rss / 1048576.0, end->rss / 1048576.0,
               (double)(hi - lo) / 1024.0,
               ((double)end->rss - (double)w->rss) / 1024.0);
        if (counted)
            printf("heap allocations: %llu after warm-up, %llu in the second "
                   "half (pipeline stats: %llu after its warm-up)\n",
                   allocs_after, allocs_second,
                   (unsigned long long)ps.heap_allocs_after_warmup);
        else
            printf("heap allocations: not counted (sanitizer build)\n");
        printf("pools: %llu -> %llu blocks, %.2f -> %.2f MiB, %llu grown "
               "after warm-up\n",
               (unsigned long long)w->blocks, (unsigned long long)end->blocks,
               w->reserved / 1048576.0, end->reserved / 1048576.0,
               (unsigned long long)ps.pool_grows_after_warmup);
        printf("%s\n", flat ? "flat: RSS within 1 MiB after warm-up, no heap "
                              "allocation in the second half but pool "
                              "blocks' headers"
                            : "NOT FLAT");
    }
    return flat ? 0 : 1;
}
