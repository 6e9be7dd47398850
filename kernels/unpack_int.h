/* Internal to kernels/: unpack's resolved plan, shared by every back-end,
 * and the per-instruction-set entry points.
 *
 * The SIMD back-ends read a record through 16-byte windows: a window is 16
 * bytes at a fixed offset of every record, read for 4 or 8 records at a
 * time and transposed so that each of its 4 dwords becomes one vector with
 * that dword of every record. A column whose element (1, 2 or 4 bytes)
 * lies inside one dword of a window is cut out of that vector with shifts;
 * x, y, z and intensity at 0/4/8/12 share one window, so 8 records cost 8
 * loads and 8 shuffles for all four columns. F64 columns are read on their
 * own (two records per 16-byte register). The windows are planned once
 * per call in unpack.c.
 *
 * A SIMD back-end works through a row in chunks of SP__UNPACK_CHUNK
 * records, window by window, in two passes so that neither loop branches
 * per column: the transpose stores each dword straight into its column
 * when that column is its only reader and a plain 4-byte COPY (`direct`,
 * the common x/y/z/intensity case), else into a chunk-sized scratch row;
 * then each other column of the window converts its scratch row in a loop
 * of its own kind. */
#ifndef SP_UNPACK_INT_H
#define SP_UNPACK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_unpack.h"

/* A column after the checks: op resolved (an F32 TO_F32 with scale 1 and
 * bias 0 is COPY), scale 0 replaced by 1. */
typedef struct sp__unpack_colplan {
    uint32_t offset;
    uint8_t type; /* sp_unpack_type */
    uint8_t size; /* bytes of the element */
    uint8_t op;   /* sp_unpack_op */
    double scale, bias;
    void *dst;
} sp__unpack_colplan;

#define SP__UNPACK_CHUNK 256

/* A column's place in a window: dword `lane` (0..3), byte `byte` in it;
 * direct: the transpose writes it (see above). */
typedef struct sp__unpack_wcol {
    uint8_t col, lane, byte, direct;
} sp__unpack_wcol;

typedef struct sp__unpack_window {
    uint32_t base;   /* offset of the 16 bytes in a record */
    uint8_t lanes;   /* bit j: some column reads dword j */
    uint8_t direct;  /* bit j: dword j goes straight to column dcol[j] */
    uint8_t dcol[4];
    uint8_t first;   /* its columns: wcol[first, first + count) */
    uint8_t count;
} sp__unpack_window;

typedef struct sp__unpack_plan {
    size_t rows, per_row, step, row_step;
    int swap; /* 1: reverse each element's bytes (input order != host) */
    size_t ncols;
    sp__unpack_colplan cols[SP_UNPACK_MAX_COLS];
    /* SIMD layout: every column with size <= 4 is in exactly one window;
     * wide[] lists the F64 columns. */
    size_t nwin, nwide;
    sp__unpack_window win[SP_UNPACK_MAX_COLS];
    sp__unpack_wcol wcol[SP_UNPACK_MAX_COLS];
    uint8_t wide[SP_UNPACK_MAX_COLS];
    /* Bytes from a record's start that its vector loads touch (the largest
     * window base + 16 or F64 offset + 8): a record whose start lies closer
     * than this to the end of the input is left to the scalar code. */
    size_t reach;
} sp__unpack_plan;

/* The reference: records [r0, r1) of row `row`, every column, written at
 * element row * per_row + r. */
void sp__unpack_scalar_rows(const sp__unpack_plan *p, const uint8_t *src,
                            size_t row, size_t r0, size_t r1);
/* All rows. */
void sp__unpack_scalar(const sp__unpack_plan *p, const uint8_t *src);

/* All rows; @p n is the input's size, which bounds the windows' reads (a
 * window may reach past its record into the next one or a row's padding).
 * Records the vectors cannot reach are done by sp__unpack_scalar_rows(). */
void sp__unpack_sse41(const sp__unpack_plan *p, const uint8_t *src, size_t n);
void sp__unpack_avx2(const sp__unpack_plan *p, const uint8_t *src, size_t n);
void sp__unpack_neon(const sp__unpack_plan *p, const uint8_t *src, size_t n);

/* The first record of a row at `avail` bytes from the row's start to the
 * end of the input that the vectors cannot read: records before it have
 * all of their reach inside the input. */
static inline size_t sp__unpack_vec_limit(const sp__unpack_plan *p,
                                          size_t avail)
{
    if (avail < p->reach)
        return 0;
    size_t r = (avail - p->reach) / p->step + 1;
    return r < p->per_row ? r : p->per_row;
}

#endif
