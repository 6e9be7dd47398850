/* Internal to kernels/: the resize plan shared by the dispatch
 * (kernels/resize.c) and the back-ends. The plan holds the coordinate and
 * weight tables, computed once per call on the host by resize.c so that
 * every back-end uses the same numbers (the back-ends differ only in how
 * they apply them). Never installed. */
#ifndef SP_RESIZE_INT_H
#define SP_RESIZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_resize.h"

/* OpenCV's INTER_RESIZE_COEF_BITS for 8-bit images. */
#define SP__RESIZE_COEF_BITS 11
#define SP__RESIZE_COEF_ONE (1 << SP__RESIZE_COEF_BITS)

typedef struct sp__resize_plan {
    sp_resize_method method;
    int cn;          /* elements per pixel: 1, 3 or 4 */
    int f32;         /* 1: elements are floats, else bytes */
    int half;        /* linear on an exact 2x downscale: 2x2 mean */
    uint32_t sw, sh; /* source size in pixels */
    uint32_t dw, dh; /* output size */
    int n;           /* output elements per row: dw * cn */
    int srow;        /* source elements per row: sw * cn */
    const uint8_t *src;
    size_t sstride;
    uint8_t *dst;
    size_t dstride;

    /* LINEAR and NEAREST, per output element i < n: element offsets of the
     * two taps in a source row (x1 clamped to the row; NEAREST uses x0). */
    int32_t *x0, *x1;
    int16_t *ia; /* 2 per element: 11-bit weights (8-bit images) */
    float *fa;   /* 2 per element: float weights (F32) */
    int xsafe;   /* elements [0, xsafe) may load 4 bytes (8-bit) or one
                    element (F32) at x0 + cn + 3 (resp. x0 + cn) without
                    leaving the row: SIMD gathers stop there */
    /* per output row: source rows (clamped) and weights */
    int32_t *y0, *y1;
    int16_t *ib; /* 2 per row */
    float *fb;   /* 2 per row */

    /* AREA, per output pixel: first source pixel, count, and offset into
     * the weight array (weights sum to 1 per output pixel). */
    int32_t *axs, *axn, *axw;
    float *aw_x;
    int32_t *ays, *ayn, *ayw;
    float *aw_y;
} sp__resize_plan;

/* Scratch slots: tables use slot 0; back-ends use slots 1..3 for rows. */
#define SP__RESIZE_SLOT_TABLES 0
#define SP__RESIZE_SLOT_ROWS 1

/* Back-ends. Each returns SP_OK or SP_ENOMEM (scratch). */
int sp__resize_scalar(sp_kctx *k, const sp__resize_plan *p);
int sp__resize_sse41(sp_kctx *k, const sp__resize_plan *p);
int sp__resize_avx2(sp_kctx *k, const sp__resize_plan *p);
int sp__resize_neon(sp_kctx *k, const sp__resize_plan *p);
int sp__resize_cl(sp_kctx *k, const sp__resize_plan *p);

/* Pieces of the scalar reference the SIMD back-ends reuse where a part is
 * not worth vectorising (AREA horizontal sums of the vertically summed row,
 * row tails, the 2x path, NEAREST for 1- and 3-byte pixels). Same
 * arithmetic, so results stay bit-exact. */
void sp__resize_area_vrow(const sp__resize_plan *p, uint32_t dy, float *v,
                          int from);
void sp__resize_area_hrow(const sp__resize_plan *p, const float *v, float *h);
void sp__resize_area_store(const sp__resize_plan *p, const float *h,
                           uint8_t *drow, int from);
void sp__resize_half_row(const sp__resize_plan *p, uint32_t dy, int from_px);
void sp__resize_nearest_row(const sp__resize_plan *p, uint32_t dy);

/* Window tables for SIMD horizontal taps (8-bit linear), built per call in
 * O(width) into scratch slot SP__RESIZE_SLOT_ROWS + 1: output elements in
 * blocks of 4; when both taps of all 4 lie within 16 bytes from base[b]
 * (and base[b] + 16 <= the row), mask[16 b ..] is a byte shuffle of the 16
 * bytes at base[b] into (tap0, 0, tap1, 0) pairs, i.e. int16 pairs for a
 * multiply-add with the weights; else base[b] = -1 (gather or scalar). */
typedef struct sp__resize_windows {
    int32_t *base;
    uint8_t *mask;
} sp__resize_windows;

int sp__resize_build_windows(sp_kctx *k, const sp__resize_plan *p,
                             sp__resize_windows *wt);

/* The scalar linear pieces (per output element i in [from, n)). */
void sp__resize_hrow_u8(const sp__resize_plan *p, const uint8_t *srow,
                        int16_t *h, int from);
void sp__resize_vrow_u8(const sp__resize_plan *p, const int16_t *h0,
                        const int16_t *h1, int16_t b0, int16_t b1,
                        uint8_t *drow, int from);
void sp__resize_hrow_f32(const sp__resize_plan *p, const float *srow, float *h,
                         int from);
void sp__resize_vrow_f32(const sp__resize_plan *p, const float *h0,
                         const float *h1, float b0, float b1, float *drow,
                         int from);

/* Row y of the source / output. */
static inline const uint8_t *sp__resize_src_row(const sp__resize_plan *p,
                                                int32_t y)
{
    return p->src + (size_t)y * p->sstride;
}

static inline uint8_t *sp__resize_dst_row(const sp__resize_plan *p, uint32_t y)
{
    return p->dst + (size_t)y * p->dstride;
}

/* Prefetch and streaming, shared by the SIMD linear paths (the row loop,
 * kernels/resize_linear.c, says which row comes next). Filtering a
 * source row takes about as long as fetching the next one from memory, so
 * while one row is filtered horizontally the next source row the loop
 * will filter is prefetched, spread over the row's iterations (a line or a
 * few per iteration). Measured on 1080p -> 640x384 with the source flushed
 * (bench/compare/libyuv_compare): RGB8 went from 2x to 1.35x its warm
 * time. It is not free: on AVX2's fused RGBA8 rows the prefetches cost
 * 12 % warm (perf: the loop stalls at prefetcht0) and save 15 % cold
 * (0.92 -> 0.78 ms, 1.75x -> 1.34x warm); prefetching only each 4 KiB
 * page's first lines, to start the hardware prefetcher, saved 5 %. */
typedef struct sp__resize_prefetch {
    const uint8_t *at, *end; /* next line to prefetch; end of the row */
    int per_step;            /* lines per loop iteration */
} sp__resize_prefetch;

/* Prefetches row pf (NULL: none; p->srow elements of 1 byte) over `steps`
 * iterations of the caller's loop. */
static inline sp__resize_prefetch
sp__resize_prefetch_init(const sp__resize_plan *p, const uint8_t *pf, int steps)
{
    sp__resize_prefetch s = {pf, pf, 0};
    if (!pf)
        return s;
    size_t lines = ((size_t)p->srow + 63) / 64;
    s.end = pf + lines * 64;
    s.per_step = steps > 0 ? (int)((lines + (size_t)steps - 1) / steps) : 0;
    return s;
}

static inline void sp__resize_prefetch_step(sp__resize_prefetch *s)
{
    for (int k = 0; k < s->per_step && s->at < s->end; k++, s->at += 64)
        __builtin_prefetch(s->at, 0, 3);
}

static inline void sp__resize_prefetch_rest(sp__resize_prefetch *s)
{
    for (; s->at < s->end; s->at += 64)
        __builtin_prefetch(s->at, 0, 3);
}

/* 1 when the 8-bit output rows of p may take aligned streaming stores of
 * `align` bytes: data and stride aligned, SP__STREAM_MIN or more
 * (kernels_int.h): the AVX2 linear path streams them, since they would
 * only evict the source rows. */
int sp__resize_stream_ok(const sp__resize_plan *p, size_t align);

/* The linear path's rows as one CPU version computes them, for the row
 * loop every version shares (kernels/resize_linear.c). h: a row's H >> 4
 * (8-bit) or H (F32) over the p->n output elements; pf (or NULL): the next
 * source row the loop will filter, to prefetch meanwhile; stream: d takes
 * streaming stores (only when stream_align is not 0). */
typedef struct sp__resize_rows {
    /* 8-bit rows from the window table (windows: 1 to build it) */
    void (*hrow_u8)(const sp__resize_plan *p, const sp__resize_windows *wt,
                    const uint8_t *s, int16_t *h, const uint8_t *pf);
    /* RGBA8 rows (NULL: hrow_u8 does them), and an output row from two
     * fresh source rows in one pass (NULL: none), which returns the element
     * it stopped at: the loop does the row's tail with the scalar pieces */
    void (*hrow_rgba)(const sp__resize_plan *p, const uint8_t *s, int16_t *h,
                      const uint8_t *pf);
    int (*fused_rgba)(const sp__resize_plan *p, const uint8_t *s0,
                      const uint8_t *s1, int16_t b0, int16_t b1, uint8_t *d,
                      const uint8_t *pf0, const uint8_t *pf1, int stream);
    void (*vrow_u8)(const sp__resize_plan *p, const int16_t *h0,
                    const int16_t *h1, int16_t b0, int16_t b1, uint8_t *d,
                    int stream);
    /* F32 rows (NULL: the scalar piece) */
    void (*hrow_f32)(const sp__resize_plan *p, const float *s, float *h);
    void (*vrow_f32)(const sp__resize_plan *p, const float *h0, const float *h1,
                     float b0, float b1, float *d);
    int windows;
    size_t stream_align; /* bytes; 0: never streams */
} sp__resize_rows;

int sp__resize_linear(sp_kctx *k, const sp__resize_plan *p,
                      const sp__resize_rows *r);

#endif
