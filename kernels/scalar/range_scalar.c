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

void sp__range_cells_scalar(const sp__range_plan *pl, const sp_points *in,
                            size_t i0, size_t i1, int32_t *pix, float *r)
{
    for (size_t i = i0; i < i1; i++) {
        r[i] = 0.0f;
        pix[i] = sp__range_pixel(pl, in->x[i], in->y[i], in->z[i], &r[i]);
    }
}
