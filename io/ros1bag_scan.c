/* Opening a ROS1 bag without its index (see ros1bag_int.h): every record
 * from the first after the bag header, each chunk decompressed in turn to
 * find its connection and message records, as `rosbag reindex` does.
 * Damage stops the scan (every message before it stays readable) or, with
 * skip_damaged, is listed and the scan goes on at the next record when the
 * damaged one's extent is known. */
#include <stdio.h>
#include <string.h>

#include "ros1bag_int.h"

/* Record the current message as damage (a chunk the budget cannot stage
 * keeps its SP_EBUDGET: reported after the messages before it). */
static void damage_as(sp_log *log, sp__ros1 *b, uint64_t pos, int status)
{
    char msg[SP__ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", sp_errmsg());
    sp__log_damage(log, status, "%s", msg);
    if (!b->ndamaged++)
        b->first_damage = pos;
}

static void damage(sp_log *log, sp__ros1 *b, uint64_t pos)
{
    damage_as(log, b, pos, SP_EFORMAT);
}

static int add_msg(sp__ros1 *b, const sp__ros1_src *s, const sp__ros1_rec *r,
                   uint32_t chunk)
{
    uint32_t conn;
    int64_t t;
    int rc = sp__ros1_u32(&r->h, SP__ROS1_K_CONN, &conn);
    if (rc == SP_OK)
        rc = sp__ros1_time(&r->h, SP__ROS1_K_TIME, &t);
    if (rc < 0) {
        char why[SP__ERRMSG_MAX];
        snprintf(why, sizeof why, "%s", sp_errmsg());
        return sp__ros1_fail(s, r->pos, rc, "message data record: %s", why);
    }
    SP_TRY(sp__ros1_grow((void **)&b->msgs, &b->cap_msgs, b->nmsgs + 1,
                         sizeof *b->msgs));
    b->msgs[b->nmsgs++] = (sp__ros1_pending){
        .time = t, .pos = r->pos, .chunk = chunk, .conn = conn};
    return SP_OK;
}

/* The records of chunk @p chunk (pending index) in its @p n uncompressed
 * bytes. *complete: the end of the last whole record read. */
static int walk_chunk(sp_log *log, sp__ros1 *b, uint32_t chunk,
                      const uint8_t *data, uint64_t n, uint64_t *complete)
{
    sp__ros1_src m;
    sp__ros1_src_mem(&m, log, b->path, data, n, b->chunks[chunk].offset);
    uint64_t pos = 0;
    *complete = 0;
    while (pos < n) {
        sp__ros1_rec r;
        SP_TRY(sp__ros1_rec_read(&m, pos, SP__ROS1_DATA, &r));
        if (r.op == SP__ROS1_OP_CONNECTION)
            SP_TRY(sp__ros1_conn_add(b, &m, &r));
        else if (r.op == SP__ROS1_OP_MSG_DATA)
            SP_TRY(add_msg(b, &m, &r, chunk));
        /* Other records inside a chunk are skipped, as rosbag does. */
        pos = r.end;
        *complete = pos;
    }
    return SP_OK;
}

/* A chunk record found by the scan. Returns SP_OK to go on after it, 1 to
 * stop (damage recorded), or an error that fails the open. */
static int scan_chunk(sp_log *log, sp__ros1 *b, const sp__ros1_src *s,
                      const sp__ros1_rec *r)
{
    sp__log_chunk c;
    int rc = sp__ros1_chunk_of(b, s, r, &c);
    if (rc == SP_ENOMEM)
        return rc;
    if (rc < 0) {
        damage(log, b, r->pos);
        return r->truncated || !sp__log_desc(log)->skip_damaged ? 1 : SP_OK;
    }
    if (!r->truncated && c.csize == 0 && c.usize == 0) {
        /* rosbag writes a chunk's sizes when it closes it: zeros are a
         * chunk the recording never closed. Uncompressed, its records
         * follow in the file and the scan reads them one by one. */
        if (c.codec == SP__CODEC_NONE)
            return SP_OK;
        sp__ros1_fail(s, r->pos, SP_EFORMAT,
                      "%s chunk never closed (its sizes are 0: the "
                      "recording stopped), expected a complete chunk; its "
                      "messages cannot be read",
                      sp__codec_name((sp__codec)c.codec));
        damage(log, b, r->pos);
        return 1;
    }
    if (r->truncated) {
        uint64_t avail = b->size - r->data_pos;
        if (c.codec != SP__CODEC_NONE) {
            sp__ros1_fail(s, r->pos, SP_EFORMAT,
                          "%s chunk of %u bytes cut off after %llu by the "
                          "end of the file: truncated, expected the whole "
                          "chunk",
                          sp__codec_name((sp__codec)c.codec), r->dlen,
                          (unsigned long long)avail);
            damage(log, b, r->pos);
            return 1;
        }
        /* Uncompressed: the whole records before the end are readable. */
        c.csize = c.usize = avail;
    }
    const uint8_t *data;
    rc = sp__log_load_chunk(log, &c, SP__LOG_SLOT_CHUNK0, &data);
    if (rc == SP_ENOMEM)
        return rc;
    if (rc < 0) {
        damage_as(log, b, r->pos, rc == SP_EBUDGET ? rc : SP_EFORMAT);
        return r->truncated || !sp__log_desc(log)->skip_damaged ? 1 : SP_OK;
    }
    SP_TRY(sp__ros1_grow((void **)&b->chunks, &b->cap_chunks, b->nchunks + 1,
                         sizeof *b->chunks));
    uint32_t k = (uint32_t)b->nchunks++;
    b->chunks[k] = c;
    uint64_t complete;
    rc = walk_chunk(log, b, k, data, c.usize, &complete);
    if (rc == SP_ENOMEM)
        return rc;
    if (r->truncated) {
        /* Keep only the whole records (the reader loads csize bytes). */
        b->chunks[k].csize = b->chunks[k].usize = complete;
        sp__ros1_fail(s, r->pos, SP_EFORMAT,
                      "uncompressed chunk of %u bytes cut off after %llu by "
                      "the end of the file: truncated, expected the whole "
                      "chunk (its records before byte %llu were read)",
                      r->dlen, (unsigned long long)(b->size - r->data_pos),
                      (unsigned long long)(r->data_pos + complete));
        damage(log, b, r->pos);
        return 1;
    }
    if (rc < 0) {
        damage(log, b, r->pos);
        return sp__log_desc(log)->skip_damaged ? SP_OK : 1;
    }
    return SP_OK;
}

int sp__ros1_scan(sp_log *log, sp__ros1 *b)
{
    sp__ros1_src s;
    sp__ros1_src_file(&s, log, b->path, b->fd, b->size);
    int skip = sp__log_desc(log)->skip_damaged;
    uint64_t pos = b->data_start;
    while (pos < b->size) {
        sp__ros1_rec r;
        int rc = sp__ros1_rec_read(&s, pos, SP__ROS1_TRUNC_OK, &r);
        if (rc == SP_EFORMAT) {
            damage(log, b, pos);
            /* Sound lengths and a bad header: the next record is known. */
            if (skip && r.end > pos && !r.truncated) {
                pos = r.end;
                continue;
            }
            return SP_OK;
        }
        SP_TRY(rc);
        if (r.op == SP__ROS1_OP_CHUNK) {
            rc = scan_chunk(log, b, &s, &r);
            SP_TRY(rc);
            if (rc == 1)
                return SP_OK;
            pos = r.end;
            continue;
        }
        if (r.truncated) {
            sp__ros1_fail(&s, pos, SP_EFORMAT,
                          "record of op 0x%02x with %u bytes of data cut off "
                          "after %llu by the end of the file: truncated, "
                          "expected the whole record",
                          (unsigned)r.op, r.dlen,
                          (unsigned long long)(b->size - r.data_pos));
            damage(log, b, pos);
            return SP_OK;
        }
        if (r.op == SP__ROS1_OP_CONNECTION || r.op == SP__ROS1_OP_MSG_DATA) {
            rc = r.op == SP__ROS1_OP_CONNECTION
                     ? sp__ros1_rec_read(&s, pos, SP__ROS1_DATA, &r)
                     : SP_OK;
            if (rc == SP_OK)
                rc = r.op == SP__ROS1_OP_CONNECTION
                         ? sp__ros1_conn_add(b, &s, &r)
                         : add_msg(b, &s, &r, SP__LOG_NO_CHUNK);
            if (rc == SP_EFORMAT) {
                damage(log, b, pos);
                if (!skip)
                    return SP_OK;
            } else {
                SP_TRY(rc);
            }
        } else if (r.op != SP__ROS1_OP_INDEX_DATA &&
                   r.op != SP__ROS1_OP_CHUNK_INFO) {
            sp__log_note(log,
                         "%s: byte %llu: skipped a record of unknown op "
                         "0x%02x",
                         b->path, (unsigned long long)pos, (unsigned)r.op);
        }
        pos = r.end;
    }
    return SP_OK;
}
