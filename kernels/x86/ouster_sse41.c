/* Ouster column decoder, SSE4.1: 4 beams a step. Four pixels are loaded
 * 16 bytes each and transposed into one register per pixel word (a
 * 12-byte pixel's load reaches 4 bytes into what follows it, which the
 * formats always have: the next pixel, the column status, the next column
 * or the packet footer); the point is computed with the float operations
 * of sp__ouster_xyz() in its order. Bit-identical to ouster_scalar.c. */
#include <smmintrin.h>

#include "ouster_int.h"

static inline __m128i ld(const uint8_t *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

static inline void st16(uint16_t *dst, __m128i v)
{
    _mm_storel_epi64((__m128i *)dst, _mm_packus_epi32(v, v));
}

/* w[k] = word k of the four pixels at q, q + st, q + 2 st, q + 3 st. */
static inline void words(const uint8_t *q, size_t st, __m128i w[4])
{
    __m128i a = ld(q), b = ld(q + st), c = ld(q + 2 * st), d = ld(q + 3 * st);
    __m128i ab0 = _mm_unpacklo_epi32(a, b), ab1 = _mm_unpackhi_epi32(a, b);
    __m128i cd0 = _mm_unpacklo_epi32(c, d), cd1 = _mm_unpackhi_epi32(c, d);
    w[0] = _mm_unpacklo_epi64(ab0, cd0);
    w[1] = _mm_unpackhi_epi64(ab0, cd0);
    w[2] = _mm_unpacklo_epi64(ab1, cd1);
    w[3] = _mm_unpackhi_epi64(ab1, cd1);
}

static inline void xyz4(const sp_ouster_plan *p, uint32_t b, __m128 ce,
                        __m128 se, __m128i r, float *x, float *y, float *z)
{
    __m128 rn = _mm_sub_ps(_mm_cvtepi32_ps(r), _mm_loadu_ps(p->n + b));
    __m128 cxa = _mm_loadu_ps(p->cxa + b), sxa = _mm_loadu_ps(p->sxa + b);
    __m128 bx = _mm_loadu_ps(p->bx + b);
    __m128 dx = _mm_sub_ps(_mm_mul_ps(ce, cxa), _mm_mul_ps(se, sxa));
    __m128 dy = _mm_add_ps(_mm_mul_ps(se, cxa), _mm_mul_ps(ce, sxa));
    __m128 xl = _mm_add_ps(_mm_mul_ps(rn, dx), _mm_mul_ps(bx, ce));
    __m128 yl = _mm_add_ps(_mm_mul_ps(rn, dy), _mm_mul_ps(bx, se));
    __m128 zl = _mm_add_ps(_mm_mul_ps(rn, _mm_loadu_ps(p->sz + b)),
                           _mm_loadu_ps(p->bz + b));
    float *o[3] = {x, y, z};
    for (int k = 0; k < 3; k++) {
        __m128 a = _mm_add_ps(_mm_mul_ps(_mm_set1_ps(p->R[3 * k]), xl),
                              _mm_mul_ps(_mm_set1_ps(p->R[3 * k + 1]), yl));
        a = _mm_add_ps(a, _mm_mul_ps(_mm_set1_ps(p->R[3 * k + 2]), zl));
        a = _mm_add_ps(a, _mm_set1_ps(p->T[k]));
        _mm_storeu_ps(o[k] + b, a);
    }
}

void sp__ouster_col_sse41(const sp_ouster_plan *p, const uint8_t *px,
                          uint32_t m, sp_ouster_scan *s)
{
    const __m128 ce = _mm_set1_ps(p->ce[m]), se = _mm_set1_ps(p->se[m]);
    const size_t o = (size_t)m * p->beams, st = p->stride;
    const __m128i m16 = _mm_set1_epi32(0xffff), m8 = _mm_set1_epi32(0xff);
    uint32_t b = 0;
    for (; b + 4 <= p->beams; b += 4) {
        const uint8_t *q = px + (size_t)b * st;
        __m128i w[4], r, refl, sig, nir, r2 = _mm_setzero_si128(), refl2 = r2,
                                         sig2 = r2;
        switch (p->profile) {
        case SP_OUSTER_PKT_LEGACY:
            words(q, st, w);
            r = _mm_and_si128(w[0], _mm_set1_epi32(0xfffff));
            refl = _mm_and_si128(w[1], m16);
            sig = _mm_srli_epi32(w[1], 16);
            nir = _mm_and_si128(w[2], m16);
            break;
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16:
            words(q, st, w);
            r = _mm_and_si128(w[0], _mm_set1_epi32(0x7ffff));
            refl = _mm_and_si128(w[1], m8);
            sig = _mm_srli_epi32(w[1], 16);
            nir = _mm_and_si128(w[2], m16);
            break;
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16_DUAL:
            words(q, st, w);
            r = _mm_and_si128(w[0], _mm_set1_epi32(0x7ffff));
            refl = _mm_srli_epi32(w[0], 24);
            r2 = _mm_and_si128(w[1], _mm_set1_epi32(0x7ffff));
            refl2 = _mm_srli_epi32(w[1], 24);
            sig = _mm_and_si128(w[2], m16);
            sig2 = _mm_srli_epi32(w[2], 16);
            nir = _mm_and_si128(w[3], m16);
            break;
        default: { /* RNG15_RFL8_NIR8: 4-byte pixels, contiguous */
            __m128i w0 = ld(q);
            r = _mm_slli_epi32(_mm_and_si128(w0, _mm_set1_epi32(0x7fff)), 3);
            refl = _mm_and_si128(_mm_srli_epi32(w0, 16), m8);
            sig = _mm_setzero_si128();
            nir = _mm_slli_epi32(_mm_srli_epi32(w0, 24), 4);
            break;
        }
        }
        _mm_storeu_si128((__m128i *)(s->range[0] + o + b), r);
        st16(s->reflectivity[0] + o + b, refl);
        st16(s->signal[0] + o + b, sig);
        st16(s->nir + o + b, nir);
        xyz4(p, b, ce, se, r, s->x[0] + o, s->y[0] + o, s->z[0] + o);
        if (p->returns == 2) {
            _mm_storeu_si128((__m128i *)(s->range[1] + o + b), r2);
            st16(s->reflectivity[1] + o + b, refl2);
            st16(s->signal[1] + o + b, sig2);
            xyz4(p, b, ce, se, r2, s->x[1] + o, s->y[1] + o, s->z[1] + o);
        }
    }
    sp__ouster_pixels(p, px, b, m, s);
}
