/* ctest-label: pipeline */
/* ctest-timeout: 300 */
/* threads=: each threaded stage against the same stage with one thread, byte
 * for byte, on every CPU back-end: on random frames of awkward sizes and on the
 * real recordings in the shared data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_normalize.h"
#include "sp_pipeline.h"
#include "sp_resize.h"
#include "sp_sanitizer.h"

/* ---- stages: threads=N against threads=1 ---- */

/* Every byte a frame's payload holds (image rows without padding, point
 * arrays, tensor data), appended to *buf. */
static void frame_bytes(const sp_frame *f, iot_buf *buf)
{
    if (f->payload == SP_PAYLOAD_IMAGE) {
        const sp_image *im = &f->u.image;
        size_t rb = sp_image_row_bytes(im->width, im->format);
        iot_buf_add(buf, &im->format, sizeof im->format);
        for (uint32_t y = 0; y < im->height; y++)
            iot_buf_add(buf, im->data + y * im->stride, rb);
    } else if (f->payload == SP_PAYLOAD_POINTS) {
        const sp_points *p = &f->u.points;
        size_t n = p->count * sizeof(float);
        iot_buf_add(buf, &p->count, sizeof p->count);
        iot_buf_add(buf, p->x, n);
        iot_buf_add(buf, p->y, n);
        iot_buf_add(buf, p->z, n);
        if (p->intensity)
            iot_buf_add(buf, p->intensity, n);
        if (p->time)
            iot_buf_add(buf, p->time, n);
        if (p->ring)
            iot_buf_add(buf, p->ring, p->count * sizeof *p->ring);
    } else if (f->payload == SP_PAYLOAD_TENSOR) {
        const sp_tensor *t = &f->u.tensor;
        size_t n = sp_dtype_size(t->dtype);
        for (int d = 0; d < t->ndim; d++)
            n *= t->shape[d];
        iot_buf_add(buf, &t->ndim, sizeof t->ndim);
        iot_buf_add(buf, t->shape, sizeof t->shape);
        iot_buf_add(buf, t->data, n);
    } else {
        fail_msg("payload %d not compared", (int)f->payload);
    }
}

/* All frames' bytes from @p launch on back-end @p b; NULL (skip) when the
 * back-end is not available here. */
static uint8_t *run_bytes(const char *launch, sp_backend b, size_t *len,
                          size_t *frames)
{
    sp_pipeline_opts o = {.backend = b};
    sp_pipeline *p;
    sp_frame *f;
    iot_buf buf = {0};
    int rc;

    *len = 0;
    *frames = 0;
    rc = sp_pipeline_create(launch, &o, &p);
    if (rc == SP_EUNSUPPORTED || rc == SP_ECL)
        return NULL;
    if (rc != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        frame_bytes(f, &buf);
        (*frames)++;
        sp_frame_unref(f);
    }
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, sp_errmsg());
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    *len = buf.n;
    return buf.p;
}

/* @p src ! @p stage with threads=1 and each of 2, 3, 5 threads on every
 * back-end: the same bytes. The simd back-end runs twice on an AVX2 CPU,
 * the second time held to SSE4.1 (SP_SIMD), so both x86 sets are split. */
static int cpu_only; /* skip the opencl back-end (see test_bev_random) */

/* Under ThreadSanitizer (CI's `threads` stage) every case runs, but on the
 * CPU back-ends with 3 threads only (uneven shares, more threads than this
 * machine's cores): the whole matrix takes over 4 minutes there, and the
 * OpenCL back-end never splits a frame (pipeline/stages/par_int.h) while
 * PoCL's own threads are not instrumented. Under AddressSanitizer (CI's
 * last stage) the OpenCL and AUTO rows are left out: that back-end never
 * splits a frame, PoCL's side is not instrumented, and the host side of
 * every kernel's OpenCL path runs instrumented in the kernel suites of
 * that build, which compare each back-end with scalar. The two rows took
 * half of this suite's 20-24 s there. The plain build keeps the whole
 * matrix (sp_sanitizer.h says which sanitizer a build has). */
static void same_as_one(const char *src, const char *stage)
{
#ifdef SP_TEST_UNDER_TSAN
    static const sp_backend backends[] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD};
    static const int threads[] = {3};
#else
    static const sp_backend backends[] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD,
                                          SP_BACKEND_SIMD, SP_BACKEND_AUTO,
                                          SP_BACKEND_OPENCL};
    static const int threads[] = {2, 3, 5};
#endif
    char launch[2048];

    unsetenv("SP_SIMD");
    for (size_t b = 0; b < sizeof backends / sizeof *backends; b++) {
        size_t len1, n1;
        if (b == 2) {
            if (sp_simd_detect() != SP_SIMD_AVX2)
                continue;
            setenv("SP_SIMD", "sse41", 1);
        } else if (b == 3) {
            unsetenv("SP_SIMD");
#if !SP_HAVE_OPENCL || defined(SP_TEST_UNDER_ASAN)
            /* AUTO without OpenCL is the simd row again, bit for bit:
             * the same calls (on the aarch64 stage, a third of this
             * suite's time under qemu); under ASan, see above. */
            continue;
#endif
        } else if (backends[b] == SP_BACKEND_OPENCL && cpu_only) {
            continue;
        }
#ifdef SP_TEST_UNDER_ASAN
        if (backends[b] == SP_BACKEND_OPENCL)
            continue;
#endif
        snprintf(launch, sizeof launch, "%s ! %s threads=1", src, stage);
        uint8_t *one = run_bytes(launch, backends[b], &len1, &n1);
        if (one == NULL)
            continue; /* back-end not here */
        assert_true(n1 > 0);
        for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
            size_t len, n;
            snprintf(launch, sizeof launch, "%s ! %s threads=%d", src, stage,
                     threads[t]);
            uint8_t *many = run_bytes(launch, backends[b], &len, &n);
            assert_non_null(many);
            assert_int_equal(n, n1);
            assert_int_equal(len, len1);
            if (memcmp(one, many, len) != 0) {
                size_t at = 0;
                while (one[at] == many[at])
                    at++;
                fail_msg("%s on %s%s: differs from threads=1 at byte %zu",
                         launch, sp_backend_name(backends[b]),
                         b == 2 ? " (SP_SIMD=sse41)" : "", at);
            }
            free(many);
        }
        free(one);
    }
}

/* A file of random bytes for the raw source (seeded: reproducible). */
static const char *random_file(const char *name, size_t bytes, uint32_t seed)
{
    uint8_t *b = malloc(bytes);
    assert_non_null(b);
    for (size_t i = 0; i < bytes; i++) {
        seed = seed * 1664525u + 1013904223u;
        b[i] = (uint8_t)(seed >> 24);
    }
    const char *path = iot_tmp(name);
    iot_write(path, b, bytes);
    free(b);
    return path;
}

static void test_debayer_random(void **state)
{
    (void)state;
    static const struct {
        uint32_t w, h;
        const char *fmt;
        size_t bpp;
    } cases[] = {
        {67, 45, "bayer_rggb8", 1},  {64, 17, "bayer_gbrg8", 1},
        {33, 64, "bayer_grbg16", 2}, {130, 31, "bayer_bggr16", 2},
        {8, 9, "bayer_rggb8", 1},
    };
    static const char *const methods[] = {"method=bilinear", "method=ea",
                                          "method=bilinear order=bgr"};
    char src[1024];

    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t bytes = (size_t)cases[c].w * cases[c].h * cases[c].bpp * 2;
        const char *path =
            random_file("threads_bayer.raw", bytes, 7u + (uint32_t)c);
        snprintf(src, sizeof src, "raw path=%s width=%u height=%u format=%s",
                 path, cases[c].w, cases[c].h, cases[c].fmt);
        for (size_t m = 0; m < sizeof methods / sizeof *methods; m++) {
            if (cases[c].bpp == 2 && strstr(methods[m], "bgr"))
                continue;
            char stage[64];
            snprintf(stage, sizeof stage, "debayer %s", methods[m]);
            same_as_one(src, stage);
        }
    }
}

static void test_debayer_real(void **state)
{
    (void)state;
    const char *path = iot_data("raw_bayer/DSC_1339_768x512_rggb.raw");
    char src[1024];
    if (path == NULL)
        skip();
    snprintf(src, sizeof src,
             "raw path=%s width=768 height=512 format=bayer_rggb16", path);
    same_as_one(src, "debayer");
    same_as_one(src, "debayer method=ea");
    /* 8-bit, through levels */
    snprintf(src, sizeof src,
             "raw path=%s width=768 height=512 format=bayer_rggb16 ! levels "
             "black=600 white=15520",
             path);
    same_as_one(src, "debayer");
}

/* A KITTI-style .bin cloud (float32 x, y, z, reflectance) of @p n random
 * points: a dense band near z = -1.7 (ground), millimetre-quantised so
 * many sit on voxel boundaries, some duplicates and a few NaN. */
static const char *random_cloud(const char *name, size_t n, uint32_t seed)
{
    float *f = malloc(n * 4 * sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        float v[4];
        for (int a = 0; a < 4; a++) {
            seed = seed * 1664525u + 1013904223u;
            v[a] = (float)(seed >> 8) / 16777216.0f;
        }
        f[4 * i] = (float)(int)((v[0] * 80 - 40) * 1000) / 1000;
        f[4 * i + 1] = (float)(int)((v[1] * 60 - 30) * 1000) / 1000;
        f[4 * i + 2] = i % 3 ? -1.7f + (float)(int)(v[2] * 100) / 1000
                             : (float)(int)((v[2] * 6 - 3) * 1000) / 1000;
        f[4 * i + 3] = v[3];
        if (i % 97 == 5)
            memcpy(f + 4 * i, f + 4 * (i - 5), 4 * sizeof *f);
        if (i % 1009 == 7)
            f[4 * i + (i % 3)] = NAN;
    }
    const char *path = iot_tmp(name);
    iot_write(path, f, n * 4 * sizeof *f);
    free(f);
    return path;
}

static void test_voxel_random(void **state)
{
    (void)state;
    static const size_t sizes[] = {100, 9000, 60000};
    static const char *const stages[] = {"voxel leaf=0.2", "voxel leaf=0.05",
                                         "voxel leaf=0.5,0.3,0.1 min_points=3",
                                         "voxel leaf=100"};
    char src[1024];
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++) {
        const char *path =
            random_cloud("threads_cloud.bin", sizes[c], 11u + (uint32_t)c);
        snprintf(src, sizeof src, "bin path=%s", path);
        for (size_t s = 0; s < sizeof stages / sizeof *stages; s++)
            same_as_one(src, stages[s]);
    }
}

static void test_voxel_kitti(void **state)
{
    (void)state;
    const char *dir = iot_data("kitti_object/training/velodyne");
    const char *seq = iot_data("kitti_raw_seq/velodyne_points/data");
    char src[1024];
    if (dir == NULL || seq == NULL)
        skip();
    snprintf(src, sizeof src, "bin path=%s", dir);
    same_as_one(src, "voxel leaf=0.2");
    same_as_one(src, "voxel leaf=0.1 min_points=2");
    snprintf(src, sizeof src, "bin path=%s count=3", seq);
    same_as_one(src, "voxel leaf=0.3");
}

/* A .bin cloud of @p n records of 6 floats (x, y, z, i, ring, t) from
 * @p kind: 0 all in one voxel, 1 all in one (z, y) pair along x, 2 one
 * pair but a few points elsewhere, 3 a third NaN or +-Inf in some axis,
 * 4 a finite point whose x index passes 2^30 at leaf 0.2, 5 scan-like runs
 * (a ring sweep: long stretches in one slab, as a lidar gives). */
static const char *odd_cloud(const char *name, size_t n, int kind)
{
    float *f = malloc((n ? n : 1) * 6 * sizeof *f);
    uint32_t seed = 99u + (uint32_t)kind;
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        float *r = f + 6 * i;
        seed = seed * 1664525u + 1013904223u;
        float u = (float)(seed >> 8) / 16777216.0f;
        r[0] = 1.05f + u * 0.1f;
        r[1] = -2.01f;
        r[2] = 0.33f;
        r[3] = u;
        r[4] = (float)(i % 64);
        r[5] = (float)i * 1e-6f;
        if (kind >= 1)
            r[0] = u * 40 - 20;
        if (kind == 2 && i % 500 == 3)
            r[1] = r[2] = u * 10;
        if (kind == 3 || kind == 4) {
            r[1] = (float)(int)(u * 30000) / 1000 - 15;
            r[2] = (float)(int)(u * u * 4000) / 1000 - 2;
        }
        if (kind == 3 && i % 3 == 1)
            r[i % 7 % 3] = i % 2 ? NAN : (i % 4 == 1 ? INFINITY : -INFINITY);
        if (kind == 4 && i == n / 2 + 17)
            r[0] = 3e8f;
        if (kind == 5) {
            float a = (float)(i % 2000) * 0.00314f, d = 5 + (float)(i / 2000);
            r[0] = d * cosf(a);
            r[1] = d * sinf(a);
            r[2] = -1.7f + (float)(i / 2000) * 0.05f;
        }
    }
    const char *path = iot_tmp(name);
    iot_write(path, f, n * 6 * sizeof *f);
    free(f);
    return path;
}

/* The odd clouds: the cut gives up (one pair, an index past 2^30), slabs
 * that are empty or lopsided, NaN and Inf in every axis, time and ring
 * carried through the slabs; an empty file too. */
static void test_voxel_odd(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 20000};
    char src[1024];
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++)
        for (int kind = 0; kind <= 5; kind++) {
            if (sizes[c] == 0 && kind)
                break;
            const char *path = odd_cloud("threads_odd.bin", sizes[c], kind);
            snprintf(src, sizeof src, "bin path=%s fields=x,y,z,i,ring,t",
                     path);
            same_as_one(src, "voxel leaf=0.2");
            same_as_one(src, "voxel leaf=0.05,1,0.01 min_points=2");
        }
}

/* @p launch on back-end @p b pulled to its end and closed (its stats and
 * notes final), for the caller to read and destroy; NULL when the
 * back-end is not here. */
static sp_pipeline *run_to_end(const char *launch, sp_backend b)
{
    sp_pipeline_opts o = {.backend = b};
    sp_pipeline *p;
    sp_frame *f;
    int rc = sp_pipeline_create(launch, &o, &p);
    if (rc == SP_EUNSUPPORTED || rc == SP_ECL)
        return NULL;
    if (rc != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK)
        sp_frame_unref(f);
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_pipeline_close(p);
    return p;
}

/* Whether a run of @p launch on back-end @p b left a note containing
 * @p text (each frame pulled); -1 when the back-end is not here. */
static int run_notes_on(const char *launch, const char *text, sp_backend b)
{
    sp_pipeline *p = run_to_end(launch, b);
    int found = 0;
    if (!p)
        return -1;
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++)
        found |= strstr(sp_pipeline_note(p, i, NULL), text) != NULL;
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return found;
}

/* The same on the SIMD back-end. */
static int run_notes(const char *launch, const char *text)
{
    return run_notes_on(launch, text, SP_BACKEND_SIMD);
}

/* threads=2 does split a frame (the outputs above are the same whether it
 * does or not): a frame it gives back to one thread leaves a note saying
 * why, and a sweep-like cloud leaves none. An index past 2^30, a cloud in
 * one (z, y) row of voxels and one with an extra channel each leave
 * theirs. */
static void test_voxel_split_runs(void **state)
{
    (void)state;
    char src[1024], launch[1200];
    static const struct {
        int kind;
        const char *note; /* NULL: none */
    } cases[] = {
        {5, NULL},
        {3, NULL},
        {4, "ran on one thread: a finite point's voxel index reaches 2^30"},
        {0, "ran on one thread: no cut separates"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const char *path = odd_cloud("threads_runs.bin", 9000, cases[c].kind);
        snprintf(src, sizeof src, "bin path=%s fields=x,y,z,i,ring,t", path);
        snprintf(launch, sizeof launch, "%s ! voxel leaf=0.2 threads=2", src);
        int one = run_notes(launch, "ran on one thread");
        if (!cases[c].note && one)
            fail_msg("%s: a frame ran on one thread", launch);
        if (cases[c].note && !run_notes(launch, cases[c].note))
            fail_msg("%s: no note \"%s\"", launch, cases[c].note);
    }
    /* An extra channel (the sixth float as "foo"): one thread, said. */
    const char *path = odd_cloud("threads_runs.bin", 9000, 5);
    snprintf(launch, sizeof launch,
             "bin path=%s fields=x,y,z,i,ring,foo ! voxel leaf=0.2 threads=2",
             path);
    if (!run_notes(launch, "frames with extra channels run on one thread"))
        fail_msg("%s: no note of the extra channel", launch);
#if !defined(SP_TEST_UNDER_TSAN) && !defined(SP_TEST_UNDER_ASAN)
    /* The opencl back-end never splits a frame, and says so (not under the
     * sanitizers: PoCL is not instrumented, see above). */
    snprintf(launch, sizeof launch,
             "bin path=%s fields=x,y,z,i,ring,t ! voxel leaf=0.2 threads=2",
             path);
    if (run_notes_on(launch, "the opencl back-end runs each frame whole",
                     SP_BACKEND_OPENCL) == 0)
        fail_msg("%s on opencl: no note that frames run whole", launch);
#endif
}

/* Each stage that takes threads= splits a frame big enough (9000 points
 * are two of voxel's 4096-point shares; 64 rows, eight of debayer's): the stats
 * count every frame split (sp_stage_stats.frames_split), and a stage run
 * with threads=1 counts none, nor does voxel's split that gives a frame
 * back to one thread (an index past 2^30). The outputs cannot tell (they are
 * the same split or not), so without this a stage whose split never ran would
 * pass every comparison above. */
static void test_every_stage_splits(void **state)
{
    (void)state;
    const char *cloud = odd_cloud("threads_every.bin", 9000, 5);
    char lidar[1024];
    snprintf(lidar, sizeof lidar, "bin path=%s fields=x,y,z,i,ring,t", cloud);
    const char *image = "synth lidar=false width=128 height=64 frames=3";
    char huge[1024]; /* a voxel index past 2^30: the split gives it back */
    snprintf(huge, sizeof huge, "bin path=%s fields=x,y,z,i,ring,t",
             odd_cloud("threads_every_huge.bin", 9000, 4));
    static const struct {
        int src; /* 0 image, 1 cloud, 2 huge */
        const char *stages;
    } cases[] = {
        {1, "voxel leaf=0.2"},
        {1, "bev x=-30:30 y=-30:30 res=0.1"},
        {1, "range cols=1024"},
        {1, "ground"},
        {0, "debayer"},
        {0, "debayer ! resize width=96 height=40"},
        {0, "debayer ! normalize"},
        {0, "debayer ! undistort fx=100 fy=100 cx=64 cy=32 k1=-0.2"},
        {2, "voxel leaf=0.2"},
    };
    static sp_pipeline_stats st; /* large: kept off the stack */
    char launch[2048];
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int t = 1; t <= 2; t++) {
            snprintf(launch, sizeof launch, "%s ! %s threads=%d",
                     cases[c].src == 0   ? image
                     : cases[c].src == 1 ? lidar
                                         : huge,
                     cases[c].stages, t);
            const int all = t == 2 && cases[c].src != 2;
            sp_pipeline *p = run_to_end(launch, SP_BACKEND_SIMD);
            assert_non_null(p);
            sp_pipeline_stats_get(p, &st);
            const sp_stage_stats *s = &st.stages[st.nstages - 1];
            if (s->threads != t || s->frames_out == 0 ||
                s->frames_split != (all ? s->frames_out : 0))
                fail_msg(
                    "%s: threads %d, %llu of %llu frames split, "
                    "expected %d and %s",
                    launch, s->threads, (unsigned long long)s->frames_split,
                    (unsigned long long)s->frames_out, t, all ? "all" : "none");
            assert_int_equal(sp_pipeline_destroy(p), SP_OK);
        }
}

/* A sweep-like cloud (records as odd_cloud's) of @p n points with edges at
 * the point-share boundaries of 2, 3 and 5 threads (n * w / t), where the
 * split classifies and copies each share's points:
 * @p kind 0: a run of one voxel across every boundary, and that voxel's
 * points scattered through every share; 1: NaN and Inf points at and
 * around every boundary, a NaN run across the middle; 2: voxels of exactly
 * two points, one in each half (min_points=2 keeps them, 3 drops them). */
static const char *split_cloud(const char *name, size_t n, int kind)
{
    float *f = malloc(n * 6 * sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        float *r = f + 6 * i;
        float a = (float)(i % 1500) * 0.0042f, d = 4 + (float)(i / 1500);
        r[0] = d * cosf(a);
        r[1] = d * sinf(a);
        r[2] = -1.7f + (float)(i / 1500) * 0.04f;
        r[3] = (float)(i % 251) / 251;
        r[4] = (float)(i % 64);
        r[5] = (float)i * 1e-6f;
    }
    static const int ts[] = {2, 3, 5};
    for (size_t t = 0; t < 3; t++)
        for (int w = 1; w < ts[t]; w++) {
            size_t b = n * (size_t)w / (size_t)ts[t];
            for (size_t i = b - 40; kind == 0 && i < b + 40; i++) {
                f[6 * i] = 1.01f;
                f[6 * i + 1] = 2.02f;
                f[6 * i + 2] = -1.63f;
            }
            for (size_t i = b - 2; kind == 1 && i < b + 2; i++)
                f[6 * i + (i % 3)] = i % 2 ? NAN : INFINITY;
        }
    for (size_t i = 0; i < n; i++) {
        float *r = f + 6 * i;
        if (kind == 0 && i % 997 == 5) {
            r[0] = 1.07f;
            r[1] = 2.11f;
            r[2] = -1.75f;
        }
        if (kind == 1 && i >= n / 2 - 30 && i < n / 2 + 30)
            r[1] = NAN;
        if (kind == 2 && i < n / 2 && i % 7 == 0)
            memcpy(f + 6 * (i + n / 2), r, 3 * sizeof *r);
    }
    const char *path = iot_tmp(name);
    iot_write(path, f, n * 6 * sizeof *f);
    free(f);
    return path;
}

/* The split's edges (see split_cloud), uneven shares (a prime count), ring
 * and time carried, and a grid of 2^32 cells or more (leaf 1 mm: one
 * thread runs the packed path). */
static void test_voxel_split_edges(void **state)
{
    (void)state;
    char src[1024];
    for (int kind = 0; kind <= 2; kind++) {
        const char *path = split_cloud("threads_split.bin", 20011, kind);
        snprintf(src, sizeof src, "bin path=%s fields=x,y,z,i,ring,t", path);
        same_as_one(src, "voxel leaf=0.2");
        same_as_one(src, "voxel leaf=0.2 min_points=2");
        same_as_one(src, "voxel leaf=0.05 min_points=3");
        if (kind == 0)
            same_as_one(src, "voxel leaf=0.001");
        snprintf(src, sizeof src, "bin path=%s fields=x,y,z,i,_,_", path);
        same_as_one(src, "voxel leaf=0.2");
    }
}

/* ---- image stages: bands of output rows ---- */

/* Random images of awkward sizes, among them fewer rows than threads and a
 * single row, in each 8-bit format the stages take. */
static const struct {
    uint32_t w, h;
    const char *fmt;
    size_t bpp;
} images[] = {
    {67, 45, "gray8", 1}, {64, 17, "rgb8", 3}, {33, 64, "rgba8", 4},
    {130, 3, "bgr8", 3},  {9, 1, "rgb8", 3},   {1, 2, "gray8", 1},
};

/* A file of @p n random finite floats in [-1000, 1000). */
static const char *random_f32(const char *name, size_t n, uint32_t seed)
{
    float *f = malloc(n * sizeof *f);
    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        f[i] = (float)(seed >> 8) / 8388.608f - 1000.f;
    }
    const char *path = iot_tmp(name);
    iot_write(path, f, n * sizeof *f);
    free(f);
    return path;
}

static void each_image(const char *const *stages, size_t nstages)
{
    char src[1024], stage[256];
    for (size_t c = 0; c < sizeof images / sizeof *images; c++) {
        size_t bytes = (size_t)images[c].w * images[c].h * images[c].bpp;
        const char *path =
            random_file("threads_image.raw", bytes, 23u + (uint32_t)c);
        snprintf(src, sizeof src, "raw path=%s width=%u height=%u format=%s",
                 path, images[c].w, images[c].h, images[c].fmt);
        for (size_t s = 0; s < nstages; s++) {
            /* %W/%H: the image's half, double and odd sizes */
            snprintf(stage, sizeof stage, stages[s],
                     images[c].w * 2 > 1 ? images[c].w * 2 : 1,
                     images[c].h * 2 > 1 ? images[c].h * 2 : 1,
                     images[c].w / 2 ? images[c].w / 2 : 1,
                     images[c].h / 2 ? images[c].h / 2 : 1);
            same_as_one(src, stage);
        }
    }
}

static void test_resize_random(void **state)
{
    (void)state;
    /* arguments: 2w 2h w/2 h/2; width/height 1 and 2 give bands of a
     * single row or none */
    static const char *const stages[] = {
        "resize width=%u height=%u",
        "resize width=%3$u height=%4$u", /* the exact 2x path when even */
        "resize width=%3$u height=%4$u method=area",
        "resize width=%u height=%u method=area",
        "resize width=%u height=%u method=nearest",
        "resize width=7 height=1",
        "resize width=5 height=2 method=area",
        "resize width=31 height=29 method=nearest",
        "resize width=31 height=29 method=linear",
    };
    each_image(stages, sizeof stages / sizeof *stages);
    char src[1024];
    snprintf(src, sizeof src, "raw path=%s width=50 height=37 format=f32",
             random_f32("threads_f32.raw", 50 * 37, 5u));
    same_as_one(src, "resize width=25 height=18");
    same_as_one(src, "resize width=77 height=3");
    same_as_one(src, "resize width=21 height=13 method=area");
}

static void test_normalize_random(void **state)
{
    (void)state;
    static const char *const stages[] = {
        "normalize", "normalize order=bgr mean=0.5 std=0.25 scale=0.01"};
    each_image(stages, sizeof stages / sizeof *stages);
}

static void test_undistort_random(void **state)
{
    (void)state;
    static const char *const stages[] = {
        "undistort fx=50 fy=55 cx=30 cy=20 k1=-0.3 k2=0.1 p1=0.001 "
        "p2=-0.002",
        "undistort fx=20 fy=20 cx=4 cy=0.5 k1=0.2 k3=0.05",
    };
    each_image(stages, sizeof stages / sizeof *stages);
    char src[1024];
    snprintf(src, sizeof src, "raw path=%s width=50 height=37 format=f32",
             random_f32("threads_f32.raw", 50 * 37, 9u));
    same_as_one(src, stages[0]);
}

/* ---- lidar rasters ---- */

/* Each of @p stages on random clouds of a few sizes, an empty one among
 * them. */
static void each_cloud(const char *const *stages, size_t nstages)
{
    static const size_t sizes[] = {0, 1, 100, 9000, 60000};
    char src[1024];
    for (size_t c = 0; c < sizeof sizes / sizeof *sizes; c++) {
        const char *path =
            random_cloud("threads_raster.bin", sizes[c], 31u + (uint32_t)c);
        snprintf(src, sizeof src, "bin path=%s", path);
        for (size_t s = 0; s < nstages; s++)
            same_as_one(src, stages[s]);
    }
}

static void test_bev_random(void **state)
{
    (void)state;
    static const char *const stages[] = {
        "bev",
        "bev x=-40:40 y=-30:30 z=-3:3 res=0.25",
        "bev x=0:1 y=-40:40 res=1",  /* one row */
        "bev x=-2:2 y=-40:40 res=2", /* two rows, fewer than threads */
        /* most cells hold one point (the middle quarter of the cloud) */
        "bev x=-20:20 y=-15:15 res=0.05",
    };
    /* bev on OpenCL adds a cell's intensities with atomics in whatever
     * order the device runs them, so two runs of one thread can differ in
     * the last bits; it is never split anyway. */
    cpu_only = 1;
    each_cloud(stages, sizeof stages / sizeof *stages);
    cpu_only = 0;
}

static void test_range_random(void **state)
{
    (void)state;
    static const char *const stages[] = {
        "range cols=512",
        "range rows=32 cols=100 fov=-30:30",
        "range rows=1 cols=64 fov=-90:90", /* one row */
        "range rows=2 cols=2048",          /* two rows, fewer than threads */
        "range cols=auto",
    };
    each_cloud(stages, sizeof stages / sizeof *stages);
}

static void test_ground_random(void **state)
{
    (void)state;
    static const char *const stages[] = {
        "ground", "ground keep=ground iterations=37 threshold=0.05",
        "ground refine=false iterations=3 max_angle=80",
        "ground method=grid", /* not split: the same path either way */
    };
    each_cloud(stages, sizeof stages / sizeof *stages);
}

/* The kernels' band calls refuse a range outside the image. */
static void test_rows_range(void **state)
{
    (void)state;
    sp_kctx *k;
    uint8_t a[4 * 6] = {0}, b[4 * 6] = {0};
    float t[3 * 4 * 6];
    sp_image src = {.data = a,
                    .width = 4,
                    .height = 6,
                    .stride = 4,
                    .format = SP_PIX_GRAY8};
    sp_image dst = src;
    dst.data = b;
    sp_tensor ten = {
        .data = t, .dtype = SP_DTYPE_F32, .ndim = 4, .shape = {1, 1, 6, 4}};
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    assert_int_equal(sp_resize_rows(k, &src, &dst, SP_RESIZE_LINEAR, 0, 7),
                     SP_EINVAL);
    iot_msg_has("rows [0, 7)", NULL);
    assert_int_equal(sp_resize_rows(k, &src, &dst, SP_RESIZE_LINEAR, 4, 3),
                     SP_EINVAL);
    assert_int_equal(sp_resize_rows(k, &src, &dst, SP_RESIZE_LINEAR, 3, 3),
                     SP_OK);
    assert_int_equal(sp_normalize_rows(k, NULL, &src, &ten, 2, 7), SP_EINVAL);
    iot_msg_has("rows [2, 7)", NULL);
    assert_int_equal(sp_normalize_rows(k, NULL, &src, &ten, 2, 2), SP_OK);
    sp_kctx_destroy(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debayer_random),
        cmocka_unit_test(test_debayer_real),
        cmocka_unit_test(test_voxel_random),
        cmocka_unit_test(test_voxel_kitti),
        cmocka_unit_test(test_voxel_odd),
        cmocka_unit_test(test_voxel_split_edges),
        cmocka_unit_test(test_voxel_split_runs),
        cmocka_unit_test(test_every_stage_splits),
        cmocka_unit_test(test_resize_random),
        cmocka_unit_test(test_normalize_random),
        cmocka_unit_test(test_undistort_random),
        cmocka_unit_test(test_rows_range),
        cmocka_unit_test(test_bev_random),
        cmocka_unit_test(test_range_random),
        cmocka_unit_test(test_ground_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
