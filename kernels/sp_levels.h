/* sensorpipe: levels — black-level subtraction and white-level scaling of
 * raw 16-bit Bayer data (10–14 significant bits) to full-range 8 or 16 bits,
 * with optional white-balance gains on the Bayer sites.
 *
 * Input: SP_PIX_BAYER_*16. Output: the same pattern, 8-bit (depth 8,
 * SP_PIX_BAYER_xxxx8) or 16-bit (depth 16, bit_depth 0 = all 16 bits), same
 * size; size it with sp_levels_output().
 *
 * The rule (kernels/scalar/levels_scalar.c is the spec), per sample v on a
 * site of colour c (red, green or blue):
 *     s_c = (float)(gain_c * maxout / (white - black))   computed in double
 *     t   = (float)max(v - black, 0) * s_c + 0.5f         single precision
 *     out = (unsigned)min(t, maxout)                       truncation
 * with maxout = 255 or 65535: round half up, clamped, in IEEE single
 * precision without fused multiply-add, so every back-end gives the same
 * bits. Samples at or below black give 0; at or above
 * black + (white - black) / gain_c they give maxout.
 *
 * Back-ends: scalar, SSE4.1 and AVX2 (x86), NEON (ARM), OpenCL. */
#ifndef SP_LEVELS_H
#define SP_LEVELS_H

#include <stdint.h>

#include "sp_debayer.h"
#include "sp_image.h"
#include "sp_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Levels options. Zero black/white mean 0 and the input's full scale
 *  ((1 << bit_depth) - 1, 65535 when bit_depth is 0); zero depth = 8; zero
 *  gains = 1. */
typedef struct sp_levels_desc {
    uint32_t black, white;        /**< white > black, both <= 65535 */
    unsigned depth;               /**< 8 or 16 output bits */
    float gain_r, gain_g, gain_b; /**< white balance, each in (0, 64] */
    sp_bayer_pattern pattern;     /**< overrides the format's pattern */
} sp_levels_desc;

/** Output format and size: the 8- or 16-bit Bayer format of the same
 *  pattern, same width and height. SP_EINVAL (message says which) for a
 *  non-16-bit-Bayer input or options out of range. */
int sp_levels_output(const sp_levels_desc *d, const sp_image *src,
                     sp_pixfmt *fmt, uint32_t *width, uint32_t *height);

/** Apply levels from @p src to @p dst (borrowed; dst as sp_levels_output()
 *  says). Empty images are a no-op. SP_OK, SP_EINVAL, SP_ECL. */
int sp_levels(sp_kctx *k, const sp_levels_desc *d, const sp_image *src,
              sp_image *dst);

#ifdef __cplusplus
}
#endif
#endif
