/* sensorpipe: crop — keep the points inside a box and/or a range band (or,
 * inverted, drop them), in input order.
 *
 * A point is INSIDE when every active limit holds, each inclusive:
 *   x in [min[0], max[0]] (SP_CROP_X), y (SP_CROP_Y), z (SP_CROP_Z), and
 *   range_min^2 <= x*x + y*y + z*z <= range_max^2 (SP_CROP_RANGE): the
 *   range is Euclidean in 3-D from the sensor origin, compared squared in
 *   float32 as ((x*x + y*y) + z*z) with no fused multiply-add, the squares of
 *   the limits also rounded to float32.
 * With no limit active every point is inside. The box bounds are inclusive
 * like PCL's CropBox. The output holds the INSIDE points (invert = 0) or the
 * others (invert = 1); a point with a NaN or infinite x, y or z is dropped
 * in both cases (intensity, ring and time are not checked). Stream
 * compaction keeps the input order; ring and time are carried when both
 * clouds have them, and every extra channel of the output (sp_points.h)
 * from the input's extra of the same name, each kept point's values copied
 * byte for byte (the back-end that tests the points also lists the kept
 * ones; one generic gather then copies every extra column).
 *
 * Back-ends: scalar (the spec), SSE4.1 (4 points a step), AVX2 (8), NEON
 * (4), OpenCL (flags + per-work-group scan; exact). Every back-end's output
 * is bit-identical to the scalar one. AUTO uses OpenCL only for a GPU /
 * named device and at least SP_CROP_OPENCL_MIN_POINTS points: crop moves
 * each byte once, so on a CPU device or across PCIe it cannot beat SIMD. */
#ifndef SP_CROP_H
#define SP_CROP_H

#include <stddef.h>

#include "sp_kernels.h"
#include "sp_points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which limits a crop applies (bit flags). */
enum {
    SP_CROP_X = 1u << 0,
    SP_CROP_Y = 1u << 1,
    SP_CROP_Z = 1u << 2,
    SP_CROP_RANGE = 1u << 3
};

/** AUTO's smallest input for the OpenCL path. */
#define SP_CROP_OPENCL_MIN_POINTS ((size_t)4 << 20)

/** Crop parameters; zero = no limit, keep inside. */
typedef struct sp_crop_params {
    unsigned limits; /**< SP_CROP_* flags of the active limits */
    float min[3];    /**< box lower bounds x, y, z (inclusive) */
    float max[3];    /**< box upper bounds (inclusive) */
    float range_min; /**< metres, >= 0 */
    float range_max; /**< metres, >= range_min */
    int invert;      /**< 1: keep the points outside instead */
} sp_crop_params;

/** Crop @p in into @p out (both borrowed; out's arrays are written and
 *  out->count set). out->capacity must be >= in->count; out must not share
 *  memory with in; every optional field out has must be in in (ring/time
 *  carried when both have them), and every extra out has must be in in with
 *  the same type and count (make out with sp_points_layout_of(in); in's
 *  extras out lacks are dropped). Returns SP_OK, SP_EINVAL (NULL, bad
 *  limits: NaN, min > max, negative range; capacity too small; aliasing;
 *  an extra out has and in lacks), SP_ERANGE (over 2^32 - 1 points with
 *  extras), SP_ENOMEM (scratch for the kept indices), SP_ECL (OpenCL
 *  failure, message names the call). Not thread-safe on one k. */
int sp_crop(sp_kctx *k, const sp_crop_params *params, const sp_points *in,
            sp_points *out);

#ifdef __cplusplus
}
#endif
#endif
