/* Internal to io/png_*.c: libpng's malloc and free over an sp__arena (see
 * arena_int.h). Pass the arena as libpng's mem_ptr with these two to
 * png_create_*_struct_2. */
#ifndef SP_PNG_ARENA_INT_H
#define SP_PNG_ARENA_INT_H

#include <png.h>

#include "arena_int.h"

/* The largest single request libpng gets. libpng treats "chunk data is too
 * large" as a benign error, which reading only warns about, and then asks
 * for the chunk's claimed length: a 103-byte file declaring a 1 GiB tEXt
 * chunk got 1 GiB from the heap, and the arena grew to 1.25 GiB at the next
 * file and kept it. libpng's own chunk limit is 8,000,000 bytes; rows and
 * zlib's state are far smaller (a 32768-pixel RGBA16 row is 256 KiB). A
 * refused request makes libpng skip an ancillary chunk or fail the file. */
#define SP__PNG_ARENA_MAX_REQUEST ((size_t)8 << 20)

png_voidp sp__png_arena_malloc(png_structp png, png_alloc_size_t size);
void sp__png_arena_free(png_structp png, png_voidp ptr);

#endif
