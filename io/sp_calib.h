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
    /* Intrinsics and OpenCV distortion (k1, k2, p1, p2, k3) of the camera
     * whose images are undistorted, and the image size they belong to. */
    int has_K;
    double K[9];
    double dist[5];
    int width, height;
    /* Which P row block the "camera" of this calibration is (KITTI: 2). */
    int camera;
    /* Where it came from, for messages ("calib/000001.txt"). */
    char source[256];
} sp_calib;

#ifdef __cplusplus
}
#endif
#endif
