/* sensorpipe: undistort — remove lens distortion through a remap table.
 *
 * Models (the three ROS CameraInfo names; coefficients in OpenCV's order).
 * For output pixel (u, v) with K^-1 (u, v, 1) = (x, y, 1) after dividing
 * by the third component, r2 = x^2 + y^2:
 *  - plumb_bob (k1 k2 p1 p2 k3), OpenCV's pinhole model:
 *     kr = 1 + k1 r2 + k2 r2^2 + k3 r2^3
 *     xd = x kr + 2 p1 x y + p2 (r2 + 2 x^2)
 *     yd = y kr + p1 (r2 + 2 y^2) + 2 p2 x y
 *  - rational_polynomial (k1 k2 p1 p2 k3 k4 k5 k6), OpenCV's
 *    CALIB_RATIONAL_MODEL: as plumb_bob with
 *     kr = (1 + k1 r2 + k2 r2^2 + k3 r2^3) / (1 + k4 r2 + k5 r2^2 + k6 r2^3)
 *  - equidistant (k1 k2 k3 k4), OpenCV's fisheye model: r = sqrt(r2),
 *     t = atan(r), td = t (1 + k1 t^2 + k2 t^4 + k3 t^6 + k4 t^8),
 *     xd = x td / r, yd = y td / r (xd = x, yd = y at r = 0)
 * then source = (fx xd + cx, fy yd + cy) (K's skew enters through K^-1
 * only, as in cv::initUndistortRectifyMap /
 * cv::fisheye::initUndistortRectifyMap with R = I and the new camera matrix =
 * K). The source position is rounded to 1/32 pixel as OpenCV's CV_16SC2 maps
 * are (integer part + a 5+5-bit fraction), so the table costs 6 bytes a pixel.
 *
 * The table is built once per calibration by sp_undistort_map_init() into
 * caller memory and kept (kernels/ does not know io/'s sp_calib: the
 * pipeline's undistort stage passes a calibration's K and dist here);
 * sp_undistort_map_matches() says whether a map still fits a calibration
 * and size, so a stream rebuilds it only when they change. sp_undistort()
 * then samples bilinearly, exactly as cv::remap with INTER_LINEAR and
 * BORDER_CONSTANT 0 does with such maps:
 *   8-bit: weights (32 - fx)(32 - fy), fx (32 - fy), (32 - fx) fy, fx fy
 *          (times 16, summing to 2^14), out = (sum + 2^13) >> 14
 *          (OpenCV's 15-bit table gives the same bytes);
 *   F32:   float weights (1 - fx/32)(1 - fy/32) ..., summed in tap order.
 * A tap outside the image reads 0.
 *
 * Versus OpenCV (tests/test_undistort.c, OpenCV 4.6 from Debian): the
 * table equals cv2.initUndistortRectifyMap(K, D, None, K, size, CV_16SC2)
 * and the output equals cv2.undistort (8-bit and F32) on every pixel of the
 * cases tested (67x41, 1241x375 KITTI-like, 1920x1080). They could differ
 * where a position lies within rounding noise of a 1/32 boundary (OpenCV
 * inverts K by LU, vectorises the map, and cv2.undistort works in strips
 * with a shifted principal point); the test allows 0.1 % of the table off
 * by 1/32 pixel and 0.1 % of the output off by more than 2 (0.05 for F32),
 * and requires our sampler on OpenCV's own table to equal cv2.remap
 * exactly.
 *
 * Formats: GRAY8, RGB8, BGR8, RGBA8, F32; input and output the size the
 * map was built for. Back-ends: scalar, AVX2, NEON, OpenCL, bit-exact. */
#ifndef SP_UNDISTORT_H
#define SP_UNDISTORT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The lens distortion models (ROS CameraInfo's distortion_model). */
typedef enum sp_undistort_model {
    SP_UNDISTORT_PLUMB_BOB = 0,  /**< k1 k2 p1 p2 k3 */
    SP_UNDISTORT_RATIONAL = 1,   /**< k1 k2 p1 p2 k3 k4 k5 k6 */
    SP_UNDISTORT_EQUIDISTANT = 2 /**< k1 k2 k3 k4 (fisheye) */
} sp_undistort_model;

/** A lens: its model and coefficients (unused ones zero). */
typedef struct sp_undistort_lens {
    sp_undistort_model model;
    double k[8];
} sp_undistort_lens;

/** A remap table in caller memory, and the calibration it was built for.
 *  Zero-initialised = empty (matches nothing). Borrows its memory. */
typedef struct sp_undistort_map {
    uint32_t width, height; /**< image size the table is for */
    double K[9];            /**< camera matrix, row-major */
    sp_undistort_lens lens; /**< the distortion it removes */
    int16_t *xy;            /**< per pixel: source x, y integer parts */
    uint16_t *frac;         /**< per pixel: (y fraction << 5) | x fraction,
                                 in 1/32 pixel */
    int valid;              /**< 1 once built */
} sp_undistort_map;

/** Bytes of memory a table for @p width x @p height needs; 0 on overflow. */
size_t sp_undistort_map_size(uint32_t width, uint32_t height);

/** Build the table for camera matrix @p K (row-major 3x3: fx 0 cx / 0 fy cy
 *  / 0 0 1; skew allowed) and distortion @p dist (k1, k2, p1, p2, k3; NULL =
 *  none) into @p mem (borrowed, at least sp_undistort_map_size() bytes,
 *  8-byte aligned). Returns SP_OK; SP_EINVAL for a NULL argument, an empty
 *  size, memory too small, or a K that is not invertible or has non-finite
 *  values. Pure function of its inputs; thread-safe on distinct maps. */
int sp_undistort_map_init(sp_undistort_map *m, void *mem, size_t mem_size,
                          const double K[9], const double dist[5],
                          uint32_t width, uint32_t height);

/** As sp_undistort_map_init() for any model: @p lens (borrowed) gives the
 *  model and its coefficients. SP_EINVAL also for an unknown model or a
 *  non-finite coefficient. */
int sp_undistort_map_init_lens(sp_undistort_map *m, void *mem, size_t mem_size,
                               const double K[9], const sp_undistort_lens *lens,
                               uint32_t width, uint32_t height);

/** 1 when @p m is built for exactly this K, dist (plumb_bob) and size. */
int sp_undistort_map_matches(const sp_undistort_map *m, const double K[9],
                             const double dist[5], uint32_t width,
                             uint32_t height);

/** 1 when @p m is built for exactly this K, lens and size. */
int sp_undistort_map_matches_lens(const sp_undistort_map *m, const double K[9],
                                  const sp_undistort_lens *lens, uint32_t width,
                                  uint32_t height);

/** Undistort @p src into @p dst through @p m (all borrowed; the images
 *  must not overlap). Returns SP_OK; SP_EINVAL for a NULL argument, an
 *  unbuilt map, a size other than the map's, differing or unsupported
 *  formats, a stride smaller than a row, F32 rows not 4-byte aligned; SP_ECL on
 * an OpenCL failure. One thread per context at a time. */
int sp_undistort(sp_kctx *k, const sp_undistort_map *m, const sp_image *src,
                 sp_image *dst);

/** As sp_undistort(), writing only output rows [@p y0, @p y1) of @p dst,
 *  the same bytes sp_undistort() writes there (the rest is untouched): one
 *  thread's band when a frame is split, each thread with its own context.
 *  A band smaller than the image runs on @p k's CPU back-end (an opencl
 *  context's too). Returns as sp_undistort(), and SP_EINVAL when y0 > y1
 *  or y1 > the height. */
int sp_undistort_rows(sp_kctx *k, const sp_undistort_map *m,
                      const sp_image *src, sp_image *dst, uint32_t y0,
                      uint32_t y1);

#ifdef __cplusplus
}
#endif
#endif
