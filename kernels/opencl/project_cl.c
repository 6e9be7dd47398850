/* project, OpenCL host side: init to +inf, atomic_min of depth bits per
 * pixel, +inf back to 0; see project.cl. The output tensor is the
 * atomics' target, so no scratch is needed. */
#include <stdint.h>
#include <string.h>

#include "cl_int.h"
#include "lidar_int.h"

/* Work-group size: 256 where the device allows it, else the runtime's
 * choice (the kernels ignore ids past their count either way). */
#define PROJECT_WG (k->cl->max_work_group >= 256 ? (size_t)256 : (size_t)0)

enum { IX, IY, IZ, MAT, OUT, NBUF };

int sp__project_opencl(sp_kctx *k, const sp__project_plan *pl,
                       const sp_points *in, float *out)
{
    int rc = SP_OK;
    const char *cl_what = "project";
    cl_kernel ki, kn, kf;
    cl_mem b[NBUF] = {0};
    size_t n = in->count, pixels = (size_t)pl->w * pl->h;
    size_t fb = n * sizeof(float), ob = pixels * sizeof(float);
    float m[16];
    memcpy(m, pl->m, sizeof pl->m);
    memcpy(m + 12, pl->d, sizeof pl->d);

    SP_TRY(sp__cl_kernel(k, "project", "project_init", &ki));
    SP_TRY(sp__cl_kernel(k, "project", "project_near", &kn));
    SP_TRY(sp__cl_kernel(k, "project", "project_finish", &kf));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->x, fb, &b[IX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->y, fb, &b[IY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->z, fb, &b[IZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, m, sizeof m, &b[MAT]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out, ob, &b[OUT]), done);

    cl_uint un = (cl_uint)n, upix = (cl_uint)pixels;
    cl_int w = (cl_int)pl->w;
    cl_what = "project_init";
    SP_CL_TRY(clSetKernelArg(ki, 0, sizeof(cl_mem), &b[OUT]), done);
    SP_CL_TRY(clSetKernelArg(ki, 1, sizeof upix, &upix), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, ki, cl_what, pixels, PROJECT_WG), done);

    cl_what = "project_near";
    SP_CL_TRY(clSetKernelArg(kn, 0, sizeof(cl_mem), &b[IX]), done);
    SP_CL_TRY(clSetKernelArg(kn, 1, sizeof(cl_mem), &b[IY]), done);
    SP_CL_TRY(clSetKernelArg(kn, 2, sizeof(cl_mem), &b[IZ]), done);
    SP_CL_TRY(clSetKernelArg(kn, 3, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(kn, 4, sizeof(cl_mem), &b[MAT]), done);
    SP_CL_TRY(clSetKernelArg(kn, 5, sizeof(float), &pl->min_depth), done);
    SP_CL_TRY(clSetKernelArg(kn, 6, sizeof(float), &pl->fw), done);
    SP_CL_TRY(clSetKernelArg(kn, 7, sizeof(float), &pl->fh), done);
    SP_CL_TRY(clSetKernelArg(kn, 8, sizeof w, &w), done);
    SP_CL_TRY(clSetKernelArg(kn, 9, sizeof(cl_mem), &b[OUT]), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kn, cl_what, n, PROJECT_WG), done);

    cl_what = "project_finish";
    SP_CL_TRY(clSetKernelArg(kf, 0, sizeof(cl_mem), &b[OUT]), done);
    SP_CL_TRY(clSetKernelArg(kf, 1, sizeof upix, &upix), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kf, cl_what, pixels, PROJECT_WG), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OUT], out, ob), done);
    SP_TRY_GOTO(rc, sp__cl_finish(k), done);
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}
