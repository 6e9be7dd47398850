/* Internal to kernels/: the convert job shared by all back-ends. */
#ifndef SP_CONVERT_INT_H
#define SP_CONVERT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_image.h"

/* Source and target kinds (also the OpenCL kernel's codes). */
enum {
    SP__CV_RGB = 0,
    SP__CV_BGR,
    SP__CV_GRAY,
    SP__CV_RGBA,
    SP__CV_NV12,
    SP__CV_YUYV
};

#define SP__CV_SHIFT 20
/* Added before the shift so the sum is never negative (floor == shift),
 * subtracted after as 256. */
#define SP__CV_BIAS ((1 << (SP__CV_SHIFT - 1)) + (256 << SP__CV_SHIFT))

typedef struct sp__convert_job {
    const uint8_t *src;
    size_t sstride;
    const uint8_t *uv; /* NV12 chroma plane */
    uint8_t *dst;
    size_t dstride;
    uint32_t w, h;
    int from, to; /* SP__CV_* */
    int32_t yoff, cy, cvr, cug, cvg, cub;
    /* precision=fast (YUV to RGB/BGR/RGBA only): luma factor for the
     * (Y' * 256 * yg) >> 16 product and the chroma coefficients in 2^13
     * units (see sp_convert.h). */
    int fast;
    int32_t yg, kvr, kug, kvg, kub;
} sp__convert_job;

/* The fast rule's products: both are what one 16-bit SIMD instruction
 * gives (pmulhuw / pmulhrsw, NEON vqrdmulh), written so no negative value
 * is shifted. */
static inline int32_t sp__cv_fast_luma(const sp__convert_job *j, int32_t Y)
{
    int32_t yp = Y > j->yoff ? Y - j->yoff : 0;
    return (yp * j->yg) >> 8;
}
static inline int32_t sp__cv_fast_chroma(int32_t c, int32_t k)
{
    /* ((c - 128) * 256 * k + 2^14) >> 15, floor; |product| < 2^30 */
    return (((c - 128) * 256 * k + (1 << 14) + (1 << 30)) >> 15) - (1 << 15);
}
/* (sum) >> 6 clamped to 0..255: the 16-bit lanes' saturating add, arithmetic
 * shift and unsigned-saturating pack. */
static inline uint8_t sp__cv_fast_out(int32_t s)
{
    return (uint8_t)(s < 0 ? 0 : s >= 255 * 64 ? 255 : s >> 6);
}

void sp__convert_span_scalar(const sp__convert_job *j, uint32_t y, uint32_t x0,
                             uint32_t x1);
void sp__convert_scalar(const sp__convert_job *j);
void sp__convert_sse41(const sp__convert_job *j);
void sp__convert_avx2(const sp__convert_job *j);
/* The fast rule, YUV sources to RGB/BGR/RGBA: all rows. */
void sp__convert_fast_avx2(const sp__convert_job *j);
void sp__convert_fast_sse41(const sp__convert_job *j);
void sp__convert_fast_neon(const sp__convert_job *j);
void sp__convert_neon(const sp__convert_job *j);
int sp__convert_cl(sp_kctx *k, const sp__convert_job *j);

#endif
