/* ctest-label: pipeline */
/* Extra channels through the pipeline: a source whose clouds carry extras
 * of every type and count (ring and time too) through crop ! voxel !
 * ground on each back-end; every output frame keeps the layout (names,
 * types, counts, kinds) and holds exactly what the kernels give when
 * called directly on the scalar back-end. project points=true hands the
 * input cloud on with its extras, and the rasters ignore them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "sp_crop.h"
#include "sp_ground.h"
#include "sp_kitti.h"
#include "sp_pipeline.h"
#include "sp_stage.h"
#include "sp_voxel.h"

#define N 3000
#define FRAMES 2

/* ---- xsrc: FRAMES clouds with extras, seeds 1, 2, ... ---- */

typedef struct xsrc {
    uint64_t next;
    sp_calib calib;
} xsrc;

static const char calib_text[] = "P2: 50 0 32 0 0 50 16 0 0 0 1 0\n"
                                 "R0_rect: 1 0 0 0 1 0 0 0 1\n"
                                 "Tr_velo_to_cam: 0 -1 0 0 0 0 -1 0 1 0 0 0\n";

/* The cloud of frame `seq`, written through a kcloud view of p. */
static void fill(sp_points *p, uint64_t seq)
{
    kcloud view = {.pts = *p, .mem = NULL};
    kcloud_random(&view, N, 1000 + seq, 25, 0.25f, 1);
    for (size_t j = 0; j < N; j += 3) /* a floor for ground to find */
        view.pts.z[j] = -1.7f;
    kcloud_cluster(&view, 1000 + seq);
    kcloud_fill_extras(&view, 1000 + seq, 0);
    p->count = view.pts.count;
}

static int xsrc_init(sp_stage *st)
{
    xsrc *s = sp_stage_priv(st);
    return sp_calib_parse_kitti(calib_text, sizeof calib_text - 1, "xsrc",
                                &s->calib);
}

static int xsrc_pull(sp_stage *st, sp_frame **out)
{
    xsrc *s = sp_stage_priv(st);
    if (s->next >= FRAMES)
        return SP_EOS;
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    sp_frame *f = NULL;
    int rc = sp_frame_create_points_layout(sp_stage_poolmgr(st), N, &l, &f);
    if (rc < 0)
        return rc;
    fill(&f->u.points, s->next);
    strcpy(f->stream, "velodyne");
    f->seq = s->next++;
    f->calib = &s->calib;
    *out = f;
    return SP_OK;
}

static const sp_stage_class xsrc_class = {
    .name = "xsrc",
    .description = "test source for test_stage_extras: clouds with extras",
    .priv_size = sizeof(xsrc),
    .is_source = 1,
    .init = xsrc_init,
    .pull = xsrc_pull,
};

static int setup(void **state)
{
    (void)state;
    static int done;
    if (!done) {
        if (sp_stage_class_register(&xsrc_class) != SP_OK)
            return -1;
        done = 1;
    }
    return 0;
}

static void same_layout(const sp_points *a, const sp_points *b)
{
    assert_int_equal(a->fields, b->fields);
    assert_int_equal(a->nextra, b->nextra);
    for (unsigned e = 0; e < a->nextra; e++)
        assert_memory_equal(&a->extra[e].field, &b->extra[e].field,
                            sizeof a->extra[e].field);
}

static void same_points(const sp_points *a, const sp_points *b,
                        const char *what)
{
    char why[256];
    if (a->count != b->count)
        fail_msg("%s: %zu points, expected %zu", what, b->count, a->count);
    size_t fb = a->count * 4;
    if (memcmp(a->x, b->x, fb) || memcmp(a->y, b->y, fb) ||
        memcmp(a->z, b->z, fb) || memcmp(a->intensity, b->intensity, fb) ||
        memcmp(a->ring, b->ring, a->count * 2) || memcmp(a->time, b->time, fb))
        fail_msg("%s: a standard channel differs", what);
    if (!kcloud_extras_equal(a, b, why, sizeof why))
        fail_msg("%s: %s", what, why);
}

/* crop x=-20:20 ! voxel leaf=0.5 ! ground method=grid, by hand. */
static kcloud *expected(uint64_t seq)
{
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    kcloud *a = kcloud_new_layout(N, &l), *b = kcloud_new_layout(N, &l);
    assert_non_null(a);
    assert_non_null(b);
    fill(&a->pts, seq);
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    sp_crop_params c = {.limits = SP_CROP_X, .min = {-20}, .max = {20}};
    assert_int_equal(sp_crop(k, &c, &a->pts, &b->pts), SP_OK);
    sp_voxel_params v = {.leaf = {0.5f, 0.5f, 0.5f}};
    assert_int_equal(sp_voxel(k, &v, &b->pts, &a->pts), SP_OK);
    sp_ground_params g = {.method = SP_GROUND_GRID, .cell = 1, .band = 0.2};
    assert_int_equal(sp_ground_filter(k, &g, &a->pts, &b->pts, NULL), SP_OK);
    sp_kctx_destroy(k);
    kcloud_free(a);
    return b;
}

static void test_chain_keeps_extras(void **state)
{
    (void)state;
    static const sp_backend backends[] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD,
                                          SP_BACKEND_OPENCL};
    kcloud *want[FRAMES];
    for (uint64_t s = 0; s < FRAMES; s++) {
        want[s] = expected(s);
        assert_true(want[s]->pts.count > 100);
    }
    for (size_t b = 0; b < sizeof backends / sizeof backends[0]; b++) {
        sp_pipeline_opts o = {.backend = backends[b]};
        sp_pipeline *p = NULL;
        int rc = sp_pipeline_create("xsrc ! crop x=-20:20 ! voxel leaf=0.5 ! "
                                    "ground method=grid",
                                    &o, &p);
        if (rc != SP_OK && backends[b] == SP_BACKEND_OPENCL) {
            fprintf(stderr, "no OpenCL device: %s\n", sp_errmsg());
            continue;
        }
        if (rc != SP_OK)
            fail_msg("%s: %s", sp_backend_name(backends[b]), sp_errmsg());
        for (uint64_t s = 0; s < FRAMES; s++) {
            sp_frame *f = NULL;
            rc = sp_pipeline_pull(p, &f);
            if (rc != SP_OK)
                fail_msg("%s frame %llu: %s", sp_backend_name(backends[b]),
                         (unsigned long long)s, sp_errmsg());
            char what[64];
            snprintf(what, sizeof what, "%s frame %llu",
                     sp_backend_name(backends[b]), (unsigned long long)s);
            same_layout(&want[s]->pts, &f->u.points);
            same_points(&want[s]->pts, &f->u.points, what);
            sp_frame_unref(f);
        }
        sp_frame *f = NULL;
        assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
    for (uint64_t s = 0; s < FRAMES; s++)
        kcloud_free(want[s]);
}

/* project points=true: the depth image, then the input cloud itself with
 * every extra; bev and range make their tensors from clouds with extras. */
static void test_rasters_pass_extras(void **state)
{
    (void)state;
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    kcloud *src = kcloud_new_layout(N, &l);
    fill(&src->pts, 0);
    sp_pipeline *p = NULL;
    sp_pipeline_opts o = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(
        sp_pipeline_create("xsrc ! project width=64 height=32 points=true ! "
                           "bev ! range rows=16 cols=256",
                           &o, &p),
        SP_OK);
    /* Out come the depth image (bev and range pass tensors on), then bev's
     * raster of the cloud project handed on (range passes it on). */
    sp_frame *f = NULL;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->payload, SP_PAYLOAD_TENSOR);
    assert_string_equal(f->stream, "depth");
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->payload, SP_PAYLOAD_TENSOR);
    assert_string_equal(f->stream, "bev");
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    assert_int_equal(
        sp_pipeline_create("xsrc ! project width=64 height=32 points=true", &o,
                           &p),
        SP_OK);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_string_equal(f->stream, "depth");
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
    same_layout(&src->pts, &f->u.points);
    same_points(&src->pts, &f->u.points, "project points=true");
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    kcloud_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_keeps_extras),
        cmocka_unit_test(test_rasters_pass_extras),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
