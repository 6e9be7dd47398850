/* Benchmark of the lidar kernels the runtime owns (crop, voxel) on every
 * back-end present: a real KITTI sweep when $SP_TEST_DATA or ../shared/data
 * holds one, and a synthetic KITTI-sized sweep (~120k points, millimetre-
 * quantised like KITTI). Median time over many runs after warm-up, points
 * per second, bytes moved (compulsory traffic: 16 bytes read per input
 * point, 16 written per output point) and the ratio to the memcpy
 * bandwidth measured in the same run. The ratio's memcpy copies as many
 * bytes as the cloud holds (16 per point, ~2 MB: it stays in cache like
 * the kernels' data); the large out-of-cache memcpy is printed too.
 *
 *   bench_lidar [--runs N] [--quick] [--json] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_threads.h"
#include "bench_util.h"
#include "sp_crop.h"
#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_status.h"
#include "sp_voxel.h"

typedef struct cloud {
    sp_points p;
    void *mem;
} cloud;

static int cloud_init(cloud *c, size_t cap)
{
    size_t bytes = sp_points_block_size(cap ? cap : 1, 0);
    bytes = (bytes + 63) & ~(size_t)63;
    c->mem = aligned_alloc(64, bytes);
    return c->mem ? sp_points_init(&c->p, c->mem, bytes, cap, 0) : -1;
}

static int load_kitti(const char *path, cloud *c)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = size > 0 ? (size_t)size / 16 : 0;
    float *rec = malloc(n * 16 + 16);
    if (!rec || fread(rec, 16, n, f) != n || cloud_init(c, n) != 0) {
        fclose(f);
        free(rec);
        return -1;
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        c->p.x[i] = rec[4 * i];
        c->p.y[i] = rec[4 * i + 1];
        c->p.z[i] = rec[4 * i + 2];
        c->p.intensity[i] = rec[4 * i + 3];
    }
    c->p.count = n;
    free(rec);
    return 0;
}

/* The shared synthetic sweep (bench_util.h). */
static void synth(cloud *c)
{
    cloud_init(c, BENCH_SYNTH_POINTS);
    bench_synth_sweep(c->p.x, c->p.y, c->p.z, c->p.intensity, 1);
    c->p.count = BENCH_SYNTH_POINTS;
}

typedef struct job {
    sp_kctx *k;
    const sp_points *in;
    sp_points *out;
    sp_crop_params crop;
    sp_voxel_params voxel;
} job;

static int run_crop(void *arg)
{
    job *j = arg;
    return sp_crop(j->k, &j->crop, j->in, j->out);
}

static int run_voxel(void *arg)
{
    job *j = arg;
    return sp_voxel(j->k, &j->voxel, j->in, j->out);
}

typedef struct backend {
    const char *name;
    sp_kctx *k;
} backend;

static int make_backends(backend *b)
{
    int n = 0;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    if (sp_kctx_create(&d, &b[n].k) == 0)
        b[n++].name = "scalar";
    static const char *lv[] = {"sse41", "avx2", "neon"};
    static const sp_simd_level lvl[] = {SP_SIMD_SSE41, SP_SIMD_AVX2,
                                        SP_SIMD_NEON};
    d.backend = SP_BACKEND_SIMD;
    for (int i = 0; i < 3; i++) {
        setenv("SP_SIMD", lv[i], 1);
        if (sp_simd_detect() == lvl[i] && sp_kctx_create(&d, &b[n].k) == 0)
            b[n++].name = lv[i];
    }
    unsetenv("SP_SIMD");
    d.backend = SP_BACKEND_OPENCL;
    if (sp_kctx_create(&d, &b[n].k) == 0)
        b[n++].name = "opencl";
    else
        fprintf(stderr, "bench_lidar: no OpenCL rows: %s\n", sp_errmsg());
    return n;
}

static void bench_cloud(const char *label, const cloud *in, backend *bs, int nb,
                        const bench_opts *o)
{
    /* memcpy of the cloud's own size, in the same run. */
    double gbps = bench_memcpy_gbps(16 * in->p.count, o->quick ? 51 : 301);
    if (!o->json)
        printf("# %s: memcpy of %zu bytes (the cloud's size): %.2f GB/s\n",
               label, 16 * in->p.count, gbps);
    cloud out;
    if (cloud_init(&out, in->p.count) != 0) {
        fprintf(stderr, "bench_lidar: out of memory\n");
        exit(1);
    }
    job j = {.in = &in->p, .out = &out.p};
    j.crop = (sp_crop_params){.limits = SP_CROP_X | SP_CROP_Y | SP_CROP_Z |
                                        SP_CROP_RANGE,
                              .min = {-40, -40, -3},
                              .max = {40, 40, 2},
                              .range_min = 2,
                              .range_max = 80};
    j.voxel = (sp_voxel_params){.leaf = {0.2f, 0.2f, 0.2f}};
    int warm = o->quick ? 2 : 5;
    for (int kern = 0; kern < 2; kern++) {
        for (int b = 0; b < nb; b++) {
            j.k = bs[b].k;
            double ms =
                bench_median_ms(kern ? run_voxel : run_crop, &j, warm, o->runs);
            if (ms < 0) {
                fprintf(stderr, "bench_lidar: %s on %s: %s\n",
                        kern ? "voxel" : "crop", bs[b].name, sp_errmsg());
                continue;
            }
            bench_row r = {.kernel = kern ? "voxel 0.2" : "crop box+range",
                           .backend = bs[b].name,
                           .input = label,
                           .items = in->p.count,
                           .median_ms = ms,
                           .bytes = 16.0 * (double)(in->p.count + out.p.count),
                           .memcpy_gbps = gbps};
            bench_print_row(stdout, &r, o->json);
        }
    }
    free(out.mem);
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    double gbps =
        bench_memcpy_gbps(o.quick ? (size_t)64 << 20 : 0, o.quick ? 5 : 15);
    if (!o.json) {
        char desc[4096];
        sp_kernels_describe(desc, sizeof desc);
        printf("%smemcpy 256 MiB (out of cache): %.2f GB/s; each table's "
               "ratio compares read+write bytes with 2x the memcpy of the "
               "cloud's size\n\n",
               desc, gbps);
    }
    backend bs[6];
    int nb = make_backends(bs);
    bench_print_header(stdout, o.json);

    cloud syn;
    synth(&syn);
    bench_cloud("synthetic", &syn, bs, nb, &o);
    free(syn.mem);

    char path[1024];
    const char *root = getenv("SP_TEST_DATA");
    struct stat st;
    snprintf(path, sizeof path, "%s/kitti_object/training/velodyne/000001.bin",
             root && *root ? root : "../shared/data");
    cloud kit;
    if (stat(path, &st) == 0 && load_kitti(path, &kit) == 0) {
        bench_cloud("kitti 000001", &kit, bs, nb, &o);
        free(kit.mem);
    } else if (!o.json) {
        printf("(no KITTI sweep at %s: set SP_TEST_DATA)\n", path);
    }
    /* threads=: the voxel stage over the 11 sweeps of the KITTI raw drive,
     * one frame split across 2 threads against 1. */
    char src[1100];
    snprintf(src, sizeof src, "bin path=%s/kitti_raw_seq/velodyne_points/data",
             root && *root ? root : "../shared/data");
    if (!o.json)
        printf("\n# threads=: stage time per frame from the pipeline's "
               "figures\n");
    bench_threads_rows("kitti raw 11 sweeps", src, "voxel leaf=0.2", 2,
                       SP_BACKEND_SIMD, o.quick ? 3 : 15, &o);
    bench_threads_rows("kitti raw 11 sweeps", src, "voxel leaf=0.2", 2,
                       SP_BACKEND_SCALAR, o.quick ? 3 : 15, &o);
    /* The worker left asleep until the frame comes (no anticipate=), and
     * kept awake between frames (spin= longer than the source's ~1 ms read
     * of the next sweep). */
    bench_threads_rows("kitti raw 11 sweeps", src,
                       "voxel leaf=0.2 anticipate=false", 2, SP_BACKEND_SIMD,
                       o.quick ? 3 : 15, &o);
    bench_threads_rows("kitti raw 11 sweeps", src, "voxel leaf=0.2 spin=20000",
                       2, SP_BACKEND_SIMD, o.quick ? 3 : 15, &o);
    /* The lidar rasters and the ground on the same sweeps. */
    static const char *const lidar_stages[] = {"bev", "range cols=2048",
                                               "ground"};
    for (size_t s = 0; s < sizeof lidar_stages / sizeof *lidar_stages; s++)
        bench_threads_rows("kitti raw 11 sweeps", src, lidar_stages[s], 2,
                           SP_BACKEND_SIMD, o.quick ? 3 : 15, &o);
    for (int b = 0; b < nb; b++)
        sp_kctx_destroy(bs[b].k);
    return 0;
}
