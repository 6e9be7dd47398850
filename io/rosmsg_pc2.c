/* sensor_msgs/PointCloud2: the message's header, field table and data
 * bounds, and the plan that maps its fields onto sp_points' channels
 * (see sp_rosmsg.h). The points themselves are copied by the pipeline with
 * the unpack kernel; nothing here touches them. */
#include <stdio.h>
#include <string.h>

#include "rosmsg_cursor_int.h"

size_t sp_rosmsg_pc2_type_size(uint8_t t)
{
    static const uint8_t sizes[9] = {0, 1, 1, 2, 2, 4, 4, 4, 8};
    return t <= 8 ? sizes[t] : 0;
}

static const char *type_name(uint8_t t)
{
    static const char *const names[9] = {"?",      "INT8",    "UINT8",
                                         "INT16",  "UINT16",  "INT32",
                                         "UINT32", "FLOAT32", "FLOAT64"};
    return t <= 8 ? names[t] : "?";
}

int sp_rosmsg_pc2_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                        sp_pc2_msg *out)
{
    SP_GUARD(out != NULL && (buf != NULL || n == 0));
    memset(out, 0, sizeof *out);
    sp_pc2_msg *m = out;
    sp__rcur c;
    uint8_t b;
    SP_TRY(sp__rcur_init(&c, buf, n, enc, "PointCloud2"));
    SP_TRY(sp__rcur_header(&c, &m->header));
    SP_TRY(sp__rcur_u32(&c, &m->height, "height"));
    SP_TRY(sp__rcur_u32(&c, &m->width, "width"));
    /* A PointField is at least a string length, offset, datatype and
     * count: 13 bytes in either encoding. */
    uint32_t nf;
    SP_TRY(sp__rcur_seq_len(&c, &nf, 13, "fields"));
    if (nf > SP_PC2_MAX_FIELDS)
        return sp__fail(SP_EFORMAT,
                        "PointCloud2.fields: %u fields, expected at most %d",
                        nf, SP_PC2_MAX_FIELDS);
    m->nfields = nf;
    for (uint32_t i = 0; i < nf; i++) {
        sp_pc2_field *f = &m->fields[i];
        SP_TRY(sp__rcur_string_into(&c, f->name, sizeof f->name, NULL,
                                    "fields[%u].name", i));
        SP_TRY(sp__rcur_u32(&c, &f->offset, "fields[%u].offset", i));
        SP_TRY(sp__rcur_u8(&c, &f->datatype, "fields[%u].datatype", i));
        SP_TRY(sp__rcur_u32(&c, &f->count, "fields[%u].count", i));
    }
    SP_TRY(sp__rcur_u8(&c, &b, "is_bigendian"));
    m->is_bigendian = b != 0;
    SP_TRY(sp__rcur_u32(&c, &m->point_step, "point_step"));
    SP_TRY(sp__rcur_u32(&c, &m->row_step, "row_step"));
    uint32_t nd;
    SP_TRY(sp__rcur_seq(&c, &nd, 1, &m->data, "data"));
    m->data_size = nd;
    SP_TRY(sp__rcur_u8(&c, &b, "is_dense"));
    m->is_dense = b != 0;

    for (uint32_t i = 0; i < nf; i++) {
        const sp_pc2_field *f = &m->fields[i];
        size_t sz = sp_rosmsg_pc2_type_size(f->datatype);
        if (sz == 0)
            return sp__fail(SP_EFORMAT,
                            "PointCloud2.fields[%u] '%s': datatype %u, "
                            "expected 1..8 (sensor_msgs/PointField INT8.."
                            "FLOAT64)",
                            i, f->name, f->datatype);
        /* 64-bit: offset and count are up to 2^32 each. */
        uint64_t end = (uint64_t)f->offset + (uint64_t)sz * f->count;
        if (end > m->point_step)
            return sp__fail(SP_EFORMAT,
                            "PointCloud2.fields[%u] '%s': %u x %s at offset "
                            "%u ends at byte %llu of a point, but point_step "
                            "is %u",
                            i, f->name, f->count, type_name(f->datatype),
                            f->offset, (unsigned long long)end, m->point_step);
    }
    uint64_t row = (uint64_t)m->width * m->point_step;
    if (m->row_step < row)
        return sp__fail(SP_EFORMAT,
                        "PointCloud2: row_step %u, but width %u x point_step "
                        "%u is %llu",
                        m->row_step, m->width, m->point_step,
                        (unsigned long long)row);
    uint64_t all = (uint64_t)m->row_step * m->height;
    if (all > m->data_size)
        return sp__fail(SP_EFORMAT,
                        "PointCloud2: row_step %u x height %u is %llu bytes, "
                        "but data holds %zu",
                        m->row_step, m->height, (unsigned long long)all,
                        m->data_size);
    return SP_OK;
}

/* ---- the plan ---- */

enum { CH_X, CH_Y, CH_Z, CH_INTENSITY, CH_RING, CH_TIME, CH_COUNT };

static const char *const ch_names[CH_COUNT] = {"x",         "y",    "z",
                                               "intensity", "ring", "time"};

/* The names each channel takes, in order of preference. */
static const char *const aliases[CH_COUNT][5] = {
    {"x", NULL},
    {"y", NULL},
    {"z", NULL},
    {"intensity", "i", "reflectance", NULL},
    {"ring", "channel", "laser_id", NULL},
    {"time", "t", "timestamp", "time_stamp", NULL},
};

static int find_field(const sp_pc2_msg *m, const char *name, size_t len)
{
    for (uint32_t i = 0; i < m->nfields; i++)
        if (strlen(m->fields[i].name) == len &&
            !memcmp(m->fields[i].name, name, len))
            return (int)i;
    return -1;
}

/* "x, y, z, intensity" for messages. */
static void list_fields(const sp_pc2_msg *m, char *dst, size_t cap)
{
    size_t k = 0;
    dst[0] = '\0';
    for (uint32_t i = 0; i < m->nfields && k < cap; i++) {
        int w = snprintf(dst + k, cap - k, "%s%s", i ? ", " : "",
                         m->fields[i].name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (m->nfields == 0)
        snprintf(dst, cap, "none");
}

/* [*s, *e) without the blanks around it. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* Parses "ring:channel, time:time_stamp" into one field name per channel
 * (pointers into @p map with their lengths); blanks around names are
 * ignored. */
static int parse_map(const char *map, const char *name[CH_COUNT],
                     size_t len[CH_COUNT])
{
    const char *p = map;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *next = *end ? end + 1 : end;
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *cs = p, *ce = colon ? colon : end;
        const char *fs = colon ? colon + 1 : end, *fe = end;
        trim(&cs, &ce);
        trim(&fs, &fe);
        if (!colon || cs == ce || fs == fe) {
            trim(&p, &end);
            return sp__fail(SP_EINVAL,
                            "fields map: '%.*s', expected channel:field "
                            "(e.g. ring:channel,time:time_stamp)",
                            (int)(end - p > 64 ? 64 : end - p), p);
        }
        int ch = -1;
        for (int k = 0; k < CH_COUNT; k++)
            if (strlen(ch_names[k]) == (size_t)(ce - cs) &&
                !memcmp(ch_names[k], cs, (size_t)(ce - cs)))
                ch = k;
        if (ch < 0)
            return sp__fail(SP_EINVAL,
                            "fields map: channel '%.*s', expected x, y, z, "
                            "intensity, ring or time",
                            (int)(ce - cs > 64 ? 64 : ce - cs), cs);
        if (name[ch])
            return sp__fail(SP_EINVAL,
                            "fields map: channel '%s' mapped twice, expected "
                            "one field per channel",
                            ch_names[ch]);
        name[ch] = fs;
        len[ch] = (size_t)(fe - fs);
        p = next;
    }
    return SP_OK;
}

/* Appends one dropped field to plan->dropped, ending with "..." when the
 * list does not fit. */
static void add_dropped(sp_pc2_plan *plan, const char *name, const char *why)
{
    size_t cap = sizeof plan->dropped, k = strlen(plan->dropped);
    if (k + 4 >= cap)
        return;
    int w = snprintf(plan->dropped + k, cap - k, "%s%s%s", k ? ", " : "", name,
                     why);
    if (w < 0 || (size_t)w >= cap - k)
        snprintf(plan->dropped + (cap - 4), 4, "...");
}

int sp_rosmsg_pc2_plan(const sp_pc2_msg *m, const char *fields_map,
                       sp_pc2_plan *plan)
{
    SP_GUARD(m != NULL && plan != NULL && m->nfields <= SP_PC2_MAX_FIELDS);
    const char *mname[CH_COUNT] = {0};
    size_t mlen[CH_COUNT] = {0};
    if (fields_map)
        SP_TRY(parse_map(fields_map, mname, mlen));

    /* A name that occurs twice keeps its first field; a field of several
     * values (count != 1) fits no channel. */
    int usable[SP_PC2_MAX_FIELDS];
    for (uint32_t i = 0; i < m->nfields; i++)
        usable[i] = m->fields[i].count == 1 &&
                    find_field(m, m->fields[i].name,
                               strlen(m->fields[i].name)) == (int)i;

    int idx[CH_COUNT];
    char have[512];
    for (int ch = 0; ch < CH_COUNT; ch++) {
        idx[ch] = -1;
        if (mname[ch]) {
            int i = find_field(m, mname[ch], mlen[ch]);
            if (i < 0 || !usable[i]) {
                list_fields(m, have, sizeof have);
                return sp__fail(SP_EFORMAT,
                                "PointCloud2: the fields map gives %s the "
                                "field '%.*s', %s (fields: %s)",
                                ch_names[ch],
                                (int)(mlen[ch] > 64 ? 64 : mlen[ch]), mname[ch],
                                i < 0 ? "but the cloud has no such field"
                                      : "but that field has several values "
                                        "or a duplicate name",
                                have);
            }
            idx[ch] = i;
            continue;
        }
        for (int a = 0; aliases[ch][a] && idx[ch] < 0; a++) {
            int i = find_field(m, aliases[ch][a], strlen(aliases[ch][a]));
            if (i >= 0 && usable[i])
                idx[ch] = i;
        }
    }
    for (int ch = CH_X; ch <= CH_Z; ch++) {
        if (idx[ch] >= 0)
            continue;
        list_fields(m, have, sizeof have);
        int i = find_field(m, ch_names[ch], 1);
        return sp__fail(SP_EFORMAT,
                        "PointCloud2: no usable field '%s'%s, expected x, y "
                        "and z of one value each (fields: %s)",
                        ch_names[ch], i >= 0 ? " (it has several values)" : "",
                        have);
    }
    memset(plan, 0, sizeof *plan);
    plan->ix = idx[CH_X];
    plan->iy = idx[CH_Y];
    plan->iz = idx[CH_Z];
    plan->iintensity = idx[CH_INTENSITY];
    plan->iring = idx[CH_RING];
    plan->itime = idx[CH_TIME];
    if (plan->iring >= 0)
        plan->fields |= SP_POINTS_RING;
    if (plan->itime >= 0)
        plan->fields |= SP_POINTS_TIME;
    for (uint32_t i = 0; i < m->nfields; i++) {
        int used = 0;
        for (int ch = 0; ch < CH_COUNT; ch++)
            used |= idx[ch] == (int)i;
        if (used)
            continue;
        char why[32] = "";
        if (m->fields[i].count != 1)
            snprintf(why, sizeof why, " (count %u)", m->fields[i].count);
        else if (!usable[i])
            snprintf(why, sizeof why, " (duplicate)");
        add_dropped(plan, m->fields[i].name, why);
    }
    return SP_OK;
}
