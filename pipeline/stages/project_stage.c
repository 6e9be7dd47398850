/* The `project` stage: projects each lidar frame into the camera as a
 * sparse depth image, a float32 tensor (height, width) frame named "depth"
 * (nearest point per pixel, 0 where empty; see sp_project.h). Each sweep is
 * paired with the camera frame of the same sample (pair_int.h: nearest in
 * time within sync=, among the streams in camera=), whose size the depth
 * image takes unless width=/height= are given, and whose calibration it
 * uses with calib= as projcal_int.h says (calib= takes every form
 * sp_calib_load() reads). With points=true the input points frame follows
 * the depth image downstream. Frames without points pass through
 * untouched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "pair_int.h"
#include "projcal_int.h"
#include "sp_project.h"
#include "sp_stage.h"

typedef struct project_stage {
    sp__projcal cal;
    sp__pair pair; /* each sweep with its camera frame */
    int width, height;
    double min_depth;
    int forward_points;
    sp_frame *pending;
    sp_project_params pp; /* the current frame's, from prepare to run */
} project_stage;

static const sp_prop_spec project_props[] = {
    {.name = "calib",
     .type = SP_PROP_STRING,
     .optional = 1,
     .help = "calibration file: KITTI (object file, raw drive's pair or "
             "folder) or a bare 3x4/4x4 matrix (lidar2img, or a rigid "
             "lidar-to-camera [R|t] used with the camera frame's CameraInfo); "
             "unset: the frames' calibration from their source"},
    {.name = "width",
     .type = SP_PROP_INT,
     .optional = 1,
     .min = 1,
     .max = 32768,
     .help = "camera image width; unset: the camera frame's of the same "
             "sample, else the calibration's"},
    {.name = "height",
     .type = SP_PROP_INT,
     .optional = 1,
     .min = 1,
     .max = 32768,
     .help = "camera image height; unset: as width"},
    {.name = "camera",
     .type = SP_PROP_STRING,
     .def = "",
     .help = "camera streams a sweep is paired with (comma list, trailing "
             "'*'); empty: any image stream"},
    {.name = "sync",
     .type = SP_PROP_TIME,
     .def = "0.05",
     .min = 0,
     .max = 3600,
     .help = "seconds between a sweep and its camera frame at most (the "
             "same sample)"},
    {.name = "min_depth",
     .type = SP_PROP_FLOAT,
     .def = "0.001",
     .min = 1e-9,
     .max = 1e6,
     .help = "points at or behind this depth in front of the camera are "
             "dropped (metres)"},
    {.name = "points",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "also pass the input points downstream after the depth image"},
    SP__STREAMS_PROP,
};

static int project_upstream(sp_stage *st, sp_frame **out)
{
    project_stage *p = sp_stage_priv(st);
    return sp__pair_next(st, &p->pair, out);
}

static int project_init(sp_stage *st)
{
    project_stage *p = sp_stage_priv(st);
    const sp_prop_value *cal = sp_stage_prop(st, "calib");
    const sp_prop_value *w = sp_stage_prop(st, "width");
    const sp_prop_value *h = sp_stage_prop(st, "height");
    if (w->set != h->set)
        return sp_stage_fail(st, SP_EINVAL,
                             "property '%s' given without '%s', expected "
                             "both or neither",
                             w->set ? "width" : "height",
                             w->set ? "height" : "width");
    p->width = w->set ? (int)w->i : 0;
    p->height = h->set ? (int)h->i : 0;
    p->min_depth = sp_stage_prop_float(st, "min_depth");
    p->forward_points = sp_stage_prop_bool(st, "points");
    p->pair.sync_ns = (int64_t)(sp_stage_prop_float(st, "sync") * 1e9 + 0.5);
    p->pair.primary_payload = SP_PAYLOAD_POINTS;
    p->pair.primary_streams = sp_stage_prop_str(st, "streams");
    p->pair.partner_payload = SP_PAYLOAD_IMAGE;
    p->pair.partner_streams = sp_stage_prop_str(st, "camera");
    if (cal->set && cal->s && cal->s[0])
        SP_TRY(sp__projcal_load(st, &p->cal, cal->s));
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return SP_OK;
}

/* The projection for a sweep: the calibration projcal_int.h picks, the
 * size from width=/height=, else the camera frame of the same sample, else
 * the calibration. */
static int frame_params(sp_stage *st, project_stage *p, const sp_frame *in,
                        sp_project_params *pp)
{
    const sp_frame *cam = sp__pair_partner(&p->pair);
    const sp_calib *cal = NULL;
    memset(pp, 0, sizeof *pp);
    /* "frame N" is added by filter.c. */
    SP_TRY(sp__projcal_pick(&p->cal, in, cam, &cal));
    /* The calibration is named: it may be the source's (a log's
     * CameraInfo), not a file given here. */
    int rc = sp_project_params_from_calib(cal, pp);
    if (rc < 0)
        return sp__fail_context(
            rc, "calibration %s: ", cal->source[0] ? cal->source : "(unnamed)");
    if (p->width > 0) {
        pp->width = p->width;
        pp->height = p->height;
    } else if (cam) {
        pp->width = (int)cam->u.image.width;
        pp->height = (int)cam->u.image.height;
    }
    if (pp->width <= 0 || pp->height <= 0)
        return sp_stage_fail(st, SP_EINVAL,
                             "frame %llu: no image size: no camera frame of "
                             "the same sample (within sync=) and calibration "
                             "'%s' gives none, expected width= and height=",
                             (unsigned long long)in->seq,
                             cal->source[0] ? cal->source : "(unnamed)");
    pp->min_depth = p->min_depth;
    return SP_OK;
}

static int project_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    project_stage *p = sp_stage_priv(st);
    SP_TRY(frame_params(st, p, in, &p->pp));
    o->payload = SP_PAYLOAD_TENSOR;
    o->dtype = SP_DTYPE_F32;
    o->ndim = 2;
    return sp_project_shape(&p->pp, o->shape);
}

static int project_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    project_stage *p = sp_stage_priv(st);
    return sp_project_depth(sp_stage_kctx(st), &p->pp, &in->u.points,
                            &res->u.tensor);
}

static const sp__filter_ops project_ops = {
    .input = SP_PAYLOAD_POINTS,
    .stream = "depth",
    .prepare = project_prepare,
    .run = project_run,
    .upstream = project_upstream,
};

static int project_pull(sp_stage *st, sp_frame **out)
{
    project_stage *p = sp_stage_priv(st);
    return sp__filter_pull(st, &project_ops,
                           p->forward_points ? &p->pending : NULL, out);
}

static void project_fini(sp_stage *st)
{
    project_stage *p = sp_stage_priv(st);
    sp_frame_unref(p->pending);
    p->pending = NULL;
    sp__pair_clear(&p->pair);
}

const sp_stage_class sp__stage_project = {
    .name = "project",
    .takes = "points (with a calibration)",
    .gives = "tensor (H, W) float32 depth on stream depth (+ the points "
             "with points=true)",
    .description = "sparse depth image (H,W) of the points seen by the "
                   "camera, nearest per pixel, sized as the camera frame of "
                   "the same sample; calib= width= height=",
    .props = project_props,
    .nprops = sizeof project_props / sizeof project_props[0],
    .priv_size = sizeof(project_stage),
    .init = project_init,
    .pull = project_pull,
    .fini = project_fini,
};
