/* PNG images as a registered format (format_int.h): a PNG file (by its
 * signature) or a folder of them; `info` lists image sizes and formats. */
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "sp_pngseq.h"

static int pngs_probe(const char *path, int is_dir, const uint8_t *head,
                      size_t n)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (is_dir)
        return sp__info_count_ext(path, ".png") ? SP__PROBE_CONTENT : 0;
    if (n >= 8 && !memcmp(head, sig, 8))
        return SP__PROBE_CONTENT;
    return sp__info_has_ext(path, ".png") ? SP__PROBE_NAME : 0;
}

static int pngs_describe(const char *path, size_t sample, sp_loginfo *li)
{
    sp_pngseq *seq;
    SP_TRY(sp_pngseq_create(path, &seq));
    sp_loginfo_stream *o = sp__info_add_stream(li, "camera");
    if (!o) {
        sp_pngseq_destroy(seq);
        return SP_ENOMEM;
    }
    sp__info_set(o->sensor, sizeof o->sensor, "camera");
    o->is_camera = 1;
    o->frames = sp_pngseq_count(seq);
    for (size_t i = 0; i < o->frames; i++) {
        if (!sp__info_sampled(i, o->frames, sample))
            continue;
        sp_png_info info;
        if (sp_pngseq_shape(seq, i, &info) == SP_OK)
            sp__info_note_image(o, info.width, info.height,
                                sp_pixfmt_name(info.format));
        else
            sp__info_note_error(o);
    }
    sp_pngseq_destroy(seq);
    sp__info_folder_times(path, sp__path_kind(path) == 1, o);
    return SP_OK;
}

const sp__format sp__format_pngs = {
    .name = "pngs",
    .what = "PNG image (.png)",
    .source = "pngs",
    .order = 23,
    .probe = pngs_probe,
    .describe = pngs_describe,
};
