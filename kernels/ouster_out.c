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
    sp_points_layout_add(out, "reflectivity", SP_FIELD_U16, 1,
                         SP_FIELD_VALUE);
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
    sp_ouster_points_params d = {0};
    if (params)
        d = *params;
    /* Limits in mm as integers, so the test is exact on the raw range. */
    uint32_t lo = d.min_range > 0 ? (uint32_t)ceilf(d.min_range * 1000.0f)
                                  : 1;
    uint32_t hi = d.max_range > 0 ? (uint32_t)(d.max_range * 1000.0f)
                                  : UINT32_MAX;
    if (lo == 0)
        lo = 1;
    float *az = extra(out, "azimuth", SP_FIELD_F32);
    float *dist = extra(out, "distance", SP_FIELD_F32);
    uint8_t *rt = extra(out, "return_type", SP_FIELD_U8);
    uint16_t *refl = extra(out, "reflectivity", SP_FIELD_U16);
    uint16_t *nir = extra(out, "nir", SP_FIELD_U16);
    const int has_sig = p->profile != SP_OUSTER_PKT_RNG15_RFL8_NIR8;
    const int dual = p->returns == 2;
    size_t k = 0;
    for (uint32_t m = 0; m < p->cols; m++) {
        if (!s->seen[m])
            continue;
        const float t = (float)((double)(s->col_time_ns[m] - s->t0_ns) *
                                1e-9);
        const size_t o = (size_t)m * p->beams;
        for (uint32_t b = 0; b < p->beams; b++) {
            const size_t i = o + b;
            for (uint32_t ret = 0; ret < p->returns; ret++) {
                uint32_t r = s->range[ret][i];
                if (dual && d.mode == SP_OUSTER_STRONGEST && ret == 1)
                    break;
                if (dual && d.mode == SP_OUSTER_LAST) {
                    /* The farther return, or the only one. */
                    uint32_t r2 = s->range[1][i];
                    int pick2 = r2 > s->range[0][i];
                    if ((uint32_t)pick2 != ret)
                        continue;
                }
                if (r < lo || r > hi)
                    continue;
                out->x[k] = s->x[ret][i];
                out->y[k] = s->y[ret][i];
                out->z[k] = s->z[ret][i];
                out->intensity[k] = has_sig ? (float)s->signal[ret][i]
                                            : (float)s->reflectivity[ret][i];
                if (out->ring)
                    out->ring[k] = (uint16_t)b;
                if (out->time)
                    out->time[k] = t;
                if (az) {
                    float a = p->az_col[m] + p->az_beam[b];
                    a = a - 360.0f * floorf(a * (1.0f / 360.0f));
                    az[k] = a >= 360.0f ? 0.0f : a;
                }
                if (dist)
                    dist[k] = (float)r * 0.001f;
                if (rt)
                    rt[k] = (uint8_t)(ret + 1);
                if (refl)
                    refl[k] = s->reflectivity[ret][i];
                if (nir)
                    nir[k] = s->nir[i];
                k++;
            }
        }
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
                        "ouster: range image must be f32 (5, %zu, %zu)", h,
                        w);
    float *img = out->data;
    const size_t plane = h * w;
    const int has_sig = p->profile != SP_OUSTER_PKT_RNG15_RFL8_NIR8;
    for (size_t b = 0; b < h; b++) {
        const size_t sh = destagger ? (size_t)p->shift[b] : 0;
        for (size_t m = 0; m < w; m++) {
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
    return SP_OK;
}
