/* ground, NEON: the shared SIMD body (kernels/lidar_simd_int.h) compiled for
 * this instruction set alone; see that file for why it matches the scalar
 * reference bit for bit. */
#define SP__SIMD_NEON 1
#include "lidar_simd_int.h"

size_t sp__ground_count_neon(const float pl[4], float thr, const float *x,
                             const float *y, const float *z, size_t n)
{
    return simd_ground_count(pl, thr, x, y, z, n);
}

void sp__ground_mask_neon(const float pl[4], float thr, const float *x,
                          const float *y, const float *z, size_t n,
                          uint8_t *mask)
{
    simd_ground_mask(pl, thr, x, y, z, n, mask);
}
