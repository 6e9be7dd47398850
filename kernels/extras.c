/* The extras' gather and voxel reduction (see extras_int.h; the reduction
 * rules are stated in sp_voxel.h). Loads and stores go through memcpy of a
 * constant size: one move each, with no alignment or aliasing assumption
 * about a row whose stride is not a multiple of its element size. */
#include <math.h>
#include <string.h>

#include "error_int.h"
#include "extras_int.h"

int sp__extras_plan(const char *what, const sp_points *in, const sp_points *out,
                    sp__extras *x)
{
    x->n = 0;
    if (!out->nextra)
        return SP_OK;
    if (!out->extra)
        return sp__fail(SP_EINVAL, "%s: the output has %u extras but no table",
                        what, out->nextra);
    for (unsigned i = 0; i < out->nextra && i < SP_POINTS_MAX_EXTRA; i++) {
        const sp_points_extra *o = &out->extra[i];
        const sp_points_extra *s = sp_points_extra_find(in, o->field.name);
        if (!s)
            return sp__fail(SP_EINVAL,
                            "%s: the output has extra '%s' the input lacks, "
                            "expected an output laid out like the input",
                            what, o->field.name);
        if (s->field.type != o->field.type || s->field.count != o->field.count)
            return sp__fail(SP_EINVAL,
                            "%s: extra '%s' is %s x %u in the input but %s x "
                            "%u in the output, expected the same type and "
                            "count",
                            what, o->field.name,
                            sp_field_type_name(s->field.type), s->field.count,
                            sp_field_type_name(o->field.type), o->field.count);
        size_t stride = sp_points_extra_stride(s);
        if (stride == 0 || (in->count && !s->data) ||
            (out->capacity && !o->data))
            return sp__fail(SP_EINVAL,
                            "%s: extra '%s' has no array (or an invalid "
                            "type), expected one from sp_points_init_layout",
                            what, o->field.name);
        sp__extra_col *c = &x->col[x->n++];
        c->src = s->data;
        c->dst = o->data;
        c->stride = stride;
        c->type = s->field.type;
        c->kind = s->field.kind;
        c->count = s->field.count;
    }
    return SP_OK;
}

/* One row copy of a constant size, so the compiler emits plain moves. */
#define GATHER(BYTES)                                                          \
    for (size_t j = 0; j < m; j++)                                             \
    memcpy(dst + j * (BYTES), src + (size_t)idx[j] * (BYTES), (BYTES))

void sp__extras_gather(const sp__extras *x, const uint32_t *idx, size_t m)
{
    for (unsigned c = 0; c < x->n; c++) {
        const uint8_t *src = x->col[c].src;
        uint8_t *dst = x->col[c].dst;
        const size_t stride = x->col[c].stride;
        switch (stride) {
        case 1:
            GATHER(1);
            break;
        case 2:
            GATHER(2);
            break;
        case 4:
            GATHER(4);
            break;
        case 8:
            GATHER(8);
            break;
        case 12:
            GATHER(12);
            break;
        case 16:
            GATHER(16);
            break;
        case 24:
            GATHER(24);
            break;
        default:
            GATHER(stride);
            break;
        }
    }
}

/* ---- voxel ------------------------------------------------------------- */

/* The mean of integer values rounded to the nearest integer, halves away
 * from zero, clamped to the type's range (a mean of in-range values is in
 * range; the clamp only guards the last bit of the double product). */
static double round_clamp(double v, double lo, double hi)
{
    double r = round(v);
    return r < lo ? lo : r > hi ? hi : r;
}

/* VALUE: per element, the double sum over the members in order, times
 * 1/len in double, converted once. NE elements of a point (1, or up to 4
 * for NE = 0: normals' x, y, z together) share one pass over the members;
 * each element's sum still adds the members in input order. */
#define MEAN_LOOP_NE(T, CONVERT, NE)                                           \
    for (size_t v = 0; v < nv; v++) {                                          \
        const uint32_t *mb = members + start[v];                               \
        const uint32_t cnt = len[v];                                           \
        const double inv = 1.0 / (double)cnt;                                  \
        for (uint32_t e0 = 0; e0 < count; e0 += 4) {                           \
            const uint32_t ne = NE ? NE : (count - e0 < 4 ? count - e0 : 4);   \
            const uint8_t *base = src + (size_t)e0 * sizeof(T);                \
            double s[4] = {0, 0, 0, 0};                                        \
            for (uint32_t j = 0; j < cnt; j++) {                               \
                const uint8_t *row = base + (size_t)mb[j] * stride;            \
                for (uint32_t e = 0; e < ne; e++) {                            \
                    T val;                                                     \
                    memcpy(&val, row + e * sizeof(T), sizeof(T));              \
                    s[e] += (double)val;                                       \
                }                                                              \
            }                                                                  \
            for (uint32_t e = 0; e < ne; e++) {                                \
                const double mean = s[e] * inv;                                \
                T r = CONVERT;                                                 \
                memcpy(dst + v * stride + (size_t)(e0 + e) * sizeof(T), &r,    \
                       sizeof(T));                                             \
            }                                                                  \
        }                                                                      \
    }

#define MEAN_LOOP(T, CONVERT)                                                  \
    do {                                                                       \
        if (count == 1)                                                        \
            MEAN_LOOP_NE(T, CONVERT, 1)                                        \
        else                                                                   \
            MEAN_LOOP_NE(T, CONVERT, 0)                                        \
    } while (0)

static void reduce_value(const sp__extra_col *c, const uint32_t *members,
                         const uint32_t *start, const uint32_t *len, size_t nv)
{
    const uint8_t *src = c->src;
    uint8_t *dst = c->dst;
    const size_t stride = c->stride;
    const uint32_t count = c->count;
    switch (c->type) {
    case SP_FIELD_I8:
        MEAN_LOOP(int8_t, (int8_t)round_clamp(mean, INT8_MIN, INT8_MAX));
        break;
    case SP_FIELD_U8:
        MEAN_LOOP(uint8_t, (uint8_t)round_clamp(mean, 0, UINT8_MAX));
        break;
    case SP_FIELD_I16:
        MEAN_LOOP(int16_t, (int16_t)round_clamp(mean, INT16_MIN, INT16_MAX));
        break;
    case SP_FIELD_U16:
        MEAN_LOOP(uint16_t, (uint16_t)round_clamp(mean, 0, UINT16_MAX));
        break;
    case SP_FIELD_I32:
        MEAN_LOOP(int32_t, (int32_t)round_clamp(mean, INT32_MIN, INT32_MAX));
        break;
    case SP_FIELD_U32:
        MEAN_LOOP(uint32_t, (uint32_t)round_clamp(mean, 0, UINT32_MAX));
        break;
    case SP_FIELD_F32:
        MEAN_LOOP(float, (float)mean);
        break;
    case SP_FIELD_F64:
        MEAN_LOOP(double, mean);
        break;
    }
}

/* COLOR: each 32-bit element as four 8-bit channels (bits 0-7, 8-15,
 * 16-23, 24-31: b, g, r, a of PCL's packing), each the floor of its
 * integer mean. */
static void reduce_color(const sp__extra_col *c, const uint32_t *members,
                         const uint32_t *start, const uint32_t *len, size_t nv)
{
    const size_t stride = c->stride;
    for (size_t v = 0; v < nv; v++) {
        const uint32_t *mb = members + start[v];
        const uint32_t cnt = len[v];
        for (uint32_t e = 0; e < c->count; e++) {
            const uint8_t *base = c->src + (size_t)e * 4;
            uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (uint32_t j = 0; j < cnt; j++) {
                uint32_t val;
                memcpy(&val, base + (size_t)mb[j] * stride, 4);
                s0 += val & 0xff;
                s1 += (val >> 8) & 0xff;
                s2 += (val >> 16) & 0xff;
                s3 += val >> 24;
            }
            uint32_t r;
            if (cnt < (1u << 24)) { /* the sums fit 32 bits: cheaper divides */
                const uint32_t c32 = cnt;
                r = (uint32_t)s0 / c32 | ((uint32_t)s1 / c32) << 8 |
                    ((uint32_t)s2 / c32) << 16 | ((uint32_t)s3 / c32) << 24;
            } else {
                r = (uint32_t)(s0 / cnt) | (uint32_t)(s1 / cnt) << 8 |
                    (uint32_t)(s2 / cnt) << 16 | (uint32_t)(s3 / cnt) << 24;
            }
            memcpy(c->dst + v * stride + (size_t)e * 4, &r, 4);
        }
    }
}

/* LABEL: the first member's row (the first point in input order). */
static void reduce_label(const sp__extra_col *c, const uint32_t *members,
                         const uint32_t *start, size_t nv)
{
    const size_t stride = c->stride;
    for (size_t v = 0; v < nv; v++)
        memcpy(c->dst + v * stride, c->src + (size_t)members[start[v]] * stride,
               stride);
}

void sp__extras_reduce(const sp__extras *x, const uint32_t *members,
                       const uint32_t *start, const uint32_t *len, size_t nv)
{
    for (unsigned i = 0; i < x->n; i++) {
        const sp__extra_col *c = &x->col[i];
        switch (c->kind) {
        case SP_FIELD_COLOR:
            reduce_color(c, members, start, len, nv);
            break;
        case SP_FIELD_LABEL:
            reduce_label(c, members, start, nv);
            break;
        default:
            reduce_value(c, members, start, len, nv);
            break;
        }
    }
}
