/* Internal to the MCAP writer (mcap_write.c, mcap_chunk.c): the writer's
 * state, the record opcodes and the little-endian byte writers. Never
 * installed. */
#ifndef SP_MCAP_INT_H
#define SP_MCAP_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lz4frame.h>
#include <zstd.h>

#include "atomic_file_int.h"
#include "sp_mcap.h"
#include "sp_pool.h"

enum {
    SP__MCAP_OP_HEADER = 0x01,
    SP__MCAP_OP_FOOTER = 0x02,
    SP__MCAP_OP_SCHEMA = 0x03,
    SP__MCAP_OP_CHANNEL = 0x04,
    SP__MCAP_OP_MESSAGE = 0x05,
    SP__MCAP_OP_CHUNK = 0x06,
    SP__MCAP_OP_MESSAGE_INDEX = 0x07,
    SP__MCAP_OP_CHUNK_INDEX = 0x08,
    SP__MCAP_OP_STATISTICS = 0x0B,
    SP__MCAP_OP_SUMMARY_OFFSET = 0x0E,
    SP__MCAP_OP_DATA_END = 0x0F
};

/* 0x89 'M' 'C' 'A' 'P' '0' '\r' '\n' */
extern const uint8_t sp__mcap_magic[8];

/* Opcode and content length in front of every record. */
#define SP__MCAP_REC_HEAD 9u
/* A Message record without its data: head, channel, sequence, two times. */
#define SP__MCAP_MSG_HEAD (SP__MCAP_REC_HEAD + 2u + 4u + 8u + 8u)

typedef struct sp__mcap_schema {
    char *name, *encoding;
    uint8_t *data;
    size_t len;
    int written; /* in the data section (or the open chunk) already */
} sp__mcap_schema;

typedef struct sp__mcap_channel {
    uint16_t schema_id;
    char *topic, *encoding;
    int written;
    uint64_t count; /* messages over the file */
    /* The open chunk's Message Index entries: (log_time, offset) pairs.
     * Grows while the first chunks fill, then is reused. */
    uint64_t *idx;
    size_t nidx, cap_idx;
} sp__mcap_channel;

struct sp_mcap_writer {
    sp__afile f;
    char path[PATH_MAX];
    int finished, failed;
    sp_mcap_compression comp;
    int level;
    size_t chunk_size;
    char *profile, *library;
    int ros2_meta; /* channels carry offered_qos_profiles */

    sp_poolmgr *mgr;
    int own_mgr;
    sp_block *chunk_blk, *out_blk;
    uint8_t *chunk, *out; /* records of the open chunk, compressed ones */
    size_t chunk_cap, chunk_len, out_cap;
    ZSTD_CCtx *zctx;
    LZ4F_cctx *lctx;

    uint64_t off;      /* bytes written to the file */
    uint32_t data_crc; /* over every byte written so far (data section) */

    /* The open chunk. */
    uint64_t c_start, c_end, c_msgs;
    uint16_t *c_chans; /* channel ids with a message in it, first use order */
    size_t c_nchans;

    uint8_t *mi; /* a chunk's Message Index records, built before writing */
    size_t mi_cap;

    sp__mcap_schema *schemas;
    size_t nschemas, cap_schemas;
    sp__mcap_channel *chans; /* channel id i + 1 is chans[i] */
    size_t nchans, cap_chans;

    uint8_t *cidx; /* the Chunk Index records of the summary */
    size_t cidx_len, cidx_cap;

    uint64_t messages, chunks, uncompressed, t_start, t_end;
};

static inline uint8_t *sp__mcap_u8(uint8_t *p, uint8_t v)
{
    *p = v;
    return p + 1;
}

static inline uint8_t *sp__mcap_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static inline uint8_t *sp__mcap_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static inline uint8_t *sp__mcap_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 8;
}

/* A String or length-prefixed Bytes field: uint32 length, then the bytes. */
static inline uint8_t *sp__mcap_bytes(uint8_t *p, const void *s, size_t n)
{
    p = sp__mcap_u32(p, (uint32_t)n);
    if (n)
        memcpy(p, s, n);
    return p + n;
}

/* Record opcode and content length. */
static inline uint8_t *sp__mcap_head(uint8_t *p, uint8_t op, uint64_t len)
{
    return sp__mcap_u64(sp__mcap_u8(p, op), len);
}

/* Sizes and writers of the records a chunk and the summary repeat. */
size_t sp__mcap_schema_size(const sp__mcap_schema *s);
uint8_t *sp__mcap_schema_put(uint8_t *p, uint16_t id, const sp__mcap_schema *s);
size_t sp__mcap_channel_size(const sp_mcap_writer *w,
                             const sp__mcap_channel *c);
uint8_t *sp__mcap_channel_put(uint8_t *p, const sp_mcap_writer *w, uint16_t id,
                              const sp__mcap_channel *c);

/* Write iov[0..n) at the end of the file, adding it to the data section's
 * CRC when @p data_section. Marks the writer failed on error (SP_EIO). */
int sp__mcap_emit(sp_mcap_writer *w, struct iovec *iov, int n,
                  int data_section);

/* Make the chunk buffer hold at least @p need bytes (and the compression
 * buffer its bound), exchanging blocks when it is too small. */
int sp__mcap_reserve(sp_mcap_writer *w, size_t need);

/* Compress, write and index the open chunk and its Message Index records;
 * nothing when it holds no message. */
int sp__mcap_chunk_close(sp_mcap_writer *w);

/* Create the compression context of w->comp. */
int sp__mcap_codec_init(sp_mcap_writer *w);

#endif
