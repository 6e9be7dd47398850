/* The libpng memory arena (see png_arena_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "png_arena_int.h"

#define ARENA_ALIGN 16

/* The largest single request served. libpng treats "chunk data is too
 * large" as a benign error, which reading only warns about, and then asks
 * for the chunk's claimed length: a 103-byte file declaring a 1 GiB tEXt
 * chunk got 1 GiB from the heap, and the arena grew to 1.25 GiB at the next
 * file and kept it. libpng's own chunk limit is 8,000,000 bytes; rows and
 * zlib's state are far smaller (a 32768-pixel RGBA16 row is 256 KiB). A
 * refused request makes libpng skip an ancillary chunk or fail the file. */
#define ARENA_MAX_REQUEST ((size_t)8 << 20)

/* Each block starts with this header so that free() can pop the block when
 * it is the most recent one. */
typedef struct arena_hdr {
    size_t size; /* bytes after the header */
    size_t prev; /* header offset of the previous top */
} arena_hdr;

#define HDR_SIZE                                                               \
    ((sizeof(arena_hdr) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

int sp__png_arena_init(sp__png_arena *a, size_t initial, const char *what)
{
    memset(a, 0, sizeof *a);
    a->mem = malloc(initial);
    if (!a->mem)
        return sp__fail(SP_ENOMEM, "%s: out of memory for a %zu-byte arena",
                        what, initial);
    a->size = initial;
    a->top = SIZE_MAX;
    snprintf(a->what, sizeof a->what, "%s: libpng's memory", what);
    return SP_OK;
}

void sp__png_arena_deinit(sp__png_arena *a)
{
    free(a->mem);
    a->mem = NULL;
    a->size = 0;
    sp_poolmgr_uncharge(a->mgr, a->charged);
    a->charged = 0;
    a->mgr = NULL;
}

int sp__png_arena_set_poolmgr(sp__png_arena *a, sp_poolmgr *mgr)
{
    if (a->mgr == mgr)
        return SP_OK;
    /* Between files only the arena itself is held (heap-served requests
     * are freed with libpng's structures). */
    if (mgr)
        SP_TRY(sp_poolmgr_charge(mgr, a->size, a->what));
    sp_poolmgr_uncharge(a->mgr, a->charged);
    a->mgr = mgr;
    a->charged = mgr ? a->size : 0;
    return SP_OK;
}

static int charge(sp__png_arena *a, size_t bytes)
{
    if (!a->mgr)
        return SP_OK;
    int rc = sp_poolmgr_charge(a->mgr, bytes, a->what);
    if (rc < 0) {
        a->refused = 1;
        return rc;
    }
    a->charged += bytes;
    return SP_OK;
}

static void uncharge(sp__png_arena *a, size_t bytes)
{
    if (!a->mgr)
        return;
    sp_poolmgr_uncharge(a->mgr, bytes);
    a->charged -= bytes;
}

int sp__png_arena_reset(sp__png_arena *a, const char *what)
{
    snprintf(a->what, sizeof a->what, "%s: libpng's memory", what);
    a->refused = 0;
    if (a->peak > a->size) {
        size_t want = a->peak + a->peak / 4;
        SP_TRY(charge(a, want));
        uint8_t *p = malloc(want);
        if (!p) {
            uncharge(a, want);
            return sp__fail(SP_ENOMEM,
                            "%s: out of memory growing the arena to %zu bytes",
                            what, want);
        }
        free(a->mem);
        uncharge(a, a->size);
        a->mem = p;
        a->size = want;
    }
    a->used = 0;
    a->top = SIZE_MAX;
    a->peak = 0;
    return SP_OK;
}

png_voidp sp__png_arena_malloc(png_structp png, png_alloc_size_t size)
{
    sp__png_arena *a = png_get_mem_ptr(png);
    if (size > ARENA_MAX_REQUEST)
        return NULL;
    size_t need =
        HDR_SIZE + ((size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1));
    if (a->used + need <= a->size) {
        arena_hdr *h = (arena_hdr *)(a->mem + a->used);
        h->size = need - HDR_SIZE;
        h->prev = a->top;
        a->top = a->used;
        a->used += need;
        if (a->used > a->peak)
            a->peak = a->used;
        return (uint8_t *)h + HDR_SIZE;
    }
    /* Does not fit: the heap serves it this time (charged first, its size
     * kept in a header so that free gives the charge back), and the next
     * reset grows the arena to what this file needed. */
    if (a->used + need > a->peak)
        a->peak = a->used + need;
    if (charge(a, need) < 0)
        return NULL;
    arena_hdr *h = malloc(need);
    if (!h) {
        uncharge(a, need);
        return NULL;
    }
    a->heap_allocs++;
    h->size = need;
    h->prev = SIZE_MAX;
    return (uint8_t *)h + HDR_SIZE;
}

void sp__png_arena_free(png_structp png, png_voidp ptr)
{
    sp__png_arena *a = png_get_mem_ptr(png);
    uint8_t *p = ptr;
    if (!p)
        return;
    if (p < a->mem || p >= a->mem + a->size) {
        arena_hdr *h = (arena_hdr *)(p - HDR_SIZE);
        uncharge(a, h->size);
        free(h);
        return;
    }
    /* libpng's and zlib's frees are mostly LIFO; other blocks stay until
     * the next reset. */
    size_t off = (size_t)(p - a->mem) - HDR_SIZE;
    if (off == a->top) {
        a->used = off;
        a->top = ((arena_hdr *)(a->mem + off))->prev;
    }
}
