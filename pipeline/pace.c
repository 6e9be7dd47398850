/* Real-time replay: a source's frames released at their timestamps (scaled
 * by rate=) instead of as fast as it reads, and every stage's lateness
 * against that due time, with deadline= and drop=late; max_gap= shortens
 * the long pauses of a log (rosbag play's --skip-empty). One mechanism for
 * every timestamped source: the stage wrapper applies it, no source knows. */
#include <string.h>
#include <time.h>

#include "pipeline_int.h"

/* The longest single sleep: a stop is seen within it. */
#define SLICE_NS 50000000ull

/* The replay properties every timestamped source takes, parsed as a
 * stage's own are (props.c: ranges, units, choices with hints). deadline=
 * and max_gap= are times, in ms and s when bare. */
enum { PACE_RATE, PACE_DEADLINE, PACE_DROP, PACE_MAX_GAP, PACE_NPROPS };
static const sp_prop_spec pace_specs[PACE_NPROPS] = {
    [PACE_RATE] = {.name = "rate", .type = SP_PROP_FLOAT, .min = 0, .max = 1e6},
    [PACE_DEADLINE] = {.name = "deadline",
                       .type = SP_PROP_TIME,
                       .min = 0,
                       .max = 3.6e6,
                       .choices = "ms"},
    [PACE_DROP] = {.name = "drop",
                   .type = SP_PROP_ENUM,
                   .choices = "none|late"},
    [PACE_MAX_GAP] = {.name = "max_gap",
                      .type = SP_PROP_TIME,
                      .min = 0,
                      .max = 1e9,
                      .choices = "s"},
};

const sp_prop_spec *sp__pace_specs(size_t *n)
{
    *n = PACE_NPROPS;
    return pace_specs;
}

int sp__pace_prop(sp__pace *pace, const char *stage, const char *key,
                  const char *value, int col)
{
    int k = 0;
    while (k < PACE_NPROPS && strcmp(key, pace_specs[k].name) != 0)
        k++;
    if (k == PACE_NPROPS)
        return 0;
    sp_prop_value v;
    int rc = sp__prop_parse(&pace_specs[k], value, &v);
    if (rc < 0)
        return sp__launch_prop_fail(rc, col, stage);
    switch (k) {
    case PACE_RATE:
        pace->rate = v.f;
        break;
    case PACE_DEADLINE:
        pace->deadline_ns = (uint64_t)(v.f * 1e6);
        break;
    case PACE_DROP:
        pace->drop_late = v.i == 1; /* "none|late" */
        break;
    case PACE_MAX_GAP:
        pace->max_gap_ns = (uint64_t)(v.f * 1e9);
        break;
    }
    return 1;
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
