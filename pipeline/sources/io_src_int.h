/* Internal to the file sources in pipeline/sources/ (kitti, pcd, bin, raw,
 * pngs; bag for the properties and frame creation): the shared on_error and
 * max_frame_mb properties, frame timing, the pull loop over a source's
 * items, frames created under the size limit and the metadata of a frame
 * read from one. */
#ifndef SP_IO_SRC_INT_H
#define SP_IO_SRC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_stage.h"

/* Every file source declares this property. */
#define SP__ON_ERROR_PROP                                                      \
    {                                                                          \
        .name = "on_error", .type = SP_PROP_ENUM, .def = "stop",               \
        .choices = "stop|skip",                                                \
        .help = "bad input: stop with its message, or skip the frame and "     \
                "count it in the stats"                                        \
    }

/* Every file source (and `bag`) declares this property too: the largest
 * frame one input may make the source reserve. */
#define SP__MAX_FRAME_DEFAULT_MB 512
#define SP__MAX_FRAME_PROP                                                     \
    {                                                                          \
        .name = "max_frame_mb", .type = SP_PROP_INT, .def = "512", .min = 1,   \
        .max = 1 << 20,                                                        \
        .help = "largest frame one input may ask for, in MiB: a bigger "       \
                "claim (a header's width x height, a point count) is refused " \
                "before any memory is reserved"                                \
    }

/* Every file source (kitti, pcd, bin, raw, pngs) takes start=, count= and
 * step=: which of its items (files; raw: frames) it reads. */
#define SP__RANGE_PROPS                                                        \
    {.name = "start",                                                          \
     .type = SP_PROP_INT,                                                      \
     .def = "0",                                                               \
     .min = 0,                                                                 \
     .max = 1e12,                                                              \
     .help = "first frame to read (0-based; files in name order)"},            \
        {.name = "count",                                                      \
         .type = SP_PROP_INT,                                                  \
         .def = "0",                                                           \
         .min = 0,                                                             \
         .max = 1e12,                                                          \
         .help = "frames to read; 0 = to the end"},                            \
    {                                                                          \
        .name = "step", .type = SP_PROP_INT, .def = "1", .min = 1, .max = 1e9, \
        .help = "take every step-th frame"                                     \
    }

/* The items start=, count=, step= pick: item k of the selection is item
 * first + k * step of the input, for k < count. */
typedef struct sp__src_range {
    size_t first, step, count;
} sp__src_range;

/* The selection of the stage's start=, count=, step= from @p total items
 * of @p path. SP_ERANGE when start= is past the last item (naming how many
 * there are). */
int sp__src_range_init(sp_stage *st, size_t total, const char *path,
                       sp__src_range *r);

/* 1 when @p rc means "this frame's input is bad" (a skip candidate), 0 for
 * failures that are not the file's fault (memory, budget, timeouts, bugs). */
int sp__src_is_bad_input(int rc);

/* After a frame failed with @p rc: with on_error=skip and bad input, count
 * the skip and return 1 (try the next frame); else return 0 (fail). */
int sp__src_skip(sp_stage *st, int rc);

/* Times of @p n frames listed from @p path: DIR/timestamps.txt when @p path
 * is a folder holding one (at least @p n times), else index x 100 ms.
 * *out is malloc'ed (free() it); *from_file says which. */
int sp__src_times(const char *path, size_t n, int64_t **out, int *from_file);

/* Reads item @p i of the stage's input into a new frame (*out, set only on
 * success); a failure releases what it acquired. */
typedef int (*sp__src_read_fn)(sp_stage *st, size_t i, sp_frame **out);

/* The pull() of a source whose items 0..count-1 are read in order: reads
 * item *next (and advances it); a bad item under on_error=skip is counted
 * and the next one read instead. Returns read()'s status, or SP_EOS after
 * the last item. */
int sp__src_pull(sp_stage *st, size_t *next, size_t count, sp__src_read_fn read,
                 sp_frame **out);

/* sp__src_pull() over a selection: *next counts selected items, read()
 * gets the input's item index. */
int sp__src_pull_range(sp_stage *st, size_t *next, const sp__src_range *r,
                       sp__src_read_fn read, sp_frame **out);

/* Check that a frame whose pool block needs @p bytes (0: more than memory
 * holds) is within the stage's max_frame_mb. SP_ERANGE (bad input, so
 * on_error=skip skips it) naming @p origin, @p what ("a 30000x30000 rgb8
 * image") and both sizes. */
int sp__src_frame_check(sp_stage *st, uint64_t bytes, const char *origin,
                        const char *what);

/* sp_frame_create_points() / _image() from the stage's pool manager, after
 * sp__src_frame_check(): a frame the input claims is checked against
 * max_frame_mb before anything is reserved. A failure to create it (the
 * pool budget, memory) reads "frame SEQ (ORIGIN): ..." (sp__src_frame_fail;
 * @p seq SP__SRC_NO_SEQ: "ORIGIN: ...", for a caller that adds its own
 * context). */
#define SP__SRC_NO_SEQ UINT64_MAX
/* As sp__src_frame_points(), laid out as @p layout (extras, stored
 * record). */
int sp__src_frame_points_layout(sp_stage *st, uint64_t seq, size_t n,
                                const sp_points_layout *layout,
                                const char *origin, sp_frame **out);
int sp__src_frame_points(sp_stage *st, uint64_t seq, size_t n, unsigned fields,
                         const char *origin, sp_frame **out);
int sp__src_frame_image(sp_stage *st, uint64_t seq, uint32_t width,
                        uint32_t height, sp_pixfmt fmt, const char *origin,
                        sp_frame **out);
/* A frame for the file @p path could not be created (the pool budget,
 * memory): adds "frame SEQ (PATH): " to the message, so the refusal names
 * what was being read. Returns rc. */
int sp__src_frame_fail(int rc, uint64_t seq, const char *path);

/* Metadata of a frame a one-stream file source read: seq from *seq (then
 * advanced), time @p t, stream from the stage's stream= property, no
 * calibration, origin @p origin (borrowed from the reader). Sensor and
 * payload are the ones sp_frame_create_*() set. */
void sp__src_stamp(sp_stage *st, sp_frame *f, uint64_t *seq, int64_t t,
                   const char *origin);

#endif
