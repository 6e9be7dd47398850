/* Tensors: dense C-order arrays of 1-4 dimensions carved from one block.
 * Every dimension must be at least 1; the block size is rounded up to 64
 * bytes so SIMD kernels may read whole vectors past the last element. */
#include <stdint.h>
#include <string.h>

#include "error_int.h"
#include "sp_tensor.h"

typedef struct dtype_info {
    const char *name;
    size_t size;
} dtype_info;

static const dtype_info dtypes[SP_DTYPE_COUNT] = {
#define SP__DTYPE_INFO(e, name, size, descr) [e] = {name, size},
    SP_DTYPE_LIST(SP__DTYPE_INFO)
#undef SP__DTYPE_INFO
};

size_t sp_dtype_size(sp_dtype dtype)
{
    return (unsigned)dtype < SP_DTYPE_COUNT ? dtypes[dtype].size : 0;
}

const char *sp_dtype_name(sp_dtype dtype)
{
    return (unsigned)dtype < SP_DTYPE_COUNT ? dtypes[dtype].name : NULL;
}

/* Elements of a shape; 0 when invalid or overflowing. */
static size_t shape_count(int ndim, const size_t *shape)
{
    if (ndim < 1 || ndim > SP_TENSOR_MAX_DIMS || !shape)
        return 0;
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0 || n > SIZE_MAX / shape[i])
            return 0;
        n *= shape[i];
    }
    return n;
}

size_t sp_tensor_count(const sp_tensor *t)
{
    return t ? shape_count(t->ndim, t->shape) : 0;
}

/* Exact bytes of the elements; 0 when invalid. */
static size_t exact_bytes(sp_dtype dtype, int ndim, const size_t *shape)
{
    size_t es = sp_dtype_size(dtype);
    size_t n = shape_count(ndim, shape);
    if (es == 0 || n == 0 || n > SIZE_MAX / es)
        return 0;
    return n * es;
}

size_t sp_tensor_block_size(sp_dtype dtype, int ndim, const size_t *shape)
{
    size_t b = exact_bytes(dtype, ndim, shape);
    if (b == 0 || b > SIZE_MAX - 63)
        return 0;
    return (b + 63) & ~(size_t)63;
}

int sp_tensor_init(sp_tensor *t, void *mem, size_t mem_size, sp_dtype dtype,
                   int ndim, const size_t *shape)
{
    SP_GUARD(t);
    memset(t, 0, sizeof *t);
    if (sp_dtype_size(dtype) == 0)
        return sp__fail(SP_EINVAL, "tensor: unknown dtype %d", (int)dtype);
    if (ndim < 1 || ndim > SP_TENSOR_MAX_DIMS || !shape)
        return sp__fail(SP_EINVAL,
                        "tensor: %d dimensions, expected 1..%d with a shape",
                        ndim, SP_TENSOR_MAX_DIMS);
    size_t need = exact_bytes(dtype, ndim, shape);
    if (need == 0)
        return sp__fail(SP_EINVAL,
                        "tensor: shape [%zu, %zu, %zu, %zu] (%d dims) is "
                        "empty or overflows, expected every dimension >= 1",
                        shape[0], ndim > 1 ? shape[1] : 1,
                        ndim > 2 ? shape[2] : 1, ndim > 3 ? shape[3] : 1, ndim);
    if (!mem || (uintptr_t)mem % 64)
        return sp__fail(SP_EINVAL,
                        "tensor: memory at %p is not 64-byte aligned", mem);
    if (mem_size < need)
        return sp__fail(SP_EINVAL,
                        "tensor: %s shape needs %zu bytes, block has %zu",
                        dtypes[dtype].name, need, mem_size);
    t->data = mem;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < SP_TENSOR_MAX_DIMS; i++)
        t->shape[i] = i < ndim ? shape[i] : 1;
    return SP_OK;
}
