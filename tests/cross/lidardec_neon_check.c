/* The NEON projection kernel of the lidar packet decoders against the
 * scalar reference, bit for bit, on random batches (both table sizes,
 * windows full, plain and wrapping, ranges on the filter bounds, zero
 * ranges, azimuths wrapping through 0; the HDL-64E offsets path) and the
 * 3-byte record unpack — for checking
 * kernels/arm/lidardec_neon.c on an x86 machine under qemu (not a CTest
 * suite: CTest builds for the host; tests/test_lidardec.c runs the same
 * comparison natively on aarch64). From the repository root:
 *
 *   aarch64-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE \
 *     -DSP_HAVE_OPENCL=0 -static -I core -I mem -I kernels -I io \
 *     tests/cross/lidardec_neon_check.c kernels/scalar/lidardec_scalar.c \
 *     kernels/arm/lidardec_neon.c -lm -o lidardec_neon_check
 *   qemu-aarch64-static ./lidardec_neon_check
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lidardec_int.h"

static uint64_t s = 3;
static uint32_t rnd(void)
{
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(s >> 33);
}

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

int main(void)
{
    static outbuf a, b;
    static sp__ld_plan pl;
    static sp__ld_batch bt;
    long cases = 0;
    for (int units = 36000; units <= 360000; units *= 10) {
        float *tab = malloc(sizeof(float) * 2 * ((size_t)units + 16));
        for (int i = 0; i < units + 16; i++) {
            double r = (double)(i % units) * 6.283185307179586 / units;
            tab[2 * i] = (float)cos(r);
            tab[2 * i + 1] = (float)-sin(r);
        }
        for (int w = 0; w < 3; w++)
            for (int it = 0; it < 300; it++) {
                memset(&pl, 0, sizeof pl);
                pl.nslots = 128;
                pl.tab = tab;
                pl.units = units;
                pl.funits = (float)units;
                pl.az_scale = units == 36000 ? 0.01f : 0.001f;
                pl.min_r = 0.3f;
                pl.max_r = 200.0f;
                pl.win_full = w == 0;
                pl.win_wraps = w == 2;
                pl.win_lo = w == 2 ? units * 3 / 4 : units / 36;
                pl.win_hi = w == 2 ? units / 4 : units / 2;
                for (int k = 0; k < 128; k++) {
                    pl.frac[k] = (float)(rnd() % 1000) / 999.0f;
                    pl.toff[k] = (float)(rnd() % 100) * 1e-6f;
                    pl.dcorr[k] = (float)((int)(rnd() % 200) - 100) * 1e-3f;
                    pl.cos_v[k] = (float)cos(k * 0.01);
                    pl.sin_v[k] = (float)sin(k * 0.01);
                    pl.rotoff[k] = (double)((int)(rnd() % 2001) - 1000) *
                                   (units / 36000) * 0.37;
                    pl.ring[k] = (uint16_t)k;
                    /* Every other case: the HDL-64E offsets path. */
                    float rr = (float)((int)(rnd() % 201) - 100) * 1e-3f;
                    pl.rot_c[k] = cosf(rr);
                    pl.rot_s[k] = sinf(rr);
                    pl.vo_sin[k] = 0.2f * pl.sin_v[k];
                    pl.vo_cos[k] = 0.2f * pl.cos_v[k];
                    pl.horiz[k] = k & 1 ? 0.026f : -0.026f;
                    pl.tp_kx[k] = (float)((int)(rnd() % 101) - 50) * 1e-4f;
                    pl.tp_bx[k] = (float)((int)(rnd() % 101) - 50) * 1e-3f;
                    pl.tp_ky[k] = (float)((int)(rnd() % 101) - 50) * 1e-4f;
                    pl.tp_by[k] = (float)((int)(rnd() % 101) - 50) * 1e-3f;
                    pl.focal_off[k] = 255.6f;
                    pl.focal_slope[k] = (float)(rnd() % 200) * 0.01f;
                    pl.imin[k] = (float)(rnd() % 40);
                    pl.imax[k] = 200.0f + (float)(rnd() % 56);
                }
                pl.offsets = (it >> 1) & 1;
                uint32_t per = (uint32_t[]){32, 16, 40, 64, 12, 3}[it % 6];
                bt.nblocks = 1 + rnd() % 8;
                bt.per_block = per;
                bt.scale = it & 1 ? 0.004f : 0.002f;
                for (uint32_t i = 0; i < bt.nblocks; i++) {
                    uint32_t az =
                        it % 3 ? rnd() % (uint32_t)units
                               : (rnd() & 1 ? rnd() % 50
                                            : (uint32_t)units - 1 - rnd() % 50);
                    bt.block_az[i] = (float)az;
                    bt.block_azdiff[i] = (float)(rnd() % 60);
                    bt.block_time[i] = (float)(rnd() % 1000) * 1e-6f;
                    bt.slot0[i] = (uint16_t)((rnd() % (128 / per)) * per);
                }
                for (uint32_t k = 0; k < bt.nblocks * per; k++) {
                    uint32_t r = rnd() % 70000;
                    if (rnd() % 5 == 0)
                        r = (uint32_t)lrintf((rnd() & 1 ? 0.3f : 200.0f) /
                                             bt.scale);
                    if (rnd() % 10 == 0)
                        r = 0;
                    bt.raw[k] = (uint16_t)(r > 65535 ? 65535 : r);
                    bt.intensity[k] = (uint8_t)rnd();
                    bt.keep[k] = (uint8_t)(rnd() % 8 != 0);
                    bt.rtype[k] = (uint8_t)(rnd() % 6);
                }
                memset(&a, 0, sizeof a);
                memset(&b, 0, sizeof b);
                sp__ld_dst da = dst_of(&a), db = dst_of(&b);
                size_t na = sp__ld_project_scalar(&pl, &bt, &da);
                size_t nb = sp__ld_project_neon(&pl, &bt, &db);
                if (na != nb || memcmp(a.x, b.x, na * 4) ||
                    memcmp(a.y, b.y, na * 4) || memcmp(a.z, b.z, na * 4) ||
                    memcmp(a.in, b.in, na * 4) || memcmp(a.t, b.t, na * 4) ||
                    memcmp(a.az, b.az, na * 4) || memcmp(a.d, b.d, na * 4) ||
                    memcmp(a.ring, b.ring, na * 2) || memcmp(a.rt, b.rt, na)) {
                    printf("FAIL units %d window %d case %d: %zu vs %zu "
                           "points\n",
                           units, w, it, na, nb);
                    return 1;
                }
                cases++;
            }
        free(tab);
    }
    /* The record unpack: every length a parse uses, odd offsets. */
    static uint8_t rec[3 * 128 + 16];
    for (unsigned n = 16; n <= 128; n += 16)
        for (unsigned off = 0; off < 4; off++) {
            for (size_t i = 0; i < sizeof rec; i++)
                rec[i] = (uint8_t)rnd();
            uint16_t ra[128], rb[128];
            uint8_t ia[128], ib[128];
            sp__ld_unpack3_scalar(rec + off, n, ra, ia);
            sp__ld_unpack3_neon(rec + off, n, rb, ib);
            if (memcmp(ra, rb, n * 2) || memcmp(ia, ib, n)) {
                printf("FAIL unpack3 n %u offset %u\n", n, off);
                return 1;
            }
        }
    printf("lidardec NEON == scalar on %ld batches and the record unpack\n",
           cases);
    return 0;
}
