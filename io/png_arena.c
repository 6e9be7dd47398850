/* libpng's allocation callbacks over the reader's or writer's arena (see
 * png_arena_int.h). */
#include "png_arena_int.h"

png_voidp sp__png_arena_malloc(png_structp png, png_alloc_size_t size)
{
    return sp__arena_alloc(png_get_mem_ptr(png), size);
}

void sp__png_arena_free(png_structp png, png_voidp ptr)
{
    sp__arena_free(png_get_mem_ptr(png), ptr);
}
