/* The NEON Ouster column decoder against the scalar reference, bit for
 * bit: random pixels of every profile with 5, 20, 37, 64 and 128 beams
 * (SIMD tails included), every column of a 512-column frame — for checking
 * kernels/arm/ouster_neon.c on an x86 machine under qemu (not a CTest
 * suite: CTest builds for the host). From the repository root:
 *
 *   aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
 *     -DSP_HAVE_OPENCL=0 -static -I core -I mem -I kernels -I io \
 *     tests/cross/ouster_neon_check.c kernels/ouster.c \
 *     kernels/scalar/ouster_scalar.c kernels/arm/ouster_neon.c \
 *     kernels/kctx.c kernels/cpu_features.c core/status.c mem/image.c \
 *     -lm -o ouster_neon_check
 *   qemu-aarch64-static ./ouster_neon_check
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ouster_int.h"

static uint64_t s = 3;
static uint8_t rnd8(void)
{
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t)(s >> 56);
}

int main(void)
{
    static const uint32_t beams[] = {5, 20, 37, 64, 128};
    int bad = 0, runs = 0;
    for (int prof = 0; prof < 4; prof++)
        for (size_t bi = 0; bi < sizeof beams / sizeof *beams; bi++) {
            uint32_t h = beams[bi];
            double alt[256], az[256];
            int32_t sh[256];
            for (uint32_t b = 0; b < h; b++) {
                alt[b] = 45.0 - 90.0 * b / h;
                az[b] = (b % 4) * 2.9 - 4.1;
                sh[b] = (int32_t)(b % 4) * 6;
            }
            sp_ouster_geom g = {
                .profile = (sp_ouster_pkt)prof,
                .beams = h,
                .cols_per_packet = 16,
                .cols_per_frame = 512,
                .altitude_deg = alt,
                .azimuth_deg = az,
                .pixel_shift = sh,
                .beam_to_lidar = {1, 0, 0, 27.67, 0, 1, 0, 0, 0, 0, 1, 2.5, 0,
                                  0, 0, 1},
                .lidar_to_sensor = {-1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 1, 36.18, 0,
                                    0, 0, 1},
            };
            sp_ouster_plan *p = NULL;
            if (sp_ouster_plan_create(&g, &p) != SP_OK) {
                printf("plan: %s\n", sp_errmsg());
                return 1;
            }
            size_t n = sp_ouster_scan_size(p);
            void *m1 = aligned_alloc(64, (n + 63) & ~(size_t)63);
            void *m2 = aligned_alloc(64, (n + 63) & ~(size_t)63);
            memset(m1, 0, n);
            memset(m2, 0, n);
            sp_ouster_scan a, b;
            sp_ouster_scan_init(&a, p, m1, n);
            sp_ouster_scan_init(&b, p, m2, n);
            /* A column's pixels plus slack (the 12-byte layouts are read
             * 16 bytes at a time on x86; NEON reads exactly). */
            size_t colb = (size_t)h * p->stride + 64;
            uint8_t *px = malloc(colb);
            for (uint32_t m = 0; m < 512; m++) {
                for (size_t i = 0; i < colb; i++)
                    px[i] = rnd8();
                sp__ouster_col_scalar(p, px, m, &a);
                sp__ouster_col_neon(p, px, m, &b);
            }
            runs++;
            if (memcmp(m1, m2, n) != 0) {
                printf("profile %d beams %u: NEON differs from scalar\n", prof,
                       h);
                bad++;
            }
            free(px);
            free(m1);
            free(m2);
            sp_ouster_plan_destroy(p);
        }
    printf("%d of %d cases bit-exact\n", runs - bad, runs);
    return bad != 0;
}
