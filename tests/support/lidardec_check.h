/* The packet decoders' projection on every SIMD version this CPU runs
 * against the scalar reference on one batch, and the OpenCL version on
 * many batches in one call against scalar run batch after batch, every
 * output byte compared; shared by the lidardec suites. Include after
 * cmocka.h. */
#ifndef SP_LIDARDEC_CHECK_H
#define SP_LIDARDEC_CHECK_H

#include <stdlib.h>
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

#if SP_HAVE_OPENCL
/* One OpenCL context for the whole suite (made at the first check, freed
 * at exit); NULL, said once, when there is no device. */
static sp_kctx *lidardec_cl_kctx;
static int lidardec_cl_tried;

static inline void lidardec_cl_free(void)
{
    sp_kctx_destroy(lidardec_cl_kctx);
    lidardec_cl_kctx = NULL;
}

static inline sp_kctx *lidardec_cl_ctx(void)
{
    if (!lidardec_cl_tried) {
        lidardec_cl_tried = 1;
        sp_kctx_desc kd = {.backend = SP_BACKEND_OPENCL};
        if (sp_kctx_create(&kd, &lidardec_cl_kctx) != SP_OK) {
            print_message("no OpenCL device (%s): the OpenCL projection is "
                          "not checked\n",
                          sp_errmsg());
            sp_errmsg_clear();
            lidardec_cl_kctx = NULL;
        } else {
            atexit(lidardec_cl_free);
        }
    }
    return lidardec_cl_kctx;
}
#endif

/* Batches b[0..nb) through the OpenCL version in one call against the
 * scalar reference run on each in turn; returns 0 (with a message, once)
 * when this build or machine has no OpenCL device. */
static inline int lidardec_check_batches_cl(const sp__ld_plan *pl,
                                            const sp__ld_batch *b, size_t nb)
{
#if SP_HAVE_OPENCL
    sp_kctx *k = lidardec_cl_ctx();
    if (!k)
        return 0;
    size_t cap = nb * SP__LD_MAX_POINTS + 8;
    float *f[2][7];
    uint16_t *ring[2];
    uint8_t *rt[2];
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < 7; i++) {
            f[w][i] = calloc(cap, 4);
            assert_non_null(f[w][i]);
        }
        ring[w] = calloc(cap, 2);
        rt[w] = calloc(cap, 1);
        assert_non_null(ring[w]);
        assert_non_null(rt[w]);
    }
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        sp__ld_dst d = {f[0][0] + n, f[0][1] + n, f[0][2] + n,
                        f[0][3] + n, f[0][4] + n, f[0][5] + n,
                        f[0][6] + n, ring[0] + n, rt[0] + n};
        n += sp__ld_project_scalar(pl, &b[i], &d);
    }
    sp__ld_dst d = {f[1][0], f[1][1], f[1][2], f[1][3], f[1][4],
                    f[1][5], f[1][6], ring[1], rt[1]};
    size_t m = 0;
    if (sp__ld_project_cl(k, pl, b, nb, &d, &m) != SP_OK)
        fail_msg("opencl: %s", sp_errmsg());
    if (m != n)
        fail_msg("opencl: %zu points, scalar %zu", m, n);
    static const char *what[7] = {"x",    "y",       "z",       "intensity",
                                  "time", "azimuth", "distance"};
    for (int i = 0; i < 7; i++)
        for (size_t j = 0; j < n; j++)
            if (memcmp(&f[0][i][j], &f[1][i][j], 4))
                fail_msg("opencl: point %zu of %zu: %s %.9g, scalar %.9g", j, n,
                         what[i], (double)f[1][i][j], (double)f[0][i][j]);
    if (memcmp(ring[0], ring[1], n * 2) || memcmp(rt[0], rt[1], n))
        fail_msg("opencl: ring or return type differs from scalar (%zu "
                 "points)",
                 n);
    for (int w = 0; w < 2; w++) {
        for (int i = 0; i < 7; i++)
            free(f[w][i]);
        free(ring[w]);
        free(rt[w]);
    }
    return 1;
#else
    (void)pl;
    (void)b;
    (void)nb;
    static int said;
    if (!said++)
        print_message("built without OpenCL: the OpenCL projection is not "
                      "checked\n");
    return 0;
#endif
}

#endif
