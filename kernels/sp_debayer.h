/* sensorpipe: debayer — demosaic a Bayer mosaic into a colour image.
 *
 * Input: one of the eight SP_PIX_BAYER_* formats (8- or 16-bit). Output:
 * RGB8 or BGR8 for 8-bit input, RGB16 for 16-bit input (bit_depth kept),
 * same width and height. Both images are strided and live in caller memory;
 * size the output with sp_debayer_output().
 *
 * Methods (the scalar code in kernels/scalar/debayer_scalar.c is the spec):
 *  - SP_DEBAYER_BILINEAR: at a red or blue site the missing green is the
 *    mean of the 4 cross neighbours, (sum + 2) >> 2, and the opposite colour
 *    the mean of the 4 diagonals, (sum + 2) >> 2; at a green site each colour
 *    is the mean of its 2 neighbours, (a + b + 1) >> 1. This is OpenCV's
 *    bilinear demosaic (cv::COLOR_BayerBG2RGB for an RGGB sensor: OpenCV
 *    names a pattern by its second row) on every interior pixel, exactly.
 *  - SP_DEBAYER_EA (edge-aware): as bilinear, except the green at a red or
 *    blue site follows the smaller gradient: with dH = |left - right| and
 *    dV = |up - down|, green = (left + right + 1) >> 1 when dH < dV,
 *    (up + down + 1) >> 1 when dV < dH, and the 4-neighbour mean when they
 *    are equal. Not bit-exact with OpenCV's COLOR_Bayer*2RGB_EA, which takes
 *    the horizontal pair on a tie and truncates some means: on interior
 *    pixels of a smooth 640x480 scene the mean |difference| is 0.39 (3.8%
 *    of values differ by more than 1, at most 10); on random mosaics 0.03
 *    (0.09%, at most 120 where a tie meets very different pairs) — measured
 *    and bounded by test_opencv_ea in tests/test_debayer.c.
 *
 * Borders: the mosaic is mirrored without repeating the edge sample
 * (reflect-101: x = -1 reads x = 1, x = w reads x = w - 2), which keeps the
 * colour of every site, so the border pixels are demosaiced with the same
 * formulas. A 1-pixel-wide (or -high) image has nothing to mirror: the
 * missing neighbour is the pixel itself. (OpenCV instead copies the nearest
 * interior output pixel, so the outermost rows and columns differ.)
 *
 * Back-ends: scalar, SSE4.1 and AVX2 (x86), NEON (ARM), OpenCL; all
 * bit-exact with the scalar reference. */
#ifndef SP_DEBAYER_H
#define SP_DEBAYER_H

#include <stdint.h>

#include "sp_image.h"
#include "sp_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_debayer_method {
    SP_DEBAYER_BILINEAR = 0,
    SP_DEBAYER_EA
} sp_debayer_method;

/** A Bayer pattern named by its first row then second row (RGGB = red at
 *  (0,0)), as the SP_PIX_BAYER_* formats are. */
typedef enum sp_bayer_pattern {
    SP_BAYER_FROM_FORMAT = 0, /**< take it from the input's pixel format */
    SP_BAYER_RGGB,
    SP_BAYER_BGGR,
    SP_BAYER_GRBG,
    SP_BAYER_GBRG
} sp_bayer_pattern;

/** Debayer options; zero = bilinear, pattern from the format, RGB order. */
typedef struct sp_debayer_desc {
    sp_debayer_method method;
    sp_bayer_pattern pattern; /**< overrides the format's pattern */
    int bgr;                  /**< 1: BGR8 output (8-bit input only) */
} sp_debayer_desc;

/** The output format and size for @p src under @p d (NULL = defaults):
 *  RGB8/BGR8 or RGB16, same width and height. SP_EINVAL when src is not a
 *  Bayer format or the options do not fit it (bgr with 16-bit input). */
int sp_debayer_output(const sp_debayer_desc *d, const sp_image *src,
                      sp_pixfmt *fmt, uint32_t *width, uint32_t *height);

/** Demosaic @p src into @p dst (both borrowed; dst's format and size must be
 *  what sp_debayer_output() says). An empty image (0 width or height) is a
 *  no-op. Returns SP_OK, SP_EINVAL (bad shapes or formats, message says
 *  which), SP_ECL (OpenCL failure, message names the call). One thread per
 *  context at a time. */
int sp_debayer(sp_kctx *k, const sp_debayer_desc *d, const sp_image *src,
               sp_image *dst);

/** "bilinear", "ea"; and the parse (SP_ENOTFOUND with the names). */
const char *sp_debayer_method_name(sp_debayer_method m);
int sp_debayer_method_from_name(const char *name, sp_debayer_method *out);

/** "rggb", "bggr", "grbg", "gbrg" ("" for FROM_FORMAT); and the parse. */
const char *sp_bayer_pattern_name(sp_bayer_pattern p);
int sp_bayer_pattern_from_name(const char *name, sp_bayer_pattern *out);

/** The Bayer pattern of a Bayer pixel format (FROM_FORMAT for others). */
sp_bayer_pattern sp_bayer_pattern_of(sp_pixfmt fmt);

#ifdef __cplusplus
}
#endif
#endif
