/* Internal to the MCAP container reader (io/mcap_read.c: the container's
 * ops and the per-file driver; io/mcap_summary.c: opening through the
 * summary section; io/mcap_scan.c: the linear scan of the data section and
 * of chunks). Spec: https://mcap.dev/spec (major version "0").
 *
 * A file is  magic, Header, data section records..., Data End, summary
 * records..., summary offsets..., Footer, magic.  Every record is opcode
 * (u8), content length (u64 little-endian), content; strings and byte
 * arrays carry a u32 length (Chunk records and attachments a u64 one),
 * maps and arrays a u32 byte length. */
#ifndef SP_MCAP_READ_INT_H
#define SP_MCAP_READ_INT_H

#include <stddef.h>
#include <stdint.h>

#include "io_int.h"
#include "log_int.h"

#define MCAP_MAGIC "\x89MCAP0\r\n"
#define MCAP_MAGIC_LEN 8
#define MCAP_REC_HEAD 9    /* opcode + length */
#define MCAP_FOOTER_LEN 29 /* the whole Footer record */
#define MCAP_MSG_FIXED 22  /* Message: channel, sequence, two times */

enum {
    MCAP_OP_HEADER = 0x01,
    MCAP_OP_FOOTER = 0x02,
    MCAP_OP_SCHEMA = 0x03,
    MCAP_OP_CHANNEL = 0x04,
    MCAP_OP_MESSAGE = 0x05,
    MCAP_OP_CHUNK = 0x06,
    MCAP_OP_MESSAGE_INDEX = 0x07,
    MCAP_OP_CHUNK_INDEX = 0x08,
    MCAP_OP_ATTACHMENT = 0x09,
    MCAP_OP_ATTACHMENT_INDEX = 0x0A,
    MCAP_OP_STATISTICS = 0x0B,
    MCAP_OP_METADATA = 0x0C,
    MCAP_OP_METADATA_INDEX = 0x0D,
    MCAP_OP_SUMMARY_OFFSET = 0x0E,
    MCAP_OP_DATA_END = 0x0F
};

/* ---- bounds-checked field reads over one record's content ---- */

typedef struct mcap_cur {
    const uint8_t *p;
    size_t n, at;
    int bad; /* a read ran past the content */
} mcap_cur;

static inline mcap_cur mcap_cur_make(const uint8_t *p, size_t n)
{
    mcap_cur c = {p, n, 0, 0};
    return c;
}

static inline const uint8_t *mcap_take(mcap_cur *c, uint64_t k)
{
    if (c->bad || k > c->n - c->at) {
        c->bad = 1;
        return NULL;
    }
    const uint8_t *q = c->p + c->at;
    c->at += (size_t)k;
    return q;
}

static inline uint16_t mcap_u16(mcap_cur *c)
{
    const uint8_t *q = mcap_take(c, 2);
    return q ? sp__le16(q) : 0;
}

static inline uint32_t mcap_u32(mcap_cur *c)
{
    const uint8_t *q = mcap_take(c, 4);
    return q ? sp__le32(q) : 0;
}

static inline uint64_t mcap_u64(mcap_cur *c)
{
    const uint8_t *q = mcap_take(c, 8);
    return q ? sp__le64(q) : 0;
}

/* A string or byte array with a u32 length prefix. */
static inline const uint8_t *mcap_bytes32(mcap_cur *c, size_t *len)
{
    uint32_t k = mcap_u32(c);
    const uint8_t *q = mcap_take(c, k);
    *len = q ? k : 0;
    return q;
}

/* ---- buffered positioned reads of one file during indexing ---- */

typedef struct mcap_rd {
    int fd;
    uint64_t size;
    const char *path;
    sp__iobuf buf;
    uint64_t off; /* file offset of buf.data[0] */
    size_t len;   /* valid bytes in buf */
} mcap_rd;

/* The @p n bytes at @p at (which the caller checked lie in the file),
 * reading up to @p ahead bytes more when they are not buffered. */
int sp__mcap_rd_get(mcap_rd *rd, uint64_t at, size_t n, size_t ahead,
                    const uint8_t **out);

/* ---- per-file state ---- */

typedef struct mcap_schema {
    uint16_t id;
    char *name, *encoding, *text; /* text: "" for a binary schema */
} mcap_schema;

typedef struct mcap_channel {
    uint16_t id;
    uint16_t topic;
} mcap_channel;

typedef struct mcap_file {
    int used;
    mcap_channel *chan; /* sorted by id: kept for parse_record()'s check */
    size_t nchan, cap_chan;
    mcap_schema *schemas; /* while indexing only */
    size_t nschemas, cap_schemas;
} mcap_file;

/* A message found in an index or a chunk, before it becomes an entry. */
typedef struct mcap_hit {
    int64_t time;
    uint64_t pos;
    uint16_t topic;
} mcap_hit;

typedef struct mcap_impl {
    mcap_file *files; /* by log file index */
    size_t cap_files;
    mcap_hit *hits; /* scratch of one chunk's messages */
    size_t nhits, cap_hits;
    /* What the last indexed file was, for sp_log_info. */
    char profile[32];
    char note[224];
    int indexed;
    uint64_t attachments, metadata;
    unsigned codecs;  /* bit per sp__codec of the chunks seen */
    char unknown[32]; /* a compression not supported, as written */
} mcap_impl;

/* Everything the indexing of one file needs. */
typedef struct mcap_ctx {
    sp_log *log;
    mcap_impl *impl;
    mcap_file *mf;
    mcap_rd rd;
    uint16_t file;           /* log file index */
    uint64_t data0;          /* first record after the Header */
    int stop;                /* damage without skip_damaged: index no further */
    uint64_t added;          /* entries added for this file */
    uint64_t scanned_chunks; /* chunks decompressed while indexing */
    uint64_t stats_messages;
    int has_stats;
} mcap_ctx;

/* A Schema or Channel record's content (from the data section, a chunk or
 * the summary): remembered, and a channel becomes a topic. @p where names
 * the record ("x.mcap: byte 120"). SP_EFORMAT for a record whose fields
 * run past it; SP_ENOMEM / SP_ERANGE. */
int sp__mcap_schema(mcap_ctx *x, const uint8_t *p, size_t n, const char *where);
int sp__mcap_channel(mcap_ctx *x, const uint8_t *p, size_t n,
                     const char *where);

/* The topic of channel @p id of the file, or -1. */
int sp__mcap_channel_topic(const mcap_file *mf, uint16_t id);

/* Add a chunk's messages (x->impl->hits) as entries of chunk @p chunk,
 * in file order. */
int sp__mcap_add_hits(mcap_ctx *x, uint32_t chunk);
int sp__mcap_hit(mcap_ctx *x, int64_t time, uint64_t pos, uint16_t topic);

/* Parse the head of a Chunk record (record header included) at file
 * offset @p off: @p p holds @p n bytes of it. *need > n: read more first.
 * Fills @p c (file, offset, sizes, codec, CRC) and @p comp (the
 * compression as written). SP_EFORMAT for a head that lies (fields past
 * the record, records past the record's end); SP_EUNSUPPORTED for an
 * unknown compression (c is filled). */
int sp__mcap_chunk_head(mcap_ctx *x, const uint8_t *p, size_t n, uint64_t off,
                        size_t *need, sp__log_chunk *c, char *comp,
                        size_t comp_cap);

/* Read and check the head of the Chunk record at file offset @p off and
 * fill @p c (statuses as sp__mcap_chunk_head(); the caller records the
 * damage from the status and message). */
int sp__mcap_read_chunk_head(mcap_ctx *x, uint64_t off, sp__log_chunk *c,
                             char *comp, size_t comp_cap);

/* Decompress chunk @p c (added as @p index) and add every message in it
 * (and its schemas and channels). Damage is recorded; returns SP_OK, the
 * damage status (indexing goes on only with skip_damaged) or a hard error
 * (SP_ENOMEM, SP_EBUDGET). */
int sp__mcap_scan_chunk(mcap_ctx *x, const sp__log_chunk *c, uint32_t index);

/* Walk the data section from x->data0 to the end of the file (or a Data
 * End / Footer record): schemas and channels as met, messages outside
 * chunks as entries; chunks decompressed and scanned, except those at the
 * @p nknown sorted offsets @p known (their messages came from the index;
 * NULL: none). @p tail_ok: the file ends with a footer and the magic.
 * Damage is recorded; returns SP_OK or a hard error. */
int sp__mcap_scan_data(mcap_ctx *x, const uint64_t *known, size_t nknown,
                       int tail_ok);

/* Open through the summary at @p summary_start (footer at @p footer_off,
 * CRC @p crc). Returns 1 when the file was indexed this way, 0 when the
 * summary is unusable (x->impl->note says why; nothing was added), or a
 * hard error. */
int sp__mcap_open_summary(mcap_ctx *x, uint64_t summary_start,
                          uint64_t footer_off, uint32_t crc);

/* Record damage (sp__log_damage: "FILE: byte N: what"); without
 * skip_damaged, x->stop is set so indexing goes no further. Returns
 * @p status. */
int sp__mcap_damage(mcap_ctx *x, int status, const char *fmt, ...)
    SP__PRINTF(3, 4);

/* The chunk's codec from its compression string; -1 when unknown. */
int sp__mcap_codec(const uint8_t *s, size_t n);

/* A decompressed size believable for @p csize bytes of @p codec. */
int sp__mcap_sizes_believable(int codec, uint64_t csize, uint64_t usize);

#endif
