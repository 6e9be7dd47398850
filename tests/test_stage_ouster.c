/* ctest-label: io */
/* The `lidar` stage with model=ouster on the real captures of
 * ../shared/data/pcap/ouster read by the `pcap` source: the stage's points
 * are the kernel's (sp_ouster_points, bit for bit), dual returns, the
 * range image straight from the packets (image=), scans cut where the
 * frame id changes (a capture of two frames written here), a ROS1 bag as
 * ouster-ros records it (PacketMsg packets, the metadata JSON on its
 * topic, written by tests/oracles/ouster_bag_fixture.py), refusals
 * (metadata of another sensor, no metadata, image= for another model),
 * and no heap allocation per packet or scan in the kernel once warm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "ouster_test.h"
#include "sp_alloc_counter.h"
#include "sp_frame.h"
#include "sp_iotest.h"
#include "sp_pipeline.h"

static const char *cap_path(int i, const char *ext)
{
    static char buf[4][1024];
    static int k;
    char rel[256];
    snprintf(rel, sizeof rel, "pcap/ouster/%s.%s", ot_caps[i], ext);
    const char *p = iot_data(rel);
    if (!p)
        return NULL;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s", p);
    return buf[k];
}

/* The kernel's decode of capture i (one frame), for reference. */
static int reference(int i, ot_decoder *d, sp_kctx **k)
{
    sp_ouster_meta m;
    ot_capture c;
    if (!ot_meta_load(ot_caps[i], &m) || !ot_capture_load(ot_caps[i], &c))
        return 0;
    sp_kctx_desc kd = {0};
    assert_int_equal(sp_kctx_create(&kd, k), SP_OK);
    ot_decoder_init(d, &m);
    assert_int_equal(ot_decode_all(d, *k, &c), 64);
    ot_capture_free(&c);
    return 1;
}

static sp_pipeline *open_run(const char *launch)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    return p;
}

static void test_points_match_kernel(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        ot_decoder d;
        sp_kctx *k;
        if (!reference(i, &d, &k))
            skip();
        sp_points_layout lay;
        sp_ouster_points_layout(&lay);
        size_t cap = sp_ouster_points_max(d.plan);
        size_t bytes = sp_points_block_size_layout(cap, &lay);
        void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        sp_points ref;
        assert_int_equal(sp_points_init_layout(&ref, mem, bytes, cap, &lay),
                         SP_OK);
        for (int mode = 0; mode < 2; mode++) {
            sp_ouster_points_params prm = {.mode = mode ? SP_OUSTER_DUAL
                                                        : SP_OUSTER_STRONGEST};
            assert_int_equal(sp_ouster_points(d.plan, &d.scan, &prm, &ref),
                             SP_OK);
            char launch[4096];
            snprintf(launch, sizeof launch,
                     "pcap path='%s' ! lidar model=ouster calib='%s' "
                     "return=%s",
                     cap_path(i, "pcap"), cap_path(i, "json"),
                     mode ? "dual" : "strongest");
            sp_pipeline *p = open_run(launch);
            sp_frame *f = NULL;
            assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
            assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
            const sp_points *pts = &f->u.points;
            assert_int_equal(pts->count, ref.count);
            assert_memory_equal(pts->x, ref.x, ref.count * 4);
            assert_memory_equal(pts->y, ref.y, ref.count * 4);
            assert_memory_equal(pts->z, ref.z, ref.count * 4);
            assert_memory_equal(pts->intensity, ref.intensity, ref.count * 4);
            assert_memory_equal(pts->ring, ref.ring, ref.count * 2);
            static const char *ex[] = {"azimuth", "distance", "return_type",
                                       "reflectivity", "nir"};
            for (int e = 0; e < 5; e++) {
                sp_points_extra *a = sp_points_extra_find(pts, ex[e]);
                sp_points_extra *b = sp_points_extra_find(&ref, ex[e]);
                assert_non_null(a);
                assert_memory_equal(a->data, b->data,
                                    ref.count * sp_points_extra_stride(b));
            }
            /* Time: the packet's capture time plus the column's offset. */
            for (size_t n = 1; n < pts->count; n++)
                assert_true(pts->time[n] >= 0 && pts->time[n] < 0.2f);
            sp_frame_unref(f);
            assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
            sp_pipeline_destroy(p);
        }
        free(mem);
        ot_decoder_free(&d);
        sp_kctx_destroy(k);
    }
}

static void test_range_image(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        ot_decoder d;
        sp_kctx *k;
        if (!reference(i, &d, &k))
            skip();
        size_t h = d.scan.beams, w = d.scan.cols, shape[3] = {5, h, w};
        size_t bytes = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
        void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        sp_tensor ref;
        assert_int_equal(
            sp_tensor_init(&ref, mem, bytes, SP_DTYPE_F32, 3, shape), SP_OK);
        for (int de = 0; de < 2; de++) {
            assert_int_equal(sp_ouster_range_image(d.plan, &d.scan, de, &ref),
                             SP_OK);
            char launch[4096];
            snprintf(launch, sizeof launch,
                     "pcap path='%s' ! lidar model=ouster calib='%s' "
                     "image=%s",
                     cap_path(i, "pcap"), cap_path(i, "json"),
                     de ? "destaggered" : "staggered");
            sp_pipeline *p = open_run(launch);
            sp_frame *f = NULL;
            assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
            assert_int_equal(f->payload, SP_PAYLOAD_TENSOR);
            assert_int_equal(f->u.tensor.ndim, 3);
            assert_int_equal(f->u.tensor.shape[1], h);
            assert_int_equal(f->u.tensor.shape[2], w);
            assert_memory_equal(f->u.tensor.data, ref.data, 5 * h * w * 4);
            sp_frame_unref(f);
            assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
            sp_pipeline_destroy(p);
        }
        free(mem);
        ot_decoder_free(&d);
        sp_kctx_destroy(k);
    }
}

static void put16be(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Writes capture i's lidar packets twice, the second time with the frame
 * id plus one, as an Ethernet/IPv4/UDP pcap; when bad >= 0, lidar packet
 * number bad (from 0) of the first frame gets measurement id 5000 in its
 * column 5. */
static const char *write_frames(int i, const sp_ouster_meta *m, int bad)
{
    ot_capture c;
    assert_true(ot_capture_load(ot_caps[i], &c));
    size_t psz = sp_ouster_packet_size(m);
    const char *path = iot_tmp("two_frames.pcap");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint32_t gh[6] = {0xa1b2c3d4u, 0x00040002u, 0, 0, 65535, 1};
    fwrite(gh, 4, 6, f);
    uint8_t *rec = calloc(1, 42 + psz);
    uint32_t t = 0;
    for (int frame = 0; frame < 2; frame++)
        for (size_t n = 0, lid = 0; n < c.n; n++) {
            if (c.len[n] != psz)
                continue;
            uint8_t *eth = rec, *ip = rec + 14, *udp = ip + 20, *pay = udp + 8;
            eth[12] = 0x08, eth[13] = 0x00;
            ip[0] = 0x45, ip[8] = 64, ip[9] = 17;
            put16be(ip + 2, (unsigned)(20 + 8 + psz));
            put16be(udp, 7502), put16be(udp + 2, 7502);
            put16be(udp + 4, (unsigned)(8 + psz));
            memcpy(pay, c.payload[n], psz);
            if (frame && m->profile == SP_OUSTER_LEGACY) {
                for (size_t col = 0; col < m->columns_per_packet; col++)
                    pay[col * (16 + m->pixels_per_column * 12 + 4) + 10]++;
            } else if (frame) {
                pay[2]++;
            }
            if (!frame && (int)lid++ == bad) {
                size_t col =
                    m->profile == SP_OUSTER_LEGACY
                        ? 16 + m->pixels_per_column * 12 + 4
                        : 12 + m->pixels_per_column * (m->profile == 2   ? 16
                                                       : m->profile == 3 ? 4
                                                                         : 12);
                uint8_t *c5 = pay + (m->profile ? 32 : 0) + 5 * col;
                c5[8] = 0x88, c5[9] = 0x13;
            }
            uint32_t rh[4] = {1700000000u, t++ * 781u, (uint32_t)(42 + psz),
                              (uint32_t)(42 + psz)};
            fwrite(rh, 4, 4, f);
            fwrite(rec, 1, 42 + psz, f);
        }
    fclose(f);
    free(rec);
    ot_capture_free(&c);
    return path;
}

static void test_cut_at_frame_id(void **state)
{
    (void)state;
    for (int i = 0; i < OT_NCAPS; i++) {
        sp_ouster_meta m;
        if (!ot_meta_load(ot_caps[i], &m))
            skip();
        const char *pcap = write_frames(i, &m, -1);
        char launch[4096];
        snprintf(launch, sizeof launch,
                 "pcap path='%s' ! lidar model=ouster calib='%s'", pcap,
                 cap_path(i, "json"));
        sp_pipeline *p = open_run(launch);
        sp_frame *a = NULL, *b = NULL, *c = NULL;
        assert_int_equal(sp_pipeline_pull(p, &a), SP_OK);
        assert_int_equal(sp_pipeline_pull(p, &b), SP_OK);
        assert_int_equal(sp_pipeline_pull(p, &c), SP_EOS);
        assert_true(a->u.points.count > 1000);
        assert_int_equal(a->u.points.count, b->u.points.count);
        assert_memory_equal(a->u.points.x, b->u.points.x,
                            a->u.points.count * 4);
        assert_int_equal(b->seq, a->seq + 1);
        sp_frame_unref(a);
        sp_frame_unref(b);
        sp_pipeline_destroy(p);
    }
}

static const char *tests_dir(void)
{
    static char dir[1024];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", __FILE__);
        char *sl = strrchr(dir, '/');
        if (sl)
            *sl = '\0';
    }
    return dir;
}

static void test_bag_metadata_topic(void **state)
{
    (void)state;
    if (oracle_status("/usr/bin/python3 -c 'import rosbag, genpy' >/dev/null "
                      "2>&1") != 0) {
        print_message("skipping: /usr/bin/python3 without rosbag (Debian "
                      "python3-rosbag) to write the bag\n");
        skip();
    }
    for (int i = 0; i < OT_NCAPS; i++) {
        ot_decoder d;
        sp_kctx *k;
        if (!reference(i, &d, &k))
            skip();
        char bag[1024], cmd[8192];
        snprintf(bag, sizeof bag, "%s", iot_tmp("os.bag"));
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 %s/oracles/ouster_bag_fixture.py '%s' "
                 "'%s' '%s'",
                 tests_dir(), cap_path(i, "pcap"), cap_path(i, "json"), bag);
        assert_int_equal(system(cmd), 0);
        sp_points_layout lay;
        sp_ouster_points_layout(&lay);
        size_t cap = sp_ouster_points_max(d.plan);
        size_t bytes = sp_points_block_size_layout(cap, &lay);
        void *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        sp_points ref;
        assert_int_equal(sp_points_init_layout(&ref, mem, bytes, cap, &lay),
                         SP_OK);
        sp_ouster_points_params prm = {.mode = SP_OUSTER_DUAL};
        assert_int_equal(sp_ouster_points(d.plan, &d.scan, &prm, &ref), SP_OK);
        /* No calib=: the metadata comes from the bag's metadata topic. */
        char launch[2048];
        snprintf(launch, sizeof launch,
                 "bag path='%s' topics=/os_node/lidar_packets ! lidar "
                 "model=ouster",
                 bag);
        sp_pipeline *p = open_run(launch);
        sp_frame *f = NULL;
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        assert_int_equal(f->u.points.count, ref.count);
        assert_memory_equal(f->u.points.x, ref.x, ref.count * 4);
        assert_memory_equal(f->u.points.z, ref.z, ref.count * 4);
        assert_string_equal(f->stream, "/os_node/lidar_packets");
        sp_frame_unref(f);
        assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
        sp_pipeline_destroy(p);
        free(mem);
        ot_decoder_free(&d);
        sp_kctx_destroy(k);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    const char *legacy_json = cap_path(0, "json");
    const char *dual_pcap = cap_path(1, "pcap");
    if (!legacy_json || !dual_pcap)
        skip();
    char launch[4096];
    /* Metadata of another sensor: no packet has its size. */
    snprintf(launch, sizeof launch,
             "pcap path='%s' ! lidar model=ouster calib='%s'", dual_pcap,
             legacy_json);
    sp_pipeline *p = open_run(launch);
    sp_frame *f = NULL;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EFORMAT);
    iot_msg_has("no packet matches the Ouster metadata", ot_caps[1], "packet 0",
                "8448-byte packet, expected 6464 for LEGACY", NULL);
    sp_pipeline_destroy(p);
    /* A packet with an impossible column id: the file, the packet and the
     * column, after the frames before it (none here: it is in frame 0). */
    sp_ouster_meta m1;
    assert_true(ot_meta_load(ot_caps[1], &m1));
    const char *bad_pcap = write_frames(1, &m1, 17);
    snprintf(launch, sizeof launch,
             "pcap path='%s' ! lidar model=ouster calib='%s'", bad_pcap,
             cap_path(1, "json"));
    p = open_run(launch);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EFORMAT);
    iot_msg_has("two_frames.pcap", "packet", "column 5: measurement id 5000",
                "expected < 1024", NULL);
    print_message("%s\n", sp_errmsg());
    sp_pipeline_destroy(p);
    /* on_error=skip: the damaged packet is left out, the frames decode. */
    snprintf(launch, sizeof launch,
             "pcap path='%s' ! lidar model=ouster calib='%s' on_error=skip",
             bad_pcap, cap_path(1, "json"));
    p = open_run(launch);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    sp_pipeline_destroy(p);
    /* No metadata at all. */
    snprintf(launch, sizeof launch, "pcap path='%s' ! lidar model=ouster",
             dual_pcap);
    p = open_run(launch);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EINVAL);
    iot_msg_has("model=ouster needs the sensor's metadata", "calib=", NULL);
    sp_pipeline_destroy(p);
    /* A broken metadata file names itself and the key. */
    const char *bad = iot_tmp("bad.json");
    iot_write_str(bad, "{\"beam_altitude_angles\": [1, 2]}");
    snprintf(launch, sizeof launch,
             "pcap path='%s' ! lidar model=ouster calib='%s'", dual_pcap, bad);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EFORMAT);
    iot_msg_has("bad.json", "beam_azimuth_angles' missing", NULL);
    /* image= is Ouster's. */
    snprintf(launch, sizeof launch,
             "pcap path='%s' ! lidar model=vlp16 image=destaggered", dual_pcap);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EINVAL);
    iot_msg_has("model=ouster only", NULL);
    snprintf(launch, sizeof launch,
             "pcap path='%s' ! lidar model=ouster calib='%s' cut=90 "
             "image=destaggered",
             dual_pcap, cap_path(1, "json"));
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EINVAL);
    iot_msg_has("cut at its frame id", NULL);
}

/* Once the plan and the scan exist, decoding a frame, its points and its
 * image take nothing from the heap. */
static void test_no_alloc(void **state)
{
    (void)state;
    if (!sp_test_alloc_available()) {
        print_message("skipping: allocations are not counted under a "
                      "sanitizer\n");
        skip();
    }
    for (int i = 0; i < OT_NCAPS; i++) {
        sp_ouster_meta m;
        ot_capture c;
        if (!ot_meta_load(ot_caps[i], &m) || !ot_capture_load(ot_caps[i], &c))
            skip();
        sp_kctx *k = NULL;
        sp_kctx_desc kd = {0};
        assert_int_equal(sp_kctx_create(&kd, &k), SP_OK);
        ot_decoder d;
        ot_decoder_init(&d, &m);
        sp_points_layout lay;
        sp_ouster_points_layout(&lay);
        size_t cap = sp_ouster_points_max(d.plan);
        size_t bytes = sp_points_block_size_layout(cap, &lay);
        void *pm = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
        sp_points pts;
        assert_int_equal(sp_points_init_layout(&pts, pm, bytes, cap, &lay),
                         SP_OK);
        size_t shape[3] = {5, d.scan.beams, d.scan.cols};
        size_t tb = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
        void *tm = aligned_alloc(64, (tb + 63) & ~(size_t)63);
        sp_tensor t;
        assert_int_equal(sp_tensor_init(&t, tm, tb, SP_DTYPE_F32, 3, shape),
                         SP_OK);
        uint64_t before = 0;
        for (int pass = 0; pass < 3; pass++) {
            if (pass == 1)
                before = sp_test_alloc_calls();
            ot_decode_all(&d, k, &c);
            assert_int_equal(sp_ouster_points(d.plan, &d.scan, NULL, &pts),
                             SP_OK);
            assert_int_equal(sp_ouster_range_image(d.plan, &d.scan, 1, &t),
                             SP_OK);
        }
        assert_int_equal(sp_test_alloc_calls() - before, 0);
        free(pm);
        free(tm);
        ot_decoder_free(&d);
        ot_capture_free(&c);
        sp_kctx_destroy(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_match_kernel),
        cmocka_unit_test(test_range_image),
        cmocka_unit_test(test_cut_at_frame_id),
        cmocka_unit_test(test_bag_metadata_topic),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_no_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
