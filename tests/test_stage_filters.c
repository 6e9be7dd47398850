/* ctest-label: pipeline */
/* The pull() every filter stage shares (pipeline/stages/filter.c), through
 * each stage: with a pool budget that holds the source's frame but not the
 * stage's output, the output frame cannot be allocated; the error must name
 * the stage and the frame number (the input's seq, read before the input
 * is released), and every block must be back in its pool at once. The same
 * pipelines with the default budget produce their frame, so the budget is
 * what fails them. Frames a stage does not concern pass through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline_test_stages.h"
#include "sp_kitti.h"
#include "sp_pipeline.h"

/* ---- ffsrc: one kind of frame, seq from first= ---- */

enum { K_POINTS, K_BAYER8, K_BAYER16, K_RGB8, K_GRAY8 };

typedef struct ffsrc {
    uint64_t next, first, frames;
    int kind;
    sp_calib calib;
} ffsrc;

static const sp_prop_spec ffsrc_props[] = {
    {.name = "kind",
     .type = SP_PROP_ENUM,
     .def = "points",
     .choices = "points|bayer8|bayer16|rgb8|gray8",
     .help = "frame kind"},
    {.name = "first",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 1e9,
     .help = "seq of the first frame"},
    {.name = "frames",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 0,
     .max = 1e6,
     .help = "frames to produce"},
    {.name = "stream",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "stream name (default: velodyne or image_02)"},
};

static const char calib_text[] = "P2: 50 0 32 0 0 50 16 0 0 0 1 0\n"
                                 "R0_rect: 1 0 0 0 1 0 0 0 1\n"
                                 "Tr_velo_to_cam: 0 -1 0 0 0 0 -1 0 1 0 0 0\n";

static int ffsrc_init(sp_stage *st)
{
    ffsrc *s = sp_stage_priv(st);
    s->kind = (int)sp_stage_prop(st, "kind")->i;
    s->first = (uint64_t)sp_stage_prop_int(st, "first");
    s->frames = (uint64_t)sp_stage_prop_int(st, "frames");
    return sp_calib_parse_kitti(calib_text, sizeof calib_text - 1, "ffsrc",
                                &s->calib);
}

static int ffsrc_pull(sp_stage *st, sp_frame **out)
{
    ffsrc *s = sp_stage_priv(st);
    sp_poolmgr *mgr = sp_stage_poolmgr(st);
    sp_frame *f = NULL;
    int rc;
    if (s->next >= s->frames)
        return SP_EOS;
    if (s->kind == K_POINTS) {
        enum { N = 500 };
        rc = sp_frame_create_points(mgr, N, 0, &f);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < N; j++) {
            /* A ring of points 5..15 m out, some low (ground), in front
             * of the camera too. */
            float a = (float)j * 0.0125f, r = 5.0f + (float)(j % 11);
            f->u.points.x[j] = r * (j % 2 ? 1.0f : 0.3f) + a;
            f->u.points.y[j] = (float)(j % 21) - 10.0f;
            f->u.points.z[j] = j % 3 ? -1.7f : 0.5f;
            f->u.points.intensity[j] = (float)(j % 7) / 7.0f;
        }
        f->u.points.count = N;
        strcpy(f->stream, "velodyne");
    } else {
        static const sp_pixfmt fmt[] = {0, SP_PIX_BAYER_RGGB8,
                                        SP_PIX_BAYER_RGGB16, SP_PIX_RGB8,
                                        SP_PIX_GRAY8};
        rc = sp_frame_create_image(mgr, 64, 32, fmt[s->kind], 0, &f);
        if (rc < 0)
            return rc;
        for (uint32_t y = 0; y < f->u.image.height; y++)
            memset(sp_image_row(&f->u.image, y), (int)(y * 7 + 3),
                   f->u.image.stride);
        strcpy(f->stream, "image_02");
    }
    const char *stream = sp_stage_prop_str(st, "stream");
    if (*stream)
        snprintf(f->stream, sizeof f->stream, "%s", stream);
    f->seq = s->first + s->next++;
    f->calib = &s->calib;
    *out = f;
    return SP_OK;
}

static const sp_stage_class ffsrc_class = {
    .name = "ffsrc",
    .description = "test source for test_stage_filters",
    .props = ffsrc_props,
    .nprops = sizeof ffsrc_props / sizeof ffsrc_props[0],
    .priv_size = sizeof(ffsrc),
    .is_source = 1,
    .init = ffsrc_init,
    .pull = ffsrc_pull,
};

/* ---- the cases ---- */

typedef struct filter_case {
    const char *stage; /* launch text of the filter */
    const char *name;  /* its instance name */
    const char *kind;  /* ffsrc kind= */
    sp_payload out;    /* what it makes of that */
} filter_case;

static const filter_case cases[] = {
    {"crop x=-100:100", "crop", "points", SP_PAYLOAD_POINTS},
    {"voxel leaf=0.5", "voxel", "points", SP_PAYLOAD_POINTS},
    {"ground method=grid", "ground", "points", SP_PAYLOAD_POINTS},
    {"bev", "bev", "points", SP_PAYLOAD_TENSOR},
    {"bev points=true", "bev", "points", SP_PAYLOAD_TENSOR},
    {"range rows=16 cols=256", "range", "points", SP_PAYLOAD_TENSOR},
    {"range rows=16 cols=256 points=true", "range", "points",
     SP_PAYLOAD_TENSOR},
    {"project width=64 height=32", "project", "points", SP_PAYLOAD_TENSOR},
    {"project width=64 height=32 points=true", "project", "points",
     SP_PAYLOAD_TENSOR},
    {"debayer", "debayer", "bayer8", SP_PAYLOAD_IMAGE},
    {"levels white=4095", "levels", "bayer16", SP_PAYLOAD_IMAGE},
    {"convert to=gray", "convert", "rgb8", SP_PAYLOAD_IMAGE},
    {"resize width=32 height=16", "resize", "rgb8", SP_PAYLOAD_IMAGE},
    {"normalize", "normalize", "rgb8", SP_PAYLOAD_TENSOR},
    {"undistort fx=50 fy=50 cx=32 cy=16 k1=-0.2", "undistort", "gray8",
     SP_PAYLOAD_IMAGE},
};

#define FIRST_SEQ 7

static int setup(void **state)
{
    (void)state;
    static int done;
    if (!done) {
        int rc = sp_stage_class_register(&ffsrc_class);
        if (rc != SP_OK)
            return -1;
        done = 1;
    }
    return 0;
}

static sp_pipeline *make(const filter_case *c, sp_poolmgr *mgr)
{
    char launch[256];
    snprintf(launch, sizeof launch, "ffsrc kind=%s first=%d ! %s", c->kind,
             FIRST_SEQ, c->stage);
    sp_pipeline_opts o = {.poolmgr = mgr, .backend = SP_BACKEND_SCALAR};
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, &o, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    return p;
}

/* Bytes the pool manager reserves for the source's one frame. */
static uint64_t source_frame_bytes(const filter_case *c)
{
    sp_poolmgr *mgr = NULL;
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    char launch[128];
    snprintf(launch, sizeof launch, "ffsrc kind=%s", c->kind);
    sp_pipeline_opts o = {.poolmgr = mgr};
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, &o, &p), SP_OK);
    sp_frame *f = NULL;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    uint64_t bytes = sp_poolmgr_reserved(mgr);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    assert_true(bytes > 0);
    return bytes;
}

/* With room: every case makes its output (the failure below is the
 * budget's), and with points=true the input follows. */
static void test_filters_work_with_room(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const filter_case *c = &cases[i];
        sp_poolmgr *mgr = NULL;
        assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
        sp_pipeline *p = make(c, mgr);
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc != SP_OK)
            fail_msg("%s: %s", c->stage, sp_errmsg());
        assert_int_equal(f->seq, FIRST_SEQ);
        int kept = strstr(c->stage, "points=true") != NULL;
        assert_int_equal(f->payload, c->out);
        assert_int_equal(pt_blocks_in_use(mgr), kept ? 2 : 1);
        sp_frame_unref(f);
        f = NULL;
        if (kept) {
            assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
            assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
            assert_int_equal(f->seq, FIRST_SEQ);
            sp_frame_unref(f);
            f = NULL;
        }
        assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
        assert_int_equal(pt_blocks_in_use(mgr), 0);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
        assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    }
}

/* No room for the output: SP_EBUDGET naming the stage and frame 7, no block
 * held anywhere afterwards, and the same error on the next pull. */
static void test_filters_output_allocation_fails(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const filter_case *c = &cases[i];
        sp_poolmgr_desc d = {.budget_bytes = source_frame_bytes(c),
                             .timeout_ms = 5};
        sp_poolmgr *mgr = NULL;
        assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
        sp_pipeline *p = make(c, mgr);
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc != SP_EBUDGET)
            fail_msg("%s: status %s (%s), expected SP_EBUDGET", c->stage,
                     sp_status_name(rc), sp_errmsg());
        assert_null(f);
        char want[64];
        snprintf(want, sizeof want, "stage '%s': frame %d: ", c->name,
                 FIRST_SEQ);
        if (strncmp(sp_errmsg(), want, strlen(want)) != 0)
            fail_msg("%s: message '%s', expected it to start '%s'", c->stage,
                     sp_errmsg(), want);
        /* Both the input and the output went back at once. */
        assert_int_equal(pt_blocks_in_use(mgr), 0);
        assert_int_equal(sp_pipeline_pull(p, &f), SP_EBUDGET);
        assert_null(f);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
        assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    }
}

/* Frames of another payload pass through every filter untouched (the same
 * frame, no block taken), even with no room for an output. */
static void test_filters_pass_other_payloads(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        filter_case other = cases[i];
        other.kind = strcmp(cases[i].kind, "points") == 0 ? "rgb8" : "points";
        sp_poolmgr_desc d = {.budget_bytes = source_frame_bytes(&other),
                             .timeout_ms = 5};
        sp_poolmgr *mgr = NULL;
        assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
        sp_pipeline *p = make(&other, mgr);
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc != SP_OK)
            fail_msg("%s on %s: %s", other.stage, other.kind, sp_errmsg());
        assert_int_equal(f->payload, strcmp(other.kind, "points") == 0
                                         ? SP_PAYLOAD_POINTS
                                         : SP_PAYLOAD_IMAGE);
        assert_int_equal(f->seq, FIRST_SEQ);
        assert_int_equal(pt_blocks_in_use(mgr), 1);
        sp_frame_unref(f);
        /* None of its kind came: said at close, with what came instead. */
        sp_pipeline_close(p);
        char want[200];
        snprintf(want, sizeof want,
                 "stage '%s': works on %s frames and none came: the 1 frame "
                 "that came (%s on stream %s) passed through unchanged",
                 other.name,
                 strcmp(other.kind, "points") == 0 ? "image" : "points",
                 strcmp(other.kind, "points") == 0 ? "points" : "image",
                 strcmp(other.kind, "points") == 0 ? "velodyne" : "image_02");
        int said = 0;
        for (size_t n = 0; n < sp_pipeline_note_count(p); n++)
            said |= strstr(sp_pipeline_note(p, n, NULL), want) != NULL;
        if (!said)
            fail_msg("%s on %s: no note '%s' (%zu notes)", other.stage,
                     other.kind, want, sp_pipeline_note_count(p));
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
        assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
    }
}

/* streams=: a filter leaves frames of streams not in its list untouched
 * (the same frame, no block taken, even with no room for an output), and
 * works on the streams named, exactly or by a prefix ending in '*'; a list
 * that took no frame is noted at close. */
static void test_filters_streams_select(void **state)
{
    (void)state;
    static const struct {
        const char *streams; /* the filter's streams= */
        int applies;
    } sel[] = {{"/radar", 0},        {"/cloud_radar*", 0}, {"/cloud", 1},
               {"/radar,/cloud", 1}, {"/cl*", 1},          {" /cloud , /x", 1},
               {"/cloud/more", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strstr(cases[i].stage, "points=true"))
            continue; /* the input follows the output there */
        for (size_t k = 0; k < sizeof sel / sizeof sel[0]; k++) {
            filter_case c = cases[i];
            sp_poolmgr_desc d = {
                .budget_bytes = sel[k].applies ? 0 : source_frame_bytes(&c),
                .timeout_ms = 5};
            sp_poolmgr *mgr = NULL;
            assert_int_equal(sp_poolmgr_create(&d, &mgr), SP_OK);
            char launch[256];
            snprintf(launch, sizeof launch,
                     "ffsrc kind=%s first=%d stream=/cloud ! %s streams='%s'",
                     c.kind, FIRST_SEQ, c.stage, sel[k].streams);
            sp_pipeline_opts o = {.poolmgr = mgr, .backend = SP_BACKEND_SCALAR};
            sp_pipeline *p = NULL;
            if (sp_pipeline_create(launch, &o, &p) != SP_OK)
                fail_msg("%s: %s", launch, sp_errmsg());
            sp_frame *f = NULL;
            if (sp_pipeline_pull(p, &f) != SP_OK)
                fail_msg("%s: %s", launch, sp_errmsg());
            if (sel[k].applies) {
                if (f->payload != c.out)
                    fail_msg("%s: payload %d, expected %d", launch,
                             (int)f->payload, (int)c.out);
            } else {
                assert_string_equal(f->stream, "/cloud");
                assert_int_equal(f->payload, strcmp(c.kind, "points") == 0
                                                 ? SP_PAYLOAD_POINTS
                                                 : SP_PAYLOAD_IMAGE);
                assert_int_equal(pt_blocks_in_use(mgr), 1);
            }
            sp_frame_unref(f);
            /* A list that took nothing says so at close. */
            sp_pipeline_close(p);
            const char *note = NULL;
            for (size_t n = 0; n < sp_pipeline_note_count(p); n++)
                if (strstr(sp_pipeline_note(p, n, NULL), "streams="))
                    note = sp_pipeline_note(p, n, NULL);
            if (sel[k].applies && note)
                fail_msg("%s: %s", launch, note);
            /* frames of its kind came, taken or not: no "none came" */
            for (size_t n = 0; n < sp_pipeline_note_count(p); n++)
                if (strstr(sp_pipeline_note(p, n, NULL), "none came"))
                    fail_msg("%s: %s", launch, sp_pipeline_note(p, n, NULL));
            char want[256];
            snprintf(want, sizeof want,
                     "streams=%s took none of the 1 %s frame that came "
                     "(their streams: /cloud): it passed through unchanged",
                     sel[k].streams,
                     strcmp(c.kind, "points") == 0 ? "points" : "image");
            if (!sel[k].applies && (!note || !strstr(note, want)))
                fail_msg("%s: note %s, expected %s", launch,
                         note ? note : "(none)", want);
            assert_int_equal(sp_pipeline_destroy(p), SP_OK);
            assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters_work_with_room),
        cmocka_unit_test(test_filters_output_allocation_fails),
        cmocka_unit_test(test_filters_pass_other_payloads),
        cmocka_unit_test(test_filters_streams_select),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
