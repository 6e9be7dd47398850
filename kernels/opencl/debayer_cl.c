/* Debayer, OpenCL host side: wraps the caller's images as buffers (zero-copy
 * on unified-memory devices), runs debayer8/debayer16 over w x h, and makes
 * the output visible in the host image. */
#include "cl_int.h"
#include "debayer_int.h"

int sp__debayer_cl(sp_kctx *k, const sp__debayer_job *j)
{
    int rc = SP_OK;
    const char *cl_what = j->wide ? "debayer16" : "debayer8";
    const size_t es = j->wide ? 2 : 1;
    const size_t in_bytes = j->sstride * (j->h - 1) + (size_t)j->w * es;
    const size_t out_bytes = j->dstride * (j->h - 1) + (size_t)j->w * 3 * es;
    cl_kernel kern;
    cl_mem bin = NULL, bout = NULL;
    if (j->sstride / es > UINT32_MAX || j->dstride / es > UINT32_MAX ||
        j->w > INT32_MAX || j->h > INT32_MAX)
        return sp__fail(SP_EINVAL,
                        "%s: image of %ux%u too large for the OpenCL kernel",
                        cl_what, j->w, j->h);
    SP_TRY(sp__cl_kernel(k, "debayer", cl_what, &kern));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->src, in_bytes, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, j->dst, out_bytes, &bout), done);
    cl_uint sstride = (cl_uint)(j->sstride / es),
            dstride = (cl_uint)(j->dstride / es);
    cl_int w = (cl_int)j->w, h = (cl_int)j->h, rx = j->rx, ry = j->ry,
           bgr = j->bgr, ea = j->ea;
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 0, sizeof bin, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 1, sizeof sstride, &sstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 2, sizeof bout, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 3, sizeof dstride, &dstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 4, sizeof w, &w), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 5, sizeof h, &h), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 6, sizeof rx, &rx), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 7, sizeof ry, &ry), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 8, sizeof bgr, &bgr), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 9, sizeof ea, &ea), done);
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kern, cl_what, j->w, j->h, 0, 0), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_sync_rows(k, bout, j->dst, (size_t)j->w * 3 * es,
                                        j->h, j->dstride),
                done);
done:
    sp__cl_release(k, &bout);
    sp__cl_release(k, &bin);
    return rc;
}
