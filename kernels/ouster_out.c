/* Ouster scans out: points (one pass over the column-major scan, keeping
 * pixels with a return) and the range image, staggered or de-staggered.
 * Both are memory moves over what the column decoders computed, so they
 * are one scalar version. */
#include <math.h>
#include <string.h>

#include "ouster_int.h"

void sp_ouster_points_layout(sp_points_layout *out)
{
    memset(out, 0, sizeof *out);
    out->fields = SP_POINTS_RING | SP_POINTS_TIME;
    sp_points_layout_add(out, "azimuth", SP_FIELD_F32, 1, SP_FIELD_VALUE);
    sp_points_layout_add(out, "distance", SP_FIELD_F32, 1, SP_FIELD_VALUE);
    sp_points_layout_add(out, "return_type", SP_FIELD_U8, 1, SP_FIELD_LABEL);
    sp_points_layout_add(out, "reflectivity", SP_FIELD_U16, 1, SP_FIELD_VALUE);
    sp_points_layout_add(out, "nir", SP_FIELD_U16, 1, SP_FIELD_VALUE);
}

size_t sp_ouster_points_max(const sp_ouster_plan *p)
{
    return (size_t)p->beams * p->cols * p->returns;
}

/* The extra named n of out, when it has the type this decoder writes. */
static void *extra(const sp_points *out, const char *n, sp_field_type t)
{
    sp_points_extra *e = sp_points_extra_find(out, n);
    return e && e->field.type == t && e->field.count == 1 ? e->data : NULL;
}

void sp__ouster_select(const sp_ouster_plan *p,
                       const sp_ouster_points_params *params,
                       sp__ouster_sel *sel)
{
    sp_ouster_points_params prm = {0};
    if (params)
        prm = *params;
    memset(sel, 0, sizeof *sel);
    /* Limits in mm as integers, so the test is exact on the raw range; a
     * range of 0 (no return) is always out. */
    sel->lo = 1;
    sel->hi = UINT32_MAX;
    if (prm.min_range > 0 && prm.min_range * 1000.0f > 1.0f)
        sel->lo = prm.min_range * 1000.0f >= 4e9f
                      ? UINT32_MAX
                      : (uint32_t)ceilf(prm.min_range * 1000.0f);
    if (prm.max_range > 0)
        sel->hi = prm.max_range * 1000.0f >= 4e9f
                      ? UINT32_MAX
                      : (uint32_t)(prm.max_range * 1000.0f);
    sel->none = sel->hi < sel->lo;
    sel->has_sig = p->profile != SP_OUSTER_PKT_RNG15_RFL8_NIR8;
    const int dual = p->returns == 2;
    sel->last = dual && prm.mode == SP_OUSTER_LAST;
    sel->both = dual && prm.mode == SP_OUSTER_DUAL;
    sel->amin = prm.min_angle;
    sel->amax = prm.max_angle;
    sel->full = !(prm.min_angle != prm.max_angle) ||
                (prm.min_angle <= 0.0f && prm.max_angle >= 360.0f);
    sel->wraps = prm.min_angle > prm.max_angle;
}

/* Writes return `ret` of pixel i (beam b) at index k whatever it is, and
 * says whether it is kept: the caller advances k by that, so the loop has
 * no data-dependent branch (the output has room: k <= pixels seen). */
static inline size_t emit(const sp__ouster_sel *sel, const sp__ouster_dst *d,
                          const sp_ouster_scan *s, size_t k, uint32_t ret,
                          size_t i, uint16_t b, float t, float az, int in_win)
{
    uint32_t r = s->range[ret][i];
    d->x[k] = s->x[ret][i];
    d->y[k] = s->y[ret][i];
    d->z[k] = s->z[ret][i];
    d->intensity[k] = sel->has_sig ? (float)s->signal[ret][i]
                                   : (float)s->reflectivity[ret][i];
    if (d->ring)
        d->ring[k] = b;
    if (d->time)
        d->time[k] = t;
    if (d->az)
        d->az[k] = az;
    if (d->dist)
        d->dist[k] = (float)r * 0.001f;
    if (d->rt)
        d->rt[k] = ret ? 4 : 1;
    if (d->refl)
        d->refl[k] = s->reflectivity[ret][i];
    if (d->nir)
        d->nir[k] = s->nir[i];
    return (size_t)((r - sel->lo <= sel->hi - sel->lo) & in_win);
}

size_t sp__ouster_emit_col(const sp_ouster_plan *p, const sp_ouster_scan *s,
                           const sp__ouster_sel *sel, uint32_t m, float t,
                           const sp__ouster_dst *d, size_t k)
{
    if (sel->none)
        return k;
    const float azc = p->az_col[m];
    const size_t o = (size_t)m * p->beams;
    for (uint32_t b = 0; b < p->beams; b++) {
        const size_t i = o + b;
        /* az_col is in [0, 360), az_beam in (-180, 180]. */
        float a = azc + p->az_beam[b];
        a = a < 0.0f ? a + 360.0f : a;
        a = a >= 360.0f ? a - 360.0f : a;
        int in_win = sel->full    ? 1
                     : sel->wraps ? (a >= sel->amin) | (a <= sel->amax)
                                  : (a >= sel->amin) & (a <= sel->amax);
        if (sel->last) {
            uint32_t ret = s->range[1][i] > s->range[0][i];
            k += emit(sel, d, s, k, ret, i, (uint16_t)b, t, a, in_win);
            continue;
        }
        k += emit(sel, d, s, k, 0, i, (uint16_t)b, t, a, in_win);
        if (sel->both)
            k += emit(sel, d, s, k, 1, i, (uint16_t)b, t, a, in_win);
    }
    return k;
}

void sp__ouster_dst_of(sp_points *out, size_t at, sp__ouster_dst *d)
{
    float *az = extra(out, "azimuth", SP_FIELD_F32);
    float *dist = extra(out, "distance", SP_FIELD_F32);
    uint8_t *rt = extra(out, "return_type", SP_FIELD_U8);
    uint16_t *refl = extra(out, "reflectivity", SP_FIELD_U16);
    uint16_t *nir = extra(out, "nir", SP_FIELD_U16);
    d->x = out->x + at;
    d->y = out->y + at;
    d->z = out->z + at;
    d->intensity = out->intensity + at;
    d->ring = out->ring ? out->ring + at : NULL;
    d->time = out->time ? out->time + at : NULL;
    d->az = az ? az + at : NULL;
    d->dist = dist ? dist + at : NULL;
    d->rt = rt ? rt + at : NULL;
    d->refl = refl ? refl + at : NULL;
    d->nir = nir ? nir + at : NULL;
}

int sp_ouster_points(const sp_ouster_plan *p, const sp_ouster_scan *s,
                     const sp_ouster_points_params *params, sp_points *out)
{
    SP_GUARD(p && s && out);
    if (s->beams != p->beams || s->cols != p->cols)
        return sp__fail(SP_EINVAL, "ouster: scan laid out for another plan");
    if (out->capacity < sp_ouster_points_max(p))
        return sp__fail(SP_EINVAL,
                        "ouster: output holds %zu points, expected room for "
                        "%zu",
                        out->capacity, sp_ouster_points_max(p));
    sp__ouster_sel sel;
    sp__ouster_select(p, params, &sel);
    sp__ouster_dst d;
    sp__ouster_dst_of(out, 0, &d);
    size_t k = 0;
    for (uint32_t m = 0; m < p->cols; m++) {
        if (!s->seen[m])
            continue;
        const float t = (float)((double)(s->col_time_ns[m] - s->t0_ns) * 1e-9);
        k = sp__ouster_emit_col(p, s, &sel, m, t, &d, k);
    }
    out->count = k;
    out->height = 0;
    return SP_OK;
}

int sp_ouster_range_image(const sp_ouster_plan *p, const sp_ouster_scan *s,
                          int destagger, sp_tensor *out)
{
    SP_GUARD(p && s && out);
    const size_t h = p->beams, w = p->cols;
    if (out->dtype != SP_DTYPE_F32 || out->ndim != 3 || out->shape[0] != 5 ||
        out->shape[1] != h || out->shape[2] != w || !out->data)
        return sp__fail(SP_EINVAL,
                        "ouster: range image must be f32 (5, %zu, %zu)", h, w);
    float *img = out->data;
    const size_t plane = h * w;
    const int has_sig = p->profile != SP_OUSTER_PKT_RNG15_RFL8_NIR8;
    /* Tiles of 32 columns: the scan is read column-major and the image
     * written row-major, so a tile's pixels stay in cache between the
     * two. */
    for (size_t m0 = 0; m0 < w; m0 += 32) {
        const size_t m1 = m0 + 32 < w ? m0 + 32 : w;
        for (size_t b = 0; b < h; b++) {
            const size_t sh = destagger ? (size_t)p->shift[b] : 0;
            for (size_t m = m0; m < m1; m++) {
                size_t c = m + sh;
                if (c >= w)
                    c -= w;
                const size_t o = b * w + c, i = m * h + b;
                uint32_t r = s->seen[m] ? s->range[0][i] : 0;
                if (r == 0) {
                    for (int q = 0; q < 5; q++)
                        img[q * plane + o] = -1.0f;
                    continue;
                }
                img[o] = (float)r * 0.001f;
                img[plane + o] = s->x[0][i];
                img[2 * plane + o] = s->y[0][i];
                img[3 * plane + o] = s->z[0][i];
                img[4 * plane + o] = has_sig ? (float)s->signal[0][i]
                                             : (float)s->reflectivity[0][i];
            }
        }
    }
    return SP_OK;
}
