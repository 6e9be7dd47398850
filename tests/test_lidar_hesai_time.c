/* ctest-label: unit */
/* Hesai per-point times (kernels/lidardec_hesai.c): a point's time is the
 * packet's time plus its column's firing time plus its channel's firing
 * offset, per the user manuals' "laser firing time" sections (Pandar64,
 * Pandar40P, PandarQT64 tables; PandarXT32 368 ns + 1.512 us a channel;
 * the columns one firing period apart, stamped at the last column, or for
 * the QT64 from the first). Checked on synthetic single- and dual-return
 * packets of each model with every channel's time, through the scalar and
 * the SIMD back-end, against the tables as written in the manuals (kept
 * here apart from the decoder's copy), plus the QT64 table's shape (groups
 * of eight 2.05-2.06 us apart); and the order of first and last
 * returns in a dual first-and-last packet (reversed on the XT32). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_lidardec.h"

/* Manuals' firing times, us after the column's time (channel order). */
static const double p64_us[64] = {
    -23.18,  -21.876, -20.572, -19.268, -17.964, -16.66,  -11.444, -46.796,
    -7.532,  -36.956, -50.732, -54.668, -40.892, -44.828, -31.052, -34.988,
    -48.764, -52.7,   -38.924, -42.86,  -29.084, -33.02,  -46.796, -25.148,
    -36.956, -50.732, -27.116, -40.892, -44.828, -31.052, -34.988, -48.764,
    -25.148, -38.924, -42.86,  -29.084, -33.02,  -52.7,   -6.228,  -54.668,
    -15.356, -27.116, -10.14,  -23.18,  -4.924,  -21.876, -14.052, -17.964,
    -8.836,  -19.268, -3.62,   -20.572, -12.748, -16.66,  -7.532,  -11.444,
    -6.228,  -15.356, -10.14,  -4.924,  -3.62,   -14.052, -8.836,  -12.748};
static const double p40_us[40] = {
    -42.22, -28.47, -16.04, -3.62, -45.49, -31.74, -47.46, -54.67,
    -20.62, -33.71, -40.91, -8.19, -20.62, -27.16, -50.73, -8.19,
    -14.74, -36.98, -45.49, -52.7, -23.89, -31.74, -38.95, -11.47,
    -18.65, -25.19, -48.76, -6.23, -12.77, -35.01, -21.92, -9.5,
    -43.52, -29.77, -17.35, -4.92, -42.22, -28.47, -16.04, -3.62};
static const double qt64_us[64] = {
    12.31,  14.37,  16.43,  18.49,  20.54,  22.6,   24.66,  26.71,
    29.16,  31.22,  33.28,  35.34,  37.39,  39.45,  41.5,   43.56,
    46.61,  48.67,  50.73,  52.78,  54.84,  56.9,   58.95,  61.01,
    63.45,  65.52,  67.58,  69.63,  71.69,  73.74,  75.8,   77.86,
    80.9,   82.97,  85.02,  87.08,  89.14,  91.19,  93.25,  95.3,
    97.75,  99.82,  101.87, 103.93, 105.98, 108.04, 110.1,  112.15,
    115.2,  117.26, 119.32, 121.38, 123.43, 125.49, 127.54, 129.6,
    132.05, 134.11, 136.17, 138.22, 140.28, 142.34, 144.39, 146.45};

typedef struct model {
    sp_lidar_model m;
    unsigned lasers, blocks;
    size_t size, header, unit;
    int flag;
    size_t ret_at;
} model;

static const model models[] = {
    {SP_LIDAR_PANDAR64, 64, 6, 1194, 8, 3, 0, 8 + 6 * 194 + 14},
    {SP_LIDAR_PANDAR40P, 40, 10, 1262, 0, 3, 1, 10 * 124 + 14},
    {SP_LIDAR_XT32, 32, 8, 1080, 12, 4, 0, 12 + 8 * 130 + 10},
    {SP_LIDAR_QT64, 64, 4, 1072, 12, 4, 0, 12 + 4 * 258 + 10},
};

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Expected time (s after the packet's) of column c of ncols, channel ch. */
static double expect_s(sp_lidar_model m, unsigned c, unsigned ncols,
                       unsigned ch)
{
    double back = (double)(ncols - 1 - c);
    switch (m) {
    case SP_LIDAR_PANDAR64:
        return (-42.58 - 55.56 * back + p64_us[ch]) * 1e-6;
    case SP_LIDAR_PANDAR40P:
        return (-28.58 - 55.56 * back + p40_us[ch]) * 1e-6;
    case SP_LIDAR_XT32:
        return (5.632 - 50.0 * back + 0.368 + 1.512 * ch) * 1e-6;
    default: /* 500/3 us a column, truncated to ns as the firmware counts */
        return (25.71 + qt64_us[ch]) * 1e-6 + floor(500000.0 * c / 3) * 1e-9;
    }
}

static void one(const model *md, int dual, sp_backend be);

/* Dual first-and-last (0x3b) labels per block: the XT32 sends the last
 * return first (as nebula reads it), the others the first; return=last
 * keeps the block that holds it. */
static void test_first_last_order(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        const model *md = &models[i];
        if (md->m == SP_LIDAR_PANDAR40P)
            continue; /* no 0x3b mode */
        sp_kctx *k = NULL;
        sp_kctx_desc kd = {.backend = SP_BACKEND_SCALAR};
        assert_int_equal(sp_kctx_create(&kd, &k), SP_OK);
        static uint8_t pkt[1400];
        memset(pkt, 0, sizeof pkt);
        size_t bh = 2, bb = bh + md->lasers * md->unit;
        pkt[0] = 0xee;
        pkt[1] = 0xff;
        size_t at = md->header == 8 ? 2 : 6;
        pkt[at] = (uint8_t)md->lasers;
        pkt[at + 1] = (uint8_t)md->blocks;
        pkt[md->header == 8 ? 5 : 9] = 4;
        for (unsigned b = 0; b < md->blocks; b++) {
            uint8_t *blk = pkt + md->header + b * bb;
            put16(blk, 100 + 20 * (b / 2));
            for (unsigned c = 0; c < md->lasers; c++)
                put16(blk + bh + c * md->unit, 1000 + 500 * (b & 1));
        }
        pkt[md->ret_at] = 0x3b;
        int xt = md->m == SP_LIDAR_XT32;
        for (int r = 0; r < 2; r++) {
            sp_lidardec_desc d = {.model = md->m,
                                  .ret = r ? SP_LIDAR_RETURN_LAST
                                           : SP_LIDAR_RETURN_DUAL};
            sp_lidardec *dec = NULL;
            assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
            sp_points pts;
            void *mem = iot_points_alloc(&pts, 800, SP_POINTS_RING);
            float dist[800];
            uint8_t rt[800];
            sp_lidardec_info info;
            assert_int_equal(sp_lidardec_inspect(dec, pkt, md->size, &info),
                             SP_OK);
            pts.count = 0;
            sp_lidardec_out o = {&pts, NULL, dist, rt};
            assert_int_equal(
                sp_lidardec_decode(dec, pkt, md->size, 0, info.ncols, 0.0, &o),
                SP_OK);
            for (size_t p = 0; p < pts.count; p++) {
                int second = dist[p] > 5.0f; /* block 1 of the pair */
                uint8_t want =
                    (second != xt) ? SP_LIDAR_RT_LAST : SP_LIDAR_RT_FIRST;
                if (rt[p] != want)
                    fail_msg("%s: point %zu (%s block): return type %u, "
                             "expected %u",
                             sp_lidar_model_name(md->m), p,
                             second ? "second" : "first", rt[p], want);
            }
            if (r)
                assert_int_equal(pts.count,
                                 (size_t)md->lasers * (md->blocks / 2));
            free(mem);
            sp_lidardec_destroy(dec);
        }
        sp_kctx_destroy(k);
    }
}

static void one(const model *md, int dual, sp_backend be)
{
    sp_kctx *k = NULL;
    sp_kctx_desc kd = {.backend = be};
    assert_int_equal(sp_kctx_create(&kd, &k), SP_OK);
    sp_lidardec_desc d = {.model = md->m, .min_range = 0.05, .max_range = 300};
    sp_lidardec *dec = NULL;
    if (sp_lidardec_create(k, &d, &dec) != SP_OK)
        fail_msg("%s", sp_errmsg());
    static uint8_t pkt[1400];
    memset(pkt, 0, sizeof pkt);
    size_t bh = md->flag ? 4 : 2, bb = bh + md->lasers * md->unit;
    if (md->header) {
        pkt[0] = 0xee;
        pkt[1] = 0xff;
        size_t at = md->header == 8 ? 2 : 6;
        pkt[at] = (uint8_t)md->lasers;
        pkt[at + 1] = (uint8_t)md->blocks;
        pkt[md->header == 8 ? 5 : 9] = 4; /* mm per unit */
    }
    unsigned nret = dual ? 2 : 1;
    for (unsigned b = 0; b < md->blocks; b++) {
        uint8_t *blk = pkt + md->header + b * bb;
        if (md->flag)
            put16(blk, 0xffee);
        put16(blk + bh - 2, (100 + 20 * (b / nret)) % 36000);
        for (unsigned c = 0; c < md->lasers; c++) {
            /* Dual: returns 2 m apart, both kept. */
            put16(blk + bh + c * md->unit, 1000 + 20 * c + 500 * (b % nret));
            blk[bh + c * md->unit + 2] = 100;
        }
    }
    pkt[md->ret_at] = dual ? 0x39 : 0x37;
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 800, SP_POINTS_RING | SP_POINTS_TIME);
    sp_lidardec_info info;
    assert_int_equal(sp_lidardec_inspect(dec, pkt, md->size, &info), SP_OK);
    unsigned ncols = md->blocks / nret;
    assert_int_equal(info.ncols, ncols);
    pts.count = 0;
    sp_lidardec_out o = {&pts, NULL, NULL, NULL};
    const double t_pkt = 0.0125;
    assert_int_equal(
        sp_lidardec_decode(dec, pkt, md->size, 0, ncols, t_pkt, &o), SP_OK);
    assert_int_equal(pts.count, (size_t)md->blocks * md->lasers);
    double worst = 0;
    for (size_t i = 0; i < pts.count; i++) {
        unsigned c = (unsigned)(i / (md->lasers * nret));
        unsigned ch = pts.ring[i];
        assert_int_equal(ch, (i % (md->lasers * nret)) / nret);
        double e = t_pkt + expect_s(md->m, c, ncols, ch);
        double err = fabs(pts.time[i] - e);
        worst = fmax(worst, err);
        if (err > 5e-9)
            fail_msg("%s%s: point %zu (column %u, channel %u): time %.9f, "
                     "expected %.9f",
                     sp_lidar_model_name(md->m), dual ? " dual" : "", i, c, ch,
                     pts.time[i], e);
    }
    print_message("%s%s: %zu point times within %.2g s\n",
                  sp_lidar_model_name(md->m), dual ? " dual" : "", pts.count,
                  worst);
    free(mem);
    sp_lidardec_destroy(dec);
    sp_kctx_destroy(k);
}

static void test_times(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        for (int dual = 0; dual < 2; dual++) {
            one(&models[i], dual, SP_BACKEND_SCALAR);
            one(&models[i], dual, SP_BACKEND_SIMD);
        }
}

/* The QT64 table's shape: eight channels 2.04-2.07 us apart, then a
 * 2.43-2.46 us (or 3.04-3.05 us every 16) gap: a typo shows as a break. */
static void test_qt64_shape(void **state)
{
    (void)state;
    for (unsigned ch = 1; ch < 64; ch++) {
        double step = qt64_us[ch] - qt64_us[ch - 1];
        int ok =
            ch % 8 ? (step > 2.04 && step < 2.08) : (step > 2.4 && step < 3.1);
        if (!ok)
            fail_msg("qt64 channel %u: %.3f us after channel %u", ch, step,
                     ch - 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_qt64_shape),
        cmocka_unit_test(test_first_last_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
