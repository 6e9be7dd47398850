/* undistort, OpenCL host side: wraps the images and the remap table as
 * buffers (zero-copy where the device shares host memory), runs
 * undistort_u8 or undistort_f32 over w x h and makes the output visible to
 * the host. */
#include <stdint.h>

#include "cl_int.h"
#include "undistort_int.h"

int sp__undistort_cl(sp_kctx *k, const sp__undistort_job *j)
{
    int rc = SP_OK;
    const char *cl_what = j->f32 ? "undistort_f32" : "undistort_u8";
    size_t esz = j->f32 ? 4 : 1;
    size_t row = (size_t)j->w * (size_t)j->cn * esz;
    size_t in_bytes = j->sstride * (j->h - 1) + row;
    size_t out_bytes = j->dstride * (j->h - 1) + row;
    size_t npx = (size_t)j->w * j->h;
    cl_kernel kern;
    cl_mem bin = NULL, bout = NULL, bxy = NULL, bf = NULL;
    cl_ulong sstride = j->sstride, dstride = j->dstride;
    cl_int w = (cl_int)j->w, h = (cl_int)j->h, cn = j->cn;

    SP_TRY(sp__cl_kernel(k, "undistort", cl_what, &kern));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->src, in_bytes, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, j->dst, out_bytes, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->xy, npx * 2 * sizeof(int16_t), &bxy),
                done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->frac, npx * sizeof(uint16_t), &bf),
                done);
    cl_uint a = 0;
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof bin, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof sstride, &sstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof bout, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof dstride, &dstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof w, &w), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof h, &h), done);
    if (!j->f32)
        SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof cn, &cn), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof bxy, &bxy), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof bf, &bf), done);
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kern, cl_what, j->w, j->h, 0, 0), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_sync_rows(k, bout, j->dst, row, j->h, j->dstride),
                done);
done:
    sp__cl_release(k, &bf);
    sp__cl_release(k, &bxy);
    sp__cl_release(k, &bout);
    sp__cl_release(k, &bin);
    return rc;
}
