/* libFuzzer target: rosbag2's SQLite storage (io/rosbag2.c, rosbag2_db.c)
 * through the public log reader, on a file "f.db3". Byte 0 picks how the
 * file is made:
 *  - even: the rest of the input is the file itself (SQLite's own parser
 *    on damaged pages, the truncation check, the probe); read three ways
 *    as fuzz_mcap does (defaults, skip_damaged, no_verify);
 *  - odd: a database written here with SQLite from the input (see build()):
 *    the tables rosbag2 writes, with topic rows, and message rows whose
 *    topic_id, timestamp and data take any SQLite type (integer, NULL,
 *    text, real, blob), in tables declared with or without column types,
 *    with or without the schema and message_definitions tables. Then the
 *    harness knows the answer: open fails (SP_EFORMAT, naming the file)
 *    exactly when a topic lacks its name or type; else the log holds one
 *    message per row with a known topic and an integer timestamp, and with
 *    skip_damaged it delivers exactly those whose data is a blob, in
 *    timestamp order (ties in row order), each with its topic's name and
 *    the row's bytes.
 * Staging comes from one pool manager (256 MiB, fails at once when full),
 * every block back before the next input. */
#include "fuzz_tree.h"

#include <sqlite3.h>

#include "sp_log.h"

#define MAX_TOPICS 6
#define MAX_ROWS 64

static sp_poolmgr *mgr;
static char path[600];

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_db3: %s (status %d: %s)\n", what, rc, sp_errmsg());
    abort();
}

static void require_message(int rc, const char *where)
{
    if (rc < 0 && sp_errmsg()[0] == '\0')
        fail(where, rc);
}

/* ---- raw bytes: read the way fuzz_mcap does ---- */

static void read_all(int no_verify, int skip_damaged)
{
    sp_log_desc d = {
        .mgr = mgr, .no_verify = no_verify, .skip_damaged = skip_damaged};
    sp_log *log = NULL;
    int rc = sp_log_open(path, &d, &log);
    require_message(rc, "open refused without a message");
    if (getenv("SP_FUZZ_VERBOSE")) /* replaying a seed: what it opened */
        fprintf(stderr, "fuzz_db3: open: status %d %s\n", rc,
                rc ? sp_errmsg() : "");
    if (rc != SP_OK) {
        if (log)
            fail("a refusal left a log", rc);
        return;
    }
    const sp_log_info *li = sp_log_info_get(log);
    sp_log_msg m;
    uint64_t n = 0, sum = 0;
    int64_t prev = INT64_MIN;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        if (m.log_time < prev || m.topic >= sp_log_topic_count(log))
            fail("messages out of order or of no topic", 0);
        prev = m.log_time;
        for (size_t i = 0; i < m.size; i++)
            sum += m.data[i];
        n++;
    }
    require_message(rc, "next failed without a message");
    if (n > li->messages)
        fail("more messages than indexed", 0);
    if (rc < 0 && sp_log_next(log, &m) != rc)
        fail("an error was not repeated", rc);
    (void)sum;
    sp_log_destroy(log);
}

/* ---- a database built from the input ---- */

typedef struct cursor {
    const uint8_t *p;
    size_t n;
} cursor;

static unsigned take(cursor *c)
{
    if (!c->n)
        return 0;
    c->n--;
    return *c->p++;
}

/* A value of any SQLite type bound to @p st's parameter @p i; *kind says
 * which (SQLITE_INTEGER ...), *iv the integer, *bytes / *len a blob. */
static void bind_any(cursor *c, sqlite3_stmt *st, int i, unsigned kind_byte,
                     int *kind, int64_t *iv, const uint8_t **bytes, size_t *len)
{
    *kind = (int)(kind_byte % 8);
    *bytes = NULL;
    *len = 0;
    if (*kind >= 5)
        *kind = i == 4 ? SQLITE_BLOB : SQLITE_INTEGER; /* the usual type */
    switch (*kind) {
    case SQLITE_INTEGER: {
        uint64_t v = 0;
        unsigned w = take(c) % 9; /* 0..8 bytes: small and huge values */
        for (unsigned k = 0; k < w; k++)
            v = v << 8 | take(c);
        *iv = (int64_t)v;
        sqlite3_bind_int64(st, i, *iv);
        break;
    }
    case SQLITE_FLOAT:
        sqlite3_bind_double(st, i, (double)take(c) / 7.0);
        break;
    case SQLITE_TEXT:
        sqlite3_bind_text(st, i, "12", -1, SQLITE_STATIC);
        break;
    case SQLITE_BLOB: {
        size_t l = take(c) % 48;
        if (l > c->n)
            l = c->n;
        *bytes = c->p;
        *len = l;
        sqlite3_bind_blob(st, i, l ? (const void *)c->p : "", (int)l,
                          SQLITE_TRANSIENT);
        c->p += l;
        c->n -= l;
        break;
    }
    default:
        *kind = SQLITE_NULL;
        sqlite3_bind_null(st, i);
        break;
    }
}

typedef struct row {
    int64_t id, topic_id, time;
    int topic_ok, time_ok, blob;
    const uint8_t *data;
    size_t len;
    const char *topic; /* name */
} row;

typedef struct model {
    int topics_bad;
    size_t ntopics, nrows;
    int64_t topic_id[MAX_TOPICS];
    char name[MAX_TOPICS][16];
    row rows[MAX_ROWS];
} model;

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "fuzz_db3: %s: %s\n", sql, err);
        abort();
    }
}

static void build(const uint8_t *data, size_t size, model *m)
{
    static const char *const types[] = {"sensor_msgs/msg/PointCloud2",
                                        "std_msgs/msg/String", "", NULL};
    static const char *const formats[] = {"cdr", "", NULL, "ros1"};
    cursor c = {data, size};
    unsigned shape = take(&c);
    memset(m, 0, sizeof *m);
    remove(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        abort();
    exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
             "PRAGMA page_size=512");
    exec(db, shape & 4 ? "CREATE TABLE topics(id INTEGER PRIMARY KEY, name, "
                         "type, serialization_format, offered_qos_profiles)"
                       : "CREATE TABLE topics(id INTEGER PRIMARY KEY, name "
                         "TEXT NOT NULL, type TEXT NOT NULL, "
                         "serialization_format TEXT NOT NULL, "
                         "offered_qos_profiles TEXT NOT NULL)");
    exec(db, shape & 4 ? "CREATE TABLE messages(id INTEGER PRIMARY KEY, "
                         "topic_id, timestamp, data)"
                       : "CREATE TABLE messages(id INTEGER PRIMARY KEY, "
                         "topic_id INTEGER NOT NULL, timestamp INTEGER NOT "
                         "NULL, data BLOB NOT NULL)");
    if (shape & 1)
        exec(db, "CREATE TABLE schema(schema_version INTEGER PRIMARY KEY, "
                 "ros_distro TEXT NOT NULL); INSERT INTO schema "
                 "VALUES(3, 'humble')");
    if (shape & 2)
        exec(db,
             "CREATE TABLE message_definitions(id INTEGER PRIMARY KEY, "
             "topic_type TEXT NOT NULL, encoding TEXT NOT NULL, "
             "encoded_message_definition TEXT NOT NULL, type_description_hash "
             "TEXT NOT NULL); INSERT INTO message_definitions VALUES(1, "
             "'std_msgs/msg/String', 'ros2msg', 'string data', '')");
    exec(db, "BEGIN");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO topics VALUES(?1, ?2, ?3, ?4, '')", -1,
                       &st, NULL);
    size_t nt = take(&c) % (MAX_TOPICS + 1);
    for (size_t t = 0; t < nt; t++) {
        unsigned b = take(&c);
        int64_t id = (int64_t)(b & 7) - 1; /* -1 .. 6, may repeat */
        const char *type = types[(b >> 3) % 4];
        const char *fmt = formats[(b >> 5) % 4];
        unsigned nb = take(&c);
        char name[16];
        snprintf(name, sizeof name, "/t%u", nb % 4);
        const char *nm = nb >= 0xF0 ? (nb & 1 ? "" : NULL) : name;
        sqlite3_bind_int64(st, 1, id);
        nm ? sqlite3_bind_text(st, 2, nm, -1, SQLITE_TRANSIENT)
           : sqlite3_bind_null(st, 2);
        type ? sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC)
             : sqlite3_bind_null(st, 3);
        fmt ? sqlite3_bind_text(st, 4, fmt, -1, SQLITE_STATIC)
            : sqlite3_bind_null(st, 4);
        if (sqlite3_step(st) == SQLITE_DONE) { /* a repeated id or a NULL
                                                  in a NOT NULL column fail */
            m->topic_id[m->ntopics] = id;
            snprintf(m->name[m->ntopics], sizeof m->name[0], "%s",
                     nm ? nm : "");
            if (!nm || !*nm || !type || !*type)
                m->topics_bad = 1;
            m->ntopics++;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_stmt *back;
    sqlite3_prepare_v2(db, "INSERT INTO messages VALUES(NULL, ?2, ?3, ?4)", -1,
                       &st, NULL);
    sqlite3_prepare_v2(db,
                       "SELECT topic_id, timestamp, data FROM messages "
                       "WHERE id = ?1",
                       -1, &back, NULL);
    while (c.n > 0 && m->nrows < MAX_ROWS) {
        unsigned kinds = take(&c);
        row r = {0};
        int kt, kd, kx;
        int64_t tid = 0, ts = 0, unused;
        const uint8_t *bytes;
        size_t len;
        bind_any(&c, st, 2, kinds, &kt, &tid, &bytes, &len);
        bind_any(&c, st, 3, kinds >> 3, &kx, &ts, &bytes, &len);
        bind_any(&c, st, 4, kinds >> 5 | (take(&c) & 4), &kd, &unused, &bytes,
                 &len);
        if (kt == SQLITE_INTEGER) /* mostly ids the topics table has */
            sqlite3_bind_int64(st, 2, tid % 8);
        if (sqlite3_step(st) == SQLITE_DONE) {
            /* The stored types, after the columns' affinity (a declared
             * INTEGER column turns the text "12" and the real 1.0 into
             * integers): what the reader will see. */
            r.id = sqlite3_last_insert_rowid(db);
            sqlite3_bind_int64(back, 1, r.id);
            if (sqlite3_step(back) != SQLITE_ROW)
                abort();
            r.topic_ok = sqlite3_column_type(back, 0) == SQLITE_INTEGER;
            r.topic_id = sqlite3_column_int64(back, 0);
            r.time_ok = sqlite3_column_type(back, 1) == SQLITE_INTEGER;
            r.time = sqlite3_column_int64(back, 1);
            r.blob = sqlite3_column_type(back, 2) == SQLITE_BLOB;
            r.data = bytes;
            r.len = len;
            sqlite3_reset(back);
            m->rows[m->nrows++] = r;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(back);
    sqlite3_finalize(st);
    exec(db, "COMMIT");
    if (sqlite3_close(db) != SQLITE_OK)
        abort();
}

static const char *topic_name(const model *m, int64_t id)
{
    for (size_t t = 0; t < m->ntopics; t++)
        if (m->topic_id[t] == id)
            return m->name[t];
    return NULL;
}

static int cmp_rows(const void *a, const void *b)
{
    const row *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static void check_model(model *m)
{
    sp_log_desc d = {.mgr = mgr, .skip_damaged = 1};
    sp_log *log = NULL;
    int rc = sp_log_open(path, &d, &log);
    if (m->topics_bad) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), "f.db3") ||
            !strstr(sp_errmsg(), "table topics"))
            fail("a topic without name or type was not refused", rc);
        return;
    }
    if (rc != SP_OK)
        fail("a well-formed database was refused", rc);
    /* What the log must hold: rows of a known topic and integer time. */
    row want[MAX_ROWS];
    size_t nw = 0, indexed = 0;
    int zstd = 0, first_blob = 1;
    for (size_t i = 0; i < m->nrows; i++) {
        row *r = &m->rows[i];
        if (r->blob && first_blob) {
            first_blob = 0;
            zstd = r->len >= 4 && !memcmp(r->data, "\x28\xB5\x2F\xFD", 4);
        }
        r->topic = r->topic_ok ? topic_name(m, r->topic_id) : NULL;
        if (!r->topic || !r->time_ok)
            continue;
        indexed++;
        if (r->blob)
            want[nw++] = *r;
    }
    if (sp_log_info_get(log)->messages != indexed)
        fail("the log's message count is not the rows of a known topic and "
             "an integer time",
             0);
    qsort(want, nw, sizeof want[0], cmp_rows);
    sp_log_msg msg;
    size_t n = 0;
    while ((rc = sp_log_next(log, &msg)) == SP_OK) {
        if (n >= nw)
            fail("more messages than rows with blob data", 0);
        const row *w = &want[n++];
        const sp_log_topic *t = sp_log_topic_at(log, msg.topic);
        if (msg.log_time != w->time || strcmp(t->name, w->topic) ||
            msg.offset != (uint64_t)w->id)
            fail("a message's time, topic or row is not its row's", 0);
        if (!zstd && (msg.size != w->len ||
                      (w->len && memcmp(msg.data, w->data, w->len))))
            fail("a message's bytes are not its row's blob", 0);
    }
    if (getenv("SP_FUZZ_VERBOSE")) /* replaying a seed: what it held */
        fprintf(stderr, "fuzz_db3: %zu rows, %zu indexed, %zu delivered%s\n",
                m->nrows, indexed, n, zstd ? " (zstd)" : "");
    if (zstd ? rc < 0 && !sp_errmsg()[0] : rc != SP_EOS || n != nw)
        fail("skip_damaged did not deliver every row with blob data", rc);
    sp_log_destroy(log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!mgr) {
        sp_poolmgr_desc md = {
            .budget_bytes = 256u << 20, .policy = SP_POOL_NOWAIT, .no_lock = 1};
        if (sp_poolmgr_create(&md, &mgr) != SP_OK)
            abort();
    }
    ft_init();
    ft_clear();
    snprintf(path, sizeof path, "%s/f.db3", ft_base);
    if (data[0] & 1) {
        static model m;
        build(data + 1, size - 1, &m);
        check_model(&m);
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 ||
            (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1)))
            abort();
        close(fd);
        read_all(0, 0);
        read_all(0, 1);
        read_all(1, 0);
    }
    return 0;
}
