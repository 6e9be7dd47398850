/* ground, OpenCL host side: every RANSAC hypothesis scored in one 2-D
 * launch (point chunk x hypothesis), and the final classification; see
 * ground.cl. Hypotheses, the choice of the best and the refinement stay on
 * the host (kernels/ground.c), identical for every back-end. */
#include <stdint.h>

#include "cl_int.h"
#include "lidar_int.h"

#define GROUND_CHUNK 256 /* = CHUNK in ground.cl */
/* Work-group size: 256 where the device allows it, else the runtime's
 * choice (the kernels ignore ids past their count either way). */
#define GROUND_WG (k->cl->max_work_group >= 256 ? (size_t)256 : (size_t)0)

enum { IX, IY, IZ, AUX, NBUF };

static int wrap_xyz(sp_kctx *k, const sp_points *in, cl_mem b[NBUF])
{
    size_t fb = in->count * sizeof(float);
    SP_TRY(sp__cl_buffer_in(k, in->x, fb, &b[IX]));
    SP_TRY(sp__cl_buffer_in(k, in->y, fb, &b[IY]));
    SP_TRY(sp__cl_buffer_in(k, in->z, fb, &b[IZ]));
    return SP_OK;
}

int sp__ground_count_opencl(sp_kctx *k, const float *planes, size_t nplanes,
                            float thr, const sp_points *in, uint32_t *counts)
{
    int rc = SP_OK;
    const char *cl_what = "ground";
    cl_kernel kc;
    cl_mem b[NBUF] = {0}, cnt;
    size_t n = in->count;

    SP_TRY(sp__cl_kernel(k, "ground", "ground_count", &kc));
    SP_TRY(sp__cl_scratch(k, 0, nplanes * sizeof(uint32_t), &cnt));
    SP_TRY_GOTO(rc, wrap_xyz(k, in, b), done);
    SP_TRY_GOTO(
        rc, sp__cl_buffer_in(k, planes, nplanes * 4 * sizeof(float), &b[AUX]),
        done);
    SP_TRY_GOTO(rc, sp__cl_zero(k, cnt, 0, nplanes * sizeof(uint32_t)), done);
    cl_uint un = (cl_uint)n, unp = (cl_uint)nplanes;
    cl_what = "ground_count";
    SP_CL_TRY(clSetKernelArg(kc, 0, sizeof(cl_mem), &b[IX]), done);
    SP_CL_TRY(clSetKernelArg(kc, 1, sizeof(cl_mem), &b[IY]), done);
    SP_CL_TRY(clSetKernelArg(kc, 2, sizeof(cl_mem), &b[IZ]), done);
    SP_CL_TRY(clSetKernelArg(kc, 3, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(kc, 4, sizeof(cl_mem), &b[AUX]), done);
    SP_CL_TRY(clSetKernelArg(kc, 5, sizeof unp, &unp), done);
    SP_CL_TRY(clSetKernelArg(kc, 6, sizeof(float), &thr), done);
    SP_CL_TRY(clSetKernelArg(kc, 7, sizeof(cl_mem), &cnt), done);
    size_t chunks = (n + GROUND_CHUNK - 1) / GROUND_CHUNK;
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kc, cl_what, chunks, nplanes, 0, 0), done);
    SP_TRY_GOTO(rc, sp__cl_read(k, cnt, 0, counts, nplanes * sizeof(uint32_t)),
                done);
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}

int sp__ground_mask_opencl(sp_kctx *k, const float pl[4], float thr,
                           const sp_points *in, uint8_t *mask)
{
    int rc = SP_OK;
    const char *cl_what = "ground";
    cl_kernel km;
    cl_mem b[NBUF] = {0};
    size_t n = in->count;

    SP_TRY(sp__cl_kernel(k, "ground", "ground_mask", &km));
    SP_TRY_GOTO(rc, wrap_xyz(k, in, b), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, mask, n, &b[AUX]), done);
    cl_uint un = (cl_uint)n;
    cl_float4 p4 = {{pl[0], pl[1], pl[2], pl[3]}};
    cl_what = "ground_mask";
    SP_CL_TRY(clSetKernelArg(km, 0, sizeof(cl_mem), &b[IX]), done);
    SP_CL_TRY(clSetKernelArg(km, 1, sizeof(cl_mem), &b[IY]), done);
    SP_CL_TRY(clSetKernelArg(km, 2, sizeof(cl_mem), &b[IZ]), done);
    SP_CL_TRY(clSetKernelArg(km, 3, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(km, 4, sizeof p4, &p4), done);
    SP_CL_TRY(clSetKernelArg(km, 5, sizeof(float), &thr), done);
    SP_CL_TRY(clSetKernelArg(km, 6, sizeof(cl_mem), &b[AUX]), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, km, cl_what, n, GROUND_WG), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[AUX], mask, n), done);
    SP_TRY_GOTO(rc, sp__cl_finish(k), done);
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}
