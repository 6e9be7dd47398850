/* The `kitti` source: a KITTI raw drive or object set (see sp_kitti.h),
 * frames of the chosen streams in timestamp order, each read from its file
 * only when pulled, into a frame from the pool manager. Every frame carries
 * its calibration (borrowed from the reader); missing calibration files are
 * reported by the stage that needs them, through sp_calib.source. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "io_src_int.h"
#include "sp_kitti.h"
#include "sp_stage.h"

#define NSTREAMS 8

typedef struct kitti_src {
    sp_kitti *k;
    size_t next;
    uint64_t seq[NSTREAMS];
} kitti_src;

static const sp_prop_spec kitti_props[] = {
    {.name = "path",
     .type = SP_PROP_STRING,
     .help = "drive folder (..._drive_NNNN_sync) or object set (holding "
             "training/)"},
    {.name = "streams",
     .type = SP_PROP_STRING,
     .optional = 1,
     .help = "comma list of velodyne, image_00..image_03; unset = all found"},
    {.name = "start",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 1e12,
     .help = "first frame index within each stream"},
    {.name = "count",
     .type = SP_PROP_INT,
     .def = "0",
     .min = 0,
     .max = 1e12,
     .help = "frames per stream; 0 = to the end"},
    {.name = "step",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 1,
     .max = 1e9,
     .help = "take every step-th frame"},
    SP__ON_ERROR_PROP,
    SP__MAX_FRAME_PROP,
};

static int kitti_init(sp_stage *st)
{
    kitti_src *s = sp_stage_priv(st);
    const sp_prop_value *streams = sp_stage_prop(st, "streams");
    sp_kitti_desc d = {.streams = streams->set ? streams->s : NULL,
                       .start = sp_stage_prop_int(st, "start"),
                       .count = sp_stage_prop_int(st, "count"),
                       .step = sp_stage_prop_int(st, "step")};
    SP_TRY(sp_kitti_create(sp_stage_prop_str(st, "path"), &d, &s->k));
    return sp_kitti_set_poolmgr(s->k, sp_stage_poolmgr(st));
}

static int make_frame(sp_stage *st, size_t i, sp_frame **out)
{
    kitti_src *s = sp_stage_priv(st);
    sp_kitti_frame kf;
    const sp_calib *calib;
    sp_frame *f = NULL;
    int rc;
    SP_TRY(sp_kitti_frame_get(s->k, i, &kf));
    SP_TRY(sp_kitti_calib_get(s->k, i, &calib));
    if (kf.is_camera) {
        uint32_t w, h;
        sp_pixfmt fmt;
        SP_TRY(sp_kitti_image_shape(s->k, i, &w, &h, &fmt));
        rc = sp__src_frame_image(st, s->seq[kf.stream % NSTREAMS], w, h, fmt,
                                 kf.path, &f);
        if (rc < 0)
            return rc;
        rc = sp_kitti_image_read(s->k, i, &f->u.image);
        f->sensor = SP_SENSOR_CAMERA;
        f->payload = SP_PAYLOAD_IMAGE;
    } else {
        size_t n;
        SP_TRY(sp_kitti_points_shape(s->k, i, &n));
        rc = sp__src_frame_points(st, s->seq[kf.stream % NSTREAMS], n, 0,
                                  kf.path, &f);
        if (rc < 0)
            return rc;
        rc = sp_kitti_points_read(s->k, i, &f->u.points);
        f->sensor = SP_SENSOR_LIDAR;
        f->payload = SP_PAYLOAD_POINTS;
    }
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    f->seq = s->seq[kf.stream % NSTREAMS]++;
    f->timestamp_ns = kf.timestamp_ns;
    snprintf(f->stream, sizeof f->stream, "%s", kf.stream_name);
    f->calib = calib;
    f->origin = kf.path;
    *out = f;
    return SP_OK;
}

static int kitti_pull(sp_stage *st, sp_frame **out)
{
    kitti_src *s = sp_stage_priv(st);
    return sp__src_pull(st, &s->next, sp_kitti_frame_count(s->k), make_frame,
                        out);
}

static void kitti_fini(sp_stage *st)
{
    kitti_src *s = sp_stage_priv(st);
    sp_kitti_destroy(s->k);
    s->k = NULL;
}

const sp_stage_class sp__stage_kitti = {
    .name = "kitti",
    .description = "KITTI raw drive or object set: velodyne sweeps and camera "
                   "PNGs in timestamp order, with calibration",
    .props = kitti_props,
    .nprops = sizeof kitti_props / sizeof kitti_props[0],
    .priv_size = sizeof(kitti_src),
    .is_source = 1,
    .init = kitti_init,
    .pull = kitti_pull,
    .fini = kitti_fini,
};
