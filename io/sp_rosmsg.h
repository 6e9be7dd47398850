/* sensorpipe: ROS sensor messages decoded from their serialized bytes, with
 * no ROS installation — the message half of reading a log (sp_log.h is the
 * container half).
 *
 * Two encodings: ROS1 serialization (little-endian, packed, uint32-length
 * strings and arrays) and ROS2's CDR (the 4-byte encapsulation header:
 * CDR_LE or CDR_BE; primitives aligned to their size from the end of that
 * header; strings carry their NUL in the length). The message types and
 * what they become:
 *  - sensor_msgs/PointCloud2: the header fields and the field table;
 *    sp_rosmsg_pc2_plan() then maps fields onto sp_points' channels; the
 *    pipeline's bag source copies the points out with the sp_unpack kernel
 *    (io/ does not know kernels/).
 *  - sensor_msgs/Image: an sp_image of the matching pixel format (rows
 *    copied without their padding; big-endian 16-bit swapped).
 *  - sensor_msgs/CompressedImage: JPEG through TurboJPEG, PNG through the
 *    project's PNG reader, straight into the caller's image memory.
 *  - sensor_msgs/CameraInfo: an sp_calib (K, D with its model, R, P, size).
 *  - sensor_msgs/LaserScan: points in the scan's plane.
 * Every parse checks each length against the bytes present before reading
 * (a string or sequence that runs past the message is SP_EFORMAT naming
 * the field and both sizes); decoded data points into the message buffer
 * (borrowed) unless stated.
 *
 * Thread safety: reentrant; a sp_rosmsg_jpeg decoder is used by one thread
 * at a time. */
#ifndef SP_ROSMSG_H
#define SP_ROSMSG_H

#include <stddef.h>
#include <stdint.h>

#include "sp_calib.h"
#include "sp_image.h"
#include "sp_points.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_rosmsg_enc {
    SP_ROSMSG_ROS1 = 0, /**< ROS1 serialization */
    SP_ROSMSG_CDR = 1   /**< ROS2 CDR with its encapsulation header */
} sp_rosmsg_enc;

/** "ros1" -> ROS1, "cdr" -> CDR; SP_EUNSUPPORTED for anything else. */
int sp_rosmsg_enc_from_name(const char *name, sp_rosmsg_enc *out);

typedef enum sp_rosmsg_kind {
    SP_ROSMSG_OTHER = 0,
    SP_ROSMSG_POINTCLOUD2,
    SP_ROSMSG_IMAGE,
    SP_ROSMSG_COMPRESSED_IMAGE,
    SP_ROSMSG_CAMERA_INFO,
    SP_ROSMSG_LASER_SCAN
} sp_rosmsg_kind;

/** The kind of a type name in either spelling ("sensor_msgs/Image",
 *  "sensor_msgs/msg/Image"); SP_ROSMSG_OTHER for types not decoded. */
sp_rosmsg_kind sp_rosmsg_kind_of(const char *type);

/** std_msgs/Header. ROS2 headers have no seq (0). */
typedef struct sp_rosmsg_header {
    uint32_t seq;
    int64_t stamp_ns; /**< sec * 1e9 + nsec */
    char frame_id[128]; /**< truncated when longer (frame_id_len is not) */
    size_t frame_id_len;
} sp_rosmsg_header;

/* ---- PointCloud2 ---- */

#define SP_PC2_MAX_FIELDS 64

typedef struct sp_pc2_field {
    char name[64];
    uint32_t offset;
    uint8_t datatype; /**< sensor_msgs/PointField: INT8 1, UINT8 2, INT16 3,
                           UINT16 4, INT32 5, UINT32 6, FLOAT32 7,
                           FLOAT64 8 */
    uint32_t count;
} sp_pc2_field;

typedef struct sp_pc2_msg {
    sp_rosmsg_header header;
    uint32_t height, width;
    uint32_t nfields;
    sp_pc2_field fields[SP_PC2_MAX_FIELDS];
    int is_bigendian;
    uint32_t point_step, row_step;
    const uint8_t *data; /**< borrowed from the message */
    size_t data_size;
    int is_dense;
} sp_pc2_msg;

/** Parse a PointCloud2. Checks: datatypes 1..8, each field inside
 *  point_step (offset + size * count), row_step >= width * point_step,
 *  row_step * height <= the data present, at most SP_PC2_MAX_FIELDS
 *  fields. SP_EFORMAT naming the field or sizes. */
int sp_rosmsg_pc2_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                        sp_pc2_msg *out);

/** How a cloud's fields become sp_points channels. */
typedef struct sp_pc2_plan {
    unsigned fields;        /**< SP_POINTS_RING / SP_POINTS_TIME to ask for */
    int ix, iy, iz;         /**< field index of x, y, z */
    int iintensity;         /**< intensity / i / reflectance, or -1 */
    int iring;              /**< ring / channel / laser_id, or -1 */
    int itime;              /**< time / t / timestamp / time_stamp, or -1 */
    char dropped[256];      /**< fields that no channel keeps ("rgb,
                                 label"), "" when none */
} sp_pc2_plan;

/** Map @p m's fields onto sp_points: x, y, z required (SP_EFORMAT naming
 *  the fields there are when missing); the names above map onto intensity,
 *  ring and time; every other field is listed in plan->dropped.
 *  @p fields_map, optional, overrides names: "ring:channel,time:time_stamp,
 *  intensity:reflectivity" (SP_EINVAL for a bad map). */
int sp_rosmsg_pc2_plan(const sp_pc2_msg *m, const char *fields_map,
                       sp_pc2_plan *plan);

/** Bytes of one value of PointField datatype @p t (1..8); 0 otherwise. */
size_t sp_rosmsg_pc2_type_size(uint8_t t);

/* ---- Image ---- */

typedef struct sp_rosimg_msg {
    sp_rosmsg_header header;
    uint32_t height, width;
    char encoding[32];
    int is_bigendian;
    uint32_t step;
    const uint8_t *data; /**< borrowed */
    size_t data_size;
} sp_rosimg_msg;

/** Parse an Image. Checks step >= width * bytes per pixel of a known
 *  encoding and step * height <= the data present. */
int sp_rosmsg_image_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                          sp_rosimg_msg *out);

/** The pixel format of an Image encoding: mono8 -> gray8, mono16 / 16UC1
 *  -> gray16, rgb8, bgr8, rgba8, bgra8, bayer_{rggb,bggr,gbrg,grbg}{8,16},
 *  yuv422 / uyvy -> uyvy, yuv422_yuy2 / yuyv -> yuyv, 32FC1 -> f32.
 *  SP_EUNSUPPORTED naming the encodings known. */
int sp_rosmsg_image_format(const char *encoding, sp_pixfmt *out);

/** Copy the pixels of @p m into @p dst (width, height and format already
 *  set to the message's, e.g. from a pool frame), dropping row padding and
 *  swapping 16- and 32-bit samples of a big-endian message. */
int sp_rosmsg_image_copy(const sp_rosimg_msg *m, sp_image *dst);

/* ---- CompressedImage ---- */

typedef struct sp_roscimg_msg {
    sp_rosmsg_header header;
    char format[64];     /**< "jpeg", "png", "rgb8; jpeg compressed bgr8" */
    const uint8_t *data; /**< borrowed */
    size_t data_size;
} sp_roscimg_msg;

int sp_rosmsg_cimage_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                           sp_roscimg_msg *out);

/** A reusable decoder for CompressedImage payloads (TurboJPEG handle, PNG
 *  reader). One per thread. */
typedef struct sp_rosmsg_decoder sp_rosmsg_decoder;
int sp_rosmsg_decoder_create(sp_rosmsg_decoder **out);
void sp_rosmsg_decoder_destroy(sp_rosmsg_decoder *d);

/** The size and pixel format @p m decodes to, from its header bytes
 *  (JPEG: gray8 for grayscale, rgb8 otherwise; PNG: as sp_png.h).
 *  SP_EFORMAT for data that is neither, or is corrupt. */
int sp_rosmsg_cimage_info(sp_rosmsg_decoder *d, const sp_roscimg_msg *m,
                          uint32_t *width, uint32_t *height, sp_pixfmt *fmt);

/** Decode @p m into @p dst (set up with the size and format that
 *  sp_rosmsg_cimage_info() gave). JPEG with TurboJPEG's accurate settings;
 *  exact against libjpeg-turbo's own decoder. */
int sp_rosmsg_cimage_decode(sp_rosmsg_decoder *d, const sp_roscimg_msg *m,
                            sp_image *dst);

/* ---- CameraInfo ---- */

typedef struct sp_caminfo_msg {
    sp_rosmsg_header header;
    uint32_t height, width;
    char distortion_model[32];
    uint32_t nD;
    double D[16]; /**< the first 16 coefficients; nD says how many */
    double K[9], R[9], P[12];
    uint32_t binning_x, binning_y;
    uint32_t roi_x, roi_y, roi_w, roi_h;
    int roi_rectify;
} sp_caminfo_msg;

int sp_rosmsg_caminfo_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                            sp_caminfo_msg *out);

/** The calibration sp_calib holds: K, D with its model (plumb_bob,
 *  rational_polynomial, equidistant), R, P (as P[camera 0]), size.
 *  SP_EUNSUPPORTED for another model (named). @p source names it in
 *  messages ("drive.bag: /camera/camera_info"). */
int sp_rosmsg_caminfo_to_calib(const sp_caminfo_msg *m, const char *source,
                               sp_calib *out);

/* ---- LaserScan ---- */

typedef struct sp_laserscan_msg {
    sp_rosmsg_header header;
    float angle_min, angle_max, angle_increment;
    float time_increment, scan_time;
    float range_min, range_max;
    uint32_t nranges, nintensities;
    const uint8_t *ranges;      /**< nranges float32, unaligned */
    const uint8_t *intensities; /**< nintensities float32, unaligned */
    int swap;                   /**< 1: big-endian floats */
} sp_laserscan_msg;

int sp_rosmsg_laserscan_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                              sp_laserscan_msg *out);

/** One point per range, in order: x = r cos(a), y = r sin(a), z = 0, with
 *  a = angle_min + i * angle_increment (double, rounded to float32);
 *  intensity from intensities (0 when absent); time = i * time_increment.
 *  A range outside [range_min, range_max], NaN or Inf gives a NaN point
 *  (kept, as an organised cloud keeps them; crop drops them). @p out needs
 *  capacity nranges and SP_POINTS_TIME. */
int sp_rosmsg_laserscan_points(const sp_laserscan_msg *m, sp_points *out);

#ifdef __cplusplus
}
#endif
#endif
