/* sensorpipe: project lidar points into a camera as a sparse depth image.
 *
 * With P (3x4, rectified projection of the camera), R0 (3x3 rectifying
 * rotation, identity when absent) and Tr (3x4 lidar-to-camera transform) —
 * KITTI: P2 * R0_rect * Tr_velo_to_cam — the matrix M = P * [R0|0] * [Tr]
 * and the depth row D = third row of [R0|0] * [Tr] are formed in double and
 * rounded to float32 once. A point X = (x, y, z, 1) has depth d = D.X (its z
 * in the rectified camera frame, metres) and pixel
 *   u = (M0.X) / (M2.X),  v = (M1.X) / (M2.X),  col = (int)u, row = (int)v,
 * every dot product summed left to right in float32.
 *
 * Output: a float32 tensor (height, width) in C order; each pixel holds the
 * depth of the NEAREST point landing in it, and 0 where none does (the
 * KITTI depth-map convention: 0 = no measurement). Points with
 * d <= min_depth (behind or at the camera; default 1e-3 m), with M2.X <= 0,
 * outside the image or NaN/Inf are dropped.
 *
 * Back-ends: scalar, SIMD (transform vectorised, scatter scalar) and OpenCL
 * (atomic_min on the depth's bits: positive floats order like their bit
 * patterns); all bit-exact, since only the depth value is written. The
 * OpenCL pixel needs the device's float divide to be correctly rounded (as
 * on PoCL's CPU device); a GPU may be 2.5 ulp off, which could move a point
 * within an ulp of a pixel edge to the neighbouring pixel.
 *
 * Only x, y and z are read; intensity, ring, time and extra channels
 * (sp_points.h) do not enter the depth image. The `project` stage's
 * points=true hands the input frame itself on, every field included. */
#ifndef SP_PROJECT_H
#define SP_PROJECT_H

#include <stddef.h>

#include "sp_calib_data.h"
#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_project_params {
    const double *P;   /**< 3x4 row-major; required */
    const double *R0;  /**< 3x3 row-major; NULL = identity */
    const double *Tr;  /**< 3x4 row-major lidar->camera; NULL = identity */
    int width, height; /**< camera frame size, > 0 */
    double min_depth;  /**< 0 = 1e-3 m */
} sp_project_params;

/** Fill @p params from a calibration: P = P[cal->camera] (camera 2 when the
 *  index is out of range), R0 and Tr when present; width/height from the
 *  calibration when it has them (else left as they are). The pointers
 *  borrow @p cal. SP_EINVAL when the calibration has no P or no lidar to
 *  camera transform, naming cal->source. */
int sp_project_params_from_calib(const sp_calib *cal,
                                 sp_project_params *params);

/** The output shape {height, width}; SP_EINVAL for sizes <= 0 or above
 *  32768. */
int sp_project_shape(const sp_project_params *params, size_t shape[2]);

/** Project @p in into @p out, a float32 tensor (height, width) owned by the
 *  caller; every element is written. Borrows everything. Returns SP_OK,
 *  SP_EINVAL (no P, bad shape, non-finite matrix), SP_ENOMEM, SP_ECL. One
 *  thread per @p k at a time. */
int sp_project_depth(sp_kctx *k, const sp_project_params *params,
                     const sp_points *in, sp_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
