/* normalize, OpenCL host side: wraps the image and the tensor as buffers
 * (zero-copy where the device shares host memory), runs normalize_u8 over
 * w x h and makes the tensor visible to the host. */
#include <stdint.h>

#include "cl_int.h"
#include "normalize_int.h"

int sp__normalize_cl(sp_kctx *k, const sp__normalize_job *j)
{
    int rc = SP_OK;
    const char *cl_what = "normalize_u8";
    size_t in_bytes = j->sstride * (j->h - 1) + (size_t)j->w * (size_t)j->cn;
    size_t out_bytes = j->plane * (size_t)j->nout * sizeof(float);
    cl_kernel kern;
    cl_mem bin = NULL, bout = NULL;
    if (j->w > INT32_MAX || j->h > INT32_MAX)
        return sp__fail(SP_EINVAL,
                        "%s: image of %ux%u too large for the "
                        "OpenCL kernel",
                        cl_what, j->w, j->h);
    cl_ulong sstride = j->sstride, plane = j->plane;
    cl_int w = (cl_int)j->w, h = (cl_int)j->h, cn = j->cn, nout = j->nout;
    cl_int4 in_ch = {{j->in_ch[0], j->in_ch[1], j->in_ch[2], 0}};
    cl_float4 a = {{j->a[0], j->a[1], j->a[2], 0.f}};
    cl_float4 b = {{j->b[0], j->b[1], j->b[2], 0.f}};

    SP_TRY(sp__cl_kernel(k, "normalize", cl_what, &kern));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->src, in_bytes, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, j->dst, out_bytes, &bout), done);
    cl_uint i = 0;
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof bin, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof sstride, &sstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof w, &w), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof h, &h), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof cn, &cn), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof nout, &nout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof bout, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof plane, &plane), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof in_ch, &in_ch), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof a, &a), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, i++, sizeof b, &b), done);
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kern, cl_what, j->w, j->h, 0, 0), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, bout, j->dst, out_bytes), done);
done:
    sp__cl_release(k, &bout);
    sp__cl_release(k, &bin);
    return rc;
}
