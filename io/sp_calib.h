/* sensorpipe: sensor calibration a source attaches to its frames.
 *
 * Matrices are row-major doubles. A frame borrows its source's calibration
 * (the source owns it and outlives every frame it produced while the
 * pipeline exists). Each block is valid only when its has_ flag is set. */
#ifndef SP_CALIB_H
#define SP_CALIB_H

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
} sp_calib;

/** The name of a distortion model as CameraInfo writes it ("plumb_bob",
 *  "rational_polynomial", "equidistant"); "unknown" for other values. */
const char *sp_calib_dist_name(int model);

#ifdef __cplusplus
}
#endif
#endif
