/* Internal to kernels/: voxel's plan, the index pass every back-end
 * implements, and the CPU sort/reduce every back-end shares
 * (voxel_sort.c). */
#ifndef SP_VOXEL_INT_H
#define SP_VOXEL_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "extras_int.h"
#include "kernels_int.h"
#include "sp_voxel.h"

/* ix marks a point that is skipped (NaN/Inf): no valid index equals it
 * because the index pass only accepts floor values in (-2^31, 2^31). */
#define SP__VOXEL_SKIP INT32_MIN
#define SP__VOXEL_LIM 2147483648.0f /* 2^31 */

typedef struct sp__voxel_plan {
    float inv[3];         /* 1.0f / leaf, float32 as PCL */
    uint32_t min_points;  /* >= 1 */
    int ring, time;       /* carry ring / time */
    const sp__extras *ex; /* the extras to reduce, or NULL when none */
} sp__voxel_plan;

/* What the index pass found. */
typedef struct sp__voxel_bounds {
    int32_t lo[3], hi[3]; /* over valid points */
    size_t valid;         /* points with an index */
    int wide;             /* some finite point's index is outside 32 bits */
} sp__voxel_bounds;

static inline int sp__voxel_bit_length(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

static inline void sp__voxel_bounds_init(sp__voxel_bounds *b)
{
    for (int a = 0; a < 3; a++) {
        b->lo[a] = INT32_MAX;
        b->hi[a] = INT32_MIN;
    }
    b->valid = 0;
    b->wide = 0;
}

/* The index pass over in[first, count): ix/iy/iz[i] = floorf(c * inv) in
 * float32, ix[i] = SP__VOXEL_SKIP for NaN/Inf; bounds updated. Stops with
 * b->wide = 1 at the first finite point whose index does not fit. Used by
 * the general path (keys beyond the packed fast path) and, as a kernel, by
 * OpenCL. */
void sp__voxel_index_scalar(const sp__voxel_plan *p, const sp_points *in,
                            size_t first, int32_t *ix, int32_t *iy, int32_t *iz,
                            sp__voxel_bounds *b);

/* ---- the grid, the packed path ----------------------------------------
 * floor(c * inv) is monotonic in c (inv > 0), so the index bounds are the
 * floors of the coordinate bounds: one cheap extent pass gives the grid
 * and key = dx + sx * (dy + sy * dz), the z-major voxel number. Grids of
 * < 2^32 cells take the runs path (below); bigger ones the packed path: a
 * key pass writes, per point, key << ib | i (NaN/Inf points get key =
 * total, which sorts after every voxel), when bits(total) + bits(n - 1) <=
 * 64; else the general or wide path (voxel.c, voxel_scalar.c). */
typedef struct sp__voxel_extent {
    float min[3], max[3]; /* over finite points */
    size_t valid;         /* finite points */
} sp__voxel_extent;

typedef struct sp__voxel_grid {
    int32_t lo[3];
    uint64_t span[3];
    uint64_t total; /* span product = the sentinel key */
    int kb, ib;     /* key bits (bits of total), index bits */
} sp__voxel_grid;

static inline void sp__voxel_extent_init(sp__voxel_extent *e)
{
    for (int a = 0; a < 3; a++) {
        e->min[a] = INFINITY;
        e->max[a] = -INFINITY;
    }
    e->valid = 0;
}

/* Extent of in[first, count), merged into *e. */
void sp__voxel_extent_scalar(const sp_points *in, size_t first,
                             sp__voxel_extent *e);
void sp__voxel_extent_sse41(const sp_points *in, sp__voxel_extent *e);
void sp__voxel_extent_avx2(const sp_points *in, sp__voxel_extent *e);
void sp__voxel_extent_neon(const sp_points *in, sp__voxel_extent *e);

/* Packed keys for in[first, count) into packed[first...] (grids of any
 * size the packed path takes; scalar only, the runs path below covers the
 * grids SIMD key arithmetic can). */
void sp__voxel_keys_scalar(const sp__voxel_plan *p, const sp__voxel_grid *g,
                           const sp_points *in, size_t first, uint64_t *packed);

/* ---- the runs path (grids of < 2^32 cells: a lidar sweep at a usual
 * leaf; see voxel_runs.c) ---------------------------------------------
 * A key pass writes the 32-bit z-major voxel number of every point
 * (SP__VOXEL_NOKEY for NaN/Inf; valid keys are < total <= UINT32_MAX - 1);
 * sp__voxel_runs() sorts the runs of equal keys and reduces them, adding
 * each voxel's points in input order from +0 in double, as the reference. */
#define SP__VOXEL_NOKEY UINT32_MAX
void sp__voxel_keys32_scalar(const sp__voxel_plan *p, const sp__voxel_grid *g,
                             const sp_points *in, size_t first, uint32_t *keys);
void sp__voxel_keys32_sse41(const sp__voxel_plan *p, const sp__voxel_grid *g,
                            const sp_points *in, uint32_t *keys);
/* AVX2 also writes aos[4 i + 0..3] = x, y, z, intensity of point i, and 16
 * zero floats after the last point (the reduction reads 4 points a run). */
void sp__voxel_keys32_avx2(const sp__voxel_plan *p, const sp__voxel_grid *g,
                           const sp_points *in, uint32_t *keys, float *aos);
void sp__voxel_keys32_neon(const sp__voxel_plan *p, const sp__voxel_grid *g,
                           const sp_points *in, uint32_t *keys);

/* From keys to out; aos (AVX2's key pass) selects the AVX2 runs pass and
 * reduction.
 * Scratch: the caller holds keys in slot KEY and aos in KEY2; this uses
 * IDX, IDX2 and MISC. */
int sp__voxel_runs(sp_kctx *k, const sp__voxel_plan *p, const sp__voxel_grid *g,
                   const sp_points *in, const uint32_t *keys, const float *aos,
                   sp_points *out);

/* voxel_runs.c's runs by AVX2 (the same entries and starts); ent and
 * rstart need 8 entries of slack past n and n + 1. */
size_t sp__voxel_runs_avx2(const uint32_t *keys, size_t n, uint64_t *ent,
                           uint32_t *rstart);

/* The AVX2 reduction over the nr sorted valid runs (ent = key << 32 |
 * run, runs from rstart; sorted[nr] has key NOKEY), the same adds and
 * output as voxel_runs.c's generic one; returns the output count, or
 * (size_t)-1 past out->capacity. */
size_t sp__voxel_runs_reduce_avx2(const sp__voxel_plan *p, const sp_points *in,
                                  const float *aos, const uint64_t *sorted,
                                  const uint32_t *rstart, size_t nr,
                                  sp_points *out);

/* Stable LSD radix sort of packed values on bits [lo, lo + bits); returns
 * the buffer holding the result (a or tmp). hist: SP__VOXEL_HIST_WORDS. */
#define SP__VOXEL_RADIX_BITS 13
#define SP__VOXEL_HIST_WORDS ((size_t)5 << SP__VOXEL_RADIX_BITS)
uint64_t *sp__voxel_radix_packed(uint64_t *a, uint64_t *tmp, size_t m, int lo,
                                 int bits, uint32_t *hist);

/* Scratch sizes in bytes for n points, named once: the paths ask for
 * them and sp_voxel_reserve() sizes a context for the runs and packed
 * paths with them. */
#define SP__VOXEL_KEYS32_BYTES(n) ((n)*4)       /* runs: 32-bit keys */
#define SP__VOXEL_AOS_BYTES(n) (((n) + 4) * 16) /* runs, AVX2: points */
#define SP__VOXEL_RSTART_BYTES(n) (((n) + 9) * 4)
#define SP__VOXEL_ENT_BYTES(n) ((2 * (n) + 16) * 8)
#define SP__VOXEL_PACKED_BYTES(n) ((n)*8) /* packed: keys, twice */
#define SP__VOXEL_HIST_BYTES (SP__VOXEL_HIST_WORDS * 4)

/* Scratch slots: the index arrays (slots 0-2) belong to the caller of
 * sp__voxel_sort; sort and reduce use slots 3-7. The packed path uses
 * KEY and KEY2 (packed keys) and MISC (histograms). */
enum {
    SP__VOXEL_SLOT_IX = 0,
    SP__VOXEL_SLOT_IY,
    SP__VOXEL_SLOT_IZ,
    SP__VOXEL_SLOT_KEY,
    SP__VOXEL_SLOT_IDX,
    SP__VOXEL_SLOT_KEY2,
    SP__VOXEL_SLOT_IDX2,
    SP__VOXEL_SLOT_MISC
};

/* From the index arrays: the valid points' 64-bit keys (z-major) sorted
 * stably with their point indices. *keys / *idx point into scratch;
 * *m = number of valid points. Returns 1 (not SP_OK) when the key space
 * exceeds 64 bits: the caller then uses sp__voxel_wide(). */
int sp__voxel_sort(sp_kctx *k, const sp__voxel_bounds *b, size_t n,
                   const int32_t *ix, const int32_t *iy, const int32_t *iz,
                   uint64_t **keys, uint32_t **idx, size_t *m);

/* The reduction over sorted (keys, idx): one output point per run of equal
 * keys with >= min_points points; the extras too (sp__voxel_extras_keys). */
int sp__voxel_reduce(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                     const uint64_t *keys, const uint32_t *idx, size_t m,
                     sp_points *out);

/* The packed path's reduction over the m sorted packed keys (key << ib |
 * point); the extras too (sp__voxel_extras_packed). */
int sp__voxel_reduce_packed(sp_kctx *k, const sp__voxel_plan *p,
                            const sp_points *in, const uint64_t *packed,
                            size_t m, int ib, sp_points *out);

/* ---- the extras (voxel_extras.c) ----------------------------------------
 * After a path has written the standard channels, each of these lists the
 * same output voxels' members (input order within a voxel) from that
 * path's sorted data and hands them to sp__extras_reduce(), so every path
 * and back-end reduces the extras from the same members in the same order.
 * They use scratch slots IX, IY and IZ, which no path needs by then, and
 * fail (SP_EINVAL, an internal error) if they find another number of
 * voxels than out->count. */
int sp__voxel_extras_keys(sp_kctx *k, const sp__voxel_plan *p,
                          const uint64_t *keys, const uint32_t *idx, size_t m,
                          const sp_points *out);
int sp__voxel_extras_packed(sp_kctx *k, const sp__voxel_plan *p,
                            const uint64_t *packed, size_t m, int ib,
                            const sp_points *out);
int sp__voxel_extras_runs(sp_kctx *k, const sp__voxel_plan *p,
                          const uint64_t *sorted, const uint32_t *rstart,
                          size_t nr, size_t n, const sp_points *out);

/* The exact path for index ranges beyond 32 bits per axis or 64 bits of
 * key: 64-bit indices, comparison sort, same order and output. */
int sp__voxel_wide(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                   sp_points *out);

#if SP_HAVE_OPENCL
int sp__voxel_cl(sp_kctx *k, const sp__voxel_plan *p, const sp_points *in,
                 sp_points *out);
#endif

#endif
