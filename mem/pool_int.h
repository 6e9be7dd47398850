/* Private interface between a pool and the pool manager that owns it.
 * Never installed.
 *
 * A pool created with a budget asks it before mapping a block and tells it
 * after unmapping one. The hooks are called WITHOUT the pool's lock held, so
 * a budget may trim other pools (each taking its own lock) to make room. */
#ifndef SP_POOL_INT_H
#define SP_POOL_INT_H

#include <stdint.h>

#include "sp_pool.h"

typedef struct sp__pool_budget {
    void *ctx;
    /* Reserve @p bytes for a new block of @p pool. SP_OK when reserved;
     * SP_EBUDGET (message set) when the budget cannot cover them. */
    int (*reserve)(void *ctx, sp_pool *pool, uint64_t bytes);
    /* Give back @p bytes that were reserved and are now unmapped. */
    void (*release)(void *ctx, uint64_t bytes);
} sp__pool_budget;

/* As sp_pool_create(), drawing on @p budget (copied; may be NULL). A pool
 * created with owned = 1 refuses sp_pool_destroy() from users: its owner
 * destroys it with sp__pool_destroy_owned(). */
int sp__pool_create_ex(const sp_pool_desc *desc, const sp__pool_budget *budget,
                       int owned, sp_pool **out);

/* sp_pool_destroy() for the owner of an owned pool. */
int sp__pool_destroy_owned(sp_pool *pool);

/* Blocks referenced now (a snapshot). */
uint64_t sp__pool_in_use(const sp_pool *pool);

/* Idle blocks on the free list now (a snapshot). */
uint64_t sp__pool_idle(const sp_pool *pool);

/* Bytes one block maps (block size rounded up to pages, plus alignment
 * slack); what the budget is charged per block. */
uint64_t sp__pool_block_bytes(const sp_pool *pool);

/* The pool's name (stable for the pool's life). */
const char *sp__pool_name(const sp_pool *pool);

#endif
