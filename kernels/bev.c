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

int sp__bev_resolve(const sp_bev_params *in, sp_bev_params *p)
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
    SP_TRY(sp__bev_resolve(params, &p));
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
 * pass, for the band-by-band fill below, which makes the same additions
 * in the same order. */
static const sp__ktable bev_table = {
    "bev",
    {SP__KT_SCALAR(sp__bev_accum_scalar) SP__KT_SSE41(sp__bev_compact_sse41)
         SP__KT_AVX2(sp__bev_compact_avx2) SP__KT_NEON(sp__bev_compact_neon)
             SP__KT_OPENCL(sp__bev_opencl)},
    BEV_CL_MIN_WORK,
    SP__KT_STREAMING | SP__KT_EXACT_DIVIDE,
};

/* A cell is finished once: its count slot then holds a density, whose
 * bits are at least these, those of density(1), far above any count while
 * the cloud has fewer points than that. So a cell can be finished from
 * each of its points: the first finishes it, the others see the mark. */
static uint32_t finished_mark(void)
{
    uint32_t done;
    float d1 = sp__bev_density_of(1);
    memcpy(&done, &d1, sizeof done);
    return done;
}

/* Cell c of n points (n >= 1): its mean intensity and its density. */
static void finish_cell(float *isum, float *dens, size_t c, uint32_t n)
{
    isum[c] = isum[c] / (float)n;
    dens[c] = sp__bev_density_of(n);
}

/* Mean intensity and density of the touched cells only: the points are
 * walked again rather than every cell of the raster (see finished_mark;
 * every cell when the cloud is too big for the mark). */
static void bev_finish(const sp__bev_plan *pl, const sp_points *in,
                       size_t cells, float *isum, float *dens)
{
    const uint32_t done = finished_mark();
    if (in->count >= done) {
        for (size_t c = 0; c < cells; c++) {
            uint32_t n;
            memcpy(&n, &dens[c], sizeof n);
            if (n)
                finish_cell(isum, dens, c, n);
        }
        return;
    }
    for (size_t i = 0; i < in->count; i++) {
        float h;
        int32_t c = sp__bev_cell(pl, in->x[i], in->y[i], in->z[i], &h);
        if (c < 0)
            continue;
        uint32_t n;
        memcpy(&n, &dens[c], sizeof n);
        if (n < done)
            finish_cell(isum, dens, (size_t)c, n);
    }
}

/* ---- band by band (every CPU back-end but the reference, and every
 * split frame) ------------------------------------------------------------
 * Scattering straight into the 6.7 MB raster of a KITTI chain missed the
 * cache three times a point, and zeroing it first wrote every line twice.
 * Instead the points inside the raster are packed (cell, height,
 * intensity) and counting-sorted by band of SP_BEV_BAND_CELLS cells,
 * stably, so a cell still sees its points in input order; then each band's
 * three segments (3 x 8 KiB, in L1) are zeroed, its points scattered and
 * its cells finished before the next band. */

/* A point of a part: one record, so the sort writes one stream a band. */
typedef struct sp__bev_rec {
    int32_t cell;
    float h, w;
} sp__bev_rec;

#define BAND_SHIFT 11
_Static_assert(SP_BEV_BAND_CELLS == 1 << BAND_SHIFT, "band size");

/* The packing pass of each CPU back-end. */
static const sp__ktable bev_pack_table = {
    "bev",
    {SP__KT_SCALAR(sp__bev_compact_scalar) SP__KT_SSE41(sp__bev_compact_sse41)
         SP__KT_AVX2(sp__bev_compact_avx2) SP__KT_NEON(sp__bev_compact_neon)},
    0,
    0,
};

static size_t bands_of(const sp__bev_plan *pl)
{
    return ((size_t)pl->h * pl->w + SP_BEV_BAND_CELLS - 1) >> BAND_SHIFT;
}

static int bev_pack(sp_kctx *k, sp__bev_compact_fn compact,
                    const sp__bev_plan *pl, const sp_points *in,
                    sp_bev_part *part)
{
    const size_t n = in->count, nb = bands_of(pl);
    const size_t len = n + SP__BEV_COMPACT_SLACK;
    int32_t *cell = sp__kctx_scratch(k, 0, len * sizeof(int32_t));
    float *h = sp__kctx_scratch(k, 1, len * sizeof(float));
    float *w = sp__kctx_scratch(k, 2, len * sizeof(float));
    sp__bev_rec *rec = sp__kctx_scratch(k, 3, len * sizeof(sp__bev_rec));
    uint32_t *end = sp__kctx_scratch(k, 4, (nb + 1) * sizeof(uint32_t));
    if (!cell || !h || !w || !rec || !end)
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
        sp__bev_rec *r = &rec[end[(uint32_t)cell[i] >> BAND_SHIFT]++];
        r->cell = cell[i];
        r->h = h[i];
        r->w = w[i];
    }
    part->rec = rec;
    part->end = end;
    part->bands = nb;
    return SP_OK;
}

static size_t band_start(const sp_bev_part *p, size_t b)
{
    return b ? p->end[b - 1] : 0;
}

static size_t band_points(const sp_bev_part *parts, int np, size_t b)
{
    size_t m = 0;
    for (int q = 0; q < np; q++)
        m += parts[q].end[b] - band_start(&parts[q], b);
    return m;
}

/* Bands [b0, b1) of the raster from the parts, in part order. A raster
 * of SP__STREAM_MIN bytes or more (the KITTI chain's 6.7 MB) is built band
 * by band in the stack's three 8 KiB segments and streamed out, or streamed
 * as zeros where a band has no point: a cached store would first read each
 * line of the raster from memory (bench_chain, four interleaved runs on a
 * 2-core AMD EPYC VM: bev 0.61-0.66 -> 0.51-0.52 ms a sample, the chain
 * 5.31-5.48 -> 5.13-5.16 ms; bench_lidar_raster writing eight rasters in
 * turn, as a pool hands them out: 0.55-0.71 -> 0.41-0.43 ms). A raster
 * that stays in the cache from one call to the next (one tensor written
 * again and again) is slower so: 0.30 -> 0.51 ms in one run, 0.33-0.42 ->
 * 0.39-0.43 ms in another; a pipeline's rasters do not stay there. */
static void bev_fill(const sp__bev_plan *pl, const sp_bev_part *parts, int np,
                     size_t b0, size_t b1, float *data)
{
    const size_t cells = (size_t)pl->h * pl->w;
    float *hmax = data, *isum = hmax + cells, *dens = isum + cells;
    const int stream = 3 * cells * sizeof(float) >= SP__STREAM_MIN;
    _Alignas(64) float sh[SP_BEV_BAND_CELLS], si[SP_BEV_BAND_CELLS];
    _Alignas(64) uint32_t sc[SP_BEV_BAND_CELLS];
    size_t total = 0;
    for (int q = 0; q < np; q++)
        total += parts[q].bands ? parts[q].end[parts[q].bands - 1] : 0;
    const uint32_t done = finished_mark();
    const int marks = total < done;
    for (size_t b = b0; b < b1; b++) {
        const size_t c0 = b << BAND_SHIFT;
        const size_t c1 =
            c0 + SP_BEV_BAND_CELLS < cells ? c0 + SP_BEV_BAND_CELLS : cells;
        const size_t nc = c1 - c0;
        if (stream && !band_points(parts, np, b)) {
            sp__stream_f32(hmax + c0, NULL, nc);
            sp__stream_f32(isum + c0, NULL, nc);
            sp__stream_f32(dens + c0, NULL, nc);
            continue;
        }
        /* the band's cells: bh[c - c0], ... */
        float *bh = stream ? sh : hmax + c0, *bi = stream ? si : isum + c0;
        uint32_t *bc = stream ? sc : (uint32_t *)(void *)(dens + c0);
        float *bd = (float *)(void *)bc;
        memset(bh, 0, nc * sizeof *bh);
        memset(bi, 0, nc * sizeof *bi);
        memset(bc, 0, nc * sizeof *bc);
        for (int q = 0; q < np; q++) {
            const sp__bev_rec *r = parts[q].rec;
            for (size_t j = band_start(&parts[q], b); j < parts[q].end[b]; j++)
                sp__bev_put(bh, bi, bc, r[j].cell - (int32_t)c0, r[j].h,
                            r[j].w);
        }
        if (!marks) {
            for (size_t c = 0; c < nc; c++)
                if (bc[c])
                    finish_cell(bi, bd, c, bc[c]);
        } else {
            for (int q = 0; q < np; q++) {
                const sp__bev_rec *r = parts[q].rec;
                for (size_t j = band_start(&parts[q], b); j < parts[q].end[b];
                     j++) {
                    const size_t c = (size_t)r[j].cell - c0;
                    const uint32_t m = bc[c];
                    if (m < done)
                        finish_cell(bi, bd, c, m);
                }
            }
        }
        if (stream) {
            sp__stream_f32(hmax + c0, bh, nc);
            sp__stream_f32(isum + c0, bi, nc);
            sp__stream_f32(dens + c0, bd, nc);
        }
    }
    if (stream)
        sp__stream_end();
}

int sp_bev_pack(sp_kctx *k, const sp_bev_params *params, const sp_points *in,
                size_t i0, size_t i1, sp_bev_part *part)
{
    sp_bev_params p;
    size_t shape[3];
    SP_GUARD(k != NULL && in != NULL && part != NULL);
    SP_TRY(sp__bev_resolve(params, &p));
    SP_TRY(sp_bev_shape(&p, shape));
    SP_TRY(sp__lidar_check_points("bev", in));
    if (i0 > i1 || i1 > in->count)
        return sp__fail(SP_EINVAL,
                        "bev: points [%zu, %zu), expected a range within the "
                        "cloud's %zu",
                        i0, i1, in->count);
    sp__bev_plan pl;
    sp__bev_plan_init(&pl, &p, shape[1], shape[2]);
    const sp_points view = sp__lidar_points_at(in, i0, i1);
    return bev_pack(k,
                    (sp__bev_compact_fn)bev_pack_table
                        .fn[sp__kctx_cpu_impl(k, &bev_pack_table)],
                    &pl, &view, part);
}

int sp_bev_fill(const sp_bev_params *params, const sp_bev_part *parts,
                int nparts, size_t b0, size_t b1, sp_tensor *out)
{
    sp_bev_params p;
    size_t shape[3];
    SP_GUARD(out != NULL && nparts >= 1 && parts != NULL);
    SP_TRY(sp__bev_resolve(params, &p));
    SP_TRY(sp_bev_shape(&p, shape));
    SP_TRY(sp__lidar_check_tensor("bev", out, 3, shape));
    sp__bev_plan pl;
    sp__bev_plan_init(&pl, &p, shape[1], shape[2]);
    const size_t nb = bands_of(&pl);
    for (int q = 0; q < nparts; q++)
        if (parts[q].bands != nb || !parts[q].end || !parts[q].rec)
            return sp__fail(SP_EINVAL,
                            "bev: part %d has %zu bands, expected %zu (a part "
                            "packed by sp_bev_pack() with the same params)",
                            q, parts[q].bands, nb);
    if (b0 > b1 || b1 > nb)
        return sp__fail(SP_EINVAL,
                        "bev: bands [%zu, %zu), expected a range within the "
                        "raster's %zu",
                        b0, b1, nb);
    bev_fill(&pl, parts, nparts, b0, b1, out->data);
    return SP_OK;
}

void sp_bev_share_bands(const sp_bev_part *parts, int nparts, int share,
                        int shares, size_t *b0, size_t *b1)
{
    /* Zeroing a band's cells costs about what scattering an eighth as
     * many points does; the points crowd the bands near the sensor. */
    const size_t nb = nparts > 0 ? parts[0].bands : 0;
    const double zero = SP_BEV_BAND_CELLS / 8.0;
    double total = 0;
    for (size_t b = 0; b < nb; b++)
        total += zero + (double)band_points(parts, nparts, b);
    /* Share s takes the bands whose start lies in its slice of the work. */
    const double lo = total * share / shares;
    const double hi = total * (share + 1) / shares;
    size_t first = nb, last = nb;
    double acc = 0;
    for (size_t b = 0; b < nb; b++) {
        if (first == nb && (share == 0 || acc >= lo))
            first = b;
        if (share + 1 < shares && acc >= hi) {
            last = b;
            break;
        }
        acc += zero + (double)band_points(parts, nparts, b);
    }
    *b0 = first < last ? first : last;
    *b1 = last;
}

int sp_bev_rasterize(sp_kctx *k, const sp_bev_params *params,
                     const sp_points *in, sp_tensor *out)
{
    sp_bev_params p;
    size_t shape[3];
    SP_GUARD(k != NULL && in != NULL && out != NULL);
    SP_TRY(sp__bev_resolve(params, &p));
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
    if (im != SP__KIMPL_SCALAR) {
        sp_bev_part part;
        SP_TRY(
            bev_pack(k, (sp__bev_compact_fn)bev_table.fn[im], &pl, in, &part));
        bev_fill(&pl, &part, 1, 0, part.bands, out->data);
        return SP_OK;
    }
    /* The reference, without scratch: channel 0 accumulates the maximum in
     * place, channel 1 the intensity sum and channel 2 the count (as
     * uint32 bits) until the finish below replaces it with the density. */
    memset(out->data, 0, 3 * cells * sizeof(float));
    sp__bev_accum_scalar(&pl, in, hmax, isum, (uint32_t *)(void *)dens);
    bev_finish(&pl, in, cells, isum, dens);
    return SP_OK;
}
