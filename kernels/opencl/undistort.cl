/* undistort, OpenCL: one work-item per output pixel, bilinear through the
 * 1/32-pixel table with undistort_scalar.c's arithmetic (integer weights
 * summing to 2^14 for bytes; float weights and tap order for F32, with
 * contraction off). Taps outside the image read 0. */
#pragma OPENCL FP_CONTRACT OFF

__kernel void undistort_u8(__global const uchar *src, ulong sstride,
                           __global uchar *dst, ulong dstride, int w, int h,
                           int cn, __global const short *xy,
                           __global const ushort *frac)
{
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    ulong p = (ulong)y * w + x;
    int sx = xy[2 * p], sy = xy[2 * p + 1];
    int f = frac[p], fx = f & 31, fy = f >> 5;
    int w00 = (32 - fx) * (32 - fy) * 16, w01 = fx * (32 - fy) * 16;
    int w10 = (32 - fx) * fy * 16, w11 = fx * fy * 16;
    int in00 = sx >= 0 && sx < w && sy >= 0 && sy < h;
    int in01 = sx + 1 >= 0 && sx + 1 < w && sy >= 0 && sy < h;
    int in10 = sx >= 0 && sx < w && sy + 1 >= 0 && sy + 1 < h;
    int in11 = sx + 1 >= 0 && sx + 1 < w && sy + 1 >= 0 && sy + 1 < h;
    __global uchar *d = dst + (ulong)y * dstride + (ulong)x * cn;
    for (int c = 0; c < cn; c++) {
        int p00 = in00 ? src[(ulong)sy * sstride + (ulong)(sx * cn + c)] : 0;
        int p01 = in01 ? src[(ulong)sy * sstride + (ulong)((sx + 1) * cn + c)] : 0;
        int p10 = in10 ? src[(ulong)(sy + 1) * sstride + (ulong)(sx * cn + c)] : 0;
        int p11 = in11 ? src[(ulong)(sy + 1) * sstride + (ulong)((sx + 1) * cn + c)] : 0;
        int v = p00 * w00 + p01 * w01 + p10 * w10 + p11 * w11;
        d[c] = (uchar)((v + 8192) >> 14);
    }
}

__kernel void undistort_f32(__global const uchar *src, ulong sstride,
                            __global uchar *dst, ulong dstride, int w, int h,
                            __global const short *xy,
                            __global const ushort *frac)
{
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    ulong p = (ulong)y * w + x;
    int sx = xy[2 * p], sy = xy[2 * p + 1];
    int f = frac[p], fx = f & 31, fy = f >> 5;
    float ax = (float)fx * (1.f / 32), ay = (float)fy * (1.f / 32);
    float w00 = (1.f - ay) * (1.f - ax), w01 = (1.f - ay) * ax;
    float w10 = ay * (1.f - ax), w11 = ay * ax;
    int in00 = sx >= 0 && sx < w && sy >= 0 && sy < h;
    int in01 = sx + 1 >= 0 && sx + 1 < w && sy >= 0 && sy < h;
    int in10 = sx >= 0 && sx < w && sy + 1 >= 0 && sy + 1 < h;
    int in11 = sx + 1 >= 0 && sx + 1 < w && sy + 1 >= 0 && sy + 1 < h;
    __global const float *r0 = (__global const float *)(src + (ulong)max(sy, 0) * sstride);
    __global const float *r1 = (__global const float *)(src + (ulong)min(max(sy + 1, 0), h - 1) * sstride);
    float p00 = in00 ? r0[sx] : 0.f, p01 = in01 ? r0[sx + 1] : 0.f;
    float p10 = in10 ? r1[sx] : 0.f, p11 = in11 ? r1[sx + 1] : 0.f;
    float t = p00 * w00;
    t = t + p01 * w01;
    t = t + p10 * w10;
    t = t + p11 * w11;
    ((__global float *)(dst + (ulong)y * dstride))[x] = t;
}
