/* PCD as a registered format (format_int.h): a .pcd file (recognised by its
 * header's first keyword) or a folder of them; `info` lists points per file
 * and the first file's header. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "sp_pcd.h"

/* A PCD header starts, after '#' comment lines, with one of its keywords. */
static int looks_like_pcd(const uint8_t *h, size_t n)
{
    static const char *const kw[] = {"VERSION", "FIELDS", "COLUMNS"};
    size_t i = 0;
    for (;;) {
        while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' ||
                         h[i] == '\n'))
            i++;
        if (i >= n)
            return 0;
        if (h[i] != '#')
            break;
        while (i < n && h[i] != '\n')
            i++;
    }
    for (size_t k = 0; k < sizeof kw / sizeof kw[0]; k++) {
        size_t m = strlen(kw[k]);
        if (n - i > m && !memcmp(h + i, kw[k], m) && isspace(h[i + m]))
            return 1;
    }
    return 0;
}

static int pcd_probe(const char *path, int is_dir, const uint8_t *head,
                     size_t n)
{
    if (is_dir)
        return sp__info_count_ext(path, ".pcd") ? SP__PROBE_CONTENT : 0;
    if (looks_like_pcd(head, n))
        return SP__PROBE_CONTENT;
    return sp__info_has_ext(path, ".pcd") ? SP__PROBE_NAME : 0;
}

static void describe_header(const sp_pcd_header *h, sp_loginfo *li,
                            sp_loginfo_stream *o)
{
    char fields[256];
    size_t used = 0;
    fields[0] = '\0';
    for (uint32_t i = 0; i < h->nfields && used < sizeof fields; i++) {
        const sp_pcd_field *f = &h->fields[i];
        int k = snprintf(fields + used, sizeof fields - used,
                         f->count > 1 ? "%s%s:%c%u[%u]" : "%s%s:%c%u",
                         i ? " " : "", f->name, f->type, f->size, f->count);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    const char *enc = sp_pcd_encoding_name(h->encoding);
    sp__info_attr(li, "pcd", "version", 0, "%s", h->version);
    sp__info_attr(li, "pcd", "encoding", 0, "%s", enc);
    sp__info_attr(li, "pcd", "fields", 0, "%s", fields);
    sp__info_attr(li, "pcd", "organised", 1, "%s",
                  h->height > 1 ? "true" : "false");
    sp__info_set(o->fields, sizeof o->fields, "%s", fields);
    o->rows = h->height > 1 ? (uint32_t)h->height : 1;
    sp__info_text(li, "pcd:     VERSION %s, DATA %s, FIELDS %s%s\n",
                  h->version[0] ? h->version : "?", enc, fields,
                  h->height > 1 ? ", organised" : "");
}

static int pcd_describe(const char *path, size_t sample, sp_loginfo *li)
{
    sp_pcd_reader *r;
    SP_TRY(sp_pcd_reader_create(path, &r));
    sp_loginfo_stream *o = sp__info_add_stream(li, "lidar");
    if (!o) {
        sp_pcd_reader_destroy(r);
        return SP_ENOMEM;
    }
    sp__info_set(o->sensor, sizeof o->sensor, "lidar");
    o->frames = sp_pcd_reader_count(r);
    for (size_t i = 0; i < o->frames; i++) {
        if (!sp__info_sampled(i, o->frames, sample))
            continue;
        size_t n;
        unsigned fields;
        if (sp_pcd_reader_shape(r, i, &n, &fields) != SP_OK) {
            sp__info_note_error(o);
            continue;
        }
        if (o->sampled == 0)
            describe_header(sp_pcd_reader_header(r), li, o);
        sp__info_note_points(o, n);
    }
    sp_pcd_reader_destroy(r);
    sp__info_folder_times(path, sp__path_kind(path) == 1, o);
    return SP_OK;
}

const sp__format sp__format_pcd = {
    .name = "pcd",
    .what = "PCL point cloud (.pcd)",
    .source = "pcd",
    .order = 21,
    .probe = pcd_probe,
    .describe = pcd_describe,
};
