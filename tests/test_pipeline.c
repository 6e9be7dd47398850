/* ctest-label: pipeline */
/* Pipelines without queues: laziness (pulling k frames reads exactly k),
 * pass-through of frames a stage does not concern, end of stream and errors
 * through filters, the pull-one-by-one API, stats that add up, reports, and
 * the per-stage kernel context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline_int.h"
#include "pipeline_test_stages.h"

static int setup(void **state)
{
    sp_poolmgr *mgr;
    pt_register();
    pt_reset();
    if (sp_poolmgr_create(NULL, &mgr) != SP_OK)
        return -1;
    *state = mgr;
    return 0;
}

static int teardown(void **state)
{
    assert_int_equal(pt_blocks_in_use(*state), 0);
    assert_int_equal(sp_poolmgr_destroy(*state), SP_OK);
    return 0;
}

static sp_pipeline *make(void **state, const char *launch, sp_backend be)
{
    sp_pipeline_opts o = {.poolmgr = *state, .backend = be, .warmup_frames = 4};
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, &o, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    return p;
}

static void test_lazy(void **state)
{
    sp_pipeline *p = make(state, "tsrc frames=100 ! tpass ! tsink", 0);
    sp_frame *f;
    assert_int_equal(pt_get().src_reads, 0); /* create reads nothing */
    for (int k = 1; k <= 7; k++) {
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        assert_int_equal(f->seq, k - 1);
        /* The frame is the filter's output: x moved by add=1. */
        assert_true(f->u.points.x[0] == (float)(k - 1) + 1.0f);
        assert_int_equal(f->u.points.count, 100);
        assert_string_equal(f->stream, "velodyne");
        sp_frame_unref(f);
        assert_int_equal(pt_get().src_reads, k);
        assert_int_equal(pt_get().sink_frames, k);
    }
    assert_int_equal(pt_blocks_in_use(*state), 0);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_pass_through(void **state)
{
    sp_pipeline *p =
        make(state, "tsrc frames=10 kind=mixed ! tpass add=5 ! tsink", 0);
    sp_frame *f;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        assert_int_equal(f->seq, i);
        if (i & 1) {
            /* Camera frames: untouched, still the source's image. */
            assert_int_equal(f->payload, SP_PAYLOAD_IMAGE);
            assert_string_equal(f->stream, "image_02");
            assert_int_equal(f->u.image.data[0], i);
        } else {
            assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
            assert_true(f->u.points.x[0] == (float)i + 5.0f);
        }
        sp_frame_unref(f);
    }
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    assert_int_equal(pt_get().pass_work, 5);
    assert_int_equal(pt_get().pass_through, 5);
    assert_int_equal(pt_get().sink_bad, 0);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_pull_without_sink(void **state)
{
    /* An embedding program takes the arrays itself: no sink at the end. */
    sp_pipeline *p = make(state, "tsrc frames=3 points=5 ! tpass", 0);
    sp_frame *held[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sp_pipeline_pull(p, &held[i]), SP_OK);
        assert_int_equal(held[i]->u.points.count, 5);
    }
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    /* Frames held by the caller keep their blocks until released. */
    assert_int_equal(pt_blocks_in_use(*state), 3);
    for (int i = 0; i < 3; i++)
        sp_frame_unref(held[i]);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* With its own pool manager, a held frame makes destroy refuse to free
     * the manager (the frame's block still needs it) and say why. */
    sp_pipeline *q;
    assert_int_equal(sp_pipeline_create("tsrc frames=2 ! tpass", NULL, &q),
                     SP_OK);
    assert_int_equal(sp_pipeline_pull(q, &f), SP_OK);
    sp_poolmgr *own = sp_pipeline_poolmgr(q);
    assert_int_equal(sp_pipeline_destroy(q), SP_EBUSY);
    assert_non_null(strstr(sp_errmsg(), "sp_pipeline_destroy: frames still "
                                        "held, pool manager not freed: "));
    assert_int_equal(f->u.points.count, 100); /* still valid */
    sp_frame_unref(f);
    assert_int_equal(sp_poolmgr_destroy(own), SP_OK);

    /* Without holding frames, its own manager goes with it. */
    assert_int_equal(sp_pipeline_create("tsrc frames=2 ! tpass", NULL, &q),
                     SP_OK);
    assert_int_equal(sp_pipeline_run(q), SP_OK);
    assert_int_equal(sp_pipeline_destroy(q), SP_OK);
}

static void test_errors_through_filters(void **state)
{
    sp_pipeline *p =
        make(state, "tsrc frames=20 fail_at=3 ! tpass ! tpass ! tsink", 0);
    assert_int_equal(sp_pipeline_run(p), SP_EIO);
    assert_string_equal(sp_errmsg(),
                        "stage 'tsrc': injected failure at frame 3");
    assert_int_equal(pt_get().sink_frames, 3);
    sp_pipeline_stats s;
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.frames, 3);
    assert_string_equal(s.stages[2].name, "tpass#2");
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* A stop before the first pull. */
    pt_reset();
    p = make(state, "tsrc frames=20 ! tsink", 0);
    sp_pipeline_stop(p);
    assert_int_equal(sp_pipeline_run(p), SP_ECANCELED);
    assert_string_equal(sp_errmsg(), "pipeline stopped after 0 frames");
    assert_int_equal(pt_get().src_reads, 0);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_stats(void **state)
{
    sp_pipeline *p = make(
        state, "tsrc frames=200 kind=mixed ! tpass ! queue depth=2 ! tsink", 0);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_stats s;
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.frames, 200);
    assert_true(s.wall_s > 0);
    assert_true(s.fps > 0);
    assert_int_equal(s.nstages, 4);
    assert_string_equal(s.stages[0].cls, "tsrc");
    assert_int_equal(s.stages[0].frames_in, 0);
    for (size_t i = 0; i < s.nstages; i++) {
        const sp_stage_stats *t = &s.stages[i];
        assert_int_equal(t->frames_out, 200);
        if (i > 0)
            assert_int_equal(t->frames_in, s.stages[i - 1].frames_out);
        assert_true(t->p50_ns <= t->p99_ns);
        assert_true(t->p99_ns <= t->max_ns);
        assert_true(t->mean_ns <= t->max_ns);
        assert_true(t->busy_s >= 0);
    }
    assert_true(s.npools >= 1);
    uint64_t acquires = 0;
    for (size_t i = 0; i < s.npools; i++) {
        acquires += s.pools[i].acquires;
        assert_int_equal(s.pools[i].in_use, 0);
    }
    /* 200 source frames plus 100 new lidar frames from tpass. */
    assert_int_equal(acquires, 300);
    assert_true(s.peak_rss_bytes > 0);
    assert_int_equal(s.alloc_counted, 0); /* no counter in this program */

    char *buf = malloc(1 << 16);
    int n = sp_pipeline_report(p, SP_REPORT_TABLE, buf, 1 << 16);
    assert_true(n > 0 && n < (1 << 16));
    assert_int_equal(strlen(buf), n);
    assert_non_null(strstr(buf, "200 frames in "));
    assert_non_null(strstr(buf, "tpass"));
    assert_non_null(strstr(buf, "queue"));
    assert_non_null(strstr(buf, "heap allocations after warm-up: n/a"));
    /* snprintf semantics: the same length when the buffer is too small. */
    char small[16];
    assert_int_equal(sp_pipeline_report(p, SP_REPORT_TABLE, small, 16), n);
    assert_int_equal(strlen(small), 15);
    n = sp_pipeline_report(p, SP_REPORT_JSON, buf, 1 << 16);
    assert_true(n > 0 && n < (1 << 16));
    assert_true(buf[0] == '{');
    assert_non_null(strstr(buf, "\"frames\": 200,"));
    assert_non_null(strstr(buf, "\"name\": \"tsrc\""));
    assert_non_null(strstr(buf, "\"pools\": "));
    assert_non_null(strstr(buf, "\"counted\": false"));
    assert_non_null(strstr(buf, "\"notes\": [],"));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* The notes are in the JSON too, as strings escaped for it. */
    p = NULL;
    assert_int_equal(sp_pipeline_create("synth frames=1 camera=false ! voxel "
                                        "streams='x\"y\\z' ! null",
                                        NULL, &p),
                     SP_OK);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    n = sp_pipeline_report(p, SP_REPORT_JSON, buf, 1 << 16);
    assert_true(n > 0 && n < (1 << 16));
    if (!strstr(buf, "\"notes\": [{\"text\": \"stage 'voxel': "
                     "streams=x\\\"y\\\\z took none of the 1 points frame") ||
        !strstr(buf, "\"times\": 1}],"))
        fail_msg("%s", buf);
    free(buf);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_kctx(void **state)
{
    sp_pipeline *p = make(state, "tsrc frames=2 ! tpass kctx=true ! tsink",
                          SP_BACKEND_SCALAR);
    assert_int_equal(pt_get().kctx_backend, -1); /* created on first use */
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(pt_get().kctx_backend, SP_BACKEND_SCALAR);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_explicit_backend(void **state)
{
    /* SIMD and OpenCL are checked when the pipeline is made; the context
     * made for the check goes to the first stage that asks. */
    sp_pipeline *p =
        make(state, "tsrc frames=2 ! tpass kctx=true ! tsink", SP_BACKEND_SIMD);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(pt_get().kctx_backend, SP_BACKEND_SIMD);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    sp_pipeline_opts o = {.poolmgr = *state, .backend = SP_BACKEND_OPENCL};
    int rc =
        sp_pipeline_create("tsrc frames=2 ! tpass kctx=true ! tsink", &o, &p);
    if (rc < 0) {
        assert_null(p);
        assert_true(strncmp(sp_errmsg(), "kernel back-end 'opencl': ", 26) ==
                    0);
        print_message("no OpenCL device: %s\n", sp_errmsg());
        return;
    }
    pt_reset();
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(pt_get().kctx_backend, SP_BACKEND_OPENCL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_accessors(void **state)
{
    sp_pipeline *p = make(state, "tsrc ! tpass ! tpass ! tsink", 0);
    assert_int_equal(sp_pipeline_stage_count(p), 4);
    assert_string_equal(sp_pipeline_stage_name(p, 0), "tsrc");
    assert_string_equal(sp_pipeline_stage_name(p, 2), "tpass#2");
    assert_null(sp_pipeline_stage_name(p, 4));
    assert_ptr_equal(sp_pipeline_poolmgr(p), *state);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(NULL), SP_OK);
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(NULL, &f), SP_EINVAL);
}

/* ---- notes and close ---- */

/* A sink that leaves a note per frame (the same text: counted once), a
 * distinct note for the first 20 frames (more than the pipeline keeps),
 * and records in fini() how the run ended. */
static int tnote_end = 99;

static int tnote_pull(sp_stage *st, sp_frame **out)
{
    int rc = sp_stage_pull_upstream(st, out);
    if (rc != SP_OK)
        return rc;
    sp_stage_note(st, "saw a frame");
    if ((*out)->seq < 20)
        sp_stage_note(st, "frame %llu", (unsigned long long)(*out)->seq);
    return SP_OK;
}

static void tnote_fini(sp_stage *st)
{
    (void)st;
    tnote_end = sp__stage_run_status(st);
}

static const sp_stage_class tnote_class = {
    .name = "tnote",
    .description = "test sink leaving notes",
    .is_sink = 1,
    .pull = tnote_pull,
    .fini = tnote_fini,
};

static void test_notes_and_close(void **state)
{
    static int registered;
    if (!registered++)
        assert_int_equal(sp_stage_class_register(&tnote_class), SP_OK);
    sp_pipeline *p = make(state, "tsrc frames=30 ! tnote", SP_BACKEND_SCALAR);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    assert_int_equal(tnote_end, SP_OK);
    /* "saw a frame" once with its count, then 15 of the distinct notes,
     * then one line counting the rest. */
    assert_int_equal(sp_pipeline_note_count(p), SP_PIPELINE_MAX_NOTES + 1);
    uint64_t times;
    assert_string_equal(sp_pipeline_note(p, 0, &times),
                        "stage 'tnote': saw a frame");
    assert_int_equal(times, 30);
    assert_string_equal(sp_pipeline_note(p, 1, &times),
                        "stage 'tnote': frame 0");
    assert_int_equal(times, 1);
    assert_non_null(strstr(sp_pipeline_note(p, SP_PIPELINE_MAX_NOTES, &times),
                           "more notes"));
    assert_int_equal(times, 20 - (SP_PIPELINE_MAX_NOTES - 1));
    assert_null(sp_pipeline_note(p, SP_PIPELINE_MAX_NOTES + 1, &times));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* Closed before the end: fini() sees a stop, later pulls say so. */
    p = make(state, "tsrc frames=30 ! tnote", SP_BACKEND_SCALAR);
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    sp_frame_unref(f);
    sp_pipeline_close(p);
    assert_int_equal(tnote_end, SP_ECANCELED);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_ECANCELED);
    sp_pipeline_close(p); /* idempotent */
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* Ended by an error: fini() sees it. */
    p = make(state, "tsrc frames=30 fail_at=3 ! tnote", SP_BACKEND_SCALAR);
    assert_int_equal(sp_pipeline_run(p), SP_EIO);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(tnote_end, SP_EIO);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_lazy),
        T(test_pass_through),
        T(test_pull_without_sink),
        T(test_errors_through_filters),
        T(test_stats),
        T(test_kctx),
        T(test_explicit_backend),
        T(test_accessors),
        T(test_notes_and_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
