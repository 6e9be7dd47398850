/* ctest-label: pipeline */
/* The ground, bev, range and project stages through a pipeline with the
 * synthetic rig: each stage's output equals its kernel applied to the same
 * synth frame (CPU back-ends are exact), points=true forwards the points
 * after the raster so the lidar stages chain, project takes the frame's
 * calibration or calib=PATH, and missing or bad calibration and bad
 * properties are errors that name the stage, property and file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_bev.h"
#include "sp_ground.h"
#include "sp_pipeline.h"
#include "sp_project.h"
#include "sp_range.h"
#include "sp_stage.h"

/* The n-th lidar frame of `synth camera=false` (a fresh pipeline). */
static sp_frame *synth_frame(sp_pipeline **pp, int n)
{
    assert_int_equal(
        sp_pipeline_create("synth camera=false frames=3", NULL, pp), SP_OK);
    sp_frame *f = NULL;
    for (int i = 0; i <= n; i++) {
        sp_frame_unref(f);
        f = NULL;
        assert_int_equal(sp_pipeline_pull(*pp, &f), SP_OK);
    }
    return f;
}

static sp_kctx *scalar_ctx(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

/* The chain ground ! bev points=true ! range points=true ! project on
 * frame 1, against the kernels run by hand. */
static void test_chain(void **state)
{
    (void)state;
    sp_pipeline *ref = NULL, *p = NULL;
    sp_frame *raw = synth_frame(&ref, 1);
    sp_poolmgr *mgr = sp_pipeline_poolmgr(ref);
    sp_kctx *k = scalar_ctx();
    const sp_points *pts = &raw->u.points;
    assert_non_null(raw->calib);

    sp_frame *g = NULL, *bev = NULL, *rng = NULL, *dep = NULL;
    assert_int_equal(sp_frame_create_points(mgr, pts->count, pts->fields, &g),
                     SP_OK);
    sp_ground_params gp = {.method = SP_GROUND_PLANE};
    assert_int_equal(sp_ground_filter(k, &gp, pts, &g->u.points, NULL), SP_OK);
    assert_true(g->u.points.count > 0 && g->u.points.count < pts->count);
    size_t bs[3], rs[3], ps[2];
    sp_bev_params bp = {.xmin = 0,
                        .xmax = 40,
                        .ymin = -20,
                        .ymax = 20,
                        .zmin = -2.5,
                        .zmax = 1,
                        .res = 0.2};
    assert_int_equal(sp_bev_shape(&bp, bs), SP_OK);
    assert_int_equal(sp_frame_create_tensor(mgr, SP_DTYPE_F32, 3, bs, &bev),
                     SP_OK);
    assert_int_equal(sp_bev_rasterize(k, &bp, &g->u.points, &bev->u.tensor),
                     SP_OK);
    sp_range_params rp = {
        .rows = 64, .cols = 1024, .fov_down = -24.8, .fov_up = 2};
    assert_int_equal(sp_range_shape(&rp, rs), SP_OK);
    assert_int_equal(sp_frame_create_tensor(mgr, SP_DTYPE_F32, 3, rs, &rng),
                     SP_OK);
    assert_int_equal(sp_range_project(k, &rp, &g->u.points, &rng->u.tensor),
                     SP_OK);
    sp_project_params pp = {0};
    assert_int_equal(sp_project_params_from_calib(raw->calib, &pp), SP_OK);
    pp.min_depth = 0.001;
    assert_int_equal(sp_project_shape(&pp, ps), SP_OK);
    assert_int_equal(sp_frame_create_tensor(mgr, SP_DTYPE_F32, 2, ps, &dep),
                     SP_OK);
    assert_int_equal(sp_project_depth(k, &pp, &g->u.points, &dep->u.tensor),
                     SP_OK);

    sp_pipeline_opts o = {.backend = SP_BACKEND_AUTO};
    assert_int_equal(
        sp_pipeline_create("synth camera=false frames=3 ! ground ! "
                           "bev x=0:40 y=-20:20 res=0.2 points=true ! "
                           "range cols=1024 points=true ! project",
                           &o, &p),
        SP_OK);
    int seen[3] = {0};
    for (;;) {
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc == SP_EOS)
            break;
        if (rc != SP_OK)
            fail_msg("pull: %s", sp_errmsg());
        /* points=false on project: no points frame comes out. */
        assert_int_equal(f->payload, SP_PAYLOAD_TENSOR);
        const sp_frame *want = NULL;
        int which = -1;
        if (!strcmp(f->stream, "bev"))
            which = 0, want = bev;
        else if (!strcmp(f->stream, "range"))
            which = 1, want = rng;
        else if (!strcmp(f->stream, "depth"))
            which = 2, want = dep;
        else
            fail_msg("unexpected stream '%s'", f->stream);
        seen[which]++;
        assert_int_equal(f->u.tensor.ndim, want->u.tensor.ndim);
        size_t cnt = sp_tensor_count(&want->u.tensor);
        assert_int_equal(sp_tensor_count(&f->u.tensor), cnt);
        if (f->seq == 1)
            assert_memory_equal(f->u.tensor.data, want->u.tensor.data,
                                cnt * sizeof(float));
        sp_frame_unref(f);
    }
    for (int i = 0; i < 3; i++)
        assert_int_equal(seen[i], 3);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    sp_frame_unref(dep);
    sp_frame_unref(rng);
    sp_frame_unref(bev);
    sp_frame_unref(g);
    sp_frame_unref(raw);
    sp_kctx_destroy(k);
    assert_int_equal(sp_pipeline_destroy(ref), SP_OK);
}

/* Runs a launch string to the end; returns the first error status. */
static int run_all(const char *launch)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc != SP_OK)
        return rc;
    for (;;) {
        sp_frame *f = NULL;
        rc = sp_pipeline_pull(p, &f);
        if (rc != SP_OK)
            break;
        sp_frame_unref(f);
    }
    if (rc < 0)
        fprintf(stderr, "%s\n", sp_errmsg());
    sp_pipeline_destroy(p);
    return rc == SP_EOS ? SP_OK : rc;
}

static void test_calibration_sources(void **state)
{
    (void)state;
    /* A calib file: the KITTI object calibration when the data is here,
     * else one written now. */
    char path[1024];
    const char *tmp = getenv("SP_TEST_TMP");
    char dir[900];
    snprintf(dir, sizeof dir, "%s", tmp && *tmp ? tmp : "/tmp");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/calib_test.txt", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("P0: 721.5 0 609.6 0 0 721.5 172.9 0 0 0 1 0\n"
          "P1: 721.5 0 609.6 -387.6 0 721.5 172.9 0 0 0 1 0\n"
          "P2: 721.5 0 609.6 44.9 0 721.5 172.9 0.216 0 0 1 0.0027\n"
          "P3: 721.5 0 609.6 -339.5 0 721.5 172.9 2.2 0 0 1 0.0027\n"
          "R0_rect: 1 0 0 0 1 0 0 0 1\n"
          "Tr_velo_to_cam: 0 -1 0 0 0 0 -1 0 1 0 0 -0.27\n",
          f);
    fclose(f);
    char launch[2048];
    snprintf(launch, sizeof launch,
             "synth camera=false frames=2 ! project calib=%s width=1242 "
             "height=375 ! null",
             path);
    assert_int_equal(run_all(launch), SP_OK);

    /* No image size in an object calib file and none given. */
    snprintf(launch, sizeof launch,
             "synth camera=false frames=1 ! project calib=%s", path);
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    sp_frame *fr = NULL;
    if (rc == SP_OK)
        rc = sp_pipeline_pull(p, &fr);
    assert_true(rc < 0);
    assert_non_null(strstr(sp_errmsg(), "width= and height="));
    assert_non_null(strstr(sp_errmsg(), "calib_test.txt"));
    sp_pipeline_destroy(p);

    /* A file that is not there: the message names it. */
    p = NULL;
    rc = sp_pipeline_create("synth camera=false frames=1 ! project "
                            "calib=/nonexistent/calib_000042.txt",
                            NULL, &p);
    if (rc == SP_OK)
        rc = sp_pipeline_pull(p, &fr);
    assert_true(rc < 0);
    assert_non_null(strstr(sp_errmsg(), "/nonexistent/calib_000042.txt"));
    assert_non_null(strstr(sp_errmsg(), "project"));
    sp_pipeline_destroy(p);

    /* width without height. */
    p = NULL;
    rc = sp_pipeline_create("synth camera=false frames=1 ! project width=10",
                            NULL, &p);
    if (rc == SP_OK)
        rc = sp_pipeline_pull(p, &fr);
    assert_true(rc < 0);
    assert_non_null(strstr(sp_errmsg(), "height"));
    sp_pipeline_destroy(p);
    remove(path);
}

static void test_bad_properties(void **state)
{
    (void)state;
    static const struct {
        const char *launch, *word;
    } bad[] = {
        {"synth ! ground method=cone", "method"},
        {"synth ! ground keep=sky", "keep"},
        {"synth ! ground threshold=-1", "threshold"},
        {"synth ! bev res=0", "res"},
        {"synth ! bev x=5:1", "x"},
        {"synth ! range rows=0", "rows"},
        {"synth ! range fov=10:-10", "fov"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sp_pipeline *p = NULL;
        int rc = sp_pipeline_create(bad[i].launch, NULL, &p);
        sp_frame *f = NULL;
        if (rc == SP_OK) {
            rc = sp_pipeline_pull(p, &f);
            sp_frame_unref(f);
            sp_pipeline_destroy(p);
        }
        if (rc >= 0)
            fail_msg("'%s' was accepted", bad[i].launch);
        if (!strstr(sp_errmsg(), bad[i].word))
            fail_msg("'%s': message '%s' does not name '%s'", bad[i].launch,
                     sp_errmsg(), bad[i].word);
    }
}

/* The real KITTI object frames through every lidar stage, when the `kitti`
 * source is registered and the data is there. The object set's calibration
 * gives no image size, so width/height are given. */
static void test_kitti_chain(void **state)
{
    (void)state;
    const char *env = getenv("SP_TEST_DATA");
    char dir[1024], probe[1100];
    snprintf(dir, sizeof dir, "%s/kitti_object",
             env && *env ? env : "../shared/data");
    snprintf(probe, sizeof probe, "%s/training/velodyne/000001.bin", dir);
    FILE *f = fopen(probe, "rb");
    if (!f) {
        printf("skipped: %s not found (set SP_TEST_DATA)\n", probe);
        skip();
    }
    fclose(f);
    if (!sp_stage_class_find("kitti")) {
        sp_errmsg_clear();
        printf("skipped: no 'kitti' source stage registered\n");
        skip();
    }
    char launch[2048];
    snprintf(launch, sizeof launch,
             "kitti path=%s streams=velodyne ! ground ! bev points=true ! "
             "range points=true ! project width=1242 height=375 points=true",
             dir);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    int n[4] = {0};
    for (;;) {
        sp_frame *fr = NULL;
        int rc = sp_pipeline_pull(p, &fr);
        if (rc == SP_EOS)
            break;
        if (rc != SP_OK)
            fail_msg("pull: %s", sp_errmsg());
        if (fr->payload == SP_PAYLOAD_POINTS) {
            n[3]++;
            assert_true(fr->u.points.count > 10000);
        } else if (!strcmp(fr->stream, "depth")) {
            n[2]++;
            const float *d = fr->u.tensor.data;
            size_t filled = 0, cnt = sp_tensor_count(&fr->u.tensor);
            for (size_t i = 0; i < cnt; i++)
                if (d[i] != 0) {
                    filled++;
                    assert_true(d[i] > 0 && d[i] <= 80);
                }
            assert_true(filled > 5000);
        } else if (!strcmp(fr->stream, "range")) {
            n[1]++;
        } else if (!strcmp(fr->stream, "bev")) {
            n[0]++;
        }
        sp_frame_unref(fr);
    }
    /* Three sweeps (000000..000002): a raster, an image, a depth map and
     * the ground-free cloud for each. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(n[i], 3);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_calibration_sources),
        cmocka_unit_test(test_bad_properties),
        cmocka_unit_test(test_kitti_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
