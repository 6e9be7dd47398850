/* Buffer pool: fixed-size, aligned, pinned blocks with a reference count.
 *
 * One mutex guards the free list and the counters; a condition variable
 * (on CLOCK_MONOTONIC) carries back-pressure. The uncontended acquire is a
 * lock, a pop from the LIFO free list and an unlock; it allocates nothing.
 * A block's header (struct sp_block) is allocated once, when the block is
 * mapped, and lives until the block is trimmed or the pool destroyed.
 *
 * Every block is its own page-rounded mapping, so trimming returns memory
 * to the system block by block; a block smaller than a page still costs a
 * page (bytes_reserved says so), which is why the manager's classes start at
 * 4 KiB.
 *
 * Growth maps memory without holding the lock (mapping and mlock() take
 * milliseconds); blocks being mapped count against max_blocks as `pending`
 * so concurrent acquires cannot overshoot the limit. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error_int.h"
#include "pinned_int.h"
#include "pool_int.h"

struct sp_block {
    _Atomic uint32_t refs;
    sp_pool *pool;
    void *data;
    size_t size;
    sp_block *next; /* free-list link while idle */
    sp__pinned mem;
};

struct sp_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sp_block *free_top; /* LIFO: the most recently released block first */
    uint64_t free_count;
    uint32_t waiters;
    uint32_t pending; /* blocks being mapped right now */

    /* Counters, under mu. */
    uint64_t blocks, in_use, high_water;
    uint64_t acquires, releases, reuses, grows, trims;
    uint64_t waits, wait_ns, timeouts;
    /* Of the blocks mapped now: bytes, bytes locked, blocks whose lock was
     * refused, blocks left unbound. Trimming takes them off again. */
    uint64_t bytes_reserved, bytes_locked, lock_failures, bind_failures;

    /* Fixed at create. */
    char name[48];
    size_t block_size;
    size_t alignment;
    uint64_t map_len;
    uint32_t max_blocks;
    sp_pool_policy policy;
    int64_t timeout_ms;
    int no_lock;
    int owned;
    int has_budget;
    sp__pool_budget budget;
    sp__pinned_place place;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void free_block(sp_block *b)
{
    sp__pinned_free(&b->mem);
    free(b);
}

/* Maps one block, charging the budget first. Called without the lock. */
static int grow_one(sp_pool *pool, sp_block **out)
{
    *out = NULL;
    if (pool->has_budget)
        SP_TRY(pool->budget.reserve(pool->budget.ctx, pool, pool->map_len));
    int rc = SP_ENOMEM;
    sp_block *b = calloc(1, sizeof *b);
    if (!b) {
        rc = sp__fail(SP_ENOMEM, "pool '%s': cannot allocate a block header",
                      pool->name);
        goto fail_budget;
    }
    rc = sp__pinned_alloc(&pool->place, pool->block_size, pool->alignment,
                          pool->no_lock, &b->mem);
    if (rc < 0) {
        sp__fail_context(rc, "pool '%s': ", pool->name);
        goto fail_header;
    }
    b->pool = pool;
    b->data = b->mem.data;
    b->size = pool->block_size;
    *out = b;
    return SP_OK;

fail_header:
    free(b);
fail_budget:
    if (pool->has_budget)
        pool->budget.release(pool->budget.ctx, pool->map_len);
    return rc;
}

/* Books a freshly mapped block into the counters. Lock held. */
static void account_new(sp_pool *pool, const sp_block *b)
{
    pool->blocks++;
    pool->grows++;
    pool->bytes_reserved += b->mem.len;
    if (b->mem.locked)
        pool->bytes_locked += b->mem.len;
    else if (!pool->no_lock)
        pool->lock_failures++;
    if (pool->place.bind && !b->mem.bound)
        pool->bind_failures++;
}

static void account_acquire(sp_pool *pool)
{
    pool->in_use++;
    pool->acquires++;
    if (pool->in_use > pool->high_water)
        pool->high_water = pool->in_use;
}

int sp__pool_create_ex(const sp_pool_desc *desc, const sp__pool_budget *budget,
                       int owned, sp_pool **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(desc);
    const char *name = desc->name ? desc->name : "pool";
    if (desc->block_size == 0)
        return sp__fail(SP_EINVAL, "pool '%s': block_size is 0, expected > 0",
                        name);
    size_t align = desc->alignment ? desc->alignment : 64;
    if (align & (align - 1))
        return sp__fail(SP_EINVAL,
                        "pool '%s': alignment %zu is not a power of two", name,
                        desc->alignment);
    if (align < 64)
        align = 64;
    if (desc->max_blocks && desc->min_blocks > desc->max_blocks)
        return sp__fail(SP_EINVAL, "pool '%s': min_blocks %u > max_blocks %u",
                        name, desc->min_blocks, desc->max_blocks);
    if ((unsigned)desc->policy > SP_POOL_NOWAIT ||
        (unsigned)desc->numa > SP_NUMA_NONE)
        return sp__fail(SP_EINVAL, "pool '%s': unknown policy %d or numa %d",
                        name, (int)desc->policy, (int)desc->numa);
    uint64_t map_len = sp__pinned_map_len(desc->block_size, align);
    if (map_len == 0)
        return sp__fail(SP_EINVAL, "pool '%s': block_size %zu is too large",
                        name, desc->block_size);

    sp__pinned_place place;
    int rc = sp__pinned_place_resolve(desc->numa, desc->numa_node, &place);
    if (rc < 0)
        return sp__fail_context(rc, "pool '%s': ", name);

    sp_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return sp__fail(SP_ENOMEM, "pool '%s': out of memory", name);
    snprintf(pool->name, sizeof pool->name, "%s", name);
    pool->block_size = desc->block_size;
    pool->alignment = align;
    pool->map_len = map_len;
    pool->max_blocks = desc->max_blocks;
    pool->policy = desc->policy;
    pool->timeout_ms = desc->timeout_ms ? desc->timeout_ms : 1000;
    pool->no_lock = desc->no_lock;
    pool->owned = owned;
    pool->place = place;
    if (budget) {
        pool->budget = *budget;
        pool->has_budget = 1;
    }

    pthread_condattr_t ca;
    if (pthread_mutex_init(&pool->mu, NULL) != 0) {
        rc = sp__fail(SP_ESYS, "pool '%s': pthread_mutex_init failed", name);
        goto fail_pool;
    }
    if (pthread_condattr_init(&ca) != 0) {
        rc = sp__fail(SP_ESYS, "pool '%s': pthread_condattr_init failed", name);
        goto fail_mutex;
    }
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int crc = pthread_cond_init(&pool->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (crc != 0) {
        rc = sp__fail(SP_ESYS, "pool '%s': pthread_cond_init failed", name);
        goto fail_mutex;
    }

    for (uint32_t i = 0; i < desc->min_blocks; i++) {
        sp_block *b;
        rc = grow_one(pool, &b);
        if (rc < 0)
            goto fail_blocks;
        account_new(pool, b);
        b->next = pool->free_top;
        pool->free_top = b;
        pool->free_count++;
    }
    *out = pool;
    return SP_OK;

fail_blocks:
    while (pool->free_top) {
        sp_block *b = pool->free_top;
        pool->free_top = b->next;
        if (pool->has_budget)
            pool->budget.release(pool->budget.ctx, pool->map_len);
        free_block(b);
    }
    pthread_cond_destroy(&pool->cv);
fail_mutex:
    pthread_mutex_destroy(&pool->mu);
fail_pool:
    free(pool);
    return rc;
}

int sp_pool_create(const sp_pool_desc *desc, sp_pool **out)
{
    return sp__pool_create_ex(desc, NULL, 0, out);
}

static int destroy_impl(sp_pool *pool)
{
    pthread_mutex_lock(&pool->mu);
    uint64_t out = pool->in_use, pending = pool->pending;
    uint64_t blocks = pool->blocks;
    pthread_mutex_unlock(&pool->mu);
    if (out || pending)
        return sp__fail(SP_EBUSY,
                        "pool '%s': %llu of %llu blocks still referenced%s, "
                        "expected all released before destroy",
                        pool->name, (unsigned long long)out,
                        (unsigned long long)blocks,
                        pending ? " (and a block being mapped)" : "");
    uint64_t freed = 0;
    while (pool->free_top) {
        sp_block *b = pool->free_top;
        pool->free_top = b->next;
        free_block(b);
        freed++;
    }
    if (pool->has_budget && freed)
        pool->budget.release(pool->budget.ctx, freed * pool->map_len);
    pthread_cond_destroy(&pool->cv);
    pthread_mutex_destroy(&pool->mu);
    free(pool);
    return SP_OK;
}

int sp_pool_destroy(sp_pool *pool)
{
    if (!pool)
        return SP_OK;
    if (pool->owned)
        return sp__fail(SP_EINVAL,
                        "pool '%s': belongs to a pool manager, expected "
                        "sp_poolmgr_destroy()",
                        pool->name);
    return destroy_impl(pool);
}

int sp__pool_destroy_owned(sp_pool *pool)
{
    return pool ? destroy_impl(pool) : SP_OK;
}

/* Ends a wait: books its time. Lock held. */
static void end_wait(sp_pool *pool, uint64_t t0)
{
    if (t0)
        pool->wait_ns += now_ns() - t0;
}

int sp_pool_acquire_timeout(sp_pool *pool, int64_t timeout_ms, sp_block **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(pool);

    uint64_t t0 = 0;          /* when this acquire started waiting */
    struct timespec deadline; /* CLOCK_MONOTONIC, when timeout_ms > 0 */
    int budget_refused = 0;   /* growth refused by the budget */
    int try_grow = 1;

    pthread_mutex_lock(&pool->mu);
    for (;;) {
        sp_block *b = pool->free_top;
        if (b) {
            pool->free_top = b->next;
            pool->free_count--;
            account_acquire(pool);
            pool->reuses++;
            end_wait(pool, t0);
            pthread_mutex_unlock(&pool->mu);
            b->next = NULL;
            atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
            *out = b;
            return SP_OK;
        }
        if (try_grow && (pool->max_blocks == 0 ||
                         pool->blocks + pool->pending < pool->max_blocks)) {
            pool->pending++;
            pthread_mutex_unlock(&pool->mu);
            int rc = grow_one(pool, &b);
            pthread_mutex_lock(&pool->mu);
            pool->pending--;
            if (rc == SP_OK) {
                account_new(pool, b);
                account_acquire(pool);
                end_wait(pool, t0);
                pthread_mutex_unlock(&pool->mu);
                atomic_store_explicit(&b->refs, 1, memory_order_relaxed);
                *out = b;
                return SP_OK;
            }
            /* The slot this acquire held may let a waiter grow instead. */
            if (pool->waiters)
                pthread_cond_broadcast(&pool->cv);
            if (rc != SP_EBUDGET || pool->in_use == 0) {
                /* Nothing can come back to this pool: fail now. */
                end_wait(pool, t0);
                pthread_mutex_unlock(&pool->mu);
                return rc;
            }
            /* Blocks are out: one may come back, so this is back-pressure.
             * Do not retry growth until something has happened. */
            budget_refused = 1;
            try_grow = 0;
            continue;
        }
        if (timeout_ms == 0) {
            pool->timeouts++;
            end_wait(pool, t0);
            uint64_t used = pool->in_use, blocks = pool->blocks;
            pthread_mutex_unlock(&pool->mu);
            /* The budget's message (still this thread's) says why the pool
             * could not grow; the status says it too. */
            if (budget_refused)
                return sp__fail_context(SP_EBUDGET,
                                        "pool '%s': all %llu blocks in use, "
                                        "policy is not to wait: ",
                                        pool->name, (unsigned long long)used);
            return sp__fail(SP_EAGAIN,
                            "pool '%s': all %llu of %llu blocks in use and "
                            "max_blocks reached, policy is not to wait",
                            pool->name, (unsigned long long)used,
                            (unsigned long long)blocks);
        }
        if (!t0) {
            t0 = now_ns();
            pool->waits++;
            if (timeout_ms > 0) {
                uint64_t d = t0 + (uint64_t)timeout_ms * 1000000u;
                deadline.tv_sec = (time_t)(d / 1000000000u);
                deadline.tv_nsec = (long)(d % 1000000000u);
            }
        }
        pool->waiters++;
        int wrc = timeout_ms > 0
                      ? pthread_cond_timedwait(&pool->cv, &pool->mu, &deadline)
                      : pthread_cond_wait(&pool->cv, &pool->mu);
        pool->waiters--;
        try_grow = 1;
        if (wrc == ETIMEDOUT && !pool->free_top) {
            pool->timeouts++;
            end_wait(pool, t0);
            uint64_t used = pool->in_use;
            pthread_mutex_unlock(&pool->mu);
            if (budget_refused)
                return sp__fail_context(SP_EBUDGET,
                                        "pool '%s': waited %lld ms for one "
                                        "of %llu blocks in use: ",
                                        pool->name, (long long)timeout_ms,
                                        (unsigned long long)used);
            return sp__fail(SP_ETIMEDOUT,
                            "pool '%s': no block came back within %lld ms "
                            "(%llu in use, max_blocks reached)",
                            pool->name, (long long)timeout_ms,
                            (unsigned long long)used);
        }
    }
}

int sp_pool_acquire(sp_pool *pool, sp_block **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(pool);
    int64_t t = pool->policy == SP_POOL_NOWAIT ? 0 : pool->timeout_ms;
    return sp_pool_acquire_timeout(pool, t, out);
}

void sp_block_ref(sp_block *block)
{
    if (block)
        atomic_fetch_add_explicit(&block->refs, 1, memory_order_relaxed);
}

void sp_block_unref(sp_block *block)
{
    if (!block)
        return;
    uint32_t r = atomic_load_explicit(&block->refs, memory_order_relaxed);
    do {
        /* An unref of an idle block is a caller bug; ignoring it keeps the
         * free list intact instead of handing one block out twice. */
        if (r == 0)
            return;
    } while (!atomic_compare_exchange_weak_explicit(
        &block->refs, &r, r - 1, memory_order_acq_rel, memory_order_relaxed));
    if (r != 1)
        return;
    sp_pool *pool = block->pool;
    pthread_mutex_lock(&pool->mu);
    block->next = pool->free_top;
    pool->free_top = block;
    pool->free_count++;
    pool->in_use--;
    pool->releases++;
    if (pool->waiters)
        pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

void sp_pool_release(sp_block *block)
{
    sp_block_unref(block);
}

void *sp_block_data(const sp_block *block)
{
    return block ? block->data : NULL;
}

size_t sp_block_size(const sp_block *block)
{
    return block ? block->size : 0;
}

sp_pool *sp_block_pool(const sp_block *block)
{
    return block ? block->pool : NULL;
}

uint32_t sp_block_refcount(const sp_block *block)
{
    return block ? atomic_load_explicit(&block->refs, memory_order_relaxed) : 0;
}

int sp_pool_reserve(sp_pool *pool, uint32_t blocks)
{
    SP_GUARD(pool);
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        uint64_t have = pool->blocks + pool->pending;
        if (have >= blocks || (pool->max_blocks && have >= pool->max_blocks)) {
            pthread_mutex_unlock(&pool->mu);
            return SP_OK;
        }
        pool->pending++;
        pthread_mutex_unlock(&pool->mu);
        sp_block *b = NULL;
        int rc = grow_one(pool, &b);
        pthread_mutex_lock(&pool->mu);
        pool->pending--;
        if (rc == SP_OK) {
            account_new(pool, b);
            b->next = pool->free_top;
            pool->free_top = b;
            pool->free_count++;
        }
        if (pool->waiters)
            pthread_cond_signal(&pool->cv);
        pthread_mutex_unlock(&pool->mu);
        if (rc < 0)
            return rc;
    }
}

int sp_pool_trim(sp_pool *pool, uint32_t keep_idle)
{
    SP_GUARD(pool);
    pthread_mutex_lock(&pool->mu);
    /* Keep the warm top of the LIFO list, free the cold tail. */
    sp_block **link = &pool->free_top;
    for (uint32_t i = 0; i < keep_idle && *link; i++)
        link = &(*link)->next;
    sp_block *victims = *link;
    *link = NULL;
    int n = 0;
    for (sp_block *b = victims; b; b = b->next) {
        n++;
        pool->blocks--;
        pool->free_count--;
        pool->trims++;
        pool->bytes_reserved -= b->mem.len;
        if (b->mem.locked)
            pool->bytes_locked -= b->mem.len;
        else if (!pool->no_lock)
            pool->lock_failures--;
        if (pool->place.bind && !b->mem.bound)
            pool->bind_failures--;
    }
    pthread_mutex_unlock(&pool->mu);
    while (victims) {
        sp_block *b = victims;
        victims = b->next;
        free_block(b);
    }
    if (n && pool->has_budget)
        pool->budget.release(pool->budget.ctx, (uint64_t)n * pool->map_len);
    return n;
}

int sp_pool_stats_get(const sp_pool *pool, sp_pool_stats *out)
{
    SP_GUARD(pool);
    SP_GUARD(out);
    sp_pool *p = (sp_pool *)pool; /* the lock is not part of the value */
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&p->mu);
    snprintf(out->name, sizeof out->name, "%s", p->name);
    out->block_size = p->block_size;
    out->alignment = p->alignment;
    out->blocks = p->blocks;
    out->in_use = p->in_use;
    out->high_water = p->high_water;
    out->max_blocks = p->max_blocks;
    out->acquires = p->acquires;
    out->releases = p->releases;
    out->reuses = p->reuses;
    out->grows = p->grows;
    out->trims = p->trims;
    out->waits = p->waits;
    out->wait_ns = p->wait_ns;
    out->timeouts = p->timeouts;
    out->reuse_ratio =
        p->acquires ? (double)p->reuses / (double)p->acquires : 0.0;
    out->bytes_reserved = p->bytes_reserved;
    out->bytes_locked = p->bytes_locked;
    out->lock_failures = p->lock_failures;
    out->numa_node = p->place.node;
    if (p->bind_failures)
        snprintf(out->numa_note, sizeof out->numa_note,
                 "%.50s; %llu mappings unbound", p->place.note,
                 (unsigned long long)p->bind_failures);
    else
        snprintf(out->numa_note, sizeof out->numa_note, "%s", p->place.note);
    pthread_mutex_unlock(&p->mu);
    return SP_OK;
}

uint64_t sp__pool_in_use(const sp_pool *pool)
{
    sp_pool *p = (sp_pool *)pool;
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->in_use;
    pthread_mutex_unlock(&p->mu);
    return n;
}

uint64_t sp__pool_idle(const sp_pool *pool)
{
    sp_pool *p = (sp_pool *)pool;
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->free_count;
    pthread_mutex_unlock(&p->mu);
    return n;
}

uint64_t sp__pool_block_bytes(const sp_pool *pool)
{
    return pool->map_len;
}

const char *sp__pool_name(const sp_pool *pool)
{
    return pool->name;
}
