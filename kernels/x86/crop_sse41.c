/* crop, SSE4.1: 4 points a step, kept lanes packed with pshufb and a
 * 16-row table; see crop_avx2.c for the scheme. Bit-identical to scalar. */
#include <pthread.h>
#include <smmintrin.h>
#include <stdint.h>

#include "crop_int.h"

static uint8_t pack_lut[16][16] __attribute__((aligned(16)));
static pthread_once_t lut_once = PTHREAD_ONCE_INIT;

static void build_lut(void)
{
    for (int m = 0; m < 16; m++) {
        int j = 0;
        for (int b = 0; b < 4; b++)
            if (m & (1 << b)) {
                for (int c = 0; c < 4; c++)
                    pack_lut[m][j * 4 + c] = (uint8_t)(b * 4 + c);
                j++;
            }
        for (; j < 4; j++)
            for (int c = 0; c < 4; c++)
                pack_lut[m][j * 4 + c] = 0x80; /* zero the lane */
    }
}

static inline __m128 pack(__m128 v, __m128i shuf)
{
    return _mm_castsi128_ps(_mm_shuffle_epi8(_mm_castps_si128(v), shuf));
}

size_t sp__crop_sse41(const sp__crop_plan *p, const sp_points *in,
                      sp_points *out)
{
    pthread_once(&lut_once, build_lut);
    const size_t n = in->count;
    const __m128 lox = _mm_set1_ps(p->lo[0]), hix = _mm_set1_ps(p->hi[0]);
    const __m128 loy = _mm_set1_ps(p->lo[1]), hiy = _mm_set1_ps(p->hi[1]);
    const __m128 loz = _mm_set1_ps(p->lo[2]), hiz = _mm_set1_ps(p->hi[2]);
    const __m128 r2lo = _mm_set1_ps(p->r2lo), r2hi = _mm_set1_ps(p->r2hi);
    const __m128 zero = _mm_setzero_ps();
    const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
    uint32_t *const idx = p->idx;
    size_t i = 0, o = 0;

    for (; i + 4 <= n; i += 4) {
        __m128 x = _mm_loadu_ps(in->x + i);
        __m128 y = _mm_loadu_ps(in->y + i);
        __m128 z = _mm_loadu_ps(in->z + i);
        __m128 f = _mm_add_ps(_mm_add_ps(_mm_sub_ps(x, x), _mm_sub_ps(y, y)),
                              _mm_sub_ps(z, z));
        __m128 finite = _mm_cmpeq_ps(f, zero);
        __m128 inside = _mm_and_ps(_mm_cmpge_ps(x, lox), _mm_cmple_ps(x, hix));
        inside = _mm_and_ps(inside, _mm_cmpge_ps(y, loy));
        inside = _mm_and_ps(inside, _mm_cmple_ps(y, hiy));
        inside = _mm_and_ps(inside, _mm_cmpge_ps(z, loz));
        inside = _mm_and_ps(inside, _mm_cmple_ps(z, hiz));
        if (p->use_range) {
            __m128 r2 =
                _mm_add_ps(_mm_add_ps(_mm_mul_ps(x, x), _mm_mul_ps(y, y)),
                           _mm_mul_ps(z, z));
            inside = _mm_and_ps(inside, _mm_cmpge_ps(r2, r2lo));
            inside = _mm_and_ps(inside, _mm_cmple_ps(r2, r2hi));
        }
        __m128 keep = p->invert ? _mm_andnot_ps(inside, finite)
                                : _mm_and_ps(inside, finite);
        unsigned m = (unsigned)_mm_movemask_ps(keep);
        if (m == 0)
            continue;
        __m128 w = _mm_loadu_ps(in->intensity + i);
        __m128i shuf = _mm_load_si128((const __m128i *)pack_lut[m]);
        _mm_storeu_ps(out->x + o, pack(x, shuf));
        _mm_storeu_ps(out->y + o, pack(y, shuf));
        _mm_storeu_ps(out->z + o, pack(z, shuf));
        _mm_storeu_ps(out->intensity + o, pack(w, shuf));
        if (p->time)
            _mm_storeu_ps(out->time + o,
                          pack(_mm_loadu_ps(in->time + i), shuf));
        if (idx)
            _mm_storeu_si128(
                (__m128i *)(idx + o),
                _mm_shuffle_epi8(_mm_add_epi32(_mm_set1_epi32((int)i), iota),
                                 shuf));
        if (p->ring) {
            size_t r = o;
            for (unsigned b = m; b; b &= b - 1)
                out->ring[r++] = in->ring[i + (size_t)__builtin_ctz(b)];
        }
        /* Bits of the 4-bit mask: popcnt is not SSE4.1, and
         * __builtin_popcount is a libgcc call there. */
        o += (size_t)((0x4332322132212110ull >> (4 * m)) & 0xf);
    }
    return sp__crop_scalar(p, in, i, out, o);
}
