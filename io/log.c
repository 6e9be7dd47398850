/* The log reader shared by the containers (see sp_log.h and log_int.h):
 * the index a container builds (files, topics, chunks, one entry per
 * message), the selection and order of messages, staging in pool blocks,
 * a two-chunk cache, and damage reported after the messages before it. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format_int.h"
#include "io_int.h"
#include "log_int.h"
#include "log_reader_int.h"

/* ---- small helpers ---- */

static char *dup_str(const char *s)
{
    size_t n = strlen(s ? s : "");
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s ? s : "", n + 1);
    return d;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SP_OK;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *p = realloc(*arr, c * elem);
    if (!p)
        return sp__fail(SP_ENOMEM, "log index: out of memory for %zu entries",
                        c);
    *arr = p;
    *cap = c;
    return SP_OK;
}

static void add_skipped(sp_log *log, const char *text)
{
    log->nskipped++;
    size_t room = sizeof log->skipped - log->skipped_len;
    if (room <= 1)
        return;
    int k = snprintf(log->skipped + log->skipped_len, room, "%s%s",
                     log->skipped_len ? "\n" : "", text);
    if (k > 0)
        log->skipped_len += (size_t)k < room ? (size_t)k : room - 1;
}

/* ---- builder ---- */

void sp__log_set_impl(sp_log *log, void *impl)
{
    log->impl = impl;
}

void *sp__log_impl(const sp_log *log)
{
    return log->impl;
}

sp_log_info *sp__log_info_mut(sp_log *log)
{
    return &log->info;
}

void sp__log_set_ops(sp_log *log, const sp__log_ops *ops)
{
    log->ops = ops;
}

const sp_log_desc *sp__log_desc(const sp_log *log)
{
    return &log->desc;
}

int sp__log_add_file(sp_log *log, const char *path, uint16_t *index, int *fd,
                     uint64_t *size)
{
    if (log->nfiles >= SP__LOG_MAX_FILES)
        return sp__fail(SP_ERANGE, "%s: more than %u files in one log", path,
                        SP__LOG_MAX_FILES);
    SP_TRY(grow((void **)&log->files, &log->cap_files, log->nfiles + 1,
                sizeof *log->files));
    uint64_t sz;
    int f;
    SP_TRY(sp__open_read_size(path, &f, &sz));
    char *p = dup_str(path);
    if (!p) {
        close(f);
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    }
    log->files[log->nfiles] = (sp__log_file){.path = p, .fd = f, .size = sz};
    *index = (uint16_t)log->nfiles++;
    if (fd)
        *fd = f;
    if (size)
        *size = sz;
    log->info.nfiles = log->nfiles;
    return SP_OK;
}

const char *sp__log_file_path(const sp_log *log, uint16_t index)
{
    return index < log->nfiles ? log->files[index].path : "";
}

int sp__log_file_fd(const sp_log *log, uint16_t index)
{
    return index < log->nfiles ? log->files[index].fd : -1;
}

uint64_t sp__log_file_size(const sp_log *log, uint16_t index)
{
    return index < log->nfiles ? log->files[index].size : 0;
}

int sp__log_add_topic(sp_log *log, const char *name, const char *type,
                      const char *encoding, const char *schema, const char *md5,
                      uint16_t *index)
{
    /* Channels of one name and type are one topic, unless their messages
     * are encoded differently (an MCAP may carry "/x" in cdr and in ros1):
     * merged, the second's messages would be decoded as the first's. */
    for (size_t i = 0; i < log->ntopics; i++)
        if (!strcmp(log->topics[i].name, name) &&
            !strcmp(log->topics[i].type, type) &&
            !strcmp(log->topics[i].encoding, encoding)) {
            *index = (uint16_t)i;
            return SP_OK;
        }
    if (log->ntopics >= SP__LOG_MAX_TOPICS)
        return sp__fail(SP_ERANGE, "topic '%s': more than %u topics in one log",
                        name, SP__LOG_MAX_TOPICS);
    SP_TRY(grow((void **)&log->topics, &log->cap_topics, log->ntopics + 1,
                sizeof *log->topics));
    sp__log_topic *t = &log->topics[log->ntopics];
    memset(t, 0, sizeof *t);
    t->name = dup_str(name);
    t->type = dup_str(type);
    t->encoding = dup_str(encoding);
    t->schema = dup_str(schema);
    t->md5 = dup_str(md5);
    if (!t->name || !t->type || !t->encoding || !t->schema || !t->md5) {
        free(t->name), free(t->type), free(t->encoding), free(t->schema),
            free(t->md5);
        return sp__fail(SP_ENOMEM, "topic '%s': out of memory", name);
    }
    /* Readable through sp_log_topic_at() while the container indexes (its
     * messages name topics); counts and times come in finish_index(). */
    t->pub = (sp_log_topic){.name = t->name,
                            .type = t->type,
                            .encoding = t->encoding,
                            .schema = t->schema,
                            .md5 = t->md5};
    *index = (uint16_t)log->ntopics++;
    return SP_OK;
}

int sp__log_add_chunk(sp_log *log, const sp__log_chunk *c, uint32_t *index)
{
    if (log->nchunks >= SP__LOG_NO_CHUNK - 1)
        return sp__fail(SP_ERANGE, "log: too many chunks");
    SP_TRY(grow((void **)&log->chunks, &log->cap_chunks, log->nchunks + 1,
                sizeof *log->chunks));
    log->chunks[log->nchunks] = *c;
    *index = (uint32_t)log->nchunks++;
    return SP_OK;
}

int sp__log_add_entry(sp_log *log, const sp__log_entry *e)
{
    if (log->nentries >= UINT32_MAX - 1)
        return sp__fail(SP_ERANGE, "log: more than %u messages", UINT32_MAX);
    SP_TRY(grow((void **)&log->entries, &log->cap_entries, log->nentries + 1,
                sizeof *log->entries));
    log->entries[log->nentries++] = *e;
    return SP_OK;
}

int sp__log_damage(sp_log *log, int status, const char *fmt, ...)
{
    char msg[SP__ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (log->desc.skip_damaged) {
        add_skipped(log, msg);
    } else if (log->damage_status == 0) {
        log->damage_status = status;
        snprintf(log->damage_msg, sizeof log->damage_msg, "%s", msg);
    }
    return sp__fail(status, "%s", msg);
}

void sp__log_note(sp_log *log, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    add_skipped(log, msg);
}

/* ---- staging ---- */

int sp__log_stage(sp_log *log, int slot, uint64_t n, const char *what,
                  uint8_t **out)
{
    *out = NULL;
    if (slot < 0 || slot >= SP__LOG_SLOTS)
        return sp__fail(SP_EINVAL, "log: staging slot %d", slot);
    sp__log_slot *s = &log->slots[slot];
    if (n == 0)
        n = 1;
    if (s->block && s->cap >= n) {
        *out = s->data;
        return SP_OK;
    }
    if (n > SP__LOG_MAX_STAGE)
        return sp__fail(SP_ERANGE,
                        "%s: %llu bytes, over the %llu-byte limit of one "
                        "chunk or message (the size in the file is not "
                        "believable)",
                        what, (unsigned long long)n,
                        (unsigned long long)SP__LOG_MAX_STAGE);
    if (s->block) {
        sp_block_unref(s->block);
        *s = (sp__log_slot){0};
    }
    if (slot == SP__LOG_SLOT_CHUNK0 || slot == SP__LOG_SLOT_CHUNK1)
        log->cached[slot] = SP__LOG_NO_CHUNK;
    sp_poolmgr *mgr = log->desc.mgr;
    sp_block *b = NULL;
    int rc = sp_poolmgr_acquire(mgr, (size_t)n, &b);
    if (rc < 0)
        return sp__fail_context(rc, "%s: %llu bytes of staging: ", what,
                                (unsigned long long)n);
    s->block = b;
    s->data = sp_block_data(b);
    s->cap = sp_block_size(b);
    *out = s->data;
    return SP_OK;
}

static void where_chunk(const sp_log *log, const sp__log_chunk *c, char *buf,
                        size_t cap)
{
    snprintf(buf, cap, "%s: byte %llu: %s chunk",
             sp__log_file_path(log, c->file), (unsigned long long)c->offset,
             sp__codec_name(c->codec));
}

int sp__log_load_chunk(sp_log *log, const sp__log_chunk *c, int slot,
                       const uint8_t **data)
{
    *data = NULL;
    char where[768];
    where_chunk(log, c, where, sizeof where);
    if (c->file >= log->nfiles)
        return sp__fail(SP_EINVAL, "%s: file %u", where, c->file);
    const sp__log_file *f = &log->files[c->file];
    if (c->data_offset > f->size || c->csize > f->size - c->data_offset)
        return sp__fail(SP_EFORMAT,
                        "%s: its data (%llu bytes at byte %llu) runs past the "
                        "end of the file (%llu bytes), expected a complete "
                        "chunk",
                        where, (unsigned long long)c->csize,
                        (unsigned long long)c->data_offset,
                        (unsigned long long)f->size);
    if (c->codec >= SP__CODEC_COUNT)
        return sp__fail(SP_EUNSUPPORTED, "%s: unknown compression", where);
    if (c->codec == SP__CODEC_NONE && c->csize != c->usize)
        return sp__fail(SP_EFORMAT,
                        "%s: uncompressed, but %llu bytes stored and %llu "
                        "recorded as its size",
                        where, (unsigned long long)c->csize,
                        (unsigned long long)c->usize);
    uint8_t *dst;
    SP_TRY(sp__log_stage(log, slot, c->usize, where, &dst));
    if (c->codec == SP__CODEC_NONE) {
        SP_TRY(sp__pread_full(f->fd, dst, (size_t)c->csize, c->data_offset,
                              f->path));
    } else {
        uint8_t *src;
        SP_TRY(sp__log_stage(log, SP__LOG_SLOT_READ, c->csize, where, &src));
        SP_TRY(sp__pread_full(f->fd, src, (size_t)c->csize, c->data_offset,
                              f->path));
        /* A chunk with a CRC of its uncompressed bytes (MCAP) is checked
         * once, by that CRC: an LZ4 frame checksum over the same bytes
         * would cost as much again and tell nothing more. */
        SP_TRY(sp__decompress((sp__codec)c->codec, src, (size_t)c->csize, dst,
                              (size_t)c->usize,
                              !log->desc.no_verify && !c->has_crc, where));
    }
    if (c->has_crc && !log->desc.no_verify) {
        uint32_t crc = sp__crc32(0, dst, (size_t)c->usize);
        if (crc != c->crc)
            return sp__fail(SP_EFORMAT,
                            "%s: CRC-32 of its %llu bytes is %08x, but the "
                            "chunk says %08x",
                            where, (unsigned long long)c->usize, crc, c->crc);
    }
    *data = dst;
    return SP_OK;
}

/* ---- open: probe, index, order ---- */

int sp_log_probe(const char *path)
{
    const sp__format *f = sp__format_of(path);
    if (!f)
        sp_errmsg_clear();
    return f && f->log;
}

/* Indices of entries in log-time order, stable (equal times keep their
 * index order): a bottom-up merge sort, O(n log n) and allocation-bounded
 * (one scratch array). */
static int sort_by_time(const sp__log_entry *e, uint32_t *idx, size_t n)
{
    uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (!tmp)
        return sp__fail(SP_ENOMEM,
                        "log index: out of memory sorting %zu "
                        "messages",
                        n);
    uint32_t *a = idx, *b = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = e[a[j]].time < e[a[i]].time ? a[j++] : a[i++];
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

static int finish_index(sp_log *log)
{
    size_t n = log->nentries;
    log->by_time = malloc((n ? n : 1) * sizeof *log->by_time);
    log->rank = malloc((n ? n : 1) * sizeof *log->rank);
    log->bad = calloc(log->nchunks ? log->nchunks : 1, 1);
    if (!log->by_time || !log->rank || !log->bad)
        return sp__fail(SP_ENOMEM, "log index: out of memory for %zu messages",
                        n);
    for (size_t i = 0; i < n; i++)
        log->by_time[i] = (uint32_t)i;
    SP_TRY(sort_by_time(log->entries, log->by_time, n));

    for (size_t t = 0; t < log->ntopics; t++) {
        sp__log_topic *tp = &log->topics[t];
        tp->pub = (sp_log_topic){.name = tp->name,
                                 .type = tp->type,
                                 .encoding = tp->encoding,
                                 .schema = tp->schema,
                                 .md5 = tp->md5};
    }
    sp_log_info *li = &log->info;
    li->messages = n;
    li->chunks = log->nchunks;
    for (size_t k = 0; k < n; k++) {
        const sp__log_entry *e = &log->entries[log->by_time[k]];
        if (e->topic >= log->ntopics)
            return sp__fail(SP_EINVAL, "log index: entry of topic %u of %zu",
                            e->topic, log->ntopics);
        sp_log_topic *tp = &log->topics[e->topic].pub;
        log->rank[log->by_time[k]] = (uint32_t)tp->count;
        if (tp->count == 0)
            tp->t_first = e->time;
        tp->t_last = e->time;
        tp->count++;
    }
    if (n) {
        li->t_start = log->entries[log->by_time[0]].time;
        li->t_end = log->entries[log->by_time[n - 1]].time;
    }
    if (!li->compression[0]) {
        unsigned seen = 0;
        for (size_t c = 0; c < log->nchunks; c++)
            if (log->chunks[c].codec < SP__CODEC_COUNT)
                seen |= 1u << log->chunks[c].codec;
        size_t used = 0;
        for (int c = 0; c < SP__CODEC_COUNT; c++)
            if (seen & (1u << c)) {
                int k = snprintf(li->compression + used,
                                 sizeof li->compression - used, "%s%s",
                                 used ? "+" : "", sp__codec_name((sp__codec)c));
                if (k > 0 && (size_t)k < sizeof li->compression - used)
                    used += (size_t)k;
            }
        if (!used)
            snprintf(li->compression, sizeof li->compression, "none");
    }
    li->size_bytes = 0;
    for (size_t f = 0; f < log->nfiles; f++)
        li->size_bytes += log->files[f].size;
    return SP_OK;
}

/* Whether @p fmt describes @p path without an error (an error path only:
 * it reads the folder). */
static int describes(const sp__format *fmt, const char *path)
{
    sp_loginfo *li = calloc(1, sizeof *li);
    if (li == NULL || fmt->describe == NULL) {
        free(li);
        return 0;
    }
    int ok = fmt->describe(path, 2, li) == SP_OK;
    sp_loginfo_free(li);
    free(li);
    return ok;
}

int sp_log_open(const char *path, const sp_log_desc *desc, sp_log **out)
{
    SP_GUARD(path && out);
    *out = NULL;
    const sp__format *fmt = sp__format_of(path);
    if (!fmt)
        return SP_ENOTFOUND == sp__path_kind(path) ? SP_ENOTFOUND
                                                   : SP_EUNSUPPORTED;
    /* Any folder may be a KITTI one (a name-level guess): unless it is
     * one, say what is in it instead (a folder of bags, say). */
    if (!fmt->log && sp__path_kind(path) == 1 &&
        fmt->probe(path, 1, NULL, 0) != SP__PROBE_CONTENT &&
        !describes(fmt, path)) {
        char hint[1024];
        sp__format_folder_hint(path, SP__FOLDER_HINT, hint, sizeof hint);
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: a folder, not a recorded message log: expected "
                        "a ROS1 bag or MCAP file or a rosbag2 folder "
                        "(metadata.yaml with .db3 or .mcap files)%s",
                        path, hint);
    }
    if (!fmt->log)
        return sp__format_refuse(SP_EUNSUPPORTED, fmt, path,
                                 "a recorded message log (ROS1 bag, MCAP or "
                                 "rosbag2)");
    sp_log *log = calloc(1, sizeof *log);
    if (!log)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    if (desc)
        log->desc = *desc;
    log->ops = fmt->log;
    log->cached[0] = log->cached[1] = SP__LOG_NO_CHUNK;
    snprintf(log->info.container, sizeof log->info.container, "%s",
             fmt->log->name);
    int rc = SP_OK;
    if (!log->desc.mgr) {
        SP_TRY_GOTO(rc, sp_poolmgr_create(NULL, &log->own_mgr), fail);
        log->desc.mgr = log->own_mgr;
    }
    SP_TRY_GOTO(rc, log->ops->open(log, path), fail);
    SP_TRY_GOTO(rc, finish_index(log), fail);
    SP_TRY_GOTO(rc, sp_log_select(log, NULL), fail);
    *out = log;
    return SP_OK;
fail:
    sp_log_destroy(log);
    return rc;
}

void sp_log_destroy(sp_log *log)
{
    if (!log)
        return;
    if (log->ops && log->ops->close)
        log->ops->close(log);
    for (int s = 0; s < SP__LOG_SLOTS; s++)
        sp_block_unref(log->slots[s].block);
    for (size_t f = 0; f < log->nfiles; f++) {
        close(log->files[f].fd);
        free(log->files[f].path);
    }
    for (size_t t = 0; t < log->ntopics; t++) {
        sp__log_topic *tp = &log->topics[t];
        free(tp->name), free(tp->type), free(tp->encoding), free(tp->schema),
            free(tp->md5);
    }
    free(log->files);
    free(log->topics);
    free(log->chunks);
    free(log->entries);
    free(log->by_time);
    free(log->rank);
    free(log->bad);
    free(log->sel);
    sp_poolmgr_destroy(log->own_mgr);
    free(log);
}

const sp_log_info *sp_log_info_get(const sp_log *log)
{
    return log ? &log->info : NULL;
}

size_t sp_log_topic_count(const sp_log *log)
{
    return log ? log->ntopics : 0;
}

const sp_log_topic *sp_log_topic_at(const sp_log *log, size_t i)
{
    return log && i < log->ntopics ? &log->topics[i].pub : NULL;
}

size_t sp_log_skipped(const sp_log *log, char *buf, size_t cap)
{
    if (buf && cap)
        snprintf(buf, cap, "%s", log ? log->skipped : "");
    return log ? log->nskipped : 0;
}
