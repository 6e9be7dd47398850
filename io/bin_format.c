/* Raw float32 point records (.bin) as a registered format (format_int.h):
 * headerless, so a file is one only by its name; a folder of .bin files by
 * its content. `info` lists points per file in the layout the bin source
 * takes without fields= (sp_bin_default_fields), guesses the record size,
 * and says what the bin source notes about that layout
 * (sp_bin_layout_note): both say the same. */
#include <stdio.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "sp_bin.h"

static int bin_probe(const char *path, int is_dir, const uint8_t *head,
                     size_t n)
{
    (void)head, (void)n;
    if (is_dir)
        return sp__info_count_ext(path, ".bin") ? SP__PROBE_CONTENT : 0;
    return sp__info_has_ext(path, ".bin") ? SP__PROBE_NAME : 0;
}

static void describe_guess(const sp_bin_guess *g, sp_loginfo *li)
{
    char fits[128] = "", fits_text[256] = "";
    size_t a = 0, b = 0;
    for (unsigned k = 0; k < g->nfits; k++) {
        int x = snprintf(fits + a, sizeof fits - a, "%s%u", k ? ", " : "",
                         g->fits[k]);
        int y = snprintf(fits_text + b, sizeof fits_text - b, " %u (%u B)",
                         g->fits[k], g->fits[k] * 4);
        if (x > 0 && (size_t)x < sizeof fits - a)
            a += (size_t)x;
        if (y > 0 && (size_t)y < sizeof fits_text - b)
            b += (size_t)y;
    }
    sp__info_attr(li, "bin", "file_size", 1, "%llu",
                  (unsigned long long)g->file_size);
    sp__info_attr(li, "bin", "fits", 1, "[%s]", fits);
    sp__info_attr(li, "bin", "best", 1, "%u", g->best);
    if (!g->nfits) {
        sp__info_text(li,
                      "bin:     %llu bytes; no record of %u to %u float32 "
                      "divides it (cut short, or not float32 records)\n",
                      (unsigned long long)g->file_size, SP_BIN_GUESS_MIN_FLOATS,
                      SP_BIN_GUESS_MAX_FLOATS);
        return;
    }
    sp__info_text(li, "bin:     %llu bytes; float32 records that fit:%s",
                  (unsigned long long)g->file_size, fits_text);
    if (g->best)
        sp__info_text(li,
                      "; looks like %u floats per point (median step "
                      "between points %.3f m)\n",
                      g->best, g->median_jump[g->best]);
    else
        sp__info_text(li, "; none looks like a point sequence\n");
}

/* The layout taken without fields=, and the doubts about it. */
static void describe_layout(sp_bin_reader *r, sp_loginfo *li)
{
    const char *fields = sp_bin_reader_fields(r);
    char note[512];
    sp__info_attr(li, "bin", "default_fields", 0, "%s", fields);
    sp__info_text(li, "bin:     read without fields= as %s\n", fields);
    if (sp_bin_layout_note(sp_bin_reader_path(r, 0), fields, note,
                           sizeof note) > 0) {
        sp__info_attr(li, "bin", "note", 0, "%s", note);
        sp__info_text(li, "bin:     note: %s\n", note);
    }
}

static int bin_describe(const char *path, size_t sample, sp_loginfo *li)
{
    sp_bin_reader *r;
    SP_TRY(sp_bin_reader_create(path, NULL, &r));
    sp_loginfo_stream *o = sp__info_add_stream(li, "lidar");
    if (!o) {
        sp_bin_reader_destroy(r);
        return SP_ENOMEM;
    }
    sp__info_set(o->sensor, sizeof o->sensor, "lidar");
    o->frames = sp_bin_reader_count(r);
    sp_bin_guess g;
    if (sp_bin_guess_layout(sp_bin_reader_path(r, 0), &g) == SP_OK)
        describe_guess(&g, li);
    describe_layout(r, li);
    for (size_t i = 0; i < o->frames; i++) {
        if (!sp__info_sampled(i, o->frames, sample))
            continue;
        size_t n;
        unsigned fields;
        if (sp_bin_reader_shape(r, i, &n, &fields) == SP_OK)
            sp__info_note_points(o, n);
        else
            sp__info_note_error(o);
    }
    sp_bin_reader_destroy(r);
    sp__info_folder_times(path, sp__path_kind(path) == 1, o);
    return SP_OK;
}

const sp__format sp__format_bin = {
    .name = "bin",
    .what = "raw float32 point records (.bin)",
    .source = "bin",
    .order = 22,
    .probe = bin_probe,
    .describe = bin_describe,
};
