/* crop, OpenCL host side: wraps the clouds' arrays (zero-copy where the
 * device shares host memory), runs crop_count, scans the per-chunk counts
 * on the host (n / 64 numbers), runs crop_scatter, and makes the
 * output visible; with extras, crop_scatter also lists the kept points'
 * input indices for the host's gather. Exactly the scalar result. */
#include <stdint.h>
#include <string.h>

#include "cl_int.h"
#include "crop_int.h"

#define CROP_CHUNK 64 /* points per work-item, as in crop.cl */

enum { IX, IY, IZ, IW, IRING, ITIME, OX, OY, OZ, OW, ORING, OTIME, OIDX, NBUF };

int sp__crop_cl(sp_kctx *k, const sp__crop_plan *p, const sp_points *in,
                sp_points *out)
{
    int rc = SP_OK;
    const char *cl_what = "crop";
    cl_kernel kc, ks;
    cl_mem b[NBUF] = {0};
    cl_mem counts_buf, offsets_buf;
    size_t n = in->count;

    if (n == 0) {
        out->count = 0;
        return SP_OK;
    }
    if (n > UINT32_MAX - CROP_CHUNK)
        return sp__fail(SP_ERANGE,
                        "crop (opencl): %zu points, at most %u "
                        "per call",
                        n, UINT32_MAX - CROP_CHUNK);
    SP_TRY(sp__cl_kernel(k, "crop", "crop_count", &kc));
    SP_TRY(sp__cl_kernel(k, "crop", "crop_scatter", &ks));

    size_t groups = (n + CROP_CHUNK - 1) / CROP_CHUNK;
    uint32_t *counts = sp__kctx_scratch(k, 0, groups * sizeof(uint32_t));
    if (!counts)
        return SP_ENOMEM;
    SP_TRY(sp__cl_scratch(k, 0, groups * sizeof(uint32_t), &counts_buf));
    SP_TRY(sp__cl_scratch(k, 1, groups * sizeof(uint32_t), &offsets_buf));

    size_t fb = n * sizeof(float), rb = n * sizeof(uint16_t);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->x, fb, &b[IX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->y, fb, &b[IY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->z, fb, &b[IZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->intensity, fb, &b[IW]), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_in(k, p->ring ? in->ring : NULL, p->ring ? rb : 0,
                                 &b[IRING]),
                done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_in(k, p->time ? in->time : NULL, p->time ? fb : 0,
                                 &b[ITIME]),
                done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->x, fb, &b[OX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->y, fb, &b[OY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->z, fb, &b[OZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->intensity, fb, &b[OW]), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_out(k, p->ring ? out->ring : NULL,
                                  p->ring ? rb : 0, &b[ORING]),
                done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_out(k, p->time ? out->time : NULL,
                                  p->time ? fb : 0, &b[OTIME]),
                done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_out(k, p->idx, p->idx ? n * sizeof(uint32_t) : 0,
                                  &b[OIDX]),
                done);

    cl_uint un = (cl_uint)n;
    cl_float4 lo = {{p->lo[0], p->lo[1], p->lo[2], 0.0f}};
    cl_float4 hi = {{p->hi[0], p->hi[1], p->hi[2], 0.0f}};
    cl_int use_range = p->use_range, invert = p->invert;
    cl_int has_ring = p->ring, has_time = p->time, has_idx = p->idx != NULL;

    cl_what = "crop_count";
    SP_CL_TRY(clSetKernelArg(kc, 0, sizeof(cl_mem), &b[IX]), done);
    SP_CL_TRY(clSetKernelArg(kc, 1, sizeof(cl_mem), &b[IY]), done);
    SP_CL_TRY(clSetKernelArg(kc, 2, sizeof(cl_mem), &b[IZ]), done);
    SP_CL_TRY(clSetKernelArg(kc, 3, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(kc, 4, sizeof lo, &lo), done);
    SP_CL_TRY(clSetKernelArg(kc, 5, sizeof hi, &hi), done);
    SP_CL_TRY(clSetKernelArg(kc, 6, sizeof(cl_float), &p->r2lo), done);
    SP_CL_TRY(clSetKernelArg(kc, 7, sizeof(cl_float), &p->r2hi), done);
    SP_CL_TRY(clSetKernelArg(kc, 8, sizeof use_range, &use_range), done);
    SP_CL_TRY(clSetKernelArg(kc, 9, sizeof invert, &invert), done);
    SP_CL_TRY(clSetKernelArg(kc, 10, sizeof(cl_mem), &counts_buf), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kc, cl_what, groups, 0), done);
    SP_TRY_GOTO(
        rc, sp__cl_read(k, counts_buf, 0, counts, groups * sizeof(uint32_t)),
        done);

    /* Exclusive scan in place: counts become each group's first slot. */
    uint32_t total = 0;
    for (size_t g = 0; g < groups; g++) {
        uint32_t c = counts[g];
        counts[g] = total;
        total += c;
    }
    SP_TRY_GOTO(
        rc, sp__cl_write(k, offsets_buf, 0, counts, groups * sizeof(uint32_t)),
        done);

    cl_what = "crop_scatter";
    const cl_mem args[] = {b[IX], b[IY], b[IZ], b[IW], b[IRING], b[ITIME]};
    for (cl_uint a = 0; a < 6; a++)
        SP_CL_TRY(clSetKernelArg(ks, a, sizeof(cl_mem), &args[a]), done);
    SP_CL_TRY(clSetKernelArg(ks, 6, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(ks, 7, sizeof lo, &lo), done);
    SP_CL_TRY(clSetKernelArg(ks, 8, sizeof hi, &hi), done);
    SP_CL_TRY(clSetKernelArg(ks, 9, sizeof(cl_float), &p->r2lo), done);
    SP_CL_TRY(clSetKernelArg(ks, 10, sizeof(cl_float), &p->r2hi), done);
    SP_CL_TRY(clSetKernelArg(ks, 11, sizeof use_range, &use_range), done);
    SP_CL_TRY(clSetKernelArg(ks, 12, sizeof invert, &invert), done);
    SP_CL_TRY(clSetKernelArg(ks, 13, sizeof has_ring, &has_ring), done);
    SP_CL_TRY(clSetKernelArg(ks, 14, sizeof has_time, &has_time), done);
    SP_CL_TRY(clSetKernelArg(ks, 15, sizeof(cl_mem), &offsets_buf), done);
    const cl_mem outs[] = {b[OX], b[OY], b[OZ], b[OW], b[ORING], b[OTIME]};
    for (cl_uint a = 0; a < 6; a++)
        SP_CL_TRY(clSetKernelArg(ks, 16 + a, sizeof(cl_mem), &outs[a]), done);
    SP_CL_TRY(clSetKernelArg(ks, 22, sizeof has_idx, &has_idx), done);
    SP_CL_TRY(clSetKernelArg(ks, 23, sizeof(cl_mem), &b[OIDX]), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, ks, cl_what, groups, 0), done);

    size_t ob = (size_t)total * sizeof(float);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OX], out->x, ob), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OY], out->y, ob), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OZ], out->z, ob), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OW], out->intensity, ob), done);
    if (p->ring)
        SP_TRY_GOTO(
            rc,
            sp__cl_buffer_sync_out(k, b[ORING], out->ring, (size_t)total * 2),
            done);
    if (p->time)
        SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OTIME], out->time, ob),
                    done);
    if (p->idx)
        SP_TRY_GOTO(rc,
                    sp__cl_buffer_sync_out(k, b[OIDX], p->idx,
                                           (size_t)total * sizeof(uint32_t)),
                    done);
    SP_TRY_GOTO(rc, sp__cl_finish(k), done);
    out->count = total;
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}
