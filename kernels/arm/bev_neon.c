/* bev, NEON: the shared SIMD body (kernels/lidar_simd_int.h) compiled for this
 * instruction set alone; see that file for why it matches the scalar
 * reference bit for bit. */
#define SP__SIMD_NEON 1
#include "lidar_simd_int.h"

void sp__bev_cells_neon(const sp__bev_plan *pl, const sp_points *in, size_t i0,
                        size_t i1, int32_t *cell, float *h)
{
    simd_bev_cells(pl, in, i0, i1, cell, h);
}

size_t sp__bev_compact_neon(const sp__bev_plan *pl, const sp_points *in,
                            int32_t *cell, float *h, float *w)
{
    return simd_bev_compact(pl, in, cell, h, w);
}
