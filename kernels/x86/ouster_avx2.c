/* Ouster column decoder, AVX2: 8 beams a step. The pixel words are
 * gathered (one 32-bit gather per word of the pixel: the profiles' 12, 16
 * and 4-byte strides all fit) and the point is computed with the float
 * operations of sp__ouster_xyz() in its order; the tail is the scalar
 * code. Bit-identical to ouster_scalar.c. */
#include <immintrin.h>

#include "ouster_int.h"

static inline void st16(uint16_t *dst, __m256i v)
{
    __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
    _mm_storeu_si128((__m128i *)dst, _mm_packus_epi32(lo, hi));
}

static inline void xyz8(const sp_ouster_plan *p, uint32_t b, __m256 ce,
                        __m256 se, __m256i r, float *x, float *y, float *z)
{
    __m256 rn = _mm256_sub_ps(_mm256_cvtepi32_ps(r), _mm256_loadu_ps(p->n + b));
    __m256 cxa = _mm256_loadu_ps(p->cxa + b), sxa = _mm256_loadu_ps(p->sxa + b);
    __m256 bx = _mm256_loadu_ps(p->bx + b);
    __m256 dx = _mm256_sub_ps(_mm256_mul_ps(ce, cxa), _mm256_mul_ps(se, sxa));
    __m256 dy = _mm256_add_ps(_mm256_mul_ps(se, cxa), _mm256_mul_ps(ce, sxa));
    __m256 xl = _mm256_add_ps(_mm256_mul_ps(rn, dx), _mm256_mul_ps(bx, ce));
    __m256 yl = _mm256_add_ps(_mm256_mul_ps(rn, dy), _mm256_mul_ps(bx, se));
    __m256 zl = _mm256_add_ps(_mm256_mul_ps(rn, _mm256_loadu_ps(p->sz + b)),
                              _mm256_loadu_ps(p->bz + b));
    float *o[3] = {x, y, z};
    for (int k = 0; k < 3; k++) {
        __m256 a =
            _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(p->R[3 * k]), xl),
                          _mm256_mul_ps(_mm256_set1_ps(p->R[3 * k + 1]), yl));
        a = _mm256_add_ps(a,
                          _mm256_mul_ps(_mm256_set1_ps(p->R[3 * k + 2]), zl));
        a = _mm256_add_ps(a, _mm256_set1_ps(p->T[k]));
        _mm256_storeu_ps(o[k] + b, a);
    }
}

void sp__ouster_col_avx2(const sp_ouster_plan *p, const uint8_t *px, uint32_t m,
                         sp_ouster_scan *s)
{
    const __m256 ce = _mm256_set1_ps(p->ce[m]), se = _mm256_set1_ps(p->se[m]);
    const size_t o = (size_t)m * p->beams;
    const int st = (int)p->stride;
    const __m256i idx = _mm256_mullo_epi32(
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(st));
    const __m256i m16 = _mm256_set1_epi32(0xffff), m8 = _mm256_set1_epi32(0xff);
    uint32_t b = 0;
    for (; b + 8 <= p->beams; b += 8) {
        const uint8_t *q = px + (size_t)b * p->stride;
        const int *qi = (const int *)q;
        __m256i r, refl, sig, nir, r2 = _mm256_setzero_si256(), refl2 = r2,
                                   sig2 = r2;
        switch (p->profile) {
        case SP_OUSTER_PKT_LEGACY: {
            __m256i w0 = _mm256_i32gather_epi32(qi, idx, 1);
            __m256i w1 = _mm256_i32gather_epi32((const int *)(q + 4), idx, 1);
            __m256i w2 = _mm256_i32gather_epi32((const int *)(q + 8), idx, 1);
            r = _mm256_and_si256(w0, _mm256_set1_epi32(0xfffff));
            refl = _mm256_and_si256(w1, m16);
            sig = _mm256_srli_epi32(w1, 16);
            nir = _mm256_and_si256(w2, m16);
            break;
        }
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16: {
            __m256i w0 = _mm256_i32gather_epi32(qi, idx, 1);
            __m256i w1 = _mm256_i32gather_epi32((const int *)(q + 4), idx, 1);
            __m256i w2 = _mm256_i32gather_epi32((const int *)(q + 8), idx, 1);
            r = _mm256_and_si256(w0, _mm256_set1_epi32(0x7ffff));
            refl = _mm256_and_si256(w1, m8);
            sig = _mm256_srli_epi32(w1, 16);
            nir = _mm256_and_si256(w2, m16);
            break;
        }
        case SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16_DUAL: {
            __m256i w0 = _mm256_i32gather_epi32(qi, idx, 1);
            __m256i w1 = _mm256_i32gather_epi32((const int *)(q + 4), idx, 1);
            __m256i w2 = _mm256_i32gather_epi32((const int *)(q + 8), idx, 1);
            __m256i w3 = _mm256_i32gather_epi32((const int *)(q + 12), idx, 1);
            const __m256i m19 = _mm256_set1_epi32(0x7ffff);
            r = _mm256_and_si256(w0, m19);
            refl = _mm256_srli_epi32(w0, 24);
            r2 = _mm256_and_si256(w1, m19);
            refl2 = _mm256_srli_epi32(w1, 24);
            sig = _mm256_and_si256(w2, m16);
            sig2 = _mm256_srli_epi32(w2, 16);
            nir = _mm256_and_si256(w3, m16);
            break;
        }
        default: { /* RNG15_RFL8_NIR8: 4-byte pixels, contiguous */
            __m256i w0 = _mm256_loadu_si256((const __m256i *)q);
            r = _mm256_slli_epi32(
                _mm256_and_si256(w0, _mm256_set1_epi32(0x7fff)), 3);
            refl = _mm256_and_si256(_mm256_srli_epi32(w0, 16), m8);
            sig = _mm256_setzero_si256();
            nir = _mm256_slli_epi32(_mm256_srli_epi32(w0, 24), 4);
            break;
        }
        }
        _mm256_storeu_si256((__m256i *)(s->range[0] + o + b), r);
        st16(s->reflectivity[0] + o + b, refl);
        st16(s->signal[0] + o + b, sig);
        st16(s->nir + o + b, nir);
        xyz8(p, b, ce, se, r, s->x[0] + o, s->y[0] + o, s->z[0] + o);
        if (p->returns == 2) {
            _mm256_storeu_si256((__m256i *)(s->range[1] + o + b), r2);
            st16(s->reflectivity[1] + o + b, refl2);
            st16(s->signal[1] + o + b, sig2);
            xyz8(p, b, ce, se, r2, s->x[1] + o, s->y[1] + o, s->z[1] + o);
        }
    }
    sp__ouster_pixels(p, px, b, m, s);
}
