/* Internal to kernels/: the undistort job shared by the dispatch
 * (kernels/undistort.c) and the back-ends. Never installed. */
#ifndef SP_UNDISTORT_INT_H
#define SP_UNDISTORT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_undistort.h"

#define SP__REMAP_BITS 5 /* 1/32 pixel positions */
#define SP__REMAP_TAB (1 << SP__REMAP_BITS)
#define SP__REMAP_WBITS 14 /* 8-bit weights sum to 2^14 */

typedef struct sp__undistort_job {
    const uint8_t *src;
    size_t sstride;
    uint8_t *dst;
    size_t dstride;
    uint32_t w, h;   /* of both images */
    uint32_t y0, y1; /* output rows to write (a thread's band) */
    int cn;          /* elements per pixel: 1, 3, 4 (bytes) or 1 (F32) */
    int f32;
    const int16_t *xy;
    const uint16_t *frac;
} sp__undistort_job;

int sp__undistort_scalar(const sp__undistort_job *j);
int sp__undistort_sse41(const sp__undistort_job *j);
int sp__undistort_avx2(const sp__undistort_job *j);
int sp__undistort_neon(const sp__undistort_job *j);
int sp__undistort_cl(sp_kctx *k, const sp__undistort_job *j);

/* The reference for output pixels [x0, x1) of row y; SIMD back-ends use it
 * for pixels whose taps touch the border and for row tails. */
void sp__undistort_span_scalar(const sp__undistort_job *j, uint32_t y,
                               uint32_t x0, uint32_t x1);

#endif
