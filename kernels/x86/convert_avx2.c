/* Convert, AVX2: 8 pixels per step. A decoder turns the source pixels into
 * R, G, B, A in 32-bit lanes (YUV through the same fixed-point formulas as
 * the scalar reference), an encoder packs them into the target layout. The
 * row tail (and the last pixels, whose 16-byte accesses would overrun the
 * row) goes through the scalar span. */
#include <immintrin.h>

#include "convert_int.h"

#define LD128(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define LD64(p) _mm_loadl_epi64((const __m128i *)(const void *)(p))

/* Byte-gather mask for a 4-pixel lane: byte k * step + off of the lane into
 * the low byte of 32-bit lane k. */
static __m256i gather_mask(int step, int off)
{
    uint8_t b[32];
    for (int i = 0; i < 16; i++) {
        int k = i / 4, q = i % 4;
        b[i] = b[i + 16] = (uint8_t)(q == 0 ? k * step + off : 0x80);
    }
    return _mm256_loadu_si256((const __m256i *)(const void *)b);
}

static inline __m256i clamp255(__m256i v)
{
    return _mm256_min_epi32(_mm256_max_epi32(v, _mm256_setzero_si256()), _mm256_set1_epi32(255));
}

typedef struct yuvc {
    __m256i yoff, cy, cvr, cug, cvg, cub, bias, c128;
} yuvc;

static inline __m256i luma(const yuvc *c, __m256i Y)
{
    return _mm256_mullo_epi32(_mm256_max_epi32(_mm256_sub_epi32(Y, c->yoff), _mm256_setzero_si256()),
                              c->cy);
}

static inline __m256i descale(const yuvc *c, __m256i s)
{
    return clamp255(_mm256_sub_epi32(_mm256_srai_epi32(_mm256_add_epi32(s, c->bias), SP__CV_SHIFT),
                                     _mm256_set1_epi32(256)));
}

static inline void yuv2rgb(const yuvc *c, __m256i Y, __m256i U, __m256i V, __m256i *r, __m256i *g,
                           __m256i *b, __m256i *gray)
{
    __m256i yp = luma(c, Y);
    __m256i u = _mm256_sub_epi32(U, c->c128), v = _mm256_sub_epi32(V, c->c128);
    *r = descale(c, _mm256_add_epi32(yp, _mm256_mullo_epi32(v, c->cvr)));
    *g = descale(c, _mm256_add_epi32(yp, _mm256_add_epi32(_mm256_mullo_epi32(u, c->cug),
                                                          _mm256_mullo_epi32(v, c->cvg))));
    *b = descale(c, _mm256_add_epi32(yp, _mm256_mullo_epi32(u, c->cub)));
    *gray = descale(c, yp);
}

void sp__convert_avx2(const sp__convert_job *j)
{
    const int bgr_in = j->from == SP__CV_BGR;
    const __m256i m3r = gather_mask(3, bgr_in ? 2 : 0), m3g = gather_mask(3, 1),
                  m3b = gather_mask(3, bgr_in ? 0 : 2);
    const __m256i m4r = gather_mask(4, 0), m4g = gather_mask(4, 1), m4b = gather_mask(4, 2),
                  m4a = gather_mask(4, 3);
    /* Encoder: pack 4-byte pixels (R,G,B,A or B,G,R,A) into 3 bytes per lane. */
    uint8_t pk[32], gk[32];
    for (int i = 0; i < 16; i++) {
        pk[i] = pk[i + 16] = (uint8_t)(i < 12 ? (i / 3) * 4 + i % 3 : 0x80);
        gk[i] = gk[i + 16] = (uint8_t)(i < 4 ? i * 4 : 0x80);
    }
    const __m256i pack3 = _mm256_loadu_si256((const __m256i *)(const void *)pk);
    const __m256i pack1 = _mm256_loadu_si256((const __m256i *)(const void *)gk);
    const __m256i cross = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m128i yuyv_y = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i yuyv_u = _mm_setr_epi8(1, 1, 5, 5, 9, 9, 13, 13, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i yuyv_v = _mm_setr_epi8(3, 3, 7, 7, 11, 11, 15, 15, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i nv_u = _mm_setr_epi8(0, 0, 2, 2, 4, 4, 6, 6, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i nv_v = _mm_setr_epi8(1, 1, 3, 3, 5, 5, 7, 7, -1, -1, -1, -1, -1, -1, -1, -1);
    const yuvc c = {_mm256_set1_epi32(j->yoff), _mm256_set1_epi32(j->cy), _mm256_set1_epi32(j->cvr),
                    _mm256_set1_epi32(j->cug), _mm256_set1_epi32(j->cvg), _mm256_set1_epi32(j->cub),
                    _mm256_set1_epi32(SP__CV_BIAS), _mm256_set1_epi32(128)};
    const __m256i alpha = _mm256_set1_epi32(255);

    for (uint32_t y = 0; y < j->h; y++) {
        const uint8_t *s = j->src + (size_t)y * j->sstride;
        const uint8_t *uv = j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
        uint8_t *o = j->dst + (size_t)y * j->dstride;
        uint32_t x = 0;
        /* 10 pixels of room: 3-byte layouts read/write 16 bytes at 3x + 12. */
        for (; x + 10 <= j->w; x += 8) {
            __m256i r, g, b, a = alpha, gray;
            int have_gray = 0;
            switch (j->from) {
            case SP__CV_RGB:
            case SP__CV_BGR: {
                __m256i v = _mm256_loadu2_m128i((const __m128i *)(const void *)(s + 3 * x + 12),
                                                (const __m128i *)(const void *)(s + 3 * x));
                r = _mm256_shuffle_epi8(v, m3r);
                g = _mm256_shuffle_epi8(v, m3g);
                b = _mm256_shuffle_epi8(v, m3b);
                break;
            }
            case SP__CV_RGBA: {
                __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + 4 * x));
                r = _mm256_shuffle_epi8(v, m4r);
                g = _mm256_shuffle_epi8(v, m4g);
                b = _mm256_shuffle_epi8(v, m4b);
                a = _mm256_shuffle_epi8(v, m4a);
                break;
            }
            case SP__CV_GRAY:
                r = g = b = gray = _mm256_cvtepu8_epi32(LD64(s + x));
                have_gray = 1;
                break;
            case SP__CV_NV12: {
                __m128i cu = LD64(uv + x);
                yuv2rgb(&c, _mm256_cvtepu8_epi32(LD64(s + x)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(cu, nv_u)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(cu, nv_v)), &r, &g, &b, &gray);
                have_gray = 1;
                break;
            }
            default: { /* YUYV */
                __m128i v = LD128(s + 2 * x);
                yuv2rgb(&c, _mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_y)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_u)),
                        _mm256_cvtepu8_epi32(_mm_shuffle_epi8(v, yuyv_v)), &r, &g, &b, &gray);
                have_gray = 1;
                break;
            }
            }
            if (j->to == SP__CV_GRAY) {
                if (!have_gray) {
                    __m256i s4 = _mm256_add_epi32(
                        _mm256_add_epi32(_mm256_mullo_epi32(r, _mm256_set1_epi32(9798)),
                                         _mm256_mullo_epi32(g, _mm256_set1_epi32(19235))),
                        _mm256_add_epi32(_mm256_mullo_epi32(b, _mm256_set1_epi32(3735)),
                                         _mm256_set1_epi32(16384)));
                    gray = _mm256_srli_epi32(s4, 15);
                }
                __m256i p = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(gray, pack1), cross);
                _mm_storel_epi64((__m128i *)(void *)(o + x), _mm256_castsi256_si128(p));
                continue;
            }
            __m256i lo = j->to == SP__CV_BGR ? b : r, hi = j->to == SP__CV_BGR ? r : b;
            __m256i p = _mm256_or_si256(
                _mm256_or_si256(lo, _mm256_slli_epi32(g, 8)),
                _mm256_or_si256(_mm256_slli_epi32(hi, 16), _mm256_slli_epi32(a, 24)));
            if (j->to == SP__CV_RGBA) {
                _mm256_storeu_si256((__m256i *)(void *)(o + 4 * x), p);
            } else {
                p = _mm256_shuffle_epi8(p, pack3);
                _mm_storeu_si128((__m128i *)(void *)(o + 3 * x), _mm256_castsi256_si128(p));
                _mm_storeu_si128((__m128i *)(void *)(o + 3 * x + 12), _mm256_extracti128_si256(p, 1));
            }
        }
        sp__convert_span_scalar(j, y, x, j->w);
    }
}
