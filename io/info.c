/* `sensorpipe info`'s probe: layout detection and per-stream summaries from
 * file sizes and headers only (see sp_loginfo.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io_int.h"
#include "sp_kitti.h"
#include "sp_loginfo.h"
#include "sp_pcd.h"
#include "sp_pngseq.h"

static void set_text(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* Is occurrence @p k one of @p sample indices spread over @p n? */
static int sampled(size_t k, size_t n, size_t sample)
{
    if (n <= sample)
        return 1;
    /* Targets round(j * (n - 1) / (sample - 1)), j = 0..sample-1. */
    for (size_t j = 0; j < sample; j++) {
        size_t t = (j * (n - 1) + (sample - 1) / 2) / (sample - 1);
        if (t == k)
            return 1;
        if (t > k)
            return 0;
    }
    return 0;
}

static void note_points(sp_loginfo_stream *s, size_t n)
{
    if (s->sampled == 0 || n < s->points_min)
        s->points_min = n;
    if (n > s->points_max)
        s->points_max = n;
    s->points_mean += ((double)n - s->points_mean) / (double)(s->sampled + 1);
    s->sampled++;
}

static void note_image(sp_loginfo_stream *s, uint32_t w, uint32_t h,
                       sp_pixfmt f)
{
    const char *name = sp_pixfmt_name(f) ? sp_pixfmt_name(f) : "?";
    if (s->sampled == 0) {
        s->width = w;
        s->height = h;
        set_text(s->format, sizeof s->format, "%s", name);
    } else if (w != s->width || h != s->height || strcmp(name, s->format)) {
        s->sizes_vary = 1;
    }
    s->sampled++;
}

static void note_error(sp_loginfo_stream *s)
{
    if (s->errors++ == 0)
        set_text(s->first_error, sizeof s->first_error, "%s", sp_errmsg());
}

static void set_span(sp_loginfo_stream *s, const int64_t *t, size_t n)
{
    if (!t || n == 0)
        return;
    s->t_first = t[0];
    s->t_last = t[n - 1];
    if (n > 1 && s->t_last > s->t_first)
        s->rate_hz =
            (double)(n - 1) / ((double)(s->t_last - s->t_first) * 1e-9);
}

static int probe_kitti(const char *path, size_t sample, sp_loginfo *li)
{
    sp_kitti *k;
    SP_TRY(sp_kitti_create(path, NULL, &k));
    set_text(li->layout, sizeof li->layout, "kitti %s",
             sp_kitti_layout_name(sp_kitti_get_layout(k)));
    set_text(li->note, sizeof li->note, "%s", sp_kitti_note(k));
    li->nstreams = sp_kitti_stream_count(k);
    if (li->nstreams > SP_LOGINFO_MAX_STREAMS)
        li->nstreams = SP_LOGINFO_MAX_STREAMS;
    size_t seen[SP_LOGINFO_MAX_STREAMS] = {0};
    for (size_t s = 0; s < li->nstreams; s++) {
        sp_kitti_stream_info si;
        sp_kitti_stream_get(k, s, &si);
        sp_loginfo_stream *o = &li->streams[s];
        set_text(o->name, sizeof o->name, "%s", si.name);
        o->is_camera = si.is_camera;
        o->frames = si.frames;
        o->has_timestamps = si.has_timestamps;
        int64_t span[2] = {si.t_first, si.t_last};
        o->t_first = span[0];
        o->t_last = span[1];
        if (si.frames > 1 && span[1] > span[0])
            o->rate_hz =
                (double)(si.frames - 1) / ((double)(span[1] - span[0]) * 1e-9);
    }
    for (size_t i = 0; i < sp_kitti_frame_count(k); i++) {
        sp_kitti_frame f;
        if (sp_kitti_frame_get(k, i, &f) != SP_OK || f.stream >= li->nstreams)
            continue;
        sp_loginfo_stream *o = &li->streams[f.stream];
        if (!sampled(seen[f.stream]++, o->frames, sample))
            continue;
        if (f.is_camera) {
            uint32_t w, h;
            sp_pixfmt fmt;
            if (sp_kitti_image_shape(k, i, &w, &h, &fmt) == SP_OK)
                note_image(o, w, h, fmt);
            else
                note_error(o);
        } else {
            size_t n;
            if (sp_kitti_points_shape(k, i, &n) == SP_OK)
                note_points(o, n);
            else
                note_error(o);
        }
    }
    const sp_calib *c;
    if (sp_kitti_calib_get(k, 0, &c) == SP_OK) {
        li->calib_found = (c->has_P && c->has_velo_to_cam)   ? 2
                          : (c->has_P || c->has_velo_to_cam) ? 1
                                                             : 0;
        set_text(li->calib, sizeof li->calib, "%s", c->source);
    } else {
        set_text(li->calib, sizeof li->calib, "%s", sp_errmsg());
    }
    sp_kitti_destroy(k);
    return SP_OK;
}

/* Times for a flat folder: its timestamps.txt if any. */
static void folder_times(const char *path, int is_dir, sp_loginfo_stream *o)
{
    if (!is_dir)
        return;
    char ts[1024];
    set_text(ts, sizeof ts, "%s/timestamps.txt", path);
    int64_t *t;
    size_t n;
    struct stat st;
    if (stat(ts, &st) != 0 || sp_timestamps_load(ts, &t, &n) != SP_OK)
        return;
    o->has_timestamps = 1;
    set_span(o, t, n < o->frames ? n : o->frames);
    free(t);
}

static void describe_pcd_fields(const sp_pcd_header *h, sp_loginfo *li)
{
    size_t used = 0;
    li->pcd_fields[0] = '\0';
    for (uint32_t i = 0; i < h->nfields && used < sizeof li->pcd_fields; i++) {
        const sp_pcd_field *f = &h->fields[i];
        int n = snprintf(li->pcd_fields + used, sizeof li->pcd_fields - used,
                         f->count > 1 ? "%s%s:%c%u[%u]" : "%s%s:%c%u",
                         i ? " " : "", f->name, f->type, f->size, f->count);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    set_text(li->pcd_version, sizeof li->pcd_version, "%s", h->version);
    set_text(li->pcd_encoding, sizeof li->pcd_encoding, "%s",
             sp_pcd_encoding_name(h->encoding));
    li->pcd_organised = h->height > 1;
}

static int probe_pcd(const char *path, int is_dir, size_t sample,
                     sp_loginfo *li)
{
    sp_pcd_reader *r;
    SP_TRY(sp_pcd_reader_create(path, &r));
    set_text(li->layout, sizeof li->layout, "pcd");
    li->nstreams = 1;
    sp_loginfo_stream *o = &li->streams[0];
    set_text(o->name, sizeof o->name, "lidar");
    o->frames = sp_pcd_reader_count(r);
    for (size_t i = 0; i < o->frames; i++) {
        if (!sampled(i, o->frames, sample))
            continue;
        size_t n;
        unsigned fields;
        if (sp_pcd_reader_shape(r, i, &n, &fields) != SP_OK) {
            note_error(o);
            continue;
        }
        if (o->sampled == 0)
            describe_pcd_fields(sp_pcd_reader_header(r), li);
        note_points(o, n);
    }
    sp_pcd_reader_destroy(r);
    folder_times(path, is_dir, o);
    return SP_OK;
}

static int probe_bin(const char *path, int is_dir, size_t sample,
                     sp_loginfo *li)
{
    sp_bin_reader *r;
    SP_TRY(sp_bin_reader_create(path, NULL, &r));
    set_text(li->layout, sizeof li->layout, "bin");
    li->nstreams = 1;
    sp_loginfo_stream *o = &li->streams[0];
    set_text(o->name, sizeof o->name, "lidar");
    o->frames = sp_bin_reader_count(r);
    if (sp_bin_guess_layout(sp_bin_reader_path(r, 0), &li->bin) == SP_OK)
        li->has_bin_guess = 1;
    for (size_t i = 0; i < o->frames; i++) {
        if (!sampled(i, o->frames, sample))
            continue;
        size_t n;
        unsigned fields;
        if (sp_bin_reader_shape(r, i, &n, &fields) == SP_OK)
            note_points(o, n);
        else
            note_error(o);
    }
    sp_bin_reader_destroy(r);
    folder_times(path, is_dir, o);
    return SP_OK;
}

static int probe_pngs(const char *path, int is_dir, size_t sample,
                      sp_loginfo *li)
{
    sp_pngseq *seq;
    SP_TRY(sp_pngseq_create(path, &seq));
    set_text(li->layout, sizeof li->layout, "pngs");
    li->nstreams = 1;
    sp_loginfo_stream *o = &li->streams[0];
    set_text(o->name, sizeof o->name, "camera");
    o->is_camera = 1;
    o->frames = sp_pngseq_count(seq);
    for (size_t i = 0; i < o->frames; i++) {
        if (!sampled(i, o->frames, sample))
            continue;
        sp_png_info info;
        if (sp_pngseq_shape(seq, i, &info) == SP_OK)
            note_image(o, info.width, info.height, info.format);
        else
            note_error(o);
    }
    sp_pngseq_destroy(seq);
    folder_times(path, is_dir, o);
    return SP_OK;
}

static size_t count_ext(const char *dir, const char *ext)
{
    sp__filelist fl;
    if (sp__filelist_dir(&fl, dir, ext) != SP_OK)
        return 0;
    size_t n = fl.count;
    sp__filelist_free(&fl);
    return n;
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n > m && strcmp(path + n - m, ext) == 0;
}

int sp_loginfo_probe(const char *path, size_t sample, sp_loginfo *out)
{
    SP_GUARD(path && out);
    memset(out, 0, sizeof *out);
    set_text(out->path, sizeof out->path, "%s", path);
    if (sample == 0)
        sample = 16;
    if (sample < 2)
        sample = 2;
    int kind = sp__path_kind(path);
    if (kind < 0)
        return kind;
    if (kind == 0) {
        if (has_ext(path, ".pcd"))
            return probe_pcd(path, 0, sample, out);
        if (has_ext(path, ".bin"))
            return probe_bin(path, 0, sample, out);
        if (has_ext(path, ".png"))
            return probe_pngs(path, 0, sample, out);
        return sp__fail(SP_ENOTFOUND,
                        "%s: unknown kind of file, expected "
                        ".pcd, .bin or .png (headerless raw frames need the "
                        "raw source's width=, height=, format=)",
                        path);
    }
    /* A flat folder of one kind of file, else a KITTI layout. */
    if (count_ext(path, ".pcd"))
        return probe_pcd(path, 1, sample, out);
    if (count_ext(path, ".bin"))
        return probe_bin(path, 1, sample, out);
    if (count_ext(path, ".png"))
        return probe_pngs(path, 1, sample, out);
    return probe_kitti(path, sample, out);
}
