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

#include <cmocka.h>

#include "sp_pipeline.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_per_frame),
    };
    return cmocka_run_group_tests_name("synth_noalloc", tests, setup, NULL);
}
