/* Internal to kernels/: the lidar raster kernels (ground, bev, range,
 * project) — their plans, the per-point arithmetic every back-end shares,
 * and the per-instruction-set entry points. Never installed.
 *
 * Why the per-point arithmetic lives here as static inline functions: the
 * SIMD and OpenCL versions must classify every point exactly as the scalar
 * reference does (same cell, same pixel, same winner). They do so by
 * performing the same IEEE float operations in the same order, with no
 * fused multiply-add (ISO C11 compiles with -ffp-contract=off; the .cl files
 * say FP_CONTRACT OFF), and the SIMD tails call these very functions. */
#ifndef SP_LIDAR_INT_H
#define SP_LIDAR_INT_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels_int.h"
#include "sp_points.h"
#include "sp_tensor.h"
#include "sp_bev.h"
#include "sp_range.h"
#include "sp_project.h"
#include "sp_ground.h"

/* SP_EINVAL unless the cloud's arrays are there for its count and the
 * count fits in an int32 index; `what` names the kernel. */
int sp__lidar_check_points(const char *what, const sp_points *in);
/* SP_EINVAL unless t is f32 with exactly this shape (both shapes named). */
int sp__lidar_check_tensor(const char *what, const sp_tensor *t, int ndim,
                           const size_t *shape);

/* Points [i0, i1) of @p in as a cloud of their own: x, y, z and intensity
 * (all these kernels read) moved to i0. */
static inline sp_points sp__lidar_points_at(const sp_points *in, size_t i0,
                                            size_t i1)
{
    sp_points v = *in;
    if (i1 > i0) {
        v.x += i0;
        v.y += i0;
        v.z += i0;
        v.intensity += i0;
    }
    v.count = i1 - i0;
    return v;
}

/* ---- a float atan2 every back-end computes identically ----------------
 * libm's atan2f differs between libraries and OpenCL's atan2 is allowed 6
 * ulp, so neither can be the spec when a pixel index depends on it. This is
 * Abramowitz & Stegun 4.4.49 (|error| <= 1e-5 rad) on the first octant,
 * folded out by symmetry; it uses only +, -, *, / and comparisons, which are
 * correctly rounded everywhere. Inputs must be finite. */
#define SP__AT_A2 (-0.3302995f)
#define SP__AT_A4 0.1801410f
#define SP__AT_A6 (-0.0851330f)
#define SP__AT_A8 0.0208351f
#define SP__PI_F 3.14159265358979f
#define SP__HALF_PI_F 1.57079632679490f
#define SP__INV_2PI_F 0.159154943091895f

static inline float sp__atan2f(float y, float x)
{
    float ax = fabsf(x), ay = fabsf(y);
    float mx = ax > ay ? ax : ay;
    float mn = ax > ay ? ay : ax;
    float a = mx > 0.0f ? mn / mx : 0.0f;
    float s = a * a;
    float p = ((SP__AT_A8 * s + SP__AT_A6) * s + SP__AT_A4) * s + SP__AT_A2;
    float r = a + (a * s) * p;
    if (ay > ax)
        r = SP__HALF_PI_F - r;
    if (x < 0.0f)
        r = SP__PI_F - r;
    if (y < 0.0f)
        r = -r;
    return r;
}

/* ---- bev --------------------------------------------------------------- */
typedef struct sp__bev_plan {
    float xmin, ymin, zmin, zmax;
    float inv_res; /* 1/res in float: a multiply is exact-rounded on every
                      device, a divide is not on OpenCL */
    float inv_zr;  /* 1/(zmax - zmin) */
    float fh, fw;  /* H, W as float */
    uint32_t h, w;
} sp__bev_plan;

/* The grid index of a point's cell counted from (xmin, ymin), i * W + j
 * with i = (int)fx along x and j = (int)fy along y, and its normalised
 * height; -1 when the point is ignored (outside the box or the z range, NaN
 * or Inf). The comparisons are written so that NaN fails them. */
static inline int32_t sp__bev_grid(const sp__bev_plan *pl, float x, float y,
                                   float z, float *h)
{
    float fx = (x - pl->xmin) * pl->inv_res;
    float fy = (y - pl->ymin) * pl->inv_res;
    if (!(fx >= 0.0f && fx < pl->fh && fy >= 0.0f && fy < pl->fw &&
          z >= pl->zmin && z <= pl->zmax))
        return -1;
    float v = (z - pl->zmin) * pl->inv_zr;
    *h = v > 1.0f ? 1.0f : v;
    return (int32_t)fx * (int32_t)pl->w + (int32_t)fy;
}

/* The raster is drawn forward-up, left-on-the-left (sp_bev.h): row
 * H-1-i, column W-1-j, which is the grid index read from the other end. */
static inline int32_t sp__bev_raster_of(const sp__bev_plan *pl, int32_t g)
{
    return (int32_t)(pl->h * pl->w - 1u) - g;
}

/* The raster cell of a point (row * W + col, see sp_bev.h) and its
 * normalised height, or -1 when the point is ignored. */
static inline int32_t sp__bev_cell(const sp__bev_plan *pl, float x, float y,
                                   float z, float *h)
{
    int32_t g = sp__bev_grid(pl, x, y, z, h);
    return g < 0 ? -1 : sp__bev_raster_of(pl, g);
}

/* Scatter of one point into the accumulators: max height, intensity sum,
 * count. Always in point order, so sums are identical on CPU back-ends. */
static inline void sp__bev_put(float *hmax, float *isum, uint32_t *cnt,
                               int32_t c, float h, float in)
{
    if (h > hmax[c])
        hmax[c] = h;
    isum[c] += in;
    cnt[c] += 1;
}

/* @p in with its zero fields defaulted (NULL: all defaults) into *p;
 * SP_EINVAL naming the field for bad values. */
int sp__bev_resolve(const sp_bev_params *in, sp_bev_params *p);

/* The scalar reference's scatter, straight into the raster. */
void sp__bev_accum_scalar(const sp__bev_plan *pl, const sp_points *in,
                          float *hmax, float *isum, uint32_t *cnt);

/* The points inside the raster packed to the front, in input order:
 * cell, height and intensity of each; returns their number. The arrays
 * need SP__BEV_COMPACT_SLACK entries past the cloud's count. */
#define SP__BEV_COMPACT_SLACK 16
typedef size_t (*sp__bev_compact_fn)(const sp__bev_plan *pl,
                                     const sp_points *in, int32_t *cell,
                                     float *h, float *w);
size_t sp__bev_compact_scalar(const sp__bev_plan *pl, const sp_points *in,
                              int32_t *cell, float *h, float *w);
size_t sp__bev_compact_sse41(const sp__bev_plan *pl, const sp_points *in,
                             int32_t *cell, float *h, float *w);
size_t sp__bev_compact_avx2(const sp__bev_plan *pl, const sp_points *in,
                            int32_t *cell, float *h, float *w);
size_t sp__bev_compact_neon(const sp__bev_plan *pl, const sp_points *in,
                            int32_t *cell, float *h, float *w);

/* density = min(1, ln(n+1)/ln(64)) from a table of counts 0..63, so no
 * back-end evaluates a logarithm (OpenCL's log is not exact). */
#define SP__BEV_DENSITY_N 64
extern const float sp__bev_density[SP__BEV_DENSITY_N];
void sp__bev_plan_init(sp__bev_plan *pl, const sp_bev_params *p, size_t h,
                       size_t w);
static inline float sp__bev_density_of(uint32_t n)
{
    return n >= SP__BEV_DENSITY_N ? 1.0f : sp__bev_density[n];
}

/* ---- range ------------------------------------------------------------- */
typedef struct sp__range_plan {
    uint32_t rows, cols;
    float fov_up;    /* radians */
    float row_scale; /* rows / fov (radians) */
    float frows, fcols;
} sp__range_plan;

/* Pixel (row * cols + col) and range of a point, or -1 when the point is
 * dropped (range 0, NaN/Inf, squared range overflowing, outside the
 * vertical field of view). */
static inline int32_t sp__range_pixel(const sp__range_plan *pl, float x,
                                      float y, float z, float *range)
{
    float rxy2 = x * x + y * y;
    float r2 = rxy2 + z * z;
    if (!(r2 > 0.0f && r2 <= 3.40282347e38f))
        return -1;
    float yaw = sp__atan2f(y, x);
    float pitch = sp__atan2f(z, sqrtf(rxy2));
    float fr = (pl->fov_up - pitch) * pl->row_scale;
    if (!(fr >= 0.0f && fr < pl->frows))
        return -1;
    float fc = (0.5f - yaw * SP__INV_2PI_F) * pl->fcols;
    int32_t col = fc > 0.0f ? (int32_t)fc : 0;
    if (col >= (int32_t)pl->cols)
        col = (int32_t)pl->cols - 1;
    *range = sqrtf(r2);
    return (int32_t)fr * (int32_t)pl->cols + col;
}

/* Nearest wins; on equal range the earlier point (lower index) stays,
 * because points are offered in index order and only a strictly nearer one
 * replaces the incumbent. out holds 5 planes of plane floats, -1 = empty. */
static inline void sp__range_put(float *out, size_t plane, int32_t p, float r,
                                 float x, float y, float z, float in)
{
    float cur = out[p];
    if (cur < 0.0f || r < cur) {
        out[p] = r;
        out[plane + (size_t)p] = x;
        out[2 * plane + (size_t)p] = y;
        out[3 * plane + (size_t)p] = z;
        out[4 * plane + (size_t)p] = in;
    }
}

typedef void (*sp__range_scatter_fn)(const sp__range_plan *pl,
                                     const sp_points *in, float *out);
void sp__range_scatter_scalar(const sp__range_plan *pl, const sp_points *in,
                              float *out);
void sp__range_scatter_sse41(const sp__range_plan *pl, const sp_points *in,
                             float *out);
void sp__range_scatter_avx2(const sp__range_plan *pl, const sp_points *in,
                            float *out);
void sp__range_scatter_neon(const sp__range_plan *pl, const sp_points *in,
                            float *out);

/* The pixel and range of points [i0, i1) (sp_range_cells; -1 and 0 where
 * the point is dropped), per instruction set. */
typedef void (*sp__range_cells_fn)(const sp__range_plan *pl,
                                   const sp_points *in, size_t i0, size_t i1,
                                   int32_t *pix, float *r);
void sp__range_cells_scalar(const sp__range_plan *pl, const sp_points *in,
                            size_t i0, size_t i1, int32_t *pix, float *r);
void sp__range_cells_sse41(const sp__range_plan *pl, const sp_points *in,
                           size_t i0, size_t i1, int32_t *pix, float *r);
void sp__range_cells_avx2(const sp__range_plan *pl, const sp_points *in,
                          size_t i0, size_t i1, int32_t *pix, float *r);
void sp__range_cells_neon(const sp__range_plan *pl, const sp_points *in,
                          size_t i0, size_t i1, int32_t *pix, float *r);

/* ---- project ----------------------------------------------------------- */
typedef struct sp__project_plan {
    float m[12]; /* P · R0 · Tr, rows u', v', w' */
    float d[4];  /* third row of R0 · Tr: depth along the camera axis */
    float min_depth;
    float fw, fh;
    uint32_t w, h;
} sp__project_plan;

/* Pixel (row * w + col) and depth of a point, or -1 when it is dropped
 * (behind or within min_depth of the camera, outside the image, NaN). */
static inline int32_t sp__project_pixel(const sp__project_plan *pl, float x,
                                        float y, float z, float *depth)
{
    const float *m = pl->m;
    float dz = pl->d[0] * x + pl->d[1] * y + pl->d[2] * z + pl->d[3];
    float w = m[8] * x + m[9] * y + m[10] * z + m[11];
    if (!(dz > pl->min_depth && w > 0.0f))
        return -1;
    float u = (m[0] * x + m[1] * y + m[2] * z + m[3]) / w;
    float v = (m[4] * x + m[5] * y + m[6] * z + m[7]) / w;
    if (!(u >= 0.0f && u < pl->fw && v >= 0.0f && v < pl->fh))
        return -1;
    *depth = dz;
    return (int32_t)v * (int32_t)pl->w + (int32_t)u;
}

/* Nearest wins; out is zero where empty and depths are > min_depth > 0. */
static inline void sp__project_put(float *out, int32_t p, float d)
{
    float cur = out[p];
    if (cur == 0.0f || d < cur)
        out[p] = d;
}

typedef void (*sp__project_scatter_fn)(const sp__project_plan *pl,
                                       const sp_points *in, float *out);
void sp__project_scatter_scalar(const sp__project_plan *pl, const sp_points *in,
                                float *out);
void sp__project_scatter_sse41(const sp__project_plan *pl, const sp_points *in,
                               float *out);
void sp__project_scatter_avx2(const sp__project_plan *pl, const sp_points *in,
                              float *out);
void sp__project_scatter_neon(const sp__project_plan *pl, const sp_points *in,
                              float *out);

/* ---- ground ------------------------------------------------------------ */
/* A plane a*x + b*y + c*z + d; a point is an inlier when the float value
 * ((a*x + b*y) + c*z) + d has magnitude < threshold (NaN never is). */
static inline int sp__ground_inlier(const float pl[4], float thr, float x,
                                    float y, float z)
{
    float dist = pl[0] * x + pl[1] * y + pl[2] * z + pl[3];
    return fabsf(dist) < thr;
}

size_t sp__ground_count_scalar(const float pl[4], float thr, const float *x,
                               const float *y, const float *z, size_t n);
void sp__ground_mask_scalar(const float pl[4], float thr, const float *x,
                            const float *y, const float *z, size_t n,
                            uint8_t *mask);
size_t sp__ground_count_sse41(const float pl[4], float thr, const float *x,
                              const float *y, const float *z, size_t n);
void sp__ground_mask_sse41(const float pl[4], float thr, const float *x,
                           const float *y, const float *z, size_t n,
                           uint8_t *mask);
size_t sp__ground_count_avx2(const float pl[4], float thr, const float *x,
                             const float *y, const float *z, size_t n);
void sp__ground_mask_avx2(const float pl[4], float thr, const float *x,
                          const float *y, const float *z, size_t n,
                          uint8_t *mask);
size_t sp__ground_count_neon(const float pl[4], float thr, const float *x,
                             const float *y, const float *z, size_t n);
void sp__ground_mask_neon(const float pl[4], float thr, const float *x,
                          const float *y, const float *z, size_t n,
                          uint8_t *mask);

/* Grid method (scalar on every CPU back-end; see sp_ground.h). Writes
 * mask[i] = 1 for ground points. hash/hash_cap: scratch table of
 * sp__ground_grid_cell entries, hash_cap a power of two >= 2 n. */
typedef struct sp__ground_grid_cell {
    int32_t ix, iy;
    float zmin;
    uint32_t used;
} sp__ground_grid_cell;
void sp__ground_grid_scalar(float inv_cell, float band, const sp_points *in,
                            sp__ground_grid_cell *hash, size_t hash_cap,
                            uint8_t *mask);

/* ---- OpenCL host sides (kernels/opencl/<name>_cl.c) -------------------- */
#if SP_HAVE_OPENCL
/* Writes all 3 * h * w floats of out. */
int sp__bev_opencl(sp_kctx *k, const sp__bev_plan *pl, const sp_points *in,
                   float *out);
/* Writes all 5 * rows * cols floats of out. */
int sp__range_opencl(sp_kctx *k, const sp__range_plan *pl, const sp_points *in,
                     float *out);
/* Writes all h * w floats of out. */
int sp__project_opencl(sp_kctx *k, const sp__project_plan *pl,
                       const sp_points *in, float *out);
/* counts[h] = inliers of planes[4h..4h+3] for h < nplanes. */
int sp__ground_count_opencl(sp_kctx *k, const float *planes, size_t nplanes,
                            float thr, const sp_points *in, uint32_t *counts);
/* mask[i] = inlier of plane. */
int sp__ground_mask_opencl(sp_kctx *k, const float pl[4], float thr,
                           const sp_points *in, uint8_t *mask);
#endif

#endif
