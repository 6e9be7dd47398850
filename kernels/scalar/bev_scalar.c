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

size_t sp__bev_compact_scalar(const sp__bev_plan *pl, const sp_points *in,
                              int32_t *cell, float *h, float *w)
{
    size_t m = 0;
    for (size_t i = 0; i < in->count; i++) {
        float hv = 0.0f;
        int32_t c = sp__bev_cell(pl, in->x[i], in->y[i], in->z[i], &hv);
        cell[m] = c;
        h[m] = hv;
        w[m] = in->intensity[i];
        m += (size_t)(c >= 0);
    }
    return m;
}
