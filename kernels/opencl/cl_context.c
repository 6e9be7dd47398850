/* The OpenCL back-end's context: device choice, context and in-order queue,
 * the program/kernel cache and launches (buffers: cl_buffers.c). See
 * cl_int.h for the contract. */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_int.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

typedef struct cl_dev_info {
    cl_platform_id platform;
    cl_device_id device;
    cl_device_type type;
    char platform_name[SP__CL_NAME_MAX];
    char device_name[SP__CL_NAME_MAX];
} cl_dev_info;

static const char *type_name(cl_device_type t)
{
    if (t & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (t & CL_DEVICE_TYPE_CPU)
        return "CPU";
    if (t & CL_DEVICE_TYPE_ACCELERATOR)
        return "accelerator";
    return "other";
}

/* Every device of every platform, in clinfo -l order. Returns the count
 * (>= 0) or SP_EUNSUPPORTED when there is no platform at all. */
static int list_devices(cl_dev_info *out, int cap)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (err != CL_SUCCESS || np == 0)
        return sp__fail(SP_EUNSUPPORTED,
                        "opencl: no OpenCL platform found (clGetPlatformIDs: "
                        "%s); install an ICD such as pocl-opencl-icd",
                        sp__cl_error_name(err));
    if (np > MAX_PLATFORMS)
        np = MAX_PLATFORMS;
    int n = 0;
    for (cl_uint p = 0; p < np && n < cap; p++) {
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        char pname[SP__CL_NAME_MAX] = "";
        clGetPlatformInfo(plats[p], CL_PLATFORM_NAME, sizeof pname - 1, pname,
                          NULL);
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs,
                           &nd) != CL_SUCCESS)
            continue;
        if (nd > MAX_DEVICES)
            nd = MAX_DEVICES;
        for (cl_uint d = 0; d < nd && n < cap; d++) {
            cl_dev_info *di = &out[n++];
            memset(di, 0, sizeof *di);
            di->platform = plats[p];
            di->device = devs[d];
            snprintf(di->platform_name, sizeof di->platform_name, "%s", pname);
            clGetDeviceInfo(devs[d], CL_DEVICE_NAME, sizeof di->device_name - 1,
                            di->device_name, NULL);
            clGetDeviceInfo(devs[d], CL_DEVICE_TYPE, sizeof di->type, &di->type,
                            NULL);
        }
    }
    return n;
}

static int contains_nocase(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i] &&
               tolower((unsigned char)h[i]) ==
                   tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return 1;
    }
    return nl == 0;
}

/* Picks the device index for `sel` (index or name substring) or the default
 * rule; writes why. Returns the index or a negative status. */
static int choose(const cl_dev_info *devs, int n, const char *sel,
                  const char *origin, char *why, size_t whycap)
{
    if (n == 0)
        return sp__fail(SP_EUNSUPPORTED,
                        "opencl: the OpenCL platforms list no device");
    if (sel && *sel) {
        char *end = NULL;
        long idx = strtol(sel, &end, 10);
        if (end && *end == '\0') {
            if (idx < 0 || idx >= n)
                return sp__fail(SP_ENOTFOUND,
                                "opencl: %s='%s': no device with that index, "
                                "expected 0..%d",
                                origin, sel, n - 1);
            snprintf(why, whycap, "%s=%s selects device %ld", origin, sel, idx);
            return (int)idx;
        }
        for (int i = 0; i < n; i++) {
            char full[2 * SP__CL_NAME_MAX + 4];
            snprintf(full, sizeof full, "%s / %s", devs[i].platform_name,
                     devs[i].device_name);
            if (contains_nocase(full, sel)) {
                snprintf(why, whycap, "%s='%s' matches device %d", origin, sel,
                         i);
                return i;
            }
        }
        char names[512] = "";
        size_t len = 0;
        for (int i = 0; i < n && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len,
                                    "%s[%d] %s / %s", i ? ", " : "", i,
                                    devs[i].platform_name, devs[i].device_name);
        return sp__fail(SP_ENOTFOUND,
                        "opencl: %s='%s': no device name contains it "
                        "(devices: %s)",
                        origin, sel, names);
    }
    for (int i = 0; i < n; i++)
        if (devs[i].type & CL_DEVICE_TYPE_GPU) {
            snprintf(why, whycap, "first GPU device (%d)", i);
            return i;
        }
    for (int i = 0; i < n; i++)
        if (devs[i].type & CL_DEVICE_TYPE_CPU) {
            snprintf(why, whycap, "no GPU; first CPU device (%d)", i);
            return i;
        }
    snprintf(why, whycap, "no GPU or CPU device; first device (0)");
    return 0;
}

/* SP_OPENCL_MEMORY: 1 for "copy" (every device used as if it had its own
 * memory), 0 for "auto" or unset, -1 for anything else. */
static int forced_copy(void)
{
    const char *mem = getenv("SP_OPENCL_MEMORY");
    if (!mem || !*mem || strcmp(mem, "auto") == 0)
        return 0;
    return strcmp(mem, "copy") == 0 ? 1 : -1;
}

int sp__cl_explicit(const char *select)
{
    const char *env = getenv("SP_OPENCL_DEVICE");
    return (select && *select) || (env && *env);
}

/* One cl_context per device for the whole process, each kernel context
 * holding a reference and its own in-order queue (OpenCL's calls are
 * thread-safe across queues of one context; kernels, whose arguments are
 * not, stay per kernel context). On a GPU a context is the driver's whole
 * device context: NVIDIA's took 250 ms or more to create and destroy on an
 * H200, and a pipeline opens one kernel context per stage, a test suite
 * thousands. The table keeps its reference until the process exits, as
 * the CUDA runtime keeps its primary context; a device past the table's
 * size gets a context of its own, as before. */
#define MAX_SHARED_CONTEXTS 8
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    cl_device_id device;
    cl_context context;
} shared[MAX_SHARED_CONTEXTS];
static int nshared;

/* A child of fork() must not use its parent's contexts (no driver carries
 * its threads or device state across fork): it starts with an empty table,
 * as it did when every kernel context made its own. */
static void shared_lock_take(void)
{
    pthread_mutex_lock(&shared_lock);
}

static void shared_lock_give(void)
{
    pthread_mutex_unlock(&shared_lock);
}

static void shared_forget(void)
{
    nshared = 0;
    pthread_mutex_unlock(&shared_lock);
}

static void shared_atfork(void)
{
    pthread_atfork(shared_lock_take, shared_lock_give, shared_forget);
}

static cl_context shared_context(cl_platform_id platform, cl_device_id device,
                                 cl_int *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    cl_context c = NULL;
    *err = CL_SUCCESS;
    pthread_once(&once, shared_atfork);
    pthread_mutex_lock(&shared_lock);
    for (int i = 0; i < nshared && !c; i++)
        if (shared[i].device == device)
            c = shared[i].context;
    if (c) {
        *err = clRetainContext(c);
        if (*err != CL_SUCCESS)
            c = NULL;
    } else {
        cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                         (cl_context_properties)platform, 0};
        c = clCreateContext(props, 1, &device, NULL, NULL, err);
        if (c && nshared < MAX_SHARED_CONTEXTS &&
            clRetainContext(c) == CL_SUCCESS) {
            shared[nshared].device = device;
            shared[nshared].context = c;
            nshared++;
        }
    }
    pthread_mutex_unlock(&shared_lock);
    return c;
}

int sp__cl_open(const char *select, int gpu_only, struct sp__cl **out)
{
    int rc = SP_OK;
    const char *cl_what = "opencl";
    cl_dev_info devs[MAX_DEVICES];
    char why[256] = "";
    cl_int err;
    const char *origin = "device";

    *out = NULL;
    if (!select || !*select) {
        select = getenv("SP_OPENCL_DEVICE");
        origin = "SP_OPENCL_DEVICE";
    }
    int n = list_devices(devs, MAX_DEVICES);
    if (n < 0)
        return n;
    int pick = choose(devs, n, select, origin, why, sizeof why);
    if (pick < 0)
        return pick;
    if (gpu_only && !(select && *select) &&
        !(devs[pick].type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)))
        return sp__fail(SP_ENOTFOUND,
                        "opencl: no GPU or accelerator device (found '%s / "
                        "%s', a %s device)",
                        devs[pick].platform_name, devs[pick].device_name,
                        type_name(devs[pick].type));

    struct sp__cl *cl = calloc(1, sizeof *cl);
    if (!cl)
        return sp__fail(SP_ENOMEM, "opencl: out of memory for the context");
    cl->platform = devs[pick].platform;
    cl->device = devs[pick].device;
    cl->device_type = devs[pick].type;
    memcpy(cl->platform_name, devs[pick].platform_name,
           sizeof cl->platform_name);
    memcpy(cl->device_name, devs[pick].device_name, sizeof cl->device_name);
    snprintf(cl->why, sizeof cl->why, "%s", why);

    cl_bool unified = CL_FALSE;
    cl_uint align_bits = 1024;
    SP_CL_TRY(clGetDeviceInfo(cl->device, CL_DEVICE_HOST_UNIFIED_MEMORY,
                              sizeof unified, &unified, NULL),
              fail);
    cl->unified_memory = unified == CL_TRUE;
    /* SP_OPENCL_MEMORY=copy treats any device as having its own memory:
     * the discrete-GPU path (copies in, reads back) then runs and is tested
     * on PoCL's CPU device too. */
    int copy = forced_copy();
    if (copy < 0) {
        rc = sp__fail(SP_EINVAL,
                      "SP_OPENCL_MEMORY='%s': expected 'copy' or 'auto'",
                      getenv("SP_OPENCL_MEMORY"));
        goto fail;
    }
    if (copy)
        cl->unified_memory = 0;
    SP_CL_TRY(clGetDeviceInfo(cl->device, CL_DEVICE_MAX_WORK_GROUP_SIZE,
                              sizeof cl->max_work_group, &cl->max_work_group,
                              NULL),
              fail);
    SP_CL_TRY(clGetDeviceInfo(cl->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE,
                              sizeof cl->max_alloc, &cl->max_alloc, NULL),
              fail);
    SP_CL_TRY(clGetDeviceInfo(cl->device, CL_DEVICE_LOCAL_MEM_SIZE,
                              sizeof cl->local_mem, &cl->local_mem, NULL),
              fail);
    SP_CL_TRY(clGetDeviceInfo(cl->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN,
                              sizeof align_bits, &align_bits, NULL),
              fail);
    cl->mem_align = align_bits / 8;
    cl_device_fp_config fp = 0;
    if (clGetDeviceInfo(cl->device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp,
                        NULL) != CL_SUCCESS)
        fp = 0;
    cl_device_fp_config fp64 = 0;
    if (clGetDeviceInfo(cl->device, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64,
                        &fp64, NULL) != CL_SUCCESS)
        fp64 = 0;
    cl->exact =
        ((fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) ? SP__KT_EXACT_DIVIDE
                                                    : 0u) |
        (fp64 ? SP__KT_FP64 : 0u);
    snprintf(cl->build_options, sizeof cl->build_options, "-cl-std=CL1.2%s",
             (cl->exact & SP__KT_EXACT_DIVIDE)
                 ? " -cl-fp32-correctly-rounded-divide-sqrt"
                 : "");

    cl->context = shared_context(cl->platform, cl->device, &err);
    SP_CL_CHECK(err, "clCreateContext", fail);
    /* In order: kernels of one call see the previous ones' results without
     * events, and no event object is ever left to release. */
    cl->queue = clCreateCommandQueue(cl->context, cl->device, 0, &err);
    SP_CL_CHECK(err, "clCreateCommandQueue", fail);
    *out = cl;
    return SP_OK;
fail:
    sp__cl_close(cl);
    return sp__fail_context(rc, "opencl device '%s / %s': ",
                            devs[pick].platform_name, devs[pick].device_name);
}

void sp__cl_close(struct sp__cl *cl)
{
    if (!cl)
        return;
    if (cl->queue)
        clFinish(cl->queue);
    for (int i = 0; i < cl->nkernels; i++)
        clReleaseKernel(cl->kernels[i].kernel);
    for (int i = 0; i < cl->nprograms; i++)
        clReleaseProgram(cl->programs[i].program);
    for (int i = 0; i < SP__CL_SCRATCH_SLOTS; i++)
        if (cl->scratch[i].mem)
            clReleaseMemObject(cl->scratch[i].mem);
    for (int i = 0; i < SP__CL_STAGE_SLOTS; i++)
        if (cl->stage[i].mem)
            clReleaseMemObject(cl->stage[i].mem);
    if (cl->queue)
        clReleaseCommandQueue(cl->queue);
    if (cl->context)
        clReleaseContext(cl->context);
    free(cl);
}

int sp__cl_describe(const struct sp__cl *chosen, char *buf, size_t cap)
{
    cl_dev_info devs[MAX_DEVICES];
    size_t len = 0;
#define PUT(...)                                                               \
    len += (size_t)snprintf(len < cap ? buf + len : NULL,                      \
                            len < cap ? cap - len : 0, __VA_ARGS__)
    int n = list_devices(devs, MAX_DEVICES);
    if (n < 0) {
        PUT("  %s\n", sp_errmsg());
        return (int)len;
    }
    for (int i = 0; i < n; i++) {
        cl_bool unified = CL_FALSE;
        cl_uint cus = 0;
        cl_ulong gmem = 0;
        clGetDeviceInfo(devs[i].device, CL_DEVICE_HOST_UNIFIED_MEMORY,
                        sizeof unified, &unified, NULL);
        clGetDeviceInfo(devs[i].device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cus,
                        &cus, NULL);
        clGetDeviceInfo(devs[i].device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem,
                        &gmem, NULL);
        cl_device_fp_config fp = 0, fp64 = 0;
        clGetDeviceInfo(devs[i].device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp,
                        &fp, NULL);
        clGetDeviceInfo(devs[i].device, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64,
                        &fp64, NULL);
        int is_chosen = chosen && chosen->device == devs[i].device;
        PUT("  %s[%d] %s / %s: %s, %u compute units, %llu MiB, %s, %s, %s\n",
            is_chosen ? "* " : "  ", i, devs[i].platform_name,
            devs[i].device_name, type_name(devs[i].type), cus,
            (unsigned long long)(gmem >> 20),
            !unified ? "own memory (buffers are copied)"
            : forced_copy() > 0
                ? "shares host memory, used as its own (SP_OPENCL_MEMORY=copy)"
                : "shares host memory (zero-copy buffers)",
            (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT)
                ? "exact float divide"
                : "inexact float divide (auto keeps bev, project and range "
                  "on the CPU)",
            fp64 ? "fp64" : "no fp64 (auto keeps voxel and lidar on the CPU)");
    }
#undef PUT
    return (int)len;
}

/* ---- programs and kernels ------------------------------------------- */

int sp__cl_program_build(struct sp__cl *cl, const char *name,
                         const char *source, cl_program *out)
{
    int rc = SP_OK;
    const char *cl_what = name;
    cl_int err;

    *out = NULL;
    cl_program prog =
        clCreateProgramWithSource(cl->context, 1, &source, NULL, &err);
    SP_CL_CHECK(err, "clCreateProgramWithSource", fail);
    err = clBuildProgram(prog, 1, &cl->device, cl->build_options, NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[SP__ERRMSG_MAX];
        log[0] = '\0';
        clGetProgramBuildInfo(prog, cl->device, CL_PROGRAM_BUILD_LOG,
                              sizeof log - 1, log, NULL);
        log[sizeof log - 1] = '\0';
        clReleaseProgram(prog);
        return sp__fail(SP_ECL,
                        "opencl program '%s.cl': clBuildProgram failed: %s "
                        "(%d) on '%s'; build log: %s",
                        name, sp__cl_error_name(err), (int)err, cl->device_name,
                        log[0] ? log : "(empty)");
    }
    *out = prog;
    return SP_OK;
fail:
    return rc;
}

static int build_program(struct sp__cl *cl, const char *name, cl_program *out)
{
    const struct sp__cl_source *src = NULL;
    for (const struct sp__cl_source *s = sp__cl_sources; s->name; s++)
        if (strcmp(s->name, name) == 0) {
            src = s;
            break;
        }
    if (!src)
        return sp__fail(SP_ENOTFOUND,
                        "opencl: no embedded program '%s' (expected a file "
                        "kernels/opencl/%s.cl)",
                        name, name);
    if (cl->nprograms >= SP__CL_MAX_PROGRAMS)
        return sp__fail(SP_ENOMEM, "opencl: program cache full (%d)",
                        SP__CL_MAX_PROGRAMS);
    cl_program prog;
    if (!sp__cl_binary_build(cl, src->name, &prog)) {
        SP_TRY(sp__cl_program_build(cl, name, src->source, &prog));
        sp__cl_binary_keep(cl, src->name, prog);
    }
    cl->programs[cl->nprograms].name = src->name;
    cl->programs[cl->nprograms].program = prog;
    cl->nprograms++;
    *out = prog;
    return SP_OK;
}

int sp__cl_kernel(sp_kctx *k, const char *program, const char *kernel_name,
                  cl_kernel *out)
{
    int rc = SP_OK;
    const char *cl_what = kernel_name;
    cl_int err;

    *out = NULL;
    if (!k || !k->cl)
        return sp__fail(SP_EINVAL,
                        "%s: the kernel context has no OpenCL "
                        "device",
                        kernel_name);
    struct sp__cl *cl = k->cl;
    for (int i = 0; i < cl->nkernels; i++)
        if (strcmp(cl->kernels[i].program, program) == 0 &&
            strcmp(cl->kernels[i].name, kernel_name) == 0) {
            *out = cl->kernels[i].kernel;
            return SP_OK;
        }
    if (cl->nkernels >= SP__CL_MAX_KERNELS)
        return sp__fail(SP_ENOMEM, "opencl: kernel cache full (%d)",
                        SP__CL_MAX_KERNELS);
    if (strlen(kernel_name) >= sizeof cl->kernels[0].name)
        return sp__fail(SP_EINVAL, "opencl: kernel name '%s' too long",
                        kernel_name);
    cl_program prog = NULL;
    const char *pname = NULL;
    for (int i = 0; i < cl->nprograms; i++)
        if (strcmp(cl->programs[i].name, program) == 0) {
            prog = cl->programs[i].program;
            pname = cl->programs[i].name;
        }
    if (!prog) {
        SP_TRY(build_program(cl, program, &prog));
        pname = cl->programs[cl->nprograms - 1].name;
    }
    cl_kernel kern = clCreateKernel(prog, kernel_name, &err);
    SP_CL_CHECK(err, "clCreateKernel", fail);
    sp__cl_kernel_entry *e = &cl->kernels[cl->nkernels++];
    e->program = pname;
    snprintf(e->name, sizeof e->name, "%s", kernel_name);
    e->kernel = kern;
    *out = kern;
    return SP_OK;
fail:
    return rc;
}

/* ---- running -------------------------------------------------------- */

int sp__cl_arg(cl_kernel kern, const char *what, cl_uint idx, size_t size,
               const void *value)
{
    cl_int err = clSetKernelArg(kern, idx, size, value);
    if (err != CL_SUCCESS)
        return sp__fail(SP_ECL, "%s: clSetKernelArg(arg %u) failed: %s (%d)",
                        what, (unsigned)idx, sp__cl_error_name(err), (int)err);
    return SP_OK;
}

static size_t round_up(size_t n, size_t m)
{
    return m ? (n + m - 1) / m * m : n;
}

int sp__cl_run1d(sp_kctx *k, cl_kernel kern, const char *what, size_t global,
                 size_t local)
{
    int rc = SP_OK;
    const char *cl_what = what;
    if (global == 0)
        return SP_OK;
    size_t g = round_up(global, local);
    SP_CL_TRY(clEnqueueNDRangeKernel(k->cl->queue, kern, 1, NULL, &g,
                                     local ? &local : NULL, 0, NULL, NULL),
              fail);
    return SP_OK;
fail:
    return rc;
}

int sp__cl_run2d(sp_kctx *k, cl_kernel kern, const char *what, size_t gx,
                 size_t gy, size_t lx, size_t ly)
{
    int rc = SP_OK;
    const char *cl_what = what;
    if (gx == 0 || gy == 0)
        return SP_OK;
    size_t g[2] = {round_up(gx, lx), round_up(gy, ly)};
    size_t l[2] = {lx, ly};
    SP_CL_TRY(clEnqueueNDRangeKernel(k->cl->queue, kern, 2, NULL, g,
                                     (lx && ly) ? l : NULL, 0, NULL, NULL),
              fail);
    return SP_OK;
fail:
    return rc;
}

int sp__cl_finish(sp_kctx *k)
{
    int rc = SP_OK;
    const char *cl_what = "finish";
    SP_CL_TRY(clFinish(k->cl->queue), fail);
    return SP_OK;
fail:
    return rc;
}
