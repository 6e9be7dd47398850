/* Internal to kernels/: the debayer job shared by the scalar reference, the
 * SIMD and the OpenCL versions. Never installed. */
#ifndef SP_DEBAYER_INT_H
#define SP_DEBAYER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"

typedef struct sp__debayer_job {
    const uint8_t *src;
    size_t sstride; /* bytes */
    uint8_t *dst;
    size_t dstride; /* bytes */
    uint32_t w, h;
    int rx, ry; /* position of the red sample in the 2x2 cell */
    int bgr;    /* output order B, G, R */
    int wide;   /* 16-bit samples in and out */
    int ea;     /* edge-aware green */
} sp__debayer_job;

/* The colour sites of row y sit at x parity cx; the row holds red (1) or
 * blue (0) besides green. */
static inline int sp__debayer_cx(const sp__debayer_job *j, uint32_t y)
{
    return j->rx ^ (int)(y & 1) ^ j->ry;
}
static inline int sp__debayer_rowred(const sp__debayer_job *j, uint32_t y)
{
    return (int)(y & 1) == j->ry;
}
/* Reflect-101 row/column index (n == 1: the index itself). */
static inline uint32_t sp__debayer_refl(int64_t i, uint32_t n)
{
    if (i < 0)
        i = -i;
    if (i >= (int64_t)n)
        i = 2 * (int64_t)n - 2 - i;
    if (i < 0)
        i = 0;
    return (uint32_t)i;
}

/* The reference: whole image. */
void sp__debayer_scalar(const sp__debayer_job *j);
/* The reference on pixels [x0, x1) of row y: SIMD versions use it for the
 * borders and the tail of each row. */
void sp__debayer_span_scalar(const sp__debayer_job *j, uint32_t y, uint32_t x0,
                             uint32_t x1);

/* One row as a SIMD version sees it: the rows above, at and below (borders
 * reflected), the output row, the first column its vector loop starts at,
 * and whether red and blue leave in swapped order. */
typedef struct sp__debayer_row {
    const uint8_t *u, *c, *d;
    uint8_t *o;
    uint32_t xs;
    int swap_rb;
} sp__debayer_row;

/* A SIMD version's vector loop over one row: returns the first column it
 * did not do (the scalar reference finishes the row from there). */
typedef uint32_t (*sp__debayer_row_fn)(const sp__debayer_job *j,
                                       const sp__debayer_row *r,
                                       const void *ctx);

/* The row loop every SIMD version shares: reflects the neighbour rows, runs
 * the scalar reference on the borders and the tail, and @p row (with its
 * @p ctx, e.g. mask tables) on the rest. Inline, so that each instruction
 * set's translation unit gets its own copy with its row function inlined
 * (called through a pointer it cost ~4% at 1920x1080). */
static inline void sp__debayer_drive(const sp__debayer_job *j,
                                     sp__debayer_row_fn row, const void *ctx)
{
    for (uint32_t y = 0; y < j->h; y++) {
        sp__debayer_row r;
        r.u = j->src +
              (size_t)sp__debayer_refl((int64_t)y - 1, j->h) * j->sstride;
        r.c = j->src + (size_t)y * j->sstride;
        r.d = j->src +
              (size_t)sp__debayer_refl((int64_t)y + 1, j->h) * j->sstride;
        r.o = j->dst + (size_t)y * j->dstride;
        r.xs = sp__debayer_cx(j, y) ? 1 : 2;
        /* The colour plane is red on red rows; planes go out as R, G, B
         * unless that order must flip (blue row xor BGR output). */
        r.swap_rb = !sp__debayer_rowred(j, y) ^ (j->bgr != 0);
        if (r.xs >= j->w) {
            sp__debayer_span_scalar(j, y, 0, j->w);
            continue;
        }
        sp__debayer_span_scalar(j, y, 0, r.xs);
        sp__debayer_span_scalar(j, y, row(j, &r, ctx), j->w);
    }
}

void sp__debayer_sse41(const sp__debayer_job *j);
void sp__debayer_avx2(const sp__debayer_job *j);
void sp__debayer_neon(const sp__debayer_job *j);
int sp__debayer_cl(sp_kctx *k, const sp__debayer_job *j);

#endif
