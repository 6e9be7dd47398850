/* `sensorpipe info`'s output: an sp_loginfo as readable text or JSON, into
 * a caller's buffer with snprintf semantics (the library never prints). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "info_int.h"
#include "json_int.h"
#include "io_int.h"
#include "sp_loginfo.h"

typedef struct out {
    char *buf;
    size_t cap, len;
} out;

static void put(out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static void put_json_str(out *o, const char *s)
{
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    o->len += sp__json_str(room ? o->buf + o->len : NULL, room, s);
}

static void put_time(out *o, int64_t ns)
{
    time_t s = (time_t)(ns / 1000000000);
    struct tm tm;
    if (ns >= 946684800LL * 1000000000LL && gmtime_r(&s, &tm)) {
        char b[32];
        strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
        put(o, "%s.%03d UTC", b, (int)(ns % 1000000000 / 1000000));
    } else {
        put(o, "%.3f s", (double)ns * 1e-9);
    }
}

static const char *sensor_of(const sp_loginfo_stream *st)
{
    return st->sensor[0] ? st->sensor : st->is_camera ? "camera" : "lidar";
}

static void text(out *o, const sp_loginfo *li)
{
    put(o, "path:    %s\nlayout:  %s", li->path, li->layout);
    if (li->what[0])
        put(o, ": %s", li->what);
    put(o, "\n");
    if (li->note[0])
        put(o, "note:    %s\n", li->note);
    if (li->has_calib)
        put(o, "calib:   %s (%s)\n",
            li->calib_found == 2 ? "found"
            : li->calib_found    ? "partial"
                                 : "missing",
            li->calib);
    if (li->text[0])
        put(o, "%s", li->text);
    for (size_t s = 0; s < li->nstreams; s++) {
        const sp_loginfo_stream *st = &li->streams[s];
        const char *sensor = sensor_of(st);
        int other = !strcmp(sensor, "other");
        if (st->type[0])
            put(o, "topic %s (%s, %s): %zu message%s", st->name, st->type,
                other ? "not decoded" : sensor, st->frames,
                st->frames == 1 ? "" : "s");
        else
            put(o, "stream %s (%s): %zu frames", st->name, sensor, st->frames);
        if (st->frames && (st->has_timestamps || li->has_calib)) {
            put(o, ", ");
            put_time(o, st->t_first);
            put(o, " .. +%.3f s", sp__info_span_s(st->t_first, st->t_last));
            if (st->rate_hz > 0)
                put(o, " (%.2f Hz%s)", st->rate_hz,
                    st->has_timestamps ? "" : ", assumed");
        } else if (!st->has_timestamps) {
            put(o, ", no timestamps");
        }
        put(o, "\n");
        if (st->sampled && st->width)
            put(o, "  image %ux%u %s%s (%zu sampled)\n", st->width, st->height,
                st->format, st->sizes_vary ? ", sizes or formats vary" : "",
                st->sampled);
        else if (st->sampled &&
                 (!strcmp(sensor, "packets") || !strcmp(sensor, "array"))) {
            if (st->fields[0])
                put(o, "  %s\n", st->fields);
        } else if (st->sampled && !other) {
            put(o, "  points/frame min %zu mean %.1f max %zu (%zu sampled)",
                st->points_min, st->points_mean, st->points_max, st->sampled);
            if (st->rows > 1)
                put(o, ", organised: %u rows", st->rows);
            if (st->type[0] && st->fields[0])
                put(o, "; fields %s", st->fields);
            put(o, "\n");
        }
        if (st->errors)
            put(o, "  %zu sampled frames failed; first: %s\n", st->errors,
                st->first_error);
    }
}

static void json_attrs(out *o, const sp_loginfo *li)
{
    /* Attributes grouped by their group, in order of first appearance. */
    for (size_t i = 0; i < li->nattrs; i++) {
        const char *g = li->attrs[i].group;
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            if (!strcmp(li->attrs[j].group, g))
                first = 0;
        if (!first)
            continue;
        put(o, ", ");
        put_json_str(o, g);
        put(o, ": {");
        int n = 0;
        for (size_t j = i; j < li->nattrs; j++) {
            const sp_loginfo_attr *a = &li->attrs[j];
            if (strcmp(a->group, g))
                continue;
            put(o, "%s", n++ ? ", " : "");
            put_json_str(o, a->key);
            put(o, ": ");
            if (a->is_json)
                put(o, "%s", a->value);
            else
                put_json_str(o, a->value);
        }
        put(o, "}");
    }
}

static void json(out *o, const sp_loginfo *li)
{
    put(o, "{\"path\": ");
    put_json_str(o, li->path);
    put(o, ", \"layout\": ");
    put_json_str(o, li->layout);
    put(o, ", \"format\": ");
    put_json_str(o, li->what);
    put(o, ", \"source\": ");
    put_json_str(o, li->source);
    put(o, ", \"note\": ");
    put_json_str(o, li->note);
    if (li->has_calib) {
        put(o, ", \"calib\": \"%s\", \"calib_source\": ",
            li->calib_found == 2 ? "found"
            : li->calib_found    ? "partial"
                                 : "missing");
        put_json_str(o, li->calib);
    }
    put(o, ", \"streams\": [");
    for (size_t s = 0; s < li->nstreams; s++) {
        const sp_loginfo_stream *st = &li->streams[s];
        put(o, "%s{\"name\": ", s ? ", " : "");
        put_json_str(o, st->name);
        if (st->type[0]) {
            put(o, ", \"type\": ");
            put_json_str(o, st->type);
        }
        put(o,
            ", \"sensor\": \"%s\", \"frames\": %zu, "
            "\"has_timestamps\": %s, \"t_first_ns\": %lld, "
            "\"t_last_ns\": %lld, \"rate_hz\": %.6g, \"sampled\": %zu",
            sensor_of(st), st->frames, st->has_timestamps ? "true" : "false",
            (long long)st->t_first, (long long)st->t_last, st->rate_hz,
            st->sampled);
        if (st->width || st->is_camera)
            put(o,
                ", \"width\": %u, \"height\": %u, \"format\": \"%s\", "
                "\"sizes_vary\": %s",
                st->width, st->height, st->format,
                st->sizes_vary ? "true" : "false");
        else if (strcmp(sensor_of(st), "other"))
            put(o,
                ", \"points_min\": %zu, \"points_mean\": %.3f, "
                "\"points_max\": %zu, \"rows\": %u",
                st->points_min, st->points_mean, st->points_max, st->rows);
        if (st->fields[0]) {
            put(o, ", \"fields\": ");
            put_json_str(o, st->fields);
        }
        put(o, ", \"errors\": %zu, \"first_error\": ", st->errors);
        put_json_str(o, st->first_error);
        put(o, "}");
    }
    put(o, "]");
    json_attrs(o, li);
    put(o, "}\n");
}

int sp_loginfo_format(const sp_loginfo *li, int as_json, char *buf, size_t cap)
{
    SP_GUARD(li && (buf || cap == 0));
    out o = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    if (as_json)
        json(&o, li);
    else
        text(&o, li);
    return (int)o.len;
}
