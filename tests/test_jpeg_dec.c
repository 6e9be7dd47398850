/* ctest-label: io */
/* JPEG decoding (io/jpeg_dec.c, io/jpeg_mem.c, through
 * sp_rosmsg_cimage_decode): byte for byte what TurboJPEG's
 * tjDecompress2(TJFLAG_ACCURATEDCT) makes of the same bytes — every chroma
 * subsampling, grayscale, progressive, odd sizes, restart markers, a cut
 * stream, damaged data — into rows at a padded stride whose padding is
 * never written; CMYK/YCCK refused by name; and once warm, no heap
 * allocation at all (libjpeg's own memory manager makes ~10 an image). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <turbojpeg.h>
/* jpeglib.h needs FILE and size_t first */
#include <jpeglib.h>

#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_rosmsg.h"

typedef struct case_ {
    const char *name;
    uint32_t w, h;
    int subsamp; /* TJSAMP_* */
    int gray;    /* TJPF_GRAY source */
    int flags;   /* TJFLAG_PROGRESSIVE */
    int restart; /* restart interval in MCU rows, 0: none */
} case_;

static const case_ cases[] = {
    {"444", 96, 64, TJSAMP_444, 0, 0, 0},
    {"422 odd", 101, 37, TJSAMP_422, 0, 0, 0},
    {"420 odd", 333, 77, TJSAMP_420, 0, 0, 0},
    {"440", 64, 50, TJSAMP_440, 0, 0, 0},
    {"411", 130, 20, TJSAMP_411, 0, 0, 0},
    {"gray", 71, 45, TJSAMP_GRAY, 1, 0, 0},
    {"progressive 420", 257, 129, TJSAMP_420, 0, TJFLAG_PROGRESSIVE, 0},
    {"progressive gray", 40, 33, TJSAMP_GRAY, 1, TJFLAG_PROGRESSIVE, 0},
    {"one pixel", 1, 1, TJSAMP_420, 0, 0, 0},
    {"one column", 1, 300, TJSAMP_444, 0, 0, 0},
    {"restarts", 200, 120, TJSAMP_420, 0, 0, 1},
};

/* A picture with edges and gradients, so that every IDCT and upsampling
 * path carries information. */
static uint8_t *picture(uint32_t w, uint32_t h, int comps)
{
    uint8_t *p = malloc((size_t)w * h * comps);
    assert_non_null(p);
    uint32_t s = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < comps; c++) {
                s = s * 1103515245u + 12345u;
                uint32_t v = (x * (3 + c) + y * (5 - c)) ^ ((x / 7) * 40);
                p[((size_t)y * w + x) * comps + c] =
                    (uint8_t)(v + ((s >> 16) & 15));
            }
    return p;
}

static uint8_t *encode(const case_ *k, unsigned long *n)
{
    int comps = k->gray ? 1 : 3;
    uint8_t *src = picture(k->w, k->h, comps);
    uint8_t *out =
        iot_jpeg_encode(src, k->w, k->h, k->gray ? TJPF_GRAY : TJPF_RGB,
                        k->subsamp, 85, k->flags, n);
    free(src);
    return out;
}

/* TurboJPEG 2.1 cannot write restart markers: libjpeg's compressor can
 * (a DRI segment, an RST marker after every MCU row), 4:2:0. */
static uint8_t *encode_restarts(const case_ *k, unsigned long *n)
{
    uint8_t *src = picture(k->w, k->h, 3);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *jb = NULL;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &jb, &size);
    c.image_width = k->w;
    c.image_height = k->h;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 85, TRUE);
    c.restart_in_rows = k->restart;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = src + (size_t)c.next_scanline * k->w * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(src);
    *n = size;
    uint8_t *out = malloc(size);
    assert_non_null(out);
    memcpy(out, jb, size);
    free(jb);
    /* the markers are there: FF D0..D7 in the entropy data */
    int rst = 0;
    for (size_t i = 0; i + 1 < size; i++)
        rst += out[i] == 0xFF && out[i + 1] >= 0xD0 && out[i + 1] <= 0xD7;
    assert_true(rst > 0);
    return out;
}

static uint8_t *make(const case_ *k, unsigned long *n)
{
    return k->restart ? encode_restarts(k, n) : encode(k, n);
}

/* TurboJPEG's decode of the same bytes; NULL when it fails. */
static uint8_t *oracle(const uint8_t *jpg, size_t n, uint32_t w, uint32_t h,
                       int gray)
{
    tjhandle t = tjInitDecompress();
    assert_non_null(t);
    size_t row = (size_t)w * (gray ? 1 : 3);
    uint8_t *px = calloc(1, row * h);
    assert_non_null(px);
    int rc = tjDecompress2(t, jpg, (unsigned long)n, px, (int)w, 0, (int)h,
                           gray ? TJPF_GRAY : TJPF_RGB, TJFLAG_ACCURATEDCT);
    int fatal = rc != 0 && tjGetErrorCode(t) != TJERR_WARNING;
    tjDestroy(t);
    if (fatal) {
        free(px);
        return NULL;
    }
    return px;
}

#define PAD 13
#define GUARD 0xA5

/* Decodes @p jpg with @p d at a padded stride; checks the padding; returns
 * the status and, on success, the packed pixels in *px. */
static int decode(sp_rosmsg_decoder *d, const uint8_t *jpg, size_t n,
                  uint32_t *w, uint32_t *h, int *gray, uint8_t **px)
{
    sp_roscimg_msg c = {.data = jpg, .data_size = n};
    snprintf(c.format, sizeof c.format, "jpeg");
    sp_pixfmt fmt;
    *px = NULL;
    int rc = sp_rosmsg_cimage_info(d, &c, w, h, &fmt);
    if (rc < 0)
        return rc;
    *gray = fmt == SP_PIX_GRAY8;
    size_t row = (size_t)*w * (*gray ? 1 : 3);
    size_t stride = row + PAD;
    uint8_t *buf = malloc(stride * *h);
    assert_non_null(buf);
    memset(buf, GUARD, stride * *h);
    sp_image img = {.width = *w,
                    .height = *h,
                    .format = fmt,
                    .stride = stride,
                    .data = buf};
    rc = sp_rosmsg_cimage_decode(d, &c, &img);
    if (rc == SP_OK) {
        *px = malloc(row * *h);
        assert_non_null(*px);
        for (uint32_t y = 0; y < *h; y++) {
            memcpy(*px + y * row, buf + y * stride, row);
            for (size_t i = row; i < stride; i++)
                if (buf[y * stride + i] != GUARD)
                    fail_msg("row %u: padding byte %zu written", y, i - row);
        }
    }
    free(buf);
    return rc;
}

/* 1 when TurboJPEG decodes the bytes without a word. (Its error code
 * cannot tell a fatal error from a warning once any warning was given:
 * tjGetErrorCode() says TJERR_WARNING after "extraneous bytes" followed by
 * "Unsupported marker", and the old decoder took such images for good.) */
static int tj_decodes(const uint8_t *jpg, size_t n)
{
    tjhandle t = tjInitDecompress();
    int w = 0, h = 0, sub = 0, cs = 0;
    int ok =
        tjDecompressHeader3(t, jpg, (unsigned long)n, &w, &h, &sub, &cs) == 0 &&
        w > 0 && h > 0;
    if (ok) {
        uint8_t *px = malloc((size_t)w * h * 3);
        assert_non_null(px);
        ok = tjDecompress2(t, jpg, (unsigned long)n, px, w, 0, h, TJPF_RGB,
                           TJFLAG_ACCURATEDCT) == 0;
        free(px);
    }
    tjDestroy(t);
    return ok;
}

/* Ours and TurboJPEG's agree: the same bytes, or both refuse. */
static void expect_oracle(sp_rosmsg_decoder *d, const char *name,
                          const uint8_t *jpg, size_t n)
{
    uint32_t w = 0, h = 0;
    int gray = 0;
    uint8_t *px;
    int rc = decode(d, jpg, n, &w, &h, &gray, &px);
    if (rc != SP_OK) {
        if (rc != SP_EFORMAT)
            fail_msg("%s: %s (%d)", name, sp_errmsg(), rc);
        if (tj_decodes(jpg, n))
            fail_msg("%s: %s, but TurboJPEG decodes it", name, sp_errmsg());
        return;
    }
    uint8_t *want = oracle(jpg, n, w, h, gray);
    if (!want)
        fail_msg("%s: decoded, but TurboJPEG fails", name);
    size_t row = (size_t)w * (gray ? 1 : 3);
    for (size_t i = 0; i < row * h; i++)
        if (px[i] != want[i])
            fail_msg("%s: byte %zu (row %zu) is %u, TurboJPEG %u", name, i,
                     i / row, px[i], want[i]);
    free(px);
    free(want);
}

static void test_matches_turbojpeg(void **state)
{
    (void)state;
    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned long n;
        uint8_t *jpg = make(&cases[i], &n);
        expect_oracle(d, cases[i].name, jpg, n);
        /* cut: every tenth of the stream (a warning, the rest grey), and
         * damaged entropy data (errors or garbage, as TurboJPEG's) */
        for (int t = 1; t < 10; t++) {
            char name[96];
            snprintf(name, sizeof name, "%s cut at %d/10", cases[i].name, t);
            expect_oracle(d, name, jpg, n * t / 10);
        }
        uint8_t *bad = malloc(n);
        memcpy(bad, jpg, n);
        for (size_t j = n / 2; j + 2 < n; j += 7)
            bad[j] ^= 0x5A;
        char name[96];
        snprintf(name, sizeof name, "%s damaged", cases[i].name);
        expect_oracle(d, name, bad, n);
        free(bad);
        free(jpg);
    }
    sp_rosmsg_decoder_destroy(d);
}

/* A CMYK source makes a YCCK JPEG: refused by name, not decoded. */
static void test_cmyk_refused(void **state)
{
    (void)state;
    uint8_t *src = picture(32, 16, 4);
    unsigned long n;
    uint8_t *jb =
        iot_jpeg_encode(src, 32, 16, TJPF_CMYK, TJSAMP_444, 90, 0, &n);
    free(src);
    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    sp_roscimg_msg m = {.data = jb, .data_size = n};
    snprintf(m.format, sizeof m.format, "jpeg");
    uint32_t w, h;
    sp_pixfmt fmt;
    assert_int_equal(sp_rosmsg_cimage_info(d, &m, &w, &h, &fmt),
                     SP_EUNSUPPORTED);
    iot_msg_has("YCCK JPEG", "expected grayscale or colour", NULL);
    sp_rosmsg_decoder_destroy(d);
    free(jb);
}

/* Warm, the decoder makes no heap allocation: every kind above, whole and
 * cut, in rounds; after two rounds the arenas have grown to the largest,
 * and the next four allocate nothing. */
static void test_no_allocation_when_warm(void **state)
{
    (void)state;
    if (!sp_test_alloc_available()) {
        print_message("skipped: allocations are not counted under a "
                      "sanitizer\n");
        skip();
    }
    size_t nc = sizeof cases / sizeof cases[0];
    uint8_t *jpg[sizeof cases / sizeof cases[0]];
    unsigned long n[sizeof cases / sizeof cases[0]];
    for (size_t i = 0; i < nc; i++)
        jpg[i] = make(&cases[i], &n[i]);
    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    uint8_t *buf = malloc(400 * 400 * 3);
    assert_non_null(buf);
    uint64_t warm = 0;
    for (int round = 0; round < 6; round++) {
        if (round == 2)
            warm = sp_test_alloc_calls();
        for (size_t i = 0; i < nc; i++) {
            sp_roscimg_msg c = {.data = jpg[i], .data_size = n[i]};
            snprintf(c.format, sizeof c.format, "jpeg");
            uint32_t w, h;
            sp_pixfmt fmt;
            assert_int_equal(sp_rosmsg_cimage_info(d, &c, &w, &h, &fmt), SP_OK);
            sp_image img = {.width = w,
                            .height = h,
                            .format = fmt,
                            .stride = (size_t)w * 3,
                            .data = buf};
            assert_int_equal(sp_rosmsg_cimage_decode(d, &c, &img), SP_OK);
            /* a cut one too: the fake EOI path */
            c.data_size = n[i] / 2;
            (void)sp_rosmsg_cimage_decode(d, &c, &img);
        }
    }
    uint64_t after = sp_test_alloc_calls() - warm;
    if (after)
        fail_msg("%llu heap allocations in 4 warm rounds of %zu images",
                 (unsigned long long)after, nc);
    sp_rosmsg_decoder_destroy(d);
    free(buf);
    for (size_t i = 0; i < nc; i++)
        free(jpg[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_turbojpeg),
        cmocka_unit_test(test_cmyk_refused),
        cmocka_unit_test(test_no_allocation_when_warm),
    };
    return cmocka_run_group_tests_name("jpeg_dec", tests, NULL, NULL);
}
