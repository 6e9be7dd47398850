/* One rosbag2 .db3 file (see rosbag2_int.h): opened read-only and immutable
 * through an URI, so SQLite never takes a lock nor writes a -journal or
 * -wal beside the user's file; the topics table becomes log topics and each
 * messages row one entry (its rowid as locator), read without touching the
 * rows' data. A message's bytes are read when it is reached, through one
 * sqlite3_blob per file moved from row to row (sqlite3_blob_reopen), which
 * allocates nothing once the file's pages are cached. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "io_int.h"
#include "rosbag2_int.h"

typedef struct topic_map {
    int64_t id; /* topics.id */
    uint16_t topic;
} topic_map;

typedef struct bad_row {
    int64_t row;
    char type[8]; /* typeof(data): "null", "text", ... */
} bad_row;

struct sp__r2_db {
    sqlite3 *db;
    sqlite3_blob *blob; /* opened at the first fetch, then moved */
    char *shown;        /* the name in messages */
    uint16_t file;
    int zstd;
    uint64_t rows;
    topic_map *topics;
    size_t ntopics;
    bad_row *bad; /* rows whose data is not a blob, by row */
    size_t nbad, capbad;
    char describe[96];
};

int sp__r2_db_uri(const char *path, char *buf, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    /* An absolute path gets an empty authority ("file:///x"), so a path
     * starting "//" is not read as a host name. */
    const char *head = path[0] == '/' ? "file://" : "file:";
    for (const char *h = head; *h; h++)
        if (k < cap)
            buf[k++] = *h;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char ch = *p;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '/' || ch == '.' ||
                    ch == '_' || ch == '-' || ch == '~';
        if (plain) {
            if (k < cap)
                buf[k++] = (char)ch;
        } else if (k + 3 <= cap) {
            buf[k++] = '%';
            buf[k++] = hex[ch >> 4];
            buf[k++] = hex[ch & 15];
        } else {
            k = cap;
        }
    }
    static const char tail[] = "?immutable=1";
    if (k + sizeof tail > cap)
        return sp__fail(SP_ERANGE, "%s: path too long", path);
    memcpy(buf + k, tail, sizeof tail);
    return SP_OK;
}

static int open_ro(const char *path, sqlite3 **db)
{
    *db = NULL;
    char uri[4096 * 3 + 32];
    SP_TRY(sp__r2_db_uri(path, uri, sizeof uri));
    /* SQLite's own open() would wait on a FIFO for a writer: only a
     * regular file goes to it. */
    int fd;
    SP_TRY(sp__open_read(path, &fd));
    close(fd);
    int rc = sqlite3_open_v2(
        uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
        NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(*db); /* sqlite3_open_v2 may hand back a handle */
        *db = NULL;
        return rc == SQLITE_NOMEM ? SP_ENOMEM : SP_EIO;
    }
    return SP_OK;
}

/* Which of the tables we know does the file have (bits below)? A negative
 * SQLite code when the schema cannot be read. */
enum { T_TOPICS = 1, T_MESSAGES = 2, T_SCHEMA = 4, T_DEFS = 8 };

static int tables_of(sqlite3 *db)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT name FROM sqlite_master WHERE "
                                "type='table'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return -rc;
    int bits = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        if (!n)
            continue;
        bits |= !strcmp(n, "topics")                ? T_TOPICS
                : !strcmp(n, "messages")            ? T_MESSAGES
                : !strcmp(n, "schema")              ? T_SCHEMA
                : !strcmp(n, "message_definitions") ? T_DEFS
                                                    : 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? bits : -rc;
}

int sp__r2_db_is_bag(const char *path)
{
    sqlite3 *db;
    if (open_ro(path, &db) < 0) {
        sp_errmsg_clear();
        return 0;
    }
    int bits = tables_of(db);
    sqlite3_close(db);
    return bits >= 0 &&
           (bits & (T_TOPICS | T_MESSAGES)) == (T_TOPICS | T_MESSAGES);
}

/* An SQLite failure as a status and message: "x.db3: what: sqlite's
 * message (code)". */
static int db_fail(sqlite3 *db, int rc, const char *fmt, ...) SP__PRINTF(3, 4);

static int db_fail(sqlite3 *db, int rc, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int prim = rc & 0xff;
    int status = prim == SQLITE_NOMEM   ? SP_ENOMEM
                 : prim == SQLITE_IOERR ? SP_EIO
                                        : SP_EFORMAT;
    const char *hint = prim == SQLITE_CORRUPT ? " (the database is damaged)"
                       : prim == SQLITE_NOTADB
                           ? " (not an SQLite database, expected a rosbag2 "
                             ".db3)"
                           : "";
    return sp__fail(status, "%s: %s%s", what,
                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), hint);
}

static int cmp_map(const void *a, const void *b)
{
    const topic_map *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_bad(const void *a, const void *b)
{
    const bad_row *x = a, *y = b;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* The message definition of @p type from message_definitions (schema 4+):
 * a malloc'd copy, or NULL when there is none. */
static char *definition_of(sqlite3_stmt *st, const char *type)
{
    if (!st)
        return NULL;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (t && n > 0 && (out = malloc((size_t)n + 1))) {
            memcpy(out, t, (size_t)n);
            out[n] = '\0';
        }
    }
    sqlite3_reset(st);
    return out;
}

static int read_topics(sp_log *log, sp__r2_db *d, int have_defs)
{
    sqlite3_stmt *st, *defs = NULL;
    int rc = sqlite3_prepare_v2(d->db,
                                "SELECT id, name, type, serialization_format "
                                "FROM topics ORDER BY id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(d->db, rc,
                       "%s: table topics: expected columns id, name, type, "
                       "serialization_format",
                       d->shown);
    if (have_defs &&
        sqlite3_prepare_v2(d->db,
                           "SELECT encoded_message_definition FROM "
                           "message_definitions WHERE topic_type = ?1 ORDER "
                           "BY id LIMIT 1",
                           -1, &defs, NULL) != SQLITE_OK) {
        sp__log_note(log,
                     "%s: table message_definitions unreadable (%s): "
                     "topics have no schema text",
                     d->shown, sqlite3_errmsg(d->db));
        defs = NULL;
    }
    size_t cap = 0;
    int status = SP_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *type = (const char *)sqlite3_column_text(st, 2);
        const char *ser = (const char *)sqlite3_column_text(st, 3);
        if (!name || !*name || !type || !*type) {
            status = sp__fail(SP_EFORMAT,
                              "%s: table topics: topic id %lld has no %s, "
                              "expected a topic name and type",
                              d->shown, (long long)id,
                              !name || !*name ? "name" : "type");
            goto out;
        }
        if (d->ntopics == cap) {
            size_t nc = cap ? cap * 2 : 8;
            topic_map *p = realloc(d->topics, nc * sizeof *p);
            if (!p) {
                status = sp__fail(SP_ENOMEM, "%s: out of memory", d->shown);
                goto out;
            }
            d->topics = p;
            cap = nc;
        }
        /* rosbag2 reads an empty serialization_format as its default. */
        char *schema = definition_of(defs, type);
        uint16_t ti;
        status = sp__log_add_topic(log, name, type, ser && *ser ? ser : "cdr",
                                   schema, NULL, &ti);
        free(schema);
        if (status < 0)
            goto out;
        d->topics[d->ntopics++] = (topic_map){.id = id, .topic = ti};
    }
    if (rc != SQLITE_DONE)
        status = db_fail(d->db, rc, "%s: table topics", d->shown);
    else if (d->ntopics)
        qsort(d->topics, d->ntopics, sizeof *d->topics, cmp_map);
out:
    sqlite3_finalize(defs);
    sqlite3_finalize(st);
    return status;
}

static void read_schema(sp__r2_db *d, int have_schema)
{
    snprintf(d->describe, sizeof d->describe, "no schema table");
    sqlite3_stmt *st;
    if (!have_schema || sqlite3_prepare_v2(d->db, "SELECT * FROM schema", -1,
                                           &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *distro = sqlite3_column_count(st) > 1
                                 ? (const char *)sqlite3_column_text(st, 1)
                                 : NULL;
        snprintf(d->describe, sizeof d->describe, "sqlite schema %lld%s%.32s%s",
                 (long long)sqlite3_column_int64(st, 0),
                 distro && *distro ? " (" : "", distro ? distro : "",
                 distro && *distro ? ")" : "");
    }
    sqlite3_finalize(st);
}

static const topic_map *find_topic(const sp__r2_db *d, int64_t id)
{
    topic_map key = {.id = id};
    return d->ntopics
               ? bsearch(&key, d->topics, d->ntopics, sizeof key, cmp_map)
               : NULL;
}

static int note_bad(sp__r2_db *d, int64_t row, const char *type)
{
    if (d->nbad == d->capbad) {
        size_t nc = d->capbad ? d->capbad * 2 : 8;
        bad_row *p = realloc(d->bad, nc * sizeof *p);
        if (!p)
            return sp__fail(SP_ENOMEM, "%s: out of memory", d->shown);
        d->bad = p;
        d->capbad = nc;
    }
    bad_row *b = &d->bad[d->nbad++];
    b->row = row;
    snprintf(b->type, sizeof b->type, "%s", type ? type : "?");
    return SP_OK;
}

/* One entry per row, in rowid order (rosbag2 plays equal timestamps in id
 * order; the log's stable time sort keeps it). typeof(data) is read from
 * the record header: the data itself is not loaded. */
static int read_rows(sp_log *log, sp__r2_db *d)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(d->db,
                                "SELECT rowid, topic_id, timestamp, "
                                "typeof(data) FROM messages ORDER BY rowid",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return db_fail(d->db, rc,
                       "%s: table messages: expected columns id, topic_id, "
                       "timestamp, data",
                       d->shown);
    int status = SP_OK;
    int64_t last = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        /* Types first: a conversion would change what they say. */
        int tid_type = sqlite3_column_type(st, 1);
        int time_type = sqlite3_column_type(st, 2);
        int64_t row = sqlite3_column_int64(st, 0);
        int64_t tid = sqlite3_column_int64(st, 1);
        last = row;
        const topic_map *tm =
            tid_type == SQLITE_INTEGER ? find_topic(d, tid) : NULL;
        if (!tm) {
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)tid);
            sp__log_damage(log, SP_EFORMAT,
                           "%s: row %lld: topic_id %s is not an id of the "
                           "topics table, expected one of its %zu ids",
                           d->shown, (long long)row,
                           tid_type == SQLITE_INTEGER ? id
                           : tid_type == SQLITE_NULL  ? "NULL"
                                                      : "(not an integer)",
                           d->ntopics);
            continue;
        }
        if (time_type != SQLITE_INTEGER) {
            const sp_log_topic *t = sp_log_topic_at(log, tm->topic);
            sp__log_damage(log, SP_EFORMAT,
                           "%s: row %lld: topic %s: timestamp is %s, "
                           "expected an integer (ns)",
                           d->shown, (long long)row, t ? t->name : "?",
                           time_type == SQLITE_NULL ? "NULL"
                                                    : "not an integer");
            continue;
        }
        const char *type = (const char *)sqlite3_column_text(st, 3);
        if (!type || strcmp(type, "blob"))
            SP_TRY_GOTO(status, note_bad(d, row, type), out);
        sp__log_entry e = {.time = sqlite3_column_int64(st, 2),
                           .pos = (uint64_t)row,
                           .chunk = SP__LOG_NO_CHUNK,
                           .topic = tm->topic,
                           .file = d->file};
        SP_TRY_GOTO(status, sp__log_add_entry(log, &e), out);
        d->rows++;
    }
    if (rc != SQLITE_DONE) {
        /* The rows read so far stay: the damage is reported after them. */
        int status2 =
            db_fail(d->db, rc,
                    "%s: table messages: reading stopped after "
                    "%llu rows (the last row %lld)",
                    d->shown, (unsigned long long)d->rows, (long long)last);
        if (status2 == SP_ENOMEM) {
            status = status2;
            goto out;
        }
        sp__log_damage(log, status2, "%s", sp_errmsg());
    }
    if (d->nbad > 1)
        qsort(d->bad, d->nbad, sizeof *d->bad, cmp_bad);
out:
    sqlite3_finalize(st);
    return status;
}

/* No metadata.yaml to say whether messages are compressed: rosbag2's CDR
 * data starts with an encapsulation header (00 01 00 00 ...), never with
 * zstd's frame magic, so the first message tells. */
static void sniff_zstd(sp__r2_db *d)
{
    sqlite3_stmt *st;
    d->zstd = 0;
    if (sqlite3_prepare_v2(d->db,
                           "SELECT substr(data, 1, 4) FROM messages WHERE "
                           "typeof(data) = 'blob' ORDER BY rowid LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 4) {
        const uint8_t *b = sqlite3_column_blob(st, 0);
        d->zstd =
            b && b[0] == 0x28 && b[1] == 0xB5 && b[2] == 0x2F && b[3] == 0xFD;
    }
    sqlite3_finalize(st);
}

/* A file shorter than its header says (a copy cut short, a disk that
 * filled): SQLite refuses it whole unless writable_schema is on (harmless
 * on a read-only connection), then reads the pages that are there and
 * reports SQLITE_CORRUPT past them. So the rows before the cut are read,
 * and the cut is damage reported after them. */
static void check_truncated(sp_log *log, sp__r2_db *d, const char *path)
{
    uint8_t h[100];
    int fd = sp__open_regular(path, NULL, NULL);
    if (fd < 0)
        return;
    struct stat st;
    ssize_t k = fstat(fd, &st) == 0 ? pread(fd, h, sizeof h, 0) : -1;
    close(fd);
    if (k != (ssize_t)sizeof h)
        return;
    uint32_t psize = (uint32_t)h[16] << 8 | h[17];
    if (psize == 1)
        psize = 65536;
    uint32_t pages = (uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 |
                     (uint32_t)h[30] << 8 | h[31];
    /* The page count is valid only when the two change counters agree. */
    if (memcmp(h + 24, h + 92, 4) || psize < 512 || (psize & (psize - 1)))
        return;
    uint64_t want = (uint64_t)pages * psize;
    if ((uint64_t)st.st_size >= want)
        return;
    sp__log_damage(log, SP_EFORMAT,
                   "%s: byte %llu: the file ends there, but its header says "
                   "%u pages of %u bytes (%llu bytes): it was cut short, and "
                   "only the rows before the cut are read",
                   d->shown, (unsigned long long)st.st_size, pages, psize,
                   (unsigned long long)want);
    sqlite3_exec(d->db, "PRAGMA writable_schema=ON", NULL, NULL, NULL);
}

/* Immutable means SQLite ignores a write-ahead log beside the file: the
 * messages of a recording that was not closed may sit there. Say so. */
static void check_wal(sp_log *log, const sp__r2_db *d, const char *path)
{
    char wal[4200];
    struct stat st;
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) < sizeof wal &&
        stat(wal, &st) == 0 && st.st_size > 0)
        sp__log_note(log,
                     "%s-wal: %lld bytes of changes not yet merged into the "
                     "database (the recording was not closed): not read, "
                     "the bag is opened read-only; `sqlite3 FILE 'PRAGMA "
                     "wal_checkpoint'` on a copy merges them",
                     d->shown, (long long)st.st_size);
}

int sp__r2_db_open(sp_log *log, const char *path, const char *shown,
                   uint16_t file, int zstd_messages, sp__r2_db **out)
{
    *out = NULL;
    sp__r2_db *d = calloc(1, sizeof *d);
    if (!d || !(d->shown = malloc(strlen(shown) + 1))) {
        free(d);
        return sp__fail(SP_ENOMEM, "%s: out of memory", shown);
    }
    memcpy(d->shown, shown, strlen(shown) + 1);
    d->file = file;
    d->zstd = zstd_messages > 0;
    int rc = open_ro(path, &d->db);
    if (rc < 0) {
        rc = sp__fail(rc, "%s: SQLite cannot open it", shown);
        goto fail;
    }
    /* A file mapped into memory would turn a truncation into SIGBUS. */
    sqlite3_exec(d->db, "PRAGMA mmap_size=0", NULL, NULL, NULL);
    /* A small page cache: messages are read once, in order, and their
     * overflow pages need not stay. With SQLite's default (2 MB per
     * connection, each split file one connection) the first pass allocates
     * hundreds of pages and reads several times slower (measured on the
     * nebula bags: 4 x 907 KB in 11.5 ms and 471 allocations, against
     * 1.6 ms and 8 with 64 KB). */
    sqlite3_exec(d->db, "PRAGMA cache_size=-64", NULL, NULL, NULL);
    check_truncated(log, d, path);
    check_wal(log, d, path);
    int bits = tables_of(d->db);
    if (bits < 0) {
        rc = db_fail(d->db, -bits, "%s", shown);
        goto fail;
    }
    if (!(bits & T_TOPICS) || !(bits & T_MESSAGES)) {
        rc = sp__fail(SP_EFORMAT,
                      "%s: an SQLite database without a%s table, expected a "
                      "rosbag2 .db3 (tables topics and messages)",
                      shown,
                      !(bits & (T_TOPICS | T_MESSAGES)) ? " topics or messages"
                      : !(bits & T_TOPICS)              ? " topics"
                                                        : " messages");
        goto fail;
    }
    read_schema(d, bits & T_SCHEMA);
    SP_TRY_GOTO(rc, read_topics(log, d, bits & T_DEFS), fail);
    SP_TRY_GOTO(rc, read_rows(log, d), fail);
    if (zstd_messages < 0)
        sniff_zstd(d);
    *out = d;
    return SP_OK;
fail:
    sp__r2_db_close(d);
    return rc;
}

void sp__r2_db_close(sp__r2_db *d)
{
    if (!d)
        return;
    sqlite3_blob_close(d->blob);
    sqlite3_close_v2(d->db);
    free(d->shown);
    free(d->topics);
    free(d->bad);
    free(d);
}

const char *sp__r2_db_describe(const sp__r2_db *d)
{
    return d ? d->describe : "";
}

int sp__r2_db_zstd(const sp__r2_db *d)
{
    return d && d->zstd;
}

uint64_t sp__r2_db_rows(const sp__r2_db *d)
{
    return d ? d->rows : 0;
}

/* A blob handle that failed is aborted: close it, the next fetch opens a
 * new one. */
static int blob_fail(sp__r2_db *d, int rc, int64_t row, const char *topic)
{
    int status = db_fail(d->db, rc, "%s: row %lld: topic %s: data", d->shown,
                         (long long)row, topic);
    sqlite3_blob_close(d->blob);
    d->blob = NULL;
    return status;
}

int sp__r2_zstd_size(const uint8_t *p, size_t n, uint64_t *size,
                     const char **why)
{
    *size = 0;
    *why = NULL;
    unsigned long long want = ZSTD_getFrameContentSize(p, n);
    if (want == ZSTD_CONTENTSIZE_ERROR) {
        *why = "not a zstd frame";
        return SP_EFORMAT;
    }
    if (want == ZSTD_CONTENTSIZE_UNKNOWN) {
        *why = "a zstd frame that does not record its content size (rosbag2 "
               "records it)";
        return SP_EFORMAT;
    }
    /* Each block has a 3-byte header and gives at most 128 KiB: a frame
     * saying more than that is lying, whatever the budget would allow. */
    if (want > SP__LOG_MAX_STAGE || want > ((uint64_t)n / 3 + 1) << 17) {
        *why = "a zstd frame whose header says it holds more than its bytes "
               "can";
        return SP_EFORMAT;
    }
    *size = want;
    return SP_OK;
}

/* "x.db3: what" from sp__log_stage() or sp__decompress() becomes
 * "x.db3: row N: topic T: what". */
static int row_context(const sp__r2_db *d, int rc, int64_t row,
                       const char *topic)
{
    char msg[SP__ERRMSG_MAX];
    const char *e = sp_errmsg();
    size_t k = strlen(d->shown);
    if (!strncmp(e, d->shown, k) && !strncmp(e + k, ": ", 2))
        e += k + 2;
    snprintf(msg, sizeof msg, "%s", e);
    return sp__fail(rc, "%s: row %lld: topic %s: %s", d->shown, (long long)row,
                    topic, msg);
}

int sp__r2_db_fetch(sp_log *log, sp__r2_db *d, const sp__log_entry *e,
                    const uint8_t **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int64_t row = (int64_t)e->pos;
    const sp_log_topic *t = sp_log_topic_at(log, e->topic);
    const char *topic = t ? t->name : "?";
    if (d->nbad) {
        bad_row key = {.row = row};
        const bad_row *b = bsearch(&key, d->bad, d->nbad, sizeof key, cmp_bad);
        if (b)
            return sp__fail(SP_EFORMAT,
                            "%s: row %lld: topic %s: data is %s, expected a "
                            "blob (the serialized message)",
                            d->shown, (long long)row, topic, b->type);
    }
    int rc = d->blob ? sqlite3_blob_reopen(d->blob, row)
                     : sqlite3_blob_open(d->db, "main", "messages", "data", row,
                                         0, &d->blob);
    if (rc != SQLITE_OK)
        return blob_fail(d, rc, row, topic);
    int n = sqlite3_blob_bytes(d->blob);
    /* The staging and the decoder name only the file: the row and topic
     * are added on failure, so a message read costs no formatting. */
    uint8_t *buf;
    rc = sp__log_stage(log, SP__LOG_SLOT_FETCH, (uint64_t)n, d->shown, &buf);
    if (rc < 0)
        return row_context(d, rc, row, topic);
    if (n > 0 && (rc = sqlite3_blob_read(d->blob, buf, n, 0)) != SQLITE_OK)
        return blob_fail(d, rc, row, topic);
    if (!d->zstd) {
        *data = buf;
        *size = (size_t)n;
        return SP_OK;
    }
    uint64_t want;
    const char *why;
    if (sp__r2_zstd_size(buf, (size_t)n, &want, &why) < 0)
        return sp__fail(SP_EFORMAT,
                        "%s: row %lld: topic %s: %d bytes: %s, expected a "
                        "zstd-compressed message (compression_mode MESSAGE)",
                        d->shown, (long long)row, topic, n, why);
    uint8_t *dst;
    rc = sp__log_stage(log, SP__LOG_SLOT_FETCH + 1, want, d->shown, &dst);
    if (rc == SP_OK)
        rc = sp__decompress(SP__CODEC_ZSTD, buf, (size_t)n, dst, (size_t)want,
                            1, d->shown);
    if (rc < 0)
        return row_context(d, rc, row, topic);
    *data = dst;
    *size = (size_t)want;
    return SP_OK;
}
