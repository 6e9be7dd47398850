/* sensorpipe: a spinning lidar's per-laser calibration table, as read from
 * a vendor's file (io/: Velodyne YAML, Hesai angle-correction CSV) and used
 * by the packet decoders (kernels/sp_lidardec.h). A plain struct valid when
 * zero-initialised (no lasers: the model's factory table is used). It sits
 * in mem/ because both io/ and kernels/ use it and neither may include the
 * other. */
#ifndef SP_LIDAR_CALIB_H
#define SP_LIDAR_CALIB_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { SP_LIDAR_CALIB_VELODYNE = 1, SP_LIDAR_CALIB_HESAI = 2 };

/** Most lasers (channels) of a table. */
#define SP_LIDAR_MAX_LASERS 128

/** One laser, in the units of the vendor's file (the decoders reproduce
 *  the vendor drivers' arithmetic from them). */
typedef struct sp_lidar_laser {
    double vert;            /**< elevation, up positive: radians in a Velodyne
                                 table (vert_correction), degrees in a Hesai
                                 one (Elevation) */
    double rot;             /**< azimuth offset: radians subtracted from the
                                 block's azimuth in a Velodyne table
                                 (rot_correction), degrees added in a Hesai one
                                 (Azimuth) */
    double dist_correction; /**< metres added to a non-zero range */
    double vert_offset;     /**< metres (Velodyne vert_offset_correction) */
    double horiz_offset;    /**< metres (Velodyne horiz_offset_correction) */
    /* Velodyne HDL-64E extras (the ROS driver's LaserCorrection). */
    double dist_correction_x; /**< metres: the two-point correction's value
                                   at x = 2.4 m (dist_correction_x) */
    double dist_correction_y; /**< metres: its value at y = 1.93 m */
    int two_pt;               /**< two_pt_correction_available (absent:
                                   0, as the driver) */
    double focal_distance;    /**< as in the table (focal_distance) */
    double focal_slope;       /**< 0: no intensity correction */
    double min_intensity;     /**< clamp of the corrected intensity; */
    double max_intensity;     /**< both 0: none (0..255), as a table
                                   without them */
    int ring;                 /**< ring (row from the bottom); -1: by
                                   elevation order */
} sp_lidar_laser;

typedef struct sp_lidar_calib {
    unsigned nlasers; /**< 0: none (use the factory table) */
    int vendor;       /**< SP_LIDAR_CALIB_VELODYNE, _HESAI, 0 unknown */
    sp_lidar_laser laser[SP_LIDAR_MAX_LASERS];
    char source[256]; /**< the file it came from */
} sp_lidar_calib;

#ifdef __cplusplus
}
#endif
#endif
