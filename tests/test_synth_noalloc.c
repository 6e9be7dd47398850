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

#if defined(__SANITIZE_ADDRESS__)
#define NO_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_HOOK 1
#endif
#endif

#ifndef NO_HOOK
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static _Atomic uint64_t calls;

void *malloc(size_t n)
{
    atomic_fetch_add(&calls, 1);
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
    atomic_fetch_add(&calls, 1);
    return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
    atomic_fetch_add(&calls, 1);
    return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }
void *memalign(size_t a, size_t n)
{
    atomic_fetch_add(&calls, 1);
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    atomic_fetch_add(&calls, 1);
    return __libc_memalign(a, n);
}
int posix_memalign(void **out, size_t a, size_t n)
{
    atomic_fetch_add(&calls, 1);
    void *p = __libc_memalign(a, n);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
#endif

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
#ifdef NO_HOOK
    (void)launch;
    return 0;
#else
    sp_pipeline *p = NULL;
    uint64_t at_create = atomic_load(&calls);
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    /* the hook does count: creating a pipeline allocates */
    assert_true(atomic_load(&calls) > at_create);
    sp_frame *f;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
        sp_frame_unref(f);
    }
    uint64_t before = atomic_load(&calls);
    int rc, n = 0;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        sp_frame_unref(f);
        n++;
    }
    uint64_t after = atomic_load(&calls);
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
#ifdef NO_HOOK
    skip();
#endif
    char launch[1024];
    assert_int_equal(allocs_after_warmup("synth frames=20 width=320 height=96 ! null"), 0);
    snprintf(launch, sizeof launch,
             "synth frames=20 width=320 height=96 ! npy dir=%s/npy fields=xyzirt", tmpdir);
    assert_int_equal(allocs_after_warmup(launch), 0);
    snprintf(launch, sizeof launch, "synth frames=20 width=320 height=96 ! png dir=%s/png",
             tmpdir);
    assert_int_equal(allocs_after_warmup(launch), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_allocation_per_frame),
    };
    return cmocka_run_group_tests_name("synth_noalloc", tests, setup, NULL);
}
