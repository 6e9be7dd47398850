/* voxel on OpenCL.
 *   voxel_index:  per point, floor(c * inv) in float32 exactly as the scalar
 *                 pass (kernels/scalar/voxel_scalar.c), SKIP for NaN/Inf,
 *                 and per chunk of 64 points bounds: lo[3], hi[3], valid,
 *                 wide.
 *   (host: 64-bit keys, stable radix sort, runs -> start/len per voxel)
 *   voxel_reduce: one work-item per kept voxel sums its points in input
 *                 order, in double when the device has fp64 (then the
 *                 result is the scalar one bit for bit), else float. */
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#else
typedef float acc_t;
#endif

#define VOX_CHUNK 64 /* keep equal to voxel_cl.c */
#define VOX_SKIP INT_MIN
#define VOX_LIM 2147483648.0f

/* One work-item per VOX_CHUNK consecutive points, writing its own bounds
 * record (no local memory, no barriers: cheap on CPU devices). */
__kernel void voxel_index(__global const float *x, __global const float *y,
                          __global const float *z, uint n, float4 inv,
                          __global int *ix, __global int *iy,
                          __global int *iz, __global int *bounds)
{
    uint g = get_global_id(0);
    uint first = g * VOX_CHUNK;
    if (first >= n)
        return;
    uint last = min(first + VOX_CHUNK, n);
    int3 lo = (int3)(INT_MAX), hi = (int3)(INT_MIN);
    int valid = 0, wide = 0;
    for (uint i = first; i < last; i++) {
        float3 c = (float3)(x[i], y[i], z[i]);
        int ok = isfinite(c.x) && isfinite(c.y) && isfinite(c.z);
        float3 f = floor(c * inv.xyz);
        int fits = f.x > -VOX_LIM && f.x < VOX_LIM && f.y > -VOX_LIM &&
                   f.y < VOX_LIM && f.z > -VOX_LIM && f.z < VOX_LIM;
        wide |= ok && !fits;
        ok = ok && fits;
        int3 v = ok ? convert_int3(f) : (int3)(0);
        ix[i] = ok ? v.x : VOX_SKIP;
        iy[i] = v.y;
        iz[i] = v.z;
        if (ok) {
            lo = min(lo, v);
            hi = max(hi, v);
            valid++;
        }
    }
    __global int *r = bounds + (size_t)g * 8;
    r[0] = lo.x;
    r[1] = lo.y;
    r[2] = lo.z;
    r[3] = hi.x;
    r[4] = hi.y;
    r[5] = hi.z;
    r[6] = valid;
    r[7] = wide;
}

__kernel void voxel_reduce(__global const float *x, __global const float *y,
                           __global const float *z, __global const float *w,
                           __global const ushort *ring,
                           __global const float *t, __global const uint *idx,
                           __global const uint *start,
                           __global const uint *len, uint nv, int has_ring,
                           int has_time, __global float *ox,
                           __global float *oy, __global float *oz,
                           __global float *ow, __global ushort *oring,
                           __global float *ot)
{
    uint v = get_global_id(0);
    if (v >= nv)
        return;
    uint s = start[v], c = len[v];
    acc_t sx = 0, sy = 0, sz = 0, sw = 0, st = 0;
    for (uint j = s; j < s + c; j++) {
        uint i = idx[j];
        sx += (acc_t)x[i];
        sy += (acc_t)y[i];
        sz += (acc_t)z[i];
        sw += (acc_t)w[i];
        if (has_time)
            st += (acc_t)t[i];
    }
    acc_t inv = (acc_t)1 / (acc_t)c;
    ox[v] = (float)(sx * inv);
    oy[v] = (float)(sy * inv);
    oz[v] = (float)(sz * inv);
    ow[v] = (float)(sw * inv);
    if (has_ring)
        oring[v] = ring[idx[s]];
    if (has_time)
        ot[v] = (float)(st * inv);
}
