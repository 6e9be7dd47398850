/* The `bag` source: a recorded ROS log — ROS1 bag, MCAP or rosbag2, told
 * apart by content (see sp_log.h) — as frames, pulled lazily: opening reads
 * the index, each message is read and decoded when pulled. PointCloud2 and
 * LaserScan become points, Image and CompressedImage images; CameraInfo
 * becomes the calibration of the camera in the same namespace (or with the
 * same frame_id); other types are left out and noted. A frame's stream is
 * its topic, its timestamp the header stamp (the log time is kept in
 * log_time_ns), its origin the file and the message's index in its topic.
 * Order: log time across the selected topics (rosbag play), or file order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bag_int.h"
#include "error_int.h"
#include "io_src_int.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

#define BAG_MAX_CALIBS 64

typedef struct bag_src {
    sp_log *log;
    bag_topic *topics;
    size_t ntopics;
    bag_calib calibs[BAG_MAX_CALIBS];
    size_t ncalibs;
    bag_scratch scratch;
    char *meta;        /* a sensor's metadata text (load_meta) */
    int noted_skipped; /* the log's skipped list was noted */
} bag_src;

static const sp_prop_spec bag_props[] = {
    {.name = "path",
     .type = SP_PROP_STRING,
     .help = "a ROS1 .bag, an .mcap, a rosbag2 folder or .db3 (told apart "
             "by content)"},
    {.name = "topics",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "comma list of topics (a trailing '*' matches a prefix); "
             "empty: every topic sensorpipe decodes"},
    {.name = "types",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "comma list of message types, either spelling "
             "(sensor_msgs/PointCloud2, sensor_msgs/msg/Image)"},
    {.name = "start",
     .type = SP_PROP_TIME,
     .min = 0,
     .max = 1e12,
     .optional = 1,
     .help = "seconds from the log's start: skip messages recorded before"},
    {.name = "end",
     .type = SP_PROP_TIME,
     .min = 0,
     .max = 1e12,
     .optional = 1,
     .help = "seconds from the log's start: stop after messages recorded "
             "then"},
    {.name = "count",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 1e15,
     .help = "at most this many messages (those step= keeps); 0: all"},
    {.name = "step",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 1,
     .max = 1e9,
     .help = "every step-th message of each topic, from the first in the "
             "start=/end= window"},
    {.name = "order",
     .type = SP_PROP_ENUM,
     .def = "time",
     .choices = "time|file",
     .help = "log time across topics (rosbag play), or as stored"},
    {.name = "verify",
     .type = SP_PROP_BOOL,
     .def = "true",
     .help = "check LZ4 frame checksums and MCAP CRCs (false: faster, "
             "damage may go unseen)"},
    {.name = "fields",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "PointCloud2 field names for the channels: "
             "ring:channel,time:time_stamp,intensity:reflectivity"},
    {.name = "calib",
     .type = SP_PROP_BOOL,
     .def = "true",
     .help = "attach each camera's CameraInfo (same namespace or frame_id) "
             "to its images"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

/* The namespace of a topic: everything before its last '/' ("/cam" of
 * "/cam/camera_info"; "" for a top-level topic). */
static void topic_ns(const char *topic, char *ns, size_t cap)
{
    const char *slash = strrchr(topic, '/');
    size_t n = slash ? (size_t)(slash - topic) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(ns, topic, n);
    ns[n] = '\0';
}

static bag_action action_of(sp_rosmsg_kind k)
{
    switch (k) {
    case SP_ROSMSG_POINTCLOUD2:
        return BAG_POINTS;
    case SP_ROSMSG_LASER_SCAN:
        return BAG_SCAN;
    case SP_ROSMSG_IMAGE:
        return BAG_IMAGE;
    case SP_ROSMSG_COMPRESSED_IMAGE:
        return BAG_CIMAGE;
    case SP_ROSMSG_CAMERA_INFO:
        return BAG_CAMINFO;
    case SP_ROSMSG_VELODYNE_SCAN:
    case SP_ROSMSG_PANDAR_SCAN:
    case SP_ROSMSG_OUSTER_PACKET:
        return BAG_PACKETS;
    default:
        return BAG_SKIP;
    }
}

/* A sensor metadata topic: ouster-ros publishes the sensor's metadata JSON
 * as a std_msgs/String on ".../metadata". */
static int is_metadata_topic(const char *name)
{
    size_t n = strlen(name);
    return n >= 8 && !strcmp(name + n - 8, "metadata");
}

/* The first metadata topic's first message, kept for the packet frames
 * (the Ouster decoder needs it from the first packet on, and it is
 * recorded once, often after the first packets). */
static int load_meta(sp_stage *st, bag_src *s)
{
    for (size_t t = 0; t < s->ntopics; t++) {
        const sp_log_topic *tp = sp_log_topic_at(s->log, t);
        if (s->topics[t].action != BAG_META || tp->count == 0)
            continue;
        sp_log_msg msg;
        const char *text;
        size_t len;
        int rc = sp_log_read_at(s->log, (uint32_t)t, 0, &msg);
        if (rc == SP_OK)
            rc = sp_rosmsg_string_parse(msg.data, msg.size, s->topics[t].enc,
                                        &text, &len);
        if (rc < 0) {
            sp_stage_note(st, "metadata %s not used: %s", tp->name,
                          sp_errmsg());
            continue;
        }
        s->meta = malloc(len + 1);
        if (!s->meta)
            return sp__fail(SP_ENOMEM, "%s: out of memory", tp->name);
        memcpy(s->meta, text, len);
        s->meta[len] = '\0';
        s->scratch.meta = s->meta;
        s->scratch.meta_len = len;
        return SP_OK;
    }
    return SP_OK;
}

/* Every CameraInfo topic's first message becomes a calibration, whether or
 * not the topic is selected: a camera's images need it from their first
 * frame, and it may be recorded after them. */
static int load_calibs(sp_stage *st, bag_src *s)
{
    for (size_t t = 0; t < s->ntopics; t++) {
        const sp_log_topic *tp = sp_log_topic_at(s->log, t);
        if (s->topics[t].action != BAG_CAMINFO || tp->count == 0)
            continue;
        if (s->ncalibs == BAG_MAX_CALIBS) {
            sp_stage_note(st,
                          "more than %d CameraInfo topics: the rest are "
                          "not used",
                          BAG_MAX_CALIBS);
            break;
        }
        bag_calib *c = &s->calibs[s->ncalibs];
        memset(c, 0, sizeof *c);
        c->topic = (uint16_t)t;
        topic_ns(tp->name, c->ns, sizeof c->ns);
        sp_log_msg msg;
        int rc = sp_log_read_at(s->log, (uint32_t)t, 0, &msg);
        if (rc == SP_OK)
            rc = sp_rosmsg_caminfo_parse(msg.data, msg.size, s->topics[t].enc,
                                         &s->scratch.caminfo);
        if (rc == SP_OK) {
            char source[512];
            snprintf(source, sizeof source, "%s: %s", msg.file, tp->name);
            rc = sp_rosmsg_caminfo_to_calib(&s->scratch.caminfo, source,
                                            &c->calib);
        }
        if (rc < 0) {
            /* A camera without calibration still has images: say why its
             * calibration is missing instead of failing the run. */
            sp_stage_note(st, "CameraInfo %s not used: %s", tp->name,
                          sp_errmsg());
            continue;
        }
        snprintf(c->frame_id, sizeof c->frame_id, "%s",
                 s->scratch.caminfo.header.frame_id);
        c->ok = 1;
        s->ncalibs++;
    }
    return SP_OK;
}

/* The calibration of an image topic: the CameraInfo with the image's
 * frame_id, else the one whose namespace is the longest prefix of the
 * image topic's. */
static const sp_calib *calib_for(bag_src *s, uint16_t topic,
                                 const char *frame_id)
{
    bag_topic *bt = &s->topics[topic];
    if (!bt->calib_done) {
        bt->calib_done = 1;
        bt->calib = -1;
        const char *name = sp_log_topic_at(s->log, topic)->name;
        size_t best = 0;
        for (size_t i = 0; i < s->ncalibs; i++) {
            const bag_calib *c = &s->calibs[i];
            size_t n = strlen(c->ns);
            if (frame_id && *frame_id && !strcmp(c->frame_id, frame_id)) {
                bt->calib = (int)i;
                break;
            }
            if (!strncmp(name, c->ns, n) && name[n] == '/' &&
                (bt->calib < 0 || n > best)) {
                bt->calib = (int)i;
                best = n;
            }
        }
    }
    return bt->calib >= 0 ? &s->calibs[bt->calib].calib : NULL;
}

static void note_skipped_types(sp_stage *st, bag_src *s, const sp_log_filter *f)
{
    /* Built whole here so the list, not the sentence, is what gets cut
     * when there are many topics: the note holds SP_PIPELINE_NOTE_MAX
     * bytes with the stage's name in front. */
    char text[SP_PIPELINE_NOTE_MAX - 64];
    int head = snprintf(text, sizeof text,
                        "messages not decoded (types other than PointCloud2, "
                        "LaserScan, Image, CompressedImage, CameraInfo, lidar "
                        "packets, or an encoding other than ros1/cdr), left "
                        "out: ");
    size_t used = (size_t)head, listed = 0, more = 0;
    const size_t room = sizeof text - 24; /* for " and 9999 more topics" */
    for (size_t t = 0; t < s->ntopics; t++) {
        const sp_log_topic *tp = sp_log_topic_at(s->log, t);
        if (s->topics[t].action != BAG_SKIP ||
            !sp_log_topic_selected(s->log, t, f))
            continue;
        int k = more ? -1
                     : snprintf(text + used, room - used, "%s%s (%s, %llu)",
                                listed ? ", " : "", tp->name, tp->type,
                                (unsigned long long)tp->count);
        if (k < 0 || (size_t)k >= room - used) {
            text[used] = '\0';
            more++;
        } else {
            used += (size_t)k;
            listed++;
        }
    }
    if (listed && more)
        snprintf(text + used, sizeof text - used, " and %zu more topic%s", more,
                 more == 1 ? "" : "s");
    if (listed)
        sp_stage_note(st, "%s", text);
}

static const char *topic_name_at(size_t i, const void *ctx)
{
    return sp_log_topic_at((sp_log *)ctx, i)->name;
}

/* Every name of topics= must be a topic of the log (a prefix with '*' must
 * match one): a misspelt topic is an error, not a silently shorter run,
 * with the closest topics offered as stages and properties are. */
static int check_topic_names(sp_stage *st, bag_src *s, const char *path,
                             const char *list)
{
    for (const char *p = list; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - p);
        while (n && p[n - 1] == ' ')
            n--;
        char item[SP_STREAM_NAME_MAX + 2];
        if (n == 0 || n >= sizeof item) {
            p = e;
            continue; /* too long to be a topic: matches none, see below */
        }
        memcpy(item, p, n);
        item[n] = '\0';
        sp_log_filter one = {.topics = item};
        size_t t = 0;
        while (t < s->ntopics && !sp_log_topic_selected(s->log, t, &one))
            t++;
        if (t == s->ntopics) {
            char names[256];
            size_t used = 0;
            names[0] = '\0';
            for (size_t k = 0; k < s->ntopics && used < sizeof names; k++) {
                int w =
                    snprintf(names + used, sizeof names - used, "%s%s",
                             k ? ", " : "", sp_log_topic_at(s->log, k)->name);
                used = w < 0 ? sizeof names : used + (size_t)w;
            }
            if (used >= sizeof names)
                memcpy(names + sizeof names - 4, "...", 4);
            char hint[160] = "";
            if (item[n - 1] != '*')
                sp_suggest(item, s->ntopics, topic_name_at, s->log, hint,
                           sizeof hint);
            return sp_stage_fail(
                st, SP_ENOTFOUND,
                "%s: topics: '%s' %s%s%s (its %zu topics: %s)", path, item,
                item[n - 1] == '*' ? "matches no topic of the log"
                                   : "is not a topic of the log",
                *hint ? ", " : "", hint, s->ntopics,
                s->ntopics ? names : "none");
        }
        p = e;
    }
    return SP_OK;
}

/* A start=/end= window that holds none of the selected topics' messages
 * is refused, as kitti's start= past its frames is, naming where they lie:
 * a run of no frames that exits 0 would look like success. */
static int window_misses(sp_stage *st, const bag_src *s, const char *path,
                         const sp_log_filter *f)
{
    const int64_t t0 = sp_log_info_get(s->log)->t_start;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t t = 0; t < s->ntopics; t++) {
        const sp_log_topic *tp = sp_log_topic_at(s->log, t);
        if (!f->topic_mask[t] || !tp->count ||
            !sp_log_topic_selected(s->log, t, f))
            continue;
        lo = tp->t_first < lo ? tp->t_first : lo;
        hi = tp->t_last > hi ? tp->t_last : hi;
    }
    if (lo > hi) /* the topics are empty: no window would select any */
        return SP_OK;
    char win[96] = "";
    const sp_prop_value *start = sp_stage_prop(st, "start");
    const sp_prop_value *end = sp_stage_prop(st, "end");
    if (f->has_start)
        snprintf(win, sizeof win, "start=%s", start->s);
    if (f->has_end)
        snprintf(win + strlen(win), sizeof win - strlen(win), "%send=%s",
                 f->has_start ? " " : "", end->s);
    /* the span in seconds from the log's start, as start= and end= are */
    return sp__fail(SP_ENOTFOUND,
                    "%s: %s selects no message, expected a window holding "
                    "one of the selected topics' messages (they lie from "
                    "%.3f s to %.3f s after the log's start)",
                    path, win, (double)(lo - t0) * 1e-9,
                    (double)(hi - t0) * 1e-9);
}

/* A failed init() is followed by bag_fini() (pipeline.c), which releases
 * whatever was opened before the failure. */
static int bag_init(sp_stage *st)
{
    bag_src *s = sp_stage_priv(st);
    const char *path = sp_stage_prop_str(st, "path");
    sp_log_desc d = {.mgr = sp_stage_poolmgr(st),
                     .no_verify = !sp_stage_prop_bool(st, "verify"),
                     .skip_damaged = sp_stage_prop(st, "on_error")->i == 1};
    SP_TRY(sp_log_open(path, &d, &s->log));
    s->ntopics = sp_log_topic_count(s->log);
    s->topics = calloc(s->ntopics ? s->ntopics : 1, sizeof *s->topics);
    uint8_t *mask = calloc(s->ntopics ? s->ntopics : 1, 1);
    if (!s->topics || !mask) {
        free(mask);
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    }
    sp_log_filter f = {.topics = sp_stage_prop_str(st, "topics"),
                       .types = sp_stage_prop_str(st, "types"),
                       .count = (uint64_t)sp_stage_prop_int(st, "count"),
                       .step = (uint64_t)sp_stage_prop_int(st, "step"),
                       .order = (sp_log_order)sp_stage_prop(st, "order")->i,
                       .topic_mask = mask};
    const sp_prop_value *start = sp_stage_prop(st, "start");
    const sp_prop_value *end = sp_stage_prop(st, "end");
    if (start->set) {
        f.has_start = 1;
        f.start_ns = (int64_t)llround(start->f * 1e9);
    }
    if (end->set) {
        f.has_end = 1;
        f.end_ns = (int64_t)llround(end->f * 1e9);
    }
    size_t selected = 0;
    for (size_t t = 0; t < s->ntopics; t++) {
        const sp_log_topic *tp = sp_log_topic_at(s->log, t);
        bag_topic *bt = &s->topics[t];
        bt->calib = -1;
        if (strlen(tp->name) >= SP_STREAM_NAME_MAX) {
            free(mask);
            return sp__fail(SP_EUNSUPPORTED,
                            "%s: topic '%s' is %zu characters, longer than "
                            "a stream name holds (%d)",
                            path, tp->name, strlen(tp->name),
                            SP_STREAM_NAME_MAX - 1);
        }
        if (sp_rosmsg_enc_from_name(tp->encoding, &bt->enc) == SP_OK) {
            bt->kind = sp_rosmsg_kind_of(tp->type);
            bt->action = action_of(bt->kind);
            if (bt->kind == SP_ROSMSG_STRING && is_metadata_topic(tp->name))
                bt->action = BAG_META;
        }
        /* Frames come from decoded topics; CameraInfo and metadata are
         * consumed. */
        mask[t] = bt->action != BAG_SKIP && bt->action != BAG_CAMINFO &&
                  bt->action != BAG_META;
        if (mask[t] && sp_log_topic_selected(s->log, t, &f))
            selected++;
    }
    int rc = check_topic_names(st, s, path, f.topics);
    if (rc < 0) {
        free(mask);
        return rc;
    }
    note_skipped_types(st, s, &f);
    rc = sp_log_select(s->log, &f);
    if (rc == SP_OK && selected && (f.has_start || f.has_end) &&
        sp_log_selected(s->log) == 0)
        rc = window_misses(st, s, path, &f);
    free(mask);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    if (!selected)
        return sp_stage_fail(st, SP_ENOTFOUND,
                             "%s: no topic to read: none of its %zu topics "
                             "matches topics='%s' types='%s' with a type "
                             "sensorpipe decodes (`sensorpipe info %s` lists "
                             "them)",
                             path, s->ntopics, f.topics, f.types, path);
    SP_TRY(sp_rosmsg_decoder_create(&s->scratch.dec));
    SP_TRY(sp_rosmsg_decoder_set_poolmgr(s->scratch.dec, sp_stage_poolmgr(st)));
    s->scratch.fields_map = sp_stage_prop_str(st, "fields");
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    if (sp_stage_prop_bool(st, "calib"))
        SP_TRY(load_calibs(st, s));
    return load_meta(st, s);
}

/* The log's skipped places (on_error=skip), once, when the run ends. The
 * log lists them a line each, some starting "skipped: "; the note puts them
 * on one line. */
static void note_log_skips(sp_stage *st, bag_src *s)
{
    char text[SP_PIPELINE_NOTE_MAX - 64], list[SP_PIPELINE_NOTE_MAX - 64];
    size_t n = sp_log_skipped(s->log, text, sizeof text);
    if (!n || s->noted_skipped)
        return;
    s->noted_skipped = 1;
    size_t used = 0;
    list[0] = '\0';
    for (char *p = text, *save = NULL, *line; (line = strtok_r(p, "\n", &save));
         p = NULL) {
        if (!strncmp(line, "skipped: ", 9))
            line += 9;
        int k = snprintf(list + used, sizeof list - used, "%s%s",
                         used ? "; " : "", line);
        if (k < 0 || (size_t)k >= sizeof list - used)
            break;
        used += (size_t)k;
    }
    sp_stage_note(st, "%zu damaged place%s skipped: %s", n, n == 1 ? "" : "s",
                  list);
}

static int bag_pull(sp_stage *st, sp_frame **out)
{
    bag_src *s = sp_stage_priv(st);
    *out = NULL;
    for (;;) {
        sp_log_msg msg;
        int rc = sp_log_next(s->log, &msg);
        if (rc == SP_EOS) {
            note_log_skips(st, s);
            return SP_EOS;
        }
        if (rc < 0)
            return rc; /* names the file, offset and what was wrong */
        const sp_log_topic *tp = sp_log_topic_at(s->log, msg.topic);
        bag_topic *bt = &s->topics[msg.topic];
        sp_frame *f = NULL;
        const char *dropped;
        int64_t stamp;
        dropped = "";
        if (bt->action == BAG_PACKETS)
            rc = sp__bag_decode_packets(st, &s->scratch, bt->enc, bt->kind,
                                        &msg, &f, &stamp);
        else
            rc = sp__bag_decode(st, &s->scratch, bt->action, bt->enc, &msg, &f,
                                &dropped, &stamp);
        if (rc < 0) {
            sp__fail_context(rc, "%s: byte %llu: topic %s, message %llu: ",
                             msg.file, (unsigned long long)msg.offset, tp->name,
                             (unsigned long long)msg.index);
            if (sp__src_skip(st, rc)) {
                if (bt->skipped++ == 0)
                    sp_stage_note(st, "skipped: %s", sp_errmsg());
                continue;
            }
            return rc;
        }
        if (*dropped && !bt->noted_drop) {
            bt->noted_drop = 1;
            sp_stage_note(st,
                          "topic %s: PointCloud2 fields %s are not kept "
                          "(points hold x, y, z, intensity, ring and time)",
                          tp->name, dropped);
        }
        if (stamp == 0) {
            /* A header without a stamp: the log time is the best there
             * is, and the user is told how often (the notes count a
             * repeated one; a log whose first frame is at 0 has one). */
            stamp = msg.log_time;
            sp_stage_note(st,
                          "topic %s: a header stamp of 0: the message is "
                          "timed by its log time",
                          tp->name);
        }
        f->seq = bt->seq++;
        f->timestamp_ns = stamp;
        f->log_time_ns = msg.log_time;
        f->origin = msg.file;
        f->origin_index = msg.index;
        f->origin_kind = SP_ORIGIN_LOG;
        snprintf(f->stream, sizeof f->stream, "%s", tp->name);
        f->calib = NULL;
        if (f->payload == SP_PAYLOAD_IMAGE && sp_stage_prop_bool(st, "calib"))
            f->calib = calib_for(s, (uint16_t)msg.topic,
                                 bt->action == BAG_IMAGE
                                     ? s->scratch.img.header.frame_id
                                     : s->scratch.cimg.header.frame_id);
        *out = f;
        return SP_OK;
    }
}

/* Every selected message is a frame (CameraInfo topics are not selected):
 * the length progress shows. */
static int bag_length(sp_stage *st, uint64_t *frames)
{
    *frames = sp_log_selected(((bag_src *)sp_stage_priv(st))->log);
    return SP_OK;
}

static void bag_fini(sp_stage *st)
{
    bag_src *s = sp_stage_priv(st);
    if (s->log)
        note_log_skips(st, s);
    sp_rosmsg_decoder_destroy(s->scratch.dec);
    s->scratch.dec = NULL;
    sp_log_destroy(s->log);
    s->log = NULL;
    free(s->topics);
    s->topics = NULL;
    free(s->meta);
    s->meta = NULL;
}

const sp_stage_class sp__stage_bag = {
    .name = "bag",
    .takes = "a ROS1 .bag, an .mcap or a rosbag2 folder",
    .gives = "points (PointCloud2, LaserScan), image (Image, "
             "CompressedImage as rgb8/bgr8/gray8/...); a stream per "
             "topic",
    .description = "recorded ROS logs (ROS1 .bag, MCAP, rosbag2), read without "
                   "ROS: PointCloud2/LaserScan as points, Image/"
                   "CompressedImage as images, CameraInfo as calibration",
    .props = bag_props,
    .nprops = sizeof bag_props / sizeof bag_props[0],
    .priv_size = sizeof(bag_src),
    .is_source = 1,
    .init = bag_init,
    .pull = bag_pull,
    .length = bag_length,
    .fini = bag_fini,
};
