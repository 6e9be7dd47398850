/* Debayer on OpenCL: one work-item per output pixel, the scalar reference's
 * formulas and reflect-101 border (kernels/scalar/debayer_scalar.c), integer
 * only, so the output is bit-exact. 8-bit and 16-bit variants differ only
 * in the sample type. */

inline int refl(int i, int n)
{
    if (i < 0)
        i = -i;
    if (i >= n)
        i = 2 * n - 2 - i;
    return i < 0 ? 0 : i;
}

inline uint absdiff_u(uint a, uint b)
{
    return a > b ? a - b : b - a;
}

/* rx, ry: the red sample's place in the 2x2 cell; stride in samples. */
#define DEBAYER_BODY(T)                                                       \
    int x = get_global_id(0), y = get_global_id(1);                           \
    if (x >= w || y >= h)                                                     \
        return;                                                               \
    __global const T *u = src + (size_t)refl(y - 1, h) * sstride;             \
    __global const T *c = src + (size_t)y * sstride;                          \
    __global const T *d = src + (size_t)refl(y + 1, h) * sstride;             \
    int xl = refl(x - 1, w), xr = refl(x + 1, w);                             \
    int cx = rx ^ (y & 1) ^ ry, rowred = (y & 1) == ry;                       \
    uint l = c[xl], r = c[xr], up = u[x], dn = d[x], own = c[x];              \
    uint red, green, blue;                                                    \
    if ((x & 1) == cx) {                                                      \
        uint opp = (u[xl] + u[xr] + d[xl] + d[xr] + 2u) >> 2;                 \
        green = (l + r + up + dn + 2u) >> 2;                                  \
        if (ea) {                                                             \
            uint dh = absdiff_u(l, r), dv = absdiff_u(up, dn);                \
            if (dh < dv)                                                      \
                green = (l + r + 1u) >> 1;                                    \
            else if (dv < dh)                                                 \
                green = (up + dn + 1u) >> 1;                                  \
        }                                                                     \
        red = rowred ? own : opp;                                             \
        blue = rowred ? opp : own;                                            \
    } else {                                                                  \
        uint hc = (l + r + 1u) >> 1, vc = (up + dn + 1u) >> 1;                \
        green = own;                                                          \
        red = rowred ? hc : vc;                                               \
        blue = rowred ? vc : hc;                                              \
    }                                                                         \
    __global T *o = dst + (size_t)y * dstride + 3 * (size_t)x;                \
    o[bgr ? 2 : 0] = (T)red;                                                  \
    o[1] = (T)green;                                                          \
    o[bgr ? 0 : 2] = (T)blue;

__kernel void debayer8(__global const uchar *src, uint sstride,
                       __global uchar *dst, uint dstride, int w, int h,
                       int rx, int ry, int bgr, int ea)
{
    DEBAYER_BODY(uchar)
}

__kernel void debayer16(__global const ushort *src, uint sstride,
                        __global ushort *dst, uint dstride, int w, int h,
                        int rx, int ry, int bgr, int ea)
{
    DEBAYER_BODY(ushort)
}
