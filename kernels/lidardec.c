/* Lidar packet decoders: models, creation (tables, filters, back-end) and
 * the calls that route a packet to its vendor's parser and the projection
 * kernel. See sp_lidardec.h and lidardec_int.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lidardec_int.h"

/* Packets per revolution at 300 rpm (5 Hz), rounded up with a margin:
 * Velodyne VLP-16 754 packets/s, HDL-32E 1808/s, VLP-32C 1507/s, HDL-64E
 * 3472/s (both blocks of a pair in one packet), VLS-128 6250/s; Hesai
 * Pandar64 ~3000/s, Pandar40P 3000/s, XT32 2000/s, QT64 ~1500/s; Ouster
 * 2048 columns / 16 per packet. */
static const sp__ld_model models[] = {
    {SP_LIDAR_VLP16, SP_LIDAR_CALIB_VELODYNE, 16, 1206, 0, 384, 180, 0.4,
     100.0},
    {SP_LIDAR_VLP32C, SP_LIDAR_CALIB_VELODYNE, 32, 1206, 0, 384, 340, 0.4,
     200.0},
    {SP_LIDAR_HDL32E, SP_LIDAR_CALIB_VELODYNE, 32, 1206, 0, 384, 400, 0.4,
     100.0},
    {SP_LIDAR_HDL64E, SP_LIDAR_CALIB_VELODYNE, 64, 1206, 0, 384, 760, 0.4,
     120.0},
    {SP_LIDAR_VLS128, SP_LIDAR_CALIB_VELODYNE, 128, 1206, 0, 384, 1400, 0.4,
     300.0},
    {SP_LIDAR_PANDAR64, SP_LIDAR_CALIB_HESAI, 64, 1194, 1198, 384, 700, 0.3,
     200.0},
    {SP_LIDAR_PANDAR40P, SP_LIDAR_CALIB_HESAI, 40, 1262, 1266, 400, 700, 0.3,
     200.0},
    {SP_LIDAR_XT32, SP_LIDAR_CALIB_HESAI, 32, 1080, 0, 256, 500, 0.05, 120.0},
    {SP_LIDAR_QT64, SP_LIDAR_CALIB_HESAI, 64, 1072, 0, 256, 700, 0.1, 60.0},
    {SP_LIDAR_OUSTER, 3, 128, 0, 0, 16 * 128 * 2, 140, 0.0, 1000.0},
};

static const char *const model_names[] = {
#define SP__LIDAR_MODEL_NAME(e, name, what) name,
    SP_LIDAR_MODEL_LIST(SP__LIDAR_MODEL_NAME)
#undef SP__LIDAR_MODEL_NAME
};
static const char *const model_whats[] = {
#define SP__LIDAR_MODEL_WHAT(e, name, what) what,
    SP_LIDAR_MODEL_LIST(SP__LIDAR_MODEL_WHAT)
#undef SP__LIDAR_MODEL_WHAT
};

const char *sp_lidar_model_name(sp_lidar_model m)
{
    return (unsigned)m < SP_LIDAR_MODEL_COUNT ? model_names[m] : NULL;
}

const char *sp_lidar_model_what(sp_lidar_model m)
{
    return (unsigned)m < SP_LIDAR_MODEL_COUNT ? model_whats[m] : NULL;
}

int sp_lidar_model_from_name(const char *name, sp_lidar_model *out)
{
    SP_GUARD(name != NULL && out != NULL);
    for (unsigned i = 0; i < SP_LIDAR_MODEL_COUNT; i++)
        if (!strcmp(name, model_names[i])) {
            *out = (sp_lidar_model)i;
            return SP_OK;
        }
    return sp__fail(SP_EINVAL,
                    "lidar model '%.32s', expected one of vlp16, vlp32c, "
                    "hdl32e, hdl64e, vls128, pandar64, pandar40p, xt32, "
                    "qt64, ouster",
                    name);
}

int sp_lidar_model_range(sp_lidar_model m, double *min_m, double *max_m)
{
    SP_GUARD(min_m != NULL && max_m != NULL);
    const sp__ld_model *md = sp__ld_model_of(m);
    if (!md)
        return sp__fail(SP_EINVAL, "lidar: model %d, expected 0..%d", (int)m,
                        SP_LIDAR_MODEL_COUNT - 1);
    *min_m = md->min_range;
    *max_m = md->max_range;
    return SP_OK;
}

const sp__ld_model *sp__ld_model_of(sp_lidar_model m)
{
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (models[i].model == m)
            return &models[i];
    return NULL;
}

void sp__ld_rings_by_elevation(const double *elev, unsigned n, uint16_t *ring)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned r = 0;
        for (unsigned j = 0; j < n; j++)
            if (elev[j] < elev[i] || (elev[j] == elev[i] && j < i))
                r++;
        ring[i] = (uint16_t)r;
    }
}

static int set_filters(sp_lidardec *d)
{
    const sp_lidardec_desc *in = &d->desc;
    double lo = in->min_range, hi = in->max_range;
    if (lo == 0 && hi == 0) {
        lo = d->m->min_range;
        hi = d->m->max_range;
    }
    if (!(lo >= 0) || !(hi > lo))
        return sp__fail(SP_EINVAL,
                        "lidar: min_range=%g max_range=%g, expected 0 <= min "
                        "< max",
                        lo, hi);
    d->range_lo = lo;
    d->range_hi = hi;
    d->plan.min_r = sp__ld_float_down(lo);
    d->plan.max_r = sp__ld_float_up(hi);
    double a0 = in->min_angle, a1 = in->max_angle;
    if (!(a0 >= 0 && a0 <= 360) || !(a1 >= 0 && a1 <= 360))
        return sp__fail(SP_EINVAL,
                        "lidar: min_angle=%g max_angle=%g, expected degrees "
                        "in [0, 360]",
                        a0, a1);
    d->plan.win_full = a0 == a1 || (a0 == 0 && a1 == 360);
    double per_deg = d->plan.units / 360.0;
    d->plan.win_lo = (int32_t)lround(a0 * per_deg);
    d->plan.win_hi = (int32_t)lround(a1 * per_deg);
    d->plan.win_wraps = a0 > a1;
    return SP_OK;
}

/* Both vendors' tables: t1/t2 as each driver computes them, one float per
 * 0.01 degree, from the angle in double rounded to float (the drivers'
 * from_degrees), so the lookup matches theirs. Velodyne: x = xy cos,
 * y = -(xy sin) (negating the table is exact). Hesai: x = xy sin,
 * y = xy cos. */
static int make_tables(sp_lidardec *d)
{
    size_t n = (size_t)d->plan.units + 16;
    d->tables = aligned_alloc(64, (2 * n * sizeof(float) + 63) & ~(size_t)63);
    if (!d->tables)
        return sp__fail(SP_ENOMEM, "lidar: out of memory for the azimuth "
                                   "tables");
    float *tab = d->tables;
    const double deg = 3.14159265358979323846 / 180.0;
    for (size_t i = 0; i < n; i++) {
        size_t a = i % (size_t)d->plan.units;
        float r = d->m->vendor == SP_LIDAR_CALIB_VELODYNE
                      ? (float)((0.01 * (double)a) * deg)
                      : (float)(((double)a / 1000.0) * deg);
        if (d->m->vendor == SP_LIDAR_CALIB_VELODYNE) {
            tab[2 * i] = cosf(r);
            tab[2 * i + 1] = -sinf(r);
        } else {
            tab[2 * i] = sinf(r);
            tab[2 * i + 1] = cosf(r);
        }
    }
    d->plan.tab = tab;
    return SP_OK;
}

/* The projection of parsed batches. The CPU versions take one packet's
 * batch; the OpenCL one a scan's (sp_lidardec_decode_packets), its own
 * type (sp__ld_project_cl_fn). Streaming: the cloud it writes (31 bytes a
 * point) would cross PCIe slower than AVX2 makes it (a VLS-128 scan: 6.5
 * MB, ~0.5 ms at 12 GB/s, against ~0.6 ms for the whole AVX2 decode), so
 * AUTO sends it only to a device that shares host memory. */
static const sp__ktable project_table = {
    "lidar",
    {SP__KT_SCALAR(sp__ld_project_scalar) SP__KT_SSE41(sp__ld_project_sse41)
         SP__KT_AVX2(sp__ld_project_avx2) SP__KT_NEON(sp__ld_project_neon)
             SP__KT_OPENCL(sp__ld_project_cl)},
    SP_LIDARDEC_OPENCL_MIN_POINTS,
    SP__KT_STREAMING | SP__KT_FP64,
};

/* The parse's byte work in the same versions, indexed like the table
 * (NEON pairs Hesai returns with the scalar step). */
static const sp__kfn unpack3_fns[SP__KIMPL_COUNT] = {
    SP__KT_SCALAR(sp__ld_unpack3_scalar) SP__KT_SSE41(sp__ld_unpack3_sse41)
        SP__KT_AVX2(sp__ld_unpack3_sse41) SP__KT_NEON(sp__ld_unpack3_neon)};
static const sp__kfn pair_fns[SP__KIMPL_COUNT] = {
    SP__KT_SCALAR(sp__ld_pair_scalar) SP__KT_SSE41(sp__ld_pair_sse41)
        SP__KT_AVX2(sp__ld_pair_sse41)};

/* The parse's versions for projection version @p im; for OpenCL (whose
 * parse runs on the host) the context's widest CPU version. */
static void set_parse_fns(sp_lidardec *d, sp__kimpl im)
{
    if (im == SP__KIMPL_OPENCL)
        im = d->kctx->cpu_ladder[0];
    d->unpack3 = unpack3_fns[im] ? (sp__ld_unpack3_fn)unpack3_fns[im]
                                 : sp__ld_unpack3_scalar;
    d->pair = pair_fns[im] ? (sp__ld_pair_fn)pair_fns[im] : sp__ld_pair_scalar;
}

int sp_lidardec_create(sp_kctx *k, const sp_lidardec_desc *desc,
                       sp_lidardec **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    SP_GUARD(k != NULL && desc != NULL);
    const sp__ld_model *m = sp__ld_model_of(desc->model);
    if (!m)
        return sp__fail(SP_EINVAL, "lidar: model %d, expected 0..%d",
                        (int)desc->model, SP_LIDAR_MODEL_COUNT - 1);
    sp_lidardec *d = aligned_alloc(64, (sizeof *d + 63) & ~(size_t)63);
    if (!d)
        return sp__fail(SP_ENOMEM, "lidar: out of memory");
    memset(d, 0, sizeof *d);
    d->kctx = k;
    d->m = m;
    d->unpack3 = sp__ld_unpack3_scalar;
    d->pair = sp__ld_pair_scalar;
    d->desc = *desc;
    d->desc.calib = NULL; /* borrowed only during create */
    d->desc.meta = NULL;
    d->plan.units = m->vendor == SP_LIDAR_CALIB_HESAI ? 360000 : 36000;
    d->plan.funits = (float)d->plan.units;
    d->plan.az_scale = m->vendor == SP_LIDAR_CALIB_HESAI ? 0.001f : 0.01f;
    int rc = set_filters(d);
    if (rc == SP_OK && m->vendor != 3)
        rc = make_tables(d);
    if (rc == SP_OK) {
        sp_lidardec_desc tmp = *desc;
        d->desc = tmp; /* the vendor init may read calib / meta */
        if (m->vendor == SP_LIDAR_CALIB_VELODYNE)
            rc = sp__ld_velodyne_init(d);
        else if (m->vendor == SP_LIDAR_CALIB_HESAI)
            rc = sp__ld_hesai_init(d);
        else
            rc = sp__ld_ouster_init(d);
        d->desc.calib = NULL;
        d->desc.meta = NULL;
        sp__ld_plan_simd_paths(&d->plan);
        sp__ld_plan_simd_paths(&d->plan2);
    }
    if (rc < 0) {
        sp_lidardec_destroy(d);
        return rc;
    }
    *out = d;
    return SP_OK;
}

void sp_lidardec_destroy(sp_lidardec *d)
{
    if (!d)
        return;
    if (d->fini)
        d->fini(d);
    free(d->tables);
    free(d);
}

size_t sp_lidardec_max_points(const sp_lidardec *d)
{
    return d ? d->m->max_points : 0;
}

size_t sp_lidardec_packets_per_scan(const sp_lidardec *d)
{
    return d ? d->m->packets_per_rev_5hz : 0;
}

sp_lidar_model sp_lidardec_model(const sp_lidardec *d)
{
    return d ? d->m->model : SP_LIDAR_MODEL_COUNT;
}

int sp_lidardec_inspect(sp_lidardec *d, const uint8_t *pkt, size_t len,
                        sp_lidardec_info *info)
{
    SP_GUARD(d != NULL && info != NULL && (pkt != NULL || len == 0));
    memset(info, 0, sizeof *info);
    info->frame_id = -1;
    info->model_byte = -1;
    info->return_byte = -1;
    return d->inspect(d, pkt, len, info);
}

/* Room for @p packets packets' points past the cloud's count. */
static int check_room(const sp_lidardec *d, const sp_points *p, size_t packets)
{
    size_t mp = d->m->max_points;
    size_t need = packets <= (SIZE_MAX - 8) / mp ? packets * mp + 8 : SIZE_MAX;
    if (p->capacity < p->count || p->capacity - p->count < need)
        return sp__fail(SP_ERANGE,
                        "lidar: the cloud holds %zu of %zu points, %zu "
                        "packet(s) need room for %zu more",
                        p->count, p->capacity, packets, need);
    return SP_OK;
}

static sp__ld_dst dst_at(const sp_lidardec_out *out)
{
    const sp_points *p = out->pts;
    size_t n = p->count;
    sp__ld_dst o = {p->x + n,
                    p->y + n,
                    p->z + n,
                    p->intensity + n,
                    p->time ? p->time + n : NULL,
                    out->azimuth ? out->azimuth + n : NULL,
                    out->distance ? out->distance + n : NULL,
                    p->ring ? p->ring + n : NULL,
                    out->return_type ? out->return_type + n : NULL};
    return o;
}

/* One packet parsed and projected by CPU version @p im. */
static int decode_cpu(sp_lidardec *d, sp__kimpl im,
                      const sp_lidardec_packet *pk, sp_lidardec_out *out)
{
    if (pk->col0 >= pk->col1)
        return SP_OK;
    if (d->decode)
        return d->decode(d, pk->data, pk->len, pk->col0, pk->col1, pk->t_rel_s,
                         out);
    sp__ld_batch *b = &d->batch;
    d->plan_use = NULL;
    SP_TRY(d->parse(d, pk->data, pk->len, pk->col0, pk->col1, pk->t_rel_s, b));
    sp__ld_dst o = dst_at(out);
    out->pts->count += ((sp__ld_project_fn)project_table.fn[im])(
        d->plan_use ? d->plan_use : &d->plan, b, &o);
    return SP_OK;
}

int sp_lidardec_decode(sp_lidardec *d, const uint8_t *pkt, size_t len,
                       unsigned col0, unsigned col1, double t_rel_s,
                       sp_lidardec_out *out)
{
    SP_GUARD(d != NULL && out != NULL && out->pts != NULL && pkt != NULL);
    SP_TRY(check_room(d, out->pts, 1));
    sp_lidardec_packet pk = {pkt, len, col0, col1, t_rel_s};
    /* Picked per packet, so what ran is recorded even when the context
     * serves other kernels between packets; never OpenCL for one packet. */
    sp__kimpl im = sp__kctx_cpu_impl(d->kctx, &project_table);
    set_parse_fns(d, im);
    return decode_cpu(d, im, &pk, out);
}

#if SP_HAVE_OPENCL
/* Batches [r0, r1) of plan @p pl on the device, appended. */
static int run_cl(sp_lidardec *d, const sp__ld_plan *pl, const sp__ld_batch *b,
                  size_t nb, sp_lidardec_out *out)
{
    size_t w = 0;
    sp__ld_dst o = dst_at(out);
    SP_TRY(((sp__ld_project_cl_fn)project_table.fn[SP__KIMPL_OPENCL])(
        d->kctx, pl, b, nb, &o, &w));
    out->pts->count += w;
    return SP_OK;
}

/* The scan on the device: every packet parsed into the context's scratch,
 * then projected in runs that share a plan (a Hesai stream switching
 * between single and dual layouts changes it). */
static int decode_cl(sp_lidardec *d, const sp_lidardec_packet *pk, size_t n,
                     sp_lidardec_out *out)
{
    sp__ld_batch *bs = sp__kctx_scratch(d->kctx, 0, n * sizeof *bs);
    if (!bs)
        return SP_ENOMEM;
    const sp__ld_plan *run_plan = NULL;
    size_t r0 = 0, nb = 0;
    for (size_t i = 0; i < n; i++) {
        if (pk[i].col0 >= pk[i].col1)
            continue;
        d->plan_use = NULL;
        SP_TRY(d->parse(d, pk[i].data, pk[i].len, pk[i].col0, pk[i].col1,
                        pk[i].t_rel_s, &bs[nb]));
        const sp__ld_plan *pl = d->plan_use ? d->plan_use : &d->plan;
        if (run_plan && pl != run_plan) {
            SP_TRY(run_cl(d, run_plan, bs + r0, nb - r0, out));
            r0 = nb;
        }
        run_plan = pl;
        nb++;
    }
    if (nb > r0)
        SP_TRY(run_cl(d, run_plan, bs + r0, nb - r0, out));
    return SP_OK;
}
#endif

int sp_lidardec_decode_packets(sp_lidardec *d, const sp_lidardec_packet *pk,
                               size_t n, sp_lidardec_out *out)
{
    SP_GUARD(d != NULL && out != NULL && out->pts != NULL &&
             (pk != NULL || n == 0));
    for (size_t i = 0; i < n; i++)
        SP_GUARD(pk[i].data != NULL);
    SP_TRY(check_room(d, out->pts, n));
    sp__kimpl im = d->decode ? sp__kctx_cpu_impl(d->kctx, &project_table)
                             : sp__kctx_pick_impl(d->kctx, &project_table,
                                                  n * d->m->max_points);
    set_parse_fns(d, im);
#if SP_HAVE_OPENCL
    if (im == SP__KIMPL_OPENCL) {
        size_t count0 = out->pts->count;
        int rc = decode_cl(d, pk, n, out);
        im = sp__kctx_after_cl(d->kctx, &project_table, rc);
        if (im == SP__KIMPL_OPENCL)
            return rc;
        out->pts->count = count0; /* AUTO's fall-back redoes the scan */
        set_parse_fns(d, im);
    }
#endif
    for (size_t i = 0; i < n; i++)
        SP_TRY(decode_cpu(d, im, &pk[i], out));
    return SP_OK;
}
