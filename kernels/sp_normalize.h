/* sensorpipe: normalize — an 8-bit HWC image to a float32 CHW tensor, as a
 * network's input expects (what OpenCV's cv::dnn::blobFromImage followed by
 * a per-channel division by std, and torchvision's ToTensor + Normalize,
 * produce).
 *
 * Input: RGB8, BGR8, RGBA8 (alpha dropped) or GRAY8, strided, in caller
 * memory. Output: an F32 tensor of shape [1, C, H, W] (or [C, H, W]) with
 * C = 3 for colour input and 1 for gray, in caller memory: size it with
 * sp_normalize_shape() / sp_normalize_block_size().
 *
 * For output channel c holding colour k (R, G or B; the input format says
 * where each colour is, and `order` says which comes first in the tensor):
 *     out = (float)px * a[k] + b[k],  a[k] = scale / std[k],
 *                                     b[k] = -mean[k] / std[k]
 * with a and b computed in double and rounded to float once per call. This
 * is the literal (px * scale - mean[k]) / std[k] re-associated; the two
 * differ by at most 1e-6 in absolute value for the ImageNet defaults (the
 * test checks every byte value in every colour: measured 3.5e-7, about 1.5
 * float ulps of the largest output, 2.64).
 *
 * Back-ends: scalar, AVX2 (x86), NEON (ARM), OpenCL; all bit-exact with the
 * scalar reference (one multiply and one add, no fma). */
#ifndef SP_NORMALIZE_H
#define SP_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_kernels.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_channel_order {
    SP_ORDER_RGB = 0, /**< tensor channel 0 is red */
    SP_ORDER_BGR      /**< tensor channel 0 is blue */
} sp_channel_order;

/** Normalisation parameters; zero = ImageNet mean/std, scale 1/255, RGB. */
typedef struct sp_normalize_desc {
    int nvalues;   /**< entries given in mean/std: 0 = ImageNet defaults
                        (0.485, 0.456, 0.406 / 0.229, 0.224, 0.225),
                        1 = the same for every colour, 3 = R, G, B */
    float mean[3]; /**< indexed by colour R, G, B (gray uses [0]) */
    float std[3];  /**< same indexing; must be non-zero and finite */
    float scale;   /**< multiplies the pixel first; 0 = 1/255 */
    sp_channel_order order;
} sp_normalize_desc;

/** "rgb", "bgr"; and the parse (SP_ENOTFOUND with the valid names). */
const char *sp_channel_order_name(sp_channel_order o);
int sp_channel_order_from_name(const char *name, sp_channel_order *out);

/** The tensor shape for an image: {1, C, height, width}, *ndim = 4.
 *  SP_EINVAL for a format normalize does not take. */
int sp_normalize_shape(uint32_t width, uint32_t height, sp_pixfmt fmt,
                       size_t shape[4], int *ndim);

/** Bytes a block needs for that tensor; 0 for a format normalize does not
 *  take or an overflow. */
size_t sp_normalize_block_size(uint32_t width, uint32_t height, sp_pixfmt fmt);

/** Normalise @p src into @p dst (both borrowed; dst must be F32 with shape
 *  [1, C, H, W] or [C, H, W] as sp_normalize_shape() says). @p d NULL =
 *  defaults. An empty image is a no-op. Returns SP_OK; SP_EINVAL for a NULL
 *  argument, an unsupported format, a tensor of the wrong dtype or shape, a
 *  zero/non-finite std or an nvalues other than 0, 1, 3; SP_ECL on an
 *  OpenCL failure. One thread per context at a time. */
int sp_normalize(sp_kctx *k, const sp_normalize_desc *d, const sp_image *src,
                 sp_tensor *dst);

/** As sp_normalize(), writing only image rows [@p y0, @p y1) of each plane
 *  of @p dst, the same floats sp_normalize() writes there (the rest is
 *  untouched): one thread's band when a frame is split, each thread with
 *  its own context. A band smaller than the image runs on @p k's CPU
 *  back-end (an opencl context's too). Returns as sp_normalize(), and
 *  SP_EINVAL when y0 > y1 or y1 > the height. */
int sp_normalize_rows(sp_kctx *k, const sp_normalize_desc *d,
                      const sp_image *src, sp_tensor *dst, uint32_t y0,
                      uint32_t y1);

#ifdef __cplusplus
}
#endif
#endif
