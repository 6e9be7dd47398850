/* sensorpipe: stage classes — what a stage implementer writes against.
 *
 * A stage is a generator: its pull() returns the next frame (SP_OK, *out
 * set, one reference passed to the caller), SP_EOS at the end of the
 * stream, or a negative error with sp_errmsg() set. A filter calls
 * sp_stage_pull_upstream() only from inside its own pull(), so nothing is
 * read or computed before someone downstream asks. A filter that does not
 * concern a frame (a camera stage seeing points) returns it untouched.
 *
 * Stage classes are registered once by name with their typed properties;
 * properties are parsed and validated (type, range, choices) before init()
 * runs, so init() can read them without checking them again. */
#ifndef SP_STAGE_H
#define SP_STAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_frame.h"
#include "sp_kernels.h"
#include "sp_poolmgr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_stage sp_stage;

typedef enum sp_prop_type {
    SP_PROP_INT = 0, /**< 64-bit integer; min/max apply */
    SP_PROP_FLOAT,   /**< double; min/max apply; "1/255" accepted */
    SP_PROP_BOOL,    /**< true/false/1/0/yes/no/on/off */
    SP_PROP_STRING,  /**< any text (paths ...) */
    SP_PROP_ENUM,    /**< one of choices "a|b|c" */
    SP_PROP_RANGE,   /**< "lo:hi" pair of doubles, lo <= hi; min/max apply */
    SP_PROP_FLOATS,  /**< "a,b,c" list of 1..SP_PROP_MAX_FLOATS doubles */
    SP_PROP_TIME     /**< a duration: a bare number in the spec's unit, or
                          a number with a unit (ns, us, ms, s, min, h:
                          "50ms", "0.05s"), converted to the spec's unit;
                          min/max apply in that unit */
} sp_prop_type;

#define SP_PROP_MAX_FLOATS 8

/** A property a stage class declares. */
typedef struct sp_prop_spec {
    const char *name;
    sp_prop_type type;
    const char *def;     /**< default as text; NULL = no default (required
                              unless optional is set) */
    double min, max;     /**< allowed range when min < max; for
                              SP_PROP_STRING, max is the longest text in
                              bytes */
    const char *choices; /**< SP_PROP_ENUM: "bilinear|ea"; SP_PROP_TIME:
                              the unit of a bare number and of the value,
                              min and max ("s", "ms", "us" or "ns"; NULL:
                              "s"); SP_PROP_FLOATS: how many numbers may be
                              given ("1|3"; NULL: 1 to
                              SP_PROP_MAX_FLOATS); SP_PROP_INT, FLOAT,
                              RANGE: "auto" when the word is accepted too
                              (the value's is_auto; the stage decides) */
    const char *help;    /**< one line */
    int optional;        /**< 1: may be left unset with no default */
} sp_prop_spec;

/** A parsed property value. */
typedef struct sp_prop_value {
    int set;       /**< 1 when given or defaulted */
    int64_t i;     /**< INT, BOOL (0/1), ENUM (index into choices) */
    double f;      /**< FLOAT; TIME, in the spec's unit */
    double lo, hi; /**< RANGE */
    double v[SP_PROP_MAX_FLOATS]; /**< FLOATS */
    int nv;                       /**< FLOATS: how many */
    const char *s; /**< the text as given (all types); owned by stage */
    int is_auto;   /**< "auto" given where the spec's choices allow it */
} sp_prop_value;

/** A stage class: registered once, instantiated per launch-string element. */
typedef struct sp_stage_class {
    const char *name;        /**< "voxel" */
    const char *description; /**< one line */
    const sp_prop_spec *props;
    size_t nprops;
    size_t priv_size; /**< zeroed private state, see sp_stage_priv() */
    int is_source;    /**< 1: has no upstream */
    int is_sink;      /**< 1: consumes frames; pull() returns the frame
                           it consumed (already written) or SP_EOS */
    /** What it takes in, for `sensorpipe stages NAME` (every class says,
     *  tests/test_stage_classes.c checks): the payloads it works on, in the
     *  words points, image, tensor ("points", "image (Bayer 8/16-bit)");
     *  frames of other payloads pass through a filter untouched. A source:
     *  what it reads ("a KITTI drive folder or object set"). */
    const char *takes;
    /** What it gives out: the payload and its format, and the streams it
     *  creates ("tensor (C, H, W) float32 on stream bev"); a sink: the
     *  files it writes ("files DIR/<stream>/<name>.npy"). */
    const char *gives;
    /** Called once, after properties are validated, before the first pull.
     *  May allocate (warm-up); must not read input or compute frames. For a
     *  sink, an unwritable output is an error here, before the first frame. */
    int (*init)(sp_stage *st);
    /** Produce the next frame. */
    int (*pull)(sp_stage *st, sp_frame **out);
    /** A source's length: the frames it will give in all, after its own
     *  selection (start=, count=, step=), for progress and an ETA; frames
     *  skipped for bad input (on_error=skip) are among them. SP_OK with
     *  *frames set, or SP_EUNSUPPORTED when it cannot know. NULL: unknown.
     *  Called after init() from the thread that drives the pipeline, maybe
     *  while pull() runs on a queue's: it reads only what init() set. */
    int (*length)(sp_stage *st, uint64_t *frames);
    /** Release everything init() and pull() acquired. May be NULL. Runs
     *  once for every stage whose init() was called, also when init()
     *  failed: it must cope with a partial init (the private state is
     *  zeroed before init(), so NULL handles mean "not acquired"), and
     *  init() must not release on failure what fini() releases again. */
    void (*fini)(sp_stage *st);
} sp_stage_class;

/** Register a class (the pointer is borrowed for the life of the process).
 *  SP_EBUSY if the name is taken by a class of the same role (source, or
 *  filter/sink). Built-in classes are registered
 *  automatically on first use of the registry. */
int sp_stage_class_register(const sp_stage_class *cls);

/** Look a class up by name; NULL (with close matches in sp_errmsg()) if
 *  unknown. */
const sp_stage_class *sp_stage_class_find(const char *name);

/** Look a class up by name and role: @p source 1 wants the source of that
 *  name, 0 the filter or sink, -1 either (the first registered). One name
 *  may have one class of each role (`pcd` reads and writes PCD); when only
 *  the other role exists, that class is returned, so the caller can say why
 *  it does not fit. NULL as sp_stage_class_find(). */
const sp_stage_class *sp_stage_class_find_role(const char *name, int source);

/** Number of registered classes, and class @p i in name order (a source
 *  before a filter or sink of the same name). */
size_t sp_stage_class_count(void);
const sp_stage_class *sp_stage_class_at(size_t i);

/** What @p spec accepts, in words, for listings and messages: "an integer
 *  in 0..100", "one of a, b, c", ... (snprintf into buf; cap >= 1). */
void sp_prop_describe_allowed(const sp_prop_spec *spec, char *buf, size_t cap);

/** The name of a property type: "int", "float", "bool", "string", "enum",
 *  "range", "floats"; "?" for a value outside the enum. */
const char *sp_prop_type_name(sp_prop_type t);

/** Writes "did you mean 'x' or 'y'?" for the candidates closest to @p word
 *  (by edit distance, or @p word a prefix of them) into buf ("" when none
 *  is close; cap >= 1). The n candidates come from @p at(i, ctx). The
 *  registry and the launch-string checks use it for stage and property
 *  names; a program can for its own names (the CLI's commands). */
void sp_suggest(const char *word, size_t n,
                const char *(*at)(size_t i, const void *ctx), const void *ctx,
                char *buf, size_t cap);

/* ---- for stage implementations ---- */

/** The stage's zero-initialised private state (priv_size bytes). */
void *sp_stage_priv(sp_stage *st);

/** Pull the next frame from upstream (timed for the stats). */
int sp_stage_pull_upstream(sp_stage *st, sp_frame **out);

/** The pool manager frames come from. */
sp_poolmgr *sp_stage_poolmgr(sp_stage *st);

/** The stage's kernel context (created on first call with the pipeline's
 *  back-end); NULL with sp_errmsg() set if it cannot be created. */
sp_kctx *sp_stage_kctx(sp_stage *st);

/** Create the stage's kernel context now, from a stage's init, so that a
 *  failure is the init's with its own status (SP_ENOMEM, SP_EUNSUPPORTED
 *  for a back-end this machine lacks, ...); 0 when it is there. */
int sp_stage_kctx_ready(sp_stage *st);

/** Instance name, e.g. "voxel" or "voxel#2" when repeated. */
const char *sp_stage_name(const sp_stage *st);

/** A property's value by name (always non-NULL for a declared property;
 *  check ->set for optional ones). */
const sp_prop_value *sp_stage_prop(const sp_stage *st, const char *name);
int64_t sp_stage_prop_int(const sp_stage *st, const char *name);
/** FLOAT and TIME (a time in its spec's unit). */
double sp_stage_prop_float(const sp_stage *st, const char *name);
int sp_stage_prop_bool(const sp_stage *st, const char *name);
const char *sp_stage_prop_str(const sp_stage *st, const char *name);

/** Raise an error from a stage: sets "stage 'NAME': <message>" and returns
 *  status. */
int sp_stage_fail(sp_stage *st, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Leave a note for the user about this run: what was skipped, dropped,
 *  guessed or finished early. Kept by the pipeline as "stage 'NAME': TEXT"
 *  (a note left again is counted, not repeated); the CLI prints them after
 *  the run. Any thread; allocates nothing. */
void sp_stage_note(sp_stage *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Count a frame skipped because of bad input (on_error=skip); shows in the
 *  stats. */
void sp_stage_count_skipped(sp_stage *st);

#ifdef __cplusplus
}
#endif
#endif
