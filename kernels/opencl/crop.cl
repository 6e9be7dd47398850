/* crop on OpenCL: order-preserving stream compaction in two passes over
 * work-groups of CROP_WG points.
 *   crop_count:   each group counts its kept points -> counts[group]
 *   (host: exclusive prefix sum of counts -> offsets)
 *   crop_scatter: each group re-tests its points, scans the flags in local
 *                 memory and writes the kept ones at offsets[group] + rank.
 * The test is sp__crop_keep() (kernels/crop_int.h) operation for operation;
 * contraction is off so x*x + y*y + z*z rounds as in C. */
#pragma OPENCL FP_CONTRACT OFF

#define CROP_WG 256

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

__kernel __attribute__((reqd_work_group_size(CROP_WG, 1, 1)))
void crop_count(__global const float *x, __global const float *y,
                __global const float *z, uint n, float4 lo, float4 hi,
                float r2lo, float r2hi, int use_range, int invert,
                __global uint *counts)
{
    __local uint sum[CROP_WG];
    uint i = get_global_id(0), l = get_local_id(0);
    sum[l] = i < n ? (uint)crop_keep(x[i], y[i], z[i], lo, hi, r2lo, r2hi,
                                     use_range, invert)
                   : 0u;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = CROP_WG / 2; s > 0; s >>= 1) {
        if (l < s)
            sum[l] += sum[l + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l == 0)
        counts[get_group_id(0)] = sum[0];
}

__kernel __attribute__((reqd_work_group_size(CROP_WG, 1, 1)))
void crop_scatter(__global const float *x, __global const float *y,
                  __global const float *z, __global const float *w,
                  __global const ushort *ring, __global const float *t,
                  uint n, float4 lo, float4 hi, float r2lo, float r2hi,
                  int use_range, int invert, int has_ring, int has_time,
                  __global const uint *offsets, __global float *ox,
                  __global float *oy, __global float *oz, __global float *ow,
                  __global ushort *oring, __global float *ot)
{
    __local uint scan[2][CROP_WG];
    uint i = get_global_id(0), l = get_local_id(0);
    uint keep = i < n ? (uint)crop_keep(x[i], y[i], z[i], lo, hi, r2lo, r2hi,
                                        use_range, invert)
                      : 0u;
    /* Hillis-Steele inclusive scan, double-buffered. */
    int src = 0;
    scan[0][l] = keep;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = 1; s < CROP_WG; s <<= 1) {
        uint v = scan[src][l];
        if (l >= s)
            v += scan[src][l - s];
        scan[1 - src][l] = v;
        src = 1 - src;
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (!keep)
        return;
    uint o = offsets[get_group_id(0)] + scan[src][l] - 1u;
    ox[o] = x[i];
    oy[o] = y[i];
    oz[o] = z[i];
    ow[o] = w[i];
    if (has_ring)
        oring[o] = ring[i];
    if (has_time)
        ot[o] = t[i];
}
