/* resize, OpenCL host side: wraps the images and the plan's tables as
 * buffers (zero-copy where the device shares host memory), runs one of the
 * kernels in resize.cl over (elements per row) x (rows) and makes the
 * output visible in the host image. */
#include <stdint.h>

#include "cl_int.h"
#include "resize_int.h"

#define MAX_BUFS 10

int sp__resize_cl(sp_kctx *k, const sp__resize_plan *p)
{
    int rc = SP_OK;
    const char *cl_what;
    size_t esz = p->f32 ? 4 : 1;
    size_t in_bytes = p->sstride * (p->sh - 1) + (size_t)p->srow * esz;
    size_t out_bytes = p->dstride * (p->dh - 1) + (size_t)p->n * esz;
    size_t n = (size_t)p->n, dh = p->dh, dw = p->dw;
    const void *tab[MAX_BUFS];
    size_t tabsz[MAX_BUFS];
    int ntab = 0;
    cl_mem bufs[MAX_BUFS] = {0};
    cl_mem bin = NULL, bout = NULL;
    cl_kernel kern;
    cl_int in = p->n, idh = (cl_int)p->dh, cn = p->cn, f32 = p->f32;
    cl_ulong sstride = p->sstride, dstride = p->dstride;
    int extra_cn_f32 = 0; /* half and area take cn / f32 after n, dh */

    if (p->method == SP_RESIZE_AREA) {
        cl_what = "resize_area";
        size_t wx = (size_t)p->axw[dw - 1] + (size_t)p->axn[dw - 1];
        size_t wy = (size_t)p->ayw[dh - 1] + (size_t)p->ayn[dh - 1];
        const void *t[] = {p->axs, p->axn, p->axw, p->aw_x,
                           p->ays, p->ayn, p->ayw, p->aw_y};
        size_t s[] = {dw * 4, dw * 4, dw * 4, wx * 4,
                      dh * 4, dh * 4, dh * 4, wy * 4};
        for (int i = 0; i < 8; i++, ntab++) {
            tab[ntab] = t[i];
            tabsz[ntab] = s[i];
        }
        extra_cn_f32 = 2;
    } else if (p->method == SP_RESIZE_NEAREST) {
        cl_what = "resize_nearest";
        tab[0] = p->x0;
        tabsz[0] = n * 4;
        tab[1] = p->y0;
        tabsz[1] = dh * 4;
        ntab = 2;
    } else if (p->half) {
        cl_what = "resize_half";
        extra_cn_f32 = 2;
    } else {
        cl_what = p->f32 ? "resize_linear_f32" : "resize_linear_u8";
        const void *t[] = {
            p->x0, p->x1, p->f32 ? (const void *)p->fa : (const void *)p->ia,
            p->y0, p->y1, p->f32 ? (const void *)p->fb : (const void *)p->ib};
        size_t s[] = {n * 4,  n * 4,  n * 2 * (p->f32 ? 4 : 2),
                      dh * 4, dh * 4, dh * 2 * (p->f32 ? 4 : 2)};
        for (int i = 0; i < 6; i++, ntab++) {
            tab[ntab] = t[i];
            tabsz[ntab] = s[i];
        }
    }
    if (p->n > INT32_MAX / 2)
        return sp__fail(SP_EINVAL,
                        "%s: row of %d elements too long for the "
                        "OpenCL kernel",
                        cl_what, p->n);

    SP_TRY(sp__cl_kernel(k, "resize", cl_what, &kern));
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, p->src, in_bytes, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, p->dst, out_bytes, &bout), done);
    for (int i = 0; i < ntab; i++)
        SP_TRY_GOTO(rc, sp__cl_buffer_in(k, tab[i], tabsz[i], &bufs[i]), done);

    cl_uint a = 0;
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof bin, &bin), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof sstride, &sstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof bout, &bout), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof dstride, &dstride),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof in, &in), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof idh, &idh), done);
    if (extra_cn_f32) {
        SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof cn, &cn), done);
        SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof f32, &f32), done);
    }
    for (int i = 0; i < ntab; i++)
        SP_TRY_GOTO(
            rc, sp__cl_arg(kern, cl_what, a++, sizeof bufs[i], &bufs[i]), done);
    if (p->method == SP_RESIZE_NEAREST)
        SP_TRY_GOTO(rc, sp__cl_arg(kern, cl_what, a++, sizeof f32, &f32), done);

    SP_TRY_GOTO(rc, sp__cl_run2d(k, kern, cl_what, n, dh, 0, 0), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_sync_rows(k, bout, p->dst, (size_t)p->n * esz, dh,
                                        p->dstride),
                done);
done:
    for (int i = ntab - 1; i >= 0; i--)
        sp__cl_release(k, &bufs[i]);
    sp__cl_release(k, &bout);
    sp__cl_release(k, &bin);
    return rc;
}
