/* The `synth` source: a synthetic sensor rig that needs no files.
 *
 * A spinning 64-beam lidar (stream "velodyne", points with ring and time)
 * and a Bayer RGGB camera (stream "image_02") looking at one deterministic
 * street per seed (synth_scene.c). Sweep k starts at k * 100 ms; the camera
 * exposes image k at k * 100 ms + 50 ms, when the lidar faces forward (it
 * starts behind the car), so frames come interleaved in timestamp order:
 * velodyne 0, image_02 0, velodyne 1, ... Traffic moves between frames.
 * Every frame carries the rig's calibration (KITTI layout: P2, R0_rect,
 * Tr_velo_to_cam, and K with zero distortion), which projects the lidar
 * onto the rendered image.
 *
 * Nothing is computed before a pull; each pull computes one frame into a
 * pool block. frames= counts per sensor. */
#include <string.h>

#include "error_int.h"
#include "sp_stage.h"
#include "synth_int.h"

#define SWEEP_NS 100000000LL
#define CAMERA_OFFSET_NS 50000000LL

typedef struct synth {
    sp__synth_scene scene; /* at t = 0 */
    sp__synth_scene now;   /* the scene at the frame being made */
    sp__synth_lidar lidar;
    sp_calib calib;
    uint64_t seed;
    uint64_t frames;
    int lidar_on, camera_on;
    uint32_t width, height;
    sp_pixfmt format;
    uint64_t next_lidar, next_camera;
} synth;

/* frames <= 1e10: sweep timestamps (k * 100 ms in ns) stay within int64. */
static const sp_prop_spec synth_props[] = {
    {.name = "frames",
     .type = SP_PROP_INT,
     .def = "10",
     .min = 0,
     .max = 1e10,
     .help = "frames per sensor (lidar sweeps; camera images)"},
    {.name = "seed",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 0,
     .max = 9.2e18,
     .help = "scene and noise seed; the same seed gives the same frames"},
    {.name = "lidar",
     .type = SP_PROP_BOOL,
     .def = "true",
     .help = "produce 64-beam lidar sweeps (stream velodyne)"},
    {.name = "camera",
     .type = SP_PROP_BOOL,
     .def = "true",
     .help = "produce camera images (stream image_02)"},
    {.name = "width",
     .type = SP_PROP_INT,
     .def = "1242",
     .min = 2,
     .max = 16384,
     .help = "camera image width in pixels"},
    {.name = "height",
     .type = SP_PROP_INT,
     .def = "375",
     .min = 2,
     .max = 16384,
     .help = "camera image height in pixels (odd is fine: KITTI's is 375)"},
    {.name = "columns",
     .type = SP_PROP_INT,
     .def = "1800",
     .min = 1,
     .max = SP__SYNTH_AZIMUTHS,
     .help = "lidar azimuth steps per sweep (1800: 0.2 degrees; fewer make "
             "small sweeps, e.g. for tests under an emulator)"},
    {.name = "format",
     .type = SP_PROP_ENUM,
     .def = "bayer_rggb8",
     .choices = "bayer_rggb8|rgb8|gray8",
     .help = "camera pixel format (raw Bayer mosaic by default)"},
};

static int synth_init(sp_stage *st)
{
    synth *s = sp_stage_priv(st);
    s->frames = (uint64_t)sp_stage_prop_int(st, "frames");
    s->seed = (uint64_t)sp_stage_prop_int(st, "seed");
    s->lidar_on = sp_stage_prop_bool(st, "lidar");
    s->camera_on = sp_stage_prop_bool(st, "camera");
    s->width = (uint32_t)sp_stage_prop_int(st, "width");
    s->height = (uint32_t)sp_stage_prop_int(st, "height");
    static const sp_pixfmt formats[] = {SP_PIX_BAYER_RGGB8, SP_PIX_RGB8,
                                        SP_PIX_GRAY8};
    s->format = formats[sp_stage_prop(st, "format")->i];
    if (!s->lidar_on && !s->camera_on)
        return sp_stage_fail(
            st, SP_EINVAL,
            "lidar=false and camera=false leave nothing to produce, "
            "expected at least one sensor on");
    /* Set-up that is not per frame: the scene, the trigonometry tables and
     * the calibration. */
    sp__synth_scene_init(&s->scene, s->seed);
    sp__synth_lidar_init(&s->lidar, (int)sp_stage_prop_int(st, "columns"));
    sp__synth_calib(&s->calib, s->width, s->height);
    return SP_OK;
}

static int make_lidar(sp_stage *st, synth *s, sp_frame **out)
{
    uint64_t k = s->next_lidar;
    sp_frame *f = NULL;
    int rc = sp_frame_create_points(sp_stage_poolmgr(st),
                                    (size_t)SP__SYNTH_BEAMS *
                                        (size_t)s->lidar.columns,
                                    SP_POINTS_RING | SP_POINTS_TIME, &f);
    if (rc < 0)
        return sp__fail_context(rc,
                                "velodyne frame %llu: ", (unsigned long long)k);
    sp__synth_scene_at(&s->scene, (double)k * 0.1, &s->now);
    rc = sp__synth_lidar_sweep(
        &s->lidar, &s->now, sp__synth_frame_seed(s->seed, 0, k), &f->u.points);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    f->seq = k;
    f->timestamp_ns = (int64_t)k * SWEEP_NS;
    strcpy(f->stream, "velodyne");
    f->sensor = SP_SENSOR_LIDAR;
    f->payload = SP_PAYLOAD_POINTS;
    f->calib = &s->calib;
    f->origin = NULL;
    s->next_lidar++;
    *out = f;
    return SP_OK;
}

static int make_camera(sp_stage *st, synth *s, sp_frame **out)
{
    uint64_t k = s->next_camera;
    sp_frame *f = NULL;
    int rc = sp_frame_create_image(sp_stage_poolmgr(st), s->width, s->height,
                                   s->format, 0, &f);
    if (rc < 0)
        return sp__fail_context(rc,
                                "image_02 frame %llu: ", (unsigned long long)k);
    sp__synth_scene_at(&s->scene, (double)k * 0.1 + 0.05, &s->now);
    rc = sp__synth_camera_render(
        &s->now, &s->calib, sp__synth_frame_seed(s->seed, 1, k), &f->u.image);
    if (rc < 0) {
        sp_frame_unref(f);
        return rc;
    }
    f->seq = k;
    f->timestamp_ns = (int64_t)k * SWEEP_NS + CAMERA_OFFSET_NS;
    strcpy(f->stream, "image_02");
    f->sensor = SP_SENSOR_CAMERA;
    f->payload = SP_PAYLOAD_IMAGE;
    f->calib = &s->calib;
    f->origin = NULL;
    s->next_camera++;
    *out = f;
    return SP_OK;
}

static int synth_pull(sp_stage *st, sp_frame **out)
{
    synth *s = sp_stage_priv(st);
    *out = NULL;
    int lidar_left = s->lidar_on && s->next_lidar < s->frames;
    int camera_left = s->camera_on && s->next_camera < s->frames;
    /* Timestamp order: sweep k (k * 100 ms) before image k (+50 ms). */
    if (lidar_left && (!camera_left || s->next_lidar <= s->next_camera))
        return make_lidar(st, s, out);
    if (camera_left)
        return make_camera(st, s, out);
    return SP_EOS;
}

static int synth_length(sp_stage *st, uint64_t *frames)
{
    synth *s = sp_stage_priv(st);
    *frames = s->frames * (uint64_t)(s->lidar_on + s->camera_on);
    return SP_OK;
}

const sp_stage_class sp__stage_synth = {
    .name = "synth",
    .takes = "nothing (no files)",
    .gives = "points (x y z intensity ring time) on stream velodyne; "
             "image (bayer_rggb8, rgb8 or gray8) on image_02; with "
             "calibration",
    .description = "synthetic rig: 64-beam lidar and Bayer camera on a street, "
                   "no files needed",
    .props = synth_props,
    .nprops = sizeof synth_props / sizeof synth_props[0],
    .priv_size = sizeof(synth),
    .is_source = 1,
    .init = synth_init,
    .pull = synth_pull,
    .length = synth_length,
};
