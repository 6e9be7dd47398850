/* Internal to kernels/: the context's insides, scratch memory and dispatch.
 * Never installed. */
#ifndef SP_KERNELS_INT_H
#define SP_KERNELS_INT_H

#include <stddef.h>

#include "error_int.h"
#include "sp_image.h"
#include "sp_kernels.h"

#define SP__KCTX_SCRATCH_SLOTS 8

struct sp__cl; /* kernels/opencl/cl_int.h: device, context, queue, programs */

typedef struct sp__scratch {
    void *ptr;
    size_t size;
} sp__scratch;

struct sp_kctx {
    sp_backend backend; /* as asked */
    sp_backend last;    /* what ran the last call */
    sp_simd_level simd; /* chosen once at create */
    struct sp__cl *cl;  /* NULL unless an OpenCL device is in use */
    sp__scratch scratch[SP__KCTX_SCRATCH_SLOTS];
};

/* Scratch memory that only grows: a kernel asks for slot s with n bytes and
 * gets a 64-byte aligned buffer of at least n bytes, reused on the next call
 * so steady-state frames allocate nothing. NULL (with SP_ENOMEM message) on
 * failure. Slots are per kernel call; a kernel owns all slots while it
 * runs. */
void *sp__kctx_scratch(sp_kctx *k, int slot, size_t n);

/* Decides which path a kernel takes and records it in k->last: the explicit
 * back-end, or for AUTO, OpenCL when the kernel has an OpenCL version
 * (has_opencl), a device is in use and work >= opencl_min_work; else SIMD
 * when the CPU has a level; else scalar. */
sp_backend sp__kctx_pick(sp_kctx *k, int has_opencl, size_t work,
                         size_t opencl_min_work);

/* AUTO's OpenCL threshold for a memory-bound kernel (a few operations per
 * byte: debayer, levels, convert): @p min_work on a device that shares host
 * memory, and never on one that does not, where copying the frame in and
 * out costs more than the whole SIMD pass (1920x1080 debayer: ~8 MB over
 * PCIe against 0.4 ms of AVX2). */
size_t sp__kctx_streaming_min_work(const sp_kctx *k, size_t min_work);

/* The checks every image kernel makes of an input or output: data present
 * for a non-empty image, a stride that holds a row, and data and stride
 * aligned to the format's sample (2 bytes for 16-bit formats, 4 for F32).
 * Messages read "KERNEL: WHAT ...". */
int sp__image_check(const char *kernel, const char *what, const sp_image *im);

/* Added by the kernel runtime (kernels/cpu_features.c, kernels/kctx.c). */

/* The best SIMD level this CPU (and OS, for AVX state) supports, ignoring
 * SP_SIMD; detected once per process. */
sp_simd_level sp__simd_cpu_best(void);

/* Explains sp_simd_detect()'s answer ("avx2: CPU has AVX2+FMA+BMI2 and the
 * OS saves YMM state", "SP_SIMD=sse41 asks for less than the CPU's avx2")
 * with snprintf semantics; returns the length needed. */
int sp__simd_explain(char *buf, size_t cap);

/* The SIMD level a kernel should run when sp__kctx_pick() said SIMD: the
 * context's level (never SP_SIMD_NONE for an explicit SIMD back-end). */
static inline sp_simd_level sp__kctx_simd(const sp_kctx *k)
{
    return k->simd;
}

#endif
