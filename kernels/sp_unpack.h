/* sensorpipe: unpack — array-of-structures records (a PointCloud2's
 * points, a packet's returns) into structure-of-arrays columns.
 *
 * The input is `count` records of `step` bytes each, laid out as `rows`
 * rows of `count / rows` records with `row_step` bytes between row starts
 * (row_step >= (count / rows) * step; padding at a row's end is skipped;
 * with one row, row_step is not used and may be 0).
 * Each column takes one element of one field of every record:
 *   src + row * row_step + r * step + col->offset
 * and writes element index i = row * (count / rows) + r of col->dst.
 *
 * Conversions (col->op):
 *  - SP_UNPACK_COPY: the element's bytes as they are (size of src_type),
 *    byte-swapped when the input is big-endian (swap = 1); dst holds
 *    src_type elements. Bit-exact: NaN payloads and signed zeros are kept.
 *  - SP_UNPACK_TO_F32: the element's value (after any byte swap) as a
 *    double, times col->scale plus col->bias, rounded to float32 (round to
 *    nearest even, as a C cast from double), the product and the sum each
 *    rounded in double (never fused). For src_type F32 with scale 1 and
 *    bias 0 it is COPY; otherwise the arithmetic applies as written, so a
 *    -0 with bias 0 becomes +0. Used for coordinates and intensity of any
 *    numeric type, and times (scale 1e-9 for nanoseconds; bias -t0 for
 *    absolute epoch seconds).
 *  - SP_UNPACK_TO_U16: an integer element clamped to 0..65535; a float
 *    element: NaN -> 0, else truncated toward zero then clamped. Used for
 *    ring / laser channel.
 *
 * Back-ends: scalar (the spec), SSE4.1, AVX2 and NEON, bit-identical to
 * the scalar version for every op, type, step and alignment (records need
 * not be aligned: a bag's payload sits at any file offset). No OpenCL
 * version: the work is one pass over memory that a SIMD core already
 * streams at memcpy speed. */
#ifndef SP_UNPACK_H
#define SP_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Element types, numbered as sensor_msgs/PointField's datatypes. */
typedef enum sp_unpack_type {
    SP_UNPACK_I8 = 1,
    SP_UNPACK_U8 = 2,
    SP_UNPACK_I16 = 3,
    SP_UNPACK_U16 = 4,
    SP_UNPACK_I32 = 5,
    SP_UNPACK_U32 = 6,
    SP_UNPACK_F32 = 7,
    SP_UNPACK_F64 = 8
} sp_unpack_type;

/** Bytes of one element of @p t; 0 for an unknown type. */
size_t sp_unpack_type_size(sp_unpack_type t);

typedef enum sp_unpack_op {
    SP_UNPACK_COPY = 0,
    SP_UNPACK_TO_F32 = 1,
    SP_UNPACK_TO_U16 = 2
} sp_unpack_op;

/** One output column. */
typedef struct sp_unpack_col {
    uint32_t offset;         /**< byte offset of the element in a record */
    sp_unpack_type src_type; /**< element type in the record */
    sp_unpack_op op;
    double scale; /**< TO_F32: value * scale + bias; 0 scale means 1 */
    double bias;
    void *dst; /**< count elements: src_type (COPY), float (TO_F32),
                    uint16_t (TO_U16); naturally aligned */
} sp_unpack_col;

#define SP_UNPACK_MAX_COLS 64

/** The input layout and its columns. */
typedef struct sp_unpack_desc {
    size_t count;    /**< records */
    size_t rows;     /**< rows (>= 1; count must be a multiple) */
    size_t step;     /**< bytes per record (>= 1) */
    size_t row_step; /**< bytes between row starts (unused for 1 row) */
    int swap;        /**< 1: the input is big-endian, 0: little-endian */
    size_t ncols;
    sp_unpack_col cols[SP_UNPACK_MAX_COLS];
} sp_unpack_desc;

/** Unpack @p n bytes at @p src (borrowed, any alignment) into the columns
 *  of @p d (borrowed; each dst is written, count elements). @p src may be
 *  NULL only when the layout needs no bytes, a dst only when count is 0.
 *  Returns SP_OK (nothing written when count or ncols is 0); SP_EINVAL
 *  (message says which) for a NULL argument, rows 0 or not dividing count,
 *  step 0, ncols > SP_UNPACK_MAX_COLS, an unknown type or op, an element
 *  that does not fit in step (offset + size > step), a dst not naturally
 *  aligned or overlapping the input or another column's dst, more than
 *  one row with row_step < records per row * step, or @p n smaller than
 *  the data the layout needs (row_step * (rows - 1) + the last row's
 *  records * step; also a layout larger than SIZE_MAX bytes). Not
 *  thread-safe on one @p k. */
int sp_unpack(sp_kctx *k, const sp_unpack_desc *d, const uint8_t *src,
              size_t n);

#ifdef __cplusplus
}
#endif
#endif
