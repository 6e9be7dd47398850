/* The `lidar` stage: packet frames (pcap source, bag packet messages) in,
 * point clouds out — one cloud per scan. Where a scan ends: cut=message
 * makes one cloud of each packet frame (a VelodyneScan or PandarScan
 * message is one scan as the driver cut it; the default for such frames);
 * cut=DEGREES cuts where the columns' azimuth passes that angle (the
 * default for a pcap's batches, at 0). The decoding is the lidardec kernel
 * (kernels/sp_lidardec.h); this file only walks packets and columns,
 * keeps the scan being filled between pulls and says what it skipped.
 *
 * Points carry intensity, ring, time (s from the scan's first packet; a
 * point moved across a cut keeps its firing time, so the few fired just
 * before the next scan's first packet are slightly negative) and the
 * extras azimuth (deg), distance (m) and return_type (label). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "grow_int.h"
#include "sp_lidarcal.h"
#include "sp_lidardec.h"
#include "sp_pcap.h"
#include "sp_ouster_meta.h"
#include "sp_stage.h"

enum { CUT_AUTO = 0, CUT_MESSAGE, CUT_ANGLE };

typedef struct lidar_stage {
    sp_lidardec *dec;
    sp_lidardec_desc desc; /* kept for a decoder made at the first frame */
    sp_lidar_calib calib;
    sp_points_layout layout;
    int cut;         /* CUT_* asked for */
    int32_t cut_cd;  /* cut angle, 0.01 deg */
    size_t scan_cap; /* points a scan's cloud holds */
    size_t msg_cap;  /* cut=message: the largest message's points so far */
    sp_frame *in;    /* packet frame being decoded */
    size_t in_pkt;   /* next packet of it */
    unsigned in_col; /* next column of that packet */
    sp_frame *out;   /* the scan being filled */
    int64_t t0;      /* its first packet's time */
    sp_frame *out_keep;
    int cut_seen;    /* the columns passed the cut angle in this scan */
    int near_set;    /* near_idx is set */
    size_t near_idx; /* first point of the columns near the cut */
    size_t cut_idx;  /* first point after the columns passed the cut */
    int64_t t0_next; /* time of the packet where they passed it */
    int have_prev;
    uint16_t prev_az;
    uint64_t seq;
    int noted_model, noted_cap, noted_partial;
    uint64_t skipped_size, skipped_bad;
    int az_extra, dist_extra, rt_extra;
    /* Ouster: the metadata (from calib= or the first packet frame that
     * carries it), the frame id of the scan being filled, the range image
     * asked for (image=), and whether any packet was decoded (a capture
     * whose packets all have another size than the metadata's is an
     * error, not a silent empty run). */
    sp_ouster_meta *ou_meta;
    sp_lidardec_desc ou_desc;
    int have_fid;
    int64_t fid;
    int image; /* 0 none, 1 staggered, 2 de-staggered */
    uint64_t decoded;
    char first_skip[256];
    /* What the first skipped packet looks like, and the model= and calib=
     * that decode it (NULL: none here), for a run that decodes nothing. */
    char skip_what[96];
    const char *skip_model, *skip_calib;
    /* cut=message: the message's packets, decoded in one call (the
     * kernel's back-end chosen once a scan; OpenCL takes whole scans);
     * grows to the largest message, then is reused. */
    sp_lidardec_packet *batch;
    size_t batch_cap;
} lidar_stage;

static const sp_prop_spec lidar_props[] = {
    {.name = "model",
     .type = SP_PROP_ENUM,
     .choices = "vlp16|vlp32c|hdl32e|hdl64e|vls128|pandar64|pandar40p|xt32|"
                "qt64|ouster",
     .help = "the sensor; the packets' own model byte may be wrong"},
    {.name = "calib",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "calibration: Velodyne YAML, Hesai angle CSV, Ouster metadata "
             "JSON; empty: the model's factory table"},
    {.name = "return",
     .type = SP_PROP_ENUM,
     .def = "dual",
     .choices = "dual|strongest|last",
     .help = "which returns of dual-return packets become points"},
    {.name = "min_range",
     .type = SP_PROP_FLOAT,
     .min = 0,
     .max = 1e6,
     .optional = 1,
     .help = "metres; default the model's"},
    {.name = "max_range",
     .type = SP_PROP_FLOAT,
     .min = 0,
     .max = 1e6,
     .optional = 1,
     .help = "metres; default the model's"},
    {.name = "min_angle",
     .type = SP_PROP_FLOAT,
     .def = "0",
     .min = 0,
     .max = 360,
     .help = "azimuth window start, degrees (wraps through 0 when above "
             "max_angle)"},
    {.name = "max_angle",
     .type = SP_PROP_FLOAT,
     .def = "360",
     .min = 0,
     .max = 360,
     .help = "azimuth window end, degrees"},
    {.name = "cut",
     .type = SP_PROP_STRING,
     .def = "auto",
     .help = "where a scan ends: message (one cloud per packet frame), "
             "DEGREES (an azimuth), auto (message for scan messages, 0 "
             "otherwise)"},
    {.name = "image",
     .type = SP_PROP_ENUM,
     .def = "none",
     .choices = "none|staggered|destaggered",
     .help = "model=ouster: give each scan as its range image straight "
             "from the packets (f32 5 x beams x columns: range, x, y, z, "
             "intensity; -1 where no return), staggered as the packets "
             "come or de-staggered (a column is one azimuth)"},
    {.name = "on_error",
     .type = SP_PROP_ENUM,
     .def = "stop",
     .choices = "stop|skip",
     .help = "a damaged packet: stop with its message, or skip it (noted)"},
    SP__STREAMS_PROP,
};

static int parse_cut(sp_stage *st, lidar_stage *s)
{
    const char *c = sp_stage_prop_str(st, "cut");
    if (!strcmp(c, "auto")) {
        s->cut = CUT_AUTO;
        return SP_OK;
    }
    if (!strcmp(c, "message")) {
        s->cut = CUT_MESSAGE;
        return SP_OK;
    }
    char *end;
    double a = strtod(c, &end);
    if (end == c || *end || !(a >= 0 && a < 360))
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'cut': '%s', expected message, auto or "
                             "an azimuth in degrees [0, 360)",
                             c);
    s->cut = CUT_ANGLE;
    s->cut_cd = (int32_t)lround(a * 100) % 36000;
    return SP_OK;
}

static int layout_init(lidar_stage *s);

/* The extras every model's points carry. */
static void base_layout(lidar_stage *s)
{
    memset(&s->layout, 0, sizeof s->layout);
    s->layout.fields = SP_POINTS_RING | SP_POINTS_TIME;
    s->az_extra = sp_points_layout_add(&s->layout, "azimuth", SP_FIELD_F32, 1,
                                       SP_FIELD_VALUE);
    s->dist_extra = sp_points_layout_add(&s->layout, "distance", SP_FIELD_F32,
                                         1, SP_FIELD_VALUE);
    s->rt_extra = sp_points_layout_add(&s->layout, "return_type", SP_FIELD_U8,
                                       1, SP_FIELD_LABEL);
}

/* Ouster points carry two more extras: reflectivity and NIR. */
static int ouster_layout(lidar_stage *s)
{
    if (s->layout.fields)
        return SP_OK;
    base_layout(s);
    sp_points_layout_add(&s->layout, "reflectivity", SP_FIELD_U16, 1,
                         SP_FIELD_VALUE);
    sp_points_layout_add(&s->layout, "nir", SP_FIELD_U16, 1, SP_FIELD_VALUE);
    return SP_OK;
}

/* The Ouster decoder from s->ou_meta (parsed). */
static int ouster_create(sp_stage *st, lidar_stage *s)
{
    const sp_ouster_meta *m = s->ou_meta;
    sp_ouster_geom g = {
        .profile = (sp_ouster_pkt)m->profile,
        .beams = m->pixels_per_column,
        .cols_per_packet = m->columns_per_packet,
        .cols_per_frame = m->columns_per_frame,
        .altitude_deg = m->beam_altitude_deg,
        .azimuth_deg = m->beam_azimuth_deg,
        .pixel_shift = m->pixel_shift_by_row,
        .init_id = m->init_id,
        .prod_sn = m->prod_sn,
    };
    memcpy(g.beam_to_lidar, m->beam_to_lidar, sizeof g.beam_to_lidar);
    memcpy(g.lidar_to_sensor, m->lidar_to_sensor, sizeof g.lidar_to_sensor);
    sp_lidardec_desc d = s->ou_desc;
    d.ouster = &g;
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    sp_kctx *k = sp_stage_kctx(st);
    int rc = sp_lidardec_create(k, &d, &s->dec);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    /* One frame's pixels and returns (4096x5 takes 256 packets, more than
     * the model's generic packets-per-scan), and an eighth more for a cut
     * by angle, whose scans start with points carried over. */
    s->scan_cap = (size_t)m->columns_per_frame * m->pixels_per_column *
                  (m->profile == SP_OUSTER_RNG19_RFL8_SIG16_NIR16_DUAL ? 2 : 1);
    s->scan_cap += s->scan_cap / 8;
    return ouster_layout(s);
}

static int lidar_init(sp_stage *st)
{
    lidar_stage *s = sp_stage_priv(st);
    SP_TRY(parse_cut(st, s));
    sp_lidardec_desc d = {
        .model = (sp_lidar_model)sp_stage_prop(st, "model")->i,
        .ret = (sp_lidar_return)sp_stage_prop(st, "return")->i,
        .min_angle = sp_stage_prop_float(st, "min_angle"),
        .max_angle = sp_stage_prop_float(st, "max_angle"),
    };
    const sp_prop_value *lo = sp_stage_prop(st, "min_range");
    const sp_prop_value *hi = sp_stage_prop(st, "max_range");
    if (lo->set || hi->set) {
        /* One given: the other is the model's. */
        double mlo, mhi;
        SP_TRY(sp_lidar_model_range(d.model, &mlo, &mhi));
        d.min_range = lo->set ? lo->f : mlo;
        d.max_range = hi->set ? hi->f : mhi;
    }
    const char *calib = sp_stage_prop_str(st, "calib");
    char *meta = NULL;
    s->image = (int)sp_stage_prop(st, "image")->i;
    if (s->image && d.model != SP_LIDAR_OUSTER)
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'image': a range image straight from "
                             "the packets is made for model=ouster only");
    if (s->image && s->cut == CUT_ANGLE)
        return sp_stage_fail(st, SP_EINVAL,
                             "property 'image': a range image is one frame "
                             "of the sensor, cut at its frame id: use "
                             "cut=auto, not an angle");
    if (d.model == SP_LIDAR_OUSTER) {
        /* The metadata JSON is parsed here (io/); the decoder takes its
         * geometry. Without calib=, the first packet frame that carries
         * the metadata (a bag's metadata topic) makes the decoder. */
        s->ou_meta = calloc(1, sizeof *s->ou_meta);
        if (!s->ou_meta)
            return sp_stage_fail(st, SP_ENOMEM, "calib: out of memory");
        s->ou_desc = d;
        if (!*calib)
            return ouster_layout(s);
        int rc = sp_ouster_meta_load(calib, s->ou_meta);
        if (rc < 0)
            return sp_stage_fail(st, rc, "calib: %s", sp_errmsg());
        return ouster_create(st, s);
    } else if (*calib) {
        int rc = sp_lidar_calib_load(calib, &s->calib);
        if (rc < 0)
            return sp_stage_fail(st, rc, "calib: %s", sp_errmsg());
        d.calib = &s->calib;
    }
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0) {
        free(meta);
        return krc;
    }
    sp_kctx *k = sp_stage_kctx(st);
    s->desc = d;
    s->desc.calib = NULL;
    s->desc.meta = NULL;
    int rc = sp_lidardec_create(k, &d, &s->dec);
    free(meta);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    return layout_init(s);
}

/* The output's layout and the scan's capacity, once the decoder exists. */
static int layout_init(lidar_stage *s)
{
    base_layout(s);
    s->scan_cap =
        sp_lidardec_packets_per_scan(s->dec) * sp_lidardec_max_points(s->dec);
    return SP_OK;
}

static int new_scan(sp_stage *st, lidar_stage *s, const sp_frame *in,
                    size_t cap, int64_t t0)
{
    size_t room = cap + sp_lidardec_max_points(s->dec) + 8;
    int rc = sp_frame_create_points_layout(sp_stage_poolmgr(st), room,
                                           &s->layout, &s->out);
    if (rc < 0)
        return sp_stage_fail(st, rc, "a scan of %zu points: %s", room,
                             sp_errmsg());
    sp_frame_copy_meta(s->out, in);
    s->out->sensor = SP_SENSOR_LIDAR;
    s->out->timestamp_ns = t0;
    s->t0 = t0;
    return SP_OK;
}

/* Hand the scan being filled out. */
static void emit(lidar_stage *s, sp_frame **out)
{
    /* A scan of a file (a capture) is named by its number in the file,
     * not after the packets' frame it began in: a file sink's name=source
     * then gives each scan a file. A log's scans keep their message. */
    if (s->out->origin_kind != SP_ORIGIN_LOG) {
        s->out->origin_kind = SP_ORIGIN_FILE_ITEM;
        s->out->origin_index = s->seq;
    }
    s->out->seq = s->seq++;
    s->out->u.points.height = 0;
    *out = s->out;
    s->out = NULL;
}

static int decode_cols(sp_stage *st, lidar_stage *s, const uint8_t *pkt,
                       size_t len, int64_t stamp, unsigned c0, unsigned c1)
{
    sp_points *p = &s->out->u.points;
    sp_lidardec_out o = {
        .pts = p,
        .azimuth = p->extra[s->az_extra].data,
        .distance = p->extra[s->dist_extra].data,
        .return_type = p->extra[s->rt_extra].data,
    };
    double t = (double)(stamp - s->t0) * 1e-9;
    int rc = sp_lidardec_decode(s->dec, pkt, len, c0, c1, t, &o);
    s->decoded++;
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    return SP_OK;
}

/* Check packet @p i of the input; 1: decode it, 0: skipped (noted). */
static int check_packet(sp_stage *st, lidar_stage *s, size_t i,
                        sp_lidardec_info *info)
{
    const sp_packets *pk = &s->in->u.packets;
    const uint8_t *pkt = sp_packets_at(pk, i);
    int rc = sp_lidardec_inspect(s->dec, pkt, pk->length[i], info);
    const char *origin = s->in->origin ? s->in->origin : s->in->stream;
    if (rc < 0) {
        /* A datagram of another size is another kind of packet (position,
         * IMU, another sensor): skipped and counted. A packet of the right
         * size with a broken header is damage. */
        int wrong_size = strstr(sp_errmsg(), "-byte packet, expected") != NULL;
        if (wrong_size || sp_stage_prop(st, "on_error")->i == 1) {
            if ((wrong_size ? s->skipped_size++ : s->skipped_bad++) == 0) {
                sp_stage_note(st, "%s: frame %llu, packet %zu: skipped: %s",
                              origin, (unsigned long long)s->in->seq, i,
                              sp_errmsg());
                if (wrong_size) {
                    snprintf(s->first_skip, sizeof s->first_skip,
                             "%s: frame %llu, packet %zu: %s", origin,
                             (unsigned long long)s->in->seq, i, sp_errmsg());
                    uint16_t port = pk->port ? pk->port[i] : 0;
                    s->skip_model = sp_pcap_guess_model(
                        pkt, pk->length[i], port, s->skip_what,
                        sizeof s->skip_what, &s->skip_calib);
                }
            }
            return 0;
        }
        return sp_stage_fail(st, rc, "%s: frame %llu, packet %zu: %s", origin,
                             (unsigned long long)s->in->seq, i, sp_errmsg());
    }
    if (info->says && !s->noted_model) {
        s->noted_model = 1;
        sp_stage_note(st,
                      "%s: the packets' model byte 0x%02x says %s; decoding "
                      "them as %s (model=)",
                      origin, info->model_byte, info->says,
                      sp_lidar_model_what(sp_lidardec_model(s->dec)));
    }
    return 1;
}

/* The input ended with every packet of another size than the model's: an
 * error (an empty run would hide a wrong model=), saying what the packets
 * look like and what decodes them. */
static int fail_none_decoded(sp_stage *st, lidar_stage *s)
{
    sp_lidar_model model = sp_lidardec_model(s->dec);
    /* Advice for another model=, not the one asked for already (Ouster
     * packets of another profile than the metadata's): there, what they
     * look like is all there is to say. */
    const char *asked = sp_lidar_model_name(model);
    int advise = s->skip_model && !(asked && !strcmp(asked, s->skip_model));
    char look[256] = "";
    if (advise)
        snprintf(look, sizeof look,
                 "; they look like %s: decode them with `lidar model=%s%s%s`",
                 s->skip_what, s->skip_model, s->skip_calib ? " calib=" : "",
                 s->skip_calib ? s->skip_calib : "");
    else if (s->skip_what[0] && strcmp(s->skip_what, "unknown") != 0)
        snprintf(look, sizeof look, "; they look like %s", s->skip_what);
    if (s->ou_meta)
        return sp_stage_fail(st, SP_EFORMAT,
                             "no packet matches the Ouster metadata (%llu of "
                             "another size)%s; the first: %s",
                             (unsigned long long)s->skipped_size, look,
                             s->first_skip);
    return sp_stage_fail(
        st, SP_EFORMAT,
        "no packet is a %s packet (%llu of another size)%s; the first: %s",
        sp_lidar_model_what(model), (unsigned long long)s->skipped_size, look,
        s->first_skip);
}

static void release_in(lidar_stage *s)
{
    sp_frame_unref(s->in);
    s->in = NULL;
}

/* cut=message: the whole packet frame is one scan. */
static int decode_message(sp_stage *st, lidar_stage *s, sp_frame **out)
{
    const sp_packets *pk = &s->in->u.packets;
    /* The largest message so far sizes every cloud: one size of block
     * however the messages vary (a short last batch), so the pools do not
     * grow after warm-up. */
    size_t cap = pk->count * sp_lidardec_max_points(s->dec);
    if (cap > s->msg_cap)
        s->msg_cap = cap;
    cap = s->msg_cap;
    int64_t t0 = pk->count ? pk->stamp_ns[0] : s->in->timestamp_ns;
    SP_TRY(new_scan(st, s, s->in, cap, t0));
    s->out->timestamp_ns = s->in->timestamp_ns;
    if (pk->count > s->batch_cap) {
        /* A message one packet longer than any before must not cost
         * another heap call. */
        size_t want = sp__grow_size(pk->count, 1);
        sp_lidardec_packet *nb = want && want <= SIZE_MAX / sizeof *nb
                                     ? realloc(s->batch, want * sizeof *nb)
                                     : NULL;
        if (!nb)
            return sp_stage_fail(st, SP_ENOMEM, "%zu packets: out of memory",
                                 pk->count);
        s->batch = nb;
        s->batch_cap = want;
    }
    size_t nb = 0;
    for (size_t i = 0; i < pk->count; i++) {
        sp_lidardec_info info;
        int rc = check_packet(st, s, i, &info);
        if (rc < 0)
            return rc;
        if (rc == 1)
            s->batch[nb++] = (sp_lidardec_packet){
                sp_packets_at(pk, i), pk->length[i], 0, info.ncols,
                (double)(pk->stamp_ns[i] - s->t0) * 1e-9};
    }
    sp_points *p = &s->out->u.points;
    sp_lidardec_out o = {
        .pts = p,
        .azimuth = p->extra[s->az_extra].data,
        .distance = p->extra[s->dist_extra].data,
        .return_type = p->extra[s->rt_extra].data,
    };
    int rc = sp_lidardec_decode_packets(s->dec, s->batch, nb, &o);
    s->decoded += nb;
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    release_in(s);
    emit(s, out);
    return SP_OK;
}

/* Position of @p az past the cut angle, 0..35999 (0.01 deg). */
static int32_t past_cut(const lidar_stage *s, uint16_t az)
{
    return ((int32_t)az - s->cut_cd + 36000) % 36000;
}

/* Columns whose azimuth is this close to the cut may hold points of either
 * scan: a laser's azimuth offset (Hesai up to ~10 deg) moves its points
 * across the cut. */
#define NEAR_CD 2000

/* Copy point @p i of @p a to index @p j of @p b (same layout). */
static void copy_point(const sp_points *a, size_t i, sp_points *b, size_t j)
{
    b->x[j] = a->x[i];
    b->y[j] = a->y[i];
    b->z[j] = a->z[i];
    b->intensity[j] = a->intensity[i];
    b->ring[j] = a->ring[i];
    b->time[j] = a->time[i];
    for (unsigned e = 0; e < a->nextra; e++) {
        size_t w = sp_points_extra_stride(&a->extra[e]);
        memcpy((uint8_t *)b->extra[e].data + j * w,
               (const uint8_t *)a->extra[e].data + i * w, w);
    }
}

/* The scan is complete: each point near the cut goes to the scan its own
 * azimuth (not its column's) says — decoded before the columns passed the
 * cut but already past the cut angle: the next scan; decoded after but
 * not yet past it: this one. Order is kept (the next scan starts with the
 * points moved from before the cut), as nebula's decoder does. */
static int split_scan(sp_stage *st, lidar_stage *s, sp_frame **out)
{
    sp_frame *cur = s->out;
    sp_points *p = &cur->u.points;
    int64_t t0_old = s->t0;
    s->out = NULL;
    int rc = new_scan(st, s, cur, s->scan_cap, s->t0_next);
    if (rc < 0) {
        s->out = cur;
        return rc;
    }
    sp_points *q = &s->out->u.points;
    const float *az = p->extra[s->az_extra].data;
    float dt = (float)((double)(t0_old - s->t0_next) * 1e-9);
    size_t w = s->near_idx, n = p->count;
    for (size_t i = s->near_idx; i < n; i++) {
        int32_t a = (int32_t)lrintf(az[i] * 100.0f);
        int32_t r = ((a - s->cut_cd) % 36000 + 36000) % 36000;
        int to_next = i < s->cut_idx ? r < NEAR_CD : r <= 36000 - NEAR_CD;
        if (to_next) {
            copy_point(p, i, q, q->count);
            q->time[q->count] += dt;
            q->count++;
        } else {
            if (w != i)
                copy_point(p, i, p, w);
            w++;
        }
    }
    p->count = w;
    s->cut_seen = 0;
    s->near_set = 0;
    s->out_keep = s->out;
    s->out = cur;
    emit(s, out);
    s->out = s->out_keep;
    s->out_keep = NULL;
    return SP_OK;
}

/* cut=angle: walk packets and columns; returns 1 when a scan is complete
 * in *out, 0 when the input frame is used up. */
static int decode_angle(sp_stage *st, lidar_stage *s, sp_frame **out)
{
    const sp_packets *pk = &s->in->u.packets;
    for (; s->in_pkt < pk->count; s->in_pkt++, s->in_col = 0) {
        size_t i = s->in_pkt;
        sp_lidardec_info info;
        int rc = check_packet(st, s, i, &info);
        if (rc < 0)
            return rc;
        if (rc == 0)
            continue;
        const uint8_t *pkt = sp_packets_at(pk, i);
        if (!s->out)
            SP_TRY(new_scan(st, s, s->in, s->scan_cap, pk->stamp_ns[i]));
        sp_points *p = &s->out->u.points;
        if (p->count + sp_lidardec_max_points(s->dec) + 8 > p->capacity) {
            /* Rotating slower than the model's slowest: cut here. */
            if (!s->noted_cap++)
                sp_stage_note(st,
                              "a scan outgrew %zu points (the sensor turns "
                              "slower than 300 rpm, or no column passes "
                              "cut=): cut early",
                              s->scan_cap);
            s->cut_seen = 0;
            s->near_set = 0;
            emit(s, out);
            return 1;
        }
        if (info.frame_id >= 0 && s->cut == CUT_AUTO) {
            /* The sensor numbers its frames (Ouster): a scan is one frame
             * id; the packet of the next one starts the next scan. */
            if (s->have_fid && info.frame_id != s->fid && s->in_col == 0) {
                s->fid = info.frame_id;
                emit(s, out);
                return 1;
            }
            s->fid = info.frame_id;
            s->have_fid = 1;
            SP_TRY(decode_cols(st, s, pkt, pk->length[i], pk->stamp_ns[i],
                               s->in_col, info.ncols));
            continue;
        }
        unsigned c0 = s->in_col;
        for (unsigned c = c0; c < info.ncols; c++) {
            int32_t r = past_cut(s, info.col_az[c]);
            int32_t prev = s->have_prev ? past_cut(s, s->prev_az) : r;
            s->prev_az = info.col_az[c];
            s->have_prev = 1;
            if (!s->cut_seen && !s->near_set && r >= 36000 - NEAR_CD) {
                SP_TRY(decode_cols(st, s, pkt, pk->length[i], pk->stamp_ns[i],
                                   c0, c));
                c0 = c;
                s->near_idx = p->count;
                s->near_set = 1;
            }
            if (!s->cut_seen && r < prev) {
                SP_TRY(decode_cols(st, s, pkt, pk->length[i], pk->stamp_ns[i],
                                   c0, c));
                c0 = c;
                if (!s->near_set)
                    s->near_idx = 0;
                s->near_set = 1;
                s->cut_idx = p->count;
                s->cut_seen = 1;
                s->t0_next = pk->stamp_ns[i];
            }
            if (s->cut_seen && r >= NEAR_CD) {
                SP_TRY(decode_cols(st, s, pkt, pk->length[i], pk->stamp_ns[i],
                                   c0, c));
                s->in_col = c;
                /* This column is decoded again into the next scan: forget
                 * it was seen so it is not a cut again. */
                SP_TRY(split_scan(st, s, out));
                return 1;
            }
        }
        SP_TRY(decode_cols(st, s, pkt, pk->length[i], pk->stamp_ns[i], c0,
                           info.ncols));
    }
    release_in(s);
    return 0;
}

/* Ouster without calib=: the decoder is made from the first packet frame
 * that carries the sensor's metadata. */
static int ouster_lazy(sp_stage *st, lidar_stage *s)
{
    const sp_packets *pk = &s->in->u.packets;
    const char *origin = s->in->origin ? s->in->origin : s->in->stream;
    if (!pk->meta_size)
        return sp_stage_fail(st, SP_EINVAL,
                             "%s: model=ouster needs the sensor's metadata "
                             "JSON: give calib=FILE (these packets carry "
                             "none)",
                             origin);
    int rc = sp_ouster_meta_parse(pk->meta, pk->meta_size, origin, s->ou_meta);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    return ouster_create(st, s);
}

/* image=: the scan just cut, as its range image (a tensor frame with the
 * scan's metadata) in place of its points. */
static int to_image(sp_stage *st, lidar_stage *s, sp_frame **out)
{
    size_t shape[3];
    SP_TRY(sp_lidardec_image_shape(s->dec, shape));
    sp_frame *img = NULL;
    int rc = sp_frame_create_tensor(sp_stage_poolmgr(st), SP_DTYPE_F32, 3,
                                    shape, &img);
    if (rc < 0)
        return sp_stage_fail(st, rc, "a range image: %s", sp_errmsg());
    sp_frame_copy_meta(img, *out);
    img->seq = (*out)->seq;
    img->timestamp_ns = (*out)->timestamp_ns;
    img->sensor = SP_SENSOR_TENSOR;
    rc = sp_lidardec_range_image(s->dec, s->image == 2, &img->u.tensor);
    sp_frame_unref(*out);
    *out = NULL;
    if (rc < 0) {
        sp_frame_unref(img);
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    }
    *out = img;
    return SP_OK;
}

static int pull_scan(sp_stage *st, lidar_stage *s, sp_frame **out)
{
    for (;;) {
        if (!s->in) {
            sp_frame *f = NULL;
            int rc = sp_stage_pull_upstream(st, &f);
            if (rc == SP_EOS && s->out && s->out->u.points.count) {
                if (s->have_fid) {
                    /* A frame-numbered sensor's last frame: whole or not,
                     * the input ends there. */
                } else if (!s->noted_partial++) {
                    sp_stage_note(st, "the last scan ends with the input, "
                                      "before its cut: kept as it is");
                }
                emit(s, out);
                return SP_OK;
            }
            if (rc == SP_EOS && s->decoded == 0 && s->skipped_size)
                return fail_none_decoded(st, s);
            if (rc != SP_OK)
                return rc;
            if (!sp__filter_wants(st, f, SP_PAYLOAD_PACKETS)) {
                *out = f;
                return SP_OK;
            }
            s->in = f;
            s->in_pkt = 0;
            s->in_col = 0;
            if (!s->dec)
                SP_TRY(ouster_lazy(st, s));
        }
        int by_message =
            s->cut == CUT_MESSAGE ||
            (s->cut == CUT_AUTO && (s->in->u.packets.flags & SP_PACKETS_SCAN));
        if (by_message)
            return decode_message(st, s, out);
        int rc = decode_angle(st, s, out);
        if (rc < 0)
            return rc;
        if (rc == 1)
            return SP_OK;
    }
}

static int lidar_pull(sp_stage *st, sp_frame **out)
{
    lidar_stage *s = sp_stage_priv(st);
    *out = NULL;
    uint64_t before = s->seq;
    int rc = pull_scan(st, s, out);
    if (rc == SP_OK && s->image && *out && s->seq != before)
        return to_image(st, s, out);
    return rc;
}

static void lidar_fini(sp_stage *st)
{
    lidar_stage *s = sp_stage_priv(st);
    if (s->skipped_size || s->skipped_bad)
        sp_stage_note(st,
                      "%llu packets of another size and %llu damaged packets "
                      "skipped",
                      (unsigned long long)s->skipped_size,
                      (unsigned long long)s->skipped_bad);
    sp_frame_unref(s->in);
    sp_frame_unref(s->out);
    s->in = s->out = NULL;
    sp_lidardec_destroy(s->dec);
    s->dec = NULL;
    free(s->ou_meta);
    free(s->batch);
    s->ou_meta = NULL;
}

const sp_stage_class sp__stage_lidar = {
    .name = "lidar",
    .description = "decodes lidar packets (Velodyne, Hesai, Ouster) into one "
                   "point cloud per scan",
    .takes = "packets (pcap captures, VelodyneScan / PandarScan / Ouster "
             "PacketMsg bag messages)",
    .gives =
        "points per scan (intensity, ring, time; extras azimuth, distance, "
        "return_type, and reflectivity, nir for Ouster), same stream; "
        "model=ouster image=: a float32 (5, beams, columns) tensor",
    .props = lidar_props,
    .nprops = sizeof lidar_props / sizeof lidar_props[0],
    .priv_size = sizeof(lidar_stage),
    .init = lidar_init,
    .pull = lidar_pull,
    .fini = lidar_fini,
};
