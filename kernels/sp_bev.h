/* sensorpipe: bird's-eye-view raster of a point cloud for detectors.
 *
 * The raster is a float32 tensor (3, H, W) in C order:
 *   channel 0  maximum height in the cell, (z - zmin) / (zmax - zmin),
 *              clamped to [0, 1];
 *   channel 1  mean intensity of the cell's points;
 *   channel 2  density min(1, ln(n + 1) / ln(64)) for n points in the cell;
 * and 0 in all three channels for an empty cell.
 *
 * Orientation (as in common detector code, e.g. PIXOR/Complex-YOLO): row i
 * holds x in [xmin + i*res, xmin + (i+1)*res), so row 0 is nearest the
 * sensor and x grows DOWN the rows; column j holds y in
 * [ymin + j*res, ymin + (j+1)*res), so y grows to the right (column 0 is the
 * sensor's right side, -y). Cell indices are computed in float32 as
 * (int)((x - xmin) * (1/res)) with xmin and 1/res rounded to float once
 * (a multiply, not a divide, because OpenCL's divide is not exact); a point
 * belongs to the raster when 0 <= that value < H (likewise for y and W) and
 * zmin <= z <= zmax. Points outside, and NaN/Inf points, are ignored.
 *
 * H = ceil((xmax - xmin) / res) and W = ceil((ymax - ymin) / res), where a
 * quotient within 1e-6 of an integer counts as that integer (70/0.1 is 700
 * cells, not 701).
 *
 * Back-ends: scalar (reference), SIMD (SSE4.1/AVX2/NEON: cell indices and
 * heights vectorised, scatter in point order) and OpenCL (atomic scatter).
 * Channels 0 and 2 are bit-exact on every back-end; channel 1 is bit-exact
 * on SIMD and within 1e-5 * max(1, |value|) on OpenCL, whose atomic sums
 * add in a different order.
 *
 * Only x, y, z and intensity are read: a cloud's ring, time and extra
 * channels (sp_points.h) are not used by any channel of the raster. */
#ifndef SP_BEV_H
#define SP_BEV_H

#include <stddef.h>

#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** BEV parameters; zero fields take the defaults x=0:70 y=-40:40 res=0.1
 *  z=-2.5:1 (a range is defaulted when both its ends are zero). */
typedef struct sp_bev_params {
    double xmin, xmax;
    double ymin, ymax;
    double zmin, zmax; /**< height range for normalising channel 0 */
    double res;        /**< cell size in metres */
} sp_bev_params;

/** Largest raster accepted (cells per channel), so that cell indices fit in
 *  32 bits and a typo (res=0.0001) fails instead of asking for gigabytes. */
#define SP_BEV_MAX_CELLS (1u << 26)

/** The output shape {3, H, W} for @p params (NULL = defaults).
 *  SP_EINVAL (naming the field) for an empty or inverted range, res <= 0 or
 *  a raster over SP_BEV_MAX_CELLS cells. */
int sp_bev_shape(const sp_bev_params *params, size_t shape[3]);

/** Rasterise @p in into @p out, a float32 tensor of sp_bev_shape() that the
 *  caller owns (a pool block); every element is written.
 *  @p k borrowed; @p params borrowed (NULL = defaults); @p in borrowed.
 *  Returns SP_OK; SP_EINVAL for a bad shape/dtype or parameters (message
 *  names both shapes); SP_ENOMEM when scratch cannot grow; SP_ECL with the
 *  call and error name on an OpenCL failure. Thread-safety: one thread per
 *  @p k at a time. */
int sp_bev_rasterize(sp_kctx *k, const sp_bev_params *params,
                     const sp_points *in, sp_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
