/* ctest-label: io */
/* ctest-timeout: 300 */
/* MCAP files written by the writer (sp_mcap.h) in every compression, read
 * back by the reference reader (tests/oracles/mcap_dump.mjs: @mcap/core's
 * indexed and stream readers, @mcap/support's decompressors,
 * @foxglove/rosmsg2-serialization) and compared line by line with what was
 * written: header, schemas, channels, statistics, chunks and their
 * indexes, CRCs, every message decoded, a time-range read. Also: corrupted
 * bytes are caught by the CRCs, empty files are valid, a writer destroyed
 * without finish leaves nothing, write failures name the path, and no heap
 * allocation per message after warm-up. The `mcap` sink is tested in
 * test_mcap_sink.c. Without node or tests/oracles/node_modules the
 * reading checks skip with that reason. */
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
#include "sp_rosmsg_write.h"

static const sp_mcap_compression comps[3] = {SP_MCAP_ZSTD, SP_MCAP_LZ4,
                                             SP_MCAP_NONE};
static const char *const comp_props[3] = {"zstd", "lz4", "none"};

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
    mo_ok(sp_mcap_writer_create(path, &d, &w));
    uint16_t spc, sim, cl, cc;
    const char *pc2 = sp_rosmsg_ros2_schema(SP_ROS2_POINTCLOUD2);
    const char *im = sp_rosmsg_ros2_schema(SP_ROS2_IMAGE);
    mo_ok(sp_mcap_writer_add_schema(w, SP_ROS2_POINTCLOUD2, "ros2msg", pc2,
                                    strlen(pc2), &spc));
    mo_ok(sp_mcap_writer_add_schema(w, SP_ROS2_IMAGE, "ros2msg", im, strlen(im),
                                    &sim));
    mo_ok(sp_mcap_writer_add_channel(w, spc, "/lidar", "cdr", &cl));
    mo_ok(sp_mcap_writer_add_channel(w, sim, "/cam", "cdr", &cc));
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
            mo_ok(sp_rosmsg_pc2_write(&p, m.stamp_ns, m.frame_id, buf, 1 << 16,
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
            mo_ok(sp_rosmsg_image_write(&img, m.stamp_ns, m.frame_id, buf,
                                        1 << 16, &len));
            m.topic = "/cam";
            m.channel = cc;
            m.sequence = seq_c++;
            mo_expect_image(&s->lines[s->n], &m, &img,
                            sp_rosmsg_image_encoding(img.format));
            free(mem);
        }
        mo_ok(sp_mcap_writer_write(w, (uint16_t)m.channel, m.sequence,
                                   m.log_time, m.publish_time, buf, len));
        snprintf(s->keys[s->n], sizeof s->keys[s->n], "%s:%u", m.topic,
                 m.sequence);
        s->times[s->n++] = m.log_time;
    }
    assert_int_equal(seq_l, nc);
    assert_int_equal(seq_c, ni);
    free(buf);
    /* nothing under the final name until finish */
    assert_false(mo_exists(path));
    mo_ok(sp_mcap_writer_finish(w));
    mo_ok(sp_mcap_writer_stats_get(w, &s->st));
    sp_mcap_writer_destroy(w);
    assert_true(mo_exists(path));
}

static void test_writer_roundtrip(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = mo_fresh_dir("mcap_writer");
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
        mo_run_ok(&d, path, opts);
        mo_want_value(&d, "header",
                      "{\"profile\":\"ros2\",\"library\":\"test-lib 1\"}");
        mo_want_value(&d, "crc",
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
        mo_want_value(&d, "statistics", want);
        /* every chunk in the chosen compression, its message indexes where
         * the chunk index says; none over 4 KiB but the large cloud's,
         * which is alone in its chunk */
        char comp[64];
        snprintf(comp, sizeof comp, "\"compression\":\"%s\"",
                 sp_mcap_compression_name(comps[c]));
        size_t nch = mo_all_have(&d, "chunks", comp, "\"index\":\"ok\"", NULL);
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
            mo_all_have(&d, "summary_offsets", "\"check\":\"ok\"", NULL), 4);
        snprintf(want, sizeof want,
                 "\"messages\":%zu,\"done\":true,"
                 "\"same_as_indexed\":true",
                 s.n);
        assert_non_null(strstr(mo_value(&d, "stream"), want));
        snprintf(want, sizeof want, "[\"%s\",\"%s\",\"%s\",\"%s\"]", s.keys[3],
                 s.keys[4], s.keys[5], s.keys[6]);
        mo_want_value(&d, "range", want);
        mo_want_messages(&d, s.lines, s.n);
        mo_free(&d);
        sample_free(&s);
    }
    assert_int_equal(mo_count_files(dir), 3);
    if (why)
        mo_skip(why);
}

/* A valid MCAP with no message, with and without a channel. */
static void test_empty(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = mo_fresh_dir("mcap_empty");
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/bare.mcap", dir);
    snprintf(b, sizeof b, "%s/channel.mcap", dir);
    sp_mcap_writer *w;
    mo_ok(sp_mcap_writer_create(a, NULL, &w));
    mo_ok(sp_mcap_writer_finish(w));
    sp_mcap_writer_destroy(w);
    sp_mcap_writer_desc d = {.profile = "x-test", .library = "t"};
    mo_ok(sp_mcap_writer_create(b, &d, &w));
    uint16_t sid, cid;
    mo_ok(sp_mcap_writer_add_schema(w, "s", "", NULL, 0, &sid));
    mo_ok(sp_mcap_writer_add_channel(w, sid, "/t", "json", &cid));
    mo_ok(sp_mcap_writer_finish(w));
    sp_mcap_writer_destroy(w);
    assert_int_equal(mo_count_files(dir), 2);
    if (why)
        mo_skip(why);

    mo_dump dd;
    mo_run_ok(&dd, a, "");
    mo_want_value(&dd, "statistics",
                  "{\"message_count\":\"0\",\"schema_count\":0,"
                  "\"channel_count\":0,\"attachment_count\":0,"
                  "\"metadata_count\":0,\"chunk_count\":0,"
                  "\"message_start_time\":\"0\",\"message_end_time\":\"0\","
                  "\"channel_message_counts\":{}}");
    mo_want_value(&dd, "crc",
                  "{\"summary\":\"checked\",\"data_section\":"
                  "\"ok\",\"chunks\":\"checked\"}");
    size_t n;
    assert_non_null(mo_list(&dd, "messages", &n));
    assert_int_equal(n, 0);
    assert_non_null(mo_list(&dd, "chunks", &n));
    assert_int_equal(n, 0);
    assert_int_equal(
        mo_all_have(&dd, "summary_offsets", "\"check\":\"ok\"", NULL), 1);
    assert_non_null(strstr(mo_value(&dd, "stream"), "\"done\":true"));
    mo_free(&dd);

    mo_run_ok(&dd, b, "");
    mo_want_value(&dd, "header", "{\"profile\":\"x-test\",\"library\":\"t\"}");
    char **l = mo_list(&dd, "channels", &n);
    assert_int_equal(n, 1);
    /* no ros2 profile: no QoS metadata */
    assert_string_equal(l[0], "{\"id\":1,\"topic\":\"/t\",\"schema_id\":1,"
                              "\"message_encoding\":\"json\",\"metadata\":{}}");
    assert_int_equal(
        mo_all_have(&dd, "summary_offsets", "\"check\":\"ok\"", NULL), 3);
    mo_free(&dd);
}

/* Destroying a writer that was not finished leaves no file at all. */
static void test_abort_leaves_nothing(void **state)
{
    (void)state;
    const char *dir = mo_fresh_dir("mcap_abort");
    char path[1024];
    snprintf(path, sizeof path, "%s/x.mcap", dir);
    sp_mcap_writer *w;
    sp_mcap_writer_desc d = {.chunk_size = 256};
    mo_ok(sp_mcap_writer_create(path, &d, &w));
    uint16_t ch;
    mo_ok(sp_mcap_writer_add_channel(w, 0, "/raw", "x-bytes", &ch));
    uint8_t data[1000] = {1, 2, 3};
    for (int i = 0; i < 10; i++)
        mo_ok(sp_mcap_writer_write(w, ch, (uint32_t)i, (uint64_t)i, (uint64_t)i,
                                   data, sizeof data));
    sp_mcap_writer_stats st;
    mo_ok(sp_mcap_writer_stats_get(w, &st));
    assert_true(st.chunks >= 9); /* chunks did reach the file */
    sp_mcap_writer_destroy(w);
    assert_false(mo_exists(path));
    assert_int_equal(mo_count_files(dir), 0);
    sp_mcap_writer_destroy(NULL);
}

static void test_misuse(void **state)
{
    (void)state;
    const char *dir = mo_fresh_dir("mcap_misuse");
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
    mo_ok(sp_mcap_writer_create(path, NULL, &w));
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
    mo_ok(sp_mcap_writer_finish(w));
    assert_int_equal(sp_mcap_writer_finish(w), SP_EINVAL);
    assert_int_equal(sp_mcap_writer_write(w, 1, 0, 0, 0, "x", 1), SP_EINVAL);
    iot_msg_has("already finished", NULL);
    sp_mcap_writer_destroy(w);
    assert_true(mo_exists(path));
    assert_int_equal(sp_mcap_compression_name(SP_MCAP_NONE)[0], '\0');
}

/* A write that fails (the file size limit, EFBIG) is SP_EIO naming the
 * path and the reason; the writer then refuses to go on, and destroying
 * it removes the temporary file. */
static void test_write_failure(void **state)
{
    (void)state;
    const char *dir = mo_fresh_dir("mcap_efbig");
    char path[1024];
    snprintf(path, sizeof path, "%s/big.mcap", dir);
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    sp_mcap_writer *w;
    sp_mcap_writer_desc d = {.compression = SP_MCAP_NONE, .chunk_size = 4096};
    mo_ok(sp_mcap_writer_create(path, &d, &w));
    uint16_t ch;
    mo_ok(sp_mcap_writer_add_channel(w, 0, "/raw", "x-bytes", &ch));
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
    assert_int_equal(mo_count_files(dir), 0);
}

/* Bytes changed after writing: the readers' CRC checks catch them. */
static void test_crc_catches_corruption(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    if (why)
        mo_skip(why);
    const char *dir = mo_fresh_dir("mcap_crc");
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
    const char *dir = mo_fresh_dir("mcap_alloc");
    for (int c = 0; c < 3; c++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.mcap", dir, comp_props[c]);
        sp_mcap_writer *w;
        sp_mcap_writer_desc d = {.compression = comps[c],
                                 .chunk_size = 64 * 1024};
        mo_ok(sp_mcap_writer_create(path, &d, &w));
        uint16_t a, b;
        mo_ok(sp_mcap_writer_add_channel(w, 0, "/a", "x-bytes", &a));
        mo_ok(sp_mcap_writer_add_channel(w, 0, "/b", "x-bytes", &b));
        static uint8_t data[10000];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)(i * 7 + i / 100);
        uint64_t t = 0, before = 0;
        for (int i = 0; i < 700; i++) {
            if (i == 200)
                before = sp_test_alloc_calls();
            mo_ok(sp_mcap_writer_write(w, i % 3 ? a : b, (uint32_t)i, t, t,
                                       data, sizeof data - (size_t)(i % 50)));
            t += 1000;
        }
        uint64_t calls = sp_test_alloc_calls() - before;
        sp_mcap_writer_stats st;
        mo_ok(sp_mcap_writer_stats_get(w, &st));
        mo_ok(sp_mcap_writer_finish(w));
        sp_mcap_writer_destroy(w);
        if (calls != 0)
            fail_msg("%s: %llu heap allocations over 500 messages (%llu "
                     "chunks)",
                     comp_props[c], (unsigned long long)calls,
                     (unsigned long long)st.chunks);
        assert_true(st.chunks > 60);
    }
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_roundtrip),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abort_leaves_nothing),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_crc_catches_corruption),
        cmocka_unit_test(test_no_alloc_after_warmup),
    };
    return cmocka_run_group_tests_name("mcap_write", tests, NULL, NULL);
}
