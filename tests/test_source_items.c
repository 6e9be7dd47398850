/* ctest-label: io */
/* Which items the file sources read and what they can say about them:
 * start=, count=, step= on every file source (pcd, bin, raw, pngs; kitti's
 * own are in test_kitti; bag's step=, with start= in seconds there), the
 * source's length (sp_pipeline_length, what progress and its ETA count
 * against), and the raw source reading every pixel format sp_image knows,
 * through the launch string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_pipeline.h"
#include "sp_png.h"
#include "sp_stage.h"

#define NFILES 7

/* A folder of NFILES inputs of each kind, input i recognisable by i: pcd
 * (one point at x = i), bin (x = i), raw (8x2 gray8 frames filled with i,
 * one file holding them all) and pngs (4x2 gray8 filled with i). */
static const char *folder(const char *kind)
{
    static char dirs[4][256];
    static const char *kinds[4] = {"pcd", "bin", "raw", "pngs"};
    int k = 0;
    while (k < 4 && strcmp(kinds[k], kind))
        k++;
    assert_true(k < 4);
    if (dirs[k][0])
        return dirs[k];
    char rel[64];
    snprintf(rel, sizeof rel, "items_%s", kind);
    snprintf(dirs[k], sizeof dirs[k], "%s", iot_tmp(rel));
    const char *d = dirs[k];
    iot_rmdir(d);
    iot_mkdirs(d);
    char p[1100];
    if (k == 2) {
        uint8_t px[NFILES * 16];
        for (int i = 0; i < NFILES * 16; i++)
            px[i] = (uint8_t)(i / 16);
        snprintf(p, sizeof p, "%s/frames.gray", d);
        iot_write(p, px, sizeof px);
        return d;
    }
    for (int i = 0; i < NFILES; i++) {
        if (k == 0) {
            char body[256];
            snprintf(p, sizeof p, "%s/%02d.pcd", d, i);
            snprintf(body, sizeof body,
                     "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                     "COUNT 1 1 1\nWIDTH 1\nHEIGHT 1\nPOINTS 1\nDATA ascii\n"
                     "%d 0 0\n",
                     i);
            iot_write_str(p, body);
        } else if (k == 1) {
            float v[4] = {(float)i, 0, 0, 0.5f};
            snprintf(p, sizeof p, "%s/%02d.bin", d, i);
            iot_write(p, v, sizeof v);
        } else {
            sp_image img;
            void *mem = iot_image_alloc(&img, 4, 2, SP_PIX_GRAY8, 0);
            memset(mem, i, img.stride * 2);
            snprintf(p, sizeof p, "%s/%02d.png", d, i);
            assert_int_equal(sp_png_write_image(p, &img, NULL), SP_OK);
            free(mem);
        }
    }
    return d;
}

static const char *source(const char *kind)
{
    static char s[1024];
    const char *d = folder(kind);
    if (!strcmp(kind, "raw"))
        snprintf(s, sizeof s, "raw path=%s width=8 height=2 format=gray8", d);
    else
        snprintf(s, sizeof s, "%s path=%s", kind, d);
    return s;
}

/* Input index of a frame. */
static int which(const sp_frame *f)
{
    if (f->payload == SP_PAYLOAD_POINTS)
        return (int)f->u.points.x[0];
    return f->u.image.data[0];
}

/* The inputs `KIND ... RANGE ! null` reads, in order, into got[]; the
 * source's length into *len. Returns how many. */
static int read_all(const char *kind, const char *range, int *got,
                    uint64_t *len)
{
    char launch[2048];
    snprintf(launch, sizeof launch, "%s %s ! null", source(kind), range);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) < 0)
        fail_msg("%s: %s", launch, sp_errmsg());
    assert_int_equal(sp_pipeline_length(p, len), SP_OK);
    sp_frame *f;
    int n = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        if (n < 16)
            got[n] = which(f);
        n++;
        sp_frame_unref(f);
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return n;
}

static void test_start_count_step(void **state)
{
    (void)state;
    static const char *kinds[] = {"pcd", "bin", "raw", "pngs"};
    static const struct {
        const char *range;
        int n, want[NFILES];
    } cases[] = {
        {"", 7, {0, 1, 2, 3, 4, 5, 6}},   {"start=2", 5, {2, 3, 4, 5, 6}},
        {"count=3", 3, {0, 1, 2}},        {"step=3", 3, {0, 3, 6}},
        {"start=1 step=2", 3, {1, 3, 5}}, {"start=1 count=2 step=2", 2, {1, 3}},
        {"start=6 count=10", 1, {6}},     {"start=5 step=100", 1, {5}},
    };
    for (int k = 0; k < 4; k++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            int got[16];
            uint64_t len = 0;
            int n = read_all(kinds[k], cases[c].range, got, &len);
            if (n != cases[c].n)
                fail_msg("%s %s: %d frames, expected %d", kinds[k],
                         cases[c].range, n, cases[c].n);
            assert_int_equal(len, (uint64_t)cases[c].n);
            for (int i = 0; i < n; i++)
                if (got[i] != cases[c].want[i])
                    fail_msg("%s %s: frame %d is input %d, expected %d",
                             kinds[k], cases[c].range, i, got[i],
                             cases[c].want[i]);
        }
}

/* A start past the end selects nothing: refused at start, naming how many
 * there are; a bad step or count is the launch string's error. */
static void test_range_errors(void **state)
{
    (void)state;
    static const char *kinds[] = {"pcd", "bin", "raw", "pngs"};
    for (int k = 0; k < 4; k++) {
        char launch[2048];
        snprintf(launch, sizeof launch, "%s start=7 ! null", source(kinds[k]));
        sp_pipeline *p = NULL;
        assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_ERANGE);
        iot_msg_has("start=7 selects no frame", "expected start < 7", NULL);
        snprintf(launch, sizeof launch, "%s step=0 ! null", source(kinds[k]));
        assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_ERANGE);
        assert_true(sp_pipeline_error_column() > 0);
        snprintf(launch, sizeof launch, "%s count=-1 ! null", source(kinds[k]));
        assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_ERANGE);
        assert_true(sp_pipeline_error_column() > 0);
    }
}

/* Every source with a length says it; the test sources of other suites,
 * without one, are SP_EUNSUPPORTED. */
static void test_lengths(void **state)
{
    (void)state;
    static const struct {
        const char *launch;
        uint64_t n;
    } cases[] = {
        {"synth frames=4 ! null", 8},
        {"synth frames=4 camera=false ! null", 4},
        {"synth frames=0 ! null", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sp_pipeline *p = NULL;
        uint64_t n = 99;
        assert_int_equal(sp_pipeline_create(cases[i].launch, NULL, &p), SP_OK);
        assert_int_equal(sp_pipeline_length(p, &n), SP_OK);
        assert_int_equal(n, cases[i].n);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
    const char *kitti = iot_data("kitti_raw_seq");
    if (kitti) {
        char launch[1024];
        snprintf(launch, sizeof launch,
                 "kitti path=%s streams=velodyne start=1 step=3 ! null", kitti);
        sp_pipeline *p = NULL;
        uint64_t n = 0;
        assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
        assert_int_equal(sp_pipeline_length(p, &n), SP_OK);
        assert_int_equal(n, 4); /* 1, 4, 7, 10 of 11 sweeps */
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
    const char *bag = iot_data("ros1/sick_rms1000_lms1000_bz2.bag");
    if (bag) {
        char launch[1024];
        snprintf(launch, sizeof launch, "bag path=%s topics=/cloud ! null",
                 bag);
        sp_pipeline *p = NULL;
        uint64_t n = 0;
        assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
        assert_int_equal(sp_pipeline_length(p, &n), SP_OK);
        assert_int_equal(n, 89); /* MANIFEST.md: /cloud x 89 */
        uint64_t frames = 0;
        sp_frame *f;
        while (sp_pipeline_pull(p, &f) == SP_OK) {
            frames++;
            sp_frame_unref(f);
        }
        assert_int_equal(frames, n);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
    uint64_t n = 5;
    assert_int_equal(sp_pipeline_length(NULL, &n), SP_EINVAL);
    assert_int_equal(n, 0);
}

/* The bag source: step= thins each topic apart (every step-th message of
 * each, from its first in the window), count= counts the messages kept,
 * and the length says so. start= is seconds there (a log has times, not
 * files). */
static void test_bag_step(void **state)
{
    (void)state;
    const char *bag = iot_data("ros1/sick_rms1000_lms1000_bz2.bag");
    if (!bag)
        skip();
    static const struct {
        const char *range;
        uint64_t n_cloud, n_radar; /* /cloud x 89, /cloud_radar_track x 108 */
    } cases[] = {
        {"step=10", 9, 11},
        {"step=10 count=5", 0, 0}, /* 5 in all, by time: checked below */
        {"step=1000", 1, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char launch[1024];
        snprintf(launch, sizeof launch,
                 "bag path=%s topics=/cloud,/cloud_radar_track %s ! null", bag,
                 cases[c].range);
        sp_pipeline *p = NULL;
        if (sp_pipeline_create(launch, NULL, &p) < 0)
            fail_msg("%s: %s", launch, sp_errmsg());
        uint64_t len = 0, n[2] = {0, 0};
        assert_int_equal(sp_pipeline_length(p, &len), SP_OK);
        sp_frame *f;
        while (sp_pipeline_pull(p, &f) == SP_OK) {
            int radar = strcmp(f->stream, "/cloud") != 0;
            /* the k-th frame of a topic is its message k * step */
            uint64_t step = strstr(cases[c].range, "1000") ? 1000 : 10;
            assert_int_equal(f->origin_index, n[radar] * step);
            n[radar]++;
            sp_frame_unref(f);
        }
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
        assert_int_equal(len, n[0] + n[1]);
        if (cases[c].n_cloud) {
            assert_int_equal(n[0], cases[c].n_cloud);
            assert_int_equal(n[1], cases[c].n_radar);
        } else {
            assert_int_equal(n[0] + n[1], 5);
        }
    }
    char launch[1024];
    sp_pipeline *p = NULL;
    snprintf(launch, sizeof launch, "bag path=%s step=0 ! null", bag);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_ERANGE);
}

/* Every pixel format the image type knows is a raw format: each read back
 * byte for byte from a file of two frames with padded rows. */
static void test_raw_every_format(void **state)
{
    (void)state;
    const sp_stage_class *raw = sp_stage_class_find_role("raw", 1);
    assert_non_null(raw);
    const char *choices = NULL;
    for (size_t i = 0; i < raw->nprops; i++)
        if (!strcmp(raw->props[i].name, "format"))
            choices = raw->props[i].choices;
    assert_non_null(choices);
    const char *dir = iot_tmp("items_rawfmt");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    for (int fi = 0; fi < SP_PIX_COUNT; fi++) {
        sp_pixfmt fmt = (sp_pixfmt)fi;
        const char *name = sp_pixfmt_name(fmt);
        /* listed in the property's choices, whole */
        size_t nl = strlen(name);
        const char *c = choices;
        int listed = 0;
        while (!listed && (c = strstr(c, name)) != NULL) {
            listed = (c == choices || c[-1] == '|') &&
                     (c[nl] == '|' || c[nl] == '\0');
            c += nl;
        }
        if (!listed)
            fail_msg("raw format= does not offer %s (choices %s)", name,
                     choices);
        uint32_t w = 6, h = 4;
        size_t rb = sp_image_row_bytes(w, fmt), stride = rb + 3;
        size_t rows = fmt == SP_PIX_NV12 ? h * 3 / 2 : h;
        size_t frame = stride * rows;
        uint8_t *file = malloc(2 * frame);
        assert_non_null(file);
        for (size_t i = 0; i < 2 * frame; i++)
            file[i] = (uint8_t)(i * 7 + fi);
        char p[1024], launch[2048];
        snprintf(p, sizeof p, "%s/%s.raw", dir, name);
        iot_write(p, file, 2 * frame);
        snprintf(launch, sizeof launch,
                 "raw path=%s width=%u height=%u format=%s stride=%zu ! null",
                 p, w, h, name, stride);
        sp_pipeline *pl = NULL;
        if (sp_pipeline_create(launch, NULL, &pl) < 0)
            fail_msg("%s: %s", launch, sp_errmsg());
        sp_frame *f;
        for (int k = 0; k < 2; k++) {
            if (sp_pipeline_pull(pl, &f) != SP_OK)
                fail_msg("%s: frame %d: %s", name, k, sp_errmsg());
            assert_int_equal(f->u.image.format, fmt);
            for (size_t y = 0; y < rows; y++)
                assert_memory_equal(sp_image_row(&f->u.image, (uint32_t)y),
                                    file + (size_t)k * frame + y * stride, rb);
            /* two frames of one file: each names its place in it */
            assert_int_equal(f->origin_kind, SP_ORIGIN_FILE_ITEM);
            assert_int_equal(f->origin_index, (uint64_t)k);
            sp_frame_unref(f);
        }
        assert_int_equal(sp_pipeline_pull(pl, &f), SP_EOS);
        assert_int_equal(sp_pipeline_destroy(pl), SP_OK);
        free(file);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_count_step),
        cmocka_unit_test(test_range_errors),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_bag_step),
        cmocka_unit_test(test_raw_every_format),
    };
    return cmocka_run_group_tests_name("source_items", tests, NULL, NULL);
}
