/* ctest-label: io */
/* ctest-timeout: 120 */
/* The file sinks name each file after the frame's input (sink_int.h):
 * 000134.bin -> 000134.npy, frame_20121214T142255.814212.pcd -> the same
 * stem, x.pcd.bin -> x, a raw file of several frames -> <file>_<index>, a
 * bag message -> <topic path>/<header stamp in ns>; name=seq keeps the
 * numbering, name=stamp uses the timestamp; two frames of one run that
 * would get the same file are an error naming both, in every file sink
 * (npy, png, pcd, kittibin). Real inputs where the shared data has them
 * (KITTI, PCL's scans, a ROS1 bag), a test source for the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "rosmsg_oracle.h"
#include "sp_iotest.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

/* ---- a source whose frames say where they came from ---- */

typedef struct nsrc {
    uint64_t n;
} nsrc;

static const sp_prop_spec nsrc_props[] = {
    {.name = "frames", .type = SP_PROP_INT, .def = "3", .min = 0, .max = 1e6},
    {.name = "origin", .type = SP_PROP_STRING, .def = ""},
    {.name = "kind",
     .type = SP_PROP_ENUM,
     .def = "file",
     .choices = "file|item|log"},
    {.name = "stream", .type = SP_PROP_STRING, .def = "lidar"},
    /* frame i is timed t0 + i * step, except that frame dup repeats the
     * time of frame dup - 1 */
    {.name = "t0",
     .type = SP_PROP_INT,
     .def = "1000",
     .min = -9e18,
     .max = 9e18},
    {.name = "step", .type = SP_PROP_INT, .def = "100", .min = 0, .max = 1e12},
    {.name = "dup", .type = SP_PROP_INT, .def = "0", .min = 0, .max = 1e6},
    {.name = "image", .type = SP_PROP_BOOL, .def = "false"},
};

static int nsrc_pull(sp_stage *st, sp_frame **out)
{
    nsrc *s = sp_stage_priv(st);
    if (s->n >= (uint64_t)sp_stage_prop_int(st, "frames"))
        return SP_EOS;
    sp_frame *f = NULL;
    int rc = sp_stage_prop_bool(st, "image")
                 ? sp_frame_create_image(sp_stage_poolmgr(st), 4, 2,
                                         SP_PIX_GRAY8, 0, &f)
                 : sp_frame_create_points(sp_stage_poolmgr(st), 1, 0, &f);
    if (rc < 0)
        return rc;
    if (f->payload == SP_PAYLOAD_POINTS) {
        f->u.points.x[0] = (float)s->n;
        f->u.points.y[0] = f->u.points.z[0] = f->u.points.intensity[0] = 0;
        f->u.points.count = 1;
    } else {
        memset(f->u.image.data, (int)s->n, f->u.image.stride * 2);
    }
    uint64_t i = s->n, dup = (uint64_t)sp_stage_prop_int(st, "dup");
    uint64_t k = dup && i == dup ? i - 1 : i;
    f->timestamp_ns = sp_stage_prop_int(st, "t0") +
                      (int64_t)k * sp_stage_prop_int(st, "step");
    const char *origin = sp_stage_prop_str(st, "origin");
    f->origin = *origin ? origin : NULL;
    f->origin_kind = (sp_origin_kind)sp_stage_prop(st, "kind")->i;
    f->origin_index = i;
    f->log_time_ns = f->origin_kind == SP_ORIGIN_LOG ? 5 : 0;
    snprintf(f->stream, sizeof f->stream, "%s",
             sp_stage_prop_str(st, "stream"));
    f->seq = s->n++;
    *out = f;
    return SP_OK;
}

static const sp_stage_class nsrc_class = {
    .name = "test_named",
    .description = "frames with an origin, for test_sink_names",
    .takes = "nothing",
    .gives = "points or images with origin, origin_kind and times",
    .props = nsrc_props,
    .nprops = sizeof nsrc_props / sizeof nsrc_props[0],
    .priv_size = sizeof(nsrc),
    .is_source = 1,
    .pull = nsrc_pull,
};

static int setup(void **state)
{
    (void)state;
    sp_stage_class_register(&nsrc_class);
    return 0;
}

/* ---- helpers ---- */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char launch[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(launch, sizeof launch, fmt, ap);
    va_end(ap);
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc < 0)
        fail_msg("%s: %s", launch, sp_errmsg());
    rc = sp_pipeline_run(p);
    if (rc < 0)
        print_message("%s: %s\n", launch, sp_errmsg());
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return rc;
}

static int exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int exists(const char *fmt, ...)
{
    char path[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    struct stat st;
    int ok = stat(path, &st) == 0 && S_ISREG(st.st_mode);
    if (!ok)
        print_message("missing: %s\n", path);
    return ok;
}

/* Files directly in @p dir. */
static int count_files(const char *dir)
{
    char cmd[4096];
    int k = snprintf(cmd, sizeof cmd, "ls -1 '%s' 2>/dev/null | wc -l", dir);
    if (k < 0 || (size_t)k >= sizeof cmd)
        return -1;
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static void copy_file(const char *from, const char *to)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

/* Runs @p launch expecting a failure; returns its message. */
static const char *run_fails(const char *launch)
{
    static char msg[2048];
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) < 0)
        fail_msg("%s: %s", launch, sp_errmsg());
    int rc = sp_pipeline_run(p);
    snprintf(msg, sizeof msg, "%s", sp_errmsg());
    assert_int_equal(rc, SP_EINVAL);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return msg;
}

static void msg_has(const char *msg, const char *part)
{
    if (!strstr(msg, part))
        fail_msg("'%s' not in: %s", part, msg);
}

/* ---- the names, through the test source ---- */

static void test_names_from_origin(void **state)
{
    (void)state;
    const char *out = iot_tmp("names_origin");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    /* One file per frame: the frames' origins differ in practice; here
     * frames=1 per run, one run per case. */
    static const struct {
        const char *origin, *sink, *ext, *want;
    } cases[] = {
        {"/data/velodyne/000134.bin", "npy", "npy", "000134"},
        {"/d/frame_20121214T142255.814212.pcd", "pcd", "pcd",
         "frame_20121214T142255.814212"},
        {"/d/n008__LIDAR_TOP__1533151603547590.pcd.bin", "kittibin", "bin",
         "n008__LIDAR_TOP__1533151603547590"},
        {"scan", "npy", "npy", "scan"},          /* no extension */
        {"/d/.hidden", "npy", "npy", ".hidden"}, /* a leading dot stays */
        {"/d/x.y.z.bin", "npy", "npy", "x.y.z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%zu", out, i);
        assert_int_equal(run("test_named frames=1 origin='%s' ! %s dir=%s",
                             cases[i].origin, cases[i].sink, sub),
                         SP_OK);
        assert_true(exists("%s/lidar/%s.%s", sub, cases[i].want, cases[i].ext));
        assert_int_equal(count_files(sub), 1);
    }
    /* Several frames of one file: <stem>_<index>; a log message: its
     * stamp, zero-padded to 19 digits; nothing to name after: seq. */
    snprintf(cmd, sizeof cmd, "%s/item", out);
    assert_int_equal(run("test_named frames=3 origin=/d/cam.yuv kind=item "
                         "image=true ! png dir=%s",
                         cmd),
                     SP_OK);
    for (int i = 0; i < 3; i++)
        assert_true(exists("%s/lidar/cam_%06d.png", cmd, i));
    snprintf(cmd, sizeof cmd, "%s/log", out);
    assert_int_equal(run("test_named frames=2 origin=/d/drive.bag kind=log "
                         "stream=/sensing/lidar/top t0=1533151603547590123 "
                         "step=100000000 ! npy dir=%s",
                         cmd),
                     SP_OK);
    assert_true(exists("%s/sensing/lidar/top/1533151603547590123.npy", cmd));
    assert_true(exists("%s/sensing/lidar/top/1533151603647590123.npy", cmd));
    snprintf(cmd, sizeof cmd, "%s/small_stamp", out);
    assert_int_equal(
        run("test_named frames=1 origin=/d/sim.bag kind=log t0=42 ! npy dir=%s",
            cmd),
        SP_OK);
    assert_true(exists("%s/lidar/0000000000000000042.npy", cmd));
    snprintf(cmd, sizeof cmd, "%s/none", out);
    assert_int_equal(run("test_named frames=2 ! npy dir=%s", cmd), SP_OK);
    assert_true(exists("%s/lidar/000000.npy", cmd));
    assert_true(exists("%s/lidar/000001.npy", cmd));
}

static void test_name_seq_and_stamp(void **state)
{
    (void)state;
    const char *out = iot_tmp("names_modes");
    char d[1024];
    snprintf(d, sizeof d, "rm -rf '%s'", out);
    assert_int_equal(system(d), 0);
    snprintf(d, sizeof d, "%s/seq", out);
    assert_int_equal(run("test_named frames=2 origin=/d/x.bin kind=item ! "
                         "npy dir=%s name=seq",
                         d),
                     SP_OK);
    assert_true(exists("%s/lidar/000000.npy", d));
    assert_true(exists("%s/lidar/000001.npy", d));
    snprintf(d, sizeof d, "%s/stamp", out);
    assert_int_equal(run("test_named frames=2 origin=/d/x.bin kind=item "
                         "t0=1317384506123456789 step=103000000 ! kittibin "
                         "dir=%s name=stamp",
                         d),
                     SP_OK);
    assert_true(exists("%s/lidar/1317384506123456789.bin", d));
    assert_true(exists("%s/lidar/1317384506226456789.bin", d));
    /* A negative time (before an epoch) keeps its sign. */
    snprintf(d, sizeof d, "%s/neg", out);
    assert_int_equal(
        run("test_named frames=1 t0=-5 ! npy dir=%s name=stamp", d), SP_OK);
    assert_true(exists("%s/lidar/-5.npy", d));
    /* name= is declared the same way by every file sink. */
    static const char *sinks[] = {"npy", "png", "pcd", "kittibin"};
    for (int i = 0; i < 4; i++) {
        const sp_stage_class *c = sp_stage_class_find_role(sinks[i], 0);
        assert_non_null(c);
        size_t k = 0;
        while (k < c->nprops && strcmp(c->props[k].name, "name"))
            k++;
        assert_true(k < c->nprops);
        assert_string_equal(c->props[k].choices, "source|seq|stamp");
        assert_string_equal(c->props[k].def, "source");
    }
}

/* Two frames of one stream that would get one file fail the run, naming
 * both frames, the input and name=seq; the first file stays. Every file
 * sink, every naming. */
static void test_same_name_is_an_error(void **state)
{
    (void)state;
    const char *out = iot_tmp("names_dup");
    char launch[8192], cmd[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    static const struct {
        const char *src, *sink, *opts;
        int before; /* files written before the second of the pair */
    } cases[] = {
        {"origin=/d/000134.bin", "npy", "", 1},
        {"origin=/d/a.pcd image=false", "pcd", "", 1},
        {"origin=/d/a.bin", "kittibin", "", 1},
        {"origin=/d/a.png image=true", "png", "", 1},
        {"origin=/d/drive.bag kind=log dup=1", "npy", "", 1},
        {"dup=2", "npy", "name=stamp", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%zu", out, i);
        snprintf(launch, sizeof launch, "test_named frames=3 %s ! %s dir=%s %s",
                 cases[i].src, cases[i].sink, sub, cases[i].opts);
        const char *msg = run_fails(launch);
        msg_has(msg, "already written by frame ");
        msg_has(msg, "of this run");
        msg_has(msg, "name=seq numbers the files instead");
        if (strstr(cases[i].src, "kind=log"))
            msg_has(msg, "(the same header stamp)");
        else if (*cases[i].opts)
            msg_has(msg, "(the same timestamp)");
        else
            msg_has(msg, "(inputs of the same name)");
        /* the earlier frames' files are there, the second of the pair
         * wrote nothing */
        snprintf(cmd, sizeof cmd, "%s/lidar", sub);
        assert_int_equal(count_files(cmd), cases[i].before);
        /* name=seq names them apart */
        snprintf(launch, sizeof launch,
                 "test_named frames=3 %s ! %s dir=%s/seq name=seq",
                 cases[i].src, cases[i].sink, sub);
        assert_int_equal(run("%s", launch), SP_OK);
        snprintf(cmd, sizeof cmd, "%s/seq/lidar", sub);
        assert_int_equal(count_files(cmd), 3);
    }
    /* The message names both frames and the input. */
    snprintf(launch, sizeof launch,
             "test_named frames=3 origin=/d/000134.bin ! npy dir=%s/again",
             out);
    const char *msg = run_fails(launch);
    msg_has(msg, "frame 1 of stream 'lidar' (/d/000134.bin)");
    msg_has(msg, "/lidar/000134.npy was already written by frame 0");
}

/* A file of the same name from an earlier run is replaced, as before: only
 * a name taken twice in one run is an error. */
static void test_earlier_run_replaced(void **state)
{
    (void)state;
    const char *out = iot_tmp("names_rerun");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    for (int k = 0; k < 2; k++)
        assert_int_equal(run("test_named frames=3 ! npy dir=%s", out), SP_OK);
    snprintf(cmd, sizeof cmd, "%s/lidar", out);
    assert_int_equal(count_files(cmd), 3);
}

/* Files an earlier run left in the folders this run wrote to, that this
 * run did not replace, are noted (a dataset mixing two runs would look
 * like one); a run that replaces them all, or a fresh folder, has no such
 * note. In every file sink. */
static void test_earlier_files_noted(void **state)
{
    (void)state;
    const char *sinks[] = {"npy", "pcd", "kittibin",
                           "png", /* an image source */
                           NULL};
    for (int k = 0; sinks[k]; k++) {
        char out[2048], cmd[4200], launch[4200], notes[4096];
        snprintf(out, sizeof out, "%s", iot_tmp("names_stale"));
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
        assert_int_equal(system(cmd), 0);
        const char *img = strcmp(sinks[k], "png") ? "" : " image=true";
        snprintf(launch, sizeof launch,
                 "test_named frames=3%s ! %s dir=%s name=seq", img, sinks[k],
                 out);
        iot_run_notes(launch, notes, sizeof notes);
        assert_null(strstr(notes, "not written by it"));
        snprintf(launch, sizeof launch,
                 "test_named frames=1%s ! %s dir=%s name=seq", img, sinks[k],
                 out);
        iot_run_notes(launch, notes, sizeof notes);
        if (!strstr(notes, "2 files in the folders this run wrote to were "
                           "not written by it (lidar/00000") &&
            !strstr(notes, "2 files in the folders this run wrote to were "
                           "not written by it (camera/00000"))
            fail_msg("%s: notes: %s", launch, notes);
        msg_has(notes, "from an earlier run?");
        snprintf(launch, sizeof launch,
                 "test_named frames=3%s ! %s dir=%s name=seq", img, sinks[k],
                 out);
        iot_run_notes(launch, notes, sizeof notes);
        assert_null(strstr(notes, "not written by it"));
    }
}

/* More names than the table takes before it first grows (3072): it grows
 * without losing one, and without a false alarm. */
static void test_many_names(void **state)
{
    (void)state;
    const char *out = iot_tmp("names_many");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(
        run("test_named frames=3500 ! kittibin dir=%s name=stamp", out), SP_OK);
    snprintf(cmd, sizeof cmd, "%s/lidar", out);
    assert_int_equal(count_files(cmd), 3500);
    /* the last frame repeating an early one's time is still caught */
    snprintf(cmd, sizeof cmd,
             "test_named frames=3200 dup=3199 ! kittibin dir=%s/b name=stamp",
             out);
    msg_has(run_fails(cmd), "already written by frame 3198");
}

/* ---- real inputs ---- */

static void test_kitti_names(void **state)
{
    (void)state;
    const char *drive = iot_data("kitti_raw_seq");
    if (!drive)
        skip();
    const char *out = iot_tmp("names_kitti");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run("kitti path=%s streams=velodyne start=2 count=3 ! "
                         "voxel leaf=0.5 ! npy dir=%s",
                         drive, out),
                     SP_OK);
    for (int i = 2; i < 5; i++)
        assert_true(exists("%s/velodyne/%010d.npy", out, i));
    snprintf(cmd, sizeof cmd, "%s/velodyne", out);
    assert_int_equal(count_files(cmd), 3);
    /* name=stamp: the drive's timestamps.txt times, in ns */
    snprintf(cmd, sizeof cmd, "%s/stamp", out);
    sp_pipeline *p = NULL;
    char launch[8192];
    snprintf(launch, sizeof launch,
             "kitti path=%s streams=velodyne count=2 ! kittibin dir=%s "
             "name=stamp",
             drive, cmd);
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    sp_frame *f;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_true(f->timestamp_ns > 1300000000000000000LL);
        assert_true(
            exists("%s/velodyne/%019lld.bin", cmd, (long long)f->timestamp_ns));
        sp_frame_unref(f);
    }
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* The object set: image_02 and velodyne, each named after its file. */
    const char *obj = iot_data("kitti_object");
    if (!obj)
        return;
    snprintf(cmd, sizeof cmd, "%s/object", out);
    assert_int_equal(run("kitti path=%s ! npy dir=%s", obj, cmd), SP_OK);
    for (int i = 0; i < 3; i++) {
        assert_true(exists("%s/velodyne/%06d.npy", cmd, i));
        assert_true(exists("%s/image_02/%06d.npy", cmd, i));
    }
}

/* PCL's scans keep their names through `pcd ! pcd`; one renamed as the
 * issue's example too. */
static void test_pcd_names(void **state)
{
    (void)state;
    const char *bunny = iot_data("pcd/bunny.pcd");
    if (!bunny)
        skip();
    const char *in = iot_tmp("names_pcd_in");
    const char *out = iot_tmp("names_pcd_out");
    char cmd[4096], to[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", in, out);
    assert_int_equal(system(cmd), 0);
    iot_mkdirs(in);
    snprintf(to, sizeof to, "%s/frame_20121214T142255.814212.pcd", in);
    copy_file(bunny, to);
    snprintf(to, sizeof to, "%s/bunny.pcd", in);
    copy_file(bunny, to);
    assert_int_equal(run("pcd path=%s ! pcd dir=%s encoding=binary", in, out),
                     SP_OK);
    assert_true(exists("%s/lidar/frame_20121214T142255.814212.pcd", out));
    assert_true(exists("%s/lidar/bunny.pcd", out));
    snprintf(cmd, sizeof cmd, "%s/lidar", out);
    assert_int_equal(count_files(cmd), 2);
}

/* A raw file of several frames: <file>_<index>; a file of one: <file>. */
static void test_raw_names(void **state)
{
    (void)state;
    const char *in = iot_tmp("names_raw_in");
    const char *out = iot_tmp("names_raw_out");
    char cmd[4096], p[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", in, out);
    assert_int_equal(system(cmd), 0);
    iot_mkdirs(in);
    uint8_t px[3 * 8 * 4];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)i;
    snprintf(p, sizeof p, "%s/burst.gray", in);
    iot_write(p, px, sizeof px); /* three 8x4 frames */
    snprintf(p, sizeof p, "%s/single.gray", in);
    iot_write(p, px, 32);
    assert_int_equal(run("raw path=%s width=8 height=4 format=gray8 ! png "
                         "dir=%s",
                         in, out),
                     SP_OK);
    for (int i = 0; i < 3; i++)
        assert_true(exists("%s/camera/burst_%06d.png", out, i));
    assert_true(exists("%s/camera/single.png", out));
    snprintf(cmd, sizeof cmd, "%s/camera", out);
    assert_int_equal(count_files(cmd), 4);
}

/* A .bin folder where two inputs have one stem (x.bin, x.pcd.bin): the
 * second is refused, naming both. */
static void test_bin_stems_collide(void **state)
{
    (void)state;
    const char *in = iot_tmp("names_bin_in");
    char cmd[4096], p[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s_out'", in, in);
    assert_int_equal(system(cmd), 0);
    iot_mkdirs(in);
    float v[20] = {1, 2, 3, 0.5f, 4, 5, 6, 0.25f};
    snprintf(p, sizeof p, "%s/x.bin", in);
    iot_write(p, v, sizeof v);
    snprintf(p, sizeof p, "%s/x.pcd.bin", in);
    iot_write(p, v, sizeof v);
    snprintf(cmd, sizeof cmd, "bin path=%s fields=x,y,z,i ! npy dir=%s_out", in,
             in);
    const char *msg = run_fails(cmd);
    msg_has(msg, "x.pcd.bin): ");
    msg_has(msg, "/lidar/x.npy was already written by frame 0");
}

/* A bag: <topic path>/<header stamp in ns>.npy for each message. */
static void test_bag_names(void **state)
{
    (void)state;
    const char *bag = iot_data("ros1/sick_rms1000_lms1000_bz2.bag");
    if (!bag)
        skip();
    const char *out = iot_tmp("names_bag");
    char cmd[8192], launch[8192];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    snprintf(launch, sizeof launch,
             "bag path=%s topics=/cloud,/sick_lms_1xx/scan count=6 ! npy "
             "dir=%s",
             bag, out);
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    sp_frame *f;
    int n = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_int_equal(f->origin_kind, SP_ORIGIN_LOG);
        assert_true(exists("%s%s/%019lld.npy", out, f->stream,
                           (long long)f->timestamp_ns));
        sp_frame_unref(f);
        n++;
    }
    assert_int_equal(n, 6);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* A bag whose topic has two messages with one header stamp (written with
 * python3-rosbag through the bag source's fixture writer). */
static void test_bag_same_stamp(void **state)
{
    (void)state;
    if (oracle_status("/usr/bin/python3 -c 'import rosbag, genpy, numpy' "
                      ">/dev/null 2>&1") != 0) {
        print_message("skipped: /usr/bin/python3 cannot import rosbag, genpy "
                      "and numpy\n");
        skip();
    }
    const char *bag = iot_tmp("names_dup.bag");
    char script[8192];
    snprintf(script, sizeof script,
             "/usr/bin/python3 - <<'EOF'\n"
             "import sys\n"
             "sys.path.insert(0, '%s/oracles')\n"
             "import numpy as np\n"
             "import bag_src_fixtures as F\n"
             "w = F.Writer('%s', 'none', twin=False)\n"
             "fields = [('x', 0, 7, 1), ('y', 4, 7, 1), ('z', 8, 7, 1)]\n"
             "for i, stamp in enumerate([10**18, 10**18 + 5, 10**18 + 5]):\n"
             "    v = {'x': np.full(2, i), 'y': np.zeros(2), 'z': "
             "np.zeros(2)}\n"
             "    F.cloud(w, '/points', F.T0 + i * 10**8, stamp, fields, v, "
             "2)\n"
             "w.close()\n"
             "EOF\n",
             ro_tests_dir(), bag);
    assert_int_equal(system(script), 0);
    char launch[4096];
    snprintf(launch, sizeof launch, "bag path=%s ! npy dir=%s_out", bag, bag);
    const char *msg = run_fails(launch);
    msg_has(msg, "frame 2 of stream '/points'");
    msg_has(msg, "/points/1000000000000000005.npy was already written by "
                 "frame 1 of this run (the same header stamp)");
    snprintf(launch, sizeof launch, "bag path=%s ! npy dir=%s_seq name=seq",
             bag, bag);
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create(launch, NULL, &p), SP_OK);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_true(exists("%s_seq/points/000002.npy", bag));
}

/* A tensor with channels: <name>_c<k>.png, each remembered on its own. */
static void test_png_planes(void **state)
{
    (void)state;
    const char *out = iot_tmp("names_planes");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(run("synth frames=2 camera=false ! bev ! png dir=%s", out),
                     SP_OK);
    for (int f = 0; f < 2; f++)
        for (int c = 0; c < 3; c++)
            assert_true(exists("%s/bev/%06d_c%d.png", out, f, c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_from_origin),
        cmocka_unit_test(test_name_seq_and_stamp),
        cmocka_unit_test(test_same_name_is_an_error),
        cmocka_unit_test(test_earlier_run_replaced),
        cmocka_unit_test(test_earlier_files_noted),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_kitti_names),
        cmocka_unit_test(test_pcd_names),
        cmocka_unit_test(test_raw_names),
        cmocka_unit_test(test_bin_stems_collide),
        cmocka_unit_test(test_bag_names),
        cmocka_unit_test(test_bag_same_stamp),
        cmocka_unit_test(test_png_planes),
    };
    return cmocka_run_group_tests_name("sink_names", tests, setup, NULL);
}
