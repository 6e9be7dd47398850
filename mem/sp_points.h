/* sensorpipe: a point cloud as a structure of arrays carved from one block.
 *
 * x, y, z, intensity (float32) always; ring (uint16) and time offset
 * (float32, seconds from the start of the sweep) when asked for. Every array
 * starts on a 64-byte boundary and has room for `capacity` points; `count`
 * of them are valid. The struct borrows its memory: it lives in the block
 * (or buffer) passed to sp_points_init(), which the caller keeps alive. */
#ifndef SP_POINTS_H
#define SP_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Optional fields (bit flags). */
enum {
    SP_POINTS_RING = 1u << 0, /**< uint16 laser/beam index */
    SP_POINTS_TIME = 1u << 1  /**< float32 seconds since sweep start */
};

/** Alignment of every array in a packed layout. */
#define SP_ARRAY_ALIGN 64

typedef struct sp_points {
    float *x, *y, *z, *intensity;
    uint16_t *ring; /**< NULL unless SP_POINTS_RING */
    float *time;    /**< NULL unless SP_POINTS_TIME */
    size_t count;
    size_t capacity;
    unsigned fields; /**< SP_POINTS_* flags */
    uint32_t height; /**< an organised cloud's rows (count = height x
                          width, row-major, NaN points kept); 0 or 1 for
                          an unorganised cloud. Stages that change the
                          points leave it 0. */
} sp_points;

/** Bytes a block needs for @p capacity points with @p fields (assuming the
 *  block itself starts 64-byte aligned). 0 on overflow. */
size_t sp_points_block_size(size_t capacity, unsigned fields);

/** Lay out @p p over @p mem (64-byte aligned, @p mem_size bytes) for
 *  @p capacity points; count starts at 0. SP_EINVAL if mem is misaligned or
 *  too small, with the sizes in the message. */
int sp_points_init(sp_points *p, void *mem, size_t mem_size, size_t capacity,
                   unsigned fields);

#ifdef __cplusplus
}
#endif
#endif
