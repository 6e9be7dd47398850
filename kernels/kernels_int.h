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

/* ---- dispatch: one table of back-ends per kernel -----------------------
 * A kernel declares one sp__ktable listing its versions (NULL where it has
 * none) and the work size from which AUTO prefers its OpenCL version;
 * sp__kctx_pick_impl() chooses for a call and records what ran, and
 * sp__kctx_after_cl() applies AUTO's fall-back to the CPU when the device
 * fails. The instruction-set #ifs of the dispatch code are the SP__KT_*
 * and SP__IF_* macros below and nowhere else: a version missing from this
 * build (or this architecture) is simply a NULL entry. A kernel with a
 * second pass in the same versions (voxel's keys, ground's classification)
 * keeps it in an array indexed by sp__kimpl, filled with the same macros
 * (SP__KT_*, or SP__IF_* around adapters), and indexes it by the version
 * the table picked, so one call runs on one back-end and the record stays
 * true. sp__kctx_pick_impl() is the only
 * ladder; no kernel tests an instruction set itself. */
typedef enum sp__kimpl {
    SP__KIMPL_SCALAR = 0,
    SP__KIMPL_SSE41,
    SP__KIMPL_AVX2,
    SP__KIMPL_NEON,
    SP__KIMPL_OPENCL,
    SP__KIMPL_COUNT
} sp__kimpl;

/* Entries are stored as a generic function pointer and cast back to the
 * kernel's own type before the call (C11 6.3.2.3p8); the scalar, SIMD
 * entries share one type, the OpenCL entry may have its own. */
typedef void (*sp__kfn)(void);
#define SP__KFN(f) ((sp__kfn)(f))

#if defined(__x86_64__) || defined(__i386__)
#define SP__KT_SSE41(f) [SP__KIMPL_SSE41] = SP__KFN(f),
#define SP__KT_AVX2(f) [SP__KIMPL_AVX2] = SP__KFN(f),
#else
#define SP__KT_SSE41(f)
#define SP__KT_AVX2(f)
#endif
/* _neon.c files are built for aarch64 only (cmake/sensorpipe_sources.cmake),
 * so __ARM_NEON alone (32-bit ARM) must not reference them. */
#if defined(__aarch64__)
#define SP__KT_NEON(f) [SP__KIMPL_NEON] = SP__KFN(f),
#else
#define SP__KT_NEON(f)
#endif
#if SP_HAVE_OPENCL
#define SP__KT_OPENCL(f) [SP__KIMPL_OPENCL] = SP__KFN(f),
#else
#define SP__KT_OPENCL(f)
#endif
#define SP__KT_SCALAR(f) [SP__KIMPL_SCALAR] = SP__KFN(f),

/* Code that exists only where an instruction set's files are built (an
 * adapter around one version): SP__IF_X86(...), SP__IF_NEON(...). */
#if defined(__x86_64__) || defined(__i386__)
#define SP__IF_X86(...) __VA_ARGS__
#else
#define SP__IF_X86(...)
#endif
#if defined(__aarch64__)
#define SP__IF_NEON(...) __VA_ARGS__
#else
#define SP__IF_NEON(...)
#endif

/* Flags of a table. */
/* Copy-bound: OpenCL pays only where the device shares host memory; on a
 * device with its own memory AUTO keeps the CPU (the minimum work comes
 * through sp__kctx_streaming_min_work()). Measured on an NVIDIA H200 over
 * PCIe, each call with its copies, against one AVX2 core of its host: crop
 * 3.6x slower, voxel 2.0x, bev 1.3-3.3x, project 1.6-2.8x, normalize
 * 1.9-2.1x, resize linear 1.8x, debayer 1.0-1.4x, levels 1.5-6x,
 * convert from RGB 1.5-4.6x, a lidar scan 1.7-3x; while range (2.5-4x
 * faster), ground's planes (1.4-2.2x) and undistort (2.6-3x) keep OpenCL
 * there. */
#define SP__KT_STREAMING 1u
/* The table's OpenCL body divides or takes a square root in float32 and
 * matches the reference only where the device rounds those correctly
 * (CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT, then built with
 * -cl-fp32-correctly-rounded-divide-sqrt); OpenCL lets a GPU be 2.5-3 ulp
 * off, which moves a point lying within an ulp of a pixel edge. AUTO keeps
 * such a kernel on the CPU on a device without it; an explicit opencl
 * back-end runs it there all the same (`sensorpipe devices` says which
 * devices round exactly). */
#define SP__KT_EXACT_DIVIDE 2u
/* The table's OpenCL body sums in double, and matches the reference only
 * on a device with double precision (cl_khr_fp64); AUTO keeps it on the
 * CPU elsewhere, as above. */
#define SP__KT_FP64 4u

typedef struct sp__ktable {
    const char *name;
    sp__kfn fn[SP__KIMPL_COUNT]; /* scalar is never NULL */
    size_t opencl_min_work;      /* AUTO uses OpenCL from this work size */
    unsigned flags;              /* SP__KT_... */
} sp__ktable;

struct sp_kctx {
    sp_backend backend; /* as asked */
    sp_backend last;    /* what ran the last call */
    sp__kimpl last_impl;
    sp_simd_level simd; /* chosen once at create */
    /* The CPU versions this context may run, widest first and ending with
     * scalar; filled once at create from the back-end and SIMD level. */
    sp__kimpl cpu_ladder[4];
    int cpu_rungs;
    struct sp__cl *cl; /* NULL unless an OpenCL device is in use */
    sp__scratch scratch[SP__KCTX_SCRATCH_SLOTS];
};

/* Scratch memory that only grows: a kernel asks for slot s with n bytes and
 * gets a 64-byte aligned buffer of at least n bytes, reused on the next call
 * so steady-state frames allocate nothing. NULL (with SP_ENOMEM message) on
 * failure. Slots are per kernel call; a kernel owns all slots while it
 * runs. */
void *sp__kctx_scratch(sp_kctx *k, int slot, size_t n);

/* Outputs of this many bytes or more, larger than a core's L2, are
 * written with streaming stores where a kernel can (resize, convert, bev):
 * they go to memory without first reading each line into the cache. */
#define SP__STREAM_MIN ((size_t)4 << 20)

/* n floats of s (NULL: zeros) to d with streaming stores, any alignment
 * (kernels/stream.c); sp__stream_end() orders them before the output is
 * handed on (sfence), once after the last. */
void sp__stream_f32(float *d, const float *s, size_t n);
void sp__stream_end(void);

/* The version of table @p t to run for a call of @p work (points,
 * pixels): the explicit back-end, or for AUTO, OpenCL when the table has
 * it, a device is in use, work >= the table's minimum and the device
 * rounds as the table needs (sp__kctx_cl_exact); else the widest
 * CPU version the table has within the context's SIMD level. Records it
 * (sp_kctx_last_backend, sp_kctx_last_simd). */
sp__kimpl sp__kctx_pick_impl(sp_kctx *k, const sp__ktable *t, size_t work);

/* The CPU version of @p t (as sp__kctx_pick_impl without OpenCL),
 * recorded. */
sp__kimpl sp__kctx_cpu_impl(sp_kctx *k, const sp__ktable *t);

/* After table @p t's OpenCL version returned @p rc: under AUTO a failure
 * (rc < 0) falls back to the CPU, the message cleared and the CPU version
 * returned (and recorded); otherwise SP__KIMPL_OPENCL, and the kernel
 * returns rc (an explicit opencl back-end reports its failure). */
sp__kimpl sp__kctx_after_cl(sp_kctx *k, const sp__ktable *t, int rc);

/* 1 when the OpenCL device in use rounds as the CPU does everything
 * table @p t's OpenCL body needs (SP__KT_EXACT_DIVIDE, SP__KT_FP64); 0
 * without a device when it needs any. AUTO uses OpenCL only then. */
int sp__kctx_cl_exact(const sp_kctx *k, const sp__ktable *t);

/* AUTO's OpenCL threshold for a copy-bound kernel (SP__KT_STREAMING: a few
 * operations per byte): @p min_work on a device that shares host memory,
 * and never on one that does not, where copying the frame in and out costs
 * more than the whole SIMD pass (1920x1080 debayer: ~8 MB over PCIe
 * against 0.6 ms of AVX2; 0.74-0.79 ms on the H200 with its copies). */
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

#endif
