/* Benchmark of unpack (PointCloud2 records to columns) on every CPU back-
 * end, against a memcpy of the same input bytes timed by the same clock in
 * the same run. Two clouds laid out as the ones in the shared data (values
 * synthetic; the layout is what costs):
 *  - velodyne: 124,914 points, step 32 (ros1/swri_pointcloud2_lz4.bag):
 *    x, y, z f32 @0/4/8, intensity f32 @16, ring u16 @20;
 *  - luminar: 35,707 points, step 32 (ros1/embag_test.bag): x, y, z f32
 *    @0/4/8, intensity f32 @16, time_nsec u32 @24, laser_id u16 @28.
 * Kernels: "unpack" copies the five columns; "unpack+t" adds time (u32
 * at @24) to float seconds (TO_F32, scale 1e-9), a conversion column.
 *
 * bytes = input read (count x step) + columns written. GB/s and /memcpy
 * are bench_util's (read+write over twice the memcpy rate); the table
 * also prints x_memcpy = memcpy time of the input / unpack time, the
 * figure to read for "at memcpy speed" (1.0 = as fast as copying the
 * cloud once).
 *
 * Window transpose against gathers, AVX2, "unpack", thread CPU time, best
 * of 300, Xeon (Sapphire Rapids class, 2 vCPU VM, load ~3), 3 runs each:
 * the windows 0.050-0.056 ms (luminar) and 0.245-0.250 ms (velodyne);
 * the same passes with one vpgatherdd per dword instead of the loads and
 * shuffles 0.067 ms and 0.28-0.37 ms. A loop hand-written for exactly
 * this layout (no scratch row for the ring) ran 0.037-0.041 ms and
 * 0.21-0.24 ms: the generic plan costs ~25% on an L2-resident cloud and
 * little once memory is the limit. (Scratch programs, not kept.)
 *
 *   bench_unpack [--runs N] [--quick] [--json] [--cputime] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "sp_kernels.h"
#include "sp_status.h"
#include "sp_unpack.h"

typedef struct cloud {
    const char *name;
    size_t count, step;
    uint32_t x, y, z, intensity, ring, t_ns; /* offsets */
    uint8_t *data;
} cloud;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* Coordinates ~1.2-1.4 km out as in the swri cloud, intensity 0..255,
 * ring 0..63, nanoseconds within 0.1 s. */
static int cloud_make(cloud *c)
{
    c->data = aligned_alloc(64, (c->count * c->step + 63) & ~(size_t)63);
    if (!c->data)
        return -1;
    memset(c->data, 0, c->count * c->step);
    uint64_t s = c->count;
    for (size_t i = 0; i < c->count; i++) {
        uint8_t *r = c->data + i * c->step;
        float x = 1200.0f + (float)(lcg(&s) % 200000) * 1e-3f;
        float y = -300.0f + (float)(lcg(&s) % 600000) * 1e-3f;
        float z = (float)(lcg(&s) % 20000) * 1e-3f - 5.0f;
        float in = (float)(lcg(&s) % 256);
        uint16_t ring = (uint16_t)(i % 64);
        uint32_t ns = (uint32_t)(lcg(&s) % 100000000);
        memcpy(r + c->x, &x, 4);
        memcpy(r + c->y, &y, 4);
        memcpy(r + c->z, &z, 4);
        memcpy(r + c->intensity, &in, 4);
        memcpy(r + c->ring, &ring, 2);
        memcpy(r + c->t_ns, &ns, 4);
    }
    return 0;
}

typedef struct job {
    sp_kctx *k;
    const sp_unpack_desc *d;
    const uint8_t *src;
    size_t n;
    uint8_t *copy; /* memcpy's destination */
} job;

static int run_unpack(void *arg)
{
    job *j = arg;
    return sp_unpack(j->k, j->d, j->src, j->n);
}

static int run_memcpy(void *arg)
{
    job *j = arg;
    memcpy(j->copy, j->src, j->n);
    /* Keep the copy observable so it cannot be elided. */
    return j->copy[j->n - 1] == 0xff && j->copy[0] == 0xff ? 1 : 0;
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
    return n;
}

static void add_col(sp_unpack_desc *d, uint32_t off, sp_unpack_type t,
                    sp_unpack_op op, double scale, void *dst)
{
    d->cols[d->ncols++] = (sp_unpack_col){
        .offset = off, .src_type = t, .op = op, .scale = scale, .dst = dst};
}

static void bench_cloud(const cloud *c, const backend *bs, int nb,
                        const bench_opts *o, int cputime)
{
    size_t n = c->count * c->step;
    float *col = aligned_alloc(64, 5 * ((c->count * 4 + 63) & ~(size_t)63));
    uint8_t *copy = aligned_alloc(64, (n + 63) & ~(size_t)63);
    if (!col || !copy) {
        fprintf(stderr, "bench_unpack: out of memory\n");
        exit(1);
    }
    memset(copy, 0, n);
    size_t stride = ((c->count * 4 + 63) & ~(size_t)63) / 4;
    float *x = col, *y = col + stride, *z = col + 2 * stride;
    float *in = col + 3 * stride, *t = col + 4 * stride;
    uint16_t *ring = aligned_alloc(64, (c->count * 2 + 63) & ~(size_t)63);
    if (!ring) {
        fprintf(stderr, "bench_unpack: out of memory\n");
        exit(1);
    }
    int warm = o->quick ? 2 : 5;
    job j = {.src = c->data, .n = n, .copy = copy};
    double mc = cputime ? bench_median_cpu_ms(run_memcpy, &j, warm, o->runs)
                        : bench_median_ms(run_memcpy, &j, warm, o->runs);
    double mgbps = mc > 0 ? (double)n / (mc * 1e6) : 0;
    if (!o->json)
        printf("# %s: memcpy of its %zu bytes: %.4f ms, %.2f GB/s\n", c->name,
               n, mc, mgbps);
    for (int kern = 0; kern < 2; kern++) {
        sp_unpack_desc d = {.count = c->count, .rows = 1, .step = c->step};
        add_col(&d, c->x, SP_UNPACK_F32, SP_UNPACK_COPY, 0, x);
        add_col(&d, c->y, SP_UNPACK_F32, SP_UNPACK_COPY, 0, y);
        add_col(&d, c->z, SP_UNPACK_F32, SP_UNPACK_COPY, 0, z);
        add_col(&d, c->intensity, SP_UNPACK_F32, SP_UNPACK_COPY, 0, in);
        add_col(&d, c->ring, SP_UNPACK_U16, SP_UNPACK_COPY, 0, ring);
        if (kern)
            add_col(&d, c->t_ns, SP_UNPACK_U32, SP_UNPACK_TO_F32, 1e-9, t);
        double out = (double)c->count * (kern ? 22 : 18);
        j.d = &d;
        for (int b = 0; b < nb; b++) {
            j.k = bs[b].k;
            double ms = cputime
                            ? bench_median_cpu_ms(run_unpack, &j, warm, o->runs)
                            : bench_median_ms(run_unpack, &j, warm, o->runs);
            if (ms < 0) {
                fprintf(stderr, "bench_unpack: %s on %s: %s\n", c->name,
                        bs[b].name, sp_errmsg());
                continue;
            }
            bench_row r = {.kernel = kern ? "unpack+t" : "unpack",
                           .backend = bs[b].name,
                           .input = c->name,
                           .items = c->count,
                           .median_ms = ms,
                           .bytes = (double)n + out,
                           .memcpy_gbps = mgbps};
            bench_print_row(stdout, &r, o->json);
            if (!o->json)
                printf("#   x_memcpy %.2f (memcpy %.4f ms / unpack %.4f "
                       "ms)\n",
                       mc / ms, mc, ms);
        }
    }
    free(col);
    free(copy);
    free(ring);
}

int main(int argc, char **argv)
{
    int cputime = bench_take_flag(&argc, argv, "--cputime");
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    if (!o.quick && o.runs == 50)
        o.runs = 201; /* sub-millisecond rows: more runs, steadier median */
    if (!o.json) {
        char desc[4096];
        sp_kernels_describe(desc, sizeof desc);
        printf("%sclock: %s\n\n", desc,
               cputime ? "thread CPU time (--cputime)" : "wall (monotonic)");
    }
    backend bs[4];
    int nb = make_backends(bs);
    bench_print_header(stdout, o.json);
    cloud clouds[2] = {
        {.name = "velodyne 124914",
         .count = 124914,
         .step = 32,
         .x = 0,
         .y = 4,
         .z = 8,
         .intensity = 16,
         .ring = 20,
         .t_ns = 24},
        {.name = "luminar 35707",
         .count = 35707,
         .step = 32,
         .x = 0,
         .y = 4,
         .z = 8,
         .intensity = 16,
         .ring = 28,
         .t_ns = 24},
    };
    for (int i = 0; i < 2; i++) {
        if (cloud_make(&clouds[i]) != 0) {
            fprintf(stderr, "bench_unpack: out of memory\n");
            return 1;
        }
        bench_cloud(&clouds[i], bs, nb, &o, cputime);
        free(clouds[i].data);
    }
    for (int b = 0; b < nb; b++)
        sp_kctx_destroy(bs[b].k);
    return 0;
}
