/* ctest-label: io */
/* ctest-timeout: 300 */
/* MCAP files written by the writer (sp_mcap.h) and by the `mcap` sink, in
 * every compression, read back by the reference reader
 * (tests/oracles/mcap_dump.mjs: @mcap/core's indexed and stream readers,
 * @mcap/support's decompressors, @foxglove/rosmsg2-serialization) and
 * compared line by line with what was written: header, schemas, channels,
 * statistics, chunks and their indexes, CRCs, every message decoded, a
 * time-range read. Also: corrupted bytes are caught by the CRCs, a writer
 * destroyed without finish leaves nothing, write failures name the path,
 * the sink's error paths and its end-of-stream and stop behaviour, and no
 * heap allocation per message after warm-up. Without node or
 * tests/oracles/node_modules the reading checks skip with that reason. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mcap_oracle.h"
#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_mcap.h"
#include "sp_pipeline.h"
#include "sp_rosmsg_write.h"
#include "sp_stage.h"

static const sp_mcap_compression comps[3] = {SP_MCAP_ZSTD, SP_MCAP_LZ4,
                                             SP_MCAP_NONE};
static const char *const comp_props[3] = {"zstd", "lz4", "none"};

static void oracle_skip(const char *why)
{
    print_message("%s\n", why);
    skip();
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Files in a folder; fails on a leftover temporary file. */
static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || e->d_name[1] == '.'))
            continue;
        if (strstr(e->d_name, ".tmp."))
            fail_msg("%s: leftover %s", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static const char *fresh_dir(const char *name)
{
    const char *dir = iot_tmp(name);
    iot_rmdir(dir);
    iot_mkdirs(dir);
    return dir;
}

static void ok(int rc)
{
    if (rc != SP_OK)
        fail_msg("status %d: %s", rc, sp_errmsg());
}

/* ---- sample data ---- */

/* A cloud whose values are distinct bit patterns, with the awkward ones
 * (-0, infinities, a subnormal, a NaN with a payload) when @p odd. */
static void *make_cloud(sp_points *p, size_t n, unsigned fields, int seed,
                        int odd)
{
    void *mem = iot_points_alloc(p, n ? n : 1, fields);
    p->count = n;
    for (size_t i = 0; i < n; i++) {
        float k = (float)(seed * 1000 + (int)i);
        p->x[i] = 0.1f * k;
        p->y[i] = -0.37f * k + 1.0f / 3.0f;
        p->z[i] = 1e-3f * k * k;
        p->intensity[i] = (float)(i % 256);
        if (p->ring)
            p->ring[i] = (uint16_t)(65535 - i * 7);
        if (p->time)
            p->time[i] = 1e-5f * (float)i;
    }
    if (odd && n >= 5) {
        uint32_t nan = 0x7fc01234u;
        memcpy(&p->y[1], &nan, 4);
        p->x[2] = -0.0f;
        p->z[3] = INFINITY;
        p->intensity[3] = -INFINITY;
        p->x[4] = 1e-40f;
    }
    return mem;
}

static void *make_image(sp_image *img, uint32_t w, uint32_t h, sp_pixfmt fmt,
                        size_t stride, int seed)
{
    void *mem = iot_image_alloc(img, w, h, fmt, stride);
    const uint32_t rows = fmt == SP_PIX_NV12 ? h + h / 2 : h;
    const size_t row = sp_image_row_bytes(w, fmt);
    for (uint32_t y = 0; y < rows; y++) {
        uint8_t *r = sp_image_row(img, y);
        for (size_t x = 0; x < img->stride; x++)
            r[x] = x < row ? (uint8_t)(seed * 31 + y * 7 + x * 13) : 0xAA;
    }
    return mem;
}

/* ---- the writer ---- */

typedef struct sample {
    mo_str lines[32];  /* the expected message lines, in log-time order */
    char keys[32][32]; /* "topic:seq" of each */
    uint64_t times[32];
    size_t n;
    sp_mcap_writer_stats st;
    size_t big_record; /* bytes of the record larger than a chunk */
} sample;

static void sample_free(sample *s)
{
    for (size_t i = 0; i < s->n; i++)
        mo_str_free(&s->lines[i]);
}

/* Writes clouds of every field set and images of many formats, small
 * chunks (4 KiB) so that they spread over several chunks, one cloud larger
 * than a chunk; log times increase, publish times differ from them. */
static void write_sample(const char *path, sp_mcap_compression comp,
                         const char *profile, sample *s)
{
    memset(s, 0, sizeof *s);
    sp_mcap_writer_desc d = {.compression = comp,
                             .chunk_size = 4096,
                             .profile = profile,
                             .library = "test-lib 1"};
    sp_mcap_writer *w = NULL;
    ok(sp_mcap_writer_create(path, &d, &w));
    uint16_t spc, sim, cl, cc;
    const char *pc2 = sp_rosmsg_ros2_schema(SP_ROS2_POINTCLOUD2);
    const char *im = sp_rosmsg_ros2_schema(SP_ROS2_IMAGE);
    ok(sp_mcap_writer_add_schema(w, SP_ROS2_POINTCLOUD2, "ros2msg", pc2,
                                 strlen(pc2), &spc));
    ok(sp_mcap_writer_add_schema(w, SP_ROS2_IMAGE, "ros2msg", im, strlen(im),
                                 &sim));
    ok(sp_mcap_writer_add_channel(w, spc, "/lidar", "cdr", &cl));
    ok(sp_mcap_writer_add_channel(w, sim, "/cam", "cdr", &cc));
    assert_int_equal(cl, 1);
    assert_int_equal(cc, 2);

    static const struct {
        size_t n;
        unsigned fields;
        int odd;
    } clouds[] = {{5, 0, 1},
                  {7, SP_POINTS_RING, 0},
                  {9, SP_POINTS_TIME, 1},
                  {11, SP_POINTS_RING | SP_POINTS_TIME, 1},
                  {600, SP_POINTS_RING | SP_POINTS_TIME, 1},
                  {0, SP_POINTS_RING | SP_POINTS_TIME, 0}};
    static const struct {
        uint32_t w, h;
        sp_pixfmt fmt;
        size_t stride;
    } images[] = {{3, 2, SP_PIX_GRAY8, 64}, {2, 2, SP_PIX_RGB16, 0},
                  {4, 2, SP_PIX_YUYV, 0},   {4, 2, SP_PIX_UYVY, 0},
                  {3, 3, SP_PIX_F32, 0},    {4, 4, SP_PIX_BAYER_GRBG16, 0},
                  {2, 3, SP_PIX_BGRA8, 0},  {4, 4, SP_PIX_NV12, 0},
                  {5, 1, SP_PIX_GRAY16, 0}, {6, 2, SP_PIX_BAYER_GBRG8, 0}};
    uint8_t *buf = malloc(1 << 16);
    size_t nc = sizeof clouds / sizeof clouds[0];
    size_t ni = sizeof images / sizeof images[0];
    uint32_t seq_l = 0, seq_c = 0;
    for (size_t k = 0; k < nc + ni; k++) {
        /* clouds and images in turn while both last */
        int is_cloud = seq_l < nc && (k % 2 == 0 || seq_c >= ni);
        mo_msg m = {.log_time = 1000000000ull * k + 123456789ull * k + 5,
                    .frame_id = is_cloud ? "lidar_frame" : "cam_frame"};
        m.publish_time = m.log_time + 7;
        m.stamp_ns = (int64_t)m.log_time - 1000;
        size_t len = 0;
        if (is_cloud) {
            size_t i = seq_l;
            sp_points p;
            void *mem = make_cloud(&p, clouds[i].n, clouds[i].fields, (int)k,
                                   clouds[i].odd);
            ok(sp_rosmsg_pc2_write(&p, m.stamp_ns, m.frame_id, buf, 1 << 16,
                                   &len));
            m.topic = "/lidar";
            m.channel = cl;
            m.sequence = seq_l++;
            mo_expect_pc2(&s->lines[s->n], &m, &p, 64);
            if (clouds[i].n == 600)
                s->big_record = 9 + 22 + len;
            free(mem);
        } else {
            size_t i = seq_c;
            sp_image img;
            void *mem = make_image(&img, images[i].w, images[i].h,
                                   images[i].fmt, images[i].stride, (int)k);
            ok(sp_rosmsg_image_write(&img, m.stamp_ns, m.frame_id, buf, 1 << 16,
                                     &len));
            m.topic = "/cam";
            m.channel = cc;
            m.sequence = seq_c++;
            mo_expect_image(&s->lines[s->n], &m, &img,
                            sp_rosmsg_image_encoding(img.format));
            free(mem);
        }
        ok(sp_mcap_writer_write(w, (uint16_t)m.channel, m.sequence, m.log_time,
                                m.publish_time, buf, len));
        snprintf(s->keys[s->n], sizeof s->keys[s->n], "%s:%u", m.topic,
                 m.sequence);
        s->times[s->n++] = m.log_time;
    }
    assert_int_equal(seq_l, nc);
    assert_int_equal(seq_c, ni);
    free(buf);
    /* nothing under the final name until finish */
    assert_false(exists(path));
    ok(sp_mcap_writer_finish(w));
    ok(sp_mcap_writer_stats_get(w, &s->st));
    sp_mcap_writer_destroy(w);
    assert_true(exists(path));
}

static void want_value(const mo_dump *d, const char *key, const char *want)
{
    const char *got = mo_value(d, key);
    if (!got || strcmp(got, want) != 0)
        fail_msg("\"%s\": got %s\nexpected %s", key, got ? got : "(none)",
                 want);
}

/* The messages, exactly, in order. */
static void expect_messages(const mo_dump *d, mo_str *lines, size_t n)
{
    size_t got;
    char **l = mo_list(d, "messages", &got);
    assert_non_null(l);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], lines[i].s) != 0)
            fail_msg("message %zu:\n got %s\nwant %s", i, l[i], lines[i].s);
}

/* Lines of list @p key that contain every NULL-ended string; fails
 * unless all of them do. */
static size_t all_have(const mo_dump *d, const char *key, const char *first,
                       ...)
{
    size_t n;
    char **l = mo_list(d, key, &n);
    assert_non_null(l);
    for (size_t i = 0; i < n; i++) {
        va_list ap;
        va_start(ap, first);
        for (const char *s = first; s; s = va_arg(ap, const char *))
            if (!strstr(l[i], s))
                fail_msg("%s[%zu] lacks %s: %s", key, i, s, l[i]);
        va_end(ap);
    }
    return n;
}

static void dump_or_fail(mo_dump *d, const char *path, const char *opts)
{
    mo_run(d, path, opts);
    if (d->status != 0)
        fail_msg("mcap_dump.mjs %s: status %d:\n%s", path, d->status,
                 d->nlines ? d->lines[0] : "");
}

static void test_writer_roundtrip(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = fresh_dir("mcap_writer");
    for (int c = 0; c < 3; c++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.mcap", dir, comp_props[c]);
        sample s;
        write_sample(path, comps[c], NULL, &s);
        assert_int_equal(s.st.messages, s.n);
        if (why) {
            sample_free(&s);
            continue;
        }
        /* a range in the middle: messages 3..6 by log time */
        char opts[128];
        snprintf(opts, sizeof opts, "--start %llu --end %llu",
                 (unsigned long long)s.times[3],
                 (unsigned long long)s.times[6]);
        mo_dump d;
        dump_or_fail(&d, path, opts);
        want_value(&d, "header",
                   "{\"profile\":\"ros2\",\"library\":\"test-lib 1\"}");
        want_value(&d, "crc",
                   "{\"summary\":\"checked\",\"data_section\":"
                   "\"ok\",\"chunks\":\"checked\"}");
        size_t n;
        char **l = mo_list(&d, "schemas", &n);
        assert_int_equal(n, 2);
        assert_non_null(
            strstr(l[0], "\"id\":1,\"name\":\"sensor_msgs/msg/PointCloud2\","
                         "\"encoding\":\"ros2msg\""));
        assert_non_null(strstr(l[0], "\"definitions\":\",sensor_msgs/"
                                     "PointField,std_msgs/Header,"
                                     "builtin_interfaces/Time\""));
        assert_non_null(strstr(l[1], "\"definitions\":\",std_msgs/Header,"
                                     "builtin_interfaces/Time\""));
        l = mo_list(&d, "channels", &n);
        assert_int_equal(n, 2);
        assert_string_equal(l[0], "{\"id\":1,\"topic\":\"/lidar\",\"schema_id\""
                                  ":1,\"message_encoding\":\"cdr\",\"metadata"
                                  "\":{\"offered_qos_profiles\":\"\"}}");
        assert_string_equal(l[1], "{\"id\":2,\"topic\":\"/cam\",\"schema_id\":"
                                  "2,\"message_encoding\":\"cdr\",\"metadata\""
                                  ":{\"offered_qos_profiles\":\"\"}}");
        char want[512];
        snprintf(want, sizeof want,
                 "{\"message_count\":\"%zu\",\"schema_count\":2,"
                 "\"channel_count\":2,\"attachment_count\":0,"
                 "\"metadata_count\":0,\"chunk_count\":%llu,"
                 "\"message_start_time\":\"%llu\",\"message_end_time\":"
                 "\"%llu\",\"channel_message_counts\":{\"1\":\"6\","
                 "\"2\":\"10\"}}",
                 s.n, (unsigned long long)s.st.chunks,
                 (unsigned long long)s.times[0],
                 (unsigned long long)s.times[s.n - 1]);
        want_value(&d, "statistics", want);
        /* every chunk in the chosen compression, its message indexes where
         * the chunk index says; none over 4 KiB but the large cloud's,
         * which is alone in its chunk */
        char comp[64];
        snprintf(comp, sizeof comp, "\"compression\":\"%s\"",
                 sp_mcap_compression_name(comps[c]));
        size_t nch = all_have(&d, "chunks", comp, "\"index\":\"ok\"", NULL);
        assert_int_equal(nch, s.st.chunks);
        assert_true(nch >= 3);
        l = mo_list(&d, "chunks", &n);
        int alone = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned long long u = 0;
            const char *p = strstr(l[i], "\"uncompressed\":\"");
            assert_non_null(p);
            u = strtoull(p + 16, NULL, 10);
            alone += u == s.big_record;
            assert_true(u <= 4096 || u == s.big_record);
        }
        assert_int_equal(alone, 1);
        assert_int_equal(
            all_have(&d, "summary_offsets", "\"check\":\"ok\"", NULL), 4);
        snprintf(want, sizeof want,
                 "\"messages\":%zu,\"done\":true,"
                 "\"same_as_indexed\":true",
                 s.n);
        assert_non_null(strstr(mo_value(&d, "stream"), want));
        snprintf(want, sizeof want, "[\"%s\",\"%s\",\"%s\",\"%s\"]", s.keys[3],
                 s.keys[4], s.keys[5], s.keys[6]);
        want_value(&d, "range", want);
        expect_messages(&d, s.lines, s.n);
        mo_free(&d);
        sample_free(&s);
    }
    assert_int_equal(count_files(dir), 3);
    if (why)
        oracle_skip(why);
}

/* ---- the sink ---- */

static sp_pipeline *make(const char *launch)
{
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    return p;
}

/* The expected line of a frame that went through the sink. */
static void expect_frame(mo_str *b, const sp_frame *f, const char *prefix,
                         unsigned channel)
{
    char topic[128];
    snprintf(topic, sizeof topic, "%s/%s", prefix, f->stream);
    mo_msg m = {.topic = topic,
                .channel = channel,
                .sequence = (uint32_t)f->seq,
                .log_time = (uint64_t)f->timestamp_ns,
                .publish_time = (uint64_t)f->timestamp_ns,
                .stamp_ns = f->timestamp_ns,
                .frame_id = f->stream};
    if (f->payload == SP_PAYLOAD_POINTS)
        mo_expect_pc2(b, &m, &f->u.points, 64);
    else
        mo_expect_image(b, &m, &f->u.image,
                        sp_rosmsg_image_encoding(f->u.image.format));
}

static void test_sink_roundtrip(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = fresh_dir("mcap_sink");
    for (int c = 0; c < 4; c++) {
        /* the three compressions with small chunks and a topic prefix,
         * then every default */
        char path[1024], launch[2048];
        snprintf(path, sizeof path, "%s/sink_%d.mcap", dir, c);
        const char *prefix = c < 3 ? "/car" : "";
        if (c < 3)
            snprintf(launch, sizeof launch,
                     "synth frames=5 width=64 height=32 ! mcap path=%s "
                     "compression=%s chunk_kb=64 topic_prefix=car/",
                     path, comp_props[c]);
        else
            snprintf(launch, sizeof launch,
                     "synth frames=5 width=64 height=32 ! mcap path=%s", path);
        sp_pipeline *p = make(launch);
        mo_str lines[10] = {{0}};
        size_t n = 0;
        sp_frame *f;
        int rc;
        while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
            assert_true(n < 10);
            /* velodyne comes first: channel 1 */
            expect_frame(&lines[n++], f, prefix,
                         f->payload == SP_PAYLOAD_POINTS ? 1 : 2);
            sp_frame_unref(f);
            /* written under the temporary name until the end */
            assert_false(exists(path));
        }
        assert_int_equal(rc, SP_EOS);
        assert_int_equal(n, 10);
        /* finished at the end of the stream, before destroy */
        assert_true(exists(path));
        ok(sp_pipeline_destroy(p));
        assert_int_equal(count_files(dir), (size_t)c + 1);
        if (!why) {
            mo_dump d;
            dump_or_fail(&d, path, "");
            const char *h = mo_value(&d, "header");
            assert_non_null(h);
            assert_true(strncmp(h,
                                "{\"profile\":\"ros2\",\"library\":"
                                "\"sensorpipe ",
                                39) == 0);
            want_value(&d, "crc",
                       "{\"summary\":\"checked\",\"data_section\""
                       ":\"ok\",\"chunks\":\"checked\"}");
            size_t nc;
            char **l = mo_list(&d, "channels", &nc);
            assert_int_equal(nc, 2);
            char want[256];
            snprintf(want, sizeof want, "\"topic\":\"%s/velodyne\"", prefix);
            assert_non_null(strstr(l[0], want));
            snprintf(want, sizeof want, "\"topic\":\"%s/image_02\"", prefix);
            assert_non_null(strstr(l[1], want));
            snprintf(want, sizeof want, "\"compression\":\"%s\"",
                     sp_mcap_compression_name(comps[c % 3]));
            all_have(&d, "chunks", want, "\"index\":\"ok\"", NULL);
            assert_non_null(strstr(mo_value(&d, "stream"),
                                   "\"messages\":10,\"done\":true,"
                                   "\"same_as_indexed\":true"));
            expect_messages(&d, lines, n);
            mo_free(&d);
        }
        for (size_t i = 0; i < n; i++)
            mo_str_free(&lines[i]);
    }
    if (why)
        oracle_skip(why);
}

/* A valid MCAP with no message: from the writer (with and without a
 * channel) and from a sink whose source ends at once. */
static void test_empty(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = fresh_dir("mcap_empty");
    char a[1024], b[1024], c[1024], launch[1200];
    snprintf(a, sizeof a, "%s/bare.mcap", dir);
    snprintf(b, sizeof b, "%s/channel.mcap", dir);
    snprintf(c, sizeof c, "%s/sink.mcap", dir);
    sp_mcap_writer *w;
    ok(sp_mcap_writer_create(a, NULL, &w));
    ok(sp_mcap_writer_finish(w));
    sp_mcap_writer_destroy(w);
    sp_mcap_writer_desc d = {.profile = "x-test", .library = "t"};
    ok(sp_mcap_writer_create(b, &d, &w));
    uint16_t sid, cid;
    ok(sp_mcap_writer_add_schema(w, "s", "", NULL, 0, &sid));
    ok(sp_mcap_writer_add_channel(w, sid, "/t", "json", &cid));
    ok(sp_mcap_writer_finish(w));
    sp_mcap_writer_destroy(w);
    snprintf(launch, sizeof launch, "synth frames=0 ! mcap path=%s", c);
    sp_pipeline *p = make(launch);
    ok(sp_pipeline_run(p));
    ok(sp_pipeline_destroy(p));
    assert_int_equal(count_files(dir), 3);
    if (why)
        oracle_skip(why);

    mo_dump dd;
    dump_or_fail(&dd, a, "");
    want_value(&dd, "statistics",
               "{\"message_count\":\"0\",\"schema_count\":0,"
               "\"channel_count\":0,\"attachment_count\":0,"
               "\"metadata_count\":0,\"chunk_count\":0,"
               "\"message_start_time\":\"0\",\"message_end_time\":\"0\","
               "\"channel_message_counts\":{}}");
    want_value(&dd, "crc",
               "{\"summary\":\"checked\",\"data_section\":"
               "\"ok\",\"chunks\":\"checked\"}");
    size_t n;
    assert_non_null(mo_list(&dd, "messages", &n));
    assert_int_equal(n, 0);
    assert_non_null(mo_list(&dd, "chunks", &n));
    assert_int_equal(n, 0);
    assert_int_equal(all_have(&dd, "summary_offsets", "\"check\":\"ok\"", NULL),
                     1);
    assert_non_null(strstr(mo_value(&dd, "stream"), "\"done\":true"));
    mo_free(&dd);

    dump_or_fail(&dd, b, "");
    want_value(&dd, "header", "{\"profile\":\"x-test\",\"library\":\"t\"}");
    char **l = mo_list(&dd, "channels", &n);
    assert_int_equal(n, 1);
    /* no ros2 profile: no QoS metadata */
    assert_string_equal(l[0], "{\"id\":1,\"topic\":\"/t\",\"schema_id\":1,"
                              "\"message_encoding\":\"json\",\"metadata\":{}}");
    assert_int_equal(all_have(&dd, "summary_offsets", "\"check\":\"ok\"", NULL),
                     3);
    mo_free(&dd);

    dump_or_fail(&dd, c, "");
    assert_non_null(mo_list(&dd, "messages", &n));
    assert_int_equal(n, 0);
    mo_free(&dd);
}

/* Destroying a writer that was not finished leaves no file at all. */
static void test_abort_leaves_nothing(void **state)
{
    (void)state;
    const char *dir = fresh_dir("mcap_abort");
    char path[1024];
    snprintf(path, sizeof path, "%s/x.mcap", dir);
    sp_mcap_writer *w;
    sp_mcap_writer_desc d = {.chunk_size = 256};
    ok(sp_mcap_writer_create(path, &d, &w));
    uint16_t ch;
    ok(sp_mcap_writer_add_channel(w, 0, "/raw", "x-bytes", &ch));
    uint8_t data[1000] = {1, 2, 3};
    for (int i = 0; i < 10; i++)
        ok(sp_mcap_writer_write(w, ch, (uint32_t)i, (uint64_t)i, (uint64_t)i,
                                data, sizeof data));
    sp_mcap_writer_stats st;
    ok(sp_mcap_writer_stats_get(w, &st));
    assert_true(st.chunks >= 9); /* chunks did reach the file */
    sp_mcap_writer_destroy(w);
    assert_false(exists(path));
    assert_int_equal(count_files(dir), 0);
    sp_mcap_writer_destroy(NULL);
}

static void test_misuse(void **state)
{
    (void)state;
    const char *dir = fresh_dir("mcap_misuse");
    char path[1024];
    snprintf(path, sizeof path, "%s/m.mcap", dir);
    sp_mcap_writer *w = (sp_mcap_writer *)1;
    /* a path naming a folder */
    char slash[1100];
    snprintf(slash, sizeof slash, "%s/", dir);
    assert_int_equal(sp_mcap_writer_create(slash, NULL, &w), SP_EINVAL);
    assert_null(w);
    sp_mcap_writer_desc bad = {.compression = (sp_mcap_compression)9};
    assert_int_equal(sp_mcap_writer_create(path, &bad, &w), SP_EINVAL);
    ok(sp_mcap_writer_create(path, NULL, &w));
    uint16_t id;
    assert_int_equal(sp_mcap_writer_add_channel(w, 3, "/t", "cdr", &id),
                     SP_EINVAL);
    iot_msg_has(path, "schema 3", NULL);
    assert_int_equal(sp_mcap_writer_add_channel(w, 0, "", "cdr", &id),
                     SP_EINVAL);
    assert_int_equal(sp_mcap_writer_add_schema(w, "s", "", "x", 1, &id),
                     SP_EINVAL);
    assert_int_equal(sp_mcap_writer_write(w, 1, 0, 0, 0, "x", 1), SP_EINVAL);
    iot_msg_has(path, "channel 1", NULL);
    ok(sp_mcap_writer_finish(w));
    assert_int_equal(sp_mcap_writer_finish(w), SP_EINVAL);
    assert_int_equal(sp_mcap_writer_write(w, 1, 0, 0, 0, "x", 1), SP_EINVAL);
    iot_msg_has("already finished", NULL);
    sp_mcap_writer_destroy(w);
    assert_true(exists(path));
    assert_int_equal(sp_mcap_compression_name(SP_MCAP_NONE)[0], '\0');
}

/* A write that fails (the file size limit, EFBIG) is SP_EIO naming the
 * path and the reason; the writer then refuses to go on, and destroying
 * it removes the temporary file. */
static void test_write_failure(void **state)
{
    (void)state;
    const char *dir = fresh_dir("mcap_efbig");
    char path[1024];
    snprintf(path, sizeof path, "%s/big.mcap", dir);
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    sp_mcap_writer *w;
    sp_mcap_writer_desc d = {.compression = SP_MCAP_NONE, .chunk_size = 4096};
    ok(sp_mcap_writer_create(path, &d, &w));
    uint16_t ch;
    ok(sp_mcap_writer_add_channel(w, 0, "/raw", "x-bytes", &ch));
    struct rlimit lim = {.rlim_cur = 64 * 1024, .rlim_max = old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    static uint8_t data[10000];
    int rc = SP_OK;
    for (int i = 0; i < 20 && rc == SP_OK; i++)
        rc = sp_mcap_writer_write(w, ch, 0, 0, 0, data, sizeof data);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, SP_EIO);
    iot_msg_has(path, strerror(EFBIG), NULL);
    assert_int_equal(sp_mcap_writer_write(w, ch, 0, 0, 0, data, 10), SP_EIO);
    assert_int_equal(sp_mcap_writer_finish(w), SP_EIO);
    iot_msg_has(path, "earlier write failed", NULL);
    sp_mcap_writer_destroy(w);
    assert_int_equal(count_files(dir), 0);
}

/* Bytes changed after writing: the readers' CRC checks catch them. */
static void test_crc_catches_corruption(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    if (why)
        oracle_skip(why);
    const char *dir = fresh_dir("mcap_crc");
    char path[1024], bad[1100];
    snprintf(path, sizeof path, "%s/ok.mcap", dir);
    snprintf(bad, sizeof bad, "%s/bad.mcap", dir);
    sample s;
    write_sample(path, SP_MCAP_NONE, NULL, &s);
    sample_free(&s);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 1000 && n < sizeof buf);
    /* magic 8, header record 9 + 4+4 + 4+10: the first chunk at 39, its
     * records (uncompressed) after its 49-byte head */
    assert_int_equal(buf[39], 0x06);
    const struct {
        size_t at;
        const char *want;
    } cases[] = {
        {39 + 49 + 60, "Incorrect chunk CRC"},      /* inside the chunk */
        {n - 8 - 29 - 30, "Incorrect summary CRC"}, /* a summary offset */
        {8 + 9 + 4 + 1, "\"data_section\":\"bad"},  /* the profile */
    };
    for (size_t i = 0; i < 3; i++) {
        buf[cases[i].at] ^= 0x20;
        iot_write(bad, buf, n);
        buf[cases[i].at] ^= 0x20;
        mo_dump d;
        mo_run(&d, bad, "");
        int found = 0;
        for (size_t k = 0; k < d.nlines; k++)
            found |= strstr(d.lines[k], cases[i].want) != NULL;
        if (!found)
            fail_msg("byte %zu changed: expected \"%s\", got status %d: %s",
                     cases[i].at, cases[i].want, d.status,
                     d.nlines ? d.lines[0] : "");
        mo_free(&d);
    }
}

/* ---- the sink's error paths, stop, and memory ---- */

/* A source of tensor frames, and one that fails at its second frame. */
typedef struct tsrc {
    uint64_t n;
} tsrc;

static int tsrc_pull(sp_stage *st, sp_frame **out)
{
    tsrc *s = sp_stage_priv(st);
    const int failing = strcmp(sp_stage_name(st), "test_failing") == 0;
    if (failing && s->n == 1)
        return sp_stage_fail(st, SP_EFORMAT, "broken input at frame 1");
    sp_frame *f = NULL;
    int rc;
    if (failing) {
        rc = sp_frame_create_points(sp_stage_poolmgr(st), 4, 0, &f);
        if (rc == SP_OK) {
            f->payload = SP_PAYLOAD_POINTS;
            f->u.points.count = 0;
        }
    } else {
        const size_t shape[2] = {4, 4};
        rc = sp_frame_create_tensor(sp_stage_poolmgr(st), SP_DTYPE_F32, 2,
                                    shape, &f);
        if (rc == SP_OK)
            f->payload = SP_PAYLOAD_TENSOR;
    }
    if (rc < 0)
        return rc;
    snprintf(f->stream, sizeof f->stream, "bev");
    f->seq = s->n++;
    *out = f;
    return SP_OK;
}

static const sp_stage_class tensors_class = {
    .name = "test_tensors",
    .description = "tensor frames",
    .priv_size = sizeof(tsrc),
    .is_source = 1,
    .pull = tsrc_pull,
};
static const sp_stage_class failing_class = {
    .name = "test_failing",
    .description = "an empty cloud, then an error",
    .priv_size = sizeof(tsrc),
    .is_source = 1,
    .pull = tsrc_pull,
};

static void test_sink_errors(void **state)
{
    (void)state;
    const char *dir = fresh_dir("mcap_sink_err");
    char launch[2048], path[1100], file[1024];

    /* an unwritable path fails at create, naming it and the reason */
    snprintf(file, sizeof file, "%s/plain", dir);
    iot_write_str(file, "x");
    snprintf(path, sizeof path, "%s/out.mcap", file);
    snprintf(launch, sizeof launch, "synth ! mcap path=%s", path);
    sp_pipeline *p = (sp_pipeline *)1;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EIO);
    assert_null(p);
    iot_msg_has("stage 'mcap'", path, strerror(ENOTDIR), NULL);
    snprintf(launch, sizeof launch, "synth ! mcap path=%s/nowhere/x.mcap", dir);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EIO);
    iot_msg_has("nowhere/x.mcap", strerror(ENOENT), NULL);
    snprintf(launch, sizeof launch, "synth ! mcap path=%s/x.mcap chunk_kb=0",
             dir);
    assert_true(sp_pipeline_create(launch, NULL, &p) < 0);
    iot_msg_has("chunk_kb", NULL);

    /* a tensor frame is an error naming the stage and the frame; the file
     * is removed */
    snprintf(path, sizeof path, "%s/tensor.mcap", dir);
    snprintf(launch, sizeof launch, "test_tensors ! mcap path=%s", path);
    p = make(launch);
    assert_int_equal(sp_pipeline_run(p), SP_EUNSUPPORTED);
    iot_msg_has("stage 'mcap'", "frame bev #0", "tensor", NULL);
    ok(sp_pipeline_destroy(p));
    assert_false(exists(path));

    /* an upstream error: the file is removed */
    snprintf(path, sizeof path, "%s/failed.mcap", dir);
    snprintf(launch, sizeof launch, "test_failing ! mcap path=%s", path);
    p = make(launch);
    assert_int_equal(sp_pipeline_run(p), SP_EFORMAT);
    iot_msg_has("broken input", NULL);
    ok(sp_pipeline_destroy(p));
    assert_false(exists(path));
    assert_int_equal(count_files(dir), 1); /* "plain" */
}

/* A pipeline stopped before the end keeps a valid file of the frames
 * written so far; so does one destroyed while running. */
static void test_sink_stop(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = fresh_dir("mcap_stop");
    for (int stop = 0; stop < 2; stop++) {
        char path[1024], launch[2048];
        snprintf(path, sizeof path, "%s/stop_%d.mcap", dir, stop);
        snprintf(launch, sizeof launch,
                 "synth frames=5 width=32 height=16 ! mcap path=%s "
                 "compression=lz4",
                 path);
        sp_pipeline *p = make(launch);
        for (int i = 0; i < 3; i++) {
            sp_frame *f;
            ok(sp_pipeline_pull(p, &f));
            sp_frame_unref(f);
        }
        if (stop)
            sp_pipeline_stop(p);
        assert_false(exists(path));
        ok(sp_pipeline_destroy(p));
        assert_true(exists(path));
        if (why)
            continue;
        mo_dump d;
        dump_or_fail(&d, path, "");
        size_t n;
        assert_non_null(mo_list(&d, "messages", &n));
        assert_int_equal(n, 3);
        want_value(&d, "crc",
                   "{\"summary\":\"checked\",\"data_section\":"
                   "\"ok\",\"chunks\":\"checked\"}");
        mo_free(&d);
    }
    assert_int_equal(count_files(dir), 2);
    if (why)
        oracle_skip(why);
}

/* After warm-up, writing messages and closing chunks allocates nothing
 * from the heap (the chunk index list has room reserved). */
static void test_no_alloc_after_warmup(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip();
#else
    if (!sp_test_alloc_available()) {
        print_message("allocations are not counted in this build\n");
        skip();
    }
    const char *dir = fresh_dir("mcap_alloc");
    for (int c = 0; c < 3; c++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.mcap", dir, comp_props[c]);
        sp_mcap_writer *w;
        sp_mcap_writer_desc d = {.compression = comps[c],
                                 .chunk_size = 64 * 1024};
        ok(sp_mcap_writer_create(path, &d, &w));
        uint16_t a, b;
        ok(sp_mcap_writer_add_channel(w, 0, "/a", "x-bytes", &a));
        ok(sp_mcap_writer_add_channel(w, 0, "/b", "x-bytes", &b));
        static uint8_t data[10000];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 7 + i / 100);
        uint64_t t = 0, before = 0;
        for (int i = 0; i < 700; i++) {
            if (i == 200)
                before = sp_test_alloc_calls();
            ok(sp_mcap_writer_write(w, i % 3 ? a : b, (uint32_t)i, t, t, data,
                                    sizeof data - (size_t)(i % 50)));
            t += 1000;
        }
        uint64_t calls = sp_test_alloc_calls() - before;
        sp_mcap_writer_stats st;
        ok(sp_mcap_writer_stats_get(w, &st));
        ok(sp_mcap_writer_finish(w));
        sp_mcap_writer_destroy(w);
        if (calls != 0)
            fail_msg("%s: %llu heap allocations over 500 messages (%llu "
                     "chunks)",
                     comp_props[c], (unsigned long long)calls,
                     (unsigned long long)st.chunks);
        assert_true(st.chunks > 60);
    }

    /* The sink too: serializing into its staging block and writing, after
     * the pipeline's warm-up frames. */
    char launch[1200];
    snprintf(launch, sizeof launch,
             "synth frames=20 width=256 height=128 ! mcap path=%s/sink.mcap "
             "chunk_kb=64",
             dir);
    sp_alloc_counter_set(sp_test_alloc_calls);
    sp_pipeline_opts o = {.warmup_frames = 8};
    sp_pipeline *p = NULL;
    ok(sp_pipeline_create(launch, &o, &p));
    ok(sp_pipeline_run(p));
    sp_pipeline_stats ps;
    ok(sp_pipeline_stats_get(p, &ps));
    ok(sp_pipeline_destroy(p));
    sp_alloc_counter_set(NULL);
    assert_int_equal(ps.frames_after_warmup, 40 - 8);
    if (ps.heap_allocs_after_warmup != ps.pool_grows_after_warmup ||
        ps.pool_grows_after_warmup > 2)
        fail_msg("sink: %llu heap allocations after warm-up (%llu pool "
                 "blocks added)",
                 (unsigned long long)ps.heap_allocs_after_warmup,
                 (unsigned long long)ps.pool_grows_after_warmup);
#endif
}

static int setup(void **state)
{
    (void)state;
    sp_stage_class_register(&tensors_class);
    sp_stage_class_register(&failing_class);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_roundtrip),
        cmocka_unit_test(test_sink_roundtrip),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_crc_catches_corruption),
        cmocka_unit_test(test_sink_errors),
        cmocka_unit_test(test_sink_stop),
        cmocka_unit_test(test_no_alloc_after_warmup),
    };
    return cmocka_run_group_tests_name("mcap_write", tests, setup, NULL);
}
