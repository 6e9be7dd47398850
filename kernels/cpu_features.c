/* SIMD detection, once per process: cpuid + xgetbv on x86 (SSE4.1; AVX2
 * only with FMA and BMI2, since _avx2.c files are compiled with -mavx2 -mfma
 * -mbmi2, and only when the OS saves YMM state), NEON on ARM. The SP_SIMD
 * environment variable (scalar|sse41|avx2|neon) lowers the level for tests
 * and benchmarks; it is read at each sp_simd_detect() call (that is, when a
 * kernel context is created, never per point) and capped at what the CPU
 * has. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_int.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define SP_X86 1
#else
#define SP_X86 0
#endif

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static sp_simd_level cpu_best = SP_SIMD_NONE;
static char cpu_note[160];

#if SP_X86
static unsigned long long read_xcr0(void)
{
    unsigned eax, edx;
    /* xgetbv by opcode so this file needs no -mxsave. */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}
#endif

static void detect(void)
{
#if SP_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) {
        snprintf(cpu_note, sizeof cpu_note, "cpuid leaf 1 unavailable");
        return;
    }
    int sse41 = (c >> 19) & 1;
    int osxsave = (c >> 27) & 1;
    int avx = (c >> 28) & 1;
    int fma = (c >> 12) & 1;
    int avx2 = 0, bmi2 = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        avx2 = (b >> 5) & 1;
        bmi2 = (b >> 8) & 1;
    }
    int ymm_os = osxsave && (read_xcr0() & 6) == 6;
    if (avx && avx2 && fma && bmi2 && ymm_os) {
        cpu_best = SP_SIMD_AVX2;
        snprintf(cpu_note, sizeof cpu_note,
                 "CPU has AVX2, FMA and BMI2 and the OS saves YMM state");
    } else if (sse41) {
        cpu_best = SP_SIMD_SSE41;
        snprintf(cpu_note, sizeof cpu_note,
                 "CPU has SSE4.1; AVX2 path not usable (avx2=%d fma=%d "
                 "bmi2=%d os-ymm=%d)",
                 avx2, fma, bmi2, ymm_os);
    } else {
        snprintf(cpu_note, sizeof cpu_note, "CPU has neither SSE4.1 nor AVX2");
    }
#elif defined(__aarch64__)
    /* Advanced SIMD is mandatory on AArch64. The _neon.c files are built
     * for AArch64 only (cmake/sensorpipe_sources.cmake), so a 32-bit ARM
     * build runs scalar even where its compiler targets NEON. */
    cpu_best = SP_SIMD_NEON;
    snprintf(cpu_note, sizeof cpu_note, "ARM with NEON (Advanced SIMD)");
#else
    snprintf(cpu_note, sizeof cpu_note,
             "no SIMD back-end for this architecture");
#endif
}

sp_simd_level sp__simd_cpu_best(void)
{
    pthread_once(&detect_once, detect);
    return cpu_best;
}

static int parse_level(const char *s, sp_simd_level *out)
{
    static const struct {
        const char *name;
        sp_simd_level level;
    } names[] = {{"scalar", SP_SIMD_NONE}, {"none", SP_SIMD_NONE},
                 {"sse41", SP_SIMD_SSE41}, {"sse4.1", SP_SIMD_SSE41},
                 {"avx2", SP_SIMD_AVX2},   {"neon", SP_SIMD_NEON}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].level;
            return 0;
        }
    return -1;
}

/* The level for SP_SIMD (or the CPU's best) and why, in one place so that
 * sp_simd_detect() and the explanation never disagree. */
static sp_simd_level resolve(char *why, size_t cap)
{
    sp_simd_level best = sp__simd_cpu_best();
    const char *env = getenv("SP_SIMD");
    sp_simd_level want;

    if (!env || !*env) {
        snprintf(why, cap, "%s: %s", sp_simd_level_name(best), cpu_note);
        return best;
    }
    if (parse_level(env, &want) < 0) {
        snprintf(why, cap,
                 "%s: SP_SIMD='%s' not understood (expected scalar, sse41, "
                 "avx2 or neon), ignored; %s",
                 sp_simd_level_name(best), env, cpu_note);
        return best;
    }
    if (want == SP_SIMD_NONE) {
        snprintf(why, cap, "scalar: forced by SP_SIMD=%s (CPU best: %s)", env,
                 sp_simd_level_name(best));
        return SP_SIMD_NONE;
    }
    int x86_want = want == SP_SIMD_SSE41 || want == SP_SIMD_AVX2;
    int x86_have = best == SP_SIMD_SSE41 || best == SP_SIMD_AVX2;
    if (want == best || (x86_want && x86_have && want < best)) {
        snprintf(why, cap, "%s: forced by SP_SIMD=%s (CPU best: %s)",
                 sp_simd_level_name(want), env, sp_simd_level_name(best));
        return want;
    }
    /* Asked for more than the CPU has, or another architecture's level:
     * cap at what this CPU can run. */
    sp_simd_level got = (x86_want && x86_have) ? best : SP_SIMD_NONE;
    if (want == SP_SIMD_NEON && best != SP_SIMD_NEON)
        got = best;
    snprintf(why, cap, "%s: SP_SIMD=%s is more than this CPU has, capped (%s)",
             sp_simd_level_name(got), env, cpu_note);
    return got;
}

sp_simd_level sp_simd_detect(void)
{
    char why[256];
    return resolve(why, sizeof why);
}

int sp__simd_explain(char *buf, size_t cap)
{
    char why[256];
    resolve(why, sizeof why);
    return snprintf(buf, cap, "%s", why);
}

const char *sp_simd_level_name(sp_simd_level l)
{
    switch (l) {
    case SP_SIMD_NONE:
        return "scalar";
    case SP_SIMD_SSE41:
        return "sse41";
    case SP_SIMD_AVX2:
        return "avx2";
    case SP_SIMD_NEON:
        return "neon";
    }
    return "unknown";
}
