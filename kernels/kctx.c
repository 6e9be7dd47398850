/* The kernel context: which back-end runs, grow-only scratch memory, the
 * per-call dispatch decision, and the account of what the runtime found
 * (sp_kernels_describe).
 *
 * AUTO and OpenCL: AUTO opens an OpenCL device only when it is a GPU or an
 * accelerator, or when the caller named one (desc->opencl_device or
 * SP_OPENCL_DEVICE). PoCL's CPU device runs these kernels on the same cores
 * as the SIMD code, slower (see bench/bench_lidar.c), so AUTO does not pick
 * it by itself. Each kernel's table then gives the work size from which
 * its OpenCL version beats SIMD (sp__ktable.opencl_min_work). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow_int.h"
#include "kernels_int.h"
#if SP_HAVE_OPENCL
#include "cl_int.h"
#endif

static void fill_ladder(sp_kctx *k)
{
    int n = 0;
    if (k->backend != SP_BACKEND_SCALAR) {
        switch (k->simd) {
        case SP_SIMD_AVX2:
            k->cpu_ladder[n++] = SP__KIMPL_AVX2;
            k->cpu_ladder[n++] = SP__KIMPL_SSE41;
            break;
        case SP_SIMD_SSE41:
            k->cpu_ladder[n++] = SP__KIMPL_SSE41;
            break;
        case SP_SIMD_NEON:
            k->cpu_ladder[n++] = SP__KIMPL_NEON;
            break;
        default:
            break;
        }
    }
    k->cpu_ladder[n++] = SP__KIMPL_SCALAR;
    k->cpu_rungs = n;
}

static void record(sp_kctx *k, sp__kimpl im)
{
    k->last_impl = im;
    k->last = im == SP__KIMPL_OPENCL   ? SP_BACKEND_OPENCL
              : im == SP__KIMPL_SCALAR ? SP_BACKEND_SCALAR
                                       : SP_BACKEND_SIMD;
}

sp__kimpl sp__kctx_cpu_impl(sp_kctx *k, const sp__ktable *t)
{
    for (int i = 0; i < k->cpu_rungs; i++)
        if (t->fn[k->cpu_ladder[i]]) {
            record(k, k->cpu_ladder[i]);
            return k->cpu_ladder[i];
        }
    record(k, SP__KIMPL_SCALAR);
    return SP__KIMPL_SCALAR;
}

sp__kimpl sp__kctx_pick_impl(sp_kctx *k, const sp__ktable *t, size_t work)
{
    if (t->fn[SP__KIMPL_OPENCL] && k->cl) {
        size_t min = t->opencl_min_work;
        if (t->flags & SP__KT_STREAMING)
            min = sp__kctx_streaming_min_work(k, min);
        if (k->backend == SP_BACKEND_OPENCL ||
            (k->backend == SP_BACKEND_AUTO && work >= min &&
             sp__kctx_cl_exact(k, t))) {
            record(k, SP__KIMPL_OPENCL);
            return SP__KIMPL_OPENCL;
        }
    }
    /* Without an OpenCL version an explicit opencl back-end runs on the
     * CPU, and sp_kctx_last_backend() says so. */
    return sp__kctx_cpu_impl(k, t);
}

sp__kimpl sp__kctx_after_cl(sp_kctx *k, const sp__ktable *t, int rc)
{
    if (rc >= 0 || k->backend != SP_BACKEND_AUTO)
        return SP__KIMPL_OPENCL;
    sp_errmsg_clear();
    return sp__kctx_cpu_impl(k, t);
}

sp_simd_level sp_kctx_last_simd(const sp_kctx *k)
{
    if (!k)
        return SP_SIMD_NONE;
    switch (k->last_impl) {
    case SP__KIMPL_SSE41:
        return SP_SIMD_SSE41;
    case SP__KIMPL_AVX2:
        return SP_SIMD_AVX2;
    case SP__KIMPL_NEON:
        return SP_SIMD_NEON;
    default:
        return SP_SIMD_NONE;
    }
}

int sp_kctx_create(const sp_kctx_desc *desc, sp_kctx **out)
{
    static const sp_kctx_desc defaults = {0};
    SP_GUARD(out != NULL);
    *out = NULL;
    if (!desc)
        desc = &defaults;
    if (desc->backend < SP_BACKEND_AUTO || desc->backend > SP_BACKEND_OPENCL)
        return sp__fail(SP_EINVAL,
                        "kernel context: backend %d unknown, expected auto, "
                        "scalar, simd or opencl",
                        (int)desc->backend);

    sp_kctx *k = calloc(1, sizeof *k);
    if (!k)
        return sp__fail(SP_ENOMEM, "kernel context: out of memory");
    k->backend = desc->backend;
    k->last = desc->backend;
    k->simd = sp_simd_detect();
    fill_ladder(k);

    if (k->backend == SP_BACKEND_SIMD && k->simd == SP_SIMD_NONE) {
        char why[256];
        sp__simd_explain(why, sizeof why);
        free(k);
        return sp__fail(SP_EUNSUPPORTED,
                        "kernel context: backend 'simd' asked for but no SIMD "
                        "level is usable (%s)",
                        why);
    }
    if (k->backend == SP_BACKEND_OPENCL) {
#if SP_HAVE_OPENCL
        int rc = sp__cl_open(desc->opencl_device, 0, &k->cl);
        if (rc < 0) {
            free(k);
            return sp__fail_context(rc, "kernel context: backend 'opencl': ");
        }
#else
        free(k);
        return sp__fail(SP_EUNSUPPORTED,
                        "kernel context: backend 'opencl' asked for but this "
                        "build has no OpenCL (built with SP_WITH_OPENCL=OFF "
                        "or no OpenCL found at build time)");
#endif
    }
#if SP_HAVE_OPENCL
    if (k->backend == SP_BACKEND_AUTO) {
        /* A missing or CPU-only device is normal for AUTO: keep SIMD. A
         * setting it cannot read (SP_OPENCL_MEMORY) is the user's error,
         * reported as under the explicit back-end. */
        int rc = sp__cl_open(desc->opencl_device, 1, &k->cl);
        if (rc == SP_EINVAL) {
            free(k);
            return sp__fail_context(rc, "kernel context: backend 'auto': ");
        }
        if (rc < 0) {
            k->cl = NULL;
            sp_errmsg_clear();
        }
    }
#endif
    *out = k;
    return SP_OK;
}

void sp_kctx_destroy(sp_kctx *k)
{
    if (!k)
        return;
#if SP_HAVE_OPENCL
    sp__cl_close(k->cl);
#endif
    for (int i = 0; i < SP__KCTX_SCRATCH_SLOTS; i++)
        free(k->scratch[i].ptr);
    free(k);
}

sp_backend sp_kctx_backend(const sp_kctx *k)
{
    return k ? k->backend : SP_BACKEND_AUTO;
}

sp_simd_level sp_kctx_simd_level(const sp_kctx *k)
{
    return k ? k->simd : SP_SIMD_NONE;
}

sp_backend sp_kctx_last_backend(const sp_kctx *k)
{
    return k ? k->last : SP_BACKEND_AUTO;
}

static const char *const backend_names[] = {"auto", "scalar", "simd", "opencl"};

const char *sp_backend_name(sp_backend b)
{
    if (b >= SP_BACKEND_AUTO && b <= SP_BACKEND_OPENCL)
        return backend_names[b];
    return "unknown";
}

int sp_backend_from_name(const char *name, sp_backend *out)
{
    SP_GUARD(name != NULL && out != NULL);
    for (int i = 0; i <= SP_BACKEND_OPENCL; i++)
        if (strcmp(name, backend_names[i]) == 0) {
            *out = (sp_backend)i;
            return SP_OK;
        }
    return sp__fail(SP_EINVAL,
                    "backend '%s' unknown, expected auto, scalar, simd or "
                    "opencl",
                    name);
}

void *sp__kctx_scratch(sp_kctx *k, int slot, size_t n)
{
    if (!k || slot < 0 || slot >= SP__KCTX_SCRATCH_SLOTS) {
        sp__fail(SP_EINVAL, "kernel scratch: bad context or slot %d", slot);
        return NULL;
    }
    sp__scratch *s = &k->scratch[slot];
    if (s->ptr && s->size >= n)
        return s->ptr;
    size_t want = sp__grow_size(n, 64);
    if (!want) {
        sp__fail(SP_ENOMEM, "kernel scratch: %zu bytes is too large", n);
        return NULL;
    }
    void *p = aligned_alloc(64, want);
    if (!p) {
        sp__fail(SP_ENOMEM,
                 "kernel scratch: slot %d: cannot allocate %zu "
                 "bytes",
                 slot, want);
        return NULL;
    }
    free(s->ptr);
    s->ptr = p;
    s->size = want;
    return p;
}

int sp__kctx_cl_exact(const sp_kctx *k, const sp__ktable *t)
{
    unsigned need = t->flags & (SP__KT_EXACT_DIVIDE | SP__KT_FP64);
#if SP_HAVE_OPENCL
    if (k->cl)
        return (need & ~k->cl->exact) == 0;
#endif
    (void)k;
    return need == 0;
}

size_t sp__kctx_streaming_min_work(const sp_kctx *k, size_t min_work)
{
#if SP_HAVE_OPENCL
    if (k->cl && !k->cl->unified_memory)
        return SIZE_MAX;
#endif
    (void)k;
    return min_work;
}

int sp__image_check(const char *kernel, const char *what, const sp_image *im)
{
    size_t row = sp_image_row_bytes(im->width, im->format);
    size_t ch = sp_pixfmt_channels(im->format);
    size_t sample = ch ? sp_pixfmt_bytes_per_pixel(im->format) / ch : 1;
    if (im->format == SP_PIX_NV12 || im->format == SP_PIX_YUYV ||
        im->format == SP_PIX_UYVY)
        sample = 1;
    else if (sp_pixfmt_is_bayer(im->format))
        sample = sp_pixfmt_bytes_per_pixel(im->format);
    if (im->width == 0 || im->height == 0)
        return SP_OK;
    if (!im->data)
        return sp__fail(SP_EINVAL, "%s: %s image has no data", kernel, what);
    if (im->stride < row)
        return sp__fail(SP_EINVAL, "%s: %s stride %zu < row of %zu bytes",
                        kernel, what, im->stride, row);
    if (sample > 1 && (((uintptr_t)im->data | im->stride) & (sample - 1)))
        return sp__fail(SP_EINVAL,
                        "%s: %s %zu-bit data or stride %zu is not aligned, "
                        "expected %zu-byte alignment",
                        kernel, what, sample * 8, im->stride, sample);
    return SP_OK;
}

int sp_kernels_describe(char *buf, size_t cap)
{
    size_t len = 0;
    char line[512];
#define PUT(...)                                                               \
    len += (size_t)snprintf(len < cap ? buf + len : NULL,                      \
                            len < cap ? cap - len : 0, __VA_ARGS__)
    if (!buf)
        cap = 0;
    sp__simd_explain(line, sizeof line);
    PUT("SIMD: %s\n", line);
    PUT("  CPU best: %s; SP_SIMD=%s\n", sp_simd_level_name(sp__simd_cpu_best()),
        getenv("SP_SIMD") ? getenv("SP_SIMD") : "(unset)");
#if SP_HAVE_OPENCL
    PUT("OpenCL: built in; platforms and devices (* = explicit choice):\n");
    struct sp__cl *cl = NULL;
    char explicit_note[512] = "";
    if (sp__cl_open(NULL, 0, &cl) < 0)
        snprintf(explicit_note, sizeof explicit_note, "%s", sp_errmsg());
    char devs[2048];
    sp__cl_describe(cl, devs, sizeof devs);
    PUT("%s", devs);
    if (cl)
        PUT("  backend=opencl uses '%s / %s': %s\n", cl->platform_name,
            cl->device_name, cl->why);
    else
        PUT("  backend=opencl fails: %s\n", explicit_note);
    sp__cl_close(cl);
    cl = NULL;
    if (sp__cl_open(NULL, 1, &cl) == 0) {
        PUT("  backend=auto uses OpenCL on '%s' for large inputs (%s), SIMD "
            "otherwise\n",
            cl->device_name, cl->why);
        sp__cl_close(cl);
    } else {
        PUT("  backend=auto uses SIMD/scalar, no OpenCL: %s (a CPU OpenCL "
            "device is not faster than SIMD here; name it with "
            "SP_OPENCL_DEVICE or backend=opencl to use it)\n",
            sp_errmsg());
    }
    sp_errmsg_clear();
#else
    PUT("OpenCL: not in this build (SP_WITH_OPENCL=OFF or not found at build "
        "time); backend=auto uses SIMD/scalar\n");
#endif
#undef PUT
    return (int)len;
}
