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
} sp__convert_job;

void sp__convert_span_scalar(const sp__convert_job *j, uint32_t y, uint32_t x0,
                             uint32_t x1);
void sp__convert_scalar(const sp__convert_job *j);
void sp__convert_sse41(const sp__convert_job *j);
void sp__convert_avx2(const sp__convert_job *j);
void sp__convert_neon(const sp__convert_job *j);
int sp__convert_cl(sp_kctx *k, const sp__convert_job *j);

#endif
