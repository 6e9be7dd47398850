/* `sensorpipe info`'s output: an sp_loginfo as readable text or JSON, into
 * a caller's buffer with snprintf semantics (the library never prints). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
    put(o, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            put(o, "\\%c", c);
        else if (c < 0x20)
            put(o, "\\u%04x", c);
        else
            put(o, "%c", c);
    }
    put(o, "\"");
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

static void text(out *o, const sp_loginfo *li)
{
    put(o, "path:    %s\nlayout:  %s\n", li->path, li->layout);
    if (li->note[0])
        put(o, "note:    %s\n", li->note);
    if (!strncmp(li->layout, "kitti", 5))
        put(o, "calib:   %s (%s)\n",
            li->calib_found == 2 ? "found"
            : li->calib_found    ? "partial"
                                 : "missing",
            li->calib);
    for (size_t s = 0; s < li->nstreams; s++) {
        const sp_loginfo_stream *st = &li->streams[s];
        put(o, "stream %s (%s): %zu frames", st->name,
            st->is_camera ? "camera" : "lidar", st->frames);
        if (st->has_timestamps || !strncmp(li->layout, "kitti", 5)) {
            put(o, ", ");
            put_time(o, st->t_first);
            put(o, " .. +%.3f s", (double)(st->t_last - st->t_first) * 1e-9);
            if (st->rate_hz > 0)
                put(o, " (%.2f Hz%s)", st->rate_hz,
                    st->has_timestamps ? "" : ", assumed");
        } else {
            put(o, ", no timestamps");
        }
        put(o, "\n");
        if (st->sampled && st->is_camera)
            put(o, "  image %ux%u %s%s (%zu sampled)\n", st->width, st->height,
                st->format, st->sizes_vary ? ", sizes or formats vary" : "",
                st->sampled);
        else if (st->sampled)
            put(o, "  points/frame min %zu mean %.1f max %zu (%zu sampled)\n",
                st->points_min, st->points_mean, st->points_max, st->sampled);
        if (st->errors)
            put(o, "  %zu sampled frames failed; first: %s\n", st->errors,
                st->first_error);
    }
    if (li->pcd_encoding[0])
        put(o, "pcd:     VERSION %s, DATA %s, FIELDS %s%s\n",
            li->pcd_version[0] ? li->pcd_version : "?", li->pcd_encoding,
            li->pcd_fields, li->pcd_organised ? ", organised" : "");
    if (li->has_bin_guess) {
        put(o, "bin:     %llu bytes; float32 records that fit:",
            (unsigned long long)li->bin.file_size);
        for (unsigned k = 0; k < li->bin.nfits; k++)
            put(o, " %u (%u B)", li->bin.fits[k], li->bin.fits[k] * 4);
        if (li->bin.best)
            put(o,
                "; looks like %u floats per point (median step between "
                "points %.3f m)",
                li->bin.best, li->bin.median_jump[li->bin.best]);
        else
            put(o, "; none looks like a point sequence");
        put(o, "\n");
    }
}

static void json(out *o, const sp_loginfo *li)
{
    put(o, "{\"path\": ");
    put_json_str(o, li->path);
    put(o, ", \"layout\": ");
    put_json_str(o, li->layout);
    put(o, ", \"note\": ");
    put_json_str(o, li->note);
    put(o, ", \"calib\": \"%s\", \"calib_source\": ",
        li->calib_found == 2 ? "found"
        : li->calib_found    ? "partial"
                             : "missing");
    put_json_str(o, li->calib);
    put(o, ", \"streams\": [");
    for (size_t s = 0; s < li->nstreams; s++) {
        const sp_loginfo_stream *st = &li->streams[s];
        put(o, "%s{\"name\": ", s ? ", " : "");
        put_json_str(o, st->name);
        put(o,
            ", \"sensor\": \"%s\", \"frames\": %zu, "
            "\"has_timestamps\": %s, \"t_first_ns\": %lld, "
            "\"t_last_ns\": %lld, \"rate_hz\": %.6g, \"sampled\": %zu",
            st->is_camera ? "camera" : "lidar", st->frames,
            st->has_timestamps ? "true" : "false", (long long)st->t_first,
            (long long)st->t_last, st->rate_hz, st->sampled);
        if (st->is_camera)
            put(o,
                ", \"width\": %u, \"height\": %u, \"format\": \"%s\", "
                "\"sizes_vary\": %s",
                st->width, st->height, st->format,
                st->sizes_vary ? "true" : "false");
        else
            put(o,
                ", \"points_min\": %zu, \"points_mean\": %.3f, "
                "\"points_max\": %zu",
                st->points_min, st->points_mean, st->points_max);
        put(o, ", \"errors\": %zu, \"first_error\": ", st->errors);
        put_json_str(o, st->first_error);
        put(o, "}");
    }
    put(o, "]");
    if (li->pcd_encoding[0]) {
        put(o, ", \"pcd\": {\"version\": ");
        put_json_str(o, li->pcd_version);
        put(o, ", \"encoding\": \"%s\", \"fields\": ", li->pcd_encoding);
        put_json_str(o, li->pcd_fields);
        put(o, ", \"organised\": %s}", li->pcd_organised ? "true" : "false");
    }
    if (li->has_bin_guess) {
        put(o, ", \"bin\": {\"file_size\": %llu, \"fits\": [",
            (unsigned long long)li->bin.file_size);
        for (unsigned k = 0; k < li->bin.nfits; k++)
            put(o, "%s%u", k ? ", " : "", li->bin.fits[k]);
        put(o, "], \"best\": %u}", li->bin.best);
    }
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
