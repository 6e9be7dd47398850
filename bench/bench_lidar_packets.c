/* Benchmark of the lidar packet decoders (kernels/sp_lidardec.h): points
 * decoded per second on one core, for every model, on the scalar and the
 * widest SIMD back-end packet by packet and with the scan in one
 * sp_lidardec_decode_packets call, that call on OpenCL where a device is
 * (PoCL's CPU device here; see bench_one), and the time against a memcpy
 * of the same packet bytes. Inputs: one revolution of synthetic packets per
 * model (the published layouts, ranges 2-60 m, a few zero returns), and, when
 * ../shared/data (or $SP_TEST_DATA) holds them, nebula's real VLS-128 and
 * Pandar64 bags (one scan each: 208,680 and ~93,600 points). Target: a
 * VLS-128 scan in under 1 ms on one core. Prints the CPU model and load.
 *
 *   bench_lidar_packets [--runs N] [--quick] [--json]
 *   SP_BENCH_ONLY=vls128 bench_lidar_packets   (inputs whose name holds it) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "sp_kernels.h"
#include "sp_lidarcal.h"
#include "sp_lidardec.h"
#include "sp_pipeline.h"

typedef struct job {
    sp_lidardec *dec;
    const uint8_t *bytes; /* packets back to back */
    size_t n, size;       /* packets, bytes each */
    sp_points pts;
    float *az, *dist;
    uint8_t *rt;
    void *mem;
    size_t points;          /* decoded by the last run */
    uint8_t *copy;          /* memcpy target */
    sp_lidardec_packet *pk; /* non-NULL: one sp_lidardec_decode_packets */
} job;

static int run_decode(void *arg)
{
    job *j = arg;
    j->pts.count = 0;
    sp_lidardec_out o = {&j->pts, j->az, j->dist, j->rt};
    if (j->pk) {
        /* As the stage's cut=message: every packet inspected, then the
         * scan in one call. */
        for (size_t i = 0; i < j->n; i++) {
            const uint8_t *p = j->bytes + i * j->size;
            sp_lidardec_info info;
            if (sp_lidardec_inspect(j->dec, p, j->size, &info) != SP_OK)
                return -1;
            j->pk[i] = (sp_lidardec_packet){p, j->size, 0, info.ncols, 0.0};
        }
        if (sp_lidardec_decode_packets(j->dec, j->pk, j->n, &o) != SP_OK)
            return -1;
        j->points = j->pts.count;
        return 0;
    }
    for (size_t i = 0; i < j->n; i++) {
        const uint8_t *p = j->bytes + i * j->size;
        sp_lidardec_info info;
        if (sp_lidardec_inspect(j->dec, p, j->size, &info) != SP_OK ||
            sp_lidardec_decode(j->dec, p, j->size, 0, info.ncols, 0.0, &o) !=
                SP_OK)
            return -1;
    }
    j->points = j->pts.count;
    return 0;
}

static int run_copy(void *arg)
{
    job *j = arg;
    memcpy(j->copy, j->bytes, j->n * j->size);
    return 0;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint32_t rng = 1;
static unsigned rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

/* One revolution of synthetic packets of model @p m into *bytes. */
static size_t synth(sp_lidar_model m, uint8_t **bytes, size_t *size)
{
    size_t n, sz;
    int vel = m <= SP_LIDAR_VLS128;
    if (vel) {
        sz = 1206;
        n = m == SP_LIDAR_VLS128 ? 604 : m == SP_LIDAR_HDL64E ? 580 : 180;
    } else {
        sz = m == SP_LIDAR_PANDAR64    ? 1194
             : m == SP_LIDAR_PANDAR40P ? 1262
             : m == SP_LIDAR_XT32      ? 1080
                                       : 1072;
        n = 600;
    }
    uint8_t *b = calloc(n, sz);
    if (!b)
        return 0;
    for (size_t k = 0; k < n; k++) {
        uint8_t *p = b + k * sz;
        unsigned az0 = (unsigned)(k * 36000 / n);
        if (vel) {
            for (unsigned blk = 0; blk < 12; blk++) {
                uint8_t *q = p + 100 * blk;
                unsigned flag = 0xeeff;
                if (m == SP_LIDAR_VLS128)
                    flag =
                        (unsigned[]){0xeeff, 0xddff, 0xccff, 0xbbff}[blk % 4];
                if (m == SP_LIDAR_HDL64E && (blk & 1))
                    flag = 0xddff;
                put16(q, flag);
                put16(q + 2, (az0 + blk * 3) % 36000);
                for (unsigned j = 0; j < 32; j++) {
                    put16(q + 4 + 3 * j, rnd() % 16 ? 1000 + rnd() % 14000 : 0);
                    q[6 + 3 * j] = (uint8_t)rnd();
                }
            }
            p[1204] = 0x37;
            p[1205] = m == SP_LIDAR_VLS128 ? 0xa1 : 0x22;
            continue;
        }
        unsigned lasers = m == SP_LIDAR_PANDAR40P ? 40
                          : m == SP_LIDAR_XT32    ? 32
                                                  : 64;
        unsigned blocks = m == SP_LIDAR_PANDAR64    ? 6
                          : m == SP_LIDAR_PANDAR40P ? 10
                          : m == SP_LIDAR_XT32      ? 8
                                                    : 4;
        size_t header = m == SP_LIDAR_PANDAR64    ? 8
                        : m == SP_LIDAR_PANDAR40P ? 0
                                                  : 12;
        size_t unit = (m == SP_LIDAR_XT32 || m == SP_LIDAR_QT64) ? 4 : 3;
        size_t bh = m == SP_LIDAR_PANDAR40P ? 4 : 2, bb = bh + lasers * unit;
        if (header) {
            p[0] = 0xee;
            p[1] = 0xff;
            size_t at = header == 8 ? 2 : 6;
            p[at] = (uint8_t)lasers;
            p[at + 1] = (uint8_t)blocks;
            p[header == 8 ? 5 : 9] = 4;
        }
        for (unsigned blk = 0; blk < blocks; blk++) {
            uint8_t *q = p + header + blk * bb;
            if (bh == 4)
                put16(q, 0xffee);
            put16(q + bh - 2, (az0 + blk * 2) % 36000);
            for (unsigned c = 0; c < lasers; c++)
                put16(q + bh + c * unit, rnd() % 16 ? 500 + rnd() % 14000 : 0);
        }
        size_t ret = m == SP_LIDAR_PANDAR64    ? 8 + 6 * 194 + 14
                     : m == SP_LIDAR_PANDAR40P ? 10 * 124 + 14
                     : m == SP_LIDAR_XT32      ? 12 + 8 * 130 + 10
                                               : 12 + 4 * 258 + 10;
        p[ret] = 0x37;
    }
    *bytes = b;
    *size = sz;
    return n;
}

/* One scan of a real bag: the packets of message @p index copied out. */
static size_t real_scan(const char *bag, int index, uint8_t **bytes,
                        size_t *size)
{
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path=%s", bag);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        return 0;
    sp_frame *f = NULL;
    size_t n = 0;
    for (int i = 0; sp_pipeline_pull(p, &f) == SP_OK; i++) {
        if (i == index) {
            const sp_packets *pk = &f->u.packets;
            *size = pk->length[0];
            *bytes = malloc(pk->count * *size);
            for (size_t k = 0; *bytes && k < pk->count; k++)
                if (pk->length[k] == *size)
                    memcpy(*bytes + n++ * *size, sp_packets_at(pk, k), *size);
        }
        sp_frame_unref(f);
        f = NULL;
    }
    sp_pipeline_destroy(p);
    return n;
}

static void cpu_line(int json)
{
    char model[600] = "unknown", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            snprintf(model, sizeof model, "%s", c ? c + 2 : line);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    if (f)
        fclose(f);
    double load[3] = {0, 0, 0};
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = 0;
        fclose(f);
    }
    if (json)
        printf("{\"cpu\": \"%s\", \"loadavg\": [%.2f, %.2f, %.2f]}\n", model,
               load[0], load[1], load[2]);
    else
        printf("CPU: %s; load %.2f %.2f %.2f\n", model, load[0], load[1],
               load[2]);
}

/* Process CPU time in ms: an OpenCL device on the CPU (PoCL) runs on its
 * own threads, which the calling thread's clock does not see. */
static double proc_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The rows of one input: scalar and SIMD packet by packet (the stage over
 * a pcap), SIMD and OpenCL (when a device is, named or not) with the scan
 * in one sp_lidardec_decode_packets call (the stage's cut=message). CPU
 * rows are timed by the thread's CPU time; the OpenCL row by the wall
 * clock (everything: wrapping or copying the batches and the cloud, the
 * three kernels, reading back), with the process CPU time it took beside
 * it. */
static void bench_one(const char *name, sp_lidar_model m,
                      const sp_lidar_calib *cal, uint8_t *bytes, size_t n,
                      size_t size, const bench_opts *o, double mc_gbps)
{
    static const sp_backend backs[4] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD,
                                        SP_BACKEND_SIMD, SP_BACKEND_OPENCL};
    const char *only = getenv("SP_BENCH_ONLY");
    if (only && *only && !strstr(name, only))
        return;
    for (int bi = 0; bi < 4; bi++) {
        sp_kctx_desc kd = {.backend = backs[bi]};
        sp_kctx *k = NULL;
        if (sp_kctx_create(&kd, &k) != SP_OK) {
            if (bi == 3 && !o->json)
                printf("    (opencl: %s)\n", sp_errmsg());
            continue;
        }
        sp_lidardec_desc d = {.model = m, .calib = cal};
        job j = {.bytes = bytes, .n = n, .size = size};
        if (sp_lidardec_create(k, &d, &j.dec) != SP_OK) {
            fprintf(stderr, "%s: %s\n", name, sp_errmsg());
            sp_kctx_destroy(k);
            return;
        }
        size_t cap = n * sp_lidardec_max_points(j.dec) + 8;
        size_t bsz = sp_points_block_size(cap, SP_POINTS_RING | SP_POINTS_TIME);
        j.mem = aligned_alloc(64, (bsz + 63) & ~(size_t)63);
        j.az = malloc(cap * 4);
        j.dist = malloc(cap * 4);
        j.rt = malloc(cap);
        j.copy = malloc(n * size);
        j.pk = bi >= 2 ? malloc(n * sizeof *j.pk) : NULL;
        if (!j.mem || !j.az || !j.dist || !j.rt || !j.copy ||
            (bi >= 2 && !j.pk) ||
            sp_points_init(&j.pts, j.mem, bsz, cap,
                           SP_POINTS_RING | SP_POINTS_TIME) != SP_OK)
            return;
        int runs = o->quick ? 10 : o->runs;
        double ms, pcpu = 0;
        if (bi == 3) {
            double c0 = proc_cpu_ms();
            ms = bench_median_ms(run_decode, &j, 3, runs);
            pcpu = (proc_cpu_ms() - c0) / (runs + 3);
        } else {
            ms = bench_median_cpu_ms(run_decode, &j, 3, runs);
        }
        if (ms < 0) {
            fprintf(stderr, "%s: backend %d failed: %s\n", name, bi,
                    sp_errmsg());
            ms = 0;
        }
        double cms = bench_median_cpu_ms(run_copy, &j, 3, runs);
        const char *lv = sp_kctx_simd_level(k) == SP_SIMD_AVX2    ? "avx2"
                         : sp_kctx_simd_level(k) == SP_SIMD_SSE41 ? "sse41"
                         : sp_kctx_simd_level(k) == SP_SIMD_NEON  ? "neon"
                                                                  : "scalar";
        char level[64];
        if (bi == 0)
            snprintf(level, sizeof level, "scalar");
        else if (bi == 1)
            snprintf(level, sizeof level, "%s", lv);
        else if (bi == 2)
            snprintf(level, sizeof level, "%s scan call", lv);
        else
            snprintf(level, sizeof level, "opencl scan call");
        /* Compulsory traffic: the packets read, the points written (x, y,
         * z, intensity, time, azimuth, distance: 28 B; ring 2; type 1). */
        bench_row r = {"lidardec", level,
                       name,       j.points,
                       ms,         (double)(n * size) + 31.0 * (double)j.points,
                       mc_gbps};
        bench_print_row(stdout, &r, o->json);
        if (!o->json)
            printf("    %zu packets (%zu B): %.3f ms per scan%s, %.1f "
                   "Mpoints/s, %.1fx a memcpy of the packets (%.3f ms)",
                   n, n * size, ms, bi == 3 ? " wall" : " CPU",
                   j.points / ms / 1e3, ms / cms, cms);
        if (!o->json && bi == 3)
            printf("; %.3f ms of process CPU per scan", pcpu);
        if (!o->json)
            printf("\n");
        else
            printf("{\"kernel\": \"lidardec\", \"model\": \"%s\", "
                   "\"backend\": \"%s\", \"packets\": %zu, \"scan_ms\": %.4f, "
                   "\"packet_memcpy_ms\": %.4f, \"scan_over_packet_memcpy\": "
                   "%.2f, \"process_cpu_ms\": %.4f}\n",
                   name, level, n, ms, cms, ms / cms, pcpu);
        free(j.mem);
        free(j.az);
        free(j.dist);
        free(j.rt);
        free(j.copy);
        free(j.pk);
        sp_lidardec_destroy(j.dec);
        sp_kctx_destroy(k);
    }
}

static const char *data_path(const char *rel, char *buf, size_t cap)
{
    const char *root = getenv("SP_TEST_DATA");
    snprintf(buf, cap, "%s/%s",
             root ? root : SP_BENCH_SRC_DIR "/../../shared/data", rel);
    FILE *f = fopen(buf, "r");
    if (!f)
        return NULL;
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    cpu_line(o.json);
    double mc = bench_memcpy_gbps(o.quick ? 16u << 20 : 0, 5);
    bench_print_header(stdout, o.json);
    /* Synthetic revolutions (HDL-64E and VLS-128 with a made-up table). */
    sp_lidar_calib cal;
    memset(&cal, 0, sizeof cal);
    cal.vendor = SP_LIDAR_CALIB_VELODYNE;
    cal.nlasers = 128;
    for (unsigned i = 0; i < 128; i++) {
        cal.laser[i].vert = (-25.0 + 40.0 * i / 128) * 0.0174532925;
        cal.laser[i].ring = -1;
    }
    for (int m = 0; m < SP_LIDAR_OUSTER; m++) {
        uint8_t *bytes = NULL;
        size_t size = 0, n = synth((sp_lidar_model)m, &bytes, &size);
        int needs = m == SP_LIDAR_HDL64E || m == SP_LIDAR_VLS128;
        char name[64];
        snprintf(name, sizeof name, "%s synthetic",
                 sp_lidar_model_name((sp_lidar_model)m));
        if (n)
            bench_one(name, (sp_lidar_model)m, needs ? &cal : NULL, bytes, n,
                      size, &o, mc);
        free(bytes);
    }
    /* nebula's recordings: one real scan each. */
    char b1[1024], b2[1024], c1[1024], c2[1024];
    const char *vls = data_path("lidar_packets/nebula/velodyne_vls128/"
                                "1614315746471294674/metadata.yaml",
                                b1, sizeof b1);
    const char *vcal = data_path(
        "lidar_packets/calibration/velodyne/VLS128.yaml", c1, sizeof c1);
    if (vls && vcal && sp_lidar_calib_load(vcal, &cal) == SP_OK) {
        *strrchr(b1, '/') = '\0';
        uint8_t *bytes = NULL;
        size_t size = 0, n = real_scan(b1, 1, &bytes, &size);
        if (n)
            bench_one("vls128 nebula scan", SP_LIDAR_VLS128, &cal, bytes, n,
                      size, &o, mc);
        free(bytes);
    } else if (!o.json) {
        printf("(nebula's VLS-128 bag not found: real scan skipped)\n");
    }
    const char *p64 = data_path("lidar_packets/nebula/hesai_pandar64/"
                                "1673403880599376836/metadata.yaml",
                                b2, sizeof b2);
    const char *hcal = data_path("lidar_packets/calibration/hesai/Pandar64.csv",
                                 c2, sizeof c2);
    if (p64 && hcal && sp_lidar_calib_load(hcal, &cal) == SP_OK) {
        *strrchr(b2, '/') = '\0';
        uint8_t *bytes = NULL;
        size_t size = 0, n = real_scan(b2, 3, &bytes, &size);
        if (n)
            bench_one("pandar64 nebula scan", SP_LIDAR_PANDAR64, &cal, bytes, n,
                      size, &o, mc);
        free(bytes);
    }
    return 0;
}
