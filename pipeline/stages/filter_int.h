/* Internal to the filter stages in pipeline/stages/: the one pull() shape
 * they share. A filter stage says which payload it works on, how big its
 * output frame is (prepare) and how to fill it (run); sp__filter_pull() does
 * the rest the same way for every stage:
 *
 *   pull upstream -> frames of another payload, or of a stream not in the
 *   stage's streams= list, pass through untouched ->
 *   prepare (may pass the frame through) -> create the output frame from
 *   the pool manager -> copy metadata -> run -> release (or keep) the
 *   input -> hand out the output.
 *
 * On any failure both frames are released and the error reads
 * "stage 'NAME': frame N: <message>", N being the input's seq saved before
 * anything is released (a released frame's block may already belong to
 * another thread). A callback that words the frame itself (with origin or
 * other detail) fails through sp_stage_fail(); its message is kept as is. */
#ifndef SP_FILTER_INT_H
#define SP_FILTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_stage.h"

/* Every filter stage declares this property: which streams it applies to.
 * Frames of other streams pass through untouched, like frames of another
 * payload. */
#define SP__STREAMS_PROP                                                       \
    {                                                                          \
        .name = "streams", .type = SP_PROP_STRING, .def = "",                  \
        .help = "comma list of the streams it applies to (a trailing '*' "     \
                "matches a prefix); empty: every stream of its kind"           \
    }

/* 1 when stream @p name is in the comma list @p list (an item ending in
 * '*' matches a prefix); an empty or NULL list matches every stream. */
int sp__stream_in_list(const char *list, const char *name);

/* 1 when filter @p st works on frame @p in: of @p payload and of a stream
 * its streams= takes. Counts what streams= lets by, so that a list naming
 * no stream that came is said at close instead of changing nothing
 * without a word. */
int sp__filter_wants(sp_stage *st, const sp_frame *in, sp_payload payload);

/* The output frame a stage asks for; prepare() fills it. */
typedef struct sp__filter_out {
    int pass;               /* 1: hand the input on untouched, no output */
    sp_payload payload;     /* which frame to create */
    size_t capacity;        /* POINTS: room for this many points ... */
    unsigned fields;        /* ... with these optional fields, or ... */
    const sp_points *like;  /* ... laid out like this cloud (fields and
                               extras; borrowed, must outlive the pull);
                               NULL: `fields` alone */
    uint32_t width, height; /* IMAGE: size (default stride) ... */
    sp_pixfmt format;       /* ... and pixel format */
    sp_dtype dtype;         /* TENSOR: element type, ... */
    int ndim;               /* ... dimensions ... */
    size_t shape[SP_TENSOR_MAX_DIMS]; /* ... and shape */
} sp__filter_out;

/* What a filter stage does with one frame. Static and const per class. */
typedef struct sp__filter_ops {
    sp_payload input; /* frames of any other payload pass through */
    /* Output stream name ("bev"); NULL keeps the input's. A tensor output
     * is also marked SP_SENSOR_TENSOR; other outputs keep the input's
     * sensor. */
    const char *stream;
    /* Decide on @p in and size the output in @p o (zeroed on entry).
     * SP_OK, or a negative error with sp_errmsg() set. */
    int (*prepare)(sp_stage *st, const sp_frame *in, sp__filter_out *o);
    /* Fill @p res (created as prepare() asked, metadata copied) from
     * @p in. SP_OK, or a negative error with sp_errmsg() set. */
    int (*run)(sp_stage *st, const sp_frame *in, sp_frame *res);
    /* Where input frames come from; NULL = sp_stage_pull_upstream(). A
     * stage that pairs frames of two sensors puts its pairing here
     * (pair_int.h). */
    int (*upstream)(sp_stage *st, sp_frame **out);
} sp__filter_ops;

/* A stage's pull(): the next frame through @p ops into *out (NULL on
 * entry). @p keep, when non-NULL, makes the stage hand on its input after
 * its output (points=true of the lidar rasters): a frame held in *keep is
 * handed out first, without pulling, and an input that produced an output
 * is stored there instead of being released. Returns SP_OK, the upstream's
 * SP_EOS or error, or the stage's error as described above. */
int sp__filter_pull(sp_stage *st, const sp__filter_ops *ops, sp_frame **keep,
                    sp_frame **out);

/* A prepare() for point filters whose output has at most as many points as
 * the input, laid out like it: the same optional fields and extra channels
 * (crop, voxel, ground). */
int sp__filter_like_points(sp_stage *st, const sp_frame *in, sp__filter_out *o);

/* Asks for a float32 tensor of @p ndim (1..4) dimensions @p shape (copied):
 * the output of the lidar rasters. Returns SP_OK. */
int sp__filter_f32_tensor(sp__filter_out *o, int ndim, const size_t *shape);

#endif
