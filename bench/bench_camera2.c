/* Benchmark: the camera kernels resize, normalize and undistort on every
 * back-end present, on 1242x375 (KITTI) and 1920x1080 frames of random
 * content: resize to 640x384 (linear, area, nearest; RGB8 and GRAY8; the
 * backend column names the method, the input column the source size),
 * normalize of the 640x384 RGB8 result (ImageNet mean/std, CHW float) and of
 * the full frame, undistort of the full frame (table built once, outside the
 * timing; its build time is its own row). Per row: median time,
 * megapixels/s (output pixels), bytes moved (read + write: the whole input
 * image, the output, and for undistort the 6-byte-a-pixel table) and the
 * ratio to this machine's memcpy bandwidth measured in the same run.
 *
 *   bench_camera2 [--runs N] [--quick] [--json] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "sp_normalize.h"
#include "sp_resize.h"
#include "sp_undistort.h"

typedef enum { K_RESIZE, K_NORMALIZE, K_UNDISTORT, K_MAP } kind;

typedef struct job {
    kind what;
    sp_kctx *k;
    sp_image src, dst;
    sp_resize_method method;
    sp_tensor t;
    sp_undistort_map map;
    void *map_mem;
    size_t map_size;
    double K[9], dist[5];
} job;

static int run(void *arg)
{
    job *j = arg;
    switch (j->what) {
    case K_RESIZE:
        return sp_resize(j->k, &j->src, &j->dst, j->method);
    case K_NORMALIZE:
        return sp_normalize(j->k, NULL, &j->src, &j->t);
    case K_UNDISTORT:
        return sp_undistort(j->k, &j->map, &j->src, &j->dst);
    default:
        return sp_undistort_map_init(&j->map, j->map_mem, j->map_size, j->K,
                                     j->dist, j->src.width, j->src.height);
    }
}

static void *alloc_image(sp_image *im, uint32_t w, uint32_t h, sp_pixfmt f)
{
    size_t size = sp_image_block_size(w, h, f, 0);
    uint8_t *m = aligned_alloc(64, (size + 63) & ~(size_t)63);
    if (!m || sp_image_init(im, m, size, w, h, f, 0) != SP_OK) {
        fprintf(stderr, "bench_camera2: cannot allocate %ux%u %s\n", w, h,
                sp_pixfmt_name(f));
        exit(1);
    }
    uint32_t s = 12345;
    for (size_t i = 0; i < size; i++) {
        s = s * 1103515245u + 12345u;
        m[i] = (uint8_t)(s >> 16);
    }
    return m;
}

static void *alloc_tensor(sp_tensor *t, uint32_t w, uint32_t h)
{
    size_t shape[4];
    int ndim;
    size_t size = sp_normalize_block_size(w, h, SP_PIX_RGB8);
    void *m = aligned_alloc(64, (size + 63) & ~(size_t)63);
    if (!m || sp_normalize_shape(w, h, SP_PIX_RGB8, shape, &ndim) != SP_OK ||
        sp_tensor_init(t, m, size, SP_DTYPE_F32, ndim, shape) != SP_OK) {
        fprintf(stderr, "bench_camera2: cannot allocate a tensor\n");
        exit(1);
    }
    memset(m, 0, size);
    return m;
}

static void report(job *j, const char *kname, const char *backend,
                   const char *input, size_t items, double bytes,
                   double memcpy_gbps, const bench_opts *o)
{
    double ms = bench_median_ms(run, j, 2, o->runs);
    if (ms < 0) {
        fprintf(stderr, "bench_camera2: %s on %s failed: %s\n", kname, backend,
                sp_errmsg());
        return;
    }
    bench_row r = {.kernel = kname,
                   .backend = backend,
                   .input = input,
                   .items = items,
                   .median_ms = ms,
                   .bytes = bytes,
                   .memcpy_gbps = memcpy_gbps};
    bench_print_row(stdout, &r, o->json);
}

int main(int argc, char **argv)
{
    bench_opts o;
    if (bench_parse_args(argc, argv, &o))
        return 2;
    static const uint32_t sizes[][2] = {{1242, 375}, {1920, 1080}};
    static const sp_backend backs[3] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD,
                                        SP_BACKEND_OPENCL};
    sp_kctx *ks[3];
    char names[3][160];
    int nk = 0;
    for (int b = 0; b < 3; b++) {
        sp_kctx_desc d = {.backend = backs[b]};
        if (backs[b] == SP_BACKEND_SIMD && sp_simd_detect() == SP_SIMD_NONE)
            continue;
        if (sp_kctx_create(&d, &ks[nk]) != SP_OK) {
            fprintf(stderr, "bench_camera2: no %s back-end: %s\n",
                    sp_backend_name(backs[b]), sp_errmsg());
            continue;
        }
        if (backs[b] == SP_BACKEND_SIMD)
            snprintf(names[nk], sizeof names[nk], "%s",
                     sp_simd_level_name(sp_kctx_simd_level(ks[nk])));
        else if (backs[b] == SP_BACKEND_OPENCL)
            snprintf(names[nk], sizeof names[nk], "opencl");
        else
            snprintf(names[nk], sizeof names[nk], "scalar");
        nk++;
    }
    double mc =
        bench_memcpy_gbps(o.quick ? (size_t)32 << 20 : 0, o.quick ? 3 : 7);
    if (!o.json)
        printf("memcpy: %.2f GB/s (one core, same run)\n", mc);
    bench_print_header(stdout, o.json);

    const uint32_t ow = 640, oh = 384;
    for (int s = 0; s < 2; s++) {
        uint32_t w = sizes[s][0], h = sizes[s][1];
        char input[64], input_o[80];
        snprintf(input, sizeof input, "%ux%u rgb8", w, h);
        for (int b = 0; b < nk; b++) {
            job j;
            memset(&j, 0, sizeof j);
            j.k = ks[b];
            void *ms = alloc_image(&j.src, w, h, SP_PIX_RGB8);
            void *md = alloc_image(&j.dst, ow, oh, SP_PIX_RGB8);
            /* resize, RGB8 then GRAY8 */
            j.what = K_RESIZE;
            char bm[200];
            for (int m = 0; m < 3; m++) {
                snprintf(bm, sizeof bm, "%s %s", names[b],
                         sp_resize_method_name((sp_resize_method)m));
                j.method = (sp_resize_method)m;
                report(&j, "resize", bm, input, (size_t)ow * oh,
                       (double)w * h * 3 + (double)ow * oh * 3, mc, &o);
            }
            free(ms);
            free(md);
            ms = alloc_image(&j.src, w, h, SP_PIX_GRAY8);
            md = alloc_image(&j.dst, ow, oh, SP_PIX_GRAY8);
            snprintf(input_o, sizeof input_o, "%ux%u gray8", w, h);
            snprintf(bm, sizeof bm, "%s linear", names[b]);
            j.method = SP_RESIZE_LINEAR;
            report(&j, "resize", bm, input_o, (size_t)ow * oh,
                   (double)w * h + (double)ow * oh, mc, &o);
            free(ms);
            free(md);

            /* normalize: the resized 640x384 frame, and the full frame */
            j.what = K_NORMALIZE;
            for (int full = 0; full < 2; full++) {
                if (full && s == 0)
                    continue; /* 1242x375 full frame adds little */
                uint32_t nw = full ? w : ow, nh = full ? h : oh;
                ms = alloc_image(&j.src, nw, nh, SP_PIX_RGB8);
                void *mt = alloc_tensor(&j.t, nw, nh);
                snprintf(input_o, sizeof input_o, "%ux%u rgb8", nw, nh);
                report(&j, "normalize", names[b], input_o, (size_t)nw * nh,
                       (double)nw * nh * 3 + (double)nw * nh * 12, mc, &o);
                free(ms);
                free(mt);
            }

            /* undistort the full frame */
            ms = alloc_image(&j.src, w, h, SP_PIX_RGB8);
            md = alloc_image(&j.dst, w, h, SP_PIX_RGB8);
            double K[9] = {0.72 * w, 0,        w / 2.0 + 3.3,
                           0,        0.72 * w, h / 2.0 - 2.1,
                           0,        0,        1};
            double D[5] = {-0.3691, 0.1969, 0.00135, 0.00057, -0.0677};
            memcpy(j.K, K, sizeof K);
            memcpy(j.dist, D, sizeof D);
            j.map_size = sp_undistort_map_size(w, h);
            j.map_mem = aligned_alloc(64, (j.map_size + 63) & ~(size_t)63);
            if (!j.map_mem)
                return 1;
            if (b == 0) {
                j.what = K_MAP; /* host code, the same for every back-end */
                report(&j, "undist_map", "host (once per calib)", input,
                       (size_t)w * h, (double)w * h * 6, mc, &o);
            } else if (sp_undistort_map_init(&j.map, j.map_mem, j.map_size, K,
                                             D, w, h) != SP_OK) {
                fprintf(stderr, "bench_camera2: map: %s\n", sp_errmsg());
                return 1;
            }
            j.what = K_UNDISTORT;
            report(&j, "undistort", names[b], input, (size_t)w * h,
                   (double)w * h * 3 * 2 + (double)w * h * 6, mc, &o);
            free(j.map_mem);
            free(ms);
            free(md);
        }
    }
    for (int b = 0; b < nk; b++)
        sp_kctx_destroy(ks[b]);
    return 0;
}
