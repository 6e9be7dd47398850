/* Internal to pipeline/stages/: which calibration projects a sample's
 * sweep into its camera image (`project`, `overlay`).
 *
 * In order:
 *  1. calib=FILE with the camera and the lidar (a KITTI file, a raw drive's
 *     pair, a lidar2img matrix): that, with the camera of the image's own
 *     calibration when the file has that camera's P (image_03: P3);
 *  2. calib=FILE with only where the lidar is (a rigid [R|t], a raw
 *     drive's calib_velo_to_cam.txt): that transform with the camera of the
 *     image's calibration, else the sweep's (a bag's CameraInfo gives the
 *     camera, never the lidar; the bag's /tf is not read);
 *  3. no calib=: the image's calibration when it has both, else the
 *     sweep's; a CameraInfo alone fails, saying to give calib= the
 *     lidar-to-camera transform.
 * A frame's calibration its source left unread (KITTI) is read here: a bad
 * file fails the stage that needed it, naming the file. */
#ifndef SP_PROJCAL_INT_H
#define SP_PROJCAL_INT_H

#include "sp_stage.h"

typedef struct sp__projcal {
    int has_file;
    sp_calib file;   /* calib= */
    sp_calib merged; /* the file's transform with a frame's camera */
} sp__projcal;

/* Read calib=PATH (any form sp_calib_load() reads) at init. A stage error
 * naming the property on failure. */
int sp__projcal_load(sp_stage *st, sp__projcal *pc, const char *path);

/* The calibration for the sweep @p lidar and the image @p camera of one
 * sample (either may be NULL), borrowed until the next call. SP_OK, or an
 * error with the message set (no stage name: the caller's filter adds the
 * frame). */
int sp__projcal_pick(sp__projcal *pc, const sp_frame *lidar,
                     const sp_frame *camera, const sp_calib **out);

#endif
