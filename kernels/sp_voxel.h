/* sensorpipe: voxel — downsample a cloud to one point per occupied voxel.
 *
 * A point's voxel is (floor(x * ix), floor(y * iy), floor(z * iz)) where
 * ix = 1.0f / leaf[0] etc. are float32 and the product and floor are
 * float32 too: exactly PCL's VoxelGrid rule (its index, floor(p * inv) -
 * min_b, differs only by a constant per axis). KITTI coordinates are
 * millimetre-quantised, so many points sit exactly on a 0.2 m boundary;
 * computing the division in double instead moves hundreds of them to the
 * neighbouring voxel. Points with a NaN or infinite x, y or z are skipped.
 *
 * Each voxel with at least min_points points gives one output point: x, y,
 * z and intensity are the means of its points (summed in double, in input
 * order, and rounded once to float32; PCL sums in float32, so the two agree
 * to float rounding), time (when both clouds have it) the mean time, ring
 * (when both have it) the ring of the voxel's first point in input order.
 * Output order is deterministic: voxels by increasing (z, y, x) index, the
 * order PCL uses when its indices do not overflow.
 *
 * Extra channels (sp_points.h): every extra of the output is reduced from
 * the input's extra of the same name (same type and count; the input's
 * extras the output lacks are dropped) over the voxel's member points —
 * its finite points, in input order — element by element, by the input
 * extra's kind:
 *   VALUE  the mean: the members' values converted to double and added in
 *          input order from +0, times 1.0 / count (in double), rounded
 *          once to the type: to float32 / kept as double for f32 / f64
 *          (as x, y, z); for integer types to the nearest integer, halves
 *          away from zero (C round()), clamped to the type's range.
 *   COLOR  each 32-bit element as four 8-bit channels (bits 0-7, 8-15,
 *          16-23, 24-31: PCL's b, g, r, a, whatever the element type
 *          says), each channel floor(sum / count) in integers, repacked.
 *          PCL's VoxelGrid (AccumulatorRGBA) adds r, g, b, a as float and
 *          truncates sum / count; its float sums are exact below 65,794
 *          points a voxel, and then its truncation equals this floor.
 *   LABEL  the values of the voxel's first member point in input order
 *          (the rule ring follows). PCL takes the most frequent label
 *          instead; the first point needs no table and is the same on
 *          every path.
 * The member lists come from each path's sorted data and one CPU
 * reduction (kernels/extras.c) serves every path and back-end, OpenCL
 * included, so the extras are bit-identical everywhere. A cloud without
 * extras runs none of this.
 *
 * No integer-overflow limit like PCL's ("Leaf size is too small for the
 * input dataset. Integer indices would overflow"): indices are exact in 64
 * bits; only a point whose index is not finite or not below 2^62 in
 * magnitude (x/leaf > 4.6e18) is refused, with SP_ERANGE.
 *
 * Back-ends and paths. Every path starts with an extent pass (min/max of
 * the finite coordinates: floor is monotonic, so the index bounds are the
 * floors of the coordinate bounds) on scalar, SSE4.1 (4 points a step),
 * AVX2 (8) or NEON (4). Runs path (grid of < 2^32 cells, e.g. a KITTI
 * sweep at leaf >= 5 cm): a 32-bit key pass (same SIMD levels), a stable
 * radix sort of the runs of consecutive points that share a voxel (a
 * lidar sweep has ~2.4x fewer runs than points), and a reduction adding
 * each run's points to its voxel's sums (AVX2: 4 doubles at once).
 * Packed path (bigger grids, bits(cells) + bits(points) <= 64): key <<
 * ib | point, radix sort (13-bit digits), scalar reduction. General path:
 * 32-bit indices per axis, (key, index) pairs, same sort. Wide path (an
 * index beyond 32 bits per axis or a key beyond 64 bits): 64-bit indices
 * and a comparison sort. All paths and CPU back-ends give the same voxels
 * in the same order with the same bits (each voxel's sums added in input
 * order from 0 in double).
 * OpenCL: the index pass and the per-voxel reduction run on the device
 * (one work-item per voxel, double sums where the device has fp64), the
 * sort on the host; centroids match scalar to 1e-6 relative (bit-exact
 * with fp64). AUTO uses OpenCL only for a GPU / named device and at least
 * SP_VOXEL_OPENCL_MIN_POINTS points. */
#ifndef SP_VOXEL_H
#define SP_VOXEL_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_points.h"

#ifdef __cplusplus
extern "C" {
#endif

/** AUTO's smallest input for the OpenCL path. */
#define SP_VOXEL_OPENCL_MIN_POINTS ((size_t)1 << 20)

/** Voxel parameters. */
typedef struct sp_voxel_params {
    float leaf[3];       /**< voxel edge per axis, metres, > 0 and finite */
    uint32_t min_points; /**< drop voxels with fewer points (0 = 1) */
} sp_voxel_params;

/** Downsample @p in into @p out (both borrowed; out's arrays written, count
 *  set). out must not share memory with in; every optional field out has
 *  must be in in, every extra with the same type and count (make out with
 *  sp_points_layout_of(in)). Scratch comes from k (grow-only). Returns
 *  SP_OK, SP_EINVAL (NULL, bad leaf, aliasing, an extra out has and in
 *  lacks), SP_ERANGE (more voxels than out->capacity; an index beyond
 *  2^62), SP_ENOMEM (scratch), SP_ECL. */
int sp_voxel(sp_kctx *k, const sp_voxel_params *params, const sp_points *in,
             sp_points *out);

/** Sizes k's scratch so that sp_voxel() on any cloud of up to @p points
 *  points takes no more from the heap, on the CPU back-ends' runs and
 *  packed paths (every grid of fewer than 2^64 / points cells; the
 *  general and wide paths, extra channels and OpenCL may still grow it).
 *  For a caller that must not allocate after start-up (a vehicle's
 *  process, the voxel stage's threads=, whose shares' clouds vary).
 *  Returns SP_OK, SP_ERANGE (more than 2^32 - 1 points, or than a 32-bit
 *  size_t can lay out), SP_ENOMEM. */
int sp_voxel_reserve(sp_kctx *k, size_t points);

#ifdef __cplusplus
}
#endif
#endif
