/* The `bev` stage: turns each lidar frame into a bird's-eye-view raster, a
 * float32 tensor (3, H, W) frame named "bev" (see sp_bev.h for channels and
 * orientation). With points=true the input points frame follows the raster
 * downstream, so more lidar stages (range, project) can come after it in
 * one chain. Frames without points pass through untouched.
 *
 * threads=N: a cell's mean intensity is a float sum, whose bits depend on
 * the order of its additions, so per-thread partial rasters merged at the
 * end would not match one thread. Instead the frame runs in two rounds:
 * each share first packs a slice of the points by raster band
 * (sp_bev_pack(), into its own kernel context's scratch), then each fills
 * a range of bands from every share's part of those bands, slice after
 * slice (sp_bev_fill()), which is the order one thread adds them in. */
#include <stdio.h>
#include <string.h>

#include "sp_bev.h"
#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"

typedef struct bev_stage {
    sp_bev_params params;
    size_t shape[3];
    int forward_points;
    sp_frame *pending; /* the points frame to hand out next (points=true) */
    /* the frame in flight, for the shares */
    const sp_points *in;
    sp_tensor *out;
    sp_bev_part part[SP__WORKERS_MAX]; /* each share's packed slice */
    sp__par par;
} bev_stage;

static const sp_prop_spec bev_props[] = {
    {.name = "x",
     .type = SP_PROP_RANGE,
     .def = "0:70",
     .min = -1e6,
     .max = 1e6,
     .help = "forward extent in metres; rows run along x"},
    {.name = "y",
     .type = SP_PROP_RANGE,
     .def = "-40:40",
     .min = -1e6,
     .max = 1e6,
     .help = "lateral extent in metres; columns run along y"},
    {.name = "z",
     .type = SP_PROP_RANGE,
     .def = "-2.5:1",
     .min = -1e6,
     .max = 1e6,
     .help = "height range: points outside are ignored, channel 0 is "
             "(z - lo) / (hi - lo)"},
    {.name = "res",
     .type = SP_PROP_FLOAT,
     .def = "0.1",
     .min = 1e-4,
     .max = 1e3,
     .help = "cell size in metres"},
    {.name = "points",
     .type = SP_PROP_BOOL,
     .def = "false",
     .help = "also pass the input points downstream after the raster"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

static int bev_init(sp_stage *st)
{
    bev_stage *b = sp_stage_priv(st);
    const sp_prop_value *x = sp_stage_prop(st, "x"),
                        *y = sp_stage_prop(st, "y"),
                        *z = sp_stage_prop(st, "z");
    b->params = (sp_bev_params){.xmin = x->lo,
                                .xmax = x->hi,
                                .ymin = y->lo,
                                .ymax = y->hi,
                                .zmin = z->lo,
                                .zmax = z->hi,
                                .res = sp_stage_prop_float(st, "res")};
    b->forward_points = sp_stage_prop_bool(st, "points");
    int rc = sp_bev_shape(&b->params, b->shape);
    if (rc < 0)
        return sp_stage_fail(st, rc, "%s", sp_errmsg());
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    return sp__par_init(st, &b->par);
}

static int bev_prepare(sp_stage *st, const sp_frame *in, sp__filter_out *o)
{
    bev_stage *b = sp_stage_priv(st);
    (void)in;
    return sp__filter_f32_tensor(o, 3, b->shape);
}

static void bev_pack_share(void *arg, int i, int n)
{
    bev_stage *b = arg;
    size_t i0, i1;
    sp__par_rows(b->in->count, i, n, 1, &i0, &i1);
    sp__par_note(
        &b->par, i,
        sp_bev_pack(b->par.k[i], &b->params, b->in, i0, i1, &b->part[i]));
}

static void bev_fill_share(void *arg, int i, int n)
{
    bev_stage *b = arg;
    /* A share whose packing failed left no part: the call fails anyway. */
    for (int s = 0; s < n; s++)
        if (!b->part[s].end)
            return;
    size_t b0, b1;
    sp_bev_share_bands(b->part, n, i, n, &b0, &b1);
    sp__par_note(&b->par, i,
                 sp_bev_fill(&b->params, b->part, n, b0, b1, b->out));
}

static int bev_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    bev_stage *b = sp_stage_priv(st);
    int n = sp__par_shares(st, &b->par, b->shape[1], 1);
    if (n == 1)
        return sp_bev_rasterize(sp_stage_kctx(st), &b->params, &in->u.points,
                                &res->u.tensor);
    b->in = &in->u.points;
    b->out = &res->u.tensor;
    memset(b->part, 0, sizeof b->part);
    return sp__par_two_rounds(&b->par, n, bev_pack_share, bev_fill_share, b);
}

static const sp__filter_ops bev_ops = {
    .input = SP_PAYLOAD_POINTS,
    .stream = "bev",
    .prepare = bev_prepare,
    .run = bev_run,
};

static int bev_pull(sp_stage *st, sp_frame **out)
{
    bev_stage *b = sp_stage_priv(st);
    return sp__filter_pull(st, &bev_ops, b->forward_points ? &b->pending : NULL,
                           out);
}

static void bev_fini(sp_stage *st)
{
    bev_stage *b = sp_stage_priv(st);
    sp_frame_unref(b->pending);
    b->pending = NULL;
    sp__par_deinit(&b->par);
}

const sp_stage_class sp__stage_bev = {
    .name = "bev",
    .takes = "points",
    .gives = "tensor (3, H, W) float32 on stream bev (+ the points with "
             "points=true)",
    .description = "bird's-eye-view raster (3,H,W): max height, mean "
                   "intensity, density; x= y= z= res=",
    .props = bev_props,
    .nprops = sizeof bev_props / sizeof bev_props[0],
    .priv_size = sizeof(bev_stage),
    .init = bev_init,
    .pull = bev_pull,
    .fini = bev_fini,
};
