/* ctest-label: opencl */
/* The OpenCL runtime under the kernels: device choice, the program/kernel
 * cache and the process-wide binary cache, error messages that name the
 * call, the error and the kernel, and crop/voxel on the device against
 * scalar. Skips with the reason when this build or machine has no OpenCL
 * device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "kernels_int.h"
#include "sp_crop.h"
#include "sp_voxel.h"
#if SP_HAVE_OPENCL
#include "cl_int.h"
#endif

static sp_kctx *open_cl(void)
{
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_OPENCL};
    if (sp_kctx_create(&d, &k) != SP_OK) {
        fprintf(stderr, "skip: no OpenCL device: %s\n", sp_errmsg());
        return NULL;
    }
    return k;
}

static void test_cache_and_errors(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    fprintf(stderr, "skip: built without OpenCL\n");
    skip();
#else
    sp_kctx *k = open_cl();
    if (!k)
        skip();
    assert_string_equal(sp__cl_error_name(CL_INVALID_VALUE),
                        "CL_INVALID_VALUE");
    assert_string_equal(sp__cl_error_name(-54), "CL_INVALID_WORK_GROUP_SIZE");
    assert_string_equal(sp__cl_error_name(12345), "CL_UNKNOWN_ERROR");
    assert_true(strlen(k->cl->device_name) > 0);
    assert_true(strlen(k->cl->why) > 0);

    cl_kernel a = NULL, b = NULL;
    assert_int_equal(sp__cl_kernel(k, "crop", "crop_count", &a), SP_OK);
    assert_int_equal(sp__cl_kernel(k, "crop", "crop_count", &b), SP_OK);
    assert_ptr_equal(a, b); /* built once, cached */
    int nprog = k->cl->nprograms;
    assert_int_equal(sp__cl_kernel(k, "crop", "crop_scatter", &b), SP_OK);
    assert_int_equal(k->cl->nprograms, nprog); /* same program */

    assert_int_equal(sp__cl_kernel(k, "no_such_program", "x", &a),
                     SP_ENOTFOUND);
    assert_null(a);
    assert_non_null(strstr(sp_errmsg(), "no_such_program"));
    assert_int_equal(sp__cl_kernel(k, "crop", "no_such_kernel", &a), SP_ECL);
    assert_non_null(strstr(sp_errmsg(), "clCreateKernel"));
    assert_non_null(strstr(sp_errmsg(), "CL_INVALID_KERNEL_NAME"));
    assert_non_null(strstr(sp_errmsg(), "no_such_kernel"));

    /* SP_CL_TRY keeps the call's name, the error name and the kernel. */
    int rc = SP_OK;
    const char *cl_what = "crop_count";
    SP_CL_TRY(clSetKernelArg(b, 99, 4, NULL), fail);
    fail_msg("clSetKernelArg with index 99 succeeded");
fail:
    assert_int_equal(rc, SP_ECL);
    assert_non_null(strstr(sp_errmsg(), "crop_count: clSetKernelArg failed: "
                                        "CL_INVALID_ARG_INDEX"));

    /* A build failure carries the compiler's log. */
    cl_program prog = NULL;
    assert_int_equal(sp__cl_program_build(k->cl, "broken",
                                          "__kernel void f(__global int *p) "
                                          "{ p[0] = undeclared_name; }",
                                          &prog),
                     SP_ECL);
    assert_null(prog);
    assert_non_null(strstr(sp_errmsg(), "'broken.cl': clBuildProgram failed: "
                                        "CL_BUILD_PROGRAM_FAILURE"));
    assert_non_null(strstr(sp_errmsg(), "undeclared_name"));
    assert_int_equal(sp__cl_program_build(k->cl, "ok",
                                          "__kernel void f(__global int *p) "
                                          "{ p[0] = 1; }",
                                          &prog),
                     SP_OK);
    clReleaseProgram(prog);

    /* Device scratch grows only. */
    cl_mem m1, m2;
    assert_int_equal(sp__cl_scratch(k, 2, 1000, &m1), SP_OK);
    assert_int_equal(sp__cl_scratch(k, 2, 500, &m2), SP_OK);
    assert_ptr_equal(m1, m2);
    /* Buffers over host arrays: a write/read round trip. */
    float host[64], back[64];
    for (int i = 0; i < 64; i++)
        host[i] = (float)i;
    cl_mem buf;
    assert_int_equal(sp__cl_buffer_inout(k, host, sizeof host, &buf), SP_OK);
    assert_int_equal(sp__cl_read(k, buf, 0, back, sizeof back), SP_OK);
    assert_memory_equal(host, back, sizeof host);
    sp__cl_release(k, &buf);
    assert_null(buf);
    sp_kctx_destroy(k);
#endif
}

static void test_crop_voxel_on_device(void **state)
{
    (void)state;
    sp_kctx *k = open_cl();
    if (!k)
        skip();
    sp_kctx *s = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &s), SP_OK);
    size_t n = 200000;
    unsigned f = SP_POINTS_RING | SP_POINTS_TIME;
    kcloud *in = kcloud_new(n, f), *a = kcloud_new(n, f), *b = kcloud_new(n, f);
    kcloud_random(in, n, 2024, 30, 0.2f, 1);
    sp_crop_params c = {.limits = SP_CROP_X | SP_CROP_Z | SP_CROP_RANGE,
                        .min = {-40, 0, -3},
                        .max = {40, 0, 2},
                        .range_min = 2,
                        .range_max = 80};
    assert_int_equal(sp_crop(s, &c, &in->pts, &a->pts), SP_OK);
    assert_int_equal(sp_crop(k, &c, &in->pts, &b->pts), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    assert_int_equal(a->pts.count, b->pts.count);
    assert_memory_equal(a->pts.x, b->pts.x, a->pts.count * 4);
    assert_memory_equal(a->pts.ring, b->pts.ring, a->pts.count * 2);
    assert_memory_equal(a->pts.time, b->pts.time, a->pts.count * 4);

    sp_voxel_params v = {.leaf = {0.5f, 0.5f, 0.25f}, .min_points = 2};
    assert_int_equal(sp_voxel(s, &v, &in->pts, &a->pts), SP_OK);
    assert_int_equal(sp_voxel(k, &v, &in->pts, &b->pts), SP_OK);
    assert_int_equal(a->pts.count, b->pts.count);
    assert_true(a->pts.count > 1000);
    for (size_t i = 0; i < a->pts.count; i++) {
        assert_true(fabsf(a->pts.x[i] - b->pts.x[i]) <=
                    1e-6f * fmaxf(1.0f, fabsf(a->pts.x[i])));
        assert_true(fabsf(a->pts.time[i] - b->pts.time[i]) <= 1e-6f);
        assert_int_equal(a->pts.ring[i], b->pts.ring[i]);
    }
    kcloud_free(in);
    kcloud_free(a);
    kcloud_free(b);
    sp_kctx_destroy(s);
    sp_kctx_destroy(k);
}

/* The process-wide binary cache: a second context builds the program
 * from the first one's binary, and that build computes what scalar does;
 * SP_OPENCL_NO_BINARY_CACHE turns it off. */
static void test_binary_cache(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    fprintf(stderr, "skip: built without OpenCL\n");
    skip();
#else
    unsetenv("SP_OPENCL_NO_BINARY_CACHE");
    sp_kctx *k1 = open_cl();
    if (!k1)
        skip();
    cl_kernel kk;
    assert_int_equal(sp__cl_kernel(k1, "crop", "crop_count", &kk), SP_OK);
    int entries;
    long built0, built;
    sp__cl_binary_stats(&entries, &built0);
    assert_true(entries >= 1); /* crop's, kept by k1 or an earlier context */
    sp_kctx_destroy(k1);

    sp_kctx *k2 = open_cl(), *s = NULL;
    assert_non_null(k2);
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &s), SP_OK);
    size_t n = 50000;
    kcloud *in = kcloud_new(n, 0), *a = kcloud_new(n, 0), *b = kcloud_new(n, 0);
    kcloud_random(in, n, 77, 30, 0.1f, 1);
    sp_crop_params c = {.limits = SP_CROP_X | SP_CROP_RANGE,
                        .min = {-20, 0, 0},
                        .max = {25, 0, 0},
                        .range_min = 1,
                        .range_max = 60};
    assert_int_equal(sp_crop(s, &c, &in->pts, &a->pts), SP_OK);
    assert_int_equal(sp_crop(k2, &c, &in->pts, &b->pts), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k2), SP_BACKEND_OPENCL);
    sp__cl_binary_stats(&entries, &built);
    assert_int_equal(built, built0 + 1); /* crop, from the binary */
    assert_true(a->pts.count > 0);
    assert_int_equal(a->pts.count, b->pts.count);
    assert_memory_equal(a->pts.x, b->pts.x, a->pts.count * 4);
    assert_memory_equal(a->pts.z, b->pts.z, a->pts.count * 4);
    sp_kctx_destroy(k2);

    setenv("SP_OPENCL_NO_BINARY_CACHE", "1", 1);
    sp_kctx *k3 = open_cl();
    assert_non_null(k3);
    assert_int_equal(sp_crop(k3, &c, &in->pts, &b->pts), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k3), SP_BACKEND_OPENCL);
    sp__cl_binary_stats(&entries, &built0);
    assert_int_equal(built0, built); /* built from source */
    assert_int_equal(a->pts.count, b->pts.count);
    assert_memory_equal(a->pts.x, b->pts.x, a->pts.count * 4);
    sp_kctx_destroy(k3);
    unsetenv("SP_OPENCL_NO_BINARY_CACHE");
    kcloud_free(in);
    kcloud_free(a);
    kcloud_free(b);
    sp_kctx_destroy(s);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_and_errors),
        cmocka_unit_test(test_crop_voxel_on_device),
        cmocka_unit_test(test_binary_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
