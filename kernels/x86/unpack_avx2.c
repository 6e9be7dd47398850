/* unpack, AVX2: 8 records a step. Each 16-byte window (unpack_int.h) is
 * read from 8 records as 4 registers of two records each and transposed
 * in-lane (unpacklo/hi 32 then 64: 8 shuffles, 4 when only dwords 0-1 or
 * 2-3 are read), giving one register per dword with that dword of records
 * 0..7 in order; measured faster than a gather per column (see the header
 * of bench/bench_unpack.c). Conversions are the scalar ones, 4 doubles at
 * a time (mul then add, never fused; cvtpd2ps rounds as the C cast does):
 * bit-identical to unpack_scalar.c. The last records of a row, whose
 * windows would read past the input, go to the scalar code. */
#include <immintrin.h>

#include "unpack_int.h"

#define CHUNK SP__UNPACK_CHUNK

static inline __m256i load2(const uint8_t *lo, const uint8_t *hi)
{
    return _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
        _mm_loadu_si128((const __m128i *)hi), 1);
}

static inline void st(uint32_t *p, __m256i v)
{
    _mm256_storeu_si256((__m256i *)p, v);
}

/* Pass 1: the dwords of window w for m records (a multiple of 8) at rec,
 * each to its column (direct) or to tmp[lane]. */
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
    for (size_t i = 0; i < m; i += 8, s += 8 * step) {
        __m256i a = load2(s, s + 4 * step), b = load2(s + step, s + 5 * step);
        __m256i c = load2(s + 2 * step, s + 6 * step);
        __m256i d = load2(s + 3 * step, s + 7 * step);
        if (lo) {
            __m256i t0 = _mm256_unpacklo_epi32(a, b);
            __m256i t1 = _mm256_unpacklo_epi32(c, d);
            if (out[0])
                st(out[0] + i, _mm256_unpacklo_epi64(t0, t1));
            if (out[1])
                st(out[1] + i, _mm256_unpackhi_epi64(t0, t1));
        }
        if (hi) {
            __m256i t2 = _mm256_unpackhi_epi32(a, b);
            __m256i t3 = _mm256_unpackhi_epi32(c, d);
            if (out[2])
                st(out[2] + i, _mm256_unpacklo_epi64(t2, t3));
            if (out[3])
                st(out[3] + i, _mm256_unpackhi_epi64(t2, t3));
        }
    }
}

static inline __m256i bswap32(__m256i v)
{
    const __m256i m = _mm256_setr_epi8(
        3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6,
        5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    return _mm256_shuffle_epi8(v, m);
}

static inline __m256i bswap64(__m256i v)
{
    const __m256i m = _mm256_setr_epi8(
        7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2,
        1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    return _mm256_shuffle_epi8(v, m);
}

/* How to cut an element out of its dword: shift right by `at`, swap the
 * two bytes of a 2-byte element, then shift left and back right by `keep`
 * (arithmetically for a signed type) to clear or extend the top. */
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

static inline __m256i field(const uint32_t *lane, const cut *k)
{
    __m256i x = _mm256_loadu_si256((const __m256i *)lane);
    if (k->size == 4)
        return k->swap ? bswap32(x) : x;
    x = _mm256_srl_epi32(x, k->at);
    if (k->swap && k->size == 2) {
        const __m256i ff = _mm256_set1_epi32(0xff);
        x = _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(x, ff), 8),
                            _mm256_and_si256(_mm256_srli_epi32(x, 8), ff));
    }
    x = _mm256_sll_epi32(x, k->keep);
    return k->sign ? _mm256_sra_epi32(x, k->keep) : _mm256_srl_epi32(x, k->keep);
}

/* int32 lanes to uint16 with signed saturation (0..65535). */
static inline __m128i pack_u16(__m256i x)
{
    return _mm_packus_epi32(_mm256_castsi256_si128(x),
                            _mm256_extracti128_si256(x, 1));
}

static inline __m256 affine(__m256d lo, __m256d hi, __m256d s, __m256d b)
{
    lo = _mm256_add_pd(_mm256_mul_pd(lo, s), b);
    hi = _mm256_add_pd(_mm256_mul_pd(hi, s), b);
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)),
                                _mm256_cvtpd_ps(hi), 1);
}

/* NaN -> 0, then clamped to [0, 65535] and truncated (cvtt). */
static inline __m128i f32_to_u16(__m256 f)
{
    f = _mm256_and_ps(f, _mm256_cmp_ps(f, f, _CMP_ORD_Q));
    f = _mm256_min_ps(_mm256_max_ps(f, _mm256_setzero_ps()),
                      _mm256_set1_ps(65535.0f));
    return pack_u16(_mm256_cvttps_epi32(f));
}

static inline __m128i f64_to_i32(__m256d d)
{
    d = _mm256_and_pd(d, _mm256_cmp_pd(d, d, _CMP_ORD_Q));
    d = _mm256_min_pd(_mm256_max_pd(d, _mm256_setzero_pd()),
                      _mm256_set1_pd(65535.0));
    return _mm256_cvttpd_epi32(d);
}

/* Pass 2: one column from its scratch row, m elements to dst + o. */
static void convert(const sp__unpack_colplan *c, const uint32_t *lane,
                    unsigned byte, size_t m, size_t o, int swap)
{
    const int sign = c->type == SP_UNPACK_I8 || c->type == SP_UNPACK_I16;
    const __m256d s = _mm256_set1_pd(c->scale), b = _mm256_set1_pd(c->bias);
    if (c->op == SP_UNPACK_COPY) {
        cut k = make_cut(c, byte, 0, swap);
        if (c->size == 4) {
            uint32_t *d = (uint32_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 8)
                st(d + i, field(lane + i, &k));
        } else if (c->size == 2) {
            uint16_t *d = (uint16_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 8)
                _mm_storeu_si128((__m128i *)(d + i),
                                 pack_u16(field(lane + i, &k)));
        } else {
            uint8_t *d = (uint8_t *)c->dst + o;
            for (size_t i = 0; i < m; i += 8) {
                __m128i w = pack_u16(field(lane + i, &k));
                _mm_storel_epi64((__m128i *)(d + i), _mm_packus_epi16(w, w));
            }
        }
    } else if (c->op == SP_UNPACK_TO_F32) {
        cut k = make_cut(c, byte, sign, swap);
        float *d = (float *)c->dst + o;
        if (c->type == SP_UNPACK_F32) {
            for (size_t i = 0; i < m; i += 8) {
                __m256 f = _mm256_castsi256_ps(field(lane + i, &k));
                _mm256_storeu_ps(
                    d + i, affine(_mm256_cvtps_pd(_mm256_castps256_ps128(f)),
                                  _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)),
                                  s, b));
            }
        } else if (c->type == SP_UNPACK_U32) {
            /* No unsigned convert before AVX-512: flip the top bit, convert
             * as signed and add 2^31 back (exact in double). */
            const __m256i top = _mm256_set1_epi32((int)0x80000000u);
            const __m256d two31 = _mm256_set1_pd(2147483648.0);
            for (size_t i = 0; i < m; i += 8) {
                __m256i x = _mm256_xor_si256(field(lane + i, &k), top);
                __m256d lo = _mm256_add_pd(
                    _mm256_cvtepi32_pd(_mm256_castsi256_si128(x)), two31);
                __m256d hi = _mm256_add_pd(
                    _mm256_cvtepi32_pd(_mm256_extracti128_si256(x, 1)), two31);
                _mm256_storeu_ps(d + i, affine(lo, hi, s, b));
            }
        } else {
            for (size_t i = 0; i < m; i += 8) {
                __m256i x = field(lane + i, &k);
                __m256d lo = _mm256_cvtepi32_pd(_mm256_castsi256_si128(x));
                __m256d hi = _mm256_cvtepi32_pd(_mm256_extracti128_si256(x, 1));
                _mm256_storeu_ps(d + i, affine(lo, hi, s, b));
            }
        }
    } else {
        cut k = make_cut(c, byte, sign, swap);
        uint16_t *d = (uint16_t *)c->dst + o;
        if (c->type == SP_UNPACK_F32) {
            for (size_t i = 0; i < m; i += 8)
                _mm_storeu_si128(
                    (__m128i *)(d + i),
                    f32_to_u16(_mm256_castsi256_ps(field(lane + i, &k))));
        } else if (c->type == SP_UNPACK_U32) {
            const __m256i max = _mm256_set1_epi32(65535);
            for (size_t i = 0; i < m; i += 8)
                _mm_storeu_si128(
                    (__m128i *)(d + i),
                    pack_u16(_mm256_min_epu32(field(lane + i, &k), max)));
        } else {
            for (size_t i = 0; i < m; i += 8)
                _mm_storeu_si128((__m128i *)(d + i),
                                 pack_u16(field(lane + i, &k)));
        }
    }
}

/* Doubles of 4 records at p + r * step, byte-swapped when asked. */
static inline __m256d load_f64x4(const uint8_t *p, size_t step, int swap)
{
    __m128d a = _mm_castsi128_pd(_mm_loadu_si64(p));
    __m128d b = _mm_castsi128_pd(_mm_loadu_si64(p + 2 * step));
    a = _mm_loadh_pd(a, (const double *)(const void *)(p + step));
    b = _mm_loadh_pd(b, (const double *)(const void *)(p + 3 * step));
    __m256d v = _mm256_insertf128_pd(_mm256_castpd128_pd256(a), b, 1);
    return swap ? _mm256_castsi256_pd(bswap64(_mm256_castpd_si256(v))) : v;
}

/* An F64 column of m records at rec (m a multiple of 8). */
static void wide(const sp__unpack_colplan *c, const uint8_t *rec, size_t step,
                 size_t m, size_t o, int swap)
{
    const uint8_t *p = rec + c->offset;
    const size_t s4 = 4 * step;
    if (c->op == SP_UNPACK_COPY) {
        double *d = (double *)c->dst + o;
        for (size_t i = 0; i < m; i += 4, p += s4)
            _mm256_storeu_pd(d + i, load_f64x4(p, step, swap));
    } else if (c->op == SP_UNPACK_TO_F32) {
        const __m256d s = _mm256_set1_pd(c->scale), b = _mm256_set1_pd(c->bias);
        float *d = (float *)c->dst + o;
        for (size_t i = 0; i < m; i += 8, p += 2 * s4)
            _mm256_storeu_ps(d + i, affine(load_f64x4(p, step, swap),
                                           load_f64x4(p + s4, step, swap), s,
                                           b));
    } else {
        uint16_t *d = (uint16_t *)c->dst + o;
        for (size_t i = 0; i < m; i += 8, p += 2 * s4)
            _mm_storeu_si128(
                (__m128i *)(d + i),
                _mm_packus_epi32(f64_to_i32(load_f64x4(p, step, swap)),
                                 f64_to_i32(load_f64x4(p + s4, step, swap))));
    }
}

void sp__unpack_avx2(const sp__unpack_plan *p, const uint8_t *src, size_t n)
{
    uint32_t tmp[4][CHUNK] __attribute__((aligned(32)));
    for (size_t row = 0; row < p->rows; row++) {
        size_t start = row * p->row_step;
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
