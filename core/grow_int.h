/* Internal: the one growth rule for memory kept from frame to frame
 * (kernel scratch, threads= shares' scratch, a stage's staging array);
 * never installed. */
#ifndef SP_GROW_INT_H
#define SP_GROW_INT_H

#include <stddef.h>
#include <stdint.h>

/* What to allocate when @p need (bytes or elements) outgrows what is held:
 * half as much again, rounded up to @p align (a power of two), so a stream
 * whose frames grow a little at a time (a lidar log's early sweeps) costs a
 * few allocations in all instead of one per larger frame after warm-up.
 * 0 when that does not fit a size_t. */
static inline size_t sp__grow_size(size_t need, size_t align)
{
    if (need > (SIZE_MAX - align) / 3 * 2)
        return 0;
    size_t want = (need + need / 2 + align - 1) & ~(align - 1);
    return want ? want : align;
}

#endif
