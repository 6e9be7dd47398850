/* Benchmark of the MCAP writer: one ~120,000-point cloud per message, as
 * the mcap sink writes it: serialized as a CDR PointCloud2 (rows
 * "pc2_serialize"), then written into an MCAP file of 1 MiB chunks (a
 * cloud is larger, so every message closes a chunk of its own: compressed,
 * CRC'd, indexed, written to the page cache) ("mcap_write zstd|lz4|none":
 * serialization and writing together, per message). Inputs: the real KITTI
 * sweep 000001.bin (120,268 points; x y z intensity: 16 B a point) when
 * $SP_TEST_DATA or ../shared/data holds it, and a synthetic KITTI-sized
 * sweep (64 beams x 1875 steps, millimetre-quantised, with ring and time:
 * 22 B a point). The backend column gives the compression and the file's
 * size over the records' (x1.00 for none: headers and indexes are noise).
 * Bytes moved: the point arrays read plus the file bytes written.
 *
 *   bench_mcap [--runs N] [--quick] [--json] [--cputime]
 *
 * --cputime: time by this thread's CPU time (the writer runs on the
 * calling thread; its write(2) system time is included). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "sp_bin.h"
#include "sp_mcap.h"
#include "sp_rosmsg_write.h"

typedef struct job {
    sp_points p;
    void *mem;
    uint8_t *buf;
    size_t cap;
    sp_mcap_writer *w;
    uint16_t ch;
    uint64_t t;
} job;

static int run_serialize(void *arg)
{
    job *j = arg;
    size_t n;
    return sp_rosmsg_pc2_write(&j->p, 0, "velodyne", j->buf, j->cap, &n);
}

static int run_write(void *arg)
{
    job *j = arg;
    size_t n;
    int rc = sp_rosmsg_pc2_write(&j->p, (int64_t)j->t, "velodyne", j->buf,
                                 j->cap, &n);
    if (rc == 0)
        rc = sp_mcap_writer_write(j->w, j->ch, (uint32_t)j->t, j->t, j->t,
                                  j->buf, n);
    j->t += 100000000;
    return rc;
}

static const char *data_path(const char *rel)
{
    static char buf[1024];
    const char *d = getenv("SP_TEST_DATA");
    snprintf(buf, sizeof buf, "%s/%s", d && *d ? d : "../shared/data", rel);
    struct stat st;
    return stat(buf, &st) == 0 ? buf : NULL;
}

static const char *tmp_path(const char *name)
{
    static char buf[1024];
    const char *t = getenv("TMPDIR");
    snprintf(buf, sizeof buf, "%s/bench_mcap_%ld_%s", t && *t ? t : "/tmp",
             (long)getpid(), name);
    return buf;
}

static int points_alloc(job *j, size_t n, unsigned fields)
{
    size_t bytes = sp_points_block_size(n, fields);
    j->mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!j->mem)
        return -1;
    return sp_points_init(&j->p, j->mem, bytes, n, fields);
}

/* 64 beams x 1875 azimuth steps over a ground plane and obstacles, as
 * bench_lidar's synthetic sweep, with the beam as ring and the azimuth as
 * time within a 0.1 s sweep. */
static int synth(job *j)
{
    const size_t beams = 64, steps = 1875;
    if (points_alloc(j, beams * steps, SP_POINTS_RING | SP_POINTS_TIME))
        return -1;
    uint64_t s = 12345;
    size_t n = 0;
    for (size_t b = 0; b < beams; b++) {
        double elev =
            (-24.8 + 26.8 * (double)b / (double)(beams - 1)) * M_PI / 180.0;
        for (size_t a = 0; a < steps; a++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double az = 2.0 * M_PI * (double)a / (double)steps;
            double r = elev < -0.02 ? 1.73 / -sin(elev) : 80.0;
            double obst = 4.0 + (double)(s >> 40) / 16777216.0 * 60.0;
            if (((s >> 20) & 7) == 0 && obst < r)
                r = obst;
            if (r > 120.0)
                r = 120.0;
            j->p.x[n] = (float)(round(r * cos(elev) * cos(az) * 1e3) / 1e3);
            j->p.y[n] = (float)(round(r * cos(elev) * sin(az) * 1e3) / 1e3);
            j->p.z[n] = (float)(round(r * sin(elev) * 1e3) / 1e3);
            j->p.intensity[n] = (float)((s >> 12) & 255) / 255.0f;
            j->p.ring[n] = (uint16_t)b;
            j->p.time[n] = 0.1f * (float)a / (float)steps;
            n++;
        }
    }
    j->p.count = n;
    return 0;
}

static int kitti(job *j)
{
    const char *kb = data_path("kitti_object/training/velodyne/000001.bin");
    sp_bin_reader *r = NULL;
    size_t n;
    unsigned f;
    int rc = -1;
    if (kb && sp_bin_reader_create(kb, NULL, &r) == 0 &&
        sp_bin_reader_shape(r, 0, &n, &f) == 0 && points_alloc(j, n, 0) == 0)
        rc = sp_bin_reader_read(r, 0, &j->p);
    sp_bin_reader_destroy(r);
    return rc;
}

static void row(const bench_opts *o, const char *kernel, const char *backend,
                const char *input, size_t items, double ms, double bytes,
                double gbps)
{
    bench_row r = {.kernel = kernel,
                   .backend = backend,
                   .input = input,
                   .items = items,
                   .median_ms = ms,
                   .bytes = bytes,
                   .memcpy_gbps = gbps};
    if (ms >= 0)
        bench_print_row(stdout, &r, o->json);
    else
        fprintf(stderr, "%s %s %s: %s\n", kernel, backend, input, sp_errmsg());
}

static void bench_cloud(const bench_opts *o, job *j, const char *name, int cpu,
                        double gbps)
{
    const size_t n = j->p.count;
    const double point_bytes =
        (double)n * (16.0 + (j->p.ring ? 2.0 : 0.0) + (j->p.time ? 4.0 : 0.0));
    size_t need;
    if (sp_rosmsg_pc2_write(&j->p, 0, "velodyne", NULL, 0, &need) != 0)
        return;
    j->buf = malloc(need);
    j->cap = need;
    double ms = bench_median_by(run_serialize, j, 2, o->runs, cpu);
    row(o, "pc2_serialize", "scalar", name, n, ms, point_bytes + (double)need,
        gbps);

    static const sp_mcap_compression comps[] = {SP_MCAP_ZSTD, SP_MCAP_LZ4,
                                                SP_MCAP_NONE};
    static const char *const names[] = {"zstd", "lz4", "none"};
    for (int c = 0; c < 3; c++) {
        sp_mcap_writer_desc d = {.compression = comps[c]};
        const char *path = tmp_path("w.mcap");
        if (sp_mcap_writer_create(path, &d, &j->w) != 0 ||
            sp_mcap_writer_add_channel(j->w, 0, "/velodyne", "cdr", &j->ch) !=
                0) {
            fprintf(stderr, "%s: %s\n", path, sp_errmsg());
            sp_mcap_writer_destroy(j->w);
            continue;
        }
        sp_mcap_writer_stats a, b;
        sp_mcap_writer_stats_get(j->w, &a);
        ms = bench_median_by(run_write, j, 2, o->runs, cpu);
        sp_mcap_writer_stats_get(j->w, &b);
        /* file bytes and record bytes per message, over all calls */
        const double per =
            (double)(b.bytes - a.bytes) / (double)(b.messages - a.messages);
        const double ratio = (double)(b.bytes - a.bytes) /
                             (double)(b.uncompressed - a.uncompressed);
        char backend[48];
        snprintf(backend, sizeof backend, "%s (size x%.2f)", names[c], ratio);
        row(o, "mcap_write", backend, name, n, ms, point_bytes + per, gbps);
        sp_mcap_writer_destroy(j->w); /* unfinished: removes the file */
        j->w = NULL;
    }
    free(j->buf);
    j->buf = NULL;
}

int main(int argc, char **argv)
{
    bench_opts o;
    int cpu = bench_take_flag(&argc, argv, "--cputime");
    if (bench_parse_args(argc, argv, &o))
        return 2;
    /* Fewer runs than the shared default: each writes ~2.6 MB. */
    int runs_given = 0;
    for (int i = 1; i < argc; i++)
        runs_given |= strcmp(argv[i], "--runs") == 0;
    if (!runs_given)
        o.runs = o.quick ? 5 : 21;
    double gbps = bench_memcpy_gbps(o.quick ? (32u << 20) : 0, 5);
    bench_print_header(stdout, o.json);
    if (cpu && !o.json)
        printf("# --cputime: thread CPU time\n");

    job j = {0};
    if (kitti(&j) == 0)
        bench_cloud(&o, &j, "kitti 000001", cpu, gbps);
    else if (!o.json)
        printf("# KITTI 000001.bin not found (set SP_TEST_DATA): synthetic "
               "only\n");
    free(j.mem);
    memset(&j, 0, sizeof j);
    if (synth(&j) == 0)
        bench_cloud(&o, &j, "synthetic xyzirt", cpu, gbps);
    free(j.mem);
    return 0;
}
