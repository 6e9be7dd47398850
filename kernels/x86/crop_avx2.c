/* crop, AVX2: 8 points a step. The mask of kept lanes selects a row of a
 * permutation table that packs them to the front, written with unaligned
 * stores at the output position (which never passes the input position, so
 * the 8-lane store stays inside out's capacity). Same float operations as
 * sp__crop_keep(): bit-identical output. */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>

#include "crop_int.h"

static int32_t pack_lut[256][8] __attribute__((aligned(32)));
static pthread_once_t lut_once = PTHREAD_ONCE_INIT;

static void build_lut(void)
{
    for (int m = 0; m < 256; m++) {
        int j = 0;
        for (int b = 0; b < 8; b++)
            if (m & (1 << b))
                pack_lut[m][j++] = b;
        while (j < 8)
            pack_lut[m][j++] = 0;
    }
}

size_t sp__crop_avx2(const sp__crop_plan *p, const sp_points *in,
                     sp_points *out)
{
    pthread_once(&lut_once, build_lut);
    const size_t n = in->count;
    const __m256 lox = _mm256_set1_ps(p->lo[0]), hix = _mm256_set1_ps(p->hi[0]);
    const __m256 loy = _mm256_set1_ps(p->lo[1]), hiy = _mm256_set1_ps(p->hi[1]);
    const __m256 loz = _mm256_set1_ps(p->lo[2]), hiz = _mm256_set1_ps(p->hi[2]);
    const __m256 r2lo = _mm256_set1_ps(p->r2lo), r2hi = _mm256_set1_ps(p->r2hi);
    const __m256 zero = _mm256_setzero_ps();
    const int invert = p->invert, use_range = p->use_range;
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    uint32_t *const idx = p->idx;
    size_t i = 0, o = 0;

    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(in->x + i);
        __m256 y = _mm256_loadu_ps(in->y + i);
        __m256 z = _mm256_loadu_ps(in->z + i);
        /* v - v is 0 for a finite v and NaN for NaN or +-Inf. */
        __m256 f = _mm256_add_ps(
            _mm256_add_ps(_mm256_sub_ps(x, x), _mm256_sub_ps(y, y)),
            _mm256_sub_ps(z, z));
        __m256 finite = _mm256_cmp_ps(f, zero, _CMP_EQ_OQ);
        __m256 inside = _mm256_and_ps(_mm256_cmp_ps(x, lox, _CMP_GE_OQ),
                                      _mm256_cmp_ps(x, hix, _CMP_LE_OQ));
        inside = _mm256_and_ps(inside, _mm256_cmp_ps(y, loy, _CMP_GE_OQ));
        inside = _mm256_and_ps(inside, _mm256_cmp_ps(y, hiy, _CMP_LE_OQ));
        inside = _mm256_and_ps(inside, _mm256_cmp_ps(z, loz, _CMP_GE_OQ));
        inside = _mm256_and_ps(inside, _mm256_cmp_ps(z, hiz, _CMP_LE_OQ));
        if (use_range) {
            __m256 r2 = _mm256_add_ps(
                _mm256_add_ps(_mm256_mul_ps(x, x), _mm256_mul_ps(y, y)),
                _mm256_mul_ps(z, z));
            inside = _mm256_and_ps(inside, _mm256_cmp_ps(r2, r2lo, _CMP_GE_OQ));
            inside = _mm256_and_ps(inside, _mm256_cmp_ps(r2, r2hi, _CMP_LE_OQ));
        }
        __m256 keep = invert ? _mm256_andnot_ps(inside, finite)
                             : _mm256_and_ps(inside, finite);
        unsigned m = (unsigned)_mm256_movemask_ps(keep);
        if (m == 0)
            continue;
        __m256 w = _mm256_loadu_ps(in->intensity + i);
        if (m == 0xffu) {
            _mm256_storeu_ps(out->x + o, x);
            _mm256_storeu_ps(out->y + o, y);
            _mm256_storeu_ps(out->z + o, z);
            _mm256_storeu_ps(out->intensity + o, w);
            if (p->time)
                _mm256_storeu_ps(out->time + o, _mm256_loadu_ps(in->time + i));
            if (idx)
                _mm256_storeu_si256(
                    (__m256i *)(idx + o),
                    _mm256_add_epi32(_mm256_set1_epi32((int)i), iota));
        } else {
            __m256i perm = _mm256_load_si256((const __m256i *)pack_lut[m]);
            _mm256_storeu_ps(out->x + o, _mm256_permutevar8x32_ps(x, perm));
            _mm256_storeu_ps(out->y + o, _mm256_permutevar8x32_ps(y, perm));
            _mm256_storeu_ps(out->z + o, _mm256_permutevar8x32_ps(z, perm));
            _mm256_storeu_ps(out->intensity + o,
                             _mm256_permutevar8x32_ps(w, perm));
            if (p->time)
                _mm256_storeu_ps(out->time + o,
                                 _mm256_permutevar8x32_ps(
                                     _mm256_loadu_ps(in->time + i), perm));
            if (idx) /* the permutation is the kept lanes' numbers */
                _mm256_storeu_si256(
                    (__m256i *)(idx + o),
                    _mm256_add_epi32(_mm256_set1_epi32((int)i), perm));
        }
        if (p->ring) {
            size_t r = o;
            for (unsigned b = m; b; b &= b - 1)
                out->ring[r++] = in->ring[i + (size_t)__builtin_ctz(b)];
        }
        o += (size_t)__builtin_popcount(m);
    }
    return sp__crop_scalar(p, in, i, out, o);
}
