/* ctest-label: simd */
/* bev on every back-end against the scalar reference — channels 0 and 2
 * bit-exact everywhere, channel 1 (mean intensity) bit-exact on SIMD and
 * within 1e-5 * max(1, |v|) on OpenCL (atomic sums in another order) — on
 * random clouds with NaN/Inf and points on cell edges of 0, 1, 7, 63, 64,
 * 65, 1000 and 10^6 points; the spec on hand-made points; parameter and
 * shape errors; a real KITTI sweep when the data is there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "kernels_int.h"
#include "lidar_int.h"
#include "sp_bev.h"

typedef struct tbuf {
    sp_tensor t;
    void *mem;
} tbuf;

static void tbuf_init(tbuf *b, int ndim, const size_t *shape)
{
    size_t bytes = sp_tensor_block_size(SP_DTYPE_F32, ndim, shape);
    assert_true(bytes > 0);
    bytes = (bytes + 63) & ~(size_t)63;
    b->mem = aligned_alloc(64, bytes);
    assert_non_null(b->mem);
    /* Garbage first: the kernel must write every element. */
    memset(b->mem, 0xA5, bytes);
    assert_int_equal(
        sp_tensor_init(&b->t, b->mem, bytes, SP_DTYPE_F32, ndim, shape), SP_OK);
}

static sp_kctx *scalar_ctx(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

static void test_shape_and_errors(void **state)
{
    (void)state;
    size_t s[3];
    assert_int_equal(sp_bev_shape(NULL, s), SP_OK);
    assert_int_equal(s[0], 3);
    assert_int_equal(s[1], 700); /* 70 / 0.1: not 701 */
    assert_int_equal(s[2], 800);
    sp_bev_params p = {
        .xmin = 0, .xmax = 1, .ymin = 0, .ymax = 0.25, .res = 0.1};
    assert_int_equal(sp_bev_shape(&p, s), SP_OK);
    assert_int_equal(s[1], 10);
    assert_int_equal(s[2], 3); /* 2.5 cells: the partial one counts */
    p.res = -1;
    assert_int_equal(sp_bev_shape(&p, s), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "res=-1"));
    p.res = 1e-5;
    p.xmax = 100;
    p.ymax = 100;
    assert_int_equal(sp_bev_shape(&p, s), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "exceeds"));
    p = (sp_bev_params){.xmin = 5, .xmax = 1};
    assert_int_equal(sp_bev_shape(&p, s), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "x=5:1"));

    /* Wrong output shape: the message names both. */
    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(1, 0);
    tbuf b;
    size_t bad[3] = {3, 700, 799};
    tbuf_init(&b, 3, bad);
    assert_int_equal(sp_bev_rasterize(k, NULL, &c->pts, &b.t), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "(3,700,799)"));
    assert_non_null(strstr(sp_errmsg(), "(3,700,800)"));
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

/* Worked by hand with the defaults (res 0.1, z -2.5:1, so h = (z+2.5)/3.5),
 * forward up and left on the left: (10.05, 0.05) is grid cell 100 along x
 * (10.0..10.1) and 400 along y (0.0..0.1), so row 699 - 100 = 599 and
 * column 799 - 400 = 399. */
static void test_known_cells(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(8, 0);
    const float x[7] = {10.05f, 10.06f, -1.0f, 10.05f, NAN, 10.05f, 69.95f};
    const float y[7] = {0.05f, 0.07f, 0.0f, 0.05f, 0.05f, 0.05f, -39.95f};
    const float z[7] = {-0.75f, 0.25f, 0.0f, 2.0f, 0.0f, -3.0f, -2.5f};
    const float in[7] = {0.5f, 0.3f, 9, 9, 9, 9, 0.25f};
    for (int i = 0; i < 7; i++) {
        c->pts.x[i] = x[i];
        c->pts.y[i] = y[i];
        c->pts.z[i] = z[i];
        c->pts.intensity[i] = in[i];
    }
    c->pts.count = 7;
    size_t s[3];
    assert_int_equal(sp_bev_shape(NULL, s), SP_OK);
    tbuf b;
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_bev_rasterize(k, NULL, &c->pts, &b.t), SP_OK);
    const float *o = b.t.data;
    size_t cells = s[1] * s[2], cell = 599 * 800 + 399;
    assert_float_equal(o[cell], 2.75f / 3.5f, 1e-6);
    assert_float_equal(o[cells + cell], 0.4f, 1e-6);
    assert_float_equal(o[2 * cells + cell], log(3.0) / log(64.0), 1e-6);
    /* (69.95, -39.95): farthest and rightmost, the top right corner; z at
     * zmin gives height 0 but a density and intensity. */
    size_t corner = 0 * 800 + 799;
    assert_float_equal(o[corner], 0.0f, 0);
    assert_float_equal(o[cells + corner], 0.25f, 1e-7);
    assert_float_equal(o[2 * cells + corner], 1.0f / 6.0f, 1e-6);
    size_t nonzero = 0;
    for (size_t i = 0; i < 3 * cells; i++)
        nonzero += o[i] != 0.0f;
    assert_int_equal(nonzero, 5); /* 3 + 2: the rest was ignored */
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

/* The picture the field draws: forward up, left on the left. Quadrants of
 * a 20 x 20 m raster (res 1, 20 x 20 cells) and the partial cell of an
 * extent that is not a whole number of cells. */
static void test_orientation(void **state)
{
    (void)state;
    sp_kctx *k = scalar_ctx();
    kcloud *c = kcloud_new(4, 0);
    /* ahead-left, ahead-right, near the sensor straight ahead, behind. */
    const float x[4] = {15.5f, 15.5f, 0.5f, -0.5f};
    const float y[4] = {5.5f, -5.5f, 0.5f, 0.0f};
    for (int i = 0; i < 4; i++) {
        c->pts.x[i] = x[i];
        c->pts.y[i] = y[i];
        c->pts.z[i] = 0;
        c->pts.intensity[i] = (float)(i + 1);
    }
    c->pts.count = 4;
    sp_bev_params p = {.xmin = 0,
                       .xmax = 20,
                       .ymin = -10,
                       .ymax = 10,
                       .zmin = -1,
                       .zmax = 1,
                       .res = 1};
    size_t s[3];
    assert_int_equal(sp_bev_shape(&p, s), SP_OK);
    assert_int_equal(s[1], 20);
    assert_int_equal(s[2], 20);
    tbuf b;
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_bev_rasterize(k, &p, &c->pts, &b.t), SP_OK);
    const float *in = (const float *)b.t.data + 400; /* channel 1 */
    /* x 15..16 is row 20-1-15 = 4 (upper half); y 5..6 (left) column
     * 20-1-15 = 4 (left half), y -6..-5 (right) column 15. */
    assert_true(in[4 * 20 + 4] == 1.0f);
    assert_true(in[4 * 20 + 15] == 2.0f);
    /* x 0..1 (nearest) is the bottom row, y 0..1 just left of centre. */
    assert_true(in[19 * 20 + 9] == 3.0f);
    size_t nonzero = 0;
    for (size_t i = 0; i < 400; i++)
        nonzero += in[i] != 0.0f;
    assert_int_equal(nonzero, 3); /* behind the sensor is outside */
    free(b.mem);

    /* y 0:0.25 at res 0.1 is 3 columns, the far (left) one partial:
     * y 0.2..0.25 lands in column 0, y 0..0.1 in column 2. */
    sp_bev_params q = {.xmin = 0,
                       .xmax = 1,
                       .ymin = 0,
                       .ymax = 0.25,
                       .zmin = -1,
                       .zmax = 1,
                       .res = 0.1};
    c->pts.x[0] = 0.05f, c->pts.y[0] = 0.22f, c->pts.intensity[0] = 7;
    c->pts.x[1] = 0.05f, c->pts.y[1] = 0.05f, c->pts.intensity[1] = 8;
    c->pts.count = 2;
    assert_int_equal(sp_bev_shape(&q, s), SP_OK);
    assert_int_equal(s[1], 10);
    assert_int_equal(s[2], 3);
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_bev_rasterize(k, &q, &c->pts, &b.t), SP_OK);
    in = (const float *)b.t.data + 30;
    assert_true(in[9 * 3 + 0] == 7.0f);
    assert_true(in[9 * 3 + 2] == 8.0f);
    free(b.mem);
    kcloud_free(c);
    sp_kctx_destroy(k);
}

/* Channel 1 on OpenCL: both means are sums of the same values, in point
 * order and in the atomics' order, divided by the same count; each sum is
 * within (k-1) u sum|x| of the exact one (u = 2^-24; the 1.01 covers the
 * higher-order terms), and the quotient adds one rounding each. */
static float mean_tol(float ref, uint32_t k, double abs_sum)
{
    if (k < 2)
        return 0.0f;
    double u = ldexp(1.0, -24);
    return (float)(1.01 * 2.0 * (k - 1) * u * abs_sum / k +
                   2.0 * u * fabs(ref));
}

/* cnt, abs_sum: per cell, for OpenCL's channel 1 (NULL for a CPU back-end). */
static void compare(const float *ref, const float *got, size_t cells,
                    const char *name, size_t n, const uint32_t *cnt,
                    const double *abs_sum)
{
    int opencl = strcmp(name, "opencl") == 0;
    for (int ch = 0; ch < 3; ch++) {
        const float *a = ref + ch * cells, *b = got + ch * cells;
        if (ch == 1 && opencl) {
            for (size_t i = 0; i < cells; i++) {
                float tol = mean_tol(a[i], cnt[i], abs_sum[i]);
                if (!(fabsf(a[i] - b[i]) <= tol))
                    fail_msg("%s, %zu points: channel 1 cell %zu: %g vs "
                             "scalar %g (%u points, bound %g)",
                             name, n, i, b[i], a[i], cnt[i], tol);
            }
        } else if (memcmp(a, b, cells * sizeof(float))) {
            for (size_t i = 0; i < cells; i++)
                if (memcmp(&a[i], &b[i], sizeof(float)))
                    fail_msg("%s, %zu points: channel %d cell %zu: %g vs "
                             "scalar %g",
                             name, n, ch, i, b[i], a[i]);
        }
    }
}

static void run_backends(const sp_points *pts, const sp_bev_params *p)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    assert_true(nb >= 1);
    size_t s[3];
    assert_int_equal(sp_bev_shape(p, s), SP_OK);
    tbuf ref, got;
    tbuf_init(&ref, 3, s);
    tbuf_init(&got, 3, s);
    if (sp_bev_rasterize(ctx[0], p, pts, &ref.t) != SP_OK)
        fail_msg("scalar: %s", sp_errmsg());
    /* Each cell's count and sum of |intensity|, for channel 1's bound. */
    size_t cells = s[1] * s[2];
    uint32_t *cnt = calloc(cells ? cells : 1, sizeof *cnt);
    double *abs_sum = calloc(cells ? cells : 1, sizeof *abs_sum);
    assert_true(cnt && abs_sum);
    sp_bev_params rp;
    assert_int_equal(sp__bev_resolve(p, &rp), SP_OK);
    sp__bev_plan pl;
    sp__bev_plan_init(&pl, &rp, s[1], s[2]);
    for (size_t i = 0; i < pts->count; i++) {
        float h;
        int32_t c = sp__bev_cell(&pl, pts->x[i], pts->y[i], pts->z[i], &h);
        if (c >= 0) {
            cnt[c]++;
            abs_sum[c] += fabs((double)pts->intensity[i]);
        }
    }
    for (int i = 1; i < nb; i++) {
        memset(got.mem, 0xA5, 3 * cells * sizeof(float));
        if (sp_bev_rasterize(ctx[i], p, pts, &got.t) != SP_OK)
            fail_msg("%s: %s", names[i], sp_errmsg());
        compare(ref.t.data, got.t.data, cells, names[i], pts->count, cnt,
                abs_sum);
    }
    free(cnt);
    free(abs_sum);
    free(ref.mem);
    free(got.mem);
    kcloud_backends_free(ctx, nb);
}

static void test_backends_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 63, 64, 65, 1000, 1000000};
    kcloud *c = kcloud_new(1000000, 0);
    assert_non_null(c);
    sp_bev_params small = {.xmin = -8,
                           .xmax = 8,
                           .ymin = -6,
                           .ymax = 6,
                           .zmin = -2,
                           .zmax = 2,
                           .res = 0.5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* Extent 60 around a default raster: points on both sides of
         * every edge; quantum 0.1 puts many exactly on cell edges. */
        kcloud_random(c, sizes[i], 1000 + i, 60.0f, 0.1f, 1);
        run_backends(&c->pts, NULL);
        /* Dense small raster: many points per cell, density saturates. */
        kcloud_random(c, sizes[i], 2000 + i, 9.0f, 0.5f, 1);
        run_backends(&c->pts, &small);
    }
    kcloud_free(c);
}

/* The SIMD back-ends scatter band by band (2048 cells, kernels/bev.c):
 * points in the cells on either side of every band edge @p edge, in a
 * raster whose last band is partial, each cell hit several times in an
 * order that float sums notice, with points outside and NaN between them. */
static void band_edges(const sp_bev_params *p, size_t rows, size_t cols,
                       const size_t *edge, size_t ne)
{
    static const float wv[] = {1e7f, 1.0f, -1e7f, 0.3f, 3e-8f, 7.0f};
    const size_t nw = 6;
    size_t s[3];
    assert_int_equal(sp_bev_shape(p, s), SP_OK);
    assert_int_equal(s[1], rows);
    assert_int_equal(s[2], cols);
    kcloud *c = kcloud_new(ne * nw * 2 + 8, 0);
    assert_non_null(c);
    size_t n = 0;
    for (size_t r = 0; r < nw; r++)
        for (size_t e = 0; e < ne; e++) {
            size_t row = edge[e] / s[2], col = edge[e] % s[2];
            c->pts.x[n] = (float)((double)(s[1] - 1 - row) * p->res + p->xmin +
                                  p->res / 2);
            c->pts.y[n] = (float)((double)(s[2] - 1 - col) * p->res + p->ymin +
                                  p->res / 2);
            c->pts.z[n] = -0.9f + 0.3f * (float)((r * 7 + e) % 6);
            c->pts.intensity[n] = wv[(r + e) % nw];
            n++;
            /* between them: outside the box, outside the z range, NaN */
            c->pts.x[n] = (e % 3 == 0) ? -1.0f : (e % 3 == 1) ? 5.0f : NAN;
            c->pts.y[n] = 3.0f;
            c->pts.z[n] = (e % 3 == 1) ? 5.0f : 0.0f;
            c->pts.intensity[n] = 99.0f;
            n++;
        }
    c->pts.count = n;
    run_backends(&c->pts, p);

    /* And the reference put them where meant: every edge cell holds nw
     * points, and nothing else is occupied. */
    sp_kctx *k = scalar_ctx();
    tbuf b;
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_bev_rasterize(k, p, &c->pts, &b.t), SP_OK);
    const size_t cells = s[1] * s[2];
    const float *d = (const float *)b.t.data + 2 * cells;
    size_t occupied = 0;
    for (size_t i = 0; i < cells; i++)
        occupied += d[i] > 0;
    assert_int_equal(occupied, ne);
    for (size_t e = 0; e < ne; e++)
        assert_true(d[edge[e]] == d[edge[0]] && d[edge[e]] > 0);
    free(b.mem);
    sp_kctx_destroy(k);
    kcloud_free(c);
}

static void test_band_edges(void **state)
{
    (void)state;
    /* 100 rows of 410 cells: 41000 cells, 20 bands and 40 cells. */
    sp_bev_params p = {.xmin = 0,
                       .xmax = 10,
                       .ymin = 0,
                       .ymax = 41,
                       .zmin = -1,
                       .zmax = 1,
                       .res = 0.1};
    static const size_t edge[] = {0,     1,     2047,  2048,  2049,  4095,
                                  4096,  20479, 20480, 38911, 38912, 40959,
                                  40960, 40961, 40998, 40999};
    band_edges(&p, 100, 410, edge, sizeof edge / sizeof edge[0]);
}

/* A raster of SP__STREAM_MIN bytes or more is built band by band on the
 * stack and streamed out, empty bands as zeros (kernels/bev.c): 701 x 801
 * cells (6.7 MB, 274 bands and 349 cells), whose channels 1 and 2 start 4
 * and 8 bytes past a 16-byte boundary, and most of whose bands are empty;
 * every element is written (run_backends fills the output with 0xA5). */
static void test_band_edges_streamed(void **state)
{
    (void)state;
    sp_bev_params p = {.xmin = 0,
                       .xmax = 70.1,
                       .ymin = -40,
                       .ymax = 40.1,
                       .zmin = -1,
                       .zmax = 1,
                       .res = 0.1};
    static const size_t edge[] = {0,      1,      2047,   2048,   2049,
                                  4095,   4096,   280575, 280576, 561151,
                                  561152, 561153, 561499, 561500};
    assert_true(3 * 701 * 801 * sizeof(float) >= SP__STREAM_MIN);
    band_edges(&p, 701, 801, edge, sizeof edge / sizeof edge[0]);
}

/* The split steps: every way of cutting the points and the bands gives
 * the raster sp_bev_rasterize() does (parts from separate contexts, as
 * threads hold them); the share split covers every band once; misuse is
 * refused by name. */
static void test_pack_fill(void **state)
{
    (void)state;
    kcloud *c = kcloud_new(20000, 0);
    assert_non_null(c);
    kcloud_random(c, 20000, 77, 60.0f, 0.1f, 1);
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    size_t s[3];
    assert_int_equal(sp_bev_shape(NULL, s), SP_OK);
    tbuf ref, got;
    tbuf_init(&ref, 3, s);
    tbuf_init(&got, 3, s);
    assert_int_equal(sp_bev_rasterize(ctx[0], NULL, &c->pts, &ref.t), SP_OK);
    const size_t cells = s[1] * s[2];
    const size_t bands = (cells + SP_BEV_BAND_CELLS - 1) / SP_BEV_BAND_CELLS;
    for (int shares = 1; shares <= 5; shares++) {
        sp_kctx *k[5];
        sp_bev_part part[5];
        for (int i = 0; i < shares; i++) {
            /* uneven slices, the second empty when shares > 3 */
            size_t sq = (size_t)(shares * shares);
            size_t i0 = c->pts.count * (size_t)i * i / sq;
            size_t i1 = c->pts.count * (size_t)(i + 1) * (i + 1) / sq;
            if (shares > 3 && i == 1)
                i1 = i0;
            if (shares > 3 && i == 2)
                i0 = c->pts.count / sq;
            sp_kctx_desc d = {.backend = SP_BACKEND_SIMD};
            assert_int_equal(sp_kctx_create(&d, &k[i]), SP_OK);
            assert_int_equal(sp_bev_pack(k[i], NULL, &c->pts, i0, i1, &part[i]),
                             SP_OK);
            assert_int_equal(part[i].bands, bands);
            if (shares > 3 && i == 1)
                assert_int_equal(part[i].end[bands - 1], 0);
        }
        memset(got.mem, 0xA5, 3 * cells * sizeof(float));
        size_t next = 0;
        for (int i = 0; i < shares; i++) {
            size_t b0, b1;
            sp_bev_share_bands(part, shares, i, shares, &b0, &b1);
            assert_true(b0 == next && b1 >= b0 && b1 <= bands);
            next = b1;
            assert_int_equal(sp_bev_fill(NULL, part, shares, b0, b1, &got.t),
                             SP_OK);
        }
        assert_int_equal(next, bands);
        compare(ref.t.data, got.t.data, cells, "pack+fill", c->pts.count, NULL,
                NULL);
        if (shares == 2) {
            assert_int_equal(sp_bev_pack(k[0], NULL, &c->pts, 5, 4, &part[0]),
                             SP_EINVAL);
            assert_non_null(strstr(sp_errmsg(), "points [5, 4)"));
            assert_int_equal(
                sp_bev_pack(k[0], NULL, &c->pts, 0, c->pts.count + 1, &part[0]),
                SP_EINVAL);
            assert_int_equal(sp_bev_fill(NULL, part, 2, 0, bands + 1, &got.t),
                             SP_EINVAL);
            assert_non_null(strstr(sp_errmsg(), "bands"));
            sp_bev_part other = part[1];
            other.bands = 3;
            assert_int_equal(sp_bev_fill(NULL, &other, 1, 0, 1, &got.t),
                             SP_EINVAL);
            assert_non_null(strstr(sp_errmsg(), "part 0 has 3 bands"));
        }
        for (int i = 0; i < shares; i++)
            sp_kctx_destroy(k[i]);
    }
    free(ref.mem);
    free(got.mem);
    kcloud_backends_free(ctx, nb);
    kcloud_free(c);
}

static void test_kitti(void **state)
{
    (void)state;
    char buf[1024], why[256];
    const char *path = kcloud_data_path(
        "kitti_object/training/velodyne/000001.bin", buf, sizeof buf);
    if (!path) {
        printf("skipped: KITTI sweep kitti_object/training/velodyne/"
               "000001.bin not found under $SP_TEST_DATA or ../shared/data\n");
        skip();
    }
    kcloud *c = kcloud_load_kitti(path, why, sizeof why);
    if (!c)
        fail_msg("%s", why);
    run_backends(&c->pts, NULL);

    sp_kctx *k = scalar_ctx();
    size_t s[3];
    assert_int_equal(sp_bev_shape(NULL, s), SP_OK);
    tbuf b;
    tbuf_init(&b, 3, s);
    assert_int_equal(sp_bev_rasterize(k, NULL, &c->pts, &b.t), SP_OK);
    size_t cells = s[1] * s[2], occupied = 0;
    const float *o = b.t.data;
    for (size_t i = 0; i < cells; i++) {
        occupied += o[2 * cells + i] > 0;
        assert_true(o[i] >= 0 && o[i] <= 1);
        assert_true(o[2 * cells + i] >= 0 && o[2 * cells + i] <= 1);
    }
    /* A 120k-point sweep covers thousands of 10 cm cells in front of the
     * car, and far fewer than it has points. */
    assert_true(occupied > 10000 && occupied < c->pts.count);
    free(b.mem);
    sp_kctx_destroy(k);
    kcloud_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_and_errors),
        cmocka_unit_test(test_known_cells),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_backends_random),
        cmocka_unit_test(test_band_edges),
        cmocka_unit_test(test_band_edges_streamed),
        cmocka_unit_test(test_pack_fill),
        cmocka_unit_test(test_kitti),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
