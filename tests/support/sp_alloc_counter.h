/* Counting heap allocations in a test program.
 *
 * Linking this (any test that calls sp_test_alloc_calls()) defines the
 * malloc family in the test executable, forwarding to glibc's __libc_*
 * functions and counting every allocating call from any thread and any
 * library (libpng's included). AddressSanitizer and ThreadSanitizer own
 * malloc, so under them nothing is interposed and sp_test_alloc_available() is
 * 0: tests skip() with that reason. */
#ifndef SP_ALLOC_COUNTER_H
#define SP_ALLOC_COUNTER_H

#include <stdint.h>

#include "sp_pipeline.h"
#include "sp_sanitizer.h"

/* Either sanitizer owns malloc: allocations are not counted there. */
#if defined(SP_TEST_UNDER_ASAN) || defined(SP_TEST_UNDER_TSAN)
#define SP_TEST_ASAN 1
#endif

/** 1 when allocations are counted (not a sanitizer build). */
int sp_test_alloc_available(void);

/** Allocating calls (malloc, calloc, realloc, memalign, aligned_alloc,
 *  posix_memalign) made so far by the whole process. */
uint64_t sp_test_alloc_calls(void);

/** Runs @p launch with options @p o (the caller's warm-up, pool manager)
 *  with this counter installed as the pipeline's allocation counter, and
 *  returns its statistics (heap_allocs_after_warmup...). Each step failing,
 *  or the counts not taken, fails the test. Not under a sanitizer (the
 *  counter is not there: see above). */
sp_pipeline_stats sp_test_alloc_run(const char *launch,
                                    const sp_pipeline_opts *o);

#endif
