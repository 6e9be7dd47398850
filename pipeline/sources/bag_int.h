/* Internal to the `bag` source (pipeline/sources/bag_src.c): what it keeps
 * per topic, and the message-to-frame conversions (bag_decode.c) that turn
 * a decoded ROS message into a frame from the pool manager. */
#ifndef SP_BAG_INT_H
#define SP_BAG_INT_H

#include <stdint.h>

#include "sp_log.h"
#include "sp_rosmsg.h"
#include "sp_stage.h"
#include "sp_unpack.h"

/* What the source does with a topic's messages. */
typedef enum bag_action {
    BAG_SKIP = 0, /* not decoded: left out of the selection, noted */
    BAG_POINTS,   /* PointCloud2 -> points */
    BAG_SCAN,     /* LaserScan -> points */
    BAG_IMAGE,    /* Image -> image */
    BAG_CIMAGE,   /* CompressedImage -> image */
    BAG_CAMINFO,  /* CameraInfo -> the calibration of a camera's frames */
    BAG_PACKETS,  /* VelodyneScan, PandarScan, Ouster PacketMsg -> packets */
    BAG_META      /* std_msgs/String on a "...metadata" topic -> the
                     sensor metadata carried by packet frames */
} bag_action;

#define BAG_NS_MAX 256

typedef struct bag_topic {
    bag_action action;
    sp_rosmsg_kind kind; /* the message type's kind */
    sp_rosmsg_enc enc;
    uint64_t seq;     /* frames of this stream so far */
    int calib_done;   /* the camera's calibration was looked up */
    int calib;        /* index into the source's calibrations, or -1 */
    int noted_drop;   /* dropped fields were noted */
    int noted_calib;  /* a changed CameraInfo was noted */
    uint64_t skipped; /* messages skipped (on_error=skip) */
} bag_topic;

/* A camera's calibration from its CameraInfo topic (the first message). */
typedef struct bag_calib {
    uint16_t topic;
    char ns[BAG_NS_MAX]; /* the CameraInfo topic's namespace */
    char frame_id[128];
    sp_calib calib;
    int ok; /* parsed and converted */
} bag_calib;

/* Scratch the conversions reuse from message to message (no allocation
 * per message). */
typedef struct bag_scratch {
    sp_pc2_msg pc2;
    sp_pc2_plan plan;
    sp_unpack_desc unpack;
    sp_rosimg_msg img;
    sp_roscimg_msg cimg;
    sp_caminfo_msg caminfo;
    sp_laserscan_msg scan;
    sp_rospkt_msg pkt;
    const char *meta; /* a sensor's metadata text (bag_src owns it) */
    size_t meta_len;
    sp_rosmsg_decoder *dec;
    const char *fields_map;
} bag_scratch;

/* Decode message @p msg of a topic with action @p a into a new frame
 * (*out, one reference), from @p st's pool manager and kernel context.
 * *dropped receives the point fields no channel kept ("" if none).
 * Errors: the decoders' (SP_EFORMAT, SP_EUNSUPPORTED), SP_EBUDGET. */
int sp__bag_decode(sp_stage *st, bag_scratch *s, bag_action a,
                   sp_rosmsg_enc enc, const sp_log_msg *msg, sp_frame **out,
                   const char **dropped, int64_t *stamp_ns);

/* A lidar packet message of @p kind into a packet frame. */
int sp__bag_decode_packets(sp_stage *st, bag_scratch *s, sp_rosmsg_enc enc,
                           sp_rosmsg_kind kind, const sp_log_msg *msg,
                           sp_frame **out, int64_t *stamp_ns);

#endif
