/* sensorpipe: resize — scale an image to a new width and height.
 *
 * Formats: GRAY8, RGB8, BGR8, RGBA8 (every channel treated alike) and F32
 * (one float channel). Input and output have the same format, are strided,
 * live in caller memory and must not overlap; size the output block with
 * sp_resize_block_size().
 *
 * Methods (the scalar code in kernels/scalar/resize_scalar.c is the spec):
 *  - SP_RESIZE_LINEAR: pixel-centre aligned bilinear, OpenCV's INTER_LINEAR
 *    reproduced bit for bit for 8-bit images: the source position of output
 *    x is fx = (float)((x + 0.5) * sw / dw - 0.5), sx = floor(fx), and the
 *    weights (1 - frac, frac) are rounded to 11-bit fixed point (2048 = 1);
 *    a row is first filtered horizontally into integers
 *    H = p[sx] * a0 + p[sx + 1] * a1 (positions clamped to the image, weight
 *    0 past the edge), then vertically as
 *    ((b0 * (H0 >> 4)) >> 16) + ((b1 * (H1 >> 4)) >> 16) + 2) >> 2
 *    (OpenCV's VResizeLinear<uchar>). An exact 2x downscale in both axes is
 *    the 2x2 mean (a + b + c + d + 2) >> 2, as OpenCV switches INTER_LINEAR
 *    to its fast area path there. F32 images use the same positions with
 *    float weights: H = p0 * a0 + p1 * a1, out = H0 * b0 + H1 * b1.
 *  - SP_RESIZE_AREA: box filter for downscaling (like INTER_AREA): output
 *    pixel x covers source [x * sw / dw, (x + 1) * sw / dw) and each source
 *    pixel weighs its overlap / (sw / dw), as float32; separable,
 *    vertical sums first (v = sum of wy * px over the rows, in order, from
 *    0), then horizontal (sum of wx * v over the columns, in order, from
 *    0). 8-bit output is floor(v + 0.5): an integer
 *    factor of 2 gives the mean rounded half up, so 2x2 -> 1x1 is
 *    (a + b + c + d + 2) >> 2. When either axis grows, OpenCV's
 *    INTER_AREA is no box filter but its linear code with box-overlap
 *    weights (sx = floor(x * s), second tap weight = the part of the box
 *    past the pixel boundary); area does exactly that then, bit-exact with
 *    OpenCV for 8-bit.
 *  - SP_RESIZE_NEAREST: OpenCV's INTER_NEAREST: sx = min(floor(x * sw / dw),
 *    sw - 1) (computed in double as OpenCV does), likewise for rows.
 *
 * Back-ends: scalar, AVX2 (x86), NEON (ARM), OpenCL; all bit-exact with the
 * scalar reference for 8-bit and F32 output (OpenCL programs disable fp
 * contraction). Versus cv2.resize (OpenCV 4.6, tests/test_resize.c, when
 * python3-opencv is present): 8-bit linear and nearest must be and are
 * identical; 8-bit area may differ by 1 (box weights are float, OpenCV's
 * integer-factor path is integer) and was identical on every tested case
 * (1920x1080 and 1241x375 -> 640x384, odd sizes, up- and downscaling); F32
 * within 1e-3 (measured 5e-5: OpenCV's float paths use other sums). */
#ifndef SP_RESIZE_H
#define SP_RESIZE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_resize_method {
    SP_RESIZE_LINEAR = 0,
    SP_RESIZE_AREA,
    SP_RESIZE_NEAREST
} sp_resize_method;

/** "linear", "area", "nearest"; NULL for an invalid value. */
const char *sp_resize_method_name(sp_resize_method m);

/** Parse a method name (case-insensitive). SP_ENOTFOUND with the valid
 *  names in the message. */
int sp_resize_method_from_name(const char *name, sp_resize_method *out);

/** 1 when resize handles images of format @p fmt. */
int sp_resize_supports(sp_pixfmt fmt);

/** Bytes a block needs for a @p width x @p height output of format @p fmt
 *  with the default stride (= sp_image_block_size(w, h, fmt, 0)); 0 for an
 *  unsupported format or an overflow. */
size_t sp_resize_block_size(uint32_t width, uint32_t height, sp_pixfmt fmt);

/** Resize @p src into @p dst (both borrowed; dst gives the output size and
 *  must have src's format). An empty dst (0 width or height) is a no-op.
 *  Returns SP_OK; SP_EINVAL for a NULL argument, mismatched or unsupported
 *  formats, an empty source with a non-empty dst, a stride smaller than a
 *  row, F32 rows not 4-byte aligned, or sizes over 2^24; SP_ENOMEM when scratch
 * cannot grow; SP_ECL on an OpenCL failure (message names the call). Uses @p
 * k's scratch; one thread per context at a time. */
int sp_resize(sp_kctx *k, const sp_image *src, sp_image *dst,
              sp_resize_method method);

/** As sp_resize(), writing only output rows [@p y0, @p y1) of @p dst, the
 *  same bytes sp_resize() writes there (the rest is untouched): one
 *  thread's band when a frame is split, each thread with its own context.
 *  A band smaller than the output runs on @p k's CPU back-end (an opencl
 *  context's too). Returns as sp_resize(), and SP_EINVAL when y0 > y1 or
 *  y1 > dst's height. */
int sp_resize_rows(sp_kctx *k, const sp_image *src, sp_image *dst,
                   sp_resize_method method, uint32_t y0, uint32_t y1);

#ifdef __cplusplus
}
#endif
#endif
