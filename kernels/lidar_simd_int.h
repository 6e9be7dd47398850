/* Internal to kernels/: the SIMD bodies of the lidar raster kernels, written
 * once against a small vector vocabulary that each instruction set defines
 * below (SSE4.1: 4 lanes, AVX2: 8 lanes, NEON: 4 lanes). A translation unit
 * defines exactly one of SP__SIMD_SSE41, SP__SIMD_AVX2, SP__SIMD_NEON and
 * includes this file, so each instruction set is still compiled on its own
 * with its own flags (kernels/x86/, kernels/arm/).
 *
 * Every vector step is the scalar reference's step (lidar_int.h) on several
 * lanes: the same IEEE operations in the same order, no FMA, compares that
 * are false for NaN. Tails (n not a multiple of the width) use the scalar
 * functions themselves. The scatter into the raster stays scalar and in
 * point order, which is what makes the winners and sums identical. */
#ifndef SP_LIDAR_SIMD_INT_H
#define SP_LIDAR_SIMD_INT_H

#include "lidar_int.h"

#if defined(SP__SIMD_AVX2)
#include <immintrin.h>
#define VN 8
typedef __m256 F;
typedef __m256i I;
typedef __m256 M;
#define f_load(p) _mm256_loadu_ps(p)
#define f_set(s) _mm256_set1_ps(s)
#define f_add _mm256_add_ps
#define f_sub _mm256_sub_ps
#define f_mul _mm256_mul_ps
#define f_div _mm256_div_ps
#define f_sqrt _mm256_sqrt_ps
#define f_min _mm256_min_ps
#define f_abs(a) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (a))
#define f_neg(a) _mm256_xor_ps(_mm256_set1_ps(-0.0f), (a))
#define f_sel(m, a, b) _mm256_blendv_ps((b), (a), (m))
#define f_store(p, a) _mm256_storeu_ps((p), (a))
#define m_ge(a, b) _mm256_cmp_ps((a), (b), _CMP_GE_OQ)
#define m_gt(a, b) _mm256_cmp_ps((a), (b), _CMP_GT_OQ)
#define m_lt(a, b) _mm256_cmp_ps((a), (b), _CMP_LT_OQ)
#define m_le(a, b) _mm256_cmp_ps((a), (b), _CMP_LE_OQ)
#define m_and _mm256_and_ps
#define m_bits(m) _mm256_movemask_ps(m)
#define i_cvtt _mm256_cvttps_epi32
#define i_set(s) _mm256_set1_epi32(s)
#define i_add _mm256_add_epi32
#define i_mul _mm256_mullo_epi32
#define i_min _mm256_min_epi32
#define i_and_m(i, m) _mm256_and_si256((i), _mm256_castps_si256(m))
#define i_store(p, a) _mm256_storeu_si256((__m256i *)(void *)(p), (a))
#define i_zero() _mm256_setzero_si256()
#define i_sub_m(i, m) _mm256_sub_epi32((i), _mm256_castps_si256(m))
#elif defined(SP__SIMD_SSE41)
#include <smmintrin.h>
#define VN 4
typedef __m128 F;
typedef __m128i I;
typedef __m128 M;
#define f_load(p) _mm_loadu_ps(p)
#define f_set(s) _mm_set1_ps(s)
#define f_add _mm_add_ps
#define f_sub _mm_sub_ps
#define f_mul _mm_mul_ps
#define f_div _mm_div_ps
#define f_sqrt _mm_sqrt_ps
#define f_min _mm_min_ps
#define f_abs(a) _mm_andnot_ps(_mm_set1_ps(-0.0f), (a))
#define f_neg(a) _mm_xor_ps(_mm_set1_ps(-0.0f), (a))
#define f_sel(m, a, b) _mm_blendv_ps((b), (a), (m))
#define f_store(p, a) _mm_storeu_ps((p), (a))
#define m_ge _mm_cmpge_ps
#define m_gt _mm_cmpgt_ps
#define m_lt _mm_cmplt_ps
#define m_le _mm_cmple_ps
#define m_and _mm_and_ps
#define m_bits(m) _mm_movemask_ps(m)
#define i_cvtt _mm_cvttps_epi32
#define i_set(s) _mm_set1_epi32(s)
#define i_add _mm_add_epi32
#define i_mul _mm_mullo_epi32
#define i_min _mm_min_epi32
#define i_and_m(i, m) _mm_and_si128((i), _mm_castps_si128(m))
#define i_store(p, a) _mm_storeu_si128((__m128i *)(void *)(p), (a))
#define i_zero() _mm_setzero_si128()
#define i_sub_m(i, m) _mm_sub_epi32((i), _mm_castps_si128(m))
#elif defined(SP__SIMD_NEON)
#include <arm_neon.h>
#define VN 4
typedef float32x4_t F;
typedef int32x4_t I;
typedef uint32x4_t M;
#define f_load(p) vld1q_f32(p)
#define f_set(s) vdupq_n_f32(s)
#define f_add vaddq_f32
#define f_sub vsubq_f32
#define f_mul vmulq_f32
#define f_div vdivq_f32
#define f_sqrt vsqrtq_f32
#define f_min vminq_f32
#define f_abs vabsq_f32
#define f_neg vnegq_f32
#define f_sel(m, a, b) vbslq_f32((m), (a), (b))
#define f_store(p, a) vst1q_f32((p), (a))
#define m_ge vcgeq_f32
#define m_gt vcgtq_f32
#define m_lt vcltq_f32
#define m_le vcleq_f32
#define m_and vandq_u32
static inline int m_bits(M m)
{
    /* One bit per lane, like movemask (only the scatter uses it). */
    uint32_t l[4];
    vst1q_u32(l, vshrq_n_u32(m, 31));
    return (int)(l[0] | l[1] << 1 | l[2] << 2 | l[3] << 3);
}
#define i_cvtt vcvtq_s32_f32
#define i_set(s) vdupq_n_s32(s)
#define i_add vaddq_s32
#define i_mul vmulq_s32
#define i_min vminq_s32
#define i_and_m(i, m) vandq_s32((i), vreinterpretq_s32_u32(m))
#define i_store(p, a) vst1q_s32((p), (a))
#define i_zero() vdupq_n_s32(0)
#define i_sub_m(i, m) vsubq_s32((i), vreinterpretq_s32_u32(m))
#else
#error "define SP__SIMD_AVX2, SP__SIMD_SSE41 or SP__SIMD_NEON"
#endif

/* sp__atan2f on VN lanes, step for step. */
static inline F simd_atan2(F y, F x)
{
    const F zero = f_set(0.0f);
    F ax = f_abs(x), ay = f_abs(y);
    M gt = m_gt(ax, ay);
    F mx = f_sel(gt, ax, ay);
    F mn = f_sel(gt, ay, ax);
    F a = f_sel(m_gt(mx, zero), f_div(mn, mx), zero);
    F s = f_mul(a, a);
    F p = f_add(f_mul(f_set(SP__AT_A8), s), f_set(SP__AT_A6));
    p = f_add(f_mul(p, s), f_set(SP__AT_A4));
    p = f_add(f_mul(p, s), f_set(SP__AT_A2));
    F r = f_add(a, f_mul(f_mul(a, s), p));
    r = f_sel(m_gt(ay, ax), f_sub(f_set(SP__HALF_PI_F), r), r);
    r = f_sel(m_lt(x, zero), f_sub(f_set(SP__PI_F), r), r);
    r = f_sel(m_lt(y, zero), f_neg(r), r);
    return r;
}

/* bev's per-point rule on VN points at once, shared by the one-thread
 * scatter and the split classification so both find the same cells. */
typedef struct simd_bev_k {
    F xmin, ymin, zmin, zmax, inv_res, inv_zr, fh, fw;
    I w;
} simd_bev_k;

static inline simd_bev_k simd_bev_k_make(const sp__bev_plan *pl)
{
    simd_bev_k k = {f_set(pl->xmin), f_set(pl->ymin),    f_set(pl->zmin),
                    f_set(pl->zmax), f_set(pl->inv_res), f_set(pl->inv_zr),
                    f_set(pl->fh),   f_set(pl->fw),      i_set((int32_t)pl->w)};
    return k;
}

/* Points [i, i + VN): one bit per point inside the raster; where any is,
 * cell[] gets the (unmapped) cell index and h[] the height of each. */
static inline int simd_bev_block(const simd_bev_k *k, const sp_points *in,
                                 size_t i, int32_t *cell, float *h)
{
    const F zero = f_set(0.0f), one = f_set(1.0f);
    F x = f_load(in->x + i), y = f_load(in->y + i), z = f_load(in->z + i);
    F fx = f_mul(f_sub(x, k->xmin), k->inv_res);
    F fy = f_mul(f_sub(y, k->ymin), k->inv_res);
    M ok = m_and(m_and(m_ge(fx, zero), m_lt(fx, k->fh)),
                 m_and(m_ge(fy, zero), m_lt(fy, k->fw)));
    ok = m_and(ok, m_and(m_ge(z, k->zmin), m_le(z, k->zmax)));
    int bits = m_bits(ok);
    if (bits) {
        F v = f_min(f_mul(f_sub(z, k->zmin), k->inv_zr), one);
        i_store(cell, i_add(i_mul(i_cvtt(fx), k->w), i_cvtt(fy)));
        f_store(h, v);
    }
    return bits;
}

/* The points inside the raster, in input order and packed to the front:
 * cell[m], h[m] and w[m] (its intensity) for m = 0 .. the returned count.
 * Every lane is stored and only the inside ones advance m, so the arrays
 * need VN entries of slack; no branch per point (half a KITTI sweep lies
 * outside a forward raster, in long unpredictable runs). */
static inline size_t simd_bev_compact(const sp__bev_plan *pl,
                                      const sp_points *in, int32_t *cell,
                                      float *h, float *w)
{
    const simd_bev_k k = simd_bev_k_make(pl);
    const int32_t last = (int32_t)(pl->h * pl->w - 1u);
    const size_t n = in->count;
    size_t i = 0, m = 0;
    int32_t cv[VN];
    float hv[VN];
    for (; i + VN <= n; i += VN) {
        int bits = simd_bev_block(&k, in, i, cv, hv);
        if (!bits)
            continue;
        for (int j = 0; j < VN; j++) {
            /* unsigned: a lane outside holds any index (not kept) */
            cell[m] = (int32_t)((uint32_t)last - (uint32_t)cv[j]);
            h[m] = hv[j];
            w[m] = in->intensity[i + (size_t)j];
            m += (size_t)((bits >> j) & 1);
        }
    }
    /* the last points, fewer than VN */
    const sp_points rest = sp__lidar_points_at(in, i, n);
    return m + sp__bev_compact_scalar(pl, &rest, cell + m, h + m, w + m);
}

/* range's per-point rule on VN points at once, shared by the one-thread
 * scatter and the split classification so both find the same pixels. */
typedef struct simd_range_k {
    F fov_up, row_scale, frows, fcols;
    I cols, last;
} simd_range_k;

static inline simd_range_k simd_range_k_make(const sp__range_plan *pl)
{
    simd_range_k k = {f_set(pl->fov_up),        f_set(pl->row_scale),
                      f_set(pl->frows),         f_set(pl->fcols),
                      i_set((int32_t)pl->cols), i_set((int32_t)pl->cols - 1)};
    return k;
}

/* Points [i, i + VN): one bit per point in view; where any is, pix[] gets
 * the pixel and r[] the range of each. */
static inline int simd_range_block(const simd_range_k *k, const sp_points *in,
                                   size_t i, int32_t *pix, float *r)
{
    const F zero = f_set(0.0f), fmax = f_set(3.40282347e38f);
    const F half = f_set(0.5f), inv2pi = f_set(SP__INV_2PI_F);
    F x = f_load(in->x + i), y = f_load(in->y + i), z = f_load(in->z + i);
    F rxy2 = f_add(f_mul(x, x), f_mul(y, y));
    F r2 = f_add(rxy2, f_mul(z, z));
    M ok = m_and(m_gt(r2, zero), m_le(r2, fmax));
    if (!m_bits(ok))
        return 0;
    F yaw = simd_atan2(y, x);
    F pitch = simd_atan2(z, f_sqrt(rxy2));
    F fr = f_mul(f_sub(k->fov_up, pitch), k->row_scale);
    ok = m_and(ok, m_and(m_ge(fr, zero), m_lt(fr, k->frows)));
    int bits = m_bits(ok);
    if (!bits)
        return 0;
    F fc = f_mul(f_sub(half, f_mul(yaw, inv2pi)), k->fcols);
    I col = i_min(i_and_m(i_cvtt(fc), m_gt(fc, zero)), k->last);
    i_store(pix, i_add(i_mul(i_cvtt(fr), k->cols), col));
    f_store(r, f_sqrt(r2));
    return bits;
}

static inline void simd_range_scatter(const sp__range_plan *pl,
                                      const sp_points *in, float *out)
{
    const simd_range_k k = simd_range_k_make(pl);
    size_t plane = (size_t)pl->rows * pl->cols;
    size_t n = in->count, i = 0;
    int32_t pix[VN];
    float rr[VN];
    for (; i + VN <= n; i += VN) {
        int bits = simd_range_block(&k, in, i, pix, rr);
        while (bits) {
            int j = __builtin_ctz((unsigned)bits);
            bits &= bits - 1;
            size_t q = i + (size_t)j;
            sp__range_put(out, plane, pix[j], rr[j], in->x[q], in->y[q],
                          in->z[q], in->intensity[q]);
        }
    }
    for (; i < n; i++) {
        float x = in->x[i], y = in->y[i], z = in->z[i], r;
        int32_t p = sp__range_pixel(pl, x, y, z, &r);
        if (p >= 0)
            sp__range_put(out, plane, p, r, x, y, z, in->intensity[i]);
    }
}

/* The pixel and range of points [i0, i1), -1 (range 0) where the point is
 * dropped: the classification half of simd_range_scatter, for a split
 * frame (sp_range_cells), with the same operations, so the same pixels. */
static inline void simd_range_cells(const sp__range_plan *pl,
                                    const sp_points *in, size_t i0, size_t i1,
                                    int32_t *pix, float *r)
{
    const simd_range_k k = simd_range_k_make(pl);
    size_t i = i0;
    int32_t pv[VN];
    float rv[VN];
    for (; i + VN <= i1; i += VN) {
        int bits = simd_range_block(&k, in, i, pv, rv);
        for (int j = 0; j < VN; j++) {
            int in_view = (bits >> j) & 1;
            pix[i + (size_t)j] = in_view ? pv[j] : -1;
            r[i + (size_t)j] = in_view ? rv[j] : 0.0f;
        }
    }
    for (; i < i1; i++) {
        r[i] = 0.0f;
        pix[i] = sp__range_pixel(pl, in->x[i], in->y[i], in->z[i], &r[i]);
    }
}

static inline F simd_dot(const float *c, F x, F y, F z)
{
    return f_add(f_add(f_add(f_mul(f_set(c[0]), x), f_mul(f_set(c[1]), y)),
                       f_mul(f_set(c[2]), z)),
                 f_set(c[3]));
}

static inline void simd_project_scatter(const sp__project_plan *pl,
                                        const sp_points *in, float *out)
{
    const F zero = f_set(0.0f), mind = f_set(pl->min_depth);
    const F fw = f_set(pl->fw), fh = f_set(pl->fh);
    const I w = i_set((int32_t)pl->w);
    size_t n = in->count, i = 0;
    int32_t pix[VN];
    float dd[VN];
    for (; i + VN <= n; i += VN) {
        F x = f_load(in->x + i), y = f_load(in->y + i), z = f_load(in->z + i);
        F dz = simd_dot(pl->d, x, y, z);
        F wv = simd_dot(pl->m + 8, x, y, z);
        M ok = m_and(m_gt(dz, mind), m_gt(wv, zero));
        if (!m_bits(ok))
            continue;
        F u = f_div(simd_dot(pl->m, x, y, z), wv);
        F v = f_div(simd_dot(pl->m + 4, x, y, z), wv);
        ok = m_and(ok, m_and(m_and(m_ge(u, zero), m_lt(u, fw)),
                             m_and(m_ge(v, zero), m_lt(v, fh))));
        int bits = m_bits(ok);
        if (!bits)
            continue;
        i_store(pix, i_add(i_mul(i_cvtt(v), w), i_cvtt(u)));
        f_store(dd, dz);
        while (bits) {
            int j = __builtin_ctz((unsigned)bits);
            bits &= bits - 1;
            sp__project_put(out, pix[j], dd[j]);
        }
    }
    for (; i < n; i++) {
        float d;
        int32_t p = sp__project_pixel(pl, in->x[i], in->y[i], in->z[i], &d);
        if (p >= 0)
            sp__project_put(out, p, d);
    }
}

static inline M simd_ground_in(const float pl[4], F thr, const float *x,
                               const float *y, const float *z, size_t i)
{
    F d = simd_dot(pl, f_load(x + i), f_load(y + i), f_load(z + i));
    return m_lt(f_abs(d), thr);
}

static inline size_t simd_ground_count(const float pl[4], float thr,
                                       const float *x, const float *y,
                                       const float *z, size_t n)
{
    /* A true lane is all ones (-1): subtracting the mask counts it, so the
     * loop needs no popcount (not in SSE4.1's instruction set). A lane
     * counts at most 2^31 / 4 points: no overflow. */
    const F t = f_set(thr);
    I acc = i_zero();
    size_t c = 0, i = 0;
    for (; i + VN <= n; i += VN)
        acc = i_sub_m(acc, simd_ground_in(pl, t, x, y, z, i));
    int32_t lanes[VN];
    i_store(lanes, acc);
    for (int j = 0; j < VN; j++)
        c += (size_t)(uint32_t)lanes[j];
    for (; i < n; i++)
        c += (size_t)sp__ground_inlier(pl, thr, x[i], y[i], z[i]);
    return c;
}

static inline void simd_ground_mask(const float pl[4], float thr,
                                    const float *x, const float *y,
                                    const float *z, size_t n, uint8_t *mask)
{
    const F t = f_set(thr);
    size_t i = 0;
    for (; i + VN <= n; i += VN) {
        int bits = m_bits(simd_ground_in(pl, t, x, y, z, i));
        for (int j = 0; j < VN; j++)
            mask[i + (size_t)j] = (uint8_t)((bits >> j) & 1);
    }
    for (; i < n; i++)
        mask[i] = (uint8_t)sp__ground_inlier(pl, thr, x[i], y[i], z[i]);
}

#endif
