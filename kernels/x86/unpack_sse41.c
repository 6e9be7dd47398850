/* unpack, SSE4.1: 4 records a step; the two passes of unpack_avx2.c with
 * one record per register (a 4x4 dword transpose per window). Bit-
 * identical to unpack_scalar.c. */
#include <smmintrin.h>

#include "unpack_int.h"

#define CHUNK SP__UNPACK_CHUNK

static inline __m128i ld(const void *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

static inline void st(void *p, __m128i v)
{
    _mm_storeu_si128((__m128i *)p, v);
}

static inline void st8(void *p, __m128i v)
{
    _mm_storel_epi64((__m128i *)p, v);
}

static void transpose(const sp__unpack_plan *p, const sp__unpack_window *w,
                      const uint8_t *rec, size_t m, size_t o,
                      uint32_t tmp[4][CHUNK])
{
    uint32_t *out[4];
    for (unsigned j = 0; j < 4; j++)
        out[j] = !(w->lanes >> j & 1)  ? NULL
                 : w->direct >> j & 1 ? (uint32_t *)p->cols[w->dcol[j]].dst + o
                                      : tmp[j];
    const size_t step = p->step;
    const int lo = (w->lanes & 3) != 0, hi = (w->lanes & 12) != 0;
    const uint8_t *s = rec + w->base;
    for (size_t i = 0; i < m; i += 4, s += 4 * step) {
        __m128i a = ld(s), b = ld(s + step), c = ld(s + 2 * step);
        __m128i d = ld(s + 3 * step);
        if (lo) {
            __m128i t0 = _mm_unpacklo_epi32(a, b);
            __m128i t1 = _mm_unpacklo_epi32(c, d);
            if (out[0])
                st(out[0] + i, _mm_unpacklo_epi64(t0, t1));
            if (out[1])
                st(out[1] + i, _mm_unpackhi_epi64(t0, t1));
        }
        if (hi) {
            __m128i t2 = _mm_unpackhi_epi32(a, b);
            __m128i t3 = _mm_unpackhi_epi32(c, d);
            if (out[2])
                st(out[2] + i, _mm_unpacklo_epi64(t2, t3));
            if (out[3])
                st(out[3] + i, _mm_unpackhi_epi64(t2, t3));
        }
    }
}

static inline __m128i bswap32(__m128i v)
{
    const __m128i m =
        _mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    return _mm_shuffle_epi8(v, m);
}

static inline __m128i bswap64(__m128i v)
{
    const __m128i m =
        _mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    return _mm_shuffle_epi8(v, m);
}

/* See unpack_avx2.c. */
typedef struct cut {
    __m128i at, keep;
    int size, sign, swap;
} cut;

static inline cut make_cut(const sp__unpack_colplan *c, unsigned byte,
                           int sign, int swap)
{
    cut k = {.at = _mm_cvtsi32_si128((int)(8 * byte)),
             .keep = _mm_cvtsi32_si128((int)(32 - 8 * c->size)),
             .size = c->size,
             .sign = sign,
             .swap = swap};
    return k;
}

static inline __m128i field(const uint32_t *lane, const cut *k)
{
    __m128i x = ld(lane);
    if (k->size == 4)
        return k->swap ? bswap32(x) : x;
    x = _mm_srl_epi32(x, k->at);
    if (k->swap && k->size == 2) {
        const __m128i ff = _mm_set1_epi32(0xff);
        x = _mm_or_si128(_mm_slli_epi32(_mm_and_si128(x, ff), 8),
                         _mm_and_si128(_mm_srli_epi32(x, 8), ff));
    }
    x = _mm_sll_epi32(x, k->keep);
    return k->sign ? _mm_sra_epi32(x, k->keep) : _mm_srl_epi32(x, k->keep);
}

static inline __m128 affine(__m128d lo, __m128d hi, __m128d s, __m128d b)
{
    lo = _mm_add_pd(_mm_mul_pd(lo, s), b);
    hi = _mm_add_pd(_mm_mul_pd(hi, s), b);
    return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
}

/* NaN -> 0, clamped to [0, 65535], truncated. */
static inline __m128i f32_to_i32(__m128 f)
{
    f = _mm_and_ps(f, _mm_cmpord_ps(f, f));
    f = _mm_min_ps(_mm_max_ps(f, _mm_setzero_ps()), _mm_set1_ps(65535.0f));
    return _mm_cvttps_epi32(f);
}

/* Two doubles to int32 lanes 0-1, the same way. */
static inline __m128i f64_to_i32(__m128d d)
{
    d = _mm_and_pd(d, _mm_cmpord_pd(d, d));
    d = _mm_min_pd(_mm_max_pd(d, _mm_setzero_pd()), _mm_set1_pd(65535.0));
    return _mm_cvttpd_epi32(d);
}

static void convert(const sp__unpack_colplan *c, const uint32_t *lane,
                    unsigned byte, size_t m, size_t o, int swap)
{
    const int sign = c->type == SP_UNPACK_I8 || c->type == SP_UNPACK_I16;
    const __m128d s = _mm_set1_pd(c->scale), b = _mm_set1_pd(c->bias);
    if (c->op == SP_UNPACK_COPY) {
        cut k = make_cut(c, byte, 0, swap);
        if (c->size == 4) {
            uint32_t *d = (uint32_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 4)
                st(d + i, field(lane + i, &k));
        } else if (c->size == 2) {
            uint16_t *d = (uint16_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 8)
                st(d + i, _mm_packus_epi32(field(lane + i, &k),
                                           field(lane + i + 4, &k)));
        } else {
            uint8_t *d = (uint8_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 8) {
                __m128i w = _mm_packus_epi32(field(lane + i, &k),
                                             field(lane + i + 4, &k));
                st8(d + i, _mm_packus_epi16(w, w));
            }
        }
    } else if (c->op == SP_UNPACK_TO_F32) {
        cut k = make_cut(c, byte, sign, swap);
        float *d = (float *)c->dst + o;
        if (c->type == SP_UNPACK_F32) {
            for (size_t i = 0; i < m; i += 4) {
                __m128 f = _mm_castsi128_ps(field(lane + i, &k));
                _mm_storeu_ps(d + i,
                              affine(_mm_cvtps_pd(f),
                                     _mm_cvtps_pd(_mm_movehl_ps(f, f)), s, b));
            }
        } else if (c->type == SP_UNPACK_U32) {
            /* Top bit flipped, converted as signed, 2^31 added back. */
            const __m128i top = _mm_set1_epi32((int)0x80000000u);
            const __m128d two31 = _mm_set1_pd(2147483648.0);
            for (size_t i = 0; i < m; i += 4) {
                __m128i x = _mm_xor_si128(field(lane + i, &k), top);
                __m128d lo = _mm_add_pd(_mm_cvtepi32_pd(x), two31);
                __m128d hi = _mm_add_pd(
                    _mm_cvtepi32_pd(_mm_unpackhi_epi64(x, x)), two31);
                _mm_storeu_ps(d + i, affine(lo, hi, s, b));
            }
        } else {
            for (size_t i = 0; i < m; i += 4) {
                __m128i x = field(lane + i, &k);
                _mm_storeu_ps(d + i,
                              affine(_mm_cvtepi32_pd(x),
                                     _mm_cvtepi32_pd(_mm_unpackhi_epi64(x, x)),
                                     s, b));
            }
        }
    } else {
        cut k = make_cut(c, byte, sign, swap);
        uint16_t *d = (uint16_t *)c->dst + o;
        const __m128i max = _mm_set1_epi32(65535);
        for (size_t i = 0; i < m; i += 8) {
            __m128i x0 = field(lane + i, &k), x1 = field(lane + i + 4, &k);
            if (c->type == SP_UNPACK_F32) {
                x0 = f32_to_i32(_mm_castsi128_ps(x0));
                x1 = f32_to_i32(_mm_castsi128_ps(x1));
            } else if (c->type == SP_UNPACK_U32) {
                x0 = _mm_min_epu32(x0, max);
                x1 = _mm_min_epu32(x1, max);
            }
            st(d + i, _mm_packus_epi32(x0, x1));
        }
    }
}

/* Doubles of records 0 and 1 at p and p + step, swapped when asked. */
static inline __m128d load_f64x2(const uint8_t *p, size_t step, int swap)
{
    __m128d a = _mm_castsi128_pd(_mm_loadu_si64(p));
    a = _mm_loadh_pd(a, (const double *)(const void *)(p + step));
    return swap ? _mm_castsi128_pd(bswap64(_mm_castpd_si128(a))) : a;
}

static void wide(const sp__unpack_colplan *c, const uint8_t *rec, size_t step,
                 size_t m, size_t o, int swap)
{
    const uint8_t *p = rec + c->offset;
    const size_t s2 = 2 * step;
    if (c->op == SP_UNPACK_COPY) {
        double *d = (double *)c->dst + o;
        for (size_t i = 0; i < m; i += 2, p += s2)
            _mm_storeu_pd(d + i, load_f64x2(p, step, swap));
    } else if (c->op == SP_UNPACK_TO_F32) {
        const __m128d s = _mm_set1_pd(c->scale), b = _mm_set1_pd(c->bias);
        float *d = (float *)c->dst + o;
        for (size_t i = 0; i < m; i += 4, p += 2 * s2)
            _mm_storeu_ps(d + i, affine(load_f64x2(p, step, swap),
                                        load_f64x2(p + s2, step, swap), s, b));
    } else {
        uint16_t *d = (uint16_t *)c->dst + o;
        for (size_t i = 0; i < m; i += 4, p += 2 * s2) {
            __m128i x = _mm_unpacklo_epi64(
                f64_to_i32(load_f64x2(p, step, swap)),
                f64_to_i32(load_f64x2(p + s2, step, swap)));
            st8(d + i, _mm_packus_epi32(x, x));
        }
    }
}

void sp__unpack_sse41(const sp__unpack_plan *p, const uint8_t *src, size_t n)
{
    uint32_t tmp[4][CHUNK] __attribute__((aligned(16)));
    for (size_t row = 0; row < p->rows; row++) {
        size_t start = row * p->row_step;
        /* Multiples of 8: the 2-byte conversions pack 8 lanes at once. */
        size_t lim = sp__unpack_vec_limit(p, n - start) & ~(size_t)7;
        for (size_t r = 0; r < lim; r += CHUNK) {
            size_t m = lim - r < CHUNK ? lim - r : CHUNK;
            const uint8_t *rec = src + start + r * p->step;
            size_t o = row * p->per_row + r;
            for (size_t w = 0; w < p->nwin; w++) {
                const sp__unpack_window *win = &p->win[w];
                transpose(p, win, rec, m, o, tmp);
                for (unsigned i = win->first; i < win->first + win->count; i++)
                    if (!p->wcol[i].direct)
                        convert(&p->cols[p->wcol[i].col], tmp[p->wcol[i].lane],
                                p->wcol[i].byte, m, o, p->swap);
            }
            for (size_t i = 0; i < p->nwide; i++)
                wide(&p->cols[p->wide[i]], rec, p->step, m, o, p->swap);
        }
        sp__unpack_scalar_rows(p, src, row, lim, p->per_row);
    }
}
