/* PCD ascii DATA: one point per line, FIELDS x COUNT values each. The
 * standard channels are converted as the binary decoder converts them; an
 * extra's values are parsed as its type (integers exactly, within the
 * type's range; floats as the nearest float32 or float64). */
#include <errno.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "pcd_int.h"

/* What a field's tokens go to. */
enum { SKIP = -1, SLOT_TIME = 5, SLOT_RING = 4, SLOT_EXTRA = 6 };

static int bad_number(const char *name, uint32_t line, const char *tok,
                      const sp_pcd_field *f)
{
    return sp__fail(SP_EFORMAT,
                    "%s: line %u: value '%s' of field '%s' (%c%u), expected "
                    "a number of that type",
                    name, line, tok, f->name, f->type, (unsigned)f->size);
}

static int beyond_f32(const char *name, uint32_t line, const char *tok,
                      const sp_pcd_field *f)
{
    return sp__fail(SP_ERANGE,
                    "%s: line %u: value '%s' of field '%s' is beyond "
                    "float32's range (largest %g), expected a value that fits "
                    "a float32",
                    name, line, tok, f->name, (double)FLT_MAX);
}

/* One token into element @p within of point @p k of extra @p e. */
static int put_extra(sp_points_extra *e, size_t k, uint32_t within,
                     const sp_pcd_field *f, const char *tok, const char *name,
                     uint32_t line)
{
    size_t es = sp_field_type_size(e->field.type);
    uint8_t *o = (uint8_t *)e->data +
                 (k * (e->field.count ? e->field.count : 1) + within) * es;
    char *ep;
    errno = 0;
    if (f->type == 'F') {
        double v = strtod(tok, &ep);
        if (ep == tok || *ep)
            return bad_number(name, line, tok, f);
        if (f->size == 8) {
            memcpy(o, &v, 8);
            return SP_OK;
        }
        if ((errno == ERANGE && isinf(v)) || !sp__pcd_fits_f32(v))
            return beyond_f32(name, line, tok, f);
        float x = (float)v;
        memcpy(o, &x, 4);
        return SP_OK;
    }
    if (f->type == 'U') {
        if (tok[0] == '-')
            return bad_number(name, line, tok, f);
        unsigned long long v = strtoull(tok, &ep, 10);
        unsigned long long max = f->size == 1   ? UINT8_MAX
                                 : f->size == 2 ? UINT16_MAX
                                                : UINT32_MAX;
        if (ep == tok || *ep || errno == ERANGE || v > max)
            return bad_number(name, line, tok, f);
        if (f->size == 1) {
            uint8_t x = (uint8_t)v;
            memcpy(o, &x, 1);
        } else if (f->size == 2) {
            uint16_t x = (uint16_t)v;
            memcpy(o, &x, 2);
        } else {
            uint32_t x = (uint32_t)v;
            memcpy(o, &x, 4);
        }
        return SP_OK;
    }
    long long v = strtoll(tok, &ep, 10);
    long long lo = f->size == 1   ? INT8_MIN
                   : f->size == 2 ? INT16_MIN
                                  : INT32_MIN;
    long long hi = f->size == 1   ? INT8_MAX
                   : f->size == 2 ? INT16_MAX
                                  : INT32_MAX;
    if (ep == tok || *ep || errno == ERANGE || v < lo || v > hi)
        return bad_number(name, line, tok, f);
    if (f->size == 1) {
        int8_t x = (int8_t)v;
        memcpy(o, &x, 1);
    } else if (f->size == 2) {
        int16_t x = (int16_t)v;
        memcpy(o, &x, 2);
    } else {
        int32_t x = (int32_t)v;
        memcpy(o, &x, 4);
    }
    return SP_OK;
}

/* Element @p k of a count-1 extra as a double. */
static double raw_value(const sp_points_extra *e, size_t k)
{
    const uint8_t *s =
        (const uint8_t *)e->data + k * sp_field_type_size(e->field.type);
    return sp_field_load(e->field.type, s);
}

/* The channels (intensity, ring, time) whose field was parsed into its
 * raw extra, converted from it. */
static int from_raw(const sp_pcd_header *h, const int slots[6],
                    const int from_extra[6], sp_points_extra *const *extra_of,
                    size_t n, const char *name, sp_points *dst)
{
    for (int s = 3; s < 6; s++) {
        if (!from_extra[s])
            continue;
        const sp_points_extra *e = extra_of[slots[s]];
        const sp_pcd_field *f = &h->fields[slots[s]];
        double t0 = n ? raw_value(e, 0) : 0;
        if (!isfinite(t0))
            t0 = 0;
        for (size_t k = 0; k < n; k++) {
            double v = raw_value(e, k);
            if (s == SLOT_RING) {
                dst->ring[k] = sp__pcd_to_ring(v);
                continue;
            }
            if (s == SLOT_TIME)
                v = sp__pcd_time_s(v, f, t0);
            if (!sp__pcd_fits_f32(v))
                return sp__fail(SP_ERANGE,
                                "%s: point %zu: field '%s' (%c%u) holds %g, "
                                "beyond float32's range (largest %g), "
                                "expected values that fit a float32",
                                name, k, f->name, f->type, (unsigned)f->size, v,
                                (double)FLT_MAX);
            if (s == SLOT_TIME)
                dst->time[k] = (float)v;
            else
                dst->intensity[k] = (float)v;
        }
    }
    return SP_OK;
}

int sp__pcd_decode_ascii(const sp_pcd_header *h, const uint8_t *data,
                         size_t len, const char *name, sp_points *dst)
{
    /* Where each field's tokens go. */
    int slot_of_field[SP_PCD_MAX_FIELDS];
    sp_points_extra *extra_of[SP_PCD_MAX_FIELDS];
    uint32_t tok_of_field[SP_PCD_MAX_FIELDS];
    uint32_t tok = 0;
    for (uint32_t i = 0; i < h->nfields; i++) {
        extra_of[i] = sp__pcd_extra_of(h, i, dst);
        slot_of_field[i] = extra_of[i] ? SLOT_EXTRA : SKIP;
        tok_of_field[i] = tok;
        tok += h->fields[i].count;
    }
    int slots[6] = {h->ix,
                    h->iy,
                    h->iz,
                    h->iintensity,
                    dst->ring ? h->iring : -1,
                    dst->time ? h->itime : -1};
    /* A field feeding a channel and keeping its raw values too does both:
     * the channel is filled from the extra afterwards. */
    int from_extra[6] = {0};
    for (int s = 0; s < 6; s++) {
        if (slots[s] < 0)
            continue;
        if (slot_of_field[slots[s]] == SLOT_EXTRA)
            from_extra[s] = 1;
        else
            slot_of_field[slots[s]] = s;
    }

    const char *p = (const char *)data, *end = p + len;
    uint32_t line = h->data_line;
    size_t n = 0;
    double t0 = 0;
    while (n < h->points) {
        if (p >= end)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: DATA ends after %zu "
                            "points, expected POINTS %llu",
                            name, line, n, (unsigned long long)h->points);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        uint32_t field = 0, within = 0, ntok = 0;
        const char *s = p;
        while (s < le) {
            while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
                s++;
            if (s >= le)
                break;
            const char *b = s;
            while (s < le && *s != ' ' && *s != '\t' && *s != '\r')
                s++;
            if (ntok >= h->values_per_point) {
                ntok++;
                continue;
            }
            /* Map token to (field, element). */
            while (field < h->nfields &&
                   ntok >= tok_of_field[field] + h->fields[field].count)
                field++;
            within = ntok - tok_of_field[field];
            ntok++;
            int slot = slot_of_field[field];
            if (slot == SKIP || (slot != SLOT_EXTRA && within != 0))
                continue;
            char tmp[64];
            size_t tl = (size_t)(s - b);
            if (tl >= sizeof tmp)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: value '%.20s...' "
                                "too long, expected a number",
                                name, line, b);
            memcpy(tmp, b, tl);
            tmp[tl] = '\0';
            const sp_pcd_field *f = &h->fields[field];
            if (slot == SLOT_EXTRA) {
                SP_TRY(
                    put_extra(extra_of[field], n, within, f, tmp, name, line));
                continue;
            }
            char *ep;
            errno = 0;
            double v = strtod(tmp, &ep);
            int overflow = errno == ERANGE && isinf(v);
            if (ep == tmp || *ep)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: value '%s' of field "
                                "'%s', expected a number",
                                name, line, tmp, f->name);
            if (slot == SLOT_TIME && n == 0 && isfinite(v))
                t0 = v;
            /* What becomes a float must fit one: 1e39 is no float32, and
             * 1e400 (strtod's HUGE_VAL) no number at all. */
            double conv = slot == SLOT_TIME ? sp__pcd_time_s(v, f, t0) : v;
            if (slot != SLOT_RING && (overflow || !sp__pcd_fits_f32(conv)))
                return beyond_f32(name, line, tmp, f);
            switch (slot) {
            case 0:
                dst->x[n] = (float)v;
                break;
            case 1:
                dst->y[n] = (float)v;
                break;
            case 2:
                dst->z[n] = (float)v;
                break;
            case 3:
                dst->intensity[n] = (float)v;
                break;
            case SLOT_RING:
                dst->ring[n] = sp__pcd_to_ring(v);
                break;
            default:
                dst->time[n] = (float)conv;
                break;
            }
        }
        if (ntok != 0) {
            if (ntok != h->values_per_point)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: %u values, expected "
                                "%u (one per FIELDS x COUNT)",
                                name, line, ntok, h->values_per_point);
            n++;
        }
        line++;
        p = nl ? nl + 1 : end;
    }
    return from_raw(h, slots, from_extra, extra_of, n, name, dst);
}
