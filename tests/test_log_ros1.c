/* ctest-label: io */
/* ctest-timeout: 240 */
/* ROS1 bag v2.0 through the public sp_log API, compared message by message
 * (topic, log time, size, SHA-1 of the bytes) with Debian's python3-rosbag
 * (tests/oracles/ros1_oracle.py): the real bags of ../shared/data/ros1 and
 * their MANIFEST facts, fixtures rosbag writes (each compression, chunks
 * overlapping in time, two connections on one topic, an empty bag), bags
 * without an index, selection, sp_log_read_at, and no allocation per
 * message. Damage and hostile sizes: test_log_ros1_damage.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ros1_test.h"
#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_log.h"

static const char *const real_bags[] = {
    "ros1/embag_test.bag", "ros1/sick_rms1000_lms1000_bz2.bag",
    "ros1/swri_pointcloud2_lz4.bag", "ros1/ubiquity_aruco_marker_jpeg.bag"};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Topics as the oracle lists them (first message in file order). */
static void check_topics(sp_log *log, const r1_oracle *o)
{
    assert_int_equal(sp_log_topic_count(log), o->nt);
    for (size_t i = 0; i < o->nt; i++) {
        const sp_log_topic *t = sp_log_topic_at(log, i);
        assert_string_equal(t->name, o->t[i].name);
        assert_string_equal(t->type, o->t[i].type);
        assert_string_equal(t->md5, o->t[i].md5);
        assert_string_equal(t->encoding, "ros1");
        assert_int_equal(t->count, o->t[i].count);
        assert_true(t->schema[0] != '\0');
    }
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->container, "ros1");
    assert_string_equal(li->version, "2.0");
    assert_int_equal(li->messages, o->nm);
    if (o->nm) {
        assert_int_equal(li->t_start, o->m[0].t);
        assert_int_equal(li->t_end, o->m[o->nm - 1].t);
    }
}

/* The oracle's messages in file order (chunk, then offset). */
static size_t *file_order(const r1_oracle *o)
{
    size_t *idx = malloc((o->nm ? o->nm : 1) * sizeof *idx);
    assert_non_null(idx);
    for (size_t i = 0; i < o->nm; i++)
        idx[i] = i;
    for (size_t i = 1; i < o->nm; i++) /* insertion sort: small lists */
        for (size_t j = i; j > 0; j--) {
            const r1_omsg *a = &o->m[idx[j - 1]], *b = &o->m[idx[j]];
            if (a->chunk_pos < b->chunk_pos ||
                (a->chunk_pos == b->chunk_pos && a->offset <= b->offset))
                break;
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    return idx;
}

/* Time order, file order, and the topics: the whole bag against rosbag. */
static void compare_bag(const char *path, const char *compression)
{
    r1_oracle o;
    r1_oracle_load(path, &o);
    sp_log *log = r1_open(path, NULL);
    const sp_log_info *li = sp_log_info_get(log);
    assert_int_equal(li->indexed, 1);
    assert_string_equal(li->note, "indexed");
    if (compression)
        assert_string_equal(li->compression, compression);
    check_topics(log, &o);
    r1_expect(log, &o, NULL, o.nm, SP_EOS);
    sp_log_filter f = {.order = SP_LOG_ORDER_FILE};
    assert_int_equal(sp_log_select(log, &f), SP_OK);
    size_t *idx = file_order(&o);
    r1_expect(log, &o, idx, o.nm, SP_EOS);
    free(idx);
    sp_log_destroy(log);
    r1_oracle_free(&o);
}

static void test_real_bags_match_rosbag(void **state)
{
    (void)state;
    if (!r1_have_rosbag()) {
        print_message("skipping: /usr/bin/python3 without rosbag\n");
        skip();
    }
    int seen = 0;
    for (size_t i = 0; i < sizeof real_bags / sizeof real_bags[0]; i++) {
        const char *p = iot_data(real_bags[i]);
        if (!p)
            continue;
        compare_bag(p, NULL);
        seen++;
    }
    if (!seen) {
        print_message("skipping: no ../shared/data/ros1 bags\n");
        skip();
    }
}

/* A serialized sensor_msgs/PointCloud2: what the MANIFEST states. */
typedef struct cloud {
    uint32_t height, width, point_step, nfields;
    char names[8][16];
    uint32_t offsets[8];
    const uint8_t *data;
    uint32_t data_len;
} cloud;

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void parse_cloud(const sp_log_msg *m, cloud *c)
{
    const uint8_t *p = m->data, *end = m->data + m->size;
    memset(c, 0, sizeof *c);
    p += 12;              /* seq, stamp */
    p += 4 + rd32(p);     /* frame_id */
    c->height = rd32(p), p += 4;
    c->width = rd32(p), p += 4;
    uint32_t nf = rd32(p);
    p += 4;
    assert_true(nf <= 8);
    c->nfields = nf;
    for (uint32_t i = 0; i < nf; i++) {
        uint32_t n = rd32(p);
        snprintf(c->names[i], sizeof c->names[i], "%.*s", (int)n,
                 (const char *)p + 4);
        p += 4 + n;
        c->offsets[i] = rd32(p);
        p += 4 + 1 + 4; /* offset, datatype, count */
    }
    p += 1; /* is_bigendian */
    c->point_step = rd32(p), p += 4;
    p += 4; /* row_step */
    c->data_len = rd32(p), p += 4;
    c->data = p;
    assert_true(p + c->data_len + 1 == end); /* then is_dense */
}

static const sp_log_topic *topic_named(sp_log *log, const char *name)
{
    for (size_t i = 0; i < sp_log_topic_count(log); i++)
        if (!strcmp(sp_log_topic_at(log, i)->name, name))
            return sp_log_topic_at(log, i);
    fail_msg("no topic %s", name);
    return NULL;
}

static uint32_t topic_index(sp_log *log, const char *name)
{
    for (size_t i = 0; i < sp_log_topic_count(log); i++)
        if (!strcmp(sp_log_topic_at(log, i)->name, name))
            return (uint32_t)i;
    fail_msg("no topic %s", name);
    return 0;
}

static void test_manifest_facts(void **state)
{
    (void)state;
    const char *sick = iot_data("ros1/sick_rms1000_lms1000_bz2.bag");
    const char *swri = iot_data("ros1/swri_pointcloud2_lz4.bag");
    const char *ubi = iot_data("ros1/ubiquity_aruco_marker_jpeg.bag");
    const char *emb = iot_data("ros1/embag_test.bag");
    if (!sick || !swri || !ubi || !emb) {
        print_message("skipping: ../shared/data/ros1 bags missing\n");
        skip();
    }
    sp_log_msg m;
    cloud c;

    sp_log *log = r1_open(sick, NULL);
    const sp_log_info *li = sp_log_info_get(log);
    assert_string_equal(li->compression, "bz2");
    assert_int_equal(li->chunks, 2);
    static const struct {
        const char *name, *type;
        uint64_t count;
    } st[] = {{"/cloud", "sensor_msgs/PointCloud2", 89},
              {"/cloud_radar_rawtarget", "sensor_msgs/PointCloud2", 139},
              {"/cloud_radar_track", "sensor_msgs/PointCloud2", 108},
              {"/sick_lms_1xx/scan", "sensor_msgs/LaserScan", 89},
              {"/tf", "tf2_msgs/TFMessage", 17},
              {"/rosout", "rosgraph_msgs/Log", 35}};
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        const sp_log_topic *t = topic_named(log, st[i].name);
        assert_string_equal(t->type, st[i].type);
        assert_int_equal(t->count, st[i].count);
    }
    assert_true(li->t_end - li->t_start > 1800000000LL &&
                li->t_end - li->t_start < 1900000000LL); /* 1.88 s */
    assert_int_equal(sp_log_read_at(log, topic_index(log, "/cloud"), 0, &m),
                     SP_OK);
    parse_cloud(&m, &c);
    assert_int_equal(c.height, 1);
    assert_int_equal(c.width, 541);
    assert_int_equal(c.point_step, 16);
    assert_int_equal(c.data_len, 541 * 16);
    assert_string_equal(c.names[3], "intensity");
    assert_int_equal(sp_log_read_at(log, topic_index(log,
                                                     "/cloud_radar_rawtarget"),
                                    0, &m),
                     SP_OK);
    parse_cloud(&m, &c);
    assert_int_equal(c.point_step, 20);
    assert_int_equal(c.nfields, 5);
    sp_log_destroy(log);

    log = r1_open(swri, NULL);
    li = sp_log_info_get(log);
    assert_string_equal(li->compression, "lz4");
    assert_int_equal(li->chunks, 1);
    assert_int_equal(sp_log_topic_count(log), 1);
    assert_string_equal(sp_log_topic_at(log, 0)->type,
                        "sensor_msgs/PointCloud2");
    assert_int_equal(sp_log_next(log, &m), SP_OK);
    parse_cloud(&m, &c);
    assert_int_equal(c.height, 1);
    assert_int_equal(c.width, 124914);
    assert_int_equal(c.point_step, 32);
    assert_int_equal(c.data_len, 124914u * 32);
    assert_string_equal(c.names[4], "ring");
    assert_int_equal(c.offsets[3], 16);
    assert_int_equal(c.offsets[4], 20);
    unsigned ring_max = 0;
    for (uint32_t i = 0; i < c.width; i++) {
        const uint8_t *p = c.data + (size_t)i * 32;
        unsigned ring = (unsigned)(p[20] | p[21] << 8);
        ring_max = ring > ring_max ? ring : ring_max;
        float x;
        memcpy(&x, p, 4);
        if (i == 0)
            assert_true(x > -2000.0f && x < 2000.0f);
    }
    assert_int_equal(ring_max, 63);
    assert_int_equal(sp_log_next(log, &m), SP_EOS);
    sp_log_destroy(log);

    log = r1_open(ubi, NULL);
    assert_string_equal(sp_log_info_get(log)->compression, "none");
    const sp_log_topic *img = topic_named(log, "/raspicam_node/image/compressed");
    assert_string_equal(img->type, "sensor_msgs/CompressedImage");
    assert_int_equal(img->count, 1);
    assert_int_equal(sp_log_read_at(log,
                                    topic_index(log, "/raspicam_node/image/"
                                                     "compressed"),
                                    0, &m),
                     SP_OK);
    const uint8_t *p = m.data + 12;
    p += 4 + rd32(p); /* frame_id */
    assert_int_equal(rd32(p), 3);
    assert_memory_equal(p + 4, "jpg", 3);
    p += 7 + 4; /* format, data length */
    assert_int_equal(p[0], 0xFF);
    assert_int_equal(p[1], 0xD8);
    assert_int_equal(topic_named(log, "/raspicam_node/camera_info")->count, 1);
    sp_log_destroy(log);

    log = r1_open(emb, NULL);
    li = sp_log_info_get(log);
    assert_int_equal(li->chunks, 6);
    assert_string_equal(li->compression, "lz4");
    assert_int_equal(topic_named(log, "/luminar_pointcloud")->count, 5);
    assert_int_equal(topic_named(log, "/base_scan")->count, 5);
    assert_int_equal(topic_named(log, "/base_pose_ground_truth")->count, 5);
    assert_int_equal(sp_log_read_at(log, topic_index(log, "/luminar_pointcloud"),
                                    0, &m),
                     SP_OK);
    parse_cloud(&m, &c);
    assert_int_equal(c.width, 35707);
    assert_int_equal(c.point_step, 32);
    assert_string_equal(c.names[6], "laser_id");
    sp_log_destroy(log);
}

static void test_fixtures_match_rosbag(void **state)
{
    (void)state;
    if (!r1_fixtures()) {
        print_message("skipping: /usr/bin/python3 without rosbag\n");
        skip();
    }
    static const char *const comp[] = {"none", "bz2", "lz4"};
    char name[64];
    for (int c = 0; c < 3; c++) {
        snprintf(name, sizeof name, "overlap_%s.bag", comp[c]);
        compare_bag(r1_fixture(name), comp[c]);
        snprintf(name, sizeof name, "tiny_%s.bag", comp[c]);
        compare_bag(r1_fixture(name), comp[c]);
        snprintf(name, sizeof name, "seed_%s.bag", comp[c]);
        compare_bag(r1_fixture(name), comp[c]);
    }
    /* Two connections on /cam are one topic; chunks overlap in time. */
    sp_log *log = r1_open(r1_fixture("overlap_lz4.bag"), NULL);
    assert_int_equal(sp_log_topic_count(log), 3);
    assert_int_equal(topic_named(log, "/cam")->count, 40);
    sp_log_destroy(log);

    compare_bag(r1_fixture("empty.bag"), "none");
    log = r1_open(r1_fixture("empty.bag"), NULL);
    const sp_log_info *li = sp_log_info_get(log);
    assert_int_equal(li->messages, 0);
    assert_int_equal(li->chunks, 0);
    assert_int_equal(li->t_start, 0);
    assert_int_equal(sp_log_topic_count(log), 0);
    sp_log_msg m;
    assert_int_equal(sp_log_next(log, &m), SP_EOS);
    sp_log_destroy(log);
}

/* A copy of fixture @p name with index_pos zeroed (a recording that never
 * wrote its index), or cut at index_pos (@p cut). */
static const char *without_index(const char *name, int cut)
{
    r1_bytes b = r1_read(r1_fixture(name));
    r1_rec r[1];
    assert_int_equal(r1_records(&b, r, 1), 1);
    uint64_t at = r1_field(&b, &r[0], "index_pos");
    assert_true(at > 0);
    uint64_t index_pos = 0;
    for (int k = 0; k < 8; k++)
        index_pos |= (uint64_t)b.p[at + k] << (8 * k);
    if (!cut)
        memset(b.p + at, 0, 8);
    char out[128];
    snprintf(out, sizeof out, "%s_%s", cut ? "cut" : "noindex", name);
    const char *path = iot_tmp(out);
    iot_write(path, b.p, cut ? (size_t)index_pos : b.n);
    free(b.p);
    return path;
}

static void test_unindexed(void **state)
{
    (void)state;
    if (!r1_fixtures()) {
        print_message("skipping: /usr/bin/python3 without rosbag\n");
        skip();
    }
    static const char *const names[] = {"overlap_none.bag", "overlap_bz2.bag",
                                        "overlap_lz4.bag", "tiny_lz4.bag"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        r1_oracle o;
        r1_oracle_load(r1_fixture(names[i]), &o);
        /* index_pos 0: every message by the scan, no error. */
        const char *p = without_index(names[i], 0);
        sp_log *log = r1_open(p, NULL);
        const sp_log_info *li = sp_log_info_get(log);
        assert_int_equal(li->indexed, 0);
        assert_string_equal(li->note, "no index: read by a linear scan");
        check_topics(log, &o);
        r1_expect(log, &o, NULL, o.nm, SP_EOS);
        sp_log_filter f = {.order = SP_LOG_ORDER_FILE};
        assert_int_equal(sp_log_select(log, &f), SP_OK);
        size_t *idx = file_order(&o);
        r1_expect(log, &o, idx, o.nm, SP_EOS);
        free(idx);
        sp_log_destroy(log);

        /* Cut before the index: every message, then the cut. */
        p = without_index(names[i], 1);
        log = r1_open(p, NULL);
        assert_int_equal(sp_log_info_get(log)->indexed, 0);
        assert_non_null(strstr(sp_log_info_get(log)->note, "no index"));
        r1_expect(log, &o, NULL, o.nm, SP_EFORMAT);
        iot_msg_has(p, "truncated", "byte", NULL);
        sp_log_destroy(log);
        sp_log_desc d = {.skip_damaged = 1};
        log = r1_open(p, &d);
        r1_expect(log, &o, NULL, o.nm, SP_EOS);
        char text[1024];
        assert_int_equal(sp_log_skipped(log, text, sizeof text), 1);
        assert_non_null(strstr(text, "truncated"));
        sp_log_destroy(log);
        r1_oracle_free(&o);
    }
}

/* A recording killed with an uncompressed chunk open: rosbag wrote the
 * chunk header with zero sizes, then its records straight into the file,
 * and neither the sizes nor the index. */
static void test_killed_recording(void **state)
{
    (void)state;
    if (!r1_fixtures()) {
        print_message("skipping: /usr/bin/python3 without rosbag\n");
        skip();
    }
    const char *src = r1_fixture("overlap_none.bag");
    r1_oracle o;
    r1_oracle_load(src, &o);
    r1_bytes b = r1_read(src);
    r1_rec r[256];
    size_t n = r1_records(&b, r, 256);
    size_t last = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].op == 0x05)
            last = i;
    assert_true(last > 1);
    memset(b.p + r1_field(&b, &r[0], "index_pos"), 0, 8);
    memset(b.p + r1_field(&b, &r[last], "size"), 0, 4);
    memset(b.p + r[last].data_pos - 4, 0, 4);
    const char *p = iot_tmp("killed.bag");
    iot_write(p, b.p, (size_t)r[last].end); /* no IndexData, no index */
    free(b.p);
    sp_log *log = r1_open(p, NULL);
    assert_int_equal(sp_log_info_get(log)->indexed, 0);
    check_topics(log, &o);
    r1_expect(log, &o, NULL, o.nm, SP_EOS);
    sp_log_destroy(log);
    r1_oracle_free(&o);
}

static size_t select_expect(sp_log *log, const r1_oracle *o,
                            const sp_log_filter *f,
                            int (*keep)(const r1_omsg *, const void *),
                            const void *arg)
{
    size_t *idx = malloc(o->nm * sizeof *idx), n = 0;
    assert_non_null(idx);
    for (size_t i = 0; i < o->nm; i++)
        if (keep(&o->m[i], arg) && (!f->count || n < f->count))
            idx[n++] = i;
    assert_int_equal(sp_log_select(log, f), SP_OK);
    r1_expect(log, o, idx, n, SP_EOS);
    free(idx);
    return n;
}

static int keep_topics(const r1_omsg *m, const void *arg)
{
    for (const char *const *t = arg; *t; t++)
        if (!strcmp(m->topic, *t))
            return 1;
    return 0;
}

typedef struct window {
    int64_t lo, hi;
} window;

static int keep_window(const r1_omsg *m, const void *arg)
{
    const window *w = arg;
    return m->t >= w->lo && m->t <= w->hi;
}

static int keep_all(const r1_omsg *m, const void *arg)
{
    (void)m, (void)arg;
    return 1;
}

static void test_selection(void **state)
{
    (void)state;
    if (!r1_fixtures()) {
        print_message("skipping: /usr/bin/python3 without rosbag\n");
        skip();
    }
    const char *p = r1_fixture("overlap_lz4.bag");
    r1_oracle o;
    r1_oracle_load(p, &o);
    sp_log *log = r1_open(p, NULL);
    static const char *const cam[] = {"/cam", NULL};
    static const char *const c_star[] = {"/cam", "/chatter", NULL};
    static const char *const strings[] = {"/cam", "/chatter", NULL};
    static const char *const points[] = {"/points", NULL};
    sp_log_filter f = {.topics = "/cam"};
    assert_int_equal(select_expect(log, &o, &f, keep_topics, cam), 40);
    f = (sp_log_filter){.topics = "/c*"};
    assert_int_equal(select_expect(log, &o, &f, keep_topics, c_star), 44);
    f = (sp_log_filter){.topics = " /points , /nothing"};
    assert_int_equal(select_expect(log, &o, &f, keep_topics, points), 40);
    f = (sp_log_filter){.types = "std_msgs/msg/String"};
    assert_int_equal(select_expect(log, &o, &f, keep_topics, strings), 44);
    f = (sp_log_filter){.types = "std_msgs/String"};
    assert_int_equal(select_expect(log, &o, &f, keep_topics, strings), 44);
    f = (sp_log_filter){.types = "sensor_msgs/msg/*"};
    assert_int_equal(select_expect(log, &o, &f, keep_topics, points), 40);
    assert_int_equal(sp_log_topic_selected(log, topic_index(log, "/points"),
                                           &f),
                     1);
    assert_int_equal(sp_log_topic_selected(log, topic_index(log, "/cam"), &f),
                     0);

    const sp_log_info *li = sp_log_info_get(log);
    window w = {li->t_start + 1000000000, li->t_start + 2050000000};
    f = (sp_log_filter){.has_start = 1,
                        .start_ns = 1000000000,
                        .has_end = 1,
                        .end_ns = 2050000000};
    size_t n = select_expect(log, &o, &f, keep_window, &w);
    assert_true(n > 10 && n < o.nm);
    f = (sp_log_filter){.count = 5};
    assert_int_equal(select_expect(log, &o, &f, keep_all, NULL), 5);
    f = (sp_log_filter){.has_start = 1, .start_ns = 5, .has_end = 1,
                        .end_ns = 4};
    assert_int_equal(sp_log_select(log, &f), SP_EINVAL);

    /* File order of one topic: its messages by chunk, then offset. */
    f = (sp_log_filter){.topics = "/cam", .order = SP_LOG_ORDER_FILE};
    assert_int_equal(sp_log_select(log, &f), SP_OK);
    size_t *idx = file_order(&o), k = 0;
    for (size_t i = 0; i < o.nm; i++)
        if (!strcmp(o.m[idx[i]].topic, "/cam"))
            idx[k++] = idx[i];
    r1_expect(log, &o, idx, k, SP_EOS);
    free(idx);
    sp_log_destroy(log);
    r1_oracle_free(&o);
}

static void test_read_at(void **state)
{
    (void)state;
    if (!r1_fixtures()) {
        print_message("skipping: /usr/bin/python3 without rosbag\n");
        skip();
    }
    const char *p = r1_fixture("overlap_bz2.bag");
    r1_oracle o;
    r1_oracle_load(p, &o);
    sp_log *log = r1_open(p, NULL);
    sp_log_msg m;
    /* Start next(), then read every message by (topic, index), then
     * next() goes on where it was. */
    assert_int_equal(sp_log_next(log, &m), SP_OK);
    size_t seen[64] = {0};
    for (size_t i = 0; i < o.nm; i++) {
        uint32_t t = topic_index(log, o.m[i].topic);
        assert_int_equal(sp_log_read_at(log, t, seen[t], &m), SP_OK);
        assert_int_equal(m.topic, t);
        assert_int_equal(m.index, seen[t]);
        assert_int_equal(m.log_time, o.m[i].t);
        char sha[41];
        r1_sha1_hex(m.data, m.size, sha);
        assert_string_equal(sha, o.m[i].sha);
        seen[t]++;
    }
    assert_int_equal(sp_log_read_at(log, 0, seen[0], &m), SP_ERANGE);
    assert_int_equal(sp_log_read_at(log, 99, 0, &m), SP_EINVAL);
    size_t rest[256];
    for (size_t i = 1; i < o.nm; i++)
        rest[i - 1] = i;
    r1_expect(log, &o, rest, o.nm - 1, SP_EOS);
    sp_log_destroy(log);
    r1_oracle_free(&o);
}

/* Reading a bag a second time through allocates nothing: chunk and
 * message staging are pool blocks, decoders are kept per thread. */
static void test_no_allocation_per_message(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip(); /* AddressSanitizer owns malloc */
#else
    const char *paths[3] = {iot_data("ros1/embag_test.bag"),
                            iot_data("ros1/sick_rms1000_lms1000_bz2.bag"),
                            r1_fixture("overlap_none.bag")};
    int seen = 0;
    for (int i = 0; i < 3; i++) {
        if (!paths[i])
            continue;
        seen++;
        sp_log *log = r1_open(paths[i], NULL);
        sp_log_msg m;
        size_t n1 = 0, n2 = 0;
        while (sp_log_next(log, &m) == SP_OK)
            n1++;
        sp_log_filter f = {.order = SP_LOG_ORDER_TIME};
        assert_int_equal(sp_log_select(log, &f), SP_OK);
        uint64_t before = sp_test_alloc_calls();
        int rc;
        while ((rc = sp_log_next(log, &m)) == SP_OK)
            n2++;
        uint64_t after = sp_test_alloc_calls();
        assert_int_equal(rc, SP_EOS);
        assert_int_equal(n1, n2);
        if (after != before)
            print_message("%s: %llu allocations reading %zu messages\n",
                          paths[i], (unsigned long long)(after - before), n2);
        assert_int_equal(after - before, 0);
        sp_log_destroy(log);
    }
    if (!seen)
        skip();
#endif
}

/* Opening reads the index only: a bag whose every chunk is corrupt opens
 * (topics, counts, times) and fails at its first message. */
static void test_open_reads_only_index(void **state)
{
    (void)state;
    if (r1_fixtures()) {
        const char *src = r1_fixture("overlap_lz4.bag");
        r1_bytes b = r1_read(src);
        r1_rec r[256];
        size_t n = r1_records(&b, r, 256);
        for (size_t i = 0; i < n; i++)
            if (r[i].op == 0x05)
                memset(b.p + r[i].data_pos, 0xA5, (size_t)r[i].dlen);
        const char *p = iot_tmp("all_chunks_bad.bag");
        iot_write(p, b.p, b.n);
        free(b.p);
        sp_log *log = r1_open(p, NULL);
        assert_int_equal(sp_log_info_get(log)->indexed, 1);
        assert_int_equal(sp_log_info_get(log)->messages, 84);
        assert_int_equal(topic_named(log, "/points")->count, 40);
        sp_log_msg m;
        assert_int_equal(sp_log_next(log, &m), SP_EFORMAT);
        iot_msg_has(p, "lz4", "byte", NULL);
        assert_int_equal(sp_log_next(log, &m), SP_EFORMAT); /* latched */
        sp_log_destroy(log);
    }
    /* How long opening and listing topics takes (reported, not judged:
     * a shared machine). */
    sp_poolmgr *mgr;
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    sp_log_desc d = {.mgr = mgr};
    for (size_t i = 0; i < sizeof real_bags / sizeof real_bags[0]; i++) {
        const char *p = iot_data(real_bags[i]);
        if (!p)
            continue;
        double t0 = now_s();
        sp_log *log = r1_open(p, &d);
        size_t nt = sp_log_topic_count(log);
        double t1 = now_s();
        print_message("open + topics %s: %.3f ms (%zu topics)\n", real_bags[i],
                      (t1 - t0) * 1e3, nt);
        sp_log_destroy(log);
    }
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

static void test_probe(void **state)
{
    (void)state;
    if (!r1_fixtures()) {
        skip();
    }
    r1_bytes b = r1_read(r1_fixture("tiny_none.bag"));
    const char *p = iot_tmp("a_bag_by_any_name.dat");
    iot_write(p, b.p, b.n);
    free(b.p);
    assert_int_equal(sp_log_probe(p), 1);
    sp_log *log = r1_open(p, NULL);
    assert_int_equal(sp_log_info_get(log)->messages, 3);
    sp_log_destroy(log);
    const char *t = iot_tmp("not_a_bag.bag");
    iot_write_str(t, "#ROSBAG V1.2\nsomething else\n");
    assert_int_equal(sp_log_probe(t), 0);
    assert_int_equal(sp_log_open(t, NULL, &log), SP_EUNSUPPORTED);
    assert_null(log);
    assert_int_equal(sp_log_open(iot_tmp("missing.bag"), NULL, &log),
                     SP_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_bags_match_rosbag),
        cmocka_unit_test(test_manifest_facts),
        cmocka_unit_test(test_fixtures_match_rosbag),
        cmocka_unit_test(test_unindexed),
        cmocka_unit_test(test_killed_recording),
        cmocka_unit_test(test_selection),
        cmocka_unit_test(test_read_at),
        cmocka_unit_test(test_no_allocation_per_message),
        cmocka_unit_test(test_open_reads_only_index),
        cmocka_unit_test(test_probe),
    };
    return cmocka_run_group_tests_name("log_ros1", tests, NULL, NULL);
}
