/* The pool manager's report: every pool's figures as an aligned text table
 * (for people) or one JSON object (for tools), written with snprintf
 * semantics so a caller can size its buffer with a first call. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "poolmgr_int.h"
#include "sp_poolmgr.h"

typedef struct sink {
    char *buf;
    size_t cap;
    size_t len; /* bytes the full report needs so far */
} sink;

static void put(sink *s, const char *fmt, ...) SP__PRINTF(2, 3);

static void put(sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *at = s->len < s->cap ? s->buf + s->len : NULL;
    size_t room = s->len < s->cap ? s->cap - s->len : 0;
    int w = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (w > 0)
        s->len += (size_t)w;
}

static double mib(uint64_t bytes)
{
    return (double)bytes / (1024.0 * 1024.0);
}

/* "yes", "NO (3 refused)", "partial (1 refused)", "off" or "-". */
static void lock_state(const sp_pool_stats *st, char *buf, size_t cap)
{
    if (st->bytes_reserved == 0 && st->lock_failures == 0)
        snprintf(buf, cap, "-");
    else if (st->bytes_locked == st->bytes_reserved && st->bytes_reserved)
        snprintf(buf, cap, "yes");
    else if (st->bytes_locked == 0 && st->lock_failures == 0)
        snprintf(buf, cap, "off");
    else if (st->bytes_locked == 0)
        snprintf(buf, cap, "not locked (%llu refused)",
                 (unsigned long long)st->lock_failures);
    else
        snprintf(buf, cap, "partial (%llu refused)",
                 (unsigned long long)st->lock_failures);
}

static void table(const sp_poolmgr *mgr, sink *s)
{
    size_t n = sp_poolmgr_pool_count(mgr);
    int namew = 4;
    for (size_t i = 0; i < n; i++) {
        sp_pool_stats st;
        if (sp_poolmgr_stats_get(mgr, i, &st) == SP_OK &&
            (int)strlen(st.name) > namew)
            namew = (int)strlen(st.name);
    }
    put(s, "%-*s %10s %7s %7s %6s %10s %10s %7s %9s %7s %9s %9s  %-24s %s\n",
        namew, "pool", "block", "blocks", "in use", "high", "acquires",
        "releases", "waits", "wait ms", "reuse%", "MiB res", "MiB lock",
        "locked", "NUMA");
    uint64_t blocks = 0, in_use = 0, acq = 0, waits = 0, wait_ns = 0;
    uint64_t reused = 0, locked = 0, lock_fail = 0;
    for (size_t i = 0; i < n; i++) {
        sp_pool_stats st;
        if (sp_poolmgr_stats_get(mgr, i, &st) != SP_OK)
            continue;
        char bs[32], ls[48];
        sp__format_bytes(bs, sizeof bs, st.block_size);
        lock_state(&st, ls, sizeof ls);
        put(s,
            "%-*s %10s %7llu %7llu %6llu %10llu %10llu %7llu %9.1f %7.1f "
            "%9.1f %9.1f  %-24s %s\n",
            namew, st.name, bs, (unsigned long long)st.blocks,
            (unsigned long long)st.in_use, (unsigned long long)st.high_water,
            (unsigned long long)st.acquires, (unsigned long long)st.releases,
            (unsigned long long)st.waits, (double)st.wait_ns / 1e6,
            st.reuse_ratio * 100.0, mib(st.bytes_reserved),
            mib(st.bytes_locked), ls, st.numa_note);
        blocks += st.blocks;
        in_use += st.in_use;
        acq += st.acquires;
        reused += st.reuses;
        waits += st.waits;
        wait_ns += st.wait_ns;
        locked += st.bytes_locked;
        lock_fail += st.lock_failures;
    }
    uint64_t budget = sp_poolmgr_budget(mgr);
    uint64_t reserved = sp_poolmgr_reserved(mgr);
    put(s,
        "total: %zu pools, %llu blocks (%llu in use), %llu acquires, "
        "reuse %.1f%%, %llu waits (%.1f ms); %.1f of %.1f MiB budget "
        "reserved (%.1f%%), %.1f MiB in use, %.1f MiB locked%s; %llu idle "
        "blocks trimmed for the budget\n",
        n, (unsigned long long)blocks, (unsigned long long)in_use,
        (unsigned long long)acq,
        acq ? 100.0 * (double)reused / (double)acq : 0.0,
        (unsigned long long)waits, (double)wait_ns / 1e6, mib(reserved),
        mib(budget), budget ? 100.0 * (double)reserved / (double)budget : 0.0,
        mib(sp__poolmgr_in_use_bytes(mgr)), mib(locked),
        lock_fail ? " (mlock refused for some blocks: not locked)" : "",
        (unsigned long long)sp__poolmgr_budget_trims(mgr));
}

static void json_string(sink *s, const char *str)
{
    put(s, "\"");
    for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
        if (*p == '"' || *p == '\\')
            put(s, "\\%c", *p);
        else if (*p < 0x20)
            put(s, "\\u%04x", *p);
        else
            put(s, "%c", *p);
    }
    put(s, "\"");
}

static void json(const sp_poolmgr *mgr, sink *s)
{
    put(s,
        "{\"budget_bytes\": %llu, \"reserved_bytes\": %llu, "
        "\"in_use_bytes\": %llu, \"budget_trims\": %llu, \"pools\": [",
        (unsigned long long)sp_poolmgr_budget(mgr),
        (unsigned long long)sp_poolmgr_reserved(mgr),
        (unsigned long long)sp__poolmgr_in_use_bytes(mgr),
        (unsigned long long)sp__poolmgr_budget_trims(mgr));
    size_t n = sp_poolmgr_pool_count(mgr);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        sp_pool_stats st;
        if (sp_poolmgr_stats_get(mgr, i, &st) != SP_OK)
            continue;
        put(s, "%s\n  {\"name\": ", first ? "" : ",");
        first = 0;
        json_string(s, st.name);
        put(s,
            ", \"block_size\": %zu, \"alignment\": %zu, \"blocks\": %llu, "
            "\"in_use\": %llu, \"high_water\": %llu, \"max_blocks\": %llu, "
            "\"acquires\": %llu, \"releases\": %llu, \"reuses\": %llu, "
            "\"grows\": %llu, \"trims\": %llu, \"waits\": %llu, "
            "\"wait_ns\": %llu, \"timeouts\": %llu, \"reuse_ratio\": %.6f, "
            "\"bytes_reserved\": %llu, \"bytes_locked\": %llu, "
            "\"lock_failures\": %llu, \"locked\": %s, \"numa_node\": %d, "
            "\"numa_note\": ",
            st.block_size, st.alignment, (unsigned long long)st.blocks,
            (unsigned long long)st.in_use, (unsigned long long)st.high_water,
            (unsigned long long)st.max_blocks, (unsigned long long)st.acquires,
            (unsigned long long)st.releases, (unsigned long long)st.reuses,
            (unsigned long long)st.grows, (unsigned long long)st.trims,
            (unsigned long long)st.waits, (unsigned long long)st.wait_ns,
            (unsigned long long)st.timeouts, st.reuse_ratio,
            (unsigned long long)st.bytes_reserved,
            (unsigned long long)st.bytes_locked,
            (unsigned long long)st.lock_failures,
            st.bytes_reserved && st.bytes_locked == st.bytes_reserved ? "true"
                                                                      : "false",
            st.numa_node);
        json_string(s, st.numa_note);
        put(s, "}");
    }
    put(s, "%s]}\n", first ? "" : "\n");
}

int sp_poolmgr_report(const sp_poolmgr *mgr, sp_report_format format, char *buf,
                      size_t cap)
{
    SP_GUARD(mgr);
    SP_GUARD(buf || cap == 0);
    sink s = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    if (format == SP_REPORT_TABLE)
        table(mgr, &s);
    else if (format == SP_REPORT_JSON)
        json(mgr, &s);
    else
        return sp__fail(SP_EINVAL,
                        "pool manager report: format %d, expected "
                        "SP_REPORT_TABLE or SP_REPORT_JSON",
                        (int)format);
    if (s.len > INT_MAX)
        return sp__fail(SP_ERANGE, "pool manager report: %zu bytes is too long",
                        s.len);
    return (int)s.len;
}
