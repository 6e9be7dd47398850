/* unpack, AVX2: 8 records a step. Each 16-byte window (unpack_int.h) is
 * read from the 8 records as 4 registers of two records each and
 * transposed in-lane (unpacklo/hi 32 then 64: 8 shuffles, or 4 when only
 * dwords 0-1 or 2-3 are used), giving one register per dword with that
 * dword of records 0..7 in order. Measured faster than one gather per
 * column (bench/bench_unpack.c's header has the figures). Conversions are
 * the scalar ones done 4 doubles at a time (mul then add, never fused; the
 * same cvtpd2ps rounding): bit-identical to unpack_scalar.c. Rows' last
 * records, whose windows would read past the input, go to the scalar
 * code. */
#include <immintrin.h>

#include "unpack_int.h"

static inline __m256i load2(const uint8_t *lo, const uint8_t *hi)
{
    return _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)lo)),
        _mm_loadu_si128((const __m128i *)hi), 1);
}

/* v[j] = dword j of the window at p in records 0..7 (p + r * step). Only
 * the dwords in `lanes` are computed; the others hold junk. */
static inline void window8(const uint8_t *p, size_t step, unsigned lanes,
                           __m256i v[4])
{
    __m256i a = load2(p, p + 4 * step), b = load2(p + step, p + 5 * step);
    __m256i c = load2(p + 2 * step, p + 6 * step);
    __m256i d = load2(p + 3 * step, p + 7 * step);
    if (lanes & 3) {
        __m256i t0 = _mm256_unpacklo_epi32(a, b);
        __m256i t1 = _mm256_unpacklo_epi32(c, d);
        v[0] = _mm256_unpacklo_epi64(t0, t1);
        v[1] = _mm256_unpackhi_epi64(t0, t1);
    } else {
        v[0] = v[1] = a;
    }
    if (lanes & 12) {
        __m256i t2 = _mm256_unpackhi_epi32(a, b);
        __m256i t3 = _mm256_unpackhi_epi32(c, d);
        v[2] = _mm256_unpacklo_epi64(t2, t3);
        v[3] = _mm256_unpackhi_epi64(t2, t3);
    } else {
        v[2] = v[3] = a;
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

/* The element of `size` bytes at byte `byte` of each dword (after the
 * byte swap), zero- or sign-extended to 32 bits. */
static inline __m256i field(__m256i v, unsigned size, unsigned byte,
                            int sign, int swap)
{
    if (size == 4)
        return swap ? bswap32(v) : v;
    __m256i x = _mm256_srl_epi32(v, _mm_cvtsi32_si128((int)(8 * byte)));
    if (swap && size == 2) {
        const __m256i ff = _mm256_set1_epi32(0xff);
        x = _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(x, ff), 8),
                            _mm256_and_si256(_mm256_srli_epi32(x, 8), ff));
    }
    __m128i sh = _mm_cvtsi32_si128((int)(32 - 8 * size));
    x = _mm256_sll_epi32(x, sh);
    return sign ? _mm256_sra_epi32(x, sh) : _mm256_srl_epi32(x, sh);
}

/* int32 lanes to uint16 with signed saturation (0..65535). */
static inline __m128i pack_u16(__m256i x)
{
    return _mm_packus_epi32(_mm256_castsi256_si128(x),
                            _mm256_extracti128_si256(x, 1));
}

static inline void put_f32(float *out, __m256d lo, __m256d hi,
                           const sp__unpack_colplan *c)
{
    const __m256d s = _mm256_set1_pd(c->scale), b = _mm256_set1_pd(c->bias);
    lo = _mm256_add_pd(_mm256_mul_pd(lo, s), b);
    hi = _mm256_add_pd(_mm256_mul_pd(hi, s), b);
    __m256 f = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)),
                                    _mm256_cvtpd_ps(hi), 1);
    _mm256_storeu_ps(out, f);
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

/* One column of 8 records from its window dword v; output index o. */
static inline void put8(const sp__unpack_colplan *c, __m256i v,
                        unsigned byte, size_t o, int swap)
{
    int sign = c->type == SP_UNPACK_I8 || c->type == SP_UNPACK_I16;
    switch (c->op) {
    case SP_UNPACK_COPY: {
        __m256i x = field(v, c->size, byte, 0, swap);
        if (c->size == 4)
            _mm256_storeu_si256((__m256i *)((uint32_t *)c->dst + o), x);
        else if (c->size == 2)
            _mm_storeu_si128((__m128i *)((uint16_t *)c->dst + o), pack_u16(x));
        else {
            __m128i w = pack_u16(x);
            _mm_storel_epi64((__m128i *)((uint8_t *)c->dst + o),
                             _mm_packus_epi16(w, w));
        }
        break;
    }
    case SP_UNPACK_TO_F32: {
        __m256i x = field(v, c->size, byte, sign, swap);
        __m128i x0 = _mm256_castsi256_si128(x);
        __m128i x1 = _mm256_extracti128_si256(x, 1);
        __m256d lo, hi;
        if (c->type == SP_UNPACK_F32) {
            lo = _mm256_cvtps_pd(_mm_castsi128_ps(x0));
            hi = _mm256_cvtps_pd(_mm_castsi128_ps(x1));
        } else if (c->type == SP_UNPACK_U32) {
            /* No unsigned convert before AVX-512: flip the top bit, convert
             * as signed and add 2^31 back (exact in double). */
            const __m128i top = _mm_set1_epi32((int)0x80000000u);
            const __m256d two31 = _mm256_set1_pd(2147483648.0);
            lo = _mm256_add_pd(_mm256_cvtepi32_pd(_mm_xor_si128(x0, top)),
                               two31);
            hi = _mm256_add_pd(_mm256_cvtepi32_pd(_mm_xor_si128(x1, top)),
                               two31);
        } else {
            lo = _mm256_cvtepi32_pd(x0);
            hi = _mm256_cvtepi32_pd(x1);
        }
        put_f32((float *)c->dst + o, lo, hi, c);
        break;
    }
    default: {
        __m256i x = field(v, c->size, byte, sign, swap);
        __m128i u;
        if (c->type == SP_UNPACK_F32)
            u = f32_to_u16(_mm256_castsi256_ps(x));
        else if (c->type == SP_UNPACK_U32)
            u = pack_u16(_mm256_min_epu32(x, _mm256_set1_epi32(65535)));
        else
            u = pack_u16(x);
        _mm_storeu_si128((__m128i *)((uint16_t *)c->dst + o), u);
        break;
    }
    }
}

/* Doubles of records 0..3 at p + r * step. */
static inline __m256i load_f64x4(const uint8_t *p, size_t step)
{
    __m128d a = _mm_castsi128_pd(_mm_loadu_si64(p));
    __m128d b = _mm_castsi128_pd(_mm_loadu_si64(p + 2 * step));
    a = _mm_loadh_pd(a, (const double *)(const void *)(p + step));
    b = _mm_loadh_pd(b, (const double *)(const void *)(p + 3 * step));
    return _mm256_castpd_si256(
        _mm256_insertf128_pd(_mm256_castpd128_pd256(a), b, 1));
}

/* One F64 column of 8 records starting at rec. */
static inline void put8_f64(const sp__unpack_colplan *c, const uint8_t *rec,
                            size_t step, size_t o, int swap)
{
    const uint8_t *p = rec + c->offset;
    __m256i q0 = load_f64x4(p, step), q1 = load_f64x4(p + 4 * step, step);
    if (swap) {
        q0 = bswap64(q0);
        q1 = bswap64(q1);
    }
    switch (c->op) {
    case SP_UNPACK_COPY:
        _mm256_storeu_si256((__m256i *)((uint64_t *)c->dst + o), q0);
        _mm256_storeu_si256((__m256i *)((uint64_t *)c->dst + o + 4), q1);
        break;
    case SP_UNPACK_TO_F32:
        put_f32((float *)c->dst + o, _mm256_castsi256_pd(q0),
                _mm256_castsi256_pd(q1), c);
        break;
    default:
        _mm_storeu_si128((__m128i *)((uint16_t *)c->dst + o),
                         _mm_packus_epi32(f64_to_i32(_mm256_castsi256_pd(q0)),
                                          f64_to_i32(_mm256_castsi256_pd(q1))));
        break;
    }
}

static void block8(const sp__unpack_plan *p, const uint8_t *rec, size_t o)
{
    const size_t step = p->step;
    const int swap = p->swap;
    for (size_t w = 0; w < p->nwin; w++) {
        const sp__unpack_window *win = &p->win[w];
        __m256i v[4];
        window8(rec + win->base, step, win->lanes, v);
        const sp__unpack_wcol *wc = &p->wcol[win->first];
        for (unsigned i = 0; i < win->count; i++)
            put8(&p->cols[wc[i].col], v[wc[i].lane], wc[i].byte, o, swap);
    }
    for (size_t i = 0; i < p->nwide; i++)
        put8_f64(&p->cols[p->wide[i]], rec, step, o, swap);
}

void sp__unpack_avx2(const sp__unpack_plan *p, const uint8_t *src, size_t n)
{
    for (size_t row = 0; row < p->rows; row++) {
        size_t start = row * p->row_step;
        const uint8_t *rec = src + start;
        size_t lim = sp__unpack_vec_limit(p, n - start);
        size_t r = 0, o = row * p->per_row;
        for (; r + 8 <= lim; r += 8)
            block8(p, rec + r * p->step, o + r);
        sp__unpack_scalar_rows(p, src, row, r, p->per_row);
    }
}
