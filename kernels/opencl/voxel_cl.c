/* voxel, OpenCL host side: the index pass and the per-voxel reduction run
 * on the device; the 64-bit keys, the radix sort and the run detection run
 * on the host between them (sp__voxel_sort), over arrays the device shares
 * without a copy where it can (CL_MEM_USE_HOST_PTR). Extra channels are
 * reduced on the host afterwards from the voxels' member lists, by the
 * code every CPU path uses (kernels/extras.c). */
#include <stdint.h>
#include <string.h>

#include "cl_int.h"
#include "voxel_int.h"

#define VOX_CHUNK 64 /* points per work-item in voxel_index, as voxel.cl */

enum {
    BX,
    BY,
    BZ,
    BW,
    BRING,
    BTIME,
    BIX,
    BIY,
    BIZ,
    BIDX,
    BSTART,
    BLEN,
    OX,
    OY,
    OZ,
    OW,
    ORING,
    OTIME,
    NBUF
};

int sp__voxel_cl(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                 sp_points *out)
{
    int rc = SP_OK;
    const char *cl_what = "voxel_index";
    cl_kernel ki, kr;
    cl_mem b[NBUF] = {0};
    cl_mem bounds_buf;
    size_t n = in->count;

    out->count = 0;
    if (n == 0)
        return SP_OK;
    if (n > UINT32_MAX - VOX_CHUNK)
        return sp__fail(SP_ERANGE,
                        "voxel (opencl): %zu points, at most %u "
                        "per call",
                        n, UINT32_MAX - VOX_CHUNK);
    SP_TRY(sp__cl_kernel(k, "voxel", "voxel_index", &ki));
    SP_TRY(sp__cl_kernel(k, "voxel", "voxel_reduce", &kr));

    size_t groups = (n + VOX_CHUNK - 1) / VOX_CHUNK;
    int32_t *ix = sp__kctx_scratch(k, SP__VOXEL_SLOT_IX, n * 4);
    int32_t *iy = sp__kctx_scratch(k, SP__VOXEL_SLOT_IY, n * 4);
    int32_t *iz = sp__kctx_scratch(k, SP__VOXEL_SLOT_IZ, n * 4);
    int32_t *gb = sp__kctx_scratch(k, SP__VOXEL_SLOT_MISC, groups * 32);
    if (!ix || !iy || !iz || !gb)
        return SP_ENOMEM;
    SP_TRY(sp__cl_scratch(k, 0, groups * 32, &bounds_buf));

    size_t fb = n * sizeof(float);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->x, fb, &b[BX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->y, fb, &b[BY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->z, fb, &b[BZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, ix, n * 4, &b[BIX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, iy, n * 4, &b[BIY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, iz, n * 4, &b[BIZ]), done);

    cl_uint un = (cl_uint)n;
    cl_float4 inv = {{p->inv[0], p->inv[1], p->inv[2], 0.0f}};
    SP_CL_TRY(clSetKernelArg(ki, 0, sizeof(cl_mem), &b[BX]), done);
    SP_CL_TRY(clSetKernelArg(ki, 1, sizeof(cl_mem), &b[BY]), done);
    SP_CL_TRY(clSetKernelArg(ki, 2, sizeof(cl_mem), &b[BZ]), done);
    SP_CL_TRY(clSetKernelArg(ki, 3, sizeof un, &un), done);
    SP_CL_TRY(clSetKernelArg(ki, 4, sizeof inv, &inv), done);
    SP_CL_TRY(clSetKernelArg(ki, 5, sizeof(cl_mem), &b[BIX]), done);
    SP_CL_TRY(clSetKernelArg(ki, 6, sizeof(cl_mem), &b[BIY]), done);
    SP_CL_TRY(clSetKernelArg(ki, 7, sizeof(cl_mem), &b[BIZ]), done);
    SP_CL_TRY(clSetKernelArg(ki, 8, sizeof(cl_mem), &bounds_buf), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, ki, cl_what, groups, 0), done);
    SP_TRY_GOTO(rc, sp__cl_read(k, bounds_buf, 0, gb, groups * 32), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[BIX], ix, n * 4), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[BIY], iy, n * 4), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[BIZ], iz, n * 4), done);

    sp__voxel_bounds bd;
    sp__voxel_bounds_init(&bd);
    for (size_t g = 0; g < groups; g++) {
        const int32_t *r = gb + g * 8;
        for (int a = 0; a < 3; a++) {
            if (r[a] < bd.lo[a])
                bd.lo[a] = r[a];
            if (r[3 + a] > bd.hi[a])
                bd.hi[a] = r[3 + a];
        }
        bd.valid += (size_t)r[6];
        bd.wide |= r[7];
    }
    uint64_t *keys;
    uint32_t *idx;
    size_t m;
    if (!bd.wide) {
        rc = sp__voxel_sort(k, &bd, n, ix, iy, iz, &keys, &idx, &m);
        if (rc < 0)
            goto done;
    }
    if (bd.wide || rc == 1) {
        /* Index ranges beyond the fast path: the exact CPU path. */
        rc = sp__voxel_wide(k, p, in, out);
        goto done;
    }

    /* Runs of equal keys; the index arrays are free again and hold the
     * kept voxels' first position and length. */
    uint32_t *start = (uint32_t *)ix, *len = (uint32_t *)iy;
    size_t nv = 0;
    for (size_t s = 0; s < m;) {
        size_t e = s + 1;
        while (e < m && keys[e] == keys[s])
            e++;
        if (e - s >= p->min_points) {
            start[nv] = (uint32_t)s;
            len[nv] = (uint32_t)(e - s);
            nv++;
        }
        s = e;
    }
    if (nv > out->capacity) {
        rc = sp__fail(SP_ERANGE,
                      "voxel: %zu voxels exceed the output's capacity %zu "
                      "(input %zu points)",
                      nv, out->capacity, n);
        goto done;
    }
    if (nv == 0)
        goto done;

    cl_what = "voxel_reduce";
    size_t ob = nv * sizeof(float);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, in->intensity, fb, &b[BW]), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_in(k, p->ring ? in->ring : NULL,
                                 p->ring ? n * 2 : 0, &b[BRING]),
                done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_in(k, p->time ? in->time : NULL, p->time ? fb : 0,
                                 &b[BTIME]),
                done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, idx, m * 4, &b[BIDX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, start, nv * 4, &b[BSTART]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, len, nv * 4, &b[BLEN]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->x, ob, &b[OX]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->y, ob, &b[OY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->z, ob, &b[OZ]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out->intensity, ob, &b[OW]), done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_out(k, p->ring ? out->ring : NULL,
                                  p->ring ? nv * 2 : 0, &b[ORING]),
                done);
    SP_TRY_GOTO(rc,
                sp__cl_buffer_out(k, p->time ? out->time : NULL,
                                  p->time ? ob : 0, &b[OTIME]),
                done);
    cl_uint unv = (cl_uint)nv;
    cl_int has_ring = p->ring, has_time = p->time;
    const cl_mem ins[] = {b[BX],    b[BY],   b[BZ],     b[BW],  b[BRING],
                          b[BTIME], b[BIDX], b[BSTART], b[BLEN]};
    for (cl_uint a = 0; a < 9; a++)
        SP_CL_TRY(clSetKernelArg(kr, a, sizeof(cl_mem), &ins[a]), done);
    SP_CL_TRY(clSetKernelArg(kr, 9, sizeof unv, &unv), done);
    SP_CL_TRY(clSetKernelArg(kr, 10, sizeof has_ring, &has_ring), done);
    SP_CL_TRY(clSetKernelArg(kr, 11, sizeof has_time, &has_time), done);
    const cl_mem outs[] = {b[OX], b[OY], b[OZ], b[OW], b[ORING], b[OTIME]};
    for (cl_uint a = 0; a < 6; a++)
        SP_CL_TRY(clSetKernelArg(kr, 12 + a, sizeof(cl_mem), &outs[a]), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kr, cl_what, nv, 64), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OX], out->x, ob), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OY], out->y, ob), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OZ], out->z, ob), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OW], out->intensity, ob), done);
    if (p->ring)
        SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[ORING], out->ring, nv * 2),
                    done);
    if (p->time)
        SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, b[OTIME], out->time, ob),
                    done);
    SP_TRY_GOTO(rc, sp__cl_finish(k), done);
    out->count = nv;
    /* The extras on the host, from the same members as every CPU path. */
    if (p->ex)
        sp__extras_reduce(p->ex, idx, start, len, nv);
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &b[i]);
    return rc;
}
