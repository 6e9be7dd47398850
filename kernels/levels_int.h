/* Internal to kernels/: the levels job shared by all back-ends. */
#ifndef SP_LEVELS_INT_H
#define SP_LEVELS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"

typedef struct sp__levels_job {
    const uint8_t *src; /* uint16 samples */
    size_t sstride;
    uint8_t *dst; /* uint8 or uint16 samples */
    size_t dstride;
    uint32_t w, h;
    uint32_t black;
    int wide;     /* 16-bit output */
    float maxout; /* 255 or 65535 */
    /* scale[y & 1][x & 1]: the colour's s_c for that site */
    float scale[2][2];
} sp__levels_job;

/* The reference on samples [x0, x1) of row y (SIMD tails use it). */
void sp__levels_span_scalar(const sp__levels_job *j, uint32_t y, uint32_t x0,
                            uint32_t x1);
void sp__levels_scalar(const sp__levels_job *j);
void sp__levels_sse41(const sp__levels_job *j);
void sp__levels_avx2(const sp__levels_job *j);
void sp__levels_neon(const sp__levels_job *j);
int sp__levels_cl(sp_kctx *k, const sp__levels_job *j);

#endif
