/* Internal to io/: how the fields of a file (a PCD header, a PointCloud2)
 * become a cloud's channels and extras — one plan for every reader, so
 * that a PCD and a bag with the same fields make the same cloud.
 *
 * The plan:
 *  - x, y, z, intensity, ring and time take the field a fields= map names
 *    ("ring:channel,time:time_stamp"), else the first of their aliases the
 *    file has: intensity|i|reflectance, ring|channel|laser_id,
 *    time|t|timestamp|time_stamp. Only a field of one value (count 1) and
 *    the first of fields sharing a name feed a channel.
 *  - A channel whose field has a type it cannot hold exactly (time from
 *    anything but float32; intensity from 32- or 64-bit integers or
 *    float64; ring from anything but uint8/uint16) also keeps the field's
 *    raw values as an extra of the field's name, unless that name is a
 *    standard one (then the channel alone holds it, converted).
 *  - Every other field becomes an extra of its name, type and count, with
 *    the kind voxel reduces it by (sp__fplan_kind), except padding ("_",
 *    dropped as PCL does, without a word) and what cannot be kept:
 *    a duplicate name, a standard name no channel took, a name an extra
 *    cannot have, a count above SP_POINTS_MAX_COUNT, more than
 *    SP_POINTS_MAX_EXTRA extras. Those are listed in `dropped`.
 *  - The layout's stored names, types and places say how the file had the
 *    channels, so a writer gives them back so (sp_points_stored). */
#ifndef SP_FIELDS_MAP_INT_H
#define SP_FIELDS_MAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sp_points.h"

/* Most fields a plan takes (PCD's and PointCloud2's limit). */
#define SP__FPLAN_MAX_FIELDS 64

/* A fields= map: the field name each channel takes (into the map string),
 * NULL where the map says nothing. */
typedef struct sp__fmap {
    const char *name[SP_CHANNEL_COUNT];
    size_t len[SP_CHANNEL_COUNT];
} sp__fmap;

/* Parse "ring:channel, time:time_stamp" (NULL or "" = no map) into @p out;
 * blanks around names are ignored. SP_EINVAL naming the bad item: syntax,
 * an empty name, an unknown channel, a channel twice. */
int sp__fmap_parse(const char *map, sp__fmap *out);

/* One field of the file. */
typedef struct sp__ffield {
    const char *name;
    sp_field_type type; /* 0: a type no extra holds (PCD's 64-bit integers):
                           it may feed a channel, else it is dropped */
    uint32_t count;
} sp__ffield;

typedef struct sp__fplan {
    int chan[SP_CHANNEL_COUNT];      /* field feeding each channel, or -1 */
    int extra[SP__FPLAN_MAX_FIELDS]; /* extra each field fills, or -1 */
    sp_points_layout layout;         /* flags, extras, stored names */
    char dropped[256]; /* "rgb (count 3), x (duplicate)", "" when none;
                          ends "..." when longer */
} sp__fplan;

/* Plan @p n fields (at most SP__FPLAN_MAX_FIELDS) under @p map (NULL = no
 * map). x, y and z must be found: SP_EFORMAT "<where>: no usable field 'z'
 * ..." naming the fields there are; SP_EFORMAT also when the map names a
 * field that is absent or has several values. */
int sp__fplan_build(const sp__fmap *map, const sp__ffield *fields, unsigned n,
                    const char *where, sp__fplan *out);

/* The kind an extra of this name and type gets: COLOR for rgb and rgba of
 * a 4-byte type and one value; LABEL for label, return_type, channel,
 * laser_id, ring_id, tag, line and object ids of an integer type; VALUE
 * otherwise. */
sp_field_kind sp__fplan_kind(const char *name, sp_field_type type,
                             uint32_t count);

/* "x, y, z, intensity" for messages; "none" for no fields. */
void sp__fplan_list(const sp__ffield *fields, unsigned n, char *dst,
                    size_t cap);

#endif
