/* What a writer writes of a cloud: its columns in the order and under the
 * names and types its file had (sp_points_stored), and the copy of one
 * column into records or a column of bytes. One place, so that the PCD,
 * PointCloud2 and npy writers agree on every cloud. */
#include <math.h>
#include <string.h>

#include "sp_points.h"

/* A channel's own type. */
static sp_field_type own_type(int ch)
{
    return ch == SP_CHANNEL_RING ? SP_FIELD_U16 : SP_FIELD_F32;
}

static int has_channel(const sp_points *p, int ch)
{
    switch (ch) {
    case SP_CHANNEL_INTENSITY:
        return !(p->stored && p->stored->no_intensity);
    case SP_CHANNEL_RING:
        return p->ring != NULL;
    case SP_CHANNEL_TIME:
        return p->time != NULL;
    default:
        return 1;
    }
}

/* The extra named @p name, or NULL. */
static const sp_points_extra *extra_named(const sp_points *p, const char *name)
{
    if (!p->extra)
        return NULL;
    for (unsigned i = 0; i < p->nextra; i++)
        if (!strncmp(p->extra[i].field.name, name, SP_POINTS_NAME_MAX))
            return &p->extra[i];
    return NULL;
}

size_t sp_points_columns(const sp_points *p,
                         sp_points_column out[SP_POINTS_MAX_COLUMNS])
{
    sp_points_column std[SP_CHANNEL_COUNT];
    int stdpos[SP_CHANNEL_COUNT];
    size_t nstd = 0;
    static const sp_points_stored none;
    const sp_points_stored *st = p->stored ? p->stored : &none;
    for (int ch = 0; ch < SP_CHANNEL_COUNT; ch++) {
        if (!has_channel(p, ch))
            continue;
        const char *name = st->name[ch][0] ? st->name[ch] : sp_channel_name(ch);
        /* The raw values a reader kept beside the channel stand in its
         * place. */
        if (st->name[ch][0] && extra_named(p, st->name[ch]))
            continue;
        size_t tsz = st->type[ch] ? sp_field_type_size(st->type[ch]) : 0;
        std[nstd] = (sp_points_column){
            .name = name,
            .type = tsz ? st->type[ch] : own_type(ch),
            .count = 1,
            .channel = ch,
            .extra = NULL,
        };
        stdpos[nstd++] = st->pos[ch];
    }
    size_t nextra = p->extra ? p->nextra : 0;
    size_t ncol = nstd + nextra;

    /* The stored order, when it places every channel written. */
    int placed = 1;
    uint64_t used = 0;
    for (size_t k = 0; k < nstd && placed; k++) {
        int at = stdpos[k] - 1;
        if (at < 0 || (size_t)at >= ncol || (used >> at & 1u))
            placed = 0;
        else
            used |= (uint64_t)1 << at;
    }
    if (!placed) {
        memcpy(out, std, nstd * sizeof *std);
        for (size_t i = 0; i < nextra; i++) {
            const sp_points_extra *e = &p->extra[i];
            out[nstd + i] = (sp_points_column){
                .name = e->field.name,
                .type = e->field.type,
                .count = e->field.count ? e->field.count : 1,
                .channel = -1,
                .extra = e,
            };
        }
        return ncol;
    }
    for (size_t k = 0; k < nstd; k++)
        out[stdpos[k] - 1] = std[k];
    size_t next = 0;
    for (size_t i = 0; i < nextra; i++) {
        while (used >> next & 1u)
            next++;
        const sp_points_extra *e = &p->extra[i];
        out[next++] = (sp_points_column){
            .name = e->field.name,
            .type = e->field.type,
            .count = e->field.count ? e->field.count : 1,
            .channel = -1,
            .extra = e,
        };
    }
    return ncol;
}

/* A channel's value as a double. */
static double channel_value(const sp_points *p, int ch, size_t i)
{
    switch (ch) {
    case SP_CHANNEL_X:
        return p->x[i];
    case SP_CHANNEL_Y:
        return p->y[i];
    case SP_CHANNEL_Z:
        return p->z[i];
    case SP_CHANNEL_INTENSITY:
        return p->intensity[i];
    case SP_CHANNEL_RING:
        return p->ring[i];
    default:
        return p->time[i];
    }
}

/* Rounded to nearest (halves to even) and clamped to [lo, hi]; NaN is 0. */
static double to_int(double v, double lo, double hi)
{
    if (isnan(v))
        return 0;
    v = nearbyint(v);
    return v < lo ? lo : v > hi ? hi : v;
}

static void put_value(uint8_t *o, sp_field_type t, double v)
{
    switch (t) {
    case SP_FIELD_I8: {
        int8_t x = (int8_t)to_int(v, INT8_MIN, INT8_MAX);
        memcpy(o, &x, 1);
        break;
    }
    case SP_FIELD_U8: {
        uint8_t x = (uint8_t)to_int(v, 0, UINT8_MAX);
        memcpy(o, &x, 1);
        break;
    }
    case SP_FIELD_I16: {
        int16_t x = (int16_t)to_int(v, INT16_MIN, INT16_MAX);
        memcpy(o, &x, 2);
        break;
    }
    case SP_FIELD_U16: {
        uint16_t x = (uint16_t)to_int(v, 0, UINT16_MAX);
        memcpy(o, &x, 2);
        break;
    }
    case SP_FIELD_I32: {
        int32_t x = (int32_t)to_int(v, INT32_MIN, INT32_MAX);
        memcpy(o, &x, 4);
        break;
    }
    case SP_FIELD_U32: {
        uint32_t x = (uint32_t)to_int(v, 0, UINT32_MAX);
        memcpy(o, &x, 4);
        break;
    }
    case SP_FIELD_F32: {
        float x = (float)v;
        memcpy(o, &x, 4);
        break;
    }
    default: {
        memcpy(o, &v, 8);
        break;
    }
    }
}

void sp_points_column_copy(const sp_points *p, const sp_points_column *c,
                           size_t first, size_t n, void *dst, size_t stride)
{
    uint8_t *o = dst;
    if (c->channel < 0) {
        size_t es = sp_points_extra_stride(c->extra);
        const uint8_t *s = (const uint8_t *)c->extra->data + first * es;
        if (stride == es) {
            memcpy(o, s, n * es);
            return;
        }
        for (size_t k = 0; k < n; k++)
            memcpy(o + k * stride, s + k * es, es);
        return;
    }
    /* The common case, a float32 channel written as float32 (or ring as
     * uint16), is a plain copy. */
    if (c->type == own_type(c->channel)) {
        const uint8_t *s;
        size_t es = c->type == SP_FIELD_U16 ? 2 : 4;
        switch (c->channel) {
        case SP_CHANNEL_X:
            s = (const uint8_t *)(p->x + first);
            break;
        case SP_CHANNEL_Y:
            s = (const uint8_t *)(p->y + first);
            break;
        case SP_CHANNEL_Z:
            s = (const uint8_t *)(p->z + first);
            break;
        case SP_CHANNEL_INTENSITY:
            s = (const uint8_t *)(p->intensity + first);
            break;
        case SP_CHANNEL_RING:
            s = (const uint8_t *)(p->ring + first);
            break;
        default:
            s = (const uint8_t *)(p->time + first);
            break;
        }
        if (stride == es) {
            memcpy(o, s, n * es);
            return;
        }
        for (size_t k = 0; k < n; k++)
            memcpy(o + k * stride, s + k * es, es);
        return;
    }
    for (size_t k = 0; k < n; k++)
        put_value(o + k * stride, c->type,
                  channel_value(p, c->channel, first + k));
}

double sp_field_load(sp_field_type type, const void *src)
{
    const uint8_t *s = src;
    switch (type) {
    case SP_FIELD_I8:
        return (int8_t)s[0];
    case SP_FIELD_U8:
        return s[0];
    case SP_FIELD_I16: {
        int16_t v;
        memcpy(&v, s, 2);
        return v;
    }
    case SP_FIELD_U16: {
        uint16_t v;
        memcpy(&v, s, 2);
        return v;
    }
    case SP_FIELD_I32: {
        int32_t v;
        memcpy(&v, s, 4);
        return v;
    }
    case SP_FIELD_U32: {
        uint32_t v;
        memcpy(&v, s, 4);
        return v;
    }
    case SP_FIELD_F32: {
        float v;
        memcpy(&v, s, 4);
        return v;
    }
    default: {
        double v;
        memcpy(&v, s, 8);
        return v;
    }
    }
}
