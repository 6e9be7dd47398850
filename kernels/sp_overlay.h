/* sensorpipe: draw lidar depth over a camera image — the picture that
 * checks a lidar-camera calibration.
 *
 * Input: a sparse depth image, a float32 tensor (H, W) as
 * sp_project_depth() makes it (the nearest point's depth per pixel, 0 where
 * none), and an RGB8 image of the same size, drawn into in place.
 *
 * Each point (a pixel of depth d > 0) is a square dot of (2 radius + 1)
 * pixels a side centred on its pixel, clipped at the image's edges; where
 * dots overlap the NEAREST depth is drawn (near points cover far ones, as
 * an eye sees them). A dot is opaque, its colour the depth's place
 * t = (d - near) / (far - near), clamped to [0, 1], on a ramp from red
 * (near) through yellow, green and cyan to blue (far):
 *   q = (int)(t * 1024) (t in double), segment s = min(q / 256, 3),
 *   f = q - 256 s, channel = a + ((b - a) * f) / 256 in integers (C's
 *   division), between the stops red (255,0,0), yellow (255,255,0),
 *   green (0,255,0), cyan (0,255,255) and blue (0,0,255).
 * Pixels without a dot keep the image.
 *
 * Back-end: scalar only. It draws one picture per camera frame (about 1 ms
 * for 1242x375 with 20,000 points in view); the projection before it
 * (sp_project_depth) has every back-end. */
#ifndef SP_OVERLAY_H
#define SP_OVERLAY_H

#include "sp_image.h"
#include "sp_kernels.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Drawing parameters; zero = near 0, far 50 m (when both are 0),
 *  radius 0 (one pixel). */
typedef struct sp_overlay_params {
    double near, far; /**< metres at the two ends of the colour ramp */
    int radius;       /**< dot half-size in pixels, 0..16 */
} sp_overlay_params;

/** The colour of depth @p d on the ramp (see above), as R, G, B. */
void sp_overlay_color(const sp_overlay_params *p, float d,
                      unsigned char rgb[3]);

/** Draw @p depth (borrowed) into @p img (borrowed, RGB8, the same size).
 *  Scratch comes from @p k (grow-only). Returns SP_OK; SP_EINVAL for
 *  mismatched shapes, a format other than RGB8, far <= near or a radius
 *  out of range; SP_ENOMEM. One thread per @p k at a time. */
int sp_overlay_draw(sp_kctx *k, const sp_overlay_params *p,
                    const sp_tensor *depth, sp_image *img);

#ifdef __cplusplus
}
#endif
#endif
