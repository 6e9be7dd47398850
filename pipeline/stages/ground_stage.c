/* The `ground` stage: removes the ground from each lidar frame (or keeps
 * only the ground, keep=ground) by a RANSAC plane or a lowest-point grid,
 * on the pipeline's kernel back-end. Order is kept. Frames without points
 * pass through untouched. See sp_ground.h for the rules.
 *
 * threads=N (method=plane on a CPU back-end): the kernel hands its two
 * heavy loops to the stage's workers through sp_ground_params.fork, the
 * scoring split by hypotheses (each an integer count over every point)
 * and each classification split by points (a point's class is its own),
 * so nothing depends on the split and the output is that of one thread.
 * method=grid stays on one thread: its per-cell lowest point is a hash
 * table built in point order. */
#include <string.h>

#include "sp_ground.h"
#include "error_int.h"
#include "filter_int.h"
#include "par_int.h"
#include "sp_stage.h"

typedef struct ground_stage {
    sp_ground_params params;
    sp__par par;
} ground_stage;

static const sp_prop_spec ground_props[] = {
    {.name = "method",
     .type = SP_PROP_ENUM,
     .def = "plane",
     .choices = "plane|grid",
     .help = "plane: RANSAC plane fit; grid: lowest point per cell + band"},
    {.name = "keep",
     .type = SP_PROP_ENUM,
     .def = "nonground",
     .choices = "nonground|ground",
     .help = "which side to output: nonground removes the ground"},
    {.name = "threshold",
     .type = SP_PROP_FLOAT,
     .def = "0.2",
     .min = 1e-6,
     .max = 1e3,
     .help = "plane: inlier distance in metres"},
    {.name = "iterations",
     .type = SP_PROP_INT,
     .def = "100",
     .min = 1,
     .max = 100000,
     .help = "plane: RANSAC hypotheses"},
    {.name = "seed",
     .type = SP_PROP_INT,
     .def = "24301",
     .min = 1,
     .max = 9.2e18,
     .help = "plane: PRNG seed (same seed, same result)"},
    {.name = "refine",
     .type = SP_PROP_BOOL,
     .def = "true",
     .help = "plane: least-squares refit on the inliers before classifying"},
    {.name = "max_angle",
     .type = SP_PROP_FLOAT,
     .def = "30",
     .min = 0.001,
     .max = 90,
     .help = "plane: largest tilt of the ground from level, "
             "degrees"},
    {.name = "cell",
     .type = SP_PROP_FLOAT,
     .def = "1",
     .min = 1e-4,
     .max = 1e6,
     .help = "grid: cell side in metres"},
    {.name = "band",
     .type = SP_PROP_FLOAT,
     .def = "0.2",
     .min = 0,
     .max = 1e3,
     .help = "grid: ground is up to this height above the cell's lowest "
             "point"},
    SP__STREAMS_PROP,
    SP__THREADS_PROPS,
};

static void fork_shares(void *ctx, int n, sp_ground_share_fn fn, void *arg)
{
    sp__workers_run(ctx, n, fn, arg);
}

static int ground_init(sp_stage *st)
{
    ground_stage *g = sp_stage_priv(st);
    memset(&g->params, 0, sizeof g->params);
    g->params.method =
        sp_stage_prop_int(st, "method") == 1 ? SP_GROUND_GRID : SP_GROUND_PLANE;
    g->params.keep_ground = sp_stage_prop_int(st, "keep") == 1;
    g->params.threshold = sp_stage_prop_float(st, "threshold");
    g->params.iterations = (int)sp_stage_prop_int(st, "iterations");
    g->params.seed = (uint64_t)sp_stage_prop_int(st, "seed");
    g->params.no_refine = !sp_stage_prop_bool(st, "refine");
    g->params.max_angle = sp_stage_prop_float(st, "max_angle");
    g->params.cell = sp_stage_prop_float(st, "cell");
    g->params.band = sp_stage_prop_float(st, "band");
    if (g->params.band == 0)
        g->params.band = 1e-30; /* 0 means "default" to the kernel */
    int krc = sp_stage_kctx_ready(st);
    if (krc < 0)
        return krc;
    SP_TRY(sp__par_init(st, &g->par));
    if (g->par.w) {
        g->params.fork = fork_shares;
        g->params.fork_ctx = g->par.w;
        g->params.fork_n = g->par.n;
    }
    return SP_OK;
}

static void ground_fini(sp_stage *st)
{
    ground_stage *g = sp_stage_priv(st);
    sp__par_deinit(&g->par);
}

static int ground_run(sp_stage *st, const sp_frame *in, sp_frame *res)
{
    ground_stage *g = sp_stage_priv(st);
    return sp_ground_filter(sp_stage_kctx(st), &g->params, &in->u.points,
                            &res->u.points, NULL);
}

static const sp__filter_ops ground_ops = {
    .input = SP_PAYLOAD_POINTS,
    .prepare = sp__filter_like_points,
    .run = ground_run,
};

static int ground_pull(sp_stage *st, sp_frame **out)
{
    return sp__filter_pull(st, &ground_ops, NULL, out);
}

const sp_stage_class sp__stage_ground = {
    .name = "ground",
    .takes = "points",
    .gives = "points (without the ground, or only it), same stream",
    .description = "remove the ground (or keep=ground): method=plane "
                   "(RANSAC, threshold=) or method=grid (cell=, band=)",
    .props = ground_props,
    .nprops = sizeof ground_props / sizeof ground_props[0],
    .priv_size = sizeof(ground_stage),
    .init = ground_init,
    .fini = ground_fini,
    .pull = ground_pull,
};
