/* range, scalar reference: project each point, nearest wins per pixel. */
#include "lidar_int.h"

void sp__range_scatter_scalar(const sp__range_plan *pl, const sp_points *in,
                              float *out)
{
    size_t plane = (size_t)pl->rows * pl->cols;
    for (size_t i = 0; i < in->count; i++) {
        float x = in->x[i], y = in->y[i], z = in->z[i], r;
        int32_t p = sp__range_pixel(pl, x, y, z, &r);
        if (p >= 0)
            sp__range_put(out, plane, p, r, x, y, z, in->intensity[i]);
    }
}
