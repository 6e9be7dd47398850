/* The decoders' memory arena (see arena_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_int.h"
#include "error_int.h"

#define ARENA_ALIGN 32

/* Each block starts with this header: free() pops the block when it is the
 * most recent one; a block the heap serves is linked in a->heap. */
struct sp__arena_hdr {
    size_t size;                     /* bytes after the header */
    size_t prev;                     /* header offset of the previous top */
    struct sp__arena_hdr *next, *up; /* heap blocks only */
};

#define HDR_SIZE                                                               \
    ((sizeof(sp__arena_hdr) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

static size_t round_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static void set_what(sp__arena *a, const char *what)
{
    snprintf(a->what, sizeof a->what, "%s: %s", what, a->owner);
}

int sp__arena_init(sp__arena *a, size_t initial, size_t max_request,
                   const char *owner, const char *what)
{
    memset(a, 0, sizeof *a);
    a->owner = owner;
    set_what(a, what);
    initial = round_up(initial ? initial : ARENA_ALIGN);
    a->mem = aligned_alloc(ARENA_ALIGN, initial);
    if (!a->mem)
        return sp__fail(SP_ENOMEM, "%s: out of memory for a %zu-byte arena",
                        a->what, initial);
    a->size = initial;
    a->top = SIZE_MAX;
    a->max_request = max_request;
    return SP_OK;
}

void sp__arena_deinit(sp__arena *a)
{
    sp__arena_clear(a);
    sp_poolmgr_uncharge(a->mgr, sp__arena_held(a));
    free(a->mem);
    a->mem = NULL;
    a->size = 0;
    a->mgr = NULL;
}

int sp__arena_set_poolmgr(sp__arena *a, sp_poolmgr *mgr)
{
    if (a->mgr == mgr)
        return SP_OK;
    uint64_t held = sp__arena_held(a);
    if (mgr)
        SP_TRY(sp_poolmgr_charge(mgr, held, a->what));
    sp_poolmgr_uncharge(a->mgr, held);
    a->mgr = mgr;
    return SP_OK;
}

static int charge(sp__arena *a, size_t bytes)
{
    if (!a->mgr)
        return SP_OK;
    int rc = sp_poolmgr_charge(a->mgr, bytes, a->what);
    if (rc < 0)
        a->refused = 1;
    return rc;
}

static void uncharge(sp__arena *a, size_t bytes)
{
    sp_poolmgr_uncharge(a->mgr, bytes); /* NULL: a no-op */
}

static void heap_free(sp__arena *a, sp__arena_hdr *h)
{
    if (h->up)
        h->up->next = h->next;
    else
        a->heap = h->next;
    if (h->next)
        h->next->up = h->up;
    uncharge(a, h->size);
    a->heap_bytes -= h->size;
    free(h);
}

void sp__arena_clear(sp__arena *a)
{
    while (a->heap)
        heap_free(a, a->heap);
    a->used = 0;
    a->top = SIZE_MAX;
}

int sp__arena_reset(sp__arena *a, const char *what, size_t want)
{
    sp__arena_clear(a);
    set_what(a, what);
    a->refused = 0;
    size_t grow = a->peak > a->size ? a->peak + a->peak / 4 : 0;
    if (want > a->size && want > grow)
        grow = want;
    a->peak = 0;
    if (grow) {
        grow = round_up(grow);
        int rc = charge(a, grow);
        if (rc < 0)
            return rc;
        uint8_t *p = aligned_alloc(ARENA_ALIGN, grow);
        if (!p) {
            uncharge(a, grow);
            return sp__fail(SP_ENOMEM,
                            "%s: out of memory growing the arena to %zu bytes",
                            a->what, grow);
        }
        free(a->mem);
        uncharge(a, a->size);
        a->mem = p;
        a->size = grow;
    }
    return SP_OK;
}

void *sp__arena_alloc(sp__arena *a, size_t size)
{
    if (size > a->max_request)
        return NULL;
    size_t need = HDR_SIZE + round_up(size);
    if (a->used + need <= a->size) {
        sp__arena_hdr *h = (sp__arena_hdr *)(a->mem + a->used);
        h->size = need - HDR_SIZE;
        h->prev = a->top;
        a->top = a->used;
        a->used += need;
        if (a->used > a->peak)
            a->peak = a->used;
        return (uint8_t *)h + HDR_SIZE;
    }
    /* Does not fit: the heap serves it this time (charged first, linked so
     * that free or clear gives it and its charge back), and the next reset
     * grows the arena to what this file needed. */
    if (a->used + need > a->peak)
        a->peak = a->used + need;
    if (charge(a, need) < 0)
        return NULL;
    sp__arena_hdr *h = aligned_alloc(ARENA_ALIGN, need);
    if (!h) {
        uncharge(a, need);
        return NULL;
    }
    a->heap_allocs++;
    a->heap_bytes += need;
    h->size = need;
    h->prev = SIZE_MAX;
    h->up = NULL;
    h->next = a->heap;
    if (a->heap)
        a->heap->up = h;
    a->heap = h;
    return (uint8_t *)h + HDR_SIZE;
}

void sp__arena_free(sp__arena *a, void *ptr)
{
    uint8_t *p = ptr;
    if (!p)
        return;
    if (p < a->mem || p >= a->mem + a->size) {
        heap_free(a, (sp__arena_hdr *)(p - HDR_SIZE));
        return;
    }
    /* libpng's and zlib's frees are mostly LIFO; other blocks stay until
     * the next reset. */
    size_t off = (size_t)(p - a->mem) - HDR_SIZE;
    if (off == a->top) {
        a->used = off;
        a->top = ((sp__arena_hdr *)(a->mem + off))->prev;
    }
}
