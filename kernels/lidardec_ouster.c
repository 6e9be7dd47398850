/* Ouster packets in the lidardec framework: the vendor hooks over the
 * Ouster kernel (sp_ouster.h). A packet is decoded whole into the frame
 * being assembled (the decoder's own scan: fields and xyz per pixel, SIMD
 * column decoders), then the asked columns' points are appended to the
 * caller's cloud. The frame's pixels stay in the scan until a packet of
 * another frame id arrives, so sp_lidardec_range_image() can give the
 * frame's range image once the stage cuts the scan.
 *
 * The metadata arrives parsed (desc->ouster: the stage parses the JSON
 * with io/sp_ouster_meta.h; kernels/ does not parse files). Azimuths are
 * clockwise from the encoder's zero as the packets count them (360 m / W
 * plus the beam's azimuth angle); a column's time is the packet's time
 * (t_rel_s) plus its timestamp's distance from the packet's first valid
 * column. */
#include <stdlib.h>
#include <string.h>

#include "lidardec_int.h"
#include "ouster_int.h"

typedef struct ouster_state {
    sp_ouster_plan *plan;
    sp_ouster_scan scan;
    void *mem;
    sp__ouster_sel sel;
} ouster_state;

static ouster_state *state(const sp_lidardec *d)
{
    return d->vendor;
}

static int ou_inspect(sp_lidardec *d, const uint8_t *pkt, size_t len,
                      sp_lidardec_info *info)
{
    ouster_state *o = state(d);
    const sp_ouster_plan *p = o->plan;
    sp_ouster_packet pi;
    SP_TRY(sp_ouster_peek(p, pkt, len, &pi));
    info->ncols = p->cpp;
    info->frame_id = pi.frame_id;
    for (uint32_t c = 0; c < p->cpp; c++) {
        const uint8_t *col = pkt + p->pkt_hdr + (size_t)c * p->col_size;
        /* An invalid column's id may be anything: place it after the last
         * valid one so that a cut by angle sees the ids in order. */
        uint32_t m = sp__ou_rd16(col + 8);
        if (m >= p->cols)
            m = (pi.first_col + c) % p->cols;
        info->col_az[c] = (uint16_t)((uint64_t)m * 36000u / p->cols);
    }
    return SP_OK;
}

static int col_valid(const sp_ouster_plan *p, const uint8_t *col)
{
    if (p->profile == SP_OUSTER_PKT_LEGACY)
        return sp__ou_rd32(col + p->col_size - 4) == 0xffffffffu;
    return sp__ou_rd16(col + 10) & 1;
}

static int ou_decode(sp_lidardec *d, const uint8_t *pkt, size_t len,
                     unsigned col0, unsigned col1, double t_rel_s,
                     sp_lidardec_out *out)
{
    ouster_state *o = state(d);
    const sp_ouster_plan *p = o->plan;
    sp_ouster_packet pi;
    SP_TRY(sp_ouster_peek(p, pkt, len, &pi));
    if (o->scan.packets && pi.frame_id != o->scan.frame_id)
        sp_ouster_scan_reset(&o->scan);
    SP_TRY(sp_ouster_decode(d->kctx, p, pkt, len, &o->scan));
    if (col1 > p->cpp)
        col1 = p->cpp;
    sp_points *pts = out->pts;
    sp__ouster_dst dst;
    /* The extras are found by name in the cloud (the stage's layout has
     * azimuth, distance, return_type, and for Ouster reflectivity and
     * nir), written from the cloud's count like x, y, z. */
    sp__ouster_dst_of(pts, pts->count, &dst);
    size_t k = 0;
    for (unsigned c = col0; c < col1; c++) {
        const uint8_t *col = pkt + p->pkt_hdr + (size_t)c * p->col_size;
        if (!col_valid(p, col))
            continue;
        uint32_t m = sp__ou_rd16(col + 8);
        double dt = (double)(int64_t)(sp__ou_rd64(col) - pi.time_ns) * 1e-9;
        k = sp__ouster_emit_col(p, &o->scan, &o->sel, m, (float)(t_rel_s + dt),
                                &dst, k);
    }
    pts->count += k;
    return SP_OK;
}

static void ou_fini(sp_lidardec *d)
{
    ouster_state *o = state(d);
    if (!o)
        return;
    sp_ouster_plan_destroy(o->plan);
    free(o->mem);
    free(o);
    d->vendor = NULL;
}

int sp__ld_ouster_init(sp_lidardec *d)
{
    const sp_ouster_geom *g = d->desc.ouster;
    if (!g)
        return sp__fail(SP_EINVAL,
                        "lidar: model ouster needs the sensor's metadata "
                        "JSON (calib=os.json, or packets that carry it)");
    d->desc.ouster = NULL; /* borrowed only during create */
    ouster_state *o = calloc(1, sizeof *o);
    if (!o)
        return sp__fail(SP_ENOMEM, "lidar: out of memory");
    d->vendor = o;
    d->fini = ou_fini;
    d->inspect = ou_inspect;
    d->decode = ou_decode;
    d->parse = NULL;
    SP_TRY(sp_ouster_plan_create(g, &o->plan));
    const sp_ouster_plan *p = o->plan;
    size_t per_pkt = (size_t)p->cpp * p->beams * p->returns;
    if (per_pkt > d->m->max_points)
        return sp__fail(SP_EUNSUPPORTED,
                        "lidar: ouster: %u columns of %u beams x %u returns "
                        "per packet, at most %u points per packet supported",
                        p->cpp, p->beams, p->returns, d->m->max_points);
    size_t n = sp_ouster_scan_size(p);
    o->mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    if (!o->mem)
        return sp__fail(SP_ENOMEM,
                        "lidar: ouster: out of memory for a "
                        "frame of %u x %u",
                        p->beams, p->cols);
    SP_TRY(sp_ouster_scan_init(&o->scan, p, o->mem, n));
    static const sp_ouster_return modes[] = {
        [SP_LIDAR_RETURN_DUAL] = SP_OUSTER_DUAL,
        [SP_LIDAR_RETURN_STRONGEST] = SP_OUSTER_STRONGEST,
        [SP_LIDAR_RETURN_LAST] = SP_OUSTER_LAST};
    sp_ouster_points_params prm = {
        .mode = (unsigned)d->desc.ret < 3 ? modes[d->desc.ret]
                                          : SP_OUSTER_STRONGEST,
        .min_range = (float)d->range_lo,
        .max_range = (float)d->range_hi,
        .min_angle = (float)d->desc.min_angle,
        .max_angle = (float)d->desc.max_angle,
    };
    sp__ouster_select(p, &prm, &o->sel);
    return SP_OK;
}

int sp_lidardec_image_shape(const sp_lidardec *d, size_t shape[3])
{
    SP_GUARD(d && shape);
    if (d->m->model != SP_LIDAR_OUSTER || !d->vendor)
        return sp__fail(SP_EUNSUPPORTED,
                        "lidar: a range image straight from the packets is "
                        "made for model ouster only, not %s",
                        sp_lidar_model_name(d->m->model));
    shape[0] = 5;
    shape[1] = state(d)->plan->beams;
    shape[2] = state(d)->plan->cols;
    return SP_OK;
}

int sp_lidardec_range_image(const sp_lidardec *d, int destagger, sp_tensor *out)
{
    size_t shape[3];
    SP_TRY(sp_lidardec_image_shape(d, shape));
    return sp_ouster_range_image(state(d)->plan, &state(d)->scan, destagger,
                                 out);
}
