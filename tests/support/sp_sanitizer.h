/* Which sanitizer instruments this test build, found once for the suites:
 * gcc defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__, clang answers
 * __has_feature() (tested in its own #if: gcc's preprocessor cannot parse
 * it where it is not defined). SP_TEST_UNDER_ASAN and SP_TEST_UNDER_TSAN
 * are defined (as 1) under AddressSanitizer and ThreadSanitizer, and left
 * undefined otherwise. (The library and the CLI, which cannot include test
 * headers, test the same macros themselves: pipeline/stats.c,
 * cli/alloc_hook.c.) */
#ifndef SP_SANITIZER_H
#define SP_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define SP_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SP_TEST_UNDER_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define SP_TEST_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SP_TEST_UNDER_TSAN 1
#endif
#endif

#endif
