/* sensorpipe: a frame — one sensor reading and its metadata in a pool block.
 *
 * The frame header and its payload (points, image or tensor) live in one
 * block from the pool manager: creating a frame allocates nothing from the
 * heap once the pools are warm. A frame is reference-counted through its
 * block: sp_frame_ref() adds a reference, sp_frame_unref() drops one and the
 * last returns the block to its pool. Frames are immutable once handed
 * downstream except by their single owner (refcount 1).
 *
 * Thread safety: ref/unref from any thread; a frame's data is touched by one
 * stage at a time. */
#ifndef SP_FRAME_H
#define SP_FRAME_H

#include <stdint.h>

#include "sp_calib.h"
#include "sp_image.h"
#include "sp_packets.h"
#include "sp_points.h"
#include "sp_poolmgr.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_STREAM_NAME_MAX 128

typedef enum sp_sensor {
    SP_SENSOR_LIDAR = 0,
    SP_SENSOR_CAMERA,
    SP_SENSOR_TENSOR /**< derived data: BEV rasters, range images, ... */
} sp_sensor;

typedef enum sp_payload {
    SP_PAYLOAD_POINTS = 0,
    SP_PAYLOAD_IMAGE,
    SP_PAYLOAD_TENSOR,
    SP_PAYLOAD_PACKETS /**< raw sensor packets (lidar UDP payloads) */
} sp_payload;

/** What a frame's origin is, for messages and for the file sinks' names. */
typedef enum sp_origin_kind {
    SP_ORIGIN_FILE = 0,  /**< origin is the file the frame was read from
                              (NULL: none, a synthetic frame) */
    SP_ORIGIN_FILE_ITEM, /**< frame origin_index (0-based) of a file that
                              holds several (a raw file of frames; the
                              lidar stage's scans of a capture) */
    SP_ORIGIN_LOG        /**< message origin_index of its topic in the log
                              file origin */
} sp_origin_kind;

typedef struct sp_frame {
    uint64_t seq;         /**< per stream, from 0 */
    int64_t timestamp_ns; /**< sensor time in ns (epoch or log-relative) */
    char stream[SP_STREAM_NAME_MAX]; /**< "velodyne", "image_02", a log
                                          topic "/points" ... */
    sp_sensor sensor;
    sp_payload payload;
    union {
        sp_points points;
        sp_image image;
        sp_tensor tensor;
        sp_packets packets;
    } u;
    const sp_calib *calib; /**< borrowed from the source; may be NULL */
    const char *origin;    /**< file it was read from (borrowed), or NULL */
    uint64_t origin_index; /**< which item of the origin: a log message's
                                index in its topic (0-based) */
    int64_t log_time_ns;   /**< when a log recorded it (0 if not a log) */
    sp_origin_kind origin_kind; /**< what origin and origin_index name */
    uint64_t t_read_ns;     /**< CLOCK_MONOTONIC time its source started reading
                                 it (set by the pipeline; 0: not from a source):
                                 the start of the end-to-end latency; under
                                 rate= the time it was due, when it had to
                                 wait for it */
    uint64_t t_due_ns;      /**< under rate=: CLOCK_MONOTONIC time the frame is
                                 due (its timestamp replayed); 0 otherwise */
    struct sp_block *block; /**< the block holding this frame (private) */
    int written; /**< a built-in sink wrote it, or `null` discarded it on
                      purpose (private: for the note on frames that reach
                      the end of a pipeline unwritten) */
} sp_frame;

/** New frame holding points with room for @p capacity points and the
 *  optional @p fields, no extras. Metadata is zero; the caller fills it.
 *  *out has one reference. Returns the sp_poolmgr_acquire() status. */
int sp_frame_create_points(sp_poolmgr *mgr, size_t capacity, unsigned fields,
                           sp_frame **out);

/** As sp_frame_create_points(), laid out as @p layout (borrowed; NULL = no
 *  optional field): the extras' arrays and their table share the frame's
 *  block. SP_EINVAL for an invalid layout (sp_points_layout_check()). A
 *  stage that makes an output like its input passes the input's
 *  sp_points_layout_of(). */
int sp_frame_create_points_layout(sp_poolmgr *mgr, size_t capacity,
                                  const sp_points_layout *layout,
                                  sp_frame **out);

/** New frame holding an image (stride 0 = default). */
int sp_frame_create_image(sp_poolmgr *mgr, uint32_t width, uint32_t height,
                          sp_pixfmt fmt, size_t stride, sp_frame **out);

/** New frame holding a tensor. */
int sp_frame_create_tensor(sp_poolmgr *mgr, sp_dtype dtype, int ndim,
                           const size_t *shape, sp_frame **out);

/** New frame holding a batch of raw packets: room for @p capacity packets
 *  of @p data_capacity payload bytes in all and @p meta_capacity bytes of
 *  metadata text (0: none). Sensor is lidar, payload SP_PAYLOAD_PACKETS.
 *  SP_EINVAL for capacity 0; the sp_poolmgr_acquire() status. */
int sp_frame_create_packets(sp_poolmgr *mgr, size_t capacity,
                            size_t data_capacity, size_t meta_capacity,
                            sp_frame **out);

/** Copy seq, timestamps (t_read_ns too), stream, sensor, calib and origin
 *  (origin_index, origin_kind) from @p src. */
void sp_frame_copy_meta(sp_frame *dst, const sp_frame *src);

/** Add a reference. NULL is a no-op. */
void sp_frame_ref(sp_frame *f);

/** Drop a reference; the last returns the memory to its pool. NULL is a
 *  no-op. */
void sp_frame_unref(sp_frame *f);

/** What a frame holds, in one line into @p buf (snprintf semantics; returns
 *  what snprintf returns): "points 120574 (x y z intensity ring)",
 *  with extras as name:type[xcount] ("... rgb:u32 normal:f32x3)"),
 *  "image 1242x375 bayer_rggb8", "tensor f32 (3, 400, 352)". What
 *  `sensorpipe run -v` prints. */
int sp_frame_describe(const sp_frame *f, char *buf, size_t cap);

/** "lidar", "camera", "tensor". */
const char *sp_sensor_name(sp_sensor s);

/** "points", "image", "tensor", "packets"; "unknown" for another value. */
const char *sp_payload_name(sp_payload p);

#ifdef __cplusplus
}
#endif
#endif
