/* Benchmark of the Ouster packet decoder (kernels/sp_ouster.h) on every
 * SIMD level present: the three real captures of ../shared/data/pcap/ouster
 * (one 1024-column frame each) when $SP_TEST_DATA holds them, and a
 * synthetic OS-128 2048x10 DUAL frame (128 packets of 32,960 bytes, the
 * largest an Ouster sends). Rows:
 *   decode         every packet of the frame into the scan (fields + xyz);
 *   decode+points  that, then the points of the strongest return with ring,
 *                  time and the five extras (the `lidar` stage's work);
 *   range image    the de-staggered (5, H, W) image of a decoded scan.
 * Items are pixels (beams x columns x returns) for decode, points emitted
 * for decode+points, pixels for the image. The ratio column compares with
 * a memcpy of the frame's packet bytes: bytes is set to twice the packet
 * bytes (a copy reads and writes them), so ratio = memcpy time of the
 * packets / decode time (1.0 would be decoding at copying speed).
 *
 *   bench_ouster [--runs N] [--quick] [--json] [--cputime] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "sp_kernels.h"
#include "sp_ouster.h"
#include "sp_ouster_meta.h"
#include "sp_points.h"
#include "sp_status.h"

typedef struct frame {
    const char *label;
    sp_ouster_meta meta;
    uint8_t *bytes; /* packets back to back */
    size_t npk, pkt;
} frame;

typedef struct job {
    sp_kctx *k;
    sp_ouster_plan *plan;
    sp_ouster_scan scan;
    const frame *f;
    sp_points pts;
    sp_tensor img;
} job;

static int decode_all(job *j)
{
    sp_ouster_scan_reset(&j->scan);
    for (size_t i = 0; i < j->f->npk; i++) {
        int rc = sp_ouster_decode(j->k, j->plan, j->f->bytes + i * j->f->pkt,
                                  j->f->pkt, &j->scan);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int run_decode(void *arg)
{
    return decode_all(arg);
}

static int run_points(void *arg)
{
    job *j = arg;
    int rc = decode_all(j);
    sp_ouster_points_params p = {0};
    return rc < 0 ? rc : sp_ouster_points(j->plan, &j->scan, &p, &j->pts);
}

static int run_image(void *arg)
{
    job *j = arg;
    return sp_ouster_range_image(j->plan, &j->scan, 1, &j->img);
}

static int load_capture(const char *root, const char *name, frame *f)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pcap/ouster/%s.json", root, name);
    if (sp_ouster_meta_load(path, &f->meta) != SP_OK)
        return -1;
    snprintf(path, sizeof path, "%s/pcap/ouster/%s.pcap", root, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    fseek(fp, 0, SEEK_END);
    size_t n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *d = malloc(n);
    if (!d || fread(d, 1, n, fp) != n) {
        fclose(fp);
        free(d);
        return -1;
    }
    fclose(fp);
    f->pkt = sp_ouster_packet_size(&f->meta);
    f->bytes = malloc(n);
    f->npk = 0;
    /* Ethernet / IPv4 / UDP records of the lidar packets' size. */
    for (size_t off = 24; off + 16 <= n;) {
        uint32_t incl;
        memcpy(&incl, d + off + 8, 4);
        const uint8_t *rec = d + off + 16;
        off += 16 + (size_t)incl;
        if (off > n || incl < 42)
            break;
        size_t ihl = (size_t)(rec[14] & 15) * 4;
        const uint8_t *udp = rec + 14 + ihl;
        size_t ulen = (size_t)udp[4] << 8 | udp[5];
        if (ulen - 8 == f->pkt && 14 + ihl + ulen <= incl)
            memcpy(f->bytes + f->pkt * f->npk++, udp + 8, f->pkt);
    }
    free(d);
    f->label = name;
    return f->npk ? 0 : -1;
}

/* OS-128, 2048x10, DUAL: ranges from a ground plane and walls. */
static void synth(frame *f)
{
    sp_ouster_meta *m = &f->meta;
    memset(m, 0, sizeof *m);
    m->profile = SP_OUSTER_RNG19_RFL8_SIG16_NIR16_DUAL;
    m->pixels_per_column = 128;
    m->columns_per_packet = 16;
    m->columns_per_frame = 2048;
    for (int b = 0; b < 128; b++) {
        m->beam_altitude_deg[b] = 22.5 - 45.0 * b / 127.0;
        m->beam_azimuth_deg[b] = (b % 4) * 2.8 - 4.2;
        m->pixel_shift_by_row[b] = 36 - (b % 4) * 12;
    }
    double l2s[16] = {-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 36.18, 0, 0, 0, 1};
    memcpy(m->lidar_to_sensor, l2s, sizeof l2s);
    m->beam_to_lidar[0] = m->beam_to_lidar[5] = m->beam_to_lidar[10] =
        m->beam_to_lidar[15] = 1;
    m->beam_to_lidar[3] = 15.806;
    f->pkt = sp_ouster_packet_size(m);
    f->npk = 2048 / 16;
    f->bytes = calloc(f->npk, f->pkt);
    uint64_t s = 99;
    for (size_t p = 0; p < f->npk; p++) {
        uint8_t *pk = f->bytes + p * f->pkt;
        pk[0] = 1;
        pk[2] = 5;
        for (size_t c = 0; c < 16; c++) {
            uint8_t *col = pk + 32 + c * (12 + 128 * 16);
            uint16_t mid = (uint16_t)(p * 16 + c);
            uint64_t t = 1000000000ull + mid * 48828ull;
            memcpy(col, &t, 8);
            memcpy(col + 8, &mid, 2);
            col[10] = 1;
            for (int b = 0; b < 128; b++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                double el = m->beam_altitude_deg[b] * M_PI / 180;
                uint32_t r = el < -0.02 ? (uint32_t)(1800 / -sin(el))
                                        : (uint32_t)(8000 + (s >> 52));
                uint32_t r2 = (s >> 33) & 1 ? r + 2500 : 0;
                uint8_t *q = col + 12 + b * 16;
                uint32_t w0 = (r & 0x7ffff) | (uint32_t)(s >> 56) << 24;
                uint32_t w1 = (r2 & 0x7ffff) | 20u << 24;
                uint32_t w2 = (uint32_t)(s >> 16) & 0xffffu;
                memcpy(q, &w0, 4);
                memcpy(q + 4, &w1, 4);
                memcpy(q + 8, &w2, 4);
            }
        }
    }
    f->label = "synthetic OS-128 2048 dual";
}

static int cputime;

static void bench_frame(const frame *f, const bench_opts *o)
{
    static const char *names[] = {"scalar", "sse41", "avx2", "neon"};
    static const sp_simd_level lvl[] = {SP_SIMD_NONE, SP_SIMD_SSE41,
                                        SP_SIMD_AVX2, SP_SIMD_NEON};
    double pkt_bytes = (double)f->npk * (double)f->pkt;
    double gbps = bench_memcpy_gbps((size_t)pkt_bytes, o->quick ? 51 : 301);
    if (!o->json)
        printf("# %s: %zu packets, %.0f bytes; memcpy of them %.2f GB/s\n",
               f->label, f->npk, pkt_bytes, gbps);
    sp_ouster_geom g = {
        .profile = (sp_ouster_pkt)f->meta.profile,
        .beams = f->meta.pixels_per_column,
        .cols_per_packet = f->meta.columns_per_packet,
        .cols_per_frame = f->meta.columns_per_frame,
        .altitude_deg = f->meta.beam_altitude_deg,
        .azimuth_deg = f->meta.beam_azimuth_deg,
        .pixel_shift = f->meta.pixel_shift_by_row,
    };
    memcpy(g.beam_to_lidar, f->meta.beam_to_lidar, sizeof g.beam_to_lidar);
    memcpy(g.lidar_to_sensor, f->meta.lidar_to_sensor,
           sizeof g.lidar_to_sensor);
    job j = {.f = f};
    if (sp_ouster_plan_create(&g, &j.plan) != SP_OK)
        exit(1);
    size_t ss = sp_ouster_scan_size(j.plan);
    void *smem = aligned_alloc(64, (ss + 63) & ~(size_t)63);
    sp_points_layout lay;
    sp_ouster_points_layout(&lay);
    size_t cap = sp_ouster_points_max(j.plan);
    size_t pb = sp_points_block_size_layout(cap, &lay);
    void *pmem = aligned_alloc(64, (pb + 63) & ~(size_t)63);
    size_t shape[3] = {5, g.beams, g.cols_per_frame};
    size_t tb = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
    void *tmem = aligned_alloc(64, (tb + 63) & ~(size_t)63);
    if (!smem || !pmem || !tmem ||
        sp_ouster_scan_init(&j.scan, j.plan, smem, ss) ||
        sp_points_init_layout(&j.pts, pmem, pb, cap, &lay) ||
        sp_tensor_init(&j.img, tmem, tb, SP_DTYPE_F32, 3, shape))
        exit(1);
    size_t pixels =
        (size_t)g.beams * g.cols_per_frame * sp_ouster_plan_returns(j.plan);
    int warm = o->quick ? 2 : 5;
    for (int l = 0; l < 4; l++) {
        sp_kctx_desc d = {.backend = l ? SP_BACKEND_SIMD : SP_BACKEND_SCALAR};
        if (l) {
            setenv("SP_SIMD", names[l], 1);
            if (sp_simd_detect() != lvl[l])
                continue;
        }
        if (sp_kctx_create(&d, &j.k) != SP_OK)
            continue;
        static const char *rows[] = {"ouster decode", "ouster decode+points",
                                     "ouster range image"};
        bench_fn fns[] = {run_decode, run_points, run_image};
        for (int r = 0; r < 3; r++) {
            if (r == 2 && l)
                continue; /* one version: the scalar pass */
            double ms = cputime ? bench_median_cpu_ms(fns[r], &j, warm, o->runs)
                                : bench_median_ms(fns[r], &j, warm, o->runs);
            if (ms < 0) {
                fprintf(stderr, "bench_ouster: %s: %s\n", rows[r], sp_errmsg());
                continue;
            }
            bench_row row = {.kernel = rows[r],
                             .backend = names[l],
                             .input = f->label,
                             .items = r == 1 ? j.pts.count : pixels,
                             .median_ms = ms,
                             .bytes = 2.0 * pkt_bytes,
                             .memcpy_gbps = gbps};
            bench_print_row(stdout, &row, o->json);
        }
        sp_kctx_destroy(j.k);
    }
    unsetenv("SP_SIMD");
    free(smem);
    free(pmem);
    free(tmem);
    sp_ouster_plan_destroy(j.plan);
}

int main(int argc, char **argv)
{
    cputime = bench_take_flag(&argc, argv, "--cputime");
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    if (!o.json)
        printf("Ouster packets to points; ratio = memcpy time of the "
               "frame's packet bytes / the row's time (%s)\n\n",
               cputime ? "thread CPU time" : "wall time");
    bench_print_header(stdout, o.json);
    frame syn;
    synth(&syn);
    bench_frame(&syn, &o);
    free(syn.bytes);
    const char *root = getenv("SP_TEST_DATA");
    static const char *caps[] = {"OS-1-32-G_v2.1.1_1024x10",
                                 "OS-0-32-U1_v2.2.0_1024x10",
                                 "OS-0-128-U1_v2.3.0_1024x10"};
    for (int i = 0; i < 3; i++) {
        frame f;
        memset(&f, 0, sizeof f);
        if (load_capture(root && *root ? root : "../shared/data", caps[i],
                         &f) == 0)
            bench_frame(&f, &o);
        else if (!o.json)
            printf("(no capture %s: set SP_TEST_DATA)\n", caps[i]);
        free(f.bytes);
    }
    return 0;
}
