/* PCD internals shared by the reader, writer and the fuzz target. */
#ifndef SP_PCD_INT_H
#define SP_PCD_INT_H

#include <math.h>

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

/* ---- shared by the binary (pcd_read.c) and ascii (pcd_ascii.c) decoders */

/* Half an ulp above FLT_MAX (2^128 - 2^103): the smallest magnitude that
 * rounds to infinity. Below it a value rounds to a float (FLT_MAX printed
 * with 9 digits, 3.40282347e+38, is a little above FLT_MAX itself). */
#define SP__F32_OVERFLOW 3.4028235677973366e38

/* A finite value that would round to infinity as a float32 (a silent Inf
 * in practice) is refused (see sp_pcd.h). NaN and infinities stand for
 * themselves and pass. */
static inline int sp__pcd_fits_f32(double v)
{
    return !(isfinite(v) && fabs(v) >= SP__F32_OVERFLOW);
}

static inline uint16_t sp__pcd_to_ring(double v)
{
    if (!(v > 0))
        return 0;
    return v >= 65535 ? 65535 : (uint16_t)v;
}

/* Time in seconds before it becomes a float: float32 as is; float64
 * relative to the first point (@p t0), in nanoseconds when the first point
 * says so (above 1e12: no clock counts that many seconds); integers are
 * nanoseconds. */
static inline double sp__pcd_time_s(double v, const sp_pcd_field *f, double t0)
{
    if (f->type == 'F') {
        if (f->size == 4)
            return v;
        return fabs(t0) > 1e12 ? (v - t0) * 1e-9 : v - t0;
    }
    return v * 1e-9;
}

/* The extra of @p dst that field @p i of @p h fills (same name, type and
 * count as the header's plan), or NULL. */
sp_points_extra *sp__pcd_extra_of(const sp_pcd_header *h, uint32_t i,
                                  sp_points *dst);

/* Decode ascii DATA (see sp__pcd_decode). */
int sp__pcd_decode_ascii(const sp_pcd_header *h, const uint8_t *data,
                         size_t len, const char *name, sp_points *dst);

#endif
