/* voxel, SSE4.1: the extent and 32-bit key passes 4 points a step (mulps +
 * roundps(floor) = scalar mulss + floorf; pmulld integer keys, exact on the
 * runs path's grids of < 2^32 cells). See voxel_avx2.c. */
#include <smmintrin.h>

#include "voxel_int.h"

static inline __m128 finite_mask(__m128 x, __m128 y, __m128 z)
{
    __m128 s = _mm_add_ps(_mm_add_ps(_mm_sub_ps(x, x), _mm_sub_ps(y, y)),
                          _mm_sub_ps(z, z));
    return _mm_cmpeq_ps(s, _mm_setzero_ps());
}

static float hmin(__m128 m)
{
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

static float hmax(__m128 m)
{
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

void sp__voxel_extent_sse41(const sp_points *in, sp__voxel_extent *e)
{
    const size_t n = in->count;
    const __m128 pinf = _mm_set1_ps(INFINITY), ninf = _mm_set1_ps(-INFINITY);
    __m128 mn[3] = {pinf, pinf, pinf}, mx[3] = {ninf, ninf, ninf};
    const float *src[3] = {in->x, in->y, in->z};
    /* Finite points counted per lane (a lane's mask is -1): popcnt is not
     * SSE4.1, and __builtin_popcount became a libgcc call, 3 % of a KITTI
     * sweep's voxel. A lane counts at most n / 4 < 2^32 points (n is at
     * most UINT32_MAX, checked by sp_voxel). */
    __m128i cnt = _mm_setzero_si128();
    size_t valid = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 c[3] = {_mm_loadu_ps(src[0] + i), _mm_loadu_ps(src[1] + i),
                       _mm_loadu_ps(src[2] + i)};
        __m128 fin = finite_mask(c[0], c[1], c[2]);
        for (int a = 0; a < 3; a++) {
            mn[a] = _mm_min_ps(mn[a], _mm_blendv_ps(pinf, c[a], fin));
            mx[a] = _mm_max_ps(mx[a], _mm_blendv_ps(ninf, c[a], fin));
        }
        cnt = _mm_sub_epi32(cnt, _mm_castps_si128(fin));
    }
    uint32_t lanes[4];
    _mm_storeu_si128((__m128i *)(void *)lanes, cnt);
    valid = (size_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
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

void sp__voxel_keys32_sse41(const sp__voxel_plan *p, const sp__voxel_grid *g,
                            const sp_points *in, uint32_t *keys)
{
    const size_t n = in->count;
    const __m128 inv[3] = {_mm_set1_ps(p->inv[0]), _mm_set1_ps(p->inv[1]),
                           _mm_set1_ps(p->inv[2])};
    const __m128i lo[3] = {_mm_set1_epi32(g->lo[0]), _mm_set1_epi32(g->lo[1]),
                           _mm_set1_epi32(g->lo[2])};
    const __m128i sx = _mm_set1_epi32((int32_t)(uint32_t)g->span[0]);
    const __m128i sy = _mm_set1_epi32((int32_t)(uint32_t)g->span[1]);
    const __m128i nokey = _mm_set1_epi32(-1); /* SP__VOXEL_NOKEY */
    const float *src[3] = {in->x, in->y, in->z};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 c[3];
        __m128i d[3];
        for (int a = 0; a < 3; a++)
            c[a] = _mm_loadu_ps(src[a] + i);
        __m128i fin = _mm_castps_si128(finite_mask(c[0], c[1], c[2]));
        for (int a = 0; a < 3; a++)
            d[a] = _mm_sub_epi32(
                _mm_cvttps_epi32(_mm_floor_ps(_mm_mul_ps(c[a], inv[a]))),
                lo[a]);
        __m128i key = _mm_add_epi32(
            d[0], _mm_mullo_epi32(
                      sx, _mm_add_epi32(d[1], _mm_mullo_epi32(sy, d[2]))));
        _mm_storeu_si128((__m128i *)(keys + i),
                         _mm_blendv_epi8(nokey, key, fin));
    }
    sp__voxel_keys32_scalar(p, g, in, i, keys);
}
