/* unpack, SSE4.1: 4 records a step; the scheme of unpack_avx2.c with one
 * record per register (a 4x4 dword transpose per window). Bit-identical
 * to unpack_scalar.c. */
#include <smmintrin.h>

#include "unpack_int.h"

static inline __m128i ld(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

static inline void window4(const uint8_t *p, size_t step, unsigned lanes,
                           __m128i v[4])
{
    __m128i a = ld(p), b = ld(p + step), c = ld(p + 2 * step);
    __m128i d = ld(p + 3 * step);
    if (lanes & 3) {
        __m128i t0 = _mm_unpacklo_epi32(a, b), t1 = _mm_unpacklo_epi32(c, d);
        v[0] = _mm_unpacklo_epi64(t0, t1);
        v[1] = _mm_unpackhi_epi64(t0, t1);
    } else {
        v[0] = v[1] = a;
    }
    if (lanes & 12) {
        __m128i t2 = _mm_unpackhi_epi32(a, b), t3 = _mm_unpackhi_epi32(c, d);
        v[2] = _mm_unpacklo_epi64(t2, t3);
        v[3] = _mm_unpackhi_epi64(t2, t3);
    } else {
        v[2] = v[3] = a;
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

static inline __m128i field(__m128i v, unsigned size, unsigned byte,
                            int sign, int swap)
{
    if (size == 4)
        return swap ? bswap32(v) : v;
    __m128i x = _mm_srl_epi32(v, _mm_cvtsi32_si128((int)(8 * byte)));
    if (swap && size == 2) {
        const __m128i ff = _mm_set1_epi32(0xff);
        x = _mm_or_si128(_mm_slli_epi32(_mm_and_si128(x, ff), 8),
                         _mm_and_si128(_mm_srli_epi32(x, 8), ff));
    }
    __m128i sh = _mm_cvtsi32_si128((int)(32 - 8 * size));
    x = _mm_sll_epi32(x, sh);
    return sign ? _mm_sra_epi32(x, sh) : _mm_srl_epi32(x, sh);
}

static inline void put_f32(float *out, __m128d lo, __m128d hi,
                           const sp__unpack_colplan *c)
{
    const __m128d s = _mm_set1_pd(c->scale), b = _mm_set1_pd(c->bias);
    lo = _mm_add_pd(_mm_mul_pd(lo, s), b);
    hi = _mm_add_pd(_mm_mul_pd(hi, s), b);
    _mm_storeu_ps(out, _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi)));
}

static inline __m128i f32_to_i32(__m128 f)
{
    f = _mm_and_ps(f, _mm_cmpord_ps(f, f));
    f = _mm_min_ps(_mm_max_ps(f, _mm_setzero_ps()), _mm_set1_ps(65535.0f));
    return _mm_cvttps_epi32(f);
}

/* Two doubles to int32 lanes 0-1 (NaN -> 0, clamped, truncated). */
static inline __m128i f64_to_i32(__m128d d)
{
    d = _mm_and_pd(d, _mm_cmpord_pd(d, d));
    d = _mm_min_pd(_mm_max_pd(d, _mm_setzero_pd()), _mm_set1_pd(65535.0));
    return _mm_cvttpd_epi32(d);
}

static inline void store8(void *dst, __m128i v)
{
    _mm_storel_epi64((__m128i *)dst, v);
}

static inline void put4(const sp__unpack_colplan *c, __m128i v, unsigned byte,
                        size_t o, int swap)
{
    int sign = c->type == SP_UNPACK_I8 || c->type == SP_UNPACK_I16;
    switch (c->op) {
    case SP_UNPACK_COPY: {
        __m128i x = field(v, c->size, byte, 0, swap);
        if (c->size == 4) {
            _mm_storeu_si128((__m128i *)((uint32_t *)c->dst + o), x);
        } else if (c->size == 2) {
            store8((uint16_t *)c->dst + o, _mm_packus_epi32(x, x));
        } else {
            __m128i w = _mm_packus_epi32(x, x);
            int32_t b4 = _mm_cvtsi128_si32(_mm_packus_epi16(w, w));
            __builtin_memcpy((uint8_t *)c->dst + o, &b4, 4);
        }
        break;
    }
    case SP_UNPACK_TO_F32: {
        __m128i x = field(v, c->size, byte, sign, swap);
        __m128i x1 = _mm_unpackhi_epi64(x, x);
        __m128d lo, hi;
        if (c->type == SP_UNPACK_F32) {
            lo = _mm_cvtps_pd(_mm_castsi128_ps(x));
            hi = _mm_cvtps_pd(_mm_castsi128_ps(x1));
        } else if (c->type == SP_UNPACK_U32) {
            const __m128i top = _mm_set1_epi32((int)0x80000000u);
            const __m128d two31 = _mm_set1_pd(2147483648.0);
            lo = _mm_add_pd(_mm_cvtepi32_pd(_mm_xor_si128(x, top)), two31);
            hi = _mm_add_pd(_mm_cvtepi32_pd(_mm_xor_si128(x1, top)), two31);
        } else {
            lo = _mm_cvtepi32_pd(x);
            hi = _mm_cvtepi32_pd(x1);
        }
        put_f32((float *)c->dst + o, lo, hi, c);
        break;
    }
    default: {
        __m128i x = field(v, c->size, byte, sign, swap);
        if (c->type == SP_UNPACK_F32)
            x = f32_to_i32(_mm_castsi128_ps(x));
        else if (c->type == SP_UNPACK_U32)
            x = _mm_min_epu32(x, _mm_set1_epi32(65535));
        store8((uint16_t *)c->dst + o, _mm_packus_epi32(x, x));
        break;
    }
    }
}

/* Doubles of records 0 and 1 at p and p + step. */
static inline __m128i load_f64x2(const uint8_t *p, size_t step)
{
    __m128d a = _mm_castsi128_pd(_mm_loadu_si64(p));
    return _mm_castpd_si128(
        _mm_loadh_pd(a, (const double *)(const void *)(p + step)));
}

static inline void put4_f64(const sp__unpack_colplan *c, const uint8_t *rec,
                            size_t step, size_t o, int swap)
{
    const uint8_t *p = rec + c->offset;
    __m128i q0 = load_f64x2(p, step), q1 = load_f64x2(p + 2 * step, step);
    if (swap) {
        q0 = bswap64(q0);
        q1 = bswap64(q1);
    }
    switch (c->op) {
    case SP_UNPACK_COPY:
        _mm_storeu_si128((__m128i *)((uint64_t *)c->dst + o), q0);
        _mm_storeu_si128((__m128i *)((uint64_t *)c->dst + o + 2), q1);
        break;
    case SP_UNPACK_TO_F32:
        put_f32((float *)c->dst + o, _mm_castsi128_pd(q0),
                _mm_castsi128_pd(q1), c);
        break;
    default: {
        __m128i x = _mm_unpacklo_epi64(f64_to_i32(_mm_castsi128_pd(q0)),
                                       f64_to_i32(_mm_castsi128_pd(q1)));
        store8((uint16_t *)c->dst + o, _mm_packus_epi32(x, x));
        break;
    }
    }
}

static void block4(const sp__unpack_plan *p, const uint8_t *rec, size_t o)
{
    const size_t step = p->step;
    const int swap = p->swap;
    for (size_t w = 0; w < p->nwin; w++) {
        const sp__unpack_window *win = &p->win[w];
        __m128i v[4];
        window4(rec + win->base, step, win->lanes, v);
        const sp__unpack_wcol *wc = &p->wcol[win->first];
        for (unsigned i = 0; i < win->count; i++)
            put4(&p->cols[wc[i].col], v[wc[i].lane], wc[i].byte, o, swap);
    }
    for (size_t i = 0; i < p->nwide; i++)
        put4_f64(&p->cols[p->wide[i]], rec, step, o, swap);
}

void sp__unpack_sse41(const sp__unpack_plan *p, const uint8_t *src, size_t n)
{
    for (size_t row = 0; row < p->rows; row++) {
        size_t start = row * p->row_step;
        const uint8_t *rec = src + start;
        size_t lim = sp__unpack_vec_limit(p, n - start);
        size_t r = 0, o = row * p->per_row;
        for (; r + 4 <= lim; r += 4)
            block4(p, rec + r * p->step, o + r);
        sp__unpack_scalar_rows(p, src, row, r, p->per_row);
    }
}
