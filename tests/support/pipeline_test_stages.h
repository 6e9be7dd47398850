/* Test-only stage classes for the pipeline suites (no files, no kernels):
 *
 *   tsrc  frames=N points=N kind=lidar|camera|mixed fail_at=K dist_model=M
 *         a source counting its reads; frame i has seq i and x[j] = i + j;
 *         fail_at=K fails the pull of frame K with
 *         "injected failure at frame K"; dist_model=M (0..2) attaches a
 *         16x8 calibration with that distortion model to camera frames.
 *   tpass add=F    a filter for lidar frames: a new points frame from the
 *                  pool with x + add, the input released; camera frames pass
 *                  untouched. kctx=true asks for its kernel context.
 *   tsink fail_at=K  a sink that checks and returns each frame.
 */
#ifndef PIPELINE_TEST_STAGES_H
#define PIPELINE_TEST_STAGES_H

#include <stdint.h>

#include "sp_pipeline.h"
#include "sp_stage.h"

/* Registers the three classes once per process (later calls do nothing). */
void pt_register(void);

/* Counters since the last pt_reset(). */
typedef struct pt_counts {
    uint64_t src_reads;    /* frames tsrc produced */
    uint64_t pass_work;    /* lidar frames tpass transformed */
    uint64_t pass_through; /* frames tpass handed on untouched */
    uint64_t sink_frames;  /* frames tsink consumed */
    uint64_t sink_bad;     /* frames tsink found inconsistent */
    int kctx_backend;      /* back-end of tpass's kctx, -1 if none */
} pt_counts;

void pt_reset(void);
pt_counts pt_get(void);

/* Sum of in-use blocks over every pool of the manager. */
uint64_t pt_blocks_in_use(const sp_poolmgr *mgr);

#endif
