/* sensorpipe: reading a spinning lidar's calibration file into an
 * sp_lidar_calib (mem/sp_lidar_calib.h): a Velodyne YAML table (the ROS
 * velodyne_pointcloud / nebula format: `lasers:` with laser_id,
 * rot_correction, vert_correction, dist_correction, vert_offset_correction,
 * horiz_offset_correction and the HDL-64E's dist_correction_x/_y,
 * two_pt_correction_available, focal_distance, focal_slope, min/max
 * intensity) or a Hesai angle-correction CSV (`Laser id` or
 * `Channel`, Elevation, Azimuth, in degrees). Told apart by content.
 *
 * Errors: SP_EFORMAT naming the file, the line (and column for YAML) and
 * what was expected; SP_ERANGE for more than SP_LIDAR_MAX_LASERS lasers or
 * a laser id out of range. Thread safety: reentrant. */
#ifndef SP_LIDARCAL_H
#define SP_LIDARCAL_H

#include <stddef.h>

#include "sp_lidar_calib.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Parse @p len bytes of @p text (borrowed); @p name names it in messages
 *  and is kept in out->source. */
int sp_lidar_calib_parse(const char *text, size_t len, const char *name,
                         sp_lidar_calib *out);

/** Read and parse the file @p path (at most 1 MiB). */
int sp_lidar_calib_load(const char *path, sp_lidar_calib *out);

#ifdef __cplusplus
}
#endif
#endif
