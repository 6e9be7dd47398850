/* Internal to kernels/: the OpenCL back-end's context and the helpers every
 * kernel's host side (kernels/opencl/<kernel>_cl.c) uses. Compiled only when
 * OpenCL was found (SP_HAVE_OPENCL=1); code outside kernels/opencl/ reaches
 * it only inside `#if SP_HAVE_OPENCL`.
 *
 * One struct sp__cl per kernel context (k->cl) owns the platform, device,
 * context, one in-order queue, the program and kernel caches and grow-only
 * device scratch buffers. Programs come from the .cl files in
 * kernels/opencl/, embedded at build time in sp__cl_sources[]; each is built
 * once per context, the first time one of its kernels is asked for: from
 * source the first time in the process, then from that build's binary
 * (the process-wide binary cache, below).
 *
 * Errors: every OpenCL call goes through SP_CL_TRY / SP_CL_CHECK, which
 * turn the cl_int into SP_ECL with the message
 *   "<what>: clEnqueueNDRangeKernel failed: CL_INVALID_WORK_GROUP_SIZE (-54)"
 * where <what> is the kernel or operation (a `const char *cl_what` in
 * scope). A build failure puts the build log into the message.
 *
 * Memory: host arrays (pool blocks) are wrapped with CL_MEM_USE_HOST_PTR
 * when the device shares host memory (CL_DEVICE_HOST_UNIFIED_MEMORY, e.g.
 * PoCL's CPU device, integrated GPUs): no copy. Otherwise (a discrete GPU,
 * or SP_OPENCL_MEMORY=copy) they get device buffers from the kernel
 * context's reused slots, inputs written in and outputs read back (images
 * row by row: sp__cl_buffer_sync_rows). sp__cl_buffer_sync_out() makes a
 * written buffer's data visible in the host array either way (map + unmap,
 * or read). Kernels run on the one in-order queue, so a kernel sees the
 * results of those enqueued before it without events. The cl_context is
 * the process's one for the device (cl_context.c).
 *
 * Typical host side:
 *
 *     int rc = SP_OK;
 *     const char *cl_what = "crop_flags";
 *     cl_kernel kf;
 *     cl_mem bx = NULL, bout = NULL;
 *     SP_TRY(sp__cl_kernel(k, "crop", "crop_flags", &kf));
 *     SP_TRY_GOTO(rc, sp__cl_buffer_in(k, x, n * sizeof(float), &bx), done);
 *     SP_TRY_GOTO(rc, sp__cl_buffer_out(k, out, n * sizeof(float), &bout),
 * done); SP_CL_TRY(clSetKernelArg(kf, 0, sizeof bx, &bx), done);
 *     SP_TRY_GOTO(rc, sp__cl_run1d(k, kf, cl_what, n, 256), done);
 *     SP_TRY_GOTO(rc, sp__cl_buffer_sync_out(k, bout, out, n * sizeof(float)),
 * done); done: sp__cl_release(k, &bout); sp__cl_release(k, &bx); return rc;
 */
#ifndef SP_CL_INT_H
#define SP_CL_INT_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>

#include "kernels_int.h"

/* The embedded .cl files (build/generated/cl_sources.c), {NULL, NULL}
 * terminated; name = the file's base name ("crop" for crop.cl). */
struct sp__cl_source {
    const char *name;
    const char *source;
};
extern const struct sp__cl_source sp__cl_sources[];

#define SP__CL_MAX_PROGRAMS 16
#define SP__CL_MAX_KERNELS 48
#define SP__CL_SCRATCH_SLOTS 8
#define SP__CL_NAME_MAX 128
#define SP__CL_STAGE_SLOTS 24

typedef struct sp__cl_program {
    const char *name; /* points into sp__cl_sources[] */
    cl_program program;
} sp__cl_program;

typedef struct sp__cl_kernel_entry {
    const char *program; /* sp__cl_sources[] name */
    char name[64];
    cl_kernel kernel;
} sp__cl_kernel_entry;

typedef struct sp__cl_scratch {
    cl_mem mem;
    size_t size;
} sp__cl_scratch_slot;

struct sp__cl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_device_type device_type; /* CL_DEVICE_TYPE_GPU, _CPU, ... */
    int unified_memory;         /* CL_DEVICE_HOST_UNIFIED_MEMORY */
    size_t max_work_group;      /* CL_DEVICE_MAX_WORK_GROUP_SIZE */
    cl_ulong max_alloc;         /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    cl_ulong local_mem;         /* CL_DEVICE_LOCAL_MEM_SIZE */
    unsigned mem_align;         /* CL_DEVICE_MEM_BASE_ADDR_ALIGN, bytes */
    /* clBuildProgram's options: "-cl-std=CL1.2", plus
     * "-cl-fp32-correctly-rounded-divide-sqrt" where the device offers it
     * (CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT): OpenCL's default float divide
     * and sqrt may be 2.5 and 3 ulp off, and NVIDIA's are, so a kernel that
     * divides would not match the scalar reference bit for bit. */
    char build_options[96];
    /* What the device rounds as the CPU does: SP__KT_EXACT_DIVIDE and
     * SP__KT_FP64 (kernels_int.h), matched against a table's flags. */
    unsigned exact;
    char platform_name[SP__CL_NAME_MAX];
    char device_name[SP__CL_NAME_MAX];
    char why[256]; /* why this device was chosen */
    sp__cl_program programs[SP__CL_MAX_PROGRAMS];
    int nprograms;
    sp__cl_kernel_entry kernels[SP__CL_MAX_KERNELS];
    int nkernels;
    sp__cl_scratch_slot scratch[SP__CL_SCRATCH_SLOTS];
    /* On a device with its own memory, the device copies of host arrays
     * (sp__cl_buffer_in/out/inout): grow-only, reused call after call, so
     * a warm kernel creates no buffer (NVIDIA's driver allocates host
     * memory for each clCreateBuffer); busy from the wrap to
     * sp__cl_release(). */
    struct {
        cl_mem mem;
        size_t size;
        int busy;
    } stage[SP__CL_STAGE_SLOTS];
};

/* ---- errors --------------------------------------------------------- */

/* "CL_INVALID_VALUE" for -30 ...; "CL_UNKNOWN_ERROR" otherwise. */
const char *sp__cl_error_name(cl_int err);

/* Sets the message "<what>: <call> failed: <NAME> (<err>)" and returns
 * SP_ECL. `call` may be the stringised call text: it is cut at '('. */
int sp__cl_fail(cl_int err, const char *call, const char *what);

/* Runs a call returning cl_int; on failure sets rc (an int in scope) to
 * SP_ECL with a message naming the call, the error and `cl_what` (a
 * const char * in scope: the kernel or operation) and jumps to label. */
#define SP_CL_TRY(call, label)                                                 \
    do {                                                                       \
        cl_int sp__cl_e_ = (call);                                             \
        if (sp__cl_e_ != CL_SUCCESS) {                                         \
            rc = sp__cl_fail(sp__cl_e_, #call, cl_what);                       \
            goto label;                                                        \
        }                                                                      \
    } while (0)

/* For calls that report through an errcode_ret argument:
 *     cl_int err; cl_mem m = clCreateBuffer(..., &err);
 *     SP_CL_CHECK(err, "clCreateBuffer", done); */
#define SP_CL_CHECK(err, callname, label)                                      \
    do {                                                                       \
        if ((err) != CL_SUCCESS) {                                             \
            rc = sp__cl_fail((err), (callname), cl_what);                      \
            goto label;                                                        \
        }                                                                      \
    } while (0)

/* ---- context (cl_context.c) --------------------------------------------- */

/* Chooses a device and creates context + in-order queue. `select` is a
 * device index (across all platforms, in `clinfo -l` order) or a substring
 * of "platform name / device name" (case-insensitive); NULL or "" means the
 * SP_OPENCL_DEVICE environment variable, else the first GPU, else the first
 * CPU device, else the first device. With gpu_only and no explicit choice
 * (neither select nor SP_OPENCL_DEVICE), only a GPU or accelerator is
 * accepted (what the AUTO back-end wants). *out = NULL on failure:
 * SP_EUNSUPPORTED (no platform or device), SP_ENOTFOUND ("no device
 * matches 'x' (devices: ...)", or no GPU with gpu_only), SP_ECL. */
int sp__cl_open(const char *select, int gpu_only, struct sp__cl **out);

/* 1 when `select` or SP_OPENCL_DEVICE names a device explicitly. */
int sp__cl_explicit(const char *select);

/* Releases kernels, programs, scratch, queue and context. NULL: no-op. */
void sp__cl_close(struct sp__cl *cl);

/* Writes the platforms and devices found (one line each, the chosen one
 * marked) into buf with snprintf semantics; returns the length needed. */
int sp__cl_describe(const struct sp__cl *chosen, char *buf, size_t cap);

/* ---- programs and kernels ------------------------------------------------ */

/* The kernel `kernel_name` of the embedded program `program` (base name of
 * its .cl file), built for k's device on first use and cached in k->cl: the
 * returned cl_kernel is borrowed (do not release) and reused by later calls,
 * so set all its arguments each call. SP_EINVAL when k has no OpenCL device,
 * SP_ENOTFOUND for an unknown program, SP_ECL with the build log when the
 * build fails. Programs are built with "-cl-std=CL1.2"; a .cl file that
 * must match the scalar reference bit for bit says
 * `#pragma OPENCL FP_CONTRACT OFF` (OpenCL allows a*b+c to become an fma). */
int sp__cl_kernel(sp_kctx *k, const char *program, const char *kernel_name,
                  cl_kernel *out);

/* Builds `source` for cl's device (used by sp__cl_kernel for the embedded
 * programs; callable directly, e.g. by tests). *out is a new program the
 * caller releases. SP_ECL with "opencl program '<name>.cl': clBuildProgram
 * failed: CL_BUILD_PROGRAM_FAILURE (-11) on '<device>'; build log: ..." */
int sp__cl_program_build(struct sp__cl *cl, const char *name,
                         const char *source, cl_program *out);

/* The process-wide binary cache (cl_binaries.c): sp__cl_binary_build()
 * builds embedded program `name` for cl's device from the binary of an
 * earlier build in this process (1, *out a new program the caller
 * releases) or returns 0 (none, or it failed: build from source).
 * sp__cl_binary_keep() stores the binary of `prog`, just built from
 * source, unless the device's entry exists or the cache (64 programs,
 * 64 MiB) is full. `name` must be static (sp__cl_sources[].name). Set
 * SP_OPENCL_NO_BINARY_CACHE to build every program from source. */
int sp__cl_binary_build(struct sp__cl *cl, const char *name, cl_program *out);
void sp__cl_binary_keep(struct sp__cl *cl, const char *name, cl_program prog);
/* The programs held and how many builds the cache has made so far. */
void sp__cl_binary_stats(int *entries, long *built);

/* ---- buffers ---------------------------------------------------------- */

/* A read-only device buffer over the host array [host, host + bytes): zero-
 * copy (CL_MEM_USE_HOST_PTR) when the device shares host memory, else a
 * copy made now. bytes == 0 gives a small dummy buffer so kernels can still
 * take the argument. Release with sp__cl_release(). */
int sp__cl_buffer_in(sp_kctx *k, const void *host, size_t bytes, cl_mem *out);

/* A write-only (from the kernel's side) device buffer for the host array
 * [host, host + bytes): CL_MEM_USE_HOST_PTR when unified, else device
 * memory. Call sp__cl_buffer_sync_out() before the host reads the array. */
int sp__cl_buffer_out(sp_kctx *k, void *host, size_t bytes, cl_mem *out);

/* The same for an image's rows: `rows` rows of `row_bytes` at `stride`
 * from `host`. The bytes between rows belong to the caller (canaries,
 * another image), so a device with its own memory reads back the rows
 * alone (clEnqueueReadBufferRect), never the span. */
int sp__cl_buffer_sync_rows(sp_kctx *k, cl_mem buf, void *host,
                            size_t row_bytes, size_t rows, size_t stride);

/* A read-write buffer over a host array (both directions). */
int sp__cl_buffer_inout(sp_kctx *k, void *host, size_t bytes, cl_mem *out);

/* Makes the first `bytes` of a buffer from sp__cl_buffer_out/inout visible
 * in `host` (blocking): map + unmap when zero-copy, else a read. */
int sp__cl_buffer_sync_out(sp_kctx *k, cl_mem buf, void *host, size_t bytes);

/* A device-only buffer of at least `bytes`, grow-only per slot and owned by
 * k->cl (do NOT release it). Slots 0..SP__CL_SCRATCH_SLOTS-1; like
 * sp__kctx_scratch, a kernel call owns all slots while it runs. */
int sp__cl_scratch(sp_kctx *k, int slot, size_t bytes, cl_mem *out);

/* Blocking write / read of a device buffer (e.g. scratch). bytes 0: no-op. */
int sp__cl_write(sp_kctx *k, cl_mem buf, size_t offset, const void *host,
                 size_t bytes);
int sp__cl_read(sp_kctx *k, cl_mem buf, size_t offset, void *host,
                size_t bytes);

/* Fills `bytes` of buf from `offset` with zeros (clEnqueueFillBuffer). */
int sp__cl_zero(sp_kctx *k, cl_mem buf, size_t offset, size_t bytes);

/* Gives back a buffer from sp__cl_buffer_in/out/inout (to k's reuse, or
 * clReleaseMemObject) and sets *m = NULL; NULL or *m == NULL: no-op. */
void sp__cl_release(sp_kctx *k, cl_mem *m);

/* ---- running ---------------------------------------------------------- */

/* Sets argument `idx` of kern; SP_ECL naming `what` and the index. */
int sp__cl_arg(cl_kernel kern, const char *what, cl_uint idx, size_t size,
               const void *value);

/* Enqueues kern over `global` work-items (rounded up to a multiple of
 * `local`; the kernel must ignore ids >= its own count), local 0 = the
 * runtime's choice. global == 0: nothing is enqueued. No event is kept. */
int sp__cl_run1d(sp_kctx *k, cl_kernel kern, const char *what, size_t global,
                 size_t local);

/* 2-D launch over gx x gy (each rounded up to lx, ly; 0 = runtime choice). */
int sp__cl_run2d(sp_kctx *k, cl_kernel kern, const char *what, size_t gx,
                 size_t gy, size_t lx, size_t ly);

/* clFinish on k's queue. */
int sp__cl_finish(sp_kctx *k);

#endif
