/* ctest-label: io */
/* ctest-timeout: 120 */
/* The pool budget bounds every buffer sized from input, not only frames:
 * sp_poolmgr_charge() for memory that is not a block; a raw frame with a
 * huge file stride read into the frame itself (no staging: the process
 * stays small); PCD and .bin staging taken from the pool and refused by it
 * with the file's name; libpng's arena and libjpeg's working memory charged,
 * and refused with the file or image named. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <turbojpeg.h>

#include "error_int.h"
#include "sp_bin.h"
#include "sp_iotest.h"
#include "sp_pcd.h"
#include "sp_pipeline.h"
#include "png_fast_int.h"
#include "sp_png.h"
#include "sp_poolmgr.h"
#include "sp_rosmsg.h"

static sp_poolmgr *mgr_new(uint64_t budget, int64_t timeout_ms)
{
    sp_poolmgr_desc d = {
        .budget_bytes = budget, .timeout_ms = timeout_ms, .no_lock = 1};
    sp_poolmgr *m = NULL;
    assert_int_equal(sp_poolmgr_create(&d, &m), SP_OK);
    return m;
}

/* Runs @p launch to its end on @p mgr; returns the status. */
static int run_on(sp_poolmgr *mgr, const char *launch)
{
    sp_pipeline_opts o = {.poolmgr = mgr};
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, &o, &p);
    if (rc < 0)
        return rc;
    rc = sp_pipeline_run(p);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", sp_errmsg());
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* The run's message, not whatever destroy left. */
    return rc < 0 ? sp__fail(rc, "%s", msg) : rc;
}

/* ---- sp_poolmgr_charge ---- */

static void test_charge(void **state)
{
    (void)state;
    sp_poolmgr *m = mgr_new(1 << 20, 50);
    assert_int_equal(sp_poolmgr_charge(m, 512 << 10, "a.png: libpng"), SP_OK);
    assert_int_equal(sp_poolmgr_charged(m), 512 << 10);
    assert_int_equal(sp_poolmgr_reserved(m), 512 << 10);
    /* Over the budget: refused after the (short) wait, naming what. */
    assert_int_equal(sp_poolmgr_charge(m, 600 << 10, "b.png: libpng's memory"),
                     SP_EBUDGET);
    iot_msg_has("b.png: libpng's memory", "600.0 KiB asked", "budget 1.0 MiB",
                "512.0 KiB reserved", NULL);
    assert_int_equal(sp_poolmgr_charged(m), 512 << 10);
    /* A charge outstanding keeps the manager alive. */
    assert_int_equal(sp_poolmgr_destroy(m), SP_EBUSY);
    iot_msg_has("still charged", NULL);
    sp_poolmgr_uncharge(m, 512 << 10);
    assert_int_equal(sp_poolmgr_reserved(m), 0);
    /* Idle blocks are trimmed to make room. */
    sp_block *b = NULL;
    assert_int_equal(sp_poolmgr_acquire(m, 600 << 10, &b), SP_OK);
    sp_block_unref(b);
    assert_true(sp_poolmgr_reserved(m) >= (600 << 10));
    assert_int_equal(sp_poolmgr_charge(m, 700 << 10, "c"), SP_OK);
    assert_int_equal(sp_poolmgr_reserved(m), 700 << 10);
    sp_poolmgr_uncharge(m, 700 << 10);
    assert_int_equal(sp_poolmgr_charge(m, 0, "nothing"), SP_OK);
    assert_int_equal(sp_poolmgr_charge(m, 2 << 20, NULL), SP_EBUDGET);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
    assert_int_equal(sp_poolmgr_charge(NULL, 1, "x"), SP_EINVAL);
    sp_poolmgr_uncharge(NULL, 1);
}

typedef struct holder {
    sp_block *b;
} holder;

static void *release_later(void *arg)
{
    holder *h = arg;
    const struct timespec t = {0, 50 * 1000000L};
    nanosleep(&t, NULL);
    sp_block_unref(h->b);
    return NULL;
}

/* A block in use that comes back lets a waiting charge through, as a pool
 * waits for its own blocks. */
static void test_charge_waits(void **state)
{
    (void)state;
    sp_poolmgr *m = mgr_new(1 << 20, 5000);
    holder h = {NULL};
    assert_int_equal(sp_poolmgr_acquire(m, 800 << 10, &h.b), SP_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_later, &h), 0);
    assert_int_equal(sp_poolmgr_charge(m, 512 << 10, "waiting"), SP_OK);
    pthread_join(t, NULL);
    sp_poolmgr_uncharge(m, 512 << 10);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
}

/* ---- raw: no staging ---- */

static uint64_t peak_rss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)ru.ru_maxrss * 1024;
}

/* The case: one-pixel rows 80,000 bytes apart, a 1.3 GB frame in
 * the file for 16 KB of pixels, under an 8 MiB budget. The reader used to
 * stage the whole frame on the heap (1.26 GB of RSS; a 64 GB allocation
 * with a wider stride); now rows go into the frame and padding is never
 * read. The file is sparse: it takes no disk. */
static void test_raw_sparse_stride(void **state)
{
    (void)state;
    const char *path = iot_tmp("sparse.raw");
    size_t stride = 80000, rows = 16384;
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), (off_t)(stride * rows)), 0);
    fclose(f);
    uint64_t before = peak_rss();
    sp_poolmgr *m = mgr_new(8 << 20, 0);
    char launch[512];
    snprintf(launch, sizeof launch,
             "raw path=%s width=1 height=%zu stride=%zu format=gray8 ! null",
             path, rows, stride);
    assert_int_equal(run_on(m, launch), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
    uint64_t grew = peak_rss() - before;
    print_message("peak RSS grew by %.1f MiB reading a %.2f GB frame\n",
                  (double)grew / (1 << 20), (double)(stride * rows) / 1e9);
    assert_true(grew < ((uint64_t)64 << 20));
    unlink(path);
}

/* ---- PCD and .bin: staging from the pool ---- */

static size_t frame_class(size_t n, unsigned fields)
{
    /* The frame header (under 4 KiB) rides in the same block. */
    return sp_poolmgr_class_size(sp_points_block_size(n, fields) + 4096);
}

static void write_points(const char *path, size_t n, int pcd)
{
    sp_points p;
    void *mem = iot_points_alloc(&p, n, 0);
    for (size_t i = 0; i < n; i++) {
        p.x[i] = (float)i;
        p.y[i] = 1.0f;
        p.z[i] = 2.0f;
        p.intensity[i] = 0.5f;
    }
    p.count = n;
    if (pcd)
        assert_int_equal(sp_pcd_write(path, &p, SP_PCD_BINARY), SP_OK);
    else
        assert_int_equal(sp_kittibin_write(path, &p), SP_OK);
    free(mem);
}

/* A budget that holds the frame but not the frame and the DATA bytes: the
 * staging is refused, naming the file and the bytes (it used to come from
 * the heap, outside the budget). With room, the run passes and the staging
 * block is back in its pool (idle) afterwards. */
static void test_pcd_staging_in_budget(void **state)
{
    (void)state;
    size_t n = 200000;
    const char *path = iot_tmp("staged.pcd");
    write_points(path, n, 1);
    char launch[512];
    snprintf(launch, sizeof launch, "pcd path=%s ! null", path);
    sp_poolmgr *m = mgr_new(frame_class(n, 0) + (128 << 10), 50);
    assert_int_equal(run_on(m, launch), SP_EBUDGET);
    iot_msg_has("staged.pcd", "bytes of staging", "budget", NULL);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);

    m = mgr_new(16 << 20, 0);
    assert_int_equal(run_on(m, launch), SP_OK);
    /* frame, header staging, DATA staging: three classes, none in use. */
    assert_true(sp_poolmgr_pool_count(m) >= 2);
    for (size_t i = 0; i < sp_poolmgr_pool_count(m); i++) {
        sp_pool_stats s;
        assert_int_equal(sp_poolmgr_stats_get(m, i, &s), SP_OK);
        assert_int_equal(s.in_use, 0);
    }
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
}

static void test_bin_staging_in_budget(void **state)
{
    (void)state;
    size_t n = 20000; /* 320 KB: a full 128 KiB read chunk */
    const char *path = iot_tmp("staged.bin");
    write_points(path, n, 0);
    char launch[512];
    snprintf(launch, sizeof launch, "bin path=%s ! null", path);
    sp_poolmgr *m = mgr_new(frame_class(n, 0) + (64 << 10), 50);
    assert_int_equal(run_on(m, launch), SP_EBUDGET);
    iot_msg_has("staged.bin", "131072 bytes of staging", NULL);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
    m = mgr_new(4 << 20, 0);
    assert_int_equal(run_on(m, launch), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);

    /* The reader alone: without a manager it stays on the heap. */
    sp_bin_reader *r = NULL;
    assert_int_equal(sp_bin_reader_create(path, NULL, &r), SP_OK);
    sp_points p;
    void *mem = iot_points_alloc(&p, n, 0);
    assert_int_equal(sp_bin_reader_read(r, 0, &p), SP_OK);
    m = mgr_new(64 << 10, 50);
    sp_bin_reader_set_poolmgr(r, m);
    assert_int_equal(sp_bin_reader_read(r, 0, &p), SP_EBUDGET);
    iot_msg_has("staged.bin", "bytes of staging", NULL);
    sp_bin_reader_set_poolmgr(r, NULL);
    assert_int_equal(sp_bin_reader_read(r, 0, &p), SP_OK);
    assert_int_equal(p.count, n);
    assert_true(p.x[n - 1] == (float)(n - 1));
    sp_bin_reader_destroy(r);
    free(mem);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
}

/* ---- libpng's memory ---- */

/* A wide 16-bit image: libpng's two row buffers (180 KB each) do not fit
 * the reader's first arena (160 KiB), so decoding it asks for more. */
static const char *write_wide_png(void)
{
    const char *path = iot_tmp("wide.png");
    sp_image img;
    void *mem = iot_image_alloc(&img, 30000, 2, SP_PIX_RGB16, 0);
    memset(mem, 0x11, img.stride * 2);
    assert_int_equal(sp_png_write_image(path, &img, NULL), SP_OK);
    free(mem);
    return path;
}

static void test_png_memory_charged(void **state)
{
    (void)state;
    const char *path = write_wide_png();
    sp_image img;
    void *mem = iot_image_alloc(&img, 30000, 2, SP_PIX_RGB16, 0);

    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    /* The arena itself does not fit a 128 KiB budget. */
    sp_poolmgr *tiny = mgr_new(128 << 10, 20);
    assert_int_equal(sp_png_reader_set_poolmgr(r, tiny), SP_EBUDGET);
    iot_msg_has("libpng's memory", NULL);
    assert_int_equal(sp_poolmgr_charged(tiny), 0); /* the state's undone */
    if (sp__png_fast_state_bytes(sp__png_reader_fast(r)) > (64 << 10)) {
        /* nor ISA-L's inflate state (87 KiB) a 64 KiB one */
        sp_poolmgr *t64 = mgr_new(64 << 10, 20);
        assert_int_equal(sp_png_reader_set_poolmgr(r, t64), SP_EBUDGET);
        iot_msg_has("ISA-L's inflate state", "budget 64.0 KiB", NULL);
        assert_int_equal(sp_poolmgr_charged(t64), 0);
        assert_int_equal(sp_poolmgr_destroy(t64), SP_OK);
    }

    /* Room for the arena but not for the direct path's staging (the
     * file and its filtered rows, png_fast_int.h): refused with the
     * budget's message, the file's name and the bytes asked for. */
    sp_poolmgr *m = mgr_new(256 << 10, 20);
    assert_int_equal(sp_png_reader_set_poolmgr(r, m), SP_OK);
    uint64_t arena = sp_poolmgr_charged(m);
    /* the arena, and ISA-L's inflate state where it inflates */
    const uint64_t isal = sp__png_fast_state_bytes(sp__png_reader_fast(r));
    assert_true(arena >= (160 << 10) + isal);
    assert_true(!strcmp(sp_png_inflater(), "isa-l") == (isal > 80000));
    assert_int_equal(sp_png_read(r, path, &img, NULL), SP_EBUDGET);
    iot_msg_has("wide.png: ", "bytes of staging", "budget 256.0 KiB", NULL);
    assert_int_equal(sp_poolmgr_charged(m), arena);

    /* libpng's path (the files the direct path steps aside from): its
     * rows do not fit either, refused the same way. */
    sp__png_reader_fast(r)->disabled = 1;
    assert_int_equal(sp_png_read(r, path, &img, NULL), SP_EBUDGET);
    iot_msg_has("wide.png: libpng's memory", "asked", "budget 256.0 KiB", NULL);
    assert_int_equal(sp_poolmgr_charged(m), arena);

    /* With room it decodes: the arena grows (charged) to what a file
     * needed at the start of the next one, and once warm a file charges
     * nothing more. */
    sp_poolmgr *big = mgr_new(4 << 20, 0);
    assert_int_equal(sp_png_reader_set_poolmgr(r, big), SP_OK);
    assert_int_equal(sp_poolmgr_charged(m), 0);
    assert_int_equal(sp_png_read(r, path, &img, NULL), SP_OK);
    assert_int_equal(img.data[0], 0x11);
    assert_int_equal(sp_png_read(r, path, &img, NULL), SP_OK);
    uint64_t warm = sp_poolmgr_charged(big);
    assert_true(warm > arena);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(sp_png_read(r, path, &img, NULL), SP_OK);
        assert_int_equal(sp_poolmgr_charged(big), warm);
    }
    assert_int_equal(sp_png_reader_heap_allocs(r) > 0, 1);
    /* the direct path decodes it too, from a pool block of the budget */
    sp__png_reader_fast(r)->disabled = 0;
    for (int k = 0; k < 3; k++) {
        assert_int_equal(sp_png_read(r, path, &img, NULL), SP_OK);
        assert_int_equal(img.data[0], 0x11);
    }
    assert_int_equal(sp__png_reader_fast(r)->decoded, 3);
    assert_int_equal(sp_poolmgr_destroy(big), SP_EBUSY);
    sp_png_reader_destroy(r);
    assert_int_equal(sp_poolmgr_charged(big), 0);
    assert_int_equal(sp_poolmgr_destroy(big), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(tiny), SP_OK);
    free(mem);
}

/* Bytes a PNG reader holds for its inflater (ISA-L's state, or 0). */
static uint64_t inflater_bytes(void)
{
    sp_png_reader *r = NULL;
    assert_int_equal(sp_png_reader_create(&r), SP_OK);
    uint64_t n = sp__png_fast_state_bytes(sp__png_reader_fast(r));
    sp_png_reader_destroy(r);
    return n;
}

/* The pngs source charges its reader to the stage's manager: a budget
 * that holds the frame and the reader but not the decoder's staging fails
 * the run. */
static void test_pngs_source_charged(void **state)
{
    (void)state;
    const char *path = write_wide_png();
    char launch[512];
    snprintf(launch, sizeof launch, "pngs path=%s ! null", path);
    size_t frame = sp_poolmgr_class_size(
        sp_image_block_size(30000, 2, SP_PIX_RGB16, 0) + 4096);
    sp_poolmgr *m = mgr_new(frame + (200 << 10) + inflater_bytes(), 20);
    assert_int_equal(run_on(m, launch), SP_EBUDGET);
    iot_msg_has("wide.png", "bytes of staging", NULL);
    assert_int_equal(sp_poolmgr_charged(m), 0);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
    m = mgr_new(8 << 20, 0);
    assert_int_equal(run_on(m, launch), SP_OK);
    assert_int_equal(sp_poolmgr_charged(m), 0);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
}

/* ---- libjpeg's memory ---- */

static uint8_t *make_jpeg(uint32_t w, uint32_t h, int progressive,
                          unsigned long *n)
{
    uint8_t *src = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h * 3; i++)
        src[i] = (uint8_t)(i * 7 + i / 4099);
    uint8_t *out = iot_jpeg_encode(src, w, h, TJPF_RGB, TJSAMP_444, 90,
                                   progressive ? TJFLAG_PROGRESSIVE : 0, n);
    free(src);
    return out;
}

/* libjpeg's working memory comes from the decoder's arenas, grown (and
 * charged) before libjpeg starts to what the image can take: a progressive
 * JPEG keeps all its coefficients (2 bytes per pixel and component), so
 * under a small budget it is refused, naming the image, with nothing left
 * charged; the arenas stay while the decoder lives (the next image
 * allocates nothing), move with the decoder to another manager, and are
 * given back when it goes. */
static void test_jpeg_memory_charged(void **state)
{
    (void)state;
    uint32_t w = 1024, h = 1024;
    sp_image img;
    void *mem = iot_image_alloc(&img, w, h, SP_PIX_RGB8, 0);
    sp_rosmsg_decoder *d = NULL;
    assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
    sp_poolmgr *m = mgr_new(2 << 20, 20);
    assert_int_equal(sp_rosmsg_decoder_set_poolmgr(d, m), SP_OK);
    uint64_t held = sp_poolmgr_charged(m);
    assert_true(held > 0); /* the PNG reader's and JPEG decoder's arenas */
    for (int prog = 0; prog < 2; prog++) {
        unsigned long n;
        uint8_t *jpg = make_jpeg(w, h, prog, &n);
        sp_roscimg_msg c = {.data = jpg, .data_size = n};
        snprintf(c.format, sizeof c.format, "jpeg");
        int rc = sp_rosmsg_cimage_decode(d, &c, &img);
        if (prog) {
            assert_int_equal(rc, SP_EBUDGET);
            iot_msg_has("1024x1024 progressive JPEG",
                        "libjpeg's working memory", "budget 2.0 MiB", NULL);
            assert_int_equal(sp_poolmgr_charged(m), held);
        } else {
            assert_int_equal(rc, SP_OK); /* a few rows only */
            held = sp_poolmgr_charged(m);
        }
        free(jpg);
    }
    sp_poolmgr *big = mgr_new(16 << 20, 0);
    assert_int_equal(sp_rosmsg_decoder_set_poolmgr(d, big), SP_OK);
    assert_int_equal(sp_poolmgr_charged(m), 0);
    assert_int_equal(sp_poolmgr_charged(big), held);
    unsigned long n;
    uint8_t *jpg = make_jpeg(w, h, 1, &n);
    sp_roscimg_msg c = {.data = jpg, .data_size = n};
    snprintf(c.format, sizeof c.format, "jpeg");
    assert_int_equal(sp_rosmsg_cimage_decode(d, &c, &img), SP_OK);
    uint64_t coefs = (uint64_t)w * h * 3 * 2;
    uint64_t now = sp_poolmgr_charged(big);
    assert_true(now >= held + coefs);
    assert_int_equal(sp_rosmsg_cimage_decode(d, &c, &img), SP_OK);
    assert_int_equal(sp_poolmgr_charged(big), now); /* nothing more */
    free(jpg);
    sp_rosmsg_decoder_destroy(d);
    assert_int_equal(sp_poolmgr_charged(big), 0);
    assert_int_equal(sp_poolmgr_destroy(big), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(m), SP_OK);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: it measures the process's peak RSS. */
        cmocka_unit_test(test_raw_sparse_stride),
        cmocka_unit_test(test_charge),
        cmocka_unit_test(test_charge_waits),
        cmocka_unit_test(test_pcd_staging_in_budget),
        cmocka_unit_test(test_bin_staging_in_budget),
        cmocka_unit_test(test_png_memory_charged),
        cmocka_unit_test(test_pngs_source_charged),
        cmocka_unit_test(test_jpeg_memory_charged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
