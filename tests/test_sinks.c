/* ctest-label: pipeline */
/* The npy, png and null sinks: file names, contents, no temporary files
 * left, tensors, and an unwritable destination refused before the first
 * frame with the path and the reason. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "sp_npy.h"
#include "sp_pipeline.h"
#include "sp_png.h"
#include "sp_stage.h"

static char tmpdir[512];

/* ---- a test source of tensor frames, with a settable stream name ---- */

typedef struct tsrc {
    uint64_t n;
} tsrc;

static const sp_prop_spec tsrc_props[] = {
    {.name = "stream",
     .type = SP_PROP_STRING,
     .def = "bev",
     .help = "stream name"},
    {.name = "frames",
     .type = SP_PROP_INT,
     .def = "2",
     .min = 0,
     .max = 100,
     .help = "count"},
};

static int tsrc_pull(sp_stage *st, sp_frame **out)
{
    tsrc *s = sp_stage_priv(st);
    if (s->n >= (uint64_t)sp_stage_prop_int(st, "frames"))
        return SP_EOS;
    const size_t shape[3] = {3, 8, 10};
    sp_frame *f = NULL;
    int rc = sp_frame_create_tensor(sp_stage_poolmgr(st), SP_DTYPE_F32, 3,
                                    shape, &f);
    if (rc < 0)
        return rc;
    float *d = f->u.tensor.data;
    for (size_t i = 0; i < 3 * 8 * 10; i++)
        d[i] = (float)(i / 80) * 10.0f + (float)(i % 80) * 0.1f;
    snprintf(f->stream, sizeof f->stream, "%s",
             sp_stage_prop_str(st, "stream"));
    f->seq = s->n++;
    *out = f;
    return SP_OK;
}

static const sp_stage_class tsrc_class = {
    .name = "test_tensors",
    .description = "tensor frames for test_sinks",
    .props = tsrc_props,
    .nprops = 2,
    .priv_size = sizeof(tsrc),
    .is_source = 1,
    .pull = tsrc_pull,
};

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("SP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/sp_test_sinks");
    mkdir(tmpdir, 0777);
    sp_stage_class_register(&tsrc_class);
    return 0;
}

static const char *tpath(const char *fmt, ...)
{
    static char p[4][1024];
    static int i;
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, rel);
    return p[i];
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Names in a folder (non-recursive), excluding . and .., into one string
 * "a b c " sorted by readdir order; also fails on leftovers. */
static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (strstr(e->d_name, ".tmp.") || strstr(e->d_name, "sensorpipe-probe"))
            fail_msg("%s: leftover %s", dir, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static sp_pipeline *make(const char *launch)
{
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    return p;
}

static void test_npy_sink(void **state)
{
    (void)state;
    char launch[1024];
    const char *dir = tpath("npy_out/nested");
    snprintf(
        launch, sizeof launch,
        "synth frames=2 seed=4 width=64 height=32 ! npy dir=%s fields=xyzirt",
        dir);
    sp_pipeline *p = make(launch);
    /* the folder exists before the first frame */
    assert_true(exists(dir));
    sp_frame *f;
    int rc, n = 0;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        /* the consumed frame's file is complete when the sink returns it */
        const char *path = tpath("npy_out/nested/%s/%06llu.npy", f->stream,
                                 (unsigned long long)f->seq);
        sp_npy_header h;
        if (sp_npy_read_header(path, &h) != SP_OK)
            fail_msg("%s", sp_errmsg());
        if (f->payload == SP_PAYLOAD_POINTS) {
            assert_string_equal(h.descr, "<f4");
            assert_int_equal(h.ndim, 2);
            assert_int_equal(h.shape[0], f->u.points.count);
            assert_int_equal(h.shape[1], 6);
            float *rows = malloc(h.data_bytes);
            assert_int_equal(sp_npy_read(path, &h, rows, h.data_bytes), SP_OK);
            size_t last = f->u.points.count - 1;
            assert_true(rows[last * 6 + 0] == f->u.points.x[last]);
            assert_true(rows[last * 6 + 4] == (float)f->u.points.ring[last]);
            assert_true(rows[last * 6 + 5] == f->u.points.time[last]);
            free(rows);
        } else {
            assert_string_equal(h.descr, "|u1");
            assert_int_equal(h.ndim, 2);
            assert_int_equal(h.shape[0], 32);
            assert_int_equal(h.shape[1], 64);
            uint8_t img[32 * 64];
            assert_int_equal(sp_npy_read(path, &h, img, sizeof img), SP_OK);
            for (uint32_t y = 0; y < 32; y++)
                assert_memory_equal(img + y * 64, sp_image_row(&f->u.image, y),
                                    64);
        }
        sp_frame_unref(f);
        n++;
    }
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(n, 4);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_true(exists(tpath("npy_out/nested/velodyne/000000.npy")));
    assert_true(exists(tpath("npy_out/nested/velodyne/000001.npy")));
    assert_true(exists(tpath("npy_out/nested/image_02/000001.npy")));
    assert_int_equal(count_files(tpath("npy_out/nested")), 2);
    assert_int_equal(count_files(tpath("npy_out/nested/velodyne")), 2);
    assert_int_equal(count_files(tpath("npy_out/nested/image_02")), 2);

    /* what the sink wrote loads in numpy with no options, when installed */
    if (oracle_status("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") ==
        0) {
        char cmd[2048];
        snprintf(
            cmd, sizeof cmd,
            "/usr/bin/python3 -c \"import numpy as np; "
            "a = np.load('%s/velodyne/000001.npy'); "
            "assert a.ndim == 2 and a.shape[1] == 6 and a.dtype == np.float32; "
            "assert 110000 <= a.shape[0] <= 120000; "
            "assert a[:, 4].max() == 63 and 0 <= a[:, 5].min() and a[:, "
            "5].max() < 0.1; "
            "b = np.load('%s/image_02/000001.npy'); "
            "assert b.shape == (32, 64) and b.dtype == np.uint8\"",
            dir, dir);
        assert_int_equal(system(cmd), 0);
    } else {
        print_message("numpy not installed: numpy.load check not run\n");
    }

    /* tensors in their own shape */
    snprintf(launch, sizeof launch, "test_tensors frames=1 ! npy dir=%s",
             tpath("npy_t"));
    p = make(launch);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    sp_npy_header h;
    assert_int_equal(sp_npy_read_header(tpath("npy_t/bev/000000.npy"), &h),
                     SP_OK);
    assert_int_equal(h.ndim, 3);
    assert_true(h.shape[0] == 3 && h.shape[1] == 8 && h.shape[2] == 10);
}

static void test_png_sink(void **state)
{
    (void)state;
    char launch[1024];
    snprintf(launch, sizeof launch,
             "synth frames=1 width=64 height=32 ! png dir=%s",
             tpath("png_out"));
    sp_pipeline *p = make(launch);
    sp_frame *f;
    int saw_image = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        if (f->payload == SP_PAYLOAD_IMAGE) {
            /* the raw mosaic as an 8-bit gray picture */
            const char *path = tpath("png_out/image_02/000000.png");
            sp_png_info info;
            assert_int_equal(sp_png_probe(NULL, path, &info), SP_OK);
            assert_int_equal(info.format, SP_PIX_GRAY8);
            uint8_t mem[64 * 32];
            sp_image img = {.data = mem,
                            .width = 64,
                            .height = 32,
                            .stride = 64,
                            .format = SP_PIX_GRAY8};
            assert_int_equal(sp_png_read(NULL, path, &img, NULL), SP_OK);
            for (uint32_t y = 0; y < 32; y++)
                assert_memory_equal(mem + y * 64, sp_image_row(&f->u.image, y),
                                    64);
            saw_image = 1;
        }
        sp_frame_unref(f);
    }
    assert_true(saw_image);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    /* points have no picture: no velodyne folder */
    assert_false(exists(tpath("png_out/velodyne")));
    assert_int_equal(count_files(tpath("png_out")), 1);
    assert_int_equal(count_files(tpath("png_out/image_02")), 1);

    /* a (3, H, W) tensor: one colour-mapped picture per channel */
    snprintf(launch, sizeof launch, "test_tensors frames=2 ! png dir=%s",
             tpath("png_t"));
    p = make(launch);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_int_equal(count_files(tpath("png_t/bev")), 6);
    for (int c = 0; c < 3; c++) {
        const char *path = tpath("png_t/bev/000001_c%d.png", c);
        sp_png_info info;
        assert_int_equal(sp_png_probe(NULL, path, &info), SP_OK);
        assert_int_equal(info.format, SP_PIX_RGB8);
        assert_int_equal(info.width, 10);
        assert_int_equal(info.height, 8);
    }

    /* a fixed range must be ordered */
    snprintf(launch, sizeof launch, "test_tensors ! png dir=%s range=5:5",
             tpath("png_r"));
    assert_true(sp_pipeline_create(launch, NULL, &p) < 0);
    assert_non_null(strstr(sp_errmsg(), "range"));
}

static void test_null_sink(void **state)
{
    (void)state;
    sp_pipeline *p = make("synth frames=3 width=32 height=16 ! null");
    sp_frame *f;
    int n = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        sp_frame_unref(f);
        n++;
    }
    assert_int_equal(n, 6);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

/* A sink registered by the caller: takes every frame, writes nothing, and
 * does not mark frames as the built-in sinks do. */
static int eat_pull(sp_stage *st, sp_frame **out)
{
    return sp_stage_pull_upstream(st, out);
}

static const sp_stage_class eat_class = {
    .name = "test_eat",
    .description = "a caller's sink for test_sinks",
    .is_sink = 1,
    .pull = eat_pull,
};

/* Frames that go through every sink of a pipeline unwritten (points into a
 * png sink alone) are said at close, on the last stage, by payload with
 * their streams and the sinks that write them; frames some sink wrote,
 * `null`'s, and pipelines that end in a filter or hold a caller's sink
 * get no such note. */
static void test_unwritten_note(void **state)
{
    (void)state;
    sp_stage_class_register(&eat_class);
    const char *d = tpath("unwritten");
    static const struct {
        const char *chain; /* after the source */
        int tensors;       /* the test_tensors source, else synth */
        const char *want;  /* the note, or NULL for none */
    } cases[] = {
        {"png dir=%s/a", 0,
         "stage 'png': 2 points frames (stream velodyne) reached the end of "
         "the pipeline and no sink in it wrote them (npy, pcd, kittibin and "
         "mcap write points)"},
        {"pcd dir=%s/b", 0,
         "stage 'pcd': 2 image frames (stream image_02) reached the end of "
         "the pipeline and no sink in it wrote them (npy, png and mcap write "
         "images)"},
        {"kittibin dir=%s/c", 1,
         "stage 'kittibin': 2 tensor frames (stream bev) reached the end of "
         "the pipeline and no sink in it wrote them (npy and png write "
         "tensors)"},
        {"npy dir=%s/d ! png dir=%s/e", 0, NULL},
        {"png dir=%s/f ! pcd dir=%s/g", 0, NULL},
        {"null", 0, NULL},
        {"png dir=%s/h ! test_eat", 0, NULL},
        {"voxel", 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char chain[600], launch[800];
        snprintf(chain, sizeof chain, cases[i].chain, d, d);
        snprintf(launch, sizeof launch, "%s ! %s",
                 cases[i].tensors ? "test_tensors"
                                  : "synth frames=2 width=32 height=16",
                 chain);
        sp_pipeline *p = make(launch);
        if (sp_pipeline_run(p) != SP_OK)
            fail_msg("%s: %s", launch, sp_errmsg());
        sp_pipeline_close(p);
        const char *got = NULL;
        for (size_t n = 0; n < sp_pipeline_note_count(p); n++)
            if (strstr(sp_pipeline_note(p, n, NULL), "reached the end"))
                got = sp_pipeline_note(p, n, NULL);
        if (cases[i].want && (!got || strcmp(got, cases[i].want) != 0))
            fail_msg("%s: note '%s', expected '%s'", launch,
                     got ? got : "(none)", cases[i].want);
        if (!cases[i].want && got)
            fail_msg("%s: unexpected note '%s'", launch, got);
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
}

static void expect_create_fails(const char *launch, const char *path,
                                const char *reason)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc >= 0)
        fail_msg("%s: created, expected a failure", launch);
    assert_null(p);
    if (!strstr(sp_errmsg(), path) || !strstr(sp_errmsg(), reason))
        fail_msg("message '%s' lacks '%s' or '%s'", sp_errmsg(), path, reason);
}

static void test_unwritable_before_first_frame(void **state)
{
    (void)state;
    char launch[1024];
    /* a file where a folder should be: fails in init, as root too */
    const char *file = tpath("plain_file");
    FILE *fp = fopen(file, "w");
    fputs("x", fp);
    fclose(fp);
    const char *under = tpath("plain_file/out");
    snprintf(launch, sizeof launch, "synth ! npy dir=%s", under);
    expect_create_fails(launch, under, strerror(ENOTDIR));
    snprintf(launch, sizeof launch, "synth ! png dir=%s", file);
    expect_create_fails(launch, file, "not a folder");

    /* a read-only folder (root ignores permissions) */
    if (geteuid() != 0) {
        const char *ro = tpath("ro");
        mkdir(ro, 0777);
        chmod(ro, 0555);
        snprintf(launch, sizeof launch, "synth ! npy dir=%s", ro);
        expect_create_fails(launch, ro, strerror(EACCES));
        snprintf(launch, sizeof launch, "synth ! png dir=%s/sub", ro);
        expect_create_fails(launch, ro, strerror(EACCES));
        chmod(ro, 0777);
    }

    /* a stream name that would escape the folder is refused */
    snprintf(launch, sizeof launch,
             "test_tensors stream=../escape ! npy dir=%s", tpath("esc/inner"));
    sp_pipeline *p = make(launch);
    assert_true(sp_pipeline_run(p) < 0);
    assert_non_null(strstr(sp_errmsg(), "../escape"));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_false(exists(tpath("esc/escape")));
    assert_int_equal(count_files(tpath("esc/inner")), 0);
}

/* A log topic as the stream becomes nested folders under dir=; names that
 * could leave dir= (or hide files) are refused, naming the frame. */
static void test_topic_streams_nest(void **state)
{
    (void)state;
    char launch[1024];
    snprintf(launch, sizeof launch,
             "test_tensors stream=/sensing/lidar/top frames=2 ! npy dir=%s",
             tpath("topics"));
    sp_pipeline *p = make(launch);
    assert_int_equal(sp_pipeline_run(p), SP_OK);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_true(exists(tpath("topics/sensing/lidar/top/000000.npy")));
    assert_true(exists(tpath("topics/sensing/lidar/top/000001.npy")));
    assert_int_equal(count_files(tpath("topics/sensing/lidar/top")), 2);
    static const char *const bad[] = {"/a/../b", "/a//b", "/a/.hidden", "/a/",
                                      "/",       "..",    "a/./b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(launch, sizeof launch,
                 "test_tensors stream='%s' frames=1 ! npy dir=%s", bad[i],
                 tpath("topics_bad"));
        p = make(launch);
        assert_int_equal(sp_pipeline_run(p), SP_EINVAL);
        if (!strstr(sp_errmsg(), "cannot be a folder name") ||
            !strstr(sp_errmsg(), "frame 0"))
            fail_msg("%s: %s", bad[i], sp_errmsg());
        assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    }
    assert_false(exists(tpath("b")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_sink),
        cmocka_unit_test(test_png_sink),
        cmocka_unit_test(test_null_sink),
        cmocka_unit_test(test_unwritten_note),
        cmocka_unit_test(test_unwritable_before_first_frame),
        cmocka_unit_test(test_topic_streams_nest),
    };
    return cmocka_run_group_tests_name("sinks", tests, setup, NULL);
}
