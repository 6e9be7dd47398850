/* voxel, AVX2: the two per-point passes of the packed path, 8 points a
 * step — the extent (min/max of the finite coordinates) and the packed keys
 * (vmulps + vroundps(floor) round exactly as scalar mulss + floorf, then
 * 32-bit integer key arithmetic, exact while the grid has < 2^32 cells;
 * larger grids use the scalar key pass). The radix sort and the reduction
 * are scalar (voxel.c). */
#include <immintrin.h>

#include "voxel_int.h"

static inline __m256 finite_mask(__m256 x, __m256 y, __m256 z)
{
    /* v - v is 0 for finite v, NaN for NaN/Inf. */
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_sub_ps(x, x),
                                           _mm256_sub_ps(y, y)),
                             _mm256_sub_ps(z, z));
    return _mm256_cmp_ps(s, _mm256_setzero_ps(), _CMP_EQ_OQ);
}

static float hmin(__m256 v)
{
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

static float hmax(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

void sp__voxel_extent_avx2(const sp_points *in, sp__voxel_extent *e)
{
    const size_t n = in->count;
    const __m256 pinf = _mm256_set1_ps(INFINITY), ninf = _mm256_set1_ps(-INFINITY);
    __m256 mn[3] = {pinf, pinf, pinf}, mx[3] = {ninf, ninf, ninf};
    const float *src[3] = {in->x, in->y, in->z};
    size_t valid = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 c[3] = {_mm256_loadu_ps(src[0] + i), _mm256_loadu_ps(src[1] + i),
                       _mm256_loadu_ps(src[2] + i)};
        __m256 fin = finite_mask(c[0], c[1], c[2]);
        for (int a = 0; a < 3; a++) {
            mn[a] = _mm256_min_ps(mn[a], _mm256_blendv_ps(pinf, c[a], fin));
            mx[a] = _mm256_max_ps(mx[a], _mm256_blendv_ps(ninf, c[a], fin));
        }
        valid += (size_t)__builtin_popcount((unsigned)_mm256_movemask_ps(fin));
    }
    for (int a = 0; a < 3; a++) {
        float l = hmin(mn[a]), h = hmax(mx[a]);
        if (l < e->min[a])
            e->min[a] = l;
        if (h > e->max[a])
            e->max[a] = h;
    }
    e->valid += valid;
    sp__voxel_extent_scalar(in, i, e);
}

void sp__voxel_keys_avx2(const sp__voxel_plan *p, const sp__voxel_grid *g,
                         const sp_points *in, uint64_t *packed)
{
    const size_t n = in->count;
    if (g->total >= ((uint64_t)1 << 32)) {
        sp__voxel_keys_scalar(p, g, in, 0, packed);
        return;
    }
    const __m256 inv[3] = {_mm256_set1_ps(p->inv[0]), _mm256_set1_ps(p->inv[1]),
                           _mm256_set1_ps(p->inv[2])};
    const __m256i lo[3] = {_mm256_set1_epi32(g->lo[0]),
                           _mm256_set1_epi32(g->lo[1]),
                           _mm256_set1_epi32(g->lo[2])};
    const __m256i sx = _mm256_set1_epi32((int32_t)(uint32_t)g->span[0]);
    const __m256i sy = _mm256_set1_epi32((int32_t)(uint32_t)g->span[1]);
    const __m256i sentinel = _mm256_set1_epi32((int32_t)(uint32_t)g->total);
    const __m128i shift = _mm_cvtsi32_si128(g->ib);
    const __m256i step = _mm256_set1_epi64x(8);
    __m256i idx0 = _mm256_setr_epi64x(0, 1, 2, 3);
    __m256i idx1 = _mm256_setr_epi64x(4, 5, 6, 7);
    const float *src[3] = {in->x, in->y, in->z};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 c[3];
        __m256i d[3];
        for (int a = 0; a < 3; a++)
            c[a] = _mm256_loadu_ps(src[a] + i);
        __m256i fin = _mm256_castps_si256(finite_mask(c[0], c[1], c[2]));
        for (int a = 0; a < 3; a++)
            d[a] = _mm256_sub_epi32(
                _mm256_cvttps_epi32(_mm256_floor_ps(_mm256_mul_ps(c[a], inv[a]))),
                lo[a]);
        __m256i key = _mm256_add_epi32(
            d[0], _mm256_mullo_epi32(
                      sx, _mm256_add_epi32(d[1], _mm256_mullo_epi32(sy, d[2]))));
        key = _mm256_blendv_epi8(sentinel, key, fin);
        __m256i k0 = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(key));
        __m256i k1 = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(key, 1));
        k0 = _mm256_or_si256(_mm256_sll_epi64(k0, shift), idx0);
        k1 = _mm256_or_si256(_mm256_sll_epi64(k1, shift), idx1);
        _mm256_storeu_si256((__m256i *)(packed + i), k0);
        _mm256_storeu_si256((__m256i *)(packed + i + 4), k1);
        idx0 = _mm256_add_epi64(idx0, step);
        idx1 = _mm256_add_epi64(idx1, step);
    }
    sp__voxel_keys_scalar(p, g, in, i, packed);
}
