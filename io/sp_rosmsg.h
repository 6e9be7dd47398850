/* sensorpipe: ROS sensor messages decoded from their serialized bytes, with
 * no ROS installation — the message half of reading a log (sp_log.h is the
 * container half).
 *
 * Two encodings: ROS1 serialization (little-endian, packed, uint32-length
 * strings and arrays) and ROS2's CDR (the 4-byte encapsulation header:
 * CDR_LE or CDR_BE; primitives aligned to their size from the end of that
 * header; strings carry their NUL in the length). Other encapsulations
 * (PL_CDR, XCDR2) are SP_EUNSUPPORTED naming the header bytes. The message
 * types and what they become:
 *  - sensor_msgs/PointCloud2: the header fields and the field table;
 *    sp_rosmsg_pc2_plan() then maps fields onto sp_points' channels; the
 *    pipeline's bag source copies the points out with the sp_unpack kernel
 *    (io/ does not know kernels/).
 *  - sensor_msgs/Image: an sp_image of the matching pixel format (rows
 *    copied without their padding; big-endian 16-bit swapped).
 *  - sensor_msgs/CompressedImage: JPEG through libjpeg-turbo, PNG through
 *    the project's PNG reader, straight into the caller's image memory.
 *  - sensor_msgs/CameraInfo: an sp_calib (K, D with its model, R, P, size).
 *  - sensor_msgs/LaserScan: points in the scan's plane.
 * Every parse checks each length against the bytes present before reading
 * (a string or sequence that runs past the message is SP_EFORMAT naming
 * the field and both sizes: "PointCloud2.fields[3].name: string of
 * 4294967280 bytes at byte 52, but the message has 900 bytes"); decoded
 * data points into the message buffer (borrowed) unless stated. A parse
 * zeroes *out first; on failure its contents are unspecified. Bytes after
 * the last field are ignored. Error messages name the type and field, not
 * the log: callers add where the message came from.
 *
 * Thread safety: reentrant; a sp_rosmsg_decoder is used by one thread at
 * a time. */
#ifndef SP_ROSMSG_H
#define SP_ROSMSG_H

#include <stddef.h>
#include <stdint.h>

#include "sp_calib.h"
#include "sp_image.h"
#include "sp_points.h"
#include "sp_poolmgr.h"
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
    SP_ROSMSG_LASER_SCAN,
    SP_ROSMSG_VELODYNE_SCAN, /**< velodyne_msgs/VelodyneScan */
    SP_ROSMSG_PANDAR_SCAN,   /**< pandar_msgs/PandarScan */
    SP_ROSMSG_OUSTER_PACKET, /**< ouster_ros/PacketMsg,
                                  ouster_sensor_msgs/msg/PacketMsg */
    SP_ROSMSG_STRING         /**< std_msgs/String (a sensor's metadata) */
} sp_rosmsg_kind;

/** The kind of a type name in either spelling ("sensor_msgs/Image",
 *  "sensor_msgs/msg/Image"); SP_ROSMSG_OTHER for types not decoded. */
sp_rosmsg_kind sp_rosmsg_kind_of(const char *type);

/** std_msgs/Header. ROS2 headers have no seq (0). */
typedef struct sp_rosmsg_header {
    uint32_t seq;
    int64_t stamp_ns;   /**< sec * 1e9 + nsec */
    char frame_id[128]; /**< truncated when longer (frame_id_len is not) */
    size_t frame_id_len;
} sp_rosmsg_header;

/** A lidar packet message: a whole scan of packets (VelodyneScan: header,
 *  VelodynePacket[] {time stamp, uint8[1206] data}; PandarScan: header,
 *  PandarPacket[] {time stamp, uint8[1500] data, uint32 size}) or one
 *  packet (Ouster PacketMsg: uint8[] buf, no header). Parsing checks that
 *  every packet lies inside the message; the packets stay in it
 *  (borrowed). */
typedef struct sp_rospkt_msg {
    sp_rosmsg_header header; /**< zero for Ouster */
    uint32_t count;          /**< packets */
    sp_rosmsg_kind kind;
    /* private: where packet i lies */
    const uint8_t *first;
    size_t stride, data_at, data_len, size_at;
    int swap, has_stamp;
} sp_rospkt_msg;

/** Parse a packet message of @p kind (VELODYNE_SCAN, PANDAR_SCAN,
 *  OUSTER_PACKET). SP_EFORMAT (a count beyond the bytes, a PandarPacket
 *  size above 1500), SP_EINVAL (another kind). */
int sp_rosmsg_packets_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                            sp_rosmsg_kind kind, sp_rospkt_msg *out);

/** Packet @p i (< count): its bytes (borrowed from the message), length
 *  and stamp (0 when the message has none). */
void sp_rosmsg_packet_at(const sp_rospkt_msg *m, uint32_t i,
                         const uint8_t **data, size_t *len, int64_t *stamp_ns);

/** std_msgs/String: *s borrowed from the message, *len its bytes. */
int sp_rosmsg_string_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                           const char **s, size_t *len);

/* ---- PointCloud2 ---- */

#define SP_PC2_MAX_FIELDS 64

typedef struct sp_pc2_field {
    char name[64]; /**< truncated to 63 bytes */
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
    unsigned fields;   /**< SP_POINTS_RING / SP_POINTS_TIME to ask for */
    int ix, iy, iz;    /**< field index of x, y, z */
    int iintensity;    /**< intensity / i / reflectance, or -1 */
    int iring;         /**< ring / channel / laser_id, or -1 */
    int itime;         /**< time / t / timestamp / time_stamp, or -1 */
    char dropped[256]; /**< fields not kept ("id (name not usable),
                            x (duplicate)"), "" when none; ends "..."
                            when longer */
    int extra[SP_PC2_MAX_FIELDS]; /**< the extra each field fills, or -1 */
    sp_points_layout layout;      /**< what a frame of it is laid out as:
                                       the optional fields, the extras and
                                       the stored names and types */
} sp_pc2_plan;

/** Map @p m's fields onto sp_points as a PCD's are (io/fields_map_int.h,
 *  one plan for both): x, y, z required (SP_EFORMAT naming the fields
 *  there are when missing); the names above map onto intensity, ring and
 *  time (the first name listed that the cloud has wins); every other field
 *  becomes an extra of its name, datatype and count (plan->extra,
 *  plan->layout), and a channel's field of a type the channel cannot hold
 *  exactly keeps its raw values as an extra too. What cannot be kept
 *  (duplicate names, names of 32 bytes or more, more than
 *  SP_POINTS_MAX_EXTRA extras) is listed in plan->dropped. Only a field of
 *  one value (count 1) feeds a channel, and of fields sharing a name only
 *  the first. Names are matched exactly.
 *  @p fields_map, optional, overrides names: "ring:channel,time:time_stamp,
 *  intensity:reflectivity" over the channels x, y, z, intensity, ring,
 *  time; blanks around names are ignored (SP_EINVAL for a bad map: syntax,
 *  an empty name, an unknown channel, a channel twice;
 *  SP_EFORMAT when the field it names is absent or has count != 1). A
 *  mapped field may also feed a channel found by name. *plan is written
 *  only on success. */
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
 *  encoding and step * height <= the data present. An unknown encoding is
 *  not an error here (sp_rosmsg_image_format() refuses it). */
int sp_rosmsg_image_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                          sp_rosimg_msg *out);

/** The pixel format of an Image encoding (case-insensitive): mono8 / 8UC1
 *  -> gray8, mono16 / 16UC1 -> gray16, rgb8, bgr8, 8UC3 -> bgr8 (OpenCV's
 *  channel order, as cv_bridge reads it), rgba8, bgra8, 8UC4 -> bgra8,
 *  rgb16, bayer_{rggb,bggr,gbrg,grbg}{8,16}, yuv422 / uyvy -> uyvy,
 *  yuv422_yuy2 / yuyv -> yuyv, 32FC1 -> f32. SP_EUNSUPPORTED naming the
 *  encodings known. */
int sp_rosmsg_image_format(const char *encoding, sp_pixfmt *out);

/** Copy the pixels of @p m into @p dst (width, height and format already
 *  set to the message's, e.g. from a pool frame), dropping row padding and
 *  swapping 16- and 32-bit samples of a big-endian message. SP_EINVAL when
 *  @p dst's shape, format or stride does not match; SP_EUNSUPPORTED for an
 *  unknown encoding; SP_EFORMAT when the rows run past m->data. */
int sp_rosmsg_image_copy(const sp_rosimg_msg *m, sp_image *dst);

/* ---- CompressedImage ---- */

typedef struct sp_roscimg_msg {
    sp_rosmsg_header header;
    char format[64];     /**< "jpeg", "png", "rgb8; jpeg compressed bgr8" */
    const uint8_t *data; /**< borrowed */
    size_t data_size;
} sp_roscimg_msg;

/** Parse a CompressedImage (format truncated to 63 bytes). The payload is
 *  not looked at (sp_rosmsg_cimage_info() does). */
int sp_rosmsg_cimage_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                           sp_roscimg_msg *out);

/** A reusable decoder for CompressedImage payloads (a libjpeg-turbo
 *  decompressor, a PNG reader). One per thread. The payload's kind comes
 *  from its first bytes (JPEG ff d8 ff, PNG's signature), not from the
 *  format string. */
typedef struct sp_rosmsg_decoder sp_rosmsg_decoder;
int sp_rosmsg_decoder_create(sp_rosmsg_decoder **out);
void sp_rosmsg_decoder_destroy(sp_rosmsg_decoder *d);

/** Bound the decoder's memory by @p mgr's budget (borrowed; it must outlive
 *  the decoder): the PNG reader's memory is charged to it
 *  (sp_png_reader_set_poolmgr), and so are the arenas libjpeg's memory
 *  comes from (made at the first JPEG), which grow before a JPEG decode to
 *  what that image can take (every coefficient of a progressive JPEG, a
 *  few rows of a sequential one) and are kept, charged, until the decoder
 *  is destroyed, so a warm decoder allocates nothing. NULL (the default)
 *  charges nothing.
 *  SP_EBUDGET when the budget cannot cover the arenas held now (then the
 *  charges stay where they were); later refusals come from
 *  sp_rosmsg_cimage_decode() as SP_EBUDGET, naming the image's size. */
int sp_rosmsg_decoder_set_poolmgr(sp_rosmsg_decoder *d, sp_poolmgr *mgr);

/** The size and pixel format @p m decodes to, from its header bytes
 *  (JPEG: gray8 for grayscale, rgb8 otherwise; PNG: as sp_png.h).
 *  SP_EFORMAT for data that is neither, or is corrupt; SP_EUNSUPPORTED for
 *  a CMYK / YCCK JPEG. */
int sp_rosmsg_cimage_info(sp_rosmsg_decoder *d, const sp_roscimg_msg *m,
                          uint32_t *width, uint32_t *height, sp_pixfmt *fmt);

/** Decode @p m into @p dst (set up with the size and format that
 *  sp_rosmsg_cimage_info() gave; SP_EINVAL otherwise), straight into its
 *  rows at its stride (the bytes between rows are not written). JPEG with
 *  TurboJPEG's accurate settings (islow IDCT, fancy upsampling): byte for
 *  byte what TurboJPEG's tjDecompress2() makes of it. A JPEG warning (a
 *  truncated scan, extraneous bytes) is not a failure: the pixels are what
 *  libjpeg-turbo made of the data, as with djpeg or OpenCV's imdecode; a
 *  JPEG error is SP_EFORMAT with libjpeg's words, even after a warning.
 *  libjpeg's working memory comes from the decoder's arenas (grown first,
 *  charged to the budget with sp_rosmsg_decoder_set_poolmgr: SP_EBUDGET
 *  when it cannot be); once warm, a decode allocates nothing. */
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

/** Parse a CameraInfo (D is a sequence, K, R, P fixed arrays; ROS1's D, K,
 *  R, P are ROS 2's d, k, r, p). Every coefficient of D is checked against
 *  the bytes present, the first 16 kept. */
int sp_rosmsg_caminfo_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                            sp_caminfo_msg *out);

/** The calibration sp_calib holds: K, D with its model (plumb_bob,
 *  rational_polynomial, equidistant), R (as R0; identity when all zero),
 *  P (as P[camera 0]), size; source = @p source. has_K / has_P are 0 when
 *  K[0] / P[0] is 0 (ROS: not calibrated). Fewer coefficients than the
 *  model has are zeros; an empty distortion_model with no non-zero
 *  coefficient is plumb_bob without distortion. SP_EUNSUPPORTED for
 *  another model (named), non-zero coefficients beyond the model's,
 *  binning > 1 or a region of interest smaller than the image (K would
 *  describe other pixels); SP_EFORMAT for a size over 65535. @p source
 *  names it in messages ("drive.bag: /camera/camera_info"). */
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

/** Parse a LaserScan; ranges and intensities stay in the message (NULL
 *  when empty). */
int sp_rosmsg_laserscan_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                              sp_laserscan_msg *out);

/** One point per range, in order: x = r cos(a), y = r sin(a), z = 0, with
 *  a = angle_min + i * angle_increment, all in double and rounded to
 *  float32 at the end; intensity from intensities (0 past their end, as
 *  when absent); time = i * time_increment (double, rounded); ring 0 when
 *  @p out has one. A range outside [range_min, range_max], NaN or Inf, or
 *  a non-finite angle, gives x = y = z = NaN (kept, as an organised cloud
 *  keeps them; crop drops them). count = nranges. @p out needs capacity
 *  nranges and SP_POINTS_TIME (SP_EINVAL otherwise). */
int sp_rosmsg_laserscan_points(const sp_laserscan_msg *m, sp_points *out);

#ifdef __cplusplus
}
#endif
#endif
