/* ctest-label: simd */
/* ctest-timeout: 300 */
/* The HDL-64E decoder's calibration model (the Velodyne ROS driver's
 * rawdata.cc: vertical and horizontal offsets, the two-point distance
 * correction, the focal intensity correction and its clamp, the laser's
 * azimuth offset composed with the block's):
 *  - every back-end against scalar, bit for bit, on random batches with the
 *    real HDL-64E S2/S3 tables of ../shared/data/lidar_packets and a table
 *    with the two-point correction on, and on whole decoded packets;
 *  - a synthetic packet stream (upper and lower blocks, azimuths wrapping
 *    through 0, ranges 0-130 m, random intensities) decoded with each
 *    table, against tests/oracles/hdl64_oracle.py, which recomputes the
 *    driver's formulas in float64 numpy apart from this code;
 *  - dual-return packets (four blocks a firing) with return=dual|last|
 *    strongest, and the status bytes not read as a model;
 *  - the YAML reader's new keys and its refusals. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lidardec_check.h"
#include "lidardec_int.h"
#include "oracle_run.h"
#include "sp_iotest.h"
#include "sp_lidarcal.h"

#define NPKT 40

static uint32_t rng = 777;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static sp_kctx *ctx(sp_backend b)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = b};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    return k;
}

static const char *tests_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", __FILE__);
        char *s = strrchr(dir, '/');
        if (s)
            *s = '\0';
    }
    return dir;
}

/* The table at ../shared/data/lidar_packets/calibration/velodyne/NAME;
 * with two_pt, a scratch copy that turns the two-point correction on for
 * every laser (the nebula tables carry dist_correction_x/_y without the
 * flag, so the driver leaves it off). NULL: skip. */
static const char *table(const char *name, int two_pt)
{
    static char path[1024];
    char rel[256];
    snprintf(rel, sizeof rel, "lidar_packets/calibration/velodyne/%s", name);
    const char *p = iot_data(rel);
    if (!p)
        return NULL;
    snprintf(path, sizeof path, "%s", p);
    if (!two_pt)
        return path;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char in[1 << 16], out[1 << 17];
    size_t n = fread(in, 1, sizeof in - 1, f);
    fclose(f);
    in[n] = '\0';
    char *o = out;
    for (const char *s = in; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s + 1) : strlen(s);
        memcpy(o, s, len);
        o += len;
        if (strstr(s, "laser_id:") && strstr(s, "laser_id:") < s + len)
            o += sprintf(o, "        two_pt_correction_available: true,\n");
        s += len;
    }
    *o = '\0';
    snprintf(path, sizeof path, "%s", iot_tmp("hdl64_two_pt.yaml"));
    iot_write_str(path, out);
    return path;
}

static sp_lidardec *make(sp_kctx *k, const sp_lidar_calib *c)
{
    sp_lidardec_desc d = {.model = SP_LIDAR_HDL64E,
                          .calib = c,
                          .min_range = 0.3,
                          .max_range = 130};
    sp_lidardec *dec = NULL;
    if (sp_lidardec_create(k, &d, &dec) != SP_OK)
        fail_msg("%s", sp_errmsg());
    return dec;
}

/* ---- back-ends against scalar on random batches ---- */

static void random_batches(sp_lidardec *dec)
{
    const sp__ld_plan *pl = &dec->plan;
    sp__ld_batch *b = &dec->batch;
    assert_true(pl->offsets);
    for (int it = 0; it < 200; it++) {
        uint32_t per = (uint32_t[]){32, 16, 8, 12, 3}[it % 5];
        b->nblocks = 1 + rnd() % 12;
        b->per_block = per;
        b->scale = 0.002f;
        for (uint32_t i = 0; i < b->nblocks; i++) {
            uint32_t a = it % 3 ? rnd() % 36000
                                : (rnd() & 1 ? rnd() % 30 : 35999 - rnd() % 30);
            b->block_az[i] = (float)a;
            b->block_azdiff[i] = 0.0f;
            b->block_time[i] = (float)(rnd() % 1000) * 1e-6f;
            b->slot0[i] = (uint16_t)((rnd() % (64 / per)) * per);
        }
        for (uint32_t k = 0; k < b->nblocks * per; k++) {
            uint32_t r = rnd() % 66000;
            if (rnd() % 3 == 0) /* the two-point correction's span */
                r = 600 + rnd() % 14000;
            if (rnd() % 10 == 0)
                r = 0;
            b->raw[k] = (uint16_t)(r > 65535 ? 65535 : r);
            b->intensity[k] = (uint8_t)rnd();
            b->keep[k] = (uint8_t)(rnd() % 8 != 0);
            b->rtype[k] = (uint8_t)(rnd() % 6);
        }
        lidardec_check_batch(pl, b);
    }
}

static void test_backends(void **state)
{
    (void)state;
    const char *names[] = {"HDL64e_s3.yaml", "HDL64e_s2.yaml",
                           "HDL64e_utexas.yaml"};
    sp_kctx *k = ctx(SP_BACKEND_SCALAR);
    for (int t = 0; t < 4; t++) {
        const char *p = table(names[t % 3], t == 3);
        if (!p)
            skip();
        sp_lidar_calib c;
        if (sp_lidar_calib_load(p, &c) != SP_OK)
            fail_msg("%s", sp_errmsg());
        sp_lidardec *dec = make(k, &c);
        random_batches(dec);
        sp_lidardec_destroy(dec);
    }
    sp_kctx_destroy(k);
}

/* ---- a packet stream against the numpy oracle ---- */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* NPKT single-return packets, 1206 bytes each: pairs of upper and lower
 * blocks (one firing) 0.16 degree apart, from 359 degrees through 0. */
static void make_stream(uint8_t *pk)
{
    memset(pk, 0, (size_t)NPKT * 1206);
    for (unsigned p = 0; p < NPKT; p++) {
        uint8_t *pkt = pk + (size_t)p * 1206;
        for (unsigned b = 0; b < 12; b++) {
            uint8_t *blk = pkt + 100 * b;
            put16(blk, b & 1 ? 0xddff : 0xeeff);
            put16(blk + 2, (35900 + 16 * (6 * p + b / 2)) % 36000);
            for (unsigned j = 0; j < 32; j++) {
                unsigned r = rnd() % 65000;
                if (rnd() % 3 == 0)
                    r = 600 + rnd() % 14000; /* 1.2-29 m */
                if (rnd() % 12 == 0)
                    r = 0;
                put16(blk + 4 + 3 * j, r);
                blk[4 + 3 * j + 2] = (uint8_t)rnd();
            }
        }
        put16(pkt + 1200, p * 100);
        pkt[1204] = 0x37;
        pkt[1205] = 0x00;
    }
}

/* Decode the stream; x, y, z, intensity arrays of *n points (malloc'd,
 * 4 * cap floats). */
static float *decode_stream(sp_lidardec *dec, const uint8_t *pk, size_t *n)
{
    size_t cap = (size_t)NPKT * 384 + 16;
    sp_points pts;
    void *mem = iot_points_alloc(&pts, cap, SP_POINTS_RING | SP_POINTS_TIME);
    pts.count = 0;
    for (unsigned p = 0; p < NPKT; p++) {
        sp_lidardec_info info;
        const uint8_t *pkt = pk + (size_t)p * 1206;
        if (sp_lidardec_inspect(dec, pkt, 1206, &info) != SP_OK)
            fail_msg("inspect: %s", sp_errmsg());
        sp_lidardec_out o = {&pts, NULL, NULL, NULL};
        assert_int_equal(
            sp_lidardec_decode(dec, pkt, 1206, 0, info.ncols, 0.0, &o), SP_OK);
    }
    float *out = malloc(4 * cap * sizeof(float));
    assert_non_null(out);
    *n = pts.count;
    memcpy(out, pts.x, *n * 4);
    memcpy(out + *n, pts.y, *n * 4);
    memcpy(out + 2 * *n, pts.z, *n * 4);
    memcpy(out + 3 * *n, pts.intensity, *n * 4);
    free(mem);
    return out;
}

static void test_oracle(void **state)
{
    (void)state;
    if (oracle_status(
            "/usr/bin/python3 -c 'import numpy, yaml' >/dev/null 2>&1")) {
        print_message("skipping: /usr/bin/python3 with numpy and yaml "
                      "not available\n");
        skip();
    }
    static uint8_t pk[NPKT * 1206];
    make_stream(pk);
    char pkpath[512];
    snprintf(pkpath, sizeof pkpath, "%s", iot_tmp("hdl64_stream.bin"));
    iot_write(pkpath, pk, sizeof pk);
    const char *names[] = {"HDL64e_s3.yaml", "HDL64e_s2.yaml",
                           "HDL64e_utexas.yaml"};
    sp_kctx *ks = ctx(SP_BACKEND_SCALAR), *kv = ctx(SP_BACKEND_SIMD);
    for (int t = 0; t < 4; t++) {
        const char *p = table(names[t % 3], t == 3);
        if (!p)
            skip();
        char yaml[1024];
        snprintf(yaml, sizeof yaml, "%s", p);
        sp_lidar_calib c;
        if (sp_lidar_calib_load(yaml, &c) != SP_OK)
            fail_msg("%s", sp_errmsg());
        sp_lidardec *ds = make(ks, &c), *dv = make(kv, &c);
        size_t ns = 0, nv = 0;
        float *a = decode_stream(ds, pk, &ns);
        float *b = decode_stream(dv, pk, &nv);
        /* The whole decode: SIMD == scalar. */
        assert_int_equal(ns, nv);
        assert_memory_equal(a, b, ns * 4);
        assert_memory_equal(a + ns, b + nv, ns * 4 * 3);
        char got[512], cmd[4096];
        snprintf(got, sizeof got, "%s", iot_tmp("hdl64_decoded.f32"));
        iot_write(got, a, ns * 4 * 4);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 %s/oracles/hdl64_oracle.py '%s' '%s' "
                 "'%s' 0.3 130",
                 tests_dir(), pkpath, yaml, got);
        print_message("%s%s: ", names[t % 3], t == 3 ? " + two_pt" : "");
        fflush(stdout);
        assert_int_equal(system(cmd), 0);
        free(a);
        free(b);
        sp_lidardec_destroy(ds);
        sp_lidardec_destroy(dv);
    }
    sp_kctx_destroy(ks);
    sp_kctx_destroy(kv);
}

/* ---- dual returns, status bytes ---- */

/* A dual-return packet: three firings of four blocks (upper, lower of the
 * first return, then of the second), one azimuth each; the second return
 * differs from the first in odd lasers only. Status bytes that would read
 * as "HDL-32E, dual" on another model. */
static void test_dual(void **state)
{
    (void)state;
    const char *p = table("HDL64e_utexas.yaml", 0);
    if (!p)
        skip();
    sp_lidar_calib c;
    if (sp_lidar_calib_load(p, &c) != SP_OK)
        fail_msg("%s", sp_errmsg());
    static uint8_t pkt[1206];
    memset(pkt, 0, sizeof pkt);
    for (unsigned b = 0; b < 12; b++) {
        uint8_t *blk = pkt + 100 * b;
        put16(blk, b & 1 ? 0xddff : 0xeeff);
        put16(blk + 2, 1000 + 9 * (b / 4));
        for (unsigned j = 0; j < 32; j++) {
            unsigned r = 3000 + 10 * j + 100 * (b & 1);
            if ((b & 2) && (j & 1))
                r += 500;
            put16(blk + 4 + 3 * j, r);
            blk[4 + 3 * j + 2] = (uint8_t)(b & 2 ? 200 : 100);
        }
    }
    pkt[1204] = 0x39;
    pkt[1205] = 0x21;
    sp_kctx *k = ctx(SP_BACKEND_SIMD);
    sp_points pts;
    void *mem = iot_points_alloc(&pts, 600, SP_POINTS_RING | SP_POINTS_TIME);
    float dist[600];
    uint8_t rt[600];
    /* dual: all but the 6 x 16 repeated second returns; last, strongest:
     * one block of each pair. */
    const size_t want[3] = {384 - 96, 192, 192};
    for (int r = 0; r < 3; r++) {
        sp_lidardec_desc d = {
            .model = SP_LIDAR_HDL64E, .calib = &c, .ret = (sp_lidar_return)r};
        sp_lidardec *dec = NULL;
        assert_int_equal(sp_lidardec_create(k, &d, &dec), SP_OK);
        sp_lidardec_info info;
        assert_int_equal(sp_lidardec_inspect(dec, pkt, 1206, &info), SP_OK);
        assert_null(info.says);
        assert_int_equal(info.model_byte, -1);
        pts.count = 0;
        sp_lidardec_out o = {&pts, NULL, dist, rt};
        assert_int_equal(
            sp_lidardec_decode(dec, pkt, 1206, 0, info.ncols, 0.0, &o), SP_OK);
        if (pts.count != want[r])
            fail_msg("return=%d: %zu points, expected %zu", r, pts.count,
                     want[r]);
        for (size_t i = 0; i < pts.count; i++) {
            unsigned ring = pts.ring[i];
            assert_true(ring < 64);
            /* Each firing (four blocks) 48 us after the previous. */
            float t = pts.time[i];
            int f = (int)lrintf(t / 48e-6f);
            assert_true(f >= 0 && f < 3);
            assert_true(fabsf(t - 48e-6f * (float)f) < 1e-9f);
            if (r == SP_LIDAR_RETURN_STRONGEST)
                assert_true(rt[i] == SP_LIDAR_RT_STRONGEST ||
                            rt[i] == SP_LIDAR_RT_IDENTICAL);
            if (r == SP_LIDAR_RETURN_LAST)
                assert_true(rt[i] == SP_LIDAR_RT_LAST ||
                            rt[i] == SP_LIDAR_RT_IDENTICAL);
        }
        /* A firing's one return covers the 64 lasers once: its lower
         * block is lasers 32-63, whichever return it holds. */
        if (r != SP_LIDAR_RETURN_DUAL) {
            uint64_t seen = 0;
            for (size_t i = 0; i < pts.count; i++)
                if (pts.time[i] == 0.0f)
                    seen |= 1ull << pts.ring[i];
            assert_true(seen == ~0ull);
        }
        sp_lidardec_destroy(dec);
    }
    free(mem);
    sp_kctx_destroy(k);
}

/* ---- the YAML reader ---- */

static void test_yaml_keys(void **state)
{
    (void)state;
    const char *y = "lasers:\n"
                    "- {laser_id: 0, rot_correction: 0.1, vert_correction: "
                    "-0.1, dist_correction: 1.5, dist_correction_x: 1.6, "
                    "dist_correction_y: 1.4, two_pt_correction_available: "
                    "true, focal_distance: 10.5, focal_slope: 1.85, "
                    "vert_offset_correction: 0.2, horiz_offset_correction: "
                    "0.026, min_intensity: 5.7, max_intensity: 240.9}\n"
                    "- {laser_id: 1, vert_correction: 0.1}\n";
    sp_lidar_calib c;
    assert_int_equal(sp_lidar_calib_parse(y, strlen(y), "t.yaml", &c), SP_OK);
    assert_int_equal(c.nlasers, 2);
    const sp_lidar_laser *l = &c.laser[0];
    assert_true(l->two_pt == 1 && l->dist_correction_x == 1.6 &&
                l->dist_correction_y == 1.4 && l->focal_distance == 10.5 &&
                l->focal_slope == 1.85 && l->vert_offset == 0.2 &&
                l->horiz_offset == 0.026);
    /* Floored, as the driver does. */
    assert_true(l->min_intensity == 5 && l->max_intensity == 240);
    l = &c.laser[1];
    assert_true(l->two_pt == 0 && l->min_intensity == 0 &&
                l->max_intensity == 0);

    const char *bad[] = {
        "lasers:\n- {laser_id: 0, vert_correction: 0, "
        "two_pt_correction_available: maybe}\n",
        "lasers:\n- {laser_id: 0, vert_correction: 0, min_intensity: 200, "
        "max_intensity: 100}\n",
        "lasers:\n- {laser_id: 0, vert_correction: 0, max_intensity: 300}\n",
        "lasers:\n- {laser_id: 0, vert_correction: 0, focal_slope: nan}\n",
        "lasers:\n- {laser_id: 0, vert_correction: 0, "
        "vert_offset_correction: 1e300}\n",
    };
    const char *says[] = {"expected true or false", "expected 0 <= min",
                          "expected 0 <= min", "beyond 1000", "beyond 1000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_true(
            sp_lidar_calib_parse(bad[i], strlen(bad[i]), "bad.yaml", &c) < 0);
        iot_msg_has("bad.yaml", "line 2", says[i], NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_keys),
        cmocka_unit_test(test_backends),
        cmocka_unit_test(test_oracle),
        cmocka_unit_test(test_dual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
