/* Internal to the ROS1 bag v2.0 container (io/ros1bag*.c): records and
 * their header fields, the connection table, and the index a bag's open
 * builds before it hands it to the log reader.
 *
 * A bag is "#ROSBAG V2.0\n", a bag header record padded to 4096 bytes, then
 * chunks (op 0x05), each followed by one IndexData record (op 0x04) per
 * connection in it, then at index_pos the connection records (op 0x07) and
 * one chunk info record (op 0x06) per chunk. A record is header_len (u32),
 * header fields (u32 length, "name=value"), data_len (u32), data; all
 * little-endian. Inside a chunk's uncompressed data: connection records
 * and message data records (op 0x02).
 *
 * Files: ros1bag.c (format, open, commit, parse_record, connections),
 * ros1bag_record.c (fields, reads, records), ros1bag_index.c (open
 * through the index), ros1bag_scan.c (open by a linear scan). */
#ifndef SP_ROS1BAG_INT_H
#define SP_ROS1BAG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "log_int.h"

#define SP__ROS1_MAGIC "#ROSBAG V2.0\n"
#define SP__ROS1_MAGIC_LEN 13

enum {
    SP__ROS1_OP_MSG_DATA = 0x02,
    SP__ROS1_OP_BAG_HEADER = 0x03,
    SP__ROS1_OP_INDEX_DATA = 0x04,
    SP__ROS1_OP_CHUNK = 0x05,
    SP__ROS1_OP_CHUNK_INFO = 0x06,
    SP__ROS1_OP_CONNECTION = 0x07
};

/* The header fields the container reads. */
typedef enum sp__ros1_key {
    SP__ROS1_K_OP,
    SP__ROS1_K_CONN,
    SP__ROS1_K_TIME,
    SP__ROS1_K_TOPIC,
    SP__ROS1_K_COMPRESSION,
    SP__ROS1_K_SIZE,
    SP__ROS1_K_INDEX_POS,
    SP__ROS1_K_CONN_COUNT,
    SP__ROS1_K_CHUNK_COUNT,
    SP__ROS1_K_VER,
    SP__ROS1_K_COUNT,
    SP__ROS1_K_CHUNK_POS,
    SP__ROS1_K_TYPE,
    SP__ROS1_K_MD5SUM,
    SP__ROS1_K_MSG_DEF,
    SP__ROS1_K_ENCRYPTOR,
    SP__ROS1_NKEYS
} sp__ros1_key;

/* A parsed header: each known field's value (pointing into the header
 * bytes) or NULL. A name given twice keeps its last value, as rosbag's
 * dictionary does. */
typedef struct sp__ros1_hdr {
    const uint8_t *v[SP__ROS1_NKEYS];
    uint32_t n[SP__ROS1_NKEYS];
} sp__ros1_hdr;

/* Parse @p n header bytes. SP_EFORMAT saying what is wrong ("field at byte
 * 12 of the header ..."); the caller adds where. */
int sp__ros1_parse_header(const uint8_t *p, size_t n, sp__ros1_hdr *h);

/* A field as u32 / u64 / ROS time (sec, nsec -> ns) / text of at most
 * @p cap - 1 bytes. SP_EFORMAT when missing or of the wrong size. */
int sp__ros1_u32(const sp__ros1_hdr *h, sp__ros1_key k, uint32_t *out);
int sp__ros1_u64(const sp__ros1_hdr *h, sp__ros1_key k, uint64_t *out);
int sp__ros1_time(const sp__ros1_hdr *h, sp__ros1_key k, int64_t *ns);
/* The field's text into a new string (NULL field: ""); NULL on no memory. */
char *sp__ros1_strdup(const sp__ros1_hdr *h, sp__ros1_key k);
const char *sp__ros1_key_name(sp__ros1_key k);

/* Where records are read from: the bag file, through a small read window
 * staged in slot SP__LOG_SLOT_FETCH, or a chunk's uncompressed data in
 * memory. */
typedef struct sp__ros1_src {
    sp_log *log;
    const char *path;
    uint64_t size;       /* bytes in the file or the chunk */
    int fd;              /* -1: memory */
    const uint8_t *mem;  /* the chunk's data */
    uint64_t chunk_pos;  /* memory: the chunk record's file offset */
    const uint8_t *win;  /* file: the window */
    uint64_t win_off;
    size_t win_len;
} sp__ros1_src;

void sp__ros1_src_file(sp__ros1_src *s, sp_log *log, const char *path, int fd,
                       uint64_t size);
void sp__ros1_src_mem(sp__ros1_src *s, sp_log *log, const char *path,
                      const uint8_t *mem, uint64_t size, uint64_t chunk_pos);

/* @p n bytes at @p off (off + n <= s->size, checked by the caller), valid
 * until the next read from @p s. */
int sp__ros1_get(sp__ros1_src *s, uint64_t off, size_t n, const uint8_t **p);

/* SP_EFORMAT (or @p status) "FILE: byte N: ..." for a file source,
 * "FILE: byte C: chunk: record at byte N of its data: ..." for a chunk. */
int sp__ros1_fail(const sp__ros1_src *s, uint64_t pos, int status,
                  const char *fmt, ...) SP__PRINTF(4, 5);

/* One record. */
typedef struct sp__ros1_rec {
    uint64_t pos;      /* where it starts */
    uint64_t data_pos; /* where its data starts */
    uint64_t end;      /* the next record */
    uint32_t hlen, dlen;
    int op;
    int truncated;       /* SP__ROS1_TRUNC_OK: the data runs past the end */
    sp__ros1_hdr h;      /* valid until the next read from the source */
    const uint8_t *data; /* SP__ROS1_DATA only; valid as h */
} sp__ros1_rec;

/* sp__ros1_rec_read() flags. */
enum {
    SP__ROS1_DATA = 1,     /* also read the record's data (r->data) */
    SP__ROS1_TRUNC_OK = 2  /* data running past the end is not an error:
                              r->truncated is set (a chunk cut off) */
};

/* Read the record at @p pos: its lengths are checked against the source's
 * size and its header parsed (an op field is required). Errors are
 * SP_EFORMAT naming file, offset and what; r->end is set (non-zero) when
 * the lengths were sound and only the header was not, so a scan may go on
 * after the record. */
int sp__ros1_rec_read(sp__ros1_src *s, uint64_t pos, unsigned flags,
                      sp__ros1_rec *r);

/* A connection: what a message's conn id stands for. */
typedef struct sp__ros1_conn {
    uint32_t id;
    int32_t topic; /* the log's topic, -1 until its first message */
    char *name, *type, *md5, *def;
} sp__ros1_conn;

/* A message before its topic is known (conn -> topic once every connection
 * record has been read). */
typedef struct sp__ros1_pending {
    int64_t time;
    uint64_t pos;   /* in the chunk's data, or the file offset */
    uint32_t chunk; /* index into the pending chunks, or SP__LOG_NO_CHUNK */
    uint32_t conn;
} sp__ros1_pending;

typedef struct sp__ros1 {
    const char *path; /* the log's copy */
    uint16_t file;
    int fd;
    uint64_t size;
    uint64_t data_start; /* the first record after the bag header */
    uint64_t index_pos;
    uint32_t conn_count, chunk_count;
    int index_short;       /* the index ends before its header's counts */
    size_t ndamaged;       /* damage recorded while opening */
    uint64_t first_damage; /* where the first was */

    sp__ros1_conn *conns; /* sorted by id */
    size_t nconns, cap_conns;

    /* What open() found, committed to the log at the end. */
    sp__log_chunk *chunks;
    size_t nchunks, cap_chunks;
    sp__ros1_pending *msgs;
    size_t nmsgs, cap_msgs;
} sp__ros1;

/* Grow an array to hold @p need elements (open-time memory). */
int sp__ros1_grow(void **arr, size_t *cap, size_t need, size_t elem);

/* The connection of id @p id, or NULL. */
sp__ros1_conn *sp__ros1_conn_find(sp__ros1 *b, uint32_t id);
/* Read a connection record (op 0x07, data: the connection header) and add
 * it; an id seen before keeps its first definition. */
int sp__ros1_conn_add(sp__ros1 *b, const sp__ros1_src *s,
                      const sp__ros1_rec *r);

/* Compression name -> codec; -1 when unknown. */
int sp__ros1_codec(const sp__ros1_hdr *h, sp__codec *c);
/* Check a chunk's sizes for what its codec can hold: SP_EFORMAT (message
 * without the where) when usize cannot come from csize stored bytes. */
int sp__ros1_check_sizes(sp__codec c, uint64_t csize, uint64_t usize);
/* A chunk record's header into @p c (file, offsets, codec, sizes). */
int sp__ros1_chunk_of(sp__ros1 *b, const sp__ros1_src *s,
                      const sp__ros1_rec *r, sp__log_chunk *c);

/* Open through the index at index_pos: SP_OK with chunks and msgs filled;
 * SP_EFORMAT when the index cannot be used (the message says why: the
 * caller scans instead); other errors (memory, budget) fail the open. */
int sp__ros1_read_index(sp_log *log, sp__ros1 *b);

/* Open by reading every record from data_start; damage is recorded with
 * sp__log_damage(). */
int sp__ros1_scan(sp_log *log, sp__ros1 *b);

#endif
