/* Points: a structure of arrays carved from one block, each array starting
 * on a 64-byte boundary so SIMD kernels can use aligned loads and no two
 * arrays share a cache line. */
#include <stdint.h>
#include <string.h>

#include "error_int.h"
#include "sp_points.h"

#define KNOWN_FIELDS (SP_POINTS_RING | SP_POINTS_TIME)

/* Bytes of one array of n elements of elem bytes, padded to the alignment;
 * 0 on overflow (n > 0). */
static size_t array_bytes(size_t n, size_t elem)
{
    if (n > (SIZE_MAX - (SP_ARRAY_ALIGN - 1)) / elem)
        return 0;
    return (n * elem + SP_ARRAY_ALIGN - 1) & ~(size_t)(SP_ARRAY_ALIGN - 1);
}

/* Sizes of the arrays in layout order: x, y, z, intensity, ring, time. */
static int layout(size_t capacity, unsigned fields, size_t sizes[6])
{
    size_t f = array_bytes(capacity, sizeof(float));
    size_t r = array_bytes(capacity, sizeof(uint16_t));
    if (capacity && (f == 0 || r == 0))
        return -1;
    sizes[0] = sizes[1] = sizes[2] = sizes[3] = f;
    sizes[4] = (fields & SP_POINTS_RING) ? r : 0;
    sizes[5] = (fields & SP_POINTS_TIME) ? f : 0;
    return 0;
}

size_t sp_points_block_size(size_t capacity, unsigned fields)
{
    size_t sizes[6];
    if ((fields & ~KNOWN_FIELDS) || layout(capacity, fields, sizes) < 0)
        return 0;
    size_t total = 0;
    for (int i = 0; i < 6; i++) {
        if (sizes[i] > SIZE_MAX - total)
            return 0;
        total += sizes[i];
    }
    return total;
}

int sp_points_init(sp_points *p, void *mem, size_t mem_size, size_t capacity,
                   unsigned fields)
{
    SP_GUARD(p);
    memset(p, 0, sizeof *p);
    if (fields & ~KNOWN_FIELDS)
        return sp__fail(SP_EINVAL,
                        "points: unknown field flags 0x%x, expected "
                        "SP_POINTS_RING | SP_POINTS_TIME",
                        fields & ~KNOWN_FIELDS);
    size_t need = sp_points_block_size(capacity, fields);
    if (capacity && need == 0)
        return sp__fail(SP_EINVAL,
                        "points: capacity %zu overflows the block size",
                        capacity);
    if (need && !mem)
        return sp__fail(SP_EINVAL, "points: no memory for %zu points",
                        capacity);
    if ((uintptr_t)mem % SP_ARRAY_ALIGN)
        return sp__fail(SP_EINVAL,
                        "points: memory at %p is not %d-byte aligned", mem,
                        SP_ARRAY_ALIGN);
    if (mem_size < need)
        return sp__fail(SP_EINVAL,
                        "points: %zu points need %zu bytes, block has %zu",
                        capacity, need, mem_size);
    size_t sizes[6];
    layout(capacity, fields, sizes);
    uint8_t *at = mem;
    void *arr[6];
    for (int i = 0; i < 6; i++) {
        arr[i] = at;
        if (at) /* capacity 0 may come with no memory at all */
            at += sizes[i];
    }
    p->x = arr[0];
    p->y = arr[1];
    p->z = arr[2];
    p->intensity = arr[3];
    p->ring = (fields & SP_POINTS_RING) ? arr[4] : NULL;
    p->time = (fields & SP_POINTS_TIME) ? arr[5] : NULL;
    p->count = 0;
    p->capacity = capacity;
    p->fields = fields;
    return SP_OK;
}
