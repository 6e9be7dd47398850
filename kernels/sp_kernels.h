/* sensorpipe: the kernel context — which back-end runs the kernels.
 *
 * Every kernel is one public function taking packed arrays from mem/ and a
 * kernel context. The scalar version is the reference and the spec; SIMD
 * (SSE4.1/AVX2 on x86, NEON on ARM, chosen once from CPU features) and
 * OpenCL versions are tested against it.
 *
 * Ownership and threads: a context is created and destroyed by one owner and
 * used by one thread at a time (each pipeline stage has its own); it owns
 * scratch memory that grows during warm-up and is then reused, so kernels
 * allocate nothing per frame once sizes are stable. */
#ifndef SP_KERNELS_H
#define SP_KERNELS_H

#include <stddef.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sp_backend {
    SP_BACKEND_AUTO = 0, /**< OpenCL when present and worth it, else SIMD */
    SP_BACKEND_SCALAR,
    SP_BACKEND_SIMD,
    SP_BACKEND_OPENCL
} sp_backend;

typedef enum sp_simd_level {
    SP_SIMD_NONE = 0, /**< scalar */
    SP_SIMD_SSE41,
    SP_SIMD_AVX2,
    SP_SIMD_NEON
} sp_simd_level;

typedef struct sp_kctx sp_kctx;

/** Context configuration; zero = defaults. */
typedef struct sp_kctx_desc {
    sp_backend backend;        /**< default AUTO */
    const char *opencl_device; /**< index or name substring; NULL: the
                                    SP_OPENCL_DEVICE environment variable,
                                    else the first GPU, else the first CPU */
} sp_kctx_desc;

/** Create a context. An explicit back-end that cannot be met (no OpenCL
 *  platform, no such device, program build failed) is SP_EUNSUPPORTED or
 *  SP_ECL with the reason (and build log) in the message. */
int sp_kctx_create(const sp_kctx_desc *desc, sp_kctx **out);

/** Destroy a context; NULL is a no-op. */
void sp_kctx_destroy(sp_kctx *k);

/** The back-end the context was asked for. */
sp_backend sp_kctx_backend(const sp_kctx *k);

/** SIMD level in use (after SP_SIMD=scalar|sse41|avx2|neon). */
sp_simd_level sp_kctx_simd_level(const sp_kctx *k);

/** The back-end that ran the last kernel call (AUTO resolved). */
sp_backend sp_kctx_last_backend(const sp_kctx *k);

/** The instruction set the last kernel call ran with: SP_SIMD_NONE when
 *  it ran scalar or on OpenCL, else the level of the version that ran
 *  (which may be below sp_kctx_simd_level() when the kernel has no version
 *  at that level). */
sp_simd_level sp_kctx_last_simd(const sp_kctx *k);

/** "auto", "scalar", "simd", "opencl". */
const char *sp_backend_name(sp_backend b);
int sp_backend_from_name(const char *name, sp_backend *out);

/** "scalar", "sse41", "avx2", "neon". */
const char *sp_simd_level_name(sp_simd_level l);

/** The best SIMD level of this CPU, after the SP_SIMD override. */
sp_simd_level sp_simd_detect(void);

/** A human-readable account of what the runtime found and chose (SIMD
 *  level and why, OpenCL platforms and devices, the device chosen and why),
 *  written into @p buf with snprintf semantics. Returns the length needed. */
int sp_kernels_describe(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
