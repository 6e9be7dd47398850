/* normalize, OpenCL: one work-item per pixel; out = px * a[c] + b[c] with
 * contraction off, so it matches kernels/scalar/normalize_scalar.c bit for
 * bit. The channel map and factors are kernel arguments. */
#pragma OPENCL FP_CONTRACT OFF

__kernel void normalize_u8(__global const uchar *src, ulong sstride, int w,
                           int h, int cn, int nout,
                           __global float *dst, ulong plane, int4 in_ch,
                           float4 a, float4 b)
{
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    __global const uchar *p = src + (ulong)y * sstride + (ulong)x * cn;
    ulong o = (ulong)y * w + x;
    float t;
    t = (float)p[in_ch.s0] * a.s0;
    dst[o] = t + b.s0;
    if (nout == 3) {
        t = (float)p[in_ch.s1] * a.s1;
        dst[plane + o] = t + b.s1;
        t = (float)p[in_ch.s2] * a.s2;
        dst[2 * plane + o] = t + b.s2;
    }
}
