/* The lidar packet decoders' projection (kernels/lidardec_int.h) on
 * OpenCL, over many packets' batches in one call (a scan), in three
 * passes: ld_prefix (a work-item per live block: each point's keep test,
 * its rank among the block's kept points, the block's count), ld_scan
 * (one work-item: the blocks' output offsets, the total) and ld_write (a
 * work-item per point: the kept ones written at offset + rank, so the
 * cloud is the scalar reference's, in its order). The per-point
 * arithmetic is sp__ld_point's operation for operation (FP_CONTRACT OFF;
 * the azimuth offset subtracted in double, as the scalar code does, which
 * needs cl_khr_fp64: the host refuses a device without it), so the
 * result is bit-exact; the one division (the HDL-64E intensity
 * correction's raw / 65535) is made in double and rounded to float, which
 * equals the correctly rounded float quotient (53 >= 2 x 24 + 2 bits), as
 * OpenCL's float division need not be.
 *
 * The batch and plan structs are read as bytes at the offsets the host
 * lists in `lay` (offsetof of the C structs), so their layout is never
 * restated here. */
#pragma OPENCL FP_CONTRACT OFF
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#include "lidardec_lay.h"

#define PF(p, i) ((global const float *)((p) + lay[i]))
#define PI(p, i) ((global const int *)((p) + lay[i]))
#define PU16(p, i) ((global const ushort *)((p) + lay[i]))
#define PU8(p, i) ((global const uchar *)((p) + lay[i]))
#define PD(p, i) ((global const double *)((p) + lay[i]))

/* sp__ld_range */
static float ld_range(float scale, uint raw, float dcorr)
{
    float d = (float)raw * scale;
    if (d > 1e-6f)
        d += dcorr;
    return d;
}

/* The rounding of sp__ld_azimuth / sp__ld_azimuth_block. */
static int ld_round_wrap(float f, int units)
{
    float t = (float)(int)f;
    if (f - t >= 0.5f)
        t += 1.0f;
    int a = (int)t;
    return a >= units ? a - units : a;
}

/* The kept test of point j of block blk (slot s); *a gets its table
 * azimuth. */
static int ld_keep(global const uchar *pl, constant uint *lay,
                   global const uchar *bt, uint blk, uint k, uint s,
                   float *dist, int *azi)
{
    uint raw = PU16(bt, L_RAW)[k];
    float d = ld_range(PF(bt, L_SCALE)[0], raw, PF(pl, L_DCORR)[s]);
    float sa = PF(bt, L_BAZ)[blk] + PF(bt, L_BAZD)[blk] * PF(pl, L_FRAC)[s];
    float f = (float)((double)sa - PD(pl, L_ROTOFF)[s]);
    if (f < 0.0f)
        f += PF(pl, L_FUNITS)[0];
    int a = ld_round_wrap(f, PI(pl, L_UNITS)[0]);
    int lo = PI(pl, L_WINLO)[0], hi = PI(pl, L_WINHI)[0];
    int win = PI(pl, L_WINFULL)[0]   ? 1
              : PI(pl, L_WINWRAPS)[0] ? (a >= lo || a <= hi)
                                      : (a >= lo && a <= hi);
    *dist = d;
    *azi = a;
    return PU8(bt, L_KEEP)[k] && raw != 0 && d > PF(pl, L_MINR)[0] &&
           d < PF(pl, L_MAXR)[0] && win;
}

/* blocks[g] = batch << 5 | block: the live blocks of the call. pre gets
 * for each point of block g its rank among the block's kept points, -1
 * when dropped (maxpb entries per block); cnt[g] the block's kept count. */
kernel void ld_prefix(global const uchar *pl, constant uint *lay,
                      global const uchar *batches, global const uint *blocks,
                      uint nlive, uint maxpb, global short *pre,
                      global uint *cnt)
{
    size_t g = get_global_id(0);
    if (g >= nlive)
        return;
    uint id = blocks[g], blk = id & 31u;
    global const uchar *bt = batches + (size_t)(id >> 5) * lay[L_BSIZE];
    uint pb = PI(bt, L_PER_BLOCK)[0];
    uint s0 = PU16(bt, L_SLOT0)[blk];
    uint c = 0;
    for (uint j = 0; j < pb; j++) {
        float d;
        int a;
        int kp = ld_keep(pl, lay, bt, blk, blk * pb + j, s0 + j, &d, &a);
        pre[g * maxpb + j] = kp ? (short)c : (short)-1;
        c += kp ? 1u : 0u;
    }
    cnt[g] = c;
}

/* off[g] = the kept points of the blocks before g; off[nlive] the total.
 * One work-item: a few thousand additions per scan. */
kernel void ld_scan(global const uint *cnt, uint nlive, global uint *off)
{
    if (get_global_id(0) != 0)
        return;
    uint t = 0;
    for (uint g = 0; g < nlive; g++) {
        off[g] = t;
        t += cnt[g];
    }
    off[nlive] = t;
}

/* Point j (dimension 0) of live block g (dimension 1). has: bit 0 time,
 * 1 azimuth, 2 distance, 3 ring, 4 return type. */
kernel void ld_write(global const uchar *pl, constant uint *lay,
                     global const uchar *batches, global const uint *blocks,
                     uint nlive, uint maxpb, global const short *pre,
                     global const uint *off, global const float *tab,
                     uint has, global float *ox, global float *oy,
                     global float *oz, global float *oin, global float *ot,
                     global float *oaz, global float *od, global ushort *oring,
                     global uchar *ort)
{
    size_t j = get_global_id(0), g = get_global_id(1);
    if (g >= nlive || j >= maxpb)
        return;
    uint id = blocks[g], blk = id & 31u;
    global const uchar *bt = batches + (size_t)(id >> 5) * lay[L_BSIZE];
    uint pb = PI(bt, L_PER_BLOCK)[0];
    if (j >= pb)
        return; /* a narrower block than the call's widest: no rank here */
    short r = pre[g * maxpb + j];
    if (r < 0)
        return;
    uint k = blk * pb + (uint)j, s = PU16(bt, L_SLOT0)[blk] + (uint)j;
    uint n = off[g] + (uint)r;
    float d;
    int a;
    (void)ld_keep(pl, lay, bt, blk, k, s, &d, &a);
    uint raw = PU16(bt, L_RAW)[k];
    float in = (float)PU8(bt, L_INT)[k];
    float x, y, z;
    if (PI(pl, L_OFFSETS)[0]) {
        float sa =
            PF(bt, L_BAZ)[blk] + PF(bt, L_BAZD)[blk] * PF(pl, L_FRAC)[s];
        int ab = ld_round_wrap(sa, PI(pl, L_UNITS)[0]);
        float c1 = tab[2 * ab], c2 = tab[2 * ab + 1];
        float rc = PF(pl, L_ROTC)[s], rs = PF(pl, L_ROTS)[s];
        float c = c1 * rc - c2 * rs;
        float sn = c2 * rc + c1 * rs;
        float h = PF(pl, L_HORIZ)[s], vs = PF(pl, L_VOSIN)[s];
        float cv = PF(pl, L_COSV)[s];
        float xy = d * cv - vs;
        float x0 = xy * c - h * sn;
        float y0 = xy * sn + h * c;
        float ax = x0 < 0.0f ? -x0 : x0, ay = y0 < 0.0f ? -y0 : y0;
        float dx = d + ((ay - 2.4f) * PF(pl, L_TPKX)[s] + PF(pl, L_TPBX)[s]);
        float dy = d + ((ax - 1.93f) * PF(pl, L_TPKY)[s] + PF(pl, L_TPBY)[s]);
        x = (dy * cv - vs) * c - h * sn;
        y = (dx * cv - vs) * sn + h * c;
        z = dy * PF(pl, L_SINV)[s] + PF(pl, L_VOCOS)[s];
        float q = 1.0f - (float)((double)raw / 65535.0);
        float t = PF(pl, L_FOFF)[s] - 256.0f * (q * q);
        float i = in + PF(pl, L_FSLOPE)[s] * (t < 0.0f ? -t : t);
        float lo = PF(pl, L_IMIN)[s], hi = PF(pl, L_IMAX)[s];
        i = i < lo ? lo : i;
        in = i > hi ? hi : i;
    } else {
        float xy = d * PF(pl, L_COSV)[s];
        x = xy * tab[2 * a];
        y = xy * tab[2 * a + 1];
        z = d * PF(pl, L_SINV)[s];
    }
    ox[n] = x;
    oy[n] = y;
    oz[n] = z;
    oin[n] = in;
    if (has & 1u)
        ot[n] = PF(bt, L_BTIME)[blk] + PF(pl, L_TOFF)[s];
    if (has & 2u)
        oaz[n] = (float)a * PF(pl, L_AZSCALE)[0];
    if (has & 4u)
        od[n] = d;
    if (has & 8u)
        oring[n] = PU16(pl, L_RING)[s];
    if (has & 16u)
        ort[n] = PU8(bt, L_RT)[k];
}
