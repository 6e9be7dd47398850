/* ctest-label: unit */
/* The latency report: p90, p99.9 and jitter of the histogram, the end-to-end
 * latency (a frame carries when its source started reading it) and its
 * place in the table and the JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline_int.h"
#include "sp_iotest.h"
#include "sp_png.h"

static void test_jitter_and_tail(void **state)
{
    (void)state;
    static sp__hist h;
    memset(&h, 0, sizeof h);
    assert_int_equal(sp__hist_jitter(&h), 0);
    sp__hist_record(&h, 1000);
    assert_int_equal(sp__hist_jitter(&h), 0);
    /* 1000, 3000, 1000, 3000 ...: every step differs by 2000 ns. */
    for (int i = 0; i < 999; i++)
        sp__hist_record(&h, i % 2 ? 1000 : 3000);
    assert_int_equal(sp__hist_jitter(&h), 2000);
    static sp_stage_stats s;
    sp__hist_fill(&h, &s);
    assert_int_equal(s.latency_samples, 1000);
    assert_true(s.p50_ns <= s.p90_ns && s.p90_ns <= s.p99_ns);
    assert_true(s.p99_ns <= s.p999_ns && s.p999_ns <= s.max_ns);
    assert_int_equal(s.max_ns, 3000);
    /* A steady series has no jitter. */
    memset(&h, 0, sizeof h);
    for (int i = 0; i < 100; i++)
        sp__hist_record(&h, 5000);
    assert_int_equal(sp__hist_jitter(&h), 0);
    /* The bucket bounds grow, up to the last a 64-bit value reaches. */
    for (size_t i = 1; i < 2 * SP__HIST_SUB + 60 * SP__HIST_SUB; i++)
        assert_true(sp__hist_bucket_low(i) > sp__hist_bucket_low(i - 1));
}

static void test_end_to_end(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    if (sp_pipeline_create("synth frames=30 camera=false ! queue depth=2 ! "
                           "voxel leaf=0.5 ! null",
                           NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    static sp_pipeline_stats s;
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_string_equal(s.e2e.name, "end to end");
    assert_int_equal(s.e2e.latency_samples, 30);
    assert_true(s.e2e.p50_ns > 0);
    assert_true(s.e2e.p50_ns <= s.e2e.p90_ns);
    assert_true(s.e2e.p90_ns <= s.e2e.p99_ns);
    assert_true(s.e2e.p99_ns <= s.e2e.p999_ns);
    assert_true(s.e2e.p999_ns <= s.e2e.max_ns);
    /* End to end covers the source's read and voxel's own time. */
    assert_true(s.e2e.max_ns >= s.stages[2].max_ns / 2);
    assert_true(s.e2e.mean_ns >= s.stages[2].mean_ns);
    static char buf[16384];
    assert_true(sp_pipeline_report(p, SP_REPORT_TABLE, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "p99.9"));
    assert_non_null(strstr(buf, "jitter"));
    assert_non_null(strstr(buf, "\nend to end "));
    assert_true(sp_pipeline_report(p, SP_REPORT_JSON, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "\"end_to_end\": {\"frames\": 30,"));
    assert_non_null(strstr(buf, "\"p999_ns\""));
    assert_non_null(strstr(buf, "\"jitter_ns\""));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* rate=2 on synth (one lidar sweep per 100 ms of timestamps): frame k
 * comes out no earlier than k * 50 ms after the first, and not much later
 * (a generous bound: the machine is shared). */
static void test_rate_follows_stamps(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    if (sp_pipeline_create("synth frames=8 camera=false rate=2 ! null", NULL,
                           &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    sp_frame *f;
    uint64_t t[8], n = 0;
    int64_t ts[8];
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_true(n < 8);
        t[n] = sp__now_ns();
        ts[n] = f->timestamp_ns;
        assert_true(f->t_due_ns != 0);
        sp_frame_unref(f);
        n++;
    }
    assert_int_equal(n, 8);
    sp_pipeline_close(p);
    static sp_pipeline_stats s;
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_true(s.rate == 2.0);
    assert_true(s.wall_s >= 0.33);
    /* Never early. Not late either, and the wait for the due time not
     * counted as the source's own time, where making a frame takes well
     * under the spacing of the schedule (under an emulator on a loaded
     * machine the synthetic sweep alone can take longer than the 50 ms
     * between due times, and then frames are late and nothing waits). */
    double span_s = (double)(ts[n - 1] - ts[0]) / 2e9;
    int fast = s.stages[0].busy_s < 0.5 * span_s;
    for (uint64_t k = 1; k < n; k++) {
        int64_t want = (ts[k] - ts[0]) / 2;
        int64_t got = (int64_t)(t[k] - t[0]);
        if (got < want - 2000000 || (fast && got > want + 250000000))
            fail_msg("frame %llu after %lld ns, want %lld (stamps / 2)",
                     (unsigned long long)k, (long long)got, (long long)want);
    }
    if (fast)
        assert_true(s.stages[0].busy_s < 0.75 * s.wall_s);
    else
        print_message("note: making the frames took %.3f s of a %.3f s "
                      "schedule: the wait is too short to check\n",
                      s.stages[0].busy_s, span_s);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* rate=0, the default, does not wait and stamps no due time. */
    if (sp_pipeline_create("synth frames=3 camera=false rate=0", NULL, &p) !=
        SP_OK)
        fail_msg("%s", sp_errmsg());
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_int_equal(f->t_due_ns, 0);
        assert_true(f->t_read_ns != 0);
        sp_frame_unref(f);
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* The due time's arithmetic on stamps a log may lie with: any int64, out
 * of order, a span past INT64_MAX (a signed difference would overflow),
 * and a schedule past the clock's range. */
static void test_pace_due(void **state)
{
    (void)state;
    const uint64_t w = 1000000000ull; /* released 1 s into the clock */
    assert_true(sp__pace_due(w, 0, 0, 0, 1.0) == w);
    assert_true(sp__pace_due(w, 5000, 5000 + 100000000, 0, 1.0) ==
                w + 100000000);
    assert_true(sp__pace_due(w, 5000, 5000 + 100000000, 0, 2.0) ==
                w + 50000000);
    assert_true(sp__pace_due(w, 5000, 5000 + 100000000, 0, 0.5) ==
                w + 200000000);
    /* before the first stamp: due at once */
    assert_true(sp__pace_due(w, 5000, 4999, 0, 1.0) == w);
    assert_true(sp__pace_due(w, INT64_MAX, INT64_MIN, 0, 1.0) == w);
    /* negative stamps (a clock before 1970) replay as any others */
    assert_true(sp__pace_due(w, -300, -100, 0, 1.0) == w + 200);
    /* a span of 2^64 - 1 ns, past INT64_MAX: waits until stopped */
    assert_true(sp__pace_due(w, INT64_MIN, INT64_MAX, 0, 1.0) == UINT64_MAX);
    /* 1.7e18 then a stamp read as negative past 2^63 (the fuzz case of
     * test_fuzz_regressions): before the first, so at once */
    assert_true(sp__pace_due(w, 1700000000000000000ll, INT64_MIN + 5, 0, 1.0) ==
                w);
    /* a span of 8e18 ns fits, but at rate 0.5 it is 1.6e19: never */
    assert_true(sp__pace_due(w, 0, 8000000000000000000ll, 0, 1.0) ==
                w + 8000000000000000000ull);
    assert_true(sp__pace_due(w, 0, 8000000000000000000ll, 0, 0.5) ==
                UINT64_MAX);
    /* a clock already near its end: the sum would wrap */
    assert_true(sp__pace_due(UINT64_MAX - 10, 0, 1000, 0, 1.0) == UINT64_MAX);
    /* max_gap='s cut comes off the span, never below the first's time */
    assert_true(sp__pace_due(w, 0, 10000000000ll, 9000000000ull, 1.0) ==
                w + 1000000000);
    assert_true(sp__pace_due(w, 0, 10000000000ll, 9000000000ull, 2.0) ==
                w + 500000000);
    assert_true(sp__pace_due(w, 0, 5, 9000000000ull, 1.0) == w);
    assert_true(sp__pace_due(w, INT64_MIN, INT64_MAX, UINT64_MAX - 7, 1.0) ==
                w + 7);
    /* a huge rate: everything due at once, to the nanosecond */
    assert_true(sp__pace_due(w, 0, 999999, 0, 1e6) == w);
}

/* Runs @p launch to its end; 1 when one of its notes contains @p text. */
static int run_noted(const char *launch, const char *text)
{
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_frame *f;
    while (sp_pipeline_pull(p, &f) == SP_OK)
        sp_frame_unref(f);
    sp_pipeline_close(p);
    int noted = 0;
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++)
        noted |= strstr(sp_pipeline_note(p, i, NULL), text) != NULL;
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return noted;
}

/* max_gap=: a gap between consecutive stamps longer than it is replayed
 * as it; stamps that go back (another topic's) cut nothing; then a replay
 * whose stamps are 100 ms apart at max_gap=0.01 runs ten times faster,
 * its frames due exactly 10 ms apart, and the stats say what was cut. */
static void test_max_gap(void **state)
{
    (void)state;
    sp__pace pc;
    memset(&pc, 0, sizeof pc);
    pc.max_gap_ns = 1000;
    pc.last_ts = 100; /* the first frame's stamp */
    assert_int_equal(sp__pace_cut(&pc, 100), 0);
    assert_int_equal(sp__pace_cut(&pc, 600), 0);  /* a gap of 500 */
    assert_int_equal(sp__pace_cut(&pc, 1600), 0); /* exactly max_gap */
    assert_int_equal(sp__pace_cut(&pc, 5600), 3000);
    assert_int_equal(sp__pace_cut(&pc, 200), 3000); /* back: nothing */
    assert_int_equal(sp__pace_cut(&pc, 5700), 3000);
    assert_int_equal(sp__pace_cut(&pc, 9700), 6000);
    /* the widest span int64 stamps have */
    memset(&pc, 0, sizeof pc);
    pc.max_gap_ns = 1;
    pc.last_ts = INT64_MIN;
    assert_true(sp__pace_cut(&pc, INT64_MAX) == UINT64_MAX - 1);
    /* without max_gap= nothing is cut */
    memset(&pc, 0, sizeof pc);
    pc.last_ts = 0;
    assert_int_equal(sp__pace_cut(&pc, 4000000000000ll), 0);

    sp_pipeline *p = NULL;
    if (sp_pipeline_create(
            "synth frames=8 camera=false rate=1 max_gap=0.01 ! null", NULL,
            &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    sp_frame *f;
    uint64_t due[8], n = 0;
    int64_t ts[8];
    uint64_t t0 = sp__now_ns();
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_true(n < 8);
        due[n] = f->t_due_ns;
        ts[n] = f->timestamp_ns;
        sp_frame_unref(f);
        n++;
    }
    uint64_t took = sp__now_ns() - t0;
    assert_int_equal(n, 8);
    for (uint64_t k = 1; k < n; k++) {
        assert_true(ts[k] - ts[k - 1] > 10000000); /* each gap is cut */
        if (due[k] - due[k - 1] != 10000000)
            fail_msg("frame %llu due %llu ns after the one before, want "
                     "10 ms (max_gap=0.01)",
                     (unsigned long long)k,
                     (unsigned long long)(due[k] - due[k - 1]));
    }
    sp_pipeline_close(p);
    static sp_pipeline_stats st;
    assert_int_equal(sp_pipeline_stats_get(p, &st), SP_OK);
    /* 70 ms of schedule where the stamps span 0.7 s: the time spent
     * waiting (the run less the source's own time making the frames, which
     * under an emulator on a loaded machine alone passed 0.5 s) stays
     * under 0.5 s; waiting out the uncut gaps would take 0.63 s. */
    int64_t waited = (int64_t)took - (int64_t)(st.stages[0].busy_s * 1e9);
    if (waited >= 500000000)
        fail_msg("waited %lld ns of a run of %llu ns (the source busy "
                 "%.3f s), want under 0.5 s",
                 (long long)waited, (unsigned long long)took,
                 st.stages[0].busy_s);
    assert_true(st.max_gap_ns == 10000000);
    assert_true(st.gaps_cut_ns ==
                (uint64_t)(ts[n - 1] - ts[0]) - 7 * 10000000ull);
    char buf[8192];
    assert_true(sp_pipeline_report(p, SP_REPORT_TABLE, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "gaps over max_gap=0.010 s"));
    assert_true(sp_pipeline_report(p, SP_REPORT_JSON, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "\"max_gap_ns\": 10000000"));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* a bad value is refused by name */
    assert_int_equal(sp_pipeline_create("synth max_gap=-1 ! null", NULL, &p),
                     SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "'max_gap' = '-1': out of range"));

    /* without a rate it does nothing, and a note says so; with one, no
     * such note */
    assert_true(run_noted("synth frames=2 camera=false max_gap=1 ! null",
                          "without a rate"));
    assert_false(
        run_noted("synth frames=2 camera=false rate=100 max_gap=1 ! null",
                  "without a rate"));
}

/* A deadline of 1 ns: every frame leaves voxel later than due, so each is
 * counted, and with drop=late dropped (at the source or at voxel). */
static void test_deadline(void **state)
{
    (void)state;
    static sp_pipeline_stats s;
    sp_pipeline *p = NULL;
    if (sp_pipeline_create("synth frames=5 camera=false rate=100 "
                           "deadline=0.000001 ! voxel leaf=0.5 ! null",
                           NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.frames, 5);
    assert_int_equal(s.stages[1].missed, 5);
    assert_int_equal(s.stages[2].missed, 5); /* the sink counts only */
    assert_int_equal(s.stages[1].dropped_late, 0);
    assert_true(s.stages[1].late_max_ns > 0);
    static char buf[16384];
    assert_true(sp_pipeline_report(p, SP_REPORT_TABLE, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "lateness in ms"));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    if (sp_pipeline_create("synth frames=5 camera=false rate=100 "
                           "deadline=0.000001 drop=late ! voxel leaf=0.5 ! "
                           "null",
                           NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.frames, 0);
    assert_int_equal(s.stages[0].dropped_late + s.stages[1].dropped_late, 5);
    assert_true(s.drop_late);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_pace_props_checked(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create("synth frames=1 rate=fast", NULL, &p),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "'rate' = 'fast'"));
    assert_int_equal(sp_pipeline_error_column(), 21);
    assert_int_equal(sp_pipeline_create("synth rate=-1", NULL, &p), SP_ERANGE);
    assert_non_null(strstr(sp_errmsg(), "'rate' = '-1': out of range, "
                                        "expected a number in 0..1000000"));
    assert_int_equal(sp_pipeline_create("synth drop=some", NULL, &p),
                     SP_EINVAL);
    assert_int_equal(sp_pipeline_create("synth drop=lat", NULL, &p), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "did you mean 'late'?"));
    assert_int_equal(sp_pipeline_create("synth deadline=x", NULL, &p),
                     SP_EINVAL);
    assert_int_equal(sp_pipeline_create("synth deadline=5m", NULL, &p),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "'deadline' = '5m': unknown unit 'm'"));
    /* deadline= and max_gap= take units as stages' time properties do;
     * bare numbers are ms and s */
    const char *same[][2] = {
        {"synth frames=1 rate=1 deadline=20 max_gap=0.25 ! null",
         "synth frames=1 rate=1 deadline=0.02s max_gap=250ms ! null"},
        {"synth frames=1 rate=1 deadline=0.5 max_gap=90 ! null",
         "synth frames=1 rate=1 deadline=500us max_gap=1.5min ! null"}};
    const uint64_t want[][2] = {{20000000, 250000000}, {500000, 90000000000}};
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            sp_pipeline_stats st;
            if (sp_pipeline_create(same[i][j], NULL, &p) != SP_OK)
                fail_msg("%s: %s", same[i][j], sp_errmsg());
            assert_int_equal(sp_pipeline_stats_get(p, &st), SP_OK);
            assert_true(st.deadline_ns == want[i][0]);
            assert_true(st.max_gap_ns == want[i][1]);
            assert_int_equal(sp_pipeline_destroy(p), SP_OK);
            p = NULL;
        }
    }
    /* Only sources take them. */
    assert_int_equal(sp_pipeline_create("synth ! voxel rate=1", NULL, &p),
                     SP_ENOTFOUND);
    /* A source's unknown property lists them among its own. */
    assert_int_equal(sp_pipeline_create("synth rat=1", NULL, &p), SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "rate, deadline, drop"));
    assert_null(p);
}

/* realtime: the queue's thread asks for SCHED_FIFO and is pinned; without
 * the privilege (not root, no rtprio limit) a note says so and the run
 * goes on. */
static void test_realtime_note(void **state)
{
    (void)state;
    sp_pipeline_opts o = {.realtime = 1};
    sp_pipeline *p = NULL;
    if (sp_pipeline_create("synth frames=3 camera=false ! queue depth=1 ! "
                           "null",
                           &o, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    int noted = 0;
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        const char *n = sp_pipeline_note(p, i, NULL);
        noted |= n != NULL && strstr(n, "SCHED_FIFO not permitted") != NULL;
    }
    struct rlimit rl;
    int may = geteuid() == 0 ||
              (getrlimit(RLIMIT_RTPRIO, &rl) == 0 && rl.rlim_cur >= 50);
    if (!may)
        assert_true(noted);
    static sp_pipeline_stats s;
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.frames, 3);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* The picture: a valid PNG of the documented size, every row (each stage
 * and end to end) with bars drawn. */
static void test_latency_png(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    if (sp_pipeline_create("synth frames=20 camera=false ! voxel leaf=0.5 ! "
                           "null",
                           NULL, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    const char *path = iot_tmp("latency.png");
    assert_non_null(path);
    if (sp_pipeline_latency_png(p, path) != SP_OK)
        fail_msg("%s", sp_errmsg());
    sp_png_info info;
    assert_int_equal(sp_png_probe(NULL, path, &info), SP_OK);
    assert_int_equal(info.width, SP_LATENCY_PNG_W);
    assert_int_equal(info.height, 4 * SP_LATENCY_PNG_ROW);
    assert_int_equal(info.format, SP_PIX_RGB8);
    static uint8_t px[SP_LATENCY_PNG_W * 3 * 4 * SP_LATENCY_PNG_ROW];
    sp_image im = {.data = px,
                   .width = SP_LATENCY_PNG_W,
                   .height = 4 * SP_LATENCY_PNG_ROW,
                   .stride = SP_LATENCY_PNG_W * 3,
                   .format = SP_PIX_RGB8};
    assert_int_equal(sp_png_read(NULL, path, &im, NULL), SP_OK);
    for (int row = 0; row < 4; row++) {
        int bars = 0;
        for (int y = row * SP_LATENCY_PNG_ROW;
             y < (row + 1) * SP_LATENCY_PNG_ROW; y++)
            for (int x = 0; x < SP_LATENCY_PNG_W; x++) {
                const uint8_t *c = px + (size_t)y * im.stride + x * 3;
                bars += c[0] != c[2]; /* coloured, not white or grey */
            }
        if (bars == 0)
            fail_msg("row %d has no bars", row);
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jitter_and_tail),
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_rate_follows_stamps),
        cmocka_unit_test(test_pace_due),
        cmocka_unit_test(test_max_gap),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_pace_props_checked),
        cmocka_unit_test(test_realtime_note),
        cmocka_unit_test(test_latency_png),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
