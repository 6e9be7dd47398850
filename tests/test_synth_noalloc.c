/* ctest-label: pipeline */
/* No heap allocation per frame in the synthetic rig and the npy, png and
 * null sinks: this program defines the malloc family (forwarding to
 * glibc's __libc_* functions) and counts every call; after a few warm-up
 * frames, producing and writing dozens more must not allocate at all.
 * Skipped under AddressSanitizer, which owns malloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sp_pipeline.h"
#include "sp_status.h"
#include "sp_voxel.h"

#include "kcloud.h"
#include "sp_alloc_counter.h"

static char tmpdir[512];

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("SP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/sp_test_synth_noalloc");
    mkdir(tmpdir, 0777);
    return 0;
}

/* Allocations while pulling frames 6..N of @p launch. */
static uint64_t allocs_after_warmup(const char *launch)
{
#ifdef SP_TEST_ASAN
    (void)launch;
    return 0;
#else
    sp_pipeline *p = NULL;
    uint64_t at_create = sp_test_alloc_calls();
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    /* the hook does count: creating a pipeline allocates */
    assert_true(sp_test_alloc_calls() > at_create);
    sp_frame *f;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        sp_frame_unref(f);
    }
    uint64_t before = sp_test_alloc_calls();
    int rc, n = 0;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        n++;
    }
    uint64_t after = sp_test_alloc_calls();
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, sp_errmsg());
    assert_true(n >= 30);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    return after - before;
#endif
}

static void test_no_allocation_per_frame(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip();
#endif
    char launch[1024];
    assert_int_equal(
        allocs_after_warmup("synth frames=20 width=320 height=96 ! null"), 0);
    snprintf(
        launch, sizeof launch,
        "synth frames=20 width=320 height=96 ! npy dir=%s/npy fields=xyzirt",
        tmpdir);
    assert_int_equal(allocs_after_warmup(launch), 0);
    snprintf(launch, sizeof launch,
             "synth frames=20 width=320 height=96 ! png dir=%s/png", tmpdir);
    assert_int_equal(allocs_after_warmup(launch), 0);
}

/* A lidar stream whose clouds grow by a few points a frame (a sweep with
 * more points than any before comes every few frames early in a real log):
 * the threads= stages' per-share scratch must grow ahead, as the kernel
 * contexts' does, not to each new size. Before, voxel and range with
 * threads=2 allocated once per larger frame here. */
static void test_threads_growing_clouds(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip();
#endif
    char dir[600], path[700], launch[1024];
    snprintf(dir, sizeof dir, "%s/growing", tmpdir);
    mkdir(dir, 0777);
    uint32_t seed = 12345;
    enum { FILES = 40, BASE = 9000 }; /* > 2 x voxel's 4096-point shares */
    for (int f = 0; f < FILES; f++) {
        snprintf(path, sizeof path, "%s/%06d.bin", dir, f);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        for (int i = 0; i < BASE + 5 * f; i++) {
            float pt[4];
            for (int a = 0; a < 4; a++) {
                seed = seed * 1664525u + 1013904223u;
                pt[a] = (float)(seed >> 8) / (float)(1u << 24) * 40.0f - 20.0f;
            }
            assert_int_equal(fwrite(pt, sizeof pt, 1, fp), 1);
        }
        assert_int_equal(fclose(fp), 0);
    }
    static const char *const stages[] = {"voxel leaf=0.5 threads=1",
                                         "voxel leaf=0.5 threads=2",
                                         "range cols=512 threads=2"};
    for (size_t k = 0; k < sizeof stages / sizeof *stages; k++) {
        snprintf(launch, sizeof launch, "bin path=%s ! %s ! null", dir,
                 stages[k]);
        uint64_t a = allocs_after_warmup(launch);
        if (a)
            fail_msg("%s: %llu heap allocations after warm-up, expected 0",
                     launch, (unsigned long long)a);
    }
    for (int f = 0; f < FILES; f++) {
        snprintf(path, sizeof path, "%s/%06d.bin", dir, f);
        unlink(path);
    }
    rmdir(dir);
}

/* sp_voxel_reserve(): a context sized for N points then voxelises clouds
 * of up to N points, on the runs path (a sweep-like grid) and the packed
 * path (a grid of more than 2^32 cells), with no heap call. A fresh
 * context without it allocates at its first call. */
static void test_voxel_reserve(void **state)
{
    (void)state;
#ifdef SP_TEST_ASAN
    skip();
#else
    enum { N = 20000 };
    kcloud *kin = kcloud_new(N, 0), *kout = kcloud_new(N, 0);
    assert_non_null(kin);
    assert_non_null(kout);
    kcloud_random(kin, N, 777, 100.0f, 0, 0);
    sp_points *in = &kin->pts, *out = &kout->pts;
    /* leaf 0.5: 400^3 cells (runs path); 0.01: 20000^3 (packed path) */
    const float leaves[2] = {0.5f, 0.01f};
    const size_t counts[3] = {N, N / 4, 1};
    const sp_backend backends[2] = {SP_BACKEND_SCALAR, SP_BACKEND_SIMD};
    for (int b = 0; b < 2; b++) {
        sp_kctx *k;
        sp_kctx_desc d = {.backend = backends[b]};
        assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
        assert_int_equal(sp_voxel_reserve(k, (size_t)UINT32_MAX + 1),
                         SP_ERANGE);
        assert_non_null(strstr(sp_errmsg(), "reserve"));
        assert_int_equal(sp_voxel_reserve(k, N), SP_OK);
        uint64_t before = sp_test_alloc_calls();
        for (int l = 0; l < 2; l++)
            for (int c = 0; c < 3; c++) {
                sp_voxel_params vp = {{leaves[l], leaves[l], leaves[l]}, 1};
                in->count = counts[c];
                assert_int_equal(sp_voxel(k, &vp, in, out), SP_OK);
                assert_true(out->count >= 1 && out->count <= counts[c]);
            }
        uint64_t made = sp_test_alloc_calls() - before;
        if (made)
            fail_msg("%s back-end: %llu heap allocations after "
                     "sp_voxel_reserve(%d), expected 0",
                     sp_backend_name(backends[b]), (unsigned long long)made, N);
        sp_kctx_destroy(k);
    }
    kcloud_free(kin);
    kcloud_free(kout);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_per_frame),
        cmocka_unit_test(test_threads_growing_clouds),
        cmocka_unit_test(test_voxel_reserve),
    };
    return cmocka_run_group_tests_name("synth_noalloc", tests, setup, NULL);
}
