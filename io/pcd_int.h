/* PCD internals shared by the reader, writer and the fuzz target. */
#ifndef SP_PCD_INT_H
#define SP_PCD_INT_H

#include "io_int.h"
#include "sp_pcd.h"

/* Decode the data section of a PCD file, already in memory: @p data holds
 * the @p len bytes that follow the header (data_offset). @p scratch is a
 * grow-only buffer the caller owns (used to decompress binary_compressed).
 * @p dst must have capacity >= h->points. Never reads outside [data,
 * data+len). Errors name @p name and a byte offset (from the file start) or
 * a line. */
int sp__pcd_decode(const sp_pcd_header *h, const uint8_t *data, size_t len,
                   const char *name, sp_points *dst, sp__iobuf *scratch);

/* Check binary_compressed's two stated sizes against the header and the
 * @p avail bytes after data_offset (compressed size fits, uncompressed size
 * is POINTS x point size and plausible for LZF). */
int sp__pcd_check_compressed(const sp_pcd_header *h, uint32_t csize,
                             uint32_t usize, uint64_t avail, const char *name);

#endif
