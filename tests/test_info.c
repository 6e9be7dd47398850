/* ctest-label: io */
/* `sensorpipe info`'s probe and formatter (io/info.c, io/info_format.c):
 * layouts detected, counts and samples, calibration states, the .bin
 * layout guess, a raw dump's size and format read from its name, and
 * text/JSON output with snprintf semantics. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_lidardec.h"
#include "sp_log.h"
#include "sp_loginfo.h"
#include "sp_pipeline.h"

static void test_kitti_object(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object");
    if (!dir)
        skip();
    sp_loginfo *li = calloc(1, sizeof *li);
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(dir, 0, li), SP_OK);
    assert_string_equal(li->layout, "kitti object");
    /* the layout's own description, not the format's "drive or object" */
    assert_string_equal(li->what,
                        "KITTI object set or odometry sequence folder");
    assert_int_equal(li->nstreams, 2);
    assert_int_equal(li->calib_found, 2);
    assert_non_null(strstr(li->note, "x 100 ms"));
    const sp_loginfo_stream *v = &li->streams[0], *c = &li->streams[1];
    assert_string_equal(v->name, "velodyne");
    assert_int_equal(v->frames, 3);
    assert_int_equal(v->sampled, 3);
    assert_int_equal(v->points_min, 115384);
    assert_int_equal(v->points_max, 126891);
    assert_true(v->points_mean > 120847 && v->points_mean < 120848);
    assert_true(v->rate_hz > 9.99 && v->rate_hz < 10.01);
    assert_string_equal(c->name, "image_02");
    assert_int_equal(c->width, 1224);
    assert_string_equal(c->format, "rgb8");
    assert_true(c->sizes_vary); /* 1224x370 then 1242x375 */

    char buf[4096];
    int n = sp_loginfo_format(li, 0, buf, sizeof buf);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    assert_non_null(strstr(buf, "points/frame min 115384"));
    assert_non_null(strstr(buf, "calib:   found"));
    /* snprintf semantics: a short buffer is cut, the length is whole. */
    char small[16];
    assert_int_equal(sp_loginfo_format(li, 0, small, sizeof small), n);
    assert_int_equal(strlen(small), 15);
    n = sp_loginfo_format(li, 1, buf, sizeof buf);
    assert_true(buf[0] == '{' && buf[n - 2] == '}');
    assert_non_null(strstr(buf, "\"points_max\": 126891"));
    sp_loginfo_free(li);
    free(li);
}

static void test_raw_drive_calib_and_bin_guess(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_raw_seq");
    if (!dir)
        skip();
    sp_loginfo *li = calloc(1, sizeof *li);
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(dir, 4, li), SP_OK);
    assert_string_equal(li->layout, "kitti raw");
    assert_string_equal(li->what,
                        "KITTI raw drive folder (timestamped streams)");
    assert_int_equal(li->calib_found, 0);
    assert_non_null(strstr(li->calib, "not found"));
    assert_int_equal(li->streams[0].frames, 11);
    assert_int_equal(li->streams[0].sampled, 4);
    assert_true(li->streams[0].has_timestamps);
    /* 11 sweeps over 1.035 s */
    assert_true(li->streams[0].rate_hz > 9.6 && li->streams[0].rate_hz < 9.7);

    const char *bin = iot_data("kitti_raw_seq/velodyne_points/data/"
                               "0000000000.bin");
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(bin, 0, li), SP_OK);
    assert_string_equal(li->layout, "bin");
    assert_non_null(sp_loginfo_attr_get(li, "bin", "best"));
    assert_string_equal(sp_loginfo_attr_get(li, "bin", "best"), "4");
    sp_loginfo_free(li);
    free(li);
}

static void test_written_folders(void **state)
{
    (void)state;
    sp_loginfo *li = calloc(1, sizeof *li);
    const char *dir = iot_tmp("pcds");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char p[1024];
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%d.pcd", dir, i);
        char body[256];
        snprintf(body, sizeof body,
                 "VERSION .7\nFIELDS x y z normal\n"
                 "SIZE 4 4 4 4\nTYPE F F F F\nCOUNT 1 1 1 3\nWIDTH %d\n"
                 "HEIGHT 1\nDATA ascii\n",
                 i + 1);
        for (int k = 0; k <= i; k++)
            strcat(body, "1 2 3 4 5 6\n");
        iot_write_str(p, i == 3 ? "broken" : body);
    }
    snprintf(p, sizeof p, "%s/timestamps.txt", dir);
    iot_write_str(p, "1.0\n1.5\n2.0\n2.5\n3.0\n");
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(dir, 0, li), SP_OK);
    assert_string_equal(li->layout, "pcd");
    const sp_loginfo_stream *s = &li->streams[0];
    assert_int_equal(s->frames, 5);
    assert_int_equal(s->sampled, 4);
    assert_int_equal(s->errors, 1);
    assert_non_null(strstr(s->first_error, "3.pcd: line 1"));
    assert_int_equal(s->points_min, 1);
    assert_int_equal(s->points_max, 5);
    assert_true(s->has_timestamps);
    assert_true(s->rate_hz > 1.99 && s->rate_hz < 2.01);
    assert_string_equal(sp_loginfo_attr_get(li, "pcd", "fields"),
                        "x:F4 y:F4 z:F4 normal:F4[3]");

    const char *empty = iot_tmp("nothing");
    iot_rmdir(empty);
    iot_mkdirs(empty);
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(empty, 0, li), SP_ENOTFOUND);
    iot_msg_has("nothing: no KITTI layout", NULL);
    const char *txt = iot_tmp("notes.txt");
    iot_write_str(txt, "hello");
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(txt, 0, li), SP_ENOTFOUND);
    iot_msg_has("notes.txt: unknown kind of file", "expected", "(.pcd)",
                "(.bin)", "PNG", NULL);
    sp_loginfo_free(li);
    free(li);
}

/* A zeroed file of @p n bytes at iot_tmp(@p name); its path. */
static const char *zeros(const char *name, size_t n)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s", iot_tmp(name));
    void *z = calloc(1, n ? n : 1);
    assert_non_null(z);
    iot_write(path, z, n);
    free(z);
    return path;
}

/* Probe @p path; its text output into @p buf. */
static void probe_text(const char *path, sp_loginfo *li, char *buf, size_t cap)
{
    sp_loginfo_free(li);
    if (sp_loginfo_probe(path, 0, li) != SP_OK)
        fail_msg("%s: %s", path, sp_errmsg());
    assert_string_equal(li->layout, "raw");
    sp_loginfo_format(li, 0, buf, cap);
}

/* Headerless raw frames: WIDTHxHEIGHT and a format or Bayer pattern read
 * from the name, the formats whose frames divide the file, the launch
 * line when the name settles the format, the bit depth of a 16-bit dump;
 * the real RGGB dump of the data set when it is there. */
static void test_raw_from_name(void **state)
{
    (void)state;
    sp_loginfo *li = calloc(1, sizeof *li);
    char buf[4096];
    probe_text(zeros("cam0_640x480_nv12.yuv", 640 * 480 * 3 / 2 * 2), li, buf,
               sizeof buf);
    assert_int_equal(li->nstreams, 1);
    assert_int_equal(li->streams[0].frames, 2);
    assert_string_equal(li->streams[0].format, "nv12");
    if (!strstr(buf, "its name gives 640x480 and the format nv12") ||
        !strstr(buf, "; rgb8, bgr8 (1 frame); nv12 (2 frames)") ||
        !strstr(buf, "format=nv12\n"))
        fail_msg("%s", buf);

    /* a pattern, no depth: 16-bit when that makes one frame */
    probe_text(zeros("dump_32x8_grbg.raw", 32 * 8 * 2), li, buf, sizeof buf);
    assert_string_equal(sp_loginfo_attr_get(li, "raw", "format"),
                        "bayer_grbg16");
    if (!strstr(buf, "gray8, bayer_*8 (2 frames); gray16, bayer_*16, yuyv, "
                     "uyvy (1 frame)"))
        fail_msg("%s", buf);
    /* the digits give the depth */
    probe_text(zeros("dump_32x8_grbg8.raw", 32 * 8 * 2), li, buf, sizeof buf);
    assert_string_equal(sp_loginfo_attr_get(li, "raw", "format"),
                        "bayer_grbg8");
    assert_int_equal(li->streams[0].frames, 2);

    /* no format in the name: listed, none chosen, no stream */
    probe_text(zeros("c_16x16.raw", 16 * 16 * 3), li, buf, sizeof buf);
    assert_int_equal(li->nstreams, 0);
    if (!strstr(buf, "16x16 frames that divide it: gray8, bayer_*8 (3 "
                     "frames); rgb8, bgr8 (1 frame)") ||
        !strstr(buf, "the name settles no format"))
        fail_msg("%s", buf);
    /* no size divides it; no size in the name */
    probe_text(zeros("c_16x16.raw", 1000), li, buf, sizeof buf);
    if (!strstr(buf, "no 16x16 frame divides it: another size, or padded "
                     "rows (the raw source's stride=)"))
        fail_msg("%s", buf);
    probe_text(zeros("c_16x16_gray8.raw", 0), li, buf, sizeof buf);
    assert_int_equal(li->nstreams, 0);
    if (!strstr(buf, "an empty file: no frame"))
        fail_msg("%s", buf);
    probe_text(zeros("c.raw", 1000), li, buf, sizeof buf);
    if (!strstr(buf, "its name gives no WIDTHxHEIGHT: the raw source needs "
                     "width=, height= and format="))
        fail_msg("%s", buf);
    /* the name's format does not fit the size */
    probe_text(zeros("c_16x16_rgb8.raw", 16 * 16 * 2), li, buf, sizeof buf);
    if (!strstr(buf, "but 16x16 rgb8 frames are 768 bytes, which do not "
                     "divide the file"))
        fail_msg("%s", buf);

    const char *real = iot_data("raw_bayer/DSC_1339_768x512_rggb.raw");
    if (real) {
        probe_text(real, li, buf, sizeof buf);
        /* MANIFEST: uint16 little-endian, 14-bit values, max 16383 */
        assert_string_equal(sp_loginfo_attr_get(li, "raw", "format"),
                            "bayer_rggb16");
        assert_string_equal(sp_loginfo_attr_get(li, "raw", "bit_depth"), "14");
        if (!strstr(buf, "width=768 height=512 format=bayer_rggb16 "
                         "bit_depth=14"))
            fail_msg("%s", buf);
    } else {
        printf("skipped the real dump: raw_bayer/ not found under "
               "$SP_TEST_DATA or ../shared/data\n");
    }
    sp_loginfo_free(li);
    free(li);
}

/* The status of creating the pipeline, or of its first pull. */
static int first_pull(const char *launch)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc == SP_OK) {
        sp_frame *f = NULL;
        rc = sp_pipeline_pull(p, &f);
        if (rc == SP_OK)
            sp_frame_unref(f);
        sp_pipeline_destroy(p);
    }
    return rc;
}

/* A folder given as a dataset that holds captures and bags: the error
 * names what its files and folders are by content, the source that reads
 * each kind, three names of a kind at most, and nothing it does not read. */
static void test_folder_hint(void **state)
{
    (void)state;
    const char *dir = iot_tmp("captures");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char path[1200];
    /* A pcap global header: magic, v2.4, zone, sigfigs, snaplen, Ethernet. */
    static const uint8_t pcap[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0,
                                     0,    0,    0,    0,    0, 0, 0, 0,
                                     0xff, 0xff, 0,    0,    1, 0, 0, 0};
    for (int i = 4; i >= 0; i--) { /* written out of order: sorted back */
        snprintf(path, sizeof path, "%s/a%d.pcap", dir, i);
        iot_write(path, pcap, sizeof pcap);
    }
    snprintf(path, sizeof path, "%s/b.bag", dir);
    iot_write_str(path, "#ROSBAG V2.0\n");
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    iot_write_str(path, "hello");
    sp_loginfo *li = calloc(1, sizeof *li);
    assert_non_null(li);
    assert_int_equal(sp_loginfo_probe(dir, 0, li), SP_ENOTFOUND);
    iot_msg_has("captures: no KITTI layout",
                "; in it, by content: 5 x libpcap capture (UDP packets), "
                "read with `pcap path=...`: a0.pcap, a1.pcap, a2.pcap, ...; "
                "1 x ROS1 bag v2.0, read with `bag path=...`: b.bag",
                NULL);
    assert_null(strstr(sp_errmsg(), "notes.txt"));
    assert_null(strstr(sp_errmsg(), "a3.pcap"));
    /* The same clause where a source is given the folder: a log reader
     * (no claim that it is a KITTI folder) and a folder-of-files one. */
    sp_log *log = NULL;
    assert_int_equal(sp_log_open(dir, NULL, &log), SP_EUNSUPPORTED);
    assert_null(log);
    iot_msg_has("captures: a folder, not a recorded message log",
                "in it, by content: 5 x libpcap capture (UDP packets)",
                "1 x ROS1 bag v2.0, read with `bag path=...`: b.bag", NULL);
    assert_null(strstr(sp_errmsg(), "KITTI"));
    char launch[1200];
    snprintf(launch, sizeof launch, "pcd path=%s ! null", dir);
    assert_int_equal(first_pull(launch), SP_ENOTFOUND);
    iot_msg_has("captures: folder holds no .pcd files, expected at least one; "
                "in it, by content: 5 x libpcap capture",
                NULL);
    /* A KITTI folder given to the bag source is still named as one. */
    const char *kitti = iot_data("kitti_raw_seq");
    if (kitti) {
        assert_int_equal(sp_log_open(kitti, NULL, &log), SP_EUNSUPPORTED);
        iot_msg_has("is a KITTI drive or object set folder",
                    "read it with `kitti path=", NULL);
    }
    /* A folder taken for a KITTI object set by its velodyne/ folder, which
     * holds calibration tables: what that folder holds. */
    const char *cal = iot_tmp("calibs");
    char sub[1100];
    snprintf(sub, sizeof sub, "%.1000s/velodyne", cal);
    iot_rmdir(sub);
    iot_rmdir(cal);
    iot_mkdirs(sub);
    snprintf(path, sizeof path, "%s/VLP16.yaml", sub);
    iot_write_str(path, "lasers:\n  - {laser_id: 0, vert_correction: 0.1, "
                        "rot_correction: 0.0}\n");
    assert_int_equal(sp_loginfo_probe(cal, 0, li), SP_ENOTFOUND);
    iot_msg_has("calibs: no stream has files (KITTI object layout)",
                "; velodyne/ holds, by content: 1 x lidar calibration table",
                "read with `lidar model=... calib=...`: VLP16.yaml", NULL);
    unlink(path);
    iot_rmdir(sub);
    iot_rmdir(cal);
    /* A folder of many: read so far, and said. */
    const char *many = iot_tmp("many");
    iot_rmdir(many);
    iot_mkdirs(many);
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "%s/c%03d.pcap", many, i);
        iot_write(path, pcap, sizeof pcap);
    }
    assert_int_equal(sp_loginfo_probe(many, 0, li), SP_ENOTFOUND);
    iot_msg_has("in it, by content: 256 x libpcap capture",
                ", ... (of 256 of its entries)", NULL);
    iot_rmdir(many);
    /* Nothing it reads: no hint. */
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/a%d.pcap", dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/b.bag", dir);
    unlink(path);
    sp_loginfo_free(li);
    assert_int_equal(sp_loginfo_probe(dir, 0, li), SP_ENOTFOUND);
    iot_msg_has("captures: no KITTI layout", "(object set)", NULL);
    assert_null(strstr(sp_errmsg(), "in it"));
    sp_loginfo_free(li);
    free(li);
    iot_rmdir(dir);
}

/* An Ouster sensor's metadata JSON: what it describes (the sensor, its
 * mode, the packet layout) and how a launch string uses it; another JSON
 * says what it was read as; a .bin source given one names the stage. */
static void test_ouster_meta(void **state)
{
    (void)state;
    const char *meta = iot_data("pcap/ouster/OS-1-32-G_v2.1.1_1024x10.json");
    if (meta == NULL) {
        print_message("skipped: pcap/ouster under SP_TEST_DATA not found\n");
        skip();
    }
    sp_loginfo *li = calloc(1, sizeof *li);
    assert_non_null(li);
    assert_int_equal(sp_loginfo_probe(meta, 0, li), SP_OK);
    assert_string_equal(li->layout, "ouster_meta");
    assert_int_equal(li->nstreams, 0);
    /* The file's own fields (its beam_altitude_angles has 32 entries; a
     * LEGACY packet is 16 columns of 16 + 32 * 12 + 4 bytes). */
    assert_string_equal(sp_loginfo_attr_get(li, "ouster", "prod_line"),
                        "OS-1-32-G");
    assert_string_equal(sp_loginfo_attr_get(li, "ouster", "firmware"),
                        "v2.1.1");
    assert_string_equal(sp_loginfo_attr_get(li, "ouster", "beams"), "32");
    assert_string_equal(sp_loginfo_attr_get(li, "ouster", "profile"), "LEGACY");
    assert_string_equal(sp_loginfo_attr_get(li, "ouster", "packet_bytes"),
                        "6464");
    assert_string_equal(sp_loginfo_attr_get(li, "ouster", "serial"),
                        "992101000280");
    assert_non_null(strstr(li->note, "`lidar model=ouster calib="));
    assert_non_null(strstr(li->note, meta));
    sp_loginfo_free(li);

    /* JSON that is not Ouster metadata: claimed by its name only. */
    const char *other = iot_tmp("settings.json");
    iot_write_str(other, "{\"a\": 1}\n");
    assert_true(sp_loginfo_probe(other, 0, li) < 0);
    iot_msg_has("settings.json: key 'beam_altitude_angles' missing",
                "(read as Ouster sensor metadata", NULL);
    sp_loginfo_free(li);
    /* ... and without the .json name, not at all. */
    const char *txt = iot_tmp("settings.txt");
    iot_write_str(txt, "{\"a\": 1}\n");
    assert_int_equal(sp_loginfo_probe(txt, 0, li), SP_ENOTFOUND);
    iot_msg_has("settings.txt: unknown kind of file",
                "metadata JSON of an Ouster sensor", NULL);
    sp_loginfo_free(li);
    free(li);

    /* The bag source refuses it the same way. */
    sp_log *log = NULL;
    assert_int_equal(sp_log_open(meta, NULL, &log), SP_EUNSUPPORTED);
    iot_msg_has("is a metadata JSON of an Ouster sensor, not a recorded "
                "message log",
                "read it with `lidar model=ouster calib=", NULL);
    /* The bin source refuses it, saying how it is used. */
    char launch[1200];
    snprintf(launch, sizeof launch, "bin path=%s ! null", meta);
    assert_true(first_pull(launch) < 0);
    iot_msg_has("is a metadata JSON of an Ouster sensor, not a bin file",
                "read it with `lidar model=ouster calib=", NULL);
}

/* Frames the launch string gives, run to its end (fails on an error). */
static size_t run_frames(const char *launch)
{
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_frame *f;
    size_t n = 0;
    int rc;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        n++;
        sp_frame_unref(f);
    }
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, sp_errmsg());
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return n;
}

/* info on a capture prints, for each port of lidar data, the launch string
 * that decodes it: the model its packets name, and for Ouster the metadata
 * JSON beside the capture. Each printed line runs as it is. A bag of
 * packet messages names the model the same way. */
static void test_decode_hints(void **state)
{
    (void)state;
    static const struct {
        const char *rel, *want;
    } caps[] = {
        {"pcap/velodyne/rlu_hdl32_example.pcap",
         "port=2368 ! lidar model=hdl32e`"},
        {"pcap/velodyne/rlu_velodyne_example_vlp16.pcap",
         "port=2368 ! lidar model=vlp16`"},
        {"pcap/ouster/OS-1-32-G_v2.1.1_1024x10.pcap",
         "port=7502 ! lidar model=ouster calib="},
        {"pcap/ouster/OS-0-128-U1_v2.3.0_1024x10.pcap",
         "port=7502 ! lidar model=ouster calib="},
    };
    sp_loginfo *li = calloc(1, sizeof *li);
    char *text = malloc(1 << 16);
    assert_true(li && text);
    int ran = 0;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        const char *path = iot_data(caps[i].rel);
        if (path == NULL) {
            print_message("skipped: %s not under SP_TEST_DATA\n", caps[i].rel);
            continue;
        }
        assert_int_equal(sp_loginfo_probe(path, 0, li), SP_OK);
        assert_true(sp_loginfo_format(li, 0, text, 1 << 16) > 0);
        const char *at = strstr(text, "  decode port ");
        if (at == NULL || strstr(at, caps[i].want) == NULL)
            fail_msg("%s: no `%s` in:\n%s", caps[i].rel, caps[i].want, text);
        const char *b = strchr(at, '`'), *e = b ? strchr(b + 1, '`') : NULL;
        assert_non_null(e);
        char launch[2048];
        snprintf(launch, sizeof launch, "%.*s ! null", (int)(e - b - 1), b + 1);
        if (strstr(launch, "model=ouster")) {
            /* the same name as the capture, .json */
            char json[1200];
            snprintf(json, sizeof json, "calib=%.*s.json",
                     (int)(strlen(path) - 5), path);
            assert_non_null(strstr(launch, json));
        }
        size_t n = run_frames(launch);
        print_message("%s: %zu scans\n", launch, n);
        assert_true(n >= 1);
        sp_loginfo_free(li);
        ran++;
    }
    /* A path the launch string must quote: the printed line quotes it. */
    const char *vlp = iot_data("pcap/velodyne/rlu_velodyne_example_vlp16.pcap");
    if (vlp) {
        FILE *in = fopen(vlp, "rb");
        assert_non_null(in);
        static uint8_t bytes[1 << 18];
        size_t n = fread(bytes, 1, sizeof bytes, in);
        fclose(in);
        assert_true(n > 0 && n < sizeof bytes);
        const char *dir = iot_tmp("it's a dir!");
        iot_rmdir(dir);
        iot_mkdirs(dir);
        char path[1200];
        snprintf(path, sizeof path, "%s/vlp 16.pcap", dir);
        iot_write(path, bytes, n);
        assert_int_equal(sp_loginfo_probe(path, 0, li), SP_OK);
        assert_true(sp_loginfo_format(li, 0, text, 1 << 16) > 0);
        const char *b = strstr(text, "`pcap path=\"");
        assert_non_null(b);
        const char *e = strchr(b + 1, '`');
        char launch[2048];
        snprintf(launch, sizeof launch, "%.*s ! null", (int)(e - b - 1), b + 1);
        assert_true(run_frames(launch) >= 1);
        sp_loginfo_free(li);
        unlink(path);
        iot_rmdir(dir);
    }
    /* Bags of packet messages. */
    static const struct {
        const char *rel, *want;
    } bags[] = {
        {"rosbag2/nebula_vlp16", "(decode with `lidar model=vlp16`)"},
        {"lidar_packets/nebula/velodyne_vls128",
         "(decode with `lidar model=vls128 calib=SENSOR.yaml"},
        {"lidar_packets/nebula/hesai_pandar64",
         "(decode with `lidar model=pandar64`)"},
    };
    for (size_t i = 0; i < sizeof bags / sizeof bags[0]; i++) {
        const char *dir = iot_data(bags[i].rel);
        if (dir == NULL) {
            print_message("skipped: %s not under SP_TEST_DATA\n", bags[i].rel);
            continue;
        }
        /* nebula's folders hold one bag folder each */
        char bag[1200];
        snprintf(bag, sizeof bag, "%s", dir);
        if (strstr(bags[i].rel, "nebula/")) {
            DIR *d = opendir(dir);
            assert_non_null(d);
            struct dirent *e;
            while ((e = readdir(d)) != NULL)
                if (e->d_name[0] != '.')
                    snprintf(bag, sizeof bag, "%s/%s", dir, e->d_name);
            closedir(d);
        }
        assert_int_equal(sp_loginfo_probe(bag, 0, li), SP_OK);
        assert_true(sp_loginfo_format(li, 0, text, 1 << 16) > 0);
        if (strstr(bags[i].rel, "rosbag2/"))
            assert_non_null(
                strstr(text, "layout:  rosbag2: ROS 2 bag (rosbag2 folder"));
        if (!strstr(text, bags[i].want))
            fail_msg("%s: no `%s` in:\n%s", bags[i].rel, bags[i].want, text);
        if (!strstr(bags[i].want, "calib=")) {
            const char *m = strstr(text, "`lidar ");
            char launch[2048];
            snprintf(launch, sizeof launch, "bag path=%s ! %.*s ! null", bag,
                     (int)(strchr(m + 1, '`') - m - 1), m + 1);
            assert_true(run_frames(launch) >= 1);
        }
        sp_loginfo_free(li);
        ran++;
    }
    free(text);
    free(li);
    if (ran == 0)
        skip();
}

/* A lidar calibration table: whose, how many lasers, the models it fits
 * (each a name the lidar stage takes), the one its file name names, and a
 * note whose launch words decode a capture with it. */
static void test_lidar_calib_tables(void **state)
{
    (void)state;
    static const struct {
        const char *rel, *vendor, *lasers, *models, *pick;
    } cases[] = {
        {"lidar_packets/calibration/velodyne/VLP16.yaml", "Velodyne", "16",
         "vlp16", "vlp16"},
        {"lidar_packets/calibration/velodyne/VLP32.yaml", "Velodyne", "32",
         "hdl32e vlp32c", "vlp32c"},
        {"lidar_packets/calibration/velodyne/HDL32.yaml", "Velodyne", "32",
         "hdl32e vlp32c", "hdl32e"},
        {"lidar_packets/calibration/velodyne/VLS128.yaml", "Velodyne", "128",
         "vls128", "vls128"},
        {"lidar_packets/calibration/hesai/Pandar64.csv", "Hesai", "64",
         "pandar64 qt64", "pandar64"},
        {"lidar_packets/calibration/hesai/PandarQT64.csv", "Hesai", "64",
         "pandar64 qt64", "qt64"},
        {"lidar_packets/calibration/hesai/PandarXT16.csv", "Hesai", "16", "",
         NULL},
    };
    sp_loginfo *li = calloc(1, sizeof *li);
    assert_non_null(li);
    int ran = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = iot_data(cases[i].rel);
        if (path == NULL)
            continue;
        ran++;
        assert_int_equal(sp_loginfo_probe(path, 0, li), SP_OK);
        assert_string_equal(li->layout, "lidar_calib");
        assert_string_equal(sp_loginfo_attr_get(li, "calib", "vendor"),
                            cases[i].vendor);
        assert_string_equal(sp_loginfo_attr_get(li, "calib", "lasers"),
                            cases[i].lasers);
        const char *models = sp_loginfo_attr_get(li, "calib", "models");
        assert_string_equal(models, cases[i].models);
        char list[64];
        snprintf(list, sizeof list, "%s", models);
        for (char *m = strtok(list, " "); m; m = strtok(NULL, " ")) {
            sp_lidar_model lm;
            if (sp_lidar_model_from_name(m, &lm) != SP_OK)
                fail_msg("%s: model %s: %s", cases[i].rel, m, sp_errmsg());
        }
        if (cases[i].pick) {
            char want[64];
            snprintf(want, sizeof want,
                     "`lidar model=%s calib=", cases[i].pick);
            if (!strstr(li->note, want) || !strstr(li->note, path))
                fail_msg("%s: note '%s', expected %s", cases[i].rel, li->note,
                         want);
        } else {
            assert_non_null(strstr(li->note, "no model the lidar stage decodes "
                                             "has 16 Hesai lasers"));
        }
        sp_loginfo_free(li);
    }
    free(li);
    /* The VLP-16 table's note, as printed, decodes the VLP-16 capture. */
    const char *cap = iot_data("pcap/velodyne/rlu_velodyne_example_vlp16.pcap");
    const char *tab = iot_data(cases[0].rel);
    if (cap && tab) {
        char launch[2048];
        snprintf(launch, sizeof launch,
                 "pcap path=%s port=2368 ! lidar model=vlp16 calib=%s ! null",
                 cap, tab);
        assert_true(run_frames(launch) >= 1);
    }
    if (ran == 0)
        skip();
}

/* A run's npy output: info says what each stream folder holds (frames,
 * the first and last array's type and shape); a .npy alone its header;
 * the sources refuse one, saying no source reads it. */
static void test_npy_output(void **state)
{
    (void)state;
    const char *dir = iot_tmp("npy_out");
    char launch[1300], path[1100];
    snprintf(launch, sizeof launch,
             "synth frames=2 width=64 height=48 ! npy dir=%s", dir);
    assert_int_equal(run_frames(launch), 2 * 2); /* a sweep and an image */
    sp_loginfo *li = calloc(1, sizeof *li);
    assert_non_null(li);
    assert_int_equal(sp_loginfo_probe(dir, 0, li), SP_OK);
    assert_string_equal(li->layout, "npy");
    assert_int_equal(li->nstreams, 2);
    assert_string_equal(li->streams[0].name, "image_02");
    assert_string_equal(li->streams[1].name, "velodyne");
    for (int s = 0; s < 2; s++) {
        assert_int_equal(li->streams[s].frames, 2);
        assert_int_equal(li->streams[s].errors, 0);
    }
    assert_non_null(strstr(li->streams[0].fields, "the first |u1 (48, 64)"));
    assert_non_null(strstr(li->streams[1].fields, "the first <f4 ("));
    assert_non_null(strstr(li->streams[1].fields, ", 4), the last <f4 ("));
    sp_loginfo_free(li);
    snprintf(path, sizeof path, "%.1000s/velodyne/000000.npy", dir);
    assert_int_equal(sp_loginfo_probe(path, 0, li), SP_OK);
    assert_string_equal(sp_loginfo_attr_get(li, "npy", "descr"), "<f4");
    sp_loginfo_free(li);
    free(li);
    snprintf(launch, sizeof launch, "bin path=%s ! null", path);
    assert_true(first_pull(launch) < 0);
    iot_msg_has("000000.npy is a NumPy array (.npy), not a bin file (no "
                "source reads it)",
                NULL);
    snprintf(launch, sizeof launch, "pcd path=%s ! null", dir);
    assert_int_equal(first_pull(launch), SP_ENOTFOUND);
    iot_msg_has("in it, by content: 2 x NumPy array (.npy) (no source reads "
                "it): image_02, velodyne",
                NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kitti_object),
        cmocka_unit_test(test_raw_drive_calib_and_bin_guess),
        cmocka_unit_test(test_written_folders),
        cmocka_unit_test(test_raw_from_name),
        cmocka_unit_test(test_folder_hint),
        cmocka_unit_test(test_ouster_meta),
        cmocka_unit_test(test_decode_hints),
        cmocka_unit_test(test_lidar_calib_tables),
        cmocka_unit_test(test_npy_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
