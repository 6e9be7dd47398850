/* Benchmark of reading a ROS1 bag's messages through sp_log: the 124,914-
 * point Velodyne PointCloud2 of swri_pointcloud2_lz4.bag (one LZ4 chunk),
 * opened, read and closed per run (so every run reads and decompresses the
 * chunk), next to liblz4's own frame decoder on the same chunk (content
 * checksum verified and not) and memcpy of the same bytes, in one run.
 * Figures are GB/s of decompressed payload (1e9 bytes per second), medians
 * of CPU time per run (the machine may be shared); the CPU model and the
 * load average are printed with them.
 *
 *   bench_ros1 [--runs N] [--quick] [BAG]
 *
 * Not in `sensorpipe bench`'s groups yet. */
#include <lz4frame.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "sp_log.h"

typedef struct job {
    const char *path;
    sp_log_desc desc;
    uint64_t payload; /* message bytes of the last run */
    const uint8_t *src;
    size_t csize, usize;
    uint8_t *dst;
    LZ4F_dctx *dctx;
    int verify;
} job;

static int run_log(void *arg)
{
    job *j = arg;
    sp_log *log;
    int rc = sp_log_open(j->path, &j->desc, &log);
    if (rc < 0)
        return rc;
    sp_log_msg m;
    uint64_t n = 0;
    while ((rc = sp_log_next(log, &m)) == SP_OK)
        n += m.size;
    sp_log_destroy(log);
    j->payload = n;
    return rc == SP_EOS ? 0 : rc;
}

static int run_lz4(void *arg)
{
    job *j = arg;
    LZ4F_resetDecompressionContext(j->dctx);
    LZ4F_decompressOptions_t opt = {.stableDst = 1,
                                    .skipChecksums = !j->verify};
    size_t out = j->usize, in = j->csize;
    size_t r = LZ4F_decompress(j->dctx, j->dst, &out, j->src, &in, &opt);
    return r == 0 && out == j->usize ? 0 : -1;
}

static int run_memcpy(void *arg)
{
    job *j = arg;
    memcpy(j->dst, j->dst + j->usize, j->usize);
    return j->dst[0] == 0x5A ? 1 : 0; /* keeps the copy */
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The first chunk's compressed bytes and uncompressed size, found by
 * walking the records after the bag header. */
static int first_chunk(const uint8_t *b, size_t n, size_t *data, size_t *csize,
                       size_t *usize)
{
    size_t pos = 13;
    while (pos + 8 <= n) {
        uint32_t hl = le32(b + pos);
        if (pos + 8 + (size_t)hl > n)
            return -1;
        uint32_t dl = le32(b + pos + 4 + hl);
        const uint8_t *h = b + pos + 4, *he = h + hl;
        int is_chunk = 0;
        uint32_t size = 0;
        while (h + 4 <= he) {
            uint32_t fl = le32(h);
            if (fl > (size_t)(he - h - 4))
                return -1;
            if (fl == 4 && !memcmp(h + 4, "op=\x05", 4))
                is_chunk = 1;
            if (fl == 9 && !memcmp(h + 4, "size=", 5))
                size = le32(h + 9);
            h += 4 + fl;
        }
        if (is_chunk) {
            *data = pos + 8 + hl;
            *csize = dl;
            *usize = size;
            return *data + dl <= n ? 0 : -1;
        }
        pos += 8 + (size_t)hl + dl;
    }
    return -1;
}

static void cpu_and_load(void)
{
    char line[256], model[256] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            const char *c = strchr(line, ':');
            snprintf(model, sizeof model, "%s", c ? c + 2 : line);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
    double l1 = -1, l5 = -1, l15 = -1;
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3)
            l1 = -1;
        fclose(f);
    }
    printf("cpu: %s; load average %.2f %.2f %.2f\n", model, l1, l5, l15);
}

int main(int argc, char **argv)
{
    /* The bag is the one argument that is neither an option nor --runs'
     * value; the rest go to bench_parse_args(). */
    const char *path = NULL;
    int k = 1;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] != '-' && strcmp(argv[i - 1], "--runs") && !path)
            path = argv[i];
        else
            argv[k++] = argv[i];
    }
    argc = k;
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) != 0)
        return 2;
    static char def[1024];
    if (!path) {
        const char *d = getenv("SP_TEST_DATA");
        snprintf(def, sizeof def, "%s/ros1/swri_pointcloud2_lz4.bag",
                 d && *d ? d : "../shared/data");
        path = def;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_ros1: %s: not found (set SP_TEST_DATA)\n", path);
        return 1;
    }
    struct stat st;
    if (stat(path, &st) != 0)
        return 1;
    uint8_t *file = malloc((size_t)st.st_size);
    if (!file || fread(file, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
        return 1;
    fclose(f);
    job j = {.path = path};
    size_t data;
    if (first_chunk(file, (size_t)st.st_size, &data, &j.csize, &j.usize) < 0) {
        fprintf(stderr, "bench_ros1: %s: no chunk found\n", path);
        return 1;
    }
    j.src = file + data;
    j.dst = malloc(2 * j.usize);
    if (!j.dst ||
        LZ4F_isError(LZ4F_createDecompressionContext(&j.dctx, LZ4F_VERSION)))
        return 1;
    memset(j.dst, 1, 2 * j.usize);
    sp_poolmgr *mgr;
    if (sp_poolmgr_create(NULL, &mgr) != SP_OK)
        return 1;
    j.desc.mgr = mgr;

    int runs = o.quick ? 5 : o.runs;
    cpu_and_load();
    printf("%s: chunk of %zu bytes, %zu once decompressed\n", path, j.csize,
           j.usize);
    struct {
        const char *what;
        bench_fn fn;
        int verify, no_verify;
    } rows[] = {
        {"sp_log open + next + destroy (checksum verified)", run_log, 1, 0},
        {"sp_log open + next + destroy (no_verify)", run_log, 0, 1},
        {"liblz4 LZ4F_decompress (checksum verified)", run_lz4, 1, 0},
        {"liblz4 LZ4F_decompress (checksum skipped)", run_lz4, 0, 0},
        {"memcpy of the decompressed size", run_memcpy, 0, 0},
    };
    printf("%-52s %10s %10s %10s\n", "", "median ms", "GB/s", "wall ms");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        j.verify = rows[i].verify;
        j.desc.no_verify = rows[i].no_verify;
        double cpu = bench_median_cpu_ms(rows[i].fn, &j, 3, runs);
        double wall = bench_median_ms(rows[i].fn, &j, 1, runs);
        if (cpu < 0 || wall < 0) {
            fprintf(stderr, "bench_ros1: %s failed: %s\n", rows[i].what,
                    sp_errmsg());
            return 1;
        }
        double bytes = rows[i].fn == run_log ? (double)j.payload
                                             : (double)j.usize;
        printf("%-52s %10.3f %10.2f %10.3f\n", rows[i].what, cpu,
               bytes / (cpu * 1e6), wall);
    }
    printf("(GB/s: message bytes for sp_log, %zu decompressed bytes "
           "otherwise, per CPU second)\n",
           j.usize);
    sp_poolmgr_destroy(mgr);
    LZ4F_freeDecompressionContext(j.dctx);
    free(j.dst);
    free(file);
    return 0;
}
