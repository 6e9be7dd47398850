/* range, NEON: the shared SIMD body (kernels/lidar_simd_int.h) compiled for
 * this instruction set alone; see that file for why it matches the scalar
 * reference bit for bit. */
#define SP__SIMD_NEON 1
#include "lidar_simd_int.h"

void sp__range_scatter_neon(const sp__range_plan *pl, const sp_points *in,
                            float *out)
{
    simd_range_scatter(pl, in, out);
}

void sp__range_cells_neon(const sp__range_plan *pl, const sp_points *in,
                          size_t i0, size_t i1, int32_t *pix, float *r)
{
    simd_range_cells(pl, in, i0, i1, pix, r);
}
