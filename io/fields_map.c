/* The plan that turns a file's fields into a cloud's channels and extras
 * (see fields_map_int.h), shared by the PCD reader and the PointCloud2
 * decoder. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "fields_map_int.h"

/* The names each channel takes, in order of preference. */
static const char *const aliases[SP_CHANNEL_COUNT][5] = {
    {"x", NULL},
    {"y", NULL},
    {"z", NULL},
    {"intensity", "i", "reflectance", NULL},
    {"ring", "channel", "laser_id", NULL},
    {"time", "t", "timestamp", "time_stamp", NULL},
};

/* [*s, *e) without the blanks around it. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

int sp__fmap_parse(const char *map, sp__fmap *out)
{
    memset(out, 0, sizeof *out);
    const char *p = map ? map : "";
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
        for (int k = 0; k < SP_CHANNEL_COUNT; k++)
            if (strlen(sp_channel_name(k)) == (size_t)(ce - cs) &&
                !memcmp(sp_channel_name(k), cs, (size_t)(ce - cs)))
                ch = k;
        if (ch < 0)
            return sp__fail(SP_EINVAL,
                            "fields map: channel '%.*s', expected x, y, z, "
                            "intensity, ring or time",
                            (int)(ce - cs > 64 ? 64 : ce - cs), cs);
        if (out->name[ch])
            return sp__fail(SP_EINVAL,
                            "fields map: channel '%s' mapped twice, expected "
                            "one field per channel",
                            sp_channel_name(ch));
        out->name[ch] = fs;
        out->len[ch] = (size_t)(fe - fs);
        p = next;
    }
    return SP_OK;
}

static int find_field(const sp__ffield *f, unsigned n, const char *name,
                      size_t len)
{
    for (unsigned i = 0; i < n; i++)
        if (strlen(f[i].name) == len && !memcmp(f[i].name, name, len))
            return (int)i;
    return -1;
}

void sp__fplan_list(const sp__ffield *f, unsigned n, char *dst, size_t cap)
{
    size_t k = 0;
    dst[0] = '\0';
    for (unsigned i = 0; i < n && k < cap; i++) {
        int w = snprintf(dst + k, cap - k, "%s%s", i ? ", " : "", f[i].name);
        if (w < 0)
            break;
        k += (size_t)w;
    }
    if (n == 0)
        snprintf(dst, cap, "none");
}

static int is_standard_name(const char *name)
{
    for (int c = 0; c < SP_CHANNEL_COUNT; c++)
        if (!strcmp(name, sp_channel_name(c)))
            return 1;
    return 0;
}

/* 1 when @p name could name an extra: 1..31 bytes, no blank or control
 * byte. */
static int name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= SP_POINTS_NAME_MAX)
        return 0;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)name[k] <= 0x20 || name[k] == 0x7f)
            return 0;
    return 1;
}

static int is_int(sp_field_type t)
{
    return t >= SP_FIELD_I8 && t <= SP_FIELD_U32;
}

sp_field_kind sp__fplan_kind(const char *name, sp_field_type type,
                             uint32_t count)
{
    static const char *const labels[] = {
        "label",    "return_type", "channel", "laser_id", "ring_id",
        "tag",      "line",        "id",      "object",   "instance",
        "semantic", "class",       NULL};
    if (count <= 1 && sp_field_type_size(type) == 4 &&
        (!strcmp(name, "rgb") || !strcmp(name, "rgba")))
        return SP_FIELD_COLOR;
    for (const char *const *l = labels; *l; l++)
        if (!strcmp(name, *l))
            return SP_FIELD_LABEL;
    /* Object and instance ids of integers: "object_id", "instance_id". */
    size_t len = strlen(name);
    if (is_int(type) && len > 3 && !strcmp(name + len - 3, "_id"))
        return SP_FIELD_LABEL;
    return SP_FIELD_VALUE;
}

/* 1 when channel @p ch holds every value of type @p t exactly. */
static int exact(int ch, sp_field_type t)
{
    switch (ch) {
    case SP_CHANNEL_RING:
        return t == SP_FIELD_U8 || t == SP_FIELD_U16;
    case SP_CHANNEL_TIME:
        return t == SP_FIELD_F32;
    default:
        /* float32 holds every integer of up to 24 bits. */
        return t != SP_FIELD_I32 && t != SP_FIELD_U32 && t != SP_FIELD_F64;
    }
}

/* Appends one dropped field, ending the list with "..." when it does not
 * fit. */
static void add_dropped(sp__fplan *plan, const char *name, const char *why)
{
    size_t cap = sizeof plan->dropped, k = strlen(plan->dropped);
    if (k + 4 >= cap) {
        /* No room left: the list says it goes on. */
        memcpy(plan->dropped + (cap - 4), "...", 4);
        return;
    }
    int w = snprintf(plan->dropped + k, cap - k, "%s%s%s", k ? ", " : "", name,
                     why);
    if (w < 0 || (size_t)w >= cap - k)
        snprintf(plan->dropped + (cap - 4), 4, "...");
}

/* Adds field @p i as an extra; "" when kept, else why not. */
static const char *add_extra(sp__fplan *plan, const sp__ffield *f, int i,
                             char why[48])
{
    sp_points_layout *l = &plan->layout;
    why[0] = '\0';
    if (sp_points_layout_find(l, f->name) >= 0) {
        snprintf(why, 48, " (duplicate)");
        return why;
    }
    if (f->count > SP_POINTS_MAX_COUNT) {
        snprintf(why, 48, " (count %u)", f->count);
        return why;
    }
    if (l->nextra >= SP_POINTS_MAX_EXTRA) {
        snprintf(why, 48, " (more than %d extras)", SP_POINTS_MAX_EXTRA);
        return why;
    }
    int k = sp_points_layout_add(l, f->name, f->type, f->count,
                                 sp__fplan_kind(f->name, f->type, f->count));
    if (k < 0) {
        snprintf(why, 48, " (name not usable)");
        return why;
    }
    plan->extra[i] = k;
    return why;
}

int sp__fplan_build(const sp__fmap *map, const sp__ffield *f, unsigned n,
                    const char *where, sp__fplan *plan)
{
    SP_GUARD(f != NULL || n == 0);
    SP_GUARD(plan != NULL && n <= SP__FPLAN_MAX_FIELDS);
    static const sp__fmap none;
    if (!map)
        map = &none;
    char have[512];

    /* A name that occurs twice keeps its first field; a field of several
     * values (count != 1) fits no channel. */
    int usable[SP__FPLAN_MAX_FIELDS];
    for (unsigned i = 0; i < n; i++)
        usable[i] = f[i].count == 1 &&
                    find_field(f, n, f[i].name, strlen(f[i].name)) == (int)i;
    int idx[SP_CHANNEL_COUNT];
    for (int ch = 0; ch < SP_CHANNEL_COUNT; ch++) {
        idx[ch] = -1;
        if (map->name[ch]) {
            int i = find_field(f, n, map->name[ch], map->len[ch]);
            if (i < 0 || !usable[i]) {
                sp__fplan_list(f, n, have, sizeof have);
                return sp__fail(SP_EFORMAT,
                                "%s: the fields map gives %s the field "
                                "'%.*s', %s (fields: %s)",
                                where, sp_channel_name(ch),
                                (int)(map->len[ch] > 64 ? 64 : map->len[ch]),
                                map->name[ch],
                                i < 0 ? "but the cloud has no such field"
                                      : "but that field has several values "
                                        "or a duplicate name",
                                have);
            }
            idx[ch] = i;
            continue;
        }
        for (int a = 0; aliases[ch][a] && idx[ch] < 0; a++) {
            int i = find_field(f, n, aliases[ch][a], strlen(aliases[ch][a]));
            if (i >= 0 && usable[i])
                idx[ch] = i;
        }
    }
    for (int ch = SP_CHANNEL_X; ch <= SP_CHANNEL_Z; ch++) {
        if (idx[ch] >= 0)
            continue;
        sp__fplan_list(f, n, have, sizeof have);
        const char *nm = sp_channel_name(ch);
        int i = find_field(f, n, nm, 1);
        return sp__fail(SP_EFORMAT,
                        "%s: no usable field '%s'%s, expected x, y and z of "
                        "one value each (fields: %s)",
                        where, nm, i >= 0 ? " (it has several values)" : "",
                        have);
    }

    memset(plan, 0, sizeof *plan);
    for (unsigned i = 0; i < n; i++)
        plan->extra[i] = -1;
    memcpy(plan->chan, idx, sizeof idx);
    sp_points_layout *l = &plan->layout;
    l->fields = (idx[SP_CHANNEL_RING] >= 0 ? SP_POINTS_RING : 0u) |
                (idx[SP_CHANNEL_TIME] >= 0 ? SP_POINTS_TIME : 0u);
    char why[48];
    for (unsigned i = 0; i < n; i++) {
        int feeds = -1;
        for (int ch = 0; ch < SP_CHANNEL_COUNT; ch++)
            if (idx[ch] == (int)i && feeds < 0)
                feeds = ch;
        if (feeds >= 0) {
            /* The raw values beside a channel that cannot hold them. */
            if (feeds >= SP_CHANNEL_INTENSITY && f[i].type != 0 &&
                !exact(feeds, f[i].type) && !is_standard_name(f[i].name) &&
                *add_extra(plan, &f[i], (int)i, why))
                add_dropped(plan, f[i].name,
                            " (raw values; more than 32 "
                            "extras)");
            continue;
        }
        if (!strcmp(f[i].name, "_"))
            continue; /* padding */
        if (f[i].type == 0) {
            add_dropped(plan, f[i].name, " (64-bit integer)");
            continue;
        }
        if (is_standard_name(f[i].name)) {
            add_dropped(plan, f[i].name,
                        usable[i]         ? ""
                        : f[i].count != 1 ? " (several values)"
                                          : " (duplicate)");
            continue;
        }
        const char *w = add_extra(plan, &f[i], (int)i, why);
        if (*w)
            add_dropped(plan, f[i].name, w);
    }

    /* How the file had the channels: names, types and places among the
     * fields a writer writes (those kept, in file order). */
    sp_points_stored *st = &l->stored;
    int at = 0, pos[SP__FPLAN_MAX_FIELDS];
    for (unsigned i = 0; i < n; i++) {
        int kept = plan->extra[i] >= 0;
        for (int ch = 0; ch < SP_CHANNEL_COUNT; ch++)
            kept |= idx[ch] == (int)i;
        pos[i] = kept ? ++at : 0;
    }
    for (int ch = 0; ch < SP_CHANNEL_COUNT; ch++) {
        int i = idx[ch];
        /* A channel read from a type no cloud holds (a 64-bit integer) is
         * written as its own: its name and type would not say its
         * values. */
        if (i < 0 || f[i].type == 0)
            continue;
        /* A name no extra could have (too long, blanks) is not kept: the
         * channel is then written under its own. */
        if (strcmp(f[i].name, sp_channel_name(ch)) && name_ok(f[i].name))
            snprintf(st->name[ch], sizeof st->name[ch], "%s", f[i].name);
        sp_field_type own = ch == SP_CHANNEL_RING ? SP_FIELD_U16 : SP_FIELD_F32;
        if (f[i].type != own)
            st->type[ch] = f[i].type;
        st->pos[ch] = (uint8_t)pos[i];
    }
    st->no_intensity = idx[SP_CHANNEL_INTENSITY] < 0;
    return SP_OK;
}
