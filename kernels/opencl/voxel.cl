/* voxel on OpenCL.
 *   voxel_index:  per point, floor(c * inv) in float32 exactly as the scalar
 *                 pass (kernels/scalar/voxel_scalar.c), SKIP for NaN/Inf,
 *                 and per work-group bounds: lo[3], hi[3], valid, wide.
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

#define VOX_WG 256
#define VOX_SKIP INT_MIN
#define VOX_LIM 2147483648.0f

__kernel __attribute__((reqd_work_group_size(VOX_WG, 1, 1)))
void voxel_index(__global const float *x, __global const float *y,
                 __global const float *z, uint n, float4 inv,
                 __global int *ix, __global int *iy, __global int *iz,
                 __global int *bounds)
{
    __local int red[8][VOX_WG];
    uint i = get_global_id(0), l = get_local_id(0);
    int v[3] = {0, 0, 0};
    int valid = 0, wide = 0;
    if (i < n) {
        float c[3] = {x[i], y[i], z[i]};
        if (isfinite(c[0]) && isfinite(c[1]) && isfinite(c[2])) {
            float f[3] = {floor(c[0] * inv.x), floor(c[1] * inv.y),
                          floor(c[2] * inv.z)};
            valid = 1;
            for (int a = 0; a < 3; a++) {
                if (!(f[a] > -VOX_LIM && f[a] < VOX_LIM))
                    wide = 1;
                else
                    v[a] = (int)f[a];
            }
            if (wide)
                valid = 0;
        }
        ix[i] = valid ? v[0] : VOX_SKIP;
        iy[i] = v[1];
        iz[i] = v[2];
    }
    for (int a = 0; a < 3; a++) {
        red[a][l] = valid ? v[a] : INT_MAX;
        red[3 + a][l] = valid ? v[a] : INT_MIN;
    }
    red[6][l] = valid;
    red[7][l] = wide;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = VOX_WG / 2; s > 0; s >>= 1) {
        if (l < s) {
            for (int a = 0; a < 3; a++) {
                red[a][l] = min(red[a][l], red[a][l + s]);
                red[3 + a][l] = max(red[3 + a][l], red[3 + a][l + s]);
            }
            red[6][l] += red[6][l + s];
            red[7][l] |= red[7][l + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (l < 8)
        bounds[get_group_id(0) * 8 + l] = red[l][0];
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
