/* crop on OpenCL: order-preserving stream compaction in two passes over
 * chunks of CROP_CHUNK consecutive points, one chunk per work-item.
 *   crop_count:   counts[chunk] = kept points in the chunk
 *   (host: exclusive prefix sum of counts -> offsets)
 *   crop_scatter: each chunk re-tests its points and writes the kept ones
 *                 in order from offsets[chunk] (and, for a cloud with extra
 *                 fields, their input indices).
 * The test is sp__crop_keep() (kernels/crop_int.h) operation for operation;
 * contraction is off so x*x + y*y + z*z rounds as in C. */
#pragma OPENCL FP_CONTRACT OFF

#define CROP_CHUNK 64 /* keep equal to crop_cl.c */

static int crop_keep(float x, float y, float z, float4 lo, float4 hi,
                     float r2lo, float r2hi, int use_range, int invert)
{
    if (!(isfinite(x) && isfinite(y) && isfinite(z)))
        return 0;
    int in = (x >= lo.x) & (x <= hi.x) & (y >= lo.y) & (y <= hi.y) &
             (z >= lo.z) & (z <= hi.z);
    if (use_range) {
        float r2 = x * x + y * y + z * z;
        in &= (r2 >= r2lo) & (r2 <= r2hi);
    }
    return in ^ invert;
}

/* Each work-item owns CROP_CHUNK consecutive points: no local memory and
 * no barriers, which suits CPU devices (PoCL turns barriers into loop
 * fission) and is fine for a memory-bound kernel on a GPU. */
__kernel void crop_count(__global const float *x, __global const float *y,
                         __global const float *z, uint n, float4 lo,
                         float4 hi, float r2lo, float r2hi, int use_range,
                         int invert, __global uint *counts)
{
    uint g = get_global_id(0);
    uint first = g * CROP_CHUNK;
    if (first >= n)
        return;
    uint last = min(first + CROP_CHUNK, n), c = 0;
    for (uint i = first; i < last; i++)
        c += (uint)crop_keep(x[i], y[i], z[i], lo, hi, r2lo, r2hi, use_range,
                             invert);
    counts[g] = c;
}

__kernel void crop_scatter(__global const float *x, __global const float *y,
                           __global const float *z, __global const float *w,
                           __global const ushort *ring, __global const float *t,
                           uint n, float4 lo, float4 hi, float r2lo,
                           float r2hi, int use_range, int invert,
                           int has_ring, int has_time,
                           __global const uint *offsets, __global float *ox,
                           __global float *oy, __global float *oz,
                           __global float *ow, __global ushort *oring,
                           __global float *ot, int has_idx,
                           __global uint *oidx)
{
    uint g = get_global_id(0);
    uint first = g * CROP_CHUNK;
    if (first >= n)
        return;
    uint last = min(first + CROP_CHUNK, n), o = offsets[g];
    for (uint i = first; i < last; i++) {
        if (!crop_keep(x[i], y[i], z[i], lo, hi, r2lo, r2hi, use_range,
                       invert))
            continue;
        ox[o] = x[i];
        oy[o] = y[i];
        oz[o] = z[i];
        ow[o] = w[i];
        if (has_ring)
            oring[o] = ring[i];
        if (has_time)
            ot[o] = t[i];
        if (has_idx)
            oidx[o] = i;
        o++;
    }
}
