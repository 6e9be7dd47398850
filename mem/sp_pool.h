/* sensorpipe: buffer pools of fixed-size, aligned, pinned blocks.
 *
 * Ownership: a pool owns its blocks' memory. sp_pool_acquire() hands out a
 * block holding one reference; sp_block_ref() adds one; sp_block_unref() (or
 * its alias sp_pool_release()) drops one, and the last unref returns the
 * block to its pool's free list (LIFO, so the next acquire gets the most
 * recently used, cache-warm block). A pool cannot be destroyed while any of
 * its blocks is referenced: sp_pool_destroy() then fails with SP_EBUSY and
 * names how many are out.
 *
 * Memory is page-aligned, bound to a NUMA node through hwloc and locked with
 * mlock(); when RLIMIT_MEMLOCK refuses the lock, the block is served anyway
 * and the pool's statistics say it is not locked.
 *
 * Thread safety: every function here may be called from any thread. */
#ifndef SP_POOL_H
#define SP_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_pool sp_pool;
typedef struct sp_block sp_block;

/** What acquire does when every block is in use and the pool cannot grow. */
typedef enum sp_pool_policy {
    SP_POOL_WAIT = 0,  /**< wait up to timeout_ms, then SP_ETIMEDOUT */
    SP_POOL_NOWAIT = 1 /**< fail at once with SP_EAGAIN */
} sp_pool_policy;

/** NUMA placement of a pool's memory. */
typedef enum sp_numa_policy {
    SP_NUMA_LOCAL = 0, /**< the node of the thread that creates the pool */
    SP_NUMA_NODE = 1,  /**< the node given in numa_node */
    SP_NUMA_NONE = 2   /**< no binding */
} sp_numa_policy;

/** Pool configuration; zero-initialised fields take the stated default. */
typedef struct sp_pool_desc {
    const char *name;      /**< label in stats; default "pool" (copied) */
    size_t block_size;     /**< usable bytes per block; required, > 0 */
    size_t alignment;      /**< of block data; power of two, default and
                                minimum 64; page alignment is implied for
                                blocks of a page or more */
    uint32_t min_blocks;   /**< allocated at create; default 0 */
    uint32_t max_blocks;   /**< growth limit; 0 = limited only by budget */
    sp_pool_policy policy; /**< default SP_POOL_WAIT */
    int64_t timeout_ms;    /**< wait limit; 0 = 1000 ms; < 0 = forever */
    sp_numa_policy numa;   /**< default SP_NUMA_LOCAL */
    int numa_node;         /**< with SP_NUMA_NODE */
    int no_lock;           /**< 1: do not try to mlock() */
} sp_pool_desc;

/** A pool's figures: the memory profiler's raw data. */
typedef struct sp_pool_stats {
    char name[48];
    size_t block_size; /**< usable bytes per block */
    size_t alignment;
    uint64_t blocks;         /**< blocks allocated now */
    uint64_t in_use;         /**< blocks referenced now */
    uint64_t high_water;     /**< most blocks referenced at once */
    uint64_t max_blocks;     /**< growth limit (0 = budget only) */
    uint64_t acquires;       /**< successful acquires */
    uint64_t releases;       /**< blocks returned to the free list */
    uint64_t reuses;         /**< acquires served from the free list */
    uint64_t grows;          /**< blocks allocated over the pool's life */
    uint64_t trims;          /**< blocks freed by trimming */
    uint64_t waits;          /**< acquires that had to wait */
    uint64_t wait_ns;        /**< total time spent waiting */
    uint64_t timeouts;       /**< acquires that gave up (timeout or EAGAIN) */
    double reuse_ratio;      /**< reuses / acquires (0 when no acquire) */
    uint64_t bytes_reserved; /**< bytes mapped for blocks now */
    uint64_t bytes_locked;   /**< of those, bytes locked in RAM */
    uint64_t lock_failures;  /**< blocks whose mlock() was refused */
    int numa_node;           /**< node the memory is bound to, -1 if none */
    char numa_note[96];      /**< how binding went ("single NUMA node: ...") */
} sp_pool_stats;

/** Create a pool. @p desc is borrowed; *out receives a new pool (NULL on
 *  failure). Returns SP_OK, SP_EINVAL (bad desc), SP_ENOMEM. */
int sp_pool_create(const sp_pool_desc *desc, sp_pool **out);

/** Destroy a pool and free its memory. NULL is a no-op. Returns SP_EBUSY,
 *  leaving the pool intact, when blocks are still referenced; the message
 *  names how many. */
int sp_pool_destroy(sp_pool *pool);

/** Take a free block (reference count 1) using the pool's policy and
 *  timeout. *out is NULL on failure. Returns SP_OK, SP_ETIMEDOUT (waited and
 *  nobody released), SP_EAGAIN (SP_POOL_NOWAIT and none free), SP_EBUDGET
 *  (growing would pass the manager's budget), SP_ENOMEM. */
int sp_pool_acquire(sp_pool *pool, sp_block **out);

/** As sp_pool_acquire() with an explicit timeout in milliseconds (0: do not
 *  wait, < 0: wait forever), overriding the policy. */
int sp_pool_acquire_timeout(sp_pool *pool, int64_t timeout_ms, sp_block **out);

/** Add a reference to a block. NULL is a no-op. */
void sp_block_ref(sp_block *block);

/** Drop a reference; the last one returns the block to its pool. NULL is a
 *  no-op. */
void sp_block_unref(sp_block *block);

/** Alias of sp_block_unref() for the acquirer's own reference. */
void sp_pool_release(sp_block *block);

/** The block's data: aligned as the pool's desc asked. */
void *sp_block_data(const sp_block *block);

/** Usable bytes in the block (the pool's block_size). */
size_t sp_block_size(const sp_block *block);

/** The pool the block belongs to (borrowed). */
sp_pool *sp_block_pool(const sp_block *block);

/** Current reference count (for tests and assertions). */
uint32_t sp_block_refcount(const sp_block *block);

/** Grow the pool until it holds at least @p blocks blocks (never past its
 *  max_blocks), the new ones idle. Lets a stage that knows how many frames
 *  it can hold at once (a queue) pay for them while warming up instead of at
 *  the first burst. Returns SP_OK, SP_EBUDGET (the budget refused a block;
 *  those already added stay), SP_ENOMEM. */
int sp_pool_reserve(sp_pool *pool, uint32_t blocks);

/** Free idle blocks until at most @p keep_idle remain free. Returns the
 *  number of blocks freed (>= 0). */
int sp_pool_trim(sp_pool *pool, uint32_t keep_idle);

/** Copy the pool's figures into *out. */
int sp_pool_stats_get(const sp_pool *pool, sp_pool_stats *out);

#ifdef __cplusplus
}
#endif
#endif
