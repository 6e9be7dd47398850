/* The `mcap` sink: every frame as one message of an MCAP file (sp_mcap.h)
 * that Foxglove, RViz 2 and `ros2 bag play` open.
 *
 * Each stream becomes a topic: topic_prefix, then "/", then the stream name
 * ("velodyne" -> "/velodyne"; topic_prefix=/car -> "/car/velodyne"). Point
 * frames become sensor_msgs/msg/PointCloud2, image frames
 * sensor_msgs/msg/Image (sp_rosmsg_write.h), CDR-encoded, stamped with the
 * frame's timestamp and the stream name as frame_id; log_time =
 * publish_time = the frame's timestamp_ns, sequence = its seq (modulo
 * 2^32). A tensor frame has no ROS message type here: it is an error naming
 * the frame, not a silent gap in the recording (put the sink before the
 * stage that makes tensors, or write them with npy).
 *
 * The file is created (under a temporary name, its missing folders made)
 * in init(), so an unwritable path fails before the first frame; it is
 * finished (summary, footer, renamed into place) when upstream reports the
 * end of the stream. Without the end, fini() removes it after an error, and
 * finishes what was written when the run was stopped (sp_pipeline_stop,
 * Ctrl-C, or a pipeline closed before its end: sp__stage_run_status() says
 * which), leaving a note that says how many messages it holds.
 *
 * Serialized messages are staged in a pool block, kept while messages fit
 * it; the writer's chunk and compression buffers are pool blocks too. */
#include <stdio.h>
#include <string.h>

#include "atomic_file_int.h"
#include "error_int.h"
#include "pipeline_int.h"
#include "sp_mcap.h"
#include "sp_rosmsg_write.h"
#include "sp_stage.h"

#define MAX_TOPICS 32
#define TOPIC_MAX (256 + SP_STREAM_NAME_MAX)

typedef struct mcap_topic {
    char stream[SP_STREAM_NAME_MAX];
    sp_payload payload;
    uint16_t channel;
} mcap_topic;

typedef struct mcap_sink {
    sp_mcap_writer *w;
    char prefix[256];   /* "" or "/car": starts with '/', no trailing '/' */
    uint16_t schema[2]; /* PointCloud2, Image; 0 until first used */
    size_t ntopics;
    mcap_topic topics[MAX_TOPICS];
    sp_block *stage; /* the serialized message */
    int eos, failed;
    uint64_t written; /* messages */
} mcap_sink;

static const sp_prop_spec mcap_props[] = {
    {.name = "path", .type = SP_PROP_STRING, .help = "output .mcap file"},
    {.name = "compression",
     .type = SP_PROP_ENUM,
     .def = "zstd",
     .choices = "zstd|lz4|none",
     .help = "chunk compression"},
    {.name = "chunk_kb",
     .type = SP_PROP_INT,
     .def = "1024",
     .min = 1,
     .max = 256 * 1024,
     .help = "uncompressed KiB of messages a chunk is closed at (a larger "
             "message gets a chunk of its own)"},
    {.name = "topic_prefix",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "put before every topic: /car gives /car/<stream>"},
};

static int mcap_init(sp_stage *st)
{
    mcap_sink *s = sp_stage_priv(st);
    const char *pre = sp_stage_prop_str(st, "topic_prefix");
    size_t n = strlen(pre);
    while (n > 0 && pre[n - 1] == '/')
        n--;
    if (n + 2 > sizeof s->prefix)
        return sp_stage_fail(st, SP_EINVAL,
                             "topic_prefix of %zu bytes, expected at most %zu",
                             n, sizeof s->prefix - 2);
    if (n > 0)
        snprintf(s->prefix, sizeof s->prefix, "%s%.*s",
                 pre[0] == '/' ? "" : "/", (int)n, pre);
    static const sp_mcap_compression comps[] = {SP_MCAP_ZSTD, SP_MCAP_LZ4,
                                                SP_MCAP_NONE};
    sp_mcap_writer_desc d = {
        .compression = comps[sp_stage_prop(st, "compression")->i],
        .chunk_size = (size_t)sp_stage_prop_int(st, "chunk_kb") * 1024,
        .mgr = sp_stage_poolmgr(st),
    };
    const char *path = sp_stage_prop_str(st, "path");
    /* A missing folder is made, as the dir= sinks make theirs. */
    int rc = sp__make_parent_dirs(path);
    if (rc < 0)
        return rc;
    return sp_mcap_writer_create(path, &d, &s->w);
}

/* The channel of frame @p f's stream, added the first time it appears. */
static int topic_of(sp_stage *st, mcap_sink *s, const sp_frame *f,
                    uint16_t *channel)
{
    for (size_t i = 0; i < s->ntopics; i++) {
        mcap_topic *t = &s->topics[i];
        if (strcmp(t->stream, f->stream) != 0)
            continue;
        if (t->payload != f->payload)
            return sp_stage_fail(
                st, SP_EINVAL,
                "frame %s #%llu: the stream's topic carries %s, this frame "
                "is %s; expected one message type per topic",
                f->stream, (unsigned long long)f->seq,
                t->payload == SP_PAYLOAD_POINTS ? "points" : "images",
                f->payload == SP_PAYLOAD_POINTS ? "points" : "an image");
        *channel = t->channel;
        return SP_OK;
    }
    if (s->ntopics == MAX_TOPICS)
        return sp_stage_fail(st, SP_EINVAL,
                             "frame %s #%llu: more than %d streams, expected "
                             "at most %d topics in one file",
                             f->stream, (unsigned long long)f->seq, MAX_TOPICS,
                             MAX_TOPICS);
    const int k = f->payload == SP_PAYLOAD_IMAGE;
    const char *type = k ? SP_ROS2_IMAGE : SP_ROS2_POINTCLOUD2;
    if (s->schema[k] == 0) {
        const char *text = sp_rosmsg_ros2_schema(type);
        SP_TRY(sp_mcap_writer_add_schema(s->w, type, "ros2msg", text,
                                         strlen(text), &s->schema[k]));
    }
    char topic[TOPIC_MAX];
    snprintf(topic, sizeof topic, "%s/%s", s->prefix,
             f->stream + (f->stream[0] == '/'));
    mcap_topic *t = &s->topics[s->ntopics];
    SP_TRY(sp_mcap_writer_add_channel(s->w, s->schema[k], topic, "cdr",
                                      &t->channel));
    snprintf(t->stream, sizeof t->stream, "%s", f->stream);
    t->payload = f->payload;
    s->ntopics++;
    *channel = t->channel;
    return SP_OK;
}

/* Serialize @p f into the staging block, growing it when the message does
 * not fit; *len receives the message's size. */
static int serialize(sp_stage *st, mcap_sink *s, const sp_frame *f, size_t *len)
{
    const char *frame_id = f->stream + (f->stream[0] == '/');
    size_t need = 0;
    int rc;
    for (int pass = 0; pass < 2; pass++) {
        void *buf = pass ? sp_block_data(s->stage) : NULL;
        size_t cap = pass ? sp_block_size(s->stage) : 0;
        if (f->payload == SP_PAYLOAD_POINTS)
            rc = sp_rosmsg_pc2_write(&f->u.points, f->timestamp_ns, frame_id,
                                     buf, cap, &need);
        else
            rc = sp_rosmsg_image_write(&f->u.image, f->timestamp_ns, frame_id,
                                       buf, cap, &need);
        if (rc < 0)
            return rc;
        if (pass == 0 && (!s->stage || sp_block_size(s->stage) < need)) {
            sp_block_unref(s->stage);
            s->stage = NULL;
            SP_TRY(sp_poolmgr_acquire(sp_stage_poolmgr(st), need, &s->stage));
        }
    }
    *len = need;
    return SP_OK;
}

static int write_frame(sp_stage *st, mcap_sink *s, const sp_frame *f)
{
    if (f->payload == SP_PAYLOAD_PACKETS)
        return sp_stage_fail(
            st, SP_EUNSUPPORTED,
            "frame %s #%llu: raw packets are not written here, expected "
            "points or an image (decode them first with `lidar model=...`)",
            f->stream, (unsigned long long)f->seq);
    if (f->payload == SP_PAYLOAD_TENSOR)
        return sp_stage_fail(
            st, SP_EUNSUPPORTED,
            "frame %s #%llu: a tensor has no ROS message type here, expected "
            "points or an image (put the sink before the stage that makes "
            "tensors, or write them with npy)",
            f->stream, (unsigned long long)f->seq);
    if (f->timestamp_ns < 0)
        return sp_stage_fail(st, SP_ERANGE,
                             "frame %s #%llu: timestamp %lld ns, expected one "
                             "at or after 0: MCAP log times are unsigned",
                             f->stream, (unsigned long long)f->seq,
                             (long long)f->timestamp_ns);
    uint16_t channel;
    size_t len;
    SP_TRY(topic_of(st, s, f, &channel));
    int rc = serialize(st, s, f, &len);
    if (rc < 0)
        return sp__fail_context(rc, "frame %s #%llu: ", f->stream,
                                (unsigned long long)f->seq);
    const uint64_t t = (uint64_t)f->timestamp_ns;
    rc = sp_mcap_writer_write(s->w, channel, (uint32_t)f->seq, t, t,
                              sp_block_data(s->stage), len);
    if (rc < 0)
        return sp__fail_context(rc, "frame %s #%llu: ", f->stream,
                                (unsigned long long)f->seq);
    s->written++;
    return SP_OK;
}

static int mcap_pull(sp_stage *st, sp_frame **out)
{
    mcap_sink *s = sp_stage_priv(st);
    if (s->eos)
        return SP_EOS;
    sp_frame *f = NULL;
    int rc = sp_stage_pull_upstream(st, &f);
    if (rc == SP_EOS) {
        s->eos = 1;
        rc = sp_mcap_writer_finish(s->w);
        if (rc < 0) {
            s->failed = 1;
            return rc;
        }
        return SP_EOS;
    }
    if (rc < 0) {
        /* A stop surfaces as an error from a queue upstream; that is an
         * interruption, and fini() keeps what was written. */
        if (!sp__stage_stopping(st))
            s->failed = 1;
        return rc;
    }
    rc = write_frame(st, s, f);
    if (rc < 0) {
        s->failed = 1;
        sp_frame_unref(f);
        return rc;
    }
    f->written = 1;
    *out = f;
    return SP_OK;
}

static void mcap_fini(sp_stage *st)
{
    mcap_sink *s = sp_stage_priv(st);
    const char *path = sp_stage_prop_str(st, "path");
    int end = sp__stage_run_status(st);
    if (!s->eos && !s->failed && end == SP_ECANCELED) {
        /* Interrupted: keep the frames written so far as a valid file, and
         * say so, since the recording is shorter than the input. */
        if (sp_mcap_writer_finish(s->w) == SP_OK)
            sp_stage_note(st,
                          "interrupted: %s finished with the %llu messages "
                          "written before the stop",
                          path, (unsigned long long)s->written);
        else
            sp_stage_note(st,
                          "interrupted, and %s could not be finished "
                          "(removed): %s",
                          path, sp_errmsg());
    } else if (!s->eos && s->w) {
        sp_stage_note(st, "the run failed: the unfinished %s was removed",
                      path);
    }
    sp_mcap_writer_destroy(s->w);
    s->w = NULL;
    sp_block_unref(s->stage);
    s->stage = NULL;
}

const sp_stage_class sp__stage_mcap = {
    .name = "mcap",
    .takes = "points, image (a tensor is an error)",
    .gives = "one MCAP file: PointCloud2 and Image messages, a topic per "
             "stream; the frames, written",
    .description = "writes points as PointCloud2 and images as Image "
                   "messages into one MCAP file (ROS 2, Foxglove)",
    .props = mcap_props,
    .nprops = sizeof mcap_props / sizeof mcap_props[0],
    .priv_size = sizeof(mcap_sink),
    .is_sink = 1,
    .init = mcap_init,
    .pull = mcap_pull,
    .fini = mcap_fini,
};
