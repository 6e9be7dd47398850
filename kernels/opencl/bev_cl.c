/* bev, OpenCL host side: wraps the cloud and the output tensor (zero-copy
 * where the device shares host memory), zeroes the raster and the count
 * scratch, scatters, finishes, and makes the output visible. */
#include <stdint.h>

#include "cl_int.h"
#include "lidar_int.h"

/* Work-group size: 256 where the device allows it, else the runtime's
 * choice (the kernels ignore ids past their count either way). */
#define BEV_WG (k->cl->max_work_group >= 256 ? (size_t)256 : (size_t)0)

enum { IX, IY, IZ, IW, OUT, DENS, NBUF };

int sp__bev_opencl(sp_kctx *k, const sp__bev_plan *pl, const sp_points *in,
                   float *out)
{
    int rc = SP_OK;
    const char *cl_what = "bev";
    cl_kernel ks, kf;
    cl_mem b[NBUF] = {0}, cnt;
    size_t n = in->count, cells = (size_t)pl->h * pl->w;
    size_t fb = n * sizeof(float), ob = 3 * cells * sizeof(float);

    SP_TRY(sp__cl_kernel(k, "bev", "bev_scatter", &ks));
    SP_TRY(sp__cl_kernel(k, "bev", "bev_finish", &kf));
    SP_TRY(sp__cl_scratch(k, 0, cells * sizeof(uint32_t), &cnt));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->x, fb, &b[IX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->y, fb, &b[IY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->z, fb, &b[IZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->intensity, fb, &b[IW]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_inout(k, out, ob, &b[OUT]), done);
    SP_TRY_GOTO(
        rc,
        sp__cl_buffer_in(k, sp__bev_density, sizeof sp__bev_density, &b[DENS]),
        done);
    SP_TRY_GOTO(rc, sp__cl_zero(k, b[OUT], 0, ob), done);
    SP_TRY_GOTO(rc, sp__cl_zero(k, cnt, 0, cells * sizeof(uint32_t)), done);

    cl_uint un = (cl_uint)n, ucells = (cl_uint)cells;
    cl_int w = (cl_int)pl->w;
    cl_what = "bev_scatter";
    SP_CL_TRY(clSetKernelArg(ks, 0, sizeof(cl_mem), &b[IX]), done);
    SP_CL_TRY(clSetKernelArg(ks, 1, sizeof(cl_mem), &b[IY]), done);
    SP_CL_TRY(clSetKernelArg(ks, 2, sizeof(cl_mem), &b[IZ]), done);
    SP_CL_TRY(clSetKernelArg(ks, 3, sizeof(cl_mem), &b[IW]), done);
    SP_CL_TRY(clSetKernelArg(ks, 4, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(ks, 5, sizeof(float), &pl->xmin), done);
    SP_CL_TRY(clSetKernelArg(ks, 6, sizeof(float), &pl->ymin), done);
    SP_CL_TRY(clSetKernelArg(ks, 7, sizeof(float), &pl->zmin), done);
    SP_CL_TRY(clSetKernelArg(ks, 8, sizeof(float), &pl->zmax), done);
    SP_CL_TRY(clSetKernelArg(ks, 9, sizeof(float), &pl->inv_res), done);
    SP_CL_TRY(clSetKernelArg(ks, 10, sizeof(float), &pl->inv_zr), done);
    SP_CL_TRY(clSetKernelArg(ks, 11, sizeof(float), &pl->fh), done);
    SP_CL_TRY(clSetKernelArg(ks, 12, sizeof(float), &pl->fw), done);
    SP_CL_TRY(clSetKernelArg(ks, 13, sizeof w, &w), done);
    SP_CL_TRY(clSetKernelArg(ks, 14, sizeof(cl_mem), &b[OUT]), done);
    SP_CL_TRY(clSetKernelArg(ks, 15, sizeof ucells, &ucells), done);
    SP_CL_TRY(clSetKernelArg(ks, 16, sizeof(cl_mem), &cnt), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, ks, cl_what, n, BEV_WG), done);

    cl_what = "bev_finish";
    SP_CL_TRY(clSetKernelArg(kf, 0, sizeof(cl_mem), &b[OUT]), done);
    SP_CL_TRY(clSetKernelArg(kf, 1, sizeof ucells, &ucells), done);
    SP_CL_TRY(clSetKernelArg(kf, 2, sizeof(cl_mem), &cnt), done);
    SP_CL_TRY(clSetKernelArg(kf, 3, sizeof(cl_mem), &b[DENS]), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kf, cl_what, cells, BEV_WG), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OUT], out, ob), done);
    SP_TRY_GOTO(rc, sp__cl_finish(k), done);
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}
