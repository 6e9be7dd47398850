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
    int lo[3] = {INT_MAX, INT_MAX, INT_MAX}, hi[3] = {INT_MIN, INT_MIN, INT_MIN};
    int valid = 0, wide = 0;
    for (uint i = first; i < last; i++) {
        float c[3] = {x[i], y[i], z[i]};
        int v[3] = {0, 0, 0};
        int ok = isfinite(c[0]) && isfinite(c[1]) && isfinite(c[2]);
        if (ok) {
            for (int a = 0; a < 3; a++) {
                float f = floor(c[a] * (a == 0 ? inv.x : a == 1 ? inv.y : inv.z));
                if (!(f > -VOX_LIM && f < VOX_LIM)) {
                    wide = 1;
                    ok = 0;
                } else {
                    v[a] = (int)f;
                }
            }
        }
        ix[i] = ok ? v[0] : VOX_SKIP;
        iy[i] = v[1];
        iz[i] = v[2];
        if (ok) {
            for (int a = 0; a < 3; a++) {
                lo[a] = min(lo[a], v[a]);
                hi[a] = max(hi[a], v[a]);
            }
            valid++;
        }
    }
    __global int *r = bounds + (size_t)g * 8;
    for (int a = 0; a < 3; a++) {
        r[a] = lo[a];
        r[3 + a] = hi[a];
    }
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
