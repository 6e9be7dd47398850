/* Internal to kernels/: crop's resolved parameters, the per-point test that
 * every back-end reproduces exactly (the SIMD tails call it), and the
 * per-instruction-set entry points. */
#ifndef SP_CROP_INT_H
#define SP_CROP_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_crop.h"

/* Limits with inactive ones opened to [-inf, +inf] (so every back-end runs
 * one branch-free test), the range limits squared in float32, and the
 * fields to carry. */
typedef struct sp__crop_plan {
    float lo[3], hi[3];
    float r2lo, r2hi;
    int use_range;
    int invert;
    int ring, time; /* carry ring / time */
    uint32_t *idx;  /* when the clouds have extras: idx[o] = the input
                       index of kept point o (every back-end writes it;
                       the extras are gathered from it afterwards); else
                       NULL */
} sp__crop_plan;

/* 1 when the point is kept. The range is ((x*x + y*y) + z*z) in float32:
 * C11 compiles without contraction, so no fma changes a boundary point. */
static inline int sp__crop_keep(const sp__crop_plan *p, float x, float y,
                                float z)
{
    if (!(isfinite(x) && isfinite(y) && isfinite(z)))
        return 0;
    int in = (x >= p->lo[0]) & (x <= p->hi[0]) & (y >= p->lo[1]) &
             (y <= p->hi[1]) & (z >= p->lo[2]) & (z <= p->hi[2]);
    if (p->use_range) {
        float r2 = x * x + y * y + z * z;
        in &= (r2 >= p->r2lo) & (r2 <= p->r2hi);
    }
    return in ^ p->invert;
}

/* Each compacts in[first, in->count) to out starting at out index `o`, and
 * returns the new out count. The SIMD ones do whole vectors and finish with
 * the scalar one. */
size_t sp__crop_scalar(const sp__crop_plan *p, const sp_points *in,
                       size_t first, sp_points *out, size_t o);
size_t sp__crop_sse41(const sp__crop_plan *p, const sp_points *in,
                      sp_points *out);
size_t sp__crop_avx2(const sp__crop_plan *p, const sp_points *in,
                     sp_points *out);
size_t sp__crop_neon(const sp__crop_plan *p, const sp_points *in,
                     sp_points *out);
#if SP_HAVE_OPENCL
int sp__crop_cl(sp_kctx *k, const sp__crop_plan *p, const sp_points *in,
                sp_points *out);
#endif

#endif
