/* ctest-label: io */
/* ctest-timeout: 120 */
/* A size a file claims is checked against what the file can hold before
 * memory is reserved for it: a PNG whose IDAT chunks cannot inflate to the
 * pixels its header claims is refused by the probe (a 68-byte file used to
 * take a 900 MB pool block), while honest files at deflate's best ratio
 * pass, interlaced or not, in one IDAT or many. And every file source (and
 * `bag`) refuses a frame over its max_frame_mb= (default 512) before
 * reserving it, naming the file and the sizes; on_error=skip skips it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "error_int.h"
#include "sp_bin.h"
#include "sp_iotest.h"
#include "sp_pcd.h"
#include "sp_pipeline.h"
#include "sp_png.h"
#include "sp_poolmgr.h"
#include "sp_stage.h"

/* ---- PNG files built byte by byte ---- */

typedef iot_buf pngbuf;

static void put32(pngbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    iot_buf_add(b, x, 4);
}

static void chunk(pngbuf *b, const char *type, const uint8_t *d, size_t n)
{
    put32(b, (uint32_t)n);
    size_t at = b->n;
    iot_buf_add(b, type, 4);
    if (n)
        iot_buf_add(b, d, n);
    put32(b, (uint32_t)crc32(0, b->p + at, (uInt)(n + 4)));
}

/* A PNG of @p w x @p h, @p depth-bit colour type @p ctype, whose IDAT data
 * is @p raw (filtered rows, every filter byte 0) deflated at level 9 and
 * cut into IDAT chunks of @p per bytes (0: one chunk). @p junk tiny
 * ancillary chunks come before the first IDAT. */
static pngbuf png_build(uint32_t w, uint32_t h, uint8_t depth, uint8_t ctype,
                        uint8_t interlace, const uint8_t *raw, size_t rawn,
                        size_t per, int junk)
{
    pngbuf b = {0};
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    iot_buf_add(&b, sig, 8);
    uint8_t ihdr[13] = {(uint8_t)(w >> 24),
                        (uint8_t)(w >> 16),
                        (uint8_t)(w >> 8),
                        (uint8_t)w,
                        (uint8_t)(h >> 24),
                        (uint8_t)(h >> 16),
                        (uint8_t)(h >> 8),
                        (uint8_t)h,
                        depth,
                        ctype,
                        0,
                        0,
                        interlace};
    chunk(&b, "IHDR", ihdr, 13);
    for (int k = 0; k < junk; k++)
        chunk(&b, "ruSt", (const uint8_t *)"a\0b", 3);
    uLongf zn = compressBound((uLong)rawn);
    uint8_t *z = malloc(zn);
    assert_int_equal(compress2(z, &zn, raw, (uLong)rawn, 9), Z_OK);
    if (!per)
        per = zn;
    for (size_t off = 0; off < zn; off += per)
        chunk(&b, "IDAT", z + off, zn - off < per ? zn - off : per);
    free(z);
    chunk(&b, "IEND", NULL, 0);
    return b;
}

static const char *save(const char *name, pngbuf b)
{
    const char *path = iot_tmp(name);
    iot_write(path, b.p, b.n);
    free(b.p);
    return path;
}

/* Filtered bytes of an Adam7 image of w x h pixels of @p bits bits. */
static size_t adam7_bytes(uint32_t w, uint32_t h, unsigned bits)
{
    static const int x0[7] = {0, 4, 0, 2, 0, 1, 0},
                     dx[7] = {8, 8, 4, 4, 2, 2, 1};
    static const int y0[7] = {0, 0, 4, 0, 2, 0, 1},
                     dy[7] = {8, 8, 8, 4, 4, 2, 2};
    size_t n = 0;
    for (int p = 0; p < 7; p++) {
        size_t pw = w > (uint32_t)x0[p] ? (w - x0[p] + dx[p] - 1) / dx[p] : 0;
        size_t ph = h > (uint32_t)y0[p] ? (h - y0[p] + dy[p] - 1) / dy[p] : 0;
        if (pw && ph)
            n += ph * ((pw * bits + 7) / 8 + 1);
    }
    return n;
}

static sp_poolmgr *mgr_new(uint64_t budget)
{
    sp_poolmgr_desc d = {.budget_bytes = budget, .no_lock = 1};
    sp_poolmgr *m = NULL;
    assert_int_equal(sp_poolmgr_create(&d, &m), SP_OK);
    return m;
}

static int run_on(sp_poolmgr *mgr, const char *launch, uint64_t *skipped)
{
    sp_pipeline_opts o = {.poolmgr = mgr};
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, &o, &p);
    if (rc < 0)
        return rc;
    rc = sp_pipeline_run(p);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", sp_errmsg());
    if (skipped) {
        sp_pipeline_stats s;
        assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
        *skipped = s.stages[0].skipped;
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return rc < 0 ? sp__fail(rc, "%s", msg) : rc;
}

/* The file: 30000 x 30000 gray8 claimed by a file of a few dozen
 * bytes. The probe refuses it, naming the file, the sizes and the IDAT
 * bytes found; the pngs source therefore never reserves the frame. */
static void test_png_claim_refused(void **state)
{
    (void)state;
    uint8_t raw[16] = {0};
    pngbuf b = png_build(30000, 30000, 8, 0, 0, raw, sizeof raw, 0, 0);
    assert_true(b.n < 80);
    uint8_t *copy = malloc(b.n);
    memcpy(copy, b.p, b.n);
    size_t n = b.n;
    const char *path = save("claim.png", b);
    sp_png_info info;
    assert_int_equal(sp_png_probe(NULL, path, &info), SP_EFORMAT);
    iot_msg_has("claim.png", "30000x30000", "900030000 bytes", "IDAT",
                "expected at least 872123 bytes of IDAT", NULL);
    /* The same bytes in memory (a CompressedImage payload). */
    assert_int_equal(sp_png_probe_mem(NULL, copy, n, "msg.png", &info),
                     SP_EFORMAT);
    iot_msg_has("msg.png", "IDAT", NULL);
    free(copy);

    /* Through the source: nothing near the claim is ever reserved. */
    sp_poolmgr *m = mgr_new(0);
    char launch[512];
    snprintf(launch, sizeof launch, "pngs path=%s ! null", path);
    assert_int_equal(run_on(m, launch, NULL), SP_EFORMAT);
    iot_msg_has("claim.png", "IDAT", NULL);
    assert_true(sp_poolmgr_reserved(m) < (1u << 20));
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);

    /* Interlaced: the bound is every pixel once, over the passes. */
    b = png_build(30000, 30000, 16, 2, 1, raw, sizeof raw, 0, 0);
    path = save("claim_i.png", b);
    assert_int_equal(sp_png_probe(NULL, path, &info), SP_EFORMAT);
    iot_msg_has("claim_i.png", "30000x30000", "IDAT", NULL);
    /* Many small chunks before the IDAT do not hide it. */
    b = png_build(20000, 20000, 8, 6, 0, raw, sizeof raw, 0, 5000);
    path = save("claim_junk.png", b);
    assert_int_equal(sp_png_probe(NULL, path, &info), SP_EFORMAT);
    iot_msg_has("claim_junk.png", "IDAT", NULL);
}

/* Honest files at deflate's best ratio (all zeros at level 9, ~1028:1)
 * pass the check and decode, whatever the interlacing and IDAT split. */
static void test_png_honest_zeros_pass(void **state)
{
    (void)state;
    uint32_t w = 4096, h = 4096;
    size_t rawn = (size_t)h * (w + 1);
    uint8_t *raw = calloc(rawn, 1);
    sp_image img;
    void *mem = iot_image_alloc(&img, w, h, SP_PIX_GRAY8, 0);
    static const size_t splits[] = {0, 8192, 1};
    for (int k = 0; k < 3; k++) {
        size_t per = splits[k];
        if (per == 1)
            per = 97; /* many odd chunks */
        pngbuf b = png_build(w, h, 8, 0, 0, raw, rawn, per, 0);
        const char *path = save("zeros.png", b);
        sp_png_info info;
        assert_int_equal(sp_png_probe(NULL, path, &info), SP_OK);
        assert_int_equal(info.width, w);
        memset(mem, 0x5A, img.stride * h);
        assert_int_equal(sp_png_read(NULL, path, &img, NULL), SP_OK);
        assert_int_equal(img.data[img.stride * (h - 1) + w - 1], 0);
    }
    /* Adam7, 1-bit: the smallest data an image of this size can have. */
    size_t an = adam7_bytes(w, h, 1);
    pngbuf b = png_build(w, h, 1, 0, 1, raw, an, 0, 0);
    const char *path = save("zeros_i.png", b);
    sp_png_info info;
    assert_int_equal(sp_png_probe(NULL, path, &info), SP_OK);
    assert_int_equal(info.interlaced, 1);
    assert_int_equal(sp_png_read(NULL, path, &img, NULL), SP_OK);
    free(mem);
    free(raw);
}

/* ---- max_frame_mb= on every source ---- */

static void write_cloud(const char *path, size_t n, int pcd)
{
    sp_points p;
    void *mem = iot_points_alloc(&p, n, 0);
    memset(mem, 0, sp_points_block_size(n, 0));
    p.count = n;
    if (pcd)
        assert_int_equal(sp_pcd_write(path, &p, SP_PCD_BINARY), SP_OK);
    else
        assert_int_equal(sp_kittibin_write(path, &p), SP_OK);
    free(mem);
}

/* @p src is a launch string's source with %s for max_frame_mb's value
 * (the file's name comes first); its frame needs between 1 and 4 MiB.
 * max_frame_mb=1 refuses it (SP_ERANGE, naming @p file and @p what),
 * with on_error=skip the run passes with it skipped, and max_frame_mb=4
 * reads it. Nothing over @p staged bytes (what a reader stages before it
 * knows the frame's size: a log's chunk) is reserved by the refusal. */
static void check_limit(const char *src, const char *file, const char *what,
                        int skippable, uint64_t staged)
{
    char launch[1024], body[900];
    sp_poolmgr *m = mgr_new(0);
    snprintf(body, sizeof body, src, "1");
    snprintf(launch, sizeof launch, "%s ! null", body);
    assert_int_equal(run_on(m, launch, NULL), SP_ERANGE);
    iot_msg_has(file, what, "over max_frame_mb=1", NULL);
    assert_true(sp_poolmgr_reserved(m) <= staged);
    if (skippable) {
        uint64_t skipped = 0;
        snprintf(launch, sizeof launch, "%s on_error=skip ! null", body);
        assert_int_equal(run_on(m, launch, &skipped), SP_OK);
        assert_int_equal(skipped, 1);
    }
    snprintf(body, sizeof body, src, "4");
    snprintf(launch, sizeof launch, "%s ! null", body);
    assert_int_equal(run_on(m, launch, NULL), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
}

static void test_max_frame_points(void **state)
{
    (void)state;
    char src[600];
    const char *bin = iot_tmp("big.bin");
    write_cloud(bin, 100000, 0); /* 1.5 MiB of points */
    snprintf(src, sizeof src, "bin path=%s max_frame_mb=%%s", bin);
    check_limit(src, "big.bin", "a frame of 100000 points needs", 1, 0);
    const char *pcd = iot_tmp("big.pcd");
    write_cloud(pcd, 100000, 1);
    snprintf(src, sizeof src, "pcd path=%s max_frame_mb=%%s", pcd);
    check_limit(src, "big.pcd", "a frame of 100000 points needs", 1, 128 << 10);
}

static void test_max_frame_images(void **state)
{
    (void)state;
    char src[600];
    /* An honest 1024 x 1024 RGB8 PNG (3 MiB decoded). */
    size_t rawn = 1024 * (1024 * 3 + 1);
    uint8_t *raw = calloc(rawn, 1);
    const char *png =
        save("big.png", png_build(1024, 1024, 8, 2, 0, raw, rawn, 0, 0));
    free(raw);
    snprintf(src, sizeof src, "pngs path=%s max_frame_mb=%%s", png);
    check_limit(src, "big.png", "a 1024x1024 rgb8 image needs 3.0 MiB", 1,
                1 << 20);
    /* raw: every frame has the size, so it is refused when it starts. */
    const char *r = iot_tmp("big.raw");
    uint8_t *frame = calloc(2048 * 1024, 1);
    iot_write(r, frame, 2048 * 1024);
    free(frame);
    snprintf(src, sizeof src,
             "raw path=%s width=2048 height=1024 format=gray8 "
             "max_frame_mb=%%s",
             r);
    check_limit(src, "big.raw", "a 2048x1024 gray8 frame needs", 0, 0);
}

static void test_max_frame_kitti(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object");
    if (!dir) {
        print_message("skipped: no KITTI object data in $SP_TEST_DATA\n");
        skip();
    }
    char src[600];
    snprintf(src, sizeof src,
             "kitti path=%s streams=velodyne count=1 max_frame_mb=%%s", dir);
    check_limit(src, "000000.bin", "a frame of 115384 points needs", 1,
                1 << 20);
}

/* bag: the limit applies to each message's frame; the message is named by
 * the file, byte, topic and index, the claim by its type. */
static void test_max_frame_bag(void **state)
{
    (void)state;
    const char *mcap = iot_tmp("cloud.mcap");
    char launch[600];
    snprintf(launch, sizeof launch,
             "synth frames=1 camera=false ! mcap path=%s", mcap);
    assert_int_equal(run_on(NULL, launch, NULL), SP_OK);
    char src[700];
    snprintf(src, sizeof src, "bag path=%s max_frame_mb=%%s", mcap);
    /* The chunk holding the message is staged (from the pool) first. */
    check_limit(src, "cloud.mcap", "PointCloud2: a frame of", 1, 8u << 20);
}

/* The default limit is stated and sensible. */
static void test_max_frame_default(void **state)
{
    (void)state;
    static const char *const srcs[] = {"bin",  "pcd",   "raw",
                                       "pngs", "kitti", "bag"};
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        const sp_stage_class *c = sp_stage_class_find_role(srcs[i], 1);
        assert_non_null(c);
        size_t k = 0;
        while (k < c->nprops && strcmp(c->props[k].name, "max_frame_mb"))
            k++;
        if (k == c->nprops)
            fail_msg("source '%s' has no max_frame_mb property", srcs[i]);
        assert_string_equal(c->props[k].def, "512");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_png_claim_refused),
        cmocka_unit_test(test_png_honest_zeros_pass),
        cmocka_unit_test(test_max_frame_points),
        cmocka_unit_test(test_max_frame_images),
        cmocka_unit_test(test_max_frame_kitti),
        cmocka_unit_test(test_max_frame_bag),
        cmocka_unit_test(test_max_frame_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
