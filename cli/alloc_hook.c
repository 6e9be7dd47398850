/* Counting heap allocations for `--stats`: this executable defines the
 * malloc family itself, forwarding to glibc's implementations
 * (__libc_malloc, ...) after bumping one atomic counter, which the library
 * reads through sp_alloc_counter_set(). glibc supports replacing malloc this
 * way, and its own internal allocations (fopen, strdup, ...) go through
 * these definitions too, so the count is every malloc-family call in the
 * process, on every thread.
 *
 * Compiled out under AddressSanitizer and ThreadSanitizer, which own
 * malloc: the stats then say "n/a (sanitizer build)". */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_int.h"
#include "sp_pipeline.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CLI_NO_HOOK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CLI_NO_HOOK 1
#endif
#endif

#ifndef CLI_NO_HOOK

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);
extern void __libc_free(void *p);

static _Atomic uint64_t calls;

static inline void bump(void)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
}

void *malloc(size_t n)
{
    bump();
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    bump();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    bump();
    return __libc_realloc(p, n);
}

void *reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, n * size);
}

void free(void *p)
{
    __libc_free(p);
}

void *memalign(size_t align, size_t n)
{
    bump();
    return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    bump();
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p;

    bump();
    if (align < sizeof(void *) || (align & (align - 1)) != 0)
        return EINVAL;
    p = __libc_memalign(align, n);
    if (p == NULL)
        return ENOMEM;
    *out = p;
    return 0;
}

void *valloc(size_t n)
{
    bump();
    return __libc_valloc(n);
}

void *pvalloc(size_t n)
{
    bump();
    return __libc_pvalloc(n);
}

static uint64_t read_calls(void)
{
    return atomic_load_explicit(&calls, memory_order_relaxed);
}

int cli_alloc_hook_install(void)
{
    sp_alloc_counter_set(read_calls);
    return 1;
}

#else

int cli_alloc_hook_install(void)
{
    return 0;
}

#endif
