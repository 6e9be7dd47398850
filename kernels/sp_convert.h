/* sensorpipe: convert — colour conversion between RGB8, BGR8, RGBA8 and
 * GRAY8, and from NV12 and YUYV.
 *
 * Sources: RGB8, BGR8, RGBA8, GRAY8, NV12 (even width and height), YUYV
 * (even width). Targets: RGB8, BGR8, RGBA8, GRAY8; same width and height.
 * Size the output with sp_convert_output().
 *
 * Rules (kernels/scalar/convert_scalar.c is the spec; every back-end is
 * bit-exact with it):
 *  - gray from R, G, B: (R*9798 + G*19235 + B*3735 + 16384) >> 15, the BT.601
 *    luma in OpenCV 4.x fixed point (cv::COLOR_RGB2GRAY gives the same;
 *    the 14-bit 4899/9617/1868 rule of older OpenCV differs by 1 on ~0.1%).
 *  - gray to colour: R = G = B = gray; alpha, when made, is 255; RGBA to
 *    RGB/BGR drops alpha.
 *  - YUV (NV12: 2x2 subsampled chroma; YUYV: chroma shared by a pixel pair)
 *    to RGB, in 20-bit fixed point with coefficients from the matrix
 *    (BT.601: Kr 0.299, Kb 0.114; BT.709: Kr 0.2126, Kb 0.0722) and range
 *    (limited: Y 16..235 scaled by 255/219, chroma by 255/224; full: as is):
 *      Y' = max(Y - yoff, 0) * cy,  u = U - 128,  v = V - 128
 *      R = clamp((Y' + cvr*v + 2^19) >> 20), G = clamp((Y' + cug*u + cvg*v
 *      + 2^19) >> 20), B = clamp((Y' + cub*u + 2^19) >> 20)
 *    (floor shifts; every coefficient = round(real * 2^20)), except that
 *    BT.601 limited range uses the published constants 1.164, 1.596, 0.391,
 *    0.813, 2.018 (as OpenCV does: COLOR_YUV2RGB_NV12 / _YUYV give the
 *    same bytes, checked in tests/test_convert.c). Gray from YUV is
 *    clamp((Y' + 2^19) >> 20), the luma brought to full range (= Y in full
 *    range, which is OpenCV's YUV2GRAY).
 *  - YUV to RGB/BGR/RGBA with precision = SP_CONVERT_FAST: 16-bit fixed
 *    point, the arithmetic of libyuv's I422ToARGB rows with 13-bit chroma
 *    coefficients (libyuv's are 6-bit), taken from the exact rule's:
 *      yg = round(cy / 64), k = round(c / 128) for c in cvr, cug, cvg,
 *      cub (BT.601 limited: yg 19071, kvr 13074, kug -3203, kvg -6660,
 *      kub 16531)
 *      Y1 = (max(Y - yoff, 0) * 256 * yg) >> 16          (pmulhuw)
 *      T(k, C) = floor(((C - 128) * 256 * k + 2^14) / 2^15) (pmulhrsw)
 *      R = clamp((Y1 + 32 + T(kvr, V)) >> 6)
 *      G = clamp((Y1 + 32 + T(kug, U) + T(kvg, V)) >> 6)
 *      B = clamp((Y1 + 32 + T(kub, U)) >> 6)
 *    (floor shifts; clamp to 0..255). Against the exact rule, over every
 *    Y, U, V and each matrix and range: at most 1 apart in any channel,
 *    0.31-0.48% of channel values differ (tests/test_convert_fast.c
 *    asserts the bound). Gray targets and non-YUV sources ignore the
 *    precision (they have one rule).
 *
 * Back-ends: scalar, AVX2 (x86), SSE4.1 (x86 without AVX2), NEON (ARM),
 * OpenCL; every rule on each. AVX2 writes fast-rule outputs of 4 MiB or
 * more (RGBA: 32-byte aligned data and stride; RGB/BGR: 16-byte) with
 * streaming stores: the frame then goes to memory, not the cache. */
#ifndef SP_CONVERT_H
#define SP_CONVERT_H

#include <stdint.h>

#include "sp_image.h"
#include "sp_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_convert_to {
    SP_CONVERT_RGB = 0,
    SP_CONVERT_BGR,
    SP_CONVERT_GRAY,
    SP_CONVERT_RGBA
} sp_convert_to;

typedef enum sp_yuv_matrix { SP_YUV_BT601 = 0, SP_YUV_BT709 } sp_yuv_matrix;
typedef enum sp_yuv_range { SP_YUV_LIMITED = 0, SP_YUV_FULL } sp_yuv_range;
/** YUV to RGB/BGR/RGBA rule: EXACT (the 20-bit rule, = OpenCV; default) or
 *  FAST (the 16-bit rule above, within 1 of EXACT, ~2x faster in SIMD). */
typedef enum sp_convert_precision {
    SP_CONVERT_EXACT = 0,
    SP_CONVERT_FAST
} sp_convert_precision;

/** Options; zero = to RGB, BT.601, limited range (what NV12/YUYV cameras
 *  and OpenCV assume). */
typedef struct sp_convert_desc {
    sp_convert_to to;
    sp_yuv_matrix matrix;           /**< YUV sources only */
    sp_yuv_range range;             /**< YUV sources only */
    sp_convert_precision precision; /**< YUV to colour targets only */
} sp_convert_desc;

/** Output format (RGB8, BGR8, GRAY8, RGBA8) and size. SP_EINVAL for an
 *  unsupported source format (the message lists the supported ones) or
 *  options out of range. */
int sp_convert_output(const sp_convert_desc *d, const sp_image *src,
                      sp_pixfmt *fmt, uint32_t *width, uint32_t *height);

/** Convert @p src into @p dst (borrowed; as sp_convert_output() says).
 *  Empty images are a no-op. SP_OK, SP_EINVAL, SP_ECL. */
int sp_convert(sp_kctx *k, const sp_convert_desc *d, const sp_image *src,
               sp_image *dst);

/** "rgb", "bgr", "gray", "rgba" / "bt601", "bt709" / "limited", "full" /
 *  "exact", "fast"; and the parses (SP_ENOTFOUND with the valid names). */
const char *sp_convert_to_name(sp_convert_to t);
int sp_convert_to_from_name(const char *name, sp_convert_to *out);
const char *sp_yuv_matrix_name(sp_yuv_matrix m);
int sp_yuv_matrix_from_name(const char *name, sp_yuv_matrix *out);
const char *sp_yuv_range_name(sp_yuv_range r);
int sp_yuv_range_from_name(const char *name, sp_yuv_range *out);
const char *sp_convert_precision_name(sp_convert_precision p);
int sp_convert_precision_from_name(const char *name, sp_convert_precision *out);

#ifdef __cplusplus
}
#endif
#endif
