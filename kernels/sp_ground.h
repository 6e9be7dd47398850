/* sensorpipe: ground segmentation — remove the ground from a sweep, or keep
 * only the ground.
 *
 * method PLANE: RANSAC. `iterations` hypotheses are drawn up front from a
 * private PRNG (splitmix64 seeded with `seed`, so the same seed gives the
 * same hypotheses on every machine and back-end): three distinct point
 * indices each; a hypothesis is skipped when a sample is NaN/Inf, the
 * points are (nearly) collinear, or its normal is more than max_angle from
 * vertical (walls are not ground). Each hypothesis's plane is computed in
 * double and rounded to float32 (a, b, c, d) with c >= 0; its score is the
 * number of points with |((a*x + b*y) + c*z) + d| < threshold in float32.
 * The best score wins (the earliest hypothesis on a tie). Unless
 * no_refine, the plane is then refitted by least squares to the winner's
 * inliers (the normal is the eigenvector of the smallest eigenvalue of
 * their covariance, computed in double by Jacobi rotations) and the points
 * are classified against the refitted plane with the same test. With fewer
 * than 3 points or no valid hypothesis there is no ground.
 *
 * method GRID: the x-y plane is cut into square cells of side `cell`
 * (ix = (int)floorf(x * (1/cell)) in float32); a point is ground when its
 * z <= (lowest z of its cell) + band. Points whose cell index does not fit
 * in 32 bits, and NaN/Inf points, are not ground.
 *
 * Output: the kept points (non-ground, or ground with keep_ground), in
 * input order, with every field the output has room for (ring/time copied
 * when both clouds have them; every extra channel of the output copied byte
 * for byte from the input's extra of the same name, which must have the
 * same type and count — make the output with sp_points_layout_of(in)).
 * NaN/Inf points are never ground, so they stay in a ground-removed cloud
 * (crop drops them).
 *
 * Back-ends: PLANE scores hypotheses and classifies on scalar, SIMD
 * (SSE4.1/AVX2/NEON, 4 or 8 points per step) or OpenCL (all hypotheses in
 * one launch). Classification is exact on every back-end: the kernels do
 * the same float32 operations in the same order without fused multiply-add,
 * so the tolerance rule — a point whose |distance| is within 1e-5 of the
 * threshold may differ — is only needed for a device that does not honour
 * FP_CONTRACT OFF; the tests check exact equality. GRID runs the scalar code
 * on every back-end (its work is a hash lookup per point, which neither SIMD
 * nor OpenCL speeds up here). */
#ifndef SP_GROUND_H
#define SP_GROUND_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_points.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_ground_method {
    SP_GROUND_PLANE = 0,
    SP_GROUND_GRID
} sp_ground_method;

/** Share @p i of @p n of a split call (see sp_ground_params.fork). */
typedef void (*sp_ground_share_fn)(void *arg, int i, int n);
/** Runs fn(arg, i, n) for every i in 0..n-1, on any threads, at once or
 *  not, and returns when every one has returned. */
typedef void (*sp_ground_fork_fn)(void *ctx, int n, sp_ground_share_fn fn,
                                  void *arg);

/** Parameters; zero = default. */
typedef struct sp_ground_params {
    sp_ground_method method;
    int keep_ground;  /**< 1: output the ground; 0: remove it */
    double threshold; /**< PLANE: inlier distance, default 0.2 m */
    int iterations;   /**< PLANE: hypotheses, default 100, max 100000 */
    uint64_t seed;    /**< PLANE: PRNG seed, 0 = 0x5EED */
    int no_refine;    /**< PLANE: 1 = skip least-squares refinement */
    double max_angle; /**< PLANE: max normal tilt, degrees, default 30 */
    double cell;      /**< GRID: cell side, default 1 m */
    double band;      /**< GRID: height above the cell's lowest point,
                           default 0.2 m */
    /** PLANE on a CPU back-end: fork(fork_ctx, fork_n, ...) runs the
     *  scoring (hypotheses split across the shares) and each
     *  classification (points split) on fork_n threads. The result is the
     *  same as with one: scores are integer counts and a point's class
     *  depends on that point only. NULL or fork_n <= 1: the calling thread
     *  alone. The drawing, the refit and the compaction stay on it. */
    sp_ground_fork_fn fork;
    void *fork_ctx;
    int fork_n;
} sp_ground_params;

/** What the last call found (optional output). */
typedef struct sp_ground_info {
    float plane[4]; /**< PLANE: a, b, c, d used to classify (zero if
                         none) */
    size_t ground;  /**< points classified as ground */
    int found;      /**< PLANE: 1 when a plane was found */
} sp_ground_info;

/** Segment @p in and write the kept points to @p out (capacity >=
 *  in->count; may not alias @p in). Borrows everything; @p info may be
 *  NULL. Returns SP_OK; SP_EINVAL for bad parameters (naming the field), a
 *  too small output or an extra the output has and the input lacks (or
 *  with another type or count); SP_ENOMEM; SP_ECL. One thread per @p k at
 *  a time. */
int sp_ground_filter(sp_kctx *k, const sp_ground_params *params,
                     const sp_points *in, sp_points *out, sp_ground_info *info);

#ifdef __cplusplus
}
#endif
#endif
