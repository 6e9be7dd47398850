/* The projection kernel of the lidar packet decoders, AVX2: eight points
 * of a block at a time, the same float and double operations as the
 * scalar reference in the same order (bit-exact), the azimuth tables
 * gathered, kept points packed with a permutation made from the keep mask
 * (BMI2 pdep/pext). */
#include <immintrin.h>

#include "lidardec_int.h"

/* The kept lanes' indices, first to last, one byte each: a pshufb
 * control for byte lanes, and widened the permutation for 32-bit ones. */
static inline __m128i compact_idx(unsigned mask)
{
    uint64_t spread = _pdep_u64(mask, 0x0101010101010101ull) * 0xffu;
    uint64_t idx = _pext_u64(0x0706050403020100ull, spread);
    return _mm_cvtsi64_si128((long long)idx);
}

/* sp__ld_azimuth's rounding of f >= 0 as an integer: the truncation, plus
 * one where the dropped part is at least a half (the scalar code adds 1.0f
 * to the truncated float, exact below 2^24, then converts: the same). */
static inline __m256i round_half_up(__m256 f, __m256 half)
{
    __m256i a = _mm256_cvttps_epi32(f);
    __m256 up = _mm256_cmp_ps(_mm256_sub_ps(f, _mm256_cvtepi32_ps(a)), half,
                              _CMP_GE_OQ);
    return _mm256_sub_epi32(a, _mm256_castps_si256(up));
}

static inline void put(float *dst, size_t n, __m256 v, __m256i perm)
{
    _mm256_storeu_ps(dst + n, _mm256_permutevar8x32_ps(v, perm));
}

/* sp__ld_xyz_offsets on eight lanes, step for step. */
static inline void offsets8(const sp__ld_plan *pl, uint32_t s, __m256 d,
                            __m256 e1, __m256 e2, __m256 *x, __m256 *y,
                            __m256 *z)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 rc = _mm256_loadu_ps(pl->rot_c + s);
    __m256 rs = _mm256_loadu_ps(pl->rot_s + s);
    __m256 c = _mm256_sub_ps(_mm256_mul_ps(e1, rc), _mm256_mul_ps(e2, rs));
    __m256 sn = _mm256_add_ps(_mm256_mul_ps(e2, rc), _mm256_mul_ps(e1, rs));
    __m256 h = _mm256_loadu_ps(pl->horiz + s);
    __m256 vs = _mm256_loadu_ps(pl->vo_sin + s);
    __m256 cv = _mm256_loadu_ps(pl->cos_v + s);
    __m256 xy = _mm256_sub_ps(_mm256_mul_ps(d, cv), vs);
    __m256 x0 = _mm256_sub_ps(_mm256_mul_ps(xy, c), _mm256_mul_ps(h, sn));
    __m256 y0 = _mm256_add_ps(_mm256_mul_ps(xy, sn), _mm256_mul_ps(h, c));
    __m256 ax = _mm256_andnot_ps(sign, x0), ay = _mm256_andnot_ps(sign, y0);
    __m256 dx = _mm256_add_ps(
        d, _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(ay, _mm256_set1_ps(2.4f)),
                                       _mm256_loadu_ps(pl->tp_kx + s)),
                         _mm256_loadu_ps(pl->tp_bx + s)));
    __m256 dy = _mm256_add_ps(
        d, _mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(ax, _mm256_set1_ps(1.93f)),
                                       _mm256_loadu_ps(pl->tp_ky + s)),
                         _mm256_loadu_ps(pl->tp_by + s)));
    *x = _mm256_sub_ps(
        _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(dy, cv), vs), c),
        _mm256_mul_ps(h, sn));
    *y = _mm256_add_ps(
        _mm256_mul_ps(_mm256_sub_ps(_mm256_mul_ps(dx, cv), vs), sn),
        _mm256_mul_ps(h, c));
    *z = _mm256_add_ps(_mm256_mul_ps(dy, _mm256_loadu_ps(pl->sin_v + s)),
                       _mm256_loadu_ps(pl->vo_cos + s));
}

/* sp__ld_intensity_corr on eight lanes. */
static inline __m256 icorr8(const sp__ld_plan *pl, uint32_t s, __m256i raw,
                            __m256 in)
{
    __m256 q = _mm256_sub_ps(
        _mm256_set1_ps(1.0f),
        _mm256_div_ps(_mm256_cvtepi32_ps(raw), _mm256_set1_ps(65535.0f)));
    __m256 t = _mm256_sub_ps(
        _mm256_loadu_ps(pl->focal_off + s),
        _mm256_mul_ps(_mm256_set1_ps(256.0f), _mm256_mul_ps(q, q)));
    __m256 i = _mm256_add_ps(
        in, _mm256_mul_ps(_mm256_loadu_ps(pl->focal_slope + s),
                          _mm256_andnot_ps(_mm256_set1_ps(-0.0f), t)));
    __m256 lo = _mm256_loadu_ps(pl->imin + s);
    __m256 hi = _mm256_loadu_ps(pl->imax + s);
    i = _mm256_blendv_ps(i, lo, _mm256_cmp_ps(i, lo, _CMP_LT_OQ));
    return _mm256_blendv_ps(i, hi, _mm256_cmp_ps(i, hi, _CMP_GT_OQ));
}

/* The loop for one combination of the plan's switches (the azimuth
 * offsets path; the window: 0 whole circle, 1 plain, 2 wrapping; the
 * azimuth: 0 the reference's steps, 1 a block may take the integer path
 * (plan az_int), 2 one sum per eight points (plan frac8, every block on
 * whole groups of eight slots)), each
 * instantiated with constants so the branches leave the loop; the output
 * pointers are copied to locals, which the stores cannot alias, so they
 * stay in registers instead of being reloaded after every store. */
static inline __attribute__((always_inline)) size_t
project(const sp__ld_plan *pl, const sp__ld_batch *b, const sp__ld_dst *o,
        const int offsets, const int win, const int azmode)
{
    float *const ox = o->x, *const oy = o->y, *const oz = o->z;
    float *const oin = o->intensity, *const ot = o->time;
    float *const oaz = o->azimuth, *const od = o->distance;
    uint16_t *const oring = o->ring;
    uint8_t *const ort = o->rtype;
    const float *const tab = pl->tab;
    size_t n = 0;
    const __m256 scale = _mm256_set1_ps(b->scale);
    const __m256 tiny = _mm256_set1_ps(1e-6f), zero = _mm256_setzero_ps();
    const __m256 full = _mm256_set1_ps(pl->funits), half = _mm256_set1_ps(0.5f);
    const __m256 cdeg = _mm256_set1_ps(pl->az_scale);
    const __m256 min_r = _mm256_set1_ps(pl->min_r);
    const __m256 max_r = _mm256_set1_ps(pl->max_r);
    const __m256i units = _mm256_set1_epi32(pl->units);
    const __m256i units_m1 = _mm256_set1_epi32(pl->units - 1);
    const __m256i lo = _mm256_set1_epi32(pl->win_lo - 1);
    const __m256i hi = _mm256_set1_epi32(pl->win_hi + 1);
    const int raw_test = !(pl->min_r >= 0.0f);
    for (uint32_t blk = 0; blk < b->nblocks; blk++) {
        const uint32_t k0 = blk * b->per_block, s0 = b->slot0[blk];
        const __m256 az = _mm256_set1_ps(b->block_az[blk]);
        const __m256 azd = _mm256_set1_ps(b->block_azdiff[blk]);
        const __m256 bt = _mm256_set1_ps(b->block_time[blk]);
        /* Hesai's blocks: the corrected azimuth in integers (exact, see
         * sp__ld_plan.az_int), no double and no rounding. */
        const int int_az = azmode == 1 && sp__ld_block_az_int(pl, b, blk);
        /* VLS-128: one azimuth sum per eight points (every block's slot0
         * is a multiple of 8, checked by the caller). */
        const int uni = azmode == 2;
        const __m256i azi =
            _mm256_set1_epi32(int_az ? (int32_t)b->block_az[blk] : 0);
        uint32_t j = 0;
        for (; j + 8 <= b->per_block; j += 8) {
            const uint32_t k = k0 + j, s = s0 + j;
            __m256i raw = _mm256_cvtepu16_epi32(
                _mm_loadu_si128((const __m128i *)(b->raw + k)));
            __m256 d = _mm256_mul_ps(_mm256_cvtepi32_ps(raw), scale);
            __m256 dc = _mm256_add_ps(d, _mm256_loadu_ps(pl->dcorr + s));
            d = _mm256_blendv_ps(d, dc, _mm256_cmp_ps(d, tiny, _CMP_GT_OQ));
            /* Corrected azimuth: float sum, then the offset in double. */
            __m256 sa = zero;
            __m256i a;
            if (int_az) {
                a = _mm256_sub_epi32(
                    azi, _mm256_loadu_si256((const __m256i *)(pl->rot_i + s)));
                a = _mm256_add_epi32(
                    a,
                    _mm256_and_si256(
                        _mm256_cmpgt_epi32(_mm256_setzero_si256(), a), units));
            } else {
                __m256d sl, sh;
                if (uni) {
                    float s1 =
                        b->block_az[blk] + b->block_azdiff[blk] * pl->frac[s];
                    sl = sh = _mm256_set1_pd((double)s1);
                } else {
                    sa = _mm256_add_ps(
                        az, _mm256_mul_ps(azd, _mm256_loadu_ps(pl->frac + s)));
                    sl = _mm256_cvtps_pd(_mm256_castps256_ps128(sa));
                    sh = _mm256_cvtps_pd(_mm256_extractf128_ps(sa, 1));
                }
                __m256d dl = _mm256_sub_pd(sl, _mm256_loadu_pd(pl->rotoff + s));
                __m256d dh =
                    _mm256_sub_pd(sh, _mm256_loadu_pd(pl->rotoff + s + 4));
                __m256 f =
                    _mm256_set_m128(_mm256_cvtpd_ps(dh), _mm256_cvtpd_ps(dl));
                f = _mm256_blendv_ps(f, _mm256_add_ps(f, full),
                                     _mm256_cmp_ps(f, zero, _CMP_LT_OQ));
                a = round_half_up(f, half);
            }
            a = _mm256_sub_epi32(
                a, _mm256_and_si256(_mm256_cmpgt_epi32(a, units_m1), units));
            /* Keep: flag (negated: its sign bit is set exactly when the
             * flag is non-zero, and only sign bits reach the movemask),
             * non-zero raw, range, window. A zero raw is a zero range,
             * which a non-negative min_r already drops: the raw test is
             * made only for a plan with min_r < 0 (none that
             * sp_lidardec_create makes). */
            __m256i m = _mm256_sub_epi32(_mm256_setzero_si256(),
                                         _mm256_cvtepu8_epi32(_mm_loadl_epi64(
                                             (const __m128i *)(b->keep + k))));
            if (raw_test)
                m = _mm256_andnot_si256(
                    _mm256_cmpeq_epi32(raw, _mm256_setzero_si256()), m);
            __m256 rm = _mm256_and_ps(_mm256_cmp_ps(d, min_r, _CMP_GT_OQ),
                                      _mm256_cmp_ps(d, max_r, _CMP_LT_OQ));
            m = _mm256_and_si256(m, _mm256_castps_si256(rm));
            if (win) {
                __m256i ge = _mm256_cmpgt_epi32(a, lo);
                __m256i le = _mm256_cmpgt_epi32(hi, a);
                m = _mm256_and_si256(m, win == 2 ? _mm256_or_si256(ge, le)
                                                 : _mm256_and_si256(ge, le));
            }
            unsigned mask =
                (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m));
            /* The table index: the corrected azimuth, or (offsets path)
             * the block's own, rounded the same way. */
            __m256i ti = a;
            if (offsets) {
                ti = round_half_up(sa, half);
                ti = _mm256_sub_epi32(
                    ti,
                    _mm256_and_si256(_mm256_cmpgt_epi32(ti, units_m1), units));
            }
            /* Gather (t1, t2) pairs as doubles, then split them. */
            const double *tb = (const double *)tab;
            __m256 g0 = _mm256_castpd_ps(
                _mm256_i32gather_pd(tb, _mm256_castsi256_si128(ti), 8));
            __m256 g1 = _mm256_castpd_ps(
                _mm256_i32gather_pd(tb, _mm256_extracti128_si256(ti, 1), 8));
            __m256 e1 = _mm256_castpd_ps(_mm256_permute4x64_pd(
                _mm256_castps_pd(_mm256_shuffle_ps(g0, g1, 0x88)), 0xd8));
            __m256 e2 = _mm256_castpd_ps(_mm256_permute4x64_pd(
                _mm256_castps_pd(_mm256_shuffle_ps(g0, g1, 0xdd)), 0xd8));
            __m256 x, y, z;
            __m256 in = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
                _mm_loadl_epi64((const __m128i *)(b->intensity + k))));
            if (offsets) {
                offsets8(pl, s, d, e1, e2, &x, &y, &z);
                in = icorr8(pl, s, raw, in);
            } else {
                __m256 xy = _mm256_mul_ps(d, _mm256_loadu_ps(pl->cos_v + s));
                x = _mm256_mul_ps(xy, e1);
                y = _mm256_mul_ps(xy, e2);
                z = _mm256_mul_ps(d, _mm256_loadu_ps(pl->sin_v + s));
            }
            __m128i idx = compact_idx(mask);
            __m256i perm = _mm256_cvtepu8_epi32(idx);
            put(ox, n, x, perm);
            put(oy, n, y, perm);
            put(oz, n, z, perm);
            put(oin, n, in, perm);
            if (ot)
                put(ot, n, _mm256_add_ps(bt, _mm256_loadu_ps(pl->toff + s)),
                    perm);
            if (oaz)
                put(oaz, n, _mm256_mul_ps(_mm256_cvtepi32_ps(a), cdeg), perm);
            if (od)
                put(od, n, d, perm);
            if (oring) {
                __m256i r = _mm256_permutevar8x32_epi32(
                    _mm256_cvtepu16_epi32(
                        _mm_loadu_si128((const __m128i *)(pl->ring + s))),
                    perm);
                _mm_storeu_si128(
                    (__m128i *)(oring + n),
                    _mm_packus_epi32(_mm256_castsi256_si128(r),
                                     _mm256_extracti128_si256(r, 1)));
            }
            if (ort)
                _mm_storel_epi64(
                    (__m128i *)(ort + n),
                    _mm_shuffle_epi8(
                        _mm_loadl_epi64((const __m128i *)(b->rtype + k)), idx));
            n += (size_t)__builtin_popcount(mask);
        }
        for (; j < b->per_block; j++)
            n += (size_t)sp__ld_point(pl, b, blk, k0 + j, s0 + j, o, n);
    }
    return n;
}

/* Every block of @p b starts at a slot that is a multiple of 8, so the
 * eight points of a step are one aligned group of slots. */
static int slots_by_eight(const sp__ld_batch *b)
{
    unsigned bits = 0;
    for (uint32_t blk = 0; blk < b->nblocks; blk++)
        bits |= b->slot0[blk];
    return (bits & 7) == 0;
}

size_t sp__ld_project_avx2(const sp__ld_plan *pl, const sp__ld_batch *b,
                           const sp__ld_dst *o)
{
    int win = pl->win_full ? 0 : pl->win_wraps ? 2 : 1;
    if (pl->offsets)
        return win == 0   ? project(pl, b, o, 1, 0, 0)
               : win == 1 ? project(pl, b, o, 1, 1, 0)
                          : project(pl, b, o, 1, 2, 0);
    if (pl->az_int)
        return win == 0   ? project(pl, b, o, 0, 0, 1)
               : win == 1 ? project(pl, b, o, 0, 1, 1)
                          : project(pl, b, o, 0, 2, 1);
    if (pl->frac8 && slots_by_eight(b))
        return win == 0   ? project(pl, b, o, 0, 0, 2)
               : win == 1 ? project(pl, b, o, 0, 1, 2)
                          : project(pl, b, o, 0, 2, 2);
    return win == 0   ? project(pl, b, o, 0, 0, 0)
           : win == 1 ? project(pl, b, o, 0, 1, 0)
                      : project(pl, b, o, 0, 2, 0);
}
