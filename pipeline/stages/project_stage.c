/* The `project` stage: projects each lidar frame into the camera as a
 * sparse depth image, a float32 tensor (height, width) frame named "depth"
 * (nearest point per pixel, 0 where empty; see sp_project.h). The
 * calibration comes from calib=PATH (a KITTI object calib file: P2,
 * R0_rect, Tr_velo_to_cam) when given, else from the frame (its source's
 * calibration); the image size from width=/height=, else from the
 * calibration. With points=true the input points frame follows the depth
 * image downstream. Frames without points pass through untouched. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error_int.h"
#include "filter_int.h"
#include "sp_kitti.h"
#include "sp_project.h"
#include "sp_stage.h"

typedef struct project_stage {
    int has_file_calib;
    sp_calib file_calib;
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
     .help = "KITTI calibration file (P2, R0_rect, Tr_velo_to_cam); unset: "
             "the frame's calibration from its source"},
    {.name = "width",
     .type = SP_PROP_INT,
     .optional = 1,
     .min = 1,
     .max = 32768,
     .help = "camera image width; unset: the calibration's"},
    {.name = "height",
     .type = SP_PROP_INT,
     .optional = 1,
     .min = 1,
     .max = 32768,
     .help = "camera image height; unset: the calibration's"},
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

/* Reads and parses calib=PATH once, at init (warm-up may allocate). */
static int load_calib(sp_stage *st, const char *path, sp_calib *out)
{
    int rc = sp_calib_load_kitti(path, out);
    if (rc < 0)
        return sp_stage_fail(st, rc, "property 'calib': %s", sp_errmsg());
    return SP_OK;
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
    if (cal->set && cal->s && cal->s[0]) {
        int rc = load_calib(st, cal->s, &p->file_calib);
        if (rc < 0)
            return rc;
        sp_project_params tmp = {0};
        rc = sp_project_params_from_calib(&p->file_calib, &tmp);
        if (rc < 0)
            return sp_stage_fail(st, rc, "property 'calib': %s: %s", cal->s,
                                 sp_errmsg());
        p->has_file_calib = 1;
    }
    if (sp_stage_kctx(st) == NULL)
        return SP_EUNSUPPORTED; /* sp_stage_kctx() said why */
    return SP_OK;
}

/* The projection for a frame: file calibration first, else the frame's. */
static int frame_params(sp_stage *st, project_stage *p, const sp_frame *in,
                        sp_project_params *pp)
{
    const sp_calib *cal = p->has_file_calib ? &p->file_calib : in->calib;
    memset(pp, 0, sizeof *pp);
    if (!cal)
        return sp_stage_fail(st, SP_ENOTFOUND,
                             "frame %llu (%s): no calibration: the frame's "
                             "source gave none and no calib= file was set, "
                             "expected calib=PATH to a KITTI calib file",
                             (unsigned long long)in->seq,
                             in->origin ? in->origin : in->stream);
    /* The calibration is named: it may be the source's (a log's
     * CameraInfo), not a file given here. "frame N" is added by filter.c. */
    int rc = sp_project_params_from_calib(cal, pp);
    if (rc < 0)
        return sp__fail_context(
            rc, "calibration %s: ", cal->source[0] ? cal->source : "(unnamed)");
    if (p->width > 0) {
        pp->width = p->width;
        pp->height = p->height;
    }
    if (pp->width <= 0 || pp->height <= 0)
        return sp_stage_fail(st, SP_EINVAL,
                             "frame %llu: calibration '%s' gives no image "
                             "size, expected width= and height=",
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
}

const sp_stage_class sp__stage_project = {
    .name = "project",
    .description = "sparse depth image (H,W) of the points seen by the "
                   "camera, nearest per pixel; calib= width= height=",
    .props = project_props,
    .nprops = sizeof project_props / sizeof project_props[0],
    .priv_size = sizeof(project_stage),
    .init = project_init,
    .pull = project_pull,
    .fini = project_fini,
};
