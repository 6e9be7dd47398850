/* Levels, OpenCL host side. */
#include "cl_int.h"
#include "levels_int.h"

int sp__levels_cl(sp_kctx *k, const sp__levels_job *j)
{
    int rc = SP_OK;
    const char *cl_what = j->wide ? "levels16" : "levels8";
    const size_t oes = j->wide ? 2 : 1;
    const size_t in_bytes = j->sstride * (j->h - 1) + (size_t)j->w * 2;
    const size_t out_bytes = j->dstride * (j->h - 1) + (size_t)j->w * oes;
    cl_kernel kern;
    cl_mem bin = NULL, bout = NULL;
    if (j->sstride / 2 > UINT32_MAX || j->dstride / oes > UINT32_MAX ||
        j->w > INT32_MAX || j->h > INT32_MAX)
        return sp__fail(SP_EINVAL,
                        "%s: image of %ux%u too large for the OpenCL kernel",
                        cl_what, j->w, j->h);
    SP_TRY(sp__cl_kernel(k, "levels", cl_what, &kern));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->src, in_bytes, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, j->dst, out_bytes, &bout), done);
    cl_uint sstride = (cl_uint)(j->sstride / 2),
            dstride = (cl_uint)(j->dstride / oes);
    cl_int w = (cl_int)j->w, h = (cl_int)j->h;
    cl_uint black = j->black;
    cl_float4 scale = {
        {j->scale[0][0], j->scale[0][1], j->scale[1][0], j->scale[1][1]}};
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 0, sizeof bin, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 1, sizeof sstride, &sstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 2, sizeof bout, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 3, sizeof dstride, &dstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 4, sizeof w, &w), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 5, sizeof h, &h), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 6, sizeof black, &black), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 7, sizeof scale, &scale), done);
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kern, cl_what, j->w, j->h, 0, 0), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_sync_rows(k, bout, j->dst, (size_t)j->w * oes,
                                        j->h, j->dstride),
                done);
done:
    sp__cl_release(k, &bout);
    sp__cl_release(k, &bin);
    return rc;
}
