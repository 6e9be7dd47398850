/* bev, scalar reference: one pass over the points in index order. */
#include "lidar_int.h"

void sp__bev_accum_scalar(const sp__bev_plan *pl, const sp_points *in,
                          float *hmax, float *isum, uint32_t *cnt)
{
    for (size_t i = 0; i < in->count; i++) {
        float h;
        int32_t c = sp__bev_cell(pl, in->x[i], in->y[i], in->z[i], &h);
        if (c >= 0)
            sp__bev_put(hmax, isum, cnt, c, h, in->intensity[i]);
    }
}

void sp__bev_cells_scalar(const sp__bev_plan *pl, const sp_points *in,
                          size_t i0, size_t i1, int32_t *cell, float *h)
{
    for (size_t i = i0; i < i1; i++) {
        h[i] = 0.0f;
        cell[i] = sp__bev_cell(pl, in->x[i], in->y[i], in->z[i], &h[i]);
    }
}
