/* Ouster packets: the plan's tables, the scan's memory, the header checks
 * and dispatch of the column decoders (ouster_int.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ouster_int.h"

static const char *const pkt_names[] = {"LEGACY", "RNG19_RFL8_SIG16_NIR16",
                                        "RNG19_RFL8_SIG16_NIR16_DUAL",
                                        "RNG15_RFL8_NIR8"};

static int finite_all(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

static int check_geom(const sp_ouster_geom *g)
{
    if ((unsigned)g->profile > SP_OUSTER_PKT_RNG15_RFL8_NIR8)
        return sp__fail(SP_EINVAL,
                        "ouster: profile %d unknown, expected "
                        "0..3",
                        (int)g->profile);
    if (g->beams < 1 || g->beams > SP_OUSTER_GEOM_MAX_BEAMS)
        return sp__fail(SP_EINVAL, "ouster: %u beams, expected 1..%d", g->beams,
                        SP_OUSTER_GEOM_MAX_BEAMS);
    if (g->cols_per_frame < 1 || g->cols_per_frame > SP_OUSTER_GEOM_MAX_COLS)
        return sp__fail(SP_EINVAL,
                        "ouster: %u columns per frame, expected "
                        "1..%d",
                        g->cols_per_frame, SP_OUSTER_GEOM_MAX_COLS);
    if (g->cols_per_packet < 1 || g->cols_per_packet > 64 ||
        g->cols_per_packet > g->cols_per_frame)
        return sp__fail(SP_EINVAL,
                        "ouster: %u columns per packet, expected 1..64 and "
                        "at most the %u per frame",
                        g->cols_per_packet, g->cols_per_frame);
    if (!g->altitude_deg || !g->azimuth_deg || !g->pixel_shift)
        return sp__fail(SP_EINVAL, "ouster: beam angle or pixel shift "
                                   "table missing");
    if (!finite_all(g->altitude_deg, g->beams) ||
        !finite_all(g->azimuth_deg, g->beams) ||
        !finite_all(g->beam_to_lidar, 16) ||
        !finite_all(g->lidar_to_sensor, 16))
        return sp__fail(SP_EINVAL, "ouster: beam angles or transforms hold "
                                   "a non-finite number");
    return SP_OK;
}

int sp_ouster_plan_create(const sp_ouster_geom *g, sp_ouster_plan **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(g);
    SP_TRY(check_geom(g));
    sp_ouster_plan *p = aligned_alloc(64, (sizeof *p + 63) & ~(size_t)63);
    if (!p)
        return sp__fail(SP_ENOMEM, "ouster: out of memory for the plan");
    memset(p, 0, sizeof *p);
    const uint32_t h = g->beams, w = g->cols_per_frame;
    p->profile = g->profile;
    p->beams = h;
    p->cpp = g->cols_per_packet;
    p->cols = w;
    p->returns =
        g->profile == SP_OUSTER_PKT_RNG19_RFL8_SIG16_NIR16_DUAL ? 2 : 1;
    p->stride = g->profile == SP_OUSTER_PKT_RNG15_RFL8_NIR8 ? 4
                : p->returns == 2                           ? 16
                                                            : 12;
    if (g->profile == SP_OUSTER_PKT_LEGACY) {
        p->pkt_hdr = 0;
        p->col_hdr = 16;
        p->col_size = 16 + h * p->stride + 4;
        p->pkt_size = (size_t)p->cpp * p->col_size;
    } else {
        p->pkt_hdr = 32;
        p->col_hdr = 12;
        p->col_size = 12 + h * p->stride;
        p->pkt_size = 32 + (size_t)p->cpp * p->col_size + 32;
    }
    p->init_id = g->init_id & 0xffffffu;
    p->prod_sn = g->prod_sn & 0xffffffffffull;

    const double pi = 3.14159265358979323846, d2r = pi / 180.0;
    const double b03 = g->beam_to_lidar[3], b23 = g->beam_to_lidar[11];
    const double n = sqrt(b03 * b03 + b23 * b23);
    for (uint32_t b = 0; b < h; b++) {
        double alt = g->altitude_deg[b] * d2r, az = -g->azimuth_deg[b] * d2r;
        p->n[b] = (float)n;
        p->cxa[b] = (float)(cos(alt) * cos(az));
        p->sxa[b] = (float)(cos(alt) * sin(az));
        p->sz[b] = (float)sin(alt);
        p->bx[b] = (float)b03;
        p->bz[b] = (float)b23;
        /* (-180, 180], so that column + beam needs one wrap. */
        double ab = fmod(g->azimuth_deg[b], 360.0);
        ab = ab > 180.0 ? ab - 360.0 : ab <= -180.0 ? ab + 360.0 : ab;
        p->az_beam[b] = (float)ab;
        int32_t sh = g->pixel_shift[b] % (int32_t)w;
        p->shift[b] = sh < 0 ? sh + (int32_t)w : sh;
    }
    const double *L = g->lidar_to_sensor;
    for (uint32_t m = 0; m < w; m++) {
        double e = 2.0 * pi * (1.0 - (double)m / (double)w);
        p->ce[m] = (float)cos(e);
        p->se[m] = (float)sin(e);
        p->az_col[m] = (float)(360.0 * (double)m / (double)w);
    }
    for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++)
            p->R[r * 3 + c] = (float)(L[r * 4 + c] * 0.001);
        p->T[r] = (float)(L[r * 4 + 3] * 0.001);
    }
    *out = p;
    return SP_OK;
}

void sp_ouster_plan_destroy(sp_ouster_plan *p)
{
    free(p);
}

size_t sp_ouster_plan_packet_size(const sp_ouster_plan *p)
{
    return p->pkt_size;
}
uint32_t sp_ouster_plan_beams(const sp_ouster_plan *p)
{
    return p->beams;
}
uint32_t sp_ouster_plan_cols(const sp_ouster_plan *p)
{
    return p->cols;
}
uint32_t sp_ouster_plan_returns(const sp_ouster_plan *p)
{
    return p->returns;
}

/* Carves the scan's planes from mem (or only counts when mem is NULL). */
static size_t carve(const sp_ouster_plan *p, sp_ouster_scan *s, uint8_t *mem)
{
    const size_t px = (size_t)p->beams * p->cols;
    size_t off = 0;
#define TAKE(ptr, bytes)                                                       \
    do {                                                                       \
        if (mem)                                                               \
            (ptr) = (void *)(mem + off);                                       \
        off += ((bytes) + 63) & ~(size_t)63;                                   \
    } while (0)
    for (uint32_t i = 0; i < p->returns; i++) {
        TAKE(s->range[i], px * 4);
        TAKE(s->reflectivity[i], px * 2);
        TAKE(s->signal[i], px * 2);
        TAKE(s->x[i], px * 4);
        TAKE(s->y[i], px * 4);
        TAKE(s->z[i], px * 4);
    }
    TAKE(s->nir, px * 2);
    TAKE(s->col_time_ns, (size_t)p->cols * 8);
    TAKE(s->seen, (size_t)p->cols);
#undef TAKE
    return off;
}

size_t sp_ouster_scan_size(const sp_ouster_plan *p)
{
    sp_ouster_scan s;
    return carve(p, &s, NULL);
}

int sp_ouster_scan_init(sp_ouster_scan *s, const sp_ouster_plan *p, void *mem,
                        size_t size)
{
    SP_GUARD(s && p && mem);
    size_t need = sp_ouster_scan_size(p);
    if ((uintptr_t)mem & 63)
        return sp__fail(SP_EINVAL,
                        "ouster: scan memory %p is not 64-byte "
                        "aligned",
                        mem);
    if (size < need)
        return sp__fail(SP_EINVAL,
                        "ouster: scan memory of %zu bytes, "
                        "expected at least %zu",
                        size, need);
    memset(s, 0, sizeof *s);
    s->beams = p->beams;
    s->cols = p->cols;
    s->returns = p->returns;
    carve(p, s, mem);
    sp_ouster_scan_reset(s);
    return SP_OK;
}

void sp_ouster_scan_reset(sp_ouster_scan *s)
{
    memset(s->seen, 0, s->cols);
    s->ncols = 0;
    s->packets = 0;
    s->frame_id = 0;
    s->t0_ns = 0;
}

static int col_valid(const sp_ouster_plan *p, const uint8_t *col)
{
    if (p->profile == SP_OUSTER_PKT_LEGACY)
        return sp__ou_rd32(col + p->col_size - 4) == 0xffffffffu;
    return sp__ou_rd16(col + 10) & 1;
}

int sp_ouster_peek(const sp_ouster_plan *p, const uint8_t *pkt, size_t n,
                   sp_ouster_packet *info)
{
    SP_GUARD(p && info && (pkt || n == 0));
    memset(info, 0, sizeof *info);
    if (n != p->pkt_size)
        return sp__fail(SP_EFORMAT,
                        "%zu-byte packet, expected %zu for %s with %u beams "
                        "x %u columns (metadata of another sensor or "
                        "profile?)",
                        n, p->pkt_size, pkt_names[p->profile], p->beams,
                        p->cpp);
    if (p->profile != SP_OUSTER_PKT_LEGACY) {
        uint16_t type = sp__ou_rd16(pkt);
        if (type != 1)
            return sp__fail(SP_EFORMAT,
                            "packet type %u, expected 1 (lidar "
                            "data)",
                            type);
        info->frame_id = sp__ou_rd16(pkt + 2);
        uint32_t init = sp__ou_rd32(pkt + 4) & 0xffffffu;
        uint64_t sn = sp__ou_rd64(pkt + 4) >> 24 & 0xffffffffffull;
        if (p->init_id && init != p->init_id)
            return sp__fail(SP_EFORMAT,
                            "initialization id %u, but the metadata says %u "
                            "(metadata of another sensor start?)",
                            init, p->init_id);
        if (p->prod_sn && sn != p->prod_sn)
            return sp__fail(SP_EFORMAT,
                            "serial number %llu, but the metadata says %llu "
                            "(metadata of another sensor?)",
                            (unsigned long long)sn,
                            (unsigned long long)p->prod_sn);
    }
    int have = 0;
    for (uint32_t c = 0; c < p->cpp; c++) {
        const uint8_t *col = pkt + p->pkt_hdr + (size_t)c * p->col_size;
        if (!col_valid(p, col))
            continue;
        uint32_t m = sp__ou_rd16(col + 8);
        if (m >= p->cols)
            return sp__fail(SP_EFORMAT,
                            "column %u: measurement id %u, expected < %u "
                            "columns per frame",
                            c, m, p->cols);
        uint64_t t = sp__ou_rd64(col);
        if (!have) {
            info->first_col = m;
            info->time_ns = t;
            if (p->profile == SP_OUSTER_PKT_LEGACY)
                info->frame_id = sp__ou_rd16(col + 10);
        } else if (p->profile == SP_OUSTER_PKT_LEGACY &&
                   sp__ou_rd16(col + 10) != info->frame_id) {
            return sp__fail(SP_EFORMAT,
                            "column %u: frame id %u, but column 0 of the "
                            "packet says %u",
                            c, sp__ou_rd16(col + 10), info->frame_id);
        }
        have = 1;
        info->valid_cols++;
    }
    if (!have && p->profile == SP_OUSTER_PKT_LEGACY)
        info->frame_id = sp__ou_rd16(pkt + 10);
    return SP_OK;
}

typedef void (*col_fn)(const sp_ouster_plan *, const uint8_t *, uint32_t,
                       sp_ouster_scan *);

/* The column decoders; ouster has no OpenCL version. */
static const sp__ktable ouster_table = {
    "ouster",
    {SP__KT_SCALAR(sp__ouster_col_scalar) SP__KT_SSE41(sp__ouster_col_sse41)
         SP__KT_AVX2(sp__ouster_col_avx2) SP__KT_NEON(sp__ouster_col_neon)},
    0,
    0,
};

int sp_ouster_decode(sp_kctx *k, const sp_ouster_plan *p, const uint8_t *pkt,
                     size_t n, sp_ouster_scan *s)
{
    SP_GUARD(k && p && s);
    if (s->beams != p->beams || s->cols != p->cols || s->returns != p->returns)
        return sp__fail(SP_EINVAL, "ouster: scan laid out for another "
                                   "plan");
    sp_ouster_packet info;
    SP_TRY(sp_ouster_peek(p, pkt, n, &info));
    if (s->packets && info.frame_id != s->frame_id)
        return sp__fail(SP_EINVAL,
                        "ouster: packet of frame %u into a scan of frame %u, "
                        "expected the scan cut first",
                        info.frame_id, s->frame_id);
    col_fn fn =
        (col_fn)ouster_table.fn[sp__kctx_pick_impl(k, &ouster_table, p->beams)];
    for (uint32_t c = 0; c < p->cpp; c++) {
        const uint8_t *col = pkt + p->pkt_hdr + (size_t)c * p->col_size;
        if (!col_valid(p, col))
            continue;
        uint32_t m = sp__ou_rd16(col + 8);
        uint64_t t = sp__ou_rd64(col);
        fn(p, col + p->col_hdr, m, s);
        s->col_time_ns[m] = t;
        if (s->ncols == 0 || t < s->t0_ns)
            s->t0_ns = t;
        if (!s->seen[m]) {
            s->seen[m] = 1;
            s->ncols++;
        }
    }
    s->frame_id = info.frame_id;
    s->packets++;
    return SP_OK;
}
