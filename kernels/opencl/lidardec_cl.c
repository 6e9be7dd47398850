/* The lidar packet decoders' projection, OpenCL host side: many packets'
 * batches (a scan) per call. Lists the live blocks, wraps the plan, the
 * batches, the azimuth table and the cloud's arrays (zero-copy where the
 * device shares host memory), runs ld_prefix, ld_scan and ld_write (see
 * lidardec.cl), reads the total back and makes the outputs visible.
 * Bit-exact against sp__ld_project_scalar run batch after batch. */
#include <stddef.h>
#include <stdint.h>

#include "cl_int.h"
#include "lidardec_lay.h"
#include "lidardec_int.h"

#define B_(f) (cl_uint) offsetof(sp__ld_batch, f)
#define P_(f) (cl_uint) offsetof(sp__ld_plan, f)

static const cl_uint layout[L_COUNT] = {
    (cl_uint)sizeof(sp__ld_batch),
    B_(nblocks),
    B_(per_block),
    B_(scale),
    B_(block_az),
    B_(block_azdiff),
    B_(block_time),
    B_(slot0),
    B_(raw),
    B_(intensity),
    B_(keep),
    B_(rtype),
    P_(frac),
    P_(toff),
    P_(dcorr),
    P_(cos_v),
    P_(sin_v),
    P_(rotoff),
    P_(ring),
    P_(offsets),
    P_(rot_c),
    P_(rot_s),
    P_(vo_sin),
    P_(vo_cos),
    P_(horiz),
    P_(tp_kx),
    P_(tp_bx),
    P_(tp_ky),
    P_(tp_by),
    P_(focal_off),
    P_(focal_slope),
    P_(imin),
    P_(imax),
    P_(units),
    P_(funits),
    P_(az_scale),
    P_(min_r),
    P_(max_r),
    P_(win_lo),
    P_(win_hi),
    P_(win_full),
    P_(win_wraps),
};

_Static_assert(SP__LD_MAX_BLOCKS <= 32, "blocks[] packs the block in 5 bits");
_Static_assert(SP__LD_MAX_POINTS <= 32767, "ranks are shorts");

enum {
    BPLAN,
    BLAY,
    BBATCH,
    BLIST,
    BTAB,
    OX,
    OY,
    OZ,
    OIN,
    OT,
    OAZ,
    OD,
    ORING,
    ORT,
    NBUF
};

int sp__ld_project_cl(sp_kctx *k, const sp__ld_plan *pl, const sp__ld_batch *b,
                      size_t nb, const sp__ld_dst *o, size_t *written)
{
    int rc = SP_OK;
    const char *cl_what = "lidar";
    cl_kernel kp, ks, kw;
    cl_mem m[NBUF] = {0}, pre, cnt, off;
    *written = 0;
    if (nb == 0)
        return SP_OK;
    if (nb > (UINT32_MAX >> 5))
        return sp__fail(SP_ERANGE, "lidar (opencl): %zu packets in one call",
                        nb);
    /* What sp__cl_open learnt of the device (AUTO does not come here
     * without it; an explicit opencl back-end is told why). */
    if (!(k->cl->exact & SP__KT_FP64))
        return sp__fail(SP_EUNSUPPORTED,
                        "lidar (opencl): '%s' has no double precision "
                        "(cl_khr_fp64), which the exact azimuth needs",
                        k->cl->device_name);
    SP_TRY(sp__cl_kernel(k, "lidardec", "ld_prefix", &kp));
    SP_TRY(sp__cl_kernel(k, "lidardec", "ld_scan", &ks));
    SP_TRY(sp__cl_kernel(k, "lidardec", "ld_write", &kw));

    /* The live blocks, and the widest block: the ranks' row length. */
    size_t nlive = 0, cand = 0;
    cl_uint maxpb = 1;
    for (size_t i = 0; i < nb; i++) {
        nlive += b[i].nblocks;
        cand += (size_t)b[i].nblocks * b[i].per_block;
        if (b[i].per_block > maxpb)
            maxpb = b[i].per_block;
    }
    if (nlive == 0)
        return SP_OK;
    uint32_t *list = sp__kctx_scratch(k, 1, nlive * sizeof(uint32_t));
    if (!list)
        return SP_ENOMEM;
    for (size_t i = 0, g = 0; i < nb; i++)
        for (uint32_t j = 0; j < b[i].nblocks; j++)
            list[g++] = (uint32_t)i << 5 | j;
    SP_TRY(sp__cl_scratch(k, 0, nlive * maxpb * sizeof(cl_short), &pre));
    SP_TRY(sp__cl_scratch(k, 1, nlive * sizeof(cl_uint), &cnt));
    SP_TRY(sp__cl_scratch(k, 2, (nlive + 1) * sizeof(cl_uint), &off));

    size_t tab_bytes = ((size_t)pl->units + 16) * 2 * sizeof(float);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, pl, sizeof *pl, &m[BPLAN]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, layout, sizeof layout, &m[BLAY]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, b, nb * sizeof *b, &m[BBATCH]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, list, nlive * 4, &m[BLIST]), done);
    SP_TRY_GOTO(rc, sp__cl_buffer_in(k, pl->tab, tab_bytes, &m[BTAB]), done);
    void *outs[] = {o->x,       o->y,        o->z,    o->intensity, o->time,
                    o->azimuth, o->distance, o->ring, o->rtype};
    size_t osz[] = {4, 4, 4, 4, 4, 4, 4, 2, 1};
    for (int i = 0; i < 9; i++)
        SP_TRY_GOTO(rc,
                    sp__cl_buffer_out(k, outs[i], outs[i] ? cand * osz[i] : 0,
                                      &m[OX + i]),
                    done);
    cl_uint un = (cl_uint)nlive;
    cl_uint has = (o->time ? 1u : 0u) | (o->azimuth ? 2u : 0u) |
                  (o->distance ? 4u : 0u) | (o->ring ? 8u : 0u) |
                  (o->rtype ? 16u : 0u);

    cl_what = "ld_prefix";
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 0, sizeof(cl_mem), &m[BPLAN]),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 1, sizeof(cl_mem), &m[BLAY]), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 2, sizeof(cl_mem), &m[BBATCH]),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 3, sizeof(cl_mem), &m[BLIST]),
                done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 4, sizeof un, &un), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 5, sizeof maxpb, &maxpb), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 6, sizeof(cl_mem), &pre), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kp, cl_what, 7, sizeof(cl_mem), &cnt), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, kp, cl_what, nlive, 0), done);

    cl_what = "ld_scan";
    SP_TRY_GOTO(rc, sp__cl_arg(ks, cl_what, 0, sizeof(cl_mem), &cnt), done);
    SP_TRY_GOTO(rc, sp__cl_arg(ks, cl_what, 1, sizeof un, &un), done);
    SP_TRY_GOTO(rc, sp__cl_arg(ks, cl_what, 2, sizeof(cl_mem), &off), done);
    SP_TRY_GOTO(rc, sp__cl_run1d(k, ks, cl_what, 1, 1), done);

    cl_what = "ld_write";
    cl_mem wargs[] = {m[BPLAN], m[BLAY], m[BBATCH], m[BLIST]};
    for (cl_uint i = 0; i < 4; i++)
        SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, i, sizeof(cl_mem), &wargs[i]),
                    done);
    SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, 4, sizeof un, &un), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, 5, sizeof maxpb, &maxpb), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, 6, sizeof(cl_mem), &pre), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, 7, sizeof(cl_mem), &off), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, 8, sizeof(cl_mem), &m[BTAB]), done);
    SP_TRY_GOTO(rc, sp__cl_arg(kw, cl_what, 9, sizeof has, &has), done);
    for (cl_uint i = 0; i < 9; i++)
        SP_TRY_GOTO(rc,
                    sp__cl_arg(kw, cl_what, 10 + i, sizeof(cl_mem), &m[OX + i]),
                    done);
    /* A block's points along dimension 0, work-groups of whole blocks
     * (about 256 points) where the device takes them. */
    size_t ly = 256 / maxpb ? 256 / maxpb : 1, lx = maxpb;
    if (lx * ly > k->cl->max_work_group)
        lx = ly = 0;
    SP_TRY_GOTO(rc, sp__cl_run2d(k, kw, cl_what, maxpb, nlive, lx, ly), done);

    cl_uint total = 0;
    SP_TRY_GOTO(rc, sp__cl_read(k, off, nlive * sizeof(cl_uint), &total, 4),
                done);
    for (int i = 0; i < 9; i++)
        if (outs[i])
            SP_TRY_GOTO(rc,
                        sp__cl_buffer_sync_out(k, m[OX + i], outs[i],
                                               (size_t)total * osz[i]),
                        done);
    *written = total;
done:
    for (int i = NBUF - 1; i >= 0; i--)
        sp__cl_release(k, &m[i]);
    return rc;
}
