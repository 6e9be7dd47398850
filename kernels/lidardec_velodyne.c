/* Velodyne packets (VLP-16, VLP-32C, HDL-32E, HDL-64E, VLS-128): 1206-byte
 * UDP payloads of 12 blocks of 100 bytes (flag u16 0xEEFF, or a bank flag
 * for HDL-64E and VLS-128; azimuth u16 in 0.01 deg; 32 x (range u16,
 * intensity u8)), then a u32 time in microseconds past the hour, the
 * return-mode byte (0x37 strongest, 0x38 last, 0x39 dual) and the model
 * byte (HDL-64E: a status type and value instead). In dual mode blocks
 * come in pairs (last, then strongest) of the same firing; the HDL-64E's
 * firing is four blocks (upper and lower of the first return, then of the
 * second), which is how its dual packets are told apart.
 *
 * The HDL-64E decodes with the ROS driver's full calibration model
 * (rawdata.cc: offsets, two-point distance correction, focal intensity
 * correction; lidardec_int.h's offsets path).
 *
 * Firing times and azimuth interpolation follow each sensor's manual; for
 * the VLS-128 the arithmetic (timing table, azimuth cache, the last
 * block's zero step, the block-azimuth window) is the one Autoware's nebula
 * uses, whose decoded clouds are the oracle the tests compare with. */
#include <math.h>
#include <string.h>

#include "lidardec_int.h"

#define VEL_BLOCKS 12
#define VEL_BLOCK_BYTES 100
#define VEL_PACKET 1206

/* Factory tables (degrees) from the user manuals: laser id order. */
static const double vlp16_vert[16] = {-15, 1, -13, 3,  -11, 5,  -9, 7,
                                      -7,  9, -5,  11, -3,  13, -1, 15};
static const double hdl32_vert[32] = {
    -30.67, -9.33, -29.33, -8.00, -28.00, -6.67, -26.67, -5.33,
    -25.33, -4.00, -24.00, -2.67, -22.67, -1.33, -21.33, 0.00,
    -20.00, 1.33,  -18.67, 2.67,  -17.33, 4.00,  -16.00, 5.33,
    -14.67, 6.67,  -13.33, 8.00,  -12.00, 9.33,  -10.67, 10.67};
static const double vlp32c_vert[32] = {
    -25,    -1,    -1.667, -15.639, -11.31, 0,     -0.667, -8.843,
    -7.254, 0.333, -0.333, -6.148,  -5.333, 1.333, 0.667,  -4,
    -4.667, 1.667, 1,      -3.667,  -3.333, 3.333, 2.333,  -2.667,
    -3,     7,     4.667,  -2.333,  -2,     15,    10.333, -1.333};
static const double vlp32c_rot[32] = {
    1.4,  -4.2, 1.4,  -1.4, 1.4,  -1.4, 4.2,  -1.4, 1.4,  -4.2, 1.4,
    -1.4, 4.2,  -1.4, 4.2,  -1.4, 1.4,  -4.2, 1.4,  -4.2, 4.2,  -1.4,
    1.4,  -1.4, 1.4,  -1.4, 1.4,  -4.2, 4.2,  -1.4, 1.4,  -1.4};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static int bank_of(sp_lidar_model m, uint16_t flag)
{
    switch (flag) {
    case 0xeeff:
        return 0;
    case 0xddff:
        return m == SP_LIDAR_VLS128 || m == SP_LIDAR_HDL64E ? 1 : -1;
    case 0xccff:
        return m == SP_LIDAR_VLS128 ? 2 : -1;
    case 0xbbff:
        return m == SP_LIDAR_VLS128 ? 3 : -1;
    }
    return -1;
}

static sp_lidar_model model_of_byte(int b)
{
    switch (b) {
    case 0x21:
        return SP_LIDAR_HDL32E;
    case 0x22:
        return SP_LIDAR_VLP16;
    case 0x28:
        return SP_LIDAR_VLP32C;
    case 0xa1:
        return SP_LIDAR_VLS128;
    }
    return SP_LIDAR_MODEL_COUNT;
}

static int vel_inspect(sp_lidardec *d, const uint8_t *pkt, size_t len,
                       sp_lidardec_info *info)
{
    sp_lidar_model m = d->m->model;
    if (len != VEL_PACKET)
        return sp__fail(SP_EFORMAT,
                        "%zu-byte packet, expected %d for a %s (a position "
                        "packet, or another sensor?)",
                        len, VEL_PACKET, sp_lidar_model_what(m));
    /* The HDL-64E's last two bytes are a cycling status (type, value: the
     * hour, the minute, ...), not a return mode and a model: a minute of
     * 33 (0x21) is no HDL-32E. */
    if (m != SP_LIDAR_HDL64E) {
        info->model_byte = pkt[1205];
        info->return_byte = pkt[1204];
        sp_lidar_model says = model_of_byte(pkt[1205]);
        if (says != SP_LIDAR_MODEL_COUNT && says != m)
            info->says = sp_lidar_model_what(says);
    }
    int dual = pkt[1204] == 0x39;
    unsigned used = (m == SP_LIDAR_VLS128 && dual) ? 8 : VEL_BLOCKS;
    info->ncols = used;
    for (unsigned b = 0; b < used; b++) {
        const uint8_t *blk = pkt + b * VEL_BLOCK_BYTES;
        uint16_t flag = le16(blk), az = le16(blk + 2);
        if (bank_of(m, flag) < 0)
            return sp__fail(SP_EFORMAT,
                            "block %u: flag 0x%04x, expected 0xeeff%s", b, flag,
                            m == SP_LIDAR_VLS128   ? " (or 0xddff, 0xccff, "
                                                     "0xbbff)"
                            : m == SP_LIDAR_HDL64E ? " or 0xddff"
                                                   : "");
        if (az >= 36000)
            return sp__fail(SP_EFORMAT,
                            "block %u: azimuth %u, expected below 36000 (0.01 "
                            "degree units)",
                            b, az);
        info->col_az[b] = az;
    }
    return SP_OK;
}

/* (36000 + n - a) % 36000, the division only where the two azimuths are
 * not both below 36000 (a block inspect did not list: the VLS-128's
 * unused dual-mode blocks). */
static int azstep(uint16_t a, uint16_t n)
{
    int v = 36000 + (int)n - (int)a;
    if (v >= 36000 && v < 72000)
        return v - 36000;
    if (v >= 0 && v < 36000)
        return v;
    return v % 36000;
}

/* VLS-128 as nebula: the step to block b + 1 + dual; the last block of the
 * packet gets 0 (nebula's choice; the oracle needs it). */
static inline float vls_azdiff(const uint8_t *pkt, unsigned b, int dual,
                               float *last)
{
    unsigned blocks = VEL_BLOCKS - 4u * (unsigned)dual;
    if (b < VEL_BLOCKS - (1u + (unsigned)dual)) {
        uint16_t a = le16(pkt + b * VEL_BLOCK_BYTES + 2);
        uint16_t n = le16(pkt + (b + 1 + (unsigned)dual) * VEL_BLOCK_BYTES + 2);
        *last = (float)azstep(a, n);
        return *last;
    }
    return b == blocks - 1 ? 0.0f : *last;
}

/* The others: the step to the next firing's block (b + 2 in dual mode, as
 * both blocks of a pair fired together), the last firing reusing the
 * previous step. */
static float vel_azdiff(const uint8_t *pkt, unsigned b, int dual)
{
    unsigned step = dual ? 2 : 1;
    unsigned nb = b + step, pb = b;
    if (nb >= VEL_BLOCKS) {
        if (b < step)
            return 0.0f;
        nb = b;
        pb = b - step;
    }
    uint16_t a = le16(pkt + pb * VEL_BLOCK_BYTES + 2);
    uint16_t n = le16(pkt + nb * VEL_BLOCK_BYTES + 2);
    return (float)azstep(a, n);
}

/* An HDL-64E packet is dual-return when its blocks come four to a firing
 * (upper and lower of the first return, then of the second: blocks 0 and
 * 2 share an azimuth), as Velodyne's VeloView tells them apart; its
 * single-return packets advance the azimuth every two blocks. */
static int hdl64_dual(const uint8_t *pkt)
{
    return le16(pkt + 2) == le16(pkt + 2 * VEL_BLOCK_BYTES + 2);
}

static int vel_parse(sp_lidardec *d, const uint8_t *pkt, size_t len,
                     unsigned col0, unsigned col1, double t_rel_s,
                     sp__ld_batch *bt)
{
    (void)len;
    sp_lidar_model m = d->m->model;
    const int hdl64 = m == SP_LIDAR_HDL64E;
    const int dual = hdl64 ? hdl64_dual(pkt) : pkt[1204] == 0x39;
    /* The HDL-64E's byte 1204 is a cycling status type, not the mode. */
    const int strongest_only = !hdl64 && pkt[1204] == 0x37;
    const int last_only = !hdl64 && pkt[1204] == 0x38;
    /* Which block of a dual pair holds the second return, and the step to
     * the other block of the pair: the HDL-64E pairs (upper, lower)
     * block pairs, b and b + 2; the others neighbouring blocks. */
    const unsigned pair_bit = hdl64 ? 2u : 1u;
    const sp_lidar_return want = d->desc.ret;
    float last = 0.0f;
    bt->nblocks = 0;
    bt->per_block = 32;
    bt->scale = d->scale;
    if (m == SP_LIDAR_VLS128)
        for (unsigned b = 0; b < col0; b++)
            (void)vls_azdiff(pkt, b, dual, &last);
    for (unsigned b = col0; b < col1; b++) {
        const uint8_t *blk = pkt + b * VEL_BLOCK_BYTES;
        uint16_t az = le16(blk + 2);
        float azdiff = m == SP_LIDAR_VLS128 ? vls_azdiff(pkt, b, dual, &last)
                                            : vel_azdiff(pkt, b, dual);
        if (d->block_window && (az < d->plan.win_lo || az > d->plan.win_hi))
            continue;
        /* Which return this block holds, and the other of its pair. */
        int odd = (b & pair_bit) != 0;
        const uint8_t *other =
            dual ? pkt + (b ^ pair_bit) * VEL_BLOCK_BYTES : NULL;
        int skip_block = dual && ((want == SP_LIDAR_RETURN_LAST && odd) ||
                                  (want == SP_LIDAR_RETURN_STRONGEST && !odd));
        if (skip_block)
            continue;
        unsigned i = bt->nblocks++;
        bt->block_az[i] = (float)az;
        bt->block_azdiff[i] = azdiff;
        /* Both blocks of a dual pair fired together. */
        unsigned tb = b;
        if (dual && hdl64)
            tb = (b / 4) * 2; /* four blocks a firing */
        else if (dual && m != SP_LIDAR_VLS128)
            tb = b / 2;
        bt->block_time[i] = (float)(t_rel_s + d->timing[tb]);
        bt->slot0[i] = (uint16_t)(32 * bank_of(m, le16(blk)));
        if (m == SP_LIDAR_VLP16)
            bt->slot0[i] = 0;
        uint16_t *raw = bt->raw + i * 32;
        uint8_t *in = bt->intensity + i * 32;
        uint8_t *keep = bt->keep + i * 32, *rt = bt->rtype + i * 32;
        if (!dual) {
            /* One return per firing: a straight copy. */
            uint8_t single = strongest_only ? SP_LIDAR_RT_STRONGEST
                             : last_only    ? SP_LIDAR_RT_LAST
                                            : SP_LIDAR_RT_UNKNOWN;
            d->unpack3(blk + 4, 32, raw, in);
            memset(keep, 1, 32);
            memset(rt, single, 32);
            continue;
        }
        for (unsigned j = 0; j < 32; j++) {
            const uint8_t *u = blk + 4 + 3 * j;
            raw[j] = le16(u);
            in[j] = u[2];
            keep[j] = 1;
            const uint8_t *o = other + 4 + 3 * j;
            uint16_t oraw = le16(o);
            int same = oraw == raw[j];
            if (odd) {
                /* The strongest block repeats the last return when they are
                 * one: a duplicate, dropped in dual output. */
                if (same && want == SP_LIDAR_RETURN_DUAL)
                    keep[j] = 0;
                rt[j] = same          ? SP_LIDAR_RT_IDENTICAL
                        : o[2] > u[2] ? SP_LIDAR_RT_SECOND
                                      : SP_LIDAR_RT_STRONGEST;
            } else {
                rt[j] = (same || oraw == 0) ? SP_LIDAR_RT_IDENTICAL
                                            : SP_LIDAR_RT_LAST;
            }
        }
    }
    return SP_OK;
}

/* Per-slot firing facts of each model: share of the azimuth step and time
 * after the block's start (s); and each block's firing time in a packet. */
static void vel_timing(sp_lidardec *d, int dual_layout)
{
    (void)dual_layout;
    sp__ld_plan *pl = &d->plan;
    sp_lidar_model m = d->m->model;
    for (unsigned s = 0; s < SP__LD_MAX_SLOTS; s++) {
        float frac = 0, t = 0;
        switch (m) {
        case SP_LIDAR_VLP16: { /* two firings of 16 per block */
            unsigned firing = (s / 16) & 1, dsr = s % 16;
            frac = ((float)dsr * 2.304f + (float)firing * 55.296f) / 110.592f;
            t = ((float)dsr * 2.304f + (float)firing * 55.296f) * 1e-6f;
            break;
        }
        case SP_LIDAR_HDL32E:
            frac = (float)(s % 32) * 1.152f / 46.08f;
            t = (float)(s % 32) * 1.152e-6f;
            break;
        case SP_LIDAR_VLP32C: /* pairs fire together, 16 firings */
            frac = (float)((s % 32) / 2) * 2.304f / 55.296f;
            t = (float)((s % 32) / 2) * 2.304e-6f;
            break;
        case SP_LIDAR_VLS128: { /* nebula's cache and timing table */
            unsigned fo = s / 8;
            frac = (2.665f / 53.3f) * (float)(fo + fo / 8);
            t = (float)(2.665e-6 * (double)(fo + s / 64) - 8.7e-6);
            break;
        }
        default: /* HDL-64E: a block's lasers fire together */
            break;
        }
        pl->frac[s] = frac;
        pl->toff[s] = t;
    }
    for (unsigned b = 0; b < VEL_BLOCKS; b++) {
        double t;
        switch (m) {
        case SP_LIDAR_VLP16:
            t = 110.592e-6 * b;
            break;
        case SP_LIDAR_HDL32E:
            t = 46.08e-6 * b;
            break;
        case SP_LIDAR_VLP32C:
            t = 55.296e-6 * b;
            break;
        case SP_LIDAR_VLS128:
            t = 53.3e-6 * (b / 4);
            break;
        default:
            t = 48.0e-6 * (b / 2);
            break;
        }
        d->timing[b] = t;
    }
}

/* The HDL-64E corrections of slot s (lidardec_int.h's offsets path), as
 * the ROS driver keeps them: floats, the focal offset computed in float;
 * sets pl->offsets when the laser has any. */
static void set_offsets(sp__ld_plan *pl, unsigned s, const sp_lidar_laser *l,
                        float rotf)
{
    float vo = (float)l->vert_offset;
    pl->rot_c[s] = cosf(rotf);
    pl->rot_s[s] = sinf(rotf);
    pl->vo_sin[s] = vo * pl->sin_v[s];
    pl->vo_cos[s] = vo * pl->cos_v[s];
    pl->horiz[s] = (float)l->horiz_offset;
    pl->tp_kx[s] = pl->tp_bx[s] = pl->tp_ky[s] = pl->tp_by[s] = 0.0f;
    if (l->two_pt) {
        float dc = (float)l->dist_correction;
        float dcx = (float)l->dist_correction_x;
        float dcy = (float)l->dist_correction_y;
        pl->tp_kx[s] = (float)((double)(dc - dcx) / (25.04 - 2.4));
        pl->tp_bx[s] = dcx - dc;
        pl->tp_ky[s] = (float)((double)(dc - dcy) / (25.04 - 1.93));
        pl->tp_by[s] = dcy - dc;
    }
    float fd = (float)l->focal_distance;
    float r = 1.0f - fd / 13100.0f;
    pl->focal_off[s] = 256.0f * r * r;
    pl->focal_slope[s] = (float)l->focal_slope;
    int clamp = l->min_intensity != 0 || l->max_intensity != 0;
    pl->imin[s] = clamp ? (float)l->min_intensity : 0.0f;
    pl->imax[s] = clamp ? (float)l->max_intensity : 255.0f;
    if (vo != 0.0f || pl->horiz[s] != 0.0f || l->two_pt ||
        pl->focal_slope[s] != 0.0f || pl->imin[s] != 0.0f ||
        pl->imax[s] != 255.0f)
        pl->offsets = 1;
}

int sp__ld_velodyne_init(sp_lidardec *d)
{
    sp_lidar_model m = d->m->model;
    const sp_lidar_calib *c = d->desc.calib;
    unsigned n = d->m->lasers;
    sp_lidar_laser lasers[SP_LIDAR_MAX_LASERS];
    memset(lasers, 0, sizeof lasers);
    const double rad = 3.14159265358979323846 / 180.0;
    if (c && c->nlasers) {
        if (c->vendor != SP_LIDAR_CALIB_VELODYNE)
            return sp__fail(SP_EFORMAT,
                            "lidar: %s: not a Velodyne calibration (a Hesai "
                            "angle table?), expected a Velodyne YAML for %s",
                            c->source, sp_lidar_model_what(m));
        if (c->nlasers < n)
            return sp__fail(SP_EFORMAT,
                            "lidar: %s: %u lasers, expected %u for a %s",
                            c->source, c->nlasers, n, sp_lidar_model_what(m));
        memcpy(lasers, c->laser, sizeof lasers);
    } else {
        const double *vert = NULL, *rot = NULL;
        if (m == SP_LIDAR_VLP16)
            vert = vlp16_vert;
        else if (m == SP_LIDAR_HDL32E)
            vert = hdl32_vert;
        else if (m == SP_LIDAR_VLP32C) {
            vert = vlp32c_vert;
            rot = vlp32c_rot;
        }
        if (!vert)
            return sp__fail(SP_EINVAL,
                            "lidar: %s: no factory table (each unit has its "
                            "own), give calib=FILE (the sensor's YAML table)",
                            sp_lidar_model_what(m));
        for (unsigned i = 0; i < n; i++) {
            lasers[i].vert = vert[i] * rad;
            lasers[i].rot = rot ? rot[i] * rad : 0.0;
            lasers[i].ring = -1;
        }
    }
    double elev[SP_LIDAR_MAX_LASERS] = {0};
    uint16_t ring[SP_LIDAR_MAX_LASERS] = {0};
    for (unsigned i = 0; i < n; i++)
        elev[i] = lasers[i].vert;
    sp__ld_rings_by_elevation(elev, n, ring);
    sp__ld_plan *pl = &d->plan;
    pl->nslots = m == SP_LIDAR_VLP16 ? 32 : n;
    for (unsigned s = 0; s < pl->nslots; s++) {
        const sp_lidar_laser *l = &lasers[s % n];
        /* The drivers keep the table in float and compute in double. */
        float rotf = (float)l->rot, vertf = (float)l->vert;
        pl->rotoff[s] = (double)rotf * 180.0 / 3.14159265358979323846 * 100;
        pl->cos_v[s] = cosf(vertf);
        pl->sin_v[s] = sinf(vertf);
        pl->dcorr[s] = (float)l->dist_correction;
        pl->ring[s] = l->ring >= 0 ? (uint16_t)l->ring : ring[s % n];
        set_offsets(pl, s, l, rotf);
    }
    /* The HDL-64E always decodes with the driver's full model (its azimuth
     * offset composed exactly, not rounded to the table); the others only
     * when their table has such corrections. */
    if (m == SP_LIDAR_HDL64E)
        pl->offsets = 1;
    d->scale = (m == SP_LIDAR_VLP32C || m == SP_LIDAR_VLS128) ? 0.004f : 0.002f;
    vel_timing(d, 0);
    /* nebula skips whole VLS-128 blocks whose azimuth is outside a
     * non-wrapping window before correcting the lasers' azimuths. */
    d->block_window =
        m == SP_LIDAR_VLS128 && !d->plan.win_full && !d->plan.win_wraps;
    d->inspect = vel_inspect;
    d->parse = vel_parse;
    return SP_OK;
}
