/* Levels, scalar reference: the specification (see sp_levels.h). The float
 * steps are written one operation per statement; the library is built as
 * ISO C11, where GCC does not contract a * b + c into an fma, so SIMD and
 * OpenCL (FP_CONTRACT OFF) reproduce these bits. */
#include "levels_int.h"

/* clang contracts a * b + c into an fma by default; the bits must match. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

void sp__levels_span_scalar(const sp__levels_job *j, uint32_t y, uint32_t x0,
                            uint32_t x1)
{
    const uint16_t *s =
        (const uint16_t *)(const void *)(j->src + (size_t)y * j->sstride);
    uint8_t *o = j->dst + (size_t)y * j->dstride;
    const float *sc = j->scale[y & 1];
    for (uint32_t x = x0; x < x1; x++) {
        uint32_t v = s[x] > j->black ? s[x] - j->black : 0;
        float t = (float)v * sc[x & 1];
        t = t + 0.5f;
        if (t > j->maxout)
            t = j->maxout;
        uint32_t q = (uint32_t)t;
        if (j->wide)
            ((uint16_t *)(void *)o)[x] = (uint16_t)q;
        else
            o[x] = (uint8_t)q;
    }
}

void sp__levels_scalar(const sp__levels_job *j)
{
    for (uint32_t y = 0; y < j->h; y++)
        sp__levels_span_scalar(j, y, 0, j->w);
}
