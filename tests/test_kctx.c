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

#include "grow_int.h"
#include "kernels_int.h"
#include "sp_convert.h"
#include "sp_range.h"
#include "sp_resize.h"
#include "sp_voxel.h"
#if SP_HAVE_OPENCL
#include "cl_int.h"
#endif

/* Tables for the dispatch: what matters is which entries are there (the
 * functions are never called). */
static void never(void) {}
/* Every version, OpenCL's among them. */
#define ALL_VERSIONS                                                           \
    {                                                                          \
        SP__KT_SCALAR(never)                                                   \
        SP__KT_SSE41(never)                                                    \
        SP__KT_AVX2(never) SP__KT_NEON(never) SP__KT_OPENCL(never)             \
    }
static const sp__ktable t_full = {"test", ALL_VERSIONS, 1u << 30, 0};
static const sp__ktable t_cpu = {
    "test",
    {SP__KT_SCALAR(never) SP__KT_SSE41(never) SP__KT_AVX2(never)
         SP__KT_NEON(never)},
    0,
    0,
};
#if SP_HAVE_OPENCL
static const sp__ktable t_copy_bound = {"test", ALL_VERSIONS, 1000,
                                        SP__KT_STREAMING};
static const sp__ktable t_divide = {"test", ALL_VERSIONS, 1000,
                                    SP__KT_EXACT_DIVIDE};
static const sp__ktable t_fp64 = {"test", ALL_VERSIONS, 1000, SP__KT_FP64};
#endif
static const sp__ktable t_scalar = {"test", {SP__KT_SCALAR(never)}, 0, 0};
static const sp__ktable t_sse41 = {
    "test", {SP__KT_SCALAR(never) SP__KT_SSE41(never)}, 0, 0};

/* The version a context of level l runs from a table with every CPU one. */
static sp__kimpl widest(sp_simd_level l)
{
    return l == SP_SIMD_AVX2    ? SP__KIMPL_AVX2
           : l == SP_SIMD_SSE41 ? SP__KIMPL_SSE41
           : l == SP_SIMD_NEON  ? SP__KIMPL_NEON
                                : SP__KIMPL_SCALAR;
}

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
    assert_int_equal(sp__kctx_pick_impl(k, &t_full, 1u << 30),
                     SP__KIMPL_SCALAR);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_SCALAR);
    assert_int_equal(sp_kctx_last_simd(k), SP_SIMD_NONE);
    sp_kctx_destroy(k);

    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    assert_int_equal(sp_kctx_backend(k), SP_BACKEND_AUTO);
    /* Without a GPU (and without SP_OPENCL_DEVICE), AUTO never runs
     * OpenCL; with the CPU's SIMD it runs SIMD. */
    sp__kimpl got = sp__kctx_pick_impl(k, &t_cpu, 100);
    assert_int_equal(got, widest(sp_kctx_simd_level(k)));
    assert_int_equal(sp_kctx_last_backend(k),
                     sp_kctx_simd_level(k) == SP_SIMD_NONE ? SP_BACKEND_SCALAR
                                                           : SP_BACKEND_SIMD);
    assert_int_equal(sp_kctx_last_simd(k), sp_kctx_simd_level(k));
    /* A kernel without SIMD versions records scalar, not the context's
     * level. */
    assert_int_equal(sp__kctx_pick_impl(k, &t_scalar, 100), SP__KIMPL_SCALAR);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_SCALAR);
    assert_int_equal(sp_kctx_last_simd(k), SP_SIMD_NONE);
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
        assert_int_equal(sp__kctx_pick_impl(k, &t_full, 10), SP__KIMPL_SSE41);
        assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_SIMD);
        assert_int_equal(sp_kctx_last_simd(k), SP_SIMD_SSE41);
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

/* The one ladder: the widest version a table has within the context's
 * level, and AUTO's fall-back to it after an OpenCL failure. */
static void test_table_pick(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    sp_simd_level l = sp_kctx_simd_level(k);
    /* A table with fewer versions than the context's level: the widest
     * it has, and that is what is recorded. */
    sp__kimpl want = SP__KIMPL_SCALAR;
    if (l == SP_SIMD_AVX2 || l == SP_SIMD_SSE41)
        want = SP__KIMPL_SSE41;
    assert_int_equal(sp__kctx_pick_impl(k, &t_sse41, 10), want);
    assert_int_equal(sp_kctx_last_simd(k),
                     want == SP__KIMPL_SSE41 ? SP_SIMD_SSE41 : SP_SIMD_NONE);
    /* AUTO after a device failure: the CPU version, the message cleared;
     * after success, OpenCL stays. */
    sp__fail(SP_EIO, "device lost");
    assert_int_equal(sp__kctx_after_cl(k, &t_full, SP_EIO), widest(l));
    assert_string_equal(sp_errmsg(), "");
    assert_int_not_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    assert_int_equal(sp__kctx_after_cl(k, &t_full, SP_OK), SP__KIMPL_OPENCL);
    /* Work below the table's minimum never goes to a device. */
    assert_int_not_equal(sp__kctx_pick_impl(k, &t_full, 1), SP__KIMPL_OPENCL);
    sp_kctx_destroy(k);

    /* A scalar context: scalar from any table, and a failure under an
     * explicit back-end is the kernel's to report. */
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    assert_int_equal(sp__kctx_pick_impl(k, &t_cpu, 1u << 30), SP__KIMPL_SCALAR);
    assert_int_equal(sp__kctx_cpu_impl(k, &t_full), SP__KIMPL_SCALAR);
    assert_int_equal(sp__kctx_after_cl(k, &t_full, SP_EIO), SP__KIMPL_OPENCL);
    sp_kctx_destroy(k);
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
    /* Half again ahead: requests up to 1.5 x 100000 bytes keep the block. */
    char *e = sp__kctx_scratch(k, 0, 100000);
    assert_ptr_equal(sp__kctx_scratch(k, 0, 150000), e);
    sp_kctx_destroy(k);
}

/* core/grow_int.h: half as much again, aligned, never wrapping. */
static void test_grow_size(void **state)
{
    (void)state;
    assert_int_equal(sp__grow_size(0, 64), 64);
    assert_int_equal(sp__grow_size(1, 64), 64);
    assert_int_equal(sp__grow_size(1000, 64), 1536);
    assert_int_equal(sp__grow_size(1000, 1), 1500);
    assert_int_equal(sp__grow_size(7, 1), 10);
    size_t big = (SIZE_MAX - 64) / 3 * 2;
    size_t w = sp__grow_size(big, 64);
    assert_true(w >= big + big / 2 && w % 64 == 0);
    assert_int_equal(sp__grow_size(big + 1, 64), 0);
    assert_int_equal(sp__grow_size(SIZE_MAX, 1), 0);
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
    /* Explicit: the device whatever the work, and a failure reported. */
    assert_int_equal(sp__kctx_pick_impl(k, &t_full, 1), SP__KIMPL_OPENCL);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    assert_int_equal(sp__kctx_after_cl(k, &t_full, SP_EIO), SP__KIMPL_OPENCL);
    /* A kernel without an OpenCL version runs on the CPU, recorded. */
    assert_int_equal(sp__kctx_pick_impl(k, &t_cpu, 1), widest(k->simd));
    assert_int_equal(sp_kctx_last_backend(k), k->simd == SP_SIMD_NONE
                                                  ? SP_BACKEND_SCALAR
                                                  : SP_BACKEND_SIMD);
    sp_kctx_destroy(k);

    /* The device's name as a selector gives the same device. */
    d.opencl_device = "0";
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    sp_kctx_destroy(k);
#endif
}

#if SP_HAVE_OPENCL
/* A kernel context of backend AUTO on OpenCL device 0 (PoCL's in CI); NULL,
 * having said so, when there is no device. SP_OPENCL_MEMORY is read as it
 * is set now. */
static sp_kctx *auto_on_device0(void)
{
    sp_kctx_desc d = {.backend = SP_BACKEND_AUTO, .opencl_device = "0"};
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    if (!k->cl) {
        sp_kctx_destroy(k);
        print_message("skipped: no OpenCL device\n");
        return NULL;
    }
    return k;
}
#endif

/* AUTO with a named device: a copy-bound table (SP__KT_STREAMING) goes to
 * a device that shares host memory from its minimum work on, and never to
 * one with its own memory (SP_OPENCL_MEMORY=copy makes PoCL's device one),
 * while an ordinary table goes to either. */
static void test_auto_copy_bound(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    skip();
#else
    sp_kctx_desc d = {.backend = SP_BACKEND_AUTO, .opencl_device = "0"};
    for (int copy = 0; copy < 2; copy++) {
        if (copy)
            setenv("SP_OPENCL_MEMORY", "copy", 1);
        sp_kctx *k = auto_on_device0();
        if (!k) {
            unsetenv("SP_OPENCL_MEMORY");
            skip();
        }
        int shares = sp__kctx_streaming_min_work(k, 1) != SIZE_MAX;
        assert_int_not_equal(sp__kctx_pick_impl(k, &t_copy_bound, 999),
                             SP__KIMPL_OPENCL);
        assert_int_equal(sp__kctx_pick_impl(k, &t_copy_bound, 1000000) ==
                             SP__KIMPL_OPENCL,
                         shares);
        assert_int_equal(sp__kctx_pick_impl(k, &t_full, 1u << 30),
                         SP__KIMPL_OPENCL);
        if (copy)
            assert_false(shares);
        sp_kctx_destroy(k);
    }
    unsetenv("SP_OPENCL_MEMORY");
    /* Anything else is refused, naming the variable, under AUTO too (where
     * a device is there to use). */
    setenv("SP_OPENCL_MEMORY", "zerocopy", 1);
    sp_kctx *k = NULL;
    for (int b = 0; b < 2; b++) {
        d.backend = b ? SP_BACKEND_AUTO : SP_BACKEND_OPENCL;
        assert_int_equal(sp_kctx_create(&d, &k), SP_EINVAL);
        assert_null(k);
        assert_non_null(strstr(sp_errmsg(), "SP_OPENCL_MEMORY='zerocopy'"));
    }
    unsetenv("SP_OPENCL_MEMORY");
#endif
}

/* The kernels whose OpenCL pays on a device with its own memory in one
 * mode and not another (measured on an H200): YUV conversion and area
 * resize go to it, conversion from RGB and linear resize stay on the CPU.
 * PoCL's device stands in for it with SP_OPENCL_MEMORY=copy. */
static void test_auto_per_mode(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    skip();
#else
    setenv("SP_OPENCL_MEMORY", "copy", 1);
    sp_kctx *k = auto_on_device0();
    unsetenv("SP_OPENCL_MEMORY");
    if (!k)
        skip();
    const uint32_t w = 1920, h = 1080, sw = 2400, sh = 1800;
    uint8_t *in = calloc((size_t)sw * sh * 3, 1);
    uint8_t *out = calloc((size_t)w * h * 3, 1);
    assert_true(in && out);
    sp_image nv12 = {in, w, h, w, SP_PIX_NV12, 0};
    sp_image rgb = {in, w, h, (size_t)w * 3, SP_PIX_RGB8, 0};
    sp_image o = {out, w, h, (size_t)w * 3, SP_PIX_RGB8, 0};
    sp_convert_desc cd = {.to = SP_CONVERT_RGB};
    assert_int_equal(sp_convert(k, &cd, &nv12, &o), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    sp_image g = {out, w, h, w, SP_PIX_GRAY8, 0};
    cd.to = SP_CONVERT_GRAY;
    assert_int_equal(sp_convert(k, &cd, &rgb, &g), SP_OK);
    assert_int_not_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    /* 2400x1800 to 600x450: a source of 13 M elements, an output of 0.8 M */
    sp_image big = {in, sw, sh, (size_t)sw * 3, SP_PIX_RGB8, 0};
    sp_image small = {out, 600, 450, 600 * 3, SP_PIX_RGB8, 0};
    assert_int_equal(sp_resize(k, &big, &small, SP_RESIZE_AREA), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    /* 1920x1080 to 2400x1800 linear: 13 M output elements, still the CPU */
    sp_image up = {in, sw, sh, (size_t)sw * 3, SP_PIX_RGB8, 0};
    sp_image src = {out, w, h, (size_t)w * 3, SP_PIX_RGB8, 0};
    assert_int_equal(sp_resize(k, &src, &up, SP_RESIZE_LINEAR), SP_OK);
    assert_int_not_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    free(in);
    free(out);
    sp_kctx_destroy(k);
#endif
}

/* AUTO and a device that rounds otherwise than the CPU: a table whose
 * OpenCL body needs correctly rounded float divide and sqrt (range,
 * project, bev) or double precision (voxel, lidar packets) stays on the CPU
 * there, while an explicit opencl back-end still runs it. PoCL's device
 * has both; the test clears what the context learnt of it. */
static void test_auto_needs_exact(void **state)
{
    (void)state;
#if !SP_HAVE_OPENCL
    skip();
#else
    sp_kctx *k = auto_on_device0();
    if (!k)
        skip();
    const size_t big = (size_t)1 << 21;
    if ((k->cl->exact & (SP__KT_EXACT_DIVIDE | SP__KT_FP64)) !=
        (SP__KT_EXACT_DIVIDE | SP__KT_FP64)) {
        print_message("note: device '%s' lacks exact divide or fp64\n",
                      k->cl->device_name);
    }
    assert_true(sp__kctx_cl_exact(k, &t_full));
    for (int pass = 0; pass < 3; pass++) {
        /* 0: as found; 1: no exact divide; 2: no fp64 */
        if (pass)
            k->cl->exact = pass == 1 ? SP__KT_FP64 : SP__KT_EXACT_DIVIDE;
        unsigned ex = k->cl->exact;
        assert_int_equal(sp__kctx_pick_impl(k, &t_full, 1u << 30),
                         SP__KIMPL_OPENCL);
        assert_int_equal(sp__kctx_pick_impl(k, &t_divide, big) ==
                             SP__KIMPL_OPENCL,
                         (ex & SP__KT_EXACT_DIVIDE) != 0);
        assert_int_equal(sp__kctx_pick_impl(k, &t_fp64, big) ==
                             SP__KIMPL_OPENCL,
                         (ex & SP__KT_FP64) != 0);
    }
    /* The real tables carry the flags: range (float divide and sqrt) runs
     * on the CPU with exact divide gone, on OpenCL with fp64 gone. */
    const size_t n = 250000;
    size_t bytes = sp_points_block_size(n, 0);
    void *pm = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    sp_points p;
    assert_non_null(pm);
    assert_int_equal(sp_points_init(&p, pm, bytes, n, 0), SP_OK);
    for (size_t i = 0; i < n; i++) {
        p.x[i] = 5.0f + (float)(i % 97);
        p.y[i] = (float)(i % 89) - 44.0f;
        p.z[i] = (float)(i % 7) * 0.3f - 1.0f;
        p.intensity[i] = 0.5f;
    }
    p.count = n;
    sp_range_params rp = {
        .rows = 64, .cols = 1024, .fov_down = -24.8, .fov_up = 2.0};
    size_t shape[3];
    assert_int_equal(sp_range_shape(&rp, shape), SP_OK);
    size_t tb = sp_tensor_block_size(SP_DTYPE_F32, 3, shape);
    void *tm = aligned_alloc(64, (tb + 63) & ~(size_t)63);
    sp_tensor t;
    assert_non_null(tm);
    assert_int_equal(sp_tensor_init(&t, tm, tb, SP_DTYPE_F32, 3, shape), SP_OK);
    k->cl->exact = SP__KT_EXACT_DIVIDE | SP__KT_FP64;
    assert_int_equal(sp_range_project(k, &rp, &p, &t), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    k->cl->exact = SP__KT_FP64;
    assert_int_equal(sp_range_project(k, &rp, &p, &t), SP_OK);
    assert_int_not_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    k->cl->exact = SP__KT_EXACT_DIVIDE;
    assert_int_equal(sp_range_project(k, &rp, &p, &t), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    sp_kctx_destroy(k);
    /* An explicit opencl back-end is the caller's choice: it runs there. */
    sp_kctx_desc d = {.backend = SP_BACKEND_OPENCL, .opencl_device = "0"};
    assert_int_equal(sp_kctx_create(&d, &k), SP_OK);
    k->cl->exact = 0;
    assert_int_equal(sp__kctx_pick_impl(k, &t_divide, 1), SP__KIMPL_OPENCL);
    assert_int_equal(sp__kctx_pick_impl(k, &t_fp64, 1), SP__KIMPL_OPENCL);
    assert_int_equal(sp_range_project(k, &rp, &p, &t), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_OPENCL);
    sp_kctx_destroy(k);
    free(pm);
    free(tm);
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
        cmocka_unit_test(test_table_pick),
        cmocka_unit_test(test_scratch_grows_only),
        cmocka_unit_test(test_grow_size),
        cmocka_unit_test(test_opencl_explicit),
        cmocka_unit_test(test_auto_copy_bound),
        cmocka_unit_test(test_auto_per_mode),
        cmocka_unit_test(test_auto_needs_exact),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
