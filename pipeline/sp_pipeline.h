/* sensorpipe: a pipeline — stages built from a launch string, run or pulled.
 *
 *     sp_pipeline *p;
 *     sp_pipeline_opts o = {.backend = SP_BACKEND_AUTO};
 *     if (sp_pipeline_create("synth frames=100 ! queue depth=4 ! npy dir=out",
 *                            &o, &p) < 0)
 *         fprintf(stderr, "%s\n", sp_errmsg());
 *     sp_pipeline_run(p);          // or: while (sp_pipeline_pull(p, &f) ==
 * SP_OK) sp_pipeline_destroy(p);
 *
 * Every stage's properties are validated before any stage is initialised;
 * nothing is read or computed before the first pull. A `queue` element runs
 * everything upstream of it in its own thread. Frames live in blocks of the
 * pipeline's pool manager (its own, or one the caller passes in).
 *
 * Thread safety: one thread drives a pipeline (create, run/pull, stats,
 * destroy); sp_pipeline_stop() may be called from any thread or a signal
 * handler. */
#ifndef SP_PIPELINE_H
#define SP_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_frame.h"
#include "sp_kernels.h"
#include "sp_pool.h"
#include "sp_poolmgr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_pipeline sp_pipeline;

#define SP_PIPELINE_MAX_STAGES 32
#define SP_PIPELINE_MAX_POOLS 32

/** Pipeline options; zero-initialised fields take the stated default. */
typedef struct sp_pipeline_opts {
    sp_backend backend;     /**< kernel back-end of every stage; AUTO */
    uint64_t budget_bytes;  /**< pool budget when the pipeline creates its
                                 own pool manager; 0 = the manager's
                                 default (1 GiB) */
    sp_poolmgr *poolmgr;    /**< borrowed: use this manager instead of
                                 creating one (it must outlive the
                                 pipeline) */
    uint32_t warmup_frames; /**< frames before heap allocations are counted
                                 for the stats; 0 = 16 */
    /** Called, when set, with the first frame of each stream each stage
     *  produces (`sensorpipe run -v`: sp_frame_describe() says what it
     *  holds), from the thread that runs the stage, before the frame goes
     *  downstream. @p stage is the instance name; the frame is borrowed
     *  for the call. A stage reports its first 16 streams. */
    void (*on_format)(void *user, const char *stage, const sp_frame *f);
    void *on_format_user;
    /** 1: each queue's thread asks for SCHED_FIFO (priority 50; a note
     *  says so when not permitted) and, without cpu=, is pinned with
     *  hwloc to the next allowed CPU (queue n to the n-th, wrapping).
     *  Locking memory (mlockall) is the program's: `sensorpipe run
     *  --realtime` does it. */
    int realtime;
} sp_pipeline_opts;

/** Create a pipeline from a launch string (borrowed). Parses, looks up every
 *  class, validates every property, creates the pool manager, then runs each
 *  stage's init() from source to sink. *out is NULL on failure.
 *  Returns SP_OK; SP_EFORMAT for a syntax error ("launch string, column N:
 *  ..., expected ..."); SP_ENOTFOUND for an unknown stage or property (close
 *  matches named); SP_EINVAL / SP_ERANGE for a bad value (stage, property,
 *  value and what is allowed named); or the status of a failing init(). */
int sp_pipeline_create(const char *launch, const sp_pipeline_opts *opts,
                       sp_pipeline **out);

/** The 1-based column in the launch string of the last sp_pipeline_create()
 *  error on this thread, or 0 when that error had no position. */
int sp_pipeline_error_column(void);

/** Pull the next frame from the last stage. SP_OK with *out holding one
 *  reference the caller must sp_frame_unref() (before destroying the
 *  pipeline); SP_EOS at the end (and on every later call); SP_ECANCELED
 *  after sp_pipeline_stop(); or a negative error naming the stage (the same
 *  error again on later calls). For a pipeline ending in a sink, the frame
 *  is the one the sink consumed. */
int sp_pipeline_pull(sp_pipeline *p, sp_frame **out);

/** Pull and release frames until end of stream. Returns SP_OK at end of
 *  stream, SP_ECANCELED when stopped, or the first error. */
int sp_pipeline_run(sp_pipeline *p);

/** Ask a running pipeline to stop: pulls return SP_ECANCELED soon after
 *  (within ~50 ms even when blocked on a queue). Async-signal-safe; any
 *  thread. */
void sp_pipeline_stop(sp_pipeline *p);

/** End the run: stop every thread (joined) and run each stage's fini()
 *  (sinks finish or remove what they wrote), so that the stats, the pools
 *  and the notes are final and no thread touches them any more. Further
 *  pulls return what ended the run. Idempotent; NULL is a no-op. */
void sp_pipeline_close(sp_pipeline *p);

#define SP_PIPELINE_MAX_NOTES 16
#define SP_PIPELINE_NOTE_MAX 512

/** The properties every source takes besides its own (rate=, deadline=,
 *  drop=, max_gap=), one per line with what it does: for help texts
 *  (`sensorpipe stages SOURCE`). A static string. */
const char *sp_pipeline_replay_help(void);

/** Notes the stages left for the user (what was skipped, dropped, guessed
 *  or finished early: "stage 'bag': skipped 3 messages of type
 *  tf2_msgs/TFMessage"), in the order first left; a note left again is
 *  counted in *repeats. Read them after sp_pipeline_close() for the final
 *  set. Returns NULL past the last. */
size_t sp_pipeline_note_count(const sp_pipeline *p);
const char *sp_pipeline_note(const sp_pipeline *p, size_t i, uint64_t *repeats);

/** Close the pipeline (sp_pipeline_close()), release every frame it holds
 *  and destroy the pool manager it created. NULL is a no-op. Returns SP_OK, or
 * SP_EBUSY when the caller still holds frames of the pipeline's own pool
 * manager (which is then left allocated). */
int sp_pipeline_destroy(sp_pipeline *p);

/** The frames the source will give in all (its class's length(), after
 *  start=, count=, step=), for progress and an ETA. SP_OK with *frames set;
 *  SP_EUNSUPPORTED when the source cannot say; SP_EINVAL for NULL. */
int sp_pipeline_length(const sp_pipeline *p, uint64_t *frames);

/** 1 when the last stage is a sink (it writes or discards what it gets),
 *  0 when frames come out of the pipeline to its caller. */
int sp_pipeline_has_sink(const sp_pipeline *p);

/** Number of stages and stage @p i's instance name ("voxel", "voxel#2"). */
size_t sp_pipeline_stage_count(const sp_pipeline *p);
const char *sp_pipeline_stage_name(const sp_pipeline *p, size_t i);

/** The pool manager frames come from (borrowed). */
sp_poolmgr *sp_pipeline_poolmgr(const sp_pipeline *p);

/** Figures of one stage. Times are the stage's own time (excluding the time
 *  spent waiting for its upstream) per frame it produced. */
typedef struct sp_stage_stats {
    char name[48];       /**< instance name */
    char cls[32];        /**< class name */
    uint64_t frames_in;  /**< frames pulled from upstream */
    uint64_t frames_out; /**< frames produced */
    uint64_t skipped;    /**< frames dropped for bad input */
    /** threads=: the threads it splits a frame across (1 without), and the
     *  frames it handed on after splitting (a frame too small to split, or
     *  one the stage ran whole, is not counted) */
    int threads;
    uint64_t frames_split;
    uint64_t mean_ns, p50_ns, p99_ns, max_ns; /**< per produced frame */
    uint64_t p90_ns, p999_ns; /**< 90th and 99.9th percentiles */
    uint64_t jitter_ns;       /**< mean |difference| of consecutive latencies */
    uint64_t latency_samples; /**< frames the figures cover */
    /** Under rate=: when it handed a frame on minus the frame's due time
     *  (its timestamp replayed), per frame; frames later than deadline=
     *  (missed) and of those dropped with drop=late. */
    uint64_t late_p50_ns, late_p99_ns, late_max_ns;
    uint64_t missed, dropped_late;
    double busy_s; /**< total own time */
    double fps;    /**< frames_out / busy_s: what it could sustain */
} sp_stage_stats;

/** Figures of the whole pipeline; fixed size, filled without allocating. */
typedef struct sp_pipeline_stats {
    uint64_t frames;      /**< frames out of the last stage */
    double wall_s;        /**< first pull to end of stream (or now) */
    double fps;           /**< frames / wall_s */
    char backend[16];     /**< "auto", "scalar", ... as asked */
    double rate;          /**< the source's rate= (0: as fast as possible) */
    uint64_t deadline_ns; /**< deadline= (0: none) */
    int drop_late;        /**< drop=late */
    uint64_t max_gap_ns;  /**< max_gap= (0: none) */
    uint64_t gaps_cut_ns; /**< log time max_gap= left out of the replay */
    size_t nstages;
    sp_stage_stats stages[SP_PIPELINE_MAX_STAGES];
    /** End to end: from the frame's source starting to read it to the
     *  last stage handing it on (name "end to end"; latency fields and
     *  frames_out only). */
    sp_stage_stats e2e;
    size_t npools;
    sp_pool_stats pools[SP_PIPELINE_MAX_POOLS];
    uint64_t pool_budget_bytes, pool_reserved_bytes;
    uint64_t peak_rss_bytes; /**< getrusage ru_maxrss of the process */
    int alloc_counted;       /**< 0: no counter registered (the
                                  figures below are meaningless) */
    uint32_t warmup_frames;
    uint64_t frames_after_warmup;
    uint64_t heap_allocs_after_warmup; /**< malloc-family calls, all
                                            threads, after warm-up */
    uint64_t pool_grows_after_warmup;  /**< blocks the pools added after
                                            warm-up (each costs one small
                                            header allocation); bounded by
                                            the frames in flight, not per
                                            frame */
} sp_pipeline_stats;

/** Fill *out with the current figures. Callable during a run from the
 *  thread that pulls (a progress display): the per-stage figures of stages
 *  running on queue threads are then a snapshot, each figure exact but not
 *  all taken at one instant; after sp_pipeline_close() they are final. */
int sp_pipeline_stats_get(const sp_pipeline *p, sp_pipeline_stats *out);

/** Write the figures as an aligned table (stages, pools, memory) or as one
 *  JSON object into @p buf (snprintf semantics). Returns the length the full
 *  report needs (excluding NUL), or a negative status. */
int sp_pipeline_report(const sp_pipeline *p, sp_report_format format, char *buf,
                       size_t cap);

#define SP_LATENCY_PNG_W 700  /**< picture width: 100 px per decade */
#define SP_LATENCY_PNG_ROW 40 /**< height of one row */

/** Write the latency histograms as an RGB PNG (`run --latency-png`):
 *  SP_LATENCY_PNG_W wide, one row SP_LATENCY_PNG_ROW high per stage in
 *  order (blue, the stage's own time) and a last row for end to end (red);
 *  time on a log axis from 1 us (left) to 10 s (right), grey lines at each
 *  decade; a bar's height is the share of the row's frames at that time.
 *  Returns SP_OK, SP_ENOMEM or the PNG writer's status. */
int sp_pipeline_latency_png(const sp_pipeline *p, const char *path);

/* ---- heap allocation counting ---- */

/** A function returning how many malloc-family calls the process has made
 *  so far (monotonic, any thread). */
typedef uint64_t (*sp_alloc_counter_fn)(void);

/** Register the counter of a program that interposes malloc (the sensorpipe
 *  command does, unless built with sanitizers). NULL unregisters. The
 *  library cannot count allocations by itself. */
void sp_alloc_counter_set(sp_alloc_counter_fn fn);

/** 1 when a counter is registered. */
int sp_alloc_counter_active(void);

#ifdef __cplusplus
}
#endif
#endif
