/* Levels on OpenCL: one work-item per sample, the scalar reference's single
 * precision steps (kernels/scalar/levels_scalar.c) with contraction off, so
 * the output is bit-exact. scale = {s(0,0), s(1,0), s(0,1), s(1,1)} indexed
 * by (y & 1) * 2 + (x & 1). */
#pragma OPENCL FP_CONTRACT OFF

inline uint levels_one(uint v, uint black, float s, float maxout)
{
    uint d = v > black ? v - black : 0u;
    float t = (float)d * s;
    t = t + 0.5f;
    if (t > maxout)
        t = maxout;
    return convert_uint_rtz(t);
}

__kernel void levels8(__global const ushort *src, uint sstride, __global uchar *dst,
                      uint dstride, int w, int h, uint black, float4 scale)
{
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    float s = ((y & 1) ? ((x & 1) ? scale.w : scale.z) : ((x & 1) ? scale.y : scale.x));
    dst[(size_t)y * dstride + x] =
        (uchar)levels_one(src[(size_t)y * sstride + x], black, s, 255.0f);
}

__kernel void levels16(__global const ushort *src, uint sstride, __global ushort *dst,
                       uint dstride, int w, int h, uint black, float4 scale)
{
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    float s = ((y & 1) ? ((x & 1) ? scale.w : scale.z) : ((x & 1) ? scale.y : scale.x));
    dst[(size_t)y * dstride + x] =
        (ushort)levels_one(src[(size_t)y * sstride + x], black, s, 65535.0f);
}
