/* ctest-label: unit */
/* The kernel context: back-end names, creation for each back-end, the
 * SP_SIMD override, scratch growth and the dispatch decision, and the
 * errors an explicit back-end gives when it cannot be met. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels_int.h"

static void test_names(void **state)
{
    (void)state;
    sp_backend b;
    assert_string_equal(sp_backend_name(SP_BACKEND_OPENCL), "opencl");
    assert_int_equal(sp_backend_from_name("simd", &b), SP_OK);
    assert_int_equal(b, SP_BACKEND_SIMD);
    assert_int_equal(sp_backend_from_name("gpu", &b), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "'gpu'"));
    assert_string_equal(sp_simd_level_name(SP_SIMD_AVX2), "avx2");
    assert_string_equal(sp_simd_level_name(SP_SIMD_NONE), "scalar");
}

static void test_create_scalar_and_auto(void **state)
{
    (void)state;
    sp_kctx *k = (sp_kctx *)1;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    assert_int_equal(sp_kctx_backend(k), SP_BACKEND_SCALAR);
    assert_int_equal(sp__kctx_pick(k, 1, 1u << 30, 0), SP_BACKEND_SCALAR);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_SCALAR);
    sp_kctx_destroy(k);

    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    assert_int_equal(sp_kctx_backend(k), SP_BACKEND_AUTO);
    /* Without a GPU (and without SP_OPENCL_DEVICE), AUTO never runs
     * OpenCL; with the CPU's SIMD it runs SIMD. */
    sp_backend got = sp__kctx_pick(k, 0, 100, 0);
    assert_int_equal(got, sp_kctx_simd_level(k) == SP_SIMD_NONE
                              ? SP_BACKEND_SCALAR
                              : SP_BACKEND_SIMD);
    sp_kctx_destroy(k);
    sp_kctx_destroy(NULL);

    d.backend = (sp_backend)42;
    assert_int_equal(sp_kctx_create(&d, &k), SP_EINVAL);
    assert_null(k);
}

static void test_simd_override(void **state)
{
    (void)state;
    sp_simd_level best = sp__simd_cpu_best();
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SIMD};
    char why[256];

    setenv("SP_SIMD", "scalar", 1);
    assert_int_equal(sp_simd_detect(), SP_SIMD_NONE);
    /* An explicit SIMD back-end with SIMD forced off cannot be met. */
    assert_int_equal(sp_kctx_create(&d, &k), SP_EUNSUPPORTED);
    assert_null(k);
    assert_non_null(strstr(sp_errmsg(), "SP_SIMD=scalar"));

    setenv("SP_SIMD", "bogus", 1);
    assert_int_equal(sp_simd_detect(), best);
    sp__simd_explain(why, sizeof why);
    assert_non_null(strstr(why, "not understood"));

    if (best == SP_SIMD_AVX2) {
        setenv("SP_SIMD", "sse41", 1);
        assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
        assert_int_equal(sp_kctx_simd_level(k), SP_SIMD_SSE41);
        assert_int_equal(sp__kctx_pick(k, 0, 10, 0), SP_BACKEND_SIMD);
        sp_kctx_destroy(k);
    }
    if (best == SP_SIMD_SSE41) {
        /* Asking for more than the CPU has is capped. */
        setenv("SP_SIMD", "avx2", 1);
        assert_int_equal(sp_simd_detect(), SP_SIMD_SSE41);
    }
    unsetenv("SP_SIMD");
    assert_int_equal(sp_simd_detect(), best);
    if (best != SP_SIMD_NONE) {
        assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
        assert_int_equal(sp_kctx_simd_level(k), best);
        sp_kctx_destroy(k);
    }
}

static void test_scratch_grows_only(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    char *a = sp__kctx_scratch(k, 0, 1000);
    assert_non_null(a);
    assert_int_equal((uintptr_t)a % 64, 0);
    memset(a, 1, 1000);
    /* A smaller or equal request reuses the same memory. */
    assert_ptr_equal(sp__kctx_scratch(k, 0, 10), a);
    assert_ptr_equal(sp__kctx_scratch(k, 0, 1000), a);
    char *b = sp__kctx_scratch(k, 1, 0);
    assert_non_null(b);
    char *c = sp__kctx_scratch(k, 0, 100000);
    assert_non_null(c);
    memset(c, 2, 100000);
    assert_null(sp__kctx_scratch(k, SP__KCTX_SCRATCH_SLOTS, 10));
    assert_null(sp__kctx_scratch(k, 0, SIZE_MAX - 10));
    assert_int_equal((int)strlen(sp_errmsg()) > 0, 1);
    sp_kctx_destroy(k);
}

static void test_opencl_explicit(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_OPENCL};
#if !SP_HAVE_OPENCL
    assert_int_equal(sp_kctx_create(&d, &k), SP_EUNSUPPORTED);
    assert_non_null(strstr(sp_errmsg(), "no OpenCL"));
    skip();
#else
    /* A device name that matches nothing is an error naming it. */
    setenv("SP_OPENCL_DEVICE", "nonexistent-name", 1);
    int rc = sp_kctx_create(&d, &k);
    assert_null(k);
    assert_true(rc == SP_ENOTFOUND || rc == SP_EUNSUPPORTED);
    assert_non_null(strstr(sp_errmsg(), "opencl"));
    if (rc == SP_ENOTFOUND)
        assert_non_null(strstr(sp_errmsg(), "nonexistent-name"));
    /* AUTO with the same setting falls back quietly. */
    d.backend = SP_BACKEND_AUTO;
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    assert_null(k->cl);
    sp_kctx_destroy(k);
    /* An index out of range too. */
    d.backend = SP_BACKEND_OPENCL;
    setenv("SP_OPENCL_DEVICE", "999", 1);
    assert_int_not_equal(sp_kctx_create(&d, &k), SP_OK);
    unsetenv("SP_OPENCL_DEVICE");

    rc = sp_kctx_create(&d, &k);
    if (rc != SP_OK) {
        /* No device on this machine: that is an answer, with a reason. */
        assert_true(strlen(sp_errmsg()) > 0);
        skip();
    }
    assert_non_null(k->cl);
    assert_int_equal(sp__kctx_pick(k, 1, 1, 1u << 30), SP_BACKEND_OPENCL);
    assert_int_equal(sp__kctx_pick(k, 0, 1, 0), k->simd == SP_SIMD_NONE
                                                    ? SP_BACKEND_SCALAR
                                                    : SP_BACKEND_SIMD);
    sp_kctx_destroy(k);

    /* The device's name as a selector gives the same device. */
    d.opencl_device = "0";
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    sp_kctx_destroy(k);
#endif
}

static void test_describe(void **state)
{
    (void)state;
    char small[8];
    int need = sp_kernels_describe(small, sizeof small);
    assert_true(need > 20);
    char *buf = malloc((size_t)need + 1);
    assert_non_null(buf);
    assert_int_equal(sp_kernels_describe(buf, (size_t)need + 1), need);
    assert_non_null(strstr(buf, "SIMD: "));
    assert_non_null(strstr(buf, "OpenCL"));
    assert_non_null(strstr(buf, "backend=auto"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_create_scalar_and_auto),
        cmocka_unit_test(test_simd_override),
        cmocka_unit_test(test_scratch_grows_only),
        cmocka_unit_test(test_opencl_explicit),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
