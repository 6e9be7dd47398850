/* Benchmark of JPEG decoding (a CompressedImage's payload), one core, in
 * one run beside its peers:
 *  - sensorpipe's decoder (sp_rosmsg_cimage_decode: libjpeg-turbo's libjpeg
 *    API with our memory manager, io/jpeg_dec.c);
 *  - TurboJPEG's tjDecompress2() with the same settings (TJFLAG_ACCURATEDCT,
 *    RGB out): the peer and the oracle, its pixels compared byte for byte;
 *  - OpenCV's cv2.imdecode from Debian's /usr/bin/python3, where installed
 *    (one thread, timed inside Python; BGR out, so not compared).
 * Inputs: the real Raspberry Pi camera frame of the shared data's
 * ubiquity_aruco_marker_jpeg.bag (1280x720) when present, and 1920x1080
 * camera-like images encoded by TurboJPEG at quality 90, 4:2:0, sequential
 * and progressive. Each row also gives the heap allocations per decode
 * (this program counts malloc: tests/support/alloc_counter.c).
 *
 *   bench_jpeg [--runs N] [--quick] [--json] [--cputime] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "bench_util.h"
#include "sp_alloc_counter.h"
#include "sp_log.h"
#include "sp_rosmsg.h"

typedef struct job {
    const uint8_t *jpg;
    size_t n;
    uint32_t w, h;
    sp_rosmsg_decoder *d;
    sp_image img;
    tjhandle tj;
    uint8_t *peer;
} job;

static int run_ours(void *arg)
{
    job *j = arg;
    sp_roscimg_msg m = {.data = j->jpg, .data_size = j->n};
    return sp_rosmsg_cimage_decode(j->d, &m, &j->img);
}

static int run_turbo(void *arg)
{
    job *j = arg;
    return tjDecompress2(j->tj, j->jpg, (unsigned long)j->n, j->peer, (int)j->w,
                         0, (int)j->h, TJPF_RGB, TJFLAG_ACCURATEDCT)
               ? -1
               : 0;
}

/* Heap allocations per call, over 10 calls after the timing's warm-up. */
static double allocs_per_call(bench_fn fn, void *arg)
{
    if (!sp_test_alloc_available())
        return -1;
    uint64_t a = sp_test_alloc_calls();
    for (int i = 0; i < 10; i++)
        fn(arg);
    return (double)(sp_test_alloc_calls() - a) / 10.0;
}

/* cv2.imdecode's median ms (the bytes written to a temporary file for
 * Python to read), or < 0 with @p why filled. */
static double cv2_time(const uint8_t *jpg, size_t n, int runs, int cputime,
                       char *why, size_t cap)
{
    char tmp[] = "/tmp/bench_jpeg.XXXXXX";
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f || fwrite(jpg, 1, n, f) != n) {
        snprintf(why, cap, "cannot write %s", tmp);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    double ms = bench_cv2_ms("b = np.fromfile(p, np.uint8)",
                             "cv2.imdecode(b, cv2.IMREAD_COLOR)", tmp, runs,
                             cputime, why, cap);
    remove(tmp);
    return ms;
}

static void row(int json, const char *input, double ms, double ours_allocs,
                const char *ref, double ref_ms, double ref_allocs,
                const char *diff)
{
    if (json) {
        char d[160];
        if (ref_allocs >= 0)
            snprintf(d, sizeof d, "%s; allocs/decode %.1f vs %.1f", diff,
                     ours_allocs, ref_allocs);
        else
            snprintf(d, sizeof d, "%s", diff);
        printf("{\"compare\":\"jpeg decode\",\"input\":\"%s\",\"backend\":"
               "\"arena\",\"median_ms\":%.4f,\"allocs_per_decode\":%.1f,"
               "\"ref\":\"%s\",\"ref_median_ms\":%.4f,"
               "\"ref_allocs_per_decode\":%.1f,\"ref_over_ours\":%.3f,"
               "\"difference\":\"%s\"}\n",
               input, ms, ours_allocs, ref, ref_ms, ref_allocs,
               ms > 0 ? ref_ms / ms : 0, d);
        return;
    }
    char ra[16] = "-";
    if (ref_allocs >= 0)
        snprintf(ra, sizeof ra, "%.1f", ref_allocs);
    printf("%-34s %8.3f ms %5.1f   %-22s %8.3f ms %5s  %6.2fx  %s\n", input, ms,
           ours_allocs, ref, ref_ms, ra, ms > 0 ? ref_ms / ms : 0, diff);
}

static void bench_one(const char *input, const uint8_t *jpg, size_t n, int runs,
                      int cputime, int json)
{
    job j = {.jpg = jpg, .n = n};
    sp_pixfmt fmt;
    sp_roscimg_msg m = {.data = jpg, .data_size = n};
    if (sp_rosmsg_decoder_create(&j.d) < 0 ||
        sp_rosmsg_cimage_info(j.d, &m, &j.w, &j.h, &fmt) < 0 ||
        fmt != SP_PIX_RGB8) {
        fprintf(stderr, "bench_jpeg: %s: %s\n", input, sp_errmsg());
        sp_rosmsg_decoder_destroy(j.d);
        return;
    }
    size_t bytes = sp_image_block_size(j.w, j.h, fmt, 0);
    void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    sp_image_init(&j.img, mem, bytes, j.w, j.h, fmt, 0);
    j.peer = malloc((size_t)j.w * j.h * 3);
    j.tj = tjInitDecompress();
    double turbo = bench_median_by(run_turbo, &j, 3, runs, cputime);
    double ours = bench_median_by(run_ours, &j, 3, runs, cputime);
    double turbo_a = allocs_per_call(run_turbo, &j);
    double ours_a = allocs_per_call(run_ours, &j);
    const char *diff = "byte-identical";
    size_t row_bytes = (size_t)j.w * 3;
    for (uint32_t y = 0; y < j.h; y++)
        if (memcmp(sp_image_row(&j.img, y), j.peer + y * row_bytes,
                   row_bytes)) {
            diff = "PIXELS DIFFER";
            break;
        }
    row(json, input, ours, ours_a, "TurboJPEG tjDecompress2", turbo, turbo_a,
        diff);
    char why[256] = "";
    double cv = cv2_time(jpg, n, runs, cputime, why, sizeof why);
    if (cv > 0)
        row(json, input, ours, ours_a, "cv2.imdecode", cv, -1,
            "not compared (BGR)");
    else if (!json)
        printf("%-34s %s\n", input, why);
    tjDestroy(j.tj);
    free(j.peer);
    free(mem);
    sp_rosmsg_decoder_destroy(j.d);
}

/* The first CompressedImage of the real bag, copied out; NULL if absent. */
static uint8_t *real_frame(size_t *n)
{
    const char *data = getenv("SP_TEST_DATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/ros1/ubiquity_aruco_marker_jpeg.bag",
             data ? data : "../shared/data");
    sp_log *log = NULL;
    if (sp_log_open(path, NULL, &log) < 0)
        return NULL;
    uint8_t *out = NULL;
    sp_log_msg msg;
    while (!out && sp_log_next(log, &msg) == SP_OK) {
        const sp_log_topic *t = sp_log_topic_at(log, msg.topic);
        sp_roscimg_msg c;
        if (strstr(t->type, "CompressedImage") &&
            sp_rosmsg_cimage_parse(msg.data, msg.size, SP_ROSMSG_ROS1, &c) ==
                SP_OK) {
            out = malloc(c.data_size);
            memcpy(out, c.data, c.data_size);
            *n = c.data_size;
        }
    }
    sp_log_destroy(log);
    return out;
}

/* A 1920x1080 camera-like picture (gradients, edges, sensor noise)
 * encoded by TurboJPEG. */
static uint8_t *synthetic(int progressive, size_t *n)
{
    uint32_t w = 1920, h = 1080;
    uint8_t *src = malloc((size_t)w * h * 3);
    uint32_t s = 7;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                s = s * 1103515245u + 12345u;
                int v = (int)((x * (2 + c) + y * 3) / 8) % 256;
                if ((x / 120 + y / 90) % 2)
                    v = 255 - v;
                src[((size_t)y * w + x) * 3 + c] =
                    (uint8_t)(v + (int)((s >> 16) & 7));
            }
    tjhandle c = tjInitCompress();
    unsigned char *jb = NULL;
    unsigned long size = 0;
    int rc = tjCompress2(c, src, (int)w, 0, (int)h, TJPF_RGB, &jb, &size,
                         TJSAMP_420, 90, progressive ? TJFLAG_PROGRESSIVE : 0);
    tjDestroy(c);
    free(src);
    if (rc)
        return NULL;
    uint8_t *out = malloc(size);
    memcpy(out, jb, size);
    tjFree(jb);
    *n = size;
    return out;
}

int main(int argc, char **argv)
{
    int cputime = bench_take_flag(&argc, argv, "--cputime");
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    int runs = o.quick ? 9 : (o.runs > 0 ? o.runs : 31);
    if (!o.json)
        printf("%-34s %11s %5s   %-22s %11s %5s  %7s  %s\n", "input", "ours",
               "alloc", "peer", "peer", "alloc", "peer/us", "output");
    size_t n;
    uint8_t *real = real_frame(&n);
    if (real) {
        bench_one("ubiquity 1280x720", real, n, runs, cputime, o.json);
        free(real);
    } else if (!o.json) {
        printf("ubiquity_aruco_marker_jpeg.bag not found (SP_TEST_DATA): "
               "real frame skipped\n");
    }
    for (int prog = 0; prog < 2; prog++) {
        uint8_t *jpg = synthetic(prog, &n);
        if (!jpg)
            continue;
        bench_one(prog ? "1080p 420 q90 prog" : "1080p 420 q90 seq", jpg, n,
                  runs, cputime, o.json);
        free(jpg);
    }
    return 0;
}
