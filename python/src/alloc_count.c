/* Counting the library's heap allocations for Pipeline.stats().
 *
 * The `sensorpipe` command counts every malloc-family call of its process
 * by defining malloc itself (cli/alloc_hook.c). An extension module cannot:
 * the interpreter's malloc was bound long before it was loaded. Instead the
 * extension is linked with -Wl,--wrap for the malloc family (see
 * python/CMakeLists.txt), which sends every call that the library's own
 * code (statically linked in here) and this extension make through the
 * functions below. The count therefore covers sensorpipe's allocations,
 * not the interpreter's nor those made inside other shared libraries
 * (libpng, zstd ...), and says nothing about Python objects. Sanitizer
 * builds own malloc and are not wrapped (SP_PY_WRAP_ALLOC undefined). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sp_py_int.h"

#ifdef SP_PY_WRAP_ALLOC

static _Atomic uint64_t calls;

static inline void bump(void)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_aligned_alloc(size_t align, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

void *__wrap_malloc(size_t n)
{
    bump();
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    bump();
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    bump();
    return __real_realloc(p, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    bump();
    return __real_posix_memalign(p, align, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    bump();
    return __real_aligned_alloc(align, n);
}

char *__wrap_strdup(const char *s)
{
    bump();
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    bump();
    return __real_strndup(s, n);
}

static uint64_t count(void)
{
    return atomic_load_explicit(&calls, memory_order_relaxed);
}

int sp__py_alloc_counting(void)
{
    sp_alloc_counter_set(count);
    return 1;
}

uint64_t sp__py_alloc_count(void)
{
    return count();
}

#else

uint64_t sp__py_alloc_count(void)
{
    return 0;
}

int sp__py_alloc_counting(void)
{
    return 0;
}

#endif
