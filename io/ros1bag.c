/* The ROS1 bag v2.0 container of the log reader (see sp_log.h, log_int.h
 * and ros1bag_int.h): the format's registration, the bag header, the
 * choice between the index and a linear scan, the connection table, and
 * the message data record of each message. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "io_int.h"
#include "ros1bag_int.h"

/* ---- open-time helpers ---- */

int sp__ros1_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SP_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return sp__fail(SP_ENOMEM, "ROS1 bag index: out of memory for %zu "
                                   "items",
                        c);
    *arr = p;
    *cap = c;
    return SP_OK;
}

int sp__ros1_codec(const sp__ros1_hdr *h, sp__codec *c)
{
    static const struct {
        const char *name;
        sp__codec codec;
    } known[] = {{"none", SP__CODEC_NONE},
                 {"bz2", SP__CODEC_BZ2},
                 {"lz4", SP__CODEC_LZ4F}};
    const uint8_t *v = h->v[SP__ROS1_K_COMPRESSION];
    uint32_t n = h->n[SP__ROS1_K_COMPRESSION];
    if (!v)
        return sp__fail(SP_EFORMAT, "chunk header: no 'compression' field");
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i].name) == n && !memcmp(known[i].name, v, n)) {
            *c = known[i].codec;
            return SP_OK;
        }
    return sp__fail(SP_EUNSUPPORTED,
                    "chunk compressed with '%.*s', expected none, bz2 or lz4",
                    (int)(n > 32 ? 32 : n), (const char *)v);
}

/* The most a codec gives per stored byte: bzip2's run-length stages reach
 * about 1.4 million to one on a run of zeros (45.9 MB per block of ~33
 * bytes); an LZ4 sequence adds at most 255 bytes per byte. A chunk that
 * claims more is not staged: its size is a lie, not data. */
#define BZ2_MAX_RATIO ((uint64_t)1 << 21)
#define LZ4_MAX_RATIO 256u

int sp__ros1_check_sizes(sp__codec c, uint64_t csize, uint64_t usize)
{
    uint64_t most = c == SP__CODEC_NONE   ? csize
                    : c == SP__CODEC_BZ2  ? csize * BZ2_MAX_RATIO
                                          : csize * LZ4_MAX_RATIO + 4096;
    if (c == SP__CODEC_NONE && usize != csize)
        return sp__fail(SP_EFORMAT,
                        "uncompressed chunk of %llu bytes says its size is "
                        "%llu, expected the same",
                        (unsigned long long)csize, (unsigned long long)usize);
    if (usize > most)
        return sp__fail(SP_EFORMAT,
                        "chunk says it holds %llu bytes once decompressed, "
                        "but %llu bytes of %s cannot hold more than %llu",
                        (unsigned long long)usize, (unsigned long long)csize,
                        sp__codec_name(c), (unsigned long long)most);
    return SP_OK;
}

int sp__ros1_chunk_of(sp__ros1 *b, const sp__ros1_src *s,
                      const sp__ros1_rec *r, sp__log_chunk *c)
{
    memset(c, 0, sizeof *c);
    sp__codec codec = SP__CODEC_NONE;
    uint32_t usize = 0;
    int rc = sp__ros1_codec(&r->h, &codec);
    if (rc == SP_OK)
        rc = sp__ros1_u32(&r->h, SP__ROS1_K_SIZE, &usize);
    if (rc == SP_OK && !r->truncated)
        rc = sp__ros1_check_sizes(codec, r->dlen, usize);
    if (rc < 0) {
        char why[SP__ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", sp_errmsg());
        return sp__ros1_fail(s, r->pos, rc, "%s", why);
    }
    *c = (sp__log_chunk){.file = b->file,
                         .codec = (uint8_t)codec,
                         .offset = r->pos,
                         .data_offset = r->data_pos,
                         .csize = r->dlen,
                         .usize = usize};
    return SP_OK;
}

/* ---- connections ---- */

static size_t conn_lower(const sp__ros1 *b, uint32_t id)
{
    size_t lo = 0, hi = b->nconns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->conns[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

sp__ros1_conn *sp__ros1_conn_find(sp__ros1 *b, uint32_t id)
{
    size_t i = conn_lower(b, id);
    return i < b->nconns && b->conns[i].id == id ? &b->conns[i] : NULL;
}

static void conn_free(sp__ros1_conn *c)
{
    free(c->name), free(c->type), free(c->md5), free(c->def);
}

int sp__ros1_conn_add(sp__ros1 *b, const sp__ros1_src *s,
                      const sp__ros1_rec *r)
{
    uint32_t id;
    sp__ros1_hdr ch;
    int rc = sp__ros1_u32(&r->h, SP__ROS1_K_CONN, &id);
    if (rc == SP_OK && !r->h.v[SP__ROS1_K_TOPIC])
        rc = sp__fail(SP_EFORMAT, "connection header: no 'topic' field");
    /* The data is a second header: type, md5sum, message_definition. */
    if (rc == SP_OK)
        rc = sp__ros1_parse_header(r->data, r->dlen, &ch);
    if (rc == SP_OK && !ch.v[SP__ROS1_K_TYPE])
        rc = sp__fail(SP_EFORMAT, "connection data: no 'type' field");
    if (rc < 0) {
        char why[SP__ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", sp_errmsg());
        return sp__ros1_fail(s, r->pos, rc, "connection record: %s", why);
    }
    size_t i = conn_lower(b, id);
    if (i < b->nconns && b->conns[i].id == id)
        return SP_OK; /* rosbag's reindex keeps the first definition too */
    sp__ros1_conn c = {.id = id, .topic = -1};
    c.name = sp__ros1_strdup(&r->h, SP__ROS1_K_TOPIC);
    c.type = sp__ros1_strdup(&ch, SP__ROS1_K_TYPE);
    c.md5 = sp__ros1_strdup(&ch, SP__ROS1_K_MD5SUM);
    c.def = sp__ros1_strdup(&ch, SP__ROS1_K_MSG_DEF);
    rc = (!c.name || !c.type || !c.md5 || !c.def)
             ? sp__fail(SP_ENOMEM, "%s: out of memory for a connection",
                        s->path)
             : sp__ros1_grow((void **)&b->conns, &b->cap_conns, b->nconns + 1,
                             sizeof *b->conns);
    if (rc < 0) {
        conn_free(&c);
        return rc;
    }
    memmove(&b->conns[i + 1], &b->conns[i], (b->nconns - i) * sizeof c);
    b->conns[i] = c;
    b->nconns++;
    return SP_OK;
}

/* ---- open ---- */

static int ros1_probe(const char *path, int is_dir, const uint8_t *head,
                      size_t n)
{
    (void)path;
    return !is_dir && head && n >= SP__ROS1_MAGIC_LEN &&
           !memcmp(head, SP__ROS1_MAGIC, SP__ROS1_MAGIC_LEN);
}

static int read_bag_header(sp_log *log, sp__ros1 *b)
{
    uint8_t magic[SP__ROS1_MAGIC_LEN];
    if (b->size < SP__ROS1_MAGIC_LEN)
        return sp__fail(SP_EFORMAT, "%s: %llu bytes, expected a ROS1 bag",
                        b->path, (unsigned long long)b->size);
    SP_TRY(sp__pread_full(b->fd, magic, sizeof magic, 0, b->path));
    if (memcmp(magic, SP__ROS1_MAGIC, SP__ROS1_MAGIC_LEN))
        return sp__fail(SP_EFORMAT, "%s: byte 0: expected '#ROSBAG V2.0'",
                        b->path);
    sp__ros1_src s;
    sp__ros1_src_file(&s, log, b->path, b->fd, b->size);
    sp__ros1_rec r;
    int rc = sp__ros1_rec_read(&s, SP__ROS1_MAGIC_LEN, 0, &r);
    if (rc < 0)
        return sp__fail_context(rc, "bag header: ");
    if (r.op != SP__ROS1_OP_BAG_HEADER)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %d: a record of op 0x%02x, expected the bag "
                        "header (op 0x03)",
                        b->path, SP__ROS1_MAGIC_LEN, (unsigned)r.op);
    if (r.h.v[SP__ROS1_K_ENCRYPTOR] && r.h.n[SP__ROS1_K_ENCRYPTOR])
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: byte %d: an encrypted bag (encryptor '%.*s'), "
                        "expected an unencrypted one",
                        b->path, SP__ROS1_MAGIC_LEN,
                        (int)(r.h.n[SP__ROS1_K_ENCRYPTOR] > 64
                                  ? 64
                                  : r.h.n[SP__ROS1_K_ENCRYPTOR]),
                        (const char *)r.h.v[SP__ROS1_K_ENCRYPTOR]);
    rc = sp__ros1_u64(&r.h, SP__ROS1_K_INDEX_POS, &b->index_pos);
    if (rc == SP_OK)
        rc = sp__ros1_u32(&r.h, SP__ROS1_K_CONN_COUNT, &b->conn_count);
    if (rc == SP_OK)
        rc = sp__ros1_u32(&r.h, SP__ROS1_K_CHUNK_COUNT, &b->chunk_count);
    if (rc < 0)
        return sp__fail_context(rc, "%s: byte %d: bag header: ", b->path,
                                SP__ROS1_MAGIC_LEN);
    b->data_start = r.end;
    return SP_OK;
}

/* Give the log what open() found: chunks, then entries in file order,
 * each topic added at its first message (connections without messages
 * are not topics, as in rosbag). */
static int commit(sp_log *log, sp__ros1 *b)
{
    uint32_t *map = malloc((b->nchunks ? b->nchunks : 1) * sizeof *map);
    if (!map)
        return sp__fail(SP_ENOMEM, "%s: out of memory", b->path);
    int rc = SP_OK;
    for (size_t i = 0; i < b->nchunks && rc == SP_OK; i++)
        rc = sp__log_add_chunk(log, &b->chunks[i], &map[i]);
    uint32_t reported[8];
    size_t nreported = 0;
    for (size_t i = 0; i < b->nmsgs && rc == SP_OK; i++) {
        const sp__ros1_pending *m = &b->msgs[i];
        sp__ros1_conn *c = sp__ros1_conn_find(b, m->conn);
        if (!c) {
            size_t k = 0;
            while (k < nreported && reported[k] != m->conn)
                k++;
            if (k == nreported && nreported < 8) {
                reported[nreported++] = m->conn;
                uint64_t at = m->chunk == SP__LOG_NO_CHUNK
                                  ? m->pos
                                  : b->chunks[m->chunk].offset;
                sp__log_damage(log, SP_EFORMAT,
                               "%s: byte %llu: a message of connection %u, "
                               "which no connection record defines, expected "
                               "a defined connection (its messages are left "
                               "out)",
                               b->path, (unsigned long long)at, m->conn);
                if (!b->ndamaged++)
                    b->first_damage = at;
            }
            continue;
        }
        if (c->topic < 0) {
            uint16_t t;
            rc = sp__log_add_topic(log, c->name, c->type, "ros1", c->def,
                                   c->md5, &t);
            if (rc < 0)
                break;
            c->topic = t;
        }
        sp__log_entry e = {.time = m->time,
                           .pos = m->pos,
                           .chunk = m->chunk == SP__LOG_NO_CHUNK
                                        ? SP__LOG_NO_CHUNK
                                        : map[m->chunk],
                           .topic = (uint16_t)c->topic,
                           .file = b->file};
        rc = sp__log_add_entry(log, &e);
    }
    free(map);
    return rc;
}

/* The text of the current message after "PATH: " (for the note). */
static const char *after_path(const char *msg, const char *path)
{
    size_t n = strlen(path);
    if (!strncmp(msg, path, n) && !strncmp(msg + n, ": ", 2))
        return msg + n + 2;
    return msg;
}

static int ros1_open(sp_log *log, const char *path)
{
    sp__ros1 *b = calloc(1, sizeof *b);
    if (!b)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    b->fd = -1;
    sp__log_set_impl(log, b);
    SP_TRY(sp__log_add_file(log, path, &b->file, &b->fd, &b->size));
    b->path = sp__log_file_path(log, b->file);
    sp_log_info *li = sp__log_info_mut(log);
    snprintf(li->version, sizeof li->version, "2.0");
    SP_TRY(read_bag_header(log, b));

    int indexed = 0;
    char why[SP__ERRMSG_MAX] = "";
    /* The index would start at or past the end, and holds something. */
    int cut = b->index_pos > b->size ||
              (b->index_pos == b->size && (b->conn_count || b->chunk_count));
    if (b->index_pos == 0) {
        snprintf(li->note, sizeof li->note, "no index: read by a linear scan");
    } else if (cut) {
        snprintf(li->note, sizeof li->note,
                 "no index (the file ends at byte %llu, the index was to be "
                 "at byte %llu): read by a linear scan",
                 (unsigned long long)b->size,
                 (unsigned long long)b->index_pos);
    } else if (b->index_pos < b->data_start) {
        snprintf(li->note, sizeof li->note,
                 "index unusable (index_pos %llu is inside the bag header): "
                 "read by a linear scan",
                 (unsigned long long)b->index_pos);
    } else {
        int rc = sp__ros1_read_index(log, b);
        if (rc == SP_OK) {
            indexed = 1;
            snprintf(li->note, sizeof li->note, "indexed");
        } else if (rc == SP_EFORMAT) {
            snprintf(why, sizeof why, "%s", sp_errmsg());
            snprintf(li->note, sizeof li->note,
                     "index unusable (%s): read by a linear scan",
                     after_path(why, b->path));
            b->nchunks = b->nmsgs = 0;
        } else {
            return rc;
        }
    }
    li->indexed = indexed;
    if (!indexed) {
        size_t before = b->ndamaged;
        SP_TRY(sp__ros1_scan(log, b));
        /* A file cut before or inside its index, where the scan met no
         * cut record: the end of the file is the damage. */
        if (b->ndamaged == before && cut) {
            sp__log_damage(log, SP_EFORMAT,
                           "%s: byte %llu: the file ends here, but its bag "
                           "header puts the index at byte %llu: truncated, "
                           "expected the whole file (the records before were "
                           "read by a linear scan)",
                           b->path, (unsigned long long)b->size,
                           (unsigned long long)b->index_pos);
            if (!b->ndamaged++)
                b->first_damage = b->size;
        } else if (b->ndamaged == before && b->index_short) {
            sp__log_damage(log, SP_EFORMAT, "%s: truncated: %s", b->path,
                           after_path(why, b->path));
            if (!b->ndamaged++)
                b->first_damage = b->size;
        }
    }
    if (b->ndamaged) {
        size_t n = strlen(li->note);
        snprintf(li->note + n, sizeof li->note - n,
                 "; damaged at byte %llu%s", (unsigned long long)b->first_damage,
                 b->ndamaged > 1 ? " and after" : "");
    }
    sp_errmsg_clear();
    return commit(log, b);
}

/* ---- read ---- */

static int ros1_parse_record(sp_log *log, const sp__log_entry *e,
                             const uint8_t *rec, size_t avail, sp_log_msg *msg)
{
    sp__ros1 *b = sp__log_impl(log);
    size_t at = 0;
    for (;;) {
        size_t left = avail - at;
        if (left < 8)
            return sp__fail(SP_EFORMAT,
                            "%zu bytes left, expected a message data record",
                            left);
        uint32_t hlen = sp__le32(rec + at);
        if (hlen > left - 8)
            return sp__fail(SP_EFORMAT,
                            "record header length %u runs past the %zu bytes "
                            "left, expected a record inside them",
                            hlen, left);
        uint32_t dlen = sp__le32(rec + at + 4 + hlen);
        if (dlen > left - 8 - hlen)
            return sp__fail(SP_EFORMAT,
                            "record data length %u runs past the %zu bytes "
                            "left, expected a record inside them",
                            dlen, left - 8 - hlen);
        sp__ros1_hdr h;
        SP_TRY(sp__ros1_parse_header(rec + at + 4, hlen, &h));
        int op = h.v[SP__ROS1_K_OP] && h.n[SP__ROS1_K_OP] == 1
                     ? h.v[SP__ROS1_K_OP][0]
                     : -1;
        /* An index entry may point at the connection record written just
         * before a connection's first message (rosbag skips them too). */
        if (op == SP__ROS1_OP_CONNECTION) {
            at += 8 + (size_t)hlen + dlen;
            continue;
        }
        if (op != SP__ROS1_OP_MSG_DATA)
            return sp__fail(SP_EFORMAT,
                            "a record of op %d, expected a message data "
                            "record (op 0x02)",
                            op);
        uint32_t conn;
        SP_TRY(sp__ros1_u32(&h, SP__ROS1_K_CONN, &conn));
        const sp__ros1_conn *c = sp__ros1_conn_find(b, conn);
        if (!c || c->topic != (int32_t)e->topic)
            return sp__fail(SP_EFORMAT,
                            "a message of connection %u, which is %s%s, "
                            "expected one of the topic the index names",
                            conn, c ? "topic " : "not defined",
                            c ? c->name : "");
        msg->data = rec + at + 8 + hlen;
        msg->size = dlen;
        msg->publish_time = msg->log_time;
        return SP_OK;
    }
}

/* A message record outside any chunk: after a chunk the recording never
 * closed, rosbag's writer put records straight into the file. */
static int ros1_fetch(sp_log *log, const sp__log_entry *e, const uint8_t **rec,
                      size_t *avail, sp_log_msg *msg)
{
    (void)msg;
    sp__ros1 *b = sp__log_impl(log);
    uint8_t len[4];
    uint64_t pos = e->pos;
    if (pos > b->size || b->size - pos < 8)
        return sp__fail(SP_EFORMAT, "%s: byte %llu: record past the end",
                        b->path, (unsigned long long)pos);
    SP_TRY(sp__pread_full(b->fd, len, 4, pos, b->path));
    uint64_t hlen = sp__le32(len);
    if (hlen > b->size - pos - 8)
        return sp__fail(SP_EFORMAT, "%s: byte %llu: record past the end",
                        b->path, (unsigned long long)pos);
    SP_TRY(sp__pread_full(b->fd, len, 4, pos + 4 + hlen, b->path));
    uint64_t whole = 8 + hlen + sp__le32(len);
    if (whole > b->size - pos)
        return sp__fail(SP_EFORMAT, "%s: byte %llu: record past the end",
                        b->path, (unsigned long long)pos);
    char what[600];
    snprintf(what, sizeof what, "%s: byte %llu: message record", b->path,
             (unsigned long long)pos);
    uint8_t *buf;
    SP_TRY(sp__log_stage(log, SP__LOG_SLOT_FETCH + 1, whole, what, &buf));
    SP_TRY(sp__pread_full(b->fd, buf, (size_t)whole, pos, b->path));
    *rec = buf;
    *avail = (size_t)whole;
    return SP_OK;
}

static void ros1_close(sp_log *log)
{
    sp__ros1 *b = sp__log_impl(log);
    if (!b)
        return;
    for (size_t i = 0; i < b->nconns; i++)
        conn_free(&b->conns[i]);
    free(b->conns);
    free(b->chunks);
    free(b->msgs);
    free(b);
    sp__log_set_impl(log, NULL);
}

static const sp__log_ops ros1_ops = {.name = "ros1",
                                     .probe = ros1_probe,
                                     .open = ros1_open,
                                     .parse_record = ros1_parse_record,
                                     .fetch = ros1_fetch,
                                     .close = ros1_close};

const sp__format sp__format_ros1 = {.name = "ros1",
                                    .what = "ROS1 bag v2.0",
                                    .source = "bag",
                                    .order = 10,
                                    .probe = ros1_probe,
                                    .describe = NULL,
                                    .log = &ros1_ops};
