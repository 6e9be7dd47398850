/* The MCAP writer (see sp_mcap.h): the file's header, schemas, channels,
 * messages into the open chunk, and the Data End, summary and footer that
 * finish a file. Chunks themselves are closed in mcap_chunk.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "error_int.h"
#include "mcap_int.h"

#ifndef SP_LIB_VERSION
#error                                                                         \
    "SP_LIB_VERSION must come from the build (cmake/sensorpipe_sources.cmake)"
#endif

#define DEFAULT_CHUNK_SIZE ((size_t)1 << 20)
#define MAX_IDS 65535u
/* Chunk Index records reserved for at create: a 1 GiB file of 1 MiB
 * chunks on one or two channels. */
#define CIDX_RESERVE (1024u * 100u)
#define QOS_KEY "offered_qos_profiles"

const char *sp_mcap_compression_name(sp_mcap_compression c)
{
    switch (c) {
    case SP_MCAP_ZSTD:
        return "zstd";
    case SP_MCAP_LZ4:
        return "lz4";
    case SP_MCAP_NONE:
        return "";
    }
    return NULL;
}

size_t sp__mcap_schema_size(const sp__mcap_schema *s)
{
    return SP__MCAP_REC_HEAD + 2 + 4 + strlen(s->name) + 4 +
           strlen(s->encoding) + 4 + s->len;
}

uint8_t *sp__mcap_schema_put(uint8_t *p, uint16_t id, const sp__mcap_schema *s)
{
    p = sp__mcap_head(p, SP__MCAP_OP_SCHEMA,
                      sp__mcap_schema_size(s) - SP__MCAP_REC_HEAD);
    p = sp__mcap_u16(p, id);
    p = sp__mcap_bytes(p, s->name, strlen(s->name));
    p = sp__mcap_bytes(p, s->encoding, strlen(s->encoding));
    return sp__mcap_bytes(p, s->data, s->len);
}

static size_t meta_size(const sp_mcap_writer *w)
{
    return 4 + (w->ros2_meta ? 4 + strlen(QOS_KEY) + 4 : 0);
}

size_t sp__mcap_channel_size(const sp_mcap_writer *w, const sp__mcap_channel *c)
{
    return SP__MCAP_REC_HEAD + 2 + 2 + 4 + strlen(c->topic) + 4 +
           strlen(c->encoding) + meta_size(w);
}

uint8_t *sp__mcap_channel_put(uint8_t *p, const sp_mcap_writer *w, uint16_t id,
                              const sp__mcap_channel *c)
{
    p = sp__mcap_head(p, SP__MCAP_OP_CHANNEL,
                      sp__mcap_channel_size(w, c) - SP__MCAP_REC_HEAD);
    p = sp__mcap_u16(p, id);
    p = sp__mcap_u16(p, c->schema_id);
    p = sp__mcap_bytes(p, c->topic, strlen(c->topic));
    p = sp__mcap_bytes(p, c->encoding, strlen(c->encoding));
    p = sp__mcap_u32(p, (uint32_t)(meta_size(w) - 4));
    if (w->ros2_meta) {
        p = sp__mcap_bytes(p, QOS_KEY, strlen(QOS_KEY));
        p = sp__mcap_bytes(p, "", 0);
    }
    return p;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Records hold uint32 string lengths; names and topics are far shorter. */
static int check_str(const sp_mcap_writer *w, const char *what, const char *s,
                     int may_be_empty)
{
    size_t n = strlen(s);
    if (!may_be_empty && n == 0)
        return sp__fail(SP_EINVAL, "%s: empty %s, expected a name", w->path,
                        what);
    if (n > 65536)
        return sp__fail(SP_EINVAL,
                        "%s: %s of %zu bytes, expected at most "
                        "65536",
                        w->path, what, n);
    return SP_OK;
}

static int check_open(const sp_mcap_writer *w)
{
    if (w->finished)
        return sp__fail(SP_EINVAL, "%s: the MCAP file is already finished",
                        w->path);
    if (w->failed)
        return sp__fail(SP_EIO,
                        "%s: an earlier write failed; the file will "
                        "not be finished",
                        w->path);
    return SP_OK;
}

static int write_header(sp_mcap_writer *w)
{
    size_t pn = strlen(w->profile), ln = strlen(w->library);
    size_t n = 8 + SP__MCAP_REC_HEAD + 4 + pn + 4 + ln;
    uint8_t *buf = malloc(n);
    if (!buf)
        return sp__fail(SP_ENOMEM, "%s: header of %zu bytes", w->path, n);
    memcpy(buf, sp__mcap_magic, 8);
    uint8_t *p = sp__mcap_head(buf + 8, SP__MCAP_OP_HEADER, 8 + pn + ln);
    p = sp__mcap_bytes(p, w->profile, pn);
    sp__mcap_bytes(p, w->library, ln);
    struct iovec iov = {buf, n};
    int rc = sp__mcap_emit(w, &iov, 1, 1);
    free(buf);
    return rc;
}

int sp_mcap_writer_create(const char *path, const sp_mcap_writer_desc *desc,
                          sp_mcap_writer **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(path != NULL);
    sp_mcap_writer_desc d = desc ? *desc : (sp_mcap_writer_desc){0};
    if (!sp_mcap_compression_name(d.compression))
        return sp__fail(SP_EINVAL,
                        "%s: compression %d, expected zstd, lz4 "
                        "or none",
                        path, (int)d.compression);
    size_t plen = strlen(path);
    if (plen == 0 || plen >= PATH_MAX)
        return sp__fail(SP_EINVAL,
                        "%s: output path is empty or too long "
                        "(limit %d bytes)",
                        path, PATH_MAX - 1);

    sp_mcap_writer *w = calloc(1, sizeof *w);
    if (!w)
        return sp__fail(SP_ENOMEM, "%s: MCAP writer", path);
    memcpy(w->path, path, plen + 1);
    w->f.fd = -1;
    w->comp = d.compression;
    w->level = d.level;
    w->chunk_size = d.chunk_size ? d.chunk_size : DEFAULT_CHUNK_SIZE;
    w->profile = dup_str(d.profile ? d.profile : "ros2");
    w->library = dup_str(d.library ? d.library : "sensorpipe " SP_LIB_VERSION);
    w->ros2_meta = w->profile && strcmp(w->profile, "ros2") == 0;
    int rc;
    if (!w->profile || !w->library) {
        rc = sp__fail(SP_ENOMEM, "%s: MCAP writer", path);
        goto fail;
    }
    SP_TRY_GOTO(rc, check_str(w, "profile", w->profile, 1), fail);
    SP_TRY_GOTO(rc, check_str(w, "library", w->library, 1), fail);
    w->mgr = d.mgr;
    if (!w->mgr) {
        SP_TRY_GOTO(rc, sp_poolmgr_create(NULL, &w->mgr), fail);
        w->own_mgr = 1;
    }
    SP_TRY_GOTO(rc, sp__mcap_codec_init(w), fail);
    SP_TRY_GOTO(rc, sp__mcap_reserve(w, w->chunk_size), fail);
    w->cidx = malloc(CIDX_RESERVE);
    w->mi = malloc(4096);
    if (!w->cidx || !w->mi) {
        rc = sp__fail(SP_ENOMEM, "%s: MCAP writer index", path);
        goto fail;
    }
    w->cidx_cap = CIDX_RESERVE;
    w->mi_cap = 4096;
    SP_TRY_GOTO(rc, sp__afile_open(&w->f, w->path), fail);
    SP_TRY_GOTO(rc, write_header(w), fail);
    *out = w;
    return SP_OK;
fail:
    sp_mcap_writer_destroy(w);
    return rc;
}

int sp_mcap_writer_add_schema(sp_mcap_writer *w, const char *name,
                              const char *encoding, const void *data,
                              size_t len, uint16_t *id)
{
    SP_GUARD(w != NULL && name != NULL && encoding != NULL && id != NULL);
    SP_GUARD(data != NULL || len == 0);
    SP_TRY(check_open(w));
    SP_TRY(check_str(w, "schema name", name, 0));
    SP_TRY(check_str(w, "schema encoding", encoding, 1));
    if (!*encoding && len)
        return sp__fail(SP_EINVAL,
                        "%s: schema '%s' has %zu bytes of data but "
                        "no encoding, expected none",
                        w->path, name, len);
    if (len > UINT32_MAX)
        return sp__fail(SP_EINVAL,
                        "%s: schema '%s' of %zu bytes, expected "
                        "at most 4 GiB",
                        w->path, name, len);
    if (w->nschemas >= MAX_IDS)
        return sp__fail(SP_EINVAL, "%s: more than %u schemas", w->path,
                        MAX_IDS);
    if (w->nschemas == w->cap_schemas) {
        size_t n = w->cap_schemas ? 2 * w->cap_schemas : 4;
        sp__mcap_schema *s = realloc(w->schemas, n * sizeof *s);
        if (!s)
            return sp__fail(SP_ENOMEM, "%s: schema list", w->path);
        w->schemas = s;
        w->cap_schemas = n;
    }
    sp__mcap_schema s = {.name = dup_str(name),
                         .encoding = dup_str(encoding),
                         .data = malloc(len ? len : 1),
                         .len = len};
    if (!s.name || !s.encoding || !s.data) {
        free(s.name);
        free(s.encoding);
        free(s.data);
        return sp__fail(SP_ENOMEM, "%s: schema '%s'", w->path, name);
    }
    if (len)
        memcpy(s.data, data, len);
    w->schemas[w->nschemas++] = s;
    *id = (uint16_t)w->nschemas;
    return SP_OK;
}

int sp_mcap_writer_add_channel(sp_mcap_writer *w, uint16_t schema_id,
                               const char *topic, const char *message_encoding,
                               uint16_t *id)
{
    SP_GUARD(w != NULL && topic != NULL && message_encoding != NULL &&
             id != NULL);
    SP_TRY(check_open(w));
    SP_TRY(check_str(w, "topic", topic, 0));
    SP_TRY(check_str(w, "message encoding", message_encoding, 0));
    if (schema_id > w->nschemas)
        return sp__fail(SP_EINVAL,
                        "%s: topic '%s': schema %u was not added "
                        "(%zu schemas)",
                        w->path, topic, schema_id, w->nschemas);
    if (w->nchans >= MAX_IDS)
        return sp__fail(SP_EINVAL, "%s: more than %u channels", w->path,
                        MAX_IDS);
    if (w->nchans == w->cap_chans) {
        size_t n = w->cap_chans ? 2 * w->cap_chans : 8;
        sp__mcap_channel *c = realloc(w->chans, n * sizeof *c);
        if (!c)
            return sp__fail(SP_ENOMEM, "%s: channel list", w->path);
        w->chans = c;
        uint16_t *cc = realloc(w->c_chans, n * sizeof *cc);
        if (!cc)
            return sp__fail(SP_ENOMEM, "%s: channel list", w->path);
        w->c_chans = cc;
        w->cap_chans = n;
    }
    sp__mcap_channel c = {.schema_id = schema_id,
                          .topic = dup_str(topic),
                          .encoding = dup_str(message_encoding)};
    if (!c.topic || !c.encoding) {
        free(c.topic);
        free(c.encoding);
        return sp__fail(SP_ENOMEM, "%s: channel '%s'", w->path, topic);
    }
    w->chans[w->nchans++] = c;
    *id = (uint16_t)w->nchans;
    return SP_OK;
}

/* Room for one more Message Index entry of channel @p c. */
static int index_room(sp_mcap_writer *w, sp__mcap_channel *c)
{
    if (c->nidx < c->cap_idx)
        return SP_OK;
    size_t n = c->cap_idx ? 2 * c->cap_idx : 64;
    uint64_t *p = realloc(c->idx, n * 2 * sizeof *p);
    if (!p)
        return sp__fail(SP_ENOMEM, "%s: message index of '%s'", w->path,
                        c->topic);
    c->idx = p;
    c->cap_idx = n;
    return SP_OK;
}

int sp_mcap_writer_write(sp_mcap_writer *w, uint16_t channel, uint32_t sequence,
                         uint64_t log_time, uint64_t publish_time,
                         const void *data, size_t len)
{
    SP_GUARD(w != NULL);
    SP_GUARD(data != NULL || len == 0);
    SP_TRY(check_open(w));
    if (channel == 0 || channel > w->nchans)
        return sp__fail(SP_EINVAL,
                        "%s: channel %u was not added (%zu "
                        "channels)",
                        w->path, channel, w->nchans);
    sp__mcap_channel *c = &w->chans[channel - 1];
    sp__mcap_schema *s = c->schema_id ? &w->schemas[c->schema_id - 1] : NULL;
    if (len > SIZE_MAX / 2)
        return sp__fail(SP_EINVAL, "%s: message of %zu bytes", w->path, len);
    size_t need = SP__MCAP_MSG_HEAD + len;
    if (!c->written)
        need += sp__mcap_channel_size(w, c) +
                (s && !s->written ? sp__mcap_schema_size(s) : 0);

    int rc;
    if (w->c_msgs > 0 && w->chunk_len + need > w->chunk_size)
        SP_TRY_GOTO(rc, sp__mcap_chunk_close(w), fatal);
    /* Neither fails after changing anything: the writer stays usable. */
    SP_TRY(sp__mcap_reserve(w, w->chunk_len + need));
    SP_TRY(index_room(w, c));

    uint8_t *p = w->chunk + w->chunk_len;
    if (!c->written) {
        if (s && !s->written) {
            p = sp__mcap_schema_put(p, c->schema_id, s);
            s->written = 1;
        }
        p = sp__mcap_channel_put(p, w, channel, c);
        c->written = 1;
    }
    if (c->nidx == 0)
        w->c_chans[w->c_nchans++] = channel;
    c->idx[2 * c->nidx] = log_time;
    c->idx[2 * c->nidx + 1] = (uint64_t)(p - w->chunk);
    c->nidx++;
    p = sp__mcap_head(p, SP__MCAP_OP_MESSAGE,
                      SP__MCAP_MSG_HEAD - SP__MCAP_REC_HEAD + len);
    p = sp__mcap_u16(p, channel);
    p = sp__mcap_u32(p, sequence);
    p = sp__mcap_u64(p, log_time);
    p = sp__mcap_u64(p, publish_time);
    if (len)
        memcpy(p, data, len);
    w->chunk_len = (size_t)(p + len - w->chunk);

    if (w->c_msgs == 0 || log_time < w->c_start)
        w->c_start = log_time;
    if (w->c_msgs == 0 || log_time > w->c_end)
        w->c_end = log_time;
    w->c_msgs++;
    if (w->messages == 0 || log_time < w->t_start)
        w->t_start = log_time;
    if (w->messages == 0 || log_time > w->t_end)
        w->t_end = log_time;
    w->messages++;
    c->count++;
    if (w->chunk_len >= w->chunk_size)
        SP_TRY_GOTO(rc, sp__mcap_chunk_close(w), fatal);
    return SP_OK;
fatal:
    w->failed = 1;
    return rc;
}

/* The Statistics record. */
static size_t stats_size(const sp_mcap_writer *w)
{
    size_t used = 0;
    for (size_t i = 0; i < w->nchans; i++)
        used += w->chans[i].count > 0;
    return SP__MCAP_REC_HEAD + 8 + 2 + 4 * 4 + 8 + 8 + 4 + 10 * used;
}

static uint8_t *stats_put(uint8_t *p, const sp_mcap_writer *w)
{
    const size_t n = stats_size(w);
    p = sp__mcap_head(p, SP__MCAP_OP_STATISTICS, n - SP__MCAP_REC_HEAD);
    p = sp__mcap_u64(p, w->messages);
    p = sp__mcap_u16(p, (uint16_t)w->nschemas);
    p = sp__mcap_u32(p, (uint32_t)w->nchans);
    p = sp__mcap_u32(p, 0); /* attachments */
    p = sp__mcap_u32(p, 0); /* metadata */
    p = sp__mcap_u32(p, (uint32_t)w->chunks);
    p = sp__mcap_u64(p, w->t_start);
    p = sp__mcap_u64(p, w->t_end);
    p = sp__mcap_u32(p, (uint32_t)(n - (SP__MCAP_REC_HEAD + 46)));
    for (size_t i = 0; i < w->nchans; i++) {
        if (w->chans[i].count == 0)
            continue;
        p = sp__mcap_u16(p, (uint16_t)(i + 1));
        p = sp__mcap_u64(p, w->chans[i].count);
    }
    return p;
}

static uint8_t *offset_put(uint8_t *p, uint8_t op, uint64_t start, uint64_t len)
{
    p = sp__mcap_head(p, SP__MCAP_OP_SUMMARY_OFFSET, 1 + 8 + 8);
    p = sp__mcap_u8(p, op);
    p = sp__mcap_u64(p, start);
    return sp__mcap_u64(p, len);
}

/* Data End, the summary (schemas, channels, statistics, chunk indexes),
 * the summary offsets, the footer and the closing magic. */
static int write_summary(sp_mcap_writer *w)
{
    size_t sch = 0, chn = 0;
    for (size_t i = 0; i < w->nschemas; i++)
        sch += sp__mcap_schema_size(&w->schemas[i]);
    for (size_t i = 0; i < w->nchans; i++)
        chn += sp__mcap_channel_size(w, &w->chans[i]);
    const size_t sta = stats_size(w);
    const size_t head = SP__MCAP_REC_HEAD + 4 + sch + chn + sta;
    const size_t tail =
        4 * (SP__MCAP_REC_HEAD + 17) + SP__MCAP_REC_HEAD + 20 + 8;
    /* Built in the chunk buffer, free once the last chunk is written: a
     * file's end allocates nothing from the heap either. */
    SP_TRY(sp__mcap_reserve(w, head + tail));
    uint8_t *buf = w->chunk;

    uint8_t *p = sp__mcap_head(buf, SP__MCAP_OP_DATA_END, 4);
    p = sp__mcap_u32(p, w->data_crc);
    const uint64_t sum_start = w->off + (uint64_t)(p - buf);
    for (size_t i = 0; i < w->nschemas; i++)
        p = sp__mcap_schema_put(p, (uint16_t)(i + 1), &w->schemas[i]);
    for (size_t i = 0; i < w->nchans; i++)
        p = sp__mcap_channel_put(p, w, (uint16_t)(i + 1), &w->chans[i]);
    p = stats_put(p, w);

    /* Offsets of each group (they follow one another), then the footer. */
    const uint64_t g_sch = sum_start, g_chn = g_sch + sch, g_sta = g_chn + chn,
                   g_cix = g_sta + sta, off_start = g_cix + w->cidx_len;
    uint8_t *t = p;
    if (sch)
        t = offset_put(t, SP__MCAP_OP_SCHEMA, g_sch, sch);
    if (chn)
        t = offset_put(t, SP__MCAP_OP_CHANNEL, g_chn, chn);
    t = offset_put(t, SP__MCAP_OP_STATISTICS, g_sta, sta);
    if (w->cidx_len)
        t = offset_put(t, SP__MCAP_OP_CHUNK_INDEX, g_cix, w->cidx_len);
    t = sp__mcap_head(t, SP__MCAP_OP_FOOTER, 8 + 8 + 4);
    t = sp__mcap_u64(t, sum_start);
    t = sp__mcap_u64(t, off_start);
    /* The summary CRC runs from the summary's first byte through the
     * footer's summary_offset_start field. */
    uint32_t crc =
        (uint32_t)crc32_z(0, buf + (sum_start - w->off),
                          (size_t)(p - buf) - (size_t)(sum_start - w->off));
    crc = (uint32_t)crc32_z(crc, w->cidx, w->cidx_len);
    crc = (uint32_t)crc32_z(crc, p, (size_t)(t - p));
    t = sp__mcap_u32(t, crc);
    memcpy(t, sp__mcap_magic, 8);
    t += 8;

    struct iovec iov[3] = {
        {buf, (size_t)(p - buf)}, {w->cidx, w->cidx_len}, {p, (size_t)(t - p)}};
    return sp__mcap_emit(w, iov, 3, 0);
}

int sp_mcap_writer_finish(sp_mcap_writer *w)
{
    SP_GUARD(w != NULL);
    int rc = check_open(w);
    if (rc < 0)
        return rc;
    SP_TRY_GOTO(rc, sp__mcap_chunk_close(w), fail);
    SP_TRY_GOTO(rc, write_summary(w), fail);
    SP_TRY_GOTO(rc, sp__afile_commit(&w->f), fail);
    w->finished = 1;
    return SP_OK;
fail:
    w->failed = 1;
    sp__afile_abort(&w->f);
    return rc;
}

void sp_mcap_writer_destroy(sp_mcap_writer *w)
{
    if (!w)
        return;
    if (!w->finished)
        sp__afile_abort(&w->f);
    for (size_t i = 0; i < w->nschemas; i++) {
        free(w->schemas[i].name);
        free(w->schemas[i].encoding);
        free(w->schemas[i].data);
    }
    for (size_t i = 0; i < w->nchans; i++) {
        free(w->chans[i].topic);
        free(w->chans[i].encoding);
        free(w->chans[i].idx);
    }
    free(w->schemas);
    free(w->chans);
    free(w->c_chans);
    free(w->cidx);
    free(w->mi);
    ZSTD_freeCCtx(w->zctx);
    LZ4F_freeCompressionContext(w->lctx);
    sp_block_unref(w->chunk_blk);
    sp_block_unref(w->out_blk);
    if (w->own_mgr)
        sp_poolmgr_destroy(w->mgr);
    free(w->profile);
    free(w->library);
    free(w);
}

int sp_mcap_writer_stats_get(const sp_mcap_writer *w, sp_mcap_writer_stats *out)
{
    SP_GUARD(w != NULL && out != NULL);
    *out = (sp_mcap_writer_stats){.messages = w->messages,
                                  .chunks = w->chunks,
                                  .bytes = w->off,
                                  .uncompressed = w->uncompressed};
    return SP_OK;
}
