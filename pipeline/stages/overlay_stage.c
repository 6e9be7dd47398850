/* The `overlay` stage: the lidar points of a sample drawn over its camera
 * image, coloured by depth — the picture that shows whether a calibration
 * is right. Each camera frame (streams=) is paired with the sweep of the
 * same sample (pair_int.h: nearest in time within sync=, among the streams
 * in lidar=); the sweep is projected with the calibration projcal_int.h
 * picks (calib= or the frames' own) into a depth image the size of the
 * camera frame (sp_project_depth, every back-end), then drawn as dots
 * (sp_overlay_draw). The output is an RGB8 image frame in stream
 * "overlay/<camera stream>", with the camera frame's seq and time. Sweeps
 * pass on untouched; the camera frame follows its overlay with image=true.
 * A camera frame with no sweep near enough is drawn without points, and a
 * note says how many were. */
#include <stdio.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "pair_int.h"
#include "projcal_int.h"
#include "sp_convert.h"
#include "sp_overlay.h"
#include "sp_project.h"
#include "sp_stage.h"

typedef struct overlay_stage {
    sp__projcal cal;
    sp__pair pair; /* each camera frame with its sweep */
    sp_overlay_params draw;
    int forward_image;
    sp_frame *pending;
} overlay_stage;

static const sp_prop_spec overlay_props[] = {
    {.name = "calib",
     .type = SP_PROP_STRING,
     .optional = 1,
     .help = "calibration file, as project's calib= (KITTI, a bare 3x4/4x4 "
             "matrix; a rigid [R|t] goes with the camera's CameraInfo); "
             "unset: the frames' calibration from their source"},
    {.name = "lidar",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "lidar streams drawn (comma list, trailing '*'); empty: any "
             "points stream"},
    {.name = "sync",
     .type = SP_PROP_TIME,
     .def = "0.05",
     .min = 0,
     .max = 3600,
     .help = "seconds between a camera frame and its sweep at most (the same "
             "sample)"},
    {.name = "range",
     .type = SP_PROP_RANGE,
     .def = "0:50",
     .min = 0,
     .max = 1e6,
     .help = "near:far depth in metres of the colour ramp, red (near) to "
             "blue (far)"},
    {.name = "radius",
     .type = SP_PROP_INT,
     .def = "1",
     .min = 0,
     .max = 16,
     .help = "dot half-size in pixels (0: one pixel, 1: 3x3)"},
    {.name = "image",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "also pass the camera frame downstream after its overlay"},
    SP__STREAMS_PROP,
};

static int overlay_upstream(sp_stage *st, sp_frame **out)
{
    overlay_stage *o = sp_stage_priv(st);
    return sp__pair_next(st, &o->pair, out);
}

static int overlay_init(sp_stage *st)
{
    overlay_stage *o = sp_stage_priv(st);
    const sp_prop_value *cal = sp_stage_prop(st, "calib");
    const sp_prop_value *range = sp_stage_prop(st, "range");
    o->draw.near = range->lo;
    o->draw.far = range->hi;
    o->draw.radius = (int)sp_stage_prop_int(st, "radius");
    if (!(o->draw.far > o->draw.near))
        return sp_stage_fail(
            st, SP_EINVAL, "range=%s: expected near < far (metres)", range->s);
    o->forward_image = sp_stage_prop_bool(st, "image");
    o->pair.sync_ns = (int64_t)(sp_stage_prop_float(st, "sync") * 1e9 + 0.5);
    o->pair.primary_payload = SP_PAYLOAD_IMAGE;
    o->pair.primary_streams = sp_stage_prop_str(st, "streams");
    o->pair.partner_payload = SP_PAYLOAD_POINTS;
    o->pair.partner_streams = sp_stage_prop_str(st, "lidar");
    if (cal->set && cal->s && cal->s[0])
        SP_TRY(sp__projcal_load(st, &o->cal, cal->s));
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return SP_OK;
}

static int overlay_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    (void)st;
    const sp_image *im = &in->u.image;
    sp_convert_desc to_rgb = {.to = SP_CONVERT_RGB};
    sp_pixfmt fmt;
    uint32_t w, h;
    int rc = sp_convert_output(&to_rgb, im, &fmt, &w, &h);
    if (rc < 0)
        return sp__fail(SP_EINVAL,
                        "image %ux%u %s cannot be drawn on, expected rgb8, "
                        "bgr8, rgba8, gray8, nv12 or yuyv (debayer or convert "
                        "it first)",
                        im->width, im->height,
                        sp_pixfmt_name(im->format) ? sp_pixfmt_name(im->format)
                                                   : "invalid");
    o->payload = SP_PAYLOAD_IMAGE;
    o->width = w;
    o->height = h;
    o->format = fmt;
    return SP_OK;
}

/* The sweep projected to a depth image the camera frame's size, in a
 * frame from the pool (released before returning). */
static int draw_sweep(sp_stage *st, overlay_stage *o, const sp_frame *cam,
                      const sp_frame *sweep, sp_image *img)
{
    const sp_calib *cal = NULL;
    sp_project_params pp;
    memset(&pp, 0, sizeof pp);
    SP_TRY(sp__projcal_pick(&o->cal, sweep, cam, &cal));
    int rc = sp_project_params_from_calib(cal, &pp);
    if (rc < 0)
        return sp__fail_context(
            rc, "calibration %s: ", cal->source[0] ? cal->source : "(unnamed)");
    pp.width = (int)img->width;
    pp.height = (int)img->height;
    size_t shape[2];
    SP_TRY(sp_project_shape(&pp, shape));
    sp_frame *depth = NULL;
    SP_TRY(sp_frame_create_tensor(sp_stage_poolmgr(st), SP_DTYPE_F32, 2, shape,
                                  &depth));
    sp_kctx *k = sp_stage_kctx(st);
    rc = sp_project_depth(k, &pp, &sweep->u.points, &depth->u.tensor);
    if (rc == SP_OK)
        rc = sp_overlay_draw(k, &o->draw, &depth->u.tensor, img);
    sp_frame_unref(depth);
    return rc;
}

static int overlay_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    overlay_stage *o = sp_stage_priv(st);
    const char *cs = in->stream;
    while (*cs == '/')
        cs++;
    snprintf(res->stream, sizeof res->stream, "overlay/%.*s",
             (int)sizeof res->stream - 9, cs);
    sp_convert_desc to_rgb = {.to = SP_CONVERT_RGB};
    SP_TRY(sp_convert(sp_stage_kctx(st), &to_rgb, &in->u.image, &res->u.image));
    const sp_frame *sweep = sp__pair_partner(&o->pair);
    if (!sweep) {
        sp_stage_note(st,
                      "a camera frame had no sweep within sync=%g s: drawn "
                      "without points",
                      (double)o->pair.sync_ns / 1e9);
        return SP_OK;
    }
    return draw_sweep(st, o, in, sweep, &res->u.image);
}

static const sp__filter_ops overlay_ops = {
    .input = SP_PAYLOAD_IMAGE,
    .stream = NULL, /* named in run(): overlay/<camera stream> */
    .prepare = overlay_prepare,
    .run = overlay_run,
    .upstream = overlay_upstream,
};

static int overlay_pull(sp_stage *st, sp_frame **out)
{
    overlay_stage *o = sp_stage_priv(st);
    return sp__filter_pull(st, &overlay_ops,
                           o->forward_image ? &o->pending : NULL, out);
}

static void overlay_fini(sp_stage *st)
{
    overlay_stage *o = sp_stage_priv(st);
    sp_frame_unref(o->pending);
    o->pending = NULL;
    sp__pair_clear(&o->pair);
}

const sp_stage_class sp__stage_overlay = {
    .name = "overlay",
    .description = "a sample's lidar points over its camera image, coloured "
                   "by depth (red near, blue far), to check a calibration; "
                   "calib= range= radius=",
    .takes = "image and points of the same sample (with a calibration)",
    .gives = "image rgb8 on stream overlay/<camera stream> (+ the points "
             "unchanged; the camera image with image=true)",
    .props = overlay_props,
    .nprops = sizeof overlay_props / sizeof overlay_props[0],
    .priv_size = sizeof(overlay_stage),
    .init = overlay_init,
    .pull = overlay_pull,
    .fini = overlay_fini,
};
