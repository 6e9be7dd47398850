/* sensorpipe: a dense tensor (1-4 dimensions, C order) carved from one block.
 * The struct borrows its memory. */
#ifndef SP_TENSOR_H
#define SP_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_TENSOR_MAX_DIMS 4

/* X(enum, name, bytes, numpy descr) */
#define SP_DTYPE_LIST(X)                                                       \
    X(SP_DTYPE_U8, "u8", 1, "|u1")                                             \
    X(SP_DTYPE_U16, "u16", 2, "<u2")                                           \
    X(SP_DTYPE_I32, "i32", 4, "<i4")                                           \
    X(SP_DTYPE_F32, "f32", 4, "<f4")

typedef enum sp_dtype {
#define SP__DTYPE_ENUM(e, name, size, descr) e,
    SP_DTYPE_LIST(SP__DTYPE_ENUM)
#undef SP__DTYPE_ENUM
        SP_DTYPE_COUNT
} sp_dtype;

typedef struct sp_tensor {
    void *data;
    sp_dtype dtype;
    int ndim;                         /**< 1..4 */
    size_t shape[SP_TENSOR_MAX_DIMS]; /**< unused dims are 1 */
} sp_tensor;

/** Bytes per element; 0 for an invalid dtype. */
size_t sp_dtype_size(sp_dtype dtype);

/** "f32", ...; NULL for an invalid dtype. */
const char *sp_dtype_name(sp_dtype dtype);

/** Number of elements; 0 on overflow or invalid shape. */
size_t sp_tensor_count(const sp_tensor *t);

/** Bytes a block needs for the tensor. 0 on overflow or invalid shape
 *  (ndim outside 1..4). */
size_t sp_tensor_block_size(sp_dtype dtype, int ndim, const size_t *shape);

/** Lay out @p t over @p mem (64-byte aligned). SP_EINVAL with the sizes in
 *  the message when mem is too small or the shape invalid. */
int sp_tensor_init(sp_tensor *t, void *mem, size_t mem_size, sp_dtype dtype,
                   int ndim, const size_t *shape);

#ifdef __cplusplus
}
#endif
#endif
