/* project, SSE4.1: the shared SIMD body (kernels/lidar_simd_int.h) compiled for
 * this instruction set alone; see that file for why it matches the scalar
 * reference bit for bit. */
#define SP__SIMD_SSE41 1
#include "lidar_simd_int.h"

void sp__project_scatter_sse41(const sp__project_plan *pl, const sp_points *in,
                               float *out)
{
    simd_project_scatter(pl, in, out);
}
