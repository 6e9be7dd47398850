/* Benchmark of the io/ readers and writers on real files (page cache warm):
 * KITTI .bin, PCD binary / binary_compressed / ascii (PCL's files and a KITTI
 * sweep written in each encoding), the PCD and KITTI .bin writers, and a raw
 * 16-bit Bayer frame. Median time over many runs after warm-up, points or
 * pixels per second, bytes moved (file bytes read or written + the packed
 * arrays written or read) and the ratio to the memcpy bandwidth measured in
 * the same run. Data from $SP_TEST_DATA or ../shared/data; scratch files in
 * $TMPDIR or /tmp.
 *
 *   bench_io [--runs N] [--quick] [--json] [--cputime]
 * With numpy under /usr/bin/python3, np.fromfile on the same sweep is a
 * peer row beside bin_read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "sp_bin.h"
#include "sp_pcd.h"
#include "sp_rawimg.h"

typedef struct job {
    sp_pcd_reader *pcd;
    sp_bin_reader *bin;
    sp_raw_reader *raw;
    sp_pcd_writer *w;
    sp_pcd_encoding enc;
    const char *out;
    sp_points p;
    sp_image img;
    void *mem;
} job;

static int run_pcd(void *arg)
{
    job *j = arg;
    return sp_pcd_reader_read(j->pcd, 0, &j->p);
}

static int run_bin(void *arg)
{
    job *j = arg;
    return sp_bin_reader_read(j->bin, 0, &j->p);
}

static int run_raw(void *arg)
{
    job *j = arg;
    return sp_raw_reader_read(j->raw, 0, &j->img);
}

static int run_pcd_write(void *arg)
{
    job *j = arg;
    return sp_pcd_writer_write(j->w, j->out, &j->p, j->enc);
}

static int run_bin_write(void *arg)
{
    job *j = arg;
    return sp_kittibin_write(j->out, &j->p);
}

static const char *data_path(const char *rel)
{
    static char buf[4][1024];
    static int k;
    const char *d = getenv("SP_TEST_DATA");
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", d && *d ? d : "../shared/data",
             rel);
    struct stat st;
    return stat(buf[k], &st) == 0 ? buf[k] : NULL;
}

static const char *tmp_path(const char *name)
{
    static char buf[4][1024];
    static int k;
    const char *t = getenv("TMPDIR");
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/sp_bench_io_%d_%s",
             t && *t ? t : "/tmp", (int)getpid(), name);
    return buf[k];
}

static double file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

static int points_alloc(job *j, size_t n)
{
    size_t bytes = (sp_points_block_size(n ? n : 1, 0) + 63) & ~(size_t)63;
    j->mem = aligned_alloc(64, bytes);
    return j->mem ? sp_points_init(&j->p, j->mem, bytes, n, 0) : -1;
}

/* np.fromfile's median ms for the same file over @p runs (thread CPU time
 * with cputime), from Debian's /usr/bin/python3; < 0 when numpy is not
 * there. The peer of bin_read: one read() into a fresh array. With
 * @p columns, the array is then split into x, y, z, intensity columns
 * (np.ascontiguousarray of its transpose), the layout bin_read writes. */
static double numpy_fromfile_ms(const char *path, int runs, int cputime,
                                int columns)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c '\n"
             "import sys, time\n"
             "try:\n"
             "    import numpy as np\n"
             "except ImportError as e:\n"
             "    print(\"skip\", e); sys.exit(0)\n"
             "clk = time.thread_time if %d else time.perf_counter\n"
             "p = sys.argv[1]; ts = []\n"
             "for i in range(%d + 3):\n"
             "    t = clk(); a = np.fromfile(p, dtype=np.float32)"
             ".reshape(-1, 4)\n"
             "    if %d: a = np.ascontiguousarray(a.T)\n"
             "    ts.append(clk() - t)\n"
             "ts = sorted(ts[3:]); print(\"ms\", ts[len(ts) // 2] * 1e3)\n"
             "' '%s' 2>&1",
             cputime, runs, columns, path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[512] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    pclose(p);
    double ms;
    return sscanf(line, "ms %lf", &ms) == 1 ? ms : -1;
}

static void row(const bench_opts *o, const char *kernel, const char *input,
                size_t items, double ms, double bytes, double gbps)
{
    bench_row r = {.kernel = kernel,
                   .backend = "scalar",
                   .input = input,
                   .items = items,
                   .median_ms = ms,
                   .bytes = bytes,
                   .memcpy_gbps = gbps};
    if (ms >= 0)
        bench_print_row(stdout, &r, o->json);
    else
        fprintf(stderr, "%s %s: %s\n", kernel, input, sp_errmsg());
}

/* Read one PCD file; rows "pcd_read <encoding>". */
static void bench_pcd(const bench_opts *o, const char *path, const char *label,
                      double gbps)
{
    job j = {0};
    size_t n;
    unsigned f;
    if (sp_pcd_reader_create(path, &j.pcd) != SP_OK ||
        sp_pcd_reader_shape(j.pcd, 0, &n, &f) != SP_OK ||
        points_alloc(&j, n) != SP_OK) {
        fprintf(stderr, "%s: %s\n", path, sp_errmsg());
        goto done;
    }
    char kernel[64];
    snprintf(kernel, sizeof kernel, "pcd_read %s",
             sp_pcd_encoding_name(sp_pcd_reader_header(j.pcd)->encoding));
    double ms = bench_median_ms(run_pcd, &j, 3, o->runs);
    row(o, kernel, label, n, ms, file_size(path) + 16.0 * (double)n, gbps);
done:
    sp_pcd_reader_destroy(j.pcd);
    free(j.mem);
}

int main(int argc, char **argv)
{
    bench_opts o;
    int cputime = bench_take_flag(&argc, argv, "--cputime");
    if (bench_parse_args(argc, argv, &o) != 0)
        return 2;
    if (o.quick && o.runs > 10)
        o.runs = 10;
    double gbps = bench_memcpy_gbps(o.quick ? (32u << 20) : 0, 5);
    if (!o.json)
        printf("memcpy: %.2f GB/s\n", gbps);
    bench_print_header(stdout, o.json);

    const char *kb = data_path("kitti_object/training/velodyne/000001.bin");
    if (!kb) {
        fprintf(stderr, "bench_io: no KITTI sweep in $SP_TEST_DATA or "
                        "../shared/data; nothing to measure\n");
        return 0;
    }
    /* KITTI .bin read. */
    job j = {0};
    size_t n;
    unsigned f;
    if (sp_bin_reader_create(kb, NULL, &j.bin) != SP_OK ||
        sp_bin_reader_shape(j.bin, 0, &n, &f) != SP_OK ||
        points_alloc(&j, n) != SP_OK) {
        fprintf(stderr, "%s: %s\n", kb, sp_errmsg());
        return 1;
    }
    double ms = (cputime ? bench_median_cpu_ms : bench_median_ms)(run_bin, &j,
                                                                  3, o.runs);
    row(&o, "bin_read", "kitti 000001", n, ms, 32.0 * (double)n, gbps);
    double np_ms = numpy_fromfile_ms(kb, o.runs, cputime, 0);
    if (np_ms >= 0)
        row(&o, "np.fromfile (peer)", "kitti 000001", n, np_ms,
            32.0 * (double)n, gbps);
    np_ms = numpy_fromfile_ms(kb, o.runs, cputime, 1);
    if (np_ms >= 0)
        row(&o, "np.fromfile+columns", "kitti 000001", n, np_ms,
            32.0 * (double)n, gbps);

    /* Writers from that sweep, and the files they write read back. */
    static const sp_pcd_encoding encs[] = {
        SP_PCD_BINARY, SP_PCD_BINARY_COMPRESSED, SP_PCD_ASCII};
    sp_pcd_writer_create(&j.w);
    j.out = tmp_path("k.bin");
    ms = bench_median_ms(run_bin_write, &j, 2, o.runs);
    row(&o, "kittibin_write", "kitti 000001", n, ms, 32.0 * (double)n, gbps);
    unlink(j.out);
    for (int e = 0; e < 3; e++) {
        char name[32], kernel[48];
        snprintf(name, sizeof name, "k_%d.pcd", e);
        j.out = tmp_path(name);
        j.enc = encs[e];
        snprintf(kernel, sizeof kernel, "pcd_write %s",
                 sp_pcd_encoding_name(encs[e]));
        ms = bench_median_ms(run_pcd_write, &j, 1,
                             encs[e] == SP_PCD_ASCII ? (o.runs + 4) / 5
                                                     : o.runs);
        row(&o, kernel, "kitti 000001", n, ms,
            16.0 * (double)n + file_size(j.out), gbps);
        bench_pcd(&o, j.out, "kitti 000001", gbps);
        unlink(j.out);
    }
    sp_pcd_writer_destroy(j.w);
    sp_bin_reader_destroy(j.bin);
    free(j.mem);

    /* PCL's own files. */
    static const char *pcl[] = {"pcd/ndt_omp_251370668.pcd", "pcd/milk.pcd",
                                "pcd/bunny.pcd"};
    for (int i = 0; i < 3; i++) {
        const char *p = data_path(pcl[i]);
        if (p)
            bench_pcd(&o, p, strrchr(pcl[i], '/') + 1, gbps);
    }

    /* A raw 16-bit Bayer frame. */
    const char *raw = data_path("raw_bayer/DSC_1339_768x512_rggb.raw");
    if (raw) {
        job r = {0};
        sp_raw_desc d = {.width = 768,
                         .height = 512,
                         .format = SP_PIX_BAYER_RGGB16,
                         .bit_depth = 14};
        size_t bytes = sp_image_block_size(768, 512, d.format, 0);
        r.mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        if (r.mem && sp_raw_reader_create(raw, &d, &r.raw) == SP_OK &&
            sp_image_init(&r.img, r.mem, bytes, 768, 512, d.format, 0) ==
                SP_OK) {
            ms = bench_median_ms(run_raw, &r, 3, o.runs);
            row(&o, "raw_read bayer_rggb16", "DSC_1339 768x512", 768 * 512, ms,
                2.0 * 768 * 512 * 2, gbps);
        }
        sp_raw_reader_destroy(r.raw);
        free(r.mem);
    }
    return 0;
}
