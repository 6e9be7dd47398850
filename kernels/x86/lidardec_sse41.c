/* The projection kernel of the lidar packet decoders, SSE4.1: four points
 * of a block at a time, the same float and double operations as the
 * scalar reference in the same order (bit-exact); table lookups are scalar
 * loads (no gather before AVX2); kept points packed with a byte shuffle
 * chosen by the keep mask. */
#include <smmintrin.h>

#include "lidardec_int.h"

/* For each 4-bit keep mask, the shuffle that moves kept lanes first. */
static const uint8_t pack_lut[16][16] __attribute__((aligned(16))) = {
    {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3},
    {4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3},
    {8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3},
    {4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3},
    {12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3},
    {4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 1, 2, 3},
    {8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 0, 1, 2, 3},
    {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3},
    {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
};

static inline void put(float *dst, size_t n, __m128 v, __m128i shuf)
{
    _mm_storeu_ps(
        dst + n, _mm_castsi128_ps(_mm_shuffle_epi8(_mm_castps_si128(v), shuf)));
}

size_t sp__ld_project_sse41(const sp__ld_plan *pl, const sp__ld_batch *b,
                            const sp__ld_dst *o)
{
    size_t n = 0;
    const __m128 scale = _mm_set1_ps(b->scale);
    const __m128 tiny = _mm_set1_ps(1e-6f), zero = _mm_setzero_ps();
    const __m128 full = _mm_set1_ps(pl->funits), half = _mm_set1_ps(0.5f);
    const __m128 one = _mm_set1_ps(1.0f), cdeg = _mm_set1_ps(pl->az_scale);
    const __m128 min_r = _mm_set1_ps(pl->min_r);
    const __m128 max_r = _mm_set1_ps(pl->max_r);
    const __m128i units = _mm_set1_epi32(pl->units);
    const __m128i units_m1 = _mm_set1_epi32(pl->units - 1);
    const __m128i lo = _mm_set1_epi32(pl->win_lo - 1);
    const __m128i hi = _mm_set1_epi32(pl->win_hi + 1);
    const __m128i all = _mm_set1_epi32(-1);
    int32_t ai[4] __attribute__((aligned(16)));
    for (uint32_t blk = 0; blk < b->nblocks; blk++) {
        const uint32_t k0 = blk * b->per_block, s0 = b->slot0[blk];
        const __m128 az = _mm_set1_ps(b->block_az[blk]);
        const __m128 azd = _mm_set1_ps(b->block_azdiff[blk]);
        const __m128 bt = _mm_set1_ps(b->block_time[blk]);
        uint32_t j = 0;
        for (; j + 4 <= b->per_block; j += 4) {
            const uint32_t k = k0 + j, s = s0 + j;
            __m128i raw = _mm_cvtepu16_epi32(
                _mm_loadl_epi64((const __m128i *)(b->raw + k)));
            __m128 d = _mm_mul_ps(_mm_cvtepi32_ps(raw), scale);
            __m128 dc = _mm_add_ps(d, _mm_loadu_ps(pl->dcorr + s));
            d = _mm_blendv_ps(d, dc, _mm_cmpgt_ps(d, tiny));
            __m128 sa =
                _mm_add_ps(az, _mm_mul_ps(azd, _mm_loadu_ps(pl->frac + s)));
            __m128d dl =
                _mm_sub_pd(_mm_cvtps_pd(sa), _mm_loadu_pd(pl->rotoff + s));
            __m128d dh = _mm_sub_pd(_mm_cvtps_pd(_mm_movehl_ps(sa, sa)),
                                    _mm_loadu_pd(pl->rotoff + s + 2));
            __m128 f = _mm_movelh_ps(_mm_cvtpd_ps(dl), _mm_cvtpd_ps(dh));
            f = _mm_blendv_ps(f, _mm_add_ps(f, full), _mm_cmplt_ps(f, zero));
            __m128 t = _mm_cvtepi32_ps(_mm_cvttps_epi32(f));
            t = _mm_blendv_ps(t, _mm_add_ps(t, one),
                              _mm_cmpge_ps(_mm_sub_ps(f, t), half));
            __m128i a = _mm_cvttps_epi32(t);
            a = _mm_sub_epi32(
                a, _mm_and_si128(_mm_cmpgt_epi32(a, units_m1), units));
            __m128i kp;
            {
                uint32_t w;
                __builtin_memcpy(&w, b->keep + k, 4);
                kp = _mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)w));
            }
            __m128i m =
                _mm_andnot_si128(_mm_cmpeq_epi32(kp, _mm_setzero_si128()), all);
            m = _mm_andnot_si128(_mm_cmpeq_epi32(raw, _mm_setzero_si128()), m);
            __m128 rm =
                _mm_and_ps(_mm_cmpgt_ps(d, min_r), _mm_cmplt_ps(d, max_r));
            m = _mm_and_si128(m, _mm_castps_si128(rm));
            if (!pl->win_full) {
                __m128i ge = _mm_cmpgt_epi32(a, lo);
                __m128i le = _mm_cmpgt_epi32(hi, a);
                m = _mm_and_si128(m, pl->win_wraps ? _mm_or_si128(ge, le)
                                                   : _mm_and_si128(ge, le));
            }
            unsigned mask = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(m));
            _mm_store_si128((__m128i *)ai, a);
            const float *tb = pl->tab;
            __m128 p01 = _mm_castpd_ps(
                _mm_loadh_pd(_mm_load_sd((const double *)(tb + 2 * ai[0])),
                             (const double *)(tb + 2 * ai[1])));
            __m128 p23 = _mm_castpd_ps(
                _mm_loadh_pd(_mm_load_sd((const double *)(tb + 2 * ai[2])),
                             (const double *)(tb + 2 * ai[3])));
            __m128 c1 = _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0));
            __m128 c2 = _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1));
            __m128 xy = _mm_mul_ps(d, _mm_loadu_ps(pl->cos_v + s));
            __m128i shuf = _mm_load_si128((const __m128i *)pack_lut[mask]);
            put(o->x, n, _mm_mul_ps(xy, c1), shuf);
            put(o->y, n, _mm_mul_ps(xy, c2), shuf);
            put(o->z, n, _mm_mul_ps(d, _mm_loadu_ps(pl->sin_v + s)), shuf);
            int32_t i4;
            __builtin_memcpy(&i4, b->intensity + k, 4);
            put(o->intensity, n,
                _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(i4))),
                shuf);
            if (o->time)
                put(o->time, n, _mm_add_ps(bt, _mm_loadu_ps(pl->toff + s)),
                    shuf);
            if (o->azimuth)
                put(o->azimuth, n, _mm_mul_ps(_mm_cvtepi32_ps(a), cdeg), shuf);
            if (o->distance)
                put(o->distance, n, d, shuf);
            size_t c = n;
            for (unsigned mm = mask; mm; mm &= mm - 1) {
                unsigned i = (unsigned)__builtin_ctz(mm);
                if (o->ring)
                    o->ring[c] = pl->ring[s + i];
                if (o->rtype)
                    o->rtype[c] = b->rtype[k + i];
                c++;
            }
            n = c;
        }
        for (; j < b->per_block; j++)
            n += (size_t)sp__ld_point(pl, b, blk, k0 + j, s0 + j, o, n);
    }
    return n;
}
