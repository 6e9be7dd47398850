/* libFuzzer target: the MCAP writer's inverse. The input is a script of
 * schemas, channels and messages (below); they are written through
 * sp_mcap_writer (io/mcap_write.c, mcap_chunk.c) with the compression and
 * chunk size it picks, and read back through sp_log (io/mcap_read.c, the
 * summary, chunk and message indexes). The round trip must be exact:
 *  - in file order, every message comes back in write order with its
 *    channel's topic, its schema's name (or "" without one), the channel's
 *    encoding, its log and publish times and its bytes;
 *  - in time order, the same messages sorted stably by log time;
 *  - the log counts them per topic, the writer's stats count them, and
 *    the file's chunk count is the writer's;
 *  - every pool block is back once the writer and the log are gone.
 * The script (a missing byte reads as 0):
 *   byte  compression (% 3: zstd, lz4, none); chunk size (0: the default
 *         1 MiB, else byte x 32 bytes: many chunks, messages larger than
 *         a chunk)
 *   byte  schemas (% 4), each: name (byte % 3), encoding (byte & 4: none,
 *         no data), data length (byte % 32) and data
 *   byte  channels (1 + byte % 5), each: schema (byte % (schemas + 1)),
 *         topic (byte % 5, "" among them: refused), encoding (byte % 3)
 *   then messages until the input ends, each: channel (byte), sequence
 *   (byte), log time (width byte % 9, then that many bytes; bit 4 of the
 *   width byte: the time goes back), publish time delta (byte), length
 *   (2 bytes LE % 4096, capped at what is left) and the bytes. */
#include "fuzz_tree.h"

#include "sp_log.h"
#include "sp_mcap.h"

#define MAX_MSGS 512

static sp_poolmgr *mgr;

typedef struct wmsg {
    uint16_t channel; /* index into the channels written */
    uint32_t seq;
    uint64_t log_time, publish_time;
    const uint8_t *data;
    size_t len;
    size_t order; /* write order, for the stable sort */
} wmsg;

typedef struct wchan {
    uint16_t id;
    const char *topic, *schema, *encoding;
} wchan;

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_mcap_write: %s (status %d: %s)\n", what, rc,
            sp_errmsg());
    abort();
}

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

static int cmp_time(const void *a, const void *b)
{
    const wmsg *x = a, *y = b;
    if (x->log_time != y->log_time)
        return x->log_time < y->log_time ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

static void check_message(const sp_log *log, const sp_log_msg *m,
                          const wmsg *w, const wchan *ch)
{
    const sp_log_topic *t = sp_log_topic_at(log, m->topic);
    const wchan *c = &ch[w->channel];
    if (!t || strcmp(t->name, c->topic) || strcmp(t->type, c->schema) ||
        strcmp(t->encoding, c->encoding)) {
        fprintf(stderr, "fuzz_mcap_write: wrote %s %s %s, read %s %s %s\n",
                c->topic, c->schema, c->encoding, t ? t->name : "?",
                t ? t->type : "?", t ? t->encoding : "?");
        fail("a message came back on another topic, type or encoding", 0);
    }
    if ((uint64_t)m->log_time != w->log_time ||
        (uint64_t)m->publish_time != w->publish_time)
        fail("a message came back with other times", 0);
    if (m->size != w->len || (w->len && memcmp(m->data, w->data, w->len)))
        fail("a message came back with other bytes", 0);
}

static void check_pools_idle(void)
{
    for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
        sp_pool_stats s;
        if (sp_poolmgr_stats_get(mgr, i, &s) != SP_OK || s.in_use != 0)
            fail("a pool block is still out after writing and reading", 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const schema_names[] = {
        "sensor_msgs/msg/PointCloud2", "std_msgs/msg/String", "a/b"};
    static const char *const topics[] = {"/points", "/chatter", "/points",
                                         "/x/y", ""};
    static const char *const encodings[] = {"cdr", "ros1", "json"};
    static wmsg msgs[MAX_MSGS], sorted[MAX_MSGS];
    if (!mgr) {
        sp_poolmgr_desc md = {
            .budget_bytes = 256u << 20, .policy = SP_POOL_NOWAIT, .no_lock = 1};
        if (sp_poolmgr_create(&md, &mgr) != SP_OK)
            abort();
    }
    ft_init();
    ft_clear();
    char path[600];
    snprintf(path, sizeof path, "%s/w.mcap", ft_base);

    cursor c = {data, size};
    unsigned comp = take(&c) % 3, cs = take(&c);
    sp_mcap_writer_desc wd = {.compression = (sp_mcap_compression)comp,
                              .chunk_size = (size_t)cs * 32,
                              .mgr = mgr};
    sp_mcap_writer *w = NULL;
    int rc = sp_mcap_writer_create(path, &wd, &w);
    if (rc != SP_OK)
        fail("the writer could not be created", rc);

    unsigned nschemas = take(&c) % 4;
    const char *schema_of[4] = {""};
    uint16_t schema_id[4] = {0};
    for (unsigned s = 0; s < nschemas; s++) {
        const char *name = schema_names[take(&c) % 3];
        int none = (take(&c) & 4) != 0;
        size_t len = none ? 0 : take(&c) % 32;
        if (len > c.n)
            len = c.n;
        rc = sp_mcap_writer_add_schema(w, name, none ? "" : "ros2msg", c.p, len,
                                       &schema_id[s + 1]);
        if (rc != SP_OK || schema_id[s + 1] != s + 1)
            fail("a schema was refused or got an unexpected id", rc);
        schema_of[s + 1] = name;
        c.p += len;
        c.n -= len;
    }
    unsigned nch = 1 + take(&c) % 5, nok = 0;
    wchan ch[5];
    for (unsigned k = 0; k < nch; k++) {
        unsigned s = take(&c) % (nschemas + 1);
        const char *topic = topics[take(&c) % 5];
        const char *enc = encodings[take(&c) % 3];
        uint16_t id = 0;
        rc = sp_mcap_writer_add_channel(w, schema_id[s], topic, enc, &id);
        if (!*topic) {
            if (rc != SP_EINVAL)
                fail("an empty topic was not refused", rc);
            continue;
        }
        if (rc != SP_OK || id != nok + 1)
            fail("a channel was refused or got an unexpected id", rc);
        ch[nok++] = (wchan){
            .id = id, .topic = topic, .schema = schema_of[s], .encoding = enc};
    }
    size_t nm = 0;
    uint64_t t = 0;
    while (c.n > 0 && nok > 0 && nm < MAX_MSGS) {
        wmsg *m = &msgs[nm];
        m->channel = (uint16_t)(take(&c) % nok);
        m->seq = take(&c);
        unsigned wb = take(&c);
        uint64_t v = 0;
        for (unsigned k = 0; k < wb % 9; k++)
            v = v << 8 | take(&c);
        /* log_time is an int64 once read (sp_log_msg): keep to that. */
        v &= INT64_MAX;
        t = wb & 16 ? (t > v ? t - v : 0) : (INT64_MAX - t > v ? t + v : t);
        m->log_time = t;
        m->publish_time = t + take(&c);
        size_t len = (take(&c) | take(&c) << 8) % 4096;
        if (len > c.n)
            len = c.n;
        m->data = c.p;
        m->len = len;
        m->order = nm;
        c.p += len;
        c.n -= len;
        rc = sp_mcap_writer_write(w, ch[m->channel].id, m->seq, m->log_time,
                                  m->publish_time, m->data, m->len);
        if (rc != SP_OK)
            fail("a message was refused", rc);
        nm++;
    }
    sp_mcap_writer_stats ws;
    if (sp_mcap_writer_stats_get(w, &ws) != SP_OK || ws.messages != nm)
        fail("the writer's message count is wrong", 0);
    rc = sp_mcap_writer_finish(w);
    if (rc != SP_OK)
        fail("finish failed", rc);
    sp_mcap_writer_stats_get(w, &ws);
    sp_mcap_writer_destroy(w);

    sp_log_desc ld = {.mgr = mgr};
    sp_log *log = NULL;
    rc = sp_log_open(path, &ld, &log);
    if (rc != SP_OK)
        fail("the reader refused the writer's file", rc);
    const sp_log_info *li = sp_log_info_get(log);
    if (li->messages != nm || li->chunks != ws.chunks || !li->indexed)
        fail("the log's message or chunk count is not the writer's", 0);
    uint64_t per_topic = 0;
    for (size_t k = 0; k < sp_log_topic_count(log); k++)
        per_topic += sp_log_topic_at(log, k)->count;
    if (per_topic != nm)
        fail("the topics' counts do not add up to the messages", 0);

    sp_log_filter ff = {.order = SP_LOG_ORDER_FILE};
    if (sp_log_select(log, &ff) != SP_OK)
        fail("select (file order) failed", 0);
    sp_log_msg m;
    size_t n = 0;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        if (n >= nm)
            fail("more messages read than written", 0);
        check_message(log, &m, &msgs[n++], ch);
    }
    if (rc != SP_EOS || n != nm)
        fail("file order did not end cleanly after every message", rc);

    memcpy(sorted, msgs, nm * sizeof *msgs);
    qsort(sorted, nm, sizeof *sorted, cmp_time);
    sp_log_filter tf = {.order = SP_LOG_ORDER_TIME};
    if (sp_log_select(log, &tf) != SP_OK)
        fail("select (time order) failed", 0);
    n = 0;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        if (n >= nm)
            fail("more messages read than written", 0);
        check_message(log, &m, &sorted[n++], ch);
    }
    if (rc != SP_EOS || n != nm)
        fail("time order did not end cleanly after every message", rc);
    sp_log_destroy(log);
    check_pools_idle();
    return 0;
}
