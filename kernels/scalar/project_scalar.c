/* project, scalar reference: transform, divide, nearest depth per pixel. */
#include "lidar_int.h"

void sp__project_scatter_scalar(const sp__project_plan *pl, const sp_points *in,
                                float *out)
{
    for (size_t i = 0; i < in->count; i++) {
        float d;
        int32_t p = sp__project_pixel(pl, in->x[i], in->y[i], in->z[i], &d);
        if (p >= 0)
            sp__project_put(out, p, d);
    }
}
