/* libFuzzer target: a ROS1 bag on arbitrary bytes, through the public
 * sp_log API on a memfd opened by its /proc/self/fd path: open (index or
 * linear scan), every message in time order with verification, then again
 * with skip_damaged and no_verify in file order, and sp_log_read_at.
 * Every byte of every message is read (ASan sees a message that points
 * outside its staged chunk); a refusal must carry a message; a log that
 * opened must deliver at most the messages it indexed, end with SP_EOS or
 * a documented error, and give back every staging block (the manager,
 * with a small budget so nothing is staged from an unchecked size, must
 * destroy cleanly). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sp_log.h"

static void require_message(int rc, const char *where)
{
    if (rc < 0 && sp_errmsg()[0] == '\0') {
        fprintf(stderr, "%s: status %d without a message\n", where, rc);
        abort();
    }
}

static int documented(int rc, int skipping)
{
    switch (rc) {
    case SP_EOS:
    case SP_EBUDGET:
    case SP_ENOMEM:
    case SP_ERANGE:
        return 1;
    case SP_EFORMAT:
    case SP_EUNSUPPORTED:
    case SP_EIO:
        return !skipping;
    default:
        return 0;
    }
}

static volatile uint32_t sink;

static void read_all(sp_log *log, int skipping)
{
    const sp_log_info *li = sp_log_info_get(log);
    sp_log_msg m;
    uint64_t n = 0;
    int rc;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        if (m.topic >= sp_log_topic_count(log) || !m.file)
            abort();
        uint32_t h = 0;
        for (size_t i = 0; i < m.size; i++)
            h = h * 31 + m.data[i];
        sink += h;
        n++;
    }
    require_message(rc, "next");
    if (n > li->messages || !documented(rc, skipping)) {
        fprintf(stderr, "%llu of %llu messages, then %s: %s\n",
                (unsigned long long)n, (unsigned long long)li->messages,
                sp_status_name(rc), sp_errmsg());
        abort();
    }
    if (sp_log_next(log, &m) != rc)
        abort(); /* the end, or the error, is repeated */
}

static void one(const char *path, int damaged_mode)
{
    sp_poolmgr_desc md = {.budget_bytes = 64u << 20, .no_lock = 1};
    sp_poolmgr *mgr;
    if (sp_poolmgr_create(&md, &mgr) != SP_OK)
        abort();
    sp_log_desc d = {.mgr = mgr,
                     .skip_damaged = damaged_mode,
                     .no_verify = damaged_mode};
    sp_log *log = NULL;
    int rc = sp_log_open(path, &d, &log);
    require_message(rc, "open");
    if (rc == SP_OK) {
        if (!log)
            abort();
        if (damaged_mode) {
            sp_log_filter f = {.order = SP_LOG_ORDER_FILE};
            if (sp_log_select(log, &f) != SP_OK)
                abort();
        }
        read_all(log, damaged_mode);
        for (size_t t = 0; t < sp_log_topic_count(log) && t < 4; t++) {
            sp_log_msg m;
            const sp_log_topic *tp = sp_log_topic_at(log, t);
            if (!tp->count)
                continue;
            rc = sp_log_read_at(log, (uint32_t)t, tp->count - 1, &m);
            require_message(rc, "read_at");
            if (rc == SP_OK && m.index != tp->count - 1)
                abort();
        }
        char text[512];
        sp_log_skipped(log, text, sizeof text);
        sp_log_destroy(log);
    } else if (log) {
        abort(); /* *out must be NULL on failure */
    }
    if (sp_poolmgr_destroy(mgr) != SP_OK) {
        fprintf(stderr, "staging blocks not returned: %s\n", sp_errmsg());
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.bag", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    one(path, 0);
    one(path, 1);
    return 0;
}
