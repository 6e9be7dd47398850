/* The NEON crop against the scalar reference, bit for bit, with the kept
 * indices every back-end writes for the extra channels (crop_int.h's idx):
 * random clouds with NaN/Inf of 0..9, 63, 64, 65, 1000 and 200,000 points,
 * ring and time, both sides — for checking kernels/arm/crop_neon.c on an
 * x86 machine under qemu (not a CTest suite). From the repository root:
 *
 *   aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
 *     -DSP_HAVE_OPENCL=0 -static -I core -I mem -I kernels -I io \
 *     tests/cross/crop_neon_check.c kernels/scalar/crop_scalar.c \
 *     kernels/arm/crop_neon.c -lm -o crop_neon_check
 *   qemu-aarch64-static ./crop_neon_check
 *
 * CI builds and runs it in its aarch64 stage (scripts/ci-aarch64.sh).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crop_int.h"

static uint64_t s = 7;
static float rnd(float lo, float hi)
{
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (float)((s >> 40) & 0xFFFFFF) / 16777216.0f;
}

static sp_points cloud(size_t n)
{
    sp_points p = {0};
    p.x = malloc(4 * n + 4);
    p.y = malloc(4 * n + 4);
    p.z = malloc(4 * n + 4);
    p.intensity = malloc(4 * n + 4);
    p.ring = malloc(2 * n + 2);
    p.time = malloc(4 * n + 4);
    p.capacity = n;
    p.fields = SP_POINTS_RING | SP_POINTS_TIME;
    return p;
}

static void release(sp_points *p)
{
    free(p->x);
    free(p->y);
    free(p->z);
    free(p->intensity);
    free(p->ring);
    free(p->time);
}

int main(void)
{
    static const size_t sizes[] = {0, 1, 2,  3,  4,  5,    6,     7,
                                   8, 9, 63, 64, 65, 1000, 200000};
    int bad = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        sp_points in = cloud(n), a = cloud(n), b = cloud(n);
        for (size_t i = 0; i < n; i++) {
            in.x[i] = rnd(-60, 60);
            in.y[i] = rnd(-60, 60);
            in.z[i] = rnd(-4, 3);
            if (i % 97 == 5)
                in.y[i] = NAN;
            if (i % 89 == 3)
                in.z[i] = INFINITY;
            in.intensity[i] = rnd(0, 1);
            in.ring[i] = (uint16_t)(i % 64);
            in.time[i] = (float)i * 1e-6f;
        }
        in.count = n;
        uint32_t *ia = malloc(4 * n + 4), *ib = malloc(4 * n + 4);
        for (int inv = 0; inv < 2; inv++) {
            sp__crop_plan p = {.lo = {-40, -40, -3},
                               .hi = {40, 40, 2},
                               .r2lo = 4,
                               .r2hi = 6400,
                               .use_range = 1,
                               .invert = inv,
                               .ring = 1,
                               .time = 1};
            p.idx = ia;
            size_t oa = sp__crop_scalar(&p, &in, 0, &a, 0);
            p.idx = ib;
            size_t ob = sp__crop_neon(&p, &in, &b);
            int same = oa == ob && !memcmp(a.x, b.x, 4 * oa) &&
                       !memcmp(a.y, b.y, 4 * oa) && !memcmp(a.z, b.z, 4 * oa) &&
                       !memcmp(a.intensity, b.intensity, 4 * oa) &&
                       !memcmp(a.ring, b.ring, 2 * oa) &&
                       !memcmp(a.time, b.time, 4 * oa) &&
                       !memcmp(ia, ib, 4 * oa);
            /* The indices name the kept points. */
            for (size_t j = 0; same && j < oa; j++)
                same = ia[j] < n && a.x[j] == in.x[ia[j]] &&
                       (j == 0 || ia[j] > ia[j - 1]);
            /* Without idx the same output. */
            p.idx = NULL;
            size_t oc = sp__crop_neon(&p, &in, &b);
            same = same && oc == oa && !memcmp(a.x, b.x, 4 * oa);
            if (!same) {
                printf("FAIL crop n=%zu invert=%d: scalar %zu, neon %zu\n", n,
                       inv, oa, ob);
                bad++;
            }
        }
        free(ia);
        free(ib);
        release(&in);
        release(&a);
        release(&b);
    }
    printf("%s\n", bad ? "FAILED" : "crop neon: all equal to scalar");
    return bad != 0;
}
