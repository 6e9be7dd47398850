/* Benchmark: the camera kernels debayer, levels and convert on every
 * back-end present, on 1242x375 (KITTI) and 1920x1080 frames of random
 * content. Per row: median time, megapixels/s, bytes moved (read + write)
 * and the ratio to this machine's memcpy bandwidth measured in the same
 * run.
 *
 *   bench_camera1 [--runs N] [--quick] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_threads.h"
#include "bench_util.h"
#include "sp_convert.h"
#include "sp_debayer.h"
#include "sp_levels.h"

typedef enum { K_DEBAYER, K_LEVELS, K_CONVERT } kind;

typedef struct job {
    kind what;
    sp_kctx *k;
    sp_image src, dst;
    sp_debayer_desc db;
    sp_levels_desc lv;
    sp_convert_desc cv;
} job;

static int run(void *arg)
{
    job *j = arg;
    switch (j->what) {
    case K_DEBAYER:
        return sp_debayer(j->k, &j->db, &j->src, &j->dst);
    case K_LEVELS:
        return sp_levels(j->k, &j->lv, &j->src, &j->dst);
    default:
        return sp_convert(j->k, &j->cv, &j->src, &j->dst);
    }
}

static void *alloc_image(sp_image *im, uint32_t w, uint32_t h, sp_pixfmt f,
                         int fill)
{
    size_t size = sp_image_block_size(w, h, f, 0);
    uint8_t *m = aligned_alloc(64, (size + 63) & ~(size_t)63);
    if (!m || sp_image_init(im, m, size, w, h, f, 0) != SP_OK) {
        fprintf(stderr, "bench_camera1: cannot allocate %ux%u %s\n", w, h,
                sp_pixfmt_name(f));
        exit(1);
    }
    uint32_t s = 12345;
    for (size_t i = 0; i < size; i++) {
        s = s * 1103515245u + 12345u;
        m[i] = fill ? (uint8_t)(s >> 16) : 0;
    }
    if (fill && (f == SP_PIX_BAYER_RGGB16))
        for (uint32_t y = 0; y < h; y++) /* 14-bit samples, like the raw file */
            for (uint32_t x = 0; x < w; x++)
                ((uint16_t *)(void *)sp_image_row(im, y))[x] &= 0x3fff;
    return m;
}

static size_t image_bytes(const sp_image *im)
{
    size_t rows =
        im->format == SP_PIX_NV12 ? (size_t)im->height * 3 / 2 : im->height;
    return sp_image_row_bytes(im->width, im->format) * rows;
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (bench_parse_args(argc, argv, &o))
        return 2;
    static const uint32_t sizes[][2] = {{1242, 375}, {1920, 1080}};
    sp_kctx *ks[4];
    const char *names[4];
    char clname[160];
    int nk = 0;
    static const sp_backend backs[3] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD,
                                        SP_BACKEND_OPENCL};
    for (int b = 0; b < 3; b++) {
        sp_kctx_desc d = {.backend = backs[b]};
        if (backs[b] == SP_BACKEND_SIMD && sp_simd_detect() == SP_SIMD_NONE)
            continue;
        if (sp_kctx_create(&d, &ks[nk]) != SP_OK) {
            fprintf(stderr, "bench_camera1: no %s back-end: %s\n",
                    sp_backend_name(backs[b]), sp_errmsg());
            continue;
        }
        if (backs[b] == SP_BACKEND_OPENCL) {
            snprintf(clname, sizeof clname, "opencl");
            names[nk] = clname;
        } else {
            names[nk] = backs[b] == SP_BACKEND_SCALAR
                            ? "scalar"
                            : sp_simd_level_name(sp_simd_detect());
        }
        nk++;
        if (backs[b] == SP_BACKEND_SIMD && sp_simd_detect() == SP_SIMD_AVX2) {
            /* the SSE4.1 versions too, through the SP_SIMD override */
            setenv("SP_SIMD", "sse41", 1);
            if (sp_kctx_create(&d, &ks[nk]) == SP_OK)
                names[nk++] = "sse41";
            unsetenv("SP_SIMD");
        }
    }
    double gbps =
        bench_memcpy_gbps(o.quick ? (size_t)64 << 20 : 0, o.quick ? 5 : 15);
    int warm = o.quick ? 2 : 5;
    if (!o.json)
        printf("memcpy: %.2f GB/s (read + write counted)\n", gbps);
    bench_print_header(stdout, o.json);

    struct {
        const char *name;
        kind what;
        sp_pixfmt from;
        sp_debayer_desc db;
        sp_levels_desc lv;
        sp_convert_desc cv;
    } cases[] = {
        {"debayer", K_DEBAYER, SP_PIX_BAYER_RGGB8, .db = {0}},
        {"debayer", K_DEBAYER, SP_PIX_BAYER_RGGB8, .db = {.bgr = 1}},
        {"debayer", K_DEBAYER, SP_PIX_BAYER_RGGB8,
         .db = {.method = SP_DEBAYER_EA}},
        {"debayer", K_DEBAYER, SP_PIX_BAYER_RGGB16, .db = {0}},
        {"levels", K_LEVELS, SP_PIX_BAYER_RGGB16,
         .lv = {.black = 600, .white = 15520}},
        {"levels", K_LEVELS, SP_PIX_BAYER_RGGB16,
         .lv = {.black = 600,
                .white = 15520,
                .depth = 16,
                .gain_r = 1.9f,
                .gain_b = 1.4f}},
        {"convert", K_CONVERT, SP_PIX_RGB8, .cv = {.to = SP_CONVERT_GRAY}},
        {"convert", K_CONVERT, SP_PIX_RGB8, .cv = {.to = SP_CONVERT_BGR}},
        {"convert", K_CONVERT, SP_PIX_RGB8, .cv = {.to = SP_CONVERT_RGBA}},
        {"convert", K_CONVERT, SP_PIX_NV12, .cv = {.to = SP_CONVERT_RGB}},
        {"convert", K_CONVERT, SP_PIX_YUYV, .cv = {.to = SP_CONVERT_BGR}},
    };
    for (size_t si = 0; si < 2; si++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            uint32_t w = sizes[si][0], h = sizes[si][1];
            if (cases[c].from == SP_PIX_NV12)
                h = (h + 1) & ~1u; /* NV12 needs an even height: 1242x376 */
            job j = {.what = cases[c].what,
                     .db = cases[c].db,
                     .lv = cases[c].lv,
                     .cv = cases[c].cv};
            void *ms = alloc_image(&j.src, w, h, cases[c].from, 1);
            sp_pixfmt of;
            uint32_t ow, oh;
            int rc = j.what == K_DEBAYER
                         ? sp_debayer_output(&j.db, &j.src, &of, &ow, &oh)
                     : j.what == K_LEVELS
                         ? sp_levels_output(&j.lv, &j.src, &of, &ow, &oh)
                         : sp_convert_output(&j.cv, &j.src, &of, &ow, &oh);
            if (rc != SP_OK) {
                fprintf(stderr, "bench_camera1: %s\n", sp_errmsg());
                return 1;
            }
            void *md = alloc_image(&j.dst, ow, oh, of, 0);
            char input[64], label[64];
            snprintf(input, sizeof input, "%ux%u", w, h);
            for (int b = 0; b < nk; b++) {
                j.k = ks[b];
                double ms_med = bench_median_ms(run, &j, warm, o.runs);
                if (ms_med < 0) {
                    fprintf(stderr, "bench_camera1: %s on %s: %s\n",
                            cases[c].name, names[b], sp_errmsg());
                    continue;
                }
                const char *what =
                    j.what == K_DEBAYER  ? sp_debayer_method_name(j.db.method)
                    : j.what == K_LEVELS ? (j.lv.depth == 16 ? "16b" : "8b")
                                         : sp_convert_to_name(j.cv.to);
                /* a SIMD level without its own version of this kernel ran
                 * the scalar one: say so in the row */
                int fell_back =
                    b > 0 && sp_kctx_last_backend(j.k) == SP_BACKEND_SCALAR;
                snprintf(label, sizeof label, "%s%s %s>%s %s", names[b],
                         fell_back ? "=scalar" : "",
                         sp_pixfmt_name(cases[c].from), sp_pixfmt_name(of),
                         what);
                bench_row r = {.kernel = cases[c].name,
                               .backend = label,
                               .input = input,
                               .items = (size_t)w * h,
                               .median_ms = ms_med,
                               .bytes = (double)(image_bytes(&j.src) +
                                                 image_bytes(&j.dst)),
                               .memcpy_gbps = gbps};
                bench_print_row(stdout, &r, o.json);
            }
            free(ms);
            free(md);
        }
    for (int b = 0; b < nk; b++)
        sp_kctx_destroy(ks[b]);
    /* threads=: debayer of 1080p frames split across 2 threads against 1
     * (the synthetic source's Bayer frames). */
    if (!o.json)
        printf("\n# threads=: stage time per frame from the pipeline's "
               "figures\n");
    const char *src = "synth lidar=false width=1920 height=1080 frames=30";
    bench_threads_rows("synth 1920x1080 rggb8", src, "debayer", 2,
                       SP_BACKEND_SIMD, o.quick ? 3 : 9, &o);
    bench_threads_rows("synth 1920x1080 rggb8", src, "debayer", 2,
                       SP_BACKEND_SCALAR, o.quick ? 3 : 9, &o);
    /* The worker left asleep until the frame comes (no anticipate=), and
     * kept awake between frames (spin= longer than the synthetic source's
     * ~40 ms a frame). */
    bench_threads_rows("synth 1920x1080 rggb8", src, "debayer anticipate=false",
                       2, SP_BACKEND_SIMD, o.quick ? 3 : 9, &o);
    bench_threads_rows("synth 1920x1080 rggb8", src, "debayer spin=200000", 2,
                       SP_BACKEND_SIMD, o.quick ? 3 : 9, &o);
    /* The other image stages on the same frames, demosaiced first (the
     * debayer's time is not in the stage's figure). */
    const char *rgb =
        "synth lidar=false width=1920 height=1080 frames=30 ! debayer";
    static const char *const image_stages[] = {
        "resize width=1280 height=720",
        "resize width=960 height=540 method=area",
        "normalize",
        "undistort fx=1000 fy=1000 cx=960 cy=540 k1=-0.3 k2=0.1",
    };
    for (size_t s = 0; s < sizeof image_stages / sizeof *image_stages; s++)
        bench_threads_rows("synth 1920x1080 rgb8", rgb, image_stages[s], 2,
                           SP_BACKEND_SIMD, o.quick ? 3 : 9, &o);
    return 0;
}
