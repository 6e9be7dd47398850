/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* The `bag` source feeding the `mcap` sink: `bag path=in.bag ! mcap
 * path=out.mcap`, then out.mcap read back by sensorpipe (`bag
 * path=out.mcap`: every frame equal to the oracle's frame of the input, bit
 * for bit, timed by its header stamp) and by the reference reader
 * (tests/oracles/mcap_dump.mjs, @mcap/core: every message decoded as
 * sensorpipe decoded it). Then the CLI interrupted by SIGINT in the middle
 * of such a run (exit 130, a note saying how many messages out.mcap keeps,
 * a valid file holding exactly that many, no temporary file left), and no
 * heap allocation per frame after warm-up in `bag ! voxel ! null`. Skips
 * without python3-rosbag / numpy, node and its modules, the data, or (for
 * the allocation count) under AddressSanitizer. */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bag_test.h"
#include "mcap_oracle.h"
#include "rosmsg_oracle.h"
#include "sp_alloc_counter.h"
#include "sp_iotest.h"
#include "sp_rosmsg_write.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The MCAP channel id of @p topic in the dump. */
static unsigned channel_of(const mo_dump *d, const char *topic)
{
    size_t n;
    char **l = mo_list(d, "channels", &n);
    assert_non_null(l);
    char key[256];
    snprintf(key, sizeof key, "\"topic\":\"%s\"", topic);
    for (size_t i = 0; i < n; i++) {
        unsigned id;
        if (strstr(l[i], key) && sscanf(l[i], "{\"id\":%u", &id) == 1)
            return id;
    }
    fail_msg("no channel for %s", topic);
    return 0;
}

/* in -> out.mcap -> frames: each the oracle's (stamp as log time, index
 * and seq in the topic, no calibration, not organised), and the reference
 * reader's messages exactly what those frames say. */
static void round_trip(const char *in, const char *name, size_t want)
{
    bt_oracle o;
    bt_oracle_load(in, NULL, &o);
    assert_int_equal(o.nf, want);
    char out[1100], launch[2400];
    snprintf(out, sizeof out, "%s", iot_tmp(name));
    unlink(out);
    snprintf(launch, sizeof launch, "bag path='%s' ! mcap path='%s'", in, out);
    sp_pipeline *p = bt_create(launch);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    mo_dump d;
    mo_run_ok(&d, out, "--max-points 64");
    mo_str *lines = calloc(want, sizeof *lines);
    assert_non_null(lines);
    snprintf(launch, sizeof launch, "bag path='%s'", out);
    p = bt_create(launch);
    size_t n = 0;
    for (;; n++) {
        sp_frame *f = NULL;
        int rc = sp_pipeline_pull(p, &f);
        if (rc == SP_EOS)
            break;
        if (rc != SP_OK)
            fail_msg("%s: %s", out, sp_errmsg());
        assert_true(n < want);
        /* the seq-th frame of its topic in the input */
        const bt_frame *e = NULL;
        for (size_t i = 0, k = 0; i < o.nf && !e; i++)
            if (!strcmp(o.f[i].topic, f->stream) && k++ == f->seq)
                e = &o.f[i];
        assert_non_null(e);
        bt_frame e2 = *e;
        e2.stamp = e2.log_time = e->stamp ? e->stamp : e->log_time;
        e2.index = f->seq;
        e2.height = 0;
        snprintf(e2.calib, sizeof e2.calib, "-");
        bt_check_frame(f, &o, &e2, f->seq, out);
        mo_msg m = {.topic = f->stream,
                    .channel = channel_of(&d, f->stream),
                    .sequence = (uint32_t)f->seq,
                    .log_time = (uint64_t)e2.stamp,
                    .publish_time = (uint64_t)e2.stamp,
                    .stamp_ns = e2.stamp,
                    .frame_id = f->stream + 1};
        if (f->payload == SP_PAYLOAD_POINTS)
            mo_expect_pc2(&lines[n], &m, &f->u.points, 64);
        else
            mo_expect_image(&lines[n], &m, &f->u.image,
                            sp_rosmsg_image_encoding(f->u.image.format));
        sp_frame_unref(f);
    }
    assert_int_equal(n, want);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* The reference reader lists messages in log-time order, ties in its
     * own order: compare as sorted sets (each line names topic and
     * sequence, so none can stand for another). */
    size_t got;
    char **l = mo_list(&d, "messages", &got);
    assert_non_null(l);
    assert_int_equal(got, want);
    char **a = malloc(want * sizeof *a), **b = malloc(want * sizeof *b);
    assert_true(a && b);
    for (size_t i = 0; i < want; i++)
        a[i] = l[i], b[i] = lines[i].s;
    qsort(a, want, sizeof *a, cmp_str);
    qsort(b, want, sizeof *b, cmp_str);
    for (size_t i = 0; i < want; i++)
        if (strcmp(a[i], b[i]))
            fail_msg("%s: message lines differ:\n ref %s\nwant %s", out, a[i],
                     b[i]);
    char count[48];
    snprintf(count, sizeof count, "\"message_count\":\"%zu\"", want);
    assert_non_null(strstr(mo_value(&d, "statistics"), count));
    free(a);
    free(b);
    for (size_t i = 0; i < want; i++)
        mo_str_free(&lines[i]);
    free(lines);
    mo_free(&d);
    bt_oracle_free(&o);
}

static void test_round_trip_sick(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    const char *bag = bt_real("sick_rms1000_lms1000_bz2.bag");
    if (!bag)
        skip();
    round_trip(bag, "sick.mcap", 89 + 139 + 108 + 89);
}

/* Every image encoding of the fixture, and the real JPEG as rgb8. */
static void test_round_trip_images(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    round_trip(bt_fixture("images.bag"), "images.mcap", 26);
    const char *jpeg = bt_real("ubiquity_aruco_marker_jpeg.bag");
    if (jpeg)
        round_trip(jpeg, "ubiquity.mcap", 1);
}

/* The size of the first temporary file in @p dir, or -1 when there is
 * none. */
static long long tmp_size(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    long long size = -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && size < 0) {
        if (!strstr(e->d_name, ".tmp."))
            continue;
        char p[2048];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0)
            size = (long long)st.st_size;
    }
    closedir(d);
    return size;
}

/* `sensorpipe run` stopped by SIGINT once out.mcap has its first messages:
 * 200 one-colour images, each resized to 2400x1800 (about 15 ms of work a
 * frame, so the run lasts seconds, yet compresses to little), through a
 * queue into the mcap sink. */
static void test_cli_interrupt(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    BT_NEED_NODE();
    const char *bin = getenv("SP_TEST_BINARY_DIR");
    char exe[1024];
    snprintf(exe, sizeof exe, "%s/cli/sensorpipe", bin ? bin : ".");
    if (access(exe, X_OK) != 0) {
        print_message("skipped: %s not built\n", exe);
        skip();
    }
    char dir[1100], out[1200], log[1100], launch[2600];
    snprintf(dir, sizeof dir, "%s", mo_fresh_dir("interrupt"));
    snprintf(out, sizeof out, "%s/out.mcap", dir);
    snprintf(log, sizeof log, "%s", iot_tmp("interrupt.log"));
    snprintf(launch, sizeof launch,
             "bag path='%s' ! resize width=2400 height=1800 ! queue depth=2 "
             "! mcap path='%s'",
             bt_fixture("frames.bag"), out);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(log, "w", stderr))
            _exit(126);
        execl(exe, exe, "run", launch, (char *)NULL);
        _exit(127);
    }
    /* The sink creates its temporary file at the start (empty, then the
     * MCAP header) and adds a chunk per message (each is over chunk_kb):
     * once it has grown past the first size seen with bytes in it, a
     * message is in it. */
    long long first = 0, now = -1;
    for (int i = 0; i < 20000; i++) {
        now = tmp_size(dir);
        if (first <= 0)
            first = now;
        else if (now > first)
            break;
        struct timespec tick = {0, 1000000};
        nanosleep(&tick, NULL);
    }
    assert_true(now > first && first > 0);
    kill(pid, SIGINT);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    char *text = ro_read_text(log);
    assert_non_null(text);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 130)
        fail_msg("exit status %d, expected 130: %s", st, text);
    const char *note = strstr(text, "interrupted: ");
    assert_non_null(note);
    unsigned long long n = 0;
    char fmt[1400];
    snprintf(fmt, sizeof fmt,
             "interrupted: %s finished with the %%llu "
             "messages written before the stop",
             out);
    if (sscanf(note, fmt, &n) != 1)
        fail_msg("note: %s", note);
    print_message("stopped after %llu of 200 frames\n", n);
    assert_true(n >= 1 && n < 200);
    /* a valid file with exactly those messages, nothing left behind */
    mo_dump d;
    mo_run_ok(&d, out, "--max-points 0");
    char want[64];
    snprintf(want, sizeof want, "\"message_count\":\"%llu\"", n);
    assert_non_null(strstr(mo_value(&d, "statistics"), want));
    snprintf(want, sizeof want, "{\"messages\":%llu,", n);
    assert_non_null(strstr(mo_value(&d, "stream"), want));
    size_t k;
    assert_non_null(mo_list(&d, "messages", &k));
    assert_int_equal(k, n);
    mo_all_have(&d, "messages", "\"topic\":\"/cam/image_raw\"",
                "\"width\":2400", "\"height\":1800", NULL);
    mo_free(&d);
    assert_int_equal(mo_count_files(dir), 1);
    free(text);
}

/* After warm-up, reading a bag (lz4 chunks decompressed into pool blocks),
 * decoding each cloud (unpack kernel), voxel and the sink allocate nothing
 * per frame; with a queue, a pool may still add a block (one header
 * allocation each) when more frames than ever are in flight, bounded as in
 * test_pipeline_alloc.c, never more. The
 * warm-up spans the first two of the six chunks (20 clouds each): the log
 * takes its second staging block when it reaches the second chunk, once. */
static void test_no_allocation_per_frame(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
#ifdef SP_TEST_ASAN
    print_message("skipped: AddressSanitizer replaces malloc, so this "
                  "program cannot count allocator calls\n");
    skip();
#else
    const char *bag = bt_fixture("many.bag");
    static const char *const fmts[] = {
        "bag path='%s' ! voxel leaf=0.5 ! null",
        "bag path='%s' order=file ! queue depth=2 ! voxel leaf=0.5 ! null",
    };
    for (int i = 0; i < 2; i++) {
        char launch[1400];
        snprintf(launch, sizeof launch, fmts[i], bag);
        sp_pipeline_stats s =
            sp_test_alloc_run(launch, &(sp_pipeline_opts){.warmup_frames = 45});
        assert_int_equal(s.frames, 120);
        assert_int_equal(s.frames_after_warmup, 75);
        print_message("%s: %llu allocations after warm-up (%llu pool "
                      "blocks added)\n",
                      fmts[i], (unsigned long long)s.heap_allocs_after_warmup,
                      (unsigned long long)s.pool_grows_after_warmup);
        if (s.heap_allocs_after_warmup != s.pool_grows_after_warmup ||
            s.pool_grows_after_warmup > (i ? 16u : 0u))
            fail_msg("%s: %llu heap allocations after warm-up, %llu of them "
                     "pool blocks",
                     launch, (unsigned long long)s.heap_allocs_after_warmup,
                     (unsigned long long)s.pool_grows_after_warmup);
    }
#endif
}

/* The same for a camera's JPEGs (jpegs.bag: 60 CompressedImage, sequential
 * and progressive in turn): libjpeg's memory comes from the decoder's
 * arenas, so after warm-up decoding a frame allocates nothing (TurboJPEG's
 * own manager made 8-10 heap allocations a frame). */
static void test_no_allocation_per_jpeg_frame(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
#ifdef SP_TEST_ASAN
    print_message("skipped: AddressSanitizer replaces malloc, so this "
                  "program cannot count allocator calls\n");
    skip();
#else
    const char *bag = bt_fixture("jpegs.bag");
    char launch[1400];
    snprintf(launch, sizeof launch,
             "bag path='%s' ! resize width=160 "
             "height=120 ! null",
             bag);
    sp_pipeline_stats s =
        sp_test_alloc_run(launch, &(sp_pipeline_opts){.warmup_frames = 10});
    assert_int_equal(s.frames, 60);
    assert_int_equal(s.frames_after_warmup, 50);
    if (s.heap_allocs_after_warmup != 0)
        fail_msg("%s: %llu heap allocations in the 50 frames after warm-up "
                 "(%llu pool blocks added)",
                 launch, (unsigned long long)s.heap_allocs_after_warmup,
                 (unsigned long long)s.pool_grows_after_warmup);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_sick),
        cmocka_unit_test(test_round_trip_images),
        cmocka_unit_test(test_cli_interrupt),
        cmocka_unit_test(test_no_allocation_per_frame),
        cmocka_unit_test(test_no_allocation_per_jpeg_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
