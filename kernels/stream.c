/* Streaming stores for large outputs written from generic C (bev's band
 * fill): an output larger than a core's L2 that nothing reads soon only
 * evicts the kernel's inputs, and a cached store first reads each line it
 * writes (the "read for ownership"), so a 6.7 MB raster costs 13 MB of
 * memory traffic instead of 6.7. SSE2 is part of x86-64 itself, so this
 * needs no dispatch; elsewhere it is a plain copy. The SIMD kernels with
 * their own streaming paths (resize, convert) store from their registers. */
#include <stdint.h>
#include <string.h>

#include "kernels_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>

void sp__stream_f32(float *d, const float *s, size_t n)
{
    size_t i = 0;
    for (; i < n && ((uintptr_t)(d + i) & 15); i++)
        d[i] = s ? s[i] : 0.0f;
    if (s)
        for (; i + 4 <= n; i += 4)
            _mm_stream_ps(d + i, _mm_loadu_ps(s + i));
    else
        for (; i + 4 <= n; i += 4)
            _mm_stream_ps(d + i, _mm_setzero_ps());
    for (; i < n; i++)
        d[i] = s ? s[i] : 0.0f;
}

void sp__stream_end(void)
{
    _mm_sfence();
}
#else
void sp__stream_f32(float *d, const float *s, size_t n)
{
    if (s)
        memcpy(d, s, n * sizeof *d);
    else
        memset(d, 0, n * sizeof *d);
}

void sp__stream_end(void) {}
#endif
