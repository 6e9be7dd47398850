/* undistort, scalar reference: bilinear sampling through the 1/32-pixel
 * table, with OpenCV's remap arithmetic (see sp_undistort.h). */
#include "undistort_int.h"

/* The back-ends must reproduce this float arithmetic bit for bit: no
 * a * b + c contracted into an fma (GCC's ISO C mode does not contract;
 * clang does by default). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static inline int inside(const sp__undistort_job *j, int x, int y)
{
    return x >= 0 && y >= 0 && (uint32_t)x < j->w && (uint32_t)y < j->h;
}

/* Element c of pixel (x, y), or 0 (the constant border) outside. */
static inline int px8(const sp__undistort_job *j, int x, int y, int c)
{
    if (!inside(j, x, y))
        return 0;
    return j
        ->src[(size_t)y * j->sstride + (size_t)x * (size_t)j->cn + (size_t)c];
}

static inline float pxf(const sp__undistort_job *j, int x, int y)
{
    if (!inside(j, x, y))
        return 0.f;
    const float *r =
        (const float *)(const void *)(j->src + (size_t)y * j->sstride);
    return r[x];
}

void sp__undistort_span_scalar(const sp__undistort_job *j, uint32_t y,
                               uint32_t x0, uint32_t x1)
{
    const int cn = j->cn;
    const size_t base = (size_t)y * j->w;
    uint8_t *drow = j->dst + (size_t)y * j->dstride;
    for (uint32_t x = x0; x < x1; x++) {
        int sx = j->xy[2 * (base + x)], sy = j->xy[2 * (base + x) + 1];
        int f = j->frac[base + x];
        int fx = f & (SP__REMAP_TAB - 1), fy = f >> SP__REMAP_BITS;
        if (j->f32) {
            /* OpenCV's float table: 1-D weights (1 - i/32, i/32), products
             * per tap, taps summed in order. */
            float ax = (float)fx * (1.f / SP__REMAP_TAB);
            float ay = (float)fy * (1.f / SP__REMAP_TAB);
            float w00 = (1.f - ay) * (1.f - ax), w01 = (1.f - ay) * ax;
            float w10 = ay * (1.f - ax), w11 = ay * ax;
            float p00 = pxf(j, sx, sy), p01 = pxf(j, sx + 1, sy);
            float p10 = pxf(j, sx, sy + 1), p11 = pxf(j, sx + 1, sy + 1);
            float t = p00 * w00;
            t = t + p01 * w01;
            t = t + p10 * w10;
            t = t + p11 * w11;
            ((float *)(void *)drow)[x] = t;
            continue;
        }
        int w00 = (SP__REMAP_TAB - fx) * (SP__REMAP_TAB - fy) * 16;
        int w01 = fx * (SP__REMAP_TAB - fy) * 16;
        int w10 = (SP__REMAP_TAB - fx) * fy * 16;
        int w11 = fx * fy * 16;
        for (int c = 0; c < cn; c++) {
            int p00 = px8(j, sx, sy, c), p01 = px8(j, sx + 1, sy, c);
            int p10 = px8(j, sx, sy + 1, c), p11 = px8(j, sx + 1, sy + 1, c);
            int v = p00 * w00 + p01 * w01 + p10 * w10 + p11 * w11;
            drow[(size_t)x * cn + c] =
                (uint8_t)((v + (1 << (SP__REMAP_WBITS - 1))) >>
                          SP__REMAP_WBITS);
        }
    }
}

int sp__undistort_scalar(const sp__undistort_job *j)
{
    for (uint32_t y = j->y0; y < j->y1; y++)
        sp__undistort_span_scalar(j, y, 0, j->w);
    return SP_OK;
}
