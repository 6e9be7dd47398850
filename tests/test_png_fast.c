/* ctest-label: io */
/* The direct PNG path (io/png_fast.c, io/png_unfilter.c) against libpng.
 *
 * - The vector unfilter rows equal the scalar reference on random rows of
 *   every pixel size and filter, the first row included.
 * - Files written here with libpng, one filter type forced per file, in
 *   every format the direct path covers, random pixels at awkward widths,
 *   decode to the pixels written, through the direct path (its counter
 *   says it ran) and through libpng alone.
 * - KITTI's real camera images decode identically both ways.
 * - Both inflaters (ISA-L's, where the build has it, and libdeflate's)
 *   decode every file above and step aside from every irregular one.
 * - Irregular files (a bad IDAT CRC, a wrong Adler-32, a truncated file,
 *   no IEND, a stream one byte short, an unknown critical chunk) make the
 * direct path step aside: the result and the message are libpng's, as before.
 * - A warm reader decodes without touching the heap. */
#include <dirent.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "png_fast_int.h"
#include "sp_iotest.h"
#include "sp_png.h"
#include "sp_status.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* ---- unfilter: vector rows against the scalar reference ---- */

static void test_unfilter_rows_match_scalar(void **state)
{
    (void)state;
    static const unsigned bpps[] = {1, 2, 3, 4, 6, 8};
    uint8_t prev[1200], a[1200], b[1200], src[1200], c[1200], e[1200];
    for (size_t k = 0; k < sizeof bpps / sizeof bpps[0]; k++) {
        unsigned bpp = bpps[k];
        for (size_t px = 1; px <= 140; px += (px < 40 ? 1 : 17)) {
            size_t n = px * bpp;
            for (int filter = 0; filter <= 4; filter++) {
                for (int first = 0; first < 2; first++) {
                    for (size_t i = 0; i < n; i++) {
                        prev[i] = (uint8_t)rnd();
                        a[i] = b[i] = src[i] = (uint8_t)rnd();
                    }
                    /* out of place: the output's old bytes must not count */
                    memset(c, 0x5A, sizeof c);
                    memset(e, 0xA5, sizeof e);
                    /* rows of extremes stress the Paeth ties */
                    if (px % 3 == 0)
                        for (size_t i = 0; i < n; i++)
                            prev[i] = (uint8_t)(rnd() & 1 ? 255 : 0);
                    const uint8_t *p = first ? NULL : prev;
                    assert_int_equal(
                        sp__png_unfilter_row_scalar(filter, a, a, p, n, bpp),
                        0);
                    assert_int_equal(
                        sp__png_unfilter_row_simd(filter, b, b, p, n, bpp), 0);
                    assert_int_equal(
                        sp__png_unfilter_row_scalar(filter, src, c, p, n, bpp),
                        0);
                    assert_int_equal(
                        sp__png_unfilter_row_simd(filter, src, e, p, n, bpp),
                        0);
                    if (memcmp(a, b, n))
                        fail_msg("filter %d, bpp %u, %zu pixels, %s row: the "
                                 "vector path differs from scalar",
                                 filter, bpp, px, first ? "first" : "later");
                    if (memcmp(a, c, n) || memcmp(a, e, n))
                        fail_msg("filter %d, bpp %u, %zu pixels, %s row: out "
                                 "of place differs from in place (scalar %d, "
                                 "vector %d)",
                                 filter, bpp, px, first ? "first" : "later",
                                 memcmp(a, c, n) != 0, memcmp(a, e, n) != 0);
                    /* and nothing past the row */
                    assert_int_equal(c[n], 0x5A);
                    assert_int_equal(e[n], 0xA5);
                }
            }
        }
    }
    uint8_t row[8] = {0};
    assert_int_equal(sp__png_unfilter_row_scalar(5, row, row, NULL, 8, 4), -1);
    assert_int_equal(sp__png_unfilter_row_simd(5, row, row, NULL, 8, 4), -1);
    if (!sp__png_unfilter_simd_available())
        print_message("note: no SSE4.1 here: the vector rows fell back to "
                      "scalar, compared anyway\n");
}

/* ---- files written with libpng, one filter forced ---- */

typedef struct fmt_case {
    int color_type, depth;
    sp_pixfmt fmt;
    unsigned bpp; /* bytes per pixel in the file */
} fmt_case;

static const fmt_case fmts[] = {
    {PNG_COLOR_TYPE_GRAY, 8, SP_PIX_GRAY8, 1},
    {PNG_COLOR_TYPE_RGB, 8, SP_PIX_RGB8, 3},
    {PNG_COLOR_TYPE_RGB_ALPHA, 8, SP_PIX_RGBA8, 4},
    {PNG_COLOR_TYPE_GRAY, 16, SP_PIX_GRAY16, 2},
    {PNG_COLOR_TYPE_RGB, 16, SP_PIX_RGB16, 6},
};

/* Rows of big-endian file samples: a smooth ramp with noise, so that
 * every filter has both small and wrapping differences. */
static uint8_t *make_pixels(uint32_t w, uint32_t h, unsigned bpp)
{
    uint8_t *px = malloc((size_t)w * h * bpp);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (unsigned c = 0; c < bpp; c++)
                px[((size_t)y * w + x) * bpp + c] =
                    (uint8_t)(x * 3 + y * 5 + c * 70 + (rnd() % 7));
    return px;
}

static void write_png(const char *path, uint32_t w, uint32_t h,
                      const fmt_case *fc, int filters, const uint8_t *px)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);
    png_set_IHDR(png, info, w, h, fc->depth, fc->color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    /* small IDAT chunks: the stream is gathered across many */
    png_set_compression_buffer_size(png, 1000);
    png_write_info(png, info);
    for (uint32_t y = 0; y < h; y++)
        png_write_row(png, px + (size_t)y * w * fc->bpp);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(fp);
}

/* The decoded pixel (host order) equals the file's big-endian sample. */
static void assert_pixels(const sp_image *img, const uint8_t *px, unsigned bpp,
                          const char *what)
{
    size_t row = (size_t)img->width * bpp;
    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *d = sp_image_row(img, y), *s = px + (size_t)y * row;
        for (size_t i = 0; i < row; i++) {
            uint8_t want = s[i];
            if (bpp == 2 || bpp == 6) /* 16-bit: host little-endian */
                want = s[i ^ 1];
            if (d[i] != want)
                fail_msg("%s: row %u byte %zu is %u, expected %u", what, y, i,
                         d[i], want);
        }
    }
}

/* Decodes @p path four ways, each over a different fill: the direct path
 * (with the default inflater, with libdeflate's, with the scalar
 * unfilter; each must say it ran) and libpng alone. */
static void decode_both(sp_png_reader *r, const char *path, sp_image *img,
                        const uint8_t *px, unsigned bpp, const char *what)
{
    static const struct {
        int libdeflate_only, scalar, disabled;
        uint8_t fill;
        const char *how;
    } ways[] = {
        {0, 0, 0, 0xA5, "direct"},
        {1, 0, 0, 0x77, "direct, libdeflate"},
        {0, 1, 0, 0x5A, "direct, scalar unfilter"},
        {0, 0, 1, 0x3C, "libpng"},
    };
    sp__png_fast *f = sp__png_reader_fast(r);
    for (size_t k = 0; k < sizeof ways / sizeof ways[0]; k++) {
        f->libdeflate_only = ways[k].libdeflate_only;
        f->scalar = ways[k].scalar;
        f->disabled = ways[k].disabled;
        uint64_t before = f->decoded;
        memset(img->data, ways[k].fill, img->stride * img->height);
        assert_int_equal(sp_png_read(r, path, img, NULL), SP_OK);
        if (f->decoded != before + !ways[k].disabled)
            fail_msg("%s: the %s path did not decode it", what, ways[k].how);
        assert_pixels(img, px, bpp, what);
    }
    f->libdeflate_only = f->scalar = f->disabled = 0;
}

static void test_every_filter_and_format(void **state)
{
    (void)state;
    static const int filters[] = {PNG_FILTER_NONE,  PNG_FILTER_SUB,
                                  PNG_FILTER_UP,    PNG_FILTER_AVG,
                                  PNG_FILTER_PAETH, PNG_ALL_FILTERS};
    static const uint32_t widths[] = {1, 5, 6, 17, 63, 200};
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    const char *path = iot_tmp("filtered.png");
    for (size_t k = 0; k < sizeof fmts / sizeof fmts[0]; k++)
        for (size_t fi = 0; fi < sizeof filters / sizeof filters[0]; fi++)
            for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
                uint32_t w = widths[wi], h = 1 + rnd() % 23;
                uint8_t *px = make_pixels(w, h, fmts[k].bpp);
                write_png(path, w, h, &fmts[k], filters[fi], px);
                sp_image img;
                void *mem = iot_image_alloc(
                    &img, w, h, fmts[k].fmt,
                    (sp_image_row_bytes(w, fmts[k].fmt) + 127) & ~(size_t)63);
                char what[96];
                snprintf(what, sizeof what, "%s %ux%u filters 0x%x",
                         sp_pixfmt_name(fmts[k].fmt), w, h, filters[fi]);
                decode_both(r, path, &img, px, fmts[k].bpp, what);
                free(mem);
                free(px);
            }
    sp_png_reader_destroy(r);
}

/* ---- real camera images ---- */

static void test_kitti_images_equal_libpng(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object/training/image_2");
    if (!dir)
        skip();
    DIR *d = opendir(dir);
    assert_non_null(d);
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    sp__png_fast *f = sp__png_reader_fast(r);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".png"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        sp_png_info info;
        assert_int_equal(sp_png_probe(r, path, &info), SP_OK);
        sp_image a, b;
        void *ma = iot_image_alloc(&a, info.width, info.height, info.format, 0);
        void *mb = iot_image_alloc(&b, info.width, info.height, info.format, 0);
        f->disabled = 1;
        assert_int_equal(sp_png_read(r, path, &b, NULL), SP_OK);
        f->disabled = 0;
        for (int lib = 0; lib < 2; lib++) {
            f->libdeflate_only = lib;
            memset(a.data, 0x5A, a.stride * a.height);
            uint64_t before = f->decoded;
            assert_int_equal(sp_png_read(r, path, &a, NULL), SP_OK);
            assert_int_equal(f->decoded, before + 1);
            for (uint32_t y = 0; y < info.height; y++)
                if (memcmp(sp_image_row(&a, y), sp_image_row(&b, y),
                           sp_image_row_bytes(info.width, info.format)))
                    fail_msg("%s (%s): row %u differs from libpng's", path,
                             sp__png_fast_inflater(f), y);
        }
        f->libdeflate_only = 0;
        free(ma);
        free(mb);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
    print_message("%d KITTI images equal libpng's decode (inflated by %s "
                  "and by libdeflate)\n",
                  files, sp__png_fast_inflater(f));
    sp_png_reader_destroy(r);
}

/* ---- irregular files: libpng's verdict stands ---- */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    rewind(fp);
    uint8_t *b = malloc(*n + 64);
    assert_int_equal(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Offset of the first chunk of @p type. */
static size_t find_chunk(const uint8_t *b, size_t n, const char *type)
{
    size_t off = 8;
    while (off + 12 <= n) {
        if (!memcmp(b + off + 4, type, 4))
            return off;
        off += 12 + be32(b + off);
    }
    fail_msg("no %s chunk", type);
    return 0;
}

static void same_verdict_with(sp_png_reader *r, const char *path, sp_image *img,
                              const char *what)
{
    sp__png_fast *f = sp__png_reader_fast(r);
    uint64_t before = f->decoded;
    int rc_fast = sp_png_read(r, path, img, NULL);
    char msg_fast[512];
    snprintf(msg_fast, sizeof msg_fast, "%s", sp_errmsg());
    assert_int_equal(f->decoded, before); /* it stepped aside */
    f->disabled = 1;
    int rc_png = sp_png_read(r, path, img, NULL);
    f->disabled = 0;
    if (rc_fast != rc_png || (rc_png < 0 && strcmp(msg_fast, sp_errmsg())))
        fail_msg("%s: direct path gave %d (%s), libpng alone %d (%s)", what,
                 rc_fast, msg_fast, rc_png, sp_errmsg());
    print_message("%s (%s): %s\n", what, sp__png_fast_inflater(f),
                  rc_png < 0 ? sp_errmsg() : "decoded");
}

/* The direct path steps aside with either inflater. */
static void same_verdict(sp_png_reader *r, const char *path, sp_image *img,
                         const char *what)
{
    sp__png_fast *f = sp__png_reader_fast(r);
    same_verdict_with(r, path, img, what);
    f->libdeflate_only = 1;
    same_verdict_with(r, path, img, what);
    f->libdeflate_only = 0;
}

static void test_irregular_files_get_libpngs_verdict(void **state)
{
    (void)state;
    const fmt_case *fc = &fmts[1];
    uint32_t w = 40, h = 30;
    uint8_t *px = make_pixels(w, h, fc->bpp);
    const char *good = iot_tmp("good.png"), *bad = iot_tmp("bad.png");
    write_png(good, w, h, fc, PNG_ALL_FILTERS, px);
    size_t n;
    uint8_t *b = slurp(good, &n);
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    sp_image img;
    void *mem = iot_image_alloc(&img, w, h, fc->fmt, 0);

    /* a flipped bit inside the first IDAT: CRC mismatch */
    size_t idat = find_chunk(b, n, "IDAT");
    b[idat + 8 + 3] ^= 0x10;
    iot_write(bad, b, n);
    same_verdict(r, bad, &img, "bad IDAT CRC");
    b[idat + 8 + 3] ^= 0x10;

    /* a wrong Adler-32 (the stream's last 4 bytes, at the end of the
     * last IDAT), that chunk's CRC made right: only the inflater can
     * tell */
    {
        size_t last = idat;
        for (size_t off = idat;
             off + 12 <= n && !memcmp(b + off + 4, "IDAT", 4);
             off += 12 + be32(b + off))
            last = off;
        size_t len = be32(b + last);
        assert_true(len >= 4);
        uint8_t keep[12 + 4096];
        assert_true(len + 12 <= sizeof keep);
        memcpy(keep, b + last, len + 12);
        b[last + 8 + len - 1] ^= 0x01;
        put_be32(b + last + 8 + len, (uint32_t)crc32(0, b + last + 4, len + 4));
        iot_write(bad, b, n);
        same_verdict(r, bad, &img, "wrong Adler-32");
        memcpy(b + last, keep, len + 12);
    }

    /* cut in the middle of the pixel data */
    iot_write(bad, b, idat + 20);
    same_verdict(r, bad, &img, "truncated in IDAT");

    /* no IEND */
    size_t iend = find_chunk(b, n, "IEND");
    iot_write(bad, b, iend);
    same_verdict(r, bad, &img, "no IEND");

    /* an unknown critical chunk before IEND */
    uint8_t *c = malloc(n + 16);
    memcpy(c, b, iend);
    put_be32(c + iend, 0);
    memcpy(c + iend + 4, "ZZZZ", 4);
    put_be32(c + iend + 8, (uint32_t)crc32(0, c + iend + 4, 4));
    memcpy(c + iend + 12, b + iend, n - iend);
    iot_write(bad, c, n + 12);
    same_verdict(r, bad, &img, "unknown critical chunk");
    free(c);

    /* a header one row taller than the stream holds */
    put_be32(b + 20, h + 1);
    put_be32(b + 29, (uint32_t)crc32(0, b + 12, 17));
    iot_write(bad, b, n);
    sp_image tall;
    void *tmem = iot_image_alloc(&tall, w, h + 1, fc->fmt, 0);
    same_verdict(r, bad, &tall, "stream one row short");
    free(tmem);

    free(mem);
    free(b);
    free(px);
    sp_png_reader_destroy(r);
}

/* ---- memory ---- */

static void test_in_memory_and_warm_reader(void **state)
{
    (void)state;
    const fmt_case *fc = &fmts[2];
    uint32_t w = 300, h = 120;
    uint8_t *px = make_pixels(w, h, fc->bpp);
    const char *path = iot_tmp("mem.png");
    write_png(path, w, h, fc, PNG_ALL_FILTERS, px);
    size_t n;
    uint8_t *b = slurp(path, &n);
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    sp__png_fast *f = sp__png_reader_fast(r);
    sp_image img;
    void *mem = iot_image_alloc(&img, w, h, fc->fmt, 0);
    assert_int_equal(sp_png_read_mem(r, b, n, "msg", &img, NULL), SP_OK);
    assert_int_equal(f->decoded, 1);
    assert_pixels(&img, px, fc->bpp, "from memory");
    /* warm: the staging buffer is kept, nothing more is allocated */
    void *stage = f->stage.data;
    size_t cap = f->stage.cap;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sp_png_read(r, path, &img, NULL), SP_OK);
        assert_int_equal(sp_png_read_mem(r, b, n, "msg", &img, NULL), SP_OK);
    }
    assert_ptr_equal(f->stage.data, stage);
    assert_int_equal(f->stage.cap, cap);
    assert_int_equal(f->decoded, 11);
    /* what the library says it inflates with is what the reader uses */
    assert_string_equal(sp_png_inflater(), sp__png_fast_inflater(f));
    assert_int_equal(sp_png_reader_heap_allocs(r), 0);
    free(mem);
    free(b);
    free(px);
    sp_png_reader_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unfilter_rows_match_scalar),
        cmocka_unit_test(test_every_filter_and_format),
        cmocka_unit_test(test_kitti_images_equal_libpng),
        cmocka_unit_test(test_irregular_files_get_libpngs_verdict),
        cmocka_unit_test(test_in_memory_and_warm_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
