/* Pinned allocation: page-aligned memory bound to a NUMA node through hwloc
 * and locked with mlock(). Private to mem/; never installed.
 *
 * A placement is resolved once per pool (which node, whether binding means
 * anything on this machine) and then used for every block the pool maps. */
#ifndef SP_PINNED_INT_H
#define SP_PINNED_INT_H

#include <stddef.h>

#include "sp_pool.h"

/* Where a pool's memory goes. */
typedef struct sp__pinned_place {
    int node;      /* node the memory is bound to, -1 when not bound */
    int bind;      /* 1: bind each mapping to `node` */
    char note[96]; /* how binding went, for stats ("single NUMA node: ...") */
} sp__pinned_place;

/* One mapping. `data` is aligned as asked; `base`/`len` are what is freed. */
typedef struct sp__pinned {
    void *base;
    size_t len;
    void *data;
    int locked;     /* mlock() succeeded for [base, base+len) */
    int lock_errno; /* errno of a refused mlock(), 0 otherwise */
    int bound;      /* the binding was applied */
    int via_hwloc;  /* freed with hwloc_free() (else munmap()) */
} sp__pinned;

/* The system page size (sysconf, cached). */
size_t sp__page_size(void);

/* Resolves a NUMA policy against the machine's topology (loaded once per
 * process, thread-safely). Never fails: a policy that cannot be honoured
 * becomes "not bound" with the reason in out->note. SP_EINVAL only for a
 * node index that does not exist with SP_NUMA_NODE. */
int sp__pinned_place_resolve(sp_numa_policy policy, int node,
                             sp__pinned_place *out);

/* Maps at least @p size bytes whose data is aligned to @p align (a power of
 * two; page alignment is always given), bound as @p place says, locked
 * unless @p no_lock. A refused mlock() is not an error: out->locked = 0.
 * Returns SP_OK or SP_ENOMEM (with a message). */
int sp__pinned_alloc(const sp__pinned_place *place, size_t size, size_t align,
                     int no_lock, sp__pinned *out);

/* Unlocks and unmaps. Safe on a zeroed struct. */
void sp__pinned_free(sp__pinned *p);

/* The bytes sp__pinned_alloc() maps for (size, align); 0 on overflow. */
size_t sp__pinned_map_len(size_t size, size_t align);

#endif
