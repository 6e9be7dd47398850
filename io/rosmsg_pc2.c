/* sensor_msgs/PointCloud2: the message's header, field table and data
 * bounds, and the plan that maps its fields onto sp_points' channels
 * (see sp_rosmsg.h). The points themselves are copied by the pipeline with
 * the unpack kernel; nothing here touches them. */
#include <stdio.h>
#include <string.h>

#include "fields_map_int.h"
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

int sp_rosmsg_pc2_plan(const sp_pc2_msg *m, const char *fields_map,
                       sp_pc2_plan *plan)
{
    SP_GUARD(m != NULL && plan != NULL && m->nfields <= SP_PC2_MAX_FIELDS);
    sp__fmap map;
    SP_TRY(sp__fmap_parse(fields_map, &map));
    sp__ffield ff[SP_PC2_MAX_FIELDS];
    for (uint32_t i = 0; i < m->nfields; i++)
        ff[i] = (sp__ffield){.name = m->fields[i].name,
                             .type = (sp_field_type)m->fields[i].datatype,
                             .count = m->fields[i].count};
    /* The plan is large: build it in place of the caller's only on
     * success. */
    static _Thread_local sp__fplan fp;
    SP_TRY(sp__fplan_build(&map, ff, m->nfields, "PointCloud2", &fp));
    memset(plan, 0, sizeof *plan);
    plan->ix = fp.chan[SP_CHANNEL_X];
    plan->iy = fp.chan[SP_CHANNEL_Y];
    plan->iz = fp.chan[SP_CHANNEL_Z];
    plan->iintensity = fp.chan[SP_CHANNEL_INTENSITY];
    plan->iring = fp.chan[SP_CHANNEL_RING];
    plan->itime = fp.chan[SP_CHANNEL_TIME];
    plan->fields = fp.layout.fields;
    for (uint32_t i = 0; i < m->nfields; i++)
        plan->extra[i] = fp.extra[i];
    plan->layout = fp.layout;
    memcpy(plan->dropped, fp.dropped, sizeof plan->dropped);
    return SP_OK;
}
