/* resize, OpenCL: one work-item per output element (x = element index in
 * the row, y = output row). The tables come from the host (kernels/
 * resize.c), so the arithmetic below is resize_scalar.c's, element by
 * element. Contraction is off so float results match the scalar code bit
 * for bit. */
#pragma OPENCL FP_CONTRACT OFF

__kernel void resize_linear_u8(__global const uchar *src, ulong sstride,
                               __global uchar *dst, ulong dstride, int n,
                               int dh, __global const int *x0,
                               __global const int *x1,
                               __global const short *ia,
                               __global const int *y0, __global const int *y1,
                               __global const short *ib)
{
    int i = get_global_id(0), dy = get_global_id(1);
    if (i >= n || dy >= dh)
        return;
    __global const uchar *r0 = src + (ulong)y0[dy] * sstride;
    __global const uchar *r1 = src + (ulong)y1[dy] * sstride;
    int a0 = ia[2 * i], a1 = ia[2 * i + 1];
    int h0 = (r0[x0[i]] * a0 + r0[x1[i]] * a1) >> 4;
    int h1 = (r1[x0[i]] * a0 + r1[x1[i]] * a1) >> 4;
    int b0 = ib[2 * dy], b1 = ib[2 * dy + 1];
    dst[(ulong)dy * dstride + i] =
        (uchar)((((b0 * h0) >> 16) + ((b1 * h1) >> 16) + 2) >> 2);
}

__kernel void resize_linear_f32(__global const uchar *src, ulong sstride,
                                __global uchar *dst, ulong dstride, int n,
                                int dh, __global const int *x0,
                                __global const int *x1,
                                __global const float *fa,
                                __global const int *y0,
                                __global const int *y1,
                                __global const float *fb)
{
    int i = get_global_id(0), dy = get_global_id(1);
    if (i >= n || dy >= dh)
        return;
    __global const float *r0 =
        (__global const float *)(src + (ulong)y0[dy] * sstride);
    __global const float *r1 =
        (__global const float *)(src + (ulong)y1[dy] * sstride);
    float a0 = fa[2 * i], a1 = fa[2 * i + 1];
    float h0 = r0[x0[i]] * a0 + r0[x1[i]] * a1;
    float h1 = r1[x0[i]] * a0 + r1[x1[i]] * a1;
    __global float *d = (__global float *)(dst + (ulong)dy * dstride);
    d[i] = h0 * fb[2 * dy] + h1 * fb[2 * dy + 1];
}

/* Exact 2x downscale: the 2x2 mean. */
__kernel void resize_half(__global const uchar *src, ulong sstride,
                          __global uchar *dst, ulong dstride, int n, int dh,
                          int cn, int f32)
{
    int i = get_global_id(0), dy = get_global_id(1);
    if (i >= n || dy >= dh)
        return;
    int x = (i / cn) * 2 * cn + i % cn;
    __global const uchar *r0 = src + (ulong)(2 * dy) * sstride;
    __global const uchar *r1 = r0 + sstride;
    if (f32) {
        __global const float *a = (__global const float *)r0;
        __global const float *b = (__global const float *)r1;
        __global float *d = (__global float *)(dst + (ulong)dy * dstride);
        d[i] = (a[x] + a[x + cn] + b[x] + b[x + cn]) * 0.25f;
    } else {
        dst[(ulong)dy * dstride + i] =
            (uchar)((r0[x] + r0[x + cn] + r1[x] + r1[x + cn] + 2) >> 2);
    }
}

__kernel void resize_nearest(__global const uchar *src, ulong sstride,
                             __global uchar *dst, ulong dstride, int n,
                             int dh, __global const int *x0,
                             __global const int *y0, int f32)
{
    int i = get_global_id(0), dy = get_global_id(1);
    if (i >= n || dy >= dh)
        return;
    __global const uchar *r = src + (ulong)y0[dy] * sstride;
    if (f32)
        ((__global float *)(dst + (ulong)dy * dstride))[i] =
            ((__global const float *)r)[x0[i]];
    else
        dst[(ulong)dy * dstride + i] = r[x0[i]];
}

/* Box filter: for each covered source column, the vertical weighted sum
 * (rows in order), then the weighted sum of those (columns in order): the
 * scalar code's arithmetic, element by element. */
__kernel void resize_area(__global const uchar *src, ulong sstride,
                          __global uchar *dst, ulong dstride, int n, int dh,
                          int cn, int f32, __global const int *axs,
                          __global const int *axn, __global const int *axw,
                          __global const float *awx, __global const int *ays,
                          __global const int *ayn, __global const int *ayw,
                          __global const float *awy)
{
    int i = get_global_id(0), dy = get_global_id(1);
    if (i >= n || dy >= dh)
        return;
    int dx = i / cn, c = i % cn;
    int xs = axs[dx] * cn + c, xn = axn[dx];
    __global const float *wx = awx + axw[dx];
    __global const float *wy = awy + ayw[dy];
    float acc = 0.f;
    for (int t = 0; t < xn; t++) {
        int x = xs + t * cn;
        float v = 0.f;
        for (int j = 0; j < ayn[dy]; j++) {
            __global const uchar *r = src + (ulong)(ays[dy] + j) * sstride;
            float px = f32 ? ((__global const float *)r)[x] : (float)r[x];
            v += wy[j] * px;
        }
        acc += wx[t] * v;
    }
    if (f32) {
        ((__global float *)(dst + (ulong)dy * dstride))[i] = acc;
    } else {
        float q = floor(acc + 0.5f);
        dst[(ulong)dy * dstride + i] = (uchar)clamp(q, 0.f, 255.f);
    }
}
