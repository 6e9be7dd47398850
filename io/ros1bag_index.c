/* Opening a ROS1 bag through its index (see ros1bag_int.h): the connection
 * and chunk info records at index_pos, then for each chunk its record
 * header and the IndexData records after its data. No chunk is read or
 * decompressed. Anything inconsistent (a count that lies, an offset out of
 * its chunk, a record that is not what the index says) makes the index
 * unusable: SP_EFORMAT says why and the caller scans the file instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ros1bag_int.h"

typedef struct chunk_info {
    uint64_t pos;   /* chunk_pos */
    uint32_t nconn; /* IndexData records after the chunk */
    uint64_t nmsgs; /* messages, the sum of its per-connection counts */
} chunk_info;

static int by_pos(const void *a, const void *b)
{
    uint64_t x = ((const chunk_info *)a)->pos, y = ((const chunk_info *)b)->pos;
    return x < y ? -1 : x > y;
}

static int msg_by_pos(const void *a, const void *b)
{
    const sp__ros1_pending *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The record's header fields with where it is ("...: chunk info: ..."). */
static int field_fail(const sp__ros1_src *s, const sp__ros1_rec *r,
                      const char *what)
{
    char why[SP__ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", sp_errmsg());
    return sp__ros1_fail(s, r->pos, SP_EFORMAT, "%s: %s", what, why);
}

static int read_chunk_info(const sp__ros1_src *s, const sp__ros1_rec *r,
                           chunk_info *ci)
{
    uint32_t ver, count;
    if (sp__ros1_u32(&r->h, SP__ROS1_K_VER, &ver) < 0 ||
        sp__ros1_u64(&r->h, SP__ROS1_K_CHUNK_POS, &ci->pos) < 0 ||
        sp__ros1_u32(&r->h, SP__ROS1_K_COUNT, &count) < 0)
        return field_fail(s, r, "chunk info");
    if (ver != 1)
        return sp__ros1_fail(s, r->pos, SP_EFORMAT,
                             "chunk info version %u, expected 1", ver);
    if ((uint64_t)count * 8 != r->dlen)
        return sp__ros1_fail(s, r->pos, SP_EFORMAT,
                             "chunk info of %u connections holds %u bytes, "
                             "expected %llu",
                             count, r->dlen, (unsigned long long)count * 8);
    ci->nconn = count;
    ci->nmsgs = 0;
    for (uint32_t i = 0; i < count; i++)
        ci->nmsgs += sp__le32(r->data + 8 * (size_t)i + 4);
    return SP_OK;
}

/* The IndexData records of chunk @p k (pending index), from @p *pos on. */
static int read_chunk_index(sp__ros1 *b, sp__ros1_src *s, uint32_t k,
                            const chunk_info *ci, uint64_t limit,
                            uint64_t *pos)
{
    const sp__log_chunk *c = &b->chunks[k];
    uint64_t total = 0;
    size_t first = b->nmsgs;
    for (uint32_t j = 0; j < ci->nconn; j++) {
        sp__ros1_rec r;
        if (*pos >= limit)
            return sp__ros1_fail(s, *pos, SP_EFORMAT,
                                 "chunk at byte %llu: IndexData record %u of "
                                 "%u missing, expected it here",
                                 (unsigned long long)c->offset, j + 1,
                                 ci->nconn);
        SP_TRY(sp__ros1_rec_read(s, *pos, SP__ROS1_DATA, &r));
        uint32_t ver, conn, count;
        if (r.op != SP__ROS1_OP_INDEX_DATA || r.end > limit)
            return sp__ros1_fail(s, r.pos, SP_EFORMAT,
                                 "a record of op 0x%02x ending at byte %llu "
                                 "after the chunk at byte %llu, expected its "
                                 "IndexData (op 0x04) before byte %llu",
                                 (unsigned)r.op, (unsigned long long)r.end,
                                 (unsigned long long)c->offset,
                                 (unsigned long long)limit);
        if (sp__ros1_u32(&r.h, SP__ROS1_K_VER, &ver) < 0 ||
            sp__ros1_u32(&r.h, SP__ROS1_K_CONN, &conn) < 0 ||
            sp__ros1_u32(&r.h, SP__ROS1_K_COUNT, &count) < 0)
            return field_fail(s, &r, "IndexData");
        if (ver != 1 || (uint64_t)count * 12 != r.dlen)
            return sp__ros1_fail(s, r.pos, SP_EFORMAT,
                                 "IndexData version %u with %u entries in %u "
                                 "bytes, expected version 1 and %llu bytes",
                                 ver, count, r.dlen,
                                 (unsigned long long)count * 12);
        if (!sp__ros1_conn_find(b, conn))
            return sp__ros1_fail(s, r.pos, SP_EFORMAT,
                                 "IndexData of connection %u, which no "
                                 "connection record defines",
                                 conn);
        SP_TRY(sp__ros1_grow((void **)&b->msgs, &b->cap_msgs,
                             b->nmsgs + count, sizeof *b->msgs));
        for (uint32_t i = 0; i < count; i++) {
            const uint8_t *p = r.data + 12 * (size_t)i;
            uint32_t off = sp__le32(p + 8);
            if (off >= c->usize)
                return sp__ros1_fail(s, r.pos, SP_EFORMAT,
                                     "IndexData entry %u: offset %u past "
                                     "its chunk's %llu bytes, expected one "
                                     "inside it",
                                     i, off, (unsigned long long)c->usize);
            b->msgs[b->nmsgs++] = (sp__ros1_pending){
                .time = (int64_t)sp__le32(p) * 1000000000 +
                        (int64_t)sp__le32(p + 4),
                .pos = off,
                .chunk = k,
                .conn = conn};
        }
        total += count;
        *pos = r.end;
    }
    if (total != ci->nmsgs)
        return sp__ros1_fail(s, c->offset, SP_EFORMAT,
                             "chunk: its IndexData lists %llu messages, its "
                             "chunk info %llu, expected the same",
                             (unsigned long long)total,
                             (unsigned long long)ci->nmsgs);
    /* File order inside the chunk, so that equal times read in the order
     * stored whether the bag is opened by its index or by a scan. */
    size_t n = b->nmsgs - first;
    if (n > 1)
        qsort(b->msgs + first, n, sizeof *b->msgs, msg_by_pos);
    for (size_t i = 1; i < n; i++)
        if (b->msgs[first + i].pos == b->msgs[first + i - 1].pos)
            return sp__ros1_fail(s, c->offset, SP_EFORMAT,
                                 "chunk: two IndexData entries at offset "
                                 "%llu, expected one per message",
                                 (unsigned long long)b->msgs[first + i].pos);
    return SP_OK;
}

/* Connection and chunk info records from index_pos to the end. */
static int read_index_records(sp__ros1 *b, sp__ros1_src *s, chunk_info **out,
                              size_t *nout)
{
    size_t cap = 0, nconn = 0;
    uint64_t pos = b->index_pos;
    while (pos < b->size) {
        sp__ros1_rec r;
        SP_TRY(sp__ros1_rec_read(s, pos, SP__ROS1_DATA, &r));
        if (r.op == SP__ROS1_OP_CONNECTION) {
            SP_TRY(sp__ros1_conn_add(b, s, &r));
            nconn++;
        } else if (r.op == SP__ROS1_OP_CHUNK_INFO) {
            SP_TRY(sp__ros1_grow((void **)out, &cap, *nout + 1, sizeof **out));
            SP_TRY(read_chunk_info(s, &r, &(*out)[*nout]));
            ++*nout;
        } else {
            return sp__ros1_fail(s, pos, SP_EFORMAT,
                                 "a record of op 0x%02x in the index, "
                                 "expected connection or chunk info records",
                                 (unsigned)r.op);
        }
        pos = r.end;
    }
    /* Fewer records than the header promised, ending at the end of the
     * file: the file was cut inside its index (the scan reads the chunks;
     * the open reports the cut). More of either: the counts lie. */
    if (nconn != b->conn_count || *nout != b->chunk_count) {
        b->index_short = nconn <= b->conn_count && *nout <= b->chunk_count;
        return sp__ros1_fail(s, b->index_pos, SP_EFORMAT,
                             "the index holds %zu connections and %zu chunks, "
                             "the bag header says %u and %u",
                             nconn, *nout, b->conn_count, b->chunk_count);
    }
    return SP_OK;
}

static int read_chunks(sp__ros1 *b, sp__ros1_src *s,
                       chunk_info *ci, size_t n)
{
    if (n > 1)
        qsort(ci, n, sizeof *ci, by_pos);
    SP_TRY(sp__ros1_grow((void **)&b->chunks, &b->cap_chunks, n ? n : 1,
                         sizeof *b->chunks));
    for (size_t i = 0; i < n; i++) {
        /* A chunk and its IndexData lie between the previous chunk's and
         * the next one (or the index). */
        uint64_t limit = i + 1 < n ? ci[i + 1].pos : b->index_pos;
        uint64_t lo = i ? ci[i - 1].pos : b->data_start;
        if (ci[i].pos < lo || ci[i].pos >= limit || (i && ci[i].pos == lo))
            return sp__ros1_fail(s, b->index_pos, SP_EFORMAT,
                                 "chunk info: chunk_pos %llu, expected a "
                                 "chunk between byte %llu and the index",
                                 (unsigned long long)ci[i].pos,
                                 (unsigned long long)b->data_start);
        sp__ros1_rec r;
        SP_TRY(sp__ros1_rec_read(s, ci[i].pos, 0, &r));
        if (r.op != SP__ROS1_OP_CHUNK || r.end > limit)
            return sp__ros1_fail(s, r.pos, SP_EFORMAT,
                                 "chunk info points at a record of op "
                                 "0x%02x ending at byte %llu, expected a "
                                 "chunk (op 0x05) before byte %llu",
                                 (unsigned)r.op, (unsigned long long)r.end,
                                 (unsigned long long)limit);
        /* A chunk the index describes soundly but that cannot be read (an
         * unknown compression, a size no data can have) is damage; the
         * scan finds and reports it after the messages before it. */
        sp__log_chunk c;
        int rc = sp__ros1_chunk_of(b, s, &r, &c);
        if (rc == SP_EUNSUPPORTED)
            rc = SP_EFORMAT;
        SP_TRY(rc);
        uint32_t k = (uint32_t)b->nchunks++;
        b->chunks[k] = c;
        uint64_t pos = r.end;
        SP_TRY(read_chunk_index(b, s, k, &ci[i], limit, &pos));
    }
    return SP_OK;
}

int sp__ros1_read_index(sp_log *log, sp__ros1 *b)
{
    sp__ros1_src s;
    sp__ros1_src_file(&s, log, b->path, b->fd, b->size);
    chunk_info *ci = NULL;
    size_t n = 0;
    int rc = read_index_records(b, &s, &ci, &n);
    if (rc == SP_OK)
        rc = read_chunks(b, &s, ci, n);
    free(ci);
    return rc;
}
