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

/* sp__ld_xyz_offsets on four lanes, step for step. */
static inline void offsets4(const sp__ld_plan *pl, uint32_t s, __m128 d,
                            __m128 e1, __m128 e2, __m128 *x, __m128 *y,
                            __m128 *z)
{
    const __m128 sign = _mm_set1_ps(-0.0f);
    __m128 rc = _mm_loadu_ps(pl->rot_c + s), rs = _mm_loadu_ps(pl->rot_s + s);
    __m128 c = _mm_sub_ps(_mm_mul_ps(e1, rc), _mm_mul_ps(e2, rs));
    __m128 sn = _mm_add_ps(_mm_mul_ps(e2, rc), _mm_mul_ps(e1, rs));
    __m128 h = _mm_loadu_ps(pl->horiz + s);
    __m128 vs = _mm_loadu_ps(pl->vo_sin + s);
    __m128 cv = _mm_loadu_ps(pl->cos_v + s);
    __m128 xy = _mm_sub_ps(_mm_mul_ps(d, cv), vs);
    __m128 x0 = _mm_sub_ps(_mm_mul_ps(xy, c), _mm_mul_ps(h, sn));
    __m128 y0 = _mm_add_ps(_mm_mul_ps(xy, sn), _mm_mul_ps(h, c));
    __m128 ax = _mm_andnot_ps(sign, x0), ay = _mm_andnot_ps(sign, y0);
    __m128 dx =
        _mm_add_ps(d, _mm_add_ps(_mm_mul_ps(_mm_sub_ps(ay, _mm_set1_ps(2.4f)),
                                            _mm_loadu_ps(pl->tp_kx + s)),
                                 _mm_loadu_ps(pl->tp_bx + s)));
    __m128 dy =
        _mm_add_ps(d, _mm_add_ps(_mm_mul_ps(_mm_sub_ps(ax, _mm_set1_ps(1.93f)),
                                            _mm_loadu_ps(pl->tp_ky + s)),
                                 _mm_loadu_ps(pl->tp_by + s)));
    *x = _mm_sub_ps(_mm_mul_ps(_mm_sub_ps(_mm_mul_ps(dy, cv), vs), c),
                    _mm_mul_ps(h, sn));
    *y = _mm_add_ps(_mm_mul_ps(_mm_sub_ps(_mm_mul_ps(dx, cv), vs), sn),
                    _mm_mul_ps(h, c));
    *z = _mm_add_ps(_mm_mul_ps(dy, _mm_loadu_ps(pl->sin_v + s)),
                    _mm_loadu_ps(pl->vo_cos + s));
}

/* sp__ld_intensity_corr on four lanes. */
static inline __m128 icorr4(const sp__ld_plan *pl, uint32_t s, __m128i raw,
                            __m128 in)
{
    __m128 q = _mm_sub_ps(_mm_set1_ps(1.0f), _mm_div_ps(_mm_cvtepi32_ps(raw),
                                                        _mm_set1_ps(65535.0f)));
    __m128 t = _mm_sub_ps(_mm_loadu_ps(pl->focal_off + s),
                          _mm_mul_ps(_mm_set1_ps(256.0f), _mm_mul_ps(q, q)));
    __m128 i = _mm_add_ps(in, _mm_mul_ps(_mm_loadu_ps(pl->focal_slope + s),
                                         _mm_andnot_ps(_mm_set1_ps(-0.0f), t)));
    __m128 lo = _mm_loadu_ps(pl->imin + s), hi = _mm_loadu_ps(pl->imax + s);
    i = _mm_blendv_ps(i, lo, _mm_cmplt_ps(i, lo));
    return _mm_blendv_ps(i, hi, _mm_cmpgt_ps(i, hi));
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
            __m128i ti = a;
            if (pl->offsets) { /* the block's own azimuth, same rounding */
                __m128 tb2 = _mm_cvtepi32_ps(_mm_cvttps_epi32(sa));
                tb2 = _mm_blendv_ps(tb2, _mm_add_ps(tb2, one),
                                    _mm_cmpge_ps(_mm_sub_ps(sa, tb2), half));
                ti = _mm_cvttps_epi32(tb2);
                ti = _mm_sub_epi32(
                    ti, _mm_and_si128(_mm_cmpgt_epi32(ti, units_m1), units));
            }
            _mm_store_si128((__m128i *)ai, ti);
            const float *tb = pl->tab;
            __m128 p01 = _mm_castpd_ps(
                _mm_loadh_pd(_mm_load_sd((const double *)(tb + 2 * ai[0])),
                             (const double *)(tb + 2 * ai[1])));
            __m128 p23 = _mm_castpd_ps(
                _mm_loadh_pd(_mm_load_sd((const double *)(tb + 2 * ai[2])),
                             (const double *)(tb + 2 * ai[3])));
            __m128 c1 = _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(2, 0, 2, 0));
            __m128 c2 = _mm_shuffle_ps(p01, p23, _MM_SHUFFLE(3, 1, 3, 1));
            __m128 x, y, z;
            int32_t i4;
            __builtin_memcpy(&i4, b->intensity + k, 4);
            __m128 in =
                _mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(i4)));
            if (pl->offsets) {
                offsets4(pl, s, d, c1, c2, &x, &y, &z);
                in = icorr4(pl, s, raw, in);
            } else {
                __m128 xy = _mm_mul_ps(d, _mm_loadu_ps(pl->cos_v + s));
                x = _mm_mul_ps(xy, c1);
                y = _mm_mul_ps(xy, c2);
                z = _mm_mul_ps(d, _mm_loadu_ps(pl->sin_v + s));
            }
            __m128i shuf = _mm_load_si128((const __m128i *)pack_lut[mask]);
            put(o->x, n, x, shuf);
            put(o->y, n, y, shuf);
            put(o->z, n, z, shuf);
            put(o->intensity, n, in, shuf);
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

/* Four records (12 bytes) to raw in bytes 0-7 and intensity in 8-11. */
#define UNPACK3_SHUF(o)                                                        \
    _mm_setr_epi8((o), (o) + 1, (o) + 3, (o) + 4, (o) + 6, (o) + 7, (o) + 9,   \
                  (o) + 10, (o) + 2, (o) + 5, (o) + 8, (o) + 11, -1, -1, -1,   \
                  -1)

/* Eight records per step: two 16-byte loads, one shuffle each, the raw
 * halves and the intensity quarters joined. The last load ends at the
 * last record (its shuffle starts 4 bytes in), so nothing past 3 n bytes
 * is read. */
void sp__ld_unpack3_sse41(const uint8_t *rec, unsigned n, uint16_t *raw,
                          uint8_t *in)
{
    const __m128i sh = UNPACK3_SHUF(0), sh_end = UNPACK3_SHUF(4);
    for (unsigned j = 0; j < n; j += 8) {
        const uint8_t *u = rec + 3 * j;
        __m128i a = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)u), sh);
        __m128i b =
            j + 8 < n
                ? _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(u + 12)),
                                   sh)
                : _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(u + 8)),
                                   sh_end);
        _mm_storeu_si128((__m128i *)(raw + j), _mm_unpacklo_epi64(a, b));
        _mm_storel_epi64((__m128i *)(in + j), _mm_unpackhi_epi32(a, b));
    }
}

/* Eight channels per step: the ranges and intensities interleaved with
 * unpacks, equality in 16-bit lanes, the ranges in metres and their gap
 * in float as the scalar step computes them, the byte flags interleaved
 * the same way. */
void sp__ld_pair_sse41(const sp__ld_pair_rule *r, const uint16_t *r0,
                       const uint8_t *i0, const uint16_t *r1, const uint8_t *i1,
                       unsigned n, uint16_t *raw, uint8_t *in, uint8_t *keep,
                       uint8_t *rt)
{
    const __m128 scale = _mm_set1_ps(r->scale), near = _mm_set1_ps(r->near);
    const __m128 sign = _mm_set1_ps(-0.0f);
    const __m128i ident = _mm_set1_epi8(SP_LIDAR_RT_IDENTICAL);
    const __m128i t0 = _mm_set1_epi8((char)r->rt0);
    const __m128i t1 = _mm_set1_epi8((char)r->rt1);
    const __m128i one = _mm_set1_epi8(1);
    const __m128i k0_only = _mm_set1_epi8((char)(r->only == 0));
    const __m128i k1 = r->only < 0 ? one : _mm_set1_epi8((char)(r->only == 1));
    unsigned c = 0;
    for (; c + 8 <= n; c += 8) {
        __m128i a = _mm_loadu_si128((const __m128i *)(r0 + c));
        __m128i b = _mm_loadu_si128((const __m128i *)(r1 + c));
        _mm_storeu_si128((__m128i *)(raw + 2 * c), _mm_unpacklo_epi16(a, b));
        _mm_storeu_si128((__m128i *)(raw + 2 * c + 8),
                         _mm_unpackhi_epi16(a, b));
        _mm_storeu_si128(
            (__m128i *)(in + 2 * c),
            _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(i0 + c)),
                              _mm_loadl_epi64((const __m128i *)(i1 + c))));
        __m128i same = _mm_cmpeq_epi16(a, b);
        __m128i same8 = _mm_packs_epi16(same, same);
        __m128i k0 = k0_only;
        if (r->only < 0) {
            __m128 a0 =
                _mm_mul_ps(_mm_cvtepi32_ps(_mm_cvtepu16_epi32(a)), scale);
            __m128 a1 = _mm_mul_ps(
                _mm_cvtepi32_ps(_mm_cvtepu16_epi32(_mm_srli_si128(a, 8))),
                scale);
            __m128 b0 =
                _mm_mul_ps(_mm_cvtepi32_ps(_mm_cvtepu16_epi32(b)), scale);
            __m128 b1 = _mm_mul_ps(
                _mm_cvtepi32_ps(_mm_cvtepu16_epi32(_mm_srli_si128(b, 8))),
                scale);
            __m128 n0 =
                _mm_cmplt_ps(_mm_andnot_ps(sign, _mm_sub_ps(b0, a0)), near);
            __m128 n1 =
                _mm_cmplt_ps(_mm_andnot_ps(sign, _mm_sub_ps(b1, a1)), near);
            __m128i drop =
                _mm_or_si128(same, _mm_packs_epi32(_mm_castps_si128(n0),
                                                   _mm_castps_si128(n1)));
            k0 = _mm_andnot_si128(_mm_packs_epi16(drop, drop), one);
        }
        _mm_storeu_si128((__m128i *)(keep + 2 * c), _mm_unpacklo_epi8(k0, k1));
        _mm_storeu_si128((__m128i *)(rt + 2 * c),
                         _mm_unpacklo_epi8(_mm_blendv_epi8(t0, ident, same8),
                                           _mm_blendv_epi8(t1, ident, same8)));
    }
    for (; c < n; c++)
        sp__ld_pair_one(r, r0, i0, r1, i1, c, raw, in, keep, rt);
}
