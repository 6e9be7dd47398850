/* Internal to pipeline/: the stage instance, the parsed launch string,
 * property parsing, per-stage statistics. Never installed. */
#ifndef SP_PIPELINE_INT_H
#define SP_PIPELINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "error_int.h"
#include "sp_pipeline.h"
#include "sp_stage.h"
#include "workers_int.h"

/* ---- launch strings (launch.c) ---- */

#define SP__LAUNCH_MAX_STAGES SP_PIPELINE_MAX_STAGES
#define SP__LAUNCH_MAX_PROPS 32

typedef struct sp__launch_prop {
    const char *key;   /* into the parse's text buffer */
    const char *value; /* unquoted */
    int key_col;       /* 1-based column of the key */
    int value_col;     /* 1-based column of the value's first char */
} sp__launch_prop;

typedef struct sp__launch_elem {
    const char *name;
    int col;
    size_t nprops;
    sp__launch_prop props[SP__LAUNCH_MAX_PROPS];
} sp__launch_elem;

typedef struct sp__launch {
    char *text; /* one heap buffer holding every name, key and value */
    size_t nelems;
    sp__launch_elem elems[SP__LAUNCH_MAX_STAGES];
} sp__launch;

/* Splits a launch string into stages and key=value pairs (syntax only: no
 * class lookup). *out is zeroed first; free with sp__launch_free(). On a
 * syntax error returns SP_EFORMAT with "launch string, column N: ..." and
 * records N for sp_pipeline_error_column(). */
int sp__launch_parse(const char *launch, sp__launch *out);
void sp__launch_free(sp__launch *l);

/* Records the column of the launch-string error being raised (0 = none). */
void sp__launch_set_error_column(int col);

/* A property value's refusal (sp__prop_parse()'s message) placed in the
 * launch string: the message prefixed "launch string, column COL: stage
 * 'STAGE': " and COL recorded as above; returns @p rc. */
int sp__launch_prop_fail(int rc, int col, const char *stage);

/* ---- registry (registry.c) ---- */

/* Levenshtein distance, capped (returns cap+1 when larger). */
int sp__edit_distance(const char *a, const char *b, int cap);
/* "did you mean 'a', 'b' or 'c'?" for the @p n names into buf ("" when n
 * is 0; snprintf semantics, cap >= 1): sp_suggest()'s wording, for callers
 * that pick the candidates by another rule. */
void sp__suggest_text(const char *const *names, size_t n, char *buf,
                      size_t cap);
/* sp_suggest(), sp_prop_describe_allowed(), sp_prop_type_name(): public,
 * sp_stage.h. */

/* ---- properties (props.c) ---- */

/* Parses @p text as a value of @p spec into *v (v->s is NOT set here).
 * On failure returns SP_EINVAL/SP_ERANGE with the message
 * "property 'NAME' = 'TEXT': what, expected what" (callers prefix the
 * stage). */
int sp__prop_parse(const sp_prop_spec *spec, const char *text,
                   sp_prop_value *v);

/* Whether a spec's type is known and its choices mean something for that
 * type (sp_stage.h): an enum's list, a time's unit, a floats' counts
 * ("1|3", rising, each 1..SP_PROP_MAX_FLOATS), "auto" or nothing on an
 * int, float or range. SP_EINVAL naming the property and what is wrong. */
int sp__prop_spec_check(const sp_prop_spec *spec);

/* ---- stage statistics (stats.c) ---- */

/* Log-bucket latency histogram: 8 sub-buckets per power of two, so any
 * percentile is within 12.5% of the true value. Fixed size: recording a
 * sample never allocates. One thread records (the one running the stage);
 * any thread may read while it does: the fields are atomics written with
 * relaxed stores (plain moves on x86 and ARM), so a reading is a snapshot
 * of figures each exact, never a data race. */
#define SP__HIST_SUB 8
#define SP__HIST_BUCKETS (64 * SP__HIST_SUB)

typedef struct sp__hist {
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
    _Atomic uint64_t max_ns;
    _Atomic uint64_t min_ns;
    _Atomic uint64_t last_ns;    /* the latest sample, for the jitter */
    _Atomic uint64_t jitter_sum; /* sum of |sample - previous sample| */
    _Atomic uint32_t bucket[SP__HIST_BUCKETS];
} sp__hist;

/* Single writer: only the thread that runs the stage records. */
void sp__hist_record(sp__hist *h, uint64_t ns);
/* Value at quantile q (0..1), the bucket's midpoint clamped to min/max. */
uint64_t sp__hist_quantile(const sp__hist *h, double q);
/* Mean |difference| of consecutive samples (0 with fewer than two). */
uint64_t sp__hist_jitter(const sp__hist *h);
/* The histogram's figures into the latency fields of *s. */
void sp__hist_fill(const sp__hist *h, sp_stage_stats *s);
/* Bucket layout, for pictures: count of the buckets and a bucket's
 * lower bound in ns. */
uint64_t sp__hist_bucket_low(size_t idx);

uint64_t sp__now_ns(void);

/* ---- real-time replay (pace.c) ---- */

/* The properties every source takes besides its class's own: rate=,
 * deadline=, drop=, max_gap=. One per pipeline (it has one source). */
typedef struct sp__pace {
    double rate;             /* 0: as fast as possible */
    uint64_t deadline_ns;    /* 0: none */
    int drop_late;           /* drop=late */
    uint64_t max_gap_ns;     /* max_gap= (0: none) */
    int started;             /* base taken (the source's thread only) */
    int64_t ts0;             /* first frame's timestamp */
    uint64_t wall0;          /* when it was released */
    int64_t last_ts;         /* the latest stamp so far (source thread) */
    _Atomic uint64_t cut_ns; /* gap time cut by max_gap= so far */
} sp__pace;

/* A source's key=value that belongs to the pacing: 1 when taken (into
 * pace), 0 when not one of them, or SP_EINVAL/SP_ERANGE with the message
 * naming the column and what is allowed. */
int sp__pace_prop(sp__pace *pace, const char *stage, const char *key,
                  const char *value, int col);

/* Once a source's properties are read: a note on @p source when pacing
 * properties were given that need a rate and it has none. */
void sp__pace_note_unpaced(const sp__pace *pc, sp_stage *source);

/* The pacing's properties (rate, deadline, drop, max_gap), *n of them,
 * for messages listing and suggesting a source's properties. */
const sp_prop_spec *sp__pace_specs(size_t *n);

/* The due time, on the monotonic clock, of a frame stamped @p ts in a
 * replay at @p rate (> 0) whose first frame, stamped @p ts0, was released
 * at @p wall0, with @p cut ns of gaps left out before it (max_gap=):
 * wall0 + (ts - ts0 - cut) / rate; wall0 for a stamp before the first (or
 * within the cut); UINT64_MAX (never: it waits until stopped) where that
 * is past the clock's range or 9e18 ns ahead. Any int64 stamps. */
uint64_t sp__pace_due(uint64_t wall0, int64_t ts0, int64_t ts, uint64_t cut,
                      double rate);

/* The gap time max_gap= has cut up to and including a frame stamped @p ts:
 * where @p ts is more than max_gap_ns after the latest stamp so far (taken
 * from the first frame on), the excess is added to the cut. Stamps that go
 * back (another topic's) change nothing. The source's thread only. */
uint64_t sp__pace_cut(sp__pace *pc, int64_t ts);

/* For a source's new frame: its due time from its timestamp and the rate,
 * and a wait until then (in slices, so a stop is seen). Returns the ns
 * spent waiting. No-op without a rate. */
uint64_t sp__pace_wait(sp_stage *st, sp_frame *f);

/* After a stage handed on @p f at @p now: its lateness against the due
 * time recorded; 1 when it missed the deadline and drop=late drops it. */
int sp__pace_check(sp_stage *st, const sp_frame *f, uint64_t now);

/* ---- stage instances (stage.c) ---- */

/* The first few distinct streams of something counted (frames let by),
 * for a note at close: each with a tag (a payload, where it matters). */
typedef struct sp__seen {
    int n;
    int tag[4];
    char name[4][SP_STREAM_NAME_MAX];
} sp__seen;

/* Keeps (@p tag, @p name) unless kept already or four are. */
void sp__seen_add(sp__seen *s, int tag, const char *name);

/* The kept names as "a, b" into @p buf (each "<payload> on stream <name>"
 * when @p payloads, the tags being sp_payload values), ", ..." after four:
 * more may have come. */
void sp__seen_join(const sp__seen *s, int payloads, char *buf, size_t cap);
#define SP__SEEN_TEXT (4 * (SP_STREAM_NAME_MAX + 24) + 8)

struct sp_stage {
    const sp_stage_class *cls;
    char name[48];
    int col; /* launch-string column, for messages */
    int index;
    sp_pipeline *pipe;
    sp_stage *upstream; /* NULL for a source */
    void *priv;
    sp_prop_value *props; /* cls->nprops values */
    char *prop_text;      /* storage behind props[i].s */
    sp_kctx *kctx;
    int inited;

    /* Written by the thread that runs this stage's pull(); the figures are
     * atomic because sp_pipeline_stats_get() (a progress display) may read
     * them from another thread while it runs. */
    _Atomic uint64_t frames_in;
    _Atomic uint64_t frames_out;
    _Atomic uint64_t skipped;
    /* threads=: the stage's pool (NULL without) and the frames it handed
     * on after a call on several threads */
    const struct sp__workers *workers;
    int threads;
    _Atomic uint64_t split;
    uint64_t upstream_ns;     /* time spent in upstream during the current pull
                                 (this thread's only) */
    sp__hist hist;            /* self time per produced frame */
    _Atomic uint64_t busy_ns; /* self time over all calls, EOS included */
    sp__hist late;            /* under rate=: handed on - due, per frame */
    _Atomic uint64_t missed;  /* frames later than deadline= */
    _Atomic uint64_t dropped_late; /* of those, dropped (drop=late) */
    /* The largest block of a frame this stage has handed on (0: none yet);
     * written by the stage's thread, read by the budget check in any. */
    _Atomic size_t max_block;
    /* Streams whose first frame went to the on_format callback (hashes of
     * their names; the stage's thread only). */
    uint64_t formats_seen[16];
    int nformats_seen;
    /* streams= of a filter (sp__filter_wants): frames of its payload it
     * took and let by for their stream, and the first few streams let by,
     * for the note at close when it took none (the stage's thread only). */
    uint64_t streams_taken, streams_passed;
    sp_payload streams_payload;
    sp__seen streams_seen;
    /* The same filter's frames by payload: of the one it works on, and of
     * others (passed on), with the first few of those's payload and
     * stream, for the note at close when none of its kind came (a camera
     * folder into voxel). */
    uint64_t kind_taken, kind_other;
    sp_payload kind_payload;
    sp__seen other_seen;
};

/* Calls st's pull() with timing and counting: the stage's own time is the
 * call's time minus the time it spent pulling upstream. */
int sp__stage_pull(sp_stage *st, sp_frame **out);

/* With queues: when @p st hands on a frame in a larger block than before,
 * check that the budget can hold what the pipeline may hold at once
 * (sp__pipeline_budget_check). SP_EBUDGET when it cannot. */
int sp__stage_note_frame(sp_stage *st, const sp_frame *f);

/* The pipeline's stop flag (set by sp_pipeline_stop / destroy). */
int sp__stage_stopping(const sp_stage *st);

/* ---- the pipeline (pipeline.c) ---- */

struct sp_pipeline {
    sp_stage *stages[SP_PIPELINE_MAX_STAGES];
    size_t nstages;
    sp_poolmgr *mgr;
    int own_mgr;
    sp_backend backend;
    _Atomic int stop;
    int done; /* EOS or an error seen: later pulls repeat it */
    int done_status;
    char done_msg[SP__ERRMSG_MAX];
    uint64_t frames;         /* out of the last stage */
    uint64_t t_start, t_end; /* first pull, end (0 while running) */
    sp__pace pace;
    int realtime; /* sp_pipeline_opts.realtime */
    sp__hist e2e; /* source read -> out of the last stage (the pulling
                     thread writes it) */
    uint32_t warmup;
    int alloc_counted;
    uint64_t alloc_base; /* counter when frame #warmup came out */
    uint64_t alloc_end;  /* counter at the end (0 while running) */
    int alloc_end_set;
    uint64_t grows_base, grows_end; /* pool blocks added, same moments */
    /* An explicit back-end is checked at create by making one context;
     * the first stage that asks for a context gets it. */
    _Atomic(sp_kctx *) spare_kctx;
    size_t nqueues;   /* queue stages: the budget check applies */
    int closed;       /* sp_pipeline_close() ran every fini() */
    int closed_early; /* ... before the end of the stream */
    /* Notes for the user (sp_stage_note), any thread. */
    pthread_mutex_t notes_lock;
    size_t nnotes;
    char notes[SP_PIPELINE_MAX_NOTES][SP_PIPELINE_NOTE_MAX];
    uint64_t note_repeats[SP_PIPELINE_MAX_NOTES];
    uint64_t notes_dropped;
    void (*on_format)(void *user, const char *stage, const sp_frame *f);
    void *on_format_user;
    /* Frames out of the last stage that no sink wrote, when every sink is
     * a built-in one and the last stage is a sink (-1: not known yet, 0:
     * not counted); by payload, with the first few streams of each. */
    int count_unwritten;
    uint64_t unwritten[4];
    sp__seen unwritten_seen[4];
};

/* For a stage's fini(): how the run ended — SP_OK at the end of the
 * stream, SP_ECANCELED when it was stopped or closed before the end (a
 * sink may then finish what it wrote), or the error that ended it (a sink
 * then removes what it wrote). */
int sp__stage_run_status(const sp_stage *st);

/* What the queues may hold (depth frames each, of the size their upstream
 * stage hands on) plus one frame per stage, the sizes being the largest
 * each stage has handed on so far (a stage with none yet: its upstream's).
 * SP_OK when the budget holds it, else SP_EBUDGET naming the queues and
 * their depths, the frame size, the stages, the total and the budget. */
int sp__pipeline_budget_check(sp_pipeline *p);

/* 1 when @p cls is one of the built-in classes (stages_builtin.h): their
 * sinks mark what they write (sp_frame.written). */
int sp__stage_class_is_builtin(const sp_stage_class *cls);

/* The queue stage's class (queue.c), to tell queues apart. */
extern const sp_stage_class sp__stage_queue;

/* Blocks added over the life of every pool of the manager. */
uint64_t sp__pipeline_pool_grows(const sp_pipeline *p);

/* Pipeline helpers for stage.c. */
sp_poolmgr *sp__pipeline_poolmgr(sp_pipeline *p);
sp_backend sp__pipeline_backend(const sp_pipeline *p);

/* Allocation counter (alloc_count.c): the registered hook's value, or 0. */
uint64_t sp__alloc_count(void);

#endif
