/* Convert on OpenCL: one work-item per pixel, the scalar reference's decode
 * and encode (kernels/scalar/convert_scalar.c), integer only: bit-exact.
 * Kinds: 0 RGB, 1 BGR, 2 GRAY, 3 RGBA, 4 NV12, 5 YUYV. k = {yoff, cy,
 * cvr, cug, cvg, cub, fast, yg, kvr, kug, kvg, kub, 0...}: the exact rule's
 * coefficients, then the fast rule's (sp_convert.h). */
#define CV_SHIFT 20
#define CV_BIAS ((1 << (CV_SHIFT - 1)) + (256 << CV_SHIFT))

inline int clamp8(int v)
{
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

inline int luma(int Y, int16 k)
{
    return (Y > k.s0 ? Y - k.s0 : 0) * k.s1;
}

/* The fast rule's products (convert_int.h: sp__cv_fast_*). */
inline int fast_chroma(int c, int k)
{
    return (((c - 128) * 256 * k + (1 << 14) + (1 << 30)) >> 15) - (1 << 15);
}

inline int fast_out(int s)
{
    return s < 0 ? 0 : s >= 255 * 64 ? 255 : s >> 6;
}

__kernel void convert(__global const uchar *src, uint sstride, uint uv_offset,
                      __global uchar *dst, uint dstride, int w, int h, int from,
                      int to, int16 k)
{
    int x = get_global_id(0), y = get_global_id(1);
    if (x >= w || y >= h)
        return;
    __global const uchar *s = src + (size_t)y * sstride;
    int r = 0, g = 0, b = 0, a = 255, gray = -1;
    int Y = 0, U = 128, V = 128, yuv = 0;
    switch (from) {
    case 0: r = s[3 * x]; g = s[3 * x + 1]; b = s[3 * x + 2]; break;
    case 1: b = s[3 * x]; g = s[3 * x + 1]; r = s[3 * x + 2]; break;
    case 3: r = s[4 * x]; g = s[4 * x + 1]; b = s[4 * x + 2]; a = s[4 * x + 3]; break;
    case 2: r = g = b = gray = s[x]; break;
    case 4: {
        __global const uchar *uv = src + uv_offset + (size_t)(y >> 1) * sstride;
        int xe = x & ~1;
        Y = s[x]; U = uv[xe]; V = uv[xe + 1]; yuv = 1;
        break;
    }
    default: {
        __global const uchar *p = s + 4 * (size_t)(x >> 1);
        Y = p[2 * (x & 1)]; U = p[1]; V = p[3]; yuv = 1;
        break;
    }
    }
    if (yuv) {
        int yp = luma(Y, k), u = U - 128, v = V - 128;
        r = clamp8(((yp + k.s2 * v + CV_BIAS) >> CV_SHIFT) - 256);
        g = clamp8(((yp + k.s3 * u + k.s4 * v + CV_BIAS) >> CV_SHIFT) - 256);
        b = clamp8(((yp + k.s5 * u + CV_BIAS) >> CV_SHIFT) - 256);
        gray = clamp8(((yp + CV_BIAS) >> CV_SHIFT) - 256);
        if (k.s6) {
            int y1 = (((Y > k.s0 ? Y - k.s0 : 0) * k.s7) >> 8) + 32;
            r = fast_out(y1 + fast_chroma(V, k.s8));
            g = fast_out(y1 + fast_chroma(U, k.s9) + fast_chroma(V, k.sa));
            b = fast_out(y1 + fast_chroma(U, k.sb));
        }
    }
    __global uchar *o = dst + (size_t)y * dstride;
    switch (to) {
    case 0: o[3 * x] = r; o[3 * x + 1] = g; o[3 * x + 2] = b; break;
    case 1: o[3 * x] = b; o[3 * x + 1] = g; o[3 * x + 2] = r; break;
    case 3: o[4 * x] = r; o[4 * x + 1] = g; o[4 * x + 2] = b; o[4 * x + 3] = a; break;
    default:
        o[x] = gray >= 0 ? gray : (r * 9798 + g * 19235 + b * 3735 + 16384) >> 15;
        break;
    }
}
