/* ctest-label: pipeline */
/* What stages say about themselves and what they produce: every built-in
 * class declares what it takes in and gives out (sp_stage.h takes/gives),
 * every file source takes start=, count=, step= and says its length, every
 * file sink takes name=; a frame describes itself (sp_frame_describe), and
 * the pipeline reports each stage's first frame of each stream to
 * on_format (what `run -v` prints), from queue threads too. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_pipeline.h"
#include "sp_stage.h"

static int has_prop(const sp_stage_class *c, const char *name)
{
    for (size_t i = 0; i < c->nprops; i++)
        if (!strcmp(c->props[i].name, name))
            return 1;
    return 0;
}

static int names_payload(const char *s)
{
    return strstr(s, "points") || strstr(s, "image") || strstr(s, "tensor") ||
           strstr(s, "packets");
}

static void test_every_class_says_what_it_takes_and_gives(void **state)
{
    (void)state;
    size_t n = sp_stage_class_count();
    assert_true(n >= 26);
    for (size_t i = 0; i < n; i++) {
        const sp_stage_class *c = sp_stage_class_at(i);
        if (!c->takes || !*c->takes || !c->gives || !*c->gives)
            fail_msg("stage class '%s' does not say what it takes and gives "
                     "(sp_stage_class.takes / .gives)",
                     c->name);
        /* a filter or sink names the payloads it works on; a source or
         * filter the payload it gives */
        if (!c->is_source && !names_payload(c->takes))
            fail_msg("'%s' takes '%s': no points, image, tensor or packets",
                     c->name, c->takes);
        if (!c->is_sink && !names_payload(c->gives))
            fail_msg("'%s' gives '%s': no points, image, tensor or packets",
                     c->name, c->gives);
    }
    /* the streams the derived rasters create */
    assert_non_null(strstr(sp_stage_class_find("bev")->gives, "stream bev"));
    assert_non_null(
        strstr(sp_stage_class_find("range")->gives, "stream range"));
    assert_non_null(
        strstr(sp_stage_class_find("project")->gives, "stream depth"));
}

static void test_file_sources_and_sinks(void **state)
{
    (void)state;
    static const char *sources[] = {"kitti", "pcd", "bin", "raw", "pngs"};
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        const sp_stage_class *c = sp_stage_class_find_role(sources[i], 1);
        assert_non_null(c);
        assert_true(c->is_source);
        if (!has_prop(c, "start") || !has_prop(c, "count") ||
            !has_prop(c, "step"))
            fail_msg("source '%s' lacks start=, count= or step=", c->name);
        assert_non_null(c->length);
    }
    assert_non_null(sp_stage_class_find_role("bag", 1)->length);
    assert_non_null(sp_stage_class_find_role("synth", 1)->length);
    static const char *sinks[] = {"npy", "png", "pcd", "kittibin"};
    for (size_t i = 0; i < sizeof sinks / sizeof sinks[0]; i++) {
        const sp_stage_class *c = sp_stage_class_find_role(sinks[i], 0);
        assert_non_null(c);
        assert_true(c->is_sink);
        assert_true(has_prop(c, "name"));
    }
}

static void test_frame_describe(void **state)
{
    (void)state;
    sp_poolmgr *mgr = NULL;
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    sp_frame *f = NULL;
    char buf[128];
    assert_int_equal(sp_frame_create_points(mgr, 10, SP_POINTS_RING, &f),
                     SP_OK);
    f->u.points.count = 7;
    sp_frame_describe(f, buf, sizeof buf);
    assert_string_equal(buf, "points 7 (x y z intensity ring)");
    f->u.points.count = 6;
    f->u.points.height = 2;
    sp_frame_describe(f, buf, sizeof buf);
    assert_string_equal(buf, "points 6 (x y z intensity ring, organised 2x3)");
    sp_frame_unref(f);
    /* extras: name, type and count, as a PCD header declares them */
    sp_points_layout lay = {.fields = SP_POINTS_TIME};
    assert_true(sp_points_layout_add(&lay, "rgb", SP_FIELD_U32, 1,
                                     SP_FIELD_COLOR) >= 0);
    assert_true(sp_points_layout_add(&lay, "normal", SP_FIELD_F32, 3,
                                     SP_FIELD_VALUE) >= 0);
    assert_true(sp_points_layout_add(&lay, "return_type", SP_FIELD_U8, 1,
                                     SP_FIELD_LABEL) >= 0);
    assert_int_equal(sp_frame_create_points_layout(mgr, 4, &lay, &f), SP_OK);
    f->u.points.count = 4;
    sp_frame_describe(f, buf, sizeof buf);
    assert_string_equal(buf, "points 4 (x y z intensity time rgb:u32 "
                             "normal:f32x3 return_type:u8)");
    sp_frame_unref(f);
    assert_int_equal(
        sp_frame_create_image(mgr, 1242, 375, SP_PIX_BAYER_RGGB16, 0, &f),
        SP_OK);
    f->u.image.bit_depth = 12;
    sp_frame_describe(f, buf, sizeof buf);
    assert_string_equal(buf, "image 1242x375 bayer_rggb16, 12-bit");
    sp_frame_unref(f);
    const size_t shape[3] = {3, 400, 352};
    assert_int_equal(sp_frame_create_tensor(mgr, SP_DTYPE_F32, 3, shape, &f),
                     SP_OK);
    sp_frame_describe(f, buf, sizeof buf);
    assert_string_equal(buf, "tensor f32 (3, 400, 352)");
    /* cut short like snprintf, still terminated, full length returned */
    char small[10];
    int n = sp_frame_describe(f, small, sizeof small);
    assert_int_equal(n, (int)strlen("tensor f32 (3, 400, 352)"));
    assert_string_equal(small, "tensor f3");
    sp_frame_unref(f);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

/* ---- on_format ---- */

typedef struct seen {
    char lines[64][512];
    int n;
} seen;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void on_format(void *user, const char *stage, const sp_frame *f)
{
    seen *s = user;
    char what[128];
    sp_frame_describe(f, what, sizeof what);
    /* a queue's upstream reports from the queue's thread */
    pthread_mutex_lock(&lock);
    if (s->n < 64)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s %s %s", stage,
                 f->stream, what);
    pthread_mutex_unlock(&lock);
}

static int has_line(const seen *s, const char *prefix)
{
    for (int i = 0; i < s->n; i++)
        if (!strncmp(s->lines[i], prefix, strlen(prefix)))
            return 1;
    return 0;
}

static void test_on_format_first_frame_per_stream(void **state)
{
    (void)state;
    seen *s = calloc(1, sizeof *s);
    sp_pipeline_opts o = {.on_format = on_format, .on_format_user = s};
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create("synth frames=3 width=64 height=32 ! "
                                        "voxel leaf=0.5 ! bev ! null",
                                        &o, &p),
                     SP_OK);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* synth: velodyne, image_02; voxel: both; bev: bev, image_02; null:
     * bev, image_02 — once each, whatever the frame count */
    assert_int_equal(s->n, 8);
    assert_true(has_line(s, "synth velodyne points "));
    assert_true(has_line(s, "synth image_02 image 64x32 bayer_rggb8"));
    assert_true(has_line(s, "voxel velodyne points "));
    assert_true(has_line(s, "bev bev tensor f32 (3, "));
    assert_true(has_line(s, "null bev tensor f32 (3, "));
    assert_false(has_line(s, "bev velodyne"));
    /* through a queue: the upstream stages report from its thread */
    memset(s, 0, sizeof *s);
    assert_int_equal(sp_pipeline_create("synth frames=2 camera=false ! queue "
                                        "depth=2 ! crop x=0:30 ! null",
                                        &o, &p),
                     SP_OK);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(s->n, 4);
    assert_true(has_line(s, "synth velodyne points "));
    assert_true(has_line(s, "queue velodyne points "));
    assert_true(has_line(s, "crop velodyne points "));
    free(s);
}

static void test_has_sink(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create("synth frames=1 ! voxel", NULL, &p),
                     SP_OK);
    assert_int_equal(sp_pipeline_has_sink(p), 0);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(sp_pipeline_create("synth frames=1 ! null", NULL, &p),
                     SP_OK);
    assert_int_equal(sp_pipeline_has_sink(p), 1);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(sp_pipeline_has_sink(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_class_says_what_it_takes_and_gives),
        cmocka_unit_test(test_file_sources_and_sinks),
        cmocka_unit_test(test_frame_describe),
        cmocka_unit_test(test_on_format_first_frame_per_stream),
        cmocka_unit_test(test_has_sink),
    };
    return cmocka_run_group_tests_name("stage_io", tests, NULL, NULL);
}
