/* `sensorpipe info` for message logs (ROS1 bags, MCAP, rosbag2): what
 * `rosbag info`, `ros2 bag info` and `mcap info` show, in one — the
 * container, its version, compression, size, duration, start and end, the
 * message count, and per topic its type, count, rate and, from a sample of
 * its messages, points per cloud with the cloud's fields, or image sizes
 * and encodings (the sampling arrives with the message decoders). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format_int.h"
#include "info_int.h"
#include "sp_log.h"
#include "sp_rosmsg.h"

static void put_stamp(char *buf, size_t cap, int64_t ns)
{
    time_t s = (time_t)(ns / 1000000000);
    struct tm tm;
    if (ns >= 946684800LL * 1000000000LL && gmtime_r(&s, &tm)) {
        char b[32];
        strftime(b, sizeof b, "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(buf, cap, "%s.%03d UTC", b, (int)(ns % 1000000000 / 1000000));
    } else {
        snprintf(buf, cap, "%.3f s", (double)ns * 1e-9);
    }
}

static const char *sensor_of(sp_rosmsg_kind k)
{
    switch (k) {
    case SP_ROSMSG_POINTCLOUD2:
    case SP_ROSMSG_LASER_SCAN:
        return "lidar";
    case SP_ROSMSG_IMAGE:
    case SP_ROSMSG_COMPRESSED_IMAGE:
        return "camera";
    case SP_ROSMSG_CAMERA_INFO:
        return "calib";
    default:
        return "other";
    }
}

static void describe_container(const sp_log *log, sp_loginfo *li)
{
    const sp_log_info *in = sp_log_info_get(log);
    char start[64], end[64];
    put_stamp(start, sizeof start, in->t_start);
    put_stamp(end, sizeof end, in->t_end);
    double dur = (double)(in->t_end - in->t_start) * 1e-9;
    sp__info_set(li->note, sizeof li->note, "%s", in->note);
    sp__info_attr(li, "log", "container", 0, "%s", in->container);
    sp__info_attr(li, "log", "version", 0, "%s", in->version);
    if (in->profile[0])
        sp__info_attr(li, "log", "profile", 0, "%s", in->profile);
    sp__info_attr(li, "log", "compression", 0, "%s", in->compression);
    sp__info_attr(li, "log", "indexed", 1, "%s",
                  in->indexed ? "true" : "false");
    sp__info_attr(li, "log", "size_bytes", 1, "%llu",
                  (unsigned long long)in->size_bytes);
    sp__info_attr(li, "log", "files", 1, "%zu", in->nfiles);
    sp__info_attr(li, "log", "chunks", 1, "%llu",
                  (unsigned long long)in->chunks);
    sp__info_attr(li, "log", "messages", 1, "%llu",
                  (unsigned long long)in->messages);
    sp__info_attr(li, "log", "start_ns", 1, "%lld", (long long)in->t_start);
    sp__info_attr(li, "log", "end_ns", 1, "%lld", (long long)in->t_end);
    sp__info_attr(li, "log", "duration_s", 1, "%.9f", dur);
    sp__info_text(li, "log:     %s%s%s, version %s, %s compression, %llu "
                      "chunks, %zu file%s, %.2f MB\n",
                  in->container, in->profile[0] ? " " : "", in->profile,
                  in->version, in->compression,
                  (unsigned long long)in->chunks, in->nfiles,
                  in->nfiles == 1 ? "" : "s", (double)in->size_bytes / 1e6);
    sp__info_text(li, "time:    %s .. %s (%.3f s), %llu messages\n", start,
                  end, dur, (unsigned long long)in->messages);
}

int sp__log_describe(const char *path, size_t sample, sp_loginfo *li)
{
    sp_log *log;
    SP_TRY(sp_log_open(path, NULL, &log));
    describe_container(log, li);
    int rc = SP_OK;
    for (size_t t = 0; rc == SP_OK && t < sp_log_topic_count(log); t++) {
        const sp_log_topic *tp = sp_log_topic_at(log, t);
        sp_loginfo_stream *o = sp__info_add_stream(li, tp->name);
        if (!o) {
            rc = SP_ENOMEM;
            break;
        }
        sp__info_set(o->type, sizeof o->type, "%s", tp->type);
        sp_rosmsg_kind kind = SP_ROSMSG_OTHER; /* decoders: next commit */
        sp__info_set(o->sensor, sizeof o->sensor, "%s", sensor_of(kind));
        o->is_camera = kind == SP_ROSMSG_IMAGE ||
                       kind == SP_ROSMSG_COMPRESSED_IMAGE;
        o->frames = tp->count;
        o->has_timestamps = 1;
        o->t_first = tp->t_first;
        o->t_last = tp->t_last;
        if (tp->count > 1 && tp->t_last > tp->t_first)
            o->rate_hz = (double)(tp->count - 1) /
                         ((double)(tp->t_last - tp->t_first) * 1e-9);
    }
    char skipped[512];
    if (sp_log_skipped(log, skipped, sizeof skipped))
        sp__info_text(li, "skipped: %s\n", skipped);
    sp_log_destroy(log);
    return rc;
}
