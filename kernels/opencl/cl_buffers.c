/* The OpenCL back-end's buffers: host arrays wrapped (zero-copy where the
 * device shares host memory, else copied in and read back), device scratch,
 * plain reads, writes and fills. See cl_int.h for the contract. */
#include <stdint.h>
#include <string.h>

#include "cl_int.h"

/* ---- buffers ------------------------------------------------------------ */

static int dummy_buffer(struct sp__cl *cl, cl_mem_flags flags, cl_mem *out)
{
    int rc = SP_OK;
    const char *cl_what = "buffer";
    cl_int err;
    *out = clCreateBuffer(cl->context, flags, 64, NULL, &err);
    SP_CL_CHECK(err, "clCreateBuffer", fail);
    return SP_OK;
fail:
    *out = NULL;
    return rc;
}

/* Replaces the grow-only device buffer *mem (of *size bytes) by one of
 * `bytes` plus `headroom` (without the headroom past the device's largest
 * allocation). On failure *mem is NULL and *size 0; `cl_what` names the
 * caller in the message. Shared by the scratch slots and the stage slots. */
static int regrow(struct sp__cl *cl, const char *cl_what, cl_mem *mem,
                  size_t *size, size_t bytes, size_t headroom)
{
    int rc = SP_OK;
    cl_int err;
    size_t want = bytes + headroom;
    if (want > cl->max_alloc)
        want = bytes;
    if (*mem)
        clReleaseMemObject(*mem);
    *mem = NULL;
    *size = 0;
    *mem = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, want, NULL, &err);
    SP_CL_CHECK(err, "clCreateBuffer", fail);
    *size = want;
    return SP_OK;
fail:
    *mem = NULL;
    return rc;
}

/* A device buffer of at least `bytes` from k's stage slots: the smallest
 * free one that fits, else an empty slot, else the smallest free one grown
 * (by a quarter more, for inputs whose size varies by frame); with every
 * slot busy, a buffer of its own. Filled from host (blocking: the caller's
 * array may change once the call returns) when copy_in. */
static int staged(sp_kctx *k, void *host, size_t bytes, int copy_in,
                  cl_mem *out)
{
    int rc = SP_OK;
    const char *cl_what = "buffer";
    cl_int err;
    struct sp__cl *cl = k->cl;
    int pick = -1, empty = -1, small = -1;
    for (int i = 0; i < SP__CL_STAGE_SLOTS; i++) {
        if (cl->stage[i].busy)
            continue;
        if (!cl->stage[i].mem) {
            if (empty < 0)
                empty = i;
        } else if (cl->stage[i].size >= bytes) {
            if (pick < 0 || cl->stage[i].size < cl->stage[pick].size)
                pick = i;
        } else if (small < 0 || cl->stage[i].size < cl->stage[small].size)
            small = i;
    }
    if (pick < 0 && (empty >= 0 || small >= 0)) {
        pick = empty >= 0 ? empty : small;
        rc = regrow(cl, cl_what, &cl->stage[pick].mem, &cl->stage[pick].size,
                    bytes, bytes / 4);
        if (rc != SP_OK)
            goto fail;
    }
    if (pick >= 0) {
        cl->stage[pick].busy = 1;
        *out = cl->stage[pick].mem;
    } else {
        *out =
            clCreateBuffer(cl->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
        SP_CL_CHECK(err, "clCreateBuffer", fail);
    }
    if (copy_in && (rc = sp__cl_write(k, *out, 0, host, bytes)) != SP_OK)
        goto fail_write;
    return SP_OK;
fail_write:
    sp__cl_release(k, out);
fail:
    *out = NULL;
    return rc;
}

static int wrap_host(sp_kctx *k, void *host, size_t bytes, cl_mem_flags rw,
                     int copy_in, cl_mem *out)
{
    int rc = SP_OK;
    const char *cl_what = "buffer";
    cl_int err;

    *out = NULL;
    if (!k || !k->cl)
        return sp__fail(SP_EINVAL, "opencl buffer: no OpenCL device");
    struct sp__cl *cl = k->cl;
    if (bytes == 0)
        return cl->unified_memory ? dummy_buffer(cl, rw, out)
                                  : staged(k, NULL, 64, 0, out);
    if (bytes > cl->max_alloc)
        return sp__fail(SP_ERANGE,
                        "opencl buffer: %zu bytes exceed the device's "
                        "largest allocation (%llu bytes)",
                        bytes, (unsigned long long)cl->max_alloc);
    if (!cl->unified_memory)
        return staged(k, host, bytes, copy_in, out);
    *out = clCreateBuffer(cl->context, rw | CL_MEM_USE_HOST_PTR, bytes, host,
                          &err);
    SP_CL_CHECK(err, "clCreateBuffer", fail);
    return SP_OK;
fail:
    *out = NULL;
    return rc;
}

int sp__cl_buffer_in(sp_kctx *k, const void *host, size_t bytes, cl_mem *out)
{
    /* The device only reads: casting const away is safe here. */
    return wrap_host(k, (void *)(uintptr_t)host, bytes, CL_MEM_READ_ONLY, 1,
                     out);
}

int sp__cl_buffer_out(sp_kctx *k, void *host, size_t bytes, cl_mem *out)
{
    return wrap_host(k, host, bytes, CL_MEM_WRITE_ONLY, 0, out);
}

int sp__cl_buffer_inout(sp_kctx *k, void *host, size_t bytes, cl_mem *out)
{
    return wrap_host(k, host, bytes, CL_MEM_READ_WRITE, 1, out);
}

int sp__cl_buffer_sync_out(sp_kctx *k, cl_mem buf, void *host, size_t bytes)
{
    int rc = SP_OK;
    const char *cl_what = "read back";
    cl_int err;

    if (bytes == 0)
        return SP_OK;
    struct sp__cl *cl = k->cl;
    if (!cl->unified_memory) {
        SP_CL_TRY(clEnqueueReadBuffer(cl->queue, buf, CL_TRUE, 0, bytes, host,
                                      0, NULL, NULL),
                  fail);
        return SP_OK;
    }
    /* With CL_MEM_USE_HOST_PTR the host array is only guaranteed current
     * while mapped; mapping a zero-copy buffer costs no copy. */
    void *p = clEnqueueMapBuffer(cl->queue, buf, CL_TRUE, CL_MAP_READ, 0, bytes,
                                 0, NULL, NULL, &err);
    SP_CL_CHECK(err, "clEnqueueMapBuffer", fail);
    if (p != host)
        memcpy(host, p, bytes);
    SP_CL_TRY(clEnqueueUnmapMemObject(cl->queue, buf, p, 0, NULL, NULL), fail);
    return SP_OK;
fail:
    return rc;
}

int sp__cl_buffer_sync_rows(sp_kctx *k, cl_mem buf, void *host,
                            size_t row_bytes, size_t rows, size_t stride)
{
    int rc = SP_OK;
    const char *cl_what = "read back";

    if (rows == 0 || row_bytes == 0)
        return SP_OK;
    if (rows == 1 || stride == row_bytes || k->cl->unified_memory)
        return sp__cl_buffer_sync_out(k, buf, host,
                                      stride * (rows - 1) + row_bytes);
    /* All rows but the last as one rectangle, the last by itself: a
     * rectangle's extent counts a whole pitch for its last row too (region
     * rows x pitch), which NVIDIA checks against the buffer's size
     * (CL_INVALID_VALUE) and PoCL does not. */
    size_t origin[3] = {0, 0, 0}, region[3] = {row_bytes, rows - 1, 1};
    SP_CL_TRY(clEnqueueReadBufferRect(k->cl->queue, buf, CL_FALSE, origin,
                                      origin, region, stride, 0, stride, 0,
                                      host, 0, NULL, NULL),
              fail);
    SP_CL_TRY(clEnqueueReadBuffer(
                  k->cl->queue, buf, CL_TRUE, stride * (rows - 1), row_bytes,
                  (unsigned char *)host + stride * (rows - 1), 0, NULL, NULL),
              fail_pending);
    return SP_OK;
fail_pending:
    /* The rectangle may still be writing into the caller's image. */
    clFinish(k->cl->queue);
fail:
    return rc;
}

int sp__cl_scratch(sp_kctx *k, int slot, size_t bytes, cl_mem *out)
{
    *out = NULL;
    if (!k || !k->cl || slot < 0 || slot >= SP__CL_SCRATCH_SLOTS)
        return sp__fail(SP_EINVAL, "opencl scratch: bad slot %d or no device",
                        slot);
    struct sp__cl *cl = k->cl;
    sp__cl_scratch_slot *s = &cl->scratch[slot];
    if (bytes == 0)
        bytes = 64;
    if (s->mem && s->size >= bytes) {
        *out = s->mem;
        return SP_OK;
    }
    if (bytes > cl->max_alloc)
        return sp__fail(SP_ERANGE,
                        "opencl scratch: %zu bytes exceed the device's "
                        "largest allocation (%llu bytes)",
                        bytes, (unsigned long long)cl->max_alloc);
    /* Grow by half again so a slowly growing size settles quickly. */
    SP_TRY(regrow(cl, "scratch", &s->mem, &s->size, bytes, bytes / 2));
    *out = s->mem;
    return SP_OK;
}

int sp__cl_write(sp_kctx *k, cl_mem buf, size_t offset, const void *host,
                 size_t bytes)
{
    int rc = SP_OK;
    const char *cl_what = "write";
    if (bytes == 0)
        return SP_OK;
    SP_CL_TRY(clEnqueueWriteBuffer(k->cl->queue, buf, CL_TRUE, offset, bytes,
                                   host, 0, NULL, NULL),
              fail);
    return SP_OK;
fail:
    return rc;
}

int sp__cl_read(sp_kctx *k, cl_mem buf, size_t offset, void *host, size_t bytes)
{
    int rc = SP_OK;
    const char *cl_what = "read";
    if (bytes == 0)
        return SP_OK;
    SP_CL_TRY(clEnqueueReadBuffer(k->cl->queue, buf, CL_TRUE, offset, bytes,
                                  host, 0, NULL, NULL),
              fail);
    return SP_OK;
fail:
    return rc;
}

int sp__cl_zero(sp_kctx *k, cl_mem buf, size_t offset, size_t bytes)
{
    int rc = SP_OK;
    const char *cl_what = "fill";
    const cl_uchar zero = 0;
    if (bytes == 0)
        return SP_OK;
    SP_CL_TRY(clEnqueueFillBuffer(k->cl->queue, buf, &zero, 1, offset, bytes, 0,
                                  NULL, NULL),
              fail);
    return SP_OK;
fail:
    return rc;
}

void sp__cl_release(sp_kctx *k, cl_mem *m)
{
    if (!m || !*m)
        return;
    if (k && k->cl)
        for (int i = 0; i < SP__CL_STAGE_SLOTS; i++)
            if (k->cl->stage[i].mem == *m) {
                k->cl->stage[i].busy = 0;
                *m = NULL;
                return;
            }
    clReleaseMemObject(*m);
    *m = NULL;
}
