/* bev, NEON: the shared SIMD body (kernels/lidar_simd_int.h) compiled for this
 * instruction set alone; see that file for why it matches the scalar
 * reference bit for bit. */
#define SP__SIMD_NEON 1
#include "lidar_simd_int.h"

size_t sp__bev_compact_neon(const sp__bev_plan *pl, const sp_points *in,
                            int32_t *cell, float *h, float *w)
{
    return simd_bev_compact(pl, in, cell, h, w);
}
