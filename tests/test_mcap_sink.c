/* ctest-label: io */
/* ctest-timeout: 300 */
/* The `mcap` sink: synth frames written in every compression with a topic
 * prefix and small chunks, and with every default, read back by the
 * reference reader (tests/oracles/mcap_dump.mjs) and compared line by line
 * with the frames that went through; a source that ends at once; an
 * unwritable path refused at create, a missing folder made; a tensor frame
 * and an upstream error remove the file; a stopped or early-destroyed
 * pipeline keeps a valid file; no heap allocation per frame after warm-up.
 * Without node or
 * tests/oracles/node_modules the reading checks skip with that reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    char topic[512];
    snprintf(topic, sizeof topic, "%s%s%s", prefix,
             f->stream[0] == '/' ? "" : "/", f->stream);
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
    const char *dir = mo_fresh_dir("mcap_sink");
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
            assert_false(mo_exists(path));
        }
        assert_int_equal(rc, SP_EOS);
        assert_int_equal(n, 10);
        /* finished at the end of the stream, before destroy */
        assert_true(mo_exists(path));
        mo_ok(sp_pipeline_destroy(p));
        assert_int_equal(mo_count_files(dir), (size_t)c + 1);
        if (!why) {
            mo_dump d;
            mo_run_ok(&d, path, "");
            const char *h = mo_value(&d, "header");
            assert_non_null(h);
            assert_true(strncmp(h,
                                "{\"profile\":\"ros2\",\"library\":"
                                "\"sensorpipe ",
                                39) == 0);
            mo_want_value(&d, "crc",
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
            mo_all_have(&d, "chunks", want, "\"index\":\"ok\"", NULL);
            assert_non_null(strstr(mo_value(&d, "stream"),
                                   "\"messages\":10,\"done\":true,"
                                   "\"same_as_indexed\":true"));
            mo_want_messages(&d, lines, n);
            mo_free(&d);
        }
        for (size_t i = 0; i < n; i++)
            mo_str_free(&lines[i]);
    }
    if (why)
        mo_skip(why);
}

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
    const char *dir = mo_fresh_dir("mcap_sink_err");
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
    snprintf(launch, sizeof launch, "synth ! mcap path=%s/a/x.mcap", file);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_EIO);
    iot_msg_has("plain/a/x.mcap", strerror(ENOTDIR), NULL);
    /* a missing folder is made, as the dir= sinks make theirs */
    snprintf(path, sizeof path, "%s/new/er/x.mcap", dir);
    snprintf(launch, sizeof launch, "synth frames=1 ! mcap path=%s", path);
    p = make(launch);
    mo_ok(sp_pipeline_run(p));
    mo_ok(sp_pipeline_destroy(p));
    assert_true(mo_exists(path));
    assert_int_equal(remove(path), 0);
    snprintf(path, sizeof path, "%s/new/er", dir);
    assert_int_equal(remove(path), 0);
    snprintf(path, sizeof path, "%s/new", dir);
    assert_int_equal(remove(path), 0);
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
    mo_ok(sp_pipeline_destroy(p));
    assert_false(mo_exists(path));

    /* an upstream error: the file is removed */
    snprintf(path, sizeof path, "%s/failed.mcap", dir);
    snprintf(launch, sizeof launch, "test_failing ! mcap path=%s", path);
    p = make(launch);
    assert_int_equal(sp_pipeline_run(p), SP_EFORMAT);
    iot_msg_has("broken input", NULL);
    mo_ok(sp_pipeline_destroy(p));
    assert_false(mo_exists(path));
    assert_int_equal(mo_count_files(dir), 1); /* "plain" */
}

/* A pipeline stopped before the end keeps a valid file of the frames
 * written so far; so does one destroyed while running. */
static void test_sink_stop(void **state)
{
    (void)state;
    const char *why = mo_unavailable();
    const char *dir = mo_fresh_dir("mcap_stop");
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
            mo_ok(sp_pipeline_pull(p, &f));
            sp_frame_unref(f);
        }
        if (stop)
            sp_pipeline_stop(p);
        assert_false(mo_exists(path));
        mo_ok(sp_pipeline_destroy(p));
        assert_true(mo_exists(path));
        if (why)
            continue;
        mo_dump d;
        mo_run_ok(&d, path, "");
        size_t n;
        assert_non_null(mo_list(&d, "messages", &n));
        assert_int_equal(n, 3);
        mo_want_value(&d, "crc",
                      "{\"summary\":\"checked\",\"data_section\":"
                      "\"ok\",\"chunks\":\"checked\"}");
        mo_free(&d);
    }
    assert_int_equal(mo_count_files(dir), 2);
    if (why)
        mo_skip(why);
}

/* A source that ends at once gives a valid MCAP with no message. */
static void test_sink_empty(void **state)
{
    (void)state;
    const char *dir = mo_fresh_dir("mcap_sink_empty");
    char path[1024], launch[1200];
    snprintf(path, sizeof path, "%s/empty.mcap", dir);
    snprintf(launch, sizeof launch, "synth frames=0 ! mcap path=%s", path);
    sp_pipeline *p = make(launch);
    mo_ok(sp_pipeline_run(p));
    mo_ok(sp_pipeline_destroy(p));
    assert_int_equal(mo_count_files(dir), 1);
    const char *why = mo_unavailable();
    if (why)
        mo_skip(why);
    mo_dump d;
    mo_run_ok(&d, path, "");
    size_t n;
    assert_non_null(mo_list(&d, "messages", &n));
    assert_int_equal(n, 0);
    assert_non_null(mo_list(&d, "channels", &n));
    assert_int_equal(n, 0);
    mo_free(&d);
}

/* Serializing into the staging block and writing allocate nothing from
 * the heap after the pipeline's warm-up frames. */
static void test_sink_no_alloc_after_warmup(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip();
#else
    if (!sp_test_alloc_available()) {
        print_message("allocations are not counted in this build\n");
        skip();
    }
    const char *dir = mo_fresh_dir("mcap_sink_alloc");
    char launch[1200];
    snprintf(launch, sizeof launch,
             "synth frames=20 width=256 height=128 ! mcap path=%s/sink.mcap "
             "chunk_kb=64",
             dir);
    sp_pipeline_stats ps =
        sp_test_alloc_run(launch, &(sp_pipeline_opts){.warmup_frames = 8});
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
        cmocka_unit_test(test_sink_roundtrip),
        cmocka_unit_test(test_sink_empty),
        cmocka_unit_test(test_sink_errors),
        cmocka_unit_test(test_sink_stop),
        cmocka_unit_test(test_sink_no_alloc_after_warmup),
    };
    return cmocka_run_group_tests_name("mcap_sink", tests, setup, NULL);
}
