/* ROS1 bag records (see ros1bag_int.h): header fields, reads from the file
 * through a small window or from a chunk in memory, and one record's
 * lengths checked against what holds it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"
#include "ros1bag_int.h"

static const char *const key_names[SP__ROS1_NKEYS] = {
    [SP__ROS1_K_OP] = "op",
    [SP__ROS1_K_CONN] = "conn",
    [SP__ROS1_K_TIME] = "time",
    [SP__ROS1_K_TOPIC] = "topic",
    [SP__ROS1_K_COMPRESSION] = "compression",
    [SP__ROS1_K_SIZE] = "size",
    [SP__ROS1_K_INDEX_POS] = "index_pos",
    [SP__ROS1_K_CONN_COUNT] = "conn_count",
    [SP__ROS1_K_CHUNK_COUNT] = "chunk_count",
    [SP__ROS1_K_VER] = "ver",
    [SP__ROS1_K_COUNT] = "count",
    [SP__ROS1_K_CHUNK_POS] = "chunk_pos",
    [SP__ROS1_K_TYPE] = "type",
    [SP__ROS1_K_MD5SUM] = "md5sum",
    [SP__ROS1_K_MSG_DEF] = "message_definition",
    [SP__ROS1_K_ENCRYPTOR] = "encryptor",
};

const char *sp__ros1_key_name(sp__ros1_key k)
{
    return (unsigned)k < SP__ROS1_NKEYS ? key_names[k] : "?";
}

int sp__ros1_parse_header(const uint8_t *p, size_t n, sp__ros1_hdr *h)
{
    memset(h, 0, sizeof *h);
    size_t i = 0;
    while (i < n) {
        if (n - i < 4)
            return sp__fail(SP_EFORMAT,
                            "header: a field length cut off at byte %zu of "
                            "its %zu bytes, expected 4 bytes",
                            i, n);
        uint32_t len = sp__le32(p + i);
        if (len > n - i - 4)
            return sp__fail(SP_EFORMAT,
                            "header: the field at byte %zu says %u bytes, "
                            "but %zu are left, expected name=value inside "
                            "the header",
                            i, len, n - i - 4);
        const uint8_t *f = p + i + 4;
        const uint8_t *eq = memchr(f, '=', len);
        if (!eq)
            return sp__fail(SP_EFORMAT,
                            "header: the field at byte %zu has no '=', "
                            "expected name=value",
                            i);
        size_t kn = (size_t)(eq - f);
        for (int k = 0; k < SP__ROS1_NKEYS; k++)
            if (strlen(key_names[k]) == kn && !memcmp(key_names[k], f, kn)) {
                h->v[k] = eq + 1;
                h->n[k] = (uint32_t)(len - kn - 1);
                break;
            }
        i += 4 + (size_t)len;
    }
    return SP_OK;
}

static int field_size(const sp__ros1_hdr *h, sp__ros1_key k, uint32_t want)
{
    if (!h->v[k])
        return sp__fail(SP_EFORMAT, "header: no '%s' field", key_names[k]);
    if (h->n[k] != want)
        return sp__fail(SP_EFORMAT,
                        "header: field '%s' is %u bytes, expected %u",
                        key_names[k], h->n[k], want);
    return SP_OK;
}

int sp__ros1_u32(const sp__ros1_hdr *h, sp__ros1_key k, uint32_t *out)
{
    SP_TRY(field_size(h, k, 4));
    *out = sp__le32(h->v[k]);
    return SP_OK;
}

int sp__ros1_u64(const sp__ros1_hdr *h, sp__ros1_key k, uint64_t *out)
{
    SP_TRY(field_size(h, k, 8));
    *out = sp__le64(h->v[k]);
    return SP_OK;
}

int sp__ros1_time(const sp__ros1_hdr *h, sp__ros1_key k, int64_t *ns)
{
    SP_TRY(field_size(h, k, 8));
    /* u32 seconds * 1e9 + u32 nanoseconds stays below 2^63. */
    *ns = (int64_t)sp__le32(h->v[k]) * 1000000000 +
          (int64_t)sp__le32(h->v[k] + 4);
    return SP_OK;
}

char *sp__ros1_strdup(const sp__ros1_hdr *h, sp__ros1_key k)
{
    size_t n = h->v[k] ? h->n[k] : 0;
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, h->v[k], n);
    s[n] = '\0';
    return s;
}

/* ---- sources ---- */

void sp__ros1_src_file(sp__ros1_src *s, sp_log *log, const char *path, int fd,
                       uint64_t size)
{
    *s = (sp__ros1_src){.log = log, .path = path, .size = size, .fd = fd};
}

void sp__ros1_src_mem(sp__ros1_src *s, sp_log *log, const char *path,
                      const uint8_t *mem, uint64_t size, uint64_t chunk_pos)
{
    *s = (sp__ros1_src){.log = log,
                        .path = path,
                        .size = size,
                        .fd = -1,
                        .mem = mem,
                        .chunk_pos = chunk_pos};
}

/* The window reads this much at least: a record header and what follows
 * it (an IndexData record after its chunk) in one read, while opening a
 * bag through its index reads little more than the index. */
#define WINDOW_MIN 4096

int sp__ros1_get(sp__ros1_src *s, uint64_t off, size_t n, const uint8_t **p)
{
    *p = NULL;
    if (off > s->size || n > s->size - off)
        return sp__ros1_fail(s, off, SP_EFORMAT,
                             "%zu bytes past the end (%llu bytes)", n,
                             (unsigned long long)s->size);
    if (s->fd < 0) {
        *p = s->mem + off;
        return SP_OK;
    }
    if (s->win && off >= s->win_off && n <= s->win_len &&
        off - s->win_off <= s->win_len - n) {
        *p = s->win + (off - s->win_off);
        return SP_OK;
    }
    uint64_t want = n > WINDOW_MIN ? n : WINDOW_MIN;
    if (want > s->size - off)
        want = s->size - off;
    char what[600];
    snprintf(what, sizeof what, "%s: byte %llu: record", s->path,
             (unsigned long long)off);
    uint8_t *buf;
    s->win = NULL;
    SP_TRY(sp__log_stage(s->log, SP__LOG_SLOT_FETCH, want, what, &buf));
    SP_TRY(sp__pread_full(s->fd, buf, (size_t)want, off, s->path));
    s->win = buf;
    s->win_off = off;
    s->win_len = (size_t)want;
    *p = buf;
    return SP_OK;
}

int sp__ros1_fail(const sp__ros1_src *s, uint64_t pos, int status,
                  const char *fmt, ...)
{
    char what[SP__ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (s->fd < 0)
        return sp__fail(status,
                        "%s: byte %llu: chunk: record at byte %llu of its "
                        "%llu uncompressed bytes: %s",
                        s->path, (unsigned long long)s->chunk_pos,
                        (unsigned long long)pos, (unsigned long long)s->size,
                        what);
    return sp__fail(status, "%s: byte %llu: %s", s->path,
                    (unsigned long long)pos, what);
}

int sp__ros1_rec_read(sp__ros1_src *s, uint64_t pos, unsigned flags,
                      sp__ros1_rec *r)
{
    memset(r, 0, sizeof *r);
    r->pos = pos;
    r->op = -1;
    const char *holder = s->fd < 0 ? "chunk" : "file";
    if (pos > s->size || s->size - pos < 8)
        return sp__ros1_fail(s, pos, SP_EFORMAT,
                             "truncated record: %llu bytes left in the %s, "
                             "expected a record (at least 8 bytes)",
                             (unsigned long long)(pos < s->size ? s->size - pos
                                                                : 0),
                             holder);
    const uint8_t *p;
    SP_TRY(sp__ros1_get(s, pos, 4, &p));
    r->hlen = sp__le32(p);
    uint64_t left = s->size - pos - 8;
    if (r->hlen > left)
        return sp__ros1_fail(s, pos, SP_EFORMAT,
                             "record header length %u runs past the end of "
                             "the %s (%llu bytes left), expected a record "
                             "inside it",
                             r->hlen, holder, (unsigned long long)left);
    r->data_pos = pos + 8 + r->hlen;
    SP_TRY(sp__ros1_get(s, r->data_pos - 4, 4, &p));
    r->dlen = sp__le32(p);
    r->end = r->data_pos + r->dlen;
    if (r->dlen > s->size - r->data_pos) {
        if (!(flags & SP__ROS1_TRUNC_OK)) {
            r->end = 0;
            return sp__ros1_fail(s, pos, SP_EFORMAT,
                                 "record data length %u runs past the end of "
                                 "the %s (%llu bytes left), expected a record "
                                 "inside it",
                                 r->dlen, holder,
                                 (unsigned long long)(s->size - r->data_pos));
        }
        r->truncated = 1;
        flags &= ~(unsigned)SP__ROS1_DATA;
    }
    size_t whole = 8 + (size_t)r->hlen +
                   ((flags & SP__ROS1_DATA) ? (size_t)r->dlen : 0);
    SP_TRY(sp__ros1_get(s, pos, whole, &p));
    int rc = sp__ros1_parse_header(p + 4, r->hlen, &r->h);
    if (rc == SP_OK) {
        if (!r->h.v[SP__ROS1_K_OP] || r->h.n[SP__ROS1_K_OP] != 1)
            rc = sp__fail(SP_EFORMAT, "header: %s, expected a 1-byte 'op'",
                          r->h.v[SP__ROS1_K_OP] ? "an 'op' field of another "
                                                  "size"
                                                : "no 'op' field");
        else
            r->op = r->h.v[SP__ROS1_K_OP][0];
    }
    if (rc < 0) {
        char why[SP__ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", sp_errmsg());
        return sp__ros1_fail(s, pos, rc, "record %s", why);
    }
    r->data = (flags & SP__ROS1_DATA) ? p + 8 + r->hlen : NULL;
    return SP_OK;
}
