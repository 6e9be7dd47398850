/* See sp_alloc_counter.h. Every definition lives in this one object, so the
 * interposition comes with the counter or not at all. */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sp_alloc_counter.h"

#ifndef SP_TEST_ASAN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static _Atomic uint64_t calls;

void *malloc(size_t n)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t s)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return __libc_calloc(n, s);
}

void *realloc(void *p, size_t n)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}

void *memalign(size_t a, size_t n)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    return __libc_memalign(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    void *p = __libc_memalign(a, n);
    if (p == NULL)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

int sp_test_alloc_available(void)
{
    return 1;
}

uint64_t sp_test_alloc_calls(void)
{
    return atomic_load_explicit(&calls, memory_order_relaxed);
}
#else
int sp_test_alloc_available(void)
{
    return 0;
}

uint64_t sp_test_alloc_calls(void)
{
    return 0;
}
#endif
