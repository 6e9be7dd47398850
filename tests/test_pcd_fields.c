/* ctest-label: io */
/* ctest-timeout: 300 */
/* PCD files keep every field: `pcd path=in ! pcd dir=out` gives back PCL's
 * real scans, Autoware's field set (mixed 1/2/4/8-byte types) and an
 * organised cloud with rgb, normals, labels, a count-3 field and a
 * viewpoint, in every encoding, checked field by field, bit for bit by an
 * independent numpy reader (tests/support/pcd_oracle.py). Also: which
 * field feeds which channel, the fields= map, and what a stage that drops
 * points keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "sp_iotest.h"
#include "sp_pcd.h"
#include "sp_pipeline.h"

static const char *const encs[] = {"ascii", "binary", "binary_compressed"};

static char oracle[1024];

/* The oracle script beside this file, when numpy is there to run it. */
static int have_oracle(void)
{
    snprintf(oracle, sizeof oracle, "%s", __FILE__);
    char *slash = strrchr(oracle, '/');
    snprintf(slash ? slash + 1 : oracle,
             sizeof oracle - (size_t)(slash ? slash + 1 - oracle : 0),
             "support/pcd_oracle.py");
    if (oracle_status("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") !=
        0) {
        print_message("skipping: /usr/bin/python3 with numpy not available\n");
        return 0;
    }
    return 1;
}

static void run_oracle(const char *args)
{
    char cmd[20000];
    int n = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", oracle, args);
    if (n < 0 || (size_t)n >= sizeof cmd)
        fail_msg("oracle command longer than %zu bytes", sizeof cmd);
    if (system(cmd) != 0)
        fail_msg("oracle failed: %s", cmd);
}

/* `pcd path=SRC [map] ! pcd dir=D encoding=E` for each encoding; appends
 * "SRC D/lidar/000000.pcd" pairs to @p pairs. */
static void roundtrip(const char *src, const char *tag, const char *map,
                      char *pairs, size_t cap)
{
    for (int e = 0; e < 3; e++) {
        char dir[512], launch[2048];
        snprintf(dir, sizeof dir, "%s", iot_tmp(tag));
        snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "-%s", encs[e]);
        snprintf(launch, sizeof launch,
                 "pcd path=%s %s ! pcd dir=%s name=seq encoding=%s", src, map,
                 dir, encs[e]);
        iot_run_ok(launch);
        size_t k = strlen(pairs);
        snprintf(pairs + k, cap - k, " %s %s/lidar/000000.pcd", src, dir);
    }
}

/* PCL's own scans: ascii v.5, binary_compressed, binary with intensity. */
static void test_pcl_scans(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    static const char *const scans[] = {"pcd/bunny.pcd", "pcd/milk.pcd",
                                        "pcd/ndt_omp_251370668.pcd"};
    char pairs[4096] = "";
    int any = 0;
    for (int s = 0; s < 3; s++) {
        const char *src = iot_data(scans[s]);
        if (!src) {
            print_message("%s not found: not checked\n", scans[s]);
            continue;
        }
        char path[512], tag[64];
        snprintf(path, sizeof path, "%s", src);
        snprintf(tag, sizeof tag, "pcdf_scan%d", s);
        roundtrip(path, tag, "", pairs, sizeof pairs);
        any = 1;
    }
    if (!any)
        skip();
    char args[4200];
    snprintf(args, sizeof args, "compare%s", pairs);
    run_oracle(args);
}

/* A file the oracle writes, in each encoding, through each encoding. */
static void generated(const char *kind, const char *map)
{
    char pairs[8192] = "";
    for (int e = 0; e < 3; e++) {
        char src[512], tag[64], args[1024];
        snprintf(tag, sizeof tag, "pcdf_%s_%s.pcd", kind, encs[e]);
        snprintf(src, sizeof src, "%s", iot_tmp(tag));
        snprintf(args, sizeof args, "%s %s %s", kind, src, encs[e]);
        run_oracle(args);
        snprintf(tag, sizeof tag, "pcdf_%s_%s_out", kind, encs[e]);
        roundtrip(src, tag, map, pairs, sizeof pairs);
    }
    char args[8300];
    snprintf(args, sizeof args, "compare%s", pairs);
    run_oracle(args);
}

/* x y z intensity(U1) return_type(U1) channel(U2) azimuth elevation
 * distance (F4) time_stamp (U4 ns). */
static void test_autoware(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    generated("autoware", "");
}

/* The same with time_stamp F8 epoch seconds, an I2 and an F8 field. */
static void test_autoware_f8(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    generated("autoware_f8", "");
}

/* 16 x 8 organised, NaN points, rgb, normals, curvature, label, a COUNT 3
 * field, I1, a U2 "laser" taken as ring by the map, a viewpoint. */
static void test_organised(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    generated("organised", "fields=ring:laser");
}

static void *read_one(const char *path, const char *map, sp_points *p,
                      sp_pcd_header *h)
{
    sp_pcd_reader *r = NULL;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    if (sp_pcd_reader_set_fields(r, map) != SP_OK)
        fail_msg("%s", sp_errmsg());
    size_t n;
    unsigned fields;
    if (sp_pcd_reader_shape(r, 0, &n, &fields) != SP_OK)
        fail_msg("%s", sp_errmsg());
    *h = *sp_pcd_reader_header(r);
    size_t bytes = sp_points_block_size_layout(n, &h->layout);
    void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    assert_non_null(mem);
    assert_int_equal(sp_points_init_layout(p, mem, bytes, n, &h->layout),
                     SP_OK);
    if (sp_pcd_reader_read(r, 0, p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    sp_pcd_reader_destroy(r);
    return mem;
}

/* Which field feeds which channel, and what is kept beside them. */
static void test_channels(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    const char *src = iot_tmp("pcdf_autoware_binary.pcd");
    char args[1024];
    snprintf(args, sizeof args, "autoware %s binary", src);
    run_oracle(args);
    sp_points p;
    sp_pcd_header h;
    void *mem = read_one(src, NULL, &p, &h);
    assert_int_equal(p.count, 1000);
    assert_string_equal(h.dropped, "");
    /* channel U2 -> ring exactly, time_stamp U4 ns -> time (s) with its
     * raw values kept, intensity U1 -> intensity */
    assert_non_null(p.ring);
    assert_non_null(p.time);
    assert_non_null(p.stored);
    assert_string_equal(p.stored->name[SP_CHANNEL_RING], "channel");
    assert_int_equal(p.stored->type[SP_CHANNEL_INTENSITY], SP_FIELD_U8);
    assert_null(sp_points_extra_find(&p, "channel"));
    static const char *const kept[] = {"return_type", "azimuth", "elevation",
                                       "distance", "time_stamp"};
    for (int k = 0; k < 5; k++)
        if (!sp_points_extra_find(&p, kept[k]))
            fail_msg("no extra %s", kept[k]);
    assert_int_equal(p.nextra, 5);
    sp_points_extra *ts = sp_points_extra_find(&p, "time_stamp");
    sp_points_extra *rt = sp_points_extra_find(&p, "return_type");
    assert_int_equal(ts->field.type, SP_FIELD_U32);
    assert_int_equal(rt->field.kind, SP_FIELD_LABEL);
    for (size_t i = 0; i < p.count; i += 97) {
        uint32_t ns;
        memcpy(&ns, (uint8_t *)ts->data + 4 * i, 4);
        assert_float_equal(p.time[i], (float)(ns * 1e-9), 1e-9);
        assert_true(p.intensity[i] == floorf(p.intensity[i]));
        assert_true(p.intensity[i] >= 0 && p.intensity[i] <= 255);
        assert_true(p.ring[i] < 128);
    }
    free(mem);

    /* the map: ring from "return_type" instead; "channel" is then an
     * extra of its own */
    mem = read_one(src, "ring:return_type", &p, &h);
    assert_non_null(sp_points_extra_find(&p, "channel"));
    assert_null(sp_points_extra_find(&p, "return_type"));
    for (size_t i = 0; i < p.count; i++)
        assert_true(p.ring[i] < 7);
    free(mem);

    /* a bad map is refused with what was expected */
    sp_pcd_reader *r = NULL;
    assert_int_equal(sp_pcd_reader_create(src, &r), SP_OK);
    assert_int_equal(sp_pcd_reader_set_fields(r, "colour:rgb"), SP_EINVAL);
    iot_msg_has("colour", "expected x, y, z, intensity, ring or time", NULL);
    assert_int_equal(sp_pcd_reader_set_fields(r, "ring:nosuch"), SP_OK);
    size_t n;
    unsigned fl;
    assert_int_equal(sp_pcd_reader_shape(r, 0, &n, &fl), SP_EFORMAT);
    iot_msg_has("nosuch", "no such field", "return_type", NULL);
    sp_pcd_reader_destroy(r);
    sp_pipeline *pl = NULL;
    char launch[1024];
    snprintf(launch, sizeof launch, "pcd path=%s fields=ring ! null", src);
    assert_int_not_equal(sp_pipeline_create(launch, NULL, &pl), SP_OK);
    iot_msg_has("ring", "expected channel:field", NULL);
}

/* A stage that drops points: the cloud is no longer organised, every field
 * and the viewpoint stay. */
static void test_after_crop(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    const char *src = iot_tmp("pcdf_org_crop.pcd");
    char args[1024], launch[2048], dir[512];
    snprintf(args, sizeof args, "organised %s binary", src);
    run_oracle(args);
    snprintf(dir, sizeof dir, "%s", iot_tmp("pcdf_org_crop_out"));
    snprintf(
        launch, sizeof launch,
        "pcd path=%s ! crop x=-100:100 ! pcd dir=%s name=seq encoding=ascii",
        src, dir);
    iot_run_ok(launch);
    char out[600];
    snprintf(out, sizeof out, "%s/lidar/000000.pcd", dir);
    sp_pcd_header h;
    if (sp_pcd_header_read(out, &h) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(h.height, 1);
    assert_true(h.points > 0 && h.points < 128); /* NaN points dropped */
    assert_int_equal(h.nfields, 12);
    assert_string_equal(h.fields[3].name, "rgb");
    assert_int_equal(h.fields[9].count, 3);
    assert_true(h.viewpoint[0] == 1.5 && h.viewpoint[1] == -2.0 &&
                h.viewpoint[6] == 0.5);
}

/* npy structured=true keeps names, types, counts and values; fields=
 * picks columns; kittibin refuses to lose extras unless drop=true. */
static void test_other_writers(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    const char *src = iot_tmp("pcdf_org_w.pcd");
    char args[2048], launch[2048], dir[512];
    snprintf(args, sizeof args, "organised %s binary_compressed", src);
    run_oracle(args);
    snprintf(dir, sizeof dir, "%s", iot_tmp("pcdf_npy_s"));
    snprintf(launch, sizeof launch,
             "pcd path=%s ! npy dir=%s name=seq structured=true", src, dir);
    iot_run_ok(launch);
    snprintf(args, sizeof args, "npy %s %s/lidar/000000.npy", src, dir);
    run_oracle(args);

    snprintf(dir, sizeof dir, "%s", iot_tmp("pcdf_npy_p"));
    snprintf(launch, sizeof launch,
             "pcd path=%s ! npy dir=%s name=seq fields=x,label,hist", src, dir);
    iot_run_ok(launch);
    snprintf(
        args, sizeof args,
        "-c \"import numpy as np; a = np.load('%s/lidar/000000.npy'); "
        "assert a.shape == (128, 5) and a.dtype == np.float32, a.shape; "
        "assert (a[:, 1] == np.floor(a[:, 1])).all() and a[:, 1].max() < 40\"",
        dir);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", args);
    assert_int_equal(system(cmd), 0);
    snprintf(launch, sizeof launch,
             "pcd path=%s ! npy dir=%s name=seq fields=x,nosuch", src, dir);
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    assert_int_equal(sp_pipeline_run(p), SP_EINVAL);
    iot_msg_has("nosuch", "expected some of x,y,z,rgb", NULL);
    sp_pipeline_destroy(p);

    snprintf(dir, sizeof dir, "%s", iot_tmp("pcdf_kb"));
    snprintf(launch, sizeof launch, "pcd path=%s ! kittibin dir=%s name=seq",
             src, dir);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    assert_int_equal(sp_pipeline_run(p), SP_EINVAL);
    iot_msg_has("kittibin", "rgb normal_x", "laser", "drop=true", NULL);
    sp_pipeline_destroy(p);
    snprintf(launch, sizeof launch,
             "pcd path=%s ! kittibin dir=%s name=seq drop=true", src, dir);
    iot_run_ok(launch);
    char out[600];
    snprintf(out, sizeof out, "%s/lidar/000000.bin", dir);
    FILE *fp = fopen(out, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    assert_int_equal(ftell(fp), 128 * 16);
    fclose(fp);
}

/* The mcap sink writes PointCloud2 with every field; the bag source reads
 * them all back: Autoware's cloud survives PCD -> MCAP -> PCD. */
static void test_mcap_roundtrip(void **state)
{
    (void)state;
    if (!have_oracle())
        skip();
    const char *src = iot_tmp("pcdf_aw_mcap.pcd");
    char args[2048], launch[2048], mcap[512], dir[512];
    snprintf(args, sizeof args, "autoware_f8 %s binary", src);
    run_oracle(args);
    snprintf(mcap, sizeof mcap, "%s", iot_tmp("pcdf_aw.mcap"));
    remove(mcap);
    snprintf(launch, sizeof launch, "pcd path=%s ! mcap path=%s", src, mcap);
    iot_run_ok(launch);
    snprintf(dir, sizeof dir, "%s", iot_tmp("pcdf_aw_mcap_out"));
    snprintf(launch, sizeof launch, "bag path=%s ! pcd dir=%s name=seq", mcap,
             dir);
    iot_run_ok(launch);
    snprintf(args, sizeof args, "compare %s %s/lidar/000000.pcd", src, dir);
    run_oracle(args);
}

/* bin fields= names beyond the standard ones become float32 extras. */
static void test_bin_columns(void **state)
{
    (void)state;
    float rec[10][6];
    for (int i = 0; i < 10; i++) {
        rec[i][0] = (float)i;
        rec[i][1] = (float)-i;
        rec[i][2] = 0.5f * (float)i;
        rec[i][3] = 0.25f;
        rec[i][4] = (float)(i % 4);
        rec[i][5] = 100.0f + (float)i;
    }
    const char *src = iot_tmp("pcdf_cols.bin");
    iot_write(src, rec, sizeof rec);
    char launch[2048], dir[512], out[600];
    snprintf(dir, sizeof dir, "%s", iot_tmp("pcdf_cols_out"));
    snprintf(launch, sizeof launch,
             "bin path=%s fields=x,y,z,i,ring,label ! pcd dir=%s name=seq", src,
             dir);
    iot_run_ok(launch);
    snprintf(out, sizeof out, "%s/lidar/000000.pcd", dir);
    sp_points p;
    sp_pcd_header h;
    void *mem = read_one(out, NULL, &p, &h);
    assert_int_equal(h.nfields, 6);
    assert_string_equal(h.fields[5].name, "label");
    sp_points_extra *e = sp_points_extra_find(&p, "label");
    assert_non_null(e);
    assert_int_equal(e->field.type, SP_FIELD_F32);
    for (int i = 0; i < 10; i++) {
        float v;
        memcpy(&v, (uint8_t *)e->data + 4 * i, 4);
        assert_true(v == rec[i][5] && p.ring[i] == i % 4 &&
                    p.x[i] == rec[i][0]);
    }
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcl_scans),
        cmocka_unit_test(test_autoware),
        cmocka_unit_test(test_autoware_f8),
        cmocka_unit_test(test_organised),
        cmocka_unit_test(test_channels),
        cmocka_unit_test(test_after_crop),
        cmocka_unit_test(test_other_writers),
        cmocka_unit_test(test_mcap_roundtrip),
        cmocka_unit_test(test_bin_columns),
    };
    return cmocka_run_group_tests_name("pcd_fields", tests, NULL, NULL);
}
