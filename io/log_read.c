/* The log reader's read side (see sp_log.h): which messages, in which
 * order, and each message's bytes from its chunk (two chunks kept, so
 * topics whose chunks interleave in time do not decompress a chunk per
 * message) or from the container's fetch(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_int.h"
#include "log_int.h"
#include "log_reader_int.h"

#define SKIP 1 /* read_entry(): this message is skipped (damaged chunk) */

int sp_log_type_ros1(const char *type, char *buf, size_t cap)
{
    const char *slash = strchr(type, '/');
    if (slash && !strncmp(slash, "/msg/", 5))
        return snprintf(buf, cap, "%.*s/%s", (int)(slash - type), type,
                        slash + 5);
    return snprintf(buf, cap, "%s", type);
}

/* Does @p s match one item of the comma list @p list (a trailing '*' is a
 * prefix)? Types compare in their ROS1 spelling. */
static int list_match(const char *list, const char *s, int is_type)
{
    char norm[512];
    if (is_type) {
        sp_log_type_ros1(s, norm, sizeof norm);
        s = norm;
    }
    size_t slen = strlen(s);
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - p);
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            char item[512];
            snprintf(item, sizeof item, "%.*s", (int)n, p);
            if (is_type) {
                char t[512];
                sp_log_type_ros1(item, t, sizeof t);
                snprintf(item, sizeof item, "%s", t);
            }
            size_t il = strlen(item);
            if (il && item[il - 1] == '*') {
                if (slen >= il - 1 && !strncmp(s, item, il - 1))
                    return 1;
            } else if (!strcmp(s, item)) {
                return 1;
            }
        }
        p = e;
    }
    return 0;
}

int sp_log_topic_selected(const sp_log *log, size_t i, const sp_log_filter *f)
{
    if (!log || i >= log->ntopics)
        return 0;
    if (!f)
        return 1;
    const sp__log_topic *t = &log->topics[i];
    if (f->topics && *f->topics && !list_match(f->topics, t->name, 0))
        return 0;
    if (f->types && *f->types && !list_match(f->types, t->type, 1))
        return 0;
    return 1;
}

/* File order: by file, then where the record lies (its chunk's offset and
 * its place in the chunk, or its own locator). */
static int file_before(const sp_log *log, uint32_t i, uint32_t j)
{
    const sp__log_entry *a = &log->entries[i], *b = &log->entries[j];
    if (a->file != b->file)
        return a->file < b->file;
    uint64_t ka =
        a->chunk == SP__LOG_NO_CHUNK ? a->pos : log->chunks[a->chunk].offset;
    uint64_t kb =
        b->chunk == SP__LOG_NO_CHUNK ? b->pos : log->chunks[b->chunk].offset;
    if (ka != kb)
        return ka < kb;
    if (a->chunk != SP__LOG_NO_CHUNK && a->pos != b->pos)
        return a->pos < b->pos;
    return i < j;
}

static int sort_file_order(const sp_log *log, uint32_t *idx, size_t n)
{
    uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return sp__fail(SP_ENOMEM, "log: out of memory ordering %zu messages",
                        n);
    uint32_t *a = idx, *b = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = file_before(log, a[j], a[i]) ? a[j++] : a[i++];
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        uint32_t *t = a;
        a = b;
        b = t;
    }
    if (a != idx)
        memcpy(idx, a, n * sizeof *idx);
    free(tmp);
    return SP_OK;
}

/* a + b, held at the int64 limits: a window's end written as INT64_MAX
 * means "to the end", not a wrapped (negative) time. */
static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

uint64_t sp_log_selected(const sp_log *log)
{
    return log ? (uint64_t)log->nsel : 0;
}

int sp_log_select(sp_log *log, const sp_log_filter *f)
{
    SP_GUARD(log);
    sp_log_filter all = {0};
    if (!f)
        f = &all;
    if (f->has_start && f->has_end && f->end_ns < f->start_ns)
        return sp__fail(SP_EINVAL,
                        "time window %.3f..%.3f s: the end is before the "
                        "start, expected start <= end",
                        (double)f->start_ns * 1e-9, (double)f->end_ns * 1e-9);
    size_t n = log->nentries;
    uint32_t *sel = malloc((n ? n : 1) * sizeof *sel);
    uint8_t *want = calloc(log->ntopics ? log->ntopics : 1, 1);
    /* step= counts each topic's messages apart, so a camera and a lidar
     * recorded at different rates are thinned alike. */
    uint64_t *seen = calloc(log->ntopics ? log->ntopics : 1, sizeof *seen);
    if (!sel || !want || !seen) {
        free(sel);
        free(want);
        free(seen);
        return sp__fail(SP_ENOMEM, "log: out of memory selecting messages");
    }
    for (size_t t = 0; t < log->ntopics; t++)
        want[t] = (uint8_t)(sp_log_topic_selected(log, t, f) &&
                            (!f->topic_mask || f->topic_mask[t]));
    int64_t lo = add_sat(log->info.t_start, f->has_start ? f->start_ns : 0);
    int64_t hi = add_sat(log->info.t_start, f->has_end ? f->end_ns : 0);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ei = log->by_time[i];
        const sp__log_entry *e = &log->entries[ei];
        if (!want[e->topic] || (f->has_start && e->time < lo) ||
            (f->has_end && e->time > hi))
            continue;
        if (f->step > 1 && seen[e->topic]++ % f->step != 0)
            continue;
        sel[k++] = ei;
        if (f->count && k == f->count)
            break;
    }
    free(want);
    free(seen);
    if (f->order == SP_LOG_ORDER_FILE) {
        int rc = sort_file_order(log, sel, k);
        if (rc < 0) {
            free(sel);
            return rc;
        }
    }
    free(log->sel);
    log->sel = sel;
    log->nsel = k;
    log->sel_pos = 0;
    log->latched = 0;
    return SP_OK;
}

/* The chunk's data, from the cache or loaded into the slot used least
 * recently. */
static int chunk_data(sp_log *log, uint32_t chunk, const uint8_t **data)
{
    for (int s = 0; s < 2; s++)
        if (log->cached[s] == chunk) {
            log->lru = 1 - s;
            *data = log->slots[s].data;
            return SP_OK;
        }
    int s = log->lru;
    log->cached[s] = SP__LOG_NO_CHUNK;
    SP_TRY(sp__log_load_chunk(log, &log->chunks[chunk], s, data));
    log->cached[s] = chunk;
    log->lru = 1 - s;
    return SP_OK;
}

static int damaged_input(int rc)
{
    return rc == SP_EFORMAT || rc == SP_EUNSUPPORTED || rc == SP_EIO;
}

static int read_entry(sp_log *log, uint32_t ei, sp_log_msg *msg)
{
    const sp__log_entry *e = &log->entries[ei];
    const sp__log_topic *t = &log->topics[e->topic];
    memset(msg, 0, sizeof *msg);
    msg->topic = e->topic;
    msg->log_time = e->time;
    msg->publish_time = e->time;
    msg->index = log->rank[ei];
    msg->file = sp__log_file_path(log, e->file);
    const uint8_t *rec = NULL;
    size_t avail = 0;
    int rc;
    if (e->chunk != SP__LOG_NO_CHUNK) {
        if (e->chunk >= log->nchunks)
            return sp__fail(SP_EINVAL, "log index: chunk %u of %zu", e->chunk,
                            log->nchunks);
        if (log->bad[e->chunk])
            return SKIP;
        const sp__log_chunk *c = &log->chunks[e->chunk];
        msg->file = sp__log_file_path(log, c->file);
        msg->offset =
            c->codec == SP__CODEC_NONE ? c->data_offset + e->pos : c->offset;
        const uint8_t *data;
        rc = chunk_data(log, e->chunk, &data);
        if (rc < 0) {
            if (log->desc.skip_damaged && damaged_input(rc)) {
                log->bad[e->chunk] = 1;
                sp__log_note(log, "skipped: %s", sp_errmsg());
                return SKIP;
            }
            return rc;
        }
        if (e->pos >= c->usize) {
            rc = sp__fail(SP_EFORMAT,
                          "%s: byte %llu: message record at %llu is past the "
                          "end of its chunk (%llu bytes), expected a record "
                          "inside it",
                          msg->file, (unsigned long long)c->offset,
                          (unsigned long long)e->pos,
                          (unsigned long long)c->usize);
            goto bad_record;
        }
        rec = data + e->pos;
        avail = (size_t)(c->usize - e->pos);
    } else {
        msg->offset = e->pos;
        if (!log->ops->fetch)
            return sp__fail(SP_EINVAL, "log: %s entry outside a chunk",
                            log->ops->name);
        rc = log->ops->fetch(log, e, &rec, &avail, msg);
        if (rc < 0) {
            if (damaged_input(rc))
                goto bad_record;
            return rc;
        }
    }
    rc = log->ops->parse_record(log, e, rec, avail, msg);
    if (rc < 0) {
        if (!damaged_input(rc))
            return rc;
        sp__fail_context(rc,
                         "%s: byte %llu: topic %s, message %llu: ", msg->file,
                         (unsigned long long)msg->offset, t->name,
                         (unsigned long long)msg->index);
        goto bad_record;
    }
    return SP_OK;
bad_record:
    if (log->desc.skip_damaged) {
        sp__log_note(log, "skipped: %s", sp_errmsg());
        return SKIP;
    }
    return rc;
}

static int latch(sp_log *log, int rc)
{
    log->latched = rc;
    snprintf(log->latched_msg, sizeof log->latched_msg, "%s", sp_errmsg());
    return rc;
}

int sp_log_next(sp_log *log, sp_log_msg *msg)
{
    SP_GUARD(log && msg);
    if (log->latched)
        return sp__fail(log->latched, "%s", log->latched_msg);
    while (log->sel_pos < log->nsel) {
        int rc = read_entry(log, log->sel[log->sel_pos++], msg);
        if (rc == SP_OK)
            return SP_OK;
        if (rc == SKIP)
            continue;
        return latch(log, rc);
    }
    if (log->damage_status && !log->desc.skip_damaged)
        return latch(log, sp__fail(log->damage_status, "%s", log->damage_msg));
    return SP_EOS;
}

int sp_log_read_at(sp_log *log, uint32_t topic, uint64_t index, sp_log_msg *msg)
{
    SP_GUARD(log && msg);
    if (topic >= log->ntopics)
        return sp__fail(SP_EINVAL, "log: topic %u of %zu", topic, log->ntopics);
    if (index >= log->topics[topic].pub.count)
        return sp__fail(SP_ERANGE, "topic %s: message %llu, but it has %llu",
                        log->topics[topic].name, (unsigned long long)index,
                        (unsigned long long)log->topics[topic].pub.count);
    for (size_t i = 0; i < log->nentries; i++) {
        uint32_t ei = log->by_time[i];
        if (log->entries[ei].topic != topic || log->rank[ei] != index)
            continue;
        int rc = read_entry(log, ei, msg);
        if (rc == SKIP)
            return sp__fail(SP_EFORMAT,
                            "topic %s: message %llu is in a damaged chunk "
                            "(skipped)",
                            log->topics[topic].name, (unsigned long long)index);
        return rc;
    }
    return sp__fail(SP_ERANGE, "topic %s: message %llu not found",
                    log->topics[topic].name, (unsigned long long)index);
}
