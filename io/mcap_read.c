/* The MCAP container of the log reader (see sp_log.h, log_int.h and
 * mcap_read_int.h): the probe, the per-file driver (magic, Header, Footer, then
 * the summary or a linear scan), schemas and channels, and reading one
 * message (parse_record, fetch). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "mcap_read_int.h"

/* ---- small helpers ---- */

int sp__mcap_rd_get(mcap_rd *rd, uint64_t at, size_t n, size_t ahead,
                    const uint8_t **out)
{
    *out = NULL;
    if (at > rd->size || n > rd->size - at)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: %zu bytes wanted, but the file ends "
                        "at %llu",
                        rd->path, (unsigned long long)at, n,
                        (unsigned long long)rd->size);
    if (at >= rd->off && at - rd->off <= rd->len &&
        n <= rd->len - (size_t)(at - rd->off)) {
        *out = rd->buf.data + (at - rd->off);
        return SP_OK;
    }
    uint64_t want = (uint64_t)n + ahead;
    if (want > rd->size - at)
        want = rd->size - at;
    rd->len = 0;
    SP_TRY(sp__iobuf_reserve(&rd->buf, want ? (size_t)want : 1, rd->path));
    SP_TRY(sp__pread_full(rd->fd, rd->buf.data, (size_t)want, at, rd->path));
    rd->off = at;
    rd->len = (size_t)want;
    *out = rd->buf.data;
    return SP_OK;
}

int sp__mcap_damage(mcap_ctx *x, int status, const char *fmt, ...)
{
    char msg[SP__ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sp__log_damage(x->log, status, "%s", msg);
    if (!sp__log_desc(x->log)->skip_damaged)
        x->stop = 1;
    return status;
}

int sp__mcap_codec(const uint8_t *s, size_t n)
{
    if (n == 0)
        return SP__CODEC_NONE;
    if (n == 4 && !memcmp(s, "zstd", 4))
        return SP__CODEC_ZSTD;
    if (n == 3 && !memcmp(s, "lz4", 3))
        return SP__CODEC_LZ4F;
    return -1;
}

int sp__mcap_sizes_believable(int codec, uint64_t csize, uint64_t usize)
{
    if (codec == SP__CODEC_NONE)
        return csize == usize;
    if (usize > SP__LOG_MAX_STAGE)
        return 0;
    /* The densest each format can be: an LZ4 sequence yields at most 255
     * bytes per input byte; a zstd block yields at most 128 KiB from a
     * 4-byte RLE block. A size beyond that is a lie, refused before any
     * memory is asked for it. */
    uint64_t per = codec == SP__CODEC_LZ4F ? 256 : 32768;
    if (csize >= usize / per)
        return 1;
    return usize - csize * per <= ((uint64_t)1 << 17);
}

static char *dupn(const uint8_t *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        if (n)
            memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- impl and per-file state ---- */

static mcap_impl *impl_get(sp_log *log)
{
    mcap_impl *im = sp__log_impl(log);
    if (!im) {
        im = calloc(1, sizeof *im);
        if (im)
            sp__log_set_impl(log, im);
    }
    return im;
}

static void free_schemas(mcap_file *mf)
{
    for (size_t i = 0; i < mf->nschemas; i++) {
        free(mf->schemas[i].name);
        free(mf->schemas[i].encoding);
        free(mf->schemas[i].text);
    }
    free(mf->schemas);
    mf->schemas = NULL;
    mf->nschemas = mf->cap_schemas = 0;
}

static void mcap_close(sp_log *log)
{
    mcap_impl *im = sp__log_impl(log);
    if (!im)
        return;
    for (size_t i = 0; i < im->cap_files; i++) {
        free_schemas(&im->files[i]);
        free(im->files[i].chan);
    }
    free(im->files);
    free(im->hits);
    free(im);
    sp__log_set_impl(log, NULL);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem,
                const char *what)
{
    if (need <= *cap)
        return SP_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return sp__fail(SP_ENOMEM, "%s: out of memory", what);
    *arr = p;
    *cap = c;
    return SP_OK;
}

int sp__mcap_channel_topic(const mcap_file *mf, uint16_t id)
{
    size_t lo = 0, hi = mf->nchan;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mf->chan[mid].id == id)
            return mf->chan[mid].topic;
        if (mf->chan[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static const mcap_schema *find_schema(const mcap_file *mf, uint16_t id)
{
    for (size_t i = 0; i < mf->nschemas; i++)
        if (mf->schemas[i].id == id)
            return &mf->schemas[i];
    return NULL;
}

int sp__mcap_schema(mcap_ctx *x, const uint8_t *p, size_t n, const char *where)
{
    mcap_cur c = mcap_cur_make(p, n);
    uint16_t id = mcap_u16(&c);
    size_t nl, el, dl;
    const uint8_t *name = mcap_bytes32(&c, &nl);
    const uint8_t *enc = mcap_bytes32(&c, &el);
    const uint8_t *data = mcap_bytes32(&c, &dl);
    if (c.bad)
        return sp__fail(SP_EFORMAT,
                        "%s: Schema record (%zu bytes) too short for its "
                        "fields, expected id, name, encoding and data",
                        where, n);
    /* Id 0 means "no schema"; a repeated id keeps its first record. */
    if (id == 0 || find_schema(x->mf, id))
        return SP_OK;
    mcap_file *mf = x->mf;
    SP_TRY(grow((void **)&mf->schemas, &mf->cap_schemas, mf->nschemas + 1,
                sizeof *mf->schemas, where));
    /* A binary schema (protobuf's FileDescriptorSet) is not text. */
    int text = dl == 0 || !memchr(data, '\0', dl);
    mcap_schema s = {.id = id,
                     .name = dupn(name, nl),
                     .encoding = dupn(enc, el),
                     .text = dupn(data, text ? dl : 0)};
    if (!s.name || !s.encoding || !s.text) {
        free(s.name), free(s.encoding), free(s.text);
        return sp__fail(SP_ENOMEM, "%s: out of memory", where);
    }
    mf->schemas[mf->nschemas++] = s;
    return SP_OK;
}

int sp__mcap_channel(mcap_ctx *x, const uint8_t *p, size_t n, const char *where)
{
    mcap_cur c = mcap_cur_make(p, n);
    uint16_t id = mcap_u16(&c);
    uint16_t schema_id = mcap_u16(&c);
    size_t tl, el, ml;
    const uint8_t *topic = mcap_bytes32(&c, &tl);
    const uint8_t *enc = mcap_bytes32(&c, &el);
    mcap_bytes32(&c, &ml); /* metadata: not used */
    if (c.bad)
        return sp__fail(SP_EFORMAT,
                        "%s: Channel record (%zu bytes) too short for its "
                        "fields, expected id, schema id, topic, message "
                        "encoding and metadata",
                        where, n);
    mcap_file *mf = x->mf;
    if (sp__mcap_channel_topic(mf, id) >= 0)
        return SP_OK;
    const mcap_schema *s = find_schema(mf, schema_id);
    if (schema_id != 0 && !s)
        sp__log_note(x->log,
                     "%s: channel %u refers to schema %u, which no Schema "
                     "record before it defines: its type is left empty",
                     where, id, schema_id);
    char *t = dupn(topic, tl), *e = dupn(enc, el);
    int rc = t && e ? SP_OK : sp__fail(SP_ENOMEM, "%s: out of memory", where);
    uint16_t ti = 0;
    if (rc == SP_OK)
        rc = sp__log_add_topic(x->log, t, s ? s->name : "", e, s ? s->text : "",
                               NULL, &ti);
    free(t);
    free(e);
    SP_TRY(rc);
    SP_TRY(grow((void **)&mf->chan, &mf->cap_chan, mf->nchan + 1,
                sizeof *mf->chan, where));
    size_t k = mf->nchan;
    while (k > 0 && mf->chan[k - 1].id > id) {
        mf->chan[k] = mf->chan[k - 1];
        k--;
    }
    mf->chan[k] = (mcap_channel){.id = id, .topic = ti};
    mf->nchan++;
    return SP_OK;
}

int sp__mcap_hit(mcap_ctx *x, int64_t time, uint64_t pos, uint16_t topic)
{
    mcap_impl *im = x->impl;
    SP_TRY(grow((void **)&im->hits, &im->cap_hits, im->nhits + 1,
                sizeof *im->hits, x->rd.path));
    im->hits[im->nhits++] =
        (mcap_hit){.time = time, .pos = pos, .topic = topic};
    return SP_OK;
}

int sp__mcap_add_hits(mcap_ctx *x, uint32_t chunk)
{
    mcap_impl *im = x->impl;
    int rc = SP_OK;
    for (size_t i = 0; i < im->nhits && rc == SP_OK; i++) {
        sp__log_entry e = {.time = im->hits[i].time,
                           .pos = im->hits[i].pos,
                           .chunk = chunk,
                           .topic = im->hits[i].topic,
                           .file = x->file};
        rc = sp__log_add_entry(x->log, &e);
    }
    if (rc == SP_OK)
        x->added += im->nhits;
    im->nhits = 0;
    return rc;
}

/* ---- one file ---- */

static int index_one(mcap_ctx *x)
{
    mcap_rd *rd = &x->rd;
    mcap_impl *im = x->impl;
    const uint8_t *p;
    if (rd->size < MCAP_MAGIC_LEN + MCAP_REC_HEAD)
        return sp__fail(SP_EFORMAT,
                        "%s: %llu bytes, too short for an MCAP file, "
                        "expected the magic and a Header record",
                        rd->path, (unsigned long long)rd->size);
    SP_TRY(sp__mcap_rd_get(rd, 0, MCAP_MAGIC_LEN + MCAP_REC_HEAD, 4096, &p));
    if (memcmp(p, MCAP_MAGIC, MCAP_MAGIC_LEN))
        return sp__fail(SP_EFORMAT,
                        "%s: byte 0: not the MCAP magic, expected "
                        "\\x89MCAP0\\r\\n",
                        rd->path);
    uint64_t hlen = sp__le64(p + MCAP_MAGIC_LEN + 1);
    if (p[MCAP_MAGIC_LEN] != MCAP_OP_HEADER)
        return sp__fail(SP_EFORMAT,
                        "%s: byte 8: record opcode 0x%02x, expected the "
                        "Header record (0x01)",
                        rd->path, p[MCAP_MAGIC_LEN]);
    uint64_t hstart = MCAP_MAGIC_LEN + MCAP_REC_HEAD;
    if (hlen > rd->size - hstart)
        return sp__fail(SP_EFORMAT,
                        "%s: byte 8: Header record of %llu bytes runs past "
                        "the end of the file (%llu bytes), expected a "
                        "complete record",
                        rd->path, (unsigned long long)hlen,
                        (unsigned long long)rd->size);
    SP_TRY(sp__mcap_rd_get(rd, hstart, (size_t)hlen, 0, &p));
    mcap_cur c = mcap_cur_make(p, (size_t)hlen);
    size_t pl, ll;
    const uint8_t *profile = mcap_bytes32(&c, &pl);
    mcap_bytes32(&c, &ll);
    if (c.bad)
        return sp__fail(SP_EFORMAT,
                        "%s: byte 8: Header record of %llu bytes too short "
                        "for its fields, expected profile and library",
                        rd->path, (unsigned long long)hlen);
    snprintf(im->profile, sizeof im->profile, "%.*s", (int)pl,
             (const char *)profile);
    x->data0 = hstart + hlen;

    /* The end: Footer record, then the magic again. */
    uint64_t tail = MCAP_FOOTER_LEN + MCAP_MAGIC_LEN;
    int tail_ok = 0;
    uint64_t summary_start = 0, footer_off = 0;
    uint32_t crc = 0;
    if (rd->size - x->data0 >= tail) {
        footer_off = rd->size - tail;
        SP_TRY(sp__mcap_rd_get(rd, footer_off, (size_t)tail, 0, &p));
        tail_ok = p[0] == MCAP_OP_FOOTER && sp__le64(p + 1) == 20 &&
                  !memcmp(p + MCAP_FOOTER_LEN, MCAP_MAGIC, MCAP_MAGIC_LEN);
        if (tail_ok) {
            summary_start = sp__le64(p + 9);
            crc = sp__le32(p + 25);
        }
    }
    im->indexed = 0;
    if (!tail_ok) {
        snprintf(im->note, sizeof im->note,
                 "no footer at the end (truncated?): read by a linear scan");
    } else if (summary_start == 0) {
        snprintf(im->note, sizeof im->note,
                 "no summary section: read by a linear scan");
    } else if (summary_start < x->data0 || summary_start > footer_off) {
        snprintf(im->note, sizeof im->note,
                 "the footer's summary start (byte %llu) lies outside the "
                 "file's records: read by a linear scan",
                 (unsigned long long)summary_start);
    } else {
        int r = sp__mcap_open_summary(x, summary_start, footer_off, crc);
        if (r < 0)
            return r;
        if (r == 1) {
            im->indexed = 1;
            return SP_OK;
        }
    }
    return sp__mcap_scan_data(x, NULL, 0, tail_ok);
}

int sp__mcap_index_file(sp_log *log, const char *path)
{
    mcap_impl *im = impl_get(log);
    if (!im)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    uint16_t fi;
    int fd;
    uint64_t size;
    SP_TRY(sp__log_add_file(log, path, &fi, &fd, &size));
    if (fi >= im->cap_files) {
        size_t old = im->cap_files;
        SP_TRY(grow((void **)&im->files, &im->cap_files, (size_t)fi + 1,
                    sizeof *im->files, path));
        memset(im->files + old, 0, (im->cap_files - old) * sizeof *im->files);
    }
    mcap_ctx x = {.log = log,
                  .impl = im,
                  .mf = &im->files[fi],
                  .rd = {.fd = fd, .size = size, .path = path},
                  .file = fi};
    x.mf->used = 1;
    im->nhits = 0;
    int rc = index_one(&x);
    free_schemas(x.mf);
    sp__iobuf_free(&x.rd.buf);
    return rc;
}

static int mcap_open(sp_log *log, const char *path)
{
    SP_TRY(sp__mcap_index_file(log, path));
    mcap_impl *im = sp__log_impl(log);
    sp_log_info *li = sp__log_info_mut(log);
    snprintf(li->version, sizeof li->version, "0");
    snprintf(li->profile, sizeof li->profile, "%s", im->profile);
    int k = snprintf(li->note, sizeof li->note, "%s", im->note);
    if ((im->attachments || im->metadata) && k >= 0 &&
        (size_t)k < sizeof li->note)
        k = snprintf(li->note + k, sizeof li->note - (size_t)k,
                     "; %llu attachments and %llu metadata records not read",
                     (unsigned long long)im->attachments,
                     (unsigned long long)im->metadata);
    (void)k;
    li->indexed = im->indexed;
    if (im->unknown[0]) {
        /* The reader names only the codecs of the chunks it can read. */
        size_t used = 0;
        for (int c = 0; c < SP__CODEC_COUNT; c++) {
            if (!(im->codecs & (1u << c)) || used >= sizeof li->compression)
                continue;
            k = snprintf(li->compression + used, sizeof li->compression - used,
                         "%s+", sp__codec_name((sp__codec)c));
            used += k > 0 ? (size_t)k : 0;
        }
        if (used < sizeof li->compression)
            snprintf(li->compression + used, sizeof li->compression - used,
                     "%s", im->unknown);
    }
    return SP_OK;
}

/* ---- reading one message ---- */

static int mcap_parse_record(sp_log *log, const sp__log_entry *e,
                             const uint8_t *rec, size_t avail, sp_log_msg *msg)
{
    if (avail < MCAP_REC_HEAD)
        return sp__fail(SP_EFORMAT,
                        "record cut off (%zu bytes left, expected a 9-byte "
                        "record header)",
                        avail);
    if (rec[0] != MCAP_OP_MESSAGE)
        return sp__fail(SP_EFORMAT,
                        "record opcode 0x%02x, expected a Message record "
                        "(0x05) where the index points",
                        rec[0]);
    uint64_t len = sp__le64(rec + 1);
    if (len > avail - MCAP_REC_HEAD)
        return sp__fail(SP_EFORMAT,
                        "Message record of %llu bytes runs past the end of "
                        "its chunk or file (%zu bytes left), expected it "
                        "inside",
                        (unsigned long long)len, avail - MCAP_REC_HEAD);
    if (len < MCAP_MSG_FIXED)
        return sp__fail(SP_EFORMAT,
                        "Message record of %llu bytes, expected at least %d",
                        (unsigned long long)len, MCAP_MSG_FIXED);
    const uint8_t *c = rec + MCAP_REC_HEAD;
    uint16_t channel = sp__le16(c);
    int64_t log_time = (int64_t)sp__le64(c + 6);
    mcap_impl *im = sp__log_impl(log);
    if (im && e->file < im->cap_files && im->files[e->file].used) {
        int t = sp__mcap_channel_topic(&im->files[e->file], channel);
        if (t < 0)
            return sp__fail(SP_EFORMAT,
                            "the Message record is of channel %u, which its "
                            "file does not define",
                            channel);
        if (t != e->topic)
            return sp__fail(SP_EFORMAT,
                            "the Message record is of channel %u (topic %d), "
                            "but the index says topic %u",
                            channel, t, e->topic);
    }
    if (log_time != e->time)
        return sp__fail(SP_EFORMAT,
                        "the Message record's log time is %lld, but the "
                        "message index says %lld",
                        (long long)log_time, (long long)e->time);
    msg->publish_time = (int64_t)sp__le64(c + 14);
    msg->data = c + MCAP_MSG_FIXED;
    msg->size = (size_t)(len - MCAP_MSG_FIXED);
    return SP_OK;
}

/* A Message record outside any chunk: e->pos is its file offset. */
static int mcap_fetch(sp_log *log, const sp__log_entry *e, const uint8_t **rec,
                      size_t *avail, sp_log_msg *msg)
{
    (void)msg;
    const char *path = sp__log_file_path(log, e->file);
    int fd = sp__log_file_fd(log, e->file);
    uint64_t size = sp__log_file_size(log, e->file);
    uint8_t head[MCAP_REC_HEAD];
    if (e->pos > size || size - e->pos < MCAP_REC_HEAD)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: Message record past the end of the "
                        "file (%llu bytes)",
                        path, (unsigned long long)e->pos,
                        (unsigned long long)size);
    SP_TRY(sp__pread_full(fd, head, sizeof head, e->pos, path));
    uint64_t len = sp__le64(head + 1);
    if (len > size - e->pos - MCAP_REC_HEAD)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: Message record of %llu bytes runs "
                        "past the end of the file (%llu bytes)",
                        path, (unsigned long long)e->pos,
                        (unsigned long long)len, (unsigned long long)size);
    char what[600];
    snprintf(what, sizeof what, "%s: byte %llu: message", path,
             (unsigned long long)e->pos);
    uint8_t *buf;
    SP_TRY(sp__log_stage(log, SP__LOG_SLOT_FETCH, MCAP_REC_HEAD + len, what,
                         &buf));
    SP_TRY(
        sp__pread_full(fd, buf, (size_t)(MCAP_REC_HEAD + len), e->pos, path));
    *rec = buf;
    *avail = (size_t)(MCAP_REC_HEAD + len);
    return SP_OK;
}

static int mcap_probe(const char *path, int is_dir, const uint8_t *head,
                      size_t n)
{
    (void)path;
    return !is_dir && head && n >= MCAP_MAGIC_LEN &&
           !memcmp(head, MCAP_MAGIC, MCAP_MAGIC_LEN);
}

const sp__log_ops sp__mcap_ops = {.name = "mcap",
                                  .probe = mcap_probe,
                                  .open = mcap_open,
                                  .parse_record = mcap_parse_record,
                                  .fetch = mcap_fetch,
                                  .close = mcap_close};

const sp__format sp__format_mcap = {.name = "mcap",
                                    .what = "MCAP file",
                                    .source = "bag",
                                    .order = 11,
                                    .probe = mcap_probe,
                                    .describe = NULL,
                                    .log = &sp__mcap_ops};
