/* Internal to io/png_*.c: the memory arena that serves libpng's (and
 * zlib's) allocations, so that a reader or writer reused across files stops
 * touching the heap once it has seen the largest file.
 *
 * Bump allocation with LIFO pops; reset per file. A request that does not
 * fit is served by malloc (counted) and the arena grows to the high-water
 * mark at the next reset. Pass the arena as libpng's mem_ptr with
 * sp__png_arena_malloc / sp__png_arena_free to png_create_*_struct_2.
 *
 * With a pool manager (sp__png_arena_set_poolmgr), every byte the arena
 * holds — the arena itself and the requests malloc serves — is charged to
 * the manager's budget first (sp_poolmgr_charge), so libpng's memory is
 * bounded by the same budget as the frames. A refused charge makes the
 * allocation fail (libpng then stops with its "out of memory" error) and
 * sets `refused`, so the caller reports SP_EBUDGET with the charge's
 * message instead of a format error. */
#ifndef SP_PNG_ARENA_INT_H
#define SP_PNG_ARENA_INT_H

#include <png.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_poolmgr.h"

typedef struct sp__png_arena {
    uint8_t *mem;
    size_t size;
    size_t used;          /* bump offset */
    size_t top;           /* header offset of the most recent block */
    size_t peak;          /* bytes the current file would have needed */
    uint64_t heap_allocs; /* requests served by malloc since creation */
    sp_poolmgr *mgr;      /* borrowed; NULL: nothing is charged */
    uint64_t charged;     /* bytes charged to mgr now */
    int refused;          /* a charge failed since the last reset */
    char what[320];       /* "FILE: libpng's memory", for refusals */
} sp__png_arena;

/* SP_ENOMEM if the first @p initial bytes cannot be had. */
int sp__png_arena_init(sp__png_arena *a, size_t initial, const char *what);
void sp__png_arena_deinit(sp__png_arena *a);

/* Charge what the arena holds to @p mgr from now on (borrowed; NULL = no
 * charging), giving back what was charged to the previous one. SP_EBUDGET
 * when the new budget cannot cover the arena (then nothing is charged). */
int sp__png_arena_set_poolmgr(sp__png_arena *a, sp_poolmgr *mgr);

/* Before each file (@p what names it in messages): grow to the last peak if
 * it overflowed, then empty. */
int sp__png_arena_reset(sp__png_arena *a, const char *what);

png_voidp sp__png_arena_malloc(png_structp png, png_alloc_size_t size);
void sp__png_arena_free(png_structp png, png_voidp ptr);

#endif
