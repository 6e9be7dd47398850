/* Internal to kernels/: the Ouster decoder's plan (tables made once from
 * the metadata), the per-pixel arithmetic every back-end shares, and the
 * per-instruction-set column decoders. Never installed.
 *
 * The SIMD versions do the float operations of sp__ouster_xyz() in the
 * same order with no fused multiply-add (ISO C11 builds with
 * -ffp-contract=off), and their tails call these very functions, so they
 * are bit-exact against the scalar reference. */
#ifndef SP_OUSTER_INT_H
#define SP_OUSTER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_ouster.h"

/* GCC builds ISO C11 with contraction off already; clang contracts within
 * an expression unless told not to, which would fuse the scalar tails of
 * the AVX2 file (-mfma) and break bit-exactness. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

struct sp_ouster_plan {
    /* Per beam, padded to SP_OUSTER_GEOM_MAX_BEAMS: n (mm), cos(alt) *
     * cos(az), cos(alt) * sin(az) with az = -azimuth, sin(alt), B03, B23. */
    float n[SP_OUSTER_GEOM_MAX_BEAMS], cxa[SP_OUSTER_GEOM_MAX_BEAMS];
    float sxa[SP_OUSTER_GEOM_MAX_BEAMS], sz[SP_OUSTER_GEOM_MAX_BEAMS];
    float bx[SP_OUSTER_GEOM_MAX_BEAMS], bz[SP_OUSTER_GEOM_MAX_BEAMS];
    /* Per measurement id: cos and sin of the encoder angle. */
    float ce[SP_OUSTER_GEOM_MAX_COLS], se[SP_OUSTER_GEOM_MAX_COLS];
    /* The azimuth extra (clockwise degrees as the packets count): per
     * column 360 m / W, per beam its azimuth angle in (-180, 180]. */
    float az_col[SP_OUSTER_GEOM_MAX_COLS], az_beam[SP_OUSTER_GEOM_MAX_BEAMS];
    int32_t shift[SP_OUSTER_GEOM_MAX_BEAMS]; /* in [0, W) */
    float R[9], T[3]; /* lidar_to_sensor with mm -> m folded in */
    sp_ouster_pkt profile;
    uint32_t beams, cpp, cols, returns;
    uint32_t stride;   /* bytes per pixel */
    uint32_t pkt_hdr;  /* bytes before the first column */
    uint32_t col_hdr;  /* bytes of a column before its pixels */
    uint32_t col_size; /* bytes of a column, header to status */
    size_t pkt_size;
    uint32_t init_id;
    uint64_t prod_sn;
};

static inline uint16_t sp__ou_rd16(const uint8_t *b)
{
    return (uint16_t)(b[0] | (uint16_t)b[1] << 8);
}

static inline uint32_t sp__ou_rd32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static inline uint64_t sp__ou_rd64(const uint8_t *b)
{
    return (uint64_t)sp__ou_rd32(b) | (uint64_t)sp__ou_rd32(b + 4) << 32;
}

/* The point of beam b at range r (mm) in the column whose encoder angle
 * has cosine ce and sine se: the spec every back-end follows. */
static inline void sp__ouster_xyz(const sp_ouster_plan *p, uint32_t b, float ce,
                                  float se, uint32_t r, float *x, float *y,
                                  float *z)
{
    float rn = (float)r - p->n[b];
    float dx = ce * p->cxa[b] - se * p->sxa[b];
    float dy = se * p->cxa[b] + ce * p->sxa[b];
    float xl = rn * dx + p->bx[b] * ce;
    float yl = rn * dy + p->bx[b] * se;
    float zl = rn * p->sz[b] + p->bz[b];
    *x = ((p->R[0] * xl + p->R[1] * yl) + p->R[2] * zl) + p->T[0];
    *y = ((p->R[3] * xl + p->R[4] * yl) + p->R[5] * zl) + p->T[1];
    *z = ((p->R[6] * xl + p->R[7] * yl) + p->R[8] * zl) + p->T[2];
}

/* Pixels [b0, beams) of the column whose pixel data starts at px, into
 * column m of the scan: the scalar reference, and the SIMD versions'
 * tail. */
static inline void sp__ouster_pixels(const sp_ouster_plan *p, const uint8_t *px,
                                     uint32_t b0, uint32_t m, sp_ouster_scan *s)
{
    const float ce = p->ce[m], se = p->se[m];
    const size_t o = (size_t)m * p->beams;
    for (uint32_t b = b0; b < p->beams; b++) {
        const uint8_t *q = px + (size_t)b * p->stride;
        uint32_t r, r2 = 0;
        uint16_t refl, refl2 = 0, sig, sig2 = 0, nir;
        switch (p->profile) {
        case SP_OUSTER_PKT_LEGACY:
            r = sp__ou_rd32(q) & 0xfffffu;
            refl = sp__ou_rd16(q + 4);
            sig = sp__ou_rd16(q + 6);
            nir = sp__ou_rd16(q + 8);
            break;
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16:
            r = sp__ou_rd32(q) & 0x7ffffu;
            refl = q[4];
            sig = sp__ou_rd16(q + 6);
            nir = sp__ou_rd16(q + 8);
            break;
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16_DUAL:
            r = sp__ou_rd32(q) & 0x7ffffu;
            refl = q[3];
            r2 = sp__ou_rd32(q + 4) & 0x7ffffu;
            refl2 = q[7];
            sig = sp__ou_rd16(q + 8);
            sig2 = sp__ou_rd16(q + 10);
            nir = sp__ou_rd16(q + 12);
            break;
        default: /* RNG15_RFL8_NIR8 */
            r = (uint32_t)(sp__ou_rd16(q) & 0x7fffu) << 3;
            refl = q[2];
            sig = 0;
            nir = (uint16_t)(q[3] << 4);
            break;
        }
        s->range[0][o + b] = r;
        s->reflectivity[0][o + b] = refl;
        s->signal[0][o + b] = sig;
        s->nir[o + b] = nir;
        sp__ouster_xyz(p, b, ce, se, r, &s->x[0][o + b], &s->y[0][o + b],
                       &s->z[0][o + b]);
        if (p->returns == 2) {
            s->range[1][o + b] = r2;
            s->reflectivity[1][o + b] = refl2;
            s->signal[1][o + b] = sig2;
            sp__ouster_xyz(p, b, ce, se, r2, &s->x[1][o + b], &s->y[1][o + b],
                           &s->z[1][o + b]);
        }
    }
}

/* What sp_ouster_points() keeps (from sp_ouster_points_params), and where
 * it writes (arrays at the first free index; NULL ones are skipped). */
typedef struct sp__ouster_sel {
    uint32_t lo, hi; /* range kept, mm inclusive */
    int none;        /* nothing is kept */
    int has_sig, last, both;
    int full, wraps; /* azimuth window */
    float amin, amax;
} sp__ouster_sel;

typedef struct sp__ouster_dst {
    float *x, *y, *z, *intensity, *time, *az, *dist;
    uint16_t *ring, *refl, *nir;
    uint8_t *rt;
} sp__ouster_dst;

void sp__ouster_select(const sp_ouster_plan *p,
                       const sp_ouster_points_params *params,
                       sp__ouster_sel *sel);
/* The arrays of out from index at (extras found by name and type). */
void sp__ouster_dst_of(sp_points *out, size_t at, sp__ouster_dst *d);
/* Column m's points (time t) written from d's index k; returns the index
 * after the last kept one. Writes up to beams x returns entries from k. */
size_t sp__ouster_emit_col(const sp_ouster_plan *p, const sp_ouster_scan *s,
                           const sp__ouster_sel *sel, uint32_t m, float t,
                           const sp__ouster_dst *d, size_t k);

/* One column's pixels (px: its first pixel) into column m of s. */
void sp__ouster_col_scalar(const sp_ouster_plan *p, const uint8_t *px,
                           uint32_t m, sp_ouster_scan *s);
void sp__ouster_col_sse41(const sp_ouster_plan *p, const uint8_t *px,
                          uint32_t m, sp_ouster_scan *s);
void sp__ouster_col_avx2(const sp_ouster_plan *p, const uint8_t *px, uint32_t m,
                         sp_ouster_scan *s);
void sp__ouster_col_neon(const sp_ouster_plan *p, const uint8_t *px, uint32_t m,
                         sp_ouster_scan *s);

#endif
