/* Benchmark of PNG decoding on KITTI's camera images (1242x375 RGB), file
 * in the page cache, one core, in one run beside its peers:
 *  - sensorpipe's reader: the direct path (ISA-L's inflate where built in,
 *    else libdeflate's, + vector unfilter), the same with libdeflate (where
 *    ISA-L is the default), the same with the scalar unfilter, and its
 *    libpng path (row by row, what it did before the direct path);
 *  - libpng's simplified API decoding the same file to RGB (the peer);
 *  - OpenCV's cv2.imread from Debian's /usr/bin/python3, where installed
 *    (timed inside Python, so the interpreter's start is not counted).
 * Every sensorpipe output is compared with libpng's, byte for byte.
 *
 *   bench_png [--runs N] [--quick] [--json] [--cputime] */
#include <dirent.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "png_fast_int.h"
#include "sp_png.h"

typedef struct job {
    const char *path;
    sp_png_reader *r;
    sp_image img;
    uint8_t *peer; /* libpng's pixels */
    size_t peer_bytes;
} job;

static int run_reader(void *arg)
{
    job *j = arg;
    return sp_png_read(j->r, j->path, &j->img, NULL);
}

static int run_libpng(void *arg)
{
    job *j = arg;
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, j->path))
        return -1;
    im.format = PNG_FORMAT_RGB;
    if (PNG_IMAGE_SIZE(im) != j->peer_bytes) {
        png_image_free(&im);
        return -1;
    }
    return png_image_finish_read(&im, NULL, j->peer, 0, NULL) ? 0 : -1;
}

static const char *same_as_peer(const job *j)
{
    size_t row = sp_image_row_bytes(j->img.width, j->img.format);
    if (row * j->img.height != j->peer_bytes)
        return "shapes differ";
    for (uint32_t y = 0; y < j->img.height; y++)
        if (memcmp(sp_image_row(&j->img, y), j->peer + (size_t)y * row, row))
            return "PIXELS DIFFER";
    return "pixel-exact";
}

static void row(int json, const char *input, const char *ours, double ms,
                const char *ref, double ref_ms, const char *diff)
{
    if (json) {
        printf("{\"compare\":\"png decode\",\"input\":\"%s\",\"backend\":"
               "\"%s\",\"median_ms\":%.4f,\"ref\":\"%s\",\"ref_median_ms\":"
               "%.4f,\"ref_over_ours\":%.3f,\"difference\":\"%s\"}\n",
               input, ours, ms, ref, ref_ms, ms > 0 ? ref_ms / ms : 0, diff);
        return;
    }
    printf("%-14s %-28s %8.3f ms   %-16s %8.3f ms  %6.2fx  %s\n", input, ours,
           ms, ref, ref_ms, ms > 0 ? ref_ms / ms : 0, diff);
}

int main(int argc, char **argv)
{
    int cputime = bench_take_flag(&argc, argv, "--cputime");
    bench_opts o;
    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    int runs = o.quick ? 9 : (o.runs > 0 ? o.runs : 50);
    const char *data = getenv("SP_TEST_DATA");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/kitti_object/training/image_2",
             data ? data : "../shared/data");
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "bench_png: %s: not found; skipped\n", dir);
        return 0;
    }
    if (!o.json)
        printf("%-14s %-28s %11s   %-16s %11s  %7s  %s\n", "input", "ours",
               "median", "peer", "median", "peer/us", "output");
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL && files < (o.quick ? 1 : 3)) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".png"))
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        job j = {.path = path};
        sp_png_info info;
        if (sp_png_reader_create(&j.r) < 0 ||
            sp_png_probe(j.r, path, &info) < 0 || info.format != SP_PIX_RGB8) {
            fprintf(stderr, "bench_png: %s: %s\n", path, sp_errmsg());
            sp_png_reader_destroy(j.r);
            continue;
        }
        size_t n = sp_image_block_size(info.width, info.height, info.format, 0);
        void *mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
        sp_image_init(&j.img, mem, n, info.width, info.height, info.format, 0);
        j.peer_bytes = (size_t)info.width * info.height * 3;
        j.peer = malloc(j.peer_bytes);
        char input[64];
        snprintf(input, sizeof input, "kitti %.*s", (int)(len - 4), e->d_name);

        double peer = bench_median_by(run_libpng, &j, 3, runs, cputime);
        sp__png_fast *f = sp__png_reader_fast(j.r);
        double direct = bench_median_by(run_reader, &j, 3, runs, cputime);
        const char *diff_direct = same_as_peer(&j);
        char name[64];
#if defined(__aarch64__)
        const char *vec = "+neon";
#else
        const char *vec = "+sse4.1";
#endif
        snprintf(name, sizeof name, "direct (%s%s)", sp__png_fast_inflater(f),
                 sp__png_unfilter_simd_available() ? vec : "");
        double libdeflate = -1;
        const char *diff_libdeflate = NULL;
        if (strcmp(sp__png_fast_inflater(f), "libdeflate")) {
            f->libdeflate_only = 1;
            libdeflate = bench_median_by(run_reader, &j, 3, runs, cputime);
            diff_libdeflate = same_as_peer(&j);
            f->libdeflate_only = 0;
        }
        f->scalar = 1;
        double scalar = bench_median_by(run_reader, &j, 3, runs, cputime);
        const char *diff_scalar = same_as_peer(&j);
        f->scalar = 0;
        f->disabled = 1;
        double viapng = bench_median_by(run_reader, &j, 3, runs, cputime);
        const char *diff_png = same_as_peer(&j);
        f->disabled = 0;
        if (f->decoded == 0)
            fprintf(stderr, "bench_png: %s: the direct path never ran\n", path);
        char why[256] = "";
        double cv = bench_cv2_ms("", "cv2.imread(p, cv2.IMREAD_UNCHANGED)",
                                 path, runs, cputime, why, sizeof why);
        row(o.json, input, name, direct, "libpng simplified", peer,
            diff_direct);
        if (libdeflate > 0)
            row(o.json, input, "direct, libdeflate inflate", libdeflate,
                "libpng simplified", peer, diff_libdeflate);
        row(o.json, input, "direct, scalar unfilter", scalar,
            "libpng simplified", peer, diff_scalar);
        row(o.json, input, "libpng row by row (before)", viapng,
            "libpng simplified", peer, diff_png);
        if (cv > 0)
            row(o.json, input, name, direct, "cv2.imread", cv, "not compared");
        else if (!o.json)
            printf("%-14s %s\n", input, why);
        free(j.peer);
        free(mem);
        sp_png_reader_destroy(j.r);
        files++;
    }
    closedir(d);
    return 0;
}
