/* The projection kernel of the lidar packet decoders, NEON (aarch64): four
 * points of a block at a time, the same float and double operations as the
 * scalar reference in the same order (bit-exact: separate multiplies and
 * adds, never a fused multiply-add); table lookups and the packing of kept
 * points are per lane. Checked against scalar under qemu by
 * tests/cross/lidardec_neon_check.c. */
#include <arm_neon.h>

#include "lidardec_int.h"

/* sp__ld_xyz_offsets on four lanes, step for step (no fused
 * multiply-add: vmulq then vaddq / vsubq). */
static inline void offsets4(const sp__ld_plan *pl, uint32_t s, float32x4_t d,
                            float32x4_t e1, float32x4_t e2, float32x4_t *x,
                            float32x4_t *y, float32x4_t *z)
{
    float32x4_t rc = vld1q_f32(pl->rot_c + s), rs = vld1q_f32(pl->rot_s + s);
    float32x4_t c = vsubq_f32(vmulq_f32(e1, rc), vmulq_f32(e2, rs));
    float32x4_t sn = vaddq_f32(vmulq_f32(e2, rc), vmulq_f32(e1, rs));
    float32x4_t h = vld1q_f32(pl->horiz + s);
    float32x4_t vs = vld1q_f32(pl->vo_sin + s);
    float32x4_t cv = vld1q_f32(pl->cos_v + s);
    float32x4_t xy = vsubq_f32(vmulq_f32(d, cv), vs);
    float32x4_t x0 = vsubq_f32(vmulq_f32(xy, c), vmulq_f32(h, sn));
    float32x4_t y0 = vaddq_f32(vmulq_f32(xy, sn), vmulq_f32(h, c));
    float32x4_t ax = vabsq_f32(x0), ay = vabsq_f32(y0);
    float32x4_t dx =
        vaddq_f32(d, vaddq_f32(vmulq_f32(vsubq_f32(ay, vdupq_n_f32(2.4f)),
                                         vld1q_f32(pl->tp_kx + s)),
                               vld1q_f32(pl->tp_bx + s)));
    float32x4_t dy =
        vaddq_f32(d, vaddq_f32(vmulq_f32(vsubq_f32(ax, vdupq_n_f32(1.93f)),
                                         vld1q_f32(pl->tp_ky + s)),
                               vld1q_f32(pl->tp_by + s)));
    *x = vsubq_f32(vmulq_f32(vsubq_f32(vmulq_f32(dy, cv), vs), c),
                   vmulq_f32(h, sn));
    *y = vaddq_f32(vmulq_f32(vsubq_f32(vmulq_f32(dx, cv), vs), sn),
                   vmulq_f32(h, c));
    *z = vaddq_f32(vmulq_f32(dy, vld1q_f32(pl->sin_v + s)),
                   vld1q_f32(pl->vo_cos + s));
}

/* sp__ld_intensity_corr on four lanes. */
static inline float32x4_t icorr4(const sp__ld_plan *pl, uint32_t s,
                                 uint32x4_t raw, float32x4_t in)
{
    float32x4_t q =
        vsubq_f32(vdupq_n_f32(1.0f),
                  vdivq_f32(vcvtq_f32_u32(raw), vdupq_n_f32(65535.0f)));
    float32x4_t t = vsubq_f32(vld1q_f32(pl->focal_off + s),
                              vmulq_f32(vdupq_n_f32(256.0f), vmulq_f32(q, q)));
    float32x4_t i =
        vaddq_f32(in, vmulq_f32(vld1q_f32(pl->focal_slope + s), vabsq_f32(t)));
    float32x4_t lo = vld1q_f32(pl->imin + s), hi = vld1q_f32(pl->imax + s);
    i = vbslq_f32(vcltq_f32(i, lo), lo, i);
    return vbslq_f32(vcgtq_f32(i, hi), hi, i);
}

size_t sp__ld_project_neon(const sp__ld_plan *pl, const sp__ld_batch *b,
                           const sp__ld_dst *o)
{
    size_t n = 0;
    const float32x4_t scale = vdupq_n_f32(b->scale);
    const float32x4_t tiny = vdupq_n_f32(1e-6f), zero = vdupq_n_f32(0.0f);
    const float32x4_t full = vdupq_n_f32(pl->funits);
    const float32x4_t half = vdupq_n_f32(0.5f), one = vdupq_n_f32(1.0f);
    const float32x4_t min_r = vdupq_n_f32(pl->min_r);
    const float32x4_t max_r = vdupq_n_f32(pl->max_r);
    const int32x4_t units = vdupq_n_s32(pl->units);
    const int32x4_t lo = vdupq_n_s32(pl->win_lo), hi = vdupq_n_s32(pl->win_hi);
    float x[4], y[4], z[4], in[4], tm[4], az4[4], d4[4];
    int32_t ai[4];
    uint32_t m4[4];
    for (uint32_t blk = 0; blk < b->nblocks; blk++) {
        const uint32_t k0 = blk * b->per_block, s0 = b->slot0[blk];
        const float32x4_t az = vdupq_n_f32(b->block_az[blk]);
        const float32x4_t azd = vdupq_n_f32(b->block_azdiff[blk]);
        const float32x4_t bt = vdupq_n_f32(b->block_time[blk]);
        uint32_t j = 0;
        for (; j + 4 <= b->per_block; j += 4) {
            const uint32_t k = k0 + j, s = s0 + j;
            uint32x4_t raw = vmovl_u16(vld1_u16(b->raw + k));
            float32x4_t d = vmulq_f32(vcvtq_f32_u32(raw), scale);
            float32x4_t dc = vaddq_f32(d, vld1q_f32(pl->dcorr + s));
            d = vbslq_f32(vcgtq_f32(d, tiny), dc, d);
            float32x4_t sa =
                vaddq_f32(az, vmulq_f32(azd, vld1q_f32(pl->frac + s)));
            float64x2_t dl = vsubq_f64(vcvt_f64_f32(vget_low_f32(sa)),
                                       vld1q_f64(pl->rotoff + s));
            float64x2_t dh =
                vsubq_f64(vcvt_high_f64_f32(sa), vld1q_f64(pl->rotoff + s + 2));
            float32x4_t f = vcvt_high_f32_f64(vcvt_f32_f64(dl), dh);
            f = vbslq_f32(vcltq_f32(f, zero), vaddq_f32(f, full), f);
            float32x4_t t = vcvtq_f32_s32(vcvtq_s32_f32(f));
            t = vbslq_f32(vcgeq_f32(vsubq_f32(f, t), half), vaddq_f32(t, one),
                          t);
            int32x4_t a = vcvtq_s32_f32(t);
            a = vsubq_s32(
                a,
                vandq_s32(vreinterpretq_s32_u32(vcgeq_s32(a, units)), units));
            uint32x4_t m = vcgtq_f32(d, min_r);
            m = vandq_u32(m, vcltq_f32(d, max_r));
            m = vandq_u32(m, vmvnq_u32(vceqq_u32(raw, vdupq_n_u32(0))));
            uint32_t kp[4] = {b->keep[k], b->keep[k + 1], b->keep[k + 2],
                              b->keep[k + 3]};
            m = vandq_u32(m,
                          vmvnq_u32(vceqq_u32(vld1q_u32(kp), vdupq_n_u32(0))));
            if (!pl->win_full) {
                uint32x4_t ge = vcgeq_s32(a, lo), le = vcleq_s32(a, hi);
                m = vandq_u32(m, pl->win_wraps ? vorrq_u32(ge, le)
                                               : vandq_u32(ge, le));
            }
            int32x4_t ti = a;
            if (pl->offsets) { /* the block's own azimuth, same rounding */
                float32x4_t tb2 = vcvtq_f32_s32(vcvtq_s32_f32(sa));
                tb2 = vbslq_f32(vcgeq_f32(vsubq_f32(sa, tb2), half),
                                vaddq_f32(tb2, one), tb2);
                ti = vcvtq_s32_f32(tb2);
                ti = vsubq_s32(
                    ti, vandq_s32(vreinterpretq_s32_u32(vcgeq_s32(ti, units)),
                                  units));
            }
            vst1q_s32(ai, ti);
            vst1q_u32(m4, m);
            float c1v[4], c2v[4];
            for (int l = 0; l < 4; l++) {
                c1v[l] = pl->tab[2 * ai[l]];
                c2v[l] = pl->tab[2 * ai[l] + 1];
            }
            for (int l = 0; l < 4; l++)
                in[l] = (float)b->intensity[k + (uint32_t)l];
            if (pl->offsets) {
                float32x4_t vx, vy, vz;
                offsets4(pl, s, d, vld1q_f32(c1v), vld1q_f32(c2v), &vx, &vy,
                         &vz);
                vst1q_f32(x, vx);
                vst1q_f32(y, vy);
                vst1q_f32(z, vz);
                vst1q_f32(in, icorr4(pl, s, raw, vld1q_f32(in)));
            } else {
                float32x4_t xy = vmulq_f32(d, vld1q_f32(pl->cos_v + s));
                vst1q_f32(x, vmulq_f32(xy, vld1q_f32(c1v)));
                vst1q_f32(y, vmulq_f32(xy, vld1q_f32(c2v)));
                vst1q_f32(z, vmulq_f32(d, vld1q_f32(pl->sin_v + s)));
            }
            vst1q_f32(tm, vaddq_f32(bt, vld1q_f32(pl->toff + s)));
            vst1q_f32(az4,
                      vmulq_f32(vcvtq_f32_s32(a), vdupq_n_f32(pl->az_scale)));
            vst1q_f32(d4, d);
            for (int l = 0; l < 4; l++) {
                if (!m4[l])
                    continue;
                o->x[n] = x[l];
                o->y[n] = y[l];
                o->z[n] = z[l];
                o->intensity[n] = in[l];
                if (o->time)
                    o->time[n] = tm[l];
                if (o->azimuth)
                    o->azimuth[n] = az4[l];
                if (o->distance)
                    o->distance[n] = d4[l];
                if (o->ring)
                    o->ring[n] = pl->ring[s + (uint32_t)l];
                if (o->rtype)
                    o->rtype[n] = b->rtype[k + (uint32_t)l];
                n++;
            }
        }
        for (; j < b->per_block; j++)
            n += (size_t)sp__ld_point(pl, b, blk, k0 + j, s0 + j, o, n);
    }
    return n;
}

/* Sixteen records per step: vld3q deinterleaves low, high and intensity
 * bytes; zipping low and high gives the little-endian u16s. */
void sp__ld_unpack3_neon(const uint8_t *rec, unsigned n, uint16_t *raw,
                         uint8_t *in)
{
    for (unsigned j = 0; j < n; j += 16) {
        uint8x16x3_t v = vld3q_u8(rec + 3 * j);
        vst1q_u8((uint8_t *)(raw + j), vzip1q_u8(v.val[0], v.val[1]));
        vst1q_u8((uint8_t *)(raw + j + 8), vzip2q_u8(v.val[0], v.val[1]));
        vst1q_u8(in + j, v.val[2]);
    }
}
