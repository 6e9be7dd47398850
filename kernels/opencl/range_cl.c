/* range, OpenCL host side: three passes (nearest range per pixel, lowest
 * index at that range, fill) over device scratch for the per-pixel best
 * range bits and winner index; see range.cl. */
#include <stdint.h>

#include "cl_int.h"
#include "lidar_int.h"

/* Work-group size: 256 where the device allows it, else the runtime's
 * choice (the kernels ignore ids past their count either way). */
#define RANGE_WG (k->cl->max_work_group >= 256 ? (size_t)256 : (size_t)0)

enum { IX, IY, IZ, IW, OUT, NBUF };

int sp__range_opencl(sp_kctx *k, const sp__range_plan *pl, const sp_points *in,
                     float *out)
{
    int rc = SP_OK;
    const char *cl_what = "range";
    cl_kernel ki, kn, kp, kf;
    cl_mem b[NBUF] = {0}, best, idx;
    size_t n = in->count, pixels = (size_t)pl->rows * pl->cols;
    size_t fb = n * sizeof(float), ob = 5 * pixels * sizeof(float);

    SP_TRY(sp__cl_kernel(k, "range", "range_init", &ki));
    SP_TRY(sp__cl_kernel(k, "range", "range_near", &kn));
    SP_TRY(sp__cl_kernel(k, "range", "range_pick", &kp));
    SP_TRY(sp__cl_kernel(k, "range", "range_fill", &kf));
    SP_TRY(sp__cl_scratch(k, 0, pixels * sizeof(int32_t), &best));
    SP_TRY(sp__cl_scratch(k, 1, pixels * sizeof(int32_t), &idx));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->x, fb, &b[IX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->y, fb, &b[IY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->z, fb, &b[IZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->intensity, fb, &b[IW]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out, ob, &b[OUT]), done);

    cl_uint un = (cl_uint)n, upix = (cl_uint)pixels;
    cl_uint rows = pl->rows, cols = pl->cols;
    cl_what = "range_init";
    SP_CL_TRY(clSetKernelArg(ki, 0, sizeof(cl_mem), &best), done);
    SP_CL_TRY(clSetKernelArg(ki, 1, sizeof(cl_mem), &idx), done);
    SP_CL_TRY(clSetKernelArg(ki, 2, sizeof upix, &upix), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, ki, cl_what, pixels, RANGE_WG), done);

    cl_kernel pass[2] = {kn, kp};
    for (int s = 0; s < 2; s++) {
        cl_kernel kk = pass[s];
        cl_what = s ? "range_pick" : "range_near";
        SP_CL_TRY(clSetKernelArg(kk, 0, sizeof(cl_mem), &b[IX]), done);
        SP_CL_TRY(clSetKernelArg(kk, 1, sizeof(cl_mem), &b[IY]), done);
        SP_CL_TRY(clSetKernelArg(kk, 2, sizeof(cl_mem), &b[IZ]), done);
        SP_CL_TRY(clSetKernelArg(kk, 3, sizeof un, &un), done);
        SP_CL_TRY(clSetKernelArg(kk, 4, sizeof rows, &rows), done);
        SP_CL_TRY(clSetKernelArg(kk, 5, sizeof cols, &cols), done);
        SP_CL_TRY(clSetKernelArg(kk, 6, sizeof(float), &pl->fov_up), done);
        SP_CL_TRY(clSetKernelArg(kk, 7, sizeof(float), &pl->row_scale), done);
        SP_CL_TRY(clSetKernelArg(kk, 8, sizeof(cl_mem), &best), done);
        if (s)
            SP_CL_TRY(clSetKernelArg(kk, 9, sizeof(cl_mem), &idx), done);
        SP_TRY_GOTO(rc, sp__cl_run1d(k, kk, cl_what, n, RANGE_WG), done);
    }

    cl_what = "range_fill";
    SP_CL_TRY(clSetKernelArg(kf, 0, sizeof(cl_mem), &b[IX]), done);
    SP_CL_TRY(clSetKernelArg(kf, 1, sizeof(cl_mem), &b[IY]), done);
    SP_CL_TRY(clSetKernelArg(kf, 2, sizeof(cl_mem), &b[IZ]), done);
    SP_CL_TRY(clSetKernelArg(kf, 3, sizeof(cl_mem), &b[IW]), done);
    SP_CL_TRY(clSetKernelArg(kf, 4, sizeof(cl_mem), &best), done);
    SP_CL_TRY(clSetKernelArg(kf, 5, sizeof(cl_mem), &idx), done);
    SP_CL_TRY(clSetKernelArg(kf, 6, sizeof upix, &upix), done);
    SP_CL_TRY(clSetKernelArg(kf, 7, sizeof(cl_mem), &b[OUT]), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kf, cl_what, pixels, RANGE_WG), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OUT], out, ob), done);
    SP_TRY_GOTO(rc, sp__cl_finish(k), done);
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}
