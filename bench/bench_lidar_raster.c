/* Benchmarks of the lidar raster kernels — ground (plane and grid), bev,
 * range, project — on every back-end present, on the real KITTI sweep
 * kitti_object/training/velodyne/000001.bin (from $SP_TEST_DATA, else
 * ../shared/data or ../../shared/data) and on a synthetic KITTI-sized
 * sweep (64 beams x 1875 azimuths = 120,000 points of a street), with the
 * memcpy bandwidth measured in the same run.
 *
 * bytes moved = compulsory traffic: the point arrays read once (x, y, z,
 * intensity = 16 B/point; project reads 12) plus the output written once
 * (ground: 16 B per kept point; bev 3 x H x W floats; range 5 x rows x
 * cols; project H x W). Ground's RANSAC reads the cloud once per
 * hypothesis, so its ratio to memcpy understates the work.
 *
 * "bev, 8 rasters" writes the bev raster into 8 tensors in turn (54 MB,
 * more than the caches hold), as a pipeline's pool hands out blocks; the
 * "bev" row writes one tensor, which stays in the cache between calls.
 *
 * --cputime: time the CPU back-ends by this thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID, median of the runs) instead of wall time, and
 * leave OpenCL out (its work runs on the driver's threads). For a machine
 * shared with other jobs, where wall-clock medians mostly measure the
 * scheduler; memcpy is still wall time.
 *
 * Usage: bench_lidar_raster [--json] [--runs N] [--quick] [--cputime] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "sp_bev.h"
#include "sp_ground.h"
#include "sp_project.h"
#include "sp_range.h"
#include "sp_voxel.h"

typedef struct cloud {
    sp_points pts;
    void *mem;
    const char *name;
} cloud;

static int cloud_alloc(cloud *c, size_t n)
{
    size_t bytes = sp_points_block_size(n ? n : 1, 0);
    bytes = (bytes + 63) & ~(size_t)63;
    c->mem = aligned_alloc(64, bytes);
    return c->mem && sp_points_init(&c->pts, c->mem, bytes, n ? n : 1, 0) == 0
               ? 0
               : -1;
}

static const char *data_dir(void)
{
    static const char *cands[] = {"../shared/data", "../../shared/data",
                                  "../../../shared/data"};
    const char *e = getenv("SP_TEST_DATA");
    if (e && *e)
        return e;
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/MANIFEST.md", cands[i]);
        FILE *f = fopen(p, "r");
        if (f) {
            fclose(f);
            return cands[i];
        }
    }
    return NULL;
}

static int load_kitti(cloud *c, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/kitti_object/training/velodyne/000001.bin",
             dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = sz > 0 ? (size_t)sz / 16 : 0;
    float *raw = malloc(n * 16 + 1);
    if (!raw || fread(raw, 16, n, f) != n || cloud_alloc(c, n)) {
        free(raw);
        fclose(f);
        return -1;
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        c->pts.x[i] = raw[4 * i];
        c->pts.y[i] = raw[4 * i + 1];
        c->pts.z[i] = raw[4 * i + 2];
        c->pts.intensity[i] = raw[4 * i + 3];
    }
    c->pts.count = n;
    c->name = "kitti 000001";
    free(raw);
    return 0;
}

/* A street seen by a 64-beam sensor 1.73 m up: ground below, walls 12 m to
 * each side, a few boxes; 64 x 1875 = 120,000 points. */
static int make_synthetic(cloud *c)
{
    const int beams = 64, az = 1875;
    if (cloud_alloc(c, (size_t)beams * az))
        return -1;
    size_t n = 0;
    for (int b = 0; b < beams; b++) {
        double pitch = (2.0 - 26.8 * (b + 0.5) / beams) * M_PI / 180;
        for (int a = 0; a < az; a++) {
            double yaw = 2 * M_PI * a / az - M_PI;
            double dx = cos(pitch) * cos(yaw), dy = cos(pitch) * sin(yaw),
                   dz = sin(pitch);
            double t = 120;
            if (dz < 0)
                t = fmin(t, 1.73 / -dz);
            if (fabs(dy) > 1e-9)
                t = fmin(t, 12.0 / fabs(dy));
            if (dx > 0 && fabs(dy * 20 / dx) < 1.0 && dz * 20 / dx > -1.73)
                t = fmin(t, 20 / dx); /* a box 20 m ahead */
            c->pts.x[n] = (float)(t * dx);
            c->pts.y[n] = (float)(t * dy);
            c->pts.z[n] = (float)(t * dz);
            c->pts.intensity[n] = (float)((a * 7 + b * 13) % 100) / 100.0f;
            n++;
        }
    }
    c->pts.count = n;
    c->name = "synthetic 120k";
    return 0;
}

static int calib_line(const char *path, const char *name, double *v, int n)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int found = 0;
    if (!f)
        return 0;
    size_t len = strlen(name);
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, name, len) || line[len] != ':')
            continue;
        char *p = line + len + 1, *end;
        int i = 0;
        for (; i < n; i++, p = end) {
            v[i] = strtod(p, &end);
            if (end == p)
                break;
        }
        found = i == n;
    }
    fclose(f);
    return found;
}

/* KITTI 000001's camera 2 (from calib/000001.txt when present). */
static double P2[12] = {721.5377, 0,        609.5593, 44.85728,
                        0,        721.5377, 172.854,  0.2163791,
                        0,        0,        1,        0.002745884};
static double R0[9] = {0.9999239,    0.0098378,   -0.007445048,
                       -0.009869795, 0.9999421,   -0.004278459,
                       0.007402527,  0.004351614, 0.9999631};
static double Tr[12] = {0.007533745, -0.9999714,   -0.000616602, -0.004069766,
                        0.01480249,  0.0007280733, -0.9998902,   -0.07631618,
                        0.9998621,   0.00752379,   0.01480755,   -0.2717806};

#define RING 8

typedef struct job {
    sp_kctx *k;
    const sp_points *in;
    int kernel; /* 0 ground plane, 1 ground grid, 2 bev, 3 range, 4 project,
                   5 bev into the ring of rasters */
    sp_points *out_pts;
    sp_tensor *out;
    sp_tensor *ring; /* kernel 5: RING rasters, taken in turn */
    int next;
    sp_project_params pp;
    size_t kept;
} job;

static int run_job(void *arg)
{
    job *j = arg;
    switch (j->kernel) {
    case 0: {
        sp_ground_params p = {.method = SP_GROUND_PLANE};
        int rc = sp_ground_filter(j->k, &p, j->in, j->out_pts, NULL);
        j->kept = j->out_pts->count;
        return rc;
    }
    case 1: {
        sp_ground_params p = {.method = SP_GROUND_GRID};
        int rc = sp_ground_filter(j->k, &p, j->in, j->out_pts, NULL);
        j->kept = j->out_pts->count;
        return rc;
    }
    case 2:
        return sp_bev_rasterize(j->k, NULL, j->in, j->out);
    case 3:
        return sp_range_project(j->k, NULL, j->in, j->out);
    case 5:
        return sp_bev_rasterize(j->k, NULL, j->in, &j->ring[j->next++ % RING]);
    default:
        return sp_project_depth(j->k, &j->pp, j->in, j->out);
    }
}

static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* bench_median_ms() with thread CPU time. */
static double median_cpu_ms(bench_fn fn, void *arg, int warmup, int runs)
{
    static double t[1001];
    if (runs > 1001)
        runs = 1001;
    for (int i = 0; i < warmup; i++)
        if (fn(arg) < 0)
            return -1;
    for (int i = 0; i < runs; i++) {
        double t0 = cpu_ms();
        if (fn(arg) < 0)
            return -1;
        t[i] = cpu_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    return t[runs / 2];
}

int main(int argc, char **argv)
{
    bench_opts o;
    int cputime = bench_take_flag(&argc, argv, "--cputime");
    if (bench_parse_args(argc, argv, &o))
        return 2;
    double gbps =
        bench_memcpy_gbps(o.quick ? (size_t)64 << 20 : 0, o.quick ? 3 : 9);

    cloud clouds[3];
    int nclouds = 0;
    const char *dir = data_dir();
    if (dir && load_kitti(&clouds[nclouds], dir) == 0)
        nclouds++;
    else if (!o.json)
        printf("# KITTI 000001.bin not found (set SP_TEST_DATA): synthetic "
               "only\n");
    if (dir) {
        char cp[1024];
        snprintf(cp, sizeof cp, "%s/kitti_object/training/calib/000001.txt",
                 dir);
        double p[12], r[9], t[12];
        if (calib_line(cp, "P2", p, 12) && calib_line(cp, "R0_rect", r, 9) &&
            calib_line(cp, "Tr_velo_to_cam", t, 12)) {
            memcpy(P2, p, sizeof p);
            memcpy(R0, r, sizeof r);
            memcpy(Tr, t, sizeof t);
        }
    }
    if (make_synthetic(&clouds[nclouds]) == 0)
        nclouds++;

    /* Back-ends: scalar, each SIMD level up to the CPU's, OpenCL. */
    sp_kctx *ctx[6];
    const char *names[6];
    char clname[160];
    int nk = 0;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    if (sp_kctx_create(&d, &ctx[nk]) == 0)
        names[nk++] = "scalar";
    static const char *levels[] = {"sse41", "avx2", "neon"};
    static const sp_simd_level lv[] = {SP_SIMD_SSE41, SP_SIMD_AVX2,
                                       SP_SIMD_NEON};
    d.backend = SP_BACKEND_SIMD;
    for (int i = 0; i < 3; i++) {
        setenv("SP_SIMD", levels[i], 1);
        if (sp_simd_detect() == lv[i] && sp_kctx_create(&d, &ctx[nk]) == 0)
            names[nk++] = levels[i];
    }
    unsetenv("SP_SIMD");
    /* The KITTI chain's bev input: the sweep after voxel 0.2 (~20k). */
    if (nclouds == 2 && nk > 0 &&
        cloud_alloc(&clouds[2], clouds[0].pts.count) == 0) {
        sp_voxel_params vp = {.leaf = {0.2f, 0.2f, 0.2f}};
        if (sp_voxel(ctx[0], &vp, &clouds[0].pts, &clouds[2].pts) == 0) {
            clouds[2].name = "kitti voxel 0.2";
            nclouds++;
        } else {
            free(clouds[2].mem);
        }
    }
    d.backend = SP_BACKEND_OPENCL;
    if (cputime) {
        if (!o.json)
            printf("# --cputime: thread CPU time, OpenCL left out\n");
    } else if (sp_kctx_create(&d, &ctx[nk]) == 0) {
        snprintf(clname, sizeof clname, "opencl");
        names[nk++] = clname;
    } else if (!o.json) {
        printf("# no OpenCL: %s\n", sp_errmsg());
    }

    /* Outputs, sized once with the size helpers. */
    size_t bs[3], rs[3], ps[2];
    sp_project_params pp = {
        .P = P2, .R0 = R0, .Tr = Tr, .width = 1242, .height = 375};
    if (sp_bev_shape(NULL, bs) || sp_range_shape(NULL, rs) ||
        sp_project_shape(&pp, ps)) {
        fprintf(stderr, "shape: %s\n", sp_errmsg());
        return 1;
    }
    size_t tb[3] = {sp_tensor_block_size(SP_DTYPE_F32, 3, bs),
                    sp_tensor_block_size(SP_DTYPE_F32, 3, rs),
                    sp_tensor_block_size(SP_DTYPE_F32, 2, ps)};
    void *tm[3];
    sp_tensor tt[3];
    for (int i = 0; i < 3; i++) {
        tm[i] = aligned_alloc(64, (tb[i] + 63) & ~(size_t)63);
        if (!tm[i])
            return 1;
    }
    sp_tensor_init(&tt[0], tm[0], tb[0], SP_DTYPE_F32, 3, bs);
    sp_tensor_init(&tt[1], tm[1], tb[1], SP_DTYPE_F32, 3, rs);
    sp_tensor_init(&tt[2], tm[2], tb[2], SP_DTYPE_F32, 2, ps);
    void *rm[RING];
    sp_tensor ring[RING];
    for (int i = 0; i < RING; i++) {
        rm[i] = aligned_alloc(64, (tb[0] + 63) & ~(size_t)63);
        if (!rm[i])
            return 1;
        sp_tensor_init(&ring[i], rm[i], tb[0], SP_DTYPE_F32, 3, bs);
    }

    if (!o.json)
        printf("# memcpy %.2f GB/s (this run)\n", gbps);
    bench_print_header(stdout, o.json);
    static const char *kname[] = {"ground plane", "ground grid",
                                  "bev",          "range",
                                  "project",      "bev, 8 rasters"};
    for (int c = 0; c < nclouds; c++) {
        cloud out;
        if (cloud_alloc(&out, clouds[c].pts.count))
            return 1;
        size_t n = clouds[c].pts.count;
        for (int kk = 0; kk < 6; kk++)
            for (int b = 0; b < nk; b++) {
                job j = {.k = ctx[b],
                         .in = &clouds[c].pts,
                         .kernel = kk,
                         .out_pts = &out.pts,
                         .ring = ring,
                         .pp = pp};
                j.out = kk == 2 ? &tt[0] : kk == 3 ? &tt[1] : &tt[2];
                double ms = cputime ? median_cpu_ms(run_job, &j, 3, o.runs)
                                    : bench_median_ms(run_job, &j, 3, o.runs);
                if (ms < 0) {
                    fprintf(stderr, "%s on %s: %s\n", kname[kk], names[b],
                            sp_errmsg());
                    continue;
                }
                double bytes = kk < 2 ? 16.0 * n + 16.0 * (double)j.kept
                               : kk == 2 || kk == 5
                                   ? 16.0 * n + 4.0 * bs[0] * bs[1] * bs[2]
                               : kk == 3
                                   ? 16.0 * n + 4.0 * rs[0] * rs[1] * rs[2]
                                   : 12.0 * n + 4.0 * ps[0] * ps[1];
                bench_row r = {.kernel = kname[kk],
                               .backend = names[b],
                               .input = clouds[c].name,
                               .items = n,
                               .median_ms = ms,
                               .bytes = bytes,
                               .memcpy_gbps = gbps};
                bench_print_row(stdout, &r, o.json);
            }
        free(out.mem);
    }
    for (int i = 0; i < nk; i++)
        sp_kctx_destroy(ctx[i]);
    for (int i = 0; i < 3; i++)
        free(tm[i]);
    for (int i = 0; i < RING; i++)
        free(rm[i]);
    for (int c = 0; c < nclouds; c++)
        free(clouds[c].mem);
    return 0;
}
