/* sensorpipe: MCAP files (https://mcap.dev/spec, major version 0) written
 * one message at a time, for Foxglove, RViz 2 and `ros2 bag play`.
 *
 * What a file holds, in order:
 *   magic, Header (profile, library),
 *   Chunks, each followed by one Message Index record per channel that has
 *     a message in it; a chunk's records are the Schema and Channel records
 *     of channels whose first message it holds, then Message records, and
 *     are compressed as a whole (zstd, LZ4 frame format, or stored);
 *     uncompressed_crc is the CRC-32 of the uncompressed records,
 *   Data End (the CRC-32 of every byte before it, magic included),
 *   the summary: every Schema, every Channel, one Statistics record, one
 *     Chunk Index per chunk,
 *   one Summary Offset record per non-empty summary group,
 *   Footer (with the CRC-32 of the summary, the summary offsets and the
 *     footer's own first fields), magic.
 * A chunk is closed once it holds chunk_size bytes of records or more; a
 * message that does not fit the space left closes the open chunk first, so
 * a message larger than chunk_size gets a chunk of its own. Channel ids
 * start at 1, schema ids at 1; Message Index entries are in write order.
 * With the "ros2" profile every channel carries the metadata key the
 * profile requires, offered_qos_profiles, empty ("no recorded QoS": rosbag2
 * then plays the topic with its default QoS).
 *
 * The file is written under a temporary name in the same directory
 * (".NAME.tmp.PID.N") and renamed over @p path by sp_mcap_writer_finish();
 * a writer destroyed without finishing removes it, so no half-written file
 * is ever left under @p path.
 *
 * Memory: the chunk buffer and the compression buffer are blocks from the
 * pool manager, kept and reused from chunk to chunk (a message larger than
 * the chunk buffer exchanges it for a larger block, once). The per-chunk
 * message index arrays are heap arrays that grow while the first chunks
 * fill and are then reused; the compression contexts are created once.
 * After warm-up, writing a message allocates nothing, except the one list
 * that grows with the file: the Chunk Index records kept for the summary
 * (about 100 bytes a chunk; room for 1,024 chunks is reserved at create,
 * and it then doubles when full).
 *
 * Errors: every write failure is SP_EIO naming the path and the system's
 * reason; after one, the writer refuses further writes and finish with
 * SP_EIO and destroy removes the temporary file.
 *
 * Thread safety: a writer is used by one thread at a time. */
#ifndef SP_MCAP_H
#define SP_MCAP_H

#include <stddef.h>
#include <stdint.h>

#include "sp_poolmgr.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Chunk compression. */
typedef enum sp_mcap_compression {
    SP_MCAP_ZSTD = 0, /**< "zstd" (the default) */
    SP_MCAP_LZ4 = 1,  /**< "lz4": the LZ4 frame format (liblz4's LZ4F),
                           independent blocks of up to 4 MiB, content size
                           in the frame header */
    SP_MCAP_NONE = 2  /**< "": records stored as they are */
} sp_mcap_compression;

/** "zstd", "lz4", "" (the chunk's compression field); NULL for others. */
const char *sp_mcap_compression_name(sp_mcap_compression c);

/** Writer configuration; zero fields take the stated default. */
typedef struct sp_mcap_writer_desc {
    sp_mcap_compression compression; /**< default zstd */
    int level;           /**< compression level; 0 = zstd 1, LZ4 fast (0) */
    size_t chunk_size;   /**< uncompressed bytes of records a chunk is closed
                              at; 0 = 1 MiB */
    const char *profile; /**< Header profile; NULL = "ros2" (copied) */
    const char *library; /**< Header library; NULL = "sensorpipe VERSION"
                              (copied) */
    sp_poolmgr *mgr;     /**< borrowed; where the chunk and compression
                              buffers come from; NULL = a manager of the
                              writer's own (default budget) */
} sp_mcap_writer_desc;

typedef struct sp_mcap_writer sp_mcap_writer;

/** Create the temporary file next to @p path (borrowed; copied) and write
 *  the magic and Header. @p desc borrowed (NULL = all defaults). *out is
 *  NULL on failure. Returns SP_OK, SP_EINVAL (bad desc, path too long or
 *  naming a directory), SP_EIO (cannot create or write the file: the
 *  message names @p path and the reason), SP_ENOMEM. */
int sp_mcap_writer_create(const char *path, const sp_mcap_writer_desc *desc,
                          sp_mcap_writer **out);

/** Add a schema: @p name ("sensor_msgs/msg/PointCloud2"), @p encoding
 *  ("ros2msg"; "" = no schema, then @p len must be 0) and its @p len bytes
 *  of @p data, all copied. *id receives its id (1, 2, ...). Written into
 *  the data section with the first message of a channel that uses it, and
 *  into the summary. SP_EINVAL (empty name, more than 65,535 schemas, after
 *  finish), SP_ENOMEM. */
int sp_mcap_writer_add_schema(sp_mcap_writer *w, const char *name,
                              const char *encoding, const void *data,
                              size_t len, uint16_t *id);

/** Add a channel on @p topic (copied) with messages in @p message_encoding
 *  ("cdr"), described by schema @p schema_id (0 = none). *id receives its
 *  id (1, 2, ...). SP_EINVAL (unknown schema, empty topic or encoding, more
 *  than 65,535 channels, after finish), SP_ENOMEM. */
int sp_mcap_writer_add_channel(sp_mcap_writer *w, uint16_t schema_id,
                               const char *topic, const char *message_encoding,
                               uint16_t *id);

/** Append one message of @p len bytes (@p data borrowed, copied into the
 *  chunk) on @p channel. Times are nanoseconds (log_time: when recorded,
 *  publish_time: when published). May close a chunk and write it. Returns
 *  SP_OK, SP_EINVAL (unknown channel, after finish), SP_EIO, SP_EBUDGET /
 *  SP_ENOMEM (no block for a message larger than any before). */
int sp_mcap_writer_write(sp_mcap_writer *w, uint16_t channel, uint32_t sequence,
                         uint64_t log_time, uint64_t publish_time,
                         const void *data, size_t len);

/** Close the last chunk, write the Data End, summary, summary offsets and
 *  Footer, and rename the file over its final name. With no message the
 *  result is a valid MCAP with no chunk. Returns SP_OK, SP_EINVAL (called
 *  twice), SP_EIO (the temporary file is removed then). */
int sp_mcap_writer_finish(sp_mcap_writer *w);

/** Free the writer; when it was not finished, close and remove the
 *  temporary file (nothing is left under the final name). Keeps the
 *  current error message. NULL is a no-op. */
void sp_mcap_writer_destroy(sp_mcap_writer *w);

/** Figures of a writer, for tests and statistics. */
typedef struct sp_mcap_writer_stats {
    uint64_t messages;     /**< written so far */
    uint64_t chunks;       /**< closed and written so far */
    uint64_t bytes;        /**< file bytes written so far */
    uint64_t uncompressed; /**< record bytes put into chunks so far */
} sp_mcap_writer_stats;

/** Copy the writer's figures into *out. SP_EINVAL for NULL arguments. */
int sp_mcap_writer_stats_get(const sp_mcap_writer *w,
                             sp_mcap_writer_stats *out);

#ifdef __cplusplus
}
#endif
#endif
