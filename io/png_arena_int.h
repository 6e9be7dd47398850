/* Internal to io/png_*.c: the memory arena that serves libpng's (and
 * zlib's) allocations, so that a reader or writer reused across files stops
 * touching the heap once it has seen the largest file.
 *
 * Bump allocation with LIFO pops; reset per file. A request that does not
 * fit is served by malloc (counted) and the arena grows to the high-water
 * mark at the next reset. Pass the arena as libpng's mem_ptr with
 * sp__png_arena_malloc / sp__png_arena_free to png_create_*_struct_2. */
#ifndef SP_PNG_ARENA_INT_H
#define SP_PNG_ARENA_INT_H

#include <png.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sp__png_arena {
    uint8_t *mem;
    size_t size;
    size_t used;          /* bump offset */
    size_t top;           /* header offset of the most recent block */
    size_t peak;          /* bytes the current file would have needed */
    uint64_t heap_allocs; /* requests served by malloc since creation */
} sp__png_arena;

/* SP_ENOMEM if the first @p initial bytes cannot be had. */
int sp__png_arena_init(sp__png_arena *a, size_t initial, const char *what);
void sp__png_arena_deinit(sp__png_arena *a);

/* Before each file: grow to the last peak if it overflowed, then empty. */
int sp__png_arena_reset(sp__png_arena *a, const char *what);

png_voidp sp__png_arena_malloc(png_structp png, png_alloc_size_t size);
void sp__png_arena_free(png_structp png, png_voidp ptr);

#endif
