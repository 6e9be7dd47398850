/* MCAP opened through its summary section (see mcap_read_int.h): schemas,
 * channels and chunk indexes from the summary, then per chunk its message
 * index records (after the chunk in the data section) give each message's
 * log time and place, so no chunk is decompressed at open. A summary that
 * does not hold together (bad CRC, a record past its end, a chunk index
 * that points at no chunk) is not used: the caller scans the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcap_read_int.h"

typedef struct chunk_ix {
    uint64_t start_time, end_time;
    uint64_t off, length; /* the Chunk record */
    uint64_t mi_len;      /* its message index records, right after it */
    uint32_t nmap;        /* entries in message_index_offsets */
} chunk_ix;

typedef struct summary {
    const uint8_t *p;
    uint64_t n;
    uint64_t start; /* file offset of p[0] */
    chunk_ix *ci;
    size_t nci, cap_ci;
    uint64_t attachments, metadata;
} summary;

static int by_offset(const void *a, const void *b)
{
    const chunk_ix *x = a, *y = b;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int by_pos(const void *a, const void *b)
{
    const mcap_hit *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Every record of the summary parses: 0, or 1 with x->impl->note set. */
static int check_records(mcap_ctx *x, summary *s)
{
    mcap_impl *im = x->impl;
    uint64_t pos = 0;
    while (pos < s->n) {
        uint64_t at = s->start + pos;
        if (s->n - pos < MCAP_REC_HEAD) {
            snprintf(im->note, sizeof im->note,
                     "summary damaged (byte %llu: a record header cut off): "
                     "read by a linear scan",
                     (unsigned long long)at);
            return 1;
        }
        const uint8_t *r = s->p + pos;
        uint64_t len = sp__le64(r + 1);
        if (len > s->n - pos - MCAP_REC_HEAD) {
            snprintf(im->note, sizeof im->note,
                     "summary damaged (byte %llu: a record of %llu bytes "
                     "runs past the footer): read by a linear scan",
                     (unsigned long long)at, (unsigned long long)len);
            return 1;
        }
        mcap_cur c = mcap_cur_make(r + MCAP_REC_HEAD, (size_t)len);
        size_t k;
        switch (r[0]) {
        case MCAP_OP_SCHEMA:
            mcap_u16(&c);
            for (int i = 0; i < 3; i++)
                mcap_bytes32(&c, &k);
            break;
        case MCAP_OP_CHANNEL:
            mcap_u32(&c);
            for (int i = 0; i < 3; i++)
                mcap_bytes32(&c, &k);
            break;
        case MCAP_OP_STATISTICS:
            x->stats_messages = mcap_u64(&c);
            x->has_stats = !c.bad;
            break;
        case MCAP_OP_ATTACHMENT_INDEX:
            s->attachments++;
            break;
        case MCAP_OP_METADATA_INDEX:
            s->metadata++;
            break;
        case MCAP_OP_CHUNK_INDEX: {
            chunk_ix ci;
            ci.start_time = mcap_u64(&c);
            ci.end_time = mcap_u64(&c);
            ci.off = mcap_u64(&c);
            ci.length = mcap_u64(&c);
            mcap_bytes32(&c, &k);
            ci.nmap = (uint32_t)(k / 10);
            if (k % 10)
                c.bad = 1;
            ci.mi_len = mcap_u64(&c);
            mcap_bytes32(&c, &k); /* compression: the chunk says it too */
            mcap_u64(&c);
            mcap_u64(&c);
            if (c.bad)
                break;
            if (s->nci == s->cap_ci) {
                size_t cap = s->cap_ci ? s->cap_ci * 2 : 64;
                chunk_ix *q = realloc(s->ci, cap * sizeof *q);
                if (!q)
                    return sp__fail(SP_ENOMEM,
                                    "%s: out of memory for %zu "
                                    "chunk indexes",
                                    x->rd.path, cap);
                s->ci = q;
                s->cap_ci = cap;
            }
            s->ci[s->nci++] = ci;
            break;
        }
        default:
            break; /* summary offsets, unknown records */
        }
        if (c.bad) {
            snprintf(im->note, sizeof im->note,
                     "summary damaged (byte %llu: opcode 0x%02x record of "
                     "%llu bytes too short for its fields): read by a "
                     "linear scan",
                     (unsigned long long)at, r[0], (unsigned long long)len);
            return 1;
        }
        pos += MCAP_REC_HEAD + len;
    }
    return 0;
}

/* Add the summary's schemas (first) then its channels. */
static int add_channels(mcap_ctx *x, const summary *s)
{
    char where[640];
    for (int pass = 0; pass < 2; pass++) {
        uint8_t want = pass == 0 ? MCAP_OP_SCHEMA : MCAP_OP_CHANNEL;
        uint64_t pos = 0;
        while (pos < s->n) {
            const uint8_t *r = s->p + pos;
            uint64_t len = sp__le64(r + 1);
            if (r[0] == want) {
                snprintf(where, sizeof where, "%s: byte %llu", x->rd.path,
                         (unsigned long long)(s->start + pos));
                SP_TRY(pass == 0 ? sp__mcap_schema(x, r + MCAP_REC_HEAD,
                                                   (size_t)len, where)
                                 : sp__mcap_channel(x, r + MCAP_REC_HEAD,
                                                    (size_t)len, where));
            }
            pos += MCAP_REC_HEAD + len;
        }
    }
    return SP_OK;
}

/* Each chunk index points at a Chunk record of its length inside the data
 * section: 0, or 1 with the note set. */
static int check_chunks(mcap_ctx *x, const summary *s)
{
    for (size_t i = 0; i < s->nci; i++) {
        const chunk_ix *ci = &s->ci[i];
        const uint8_t *p = NULL;
        int ok = ci->off >= x->data0 && ci->off <= s->start &&
                 ci->length >= MCAP_REC_HEAD &&
                 ci->length <= s->start - ci->off &&
                 (i == 0 || ci->off >= s->ci[i - 1].off + s->ci[i - 1].length);
        if (ok)
            SP_TRY(sp__mcap_rd_get(&x->rd, ci->off, MCAP_REC_HEAD, 0, &p));
        if (!ok || p[0] != MCAP_OP_CHUNK ||
            sp__le64(p + 1) != ci->length - MCAP_REC_HEAD) {
            snprintf(x->impl->note, sizeof x->impl->note,
                     "summary damaged (a chunk index points at byte %llu, "
                     "where no Chunk record of %llu bytes is): read by a "
                     "linear scan",
                     (unsigned long long)ci->off,
                     (unsigned long long)ci->length);
            return 1;
        }
    }
    return 0;
}

/* The chunk's messages from its message index records into x->impl->hits:
 * 1, or 0 when they are missing or do not hold together (the caller scans
 * the chunk instead). */
static int message_index(mcap_ctx *x, const summary *s, const chunk_ix *ci,
                         const sp__log_chunk *c)
{
    mcap_impl *im = x->impl;
    im->nhits = 0;
    if (ci->mi_len == 0)
        return ci->nmap == 0 && ci->start_time == 0 && ci->end_time == 0;
    uint64_t at = ci->off + ci->length;
    if (at > s->start || ci->mi_len > s->start - at)
        return 0;
    const uint8_t *p;
    SP_TRY(sp__mcap_rd_get(&x->rd, at, (size_t)ci->mi_len, 0, &p));
    uint64_t pos = 0, n = ci->mi_len;
    while (pos < n) {
        if (n - pos < MCAP_REC_HEAD)
            goto unusable;
        const uint8_t *r = p + pos;
        uint64_t len = sp__le64(r + 1);
        if (len > n - pos - MCAP_REC_HEAD)
            goto unusable;
        if (r[0] == MCAP_OP_MESSAGE_INDEX) {
            if (len < 6)
                goto unusable;
            int t = sp__mcap_channel_topic(x->mf, sp__le16(r + 9));
            uint32_t bytes = sp__le32(r + 11);
            if (t < 0 || bytes % 16 || bytes > len - 6)
                goto unusable;
            for (const uint8_t *e = r + 15; e < r + 15 + bytes; e += 16) {
                uint64_t off = sp__le64(e + 8);
                if (off > c->usize ||
                    c->usize - off < MCAP_REC_HEAD + MCAP_MSG_FIXED)
                    goto unusable;
                SP_TRY(sp__mcap_hit(x, (int64_t)sp__le64(e), off, (uint16_t)t));
            }
        }
        pos += MCAP_REC_HEAD + len;
    }
    if (im->nhits > 1)
        qsort(im->hits, im->nhits, sizeof *im->hits, by_pos);
    for (size_t i = 1; i < im->nhits; i++)
        if (im->hits[i].pos == im->hits[i - 1].pos)
            goto unusable;
    return 1;
unusable:
    im->nhits = 0;
    return 0;
}

static int index_chunks(mcap_ctx *x, const summary *s)
{
    for (size_t i = 0; i < s->nci && !x->stop; i++) {
        const chunk_ix *ci = &s->ci[i];
        sp__log_chunk c;
        char comp[64];
        int rc = sp__mcap_read_chunk_head(x, ci->off, &c, comp, sizeof comp);
        if (rc == SP_EFORMAT || rc == SP_EUNSUPPORTED || rc == SP_EIO) {
            char msg[SP__ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", sp_errmsg());
            sp__mcap_damage(x, rc, "%s", msg);
            continue;
        }
        SP_TRY(rc);
        uint32_t index;
        SP_TRY(sp__log_add_chunk(x->log, &c, &index));
        rc = message_index(x, s, ci, &c);
        SP_TRY(rc);
        if (rc == 1) {
            SP_TRY(sp__mcap_add_hits(x, index));
            continue;
        }
        rc = sp__mcap_scan_chunk(x, &c, index);
        if (rc < 0 && rc != SP_EFORMAT && rc != SP_EUNSUPPORTED &&
            rc != SP_EIO && rc != SP_ERANGE)
            return rc;
    }
    return SP_OK;
}

int sp__mcap_open_summary(mcap_ctx *x, uint64_t summary_start,
                          uint64_t footer_off, uint32_t crc)
{
    mcap_impl *im = x->impl;
    mcap_rd *rd = &x->rd;
    summary s = {.n = footer_off - summary_start, .start = summary_start};
    sp__iobuf buf = {0};
    int rc = sp__iobuf_reserve(&buf, s.n ? (size_t)s.n : 1, rd->path);
    if (rc == SP_OK)
        rc = sp__pread_full(rd->fd, buf.data, (size_t)s.n, summary_start,
                            rd->path);
    if (rc < 0)
        goto out;
    s.p = buf.data;
    if (crc != 0 && !sp__log_desc(x->log)->no_verify) {
        /* The CRC covers the summary, the summary offsets and the
         * footer up to its own CRC field. */
        const uint8_t *f;
        SP_TRY_GOTO(rc, sp__mcap_rd_get(rd, footer_off, 25, 0, &f), out);
        uint32_t got = sp__crc32(sp__crc32(0, s.p, (size_t)s.n), f, 25);
        if (got != crc) {
            snprintf(im->note, sizeof im->note,
                     "summary damaged (its CRC-32 is %08x, the footer says "
                     "%08x): read by a linear scan",
                     got, crc);
            rc = 0;
            goto out;
        }
    }
    x->has_stats = 0;
    rc = check_records(x, &s);
    if (rc != 0) {
        rc = rc < 0 ? rc : 0;
        goto out;
    }
    if (s.nci == 0 && (!x->has_stats || x->stats_messages > 0)) {
        /* Messages outside chunks: the summary still lists every channel,
         * also those the data section never mentions. */
        SP_TRY_GOTO(rc, add_channels(x, &s), out);
        snprintf(im->note, sizeof im->note,
                 "summary without chunk indexes: read by a linear scan");
        rc = 0;
        goto out;
    }
    if (s.nci > 1)
        qsort(s.ci, s.nci, sizeof *s.ci, by_offset);
    rc = check_chunks(x, &s);
    if (rc != 0) {
        rc = rc < 0 ? rc : 0;
        goto out;
    }
    SP_TRY_GOTO(rc, add_channels(x, &s), out);
    SP_TRY_GOTO(rc, index_chunks(x, &s), out);
    im->attachments += s.attachments;
    im->metadata += s.metadata;
    int outside = 0;
    if (x->has_stats && x->stats_messages > x->added && !x->stop) {
        /* The statistics count messages the indexed chunks do not hold:
         * messages outside chunks, or chunks the summary leaves out, which
         * only the data section lists. */
        uint64_t before = x->added;
        uint64_t *known = malloc((s.nci ? s.nci : 1) * sizeof *known);
        if (!known) {
            rc = sp__fail(SP_ENOMEM, "%s: out of memory", rd->path);
            goto out;
        }
        for (size_t i = 0; i < s.nci; i++)
            known[i] = s.ci[i].off;
        rc = sp__mcap_scan_data(x, known, s.nci, 1);
        free(known);
        if (rc < 0)
            goto out;
        outside = x->added > before;
    }
    int k = snprintf(im->note, sizeof im->note,
                     "indexed: summary with %zu chunk indexes", s.nci);
    if (x->scanned_chunks && k > 0 && (size_t)k < sizeof im->note)
        k += snprintf(im->note + k, sizeof im->note - (size_t)k,
                      "; %llu chunks without a usable message index "
                      "scanned",
                      (unsigned long long)x->scanned_chunks);
    if (outside && k > 0 && (size_t)k < sizeof im->note)
        snprintf(im->note + k, sizeof im->note - (size_t)k,
                 "; messages the chunk indexes miss found by a scan");
    rc = 1;
out:
    free(s.ci);
    sp__iobuf_free(&buf);
    return rc;
}
