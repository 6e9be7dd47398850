/* Pool manager: blocks of any size from size-class pools under one budget.
 *
 * Size classes: a request of n bytes is served by a block of
 * sp_poolmgr_class_size(n) bytes: n rounded up to a multiple of
 * max(4 KiB, P / 4), P being the largest power of two below n. That gives
 * page multiples up to 16 KiB and four classes per power of two above, so a
 * block wastes less than a quarter of what was asked (and less than 4 KiB
 * for small requests).
 *
 * Pools are created the first time their class is asked for and live until
 * the manager is destroyed. The pool table is append-only: an entry is
 * written before the count is published (release store), so lookups read it
 * without a lock; only creation takes the manager's mutex.
 *
 * Budget: every pool charges the manager before it maps a block (the
 * private hook of pool_int.h). When a charge would pass the budget, the
 * manager first trims idle blocks of the OTHER pools, pool by pool and
 * coldest first, only as many as the shortfall needs; only when nothing
 * idle is left does it refuse with SP_EBUDGET. A class whose own blocks are
 * out waits for one of them instead (back-pressure, the pool's timeout) and
 * then reports SP_EBUDGET with the same message. The reserved total is one
 * atomic counter, so charging needs no lock and may run while other pools are
 * trimmed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_int.h"
#include "pinned_int.h"
#include "pool_int.h"
#include "poolmgr_int.h"
#include "sp_poolmgr.h"

#define CLASS_MIN ((size_t)4096)
#define MAX_POOLS 256 /* four classes per power of two up to 2^64 */

typedef struct mgr_entry {
    size_t class_size;
    sp_pool *pool;
} mgr_entry;

struct sp_poolmgr {
    pthread_mutex_t mu; /* serialises pool creation */
    _Atomic size_t npools;
    mgr_entry pools[MAX_POOLS];
    _Atomic uint64_t reserved;
    _Atomic uint64_t budget_trims; /* blocks trimmed to make room */
    _Atomic uint64_t charged;      /* sp_poolmgr_charge(): outside pools */
    uint64_t budget;
    sp_poolmgr_desc desc;
};

/* The size the caller of sp_poolmgr_acquire() asked for, for the budget
 * message (the hook itself only sees the class's bytes). */
static _Thread_local size_t tl_request;

size_t sp_poolmgr_class_size(size_t size)
{
    if (size <= CLASS_MIN)
        return CLASS_MIN;
    size_t p =
        (size_t)1 << (63 - __builtin_clzll((unsigned long long)(size - 1)));
    size_t step = p / 4 > CLASS_MIN ? p / 4 : CLASS_MIN;
    if (size > SIZE_MAX - (step - 1))
        return 0;
    return (size + step - 1) / step * step;
}

void sp__format_bytes(char *buf, size_t cap, uint64_t bytes)
{
    if (bytes >= ((uint64_t)1 << 30))
        snprintf(buf, cap, "%.1f GiB", (double)bytes / (1u << 30));
    else if (bytes >= ((uint64_t)1 << 20))
        snprintf(buf, cap, "%.1f MiB", (double)bytes / (1u << 20));
    else if (bytes >= 1024)
        snprintf(buf, cap, "%.1f KiB", (double)bytes / 1024);
    else
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
}

/* Exact short name of a class: "class 20 KiB", "class 1.25 MiB". Classes
 * of a MiB or more are multiples of 256 KiB, which %g prints exactly. */
static void class_name(char *buf, size_t cap, size_t cls)
{
    if (cls >= (1u << 20) && cls % (256u << 10) == 0)
        snprintf(buf, cap, "class %g MiB", (double)cls / (1u << 20));
    else if (cls % 1024 == 0)
        snprintf(buf, cap, "class %zu KiB", cls >> 10);
    else
        snprintf(buf, cap, "class %zu B", cls);
}

static size_t pool_count(const sp_poolmgr *mgr)
{
    return atomic_load_explicit(&((sp_poolmgr *)mgr)->npools,
                                memory_order_acquire);
}

static uint64_t in_use_bytes(const sp_poolmgr *mgr)
{
    uint64_t sum = 0;
    size_t n = pool_count(mgr);
    for (size_t i = 0; i < n; i++)
        sum += sp__pool_in_use(mgr->pools[i].pool) *
               sp__pool_block_bytes(mgr->pools[i].pool);
    return sum;
}

static int try_charge(sp_poolmgr *mgr, uint64_t bytes)
{
    uint64_t cur = atomic_load_explicit(&mgr->reserved, memory_order_relaxed);
    while (bytes <= mgr->budget && cur <= mgr->budget - bytes) {
        if (atomic_compare_exchange_weak_explicit(
                &mgr->reserved, &cur, cur + bytes, memory_order_acq_rel,
                memory_order_relaxed))
            return 1;
    }
    return 0;
}

/* Charge @p bytes, trimming idle blocks of every pool but @p except (coldest
 * first, only as many as the shortfall needs) when the budget is short.
 * 1 when charged. */
static int charge_or_trim(sp_poolmgr *mgr, const sp_pool *except,
                          uint64_t bytes)
{
    if (try_charge(mgr, bytes))
        return 1;
    if (bytes > mgr->budget)
        return 0;
    size_t n = pool_count(mgr);
    for (size_t i = 0; i < n; i++) {
        sp_pool *p = mgr->pools[i].pool;
        if (p == except)
            continue;
        uint64_t cur = atomic_load(&mgr->reserved);
        uint64_t short_by =
            cur + bytes > mgr->budget ? cur + bytes - mgr->budget : 0;
        uint64_t per = sp__pool_block_bytes(p);
        uint64_t want = (short_by + per - 1) / per;
        uint64_t idle = sp__pool_idle(p);
        if (idle == 0)
            continue;
        uint32_t keep = idle > want ? (uint32_t)(idle - want) : 0;
        int freed = sp_pool_trim(p, keep);
        if (freed > 0)
            atomic_fetch_add(&mgr->budget_trims, (uint64_t)freed);
        if (try_charge(mgr, bytes))
            return 1;
    }
    return 0;
}

static int budget_reserve(void *ctx, sp_pool *pool, uint64_t bytes)
{
    sp_poolmgr *mgr = ctx;
    /* Make room from idle blocks of other classes before refusing. */
    if (charge_or_trim(mgr, pool, bytes))
        return SP_OK;
    char b[32], r[32], u[32], a[32], q[32];
    sp__format_bytes(b, sizeof b, mgr->budget);
    sp__format_bytes(r, sizeof r, atomic_load(&mgr->reserved));
    sp__format_bytes(u, sizeof u, in_use_bytes(mgr));
    sp__format_bytes(a, sizeof a, bytes);
    sp__format_bytes(q, sizeof q, tl_request ? tl_request : bytes);
    return sp__fail(SP_EBUDGET,
                    "pool manager: budget %s exceeded: %s reserved (%s in "
                    "use), %s asked (request of %s for pool '%s'); expected "
                    "a larger budget or fewer blocks held",
                    b, r, u, a, q, sp__pool_name(pool));
}

static void budget_release(void *ctx, uint64_t bytes)
{
    sp_poolmgr *mgr = ctx;
    atomic_fetch_sub(&mgr->reserved, bytes);
}

int sp_poolmgr_create(const sp_poolmgr_desc *desc, sp_poolmgr **out)
{
    SP_GUARD(out);
    *out = NULL;
    sp_poolmgr_desc d = {0};
    if (desc)
        d = *desc;
    if ((unsigned)d.policy > SP_POOL_NOWAIT || (unsigned)d.numa > SP_NUMA_NONE)
        return sp__fail(SP_EINVAL, "pool manager: unknown policy %d or numa %d",
                        (int)d.policy, (int)d.numa);
    /* Validate the NUMA placement now rather than at the first acquire. */
    sp__pinned_place place;
    SP_TRY(sp__pinned_place_resolve(d.numa, d.numa_node, &place));

    sp_poolmgr *mgr = calloc(1, sizeof *mgr);
    if (!mgr)
        return sp__fail(SP_ENOMEM, "pool manager: out of memory");
    if (pthread_mutex_init(&mgr->mu, NULL) != 0) {
        free(mgr);
        return sp__fail(SP_ESYS, "pool manager: pthread_mutex_init failed");
    }
    mgr->desc = d;
    mgr->budget = d.budget_bytes ? d.budget_bytes : SP_POOLMGR_DEFAULT_BUDGET;
    *out = mgr;
    return SP_OK;
}

int sp_poolmgr_destroy(sp_poolmgr *mgr)
{
    if (!mgr)
        return SP_OK;
    size_t n = pool_count(mgr);
    uint64_t total = 0;
    char list[512];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        uint64_t u = sp__pool_in_use(mgr->pools[i].pool);
        if (!u)
            continue;
        total += u;
        if (len < sizeof list) {
            int w = snprintf(list + len, sizeof list - len, "%s'%s' %llu",
                             len ? ", " : "", sp__pool_name(mgr->pools[i].pool),
                             (unsigned long long)u);
            if (w > 0)
                len += (size_t)w;
        }
    }
    if (total)
        return sp__fail(SP_EBUSY,
                        "pool manager: %llu blocks still out (%s), expected "
                        "all released before destroy",
                        (unsigned long long)total, list);
    uint64_t charged = atomic_load(&mgr->charged);
    if (charged)
        return sp__fail(SP_EBUSY,
                        "pool manager: %llu bytes still charged outside the "
                        "pools, expected every charge given back before "
                        "destroy",
                        (unsigned long long)charged);
    for (size_t i = 0; i < n; i++) {
        int rc = sp__pool_destroy_owned(mgr->pools[i].pool);
        if (rc < 0)
            return sp__fail_context(rc, "pool manager: ");
        mgr->pools[i].pool = NULL;
    }
    pthread_mutex_destroy(&mgr->mu);
    free(mgr);
    return SP_OK;
}

static sp_pool *find_pool(const sp_poolmgr *mgr, size_t cls)
{
    size_t n = pool_count(mgr);
    for (size_t i = 0; i < n; i++)
        if (mgr->pools[i].class_size == cls)
            return mgr->pools[i].pool;
    return NULL;
}

static int get_pool(sp_poolmgr *mgr, size_t cls, sp_pool **out)
{
    *out = find_pool(mgr, cls);
    if (*out)
        return SP_OK;
    int rc = SP_OK;
    pthread_mutex_lock(&mgr->mu);
    sp_pool *pool = find_pool(mgr, cls); /* another thread may have won */
    if (!pool) {
        size_t n = pool_count(mgr);
        if (n == MAX_POOLS) {
            rc = sp__fail(SP_ENOMEM, "pool manager: %d size classes in use",
                          MAX_POOLS);
            goto unlock;
        }
        char name[48];
        class_name(name, sizeof name, cls);
        sp_pool_desc pd = {
            .name = name,
            .block_size = cls,
            .max_blocks = mgr->desc.max_blocks_per_pool,
            .policy = mgr->desc.policy,
            .timeout_ms = mgr->desc.timeout_ms,
            .numa = mgr->desc.numa,
            .numa_node = mgr->desc.numa_node,
            .no_lock = mgr->desc.no_lock,
        };
        sp__pool_budget hooks = {mgr, budget_reserve, budget_release};
        rc = sp__pool_create_ex(&pd, &hooks, 1, &pool);
        if (rc < 0)
            goto unlock;
        mgr->pools[n].class_size = cls;
        mgr->pools[n].pool = pool;
        atomic_store_explicit(&mgr->npools, n + 1, memory_order_release);
    }
    *out = pool;
unlock:
    pthread_mutex_unlock(&mgr->mu);
    return rc;
}

int sp_poolmgr_acquire(sp_poolmgr *mgr, size_t size, sp_block **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(mgr);
    if (size == 0)
        return sp__fail(SP_EINVAL,
                        "pool manager: request of 0 bytes, expected > 0");
    size_t cls = sp_poolmgr_class_size(size);
    if (cls == 0 || cls > mgr->budget) {
        char b[32], r[32], u[32], a[32];
        sp__format_bytes(b, sizeof b, mgr->budget);
        sp__format_bytes(r, sizeof r, sp_poolmgr_reserved(mgr));
        sp__format_bytes(u, sizeof u, in_use_bytes(mgr));
        sp__format_bytes(a, sizeof a, size);
        return sp__fail(SP_EBUDGET,
                        "pool manager: budget %s exceeded: %s reserved (%s "
                        "in use), %s asked; expected requests up to the "
                        "budget",
                        b, r, u, a);
    }
    sp_pool *pool;
    SP_TRY(get_pool(mgr, cls, &pool));
    tl_request = size;
    int rc = sp_pool_acquire(pool, out);
    tl_request = 0;
    return rc;
}

int sp_poolmgr_trim(sp_poolmgr *mgr)
{
    SP_GUARD(mgr);
    size_t n = pool_count(mgr);
    int freed = 0;
    for (size_t i = 0; i < n; i++)
        freed += sp_pool_trim(mgr->pools[i].pool, 0);
    return freed;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int sp_poolmgr_charge(sp_poolmgr *mgr, uint64_t bytes, const char *what)
{
    SP_GUARD(mgr);
    if (!what)
        what = "memory outside the pools";
    if (bytes == 0)
        return SP_OK;
    int ok = charge_or_trim(mgr, NULL, bytes);
    if (!ok && bytes <= mgr->budget && mgr->desc.policy != SP_POOL_NOWAIT) {
        /* Blocks in use come back to their pools as idle blocks, which can
         * then be trimmed: wait for that as a pool waits for its own blocks
         * (a charge is rare, once per reader or per growth, so polling is
         * cheap enough and needs no hook in every pool's release). */
        int64_t t = mgr->desc.timeout_ms ? mgr->desc.timeout_ms : 1000;
        uint64_t end = mono_ms() + (t > 0 ? (uint64_t)t : 0);
        const struct timespec tick = {0, 1000000L};
        while (!ok && (t < 0 || mono_ms() < end)) {
            nanosleep(&tick, NULL);
            ok = charge_or_trim(mgr, NULL, bytes);
        }
    }
    if (ok) {
        atomic_fetch_add(&mgr->charged, bytes);
        return SP_OK;
    }
    char b[32], r[32], u[32], a[32];
    sp__format_bytes(b, sizeof b, mgr->budget);
    sp__format_bytes(r, sizeof r, atomic_load(&mgr->reserved));
    sp__format_bytes(u, sizeof u, in_use_bytes(mgr));
    sp__format_bytes(a, sizeof a, bytes);
    return sp__fail(SP_EBUDGET,
                    "%s: %s asked: pool manager: budget %s exceeded: %s "
                    "reserved (%s in use); expected a larger budget or fewer "
                    "blocks held",
                    what, a, b, r, u);
}

void sp_poolmgr_uncharge(sp_poolmgr *mgr, uint64_t bytes)
{
    if (!mgr || bytes == 0)
        return;
    atomic_fetch_sub(&mgr->charged, bytes);
    atomic_fetch_sub(&mgr->reserved, bytes);
}

uint64_t sp_poolmgr_charged(const sp_poolmgr *mgr)
{
    return mgr ? atomic_load(&((sp_poolmgr *)mgr)->charged) : 0;
}

uint64_t sp_poolmgr_budget(const sp_poolmgr *mgr)
{
    return mgr ? mgr->budget : 0;
}

uint64_t sp_poolmgr_reserved(const sp_poolmgr *mgr)
{
    return mgr ? atomic_load(&((sp_poolmgr *)mgr)->reserved) : 0;
}

size_t sp_poolmgr_pool_count(const sp_poolmgr *mgr)
{
    return mgr ? pool_count(mgr) : 0;
}

int sp_poolmgr_stats_get(const sp_poolmgr *mgr, size_t index,
                         sp_pool_stats *out)
{
    SP_GUARD(mgr);
    SP_GUARD(out);
    size_t n = pool_count(mgr);
    if (index >= n)
        return sp__fail(SP_ERANGE,
                        "pool manager: pool index %zu, expected < %zu", index,
                        n);
    return sp_pool_stats_get(mgr->pools[index].pool, out);
}

uint64_t sp__poolmgr_in_use_bytes(const sp_poolmgr *mgr)
{
    return in_use_bytes(mgr);
}

uint64_t sp__poolmgr_budget_trims(const sp_poolmgr *mgr)
{
    return atomic_load(&((sp_poolmgr *)mgr)->budget_trims);
}
