/* sensorpipe: ROS 2 messages serialized from packed arrays — the writing
 * half of sp_rosmsg.h, for MCAP files that Foxglove, RViz 2 and `ros2 bag
 * play` read.
 *
 * Encoding: CDR, little-endian, with the 4-byte encapsulation header
 * 00 01 00 00; primitives aligned to their size from the end of that
 * header; strings as uint32 length (NUL included), bytes, NUL.
 *
 * sensor_msgs/msg/PointCloud2 from sp_points: height 1, width = count,
 * is_bigendian 0 on a little-endian host (1 on a big-endian one: the point
 * data is copied in host order), row_step = width * point_step, is_dense 0
 * when any point has a NaN x, y or z, else 1. Points are packed with no
 * padding, fields in this order:
 *     x        offset 0   FLOAT32 (7), count 1
 *     y        offset 4   FLOAT32
 *     z        offset 8   FLOAT32
 *     intensity offset 12 FLOAT32
 *     ring     offset 16  UINT16 (4)         when SP_POINTS_RING
 *     time     offset 16 or 18  FLOAT32      when SP_POINTS_TIME
 * so point_step is 16, 18 (ring), 20 (time) or 22 (ring and time: the
 * layout of the ROS velodyne driver's XYZIRT clouds, time unaligned).
 *
 * sensor_msgs/msg/Image from sp_image: step = width * bytes per pixel (rows
 * copied without their stride padding), is_bigendian as above for 16- and
 * 32-bit samples; encodings (sensor_msgs/image_encodings):
 *     gray8 mono8, gray16 mono16, rgb8, bgr8, rgba8, bgra8, rgb16,
 *     bayer_<pattern>8/16 the same names, f32 32FC1,
 *     yuyv "yuv422_yuy2" (Y0 U Y1 V), uyvy "yuv422" (U Y0 V Y1),
 *     nv12 "nv12" (step = width; data holds the Y rows then the UV rows:
 *     height * 3 / 2 rows).
 * ("yuyv" and "uyvy" are the newer names of the two packed formats; the
 * older ones are written because every ROS 2 release and Foxglove read
 * them.)
 *
 * Both carry a std_msgs/Header: stamp from a timestamp in nanoseconds (sec
 * = floor(ns / 1e9), which must fit an int32; nanosec the remainder) and a
 * frame_id.
 *
 * Every writer takes the output buffer and its capacity and reports the
 * size the message needs, so a caller can size a pool block first: with
 * @p buf NULL only *size is set; with a buffer smaller than *size nothing
 * is written and SP_ERANGE names both sizes.
 *
 * Thread safety: reentrant. */
#ifndef SP_ROSMSG_WRITE_H
#define SP_ROSMSG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_points.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ROS 2 type names, as MCAP schema names. */
#define SP_ROS2_POINTCLOUD2 "sensor_msgs/msg/PointCloud2"
#define SP_ROS2_IMAGE "sensor_msgs/msg/Image"

/** The `ros2msg` schema text of @p type (SP_ROS2_POINTCLOUD2 or
 *  SP_ROS2_IMAGE): the type's definition, then for each type it uses, a
 *  line of 80 '=' and "MSG: package/Type" before that type's definition,
 *  in the order rosbag2 writes them (depth first, a type's dependencies
 *  sorted by name; each once). Field declarations only, without the
 *  comments of the .msg files. NULL for any other type. Static storage. */
const char *sp_rosmsg_ros2_schema(const char *type);

/** The sensor_msgs/image_encodings name of @p fmt ("mono8", "bayer_rggb8",
 *  "yuv422", ...); NULL for an unknown value. */
const char *sp_rosmsg_image_encoding(sp_pixfmt fmt);

/** Serialize @p p (borrowed) as a CDR PointCloud2 stamped @p stamp_ns with
 *  @p frame_id (NULL = ""), with the fields @p p carries. *size receives
 *  the message's bytes. Returns SP_OK, SP_EINVAL (bad points), SP_ERANGE
 *  (stamp outside int32 seconds, @p cap too small, or more than 2^32 bytes
 *  of point data). */
int sp_rosmsg_pc2_write(const sp_points *p, int64_t stamp_ns,
                        const char *frame_id, void *buf, size_t cap,
                        size_t *size);

/** Serialize @p img (borrowed) as a CDR Image, as sp_rosmsg_pc2_write().
 *  SP_EINVAL for an invalid image (unknown format, no data, a stride below
 *  the row size). */
int sp_rosmsg_image_write(const sp_image *img, int64_t stamp_ns,
                          const char *frame_id, void *buf, size_t cap,
                          size_t *size);

#ifdef __cplusplus
}
#endif
#endif
