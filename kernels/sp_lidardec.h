/* sensorpipe: spinning-lidar packet decoding — raw UDP payloads of
 * Velodyne, Hesai and Ouster sensors into points.
 *
 * A decoder is made once per stream for a model, a calibration table
 * (Velodyne YAML, Hesai CSV: io/sp_lidarcal.h; none: the model's factory
 * table where one exists) or, for Ouster, the sensor's metadata JSON, and
 * the filters (return, range, azimuth window). Then each packet is
 * inspected (its size and header checked; its columns — the firing groups
 * that share one azimuth — and their azimuths listed, so a caller can cut
 * scans between columns) and decoded, whole or a range of its columns, by
 * appending points to a cloud. The per-point arithmetic (distance, the
 * corrected azimuth, the trigonometry lookup, x/y/z, the filters and the
 * compaction) is the kernel: scalar reference, SSE4.1, AVX2 and NEON
 * versions, bit-exact against the scalar one, and an OpenCL version that
 * takes a whole scan's packets (sp_lidardec_decode_packets()), exact too.
 * Nothing is allocated per packet or scan; the decoder's tables are made
 * at creation.
 *
 * Coordinates follow each vendor's ROS driver as Autoware's nebula writes
 * them (x forward, y left, z up; metres); azimuth is reported in degrees
 * clockwise from the sensor's zero as the packets count it.
 *
 * Thread safety: a decoder is used by one thread at a time. */
#ifndef SP_LIDARDEC_H
#define SP_LIDARDEC_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_lidar_calib.h"
#include "sp_ouster.h"
#include "sp_points.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum, name, people's name) */
#define SP_LIDAR_MODEL_LIST(X)                                                 \
    X(SP_LIDAR_VLP16, "vlp16", "Velodyne VLP-16")                              \
    X(SP_LIDAR_VLP32C, "vlp32c", "Velodyne VLP-32C")                           \
    X(SP_LIDAR_HDL32E, "hdl32e", "Velodyne HDL-32E")                           \
    X(SP_LIDAR_HDL64E, "hdl64e", "Velodyne HDL-64E")                           \
    X(SP_LIDAR_VLS128, "vls128", "Velodyne VLS-128")                           \
    X(SP_LIDAR_PANDAR64, "pandar64", "Hesai Pandar64")                         \
    X(SP_LIDAR_PANDAR40P, "pandar40p", "Hesai Pandar40P")                      \
    X(SP_LIDAR_XT32, "xt32", "Hesai PandarXT32")                               \
    X(SP_LIDAR_QT64, "qt64", "Hesai PandarQT64")                               \
    X(SP_LIDAR_OUSTER, "ouster", "Ouster OS")

typedef enum sp_lidar_model {
#define SP__LIDAR_MODEL_ENUM(e, name, what) e,
    SP_LIDAR_MODEL_LIST(SP__LIDAR_MODEL_ENUM)
#undef SP__LIDAR_MODEL_ENUM
        SP_LIDAR_MODEL_COUNT
} sp_lidar_model;

/** "vlp16", ...; NULL for an unknown model. */
const char *sp_lidar_model_name(sp_lidar_model m);
/** "Velodyne VLP-16", ...; NULL for an unknown model. */
const char *sp_lidar_model_what(sp_lidar_model m);
/** The model's usable range in metres (its datasheet's; the default
 *  filter). SP_EINVAL for an unknown model. */
int sp_lidar_model_range(sp_lidar_model m, double *min_m, double *max_m);

/** The model named @p name; SP_EINVAL listing the names otherwise. */
int sp_lidar_model_from_name(const char *name, sp_lidar_model *out);

/** Which returns of a dual-return packet become points. */
typedef enum sp_lidar_return {
    SP_LIDAR_RETURN_DUAL = 0,  /**< every distinct return */
    SP_LIDAR_RETURN_STRONGEST, /**< the strongest of each firing */
    SP_LIDAR_RETURN_LAST       /**< the last of each firing */
} sp_lidar_return;

/** What a point's return_type extra says (a label). */
enum {
    SP_LIDAR_RT_UNKNOWN = 0,
    SP_LIDAR_RT_STRONGEST = 1, /**< single-return strongest, or the
                                    strongest of two */
    SP_LIDAR_RT_LAST = 2,      /**< single-return last, or the last of two */
    SP_LIDAR_RT_IDENTICAL = 3, /**< last and strongest are the same */
    SP_LIDAR_RT_SECOND = 4,    /**< second strongest */
    SP_LIDAR_RT_FIRST = 5      /**< first (nearest) */
};

typedef struct sp_lidardec_desc {
    sp_lidar_model model;
    const sp_lidar_calib *calib;  /**< borrowed during create; NULL or no
                                       lasers: the factory table */
    const char *meta;             /**< Ouster metadata JSON (borrowed during
                                       create); NULL otherwise */
    const sp_ouster_geom *ouster; /**< model ouster: the metadata parsed
                                       (io/sp_ouster_meta.h gives it;
                                       borrowed during create) */
    sp_lidar_return ret;
    double min_range, max_range; /**< metres; both 0: the model's */
    double min_angle, max_angle; /**< degrees [0, 360]; a point is kept
                                      when its azimuth is in the window,
                                      which wraps through 0 when min >
                                      max; equal: the whole circle */
} sp_lidardec_desc;

typedef struct sp_lidardec sp_lidardec;

/** Most columns a packet has. */
#define SP_LIDARDEC_MAX_COLS 32

/** What sp_lidardec_inspect() found in a packet. */
typedef struct sp_lidardec_info {
    unsigned ncols;                        /**< columns (firing groups) */
    uint16_t col_az[SP_LIDARDEC_MAX_COLS]; /**< azimuth of each, 0.01 deg */
    int64_t frame_id; /**< the sensor's own frame (scan) counter where
                           the packets carry one (Ouster), else -1 */
    int model_byte;   /**< the packet's model/factory byte, or -1 */
    int return_byte;  /**< its return-mode byte, or -1 */
    const char *says; /**< when the packet's model byte names another
                           model: that model's name (e.g. "Velodyne
                           HDL-32E"), else NULL */
} sp_lidardec_info;

/** Where decoded points go: @p pts (borrowed) gets x, y, z, intensity and,
 *  when it has them, ring and time (seconds from the scan's start); the
 *  extras, when not NULL, one value per point at the same index. */
typedef struct sp_lidardec_out {
    sp_points *pts;
    float *azimuth;       /**< degrees */
    float *distance;      /**< metres */
    uint8_t *return_type; /**< SP_LIDAR_RT_* */
} sp_lidardec_out;

/** Make a decoder. *out is NULL on failure. SP_EINVAL (a model with no
 *  factory table and no calib: "vls128: no factory table, give calib="),
 *  SP_EFORMAT (a calibration of the other vendor, or with fewer lasers
 *  than the model has), SP_EUNSUPPORTED (a model whose decoder is not built),
 *  SP_ENOMEM. */
int sp_lidardec_create(sp_kctx *k, const sp_lidardec_desc *desc,
                       sp_lidardec **out);

/** Destroy; NULL is a no-op. */
void sp_lidardec_destroy(sp_lidardec *d);

/** Most points one packet makes. A cloud needs room for this many plus 8
 *  (SIMD stores whole vectors) before each sp_lidardec_decode(). */
size_t sp_lidardec_max_points(const sp_lidardec *d);

/** Packets one revolution takes at the model's slowest rotation (a
 *  capacity hint for a scan's cloud). */
size_t sp_lidardec_packets_per_scan(const sp_lidardec *d);

/** The model. */
sp_lidar_model sp_lidardec_model(const sp_lidardec *d);

/** Check packet @p pkt of @p len bytes (borrowed) and list its columns.
 *  SP_EFORMAT ("1206-byte packet, expected 1248 for hesai pandar64"; "block
 *  3: header 0x1234, expected 0xeeff"; "azimuth 40000, expected below
 *  36000"). */
int sp_lidardec_inspect(sp_lidardec *d, const uint8_t *pkt, size_t len,
                        sp_lidardec_info *info);

/** Decode columns [@p col0, @p col1) of a packet that sp_lidardec_inspect()
 *  accepted, appending at out->pts->count (which advances). @p t_rel_s is
 *  the packet's time minus the scan's start, seconds. The cloud must have
 *  room for sp_lidardec_max_points() + 8 more points (SP_ERANGE
 *  otherwise). */
int sp_lidardec_decode(sp_lidardec *d, const uint8_t *pkt, size_t len,
                       unsigned col0, unsigned col1, double t_rel_s,
                       sp_lidardec_out *out);

/** One packet of a sp_lidardec_decode_packets() call: its bytes
 *  (borrowed), which sp_lidardec_inspect() accepted, the columns
 *  [col0, col1) to decode and its time minus the scan's start, seconds. */
typedef struct sp_lidardec_packet {
    const uint8_t *data;
    size_t len;
    unsigned col0, col1;
    double t_rel_s;
} sp_lidardec_packet;

/** Decode @p n packets (a scan's) in one call: the same points, in the
 *  same order, as sp_lidardec_decode() on each in turn; the cloud needs
 *  room for n x sp_lidardec_max_points() + 8 more points (SP_ERANGE
 *  otherwise). The one call lets the kernel's back-end be chosen once per
 *  scan, and the OpenCL one (SP_LIDARDEC_OPENCL_MIN_POINTS) take a whole
 *  scan: sp_lidardec_decode() alone always runs on the CPU (a packet is
 *  far below what a device call pays for). Ouster packets decode one by
 *  one on the CPU either way. */
int sp_lidardec_decode_packets(sp_lidardec *d, const sp_lidardec_packet *pk,
                               size_t n, sp_lidardec_out *out);

/** The candidate points (packets x their points) from which backend=auto
 *  runs sp_lidardec_decode_packets() on an OpenCL device, when the
 *  context has one (a GPU or a named device) and that device shares host
 *  memory: a discrete GPU would take longer to send the points back (31
 *  bytes each) than AVX2 takes to make them. The OpenCL version is exact:
 *  the scalar reference's points bit for bit (it needs double precision,
 *  cl_khr_fp64; without it auto falls back to the CPU). It does not pay on
 *  PoCL's CPU device: a VLS-128 scan (603 packets, 209,907 points) takes
 *  4-16 ms there (wall clock, both cores) against 0.6-1.1 ms of one core
 *  with AVX2 (bench/bench_lidar_packets, README); auto opens no CPU
 *  device by itself, so it keeps SIMD. */
#define SP_LIDARDEC_OPENCL_MIN_POINTS ((size_t)65536)

/** Model ouster: the shape {5, beams, columns} of its range image.
 *  SP_EUNSUPPORTED for the other models. */
int sp_lidardec_image_shape(const sp_lidardec *d, size_t shape[3]);

/** Model ouster: the range image (sp_ouster_range_image(): range, x, y, z,
 *  intensity; -1 where no return) of the frame the last decoded packet
 *  belongs to, straight from the packets' pixels; @p destagger 1 shifts
 *  each row by pixel_shift_by_row so that a column is one azimuth. Call it
 *  after a scan is cut and before a packet of the next frame is decoded.
 *  SP_EUNSUPPORTED for the other models, SP_EINVAL for another shape. */
int sp_lidardec_range_image(const sp_lidardec *d, int destagger,
                            sp_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
