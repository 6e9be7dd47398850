/* Internal to pipeline/stages/: pairing a frame with the frame of another
 * sensor from the same sample — `project` pairs a sweep with its camera
 * image (for the image's size and calibration), `overlay` an image with
 * its sweep. The pairing sits between a filter stage and its upstream
 * (sp__filter_ops.upstream), so the stage keeps the filter's shape.
 *
 * The rule: a frame the stage works on (a "primary": the stage's payload,
 * in its streams= list) is paired with the "partner" frame (the other
 * payload, in the partner list) nearest to it in time, among the last
 * partner before it and the first one after it, if that is at most sync_ns
 * away; on equal distance the partner with the same seq (the sources that
 * number their sensors' frames together — kitti, synth — give a sample's
 * frames the same seq) wins, then the earlier one. No partner that near:
 * the primary is handed on without one (sp__pair_partner() is NULL).
 *
 * So a primary waits until the first partner after it arrives, a frame
 * more than sync_ns after it arrives, or the stream ends, and frames that
 * arrive meanwhile are handed on first: the stage's output may come after
 * frames that followed its input. At most SP__PAIR_HELD primaries wait
 * (the oldest is paired with what is there when another arrives), so a
 * source whose frames all carry the same time still flows. Partner frames
 * are handed on untouched; the pairing keeps a reference to the last one
 * (and to the partner of the frame last handed out) until it is replaced.
 * Frames arrive in time order from every source but `bag order=file`;
 * out of order, a primary may find no partner, never a wrong sample
 * outside the window. */
#ifndef SP_PAIR_INT_H
#define SP_PAIR_INT_H

#include <stdint.h>

#include "sp_stage.h"

#define SP__PAIR_HELD 4
#define SP__PAIR_OUT (2 * SP__PAIR_HELD + 2)

typedef struct sp__pair_item {
    sp_frame *f;       /* the frame to hand on (one reference) */
    sp_frame *partner; /* its partner (one reference) or NULL */
} sp__pair_item;

typedef struct sp__pair {
    /* Set by the stage before the first pull. */
    int64_t sync_ns;             /* the window: |t - t'| <= sync_ns */
    sp_payload primary_payload;  /* what the stage works on ... */
    const char *primary_streams; /* ... in these streams ("" = all) */
    sp_payload partner_payload;  /* what it pairs them with ... */
    const char *partner_streams; /* ... in these streams ("" = all) */
    /* State. */
    sp_frame *prev; /* the latest partner seen (one reference) */
    sp__pair_item held[SP__PAIR_HELD];
    int nheld;
    sp__pair_item out[SP__PAIR_OUT];
    int out_head, nout;
    sp_frame *current; /* partner of the frame last handed out */
    int eos;
} sp__pair;

/* The next frame from upstream in pairing order, for a filter's
 * ops->upstream (one reference to *out). SP_OK, SP_EOS, or upstream's
 * error. */
int sp__pair_next(sp_stage *st, sp__pair *pr, sp_frame **out);

/* The partner of the frame sp__pair_next() handed out last (borrowed,
 * valid until the next call), or NULL. */
const sp_frame *sp__pair_partner(const sp__pair *pr);

/* Drop every reference (a stage's fini()). */
void sp__pair_clear(sp__pair *pr);

#endif
