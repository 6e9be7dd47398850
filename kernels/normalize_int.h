/* Internal to kernels/: the normalize job shared by the dispatch
 * (kernels/normalize.c) and the back-ends. Never installed. */
#ifndef SP_NORMALIZE_INT_H
#define SP_NORMALIZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_normalize.h"

typedef struct sp__normalize_job {
    const uint8_t *src;
    size_t sstride;
    uint32_t w, h;
    int cn;       /* bytes per input pixel: 1, 3 or 4 */
    int nout;     /* output channels: 1 or 3 */
    float *dst;   /* plane c starts at dst + c * plane */
    size_t plane; /* w * h */
    /* Output channel c reads input byte in_ch[c] of each pixel and writes
     * px * a[c] + b[c] into plane c. */
    int in_ch[3];
    float a[3], b[3];
} sp__normalize_job;

int sp__normalize_scalar(const sp__normalize_job *j);
int sp__normalize_sse41(const sp__normalize_job *j);
int sp__normalize_avx2(const sp__normalize_job *j);
int sp__normalize_neon(const sp__normalize_job *j);
int sp__normalize_cl(sp_kctx *k, const sp__normalize_job *j);

/* One row of the reference, pixels [from, w): the SIMD back-ends finish
 * their rows with it. */
void sp__normalize_row_scalar(const sp__normalize_job *j, uint32_t y,
                              uint32_t from);

#endif
