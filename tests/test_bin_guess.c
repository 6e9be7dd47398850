/* ctest-label: io */
/* Reading a .bin without fields= says when it guesses (io/bin.c
 * sp_bin_layout_note, pipeline/sources/bin_src.c): a .pcd.bin is read as
 * nuScenes' 5 floats and the run says so; a file whose size or values say
 * it is not 4 floats gets a note with the evidence; a 4th column of small
 * whole numbers is named as ring indices; a KITTI sweep gets no note.
 * `sensorpipe info` (sp_loginfo) says the same words and counts the points
 * in the same layout. Inputs are made from a real KITTI sweep. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_bin.h"
#include "sp_iotest.h"
#include "sp_loginfo.h"
#include "sp_pipeline.h"

#define PREFIX "stage 'bin': fields= not given: "

static float *sweep;
static size_t npts;

/* KITTI object 000000: x, y, z, reflectance. */
static int setup(void **state)
{
    (void)state;
    const char *p = iot_data("kitti_object/training/velodyne/000000.bin");
    if (!p)
        return 0;
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    sweep = malloc((size_t)n);
    npts = (size_t)n / 16;
    size_t got = fread(sweep, 16, npts, f);
    fclose(f);
    return got == npts ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(sweep);
    return 0;
}

#define NEED_SWEEP()                                                           \
    do {                                                                       \
        if (!sweep) {                                                          \
            print_message("skipped: no KITTI sweep in $SP_TEST_DATA\n");       \
            skip();                                                            \
        }                                                                      \
    } while (0)

/* A 64-beam ring index from the point's elevation. */
static float ring_of(const float *p)
{
    double e = atan2(p[2], hypot(p[0], p[1])) * 180.0 / M_PI;
    double r = floor((e + 25.0) * 64.0 / 28.0);
    return (float)(r < 0 ? 0 : r > 63 ? 63 : r);
}

/* Writes @p n points of the sweep in @p layout: "xyzi" (KITTI), "xyzir"
 * (nuScenes: intensity 0..255 whole, ring), "xyzr" (ring in 4th place);
 * @p cut bytes off the end. */
static const char *write_bin(const char *name, const char *layout, size_t n,
                             size_t cut)
{
    const char *path = iot_tmp(name);
    size_t k = strlen(layout);
    float *buf = malloc(n * k * sizeof(float));
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++) {
        const float *p = sweep + 4 * i;
        float *o = buf + k * i;
        o[0] = p[0], o[1] = p[1], o[2] = p[2];
        if (!strcmp(layout, "xyzi"))
            o[3] = p[3];
        else if (!strcmp(layout, "xyzir"))
            o[3] = floorf(p[3] * 255.0f), o[4] = ring_of(p);
        else
            o[3] = ring_of(p);
    }
    iot_write(path, buf, n * k * sizeof(float) - cut);
    free(buf);
    return path;
}

/* The notes a run of `bin path=PATH ! null` ends with, joined by '\n'. */
static const char *run_notes(const char *path, size_t *points)
{
    static char notes[4096];
    char launch[1024];
    snprintf(launch, sizeof launch, "bin path=%s ! null", path);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) < 0)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_frame *f;
    *points = 0;
    int rc = sp_pipeline_pull(p, &f);
    if (rc == SP_OK) {
        *points = f->u.points.count;
        sp_frame_unref(f);
    }
    sp_pipeline_close(p);
    notes[0] = '\0';
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        size_t n = strlen(notes);
        snprintf(notes + n, sizeof notes - n, "%s%s", n ? "\n" : "",
                 sp_pipeline_note(p, i, NULL));
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return notes;
}

/* What `info` says: its note ("" when none), its default layout and the
 * points it counts per frame. */
static void info_of(const char *path, char *note, size_t cap, char *fields,
                    size_t fcap, double *mean_points)
{
    sp_loginfo li;
    memset(&li, 0, sizeof li);
    assert_int_equal(sp_loginfo_probe(path, 4, &li), SP_OK);
    const char *n = sp_loginfo_attr_get(&li, "bin", "note");
    snprintf(note, cap, "%s", n ? n : "");
    const char *fl = sp_loginfo_attr_get(&li, "bin", "default_fields");
    assert_non_null(fl);
    snprintf(fields, fcap, "%s", fl);
    *mean_points = li.streams[0].points_mean;
    sp_loginfo_free(&li);
}

/* The run's note and info's are the same text. */
static void agree(const char *path, const char *run_note, const char *fields,
                  size_t points)
{
    char note[2048], fl[64];
    double mean;
    info_of(path, note, sizeof note, fl, sizeof fl, &mean);
    assert_string_equal(fl, fields);
    if (*run_note) {
        assert_true(!strncmp(run_note, PREFIX, strlen(PREFIX)));
        assert_string_equal(run_note + strlen(PREFIX), note);
    } else {
        assert_string_equal(note, "");
    }
    if (points)
        assert_true(fabs(mean - (double)points) < 0.5);
}

static void test_kitti_no_note(void **state)
{
    (void)state;
    NEED_SWEEP();
    const char *p = write_bin("guess_kitti.bin", "xyzi", npts, 0);
    size_t n;
    const char *notes = run_notes(p, &n);
    assert_string_equal(notes, "");
    assert_int_equal(n, npts);
    agree(p, "", "x,y,z,i", npts);
    char buf[512];
    assert_int_equal(sp_bin_layout_note(p, "x,y,z,i", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
}

/* nuScenes' name: 5 floats taken, and said. */
static void test_pcd_bin_takes_five(void **state)
{
    (void)state;
    NEED_SWEEP();
    const char *p = write_bin(
        "n008-2018-08-01-15-16-36-0400__LIDAR_TOP__1533151603547590.pcd.bin",
        "xyzir", npts, 0);
    size_t n;
    const char *notes = run_notes(p, &n);
    assert_int_equal(n, npts);
    assert_non_null(strstr(notes,
                           PREFIX "took fields=x,y,z,i,ring for "
                                  "n008-2018-08-01-15-16-36-0400__"
                                  "LIDAR_TOP__1533151603547590.pcd.bin:"
                                  " a .pcd.bin is nuScenes' lidar file"));
    assert_null(strstr(notes, "does not look like"));
    agree(p, notes, "x,y,z,i,ring", npts);
    /* the ring column read as ring */
    char launch[1024];
    snprintf(launch, sizeof launch, "bin path=%s ! null", p);
    sp_pipeline *pl = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &pl), SP_OK);
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_OK);
    assert_non_null(f->u.points.ring);
    assert_int_equal(f->u.points.ring[7], (uint16_t)ring_of(sweep + 28));
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);
    /* fields="" is not given: the same guess, said the same way */
    snprintf(launch, sizeof launch, "bin path=%s fields=\"\" ! null", p);
    assert_int_equal(sp_pipeline_create(launch, NULL, &pl), SP_OK);
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_OK);
    assert_int_equal(f->u.points.count, npts);
    sp_frame_unref(f);
    sp_pipeline_close(pl);
    assert_int_equal(sp_pipeline_note_count(pl), 1);
    assert_string_equal(sp_pipeline_note(pl, 0, NULL), notes);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);
    /* fields= given: no guess, no note */
    snprintf(launch, sizeof launch, "bin path=%s fields=x,y,z,i,ring ! null",
             p);
    assert_int_equal(sp_pipeline_create(launch, NULL, &pl), SP_OK);
    assert_int_equal(sp_pipeline_run(pl), SP_OK);
    sp_pipeline_close(pl);
    assert_int_equal(sp_pipeline_note_count(pl), 0);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);
}

/* 5 floats in a file named .bin: read as 4 (the size allows it), with the
 * values' evidence. */
static void test_five_floats_named_bin(void **state)
{
    (void)state;
    NEED_SWEEP();
    size_t n4 = npts - npts % 4; /* 20 * n4 bytes: a multiple of 16 */
    const char *p = write_bin("guess_nus.bin", "xyzir", n4, 0);
    size_t n;
    const char *notes = run_notes(p, &n);
    assert_int_equal(n, n4 * 5 / 4);
    assert_non_null(strstr(notes, PREFIX "guess_nus.bin does not look like 4 "
                                         "floats per point (x,y,z,i): as 5 "
                                         "floats consecutive points are"));
    assert_non_null(strstr(notes, "give fields= with 5 names"));
    agree(p, notes, "x,y,z,i", n4 * 5 / 4);
}

/* A size that is no whole number of 4-float records: said at start; the
 * frame fails as before. */
static void test_size_not_records(void **state)
{
    (void)state;
    NEED_SWEEP();
    const char *p = write_bin("guess_odd.bin", "xyzi", 1000, 8);
    size_t n;
    const char *notes = run_notes(p, &n);
    assert_int_equal(n, 0);
    assert_non_null(strstr(notes, PREFIX "guess_odd.bin: 15992 bytes are not "
                                         "a whole number of 16-byte records "
                                         "(4 floats: x,y,z,i), nor of any "
                                         "record of 3 to 8 float32: cut "
                                         "short, or not float32 records"));
    char note[2048], fl[64];
    double mean;
    info_of(p, note, sizeof note, fl, sizeof fl, &mean);
    assert_string_equal(notes + strlen(PREFIX), note);
}

/* x, y, z, ring: the 4th value looks like ring indices. */
static void test_ring_in_fourth(void **state)
{
    (void)state;
    NEED_SWEEP();
    const char *p = write_bin("guess_ring.bin", "xyzr", npts, 0);
    size_t n;
    const char *notes = run_notes(p, &n);
    assert_int_equal(n, npts);
    assert_non_null(strstr(notes, "guess_ring.bin: the 4th value is a whole "
                                  "number "));
    assert_non_null(strstr(notes, "as ring indices are, not KITTI's "
                                  "reflectance (0..1); if so, give "
                                  "fields=x,y,z,ring"));
    agree(p, notes, "x,y,z,i", npts);
}

/* A folder: the first file's name and values decide, for info and run. */
static void test_folder_of_pcd_bin(void **state)
{
    (void)state;
    NEED_SWEEP();
    const char *dir = iot_tmp("guess_folder");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    write_bin("guess_folder/a.pcd.bin", "xyzir", 500, 0);
    write_bin("guess_folder/b.pcd.bin", "xyzir", 700, 0);
    size_t n;
    const char *notes = run_notes(dir, &n);
    assert_int_equal(n, 500);
    assert_non_null(strstr(notes, "took fields=x,y,z,i,ring for a.pcd.bin"));
    agree(dir, notes, "x,y,z,i,ring", 0);
    assert_string_equal(sp_bin_default_fields("x/y.pcd.bin"), "x,y,z,i,ring");
    assert_string_equal(sp_bin_default_fields("x/y.bin"), "x,y,z,i");
    assert_string_equal(sp_bin_default_fields(NULL), "x,y,z,i");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kitti_no_note),
        cmocka_unit_test(test_pcd_bin_takes_five),
        cmocka_unit_test(test_five_floats_named_bin),
        cmocka_unit_test(test_size_not_records),
        cmocka_unit_test(test_ring_in_fourth),
        cmocka_unit_test(test_folder_of_pcd_bin),
    };
    return cmocka_run_group_tests_name("bin_guess", tests, setup, teardown);
}
