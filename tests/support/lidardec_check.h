/* The packet decoders' projection on every SIMD version this CPU runs
 * against the scalar reference on one batch, every output byte compared;
 * shared by the lidardec suites. Include after cmocka.h. */
#ifndef SP_LIDARDEC_CHECK_H
#define SP_LIDARDEC_CHECK_H

#include <string.h>

#include "kernels_int.h"
#include "lidardec_int.h"

typedef struct outbuf {
    float x[600], y[600], z[600], in[600], t[600], az[600], d[600];
    uint16_t ring[600];
    uint8_t rt[600];
} outbuf;

static sp__ld_dst dst_of(outbuf *o)
{
    sp__ld_dst d = {o->x, o->y, o->z, o->in, o->t, o->az, o->d, o->ring, o->rt};
    return d;
}

static void lidardec_check_batch(const sp__ld_plan *pl, const sp__ld_batch *b)
{
    static outbuf ref, got;
    memset(&ref, 0, sizeof ref);
    sp__ld_dst dr = dst_of(&ref);
    size_t n = sp__ld_project_scalar(pl, b, &dr);
    sp__ld_project_fn fns[3] = {NULL, NULL, NULL};
    const char *names[3] = {"sse41", "avx2", "neon"};
    sp_simd_level best = sp__simd_cpu_best();
    (void)best;
    SP__IF_X86(if (best >= SP_SIMD_SSE41) fns[0] = sp__ld_project_sse41;
               if (best >= SP_SIMD_AVX2) fns[1] = sp__ld_project_avx2;)
    SP__IF_NEON(fns[2] = sp__ld_project_neon;)
    for (int f = 0; f < 3; f++) {
        if (!fns[f])
            continue;
        memset(&got, 0, sizeof got);
        sp__ld_dst dg = dst_of(&got);
        size_t m = fns[f](pl, b, &dg);
        if (m != n)
            fail_msg("%s: %zu points, scalar %zu", names[f], m, n);
        if (memcmp(got.x, ref.x, n * 4) || memcmp(got.y, ref.y, n * 4) ||
            memcmp(got.z, ref.z, n * 4) || memcmp(got.in, ref.in, n * 4) ||
            memcmp(got.t, ref.t, n * 4) || memcmp(got.az, ref.az, n * 4) ||
            memcmp(got.d, ref.d, n * 4) || memcmp(got.ring, ref.ring, n * 2) ||
            memcmp(got.rt, ref.rt, n))
            fail_msg("%s differs from scalar (%zu points)", names[f], n);
    }
}

#endif
