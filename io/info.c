/* `sensorpipe info`'s probe (see sp_loginfo.h): the format registry picks
 * the format, the format describes the path; the helpers every describe()
 * shares (info_int.h) live here too. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format_int.h"
#include "info_int.h"
#include "io_int.h"
#include "sp_kitti.h"
#include "sp_loginfo.h"

void sp__info_set(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

sp_loginfo_stream *sp__info_add_stream(sp_loginfo *li, const char *name)
{
    if (li->nstreams == li->cap_streams) {
        size_t c = li->cap_streams ? li->cap_streams * 2 : 8;
        sp_loginfo_stream *s = realloc(li->streams, c * sizeof *s);
        if (!s) {
            sp__fail(SP_ENOMEM, "%s: out of memory for %zu streams", li->path,
                     c);
            return NULL;
        }
        li->streams = s;
        li->cap_streams = c;
    }
    sp_loginfo_stream *s = &li->streams[li->nstreams++];
    memset(s, 0, sizeof *s);
    sp__info_set(s->name, sizeof s->name, "%s", name);
    return s;
}

int sp__info_sampled(size_t k, size_t n, size_t sample)
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

void sp__info_note_points(sp_loginfo_stream *s, size_t n)
{
    if (s->sampled == 0 || n < s->points_min)
        s->points_min = n;
    if (n > s->points_max)
        s->points_max = n;
    s->points_mean += ((double)n - s->points_mean) / (double)(s->sampled + 1);
    s->sampled++;
}

void sp__info_note_image(sp_loginfo_stream *s, uint32_t w, uint32_t h,
                         const char *format)
{
    if (!format)
        format = "?";
    if (s->sampled == 0) {
        s->width = w;
        s->height = h;
        sp__info_set(s->format, sizeof s->format, "%s", format);
    } else if (w != s->width || h != s->height || strcmp(format, s->format)) {
        s->sizes_vary = 1;
    }
    s->sampled++;
}

void sp__info_note_error(sp_loginfo_stream *s)
{
    if (s->errors++ == 0)
        sp__info_set(s->first_error, sizeof s->first_error, "%s", sp_errmsg());
}

void sp__info_set_span(sp_loginfo_stream *s, const int64_t *t, size_t n)
{
    if (!t || n == 0)
        return;
    s->t_first = t[0];
    s->t_last = t[n - 1];
    if (n > 1 && s->t_last > s->t_first)
        s->rate_hz = (double)(n - 1) / sp__info_span_s(s->t_first, s->t_last);
}

void sp__info_folder_times(const char *path, int is_dir, sp_loginfo_stream *o)
{
    if (!is_dir)
        return;
    char ts[1024];
    sp__info_set(ts, sizeof ts, "%s/timestamps.txt", path);
    int64_t *t;
    size_t n;
    struct stat st;
    if (stat(ts, &st) != 0 || sp_timestamps_load(ts, &t, &n) != SP_OK)
        return;
    o->has_timestamps = 1;
    sp__info_set_span(o, t, n < o->frames ? n : o->frames);
    free(t);
}

void sp__info_attr(sp_loginfo *li, const char *group, const char *key,
                   int is_json, const char *fmt, ...)
{
    sp_loginfo_attr *a = NULL;
    for (size_t i = 0; i < li->nattrs && !a; i++)
        if (!strcmp(li->attrs[i].group, group) &&
            !strcmp(li->attrs[i].key, key))
            a = &li->attrs[i];
    if (!a) {
        if (li->nattrs == SP_LOGINFO_MAX_ATTRS)
            return;
        a = &li->attrs[li->nattrs++];
        sp__info_set(a->group, sizeof a->group, "%s", group);
        sp__info_set(a->key, sizeof a->key, "%s", key);
    }
    a->is_json = is_json;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->value, sizeof a->value, fmt, ap);
    va_end(ap);
}

void sp__info_text(sp_loginfo *li, const char *fmt, ...)
{
    size_t used = strlen(li->text);
    if (used + 1 >= sizeof li->text)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(li->text + used, sizeof li->text - used, fmt, ap);
    va_end(ap);
}

size_t sp__info_count_ext(const char *dir, const char *ext)
{
    sp__filelist fl;
    if (sp__filelist_dir(&fl, dir, ext) != SP_OK)
        return 0;
    size_t n = fl.count;
    sp__filelist_free(&fl);
    return n;
}

int sp__info_has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n > m && strcmp(path + n - m, ext) == 0;
}

const char *sp_loginfo_attr_get(const sp_loginfo *li, const char *group,
                                const char *key)
{
    for (size_t i = 0; li && i < li->nattrs; i++)
        if (!strcmp(li->attrs[i].group, group) &&
            !strcmp(li->attrs[i].key, key))
            return li->attrs[i].value;
    return NULL;
}

void sp_loginfo_free(sp_loginfo *li)
{
    if (!li)
        return;
    free(li->streams);
    li->streams = NULL;
    li->nstreams = li->cap_streams = 0;
}

int sp_loginfo_probe(const char *path, size_t sample, sp_loginfo *out)
{
    SP_GUARD(path && out);
    memset(out, 0, sizeof *out);
    sp__info_set(out->path, sizeof out->path, "%s", path);
    if (sample == 0)
        sample = 16;
    if (sample < 2)
        sample = 2;
    const sp__format *f = sp__format_of(path);
    if (!f)
        return SP_ENOTFOUND;
    sp__info_set(out->layout, sizeof out->layout, "%s", f->name);
    sp__info_set(out->what, sizeof out->what, "%s", f->what);
    sp__info_set(out->source, sizeof out->source, "%s",
                 f->source ? f->source : "");
    if (f->describe)
        return f->describe(path, sample, out);
    if (f->log)
        return sp__log_describe(path, sample, out);
    return sp__fail(SP_EUNSUPPORTED, "%s: %s cannot be described", path,
                    f->what);
}

int sp__info_head_has(const uint8_t *head, size_t n, const char *key)
{
    return head != NULL && memmem(head, n, key, strlen(key)) != NULL;
}
