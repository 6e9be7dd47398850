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

#endif
