/* sensorpipe: the pool manager — blocks by size under one memory budget.
 *
 * The manager serves a block for any byte size from a pool of the smallest
 * size class that fits, creating that pool the first time the class is asked
 * for. All its pools draw on one global byte budget: a request that would
 * pass it fails with SP_EBUDGET and a message giving the budget, the bytes in
 * use and the bytes asked. Before refusing, the manager trims idle blocks of
 * the other size classes (coldest first, only as many as it needs); a class
 * whose own blocks are out waits for one of them (back-pressure, up to the
 * timeout) before it reports SP_EBUDGET. Memory that is not a block (a
 * library's heap, such as libpng's) is counted against the same budget with
 * sp_poolmgr_charge(). It owns its pools; blocks keep their
 * pool alive, and sp_poolmgr_destroy() is refused (SP_EBUSY) while any block is
 * out.
 *
 * Thread safety: every function may be called from any thread. */
#ifndef SP_POOLMGR_H
#define SP_POOLMGR_H

#include <stddef.h>
#include <stdint.h>

#include "sp_pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_poolmgr sp_poolmgr;

/** The pool budget when none is given: 1 GiB. */
#define SP_POOLMGR_DEFAULT_BUDGET ((uint64_t)1 << 30)

/** Manager configuration; zero fields take the stated default. */
typedef struct sp_poolmgr_desc {
    uint64_t budget_bytes;        /**< bytes all pools may reserve together;
                                       0 = SP_POOLMGR_DEFAULT_BUDGET */
    uint32_t max_blocks_per_pool; /**< per size class; 0 = budget only */
    sp_pool_policy policy;        /**< when a class is full; default WAIT */
    int64_t timeout_ms;           /**< 0 = 1000 ms, < 0 = forever */
    sp_numa_policy numa;
    int numa_node;
    int no_lock; /**< 1: do not mlock() */
} sp_poolmgr_desc;

/** Report formats for sp_poolmgr_report(). */
typedef enum sp_report_format {
    SP_REPORT_TABLE = 0, /**< aligned text table, one row per pool */
    SP_REPORT_JSON = 1   /**< one JSON object */
} sp_report_format;

/** Create a manager. @p desc is borrowed (NULL = all defaults). */
int sp_poolmgr_create(const sp_poolmgr_desc *desc, sp_poolmgr **out);

/** Destroy the manager and its pools. NULL is a no-op. SP_EBUSY, leaving
 *  everything intact, when blocks are out (the message names the pools and
 *  counts) or bytes are still charged (sp_poolmgr_charge). */
int sp_poolmgr_destroy(sp_poolmgr *mgr);

/** Take a block of at least @p size bytes (reference count 1). Returns as
 *  sp_pool_acquire(), and SP_EBUDGET when the budget cannot cover it. */
int sp_poolmgr_acquire(sp_poolmgr *mgr, size_t size, sp_block **out);

/** The block size of the class that serves @p size bytes: @p size rounded
 *  up to a multiple of max(4 KiB, P / 4), P being the largest power of two
 *  below @p size. That is page multiples up to 16 KiB, then four classes per
 *  power of two, so a block wastes less than a quarter of the request.
 *  0 when the rounding overflows. */
size_t sp_poolmgr_class_size(size_t size);

/** Charge @p bytes that are not a block (a library's own heap memory, such
 *  as libpng's) to the budget, so that the budget bounds them too. Idle
 *  blocks are trimmed to make room, and with the WAIT policy the charge
 *  waits (up to the timeout) for blocks in use to come back, as a pool
 *  does. @p what names the memory in the refusal ("x.png: libpng's
 *  memory"; borrowed). Returns SP_OK (0 bytes always succeed), SP_EINVAL
 *  (NULL manager), SP_EBUDGET when the budget cannot cover them: the
 *  message starts with @p what and gives the bytes asked, the budget, the
 *  bytes reserved and in use. Pair each success with
 *  sp_poolmgr_uncharge() of the same bytes before the manager is
 *  destroyed. */
int sp_poolmgr_charge(sp_poolmgr *mgr, uint64_t bytes, const char *what);

/** Give back @p bytes charged by sp_poolmgr_charge(). NULL is a no-op. */
void sp_poolmgr_uncharge(sp_poolmgr *mgr, uint64_t bytes);

/** Bytes charged now with sp_poolmgr_charge() (part of the reserved
 *  bytes). */
uint64_t sp_poolmgr_charged(const sp_poolmgr *mgr);

/** Free every idle block of every pool. Returns the number freed. */
int sp_poolmgr_trim(sp_poolmgr *mgr);

/** The budget and the bytes reserved now. */
uint64_t sp_poolmgr_budget(const sp_poolmgr *mgr);
uint64_t sp_poolmgr_reserved(const sp_poolmgr *mgr);

/** Number of pools created so far. */
size_t sp_poolmgr_pool_count(const sp_poolmgr *mgr);

/** Figures of pool @p index (0 <= index < sp_poolmgr_pool_count()). */
int sp_poolmgr_stats_get(const sp_poolmgr *mgr, size_t index,
                         sp_pool_stats *out);

/** Write the statistics of every pool as a table or JSON into @p buf
 *  (snprintf semantics: at most cap bytes with the terminating NUL). Returns
 *  the length the full report needs (excluding NUL), or a negative status. */
int sp_poolmgr_report(const sp_poolmgr *mgr, sp_report_format format, char *buf,
                      size_t cap);

#ifdef __cplusplus
}
#endif
#endif
