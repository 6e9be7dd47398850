/* ctest-label: io */
/* The file sources and sinks as pipeline stages (pipeline/sources/{kitti,
 * pcd,bin,raw,pngs}_src.c, pipeline/sinks/{pcd,kittibin}_sink.c): frames and
 * their metadata, round trips through the sinks, on_error=skip|stop, and
 * every block back in its pool at the end. */
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_pipeline.h"

static sp_pipeline *make(const char *launch)
{
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    return p;
}

static int file_equal(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb)
            same = 0;
        if (ca == EOF || cb == EOF)
            break;
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return same;
}

static void test_kitti_to_kittibin(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object");
    if (!dir)
        skip();
    const char *out = iot_tmp("kb_out");
    iot_rmdir(out);
    char launch[2048];
    snprintf(launch, sizeof launch, "kitti path=%s ! kittibin dir=%s", dir,
             out);
    sp_pipeline *p = make(launch);
    sp_frame *f;
    static const char *streams[6] = {"velodyne", "image_02", "velodyne",
                                     "image_02", "velodyne", "image_02"};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        assert_string_equal(f->stream, streams[i]);
        assert_int_equal(f->seq, i / 2);
        assert_int_equal(f->timestamp_ns, (i / 2) * 100000000LL);
        assert_non_null(f->calib);
        assert_true(f->calib->has_P && f->calib->has_velo_to_cam);
        assert_non_null(f->origin);
        assert_int_equal(f->payload,
                         i % 2 ? SP_PAYLOAD_IMAGE : SP_PAYLOAD_POINTS);
        sp_frame_unref(f);
    }
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* KITTI .bin out is byte for byte the .bin in. */
    for (int i = 0; i < 3; i++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/velodyne/%06d.bin", out, i);
        snprintf(b, sizeof b, "%s/training/velodyne/%06d.bin", dir, i);
        assert_true(file_equal(a, b));
    }
}

static void test_pcd_sink_round_trip(void **state)
{
    (void)state;
    const char *src = iot_data("pcd/ndt_omp_251370668.pcd");
    if (!src)
        skip();
    static const char *encs[] = {"ascii", "binary", "binary_compressed"};
    for (int e = 0; e < 3; e++) {
        const char *out = iot_tmp("pcd_out");
        iot_rmdir(out);
        char launch[2048], back[2048];
        snprintf(launch, sizeof launch,
                 "pcd path=%s stream=scan ! pcd dir=%s encoding=%s", src, out,
                 encs[e]);
        sp_pipeline *p = make(launch);
        assert_int_equal(sp_pipeline_run(p), SP_OK);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
        /* Read the original and the copy side by side. */
        snprintf(back, sizeof back, "pcd path=%s/scan", out);
        sp_pipeline *a = make(launch), *b = make(back);
        sp_frame *fa, *fb;
        assert_int_equal(sp_pipeline_pull(a, &fa), SP_OK);
        assert_int_equal(sp_pipeline_pull(b, &fb), SP_OK);
        assert_int_equal(fb->u.points.count, 69088);
        assert_memory_equal(fa->u.points.x, fb->u.points.x, 69088 * 4);
        assert_memory_equal(fa->u.points.intensity, fb->u.points.intensity,
                            69088 * 4);
        assert_non_null(strstr(fb->origin, "scan/000000.pcd"));
        sp_frame_unref(fa);
        sp_frame_unref(fb);
        assert_int_equal(sp_pipeline_destroy(a), SP_OK);
        assert_int_equal(sp_pipeline_destroy(b), SP_OK);
    }
}

/* Three clouds, the middle one broken. */
static const char *make_pcd_seq(void)
{
    const char *dir = iot_tmp("pcd_seq");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char p[1024];
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%d.pcd", dir, i);
        if (i == 1)
            iot_write_str(p, "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                             "WIDTH 2\nHEIGHT 2\nPOINTS 3\nDATA ascii\n");
        else
            iot_write_str(p, "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                             "WIDTH 1\nDATA ascii\n1 2 3\n");
    }
    snprintf(p, sizeof p, "%s/timestamps.txt", dir);
    iot_write_str(p, "10\n20\n30\n");
    return dir;
}

static void test_on_error(void **state)
{
    (void)state;
    const char *dir = make_pcd_seq();
    char launch[2048];
    snprintf(launch, sizeof launch, "pcd path=%s on_error=skip", dir);
    sp_pipeline *p = make(launch);
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->timestamp_ns, 10);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->timestamp_ns, 30); /* 1.pcd skipped */
    assert_int_equal(f->seq, 1);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    sp_pipeline_stats st;
    assert_int_equal(sp_pipeline_stats_get(p, &st), SP_OK);
    assert_int_equal(st.stages[0].skipped, 1);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    snprintf(launch, sizeof launch, "pcd path=%s", dir);
    p = make(launch);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EFORMAT);
    iot_msg_has("stage 'pcd': ", "1.pcd: line 6:",
                "WIDTH 2 x HEIGHT 2 = 4 but POINTS is 3", NULL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_pngs_bayer_and_raw(void **state)
{
    (void)state;
    const char *dir = iot_tmp("pngs");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char p[1024];
    for (int i = 0; i < 2; i++) {
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        im.width = 6;
        im.height = 4;
        im.format = PNG_FORMAT_GRAY;
        uint8_t px[24];
        memset(px, 40 + i, sizeof px);
        snprintf(p, sizeof p, "%s/img%d.png", dir, i);
        assert_true(png_image_write_to_file(&im, p, 0, px, 0, NULL));
    }
    char launch[2048];
    snprintf(launch, sizeof launch, "pngs path=%s bayer=grbg", dir);
    sp_pipeline *pl = make(launch);
    sp_frame *f;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sp_pipeline_pull(pl, &f), SP_OK);
        assert_int_equal(f->u.image.format, SP_PIX_BAYER_GRBG8);
        assert_int_equal(f->u.image.width, 6);
        assert_int_equal(f->u.image.data[0], 40 + i);
        assert_string_equal(f->stream, "camera");
        assert_int_equal(f->timestamp_ns, i * 100000000LL);
        sp_frame_unref(f);
    }
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_EOS);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);

    /* A file that is not a PNG between them: skipped and counted. */
    snprintf(p, sizeof p, "%s/img0b.png", dir);
    iot_write_str(p, "GIF89a, not a PNG at all");
    snprintf(launch, sizeof launch, "pngs path=%s on_error=skip", dir);
    pl = make(launch);
    int n = 0;
    while (sp_pipeline_pull(pl, &f) == SP_OK) {
        assert_int_equal(f->u.image.format, SP_PIX_GRAY8);
        sp_frame_unref(f);
        n++;
    }
    assert_int_equal(n, 2);
    sp_pipeline_stats ps;
    assert_int_equal(sp_pipeline_stats_get(pl, &ps), SP_OK);
    assert_int_equal(ps.stages[0].skipped, 1);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);
    snprintf(launch, sizeof launch, "pngs path=%s", dir);
    pl = make(launch);
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_OK);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_EFORMAT);
    iot_msg_has("stage 'pngs': ", "img0b.png", NULL);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);

    const char *raw = iot_data("raw_bayer/DSC_1339_768x512_rggb.raw");
    if (!raw)
        return;
    snprintf(launch, sizeof launch,
             "raw path=%s width=768 height=512 "
             "format=bayer_rggb16 bit_depth=14",
             raw);
    pl = make(launch);
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_OK);
    assert_int_equal(f->u.image.format, SP_PIX_BAYER_RGGB16);
    assert_int_equal(f->u.image.bit_depth, 14);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(pl, &f), SP_EOS);
    assert_int_equal(sp_pipeline_destroy(pl), SP_OK);

    snprintf(launch, sizeof launch,
             "raw path=%s width=768 height=500 "
             "format=gray8",
             raw);
    assert_int_equal(sp_pipeline_create(launch, NULL, &pl), SP_EFORMAT);
    iot_msg_has("stage 'raw': ", "DSC_1339_768x512_rggb.raw: 786432 bytes",
                "384000-byte frames", NULL);
}

static void test_bin_fields(void **state)
{
    (void)state;
    const char *path = iot_tmp("five.bin");
    float rec[3][5] = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, {0, 0, 0, 0, 63}};
    iot_write(path, rec, sizeof rec);
    char launch[2048];
    snprintf(launch, sizeof launch, "bin path=%s fields=x,y,z,i,ring", path);
    sp_pipeline *p = make(launch);
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->u.points.count, 3);
    assert_non_null(f->u.points.ring);
    assert_int_equal(f->u.points.ring[2], 63);
    assert_true(f->u.points.intensity[1] == 9);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    snprintf(launch, sizeof launch, "bin path=%s", path); /* 60 bytes / 16 */
    p = make(launch);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EFORMAT);
    iot_msg_has("five.bin: byte 48:", "ends 12 bytes into a record", NULL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* A PCD file of @p n points, binary x y z, all at (x, 0, 0). */
static void write_pcd_points(const char *path, size_t n, float x)
{
    char hdr[256];
    int hl = snprintf(hdr, sizeof hdr,
                      "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                      "COUNT 1 1 1\nWIDTH %zu\nHEIGHT 1\nPOINTS %zu\n"
                      "DATA binary\n",
                      n, n);
    size_t len = (size_t)hl + n * 12;
    char *b = calloc(1, len);
    assert_non_null(b);
    memcpy(b, hdr, (size_t)hl);
    for (size_t i = 0; i < n; i++)
        memcpy(b + hl + i * 12, &x, 4);
    iot_write(path, b, len);
    free(b);
}

/* Errors met while running name the frame and the file it came from: a
 * frame the budget cannot hold, a coordinate the voxel grid cannot index,
 * a calibration with NaN in it. */
static void test_errors_name_file_and_frame(void **state)
{
    (void)state;
    const char *dir = iot_tmp("named");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char big[1100], far[1100], cal[1100], launch[2400];
    snprintf(big, sizeof big, "%s/big.pcd", dir);
    write_pcd_points(big, 300000, 1.0f);
    snprintf(launch, sizeof launch, "pcd path=%s ! null", big);
    sp_pipeline_opts o = {.budget_bytes = 1 << 20};
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, &o, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_EBUDGET);
    iot_msg_has("stage 'pcd': frame 0 (", "big.pcd): ", "budget", NULL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    snprintf(far, sizeof far, "%s/far.pcd", dir);
    write_pcd_points(far, 4, 1e30f);
    snprintf(launch, sizeof launch, "pcd path=%s ! voxel leaf=0.001 ! null",
             far);
    sp_pipeline_opts so = {.backend = SP_BACKEND_SCALAR};
    p = NULL;
    if (sp_pipeline_create(launch, &so, &p) != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_run(p), SP_ERANGE);
    iot_msg_has("stage 'voxel': frame 0 (", "far.pcd): ", "voxel index", NULL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    snprintf(cal, sizeof cal, "%s/calib.txt", dir);
    iot_write_str(cal, "P0: 1 0 0 0 0 1 0 0 0 0 1 0\n"
                       "P2: 700 0 600 0 0 700 nan 0 0 0 1 0\n");
    snprintf(launch, sizeof launch,
             "synth frames=1 camera=false ! project calib=%s width=8 "
             "height=8",
             cal);
    p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EFORMAT);
    iot_msg_has("stage 'project': property 'calib': ", "calib.txt: line 2",
                "key 'P2' value 7 'nan'", "expected a finite number", NULL);
    iot_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kitti_to_kittibin),
        cmocka_unit_test(test_pcd_sink_round_trip),
        cmocka_unit_test(test_on_error),
        cmocka_unit_test(test_pngs_bayer_and_raw),
        cmocka_unit_test(test_bin_fields),
        cmocka_unit_test(test_errors_name_file_and_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
