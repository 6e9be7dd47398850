/* sensorpipe: bird's-eye-view raster of a point cloud for detectors.
 *
 * The raster is a float32 tensor (3, H, W) in C order:
 *   channel 0  maximum height in the cell, (z - zmin) / (zmax - zmin),
 *              clamped to [0, 1];
 *   channel 1  mean intensity of the cell's points;
 *   channel 2  density min(1, ln(n + 1) / ln(64)) for n points in the cell;
 * and 0 in all three channels for an empty cell.
 *
 * Layout: channel-first, C order, data[c][row][col] at
 * ((c * H) + row) * W + col, drawn the way the field draws a bird's-eye
 * view (forward up, left on the left: the array shown as an image with
 * row 0 at the top, as numpy/matplotlib and the png sink show it, is the
 * scene seen from above with the vehicle driving up the picture):
 *   row 0 is the FAR end of x (xmax) and row H-1 the near end (xmin):
 *     row r holds x in [xmin + (H-1-r)*res, xmin + (H-r)*res);
 *   column 0 is the LEFT end of y (+y, ymax) and column W-1 the right
 *     (ymin): column c holds y in [ymin + (W-1-c)*res, ymin + (W-c)*res).
 * Earlier versions laid the raster out the other way round (row 0 at
 * xmin, column 0 at ymin): a[:, ::-1, ::-1] converts between the two.
 * When an extent is not a whole number of cells, the partial cell is the
 * far one: row 0 (reaching past xmax) and column 0 (past ymax).
 * Which cell a point falls in is computed on the grid counted from
 * (xmin, ymin), in float32, as i = (int)((x - xmin) * (1/res)) and
 * j = (int)((y - ymin) * (1/res)) with xmin and 1/res rounded to float once
 * (a multiply, not a divide, because OpenCL's divide is not exact); the
 * point belongs to the raster when 0 <= those values < H (likewise for y
 * and W) and zmin <= z <= zmax, and lands in row H-1-i, column W-1-j.
 * Points outside, and NaN/Inf points, are ignored.
 *
 * H = ceil((xmax - xmin) / res) and W = ceil((ymax - ymin) / res), where a
 * quotient within 1e-6 of an integer counts as that integer (70/0.1 is 700
 * cells, not 701).
 *
 * Back-ends: scalar (reference, scatter in point order), SIMD
 * (SSE4.1/AVX2/NEON: cell indices and heights vectorised, then the raster
 * filled band by band, each cell's points in point order; see
 * sp_bev_pack()) and OpenCL (atomic scatter). The band-by-band fill (the
 * SIMD back-ends, and every frame split across threads) writes a raster of
 * 4 MiB or more (the default 700 x 800 is 6.7 MB) with streaming stores on
 * x86: it then goes to memory, not the cache.
 * Channels 0 and 2 are bit-exact on every back-end; channel 1 is bit-exact
 * on SIMD. On OpenCL its atomic sums add in the order the device runs them,
 * so a cell's mean of k points may differ from the reference by the
 * rounding of two sums in different orders: at most
 * 2 (k-1) 2^-24 sum|intensity| / k plus an ulp or two. That is exact
 * whenever every partial sum is (integer intensities below 2^24), tiny for
 * intensities of one sign, and large only where large values cancel (1e7,
 * 1, -1e7 in one cell: tests/test_bev.c checks that bound). On PoCL's CPU
 * device the order happens to be the input's; on an NVIDIA H200 it is not.
 *
 * Only x, y, z and intensity are read: a cloud's ring, time and extra
 * channels (sp_points.h) are not used by any channel of the raster. */
#ifndef SP_BEV_H
#define SP_BEV_H

#include <stddef.h>
#include <stdint.h>

#include "sp_kernels.h"
#include "sp_points.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** BEV parameters; zero fields take the defaults x=0:70 y=-40:40 res=0.1
 *  z=-2.5:1 (a range is defaulted when both its ends are zero). */
typedef struct sp_bev_params {
    double xmin, xmax;
    double ymin, ymax;
    double zmin, zmax; /**< height range for normalising channel 0 */
    double res;        /**< cell size in metres */
} sp_bev_params;

/** Largest raster accepted (cells per channel), so that cell indices fit in
 *  32 bits and a typo (res=0.0001) fails instead of asking for gigabytes. */
#define SP_BEV_MAX_CELLS (1u << 26)

/** The output shape {3, H, W} for @p params (NULL = defaults).
 *  SP_EINVAL (naming the field) for an empty or inverted range, res <= 0 or
 *  a raster over SP_BEV_MAX_CELLS cells. */
int sp_bev_shape(const sp_bev_params *params, size_t shape[3]);

/** Rasterise @p in into @p out, a float32 tensor of sp_bev_shape() that the
 *  caller owns (a pool block); every element is written.
 *  @p k borrowed; @p params borrowed (NULL = defaults); @p in borrowed.
 *  Returns SP_OK; SP_EINVAL for a bad shape/dtype or parameters (message
 *  names both shapes); SP_ENOMEM when scratch cannot grow; SP_ECL with the
 *  call and error name on an OpenCL failure. Thread-safety: one thread per
 *  @p k at a time. */
int sp_bev_rasterize(sp_kctx *k, const sp_bev_params *params,
                     const sp_points *in, sp_tensor *out);

/** sp_bev_rasterize() in steps, for one cloud split across threads with
 *  the same result, bit for bit (the SIMD back-ends run these steps on one
 *  thread too). The raster is filled in bands of SP_BEV_BAND_CELLS
 *  consecutive cells (row * W + col order; the last band may be shorter).
 *
 *  First each thread packs a contiguous slice of the points:
 *  sp_bev_pack() keeps those of [@p i0, @p i1) inside the raster, grouped
 *  by band, in input order within a band, in @p part, whose arrays live in
 *  @p k's scratch until @p k's next call (one thread per @p k at a time;
 *  @p k's CPU back-end). Then, once every slice is packed, each thread
 *  fills a range of bands: sp_bev_fill() writes every element of bands
 *  [@p b0, @p b1) of @p out (all three channels) from the parts, taken in
 *  order -- the slices in input order, so each cell adds its points in the
 *  order sp_bev_rasterize() does; other bands are untouched. Any number of
 *  sp_bev_fill() calls on disjoint band ranges may run at once.
 *  sp_bev_share_bands() splits the bands among @p shares threads by their
 *  work (cells to zero, points to add): share @p share gets [*b0, *b1).
 *  Returns SP_OK; SP_EINVAL for a NULL argument, bad parameters or tensor,
 *  a range outside the cloud or the raster, or a part packed for another
 *  raster; SP_ENOMEM when @p k's scratch cannot grow. */
#define SP_BEV_BAND_CELLS 2048
typedef struct sp_bev_part {
    const void *rec;     /**< the packed points (internal layout) */
    const uint32_t *end; /**< end[b]: the part's points in bands 0..b */
    size_t bands;        /**< bands of the raster */
} sp_bev_part;

int sp_bev_pack(sp_kctx *k, const sp_bev_params *params, const sp_points *in,
                size_t i0, size_t i1, sp_bev_part *part);
int sp_bev_fill(const sp_bev_params *params, const sp_bev_part *parts,
                int nparts, size_t b0, size_t b1, sp_tensor *out);
void sp_bev_share_bands(const sp_bev_part *parts, int nparts, int share,
                        int shares, size_t *b0, size_t *b1);

#ifdef __cplusplus
}
#endif
#endif
