/* Hesai packets (Pandar64, Pandar40P, PandarXT32, PandarQT64), from the
 * user manuals' layouts:
 *   Pandar64   8-byte header (0xEE 0xFF, lasers, blocks, first block
 *              return, distance unit mm, returns, flags); 6 blocks of
 *              azimuth u16 + 64 x (range u16, reflectivity u8); 22-byte
 *              tail (return mode at tail + 14). 1194 bytes (+4: sequence).
 *   Pandar40P  no header; 10 blocks of 0xFFEE, azimuth, 40 x 3 bytes;
 *              22-byte tail. Range unit 4 mm. 1262 bytes (+4).
 *   XT32, QT64 12-byte header (0xEE 0xFF, version, 2 reserved; lasers,
 *              blocks, reserved, distance unit, returns, flags); 8 (4)
 *              blocks of azimuth + 32 (64) x (range u16, reflectivity u8,
 *              reserved u8); 28-byte tail (return mode at tail + 10).
 * In a dual-return packet blocks pair up (same firing): the first holds
 * the last (or first) return, the second the strongest (or last).
 *
 * Points of a return group come channel by channel, both returns of a
 * channel together, and of two returns within dual_return_distance 0.1 m
 * (or identical) only the second is kept: the order and filter of
 * Autoware's nebula, whose decoded clouds the tests compare with; angles
 * are exact to 0.001 degree (the tables' three decimals). A point's time
 * is its column's firing time plus its channel's firing offset (the
 * manuals' tables, lidardec_tables.c), relative to the packet's stamp. */
#include <math.h>
#include <string.h>

#include "lidardec_int.h"
#include "lidardec_tables_int.h"

#define DUAL_THRESHOLD 0.1 /* metres */

typedef struct hesai_layout {
    unsigned header; /* bytes before the first block */
    unsigned blocks;
    unsigned lasers;
    unsigned block_head;  /* bytes before a block's units (flag, azimuth) */
    unsigned unit;        /* bytes per channel */
    int unit_mm_at;       /* header byte of the distance unit, -1: 4 mm */
    unsigned tail_return; /* return-mode byte, offset in the packet */
} hesai_layout;

static const hesai_layout *layout_of(sp_lidar_model m)
{
    static const hesai_layout p64 = {8, 6, 64, 2, 3, 5, 8 + 6 * 194 + 14};
    static const hesai_layout p40 = {0, 10, 40, 4, 3, -1, 10 * 124 + 14};
    static const hesai_layout xt32 = {12, 8, 32, 2, 4, 9, 12 + 8 * 130 + 10};
    static const hesai_layout qt64 = {12, 4, 64, 2, 4, 9, 12 + 4 * 258 + 10};
    switch (m) {
    case SP_LIDAR_PANDAR64:
        return &p64;
    case SP_LIDAR_PANDAR40P:
        return &p40;
    case SP_LIDAR_XT32:
        return &xt32;
    default:
        return &qt64;
    }
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static size_t block_bytes(const hesai_layout *L)
{
    return L->block_head + (size_t)L->lasers * L->unit;
}

static int returns_of(uint8_t mode)
{
    return mode == 0x39 || mode == 0x3b || mode == 0x3c ? 2 : 1;
}

static int hesai_inspect(sp_lidardec *d, const uint8_t *pkt, size_t len,
                         sp_lidardec_info *info)
{
    const hesai_layout *L = layout_of(d->m->model);
    const char *what = sp_lidar_model_what(d->m->model);
    /* packet_bytes_alt 0: the model has no other size (XT32, QT64); an
     * empty datagram must not match it. */
    const size_t alt = d->m->packet_bytes_alt;
    if (len != d->m->packet_bytes && (alt == 0 || len != alt)) {
        if (alt == 0)
            return sp__fail(SP_EFORMAT,
                            "%zu-byte packet, expected %zu for a %s", len,
                            d->m->packet_bytes, what);
        return sp__fail(SP_EFORMAT,
                        "%zu-byte packet, expected %zu or %zu for a %s", len,
                        d->m->packet_bytes, alt, what);
    }
    if (L->header) {
        if (pkt[0] != 0xee || pkt[1] != 0xff)
            return sp__fail(SP_EFORMAT,
                            "header starts 0x%02x%02x, expected 0xeeff", pkt[0],
                            pkt[1]);
        unsigned at = L->header == 8 ? 2 : 6;
        if (pkt[at] != L->lasers || pkt[at + 1] != L->blocks)
            return sp__fail(SP_EFORMAT,
                            "header says %u lasers and %u blocks, expected %u "
                            "and %u for a %s",
                            pkt[at], pkt[at + 1], L->lasers, L->blocks, what);
    }
    uint8_t mode = pkt[L->tail_return];
    info->return_byte = mode;
    int nret = returns_of(mode);
    info->ncols = L->blocks / (unsigned)nret;
    for (unsigned b = 0; b < L->blocks; b++) {
        const uint8_t *blk = pkt + L->header + b * block_bytes(L);
        if (L->block_head == 4 && le16(blk) != 0xffee)
            return sp__fail(SP_EFORMAT,
                            "block %u: flag 0x%04x, expected 0xffee", b,
                            le16(blk));
        uint16_t az = le16(blk + L->block_head - 2);
        if (az >= 36000)
            return sp__fail(SP_EFORMAT,
                            "block %u: azimuth %u, expected below 36000 (0.01 "
                            "degree units)",
                            b, az);
        if (b % (unsigned)nret == 0)
            info->col_az[b / (unsigned)nret] = az;
    }
    return SP_OK;
}

/* Column c's firing time relative to the packet's timestamp, ns, from
 * the manuals (as nebula computes it): the Pandar64 / 40P / XT32 stamp the
 * packet at its last column, earlier columns fired one period apart
 * before it; the QT64 counts from the first. Both blocks of a dual pair
 * share their column's time. */
static int64_t block_ns(sp_lidar_model m, unsigned c, unsigned ncols)
{
    int64_t back = (int64_t)ncols - 1 - (int64_t)c;
    switch (m) {
    case SP_LIDAR_PANDAR64:
        return -42580 - 55560 * back;
    case SP_LIDAR_PANDAR40P:
        return -28580 - 55560 * back;
    case SP_LIDAR_XT32:
        return 5632 - 50000 * back;
    default: /* QT64 */
        return 25710 + (500000 * (int64_t)c) / 3;
    }
}

/* Channel ch's firing time after its column's, ns. */
static int32_t channel_ns(sp_lidar_model m, unsigned ch)
{
    switch (m) {
    case SP_LIDAR_PANDAR64:
        return sp__ld_pandar64_firing_ns[ch];
    case SP_LIDAR_PANDAR40P:
        return sp__ld_pandar40p_firing_ns[ch];
    case SP_LIDAR_XT32:
        return 368 + 1512 * (int32_t)ch;
    default:
        return sp__ld_qt64_firing_ns[ch];
    }
}

/* A block's channel units (range u16, reflectivity u8, and for XT32 and
 * QT64 a reserved byte) into raw[] and in[]: the SIMD unpack where the
 * units are 3 bytes and the channels come in sixteens. */
static void units(const sp_lidardec *d, const hesai_layout *L, const uint8_t *u,
                  uint16_t *raw, uint8_t *in)
{
    if (L->unit == 3 && L->lasers % 16 == 0) {
        d->unpack3(u, L->lasers, raw, in);
        return;
    }
    for (unsigned ch = 0; ch < L->lasers; ch++, u += L->unit) {
        raw[ch] = le16(u);
        in[ch] = u[2];
    }
}

static int hesai_parse(sp_lidardec *d, const uint8_t *pkt, size_t len,
                       unsigned col0, unsigned col1, double t_rel_s,
                       sp__ld_batch *bt)
{
    (void)len;
    const hesai_layout *L = layout_of(d->m->model);
    uint8_t mode = pkt[L->tail_return];
    int nret = returns_of(mode);
    float scale =
        L->unit_mm_at < 0 ? 0.004f : (float)pkt[L->unit_mm_at] / 1000.f;
    const sp_lidar_return want = d->desc.ret;
    /* Which block of a pair holds which return. */
    uint8_t rt0 = SP_LIDAR_RT_LAST, rt1 = SP_LIDAR_RT_STRONGEST;
    if (mode == 0x3b && d->m->model == SP_LIDAR_XT32) {
        /* The XT32 sends first-and-last the other way round (nebula's
         * PandarXT32::get_return_type flips them too). */
        rt0 = SP_LIDAR_RT_LAST;
        rt1 = SP_LIDAR_RT_FIRST;
    } else if (mode == 0x3b) {
        rt0 = SP_LIDAR_RT_FIRST;
        rt1 = SP_LIDAR_RT_LAST;
    } else if (mode == 0x3c) {
        rt0 = SP_LIDAR_RT_FIRST;
        rt1 = SP_LIDAR_RT_STRONGEST;
    }
    int only = -1; /* keep only this block of a pair */
    if (nret == 2 && want == SP_LIDAR_RETURN_LAST)
        only = rt0 == SP_LIDAR_RT_LAST ? 0 : rt1 == SP_LIDAR_RT_LAST ? 1 : -1;
    if (nret == 2 && want == SP_LIDAR_RETURN_STRONGEST)
        only = rt1 == SP_LIDAR_RT_STRONGEST ? 1 : -1;
    const sp__ld_pair_rule rule = {scale, sp__ld_float_up(DUAL_THRESHOLD), rt0,
                                   rt1, only};
    d->plan_use = nret == 2 ? &d->plan2 : &d->plan;
    bt->nblocks = 0;
    bt->per_block = L->lasers * (unsigned)nret;
    bt->scale = scale;
    for (unsigned c = col0; c < col1; c++) {
        unsigned b0 = c * (unsigned)nret;
        const uint8_t *blk0 = pkt + L->header + b0 * block_bytes(L);
        const uint8_t *blk1 = nret == 2 ? blk0 + block_bytes(L) : NULL;
        unsigned i = bt->nblocks++;
        /* 0.01 degree in the packet, 0.001 in the table. */
        bt->block_az[i] = (float)(le16(blk0 + L->block_head - 2) * 10);
        bt->block_azdiff[i] = 0.0f;
        bt->block_time[i] =
            (float)(t_rel_s +
                    1e-9 * (double)block_ns(d->m->model, c,
                                            L->blocks / (unsigned)nret));
        bt->slot0[i] = 0;
        uint16_t *raw = bt->raw + i * bt->per_block;
        uint8_t *in = bt->intensity + i * bt->per_block;
        uint8_t *keep = bt->keep + i * bt->per_block;
        uint8_t *rt = bt->rtype + i * bt->per_block;
        if (nret == 1) {
            units(d, L, blk0 + L->block_head, raw, in);
            memset(keep, 1, L->lasers);
            memset(rt, mode == 0x38 ? SP_LIDAR_RT_LAST : SP_LIDAR_RT_STRONGEST,
                   L->lasers);
            continue;
        }
        uint16_t r0[SP__LD_MAX_SLOTS], r1[SP__LD_MAX_SLOTS];
        uint8_t i0[SP__LD_MAX_SLOTS], i1[SP__LD_MAX_SLOTS];
        units(d, L, blk0 + L->block_head, r0, i0);
        units(d, L, blk1 + L->block_head, r1, i1);
        d->pair(&rule, r0, i0, r1, i1, L->lasers, raw, in, keep, rt);
    }
    return SP_OK;
}

int sp__ld_hesai_init(sp_lidardec *d)
{
    sp_lidar_model m = d->m->model;
    const sp_lidar_calib *c = d->desc.calib;
    unsigned n = d->m->lasers;
    double el[SP_LIDAR_MAX_LASERS], az[SP_LIDAR_MAX_LASERS];
    if (c && c->nlasers) {
        if (c->vendor != SP_LIDAR_CALIB_HESAI)
            return sp__fail(SP_EFORMAT,
                            "lidar: %s: not a Hesai angle-correction table (a "
                            "Velodyne YAML?), expected one for %s",
                            c->source, sp_lidar_model_what(m));
        if (c->nlasers < n)
            return sp__fail(SP_EFORMAT,
                            "lidar: %s: %u lasers, expected %u for a %s",
                            c->source, c->nlasers, n, sp_lidar_model_what(m));
        for (unsigned i = 0; i < n; i++) {
            el[i] = c->laser[i].vert;
            az[i] = c->laser[i].rot;
        }
    } else {
        const double(*t)[2] = m == SP_LIDAR_PANDAR64    ? sp__ld_pandar64_table
                              : m == SP_LIDAR_PANDAR40P ? sp__ld_pandar40p_table
                              : m == SP_LIDAR_XT32      ? sp__ld_xt32_table
                                                        : sp__ld_qt64_table;
        for (unsigned i = 0; i < n; i++) {
            el[i] = t[i][0];
            az[i] = t[i][1];
        }
    }
    const double rad = 3.14159265358979323846 / 180.0;
    /* plan: one slot per channel; plan2: two per channel (both returns of
     * a channel side by side). */
    for (int dual = 0; dual < 2; dual++) {
        sp__ld_plan *pl = dual ? &d->plan2 : &d->plan;
        if (dual)
            *pl = d->plan; /* filters and tables */
        pl->nslots = n * (dual ? 2u : 1u);
        for (unsigned s = 0; s < pl->nslots; s++) {
            unsigned ch = dual ? s / 2 : s;
            /* nebula: the elevation kept in float, converted in double;
             * the azimuth offset as an exact count of 0.01 degrees. */
            float elf = (float)el[ch];
            float er = (float)((double)elf * rad);
            pl->frac[s] = 0.0f;
            pl->toff[s] = (float)(1e-9 * channel_ns(m, ch));
            pl->dcorr[s] = 0.0f;
            pl->cos_v[s] = cosf(er);
            pl->sin_v[s] = sinf(er);
            pl->rotoff[s] = -(double)lround((double)(float)az[ch] * 1000.0);
            pl->ring[s] = (uint16_t)ch;
        }
    }
    /* nebula keeps min_range <= d <= max_range: the kernel's strict test
     * against the neighbouring floats. */
    d->plan.min_r = nextafterf(sp__ld_float_up(d->range_lo), -INFINITY);
    d->plan.max_r = nextafterf(sp__ld_float_down(d->range_hi), INFINITY);
    d->plan2.min_r = d->plan.min_r;
    d->plan2.max_r = d->plan.max_r;
    d->inspect = hesai_inspect;
    d->parse = hesai_parse;
    return SP_OK;
}
