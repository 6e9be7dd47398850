/* Real-time replay: a source's frames released at their timestamps (scaled
 * by rate=) instead of as fast as it reads, and every stage's lateness
 * against that due time, with deadline= and drop=late; max_gap= shortens
 * the long pauses of a log (rosbag play's --skip-empty). One mechanism for
 * every timestamped source: the stage wrapper applies it, no source knows. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline_int.h"

/* The longest single sleep: a stop is seen within it. */
#define SLICE_NS 50000000ull

/* @p value as a finite number in [0, max] into *v; SP_EINVAL naming the
 * column, stage and property, saying what it is not and what it expects. */
static int pace_number(const char *stage, const char *key, const char *value,
                       int col, double max, const char *what,
                       const char *expected, double *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtod(value, &end);
    if (end == value || *end != '\0' || errno != 0 || !isfinite(*v) || *v < 0 ||
        *v > max) {
        sp__launch_set_error_column(col);
        return sp__fail(SP_EINVAL,
                        "launch string, column %d: stage '%s': property "
                        "'%s' = '%s': not %s, expected %s",
                        col, stage, key, value, what, expected);
    }
    return SP_OK;
}

/* deadline= and max_gap= are times as a stage's time properties are
 * (props.c: "50ms", "0.05s"), in ms and s when bare. */
static const sp_prop_spec deadline_spec = {.name = "deadline",
                                           .type = SP_PROP_TIME,
                                           .min = 0,
                                           .max = 3.6e6,
                                           .choices = "ms"};
static const sp_prop_spec max_gap_spec = {.name = "max_gap",
                                          .type = SP_PROP_TIME,
                                          .min = 0,
                                          .max = 1e9,
                                          .choices = "s"};

static int pace_time(const char *stage, const sp_prop_spec *spec,
                     const char *value, int col, double *v)
{
    sp_prop_value pv;
    int rc = sp__prop_parse(spec, value, &pv);
    if (rc < 0)
        return sp__launch_prop_fail(rc, col, stage);
    *v = pv.f;
    return SP_OK;
}

int sp__pace_prop(sp__pace *pace, const char *stage, const char *key,
                  const char *value, int col)
{
    double v = 0;
    if (strcmp(key, "rate") == 0) {
        SP_TRY(pace_number(stage, key, value, col, 1e6, "a speed",
                           "a number in 0..1e6 (1 = recorded speed, 0 = as "
                           "fast as possible)",
                           &v));
        pace->rate = v;
        return 1;
    }
    if (strcmp(key, "deadline") == 0) {
        SP_TRY(pace_time(stage, &deadline_spec, value, col, &v));
        pace->deadline_ns = (uint64_t)(v * 1e6);
        return 1;
    }
    if (strcmp(key, "max_gap") == 0) {
        SP_TRY(pace_time(stage, &max_gap_spec, value, col, &v));
        pace->max_gap_ns = (uint64_t)(v * 1e9);
        return 1;
    }
    if (strcmp(key, "drop") == 0) {
        if (strcmp(value, "late") != 0 && strcmp(value, "none") != 0) {
            sp__launch_set_error_column(col);
            return sp__fail(SP_EINVAL,
                            "launch string, column %d: stage '%s': property "
                            "'drop' = '%s', expected late or none",
                            col, stage, value);
        }
        pace->drop_late = strcmp(value, "late") == 0;
        return 1;
    }
    return 0;
}

const char *sp_pipeline_replay_help(void)
{
    return "  rate=R       replay at R x the recorded speed from the frames' "
           "timestamps\n"
           "               (1 sensor speed; 0, the default, as fast as "
           "possible)\n"
           "  deadline=T   under a rate, count frames later than T at each "
           "stage\n"
           "               (ms when bare: 20, 20ms, 0.02s)\n"
           "  drop=late    and drop them (drop=none, the default, only "
           "counts)\n"
           "  max_gap=T    under a rate, replay a pause of the log longer "
           "than T as T\n"
           "               (s when bare: 0.5, 500ms; 0, the default: every "
           "pause whole)\n";
}

void sp__pace_note_unpaced(const sp__pace *pc, sp_stage *source)
{
    if (!(pc->rate > 0) && (pc->deadline_ns || pc->drop_late || pc->max_gap_ns))
        sp_stage_note(source,
                      "deadline=, drop=late and max_gap= do nothing without a "
                      "rate (frames have no due time as fast as possible): "
                      "rate=1 replays at the recorded speed");
}

uint64_t sp__pace_due(uint64_t wall0, int64_t ts0, int64_t ts, uint64_t cut,
                      double rate)
{
    /* A timestamp before the first (out of order, another stream's clock)
     * is due at once rather than in the past's future. Stamps are the
     * file's, any int64 (a lying log): their difference is taken in
     * unsigned arithmetic, where it always fits. */
    uint64_t d = ts > ts0 ? (uint64_t)ts - (uint64_t)ts0 : 0;
    d = d > cut ? d - cut : 0;
    double wait = (double)d / rate;
    /* A stamp centuries ahead (9e18 ns: 285 years) waits until stopped;
     * the conversion and the sum then stay in range. */
    if (!(wait < 9e18) || wait >= (double)(UINT64_MAX - wall0))
        return UINT64_MAX;
    return wall0 + (uint64_t)wait;
}

uint64_t sp__pace_cut(sp__pace *pc, int64_t ts)
{
    uint64_t cut = atomic_load_explicit(&pc->cut_ns, memory_order_relaxed);
    if (ts <= pc->last_ts)
        return cut;
    /* Both sums stay within the span of the stamps, which fits uint64. */
    uint64_t gap = (uint64_t)ts - (uint64_t)pc->last_ts;
    if (pc->max_gap_ns && gap > pc->max_gap_ns) {
        cut += gap - pc->max_gap_ns;
        atomic_store_explicit(&pc->cut_ns, cut, memory_order_relaxed);
    }
    pc->last_ts = ts;
    return cut;
}

uint64_t sp__pace_wait(sp_stage *st, sp_frame *f)
{
    sp__pace *pc = &st->pipe->pace;
    uint64_t now = sp__now_ns(), due, t0 = now;
    int waited;

    if (pc->rate <= 0)
        return 0;
    if (!pc->started) {
        pc->started = 1;
        pc->ts0 = f->timestamp_ns;
        pc->last_ts = f->timestamp_ns;
        pc->wall0 = now;
    }
    due = sp__pace_due(pc->wall0, pc->ts0, f->timestamp_ns,
                       sp__pace_cut(pc, f->timestamp_ns), pc->rate);
    f->t_due_ns = due;
    waited = now < due;
    while (now < due && !sp__stage_stopping(st)) {
        uint64_t until = due - now > SLICE_NS ? now + SLICE_NS : due;
        struct timespec ts = {.tv_sec = (time_t)(until / 1000000000u),
                              .tv_nsec = (long)(until % 1000000000u)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        now = sp__now_ns();
    }
    if (waited)
        f->t_read_ns = due; /* it arrives when due, as from a sensor */
    return now - t0;
}

int sp__pace_check(sp_stage *st, const sp_frame *f, uint64_t now)
{
    const sp__pace *pc = &st->pipe->pace;

    if (f->t_due_ns == 0)
        return 0;
    uint64_t late = now > f->t_due_ns ? now - f->t_due_ns : 0;
    sp__hist_record(&st->late, late);
    if (pc->deadline_ns == 0 || late <= pc->deadline_ns)
        return 0;
    atomic_fetch_add_explicit(&st->missed, 1, memory_order_relaxed);
    /* A sink has written it already: only the count applies there. */
    if (!pc->drop_late || st->cls->is_sink)
        return 0;
    atomic_fetch_add_explicit(&st->dropped_late, 1, memory_order_relaxed);
    return 1;
}
