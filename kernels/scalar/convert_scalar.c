/* Convert, scalar reference: decode a pixel to R, G, B, A, encode it in the
 * target layout. The specification of both YUV rules, exact and fast (see
 * sp_convert.h). */
#include "convert_int.h"

static inline uint8_t clamp8(int32_t v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static inline void yuv(const sp__convert_job *j, int32_t Y, int32_t U,
                       int32_t V, int32_t px[4])
{
    if (j->fast) {
        int32_t y1 = sp__cv_fast_luma(j, Y) + 32;
        px[0] = sp__cv_fast_out(y1 + sp__cv_fast_chroma(V, j->kvr));
        px[1] = sp__cv_fast_out(y1 + sp__cv_fast_chroma(U, j->kug) +
                                sp__cv_fast_chroma(V, j->kvg));
        px[2] = sp__cv_fast_out(y1 + sp__cv_fast_chroma(U, j->kub));
        px[3] = 255;
        return;
    }
    int32_t yp = (Y > j->yoff ? Y - j->yoff : 0) * j->cy;
    int32_t u = U - 128, v = V - 128;
    px[0] = clamp8(((yp + j->cvr * v + SP__CV_BIAS) >> SP__CV_SHIFT) - 256);
    px[1] = clamp8(
        ((yp + j->cug * u + j->cvg * v + SP__CV_BIAS) >> SP__CV_SHIFT) - 256);
    px[2] = clamp8(((yp + j->cub * u + SP__CV_BIAS) >> SP__CV_SHIFT) - 256);
    px[3] = 255;
}

void sp__convert_span_scalar(const sp__convert_job *j, uint32_t y, uint32_t x0,
                             uint32_t x1)
{
    const uint8_t *s = j->src + (size_t)y * j->sstride;
    const uint8_t *uv = j->uv ? j->uv + (size_t)(y >> 1) * j->sstride : NULL;
    uint8_t *o = j->dst + (size_t)y * j->dstride;
    for (uint32_t x = x0; x < x1; x++) {
        int32_t px[4] = {0, 0, 0, 255};
        int32_t gray = -1; /* set when the source defines luma directly */
        switch (j->from) {
        case SP__CV_RGB:
            px[0] = s[3 * x];
            px[1] = s[3 * x + 1];
            px[2] = s[3 * x + 2];
            break;
        case SP__CV_BGR:
            px[2] = s[3 * x];
            px[1] = s[3 * x + 1];
            px[0] = s[3 * x + 2];
            break;
        case SP__CV_RGBA:
            px[0] = s[4 * x];
            px[1] = s[4 * x + 1];
            px[2] = s[4 * x + 2];
            px[3] = s[4 * x + 3];
            break;
        case SP__CV_GRAY:
            px[0] = px[1] = px[2] = gray = s[x];
            break;
        case SP__CV_NV12: {
            uint32_t xe = x & ~1u;
            yuv(j, s[x], uv[xe], uv[xe + 1], px);
            gray = clamp8((((s[x] > j->yoff ? s[x] - j->yoff : 0) * j->cy +
                            SP__CV_BIAS) >>
                           SP__CV_SHIFT) -
                          256);
            break;
        }
        case SP__CV_YUYV: {
            const uint8_t *p = s + 4 * (size_t)(x >> 1);
            int32_t Y = p[2 * (x & 1)];
            yuv(j, Y, p[1], p[3], px);
            gray = clamp8(
                (((Y > j->yoff ? Y - j->yoff : 0) * j->cy + SP__CV_BIAS) >>
                 SP__CV_SHIFT) -
                256);
            break;
        }
        default:
            break;
        }
        switch (j->to) {
        case SP__CV_RGB:
            o[3 * x] = (uint8_t)px[0];
            o[3 * x + 1] = (uint8_t)px[1];
            o[3 * x + 2] = (uint8_t)px[2];
            break;
        case SP__CV_BGR:
            o[3 * x] = (uint8_t)px[2];
            o[3 * x + 1] = (uint8_t)px[1];
            o[3 * x + 2] = (uint8_t)px[0];
            break;
        case SP__CV_RGBA:
            o[4 * x] = (uint8_t)px[0];
            o[4 * x + 1] = (uint8_t)px[1];
            o[4 * x + 2] = (uint8_t)px[2];
            o[4 * x + 3] = (uint8_t)px[3];
            break;
        case SP__CV_GRAY:
            o[x] = gray >= 0 ? (uint8_t)gray
                             : (uint8_t)((px[0] * 9798 + px[1] * 19235 +
                                          px[2] * 3735 + 16384) >>
                                         15);
            break;
        default:
            break;
        }
    }
}

void sp__convert_scalar(const sp__convert_job *j)
{
    for (uint32_t y = 0; y < j->h; y++)
        sp__convert_span_scalar(j, y, 0, j->w);
}
