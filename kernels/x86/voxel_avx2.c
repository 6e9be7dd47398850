/* voxel, AVX2: the index pass 8 points a step — float32 multiply and
 * floor exactly as scalar (vmulps + vroundps rounds the same as mulss +
 * floorf), validity, the 32-bit range check and the running bounds. The
 * key/sort/reduce stay scalar (voxel.c). */
#include <immintrin.h>

#include "voxel_int.h"

static int32_t hmin(__m256i v)
{
    __m128i m = _mm_min_epi32(_mm256_castsi256_si128(v),
                              _mm256_extracti128_si256(v, 1));
    m = _mm_min_epi32(m, _mm_shuffle_epi32(m, 0x4e));
    m = _mm_min_epi32(m, _mm_shuffle_epi32(m, 0xb1));
    return _mm_cvtsi128_si32(m);
}

static int32_t hmax(__m256i v)
{
    __m128i m = _mm_max_epi32(_mm256_castsi256_si128(v),
                              _mm256_extracti128_si256(v, 1));
    m = _mm_max_epi32(m, _mm_shuffle_epi32(m, 0x4e));
    m = _mm_max_epi32(m, _mm_shuffle_epi32(m, 0xb1));
    return _mm_cvtsi128_si32(m);
}

void sp__voxel_index_avx2(const sp__voxel_plan *p, const sp_points *in,
                          int32_t *ix, int32_t *iy, int32_t *iz,
                          sp__voxel_bounds *b)
{
    const size_t n = in->count;
    const __m256 inv[3] = {_mm256_set1_ps(p->inv[0]),
                           _mm256_set1_ps(p->inv[1]),
                           _mm256_set1_ps(p->inv[2])};
    const __m256 lim = _mm256_set1_ps(SP__VOXEL_LIM);
    const __m256 nlim = _mm256_set1_ps(-SP__VOXEL_LIM);
    const __m256 zero = _mm256_setzero_ps();
    const __m256i skip = _mm256_set1_epi32(SP__VOXEL_SKIP);
    const __m256i big = _mm256_set1_epi32(INT32_MAX);
    __m256i lo[3], hi[3];
    for (int a = 0; a < 3; a++) {
        lo[a] = big;
        hi[a] = skip;
    }
    const float *src[3] = {in->x, in->y, in->z};
    int32_t *dst[3] = {ix, iy, iz};
    size_t valid = 0, i = 0;

    for (; i + 8 <= n; i += 8) {
        __m256 c[3], f[3];
        __m256 fin = zero;
        for (int a = 0; a < 3; a++) {
            c[a] = _mm256_loadu_ps(src[a] + i);
            fin = _mm256_add_ps(fin, _mm256_sub_ps(c[a], c[a]));
        }
        __m256 finite = _mm256_cmp_ps(fin, zero, _CMP_EQ_OQ);
        __m256 inrange = finite;
        for (int a = 0; a < 3; a++) {
            f[a] = _mm256_floor_ps(_mm256_mul_ps(c[a], inv[a]));
            inrange = _mm256_and_ps(inrange, _mm256_cmp_ps(f[a], nlim, _CMP_GT_OQ));
            inrange = _mm256_and_ps(inrange, _mm256_cmp_ps(f[a], lim, _CMP_LT_OQ));
        }
        int fm = _mm256_movemask_ps(finite);
        if (_mm256_movemask_ps(inrange) != fm) {
            /* A finite point's index needs more than 32 bits: hand the rest
             * to the scalar pass, which flags the cloud as wide. */
            break;
        }
        __m256i vmask = _mm256_castps_si256(finite);
        for (int a = 0; a < 3; a++) {
            __m256i v = _mm256_cvttps_epi32(f[a]);
            lo[a] = _mm256_min_epi32(lo[a], _mm256_blendv_epi8(big, v, vmask));
            hi[a] = _mm256_max_epi32(hi[a], _mm256_blendv_epi8(skip, v, vmask));
            if (a == 0)
                v = _mm256_blendv_epi8(skip, v, vmask);
            _mm256_storeu_si256((__m256i *)(dst[a] + i), v);
        }
        valid += (size_t)__builtin_popcount((unsigned)fm);
    }
    for (int a = 0; a < 3; a++) {
        int32_t l = hmin(lo[a]), h = hmax(hi[a]);
        if (l < b->lo[a])
            b->lo[a] = l;
        if (h > b->hi[a])
            b->hi[a] = h;
    }
    b->valid += valid;
    sp__voxel_index_scalar(p, in, i, ix, iy, iz, b);
}
