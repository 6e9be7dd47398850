/* normalize, scalar reference: out[c][y][x] = (float)px * a[c] + b[c],
 * one rounding after the multiply and one after the add (no fma), which
 * every back-end reproduces. */
#include "normalize_int.h"

/* The back-ends must reproduce this float arithmetic bit for bit: no
 * a * b + c contracted into an fma (GCC's ISO C mode does not contract;
 * clang does by default). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void sp__normalize_row_scalar(const sp__normalize_job *j, uint32_t y,
                              uint32_t from)
{
    const uint8_t *s = j->src + (size_t)y * j->sstride;
    for (int c = 0; c < j->nout; c++) {
        float *d = j->dst + (size_t)c * j->plane + (size_t)y * j->w;
        const float a = j->a[c], b = j->b[c];
        const int cn = j->cn, off = j->in_ch[c];
        for (uint32_t x = from; x < j->w; x++) {
            float p = (float)s[(size_t)x * cn + off];
            float t = p * a;
            d[x] = t + b;
        }
    }
}

int sp__normalize_scalar(const sp__normalize_job *j)
{
    for (uint32_t y = 0; y < j->h; y++)
        sp__normalize_row_scalar(j, y, 0);
    return SP_OK;
}
