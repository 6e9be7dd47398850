/* KITTI as a registered format (format_int.h): a folder that is a raw drive
 * or an object set; `info` lists its streams and calibration. */
#include <stdlib.h>
#include <string.h>

#include "format_int.h"
#include "info_int.h"
#include "sp_kitti.h"

/* Any folder may be a KITTI layout: a name-level answer, tried after every
 * folder whose content another format recognises. sp_kitti_create() then
 * says what is missing. */
static int kitti_probe(const char *path, int is_dir, const uint8_t *head,
                       size_t n)
{
    (void)path, (void)head, (void)n;
    return is_dir ? SP__PROBE_NAME : 0;
}

static int kitti_describe(const char *path, size_t sample, sp_loginfo *li)
{
    sp_kitti *k;
    SP_TRY(sp_kitti_create(path, NULL, &k));
    int rc = SP_OK;
    sp_kitti_layout lay = sp_kitti_get_layout(k);
    sp__info_set(li->layout, sizeof li->layout, "kitti %s",
                 sp_kitti_layout_name(lay));
    /* The format's own line covers both layouts; once one is known, say
     * which, so the line does not contradict the layout name before it. */
    sp__info_set(li->what, sizeof li->what, "%s",
                 lay == SP_KITTI_RAW
                     ? "KITTI raw drive folder (timestamped streams)"
                     : "KITTI object set or odometry sequence folder");
    sp__info_set(li->note, sizeof li->note, "%s", sp_kitti_note(k));
    size_t nst = sp_kitti_stream_count(k);
    for (size_t s = 0; s < nst; s++) {
        sp_kitti_stream_info si;
        sp_kitti_stream_get(k, s, &si);
        sp_loginfo_stream *o = sp__info_add_stream(li, si.name);
        if (!o) {
            rc = SP_ENOMEM;
            goto done;
        }
        o->is_camera = si.is_camera;
        sp__info_set(o->sensor, sizeof o->sensor, "%s",
                     si.is_camera ? "camera" : "lidar");
        o->frames = si.frames;
        o->has_timestamps = si.has_timestamps;
        o->t_first = si.t_first;
        o->t_last = si.t_last;
        if (si.frames > 1 && si.t_last > si.t_first)
            o->rate_hz = (double)(si.frames - 1) /
                         sp__info_span_s(si.t_first, si.t_last);
    }
    size_t *seen = calloc(nst ? nst : 1, sizeof *seen);
    if (!seen) {
        rc = sp__fail(SP_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (size_t i = 0; i < sp_kitti_frame_count(k); i++) {
        sp_kitti_frame f;
        if (sp_kitti_frame_get(k, i, &f) != SP_OK || f.stream >= li->nstreams)
            continue;
        sp_loginfo_stream *o = &li->streams[f.stream];
        if (!sp__info_sampled(seen[f.stream]++, o->frames, sample))
            continue;
        if (f.is_camera) {
            uint32_t w, h;
            sp_pixfmt fmt;
            if (sp_kitti_image_shape(k, i, &w, &h, &fmt) == SP_OK)
                sp__info_note_image(o, w, h, sp_pixfmt_name(fmt));
            else
                sp__info_note_error(o);
        } else {
            size_t n;
            if (sp_kitti_points_shape(k, i, &n) == SP_OK)
                sp__info_note_points(o, n);
            else
                sp__info_note_error(o);
        }
    }
    free(seen);
    li->has_calib = 1;
    const sp_calib *c;
    if (sp_kitti_calib_get(k, 0, &c) == SP_OK) {
        li->calib_found = (c->has_P && c->has_velo_to_cam)   ? 2
                          : (c->has_P || c->has_velo_to_cam) ? 1
                                                             : 0;
        sp__info_set(li->calib, sizeof li->calib, "%s", c->source);
    } else {
        sp__info_set(li->calib, sizeof li->calib, "%s", sp_errmsg());
    }
done:
    sp_kitti_destroy(k);
    return rc;
}

const sp__format sp__format_kitti = {
    .name = "kitti",
    .what = "KITTI drive or object set folder",
    .source = "kitti",
    .order = 40,
    .probe = kitti_probe,
    .describe = kitti_describe,
};
