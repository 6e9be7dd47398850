/* ground: RANSAC plane hypotheses, scoring and classification dispatch,
 * least-squares refinement, the grid method's scratch, and compaction.
 * See sp_ground.h for the spec. */
#include <math.h>
#include <string.h>

#include "extras_int.h"
#include "lidar_int.h"

/* Points x hypotheses below which OpenCL's launch overhead dominates. */
#define GROUND_CL_MIN_WORK 4000000
#define GROUND_MAX_ITERATIONS 100000
#define GROUND_DEFAULT_SEED 0x5EEDull

enum { SLOT_PLANES = 0, SLOT_COUNTS, SLOT_MASK, SLOT_HASH, SLOT_IDX };

static int ground_resolve(const sp_ground_params *in, sp_ground_params *p)
{
    static const sp_ground_params zero = {0};
    *p = in ? *in : zero;
    if (p->method != SP_GROUND_PLANE && p->method != SP_GROUND_GRID)
        return sp__fail(SP_EINVAL, "ground: method %d, expected plane or grid",
                        (int)p->method);
    if (p->threshold == 0)
        p->threshold = 0.2;
    if (p->iterations == 0)
        p->iterations = 100;
    if (p->seed == 0)
        p->seed = GROUND_DEFAULT_SEED;
    if (p->max_angle == 0)
        p->max_angle = 30.0;
    if (p->cell == 0)
        p->cell = 1.0;
    if (p->band == 0)
        p->band = 0.2;
    if (!(p->threshold > 0) || !(p->threshold < 1e30))
        return sp__fail(SP_EINVAL, "ground: threshold=%g, expected > 0",
                        p->threshold);
    if (p->iterations < 1 || p->iterations > GROUND_MAX_ITERATIONS)
        return sp__fail(SP_EINVAL, "ground: iterations=%d, expected 1..%d",
                        p->iterations, GROUND_MAX_ITERATIONS);
    if (!(p->max_angle > 0 && p->max_angle <= 90))
        return sp__fail(SP_EINVAL,
                        "ground: max_angle=%g, expected 0 < degrees <= 90",
                        p->max_angle);
    if (!(p->cell > 0) || !(p->cell < 1e30))
        return sp__fail(SP_EINVAL, "ground: cell=%g, expected > 0", p->cell);
    if (!(p->band >= 0) || !(p->band < 1e30))
        return sp__fail(SP_EINVAL, "ground: band=%g, expected >= 0", p->band);
    return SP_OK;
}

/* splitmix64: tiny, fast, and the same sequence on every platform. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Plane through three points in double, oriented with c >= 0, or 0 when a
 * point is not finite, the points are (nearly) collinear or the plane is
 * tilted more than allowed. */
static int plane_from3(const sp_points *in, const size_t idx[3], double min_nz,
                       float out[4])
{
    double p[3][3];
    for (int i = 0; i < 3; i++) {
        p[i][0] = in->x[idx[i]];
        p[i][1] = in->y[idx[i]];
        p[i][2] = in->z[idx[i]];
        if (!isfinite(p[i][0]) || !isfinite(p[i][1]) || !isfinite(p[i][2]))
            return 0;
    }
    double u[3], v[3], n[3];
    for (int i = 0; i < 3; i++) {
        u[i] = p[1][i] - p[0][i];
        v[i] = p[2][i] - p[0][i];
    }
    n[0] = u[1] * v[2] - u[2] * v[1];
    n[1] = u[2] * v[0] - u[0] * v[2];
    n[2] = u[0] * v[1] - u[1] * v[0];
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    double lu = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
    double lv = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (!(len > 1e-9 * lu * lv) || !isfinite(len))
        return 0;
    double s = n[2] < 0 ? -1.0 / len : 1.0 / len;
    for (int i = 0; i < 3; i++)
        n[i] *= s;
    if (n[2] < min_nz)
        return 0;
    out[0] = (float)n[0];
    out[1] = (float)n[1];
    out[2] = (float)n[2];
    out[3] = (float)-(n[0] * p[0][0] + n[1] * p[0][1] + n[2] * p[0][2]);
    return 1;
}

/* Eigenvector of the smallest eigenvalue of a symmetric 3x3 matrix by
 * cyclic Jacobi rotations (a fixed, small number of sweeps: deterministic
 * and plenty for 3x3). */
static void smallest_eigvec(double a[3][3], double out[3])
{
    double v[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    for (int sweep = 0; sweep < 32; sweep++) {
        double off = fabs(a[0][1]) + fabs(a[0][2]) + fabs(a[1][2]);
        if (off == 0)
            break;
        for (int p = 0; p < 2; p++)
            for (int q = p + 1; q < 3; q++) {
                if (a[p][q] == 0)
                    continue;
                double th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                double t =
                    (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int r = 0; r < 3; r++) {
                    double arp = a[r][p], arq = a[r][q];
                    a[r][p] = c * arp - s * arq;
                    a[r][q] = s * arp + c * arq;
                }
                for (int r = 0; r < 3; r++) {
                    double apr = a[p][r], aqr = a[q][r];
                    a[p][r] = c * apr - s * aqr;
                    a[q][r] = s * apr + c * aqr;
                }
                for (int r = 0; r < 3; r++) {
                    double vrp = v[r][p], vrq = v[r][q];
                    v[r][p] = c * vrp - s * vrq;
                    v[r][q] = s * vrp + c * vrq;
                }
            }
    }
    int m = 0;
    for (int i = 1; i < 3; i++)
        if (a[i][i] < a[m][m])
            m = i;
    for (int i = 0; i < 3; i++)
        out[i] = v[i][m];
}

/* Least-squares plane through the masked points (total least squares:
 * through the centroid, normal = least-variance direction). 0 when fewer
 * than 3 points or a degenerate spread. */
static int plane_refit(const sp_points *in, const uint8_t *mask, float out[4])
{
    /* Sums in locals and a point not in the mask added as +0 (no change
     * to a sum, which is never -0): the same additions in the same order
     * as summing the masked points alone, without a branch per point
     * (ground and not ground alternate along a scan) or a sum kept in
     * memory (each add waiting on the last one's store). */
    const float *x = in->x, *y = in->y, *z = in->z;
    const size_t np = in->count;
    double sx = 0, sy = 0, sz = 0;
    size_t m = 0;
    for (size_t i = 0; i < np; i++) {
        const int on = mask[i] != 0;
        sx += on ? (double)x[i] : 0.0;
        sy += on ? (double)y[i] : 0.0;
        sz += on ? (double)z[i] : 0.0;
        m += (size_t)on;
    }
    if (m < 3)
        return 0;
    double cx = sx / (double)m, cy = sy / (double)m, cz = sz / (double)m;
    double cxx = 0, cxy = 0, cxz = 0, cyy = 0, cyz = 0, czz = 0;
    for (size_t i = 0; i < np; i++) {
        const int on = mask[i] != 0;
        const double dx = on ? x[i] - cx : 0.0, dy = on ? y[i] - cy : 0.0,
                     dz = on ? z[i] - cz : 0.0;
        cxx += dx * dx;
        cxy += dx * dy;
        cxz += dx * dz;
        cyy += dy * dy;
        cyz += dy * dz;
        czz += dz * dz;
    }
    double c[3][3] = {{cxx, cxy, cxz}, {0, cyy, cyz}, {0, 0, czz}};
    c[1][0] = c[0][1];
    c[2][0] = c[0][2];
    c[2][1] = c[1][2];
    double n[3];
    smallest_eigvec(c, n);
    double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    if (!(len > 0.5) || !isfinite(len))
        return 0;
    if (n[2] < 0)
        len = -len;
    for (int i = 0; i < 3; i++)
        n[i] /= len;
    out[0] = (float)n[0];
    out[1] = (float)n[1];
    out[2] = (float)n[2];
    out[3] = (float)-(n[0] * cx + n[1] * cy + n[2] * cz);
    return 1;
}

/* The back-ends of the plane method: the table holds the scoring pass
 * (inliers of each hypothesis), ground_mask the classification in the
 * same versions, indexed by the version the table picked, so one call
 * runs on one back-end throughout. */
typedef size_t (*ground_count_fn)(const float[4], float, const float *,
                                  const float *, const float *, size_t);
typedef void (*ground_mask_fn)(const float[4], float, const float *,
                               const float *, const float *, size_t, uint8_t *);
typedef int (*ground_count_cl_fn)(sp_kctx *, const float *, size_t, float,
                                  const sp_points *, uint32_t *);
typedef void (*ground_grid_fn)(float, float, const sp_points *,
                               sp__ground_grid_cell *, size_t, uint8_t *);
typedef int (*ground_mask_cl_fn)(sp_kctx *, const float[4], float,
                                 const sp_points *, uint8_t *);

static const sp__ktable ground_table = {
    "ground",
    {SP__KT_SCALAR(sp__ground_count_scalar) SP__KT_SSE41(sp__ground_count_sse41)
         SP__KT_AVX2(sp__ground_count_avx2) SP__KT_NEON(sp__ground_count_neon)
             SP__KT_OPENCL(sp__ground_count_opencl)},
    GROUND_CL_MIN_WORK,
    0,
};

static const sp__kfn ground_mask[SP__KIMPL_COUNT] = {
    SP__KT_SCALAR(sp__ground_mask_scalar) SP__KT_SSE41(sp__ground_mask_sse41)
        SP__KT_AVX2(sp__ground_mask_avx2) SP__KT_NEON(sp__ground_mask_neon)
            SP__KT_OPENCL(sp__ground_mask_opencl)};

/* The grid method is scalar on every back-end (see sp_ground.h): a table
 * of one entry, so the record says scalar ran. */
static const sp__ktable ground_grid_table = {
    "ground grid",
    {SP__KT_SCALAR(sp__ground_grid_scalar)},
    0,
    0,
};

/* One CPU call split across params.fork's shares: hypotheses for the
 * scores, points for a classification. */
typedef struct ground_job {
    ground_count_fn count;
    ground_mask_fn mask_fn;
    float thr;
    const sp_points *in;
    const float *planes; /* scoring: nplanes planes into counts */
    size_t nplanes;
    uint32_t *counts;
    const float *plane; /* classifying: into mask */
    uint8_t *mask;
} ground_job;

static void count_share(void *arg, int i, int n)
{
    const ground_job *j = arg;
    size_t h1 = j->nplanes * (size_t)(i + 1) / (size_t)n;
    for (size_t h = j->nplanes * (size_t)i / (size_t)n; h < h1; h++)
        j->counts[h] = (uint32_t)j->count(j->planes + 4 * h, j->thr, j->in->x,
                                          j->in->y, j->in->z, j->in->count);
}

static void mask_share(void *arg, int i, int n)
{
    const ground_job *j = arg;
    size_t c = j->in->count, i0 = c * (size_t)i / (size_t)n,
           i1 = c * (size_t)(i + 1) / (size_t)n;
    j->mask_fn(j->plane, j->thr, j->in->x + i0, j->in->y + i0, j->in->z + i0,
               i1 - i0, j->mask + i0);
}

static void run_shares(const sp_ground_params *p, sp_ground_share_fn fn,
                       ground_job *j)
{
    if (p->fork && p->fork_n > 1)
        p->fork(p->fork_ctx, p->fork_n, fn, j);
    else
        fn(j, 0, 1);
}

/* Classifies with version *im; an OpenCL failure under AUTO moves *im to
 * the CPU for this and every later pass of the call. */
static int classify(sp_kctx *k, sp__kimpl *im, const sp_ground_params *p,
                    const float pl[4], float thr, const sp_points *in,
                    uint8_t *mask)
{
    if (*im == SP__KIMPL_OPENCL) {
        int rc = ((ground_mask_cl_fn)ground_mask[*im])(k, pl, thr, in, mask);
        *im = sp__kctx_after_cl(k, &ground_table, rc);
        if (*im == SP__KIMPL_OPENCL)
            return rc;
    }
    ground_job j = {.mask_fn = (ground_mask_fn)ground_mask[*im],
                    .thr = thr,
                    .in = in,
                    .plane = pl,
                    .mask = mask};
    run_shares(p, mask_share, &j);
    return SP_OK;
}

/* RANSAC; mask[] gets the final classification. */
static int ground_plane(sp_kctx *k, const sp_ground_params *p,
                        const sp_points *in, uint8_t *mask,
                        sp_ground_info *info)
{
    size_t n = in->count, iters = (size_t)p->iterations;
    float thr = (float)p->threshold;
    memset(mask, 0, n);
    if (n < 3) {
        sp__kctx_cpu_impl(k, &ground_table);
        return SP_OK;
    }
    float *planes = sp__kctx_scratch(k, SLOT_PLANES, iters * 4 * sizeof(float));
    uint32_t *counts =
        sp__kctx_scratch(k, SLOT_COUNTS, iters * sizeof(uint32_t));
    if (!planes || !counts)
        return SP_ENOMEM;

    /* All hypotheses are drawn before any is scored: the PRNG sequence
     * never depends on scores, so every back-end sees the same ones. */
    uint64_t s = p->seed;
    double min_nz = cos(p->max_angle * 3.14159265358979323846 / 180.0);
    size_t nplanes = 0;
    for (size_t h = 0; h < iters; h++) {
        size_t idx[3];
        idx[0] = (size_t)(rng_next(&s) % n);
        do
            idx[1] = (size_t)(rng_next(&s) % n);
        while (idx[1] == idx[0]);
        do
            idx[2] = (size_t)(rng_next(&s) % n);
        while (idx[2] == idx[0] || idx[2] == idx[1]);
        if (plane_from3(in, idx, min_nz, planes + 4 * nplanes))
            nplanes++;
    }
    sp__kimpl im = sp__kctx_pick_impl(k, &ground_table, n * nplanes);
    if (nplanes == 0)
        return SP_OK;
    if (im == SP__KIMPL_OPENCL) {
        int rc = ((ground_count_cl_fn)ground_table.fn[im])(k, planes, nplanes,
                                                           thr, in, counts);
        im = sp__kctx_after_cl(k, &ground_table, rc);
        if (im == SP__KIMPL_OPENCL)
            SP_TRY(rc);
    }
    if (im != SP__KIMPL_OPENCL) {
        ground_job j = {.count = (ground_count_fn)ground_table.fn[im],
                        .thr = thr,
                        .in = in,
                        .planes = planes,
                        .nplanes = nplanes,
                        .counts = counts};
        run_shares(p, count_share, &j);
    }
    size_t best = 0;
    for (size_t h = 1; h < nplanes; h++)
        if (counts[h] > counts[best])
            best = h;
    float plane[4];
    memcpy(plane, planes + 4 * best, sizeof plane);
    SP_TRY(classify(k, &im, p, plane, thr, in, mask));
    if (!p->no_refine && plane_refit(in, mask, plane))
        SP_TRY(classify(k, &im, p, plane, thr, in, mask));
    if (info) {
        memcpy(info->plane, plane, sizeof plane);
        info->found = 1;
    }
    return SP_OK;
}

static int ground_grid(sp_kctx *k, const sp_ground_params *p,
                       const sp_points *in, uint8_t *mask)
{
    size_t cap = 16;
    while (cap < 2 * in->count)
        cap *= 2;
    sp__ground_grid_cell *hash =
        sp__kctx_scratch(k, SLOT_HASH, cap * sizeof *hash);
    if (!hash)
        return SP_ENOMEM;
    sp__kimpl im = sp__kctx_pick_impl(k, &ground_grid_table, in->count);
    ((ground_grid_fn)ground_grid_table.fn[im])(
        1.0f / (float)p->cell, (float)p->band, in, hash, cap, mask);
    return SP_OK;
}

int sp_ground_filter(sp_kctx *k, const sp_ground_params *params,
                     const sp_points *in, sp_points *out, sp_ground_info *info)
{
    sp_ground_params p;
    SP_GUARD(k != NULL && in != NULL && out != NULL && in != out);
    SP_TRY(ground_resolve(params, &p));
    SP_TRY(sp__lidar_check_points("ground", in));
    if (out->capacity < in->count || (in->count > 0 && !out->x))
        return sp__fail(SP_EINVAL,
                        "ground: output holds %zu points, expected room for "
                        "the input's %zu",
                        out->capacity, in->count);
    if (info)
        memset(info, 0, sizeof *info);
    sp__extras ex;
    SP_TRY(sp__extras_plan("ground", in, out, &ex));

    size_t n = in->count;
    uint32_t *idx = NULL; /* the kept points' indices, for the extras */
    if (ex.n) {
        idx = sp__kctx_scratch(k, SLOT_IDX, (n ? n : 1) * sizeof *idx);
        if (!idx)
            return SP_ENOMEM;
    }
    uint8_t *mask = sp__kctx_scratch(k, SLOT_MASK, n ? n : 1);
    if (!mask)
        return SP_ENOMEM;
    if (p.method == SP_GROUND_PLANE)
        SP_TRY(ground_plane(k, &p, in, mask, info));
    else
        SP_TRY(ground_grid(k, &p, in, mask));

    /* Order-preserving compaction of the kept side. */
    uint8_t keep = p.keep_ground ? 1 : 0;
    int ring = in->ring && out->ring, time = in->time && out->time;
    size_t m = 0, g = 0;
    for (size_t i = 0; i < n; i++) {
        g += mask[i];
        if (mask[i] != keep)
            continue;
        out->x[m] = in->x[i];
        out->y[m] = in->y[i];
        out->z[m] = in->z[i];
        out->intensity[m] = in->intensity[i];
        if (ring)
            out->ring[m] = in->ring[i];
        if (time)
            out->time[m] = in->time[i];
        if (idx)
            idx[m] = (uint32_t)i;
        m++;
    }
    out->count = m;
    if (ex.n)
        sp__extras_gather(&ex, idx, m);
    if (info)
        info->ground = g;
    return SP_OK;
}
