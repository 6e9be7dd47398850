/* Convert, OpenCL host side. */
#include "cl_int.h"
#include "convert_int.h"

static size_t bytes_per_px(int kind)
{
    switch (kind) {
    case SP__CV_RGB:
    case SP__CV_BGR:
        return 3;
    case SP__CV_RGBA:
        return 4;
    case SP__CV_YUYV:
        return 2;
    default:
        return 1;
    }
}

int sp__convert_cl(sp_kctx *k, const sp__convert_job *j)
{
    int rc = SP_OK;
    const char *cl_what = "convert";
    size_t in_bytes =
        j->sstride * (j->h - 1) + (size_t)j->w * bytes_per_px(j->from);
    const size_t out_bytes =
        j->dstride * (j->h - 1) + (size_t)j->w * bytes_per_px(j->to);
    cl_uint uv_offset = 0;
    cl_kernel kern;
    cl_mem bin = NULL, bout = NULL;
    if (j->from == SP__CV_NV12) {
        /* The chroma plane follows the luma rows at the same stride. */
        in_bytes = j->sstride * (j->h + j->h / 2 - 1) + j->w;
        uv_offset = (cl_uint)(j->sstride * j->h);
    }
    if (in_bytes > UINT32_MAX || j->dstride > UINT32_MAX || j->w > INT32_MAX ||
        j->h > INT32_MAX)
        return sp__fail(
            SP_EINVAL,
            "convert: image of %ux%u too large for the OpenCL kernel", j->w,
            j->h);
    SP_TRY(sp__cl_kernel(k, "convert", "convert", &kern));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, j->src, in_bytes, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, j->dst, out_bytes, &bout), done);
    cl_uint sstride = (cl_uint)j->sstride, dstride = (cl_uint)j->dstride;
    cl_int w = (cl_int)j->w, h = (cl_int)j->h, from = j->from, to = j->to;
    cl_int16 coef = {{j->yoff, j->cy, j->cvr, j->cug, j->cvg, j->cub, j->fast,
                      j->yg, j->kvr, j->kug, j->kvg, j->kub, 0, 0, 0, 0}};
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 0, sizeof bin, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 1, sizeof sstride, &sstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 2, sizeof uv_offset, &uv_offset),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 3, sizeof bout, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 4, sizeof dstride, &dstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 5, sizeof w, &w), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 6, sizeof h, &h), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 7, sizeof from, &from), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 8, sizeof to, &to), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, 9, sizeof coef, &coef), done);
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kern, cl_what, j->w, j->h, 0, 0), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_sync_rows(k, bout, j->dst,
                                        (size_t)j->w * bytes_per_px(j->to),
                                        j->h, j->dstride),
                done);
done:
    sp__cl_release(k, &bout);
    sp__cl_release(k, &bin);
    return rc;
}
