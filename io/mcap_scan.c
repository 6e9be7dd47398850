/* MCAP without its summary (see mcap_read_int.h): the linear scan of the data
 * section record by record, Chunk record heads, and the scan of one
 * decompressed chunk for the messages in it. Used for files written
 * without a summary, files whose messages are outside chunks, files cut
 * short (no footer), and chunks whose message index is missing or
 * damaged. */
#include <stdio.h>
#include <string.h>

#include "mcap_read_int.h"

static const char *op_name(uint8_t op)
{
    static const char *const names[] = {
        "unknown",    "Header",           "Footer",
        "Schema",     "Channel",          "Message",
        "Chunk",      "Message Index",    "Chunk Index",
        "Attachment", "Attachment Index", "Statistics",
        "Metadata",   "Metadata Index",   "Summary Offset",
        "Data End"};
    return op < sizeof names / sizeof names[0] ? names[op] : "unknown";
}

/* ---- Chunk record heads ---- */

/* Opcode, length, message start/end time, uncompressed size and CRC, the
 * compression string's length. */
#define HEAD_FIXED (MCAP_REC_HEAD + 8 + 8 + 8 + 4 + 4)

int sp__mcap_chunk_head(mcap_ctx *x, const uint8_t *p, size_t n, uint64_t off,
                        size_t *need, sp__log_chunk *c, char *comp,
                        size_t comp_cap)
{
    const char *path = x->rd.path;
    *need = HEAD_FIXED;
    if (n < HEAD_FIXED)
        return 1;
    uint64_t len = sp__le64(p + 1);
    uint32_t clen = sp__le32(p + HEAD_FIXED - 4);
    if (len < HEAD_FIXED - MCAP_REC_HEAD + 8 ||
        clen > len - (HEAD_FIXED - MCAP_REC_HEAD + 8))
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: Chunk record of %llu bytes too short "
                        "for its fields (compression name of %u bytes), "
                        "expected times, sizes, CRC, compression and records",
                        path, (unsigned long long)off, (unsigned long long)len,
                        clen);
    *need = HEAD_FIXED + clen + 8;
    if (n < *need)
        return 1;
    uint64_t records = sp__le64(p + HEAD_FIXED + clen);
    uint64_t room = len - (HEAD_FIXED - MCAP_REC_HEAD + clen + 8);
    if (records > room)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: chunk records of %llu bytes run past "
                        "the Chunk record (%llu bytes for them), expected "
                        "them inside it",
                        path, (unsigned long long)off,
                        (unsigned long long)records, (unsigned long long)room);
    const uint8_t *name = p + HEAD_FIXED;
    snprintf(comp, comp_cap, "%.*s", (int)clen, (const char *)name);
    int codec = sp__mcap_codec(name, clen);
    uint32_t crc = sp__le32(p + MCAP_REC_HEAD + 24);
    *c =
        (sp__log_chunk){.file = x->file,
                        .codec = (uint8_t)(codec < 0 ? SP__CODEC_COUNT : codec),
                        .has_crc = crc != 0,
                        .crc = crc,
                        .offset = off,
                        .data_offset = off + HEAD_FIXED + clen + 8,
                        .csize = records,
                        .usize = sp__le64(p + MCAP_REC_HEAD + 16)};
    if (codec >= 0)
        x->impl->codecs |= 1u << codec;
    else if (!x->impl->unknown[0])
        snprintf(x->impl->unknown, sizeof x->impl->unknown, "%.31s", comp);
    if (codec < 0)
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: byte %llu: chunk compressed with '%s', expected "
                        "none, zstd or lz4: its messages cannot be read",
                        path, (unsigned long long)off, comp);
    if (!sp__mcap_sizes_believable(codec, c->csize, c->usize))
        return sp__fail(
            SP_EFORMAT,
            "%s: byte %llu: %s chunk of %llu bytes says it holds "
            "%llu bytes uncompressed, which %s",
            path, (unsigned long long)off, comp[0] ? comp : "none",
            (unsigned long long)c->csize, (unsigned long long)c->usize,
            codec == SP__CODEC_NONE ? "differs from its stored size"
                                    : "its compression cannot produce");
    return SP_OK;
}

int sp__mcap_read_chunk_head(mcap_ctx *x, uint64_t off, sp__log_chunk *c,
                             char *comp, size_t comp_cap)
{
    mcap_rd *rd = &x->rd;
    if (off > rd->size || rd->size - off < HEAD_FIXED)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: Chunk record cut off by the end of "
                        "the file (%llu bytes), expected its %d-byte head",
                        rd->path, (unsigned long long)off,
                        (unsigned long long)rd->size, HEAD_FIXED);
    const uint8_t *p;
    SP_TRY(sp__mcap_rd_get(rd, off, HEAD_FIXED, 64, &p));
    if (p[0] != MCAP_OP_CHUNK)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: %s record (opcode 0x%02x), expected "
                        "a Chunk record (0x06)",
                        rd->path, (unsigned long long)off, op_name(p[0]), p[0]);
    uint64_t len = sp__le64(p + 1);
    if (len > rd->size - off - MCAP_REC_HEAD)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: Chunk record of %llu bytes runs past "
                        "the end of the file (%llu bytes) (truncated?)",
                        rd->path, (unsigned long long)off,
                        (unsigned long long)len, (unsigned long long)rd->size);
    size_t need;
    int rc =
        sp__mcap_chunk_head(x, p, HEAD_FIXED, off, &need, c, comp, comp_cap);
    if (rc == 1) {
        SP_TRY(sp__mcap_rd_get(rd, off, need, 0, &p));
        rc = sp__mcap_chunk_head(x, p, need, off, &need, c, comp, comp_cap);
    }
    return rc;
}

/* ---- one chunk ---- */

static int damage_from_errmsg(mcap_ctx *x, int rc)
{
    char msg[SP__ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", sp_errmsg());
    return sp__mcap_damage(x, rc, "%s", msg);
}

static int is_damage(int rc)
{
    return rc == SP_EFORMAT || rc == SP_EUNSUPPORTED || rc == SP_EIO ||
           rc == SP_ERANGE;
}

int sp__mcap_scan_chunk(mcap_ctx *x, const sp__log_chunk *c, uint32_t index)
{
    const uint8_t *data;
    int rc = sp__log_load_chunk(x->log, c, SP__LOG_SLOT_CHUNK0, &data);
    if (rc < 0)
        return is_damage(rc) ? damage_from_errmsg(x, rc) : rc;
    x->scanned_chunks++;
    x->impl->nhits = 0;
    const char *path = x->rd.path;
    uint64_t n = c->usize, pos = 0;
    char where[640];
    rc = SP_OK;
    while (pos < n && rc == SP_OK) {
        if (n - pos < MCAP_REC_HEAD) {
            rc = sp__mcap_damage(x, SP_EFORMAT,
                                 "%s: byte %llu: chunk byte %llu: a record "
                                 "header cut off by the chunk's end (%llu "
                                 "bytes left), expected 9",
                                 path, (unsigned long long)c->offset,
                                 (unsigned long long)pos,
                                 (unsigned long long)(n - pos));
            break;
        }
        const uint8_t *r = data + pos;
        uint64_t len = sp__le64(r + 1);
        if (len > n - pos - MCAP_REC_HEAD) {
            rc = sp__mcap_damage(
                x, SP_EFORMAT,
                "%s: byte %llu: chunk byte %llu: %s record "
                "of %llu bytes runs past the chunk's end "
                "(%llu bytes), expected it inside",
                path, (unsigned long long)c->offset, (unsigned long long)pos,
                op_name(r[0]), (unsigned long long)len, (unsigned long long)n);
            break;
        }
        const uint8_t *body = r + MCAP_REC_HEAD;
        snprintf(where, sizeof where, "%s: byte %llu: chunk byte %llu", path,
                 (unsigned long long)c->offset, (unsigned long long)pos);
        if (r[0] == MCAP_OP_SCHEMA || r[0] == MCAP_OP_CHANNEL) {
            rc = r[0] == MCAP_OP_SCHEMA
                     ? sp__mcap_schema(x, body, (size_t)len, where)
                     : sp__mcap_channel(x, body, (size_t)len, where);
            if (rc == SP_EFORMAT)
                rc = damage_from_errmsg(x, rc);
        } else if (r[0] == MCAP_OP_MESSAGE) {
            int t = len >= MCAP_MSG_FIXED
                        ? sp__mcap_channel_topic(x->mf, sp__le16(body))
                        : -1;
            if (len < MCAP_MSG_FIXED)
                rc = sp__mcap_damage(x, SP_EFORMAT,
                                     "%s: Message record of %llu bytes, "
                                     "expected at least %d",
                                     where, (unsigned long long)len,
                                     MCAP_MSG_FIXED);
            else if (t < 0)
                rc = sp__mcap_damage(x, SP_EFORMAT,
                                     "%s: message of channel %u, which no "
                                     "Channel record before it defines",
                                     where, sp__le16(body));
            else
                rc = sp__mcap_hit(x, (int64_t)sp__le64(body + 6), pos,
                                  (uint16_t)t);
        }
        pos += MCAP_REC_HEAD + len;
    }
    /* The messages before any damage in the chunk stay readable. */
    int rc2 = sp__mcap_add_hits(x, index);
    return rc < 0 ? rc : rc2;
}

/* Damage from a chunk head: the chunk's messages cannot be found. */
static int chunk_of_scan(mcap_ctx *x, uint64_t pos)
{
    sp__log_chunk c;
    char comp[64];
    int rc = sp__mcap_read_chunk_head(x, pos, &c, comp, sizeof comp);
    if (rc < 0)
        return is_damage(rc) ? damage_from_errmsg(x, rc) : rc;
    uint32_t index;
    SP_TRY(sp__log_add_chunk(x->log, &c, &index));
    rc = sp__mcap_scan_chunk(x, &c, index);
    return rc;
}

/* ---- the data section ---- */

static int is_known(const uint64_t *known, size_t n, uint64_t off)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (known[mid] == off)
            return 1;
        if (known[mid] < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int sp__mcap_scan_data(mcap_ctx *x, const uint64_t *known, size_t nknown,
                       int tail_ok)
{
    int second = known != NULL; /* a pass after the summary's */
    mcap_rd *rd = &x->rd;
    const char *path = rd->path;
    uint64_t size = rd->size, pos = x->data0;
    char where[640];
    const uint8_t *p;
    while (!x->stop) {
        if (pos == size) {
            sp__mcap_damage(x, SP_EFORMAT,
                            "%s: byte %llu: the file ends after a complete "
                            "record, expected a Data End record, a footer "
                            "and the closing magic (truncated?)",
                            path, (unsigned long long)pos);
            break;
        }
        if (size - pos < MCAP_REC_HEAD) {
            sp__mcap_damage(x, SP_EFORMAT,
                            "%s: byte %llu: a record header cut off by the "
                            "end of the file (%llu bytes left), expected 9 "
                            "(truncated?)",
                            path, (unsigned long long)pos,
                            (unsigned long long)(size - pos));
            break;
        }
        SP_TRY(sp__mcap_rd_get(rd, pos, MCAP_REC_HEAD, 1 << 16, &p));
        uint8_t op = p[0];
        uint64_t len = sp__le64(p + 1);
        if (len > size - pos - MCAP_REC_HEAD) {
            sp__mcap_damage(x, SP_EFORMAT,
                            "%s: byte %llu: %s record (opcode 0x%02x) of "
                            "%llu bytes runs past the end of the file (%llu "
                            "bytes) (truncated?)",
                            path, (unsigned long long)pos, op_name(op), op,
                            (unsigned long long)len, (unsigned long long)size);
            break;
        }
        uint64_t body = pos + MCAP_REC_HEAD;
        snprintf(where, sizeof where, "%s: byte %llu", path,
                 (unsigned long long)pos);
        int rc = SP_OK;
        if (op == MCAP_OP_DATA_END || op == MCAP_OP_FOOTER) {
            /* The data section ends here; what follows is the summary. */
            int at_end = op == MCAP_OP_FOOTER
                             ? len == 20 && size - body - len == MCAP_MAGIC_LEN
                             : 1;
            if (!tail_ok || !at_end)
                sp__mcap_damage(x, SP_EFORMAT,
                                "%s: the file does not end with a Footer "
                                "record and the MCAP magic, expected them in "
                                "its last 37 bytes (truncated?)",
                                where);
            break;
        } else if (op == MCAP_OP_SCHEMA || op == MCAP_OP_CHANNEL) {
            SP_TRY(sp__mcap_rd_get(rd, body, (size_t)len, 1 << 16, &p));
            rc = op == MCAP_OP_SCHEMA
                     ? sp__mcap_schema(x, p, (size_t)len, where)
                     : sp__mcap_channel(x, p, (size_t)len, where);
            if (rc == SP_EFORMAT)
                rc = damage_from_errmsg(x, rc);
        } else if (op == MCAP_OP_MESSAGE) {
            if (len < MCAP_MSG_FIXED) {
                rc = sp__mcap_damage(x, SP_EFORMAT,
                                     "%s: Message record of %llu bytes, "
                                     "expected at least %d",
                                     where, (unsigned long long)len,
                                     MCAP_MSG_FIXED);
            } else {
                SP_TRY(sp__mcap_rd_get(rd, body, MCAP_MSG_FIXED, 1 << 16, &p));
                int t = sp__mcap_channel_topic(x->mf, sp__le16(p));
                if (t < 0) {
                    rc = sp__mcap_damage(x, SP_EFORMAT,
                                         "%s: message of channel %u, which "
                                         "no Channel record before it "
                                         "defines",
                                         where, sp__le16(p));
                } else {
                    sp__log_entry e = {.time = (int64_t)sp__le64(p + 6),
                                       .pos = pos,
                                       .chunk = SP__LOG_NO_CHUNK,
                                       .topic = (uint16_t)t,
                                       .file = x->file};
                    SP_TRY(sp__log_add_entry(x->log, &e));
                    x->added++;
                }
            }
        } else if (op == MCAP_OP_CHUNK && !is_known(known, nknown, pos)) {
            rc = chunk_of_scan(x, pos);
        } else if (op == MCAP_OP_ATTACHMENT && !second) {
            x->impl->attachments++;
        } else if (op == MCAP_OP_METADATA && !second) {
            x->impl->metadata++;
        }
        /* Any other record (message indexes, unknown opcodes) is skipped,
         * as the spec asks. */
        if (rc < 0 && !is_damage(rc))
            return rc;
        pos = body + len;
    }
    return SP_OK;
}
