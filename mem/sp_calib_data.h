/* sensorpipe: the calibration data type a frame carries (sp_calib).
 *
 * A calibration is data, like the packed arrays: kernels take it
 * (sp_project_params_from_calib) and frames carry it, while reading one
 * from a file is io/'s business (sp_calib.h: sp_calib_load, sp_calib_get
 * and the forms read). This header holds the type alone so that kernels/
 * needs nothing from io/.
 *
 * Matrices are row-major doubles. Each block is valid only when its has_
 * flag is set. A calibration attached but not yet read (lazy) holds no
 * has_ flag until sp_calib_get() (io/sp_calib.h) has resolved it. */
#ifndef SP_CALIB_DATA_H
#define SP_CALIB_DATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Lens distortion models, named as ROS's CameraInfo names them. */
typedef enum sp_dist_model {
    SP_DIST_PLUMB_BOB = 0,  /**< "plumb_bob": k1 k2 p1 p2 k3 */
    SP_DIST_RATIONAL = 1,   /**< "rational_polynomial": k1 k2 p1 p2 k3 k4
                                 k5 k6 */
    SP_DIST_EQUIDISTANT = 2 /**< "equidistant": k1 k2 k3 k4 (fisheye) */
} sp_dist_model;

/** Where a calibration's numbers came from (sp_calib.form). */
typedef enum sp_calib_form {
    SP_CALIB_NONE = 0,        /**< nothing found, or not read yet */
    SP_CALIB_KITTI_OBJECT,    /**< P0..P3, R0_rect, Tr_velo_to_cam */
    SP_CALIB_KITTI_RAW,       /**< calib_cam_to_cam + calib_velo_to_cam */
    SP_CALIB_LIDAR_TO_IMAGE,  /**< a bare 3x4/4x4 projection (lidar2img):
                                   held as P = [I|0] and velo_to_cam = the
                                   matrix, scaled so that its third row is
                                   the depth in metres */
    SP_CALIB_LIDAR_TO_CAMERA, /**< a bare rigid [R|t]: velo_to_cam only */
    SP_CALIB_CAMERA_INFO,     /**< a ROS CameraInfo: the camera only */
    SP_CALIB_SYNTH            /**< the synthetic rig */
} sp_calib_form;

/* Who reads a deferred calibration (private to io/). */
typedef struct sp_calib_lazy sp_calib_lazy;

typedef struct sp_calib {
    /* Camera projection after rectification (KITTI P0..P3), 3x4. */
    int has_P;
    double P[4][12];
    /* Rectifying rotation (KITTI R0_rect), 3x3; identity when absent. */
    int has_R0;
    double R0[9];
    /* Lidar to camera rigid transform (KITTI Tr_velo_to_cam), 3x4. */
    int has_velo_to_cam;
    double velo_to_cam[12];
    /* Intrinsics and distortion of the camera whose images are
     * undistorted, and the image size they belong to. dist_model says what
     * dist holds (unused coefficients are 0):
     *   SP_DIST_PLUMB_BOB    k1 k2 p1 p2 k3 (OpenCV's default model)
     *   SP_DIST_RATIONAL     k1 k2 p1 p2 k3 k4 k5 k6 (OpenCV's
     *                        CALIB_RATIONAL_MODEL)
     *   SP_DIST_EQUIDISTANT  k1 k2 k3 k4 (OpenCV's fisheye model) */
    int has_K;
    double K[9];
    int dist_model; /**< sp_dist_model; 0 (plumb_bob) when zeroed */
    double dist[8];
    int width, height;
    /* Which P row block the "camera" of this calibration is (KITTI: 2). */
    int camera;
    /* Where it came from, for messages ("calib/000001.txt"). */
    char source[256];
    /* sp_calib_form: which of the forms above it was read from. */
    int form;
    /* Private: deferred reading (see sp_calib_get()). lazy is set by the
     * source; the rest is written under the reader's lock. */
    sp_calib_lazy *lazy;
    int lazy_done, lazy_status;
    char lazy_error[320];
} sp_calib;

#ifdef __cplusplus
}
#endif
#endif
