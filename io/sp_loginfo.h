/* sensorpipe: what is in a recorded log, without processing it.
 *
 * sp_loginfo_probe() detects the layout of a path (KITTI raw drive or object
 * set, a .pcd/.bin/.png file or a folder of them), lists its streams with
 * frame counts, time span and rate, samples a few frames per stream for
 * points per frame (min/mean/max, from file sizes and headers only) or image
 * sizes and formats (from PNG headers), and says whether calibration was
 * found. For a .bin file it also says which record sizes fit and which looks
 * right. Nothing but headers and file sizes is read.
 *
 * Thread safety: reentrant. */
#ifndef SP_LOGINFO_H
#define SP_LOGINFO_H

#include <stddef.h>
#include <stdint.h>

#include "sp_bin.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_LOGINFO_MAX_STREAMS 8

typedef struct sp_loginfo_stream {
    char name[32];
    int is_camera;
    size_t frames;
    int has_timestamps;      /**< 0: times are index x 100 ms (or none) */
    int64_t t_first, t_last; /**< ns */
    double rate_hz;          /**< from the span; 0 when unknown */
    size_t sampled;          /**< frames probed */
    size_t points_min, points_max;
    double points_mean;
    uint32_t width, height; /**< of the first probed image */
    char format[16];        /**< its pixel format ("rgb8") */
    int sizes_vary;         /**< probed images differ in size or format */
    size_t errors;          /**< probed frames that failed */
    char first_error[256];  /**< the first such message */
} sp_loginfo_stream;

typedef struct sp_loginfo {
    char layout[32]; /**< "kitti raw", "kitti object", "pcd",
                          "bin", "pngs" */
    char path[512];
    size_t nstreams;
    sp_loginfo_stream streams[SP_LOGINFO_MAX_STREAMS];
    int calib_found; /**< KITTI, for frame 0: 2 = camera
                          projection and lidar-to-camera found,
                          1 = only one of them, 0 = none */
    char calib[256]; /**< where it came from, or what is missing */
    char note[256];  /**< e.g. how times were made */
    /* PCD: first file's header */
    char pcd_version[8];
    char pcd_encoding[24];
    char pcd_fields[256]; /**< "x:F4 y:F4 z:F4 intensity:F4" */
    int pcd_organised;    /**< HEIGHT > 1 */
    /* .bin: first file's layout guess */
    int has_bin_guess;
    sp_bin_guess bin;
} sp_loginfo;

/** Describe @p path, probing up to @p sample frames per stream (0 = 16),
 *  spread evenly over the stream. Frames that fail to probe are counted in
 *  the stream's errors with the first message, not returned as an error.
 *  Returns SP_OK, SP_ENOTFOUND (missing path, or nothing sensorpipe reads),
 *  or the error that stopped the layout from opening (timestamps, drive
 *  calibration). */
int sp_loginfo_probe(const char *path, size_t sample, sp_loginfo *out);

/** Write @p li as readable text (json 0) or one JSON object (json 1) into
 *  @p buf (snprintf semantics). Returns the length the whole text needs. */
int sp_loginfo_format(const sp_loginfo *li, int json, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
