/* Internal to io/: the memory arena that serves a third-party decoder's
 * allocations (libpng's and zlib's, libjpeg's), so that a reader reused
 * across files or messages stops touching the heap once it has seen the
 * largest one.
 *
 * Bump allocation, 32-byte aligned (libjpeg-turbo's AVX2 code needs it),
 * with LIFO pops; emptied per file. A request that does not fit is served
 * by the heap (counted) and the arena grows to the high-water mark at the
 * next reset. sp__arena_clear() frees what the heap still serves, for a
 * library that frees a whole pool at once (libjpeg) rather than block by
 * block (libpng).
 *
 * With a pool manager (sp__arena_set_poolmgr), every byte the arena
 * holds — the arena itself and the requests the heap serves — is charged
 * to the manager's budget first (sp_poolmgr_charge), so the library's
 * memory is bounded by the same budget as the frames. A refused charge
 * makes the allocation fail (the library then stops with its "out of
 * memory" error) and sets `refused`, so the caller reports SP_EBUDGET with
 * the charge's message instead of a format error.
 *
 * The png reader and writer pass an arena to libpng with the callbacks of
 * png_arena_int.h; io/jpeg_mem.c builds libjpeg's memory manager on two. */
#ifndef SP_ARENA_INT_H
#define SP_ARENA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_poolmgr.h"

typedef struct sp__arena_hdr sp__arena_hdr;

typedef struct sp__arena {
    uint8_t *mem;
    size_t size;
    size_t used;          /* bump offset */
    size_t top;           /* header offset of the most recent block */
    size_t peak;          /* bytes the current file would have needed */
    size_t max_request;   /* larger requests fail */
    sp__arena_hdr *heap;  /* requests the heap serves now */
    size_t heap_bytes;    /* their bytes, headers included */
    uint64_t heap_allocs; /* requests served by the heap since creation */
    sp_poolmgr *mgr;      /* borrowed; NULL: nothing is charged, else all
                             sp__arena_held() bytes are */
    int refused;          /* a charge failed since the last reset */
    const char *owner;    /* "libpng's memory", for messages */
    char what[320];       /* "FILE: libpng's memory", for refusals */
} sp__arena;

/* An arena of @p initial bytes whose requests of more than @p max_request
 * bytes fail; @p owner (static) and @p what name it in messages.
 * SP_ENOMEM if the first bytes cannot be had. */
int sp__arena_init(sp__arena *a, size_t initial, size_t max_request,
                   const char *owner, const char *what);
void sp__arena_deinit(sp__arena *a);

/* Charge what the arena holds to @p mgr from now on (borrowed; NULL = no
 * charging), giving back what was charged to the previous one. SP_EBUDGET
 * when the new budget cannot cover the arena (then nothing changes). */
int sp__arena_set_poolmgr(sp__arena *a, sp_poolmgr *mgr);

/* Bytes the arena holds now (itself and what the heap serves): what is
 * charged to its manager. */
static inline uint64_t sp__arena_held(const sp__arena *a)
{
    return a->size + a->heap_bytes;
}

/* Before each file (@p what names it in messages): empty the arena, then
 * grow it to the last file's peak if that overflowed, or to @p want bytes
 * if more (charged first: SP_EBUDGET, SP_ENOMEM, with nothing changed but
 * the emptying). */
int sp__arena_reset(sp__arena *a, const char *what, size_t want);

/* Free every block (the heap's too, uncharged); the peak stays for the
 * next reset. */
void sp__arena_clear(sp__arena *a);

/* NULL when the request is too large, the heap refuses it or the budget
 * does (then `refused` is set). */
void *sp__arena_alloc(sp__arena *a, size_t size);
void sp__arena_free(sp__arena *a, void *ptr);

#endif
