/* The NEON lidar kernels (bev, range, project, ground) against the scalar
 * reference, bit for bit, on random clouds with NaN/Inf and cell-edge
 * points of 0, 1, 7, 63, 64, 65, 1000 and 200,000 points (bev: its packing
 * pass, which the band-by-band fill consumes) — for checking the
 * arm/ files on an x86 machine under qemu (not a CTest suite: CTest builds
 * for the host). From the repository root:
 *
 *   aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
 *     -DSP_HAVE_OPENCL=0 -static -I core -I mem -I kernels -I io \
 *     tests/cross/lidar_neon_check.c \
 *     kernels/scalar/{bev,range,project,ground}_scalar.c \
 *     kernels/arm/{bev,range,project,ground}_neon.c -lm -o lidar_neon_check
 *   qemu-aarch64-static ./lidar_neon_check
 *
 * CI builds and runs it in its aarch64 stage (scripts/ci-aarch64.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "lidar_int.h"
static uint64_t s = 1;
static float rnd(float lo, float hi)
{
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((s >> 40) & 0xFFFFFF) / 16777216.0f;
}
int main(void)
{
    size_t sizes[] = {0, 1, 7, 63, 64, 65, 1000, 200000};
    int bad = 0;
    for (size_t si = 0; si < 8; si++) {
        size_t n = sizes[si];
        sp_points p = {0};
        p.x = malloc(4 * n + 4);
        p.y = malloc(4 * n + 4);
        p.z = malloc(4 * n + 4);
        p.intensity = malloc(4 * n + 4);
        p.count = n;
        for (size_t i = 0; i < n; i++) {
            p.x[i] = rnd(-50, 80);
            p.y[i] = rnd(-50, 50);
            p.z[i] = rnd(-4, 3);
            p.intensity[i] = rnd(0, 1);
            if (i % 4 == 0) {
                p.x[i] = floorf(p.x[i] * 10) / 10;
                p.y[i] = floorf(p.y[i] * 10) / 10;
            }
            if (i % 97 == 5)
                p.x[i] = NAN;
            if (i % 89 == 3)
                p.y[i] = INFINITY;
        }
        /* bev */
        sp__bev_plan bp = {.xmin = 0,
                           .ymin = -40,
                           .zmin = -2.5f,
                           .zmax = 1,
                           .inv_res = 1.0f / 0.1f,
                           .inv_zr = 1.0f / 3.5f,
                           .fh = 700,
                           .fw = 800,
                           .h = 700,
                           .w = 800};
        /* the packing pass: the points inside, packed in input order */
        size_t len = n + SP__BEV_COMPACT_SLACK;
        int32_t *c1 = malloc(len * 4), *c2 = malloc(len * 4);
        float *h1 = malloc(len * 4), *h2 = malloc(len * 4),
              *w1 = malloc(len * 4), *w2 = malloc(len * 4);
        size_t in1 = sp__bev_compact_scalar(&bp, &p, c1, h1, w1);
        size_t in2 = sp__bev_compact_neon(&bp, &p, c2, h2, w2);
        if (in1 != in2 || memcmp(c1, c2, in1 * 4) || memcmp(h1, h2, in1 * 4) ||
            memcmp(w1, w2, in1 * 4)) {
            printf("bev mismatch n=%zu (%zu vs %zu points inside)\n", n, in2,
                   in1);
            bad++;
        }
        /* range */
        sp__range_plan rp = {.rows = 64,
                             .cols = 2048,
                             .fov_up = (float)(2 * M_PI / 180),
                             .row_scale = (float)(64 / (26.8 * M_PI / 180)),
                             .frows = 64,
                             .fcols = 2048};
        size_t pix = 5 * 64 * 2048;
        float *r1 = malloc(pix * 4), *r2 = malloc(pix * 4);
        for (size_t i = 0; i < pix; i++)
            r1[i] = r2[i] = -1;
        sp__range_scatter_scalar(&rp, &p, r1);
        sp__range_scatter_neon(&rp, &p, r2);
        if (memcmp(r1, r2, pix * 4)) {
            printf("range mismatch n=%zu\n", n);
            bad++;
        }
        /* project */
        sp__project_plan pp = {.m = {609.7f, -721.5f, -4.4f, -271.f, 180.f,
                                     7.6f, -721.4f, -81.f, 1.f, 0.0075f,
                                     0.0148f, -0.27f},
                               .d = {1.f, 0.0075f, 0.0148f, -0.27f},
                               .min_depth = 1e-3f,
                               .fw = 1242,
                               .fh = 375,
                               .w = 1242,
                               .h = 375};
        float *d1 = calloc(1242 * 375, 4), *d2 = calloc(1242 * 375, 4);
        sp__project_scatter_scalar(&pp, &p, d1);
        sp__project_scatter_neon(&pp, &p, d2);
        if (memcmp(d1, d2, 1242 * 375 * 4)) {
            printf("project mismatch n=%zu\n", n);
            bad++;
        }
        /* ground */
        float pl[4] = {0.01f, -0.02f, 0.9997f, 1.7f};
        if (sp__ground_count_scalar(pl, 0.2f, p.x, p.y, p.z, n) !=
            sp__ground_count_neon(pl, 0.2f, p.x, p.y, p.z, n)) {
            printf("ground count mismatch n=%zu\n", n);
            bad++;
        }
        uint8_t *m1 = malloc(n + 1), *m2 = malloc(n + 1);
        sp__ground_mask_scalar(pl, 0.2f, p.x, p.y, p.z, n, m1);
        sp__ground_mask_neon(pl, 0.2f, p.x, p.y, p.z, n, m2);
        if (memcmp(m1, m2, n)) {
            printf("ground mask mismatch n=%zu\n", n);
            bad++;
        }
        size_t filled = 0;
        for (size_t i = 0; i < 64 * 2048; i++)
            filled += r1[i] >= 0;
        printf("n=%zu ok-so-far bad=%d (range pixels filled %zu, ground "
               "inliers %zu)\n",
               n, bad, filled,
               sp__ground_count_scalar(pl, 0.2f, p.x, p.y, p.z, n));
        free(h1);
        free(h2);
        free(w1);
        free(w2);
        free(c1);
        free(c2);
        free(r1);
        free(r2);
        free(d1);
        free(d2);
        free(m1);
        free(m2);
        free(p.x);
        free(p.y);
        free(p.z);
        free(p.intensity);
    }
    printf(bad ? "NEON: FAILED\n" : "NEON: all equal to scalar\n");
    return bad != 0;
}
