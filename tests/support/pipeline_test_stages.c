/* Test-only stage classes; see pipeline_test_stages.h. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "pipeline_test_stages.h"

static _Atomic uint64_t src_reads, pass_work, pass_through, sink_frames,
    sink_bad;
static _Atomic int kctx_backend = -1;

void pt_reset(void)
{
    atomic_store(&src_reads, 0);
    atomic_store(&pass_work, 0);
    atomic_store(&pass_through, 0);
    atomic_store(&sink_frames, 0);
    atomic_store(&sink_bad, 0);
    atomic_store(&kctx_backend, -1);
}

pt_counts pt_get(void)
{
    pt_counts c = {atomic_load(&src_reads),    atomic_load(&pass_work),
                   atomic_load(&pass_through), atomic_load(&sink_frames),
                   atomic_load(&sink_bad),     atomic_load(&kctx_backend)};
    return c;
}

uint64_t pt_blocks_in_use(const sp_poolmgr *mgr)
{
    uint64_t n = 0;
    for (size_t i = 0; i < sp_poolmgr_pool_count(mgr); i++) {
        sp_pool_stats s;
        if (sp_poolmgr_stats_get(mgr, i, &s) == 0)
            n += s.in_use;
    }
    return n;
}

/* ---- tsrc ---- */

typedef struct tsrc {
    uint64_t next;
    int64_t frames, points, fail_at, kind, dist_model;
    sp_calib calib; /* attached to camera frames when dist_model >= 0 */
} tsrc;

static const sp_prop_spec tsrc_props[] = {
    {"frames", SP_PROP_INT, "10", 0, 100000000, NULL, "frames to produce", 0},
    {"points", SP_PROP_INT, "100", 0, 1000000, NULL, "points per frame", 0},
    {"kind", SP_PROP_ENUM, "lidar", 0, 0, "lidar|camera|mixed",
     "what to produce", 0},
    {"fail_at", SP_PROP_INT, "-1", -1, 100000000, NULL, "fail at this frame",
     0},
    {"dist_model", SP_PROP_INT, "-1", -1, 2, NULL,
     "attach a calibration with this sp_dist_model to camera frames", 0},
};

static int tsrc_init(sp_stage *st)
{
    tsrc *s = sp_stage_priv(st);
    s->frames = sp_stage_prop_int(st, "frames");
    s->points = sp_stage_prop_int(st, "points");
    s->kind = sp_stage_prop_int(st, "kind");
    s->fail_at = sp_stage_prop_int(st, "fail_at");
    s->dist_model = sp_stage_prop_int(st, "dist_model");
    if (s->dist_model >= 0) {
        static const double K[9] = {20, 0, 8, 0, 20, 4, 0, 0, 1};
        memset(&s->calib, 0, sizeof s->calib);
        s->calib.has_K = 1;
        memcpy(s->calib.K, K, sizeof K);
        s->calib.dist_model = (int)s->dist_model;
        s->calib.dist[0] = -0.2;
        s->calib.dist[1] = 0.05;
        s->calib.width = 16;
        s->calib.height = 8;
        strcpy(s->calib.source, "tsrc calibration");
    }
    return SP_OK;
}

static int tsrc_pull(sp_stage *st, sp_frame **out)
{
    tsrc *s = sp_stage_priv(st);
    sp_frame *f;
    int rc;

    if ((int64_t)s->next >= s->frames)
        return SP_EOS;
    if ((int64_t)s->next == s->fail_at)
        return sp_stage_fail(st, SP_EIO, "injected failure at frame %llu",
                             (unsigned long long)s->next);
    int camera = s->kind == 1 || (s->kind == 2 && (s->next & 1));
    if (camera) {
        rc = sp_frame_create_image(sp_stage_poolmgr(st), 16, 8, SP_PIX_GRAY8, 0,
                                   &f);
        if (rc < 0)
            return rc;
        for (uint32_t y = 0; y < 8; y++)
            memset(sp_image_row(&f->u.image, y), (int)(s->next & 0xff), 16);
        strcpy(f->stream, "image_02");
        if (s->dist_model >= 0)
            f->calib = &s->calib;
    } else {
        rc = sp_frame_create_points(sp_stage_poolmgr(st), (size_t)s->points, 0,
                                    &f);
        if (rc < 0)
            return rc;
        for (size_t j = 0; j < (size_t)s->points; j++) {
            f->u.points.x[j] = (float)(s->next + j);
            f->u.points.y[j] = f->u.points.z[j] = 0;
            f->u.points.intensity[j] = 1;
        }
        f->u.points.count = (size_t)s->points;
        strcpy(f->stream, "velodyne");
    }
    f->seq = s->next++;
    f->timestamp_ns = (int64_t)f->seq * 100000000;
    atomic_fetch_add(&src_reads, 1);
    *out = f;
    return SP_OK;
}

static const sp_stage_class tsrc_class = {
    .name = "tsrc",
    .description = "test source counting its reads",
    .props = tsrc_props,
    .nprops = sizeof tsrc_props / sizeof tsrc_props[0],
    .priv_size = sizeof(tsrc),
    .is_source = 1,
    .init = tsrc_init,
    .pull = tsrc_pull,
};

/* ---- tpass ---- */

static const sp_prop_spec tpass_props[] = {
    {"add", SP_PROP_FLOAT, "1", 0, 0, NULL, "added to x", 0},
    {"kctx", SP_PROP_BOOL, "false", 0, 0, NULL, "use the kernel context", 0},
};

static int tpass_pull(sp_stage *st, sp_frame **out)
{
    sp_frame *in, *f;
    int rc = sp_stage_pull_upstream(st, &in);

    if (rc != SP_OK)
        return rc;
    if (in->payload != SP_PAYLOAD_POINTS) {
        atomic_fetch_add(&pass_through, 1);
        *out = in;
        return SP_OK;
    }
    if (sp_stage_prop_bool(st, "kctx")) {
        sp_kctx *k = sp_stage_kctx(st);
        if (k == NULL) {
            sp_frame_unref(in);
            return SP_EUNSUPPORTED;
        }
        atomic_store(&kctx_backend, (int)sp_kctx_backend(k));
    }
    rc = sp_frame_create_points(sp_stage_poolmgr(st), in->u.points.count,
                                in->u.points.fields, &f);
    if (rc < 0) {
        sp_frame_unref(in);
        return rc;
    }
    float add = (float)sp_stage_prop_float(st, "add");
    for (size_t j = 0; j < in->u.points.count; j++) {
        f->u.points.x[j] = in->u.points.x[j] + add;
        f->u.points.y[j] = in->u.points.y[j];
        f->u.points.z[j] = in->u.points.z[j];
        f->u.points.intensity[j] = in->u.points.intensity[j];
    }
    f->u.points.count = in->u.points.count;
    sp_frame_copy_meta(f, in);
    sp_frame_unref(in);
    atomic_fetch_add(&pass_work, 1);
    *out = f;
    return SP_OK;
}

static const sp_stage_class tpass_class = {
    .name = "tpass",
    .description = "test filter: x += add on lidar frames",
    .props = tpass_props,
    .nprops = sizeof tpass_props / sizeof tpass_props[0],
    .pull = tpass_pull,
};

/* ---- tsink ---- */

static const sp_prop_spec tsink_props[] = {
    {"fail_at", SP_PROP_INT, "-1", -1, 100000000, NULL, "fail at this frame",
     0},
};

static int tsink_pull(sp_stage *st, sp_frame **out)
{
    sp_frame *f;
    int rc = sp_stage_pull_upstream(st, &f);
    int bad = 0;

    if (rc != SP_OK)
        return rc;
    if ((int64_t)f->seq == sp_stage_prop_int(st, "fail_at")) {
        /* The number is read before the frame goes back: once released,
         * its block may already hold another thread's next frame. */
        unsigned long long seq = (unsigned long long)f->seq;
        sp_frame_unref(f);
        return sp_stage_fail(st, SP_EIO, "injected write failure at frame %llu",
                             seq);
    }
    if (f->payload == SP_PAYLOAD_POINTS) {
        for (size_t j = 1; j < f->u.points.count; j++)
            bad |= f->u.points.x[j] - f->u.points.x[0] != (float)j;
    } else if (f->payload == SP_PAYLOAD_IMAGE) {
        bad |= f->u.image.data[0] != (uint8_t)(f->seq & 0xff);
    }
    if (bad)
        atomic_fetch_add(&sink_bad, 1);
    atomic_fetch_add(&sink_frames, 1);
    *out = f;
    return SP_OK;
}

static const sp_stage_class tsink_class = {
    .name = "tsink",
    .description = "test sink: checks and returns frames",
    .props = tsink_props,
    .nprops = sizeof tsink_props / sizeof tsink_props[0],
    .is_sink = 1,
    .pull = tsink_pull,
};

static void do_register(void)
{
    sp_stage_class_register(&tsrc_class);
    sp_stage_class_register(&tpass_class);
    sp_stage_class_register(&tsink_class);
}

void pt_register(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, do_register);
}
