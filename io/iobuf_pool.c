/* Staging buffers under the budget: an sp__iobuf given a pool manager is a
 * block of that manager instead of heap memory, so the bytes a reader
 * stages (file data, decompressed columns) count against the same budget as
 * the frames, and a size the budget cannot cover is refused with the file's
 * name instead of being allocated. The block goes back to its pool after
 * each frame (sp__iobuf_release), idle there: reused by the next frame of
 * that size with no allocation, and trimmable when another size needs the
 * room. */
#include <stdlib.h>

#include "io_int.h"

void sp__iobuf_set_poolmgr(sp__iobuf *buf, sp_poolmgr *mgr)
{
    if (buf->mgr == mgr)
        return;
    sp__iobuf_free(buf);
    buf->mgr = mgr;
}

int sp__iobuf_reserve_pooled(sp__iobuf *buf, size_t n, const char *what)
{
    if (buf->block && n <= buf->cap)
        return SP_OK;
    sp__iobuf_release(buf);
    sp_block *b = NULL;
    int rc = sp_poolmgr_acquire(buf->mgr, n ? n : 1, &b);
    if (rc < 0)
        return sp__fail_context(rc, "%s: %zu bytes of staging: ", what, n);
    buf->block = b;
    buf->data = sp_block_data(b);
    buf->cap = sp_block_size(b);
    return SP_OK;
}

void sp__iobuf_release(sp__iobuf *buf)
{
    if (!buf->block)
        return;
    sp_block_unref(buf->block);
    buf->block = NULL;
    buf->data = NULL;
    buf->cap = 0;
}
