/* ctest-label: simd */
/* The lidar packet decoders (kernels/sp_lidardec.h):
 *  - every back-end of the projection kernel (SSE4.1, AVX2; NEON where
 *    built; OpenCL on twelve batches per call, skipped with a message
 *    without a device) against the scalar reference, bit for bit, on
 *    random batches and edge cases (zero ranges, ranges on the filter bounds,
 * azimuths wrapping through 0 and 360, windows that wrap, all points dropped);
 *    and through sp_lidardec_decode on every back-end's context, with the
 *    version that ran recorded;
 *  - every model on synthetic packets built from the published layouts
 *    (Velodyne user manuals; Hesai Pandar64, Pandar40P, XT32, QT64 user
 *    manuals) against an independent computation in this file: spherical
 *    to Cartesian in double from the block azimuth, the laser's
 *    elevation and azimuth offset, and (Velodyne) the firing's share of
 *    the azimuth step; within 2 mm at 4-20 m (the 0.01-degree azimuth
 *    table of the Velodyne drivers), 0.1 mm for Hesai (0.001 degree);
 *  - dual returns (return=dual|strongest|last), inspect's refusals, the
 *    model byte that names another model. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "lidardec_check.h"
#include "lidardec_int.h"
#include "lidardec_tables_int.h"
#include "sp_iotest.h"

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static sp_kctx *ctx(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

/* ---- back-ends against scalar ---- */

static void fill_batch(sp__ld_batch *b, const sp__ld_plan *pl, uint32_t nblocks,
                       uint32_t per_block, int edge)
{
    b->nblocks = nblocks;
    b->per_block = per_block;
    b->scale = (rnd() & 1) ? 0.004f : 0.002f;
    for (uint32_t i = 0; i < nblocks; i++) {
        uint32_t u = (uint32_t)pl->units;
        uint32_t a =
            edge ? (rnd() & 1 ? rnd() % 50 : u - 1 - rnd() % 50) : rnd() % u;
        b->block_az[i] = (float)a;
        /* A third with no step: the SIMD integer azimuth path where the
         * plan's offsets are whole (Hesai, the VLP-16 factory table). */
        b->block_azdiff[i] = i % 3 == 0 ? 0.0f : (float)(rnd() % 60);
        b->block_time[i] = (float)(rnd() % 100000) * 1e-6f;
        b->slot0[i] =
            (uint16_t)(per_block >= pl->nslots
                           ? 0
                           : (rnd() % (pl->nslots / per_block)) * per_block);
    }
    float sc = b->scale;
    for (uint32_t k = 0; k < nblocks * per_block; k++) {
        uint32_t r = rnd() % 70000;
        if (edge && (rnd() % 4) == 0) /* exactly on a range bound */
            r = (uint32_t)lrintf(((rnd() & 1) ? pl->min_r : pl->max_r) / sc);
        if (rnd() % 10 == 0)
            r = 0;
        b->raw[k] = (uint16_t)(r > 65535 ? 65535 : r);
        b->intensity[k] = (uint8_t)rnd();
        b->keep[k] = (uint8_t)(rnd() % 8 != 0);
        b->rtype[k] = (uint8_t)(rnd() % 6);
    }
}

static void backends_for(sp_lidar_model m, const sp_lidar_calib *cal)
{
    sp_kctx *k = ctx();
    double windows[][2] = {{0, 0}, {10, 200}, {270, 90}, {359, 1}, {5, 5.01}};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        sp_lidardec_desc d = {.model = m,
                              .calib = cal,
                              .min_angle = windows[w][0],
                              .max_angle = windows[w][1]};
        if (w == 2) {
            d.min_range = 0.3;
            d.max_range = 200;
        }
        sp_lidardec *dec = NULL;
        if (sp_lidardec_create(k, &d, &dec) != SP_OK)
            fail_msg("%s: %s", sp_lidar_model_name(m), sp_errmsg());
        if (m >= SP_LIDAR_PANDAR64 && m <= SP_LIDAR_QT64)
            assert_true(dec->plan.az_int && dec->plan2.az_int);
        if (m == SP_LIDAR_VLS128)
            assert_true(dec->plan.frac8 && !dec->plan.az_int);
        const sp__ld_plan *plans[2] = {&dec->plan, &dec->plan2};
        for (int pi = 0; pi < (dec->plan2.nslots ? 2 : 1); pi++) {
            const sp__ld_plan *pl = plans[pi];
            uint32_t per[] = {32, 16, 40, 64, 8, 12, 3};
            for (int it = 0; it < 60; it++) {
                uint32_t pb = per[it % 7];
                if (pb > pl->nslots)
                    pb = pl->nslots;
                uint32_t nb = 1 + rnd() % (512 / pb < 12 ? 512 / pb : 12);
                fill_batch(&dec->batch, pl, nb, pb, it % 3 == 0);
                lidardec_check_batch(pl, &dec->batch);
            }
            /* A scan's worth in one OpenCL call: batches of different
             * sizes, the compaction across them. */
            sp__ld_batch *many = aligned_alloc(64, 12 * sizeof *many);
            assert_non_null(many);
            for (int i = 0; i < 12; i++) {
                uint32_t pb = per[i % 7] > pl->nslots ? pl->nslots : per[i % 7];
                uint32_t nb = 1 + rnd() % (512 / pb < 12 ? 512 / pb : 12);
                fill_batch(&many[i], pl, nb, pb, i % 3 == 0);
            }
            lidardec_check_batches_cl(pl, many, 12);
            free(many);
        }
        sp_lidardec_destroy(dec);
    }
    sp_kctx_destroy(k);
}

static sp_lidar_calib velodyne_calib(unsigned n)
{
    sp_lidar_calib c;
    memset(&c, 0, sizeof c);
    c.vendor = SP_LIDAR_CALIB_VELODYNE;
    c.nlasers = n;
    for (unsigned i = 0; i < n; i++) {
        c.laser[i].vert = (-25.0 + 40.0 * i / n) * M_PI / 180;
        c.laser[i].rot = ((double)(i % 7) - 3.0) * 0.02;
        c.laser[i].dist_correction = (i % 3) * 0.01;
        c.laser[i].ring = -1;
    }
    return c;
}

static void test_backends_velodyne(void **state)
{
    (void)state;
    sp_lidar_calib c64 = velodyne_calib(64), c128 = velodyne_calib(128);
    backends_for(SP_LIDAR_VLP16, NULL);
    backends_for(SP_LIDAR_HDL32E, NULL);
    backends_for(SP_LIDAR_VLP32C, NULL);
    backends_for(SP_LIDAR_HDL64E, &c64);
    backends_for(SP_LIDAR_VLS128, &c128);
}

/* The parse's record unpack (range u16, intensity u8) on every version
 * this CPU runs against scalar: every length a parse uses, odd
 * addresses, and no byte read past the records (they end the buffer, which
 * ASan builds check). */
static void test_unpack3(void **state)
{
    (void)state;
    sp__ld_unpack3_fn fns[3] = {NULL, NULL, NULL};
    sp_simd_level best = sp__simd_cpu_best();
    (void)best;
    SP__IF_X86(if (best >= SP_SIMD_SSE41) fns[0] = sp__ld_unpack3_sse41;)
    SP__IF_NEON(fns[1] = sp__ld_unpack3_neon;)
    for (unsigned n = 16; n <= 128; n += 16)
        for (unsigned off = 0; off < 4; off++) {
            uint8_t *rec = malloc(3 * n + off);
            assert_non_null(rec);
            for (unsigned i = 0; i < 3 * n + off; i++)
                rec[i] = (uint8_t)rnd();
            uint16_t ra[128], rb[128];
            uint8_t ia[128], ib[128];
            sp__ld_unpack3_scalar(rec + off, n, ra, ia);
            for (int f = 0; f < 3; f++) {
                if (!fns[f])
                    continue;
                memset(rb, 0, sizeof rb);
                memset(ib, 0, sizeof ib);
                fns[f](rec + off, n, rb, ib);
                if (memcmp(ra, rb, n * 2) || memcmp(ia, ib, n))
                    fail_msg("unpack3 version %d: %u records at offset %u "
                             "differ from scalar",
                             f, n, off);
            }
            free(rec);
        }
}

/* The Hesai dual-return pairing on every version this CPU runs against
 * scalar: equal ranges, ranges a few units apart on both sides of the
 * threshold, every `only`, channel counts with and without a tail. */
static void test_pair(void **state)
{
    (void)state;
    sp__ld_pair_fn fns[1] = {NULL};
    sp_simd_level best = sp__simd_cpu_best();
    (void)best;
    SP__IF_X86(if (best >= SP_SIMD_SSE41) fns[0] = sp__ld_pair_sse41;)
    static const float scales[] = {0.001f, 0.002f, 0.004f, 0.0f};
    static const unsigned counts[] = {32, 40, 64, 7, 13};
    for (int it = 0; it < 240; it++) {
        unsigned n = counts[it % 5];
        sp__ld_pair_rule r = {scales[(it / 5) % 4], sp__ld_float_up(0.1),
                              (uint8_t)(1 + it % 5), (uint8_t)(5 - it % 5),
                              it % 3 - 1};
        uint16_t r0[64], r1[64], ra[128], rb[128];
        uint8_t i0[64], i1[64], ia[128], ib[128], ka[128], kb[128], ta[128],
            tb[128];
        for (unsigned c = 0; c < n; c++) {
            r0[c] = (uint16_t)rnd();
            unsigned how = rnd() % 4;
            r1[c] = how == 0   ? r0[c]
                    : how == 1 ? (uint16_t)(r0[c] + rnd() % 200 - 100)
                               : (uint16_t)rnd();
            i0[c] = (uint8_t)rnd();
            i1[c] = (uint8_t)rnd();
        }
        sp__ld_pair_scalar(&r, r0, i0, r1, i1, n, ra, ia, ka, ta);
        for (int f = 0; f < 1; f++) {
            if (!fns[f])
                continue;
            memset(rb, 0, sizeof rb);
            memset(ib, 0, sizeof ib);
            memset(kb, 9, sizeof kb);
            memset(tb, 9, sizeof tb);
            fns[f](&r, r0, i0, r1, i1, n, rb, ib, kb, tb);
            if (memcmp(ra, rb, 4 * n) || memcmp(ia, ib, 2 * n) ||
                memcmp(ka, kb, 2 * n) || memcmp(ta, tb, 2 * n))
                fail_msg("pair version %d: %u channels (scale %g, only %d) "
                         "differ from scalar",
                         f, n, (double)r.scale, r.only);
        }
    }
}

static void test_backends_hesai(void **state)
{
    (void)state;
    backends_for(SP_LIDAR_PANDAR64, NULL);
    backends_for(SP_LIDAR_PANDAR40P, NULL);
    backends_for(SP_LIDAR_XT32, NULL);
    backends_for(SP_LIDAR_QT64, NULL);
}

/* ---- synthetic packets ---- */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

typedef struct expect {
    double x, y, z;
} expect;

/* Decode one packet whole into a fresh cloud; returns the count. */
static size_t decode(sp_lidardec *dec, const uint8_t *pkt, size_t len,
                     sp_points *pts, float *az)
{
    sp_lidardec_info info;
    if (sp_lidardec_inspect(dec, pkt, len, &info) != SP_OK)
        fail_msg("inspect: %s", sp_errmsg());
    pts->count = 0;
    sp_lidardec_out o = {pts, az, NULL, NULL};
    assert_int_equal(sp_lidardec_decode(dec, pkt, len, 0, info.ncols, 0.0, &o),
                     SP_OK);
    return pts->count;
}

/* The packet decoded through sp_lidardec_decode on every back-end (the
 * table's pick, not a direct call) gives scalar's cloud bit for bit, and
 * the version recorded is the context's widest CPU one (a single packet
 * never goes to OpenCL; test_lidardec_scan covers the scan call). */
static void decode_on_backends(const sp_lidardec_desc *d, const uint8_t *pkt,
                               size_t len, const sp_points *ref)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float az[600];
    for (int b = 0; b < nb; b++) {
        sp_lidardec *dec = NULL;
        if (sp_lidardec_create(ctx[b], d, &dec) != SP_OK)
            fail_msg("%s: %s", names[b], sp_errmsg());
        size_t n = decode(dec, pkt, len, &pts, az);
        if (!kcloud_ran_cpu(ctx[b]))
            fail_msg("%s %s: ran %s/%s", sp_lidar_model_name(d->model),
                     names[b], sp_backend_name(sp_kctx_last_backend(ctx[b])),
                     sp_simd_level_name(sp_kctx_last_simd(ctx[b])));
        if (n != ref->count || memcmp(pts.x, ref->x, n * 4) ||
            memcmp(pts.y, ref->y, n * 4) || memcmp(pts.z, ref->z, n * 4) ||
            memcmp(pts.intensity, ref->intensity, n * 4) ||
            memcmp(pts.time, ref->time, n * 4) ||
            memcmp(pts.ring, ref->ring, n * 2))
            fail_msg("%s %s: %zu points differ from scalar's %zu",
                     sp_lidar_model_name(d->model), names[b], n, ref->count);
        sp_lidardec_destroy(dec);
    }
    free(mem);
    kcloud_backends_free(ctx, nb);
}

static void check_points(const sp_points *p, const expect *e, size_t n,
                         double tol, const char *what)
{
    assert_int_equal(p->count, n);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fmax(fabs(p->x[i] - e[i].x),
                        fmax(fabs(p->y[i] - e[i].y), fabs(p->z[i] - e[i].z)));
        worst = fmax(worst, d);
        if (d > tol)
            fail_msg("%s: point %zu (%g %g %g), expected (%g %g %g)", what, i,
                     p->x[i], p->y[i], p->z[i], e[i].x, e[i].y, e[i].z);
    }
    print_message("%s: %zu points within %.2g m\n", what, n, worst);
}

/* A single-return (strongest) Velodyne packet: blocks 0.2 deg apart from
 * @p az0; random ranges 4-20 m. Expected points per the manual: azimuth
 * = block + step x firing share - rot, x = r cos(el) cos(az),
 * y = -r cos(el) sin(az), z = r sin(el). */
static void velodyne_model(sp_lidar_model m, const sp_lidar_calib *cal,
                           unsigned az0, uint8_t model_byte)
{
    sp_kctx *k = ctx();
    sp_lidardec_desc d = {
        .model = m, .calib = cal, .min_range = 0.3, .max_range = 300};
    sp_lidardec *dec = NULL;
    if (sp_lidardec_create(k, &d, &dec) != SP_OK)
        fail_msg("%s", sp_errmsg());
    uint8_t pkt[1206];
    memset(pkt, 0, sizeof pkt);
    const unsigned step = 20;
    double res = (m == SP_LIDAR_VLP32C || m == SP_LIDAR_VLS128) ? 0.004 : 0.002;
    for (unsigned b = 0; b < 12; b++) {
        uint8_t *blk = pkt + 100 * b;
        unsigned flag = 0xeeff;
        if (m == SP_LIDAR_HDL64E && (b & 1))
            flag = 0xddff;
        if (m == SP_LIDAR_VLS128)
            flag = (unsigned[]){0xeeff, 0xddff, 0xccff, 0xbbff}[b % 4];
        put16(blk, flag);
        unsigned az =
            (az0 + step * (m == SP_LIDAR_VLS128 || m == SP_LIDAR_HDL64E
                               ? b / (m == SP_LIDAR_VLS128 ? 4 : 2)
                               : b)) %
            36000;
        put16(blk + 2, az);
        for (unsigned j = 0; j < 32; j++) {
            put16(blk + 4 + 3 * j, (unsigned)(4.0 / res) + rnd() % 4000);
            blk[4 + 3 * j + 2] = (uint8_t)(rnd() & 255);
        }
    }
    pkt[1204] = 0x37;
    pkt[1205] = model_byte;
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float az[600];
    size_t n = decode(dec, pkt, sizeof pkt, &pts, az);
    decode_on_backends(&d, pkt, sizeof pkt, &pts);
    expect e[384];
    size_t ne = 0;
    unsigned nl = dec->m->lasers;
    const double rad = M_PI / 180;
    for (unsigned b = 0; b < 12; b++) {
        const uint8_t *blk = pkt + 100 * b;
        double baz = (blk[2] | blk[3] << 8) / 100.0;
        unsigned nb = (b + 1 < 12) ? b + 1 : b;
        unsigned pb = (b + 1 < 12) ? b : b - 1;
        double stepd = (((pkt[100 * nb + 2] | pkt[100 * nb + 3] << 8) -
                         (pkt[100 * pb + 2] | pkt[100 * pb + 3] << 8) + 36000) %
                        36000) /
                       100.0;
        if (m == SP_LIDAR_VLS128) /* nebula: the next block's step, 0 last */
            stepd =
                b == 11
                    ? 0
                    : (((pkt[100 * (b + 1) + 2] | pkt[100 * (b + 1) + 3] << 8) -
                        (blk[2] | blk[3] << 8) + 36000) %
                       36000) /
                          100.0;
        unsigned bank = (blk[0] | blk[1] << 8) == 0xddff   ? 1
                        : (blk[0] | blk[1] << 8) == 0xccff ? 2
                        : (blk[0] | blk[1] << 8) == 0xbbff ? 3
                                                           : 0;
        for (unsigned j = 0; j < 32; j++) {
            unsigned laser = m == SP_LIDAR_VLP16 ? j % 16 : 32 * bank + j;
            double share = 0;
            if (m == SP_LIDAR_VLP16)
                share = ((j % 16) * 2.304 + (j / 16) * 55.296) / 110.592;
            else if (m == SP_LIDAR_HDL32E)
                share = j * 1.152 / 46.08;
            else if (m == SP_LIDAR_VLP32C)
                share = (j / 2) * 2.304 / 55.296;
            else if (m == SP_LIDAR_VLS128)
                share = (2.665 / 53.3) * (laser / 8 + laser / 64);
            double el, rot, dc = 0;
            if (cal) {
                el = cal->laser[laser].vert;
                rot = cal->laser[laser].rot;
                dc = cal->laser[laser].dist_correction;
            } else {
                static const double v16[16] = {-15, 1,  -13, 3, -11, 5,
                                               -9,  7,  -7,  9, -5,  11,
                                               -3,  13, -1,  15};
                el = (m == SP_LIDAR_VLP16 ? v16[laser] : 0) * rad;
                rot = 0;
                if (m == SP_LIDAR_HDL32E)
                    el = (laser % 2 ? -9.33 + (laser / 2) * 1.3333
                                    : -30.67 + (laser / 2) * 1.3333) *
                         rad;
                if (m == SP_LIDAR_VLP32C)
                    fail_msg("VLP-32C is checked with a table");
            }
            (void)nl;
            const uint8_t *u = blk + 4 + 3 * j;
            double r = (u[0] | u[1] << 8) * res + dc;
            double a = (baz + stepd * share - rot / rad) * rad;
            e[ne].x = r * cos(el) * cos(a);
            e[ne].y = -r * cos(el) * sin(a);
            e[ne].z = r * sin(el);
            ne++;
        }
    }
    assert_int_equal(n, ne);
    check_points(&pts, e, ne, 2e-3, sp_lidar_model_name(m));
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(k);
    free(mem);
}

static void test_velodyne_models(void **state)
{
    (void)state;
    sp_lidar_calib c32 = velodyne_calib(32), c64 = velodyne_calib(64),
                   c128 = velodyne_calib(128);
    velodyne_model(SP_LIDAR_VLP16, NULL, 35900, 0x22);
    velodyne_model(SP_LIDAR_HDL32E, NULL, 100, 0x21);
    velodyne_model(SP_LIDAR_VLP32C, &c32, 17999, 0x28);
    velodyne_model(SP_LIDAR_HDL64E, &c64, 35990, 0);
    velodyne_model(SP_LIDAR_VLS128, &c128, 12345, 0xa1);
}

/* A single-return Hesai packet: the model's layout, blocks 0.2 deg apart,
 * ranges 4-20 m; expected x = r cos(el) sin(az), y = r cos(el) cos(az),
 * z = r sin(el) with az = block + the channel's offset. */
static void hesai_model(sp_lidar_model m, const double (*table)[2],
                        unsigned lasers, unsigned blocks, size_t size,
                        size_t header, size_t unit, int flag, size_t ret_at,
                        unsigned az0)
{
    sp_kctx *k = ctx();
    sp_lidardec_desc d = {.model = m, .min_range = 0.05, .max_range = 300};
    sp_lidardec *dec = NULL;
    if (sp_lidardec_create(k, &d, &dec) != SP_OK)
        fail_msg("%s", sp_errmsg());
    static uint8_t pkt[1400];
    memset(pkt, 0, sizeof pkt);
    size_t bh = flag ? 4 : 2, bb = bh + lasers * unit;
    if (header) {
        pkt[0] = 0xee;
        pkt[1] = 0xff;
        size_t at = header == 8 ? 2 : 6;
        pkt[at] = (uint8_t)lasers;
        pkt[at + 1] = (uint8_t)blocks;
        pkt[header == 8 ? 5 : 9] = 4; /* mm per unit */
    }
    for (unsigned b = 0; b < blocks; b++) {
        uint8_t *blk = pkt + header + b * bb;
        if (flag)
            put16(blk, 0xffee);
        put16(blk + bh - 2, (az0 + 20 * b) % 36000);
        for (unsigned c = 0; c < lasers; c++) {
            put16(blk + bh + c * unit, 1000 + rnd() % 4000);
            blk[bh + c * unit + 2] = (uint8_t)rnd();
        }
    }
    pkt[ret_at] = 0x37;
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float az[600];
    decode(dec, pkt, size, &pts, az);
    decode_on_backends(&d, pkt, size, &pts);
    expect *e = calloc(blocks * lasers, sizeof *e);
    const double rad = M_PI / 180;
    size_t ne = 0;
    for (unsigned b = 0; b < blocks; b++) {
        const uint8_t *blk = pkt + header + b * bb;
        double baz = (blk[bh - 2] | blk[bh - 1] << 8) / 100.0;
        for (unsigned c = 0; c < lasers; c++) {
            const uint8_t *u = blk + bh + c * unit;
            double r = (u[0] | u[1] << 8) * 0.004;
            double el = table[c][0] * rad, a = (baz + table[c][1]) * rad;
            e[ne].x = r * cos(el) * sin(a);
            e[ne].y = r * cos(el) * cos(a);
            e[ne].z = r * sin(el);
            ne++;
        }
    }
    /* The XT32 table has six decimals: rounded to 0.001 degree, up to
     * 0.0005 degree (0.17 mm at 20 m) off. */
    check_points(&pts, e, ne, m == SP_LIDAR_XT32 ? 2.5e-4 : 1e-4,
                 sp_lidar_model_name(m));
    free(e);
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(k);
    free(mem);
}

static void test_hesai_models(void **state)
{
    (void)state;
    hesai_model(SP_LIDAR_PANDAR64, sp__ld_pandar64_table, 64, 6, 1194, 8, 3, 0,
                8 + 6 * 194 + 14, 35950);
    hesai_model(SP_LIDAR_PANDAR40P, sp__ld_pandar40p_table, 40, 10, 1262, 0, 3,
                1, 10 * 124 + 14, 100);
    hesai_model(SP_LIDAR_XT32, sp__ld_xt32_table, 32, 8, 1080, 12, 4, 0,
                12 + 8 * 130 + 10, 20000);
    hesai_model(SP_LIDAR_QT64, sp__ld_qt64_table, 64, 4, 1072, 12, 4, 0,
                12 + 4 * 258 + 10, 35999);
}

/* A dual-return VLP-16 packet: pairs (last, strongest) with the second
 * equal to the first in half the lasers. */
static void test_dual_returns(void **state)
{
    (void)state;
    sp_kctx *k = ctx();
    uint8_t pkt[1206];
    memset(pkt, 0, sizeof pkt);
    for (unsigned b = 0; b < 12; b++) {
        uint8_t *blk = pkt + 100 * b;
        put16(blk, 0xeeff);
        put16(blk + 2, 1000 + 20 * (b / 2));
        for (unsigned j = 0; j < 32; j++) {
            unsigned r = 2000 + j;
            if ((b & 1) && (j & 1))
                r += 500; /* a different strongest return */
            put16(blk + 4 + 3 * j, r);
            blk[4 + 3 * j + 2] = (uint8_t)((b & 1) ? 200 : 100);
        }
    }
    pkt[1204] = 0x39;
    pkt[1205] = 0x22;
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float az[600];
    size_t want[3] = {12 * 32 - 6 * 16, 6 * 32, 6 * 32};
    for (int r = 0; r < 3; r++) {
        sp_lidardec_desc d = {.model = SP_LIDAR_VLP16,
                              .ret = (sp_lidar_return)r};
        sp_lidardec *dec = NULL;
        assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
        size_t n = decode(dec, pkt, sizeof pkt, &pts, az);
        if (n != want[r])
            fail_msg("return=%d: %zu points, expected %zu", r, n, want[r]);
        sp_lidardec_destroy(dec);
    }
    sp_kctx_destroy(k);
    free(mem);
}

/* A dual-return Pandar64 packet (0x39: last, then strongest of each
 * firing): per channel the two returns identical, 4 cm apart (below the
 * 0.1 m dual threshold) or 4 m apart. dual keeps both of a far pair and
 * the second of a close or identical one; last and strongest keep one
 * block each. Returns come channel by channel, both of a channel together. */
static void test_hesai_dual(void **state)
{
    (void)state;
    sp_kctx *k = ctx();
    static uint8_t pkt[1194];
    memset(pkt, 0, sizeof pkt);
    const uint8_t head[8] = {0xee, 0xff, 64, 6, 0, 4, 2, 0};
    memcpy(pkt, head, 8);
    for (unsigned b = 0; b < 6; b++) {
        uint8_t *blk = pkt + 8 + 194 * b;
        put16(blk, 1000 + 20 * (b / 2));
        for (unsigned c = 0; c < 64; c++) {
            unsigned r = 2500; /* 10 m */
            if (b & 1)
                r += c % 3 == 0 ? 0 : c % 3 == 1 ? 10 : 1000;
            put16(blk + 2 + 3 * c, r);
            blk[4 + 3 * c] = (uint8_t)(b & 1 ? 50 : 200);
        }
    }
    pkt[8 + 6 * 194 + 14] = 0x39;
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float az[600];
    /* 64 channels: 22 identical (c % 3 == 0), 21 close, 21 far. */
    size_t want[3] = {3 * (22 + 21 + 2 * 21), 3 * 64, 3 * 64};
    for (int r = 0; r < 3; r++) {
        sp_lidardec_desc d = {.model = SP_LIDAR_PANDAR64,
                              .ret = (sp_lidar_return)r};
        sp_lidardec *dec = NULL;
        assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
        size_t n = decode(dec, pkt, sizeof pkt, &pts, az);
        if (n != want[r])
            fail_msg("return=%d: %zu points, expected %zu", r, n, want[r]);
        if (r == 0) {
            /* The far channel 2: last (10 m) then strongest (14 m). */
            size_t i = 2; /* channels 0, 1 gave one point each */
            assert_int_equal(pts.ring[i], 2);
            assert_int_equal(pts.ring[i + 1], 2);
            float d0 = sqrtf(pts.x[i] * pts.x[i] + pts.y[i] * pts.y[i] +
                             pts.z[i] * pts.z[i]);
            float d1 = sqrtf(pts.x[i + 1] * pts.x[i + 1] +
                             pts.y[i + 1] * pts.y[i + 1] +
                             pts.z[i + 1] * pts.z[i + 1]);
            assert_true(fabsf(d0 - 10.0f) < 1e-3f);
            assert_true(fabsf(d1 - 14.0f) < 1e-3f);
        }
        if (r == 1) /* strongest: the second block's ranges */
            assert_true(fabsf(sqrtf(pts.x[2] * pts.x[2] + pts.y[2] * pts.y[2] +
                                    pts.z[2] * pts.z[2]) -
                              14.0f) < 1e-3f);
        sp_lidardec_destroy(dec);
    }
    sp_kctx_destroy(k);
    free(mem);
}

/* A Velodyne stream switching between strongest, last and dual packets:
 * a decoder that decodes them in turn gives each packet the points a
 * fresh decoder gives it, return types included, on the SIMD back-end
 * (nothing a packet's parse leaves in the decoder leaks into the next). */
static void test_velodyne_mode_switches(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    sp_kctx_desc kd = {.backend = SP_BACKEND_SIMD};
    assert_int_equal(sp_kctx_create(&kd, &k), SP_OK);
    /* 0x00: a single-return packet with no known mode (type unknown, as
     * a dual packet's parse records it). */
    static const uint8_t modes[] = {0x37, 0x37, 0x38, 0x38, 0x39, 0x37, 0x39,
                                    0x39, 0x38, 0x37, 0x00, 0x39, 0x00};
    sp_points a, b;
    void *ma = iot_points_alloc(&a, 600, SP_POINTS_RING | SP_POINTS_TIME);
    void *mb = iot_points_alloc(&b, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float aza[600], azb[600];
    uint8_t rta[600], rtb[600];
    sp_lidardec_desc d = {.model = SP_LIDAR_VLP16};
    sp_lidardec *run = NULL;
    assert_int_equal(sp_lidardec_create(k, &d, &run), SP_OK);
    static uint8_t pkt[1206];
    for (size_t p = 0; p < sizeof modes; p++) {
        memset(pkt, 0, sizeof pkt);
        for (unsigned blk = 0; blk < 12; blk++) {
            uint8_t *q = pkt + 100 * blk;
            put16(q, 0xeeff);
            put16(q + 2, (1000 + 40 * (unsigned)p + 20 * (blk / 2)) % 36000);
            for (unsigned j = 0; j < 32; j++) {
                put16(q + 4 + 3 * j, rnd() % 4 ? 1000 + rnd() % 14000 : 0);
                q[6 + 3 * j] = (uint8_t)rnd();
            }
        }
        pkt[1204] = modes[p];
        pkt[1205] = 0x22;
        sp_lidardec *fresh = NULL;
        assert_int_equal(sp_lidardec_create(k, &d, &fresh), SP_OK);
        sp_lidardec_info info;
        assert_int_equal(sp_lidardec_inspect(run, pkt, sizeof pkt, &info),
                         SP_OK);
        a.count = b.count = 0;
        sp_lidardec_out oa = {&a, aza, NULL, rta}, ob = {&b, azb, NULL, rtb};
        assert_int_equal(
            sp_lidardec_decode(run, pkt, sizeof pkt, 0, info.ncols, 0.0, &oa),
            SP_OK);
        assert_int_equal(
            sp_lidardec_decode(fresh, pkt, sizeof pkt, 0, info.ncols, 0.0, &ob),
            SP_OK);
        if (a.count != b.count || a.count == 0 ||
            memcmp(a.x, b.x, 4 * a.count) || memcmp(a.z, b.z, 4 * a.count) ||
            memcmp(rta, rtb, a.count) || memcmp(aza, azb, 4 * a.count))
            fail_msg("packet %zu (mode 0x%02x): %zu points, a fresh decoder "
                     "%zu, or they differ",
                     p, modes[p], a.count, b.count);
        sp_lidardec_destroy(fresh);
    }
    sp_lidardec_destroy(run);
    sp_kctx_destroy(k);
    free(ma);
    free(mb);
}

static void test_inspect_refuses(void **state)
{
    (void)state;
    sp_kctx *k = ctx();
    sp_lidardec_desc d = {.model = SP_LIDAR_VLP16};
    sp_lidardec *dec = NULL;
    assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
    uint8_t pkt[1206];
    memset(pkt, 0, sizeof pkt);
    for (unsigned b = 0; b < 12; b++)
        put16(pkt + 100 * b, 0xeeff);
    pkt[1204] = 0x37;
    pkt[1205] = 0x21; /* says HDL-32E */
    sp_lidardec_info info;
    assert_int_equal(sp_lidardec_inspect(dec, pkt, 1206, &info), SP_OK);
    assert_string_equal(info.says, "Velodyne HDL-32E");
    assert_int_equal(sp_lidardec_inspect(dec, pkt, 512, &info), SP_EFORMAT);
    iot_msg_has("512-byte packet", "expected 1206", NULL);
    put16(pkt + 300, 0x1234);
    assert_int_equal(sp_lidardec_inspect(dec, pkt, 1206, &info), SP_EFORMAT);
    iot_msg_has("block 3", "0x1234", "expected 0xeeff", NULL);
    put16(pkt + 300, 0xeeff);
    put16(pkt + 302, 36000);
    assert_int_equal(sp_lidardec_inspect(dec, pkt, 1206, &info), SP_EFORMAT);
    iot_msg_has("block 3", "azimuth 36000", NULL);
    sp_lidardec_destroy(dec);
    /* No factory table for a VLS-128; a Hesai table for a Velodyne. */
    d.model = SP_LIDAR_VLS128;
    assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_EINVAL);
    iot_msg_has("no factory table", "calib=", NULL);
    sp_lidar_calib h;
    memset(&h, 0, sizeof h);
    h.vendor = SP_LIDAR_CALIB_HESAI;
    h.nlasers = 128;
    snprintf(h.source, sizeof h.source, "x.csv");
    d.calib = &h;
    assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_EFORMAT);
    iot_msg_has("x.csv", "not a Velodyne calibration", NULL);
    d.model = SP_LIDAR_OUSTER;
    d.calib = NULL;
    int rc = sp_lidardec_create(k, &d, &dec);
    assert_true(rc < 0 || dec != NULL);
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backends_velodyne),
        cmocka_unit_test(test_backends_hesai),
        cmocka_unit_test(test_unpack3),
        cmocka_unit_test(test_pair),
        cmocka_unit_test(test_velodyne_mode_switches),
        cmocka_unit_test(test_velodyne_models),
        cmocka_unit_test(test_hesai_models),
        cmocka_unit_test(test_dual_returns),
        cmocka_unit_test(test_hesai_dual),
        cmocka_unit_test(test_inspect_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
