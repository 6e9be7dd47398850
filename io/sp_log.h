/* sensorpipe: recorded robot logs — ROS1 bags, MCAP files and rosbag2
 * bags — read lazily as messages, with no ROS installation.
 *
 * sp_log_open() recognises the container by its content (not its name):
 *  - ROS1 bag v2.0 (chunks uncompressed, bz2 or lz4 frame), opened through
 *    its index (connections and chunk infos at index_pos, the IndexData
 *    after each chunk); a bag without an index (a recording killed before
 *    it was written) is read by a linear scan at open;
 *  - MCAP (chunks uncompressed, zstd or lz4), opened through its summary
 *    section (chunk indexes, message indexes) when present, else by a
 *    linear scan;
 *  - rosbag2: a folder with metadata.yaml and its .db3 files (read in
 *    their order), or one .db3 file; per-message zstd (MESSAGE mode) and
 *    whole-file zstd (FILE mode, .db3.zstd); a rosbag2 folder whose storage
 *    is MCAP is read as MCAP.
 * Opening reads only the index: the message times, topics and where each
 * message lies. A message's bytes are read (and its chunk decompressed)
 * when sp_log_next() reaches it, one chunk at a time, into blocks of the
 * pool manager given in the descriptor, so after warm-up reading allocates
 * nothing per message or per chunk, and memory stays bounded by the largest
 * chunk whatever the log's size.
 *
 * Damage (a truncated record, a missing end, a size that lies, a bad CRC or
 * checksum) never crashes and is never mistaken for the end of the log:
 * every message before the damage is delivered, then sp_log_next() fails
 * with SP_EFORMAT naming the file, the byte offset and what was wrong. With
 * skip_damaged set, the damaged chunk or record is skipped instead, the log
 * goes on where it can, and sp_log_skipped() says what was skipped.
 *
 * Ownership: the log owns everything it returns (topics, info, message
 * bytes); message bytes are valid until the next sp_log_next(),
 * sp_log_select() or sp_log_destroy().
 *
 * Thread safety: one thread at a time per log; logs are independent. */
#ifndef SP_LOG_H
#define SP_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "sp_poolmgr.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_log sp_log;

/** How a log is opened; zero = defaults. */
typedef struct sp_log_desc {
    sp_poolmgr *mgr;  /**< borrowed: staging blocks (chunks, messages) come
                           from it; NULL = the log makes its own manager
                           (default budget) */
    int no_verify;    /**< 1: skip LZ4 frame content checksums and MCAP
                           chunk CRCs (faster; damage may go unseen) */
    int skip_damaged; /**< 1: skip a damaged chunk or record, remember it
                           (sp_log_skipped()) and go on */
} sp_log_desc;

/** One topic (a ROS1 connection or an MCAP channel of that name and
 *  type; several connections of one topic, type and message encoding are
 *  one topic). */
typedef struct sp_log_topic {
    const char *name;     /**< "/points" */
    const char *type;     /**< as recorded: "sensor_msgs/PointCloud2" or
                               "sensor_msgs/msg/PointCloud2" */
    const char *encoding; /**< message encoding: "ros1" or "cdr" */
    const char *schema;   /**< message definition text; "" if none */
    const char *md5;      /**< ROS1 md5sum; "" elsewhere */
    uint64_t count;       /**< messages in the log */
    int64_t t_first;      /**< log time of the first message, ns */
    int64_t t_last;       /**< log time of the last message, ns */
} sp_log_topic;

/** What the container is. */
typedef struct sp_log_info {
    char container[16];   /**< "ros1", "mcap", "rosbag2" */
    char version[32];     /**< "2.0" (ROS1), "0" (MCAP), "9" (rosbag2
                               metadata version) */
    char profile[32];     /**< MCAP profile ("ros2"); rosbag2 storage
                               ("sqlite3", "mcap"); "" for ROS1 */
    char compression[64]; /**< "lz4", "bz2", "zstd", "none", or a list
                               ("none+lz4") when chunks differ */
    char note[256];       /**< how it was opened: "indexed", "no index:
                               read by a linear scan", ... */
    uint64_t size_bytes;  /**< on disk, every file */
    uint64_t messages;    /**< every message of every topic */
    uint64_t chunks;      /**< 0 when the container has none */
    int64_t t_start;      /**< earliest log time, ns (0 when empty) */
    int64_t t_end;        /**< latest log time, ns */
    int indexed;          /**< 1: opened through the container's index */
    size_t nfiles;        /**< files read (rosbag2 splits) */
} sp_log_info;

/** One message, as sp_log_next() returns it. */
typedef struct sp_log_msg {
    uint32_t topic;       /**< index for sp_log_topic_at() */
    int64_t log_time;     /**< ns: when it was recorded */
    int64_t publish_time; /**< ns: MCAP's publish_time; log_time elsewhere */
    uint64_t index;       /**< 0-based position among its topic's messages
                               in the log (log-time order) */
    const uint8_t *data;  /**< the serialized message (borrowed) */
    size_t size;
    const char *file; /**< the file it came from (borrowed) */
    uint64_t offset;  /**< where: the byte offset of its record, or of
                           its chunk when the chunk is compressed; the
                           row id in a .db3 */
} sp_log_msg;

/** Message order. */
typedef enum sp_log_order {
    SP_LOG_ORDER_TIME = 0, /**< log time across all selected topics, stable
                                for equal times (rosbag play, ros2 bag
                                play) */
    SP_LOG_ORDER_FILE = 1  /**< as stored */
} sp_log_order;

/** Which messages sp_log_next() returns; zero = every message in log-time
 *  order. */
typedef struct sp_log_filter {
    const char
        *topics;       /**< comma list of names; a trailing '*' matches a
                            prefix ("/camera/" then a star); NULL or "" = all */
    const char *types; /**< comma list of types in either spelling
                            ("sensor_msgs/PointCloud2" matches
                            "sensor_msgs/msg/PointCloud2"); a trailing
                            '*' matches a prefix; NULL or "" = all */
    int has_start, has_end;
    int64_t start_ns, end_ns; /**< log time from the log's start
                                   (t_start), inclusive */
    uint64_t count;           /**< at most this many messages; 0 = all */
    uint64_t step;            /**< every step-th message of each topic in
                                   the window, from its first; 0 or 1 =
                                   every one (count= counts those kept) */
    sp_log_order order;
    const uint8_t *topic_mask; /**< optional: topic i is selected only
                                    when topic_mask[i] != 0 (one byte per
                                    topic, sp_log_topic_count()) */
} sp_log_filter;

/** Open @p path (a file, or a rosbag2 folder), reading only its index.
 *  @p desc is borrowed (NULL = defaults); its manager must outlive the log.
 *  *out is NULL on failure. Returns SP_OK; SP_ENOTFOUND for a missing path;
 *  SP_EUNSUPPORTED for a file that is none of the three containers (what
 *  was seen is named); SP_EFORMAT for a header or index that cannot be
 *  read at all (file, offset, what); SP_ENOMEM / SP_EBUDGET. Damage found
 *  while indexing does not fail the open: it is reported by sp_log_next()
 *  after the messages before it. */
int sp_log_open(const char *path, const sp_log_desc *desc, sp_log **out);

/** Close the log and return its staging blocks. NULL is a no-op. */
void sp_log_destroy(sp_log *log);

/** 1 when @p path's content is a container sp_log_open() reads (a quick
 *  look at its first bytes, or a folder's metadata.yaml); 0 otherwise. */
int sp_log_probe(const char *path);

/** The container's description (owned by the log). */
const sp_log_info *sp_log_info_get(const sp_log *log);

/** Topics, in the order of first appearance in the index. */
size_t sp_log_topic_count(const sp_log *log);
const sp_log_topic *sp_log_topic_at(const sp_log *log, size_t i);

/** 1 when topic @p i matches @p f's topics and types. */
int sp_log_topic_selected(const sp_log *log, size_t i, const sp_log_filter *f);

/** Choose the messages and order sp_log_next() returns from now on, and
 *  start from the first (@p f borrowed during the call; NULL = all).
 *  Returns SP_OK, SP_EINVAL for an empty time window (end before start),
 *  SP_ENOMEM. */
int sp_log_select(sp_log *log, const sp_log_filter *f);

/** How many messages the last sp_log_select() chose (all of them, before
 *  the first sp_log_next()). */
uint64_t sp_log_selected(const sp_log *log);

/** The next selected message into *msg. Returns SP_OK; SP_EOS after the
 *  last; SP_EFORMAT on damage (file, byte offset, what; the messages before
 *  it were delivered); SP_EIO; SP_EBUDGET / SP_ENOMEM when a chunk does not
 *  fit the pool budget (file, offset and the size asked named). After an
 *  error, later calls return it again. */
int sp_log_next(sp_log *log, sp_log_msg *msg);

/** The message of topic @p topic at position @p index (0-based in log
 *  time), read without disturbing sp_log_next()'s position except that
 *  message bytes it returned earlier become invalid. For a source that
 *  needs one message ahead of time (a camera's CameraInfo). Returns as
 *  sp_log_next(), SP_ERANGE for an index past the topic's count. */
int sp_log_read_at(sp_log *log, uint32_t topic, uint64_t index,
                   sp_log_msg *msg);

/** What was skipped because of damage (skip_damaged): the number of
 *  damaged places, and a text listing them (snprintf semantics into @p buf;
 *  may be NULL with cap 0). */
size_t sp_log_skipped(const sp_log *log, char *buf, size_t cap);

/** "sensor_msgs/msg/PointCloud2" -> "sensor_msgs/PointCloud2": the ROS1
 *  spelling of a type name, into @p buf (snprintf semantics). */
int sp_log_type_ros1(const char *type, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
