/* bev: parameters, output checks, back-end dispatch and the per-cell
 * finish shared by the CPU back-ends. See sp_bev.h for the spec. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lidar_int.h"
#include "sp_bev.h"

/* Below this many points the OpenCL launch overhead outweighs the gain. */
#define BEV_CL_MIN_WORK 200000

/* An extent / res as a cell count: a quotient within 1e-6 of an integer is
 * that integer, so 70 / 0.1 = 699.9999999999999 gives 700, not 701. */
static double cells_of(double lo, double hi, double res)
{
    double q = (hi - lo) / res;
    double r = floor(q + 0.5);
    return fabs(q - r) <= 1e-6 * (r > 1.0 ? r : 1.0) ? r : ceil(q);
}

static int bev_resolve(const sp_bev_params *in, sp_bev_params *p)
{
    static const sp_bev_params def = {0, 70, -40, 40, -2.5, 1, 0.1};
    *p = in ? *in : def;
    if (p->xmin == 0 && p->xmax == 0) {
        p->xmin = def.xmin;
        p->xmax = def.xmax;
    }
    if (p->ymin == 0 && p->ymax == 0) {
        p->ymin = def.ymin;
        p->ymax = def.ymax;
    }
    if (p->zmin == 0 && p->zmax == 0) {
        p->zmin = def.zmin;
        p->zmax = def.zmax;
    }
    if (p->res == 0)
        p->res = def.res;
    if (!(p->res > 0) || !isfinite(p->res))
        return sp__fail(SP_EINVAL, "bev: res=%g, expected a cell size > 0",
                        p->res);
    if (!(p->xmin < p->xmax) || !isfinite(p->xmax - p->xmin))
        return sp__fail(SP_EINVAL, "bev: x=%g:%g, expected finite lo < hi",
                        p->xmin, p->xmax);
    if (!(p->ymin < p->ymax) || !isfinite(p->ymax - p->ymin))
        return sp__fail(SP_EINVAL, "bev: y=%g:%g, expected finite lo < hi",
                        p->ymin, p->ymax);
    if (!(p->zmin < p->zmax) || !isfinite(p->zmax - p->zmin))
        return sp__fail(SP_EINVAL, "bev: z=%g:%g, expected finite lo < hi",
                        p->zmin, p->zmax);
    double h = cells_of(p->xmin, p->xmax, p->res);
    double w = cells_of(p->ymin, p->ymax, p->res);
    /* Each side must also be exact as a float (<= 2^24): the cell test
     * compares (x - xmin) / res against H in float32. */
    if (h * w > (double)SP_BEV_MAX_CELLS || h > 16777216.0 || w > 16777216.0)
        return sp__fail(
            SP_EINVAL,
            "bev: %.0f x %.0f cells (res=%g) exceeds the limit of "
            "%u cells or 2^24 per side, expected a coarser res or a "
            "smaller box",
            h, w, p->res, (unsigned)SP_BEV_MAX_CELLS);
    return SP_OK;
}

int sp_bev_shape(const sp_bev_params *params, size_t shape[3])
{
    sp_bev_params p;
    SP_GUARD(shape != NULL);
    SP_TRY(bev_resolve(params, &p));
    shape[0] = 3;
    shape[1] = (size_t)cells_of(p.xmin, p.xmax, p.res);
    shape[2] = (size_t)cells_of(p.ymin, p.ymax, p.res);
    return SP_OK;
}

void sp__bev_plan_init(sp__bev_plan *pl, const sp_bev_params *p, size_t h,
                       size_t w)
{
    pl->xmin = (float)p->xmin;
    pl->ymin = (float)p->ymin;
    pl->zmin = (float)p->zmin;
    pl->zmax = (float)p->zmax;
    pl->inv_res = 1.0f / (float)p->res;
    pl->inv_zr = 1.0f / ((float)p->zmax - (float)p->zmin);
    pl->h = (uint32_t)h;
    pl->w = (uint32_t)w;
    pl->fh = (float)h;
    pl->fw = (float)w;
}

typedef int (*bev_cl_fn)(sp_kctx *, const sp__bev_plan *, const sp_points *,
                         float *);

/* The scalar entry is the reference: it scatters every point straight
 * into the raster. The SIMD entries are their instruction set's packing
 * pass; it feeds the banded scatter below (bev_banded), which makes the
 * same additions in the same order. */
static const sp__ktable bev_table = {
    "bev",
    {SP__KT_SCALAR(sp__bev_accum_scalar) SP__KT_SSE41(sp__bev_compact_sse41)
         SP__KT_AVX2(sp__bev_compact_avx2) SP__KT_NEON(sp__bev_compact_neon)
             SP__KT_OPENCL(sp__bev_opencl)},
    BEV_CL_MIN_WORK,
    0,
};

/* Mean intensity and density of the touched cells in [c0, c1) only: the
 * points are walked again (their cells from @p cell when given, else the
 * same cell function as every CPU accumulator) rather than every cell of
 * the raster. A cell is finished once: its count slot then holds a
 * density, whose bits are at least those of density(1), far above any
 * count while the cloud has fewer points than that. */
static void bev_finish(const sp__bev_plan *pl, const sp_points *in,
                       const int32_t *cell, size_t c0, size_t c1, float *isum,
                       float *dens)
{
    uint32_t done;
    float d1 = sp__bev_density_of(1);
    memcpy(&done, &d1, sizeof done);
    if (in->count >= done) {
        for (size_t c = c0; c < c1; c++) {
            uint32_t n;
            memcpy(&n, &dens[c], sizeof n);
            if (n) {
                isum[c] = isum[c] / (float)n;
                dens[c] = sp__bev_density_of(n);
            }
        }
        return;
    }
    for (size_t i = 0; i < in->count; i++) {
        float h;
        int32_t c =
            cell ? cell[i] : sp__bev_cell(pl, in->x[i], in->y[i], in->z[i], &h);
        if (c < 0 || (size_t)c < c0 || (size_t)c >= c1)
            continue;
        uint32_t n;
        memcpy(&n, &dens[c], sizeof n);
        if (n < done) {
            isum[c] = isum[c] / (float)n;
            dens[c] = sp__bev_density_of(n);
        }
    }
}

/* The classification half of the CPU accumulators, for a split frame. */
static const sp__ktable bev_cells_table = {
    "bev",
    {SP__KT_SCALAR(sp__bev_cells_scalar) SP__KT_SSE41(sp__bev_cells_sse41)
         SP__KT_AVX2(sp__bev_cells_avx2) SP__KT_NEON(sp__bev_cells_neon)},
    0,
    0,
};

int sp_bev_cells(sp_kctx *k, const sp_bev_params *params, const sp_points *in,
                 size_t i0, size_t i1, int32_t *cell, float *h)
{
    sp_bev_params p;
    size_t shape[3];
    SP_GUARD(k != NULL && in != NULL &&
             (i0 == i1 || (cell != NULL && h != NULL)));
    SP_TRY(bev_resolve(params, &p));
    SP_TRY(sp_bev_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("bev", in));
    if (i0 > i1 || i1 > in->count)
        return sp__fail(SP_EINVAL,
                        "bev: points [%zu, %zu), expected a range within the "
                        "cloud's %zu",
                        i0, i1, in->count);
    sp__bev_plan pl;
    sp__bev_plan_init(&pl, &p, shape[1], shape[2]);
    ((sp__bev_cells_fn)bev_cells_table
         .fn[sp__kctx_cpu_impl(k, &bev_cells_table)])(&pl, in, i0, i1, cell, h);
    return SP_OK;
}

int sp_bev_rows(const sp_bev_params *params, const sp_points *in,
                const int32_t *cell, const float *h, size_t r0, size_t r1,
                sp_tensor *out)
{
    sp_bev_params p;
    size_t shape[3];
    SP_GUARD(in != NULL && out != NULL &&
             (in->count == 0 || (cell != NULL && h != NULL)));
    SP_TRY(bev_resolve(params, &p));
    SP_TRY(sp_bev_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("bev", in));
    SP_TRY(sp__lidar_check_tensor("bev", out, 3, shape));
    if (r0 > r1 || r1 > shape[1])
        return sp__fail(SP_EINVAL,
                        "bev: rows [%zu, %zu), expected a range within the "
                        "raster's %zu",
                        r0, r1, shape[1]);
    sp__bev_plan pl;
    sp__bev_plan_init(&pl, &p, shape[1], shape[2]);
    size_t cells = shape[1] * shape[2], c0 = r0 * shape[2], c1 = r1 * shape[2];
    float *hmax = out->data, *isum = hmax + cells, *dens = isum + cells;
    for (int ch = 0; ch < 3; ch++)
        memset(hmax + ch * cells + c0, 0, (c1 - c0) * sizeof(float));
    /* The points of the band in input order: each cell sees the same
     * sequence of additions as in sp_bev_rasterize(). */
    uint32_t *cnt = (uint32_t *)(void *)dens;
    for (size_t i = 0; i < in->count; i++)
        if ((uint32_t)cell[i] - (uint32_t)c0 < (uint32_t)(c1 - c0))
            sp__bev_put(hmax, isum, cnt, cell[i], h[i], in->intensity[i]);
    bev_finish(&pl, in, cell, c0, c1, isum, dens);
    return SP_OK;
}

/* Bands of 2^BAND_SHIFT consecutive raster cells: one band's three
 * channel segments (3 x 8 KiB) stay in L1 while its points land. */
#define BAND_SHIFT 11

/* A point of the band sort: one record, one write stream per band. */
typedef struct bev_rec {
    int32_t cell;
    float h, w;
} bev_rec;

/* The raster band by band: the points inside it packed (@p compact),
 * then sorted by band with a stable counting sort (so a cell still sees
 * its points in input order), then per band: its segments zeroed, its
 * points scattered, its cells finished, all within L1. Scattering straight
 * into the 6.7 MB raster of a KITTI chain missed the cache three times a
 * point, and zeroing it first wrote every line twice. */
static int bev_banded(sp_kctx *k, sp__bev_compact_fn compact,
                      const sp__bev_plan *pl, const sp_points *in, float *data)
{
    const size_t n = in->count, cells = (size_t)pl->h * pl->w;
    const size_t nb = (cells + ((size_t)1 << BAND_SHIFT) - 1) >> BAND_SHIFT;
    const size_t len = n + SP__BEV_COMPACT_SLACK;
    int32_t *cell = sp__kctx_scratch(k, 0, len * sizeof(int32_t));
    float *h = sp__kctx_scratch(k, 1, len * sizeof(float));
    float *w = sp__kctx_scratch(k, 2, len * sizeof(float));
    bev_rec *sorted = sp__kctx_scratch(k, 3, len * sizeof(bev_rec));
    uint32_t *end = sp__kctx_scratch(k, 4, (nb + 1) * sizeof(uint32_t));
    if (!cell || !h || !w || !sorted || !end)
        return SP_ENOMEM;
    const size_t m = compact(pl, in, cell, h, w);
    /* end[b + 1] counts band b; the prefix makes end[b] band b's start,
     * and the scatter advances it to band b's end. */
    memset(end, 0, (nb + 1) * sizeof *end);
    for (size_t i = 0; i < m; i++)
        end[((uint32_t)cell[i] >> BAND_SHIFT) + 1]++;
    for (size_t b = 0; b < nb; b++)
        end[b + 1] += end[b];
    for (size_t i = 0; i < m; i++) {
        bev_rec *r = &sorted[end[(uint32_t)cell[i] >> BAND_SHIFT]++];
        r->cell = cell[i];
        r->h = h[i];
        r->w = w[i];
    }

    float *hmax = data, *isum = hmax + cells, *dens = isum + cells;
    uint32_t *cnt = (uint32_t *)(void *)dens;
    /* A finished cell's count slot holds a density, whose bits are at
     * least those of density(1): far above any count of fewer points. */
    uint32_t done;
    float d1 = sp__bev_density_of(1);
    memcpy(&done, &d1, sizeof done);
    const int marks = m < done;
    size_t first = 0;
    for (size_t b = 0; b < nb; b++) {
        const size_t c0 = b << BAND_SHIFT;
        const size_t c1 = c0 + ((size_t)1 << BAND_SHIFT) < cells
                              ? c0 + ((size_t)1 << BAND_SHIFT)
                              : cells;
        const size_t last = end[b];
        memset(hmax + c0, 0, (c1 - c0) * sizeof *hmax);
        memset(isum + c0, 0, (c1 - c0) * sizeof *isum);
        memset(cnt + c0, 0, (c1 - c0) * sizeof *cnt);
        for (size_t j = first; j < last; j++)
            sp__bev_put(hmax, isum, cnt, sorted[j].cell, sorted[j].h,
                        sorted[j].w);
        if (marks) {
            for (size_t j = first; j < last; j++) {
                const int32_t c = sorted[j].cell;
                const uint32_t q = cnt[c];
                if (q < done) {
                    isum[c] = isum[c] / (float)q;
                    dens[c] = sp__bev_density_of(q);
                }
            }
        } else {
            for (size_t c = c0; c < c1; c++)
                if (cnt[c]) {
                    const uint32_t q = cnt[c];
                    isum[c] = isum[c] / (float)q;
                    dens[c] = sp__bev_density_of(q);
                }
        }
        first = last;
    }
    return SP_OK;
}

int sp_bev_rasterize(sp_kctx *k, const sp_bev_params *params,
                     const sp_points *in, sp_tensor *out)
{
    sp_bev_params p;
    size_t shape[3];
    SP_GUARD(k != NULL && in != NULL && out != NULL);
    SP_TRY(bev_resolve(params, &p));
    SP_TRY(sp_bev_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("bev", in));
    SP_TRY(sp__lidar_check_tensor("bev", out, 3, shape));

    sp__bev_plan pl;
    sp__bev_plan_init(&pl, &p, shape[1], shape[2]);
    size_t cells = shape[1] * shape[2];
    float *hmax = out->data, *isum = hmax + cells, *dens = isum + cells;

    sp__kimpl im = sp__kctx_pick_impl(k, &bev_table, in->count);
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((bev_cl_fn)bev_table.fn[im])(k, &pl, in, out->data);
        im = sp__kctx_after_cl(k, &bev_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
    }
    if (im != SP__KIMPL_SCALAR)
        return bev_banded(k, (sp__bev_compact_fn)bev_table.fn[im], &pl, in,
                          out->data);
    /* The reference, without scratch: channel 0 accumulates the maximum in
     * place, channel 1 the intensity sum and channel 2 the count (as
     * uint32 bits) until the finish below replaces it with the density. */
    memset(out->data, 0, 3 * cells * sizeof(float));
    sp__bev_accum_scalar(&pl, in, hmax, isum, (uint32_t *)(void *)dens);
    bev_finish(&pl, in, NULL, 0, cells, isum, dens);
    return SP_OK;
}
