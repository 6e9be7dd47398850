/* sensorpipe: sensor calibration a source attaches to its frames.
 *
 * Matrices are row-major doubles. A frame borrows its source's calibration
 * (the source owns it and outlives every frame it produced while the
 * pipeline exists). Each block is valid only when its has_ flag is set.
 *
 * A source may attach a calibration it has found but not read (a KITTI
 * calibration file is read only when a stage needs it, so a lidar-only
 * chain never fails on a calibration it does not use): such a calibration
 * is resolved with sp_calib_get(), which reads it on first use. Code that
 * reads a frame's calibration calls sp_calib_get() first; before that the
 * fields hold no has_ flag.
 *
 * The forms read (sp_calib_load()):
 *  - KITTI object, odometry and tracking files (P0..P3, R0_rect,
 *    Tr_velo_to_cam): SP_CALIB_KITTI_OBJECT;
 *  - a KITTI raw drive's calib_cam_to_cam.txt with calib_velo_to_cam.txt
 *    (either file, or the folder holding them): SP_CALIB_KITTI_RAW;
 *    calib_velo_to_cam.txt alone is a lidar-to-camera transform;
 *  - a bare matrix, 12 or 16 numbers as text (numpy.savetxt, brackets,
 *    commas and '#' comments allowed) or a (3,4) / (4,4) float .npy:
 *    a rigid one ([R|t], R a rotation, a 4x4's last row 0 0 0 1) is a
 *    lidar-to-camera transform (SP_CALIB_LIDAR_TO_CAMERA: has_velo_to_cam
 *    only); any other is a lidar-to-image projection such as
 *    mmdetection3d's lidar2img (SP_CALIB_LIDAR_TO_IMAGE);
 *  - a ROS CameraInfo (the `bag` source): SP_CALIB_CAMERA_INFO, the camera
 *    alone, with no lidar-to-camera transform. */
#ifndef SP_CALIB_H
#define SP_CALIB_H

#include <stddef.h>

#include "sp_calib_data.h" /* the type itself (mem/) */

#ifdef __cplusplus
extern "C" {
#endif

/** The name of a distortion model as CameraInfo writes it ("plumb_bob",
 *  "rational_polynomial", "equidistant"); "unknown" for other values. */
const char *sp_calib_dist_name(int model);

/** "kitti_object", "kitti_raw", "lidar_to_image", "lidar_to_camera",
 *  "camera_info", "synth", "none". */
const char *sp_calib_form_name(int form);

/** Resolve @p c (borrowed; may be NULL): a calibration its source deferred
 *  is read now, once (later calls give the same result). *out = @p c (NULL
 *  for NULL) on SP_OK, else NULL. Returns SP_OK, or the error reading or
 *  parsing it met (SP_EFORMAT, SP_EIO, SP_ERANGE ...) with the message
 *  naming the file, the same every time it is asked. Thread-safe: any
 *  thread, while the source that attached @p c exists. */
int sp_calib_get(const sp_calib *c, const sp_calib **out);

/** Read a calibration file in any of the forms above, told apart by
 *  content (the name matters only for a raw drive's companion file): a
 *  KITTI object file, a raw drive's calib_cam_to_cam.txt or
 *  calib_velo_to_cam.txt (the other one is read from the same folder when
 *  it is there) or the folder holding them, a bare 3x4 / 4x4 matrix as text
 *  or .npy. @p camera picks the camera of a KITTI file (0..3; -1 = 2).
 *  Returns SP_OK, SP_ENOTFOUND, SP_EINVAL (not a regular file),
 *  SP_ERANGE (over 1 MiB), SP_EIO, or SP_EFORMAT naming the file (and
 *  the line or value) and the forms expected. */
int sp_calib_load(const char *path, int camera, sp_calib *out);

/** Parse a bare matrix held in memory (@p len bytes, no NUL needed): 12 or
 *  16 finite numbers separated by blanks, commas, semicolons or brackets,
 *  '#' starting a comment; a 4x4's last row must be 0 0 0 1. Sets form
 *  SP_CALIB_LIDAR_TO_CAMERA or SP_CALIB_LIDAR_TO_IMAGE as above.
 *  SP_EFORMAT naming @p name. */
int sp_calib_parse_matrix(const char *text, size_t len, const char *name,
                          sp_calib *out);

/** Give @p m, a 3x4 row-major matrix (a 4x4's first three rows) read from
 *  @p name, its meaning: a rigid [R|t] becomes a lidar-to-camera
 *  transform, any other matrix a lidar-to-image projection (scaled so its
 *  third row gives metres). SP_EFORMAT naming @p name for a matrix that
 *  projects nothing (non-finite, or a third row of zeros). */
int sp_calib_from_matrix(const double m[12], const char *name, sp_calib *out);

#ifdef __cplusplus
}
#endif
#endif
