/* Internal to kernels/: the lidar packet decoders (sp_lidardec.h) — the
 * decoder's state, the vendor hooks, the batch a vendor's parser fills from
 * a packet and the projection kernel every back-end implements. Never
 * installed.
 *
 * A decode is two steps. The vendor's parse (lidardec_velodyne.c,
 * lidardec_hesai.c; integer work: byte offsets, dual-return pairing) lays a
 * packet's columns out as a batch: per block its azimuth, the azimuth step
 * to the next block, its time and its first slot; per point its raw range,
 * intensity, return type and a keep flag. The projection kernel (scalar/,
 * x86/, arm/) then does the per-point arithmetic: range in metres with the
 * laser's correction, the corrected azimuth rounded to the 0.01-degree
 * table, x/y/z, the range and azimuth filters, and the compaction into the
 * cloud. Its float operations are the same, in the same order, in every
 * back-end (C11 with -ffp-contract=off, no fused multiply-add), so the
 * SIMD versions are bit-exact against the scalar one.
 *
 * A vendor whose geometry is not "azimuth table x elevation" (Ouster's
 * beam-to-origin offsets, its range image) sets `decode` and writes the
 * cloud itself; `parse` is then NULL. */
#ifndef SP_LIDARDEC_INT_H
#define SP_LIDARDEC_INT_H

#include <math.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_lidardec.h"

#define SP__LD_MAX_SLOTS 128  /* laser slots of a block's first laser */
#define SP__LD_MAX_BLOCKS 24  /* blocks per packet */
#define SP__LD_MAX_POINTS 512 /* candidate points per packet */
#define SP__LD_AZ_MAX 360000  /* largest azimuth table (0.001 degree) */

/* One packet's columns, laid out for the projection kernel. Points are
 * block-major: block b's points are [b * per_block, (b + 1) * per_block),
 * point j of block b uses slot slot0[b] + j. */
typedef struct sp__ld_batch {
    uint32_t nblocks, per_block;
    float scale;                           /* metres per raw range unit */
    float block_az[SP__LD_MAX_BLOCKS];     /* table units (plan.units) */
    float block_azdiff[SP__LD_MAX_BLOCKS]; /* to the next block, units */
    float block_time[SP__LD_MAX_BLOCKS];   /* s from the scan's start */
    uint16_t slot0[SP__LD_MAX_BLOCKS];
    uint16_t raw[SP__LD_MAX_POINTS] __attribute__((aligned(64)));
    uint8_t intensity[SP__LD_MAX_POINTS] __attribute__((aligned(64)));
    uint8_t keep[SP__LD_MAX_POINTS] __attribute__((aligned(64)));
    uint8_t rtype[SP__LD_MAX_POINTS] __attribute__((aligned(64)));
} sp__ld_batch;

/* What the projection kernel needs; built once per decoder. */
typedef struct sp__ld_plan {
    uint32_t nslots;
    /* Per slot (a laser in its firing position within a block). */
    float frac[SP__LD_MAX_SLOTS];  /* share of the block's azimuth step */
    float toff[SP__LD_MAX_SLOTS];  /* firing time after the block, s */
    float dcorr[SP__LD_MAX_SLOTS]; /* metres added to a non-zero range */
    float cos_v[SP__LD_MAX_SLOTS]; /* of the elevation */
    float sin_v[SP__LD_MAX_SLOTS];
    double rotoff[SP__LD_MAX_SLOTS]; /* table units subtracted from the
                                        azimuth */
    uint16_t ring[SP__LD_MAX_SLOTS];
    /* The Velodyne ROS driver's full HDL-64E model (rawdata.cc), set when
     * a table has offsets, a two-point correction or an intensity
     * correction: `offsets` 1 selects sp__ld_xyz_offsets and
     * sp__ld_intensity_corr. Per slot: the azimuth offset as cos/sin
     * (composed with the block azimuth's table entry, as the driver does,
     * instead of rounding the corrected azimuth), the vertical offset
     * times sin/cos of the elevation, the horizontal offset, the
     * two-point correction as a line in |x| and |y| (k, b: 0 when the
     * table has none, which leaves the range unchanged), the focal
     * offset and slope and the intensity bounds. */
    int offsets;
    float rot_c[SP__LD_MAX_SLOTS], rot_s[SP__LD_MAX_SLOTS];
    float vo_sin[SP__LD_MAX_SLOTS], vo_cos[SP__LD_MAX_SLOTS];
    float horiz[SP__LD_MAX_SLOTS];
    float tp_kx[SP__LD_MAX_SLOTS], tp_bx[SP__LD_MAX_SLOTS];
    float tp_ky[SP__LD_MAX_SLOTS], tp_by[SP__LD_MAX_SLOTS];
    float focal_off[SP__LD_MAX_SLOTS], focal_slope[SP__LD_MAX_SLOTS];
    float imin[SP__LD_MAX_SLOTS], imax[SP__LD_MAX_SLOTS];
    /* The azimuth table, `units` pairs (+ padding), indexed by the rounded
     * corrected azimuth: x = xy * tab[2a], y = xy * tab[2a + 1] (a pair
     * shares a cache line: one miss per lookup, not two). Velodyne
     * counts 0.01 degree (36000 a turn, as its packets), Hesai 0.001
     * degree (360000: its angle tables have three decimals). */
    const float *tab;
    int32_t units;
    float funits;   /* (float)units */
    float az_scale; /* degrees per unit */
    /* Filters. A range is kept when min_r < d < max_r (the bounds rounded
     * outward to float, so the test matches one made in double). */
    float min_r, max_r;
    int32_t win_lo, win_hi; /* table units, inclusive */
    int win_full, win_wraps;
    /* Set (sp__ld_plan_az_int) when there is no offsets path and every
     * slot's offset is a whole number of table units below 2^22 (Hesai's
     * are: its tables count 0.001 degree) with a finite frac: a block whose
     * azimuth is a whole number below 2^23 and whose step is 0 (every
     * Hesai block) then has sp__ld_azimuth's value in integers, exactly
     * (every float step is exact there): block azimuth - rot_i, wrapped.
     * The SIMD versions take that path; the others need not. */
    int az_int;
    int32_t rot_i[SP__LD_MAX_SLOTS];
    /* Set when there is no offsets path and every aligned group of eight
     * slots shares one frac (the VLS-128's firing groups): eight points of
     * a block starting at such a group have one float azimuth sum, which
     * the SIMD versions convert to double once. */
    int frac8;
} sp__ld_plan;

/* Where the projection writes: arrays at the cloud's next free index. */
typedef struct sp__ld_dst {
    float *x, *y, *z, *intensity, *time, *azimuth, *distance;
    uint16_t *ring;
    uint8_t *rtype;
} sp__ld_dst;

/* Projects a batch; returns the points written (<= nblocks * per_block).
 * Every destination array may be written up to nblocks * per_block + 8
 * entries past its start (SIMD stores whole vectors): callers keep that
 * room. NULL time/azimuth/distance/ring/rtype are skipped. */
typedef size_t (*sp__ld_project_fn)(const sp__ld_plan *pl,
                                    const sp__ld_batch *b, const sp__ld_dst *o);

size_t sp__ld_project_scalar(const sp__ld_plan *pl, const sp__ld_batch *b,
                             const sp__ld_dst *o);
/* Built only where their instruction set is (kernels_int.h's SP__KT_*). */
size_t sp__ld_project_sse41(const sp__ld_plan *pl, const sp__ld_batch *b,
                            const sp__ld_dst *o);
size_t sp__ld_project_avx2(const sp__ld_plan *pl, const sp__ld_batch *b,
                           const sp__ld_dst *o);
size_t sp__ld_project_neon(const sp__ld_plan *pl, const sp__ld_batch *b,
                           const sp__ld_dst *o);
/* A vendor parse's byte work, in the same versions (picked with the
 * projection, so one call runs on one back-end): @p n (a multiple of 16)
 * 3-byte records (range u16 little-endian, intensity u8) from @p rec into
 * raw[] and in[]; reads exactly 3 n bytes. */
typedef void (*sp__ld_unpack3_fn)(const uint8_t *rec, unsigned n, uint16_t *raw,
                                  uint8_t *in);
void sp__ld_unpack3_scalar(const uint8_t *rec, unsigned n, uint16_t *raw,
                           uint8_t *in);
void sp__ld_unpack3_sse41(const uint8_t *rec, unsigned n, uint16_t *raw,
                          uint8_t *in);
void sp__ld_unpack3_neon(const uint8_t *rec, unsigned n, uint16_t *raw,
                         uint8_t *in);

/* A Hesai dual-return column's pairing, in the same versions as unpack3:
 * channel c's two returns (r0[c], i0[c] from the column's first block,
 * r1[c], i1[c] from its second) side by side at 2c and 2c + 1 of raw, in,
 * keep and rt. Both ranges equal: return type IDENTICAL, else rt0 / rt1.
 * With only < 0 the second return is kept always and the first unless
 * the two are equal or their ranges (raw x scale, float) less than
 * `near` apart (nebula's dual_return_distance); with only 0 or 1, that
 * block's return alone. */
typedef struct sp__ld_pair_rule {
    float scale; /* metres per raw unit */
    float near;  /* the dual threshold rounded up to float: |d1 - d0| <
                    near exactly when it is below the threshold in double */
    uint8_t rt0, rt1;
    int only;
} sp__ld_pair_rule;

typedef void (*sp__ld_pair_fn)(const sp__ld_pair_rule *r, const uint16_t *r0,
                               const uint8_t *i0, const uint16_t *r1,
                               const uint8_t *i1, unsigned n, uint16_t *raw,
                               uint8_t *in, uint8_t *keep, uint8_t *rt);
void sp__ld_pair_scalar(const sp__ld_pair_rule *r, const uint16_t *r0,
                        const uint8_t *i0, const uint16_t *r1,
                        const uint8_t *i1, unsigned n, uint16_t *raw,
                        uint8_t *in, uint8_t *keep, uint8_t *rt);
void sp__ld_pair_sse41(const sp__ld_pair_rule *r, const uint16_t *r0,
                       const uint8_t *i0, const uint16_t *r1, const uint8_t *i1,
                       unsigned n, uint16_t *raw, uint8_t *in, uint8_t *keep,
                       uint8_t *rt);

/* Channel c of sp__ld_pair_*: the reference step, and the SIMD tails. */
static inline void sp__ld_pair_one(const sp__ld_pair_rule *r,
                                   const uint16_t *r0, const uint8_t *i0,
                                   const uint16_t *r1, const uint8_t *i1,
                                   unsigned c, uint16_t *raw, uint8_t *in,
                                   uint8_t *keep, uint8_t *rt)
{
    unsigned k = 2 * c;
    uint16_t a = r0[c], b = r1[c];
    raw[k] = a;
    raw[k + 1] = b;
    in[k] = i0[c];
    in[k + 1] = i1[c];
    int same = a == b;
    rt[k] = same ? SP_LIDAR_RT_IDENTICAL : r->rt0;
    rt[k + 1] = same ? SP_LIDAR_RT_IDENTICAL : r->rt1;
    if (r->only >= 0) {
        keep[k] = r->only == 0;
        keep[k + 1] = r->only == 1;
        return;
    }
    float d0 = (float)a * r->scale, d1 = (float)b * r->scale;
    float gap = d1 - d0;
    keep[k] = !same && !((gap < 0.0f ? -gap : gap) < r->near);
    keep[k + 1] = 1;
}

/* OpenCL (kernels/opencl/lidardec_cl.c, built with OpenCL only): @p nb
 * batches in one call, their points appended in batch order, as many
 * scalar calls would write them; *written gets the count. Each output
 * array needs room for the batches' candidate points. SP_EUNSUPPORTED on
 * a device without double precision, SP_ECL, SP_ENOMEM. */
typedef int (*sp__ld_project_cl_fn)(sp_kctx *k, const sp__ld_plan *pl,
                                    const sp__ld_batch *b, size_t nb,
                                    const sp__ld_dst *o, size_t *written);
int sp__ld_project_cl(sp_kctx *k, const sp__ld_plan *pl, const sp__ld_batch *b,
                      size_t nb, const sp__ld_dst *o, size_t *written);

/* The per-point steps every back-end shares (the SIMD tails call these). */

/* Range in metres: raw * scale, plus the laser's correction when non-zero
 * (as the Velodyne drivers do: a zero range stays zero). */
static inline float sp__ld_range(float scale, uint32_t raw, float dcorr)
{
    float d = (float)raw * scale;
    if (d > 1e-6f)
        d += dcorr;
    return d;
}

/* The corrected azimuth as a table index: the block's azimuth plus the
 * slot's share of the step to the next block, minus the slot's offset
 * (in double, as the drivers compute it), rounded half away from zero
 * and wrapped into [0, units). */
static inline int32_t sp__ld_azimuth(const sp__ld_plan *pl, float az,
                                     float azdiff, float frac, double rotoff)
{
    float s = az + azdiff * frac;
    float f = (float)((double)s - rotoff);
    if (f < 0.0f)
        f += pl->funits;
    /* roundf without libm: truncate, then add one when the dropped part is
     * at least a half (exact: f - t is representable for |f| < 2^23). */
    float t = (float)(int32_t)f;
    if (f - t >= 0.5f)
        t += 1.0f;
    int32_t a = (int32_t)t;
    return a >= pl->units ? a - pl->units : a;
}

/* The block's own azimuth (plus the firing's share of the step) as a
 * table index, without the laser's offset: the offsets path looks the
 * trigonometry up here and composes it with the offset's cos/sin. */
static inline int32_t sp__ld_azimuth_block(const sp__ld_plan *pl, float az,
                                           float azdiff, float frac)
{
    float f = az + azdiff * frac;
    float t = (float)(int32_t)f;
    if (f - t >= 0.5f)
        t += 1.0f;
    int32_t a = (int32_t)t;
    return a >= pl->units ? a - pl->units : a;
}

/* x/y/z of range d for slot s as the Velodyne ROS driver computes them
 * (rawdata.cc, HDL-64E): (c1, c2) = (cos, -sin) of the block azimuth,
 * rotated by the laser's offset; the vertical and horizontal offsets; the
 * two-point correction, linear in |x| (from 2.4 m) and |y| (from 1.93 m)
 * of the uncorrected point, giving the ranges used for y and for x and
 * z. Float operations in this order in every back-end. */
static inline void sp__ld_xyz_offsets(const sp__ld_plan *pl, uint32_t s,
                                      float d, float c1, float c2, float *x,
                                      float *y, float *z)
{
    float c = c1 * pl->rot_c[s] - c2 * pl->rot_s[s];
    float sn = c2 * pl->rot_c[s] + c1 * pl->rot_s[s]; /* -sin */
    float h = pl->horiz[s], vs = pl->vo_sin[s];
    float xy = d * pl->cos_v[s] - vs;
    float x0 = xy * c - h * sn;
    float y0 = xy * sn + h * c;
    float ax = x0 < 0.0f ? -x0 : x0, ay = y0 < 0.0f ? -y0 : y0;
    /* The driver's xx is our |y|, its yy our |x| (its frame is turned). */
    float dx = d + ((ay - 2.4f) * pl->tp_kx[s] + pl->tp_bx[s]);
    float dy = d + ((ax - 1.93f) * pl->tp_ky[s] + pl->tp_by[s]);
    *x = (dy * pl->cos_v[s] - vs) * c - h * sn;
    *y = (dx * pl->cos_v[s] - vs) * sn + h * c;
    *z = dy * pl->sin_v[s] + pl->vo_cos[s];
}

/* The driver's intensity correction: the focal slope times how far the
 * range's falloff term is from the focal offset, clamped. */
static inline float sp__ld_intensity_corr(const sp__ld_plan *pl, uint32_t s,
                                          uint32_t raw, float in)
{
    float q = 1.0f - (float)raw / 65535.0f;
    float t = pl->focal_off[s] - 256.0f * (q * q);
    float i = in + pl->focal_slope[s] * (t < 0.0f ? -t : t);
    i = i < pl->imin[s] ? pl->imin[s] : i;
    return i > pl->imax[s] ? pl->imax[s] : i;
}

static inline int sp__ld_in_window(const sp__ld_plan *pl, int32_t a)
{
    if (pl->win_full)
        return 1;
    if (pl->win_wraps)
        return a >= pl->win_lo || a <= pl->win_hi;
    return a >= pl->win_lo && a <= pl->win_hi;
}

/* Point k of a batch (block b, slot s) into dst index n; returns 1 when it
 * is kept. Writes its values whether or not it is kept. */
static inline int sp__ld_point(const sp__ld_plan *pl, const sp__ld_batch *b,
                               uint32_t blk, uint32_t k, uint32_t s,
                               const sp__ld_dst *o, size_t n)
{
    uint32_t raw = b->raw[k];
    float d = sp__ld_range(b->scale, raw, pl->dcorr[s]);
    int32_t a = sp__ld_azimuth(pl, b->block_az[blk], b->block_azdiff[blk],
                               pl->frac[s], pl->rotoff[s]);
    int keep = b->keep[k] && raw != 0 && d > pl->min_r && d < pl->max_r &&
               sp__ld_in_window(pl, a);
    if (pl->offsets) {
        int32_t ab = sp__ld_azimuth_block(pl, b->block_az[blk],
                                          b->block_azdiff[blk], pl->frac[s]);
        sp__ld_xyz_offsets(pl, s, d, pl->tab[2 * ab], pl->tab[2 * ab + 1],
                           &o->x[n], &o->y[n], &o->z[n]);
        o->intensity[n] =
            sp__ld_intensity_corr(pl, s, raw, (float)b->intensity[k]);
    } else {
        float xy = d * pl->cos_v[s];
        o->x[n] = xy * pl->tab[2 * a];
        o->y[n] = xy * pl->tab[2 * a + 1];
        o->z[n] = d * pl->sin_v[s];
        o->intensity[n] = (float)b->intensity[k];
    }
    if (o->time)
        o->time[n] = b->block_time[blk] + pl->toff[s];
    if (o->azimuth)
        o->azimuth[n] = (float)a * pl->az_scale;
    if (o->distance)
        o->distance[n] = d;
    if (o->ring)
        o->ring[n] = pl->ring[s];
    if (o->rtype)
        o->rtype[n] = b->rtype[k];
    return keep;
}

/* Fills pl->az_int, pl->rot_i and pl->frac8 from the slots (after the
 * vendor's setup). */
static inline void sp__ld_plan_simd_paths(sp__ld_plan *pl)
{
    pl->frac8 = !pl->offsets;
    for (unsigned s = 0; s < SP__LD_MAX_SLOTS; s++)
        if (!(pl->frac[s] == pl->frac[s & ~7u]))
            pl->frac8 = 0;
    pl->az_int = !pl->offsets;
    for (unsigned s = 0; s < SP__LD_MAX_SLOTS; s++) {
        double r = pl->rotoff[s];
        pl->rot_i[s] = 0;
        if (!(fabs(r) < 4194304.0) || r != (double)(int32_t)r ||
            !isfinite(pl->frac[s]))
            pl->az_int = 0;
        else
            pl->rot_i[s] = (int32_t)r;
    }
}

/* Block @p blk of @p b may take the plan's integer azimuth path. */
static inline int sp__ld_block_az_int(const sp__ld_plan *pl,
                                      const sp__ld_batch *b, uint32_t blk)
{
    float az = b->block_az[blk];
    return pl->az_int && b->block_azdiff[blk] == 0.0f && az >= 0.0f &&
           az < 8388608.0f && az == (float)(int32_t)az;
}

/* The largest float <= v, and the smallest float >= v: a float d then
 * satisfies d > v exactly when d > sp__ld_float_down(v) (no float lies
 * between them). */
static inline float sp__ld_float_down(double v)
{
    float f = (float)v;
    if ((double)f > v)
        f = nextafterf(f, -INFINITY);
    return f;
}

static inline float sp__ld_float_up(double v)
{
    float f = (float)v;
    if ((double)f < v)
        f = nextafterf(f, INFINITY);
    return f;
}

/* ---- vendors ---- */

/* The model's fixed facts. */
typedef struct sp__ld_model {
    sp_lidar_model model;
    int vendor;              /* SP_LIDAR_CALIB_VELODYNE / _HESAI / 3 Ouster */
    unsigned lasers;         /* channels */
    size_t packet_bytes;     /* expected payload size (0: any) */
    size_t packet_bytes_alt; /* another accepted size (a trailing seq), 0 */
    unsigned max_points;     /* per packet */
    unsigned packets_per_rev_5hz;
    double min_range, max_range; /* metres */
} sp__ld_model;

struct sp_lidardec {
    sp_kctx *kctx;
    const sp__ld_model *m;
    sp_lidardec_desc desc;
    sp__ld_plan plan;
    sp__ld_plan plan2;           /* a vendor's second layout (Hesai dual) */
    const sp__ld_plan *plan_use; /* set by parse; NULL: plan */
    double range_lo, range_hi;   /* the range filter asked for, metres */
    sp__ld_batch batch;
    float *tables; /* t1 and t2 */
    /* Vendor state. */
    float scale;                      /* metres per unit (Velodyne) */
    double timing[SP__LD_MAX_BLOCKS]; /* block firing time in packet, s */
    int block_window;          /* Velodyne: skip blocks outside the window */
    void *vendor;              /* a vendor's own state (Ouster) */
    sp__ld_unpack3_fn unpack3; /* the version of this call (decode) */
    sp__ld_pair_fn pair;       /* likewise (Hesai dual columns) */
    int (*inspect)(sp_lidardec *d, const uint8_t *pkt, size_t len,
                   sp_lidardec_info *info);
    int (*parse)(sp_lidardec *d, const uint8_t *pkt, size_t len, unsigned col0,
                 unsigned col1, double t_rel_s, sp__ld_batch *b);
    int (*decode)(sp_lidardec *d, const uint8_t *pkt, size_t len, unsigned col0,
                  unsigned col1, double t_rel_s, sp_lidardec_out *out);
    void (*fini)(sp_lidardec *d);
};

/* Each vendor's setup: fills d->plan's slots (and d->inspect, d->parse,
 * d->decode, d->fini) from desc->calib or its factory table. */
int sp__ld_velodyne_init(sp_lidardec *d);
int sp__ld_hesai_init(sp_lidardec *d);
/* Ouster (kernels/lidardec_ouster.c): from desc->meta. */
int sp__ld_ouster_init(sp_lidardec *d);

/* The model's facts, or NULL. */
const sp__ld_model *sp__ld_model_of(sp_lidar_model m);

/* Rings from elevations: slot s of n gets its rank in ascending elevation
 * (ties by index), the convention of the ROS drivers. */
void sp__ld_rings_by_elevation(const double *elev, unsigned n, uint16_t *ring);

#endif
