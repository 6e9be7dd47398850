/* Benchmark of MCAP reading through sp_log (io/mcap_*.c, io/log*.c) on
 * files of large messages (120,000-point clouds, 1.92 MB each), beside
 * what bounds it in the same run: the raw zstd / LZ4 frame decompression
 * of the same chunks (one context, into one buffer, no log around it) and
 * memcpy of the same bytes. Figures are GB/s of decompressed payload
 * (message bytes delivered per second; raw rows: chunk bytes per second),
 * the median of N passes over the whole file after one warm-up pass, by
 * this thread's CPU time (the machine is shared). sp_log rows: with chunk
 * CRC and LZ4 checksum verification (the default) and without (no_verify).
 *
 * The files: $SP_BENCH_MCAP_DIR (default /tmp/sp_bench_mcap) holding
 * clouds_zstd.mcap and clouds_lz4.mcap, made by
 *     node tests/oracles/make_mcap_fixtures.mjs DIR --big 40
 * (the program says so and exits 0 when they are missing).
 *
 *   bench_log_mcap [--runs N] [--quick] [--json] */
#include <lz4frame.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "bench_util.h"
#include "sp_log.h"

typedef struct chunk {
    const uint8_t *src; /* compressed records, in the file image */
    size_t csize, usize;
} chunk;

typedef struct job {
    sp_log *log;
    uint8_t *file;
    chunk *chunks;
    size_t nchunks;
    uint8_t *dst;
    size_t max_usize;
    uint64_t payload; /* message bytes of one pass */
    uint64_t chunk_bytes;
    int lz4;
    int skip_sums;
    const char *path;
    ZSTD_DCtx *zd;
    LZ4F_dctx *ld;
    volatile uint64_t sink;
} job;

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(sz > 0 ? (size_t)sz : 1);
    if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)sz;
    return b;
}

/* The Chunk records of the data section (a trusted file: the benchmark's
 * own). */
static int find_chunks(job *j, size_t n)
{
    const uint8_t *b = j->file;
    size_t pos = 8 + 9 + (size_t)le64(b + 9);
    size_t cap = 0;
    while (pos + 9 <= n && b[pos] != 0x0F) {
        size_t len = (size_t)le64(b + pos + 1);
        if (b[pos] == 0x06) {
            const uint8_t *c = b + pos + 9;
            uint32_t clen = (uint32_t)c[28] | (uint32_t)c[29] << 8 |
                            (uint32_t)c[30] << 16 | (uint32_t)c[31] << 24;
            if (j->nchunks == cap) {
                cap = cap ? 2 * cap : 64;
                j->chunks = realloc(j->chunks, cap * sizeof *j->chunks);
                if (!j->chunks)
                    return -1;
            }
            chunk *k = &j->chunks[j->nchunks++];
            k->usize = (size_t)le64(c + 16);
            k->csize = (size_t)le64(c + 32 + clen);
            k->src = c + 32 + clen + 8;
            if (k->usize > j->max_usize)
                j->max_usize = k->usize;
            j->chunk_bytes += k->usize;
        }
        pos += 9 + len;
    }
    return 0;
}

static int run_log(void *arg)
{
    job *j = arg;
    int rc = sp_log_select(j->log, NULL);
    if (rc != SP_OK)
        return rc;
    sp_log_msg m;
    uint64_t bytes = 0;
    while ((rc = sp_log_next(j->log, &m)) == SP_OK) {
        bytes += m.size;
        j->sink += m.data[m.size / 2];
    }
    j->payload = bytes;
    return rc == SP_EOS ? 0 : rc;
}

static int run_open(void *arg)
{
    job *j = arg;
    sp_log *log;
    int rc = sp_log_open(j->path, NULL, &log);
    if (rc != SP_OK)
        return rc;
    for (size_t t = 0; t < sp_log_topic_count(log); t++)
        j->sink += sp_log_topic_at(log, t)->count;
    sp_log_destroy(log);
    return 0;
}

static int run_raw(void *arg)
{
    job *j = arg;
    for (size_t i = 0; i < j->nchunks; i++) {
        const chunk *k = &j->chunks[i];
        if (j->lz4) {
            /* As the reader calls it: into the final buffer, the frame's
             * content checksum checked or not. */
            LZ4F_decompressOptions_t opt = {.stableDst = 1,
                                            .skipChecksums = j->skip_sums};
            LZ4F_resetDecompressionContext(j->ld);
            size_t out = k->usize, in = k->csize;
            size_t r = LZ4F_decompress(j->ld, j->dst, &out, k->src, &in, &opt);
            if (LZ4F_isError(r) || out != k->usize)
                return -1;
        } else {
            size_t r =
                ZSTD_decompressDCtx(j->zd, j->dst, k->usize, k->src, k->csize);
            if (ZSTD_isError(r) || r != k->usize)
                return -1;
        }
        j->sink += j->dst[k->usize / 2];
    }
    return 0;
}

static int run_memcpy(void *arg)
{
    job *j = arg;
    /* The same amount, chunk by chunk, from the file image. */
    const uint8_t *src = j->file;
    for (size_t i = 0; i < j->nchunks; i++) {
        memcpy(j->dst, src, j->chunks[i].usize);
        j->sink += j->dst[j->chunks[i].usize / 2];
    }
    return 0;
}

static void row(const bench_opts *o, const char *what, const char *file,
                double ms, double bytes)
{
    double gbps = ms > 0 ? bytes / (ms * 1e6) : 0;
    if (o->json)
        printf("{\"kernel\":\"mcap read\",\"backend\":\"%s\",\"input\":\"%s\","
               "\"median_ms\":%.3f,\"payload_bytes\":%.0f,\"gbps\":%.3f}\n",
               what, file, ms, bytes, gbps);
    else
        printf("%-26s %-18s %10.2f ms %10.1f MB %8.2f GB/s\n", what, file, ms,
               bytes / 1e6, gbps);
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    int runs = o.quick ? 3 : (o.runs < 15 ? o.runs : 15);
    const char *dir = getenv("SP_BENCH_MCAP_DIR");
    if (!dir)
        dir = "/tmp/sp_bench_mcap";
    char cpu[256] = "?";
    FILE *ci = fopen("/proc/cpuinfo", "r");
    if (ci) {
        char line[512];
        while (fgets(line, sizeof line, ci))
            if (!strncmp(line, "model name", 10)) {
                const char *c = strchr(line, ':');
                snprintf(cpu, sizeof cpu, "%.255s", c ? c + 2 : line);
                cpu[strcspn(cpu, "\n")] = '\0';
                break;
            }
        fclose(ci);
    }
    double load[3] = {0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = -1;
        fclose(la);
    }
    if (!o.json)
        printf("CPU: %s; load average %.2f %.2f %.2f; median of %d passes, "
               "CPU time of this thread\n",
               cpu, load[0], load[1], load[2], runs);
    const char *names[] = {"clouds_zstd.mcap", "clouds_lz4.mcap"};
    for (int f = 0; f < 2; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        job j = {.lz4 = f == 1, .path = path};
        size_t n;
        j.file = slurp(path, &n);
        if (!j.file) {
            printf("%s missing: make it with `node "
                   "tests/oracles/make_mcap_fixtures.mjs %s --big 40`\n",
                   path, dir);
            return 0;
        }
        if (find_chunks(&j, n) < 0 || !(j.dst = malloc(j.max_usize + 1)))
            return 1;
        j.zd = ZSTD_createDCtx();
        LZ4F_createDecompressionContext(&j.ld, LZ4F_VERSION);
        double open_ms = bench_median_ms(run_open, &j, 1, runs);
        if (o.json)
            printf("{\"kernel\":\"mcap open\",\"input\":\"%s\","
                   "\"chunks\":%zu,\"median_ms\":%.3f}\n",
                   names[f], j.nchunks, open_ms);
        else
            printf("%-26s %-18s %10.3f ms (%zu chunks, wall time)\n",
                   "open + list topics", names[f], open_ms, j.nchunks);
        sp_log_desc verify = {0}, fast = {.no_verify = 1};
        for (int v = 0; v < 2; v++) {
            if (sp_log_open(path, v ? &fast : &verify, &j.log) != SP_OK) {
                fprintf(stderr, "%s: %s\n", path, sp_errmsg());
                return 1;
            }
            double ms = bench_median_cpu_ms(run_log, &j, 1, runs);
            if (ms < 0) {
                fprintf(stderr, "%s: %s\n", path, sp_errmsg());
                return 1;
            }
            row(&o, v ? "sp_log (no_verify)" : "sp_log (CRC verified)",
                names[f], ms, (double)j.payload);
            sp_log_destroy(j.log);
        }
        double ms = bench_median_cpu_ms(run_raw, &j, 1, runs);
        row(&o, j.lz4 ? "raw LZ4F (checksum)" : "raw ZSTD_decompressDCtx",
            names[f], ms, (double)j.chunk_bytes);
        if (j.lz4) {
            j.skip_sums = 1;
            ms = bench_median_cpu_ms(run_raw, &j, 1, runs);
            row(&o, "raw LZ4F (no checksum)", names[f], ms,
                (double)j.chunk_bytes);
        }
        ms = bench_median_cpu_ms(run_memcpy, &j, 1, runs);
        row(&o, "memcpy (same bytes)", names[f], ms, (double)j.chunk_bytes);
        ZSTD_freeDCtx(j.zd);
        LZ4F_freeDecompressionContext(j.ld);
        free(j.dst);
        free(j.chunks);
        free(j.file);
    }
    return 0;
}
