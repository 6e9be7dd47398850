/* sensorpipe: what is in a recorded log, without processing it.
 *
 * sp_loginfo_probe() finds which registered format reads a path (by
 * content: magic bytes, a folder's layout; by name only for headerless
 * files), and asks that format to describe it: its streams (for a message
 * log, one per topic) with frame counts, time span and rate, a sample of
 * frames per stream for points per frame (min/mean/max) or image sizes and
 * formats, calibration found, and attributes of the format itself (a PCD
 * header, a .bin layout guess, a bag's container, version, compression,
 * chunks). Only headers, indexes and the sampled frames are read.
 *
 * Ownership: sp_loginfo_probe() fills a caller's struct and allocates its
 * stream table; sp_loginfo_free() releases it.
 *
 * Thread safety: reentrant. */
#ifndef SP_LOGINFO_H
#define SP_LOGINFO_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One stream: a sensor of a dataset, or a topic of a message log. */
typedef struct sp_loginfo_stream {
    char name[256];
    char type[128];   /**< message type of a log topic; "" otherwise */
    char sensor[16];  /**< "lidar", "camera", "calib" (CameraInfo) or
                           "other" (not turned into frames) */
    int is_camera;    /**< sensor is "camera" */
    size_t frames;    /**< frames (or messages) in the stream */
    int has_timestamps;      /**< 0: times are index x 100 ms (or none) */
    int64_t t_first, t_last; /**< ns */
    double rate_hz;          /**< from the span; 0 when unknown */
    size_t sampled;          /**< frames probed */
    size_t points_min, points_max;
    double points_mean;
    uint32_t rows;          /**< organised clouds: rows of the first probed
                                 cloud (1 = unorganised; 0 = not known) */
    char fields[512];       /**< point fields, "x:F32 y:F32 ring:U16" */
    uint32_t width, height; /**< of the first probed image */
    char format[32];        /**< its pixel format ("rgb8") or encoding */
    int sizes_vary;         /**< probed images differ in size or format */
    size_t errors;          /**< probed frames that failed */
    char first_error[256];  /**< the first such message */
} sp_loginfo_stream;

/** An attribute of the format ("pcd" "encoding" = "binary"): shown in the
 *  JSON output as "group": {"key": value, ...}. */
typedef struct sp_loginfo_attr {
    char group[16];
    char key[32];
    char value[256]; /**< a string, or raw JSON when is_json */
    int is_json;     /**< 1: value is a JSON number, bool or array */
} sp_loginfo_attr;

#define SP_LOGINFO_MAX_ATTRS 32

typedef struct sp_loginfo {
    char layout[32]; /**< the format: "kitti raw", "kitti object", "pcd",
                          "bin", "pngs", "ros1", "mcap", "rosbag2" */
    char what[64];   /**< the format for people: "ROS1 bag v2.0" */
    char source[16]; /**< the stage that reads it: "kitti", "bag" ... */
    char path[512];
    size_t nstreams;
    sp_loginfo_stream *streams; /**< nstreams (owned; sp_loginfo_free) */
    size_t cap_streams;
    int has_calib;   /**< calib_found and calib mean something */
    int calib_found; /**< KITTI, for frame 0: 2 = camera projection and
                          lidar-to-camera found, 1 = only one of them,
                          0 = none */
    char calib[256]; /**< where it came from, or what is missing */
    char note[256];  /**< e.g. how times were made, how a log was read */
    size_t nattrs;
    sp_loginfo_attr attrs[SP_LOGINFO_MAX_ATTRS];
    char text[2048]; /**< the format's own lines for the text output */
} sp_loginfo;

/** Describe @p path into @p out (zeroed first), probing up to @p sample
 *  frames per stream (0 = 16), spread evenly over the stream. Frames that
 *  fail to probe are counted in the stream's errors with the first message,
 *  not returned as an error. Returns SP_OK, SP_ENOTFOUND (missing path, or
 *  nothing sensorpipe reads: the message says what was seen and which
 *  formats are known), or the error that stopped the format from opening
 *  it. Call sp_loginfo_free() afterwards, also after a failure. */
int sp_loginfo_probe(const char *path, size_t sample, sp_loginfo *out);

/** Free what sp_loginfo_probe() allocated (the struct itself is the
 *  caller's). NULL is a no-op. */
void sp_loginfo_free(sp_loginfo *li);

/** The value of attribute @p group.@p key, or NULL. */
const char *sp_loginfo_attr_get(const sp_loginfo *li, const char *group,
                                const char *key);

/** Write @p li as readable text (json 0) or one JSON object (json 1) into
 *  @p buf (snprintf semantics). Returns the length the whole text needs. */
int sp_loginfo_format(const sp_loginfo *li, int json, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
