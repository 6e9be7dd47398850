/* `sensorpipe info` for message logs (ROS1 bags, MCAP, rosbag2): what
 * `rosbag info`, `ros2 bag info` and `mcap info` show, in one — the
 * container, its version, compression, size, duration, start and end, the
 * message count, and per topic its type, count, rate and, from a sample of
 * its messages, points per cloud with the cloud's fields, or image sizes
 * and encodings. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format_int.h"
#include "info_int.h"
#include "sp_log.h"
#include "sp_pcap.h"
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
    case SP_ROSMSG_VELODYNE_SCAN:
    case SP_ROSMSG_PANDAR_SCAN:
    case SP_ROSMSG_OUSTER_PACKET:
        return "packets";
    default:
        return "other";
    }
}

static const char *type_code(uint8_t t)
{
    static const char *const names[] = {"?",   "I8",  "U8",  "I16", "U16",
                                        "I32", "U32", "F32", "F64"};
    return t <= 8 ? names[t] : "?";
}

static void describe_cloud(const sp_pc2_msg *m, sp_loginfo_stream *o)
{
    if (o->sampled == 0) {
        size_t used = 0;
        for (uint32_t f = 0; f < m->nfields && used < sizeof o->fields; f++) {
            const sp_pc2_field *pf = &m->fields[f];
            int k = snprintf(o->fields + used, sizeof o->fields - used,
                             pf->count > 1 ? "%s%s:%s[%u]" : "%s%s:%s",
                             f ? " " : "", pf->name, type_code(pf->datatype),
                             pf->count);
            if (k < 0)
                break;
            used += (size_t)k;
        }
        if (m->is_bigendian && used < sizeof o->fields)
            snprintf(o->fields + used, sizeof o->fields - used,
                     " (big-endian)");
        o->rows = m->height;
    }
    sp__info_note_points(o, (size_t)m->width * m->height);
}

/* Decode one sampled message of topic @p t into the stream's figures. */
static void sample_message(sp_rosmsg_decoder *dec, sp_rosmsg_kind kind,
                           sp_rosmsg_enc enc, const sp_log_msg *msg,
                           sp_loginfo_stream *o)
{
    int rc = SP_OK;
    switch (kind) {
    case SP_ROSMSG_POINTCLOUD2: {
        static sp_pc2_msg m; /* 5 KB of field table: not on the stack */
        rc = sp_rosmsg_pc2_parse(msg->data, msg->size, enc, &m);
        if (rc == SP_OK)
            describe_cloud(&m, o);
        break;
    }
    case SP_ROSMSG_LASER_SCAN: {
        sp_laserscan_msg m;
        rc = sp_rosmsg_laserscan_parse(msg->data, msg->size, enc, &m);
        if (rc == SP_OK)
            sp__info_note_points(o, m.nranges);
        break;
    }
    case SP_ROSMSG_IMAGE: {
        sp_rosimg_msg m;
        rc = sp_rosmsg_image_parse(msg->data, msg->size, enc, &m);
        if (rc == SP_OK)
            sp__info_note_image(o, m.width, m.height, m.encoding);
        break;
    }
    case SP_ROSMSG_COMPRESSED_IMAGE: {
        sp_roscimg_msg m;
        uint32_t w, h;
        sp_pixfmt fmt;
        rc = sp_rosmsg_cimage_parse(msg->data, msg->size, enc, &m);
        if (rc == SP_OK)
            rc = sp_rosmsg_cimage_info(dec, &m, &w, &h, &fmt);
        if (rc == SP_OK) {
            char f[96];
            snprintf(f, sizeof f, "%s (%s)", m.format, sp_pixfmt_name(fmt));
            sp__info_note_image(o, w, h, f);
        }
        break;
    }
    case SP_ROSMSG_CAMERA_INFO: {
        sp_caminfo_msg m;
        rc = sp_rosmsg_caminfo_parse(msg->data, msg->size, enc, &m);
        if (rc == SP_OK)
            sp__info_note_image(o, m.width, m.height, m.distortion_model);
        break;
    }
    case SP_ROSMSG_VELODYNE_SCAN:
    case SP_ROSMSG_PANDAR_SCAN:
    case SP_ROSMSG_OUSTER_PACKET: {
        /* Raw lidar packets (the lidar stage decodes them): how many a
         * message holds, and their size. */
        sp_rospkt_msg m;
        rc = sp_rosmsg_packets_parse(msg->data, msg->size, enc, kind, &m);
        if (rc == SP_OK && o->sampled == 0) {
            const uint8_t *d = NULL;
            size_t len = 0;
            int64_t t;
            if (m.count)
                sp_rosmsg_packet_at(&m, 0, &d, &len, &t);
            /* The model the first packet looks like (its factory byte,
             * its size) when the lidar stage decodes it. */
            const char *calib = NULL;
            const char *model =
                d ? sp_pcap_guess_model(d, len, 0, NULL, 0, &calib) : NULL;
            /* An Ouster bag's metadata topic is read with its packets. */
            if (kind == SP_ROSMSG_OUSTER_PACKET)
                calib = NULL;
            snprintf(o->fields, sizeof o->fields,
                     "%u packets of %zu B per message (decode with `lidar "
                     "model=%s%s%s`)",
                     m.count, len, model ? model : "...",
                     calib ? " calib=" : "", calib ? calib : "");
        }
        if (rc == SP_OK)
            o->sampled++;
        break;
    }
    default:
        return;
    }
    if (rc < 0)
        sp__info_note_error(o);
}

static void describe_container(const sp_log *log, sp_loginfo *li)
{
    const sp_log_info *in = sp_log_info_get(log);
    char start[64], end[64];
    put_stamp(start, sizeof start, in->t_start);
    put_stamp(end, sizeof end, in->t_end);
    double dur = sp__info_span_s(in->t_start, in->t_end);
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
    int plain = !strcmp(in->compression, "none");
    sp__info_text(li,
                  "log:     %s%s%s, version %s, %s%s, %llu chunk%s, %zu "
                  "file%s, %.2f MB\n",
                  in->container, in->profile[0] ? " " : "", in->profile,
                  in->version, plain ? "uncompressed" : in->compression,
                  plain ? "" : " compression", (unsigned long long)in->chunks,
                  in->chunks == 1 ? "" : "s", in->nfiles,
                  in->nfiles == 1 ? "" : "s", (double)in->size_bytes / 1e6);
    sp__info_text(li, "time:    %s .. %s (%.3f s), %llu messages\n", start, end,
                  dur, (unsigned long long)in->messages);
}

int sp__log_describe(const char *path, size_t sample, sp_loginfo *li)
{
    sp_log *log;
    SP_TRY(sp_log_open(path, NULL, &log));
    describe_container(log, li);
    sp_rosmsg_decoder *dec = NULL;
    int rc = sp_rosmsg_decoder_create(&dec);
    for (size_t t = 0; rc == SP_OK && t < sp_log_topic_count(log); t++) {
        const sp_log_topic *tp = sp_log_topic_at(log, t);
        sp_loginfo_stream *o = sp__info_add_stream(li, tp->name);
        if (!o) {
            rc = SP_ENOMEM;
            break;
        }
        sp__info_set(o->type, sizeof o->type, "%s", tp->type);
        sp_rosmsg_kind kind = sp_rosmsg_kind_of(tp->type);
        sp_rosmsg_enc enc;
        if (sp_rosmsg_enc_from_name(tp->encoding, &enc) != SP_OK)
            kind = SP_ROSMSG_OTHER;
        sp__info_set(o->sensor, sizeof o->sensor, "%s", sensor_of(kind));
        o->is_camera =
            kind == SP_ROSMSG_IMAGE || kind == SP_ROSMSG_COMPRESSED_IMAGE;
        o->frames = tp->count;
        o->has_timestamps = 1;
        o->t_first = tp->t_first;
        o->t_last = tp->t_last;
        if (tp->count > 1 && tp->t_last > tp->t_first)
            o->rate_hz = (double)(tp->count - 1) /
                         sp__info_span_s(tp->t_first, tp->t_last);
        if (kind == SP_ROSMSG_OTHER)
            continue;
        for (uint64_t i = 0; i < tp->count; i++) {
            if (!sp__info_sampled(i, tp->count, sample))
                continue;
            sp_log_msg msg;
            if (sp_log_read_at(log, (uint32_t)t, i, &msg) != SP_OK) {
                sp__info_note_error(o);
                continue;
            }
            sample_message(dec, kind, enc, &msg, o);
        }
    }
    char skipped[512];
    if (sp_log_skipped(log, skipped, sizeof skipped))
        sp__info_text(li, "skipped: %s\n", skipped);
    sp_rosmsg_decoder_destroy(dec);
    sp_log_destroy(log);
    return rc;
}
