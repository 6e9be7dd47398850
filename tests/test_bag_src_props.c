/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The `bag` source's properties and what it tells the user: topics=
 * (exact names, prefixes), types= (either spelling), start= / end= /
 * count=, streams= on a filter after it (voxel streams=/cloud leaves the
 * radar frames bit-identical), the notes (undecoded topics, dropped fields,
 * zero stamps, skipped damage), damaged bags (cut in a chunk, a corrupt
 * chunk, a message that lies about its size; stop and on_error=skip), and
 * the refusals (a bag given to `bin`, a misspelt topic, a file that is no
 * log). Expected frames come from bag_frames_oracle.py, message positions
 * from ros1_oracle.py (python3-rosbag); skips without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bag_test.h"
#include "ros1_test.h"
#include "sp_iotest.h"

#define ALL_TIME INT64_MIN, INT64_MAX

/* The frames of launch "bag path=PATH PROPS" are exactly the oracle's
 * selected by (topics, t_lo, t_hi, max); returns the closed pipeline. */
static sp_pipeline *run_sel(const char *path, const char *props,
                            const bt_oracle *o, const char *topics,
                            int64_t t_lo, int64_t t_hi, size_t max,
                            size_t expect_n)
{
    size_t *idx = malloc((o->nf + 1) * sizeof *idx);
    assert_non_null(idx);
    size_t n = bt_select(o, topics, 0, t_lo, t_hi, max, idx);
    if (expect_n != SIZE_MAX)
        assert_int_equal(n, expect_n);
    char launch[2048];
    snprintf(launch, sizeof launch, "bag path='%s' %s", path, props);
    sp_pipeline *p = bt_run_expect(launch, o, idx, n, path);
    free(idx);
    return p;
}

static void done(sp_pipeline *p)
{
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* An error from sp_pipeline_create() containing every string given. */
static void create_fails(const char *launch, int status, ...)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc != status)
        fail_msg("%s: %s (%s), expected %s", launch, sp_status_name(rc),
                 rc < 0 ? sp_errmsg() : "", sp_status_name(status));
    assert_null(p);
    va_list ap;
    va_start(ap, status);
    for (const char *s = va_arg(ap, const char *); s;
         s = va_arg(ap, const char *))
        if (!strstr(sp_errmsg(), s))
            fail_msg("%s: message '%s' lacks '%s'", launch, sp_errmsg(), s);
    va_end(ap);
}

static void test_topics_and_types(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_fixture("clouds.bag");
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    done(run_sel(bag, "topics=/dt*", &o, "/dt*", ALL_TIME, SIZE_MAX, 8));
    done(run_sel(bag, "topics=' /be_a , /organised'", &o, "/be_a,/organised",
                 ALL_TIME, SIZE_MAX, 4));
    done(run_sel(bag, "types=sensor_msgs/LaserScan", &o, "/scan", ALL_TIME,
                 SIZE_MAX, 2));
    done(run_sel(bag, "types=sensor_msgs/msg/LaserScan", &o, "/scan", ALL_TIME,
                 SIZE_MAX, 2));
    done(run_sel(bag, "types=sensor_msgs/msg/PointCloud2 topics=/be*,/scan", &o,
                 "/be*", ALL_TIME, SIZE_MAX, 4));
    /* the ROS1 spelling on an MCAP file, whose types are ROS 2's */
    if (!bt_node_unavailable())
        done(run_sel(bt_fixture_mcap("clouds"), "types=sensor_msgs/LaserScan",
                     &o, "/scan", ALL_TIME, SIZE_MAX, 2));
    bt_oracle_free(&o);
}

static void test_start_end_count(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_fixture("clouds.bag");
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    int64_t t0 = INT64_MAX; /* the log's start: its earliest message */
    for (size_t i = 0; i < o.nf; i++)
        t0 = o.f[i].log_time < t0 ? o.f[i].log_time : t0;
    const int64_t s = 100000000, e = 300000000;
    done(run_sel(bag, "start=0.1 end=0.3", &o, NULL, t0 + s, t0 + e, SIZE_MAX,
                 SIZE_MAX));
    done(run_sel(bag, "start=0.45", &o, NULL, t0 + 450000000, INT64_MAX,
                 SIZE_MAX, SIZE_MAX));
    /* times with a unit (props.c): the same selection */
    done(run_sel(bag, "start=100ms end=300000us", &o, NULL, t0 + s, t0 + e,
                 SIZE_MAX, SIZE_MAX));
    done(run_sel(bag, "end=0.05", &o, NULL, INT64_MIN, t0 + 50000000, SIZE_MAX,
                 SIZE_MAX));
    done(run_sel(bag, "count=5", &o, NULL, ALL_TIME, 5, 5));
    done(run_sel(bag, "start=0.05 count=3 topics=/padded,/mapped,/extra", &o,
                 "/padded,/mapped,/extra", t0 + 50000000, INT64_MAX, 3, 3));
    char launch[1200];
    snprintf(launch, sizeof launch, "bag path='%s' start=0.3 end=0.1", bag);
    create_fails(launch, SP_EINVAL, "stage 'bag'", NULL);
    /* a window past every message: refused, where the messages lie named
     * (not a run of no frames that exits 0) */
    snprintf(launch, sizeof launch, "bag path='%s' start=1000", bag);
    create_fails(launch, SP_ENOTFOUND, "stage 'bag'",
                 "start=1000 selects no message, expected a window holding "
                 "one of the selected topics' messages (they lie from 0.000 "
                 "s to ",
                 NULL);
    snprintf(launch, sizeof launch, "bag path='%s' start=2min end=3min", bag);
    create_fails(launch, SP_ENOTFOUND, "start=2min end=3min selects no", NULL);
    bt_oracle_free(&o);
}

/* voxel streams=/cloud thins the lidar's clouds and hands every other
 * stream on untouched: the radar clouds and scans equal the oracle's bit
 * for bit, the /cloud frames equal voxel's output on /cloud alone. */
static void test_streams_on_voxel(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_real("sick_rms1000_lms1000_bz2.bag");
    if (!bag)
        skip();
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    char launch[1400];
    snprintf(launch, sizeof launch,
             "bag path='%s' ! voxel leaf=0.5 "
             "streams=/cloud",
             bag);
    sp_pipeline *p = bt_create(launch);
    snprintf(launch, sizeof launch,
             "bag path='%s' topics=/cloud ! voxel "
             "leaf=0.5",
             bag);
    sp_pipeline *q = bt_create(launch);
    uint64_t seq[8] = {0};
    const char *names[8];
    size_t nn = 0, thinned = 0, others = 0;
    for (size_t i = 0; i < o.nf; i++) {
        const bt_frame *e = &o.f[i];
        sp_frame *f = NULL;
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        size_t k = 0;
        while (k < nn && strcmp(names[k], e->topic))
            k++;
        if (k == nn)
            names[nn++] = e->topic;
        if (strcmp(e->topic, "/cloud") != 0) {
            bt_check_frame(f, &o, e, seq[k]++, bag);
            others++;
        } else {
            sp_frame *g = NULL;
            assert_int_equal(sp_pipeline_pull(q, &g), SP_OK);
            assert_string_equal(f->stream, "/cloud");
            assert_int_equal(f->seq, seq[k]++);
            const sp_points *a = &f->u.points, *b = &g->u.points;
            assert_int_equal(a->count, b->count);
            assert_memory_equal(a->x, b->x, a->count * 4);
            assert_memory_equal(a->y, b->y, a->count * 4);
            assert_memory_equal(a->z, b->z, a->count * 4);
            assert_memory_equal(a->intensity, b->intensity, a->count * 4);
            thinned += a->count < e->n;
            sp_frame_unref(g);
        }
        sp_frame_unref(f);
    }
    sp_frame *f = NULL;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    assert_int_equal(sp_pipeline_pull(q, &f), SP_EOS);
    assert_int_equal(others, 139 + 108 + 89);
    assert_true(thinned > 80); /* voxel did thin the lidar's clouds */
    done(p);
    done(q);
    bt_oracle_free(&o);
}

static void test_notes(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    char launch[1400];
    snprintf(launch, sizeof launch, "bag path='%s' ! null",
             bt_fixture("clouds.bag"));
    sp_pipeline *p = bt_create(launch);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    sp_pipeline_close(p);
    bt_note_has(p, "stage 'bag': messages not decoded",
                "left out: /chatter (std_msgs/String, 3)", NULL);
    /* rgb, normal (count 3) and label are kept as extras; a second x
     * cannot be */
    bt_note_has(p,
                "topic /extra: PointCloud2 fields x (duplicate) are not "
                "kept",
                NULL);
    assert_null(bt_note(p, "/mapped"));
    bt_note_has(p,
                "topic /zero_stamp: a header stamp of 0: the message is "
                "timed by its log time",
                NULL);
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        uint64_t times = 0;
        const char *t = sp_pipeline_note(p, i, &times);
        if (strstr(t, "/zero_stamp: a header stamp"))
            assert_int_equal(times, 1); /* the fixture's one message */
    }
    assert_null(bt_note(p, "/dt1"));
    done(p);
    /* the extras themselves: their types, kinds and values */
    snprintf(launch, sizeof launch, "bag path='%s'", bt_fixture("clouds.bag"));
    p = bt_create(launch);
    sp_frame *f = NULL;
    int extra_frames = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        if (strstr(f->stream, "extra") && f->payload == SP_PAYLOAD_POINTS) {
            const sp_points *q = &f->u.points;
            sp_points_extra *rgb = sp_points_extra_find(q, "rgb");
            sp_points_extra *nrm = sp_points_extra_find(q, "normal");
            sp_points_extra *lab = sp_points_extra_find(q, "label");
            assert_true(rgb && nrm && lab);
            assert_int_equal(rgb->field.kind, SP_FIELD_COLOR);
            assert_int_equal(nrm->field.count, 3);
            assert_int_equal(lab->field.type, SP_FIELD_U32);
            assert_int_equal(lab->field.kind, SP_FIELD_LABEL);
            for (size_t i = 0; i < q->count; i++) {
                uint32_t l;
                float r;
                memcpy(&l, (uint8_t *)lab->data + 4 * i, 4);
                memcpy(&r, (uint8_t *)rgb->data + 4 * i, 4);
                assert_true(l < 9 && r >= 0 && r < 1);
            }
            extra_frames++;
        }
        if (strstr(f->stream, "mapped") && f->payload == SP_PAYLOAD_POINTS) {
            sp_points_extra *ch = sp_points_extra_find(&f->u.points, "channel");
            assert_non_null(ch);
            assert_int_equal(ch->field.type, SP_FIELD_U16);
            for (size_t i = 0; i < f->u.points.count; i++) {
                uint16_t v;
                memcpy(&v, (uint8_t *)ch->data + 2 * i, 2);
                assert_true(v >= 64 && v < 128);
            }
        }
        sp_frame_unref(f);
    }
    assert_true(extra_frames > 0);
    done(p);
    /* Many undecoded topics: the list is cut whole, with a count, inside
     * the note's room (it used to be cut mid-name by the note's size). */
    const char *sick = iot_data("ros1/sick_rms1000_lms1000_bz2.bag");
    if (sick) {
        snprintf(launch, sizeof launch, "bag path='%s' count=1", sick);
        p = bt_create(launch);
        const char *t = bt_note(p, "messages not decoded");
        assert_non_null(t);
        assert_true(strlen(t) < SP_PIPELINE_NOTE_MAX - 1);
        size_t n = strlen(t);
        assert_true(n > 11 &&
                    (!strcmp(t + n - 11, "more topics") || t[n - 1] == ')'));
        done(p);
    }
    /* calib=false: CameraInfo is not used, which is no "not decoded" */
    const char *ub = iot_data("ros1/ubiquity_aruco_marker_jpeg.bag");
    if (ub) {
        snprintf(launch, sizeof launch, "bag path='%s' calib=false", ub);
        p = bt_create(launch);
        assert_null(bt_note(p, "not decoded"));
        done(p);
    }
}

/* many.bag: 120 clouds in 6 lz4 chunks, in time order. */
static void damaged(void **state, int corrupt)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_fixture("many.bag");
    r1_oracle ro;
    r1_oracle_load(bag, &ro);
    bt_oracle o;
    bt_oracle_load(bag, NULL, &o);
    assert_int_equal(ro.nm, 120);
    /* the third chunk's position and the file's bytes */
    uint64_t chunks[16];
    size_t nc = 0;
    for (size_t i = 0; i < ro.nm; i++)
        if (nc == 0 || chunks[nc - 1] != ro.m[i].chunk_pos)
            chunks[nc++] = ro.m[i].chunk_pos;
    assert_int_equal(nc, 6);
    r1_bytes b = r1_read(bag);
    uint64_t at = chunks[2], next = chunks[3];
    const char *path = iot_tmp(corrupt ? "corrupt.bag" : "cut.bag");
    if (corrupt) {
        memset(b.p + (at + next) / 2, 0xff, 4); /* inside its lz4 data */
        iot_write(path, b.p, b.n);
    } else {
        iot_write(path, b.p, (at + next) / 2); /* cut in the middle of it */
    }
    free(b.p);
    size_t idx[120], before = 0, n = 0;
    for (size_t i = 0; i < 120; i++) {
        if (ro.m[i].chunk_pos < at)
            before++;
        if (ro.m[i].chunk_pos != at && (corrupt || ro.m[i].chunk_pos < at))
            idx[n++] = i;
    }
    assert_true(before > 0 && before < 120 && n >= before);
    char launch[1400], where[64];
    snprintf(where, sizeof where, "byte %llu", (unsigned long long)at);
    /* stop: the frames before the damage, then the error naming the file
     * and the chunk's offset */
    snprintf(launch, sizeof launch, "bag path='%s'", path);
    sp_pipeline *p = bt_create(launch);
    bt_expect(p, &o, idx, before, path, SP_EFORMAT);
    iot_msg_has("stage 'bag'", path, where, corrupt ? "lz4 frame" : "cut off",
                NULL);
    /* Bytes overwritten inside the compressed data: the blocks may still
     * decode, and the frame's content checksum then tells. */
    if (corrupt && !strstr(sp_errmsg(), "checksum does not match") &&
        !strstr(sp_errmsg(), "corrupt"))
        fail_msg("corrupt chunk: %s", sp_errmsg());
    done(p);
    /* skip: everything else, and a note saying what was skipped */
    snprintf(launch, sizeof launch, "bag path='%s' on_error=skip", path);
    p = bt_run_expect(launch, &o, idx, n, path);
    bt_note_has(p, "1 damaged place skipped: ", path, where, NULL);
    assert_null(bt_note(p, "skipped: skipped"));
    done(p);
    bt_oracle_free(&o);
    r1_oracle_free(&ro);
}

static void test_cut_in_a_chunk(void **state)
{
    damaged(state, 0);
}

static void test_corrupt_chunk(void **state)
{
    damaged(state, 1);
}

/* Messages that lie or hold what no frame can: the error names the file,
 * the byte, the topic and the message; on_error=skip goes on and counts. */
static void bad_topic(const char *bag, const char *topic, size_t good,
                      size_t bad, const char *msg)
{
    char launch[1400];
    snprintf(launch, sizeof launch, "bag path='%s' topics=%s", bag, topic);
    sp_pipeline *p = bt_create(launch);
    sp_frame *f = NULL;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EFORMAT);
    char where[160];
    snprintf(where, sizeof where, "topic %s, message 1: ", topic);
    iot_msg_has("stage 'bag': ", bag, ": byte ", where, msg, NULL);
    done(p);
    snprintf(launch, sizeof launch, "bag path='%s' topics=%s on_error=skip",
             bag, topic);
    p = bt_create(launch);
    size_t n;
    assert_int_equal(bt_drain(p, &n), SP_EOS);
    assert_int_equal(n, good);
    sp_pipeline_stats s;
    assert_int_equal(sp_pipeline_stats_get(p, &s), SP_OK);
    assert_int_equal(s.stages[0].skipped, bad);
    sp_pipeline_close(p);
    bt_note_has(p, "skipped: ", where, msg, NULL);
    done(p);
}

static void test_bad_messages(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_fixture("bad.bag");
    bad_topic(bag, "/points", 2, 1,
              "PointCloud2: row_step 160 x height 1 is 160 bytes, but data "
              "holds 100");
    /* 0x0, then a yuv422 image of odd width: the message's fault
     * (SP_EFORMAT, skipped), not a failed allocation (it was SP_EINVAL
     * from sp_frame_create_image, which on_error=skip did not skip) */
    bad_topic(bag, "/cam", 2, 2, "Image: 0x0 rgb8, expected a non-empty image");
    /* a JPEG whose data libjpeg first warns about, then fails on: an error
     * (TurboJPEG's error code called it a warning, and the frame passed as
     * decoded) */
    bad_topic(bag, "/cam/compressed", 2, 1,
              "Unsupported marker type 0x5a, expected a decodable JPEG");
}

static void test_refusals(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *bag = bt_fixture("clouds.bag");
    char launch[1400];
    snprintf(launch, sizeof launch, "bin path='%s' ! null", bag);
    create_fails(launch, SP_EFORMAT, "stage 'bin'", "is a ROS1 bag",
                 "bag path=", NULL);
    snprintf(launch, sizeof launch, "bag path='%s' topics=/dt1,/dt9", bag);
    create_fails(launch, SP_ENOTFOUND, "stage 'bag'", bag,
                 "topics: '/dt9' is not a topic of the log", "/organised",
                 NULL);
    /* a near miss gets the topic it is near */
    snprintf(launch, sizeof launch, "bag path='%s' topics=/organsed", bag);
    create_fails(launch, SP_ENOTFOUND,
                 "topics: '/organsed' is not a topic of the log, did you "
                 "mean '/organised'? (its ",
                 NULL);
    snprintf(launch, sizeof launch, "bag path='%s' topics=/camera/*", bag);
    create_fails(launch, SP_ENOTFOUND,
                 "topics: '/camera/*' matches no topic of the log", NULL);
    /* a topic of a type not decoded, alone: nothing to read */
    snprintf(launch, sizeof launch, "bag path='%s' topics=/chatter", bag);
    create_fails(launch, SP_ENOTFOUND, "no topic to read", "sensorpipe info",
                 NULL);
    const char *txt = iot_tmp("notes.txt");
    iot_write_str(txt, "these are not the bags you are looking for\n");
    snprintf(launch, sizeof launch, "bag path='%s'", txt);
    create_fails(launch, SP_EUNSUPPORTED, "stage 'bag'", txt,
                 "unknown kind of file", "expected ROS1 bag", NULL);
    snprintf(launch, sizeof launch, "bag path='%s'", iot_tmp("absent.bag"));
    create_fails(launch, SP_ENOTFOUND, "absent.bag: no such file", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topics_and_types),
        cmocka_unit_test(test_start_end_count),
        cmocka_unit_test(test_streams_on_voxel),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_cut_in_a_chunk),
        cmocka_unit_test(test_corrupt_chunk),
        cmocka_unit_test(test_bad_messages),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
