/* NumPy .npy arrays as a registered format (format_int.h): what the npy
 * sink writes (a .npy per frame under dir=/<stream>/), so that `info` on a
 * run's output says what it holds. A file is one by its magic; a folder by
 * .npy files in it or in its subfolders (the sink's stream folders). No
 * source reads them (numpy.load does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "sp_npy.h"

#define MAX_STREAMS 64

static int npy_probe(const char *path, int is_dir, const uint8_t *head,
                     size_t n)
{
    if (!is_dir)
        return head && n >= 6 && !memcmp(head, "\x93NUMPY", 6)
                   ? SP__PROBE_CONTENT
                   : 0;
    if (sp__info_count_ext(path, ".npy"))
        return SP__PROBE_CONTENT;
    /* or a folder of the sink's stream folders */
    sp__filelist fl;
    int found = 0;
    if (sp__filelist_entries(&fl, path, NULL, SP__LIST_FOLDERS) == SP_OK)
        for (size_t i = 0; i < fl.count && !found; i++)
            found = sp__info_count_ext(fl.names[i], ".npy") > 0;
    sp__filelist_free(&fl);
    return found ? SP__PROBE_CONTENT : 0;
}

/* "<f4 (114046, 4)" */
static void shape_text(const sp_npy_header *h, char *buf, size_t cap)
{
    size_t used = (size_t)snprintf(buf, cap, "%s (", h->descr);
    for (int d = 0; d < h->ndim && used < cap; d++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%zu", d ? ", " : "",
                                 h->shape[d]);
    if (used < cap)
        snprintf(buf + used, cap - used, "%s)%s", h->ndim == 1 ? "," : "",
                 h->fortran_order ? " Fortran order" : "");
}

/* One stream: the .npy files of @p dir, the first and last described (the
 * sink writes a frame's array per file: their shapes may differ). */
static int describe_stream(sp_loginfo *li, const char *dir, const char *name)
{
    sp__filelist fl;
    SP_TRY(sp__filelist_dir(&fl, dir, ".npy"));
    sp_loginfo_stream *o = sp__info_add_stream(li, name);
    if (o == NULL) {
        sp__filelist_free(&fl);
        return sp__fail(SP_ENOMEM, "%s: out of memory", dir);
    }
    sp__info_set(o->sensor, sizeof o->sensor, "array");
    o->frames = fl.count;
    char first[96] = "", last[96] = "";
    for (size_t pick = 0; pick < 2 && fl.count; pick++) {
        size_t i = pick ? fl.count - 1 : 0;
        sp_npy_header h;
        o->sampled++;
        if (sp_npy_read_header(sp__filelist_path(&fl, i), &h) != SP_OK) {
            if (o->errors++ == 0)
                sp__info_set(o->first_error, sizeof o->first_error, "%s",
                             sp_errmsg());
            continue;
        }
        shape_text(&h, pick ? last : first, sizeof first);
        if (fl.count == 1)
            break;
    }
    sp__info_set(o->fields, sizeof o->fields, "the first %s%s%s",
                 first[0] ? first : "(unreadable)",
                 last[0] ? ", the last " : "", last);
    sp__filelist_free(&fl);
    return SP_OK;
}

static int npy_describe(const char *path, size_t sample, sp_loginfo *li)
{
    (void)sample;
    sp__info_set(li->note, sizeof li->note,
                 "NumPy arrays as the npy sink writes them; numpy.load() "
                 "reads each (no source does)");
    if (sp__path_kind(path) == 0) {
        sp_npy_header h;
        SP_TRY(sp_npy_read_header(path, &h));
        char shape[96];
        shape_text(&h, shape, sizeof shape);
        sp__info_attr(li, "npy", "descr", 0, "%s", h.descr);
        sp__info_attr(li, "npy", "bytes", 1, "%zu", h.data_bytes);
        sp__info_text(li, "npy:     %s, version %d, %zu bytes of data\n", shape,
                      h.version, h.data_bytes);
        return SP_OK;
    }
    if (sp__info_count_ext(path, ".npy")) {
        const char *base = strrchr(path, '/');
        SP_TRY(describe_stream(li, path, base && base[1] ? base + 1 : path));
    }
    /* the sink's stream folders, by name */
    sp__filelist fl;
    int rc = sp__filelist_entries(&fl, path, NULL, SP__LIST_FOLDERS);
    for (size_t i = 0, shown = 0;
         rc == SP_OK && i < fl.count && shown < MAX_STREAMS; i++)
        if (sp__info_count_ext(fl.names[i], ".npy")) {
            rc = describe_stream(li, fl.names[i],
                                 fl.names[i] + strlen(path) + 1);
            shown++;
        }
    sp__filelist_free(&fl);
    return rc;
}

const sp__format sp__format_npy = {
    .name = "npy",
    .what = "NumPy array (.npy)",
    .source = NULL, /* written, not read: numpy.load reads them */
    .order = 24,
    .probe = npy_probe,
    .describe = npy_describe,
};
