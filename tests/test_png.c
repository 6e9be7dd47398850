/* ctest-label: io */
/* PNG reading and writing (io/png_read.c, io/png_write.c).
 *
 * Fixtures are written here with libpng directly, in every colour type and
 * depth libpng can produce, so the reader is checked against files it did
 * not write itself; the writer is then checked by reading its output back
 * with libpng's own simplified API. */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <zlib.h>

#include <cmocka.h>

#include "sp_png.h"

static char tmpdir[512];

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("SP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/sp_test_png");
    mkdir(tmpdir, 0777);
    return 0;
}

static const char *tpath(const char *name)
{
    static char p[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
    return p[i];
}

/* ---- fixtures written with libpng ---- */

typedef struct fixture {
    uint32_t w, h;
    int color_type, depth, interlace;
    int npal, ntrns;
    png_color pal[16];
    png_byte trns[16];
} fixture;

static int samples_per_pixel(int color_type)
{
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY:
        return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        return 2;
    case PNG_COLOR_TYPE_RGB:
        return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        return 4;
    default:
        return 1; /* palette index */
    }
}

/* Sample value at (x, y, channel) of a fixture: depth-limited pattern. */
static unsigned sample_at(const fixture *f, uint32_t x, uint32_t y, int c)
{
    unsigned maxv = (1u << f->depth) - 1;
    if (f->color_type == PNG_COLOR_TYPE_PALETTE)
        maxv = (unsigned)f->npal - 1;
    unsigned v = (x * 7u + y * 13u + (unsigned)c * 101u + x * y) % (maxv + 1);
    return v;
}

static void write_fixture(const char *path, const fixture *f)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);
    png_set_IHDR(png, info, f->w, f->h, f->depth, f->color_type, f->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (f->color_type == PNG_COLOR_TYPE_PALETTE)
        png_set_PLTE(png, info, f->pal, f->npal);
    if (f->ntrns)
        png_set_tRNS(png, info, f->trns, f->ntrns, NULL);
    png_write_info(png, info);
    int spp = samples_per_pixel(f->color_type);
    size_t rowbytes = ((size_t)f->w * (size_t)spp * (size_t)f->depth + 7) / 8;
    png_bytep *rows = calloc(f->h, sizeof *rows);
    for (uint32_t y = 0; y < f->h; y++) {
        rows[y] = calloc(1, rowbytes);
        for (uint32_t x = 0; x < f->w; x++)
            for (int c = 0; c < spp; c++) {
                unsigned v = sample_at(f, x, y, c);
                size_t bit =
                    ((size_t)x * (size_t)spp + (size_t)c) * (size_t)f->depth;
                if (f->depth == 16) {
                    rows[y][bit / 8] = (png_byte)(v >> 8);
                    rows[y][bit / 8 + 1] = (png_byte)v;
                } else if (f->depth == 8) {
                    rows[y][bit / 8] = (png_byte)v;
                } else {
                    /* packed, most significant bits first */
                    rows[y][bit / 8] |=
                        (png_byte)(v << (8 - f->depth - (int)(bit % 8)));
                }
            }
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    for (uint32_t y = 0; y < f->h; y++)
        free(rows[y]);
    free(rows);
}

/* An image in a heap buffer with a padded stride; padding bytes are set to
 * 0xA5 so a write past the row shows. */
typedef struct owned_image {
    sp_image img;
    uint8_t *mem;
    size_t size;
} owned_image;

static void owned_alloc(owned_image *o, uint32_t w, uint32_t h, sp_pixfmt fmt)
{
    size_t stride =
        sp_image_row_bytes(w, fmt) + 64 + 4; /* 2-byte aligned, not 64 */
    o->size = stride * h;
    o->mem = malloc(o->size);
    assert_non_null(o->mem);
    memset(o->mem, 0xA5, o->size);
    o->img = (sp_image){.data = o->mem,
                        .width = w,
                        .height = h,
                        .stride = stride,
                        .format = fmt};
}

static void check_padding(const owned_image *o)
{
    size_t rb = sp_image_row_bytes(o->img.width, o->img.format);
    for (uint32_t y = 0; y < o->img.height; y++)
        for (size_t b = rb; b < o->img.stride; b++)
            assert_int_equal(o->mem[(size_t)y * o->img.stride + b], 0xA5);
}

static unsigned scale_to_8(unsigned v, int depth)
{
    return depth == 8 ? v : v * 255u / ((1u << depth) - 1u);
}

/* Expected decoded channel value (8- or 16-bit) at (x, y, ch). */
static unsigned expected(const fixture *f, uint32_t x, uint32_t y, int ch)
{
    switch (f->color_type) {
    case PNG_COLOR_TYPE_GRAY:
        return f->depth == 16 ? sample_at(f, x, y, 0)
                              : scale_to_8(sample_at(f, x, y, 0), f->depth);
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        if (f->depth == 16)
            return sample_at(f, x, y, 0);
        return ch < 3 ? sample_at(f, x, y, 0) : sample_at(f, x, y, 1);
    case PNG_COLOR_TYPE_PALETTE: {
        unsigned i = sample_at(f, x, y, 0);
        if (ch == 3)
            return (int)i < f->ntrns ? f->trns[i] : 255;
        const png_color *c = &f->pal[i];
        return ch == 0 ? c->red : ch == 1 ? c->green : c->blue;
    }
    default:
        return sample_at(f, x, y, ch);
    }
}

static void check_decoded(const fixture *f, const sp_image *img)
{
    unsigned ch = sp_pixfmt_channels(img->format);
    int wide = sp_pixfmt_bytes_per_pixel(img->format) / ch == 2;
    for (uint32_t y = 0; y < f->h; y++) {
        const uint8_t *row = sp_image_row(img, y);
        for (uint32_t x = 0; x < f->w; x++)
            for (unsigned c = 0; c < ch; c++) {
                unsigned got = wide ? ((const uint16_t *)row)[x * ch + c]
                                    : row[x * ch + c];
                unsigned want = expected(f, x, y, (int)c);
                if (got != want)
                    fail_msg("pixel (%u,%u) ch %u: got %u want %u", x, y, c,
                             got, want);
            }
    }
}

static void roundtrip_fixture(fixture *f, sp_pixfmt want_fmt, const char *name)
{
    const char *path = tpath(name);
    write_fixture(path, f);
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    sp_png_info info;
    assert_int_equal(sp_png_probe(r, path, &info), SP_OK);
    assert_int_equal(info.width, f->w);
    assert_int_equal(info.height, f->h);
    assert_int_equal(info.format, want_fmt);
    assert_int_equal(info.bit_depth, f->depth);
    assert_int_equal(info.color_type, f->color_type);
    assert_int_equal(info.interlaced, f->interlace != 0);
    owned_image o;
    owned_alloc(&o, info.width, info.height, info.format);
    sp_png_info info2;
    int rc = sp_png_read(r, path, &o.img, &info2);
    if (rc != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(info2.format, want_fmt);
    check_decoded(f, &o.img);
    check_padding(&o);
    free(o.mem);
    sp_png_reader_destroy(r);
}

static void test_read_gray(void **state)
{
    (void)state;
    static const int depths[] = {1, 2, 4, 8, 16};
    for (size_t i = 0; i < 5; i++) {
        fixture f = {.w = 37,
                     .h = 11,
                     .color_type = PNG_COLOR_TYPE_GRAY,
                     .depth = depths[i]};
        char name[64];
        snprintf(name, sizeof name, "gray%d.png", depths[i]);
        roundtrip_fixture(&f, depths[i] == 16 ? SP_PIX_GRAY16 : SP_PIX_GRAY8,
                          name);
    }
}

static void test_read_gray_alpha(void **state)
{
    (void)state;
    fixture f8 = {
        .w = 21, .h = 9, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .depth = 8};
    roundtrip_fixture(&f8, SP_PIX_RGBA8, "ga8.png");
    fixture f16 = {
        .w = 21, .h = 9, .color_type = PNG_COLOR_TYPE_GRAY_ALPHA, .depth = 16};
    roundtrip_fixture(&f16, SP_PIX_GRAY16, "ga16.png");
}

static void test_read_rgb_rgba(void **state)
{
    (void)state;
    fixture rgb8 = {
        .w = 33, .h = 17, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8};
    roundtrip_fixture(&rgb8, SP_PIX_RGB8, "rgb8.png");
    fixture rgb16 = {
        .w = 33, .h = 17, .color_type = PNG_COLOR_TYPE_RGB, .depth = 16};
    roundtrip_fixture(&rgb16, SP_PIX_RGB16, "rgb16.png");
    fixture rgba8 = {
        .w = 33, .h = 17, .color_type = PNG_COLOR_TYPE_RGB_ALPHA, .depth = 8};
    roundtrip_fixture(&rgba8, SP_PIX_RGBA8, "rgba8.png");
    fixture rgba16 = {
        .w = 33, .h = 17, .color_type = PNG_COLOR_TYPE_RGB_ALPHA, .depth = 16};
    roundtrip_fixture(&rgba16, SP_PIX_RGB16, "rgba16.png");
    fixture one = {
        .w = 1, .h = 1, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8};
    roundtrip_fixture(&one, SP_PIX_RGB8, "one.png");
}

static void test_read_palette(void **state)
{
    (void)state;
    fixture f = {.w = 19,
                 .h = 7,
                 .color_type = PNG_COLOR_TYPE_PALETTE,
                 .depth = 4,
                 .npal = 16};
    for (int i = 0; i < 16; i++)
        f.pal[i] = (png_color){(png_byte)(i * 16), (png_byte)(255 - i * 8),
                               (png_byte)(i * 3)};
    roundtrip_fixture(&f, SP_PIX_RGB8, "pal4.png");
    f.depth = 8;
    f.ntrns = 5;
    for (int i = 0; i < 5; i++)
        f.trns[i] = (png_byte)(i * 40);
    roundtrip_fixture(&f, SP_PIX_RGBA8, "pal8_trns.png");
}

static void test_read_interlaced(void **state)
{
    (void)state;
    fixture f = {.w = 45,
                 .h = 23,
                 .color_type = PNG_COLOR_TYPE_RGB,
                 .depth = 8,
                 .interlace = PNG_INTERLACE_ADAM7};
    roundtrip_fixture(&f, SP_PIX_RGB8, "adam7.png");
    fixture g = {.w = 13,
                 .h = 5,
                 .color_type = PNG_COLOR_TYPE_GRAY,
                 .depth = 16,
                 .interlace = PNG_INTERLACE_ADAM7};
    roundtrip_fixture(&g, SP_PIX_GRAY16, "adam7_16.png");
}

static void test_read_shape_mismatch(void **state)
{
    (void)state;
    fixture f = {.w = 8, .h = 4, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8};
    const char *path = tpath("mismatch.png");
    write_fixture(path, &f);
    owned_image o;
    owned_alloc(&o, 8, 4, SP_PIX_GRAY8);
    assert_int_equal(sp_png_read(NULL, path, &o.img, NULL), SP_EFORMAT);
    assert_non_null(strstr(sp_errmsg(), "mismatch.png"));
    assert_non_null(strstr(sp_errmsg(), "8x4 rgb8"));
    assert_non_null(strstr(sp_errmsg(), "expected 8x4 gray8"));
    free(o.mem);
}

/* ---- bad input ---- */

static size_t file_bytes(const char *path, uint8_t **out)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *out = malloc((size_t)n);
    assert_int_equal(fread(*out, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return (size_t)n;
}

static void put_bytes(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

static void expect_eformat(const char *path, const char *fragment)
{
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    owned_image o;
    owned_alloc(&o, 64, 32, SP_PIX_RGB8);
    sp_png_info info;
    int rc = sp_png_probe(r, path, &info);
    if (rc == SP_OK)
        rc = sp_png_read(r, path, &o.img, NULL);
    if (rc != SP_EFORMAT)
        fail_msg("%s: got %s (%s), want SP_EFORMAT", path, sp_status_name(rc),
                 sp_errmsg());
    if (!strstr(sp_errmsg(), path))
        fail_msg("message lacks the path: %s", sp_errmsg());
    if (fragment && !strstr(sp_errmsg(), fragment))
        fail_msg("message lacks '%s': %s", fragment, sp_errmsg());
    /* the reader stays usable after an error */
    fixture f = {
        .w = 64, .h = 32, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8};
    write_fixture(tpath("good_after.png"), &f);
    assert_int_equal(sp_png_read(r, tpath("good_after.png"), &o.img, NULL),
                     SP_OK);
    check_decoded(&f, &o.img);
    free(o.mem);
    sp_png_reader_destroy(r);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    fixture f = {
        .w = 64, .h = 32, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8};
    const char *good = tpath("good.png");
    write_fixture(good, &f);
    uint8_t *b;
    size_t n = file_bytes(good, &b);

    /* not a PNG at all */
    const char *text = tpath("text.png");
    put_bytes(text, (const uint8_t *)"hello, this is not a PNG file\n", 30);
    expect_eformat(text, "Not a PNG file");

    /* empty file */
    const char *empty = tpath("empty.png");
    put_bytes(empty, b, 0);
    expect_eformat(empty, "truncated");

    /* truncated in the middle of the pixel data, and just before IEND */
    const char *half = tpath("half.png");
    put_bytes(half, b, n / 2);
    expect_eformat(half, "truncated");
    const char *noend = tpath("noend.png");
    put_bytes(noend, b, n - 6);
    expect_eformat(noend, "truncated");

    /* a flipped byte inside IDAT: the chunk CRC no longer matches */
    const char *crc = tpath("crc.png");
    uint8_t *c = malloc(n);
    memcpy(c, b, n);
    c[n / 2] ^= 0x5A;
    put_bytes(crc, c, n);
    expect_eformat(crc, NULL);

    /* a corrupted chunk: IHDR's stored CRC no longer matches */
    memcpy(c, b, n);
    c[31] ^= 0xFF;
    const char *ihdr_crc = tpath("ihdr_crc.png");
    put_bytes(ihdr_crc, c, n);
    expect_eformat(ihdr_crc, "CRC");

    /* corrupt IHDR: width 0 with a correct CRC */
    memcpy(c, b, n);
    memset(c + 16, 0, 4);
    uint32_t crcv = (uint32_t)crc32(0, c + 12, 17);
    c[29] = (uint8_t)(crcv >> 24);
    c[30] = (uint8_t)(crcv >> 16);
    c[31] = (uint8_t)(crcv >> 8);
    c[32] = (uint8_t)crcv;
    const char *zero = tpath("zero_width.png");
    put_bytes(zero, c, n);
    expect_eformat(zero, NULL);

    /* hostile IHDR: 1,000,000 x 1,000,000 with a correct CRC, refused at
     * probe before anything could be sized from it */
    memcpy(c, b, n);
    uint32_t big = 1000000;
    for (int k = 0; k < 2; k++) {
        c[16 + 4 * k] = (uint8_t)(big >> 24);
        c[17 + 4 * k] = (uint8_t)(big >> 16);
        c[18 + 4 * k] = (uint8_t)(big >> 8);
        c[19 + 4 * k] = (uint8_t)big;
    }
    crcv = (uint32_t)crc32(0, c + 12, 17);
    c[29] = (uint8_t)(crcv >> 24);
    c[30] = (uint8_t)(crcv >> 16);
    c[31] = (uint8_t)(crcv >> 8);
    c[32] = (uint8_t)crcv;
    const char *huge = tpath("huge.png");
    put_bytes(huge, c, n);
    sp_png_info info;
    assert_int_equal(sp_png_probe(NULL, huge, &info), SP_EFORMAT);
    assert_non_null(strstr(sp_errmsg(), "huge.png"));

    /* missing file: SP_ENOTFOUND naming it */
    assert_int_equal(sp_png_probe(NULL, tpath("missing.png"), &info),
                     SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "missing.png: no such file"));
    free(c);
    free(b);
}

/* Random byte damage to a valid file: every decode ends in SP_OK or
 * SP_EFORMAT with the file name, never a crash (run under ASan too). */
static void test_mutations_never_crash(void **state)
{
    (void)state;
    fixture f = {.w = 40,
                 .h = 24,
                 .color_type = PNG_COLOR_TYPE_RGB_ALPHA,
                 .depth = 8,
                 .interlace = PNG_INTERLACE_ADAM7};
    const char *good = tpath("mut_src.png");
    write_fixture(good, &f);
    uint8_t *b;
    size_t n = file_bytes(good, &b);
    uint8_t *m = malloc(n);
    uint64_t s = 0x9E3779B97F4A7C15ull;
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    owned_image o;
    owned_alloc(&o, 40, 24, SP_PIX_RGBA8);
    const char *path = tpath("mut.png");
    int ok = 0, bad = 0;
    for (int iter = 0; iter < 400; iter++) {
        memcpy(m, b, n);
        size_t len = n;
        int flips = 1 + (int)(iter % 4);
        for (int k = 0; k < flips; k++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            /* half of the damage lands in the first 64 bytes (headers) */
            size_t at = (iter & 1) ? (size_t)(s % 64) : (size_t)(s % n);
            m[at] ^= (uint8_t)(1u << (s >> 60 & 7));
        }
        if (iter % 7 == 0)
            len = (size_t)(s % n); /* and some are cut short */
        put_bytes(path, m, len);
        sp_png_info info;
        int rc = sp_png_probe(r, path, &info);
        if (rc == SP_OK && info.width == 40 && info.height == 24 &&
            info.format == SP_PIX_RGBA8)
            rc = sp_png_read(r, path, &o.img, NULL);
        if (rc == SP_OK) {
            ok++;
        } else {
            if (rc != SP_EFORMAT)
                fail_msg("iteration %d: %s: %s", iter, sp_status_name(rc),
                         sp_errmsg());
            assert_non_null(strstr(sp_errmsg(), "mut.png"));
            bad++;
        }
        check_padding(&o);
    }
    assert_true(bad > 100);
    free(o.mem);
    free(m);
    free(b);
    sp_png_reader_destroy(r);
}

/* The memory variants decode exactly what the file variants decode, name
 * the input they were given, refuse every truncation of the bytes as
 * SP_EFORMAT, and allocate nothing once warm. */
static void test_read_memory(void **state)
{
    (void)state;
    fixture fs[] = {
        {.w = 37, .h = 11, .color_type = PNG_COLOR_TYPE_GRAY, .depth = 1},
        {.w = 13, .h = 5, .color_type = PNG_COLOR_TYPE_GRAY, .depth = 16},
        {.w = 9,
         .h = 7,
         .color_type = PNG_COLOR_TYPE_RGB_ALPHA,
         .depth = 16,
         .interlace = PNG_INTERLACE_ADAM7},
        {.w = 21, .h = 6, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8},
    };
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        const fixture *f = &fs[i];
        const char *path = tpath("mem.png");
        write_fixture(path, f);
        uint8_t *b = NULL;
        size_t n = file_bytes(path, &b);
        sp_png_info fi, mi;
        assert_int_equal(sp_png_probe(r, path, &fi), SP_OK);
        assert_int_equal(sp_png_probe_mem(r, b, n, "msg", &mi), SP_OK);
        assert_memory_equal(&fi, &mi, sizeof fi);
        owned_image a, m;
        owned_alloc(&a, fi.width, fi.height, fi.format);
        owned_alloc(&m, fi.width, fi.height, fi.format);
        assert_int_equal(sp_png_read(r, path, &a.img, NULL), SP_OK);
        assert_int_equal(sp_png_read_mem(NULL, b, n, "msg", &m.img, &mi),
                         SP_OK);
        assert_memory_equal(a.mem, m.mem, a.size);
        check_decoded(f, &m.img);
        check_padding(&m);
        uint64_t warm = sp_png_reader_heap_allocs(r);
        assert_int_equal(sp_png_read_mem(r, b, n, "msg", &m.img, NULL), SP_OK);
        assert_int_equal(sp_png_read_mem(r, b, n, "msg", &m.img, NULL), SP_OK);
        assert_int_equal(sp_png_reader_heap_allocs(r), warm);
        for (size_t k = 0; k < n; k++) {
            uint8_t *c = malloc(k ? k : 1);
            memcpy(c, b, k);
            int rc = sp_png_read_mem(r, c, k, "cut", &m.img, NULL);
            if (rc != SP_EFORMAT || !strstr(sp_errmsg(), "cut: invalid PNG"))
                fail_msg("cut to %zu of %zu: %d %s", k, n, rc, sp_errmsg());
            free(c);
        }
        assert_int_equal(sp_png_read_mem(r, b, n - 1, NULL, &m.img, NULL),
                         SP_EFORMAT);
        assert_non_null(strstr(sp_errmsg(), "png data: invalid PNG: data "
                                            "truncated: ends at byte"));
        free(a.mem);
        free(m.mem);
        free(b);
    }
    sp_png_reader_destroy(r);
}

static void test_arena_no_heap_after_warmup(void **state)
{
    (void)state;
    fixture f = {
        .w = 640, .h = 200, .color_type = PNG_COLOR_TYPE_RGB, .depth = 8};
    const char *path = tpath("warm.png");
    write_fixture(path, &f);
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    owned_image o;
    owned_alloc(&o, f.w, f.h, SP_PIX_RGB8);
    assert_int_equal(sp_png_read(r, path, &o.img, NULL), SP_OK);
    assert_int_equal(sp_png_read(r, path, &o.img, NULL), SP_OK);
    uint64_t warm = sp_png_reader_heap_allocs(r);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sp_png_read(r, path, &o.img, NULL), SP_OK);
    assert_int_equal(sp_png_reader_heap_allocs(r), warm);
    check_decoded(&f, &o.img);
    free(o.mem);
    sp_png_reader_destroy(r);
}

static void test_kitti_images(void **state)
{
    (void)state;
    const char *data = getenv("SP_TEST_DATA");
    if (!data)
        skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/kitti_object/training/image_2/000000.png",
             data);
    if (access(path, R_OK) != 0) {
        print_message("skipping: %s not readable\n", path);
        skip();
    }
    static const uint32_t ws[3] = {1224, 1242, 1242}, hs[3] = {370, 375, 375};
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/kitti_object/training/image_2/%06d.png",
                 data, i);
        sp_png_info info;
        assert_int_equal(sp_png_probe(r, path, &info), SP_OK);
        assert_int_equal(info.width, ws[i]);
        assert_int_equal(info.height, hs[i]);
        assert_int_equal(info.format, SP_PIX_RGB8);
        owned_image o;
        owned_alloc(&o, info.width, info.height, info.format);
        if (sp_png_read(r, path, &o.img, NULL) != SP_OK)
            fail_msg("%s", sp_errmsg());
        /* A real street scene: many distinct values, not a constant. */
        unsigned hist[256] = {0}, distinct = 0;
        for (uint32_t y = 0; y < info.height; y++)
            for (uint32_t x = 0; x < info.width * 3; x++)
                hist[sp_image_row(&o.img, y)[x]]++;
        for (int v = 0; v < 256; v++)
            distinct += hist[v] != 0;
        assert_true(distinct > 200);
        check_padding(&o);
        free(o.mem);
    }
    sp_png_reader_destroy(r);
}

/* ---- writer ---- */

/* Decode a written file with the reader (checked above against libpng's
 * own writer) into a fresh buffer. */
static void read_back(const char *path, owned_image *o, sp_pixfmt want)
{
    sp_png_info info;
    if (sp_png_probe(NULL, path, &info) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(info.format, want);
    owned_alloc(o, info.width, info.height, info.format);
    if (sp_png_read(NULL, path, &o->img, NULL) != SP_OK)
        fail_msg("%s", sp_errmsg());
}

/* The tEXt "sensorpipe:range" of a file, read with libpng directly. */
static int read_range(const char *path, double *lo, double *hi)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);
    png_read_info(png, info);
    png_textp text;
    int n = 0, found = 0;
    png_get_text(png, info, &text, &n);
    for (int i = 0; i < n; i++)
        if (strcmp(text[i].key, "sensorpipe:range") == 0)
            found = sscanf(text[i].text, "%lf %lf", lo, hi) == 2;
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    return found;
}

static void fill_pattern(sp_image *img)
{
    size_t rb = sp_image_row_bytes(img->width, img->format);
    for (uint32_t y = 0; y < img->height; y++)
        for (size_t b = 0; b < rb; b++)
            sp_image_row(img, y)[b] = (uint8_t)(b * 7u + y * 31u + 3u);
}

static void write_read_same(sp_pixfmt fmt, sp_pixfmt read_as)
{
    owned_image src, back;
    owned_alloc(&src, 29, 13, fmt);
    fill_pattern(&src.img);
    const char *path = tpath("w.png");
    if (sp_png_write_image(path, &src.img, NULL) != SP_OK)
        fail_msg("%s: %s", sp_pixfmt_name(fmt), sp_errmsg());
    read_back(path, &back, read_as);
    size_t rb = sp_image_row_bytes(29, fmt);
    for (uint32_t y = 0; y < 13; y++)
        assert_memory_equal(sp_image_row(&back.img, y),
                            sp_image_row(&src.img, y), rb);
    free(src.mem);
    free(back.mem);
}

static void test_write_formats(void **state)
{
    (void)state;
    write_read_same(SP_PIX_GRAY8, SP_PIX_GRAY8);
    write_read_same(SP_PIX_GRAY16, SP_PIX_GRAY16);
    write_read_same(SP_PIX_RGB8, SP_PIX_RGB8);
    write_read_same(SP_PIX_RGBA8, SP_PIX_RGBA8);
    write_read_same(SP_PIX_RGB16, SP_PIX_RGB16);
    /* Bayer mosaics are written as the gray picture of the raw samples */
    write_read_same(SP_PIX_BAYER_RGGB8, SP_PIX_GRAY8);
    write_read_same(SP_PIX_BAYER_GBRG16, SP_PIX_GRAY16);

    /* BGR8 comes back as RGB8 with the channels swapped */
    owned_image src, back;
    owned_alloc(&src, 17, 5, SP_PIX_BGR8);
    fill_pattern(&src.img);
    assert_int_equal(sp_png_write_image(tpath("bgr.png"), &src.img, NULL),
                     SP_OK);
    read_back(tpath("bgr.png"), &back, SP_PIX_RGB8);
    for (uint32_t y = 0; y < 5; y++)
        for (uint32_t x = 0; x < 17; x++)
            for (int c = 0; c < 3; c++)
                assert_int_equal(
                    sp_image_row(&back.img, y)[x * 3 + (uint32_t)c],
                    sp_image_row(&src.img, y)[x * 3 + 2 - (uint32_t)c]);
    free(src.mem);
    free(back.mem);

    /* NV12 must be converted first */
    owned_alloc(&src, 16, 8, SP_PIX_NV12);
    assert_int_equal(sp_png_write_image(tpath("nv12.png"), &src.img, NULL),
                     SP_EUNSUPPORTED);
    assert_non_null(strstr(sp_errmsg(), "nv12"));
    assert_int_equal(access(tpath("nv12.png"), F_OK), -1);
    free(src.mem);
}

static void test_write_colour_map(void **state)
{
    (void)state;
    const uint8_t *lut = sp_png_cmap_table();
    owned_image src, back;
    owned_alloc(&src, 256, 3, SP_PIX_F32);
    /* row 0: a ramp -2..+3; row 1: NaN and -1 holes; row 2: +inf and const */
    for (uint32_t x = 0; x < 256; x++) {
        ((float *)sp_image_row(&src.img, 0))[x] =
            -2.0f + 5.0f * (float)x / 255.0f;
        ((float *)sp_image_row(&src.img, 1))[x] = x % 2 ? NAN : -1.0f;
        ((float *)sp_image_row(&src.img, 2))[x] = x == 0 ? INFINITY : 0.5f;
    }
    const char *path = tpath("cmap.png");
    sp_png_cmap nan_only = {.empty = SP_PNG_EMPTY_NAN};
    assert_int_equal(sp_png_write_image(path, &src.img, &nan_only), SP_OK);
    read_back(path, &back, SP_PIX_RGB8);
    double lo, hi;
    assert_true(read_range(path, &lo, &hi));
    assert_true(fabs(lo + 2.0) < 1e-6 && fabs(hi - 3.0) < 1e-6);
    for (uint32_t x = 0; x < 256; x++) {
        const uint8_t *p0 = sp_image_row(&back.img, 0) + x * 3;
        assert_memory_equal(p0, lut + x * 3, 3); /* the ramp walks the map */
        const uint8_t *p1 = sp_image_row(&back.img, 1) + x * 3;
        if (x % 2)
            assert_true(p1[0] == 0 && p1[1] == 0 &&
                        p1[2] == 0); /* NaN: black */
        else
            assert_memory_equal(p1, lut + 51 * 3,
                                3); /* -1 is a value: (1/5)*255 */
    }
    /* +inf saturates at the top of the map */
    assert_memory_equal(sp_image_row(&back.img, 2), lut + 255 * 3, 3);
    free(back.mem);

    /* the default: -1 marks empty pixels too, and is left out of the range */
    assert_int_equal(sp_png_write_image(path, &src.img, NULL), SP_OK);
    read_back(path, &back, SP_PIX_RGB8);
    assert_true(read_range(path, &lo, &hi));
    assert_true(fabs(lo + 2.0) < 1e-6 && fabs(hi - 3.0) < 1e-6);
    for (uint32_t x = 0; x < 256; x++) {
        const uint8_t *p1 = sp_image_row(&back.img, 1) + x * 3;
        assert_true(p1[0] == 0 && p1[1] == 0 && p1[2] == 0);
    }
    free(back.mem);
    /* a plane of nothing but -1: empty, range 0 0 */
    owned_image holes;
    owned_alloc(&holes, 4, 2, SP_PIX_F32);
    for (uint32_t y = 0; y < 2; y++)
        for (uint32_t x = 0; x < 4; x++)
            ((float *)sp_image_row(&holes.img, y))[x] = -1.0f;
    assert_int_equal(sp_png_write_image(tpath("holes.png"), &holes.img, NULL),
                     SP_OK);
    assert_true(read_range(tpath("holes.png"), &lo, &hi));
    assert_true(lo == 0.0 && hi == 0.0);
    free(holes.mem);

    /* negative values as empty, and a fixed range */
    sp_png_cmap cm = {.lo = 0.0f, .hi = 10.0f, .empty = SP_PNG_EMPTY_NEGATIVE};
    assert_int_equal(sp_png_write_image(path, &src.img, &cm), SP_OK);
    read_back(path, &back, SP_PIX_RGB8);
    assert_true(read_range(path, &lo, &hi));
    assert_true(lo == 0.0 && hi == 10.0);
    const uint8_t *p = sp_image_row(&back.img, 1);
    assert_true(p[0] == 0 && p[1] == 0 && p[2] == 0); /* -1 now empty */
    assert_memory_equal(sp_image_row(&back.img, 2) + 3, lut + 13 * 3,
                        3); /* 0.5 of 10 */
    free(back.mem);
    free(src.mem);
}

static void test_write_tensor_planes(void **state)
{
    (void)state;
    /* (3, 4, 5) f32: one picture per channel, each with its own range */
    float data[3 * 4 * 5];
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 20; i++)
            data[c * 20 + i] = (float)(c * 100) + (float)i;
    sp_tensor t = {
        .data = data, .dtype = SP_DTYPE_F32, .ndim = 3, .shape = {3, 4, 5, 1}};
    assert_int_equal(sp_png_plane_count(&t), 3);
    for (size_t c = 0; c < 3; c++) {
        char name[32];
        snprintf(name, sizeof name, "plane%zu.png", c);
        assert_int_equal(sp_png_write_plane(tpath(name), &t, c, NULL), SP_OK);
        owned_image back;
        read_back(tpath(name), &back, SP_PIX_RGB8);
        assert_int_equal(back.img.width, 5);
        assert_int_equal(back.img.height, 4);
        double lo, hi;
        assert_true(read_range(tpath(name), &lo, &hi));
        assert_true(lo == (double)(c * 100) && hi == (double)(c * 100 + 19));
        /* first pixel at the bottom of the map, last at the top */
        assert_memory_equal(sp_image_row(&back.img, 0), sp_png_cmap_table(), 3);
        assert_memory_equal(sp_image_row(&back.img, 3) + 12,
                            sp_png_cmap_table() + 765, 3);
        free(back.mem);
    }
    assert_int_equal(sp_png_write_plane(tpath("bad.png"), &t, 3, NULL),
                     SP_EINVAL);

    /* (1, 2, 4, 5) u16: gray 16-bit planes, values unchanged */
    uint16_t u[2 * 4 * 5];
    for (int i = 0; i < 40; i++)
        u[i] = (uint16_t)(i * 1500);
    sp_tensor tu = {
        .data = u, .dtype = SP_DTYPE_U16, .ndim = 4, .shape = {1, 2, 4, 5}};
    assert_int_equal(sp_png_plane_count(&tu), 2);
    assert_int_equal(sp_png_write_plane(tpath("u16.png"), &tu, 1, NULL), SP_OK);
    owned_image back;
    read_back(tpath("u16.png"), &back, SP_PIX_GRAY16);
    for (uint32_t y = 0; y < 4; y++)
        assert_memory_equal(sp_image_row(&back.img, y), u + 20 + y * 5, 10);
    free(back.mem);

    /* 1-D tensors have no picture */
    sp_tensor t1 = {
        .data = u, .dtype = SP_DTYPE_U8, .ndim = 1, .shape = {5, 1, 1, 1}};
    assert_int_equal(sp_png_plane_count(&t1), 0);
    assert_int_equal(sp_png_write_plane(tpath("t1.png"), &t1, 0, NULL),
                     SP_EINVAL);
}

static void test_writer_warm_no_heap(void **state)
{
    (void)state;
    owned_image src, back;
    owned_alloc(&src, 1242, 375, SP_PIX_RGB8);
    fill_pattern(&src.img);
    sp_png_writer *w = NULL;
    assert_int_equal(sp_png_writer_create(&w), SP_OK);
    const char *path = tpath("warm_w.png");
    assert_int_equal(sp_png_writer_image(w, path, &src.img, NULL), SP_OK);
    assert_int_equal(sp_png_writer_image(w, path, &src.img, NULL), SP_OK);
    uint64_t warm = sp_png_writer_heap_allocs(w);
    for (int i = 0; i < 4; i++)
        assert_int_equal(sp_png_writer_image(w, path, &src.img, NULL), SP_OK);
    assert_int_equal(sp_png_writer_heap_allocs(w), warm);
    read_back(path, &back, SP_PIX_RGB8);
    for (uint32_t y = 0; y < 375; y++)
        assert_memory_equal(sp_image_row(&back.img, y),
                            sp_image_row(&src.img, y), 1242 * 3);
    free(back.mem);
    free(src.mem);
    sp_png_writer_destroy(w);
}

static void test_write_failure_leaves_nothing(void **state)
{
    (void)state;
    owned_image src;
    owned_alloc(&src, 8, 8, SP_PIX_GRAY8);
    fill_pattern(&src.img);
    const char *bad = tpath("missing_dir/x.png");
    assert_int_equal(sp_png_write_image(bad, &src.img, NULL), SP_EIO);
    assert_non_null(strstr(sp_errmsg(), bad));
    assert_non_null(strstr(sp_errmsg(), strerror(ENOENT)));
    /* an existing file is replaced whole, and no temporary file remains */
    const char *path = tpath("replace.png");
    FILE *fp = fopen(path, "wb");
    fputs("junk", fp);
    fclose(fp);
    assert_int_equal(sp_png_write_image(path, &src.img, NULL), SP_OK);
    owned_image back;
    read_back(path, &back, SP_PIX_GRAY8);
    free(back.mem);
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp."))
            fail_msg("temporary file left: %s", e->d_name);
    closedir(d);
    free(src.mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_gray),
        cmocka_unit_test(test_read_gray_alpha),
        cmocka_unit_test(test_read_rgb_rgba),
        cmocka_unit_test(test_read_palette),
        cmocka_unit_test(test_read_interlaced),
        cmocka_unit_test(test_read_shape_mismatch),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_mutations_never_crash),
        cmocka_unit_test(test_read_memory),
        cmocka_unit_test(test_arena_no_heap_after_warmup),
        cmocka_unit_test(test_kitti_images),
        cmocka_unit_test(test_write_formats),
        cmocka_unit_test(test_write_colour_map),
        cmocka_unit_test(test_write_tensor_planes),
        cmocka_unit_test(test_writer_warm_no_heap),
        cmocka_unit_test(test_write_failure_leaves_nothing),
    };
    return cmocka_run_group_tests_name("png", tests, setup, NULL);
}
