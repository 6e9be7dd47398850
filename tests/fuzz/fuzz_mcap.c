/* libFuzzer target: an MCAP file on arbitrary bytes, through the public log
 * reader (sp_log_open / sp_log_next / sp_log_read_at) on a memfd opened by
 * its /proc/self/fd path: the summary, chunk indexes and message indexes,
 * the linear scan, chunk decompression (zstd, LZ4 frames), CRCs, and
 * Message records inside and outside chunks. Each input is read three
 * ways: defaults, skip_damaged, no_verify. Promises checked beyond "no
 * crash, no overrun": a refusal carries a message; the messages come in
 * log-time order and each lies inside the reader's staging memory (ASan
 * sees any read past it); skip_damaged never ends in damage; messages
 * counted by the topics equal those delivered when nothing is damaged.
 * Staging comes from one pool manager with a 256 MiB budget that fails at
 * once when full, so memory per input stays bounded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sp_log.h"

static sp_poolmgr *mgr;

static void require_message(int rc, const char *where)
{
    if (rc < 0 && sp_errmsg()[0] == '\0') {
        fprintf(stderr, "%s: status %d without a message\n", where, rc);
        abort();
    }
}

static uint64_t checksum;

static void read_all(const char *path, int no_verify, int skip_damaged)
{
    sp_log_desc d = {
        .mgr = mgr, .no_verify = no_verify, .skip_damaged = skip_damaged};
    sp_log *log = NULL;
    int rc = sp_log_open(path, &d, &log);
    require_message(rc, "open");
    if (rc != SP_OK) {
        if (log)
            abort();
        return;
    }
    const sp_log_info *li = sp_log_info_get(log);
    uint64_t total = 0;
    for (size_t t = 0; t < sp_log_topic_count(log); t++)
        total += sp_log_topic_at(log, t)->count;
    if (total != li->messages)
        abort();
    sp_log_msg m;
    uint64_t n = 0;
    int64_t prev = INT64_MIN;
    while ((rc = sp_log_next(log, &m)) == SP_OK) {
        if (m.log_time < prev || m.topic >= sp_log_topic_count(log))
            abort();
        prev = m.log_time;
        /* Touch every byte: ASan checks they lie in staged memory. */
        for (size_t i = 0; i < m.size; i++)
            checksum += m.data[i];
        n++;
    }
    require_message(rc, "next");
    if (rc == SP_EOS && sp_log_skipped(log, NULL, 0) == 0 && n != li->messages)
        abort(); /* messages lost without a word */
    if (skip_damaged && rc != SP_EOS && rc != SP_EBUDGET && rc != SP_ENOMEM &&
        rc != SP_ERANGE)
        abort();
    if (rc < 0 && sp_log_next(log, &m) != rc)
        abort(); /* an error is repeated, not turned into the end */
    if (sp_log_topic_count(log) > 0 && sp_log_topic_at(log, 0)->count > 0) {
        rc = sp_log_read_at(log, 0, sp_log_topic_at(log, 0)->count - 1, &m);
        require_message(rc, "read_at");
        if (rc == SP_OK)
            for (size_t i = 0; i < m.size; i++)
                checksum += m.data[i];
    }
    sp_log_destroy(log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (!mgr) {
        sp_poolmgr_desc md = {
            .budget_bytes = 256u << 20, .policy = SP_POOL_NOWAIT, .no_lock = 1};
        if (sp_poolmgr_create(&md, &mgr) != SP_OK)
            abort();
    }
    if (fd < 0) {
        fd = memfd_create("fuzz.mcap", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    read_all(path, 0, 0);
    read_all(path, 0, 1);
    read_all(path, 1, 0);
    return 0;
}
