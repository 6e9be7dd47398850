/* Test support for the lidar kernels' suites: point clouds in heap memory
 * laid out like pool blocks, random clouds with NaN/Inf and points exactly
 * on boundaries, KITTI .bin loading, and the list of back-ends to compare. */
#ifndef KCLOUD_H
#define KCLOUD_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_points.h"

/* A cloud whose memory the struct owns (free with kcloud_free). */
typedef struct kcloud {
    sp_points pts;
    void *mem;
} kcloud;

/* Capacity cap (>= 1 slot allocated), fields SP_POINTS_*. NULL on OOM. */
kcloud *kcloud_new(size_t cap, unsigned fields);
void kcloud_free(kcloud *c);

/* n random points (n <= capacity) in [-extent, extent]^3 from a fixed
 * seed; 1/4 of them quantised to multiples of `quantum` (boundary cases:
 * KITTI is millimetre-quantised) when quantum > 0; with `bad`, ~1% NaN or
 * +-Inf coordinates. Ring and time are filled when present. */
void kcloud_random(kcloud *c, size_t n, uint64_t seed, float extent,
                   float quantum, int bad);

/* ---- extra channels (sp_points.h) ---- */

/* A cloud laid out as l (NULL: no optional field). NULL on OOM or an
 * invalid layout. */
kcloud *kcloud_new_layout(size_t cap, const sp_points_layout *l);

/* A layout with `fields` and extras of every element type, counts 1 to 5,
 * strides that are not powers of two, and every kind: VALUE of each type,
 * COLOR as u32 "rgba", f32 "rgb" and i32 x 2, LABEL u16 "label" and
 * i8 x 3, f32 "normal" x 3, f64 x 3, u8 x 5, and a u32 LABEL "id" (the
 * point's input index after kcloud_fill_extras, so an output row says
 * which input point it came from). */
void kcloud_layout_all(sp_points_layout *l, unsigned fields);

/* Fills every extra of points [0, count) from seed. raw = 1: arbitrary
 * bytes (NaN patterns included: copies must be byte exact); raw = 0:
 * finite values over each type's whole range (floats within +-1e6). A
 * u32 extra named "id" gets the point's index either way. */
void kcloud_fill_extras(kcloud *c, uint64_t seed, int raw);

/* Makes voxels with many, scattered members: each point after the first
 * takes, with probability 3/5, the x, y, z of one of the 8 points before
 * it (NaN/Inf included). */
void kcloud_cluster(kcloud *c, uint64_t seed);

/* 1 when a and b have the same extras (names, types, counts, kinds) with
 * the same bytes in rows [0, count) (counts must match); else 0 with the
 * first difference in why. */
int kcloud_extras_equal(const sp_points *a, const sp_points *b, char *why,
                        size_t cap);

/* For a filter that keeps whole points (crop, ground): 1 when every row j
 * of out is the input row named by out's "id" extra — x, y, z, intensity,
 * ring and time (where both have them) and every extra of out (from in's
 * extra of the same name) byte for byte — and the ids strictly increase
 * (input order kept); else 0 with the first difference in why. */
int kcloud_rows_from_ids(const sp_points *in, const sp_points *out, char *why,
                         size_t cap);

/* Loads a KITTI velodyne .bin (float32 x, y, z, reflectance). NULL with a
 * reason in why when absent or unreadable. */
kcloud *kcloud_load_kitti(const char *path, char *why, size_t whycap);

/* The path of a file under $SP_TEST_DATA (or ../shared/data) or NULL when
 * it does not exist. */
const char *kcloud_data_path(const char *rel, char *buf, size_t cap);

/* The back-ends to compare with scalar: each a kernel context. SIMD levels
 * below the CPU's best are forced through SP_SIMD while the context is
 * created. OpenCL is included when a device opens. Returns the count; names
 * in names[i] ("scalar", "sse41", "avx2", "opencl"). */
#define KCLOUD_MAX_BACKENDS 6
int kcloud_backends(sp_kctx *ctx[KCLOUD_MAX_BACKENDS],
                    const char *names[KCLOUD_MAX_BACKENDS]);
void kcloud_backends_free(sp_kctx *ctx[KCLOUD_MAX_BACKENDS], int n);

/* 1 when the last kernel call on @p k ran the version its context asks
 * for: scalar for a scalar context, the context's very SIMD level for a
 * SIMD one (not a scalar stand-in), the device for an OpenCL one. */
int kcloud_ran_asked(const sp_kctx *k);

/* For a kernel without an OpenCL version: 1 when the last call on @p k ran
 * the widest CPU version its context allows (scalar for a scalar context,
 * the context's SIMD level for a SIMD or OpenCL one) and recorded it so. */
int kcloud_ran_cpu(const sp_kctx *k);

#endif
