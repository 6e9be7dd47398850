/* crop, the scalar reference: one point at a time, order kept. */
#include "crop_int.h"

size_t sp__crop_scalar(const sp__crop_plan *p, const sp_points *in,
                       size_t first, sp_points *out, size_t o)
{
    const float *x = in->x, *y = in->y, *z = in->z, *w = in->intensity;
    uint32_t *const idx = p->idx;
    size_t n = in->count;
    for (size_t i = first; i < n; i++) {
        if (!sp__crop_keep(p, x[i], y[i], z[i]))
            continue;
        out->x[o] = x[i];
        out->y[o] = y[i];
        out->z[o] = z[i];
        out->intensity[o] = w[i];
        if (p->ring)
            out->ring[o] = in->ring[i];
        if (p->time)
            out->time[o] = in->time[i];
        if (idx)
            idx[o] = (uint32_t)i;
        o++;
    }
    return o;
}
