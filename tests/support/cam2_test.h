/* Test helpers for the camera kernel suites (resize, normalize, undistort):
 * heap images with padded strides and canaries, random content, one kernel
 * context per back-end, and a bridge to Debian's OpenCV through
 * /usr/bin/python3 for cross-checks that skip when cv2 is missing. */
#ifndef CAM2_TEST_H
#define CAM2_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_kernels.h"

#define CAM2_CANARY 0xA5

/* An image over malloc'd memory: stride = row bytes + pad (pad bytes of
 * every row and 64 bytes after the last row hold CAM2_CANARY). */
int cam2_image_alloc(sp_image *img, uint32_t w, uint32_t h, sp_pixfmt fmt,
                     size_t pad);
void cam2_image_free(sp_image *img);

/* Row bytes of an image. */
size_t cam2_row_bytes(const sp_image *img);

/* 1 when every padding byte still holds CAM2_CANARY. */
int cam2_canaries_ok(const sp_image *img);

/* Deterministic random content (bytes, or floats in [-2, 300) for F32). */
void cam2_fill_random(sp_image *img, uint32_t seed);

/* Number of row elements (bytes, or floats for F32) differing between a
 * and b by more than tol; the largest difference in *maxdiff. */
size_t cam2_compare(const sp_image *a, const sp_image *b, double tol,
                    double *maxdiff);

/* A context for back-end b. Returns SP_OK, or a negative status when the
 * back-end is not available here (OpenCL without a device): the caller
 * skips then. SIMD without a SIMD level is reported as unavailable too. */
int cam2_kctx(sp_backend b, sp_kctx **out);

/* Sets SP_SIMD=level for the contexts created until cam2_simd_restore(),
 * so a suite compares a lower level too (SSE4.1 on an AVX2 machine).
 * Returns 0 when a context created now runs that level, else -1 (the CPU
 * lacks it; SP_SIMD is restored already). */
int cam2_simd_force(const char *level);

/* Puts SP_SIMD back as it was before cam2_simd_force(); shaped as a cmocka
 * teardown so that a failing or skipped test restores it too. */
int cam2_simd_restore(void **state);

/* 1 when /usr/bin/python3 can import cv2 and numpy (checked once). */
int cam2_have_cv2(void);

/* A scratch directory for this test ($SP_TEST_TMP or /tmp), created. */
const char *cam2_tmpdir(void);

/* Writes an image's rows (no padding) to path; reads rows back into img
 * (sizes must match the file). 0 on success. */
int cam2_write_rows(const char *path, const sp_image *img);
int cam2_read_rows(const char *path, sp_image *img);

/* Runs a Python script (text) with /usr/bin/python3; returns its exit
 * status (0 = success). */
int cam2_run_python(const char *script);

/* Creates the pipeline `launch` (AUTO back-end unless b says otherwise)
 * and pulls up to max frames into frames[] (the caller unrefs them before
 * destroying *pl). Returns the number pulled (>= 0) when the stream ended
 * or max was reached, or the negative status of the failing create/pull
 * (then *pl may be NULL). */
struct sp_pipeline;
struct sp_frame;
int cam2_pipeline_frames(const char *launch, sp_backend b,
                         struct sp_frame **frames, int max,
                         struct sp_pipeline **pl);
void cam2_frames_release(struct sp_frame **frames, int n);

#endif
