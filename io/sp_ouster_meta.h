/* sensorpipe: an Ouster sensor's metadata JSON (beam intrinsics, packet
 * format, frame geometry), as the sensor's HTTP API, ouster-sdk and
 * ouster-ros write it.
 *
 * Two layouts are read, told apart by their keys:
 *  - flat (firmware 2.0-2.3, ouster-sdk < 0.8): beam_altitude_angles,
 *    beam_azimuth_angles, lidar_origin_to_beam_origin_mm,
 *    lidar_to_sensor_transform, lidar_mode and a data_format object
 *    (pixels_per_column, columns_per_packet, columns_per_frame,
 *    pixel_shift_by_row, column_window, udp_profile_lidar) at the top;
 *  - nested (firmware 2.4+/3.x, ouster-sdk >= 0.8): the same keys inside
 *    beam_intrinsics, lidar_intrinsics, lidar_data_format, config_params
 *    and sensor_info.
 * Keys the firmware added later have the documented defaults when absent:
 * udp_profile_lidar LEGACY (before 2.2), beam_to_lidar_transform the
 * identity with lidar_origin_to_beam_origin_mm in its x translation (before
 * 2.4), lidar_to_sensor_transform ouster-sdk's default (a 180 degree turn
 * about z and 36.18 mm up), column_window the whole frame. Before firmware
 * 2.0 there was no data_format: a 64-beam sensor then gets ouster-sdk's
 * default pixel shifts for its lidar_mode, any other is refused.
 *
 * Errors name the file and the key ("os.json: key
 * 'data_format.pixels_per_column': 0 out of range, expected 1..256"); a
 * JSON syntax error names the line and column. Thread-safe (no state). */
#ifndef SP_OUSTER_META_H
#define SP_OUSTER_META_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most beams (pixels per column) and columns per frame accepted. */
#define SP_OUSTER_MAX_BEAMS 256
#define SP_OUSTER_MAX_COLS 4096
/** Largest metadata file read (a 128-beam sensor's is about 10 KiB). */
#define SP_OUSTER_META_MAX_BYTES (4u << 20)

/** Lidar UDP packet profiles. */
typedef enum sp_ouster_profile {
    SP_OUSTER_LEGACY = 0,             /**< 16-byte column header, 12-byte pixels
                                           (20-bit range, 16-bit reflectivity,
                                           signal, NIR), 4-byte column status */
    SP_OUSTER_RNG19_RFL8_SIG16_NIR16, /**< single return, 12-byte pixels */
    SP_OUSTER_RNG19_RFL8_SIG16_NIR16_DUAL, /**< two returns, 16 bytes */
    SP_OUSTER_RNG15_RFL8_NIR8 /**< low data rate, 4-byte pixels (range
                                   in units of 8 mm) */
} sp_ouster_profile;

typedef struct sp_ouster_meta {
    sp_ouster_profile profile;
    uint32_t pixels_per_column; /**< beams, H */
    uint32_t columns_per_packet;
    uint32_t columns_per_frame; /**< W, measurement ids 0..W-1 */
    uint32_t column_window[2];  /**< first and last column the sensor
                                     sends (inclusive; may wrap) */
    uint32_t frequency_hz;      /**< from lidar_mode "WxF" (10 or 20) */
    int32_t pixel_shift_by_row[SP_OUSTER_MAX_BEAMS];
    double beam_altitude_deg[SP_OUSTER_MAX_BEAMS];
    double beam_azimuth_deg[SP_OUSTER_MAX_BEAMS];
    double beam_to_lidar[16]; /**< row-major 4x4, mm */
    double lidar_origin_to_beam_origin_mm;
    double lidar_to_sensor[16]; /**< row-major 4x4, mm */
    uint64_t prod_sn;           /**< 0 when absent */
    uint32_t init_id;           /**< initialization_id, 0 when absent */
    int nested;                 /**< 1: the nested (2.4+) layout was read */
    char prod_line[48];         /**< "OS-1-32-G", "" when absent */
    char build_rev[48];         /**< firmware, "v2.1.1" */
    char lidar_mode[16];        /**< "1024x10" */
} sp_ouster_meta;

/** The profile's name as the metadata writes it ("LEGACY",
 *  "RNG19_RFL8_SIG16_NIR16_DUAL", ...); "unknown" for other values. */
const char *sp_ouster_profile_name(sp_ouster_profile p);

/** Bytes of one lidar packet of @p m (borrowed) for its profile, beams
 *  and columns per packet. */
size_t sp_ouster_packet_size(const sp_ouster_meta *m);

/** Parse @p n bytes of JSON at @p text (borrowed, need not end in NUL)
 *  into @p out (caller's, fully written on success); @p name (borrowed)
 *  names the source in messages. Returns SP_OK, SP_EFORMAT (bad JSON, a
 *  missing, mistyped or out-of-range key, arrays whose lengths disagree)
 *  or SP_EINVAL (NULL argument). */
int sp_ouster_meta_parse(const char *text, size_t n, const char *name,
                         sp_ouster_meta *out);

/** Read and parse the file at @p path (borrowed). Returns as
 *  sp_ouster_meta_parse(), plus SP_EIO (cannot open or read) and
 *  SP_EFORMAT for a file over SP_OUSTER_META_MAX_BYTES. */
int sp_ouster_meta_load(const char *path, sp_ouster_meta *out);

#ifdef __cplusplus
}
#endif
#endif
