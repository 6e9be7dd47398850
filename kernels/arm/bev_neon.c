/* bev, NEON: the shared SIMD body (kernels/lidar_simd_int.h) compiled for this
 * instruction set alone; see that file for why it matches the scalar
 * reference bit for bit. */
#define SP__SIMD_NEON 1
#include "lidar_simd_int.h"

void sp__bev_accum_neon(const sp__bev_plan *pl, const sp_points *in,
                        float *hmax, float *isum, uint32_t *cnt)
{
    simd_bev_accum(pl, in, hmax, isum, cnt);
}

void sp__bev_cells_neon(const sp__bev_plan *pl, const sp_points *in, size_t i0,
                        size_t i1, int32_t *cell, float *h)
{
    simd_bev_cells(pl, in, i0, i1, cell, h);
}
