/* ctest-label: pipeline */
/* With queues, the budget must hold what the queues may hold plus one frame
 * per stage, or threads starve each other of blocks. The pipeline checks it
 * when frame sizes become known (each stage's first frame, and a larger one
 * later) and fails at once with a message naming the queues and their
 * depths, the frame size, the stages, the total and the budget, instead of
 * a pool's timeout ("waited 1000 ms for one of 2 blocks in use"). A budget
 * that holds it runs; a pipeline without queues is not held to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pipeline_test_stages.h"
#include "sp_pipeline.h"
#include "sp_poolmgr.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char last_msg[2048]; /* the message of the last failed run */

static int run(const char *launch, uint64_t budget, uint64_t *frames)
{
    sp_pipeline_opts o = {.budget_bytes = budget};
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, &o, &p), SP_OK);
    int rc = sp_pipeline_run(p);
    if (rc < 0)
        snprintf(last_msg, sizeof last_msg, "%s", sp_errmsg());
    if (frames) {
        sp_pipeline_stats s;
        assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
        *frames = s.frames;
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return rc;
}

/* The pipeline: two queues of depth 8 around voxel, 2.5 MiB sweeps,
 * a 6 MiB budget. Its pools wait 20 s for a block: the refusal must come at
 * the first frame, well before any pool could time out. (A wall-clock bound
 * near the default 1000 ms timeout would also measure the machine: under
 * qemu one synthetic sweep alone can take most of a second.) */
static void test_starving_queues_refused(void **state)
{
    (void)state;
    const char *launch = "synth frames=40 camera=false ! queue depth=8 ! "
                         "voxel leaf=0.2 ! queue depth=8 ! null";
    sp_poolmgr_desc d = {.budget_bytes = 6u << 20, .timeout_ms = 20000};
    sp_poolmgr *mgr = NULL;
    assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
    sp_pipeline_opts o = {.poolmgr = mgr};
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, &o, &p), SP_OK);
    double t0 = now_s();
    assert_int_equal(sp_pipeline_run(p), SP_EBUDGET);
    double took = now_s() - t0;
    snprintf(last_msg, sizeof last_msg, "%s", sp_errmsg());
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    const char *m = last_msg;
    assert_non_null(strstr(m, "stage 'synth'"));
    assert_non_null(strstr(m, "the pool budget of 6.0 MiB cannot hold"));
    assert_non_null(strstr(m, "'queue' depth=8, 'queue#2' depth=8"));
    assert_non_null(strstr(m, "up to 16 frames"));
    assert_non_null(strstr(m, "each of the 5 stages"));
    assert_non_null(strstr(m, "frames of up to 2.5 MiB: 52.5 MiB"));
    assert_non_null(strstr(m, "at least 53 MiB"));
    assert_null(strstr(m, "waited"));
    /* At the first frame, not after a pool's timeout. */
    assert_true(took < 10.0);
    /* The same pipeline with the budget it asked for runs to the end (with
     * the pipeline's own manager and its default 1000 ms timeout). */
    uint64_t frames = 0;
    assert_int_equal(run(launch, 53u << 20, &frames), SP_OK);
    assert_int_equal(frames, 40);
}

/* Queue frames are sized by the stage upstream of each queue: small
 * frames through deep queues fit where big ones would not. */
static void test_check_follows_frame_sizes(void **state)
{
    (void)state;
    pt_register();
    /* tsrc frames of 20000 points (x, y, z, intensity: 320 KB, a 384 KiB
     * block): 4 + 3 stages = 7 blocks, 2.6 MiB. */
    const char *launch = "tsrc frames=30 points=20000 ! queue depth=4 ! tsink";
    uint64_t frames = 0;
    assert_int_equal(run(launch, 3u << 20, &frames), SP_OK);
    assert_int_equal(frames, 30);
    assert_int_equal(run(launch, 2u << 20, NULL), SP_EBUDGET);
    assert_non_null(strstr(last_msg, "'queue' depth=4 holds up to 4 frames"));
    assert_non_null(strstr(last_msg, "each of the 3 stages"));
}

/* Without a queue one thread holds every frame in flight; the check does
 * not apply (a budget too small fails where a block is asked for). */
static void test_no_queue_not_checked(void **state)
{
    (void)state;
    uint64_t frames = 0;
    assert_int_equal(run("synth frames=3 camera=false ! voxel leaf=0.2 ! null",
                         6u << 20, &frames),
                     SP_OK);
    assert_int_equal(frames, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_starving_queues_refused),
        cmocka_unit_test(test_check_follows_frame_sizes),
        cmocka_unit_test(test_no_queue_not_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
