/* sensorpipe: spherical projection of a sweep into a range image.
 *
 * Output: a float32 tensor (5, rows, cols) in C order: range, x, y, z,
 * intensity of the point that wins each pixel; -1 in all five planes where
 * no point lands. The nearest point wins; on equal range the point with the
 * lower index wins, so every back-end produces the same image.
 *
 * Convention (RangeNet++'s projection): with yaw = atan2(y, x) and
 * pitch = atan2(z, sqrt(x^2 + y^2)),
 *   col = (int)((0.5 - yaw * (1 / (2 pi))) * cols) in float32, clamped to
 *         [0, cols - 1]:
 *         column cols/2 faces +x, the sensor's left (+y) is to the LEFT of
 *         it (lower columns), the right (-y) to the right, and -x sits at
 *         both edges (column 0);
 *   row = (int)((fov_up - pitch) * (rows / (fov_up - fov_down))) in
 *         float32 (the angles in radians, the scale rounded to float once):
 *         row 0 is the top beam (fov_up).
 * Unlike RangeNet++, points outside the vertical field of view are dropped,
 * not clamped to the first/last row; so are points at range 0 and NaN/Inf.
 * atan2 here is the documented polynomial of kernels/lidar_int.h (|error|
 * <= 1e-5 rad, far under a pixel) and every step is float32, so SIMD and
 * OpenCL pick the same pixel and the same winner as the scalar reference.
 * A point at (10, 0, 0) with the defaults lands in column 1024, row 4
 * (2 deg below the top of 26.8 deg over 64 rows), range 10.
 *
 * Back-ends: scalar, SIMD (projection vectorised, scatter in point order;
 * bit-exact) and OpenCL (three passes with 32-bit atomic_min: nearest range,
 * then lowest index among equals, then fill; pixels and winners exact, the
 * range plane within 1 ulp where the device's sqrt is not correctly
 * rounded). The pixel needs the device's float divide and sqrt to be
 * correctly rounded, as they are on PoCL's CPU device and every x86/ARM
 * CPU; OpenCL allows a GPU 2.5-3 ulp there, which could move a point lying
 * within an ulp of a pixel edge to the neighbouring pixel.
 *
 * Only x, y, z and intensity are read: ring, time and a cloud's extra
 * channels (sp_points.h) have no plane in the image. */
#ifndef SP_RANGE_H
#define SP_RANGE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The defaults: KITTI's HDL-64E, 64 beams over -24.8..2 degrees. */
#define SP_RANGE_DEFAULT_ROWS 64
#define SP_RANGE_DEFAULT_COLS 2048
#define SP_RANGE_DEFAULT_FOV_DOWN (-24.8)
#define SP_RANGE_DEFAULT_FOV_UP 2.0

/** Range-image parameters; zero = defaults rows=64 cols=2048
 *  fov=-24.8:2 (degrees; defaulted when both are zero). */
typedef struct sp_range_params {
    int rows, cols;
    double fov_down, fov_up; /**< degrees, fov_down < fov_up */
} sp_range_params;

#define SP_RANGE_MAX_PIXELS (1u << 26)

/** The output shape {5, rows, cols}. SP_EINVAL (naming the field) for
 *  negative sizes, fov_down >= fov_up, a field of view outside [-90, 90]
 *  degrees or more than SP_RANGE_MAX_PIXELS pixels. */
int sp_range_shape(const sp_range_params *params, size_t shape[3]);

/** The columns that follow the sensor (`cols=auto`): one per firing of a
 *  beam over a full turn, from the median azimuth step between consecutive
 *  points of one beam in @p in (of one ring when the points have rings,
 *  else consecutive points, so a sweep in firing order), counting steps of
 *  0.0005 to 2 degrees, refined by the mean of the steps within 0.001
 *  degree of the median: *cols = round(360 / step), *step_deg = step. With
 *  one column per firing and the firings centred in their columns, no
 *  column of a beam stays empty (a fixed 2048 over 1800 firings leaves an
 *  empty stripe every 8 columns). Borrows @p in. Returns SP_OK;
 *  SP_ENOTFOUND when fewer than 64 steps qualify (an unordered cloud), with
 *  the count in the message; SP_ERANGE for a step giving no column count
 *  in 1..65536; SP_EINVAL for bad points. */
int sp_range_auto_cols(const sp_points *in, int *cols, double *step_deg);

/** Project @p in into @p out, a float32 tensor of sp_range_shape() owned by
 *  the caller; every element is written. Borrows everything. Returns SP_OK,
 *  SP_EINVAL (bad shape, parameters, more than 2^31-1 points), SP_ENOMEM,
 *  SP_ECL. One thread per @p k at a time. */
int sp_range_project(sp_kctx *k, const sp_range_params *params,
                     const sp_points *in, sp_tensor *out);

/** sp_range_project() in two steps, for one cloud split across threads
 *  with the same result, bit for bit. First each thread classifies a slice
 *  of the points: sp_range_cells() writes, for each point i in [@p i0,
 *  @p i1), its pixel (row * cols + col, -1 when dropped) into @p pix[i] and
 *  its range into @p r[i] (arrays of the cloud's count, caller-owned).
 *  Then, once every point is classified, each thread fills a band of image
 *  rows: sp_range_rows() writes every element of rows [@p r0, @p r1) of
 *  @p out (all five channels) from the points of those rows offered in
 *  input order, so the same point wins each pixel as in
 *  sp_range_project(); other rows are untouched. All borrowed;
 *  sp_range_cells() runs on @p k's CPU back-end (one thread per @p k at a
 *  time), sp_range_rows() on the calling thread alone. Returns SP_OK; SP_EINVAL
 * for a NULL argument, bad parameters or tensor, or a range outside the cloud
 * or the image. Thread-safety: any number of calls on disjoint ranges at once.
 */
int sp_range_cells(sp_kctx *k, const sp_range_params *params,
                   const sp_points *in, size_t i0, size_t i1, int32_t *pix,
                   float *r);
int sp_range_rows(const sp_range_params *params, const sp_points *in,
                  const int32_t *pix, const float *r, size_t r0, size_t r1,
                  sp_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
