/* Internal to io/: what a log container (ROS1 bag, MCAP, rosbag2) gives the
 * shared log reader (io/log.c), and what the reader gives it back.
 *
 * A container's open() reads the container's index (or scans the file when
 * there is none) and fills the log through the builder calls below:
 *   - files it reads (sp__log_add_file), topics (sp__log_add_topic),
 *   - chunks: where a block of records lies in a file, compressed how
 *     (sp__log_add_chunk),
 *   - one entry per message: its log time, its topic, and where its record
 *     starts, either inside a chunk's uncompressed data or, for a message
 *     outside any chunk, in the file itself (sp__log_add_entry),
 *   - the first damage it found (sp__log_damage), which the reader reports
 *     after the messages before it.
 * It fills the sp_log_info fields it knows (version, profile, note,
 * indexed); the reader computes counts, times, compression and size.
 *
 * The reader then selects and orders entries, reads and decompresses each
 * chunk when its first message is reached (verifying the CRC or checksum),
 * and asks the container to parse one message record (ops->parse_record):
 * the container knows its record layout, the reader knows nothing of it.
 * Entries outside a chunk are loaded by ops->fetch (MCAP messages outside
 * chunks, rosbag2 rows).
 *
 * Memory: the index (topics, chunks, entries) is heap memory allocated at
 * open; staging for chunk and message bytes is pool blocks
 * (sp__log_stage), reused from message to message. */
#ifndef SP_LOG_INT_H
#define SP_LOG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "error_int.h"
#include "sp_log.h"

/* Chunk compression. */
typedef enum sp__codec {
    SP__CODEC_NONE = 0,
    SP__CODEC_BZ2,  /* ROS1 "bz2" */
    SP__CODEC_LZ4F, /* ROS1 "lz4" and MCAP "lz4": the LZ4 frame format */
    SP__CODEC_ZSTD, /* MCAP "zstd", rosbag2 zstd */
    SP__CODEC_COUNT
} sp__codec;

/* "none", "bz2", "lz4", "zstd". */
const char *sp__codec_name(sp__codec c);

/* Decompress @p n bytes at @p src into @p dst, which must receive exactly
 * @p want bytes (the size the container recorded). @p verify: check the LZ4
 * frame's content checksum when it has one. SP_EFORMAT with @p where
 * ("drive.bag: byte 4096: chunk") and what went wrong (corrupt data, fewer
 * or more bytes than recorded, checksum). Allocation-free after the first
 * call of each codec on a thread (decoder contexts are kept per thread). */
int sp__decompress(sp__codec c, const uint8_t *src, size_t n, uint8_t *dst,
                   size_t want, int verify, const char *where);

/* The LZ4 frame format straight into @p dst (io/lz4frame.c): what
 * sp__decompress() uses for SP__CODEC_LZ4F. Same contract. */
int sp__lz4f_decompress(const uint8_t *src, size_t n, uint8_t *dst,
                        size_t want, int verify, const char *where);

/* The CRC-32 (IEEE, as zlib and MCAP use) of @p n bytes, continuing from
 * @p crc (0 to start): PCLMULQDQ folding where the CPU has it (io/crc32.c),
 * else zlib's. sp__crc32_zlib() is zlib's alone (the reference in tests). */
uint32_t sp__crc32(uint32_t crc, const uint8_t *p, size_t n);
uint32_t sp__crc32_zlib(uint32_t crc, const uint8_t *p, size_t n);

/* The largest chunk or message the reader stages (the pool budget may
 * refuse less): sizes in a file beyond this are lies, not data. */
#define SP__LOG_MAX_STAGE ((uint64_t)4 << 30)

/* A chunk: a block of records stored together, maybe compressed. */
typedef struct sp__log_chunk {
    uint32_t file;        /* sp__log_add_file() index */
    uint8_t codec;        /* sp__codec */
    uint8_t has_crc;      /* 1: crc is the CRC-32 of the uncompressed data */
    uint32_t crc;         /* MCAP chunk uncompressed_crc */
    uint64_t offset;      /* file offset of the chunk record (messages) */
    uint64_t data_offset; /* file offset of its (compressed) records */
    uint64_t csize;       /* bytes stored */
    uint64_t usize;       /* bytes once decompressed */
} sp__log_chunk;

#define SP__LOG_NO_CHUNK UINT32_MAX

/* One message: where its record is. */
typedef struct sp__log_entry {
    int64_t time;   /* log time, ns */
    uint64_t pos;   /* offset of the record in the chunk's uncompressed
                       data; for chunk == SP__LOG_NO_CHUNK, the container's
                       own locator (file offset, .db3 row id) */
    uint32_t chunk; /* sp__log_add_chunk() index or SP__LOG_NO_CHUNK */
    uint16_t topic; /* sp__log_add_topic() index */
    uint16_t file;  /* sp__log_add_file() index */
} sp__log_entry;

typedef struct sp__log_ops {
    const char *name; /* "ros1", "mcap", "rosbag2" */
    /* 1 when the first @p n bytes of a file (n may be less than the file)
     * or the folder @p path (is_dir 1; head NULL) look like this container.
     * Must not fail loudly: no message set. */
    int (*probe)(const char *path, int is_dir, const uint8_t *head, size_t n);
    /* Read the index of @p path into @p log through the builder calls.
     * A header or index that cannot be read at all is an error (SP_EFORMAT
     * with file, offset, what); damage after usable messages is recorded
     * with sp__log_damage() and open() returns SP_OK. */
    int (*open)(sp_log *log, const char *path);
    /* Parse the message record of entry @p e that starts at @p rec, with
     * @p avail bytes from there to the end of the staged data: set
     * msg->data, msg->size and msg->publish_time (the reader sets the
     * rest). A record that runs past @p avail or lies is SP_EFORMAT naming
     * what (the reader adds file and offset). */
    int (*parse_record)(sp_log *log, const sp__log_entry *e, const uint8_t *rec,
                        size_t avail, sp_log_msg *msg);
    /* Entries outside chunks only (may be NULL if the container never adds
     * such entries): stage the record of @p e (sp__log_stage, slots
     * SP__LOG_SLOT_FETCH..) and set *rec / *avail to it; msg->offset may be
     * set to a better locator. */
    int (*fetch)(sp_log *log, const sp__log_entry *e, const uint8_t **rec,
                 size_t *avail, sp_log_msg *msg);
    /* Free the container's state (sp__log_impl). May be NULL. */
    void (*close)(sp_log *log);
} sp__log_ops;

/* A container registers itself as a file format (io/format_int.h) whose
 * .log points at its ops, e.g. in io/ros1bag.c:
 *     static const sp__log_ops ros1_ops = {...};
 *     const sp__format sp__format_ros1 = {.name = "ros1", .what = "ROS1 bag
 *         v2.0", .source = "bag", .order = 10, .probe = ros1_probe,
 *         .log = &ros1_ops};
 * sp_log_open() probes the registered formats and calls the first log
 * container that recognises the path. */

/* For a container that holds another's files (a rosbag2 folder whose
 * storage is MCAP): from now on the log uses @p ops (parse_record, fetch,
 * close). The caller frees its own impl first and sets it to NULL. */
void sp__log_set_ops(sp_log *log, const sp__log_ops *ops);

/* MCAP's indexer for one file, for rosbag2 folders whose storage is MCAP
 * (io/mcap_read.c): adds the file, its topics, chunks and entries to
 * @p log, creating the MCAP impl on first use. */
int sp__mcap_index_file(sp_log *log, const char *path);
/* The MCAP container's ops (io/mcap_read.c). */
extern const sp__log_ops sp__mcap_ops;

/* ---- builder: for a container's open() ---- */

/* The container's private state: set once in open(), freed by close(). */
void sp__log_set_impl(sp_log *log, void *impl);
void *sp__log_impl(const sp_log *log);

/* The info fields a container fills (version, profile, note, indexed);
 * counts, times, compression and size are computed by the reader. */
sp_log_info *sp__log_info_mut(sp_log *log);

/* The descriptor the log was opened with (no_verify, skip_damaged). */
const sp_log_desc *sp__log_desc(const sp_log *log);

/* Open @p path for reading and add it: *index for chunks and entries,
 * *fd and *size for the container to read it (the log closes the fd). */
int sp__log_add_file(sp_log *log, const char *path, uint16_t *index, int *fd,
                     uint64_t *size);
/* A file's path, fd and size by index. */
const char *sp__log_file_path(const sp_log *log, uint16_t index);
int sp__log_file_fd(const sp_log *log, uint16_t index);
uint64_t sp__log_file_size(const sp_log *log, uint16_t index);

/* Add a topic, or find the one with the same name and type (the strings
 * are copied; @p schema and @p md5 may be NULL). Topics beyond 65535 are
 * SP_ERANGE. */
int sp__log_add_topic(sp_log *log, const char *name, const char *type,
                      const char *encoding, const char *schema,
                      const char *md5, uint16_t *index);

/* Add a chunk (copied); *index for its entries. */
int sp__log_add_chunk(sp_log *log, const sp__log_chunk *c, uint32_t *index);

/* Add one message entry. */
int sp__log_add_entry(sp_log *log, const sp__log_entry *e);

/* Record damage found while indexing: @p status (SP_EFORMAT usually) and
 * a message "FILE: byte N: what, expected what". Only the first is kept
 * when skip_damaged is off; with it, each is added to the skipped list and
 * the open goes on. Returns @p status for `return sp__log_damage(...)`
 * from helpers that then stop indexing that file. */
int sp__log_damage(sp_log *log, int status, const char *fmt, ...)
    SP__PRINTF(3, 4);

/* Note something skipped that is not damage (an unknown record, an
 * unsupported encoding), listed by sp_log_skipped() without failing. */
void sp__log_note(sp_log *log, const char *fmt, ...) SP__PRINTF(2, 3);

/* ---- staging: for parse_record()/fetch() and scans during open() ---- */

enum {
    SP__LOG_SLOT_CHUNK0 = 0, /* the reader's chunk cache */
    SP__LOG_SLOT_CHUNK1 = 1,
    SP__LOG_SLOT_READ = 2,  /* the reader's compressed read buffer */
    SP__LOG_SLOT_FETCH = 3, /* a container's own: 3, 4, 5 */
    SP__LOG_SLOTS = 6
};

/* A staging buffer of at least @p n bytes in slot @p slot, from the log's
 * pool manager: the slot's block is reused when big enough, else returned
 * and a bigger one taken (contents not kept). @p what names the file,
 * offset and purpose for the budget's message ("drive.bag: byte 4096:
 * chunk of 1099511627776 bytes"). SP_EBUDGET / SP_ENOMEM / SP_ERANGE
 * (over SP__LOG_MAX_STAGE). */
int sp__log_stage(sp_log *log, int slot, uint64_t n, const char *what,
                  uint8_t **out);

/* Read and decompress chunk @p c of the log into slot @p slot (during
 * open(), for a container that must look inside chunks: unindexed files).
 * Verifies the CRC / checksum unless no_verify. *data has c->usize bytes.
 * Errors name the file, the chunk's offset and what was wrong. */
int sp__log_load_chunk(sp_log *log, const sp__log_chunk *c, int slot,
                       const uint8_t **data);

/* Bounds-checked little-endian reads for record parsers. */
static inline uint16_t sp__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t sp__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t sp__le64(const uint8_t *p)
{
    return (uint64_t)sp__le32(p) | (uint64_t)sp__le32(p + 4) << 32;
}

#endif
