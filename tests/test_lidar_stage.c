/* ctest-label: pipeline */
/* The `lidar` stage over the real Velodyne captures: scans cut at an
 * azimuth (each a full turn), cut=message, the azimuth window (wrapping
 * through 0), the extras, the notes (a model byte naming another model,
 * packets of another size, the last partial scan), a model= that no
 * packet fits (an error naming the model that does), damaged packets
 * (stop with file, frame and packet; on_error=skip), the Ouster hook's
 * refusal without metadata, and no heap allocation per scan after
 * warm-up. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_pipeline.h"

#define VLP16 "pcap/velodyne/rlu_velodyne_example_vlp16.pcap"
#define HDL32 "pcap/velodyne/rlu_hdl32_example.pcap"

typedef struct run {
    size_t frames, points[16], mid[16];
    float az_min[16], az_max[16];
    int rc;
    char notes[4][SP_PIPELINE_NOTE_MAX];
    size_t nnotes;
} run;

static void run_launch(const char *launch, run *r)
{
    memset(r, 0, sizeof *r);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_frame *f = NULL;
    while ((r->rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
        const sp_points *q = &f->u.points;
        assert_non_null(q->ring);
        assert_non_null(q->time);
        const sp_points_extra *az = NULL;
        for (unsigned e = 0; e < q->nextra; e++)
            if (!strcmp(q->extra[e].field.name, "azimuth"))
                az = &q->extra[e];
        assert_non_null(az);
        assert_int_equal(q->nextra, 3);
        if (r->frames < 16) {
            r->points[r->frames] = q->count;
            float lo = 1e9f, hi = -1e9f;
            for (size_t i = 0; i < q->count; i++) {
                float a = ((const float *)az->data)[i];
                r->mid[r->frames] += a > 90.0f && a < 270.0f;
                lo = fminf(lo, a);
                hi = fmaxf(hi, a);
            }
            r->az_min[r->frames] = lo;
            r->az_max[r->frames] = hi;
        }
        r->frames++;
        sp_frame_unref(f);
        f = NULL;
    }
    sp_pipeline_close(p);
    r->nnotes = sp_pipeline_note_count(p);
    for (size_t i = 0; i < r->nnotes && i < 4; i++)
        snprintf(r->notes[i], sizeof r->notes[i], "%s",
                 sp_pipeline_note(p, i, NULL));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static int has_note(const run *r, const char *text)
{
    for (size_t i = 0; i < r->nnotes && i < 4; i++)
        if (strstr(r->notes[i], text))
            return 1;
    return 0;
}

static void test_scans(void **state)
{
    (void)state;
    const char *hdl = iot_data(HDL32);
    if (!hdl)
        skip();
    char launch[1024];
    run r;
    snprintf(launch, sizeof launch, "pcap path=%s ! lidar model=hdl32e", hdl);
    run_launch(launch, &r);
    assert_int_equal(r.rc, SP_EOS);
    /* About five turns: whole scans between the first and the last. */
    assert_true(r.frames >= 5 && r.frames <= 7);
    for (size_t i = 1; i + 1 < r.frames; i++) {
        assert_true(r.points[i] > 30000);
        assert_true(r.az_min[i] < 1.0f && r.az_max[i] > 359.0f);
    }
    assert_true(has_note(&r, "512-byte packet"));
    assert_true(has_note(&r, "before its cut"));
    /* A window through 0. */
    snprintf(launch, sizeof launch,
             "pcap path=%s port=2368 ! lidar model=hdl32e min_angle=270 "
             "max_angle=90",
             hdl);
    run_launch(launch, &r);
    for (size_t i = 1; i + 1 < r.frames && i < 16; i++) {
        assert_true(r.points[i] > 15000);
        assert_int_equal(r.mid[i], 0);
        assert_true(r.az_min[i] < 1.0f && r.az_max[i] > 359.0f);
    }
    /* cut=message: one cloud per batch of 100 packets. */
    snprintf(launch, sizeof launch,
             "pcap path=%s port=2368 packets=100 ! lidar model=hdl32e "
             "cut=message",
             hdl);
    run_launch(launch, &r);
    assert_int_equal(r.frames, 9);
}

/* A file sink's default names (name=source) give each scan of one capture
 * a file of its own: the capture's name and the scan's number in it. They
 * were all the capture's name, and the second scan stopped the run. */
static void test_scan_file_names(void **state)
{
    (void)state;
    const char *hdl = iot_data(HDL32);
    if (!hdl)
        skip();
    run r;
    char launch[1024];
    snprintf(launch, sizeof launch, "pcap path=%s ! lidar model=hdl32e", hdl);
    run_launch(launch, &r);
    char dir[512];
    snprintf(dir, sizeof dir, "%s", iot_tmp("scan_names"));
    iot_rmdir(dir); /* a rerun's files would be refused as this run's */
    char sub[600];
    snprintf(sub, sizeof sub, "%s/lidar", dir);
    iot_rmdir(sub);
    snprintf(launch, sizeof launch,
             "pcap path=%s ! lidar model=hdl32e ! npy dir=%s", hdl, dir);
    iot_run_ok(launch);
    char path[1200];
    for (size_t i = 0; i <= r.frames; i++) {
        snprintf(path, sizeof path, "%s/lidar/rlu_hdl32_example_%06zu.npy", dir,
                 i);
        assert_int_equal(access(path, F_OK) == 0, i < r.frames);
    }
}

static void test_model_byte_note(void **state)
{
    (void)state;
    const char *hdl = iot_data(HDL32);
    if (!hdl)
        skip();
    char launch[1024];
    run r;
    snprintf(launch, sizeof launch,
             "pcap path=%s port=2368 ! lidar model=vlp16", hdl);
    run_launch(launch, &r);
    assert_int_equal(r.rc, SP_EOS);
    assert_true(has_note(&r, "model byte 0x21 says Velodyne HDL-32E"));
    assert_true(has_note(&r, "as Velodyne VLP-16"));
}

/* A run in which no packet has the model's size is an error that says
 * what the packets look like and the model= that decodes them (it ran to
 * an empty success before, its only sign a count of skipped packets). */
static void test_wrong_model(void **state)
{
    (void)state;
    const char *hdl = iot_data(HDL32);
    const char *os = iot_data("pcap/ouster/OS-1-32-G_v2.1.1_1024x10.pcap");
    if (!hdl)
        skip();
    char launch[1024];
    run r;
    snprintf(launch, sizeof launch, "pcap path=%s ! lidar model=pandar64", hdl);
    run_launch(launch, &r);
    assert_int_equal(r.frames, 0);
    assert_int_equal(r.rc, SP_EFORMAT);
    iot_msg_has("no packet is a Hesai Pandar64 packet (976 of another size)",
                "they look like Velodyne HDL-32E data",
                "decode them with `lidar model=hdl32e`", "packet 0: 1206-byte",
                NULL);
    /* only position packets: no model decodes them */
    snprintf(launch, sizeof launch,
             "pcap path=%s port=8308 ! lidar model=hdl32e", hdl);
    run_launch(launch, &r);
    assert_int_equal(r.rc, SP_EFORMAT);
    iot_msg_has("no packet is a Velodyne HDL-32E packet (100 of another size)",
                "they look like Velodyne position packets; the first", NULL);
    assert_null(strstr(sp_errmsg(), "decode them with"));
    if (os) {
        snprintf(launch, sizeof launch, "pcap path=%s ! lidar model=vlp16", os);
        run_launch(launch, &r);
        assert_int_equal(r.rc, SP_EFORMAT);
        iot_msg_has(
            "no packet is a Velodyne VLP-16 packet (64 of another size)",
            "they look like Ouster lidar packets",
            "`lidar model=ouster calib=SENSOR.json", NULL);
        /* model=ouster already, another sensor's metadata: no advice to
         * use model=ouster */
        const char *other =
            iot_data("pcap/ouster/OS-0-32-U1_v2.2.0_1024x10.json");
        if (other) {
            snprintf(launch, sizeof launch,
                     "pcap path=%s ! lidar model=ouster calib=%s", os, other);
            run_launch(launch, &r);
            assert_int_equal(r.rc, SP_EFORMAT);
            iot_msg_has("no packet matches the Ouster metadata (64 of another "
                        "size); they look like Ouster lidar packets; the first",
                        NULL);
            assert_null(strstr(sp_errmsg(), "decode them with"));
        }
    }
}

static void test_damaged_packet(void **state)
{
    (void)state;
    const char *src = iot_data(VLP16);
    if (!src)
        skip();
    FILE *f = fopen(src, "rb");
    assert_non_null(f);
    static uint8_t buf[200000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* The fifth datagram's third block flag: pcap header 24, then records
     * of 16 + 42 + 1206 bytes. */
    size_t at = 24 + 4 * (16 + 42 + 1206) + 16 + 42 + 200;
    buf[at] = 0x12;
    const char *bad = iot_tmp("damaged_vlp16.pcap");
    iot_write(bad, buf, n);
    char launch[1024];
    snprintf(launch, sizeof launch, "pcap path=%s ! lidar model=vlp16", bad);
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    sp_frame *fr = NULL;
    int rc;
    while ((rc = sp_pipeline_pull(p, &fr)) == SP_OK) {
        sp_frame_unref(fr);
        fr = NULL;
    }
    assert_int_equal(rc, SP_EFORMAT);
    iot_msg_has("damaged_vlp16.pcap", "packet 4", "block 2", "flag 0xee12",
                NULL);
    sp_pipeline_destroy(p);
    run r;
    snprintf(launch, sizeof launch,
             "pcap path=%s ! lidar model=vlp16 on_error=skip", bad);
    run_launch(launch, &r);
    assert_int_equal(r.rc, SP_EOS);
    assert_true(has_note(&r, "skipped: block 2"));
}

static void test_ouster_needs_metadata(void **state)
{
    (void)state;
    const char *os = iot_data("pcap/ouster/OS-1-32-G_v2.1.1_1024x10.pcap");
    if (!os)
        skip();
    char launch[1024];
    snprintf(launch, sizeof launch, "pcap path=%s ! lidar model=ouster", os);
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    sp_frame *f = NULL;
    if (rc == SP_OK)
        rc = sp_pipeline_pull(p, &f);
    assert_true(rc < 0);
    iot_msg_has("ouster", NULL);
    sp_frame_unref(f);
    sp_pipeline_destroy(p);
}

/* The only frame of @p launch (one reference). */
static sp_frame *only_frame(const char *launch, sp_pipeline **pp)
{
    if (sp_pipeline_create(launch, NULL, pp) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_frame *f = NULL, *g = NULL;
    assert_int_equal(sp_pipeline_pull(*pp, &f), SP_OK);
    assert_int_equal(sp_pipeline_pull(*pp, &g), SP_EOS);
    return f;
}

/* A ROS1 bag holding the VLP-16 capture's packets as one VelodyneScan
 * (written by python3-rosbag: tests/oracles/lidar_bag_fixture.py) decodes
 * to exactly the capture's points taken as one message. */
static void test_ros1_velodyne_scan(void **state)
{
    (void)state;
    const char *pcap = iot_data(VLP16);
    if (!pcap)
        skip();
    if (oracle_status("/usr/bin/python3 -c 'import rosbag' >/dev/null 2>&1") !=
        0) {
        print_message("python3-rosbag missing: the ROS1 fixture was not "
                      "written\n");
        skip();
    }
    char dir[1024], cmd[4096], launch[2048];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(dir, sizeof dir, "%.*s/oracles",
             slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
    const char *bag = iot_tmp("vlp16_scan.bag");
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/lidar_bag_fixture.py' '%s' '%s'", dir, pcap,
             bag);
    assert_int_equal(system(cmd), 0);
    sp_pipeline *pa = NULL, *pb = NULL;
    snprintf(launch, sizeof launch, "bag path=%s ! lidar model=vlp16", bag);
    sp_frame *a = only_frame(launch, &pa);
    snprintf(launch, sizeof launch,
             "pcap path=%s packets=84 ! lidar model=vlp16 cut=message", pcap);
    sp_frame *b = only_frame(launch, &pb);
    const sp_points *p = &a->u.points, *q = &b->u.points;
    assert_int_equal(p->count, q->count);
    assert_true(p->count > 25000);
    assert_memory_equal(p->x, q->x, p->count * 4);
    assert_memory_equal(p->z, q->z, p->count * 4);
    assert_memory_equal(p->time, q->time, p->count * 4);
    assert_string_equal(a->stream, "/velodyne_packets");
    sp_frame_unref(a);
    sp_frame_unref(b);
    assert_int_equal(sp_pipeline_destroy(pa), SP_OK);
    assert_int_equal(sp_pipeline_destroy(pb), SP_OK);
}

/* An Ouster recording as ouster-ros writes it (PacketMsg per packet, the
 * metadata JSON on .../metadata, recorded after the first packet): every
 * packet frame carries one packet and the whole metadata text. */
static void test_ros1_ouster_packets(void **state)
{
    (void)state;
    const char *pcap = iot_data("pcap/ouster/OS-1-32-G_v2.1.1_1024x10.pcap");
    const char *meta = iot_data("pcap/ouster/OS-1-32-G_v2.1.1_1024x10.json");
    if (!pcap || !meta)
        skip();
    if (oracle_status("/usr/bin/python3 -c 'import rosbag' >/dev/null 2>&1") !=
        0)
        skip();
    char dir[1024], cmd[4096], launch[2048];
    const char *slash = strrchr(__FILE__, '/');
    snprintf(dir, sizeof dir, "%.*s/oracles",
             slash ? (int)(slash - __FILE__) : 1, slash ? __FILE__ : ".");
    const char *bag = iot_tmp("ouster_packets.bag");
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/lidar_bag_fixture.py' --ouster '%s' '%s' "
             "'%s'",
             dir, pcap, meta, bag);
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(meta, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size_t meta_len = (size_t)ftell(f);
    fclose(f);
    snprintf(launch, sizeof launch, "bag path=%s", bag);
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    sp_frame *fr = NULL;
    size_t n = 0;
    while (sp_pipeline_pull(p, &fr) == SP_OK) {
        assert_int_equal(fr->payload, SP_PAYLOAD_PACKETS);
        const sp_packets *pk = &fr->u.packets;
        assert_int_equal(pk->count, 1);
        assert_int_equal(pk->length[0], 6464);
        assert_int_equal(pk->meta_size, meta_len);
        assert_non_null(strstr(pk->meta, "beam_altitude_angles"));
        assert_string_equal(pk->vendor, "ouster");
        assert_int_equal(pk->flags & SP_PACKETS_SCAN, 0);
        n++;
        sp_frame_unref(fr);
        fr = NULL;
    }
    assert_int_equal(n, 64);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_no_allocation_per_scan(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    print_message("skipped: AddressSanitizer owns malloc\n");
    skip();
#else
    const char *hdl = iot_data(HDL32);
    if (!hdl)
        skip();
    char launch[1024];
    snprintf(launch, sizeof launch,
             "pcap path=%s port=2368 packets=16 ! lidar model=hdl32e "
             "cut=message ! null",
             hdl);
    sp_pipeline_stats s =
        sp_test_alloc_run(launch, &(sp_pipeline_opts){.warmup_frames = 5});
    assert_true(s.frames_after_warmup > 40);
    if (s.heap_allocs_after_warmup != 0)
        fail_msg("%llu heap allocations after warm-up (%llu pool grows)",
                 (unsigned long long)s.heap_allocs_after_warmup,
                 (unsigned long long)s.pool_grows_after_warmup);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scans),
        cmocka_unit_test(test_scan_file_names),
        cmocka_unit_test(test_model_byte_note),
        cmocka_unit_test(test_wrong_model),
        cmocka_unit_test(test_damaged_packet),
        cmocka_unit_test(test_ouster_needs_metadata),
        cmocka_unit_test(test_ros1_velodyne_scan),
        cmocka_unit_test(test_ros1_ouster_packets),
        cmocka_unit_test(test_no_allocation_per_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
