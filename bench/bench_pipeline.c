/* The pipeline machinery's own cost per frame: pulling through stages
 * (timing and counting included), a frame's pool block acquired and
 * released, and the queue's cross-thread handoff. The stages do no work
 * (one-point frames), so the figures are pure overhead, to compare with the
 * milliseconds a real stage spends on a frame.
 *
 *   bench_pipeline [--json] [--quick] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

typedef struct bsrc {
    uint64_t next, frames;
} bsrc;

static const sp_prop_spec bsrc_props[] = {
    {"frames", SP_PROP_INT, "1000", 0, 1e9, NULL, "frames to produce", 0},
};

static int bsrc_init(sp_stage *st)
{
    ((bsrc *)sp_stage_priv(st))->frames =
        (uint64_t)sp_stage_prop_int(st, "frames");
    return SP_OK;
}

static int bsrc_pull(sp_stage *st, sp_frame **out)
{
    bsrc *s = sp_stage_priv(st);
    if (s->next == s->frames)
        return SP_EOS;
    int rc = sp_frame_create_points(sp_stage_poolmgr(st), 1, 0, out);
    if (rc < 0)
        return rc;
    (*out)->seq = s->next++;
    return SP_OK;
}

static int bpass_pull(sp_stage *st, sp_frame **out)
{
    return sp_stage_pull_upstream(st, out);
}

static const sp_stage_class bsrc_class = {.name = "bsrc",
                                          .description =
                                              "bench source: empty frames",
                                          .props = bsrc_props,
                                          .nprops = 1,
                                          .priv_size = sizeof(bsrc),
                                          .is_source = 1,
                                          .init = bsrc_init,
                                          .pull = bsrc_pull};
static const sp_stage_class bpass_class = {
    .name = "bpass", .description = "bench pass-through", .pull = bpass_pull};
static const sp_stage_class bsink_class = {.name = "bsink",
                                           .description = "bench sink",
                                           .is_sink = 1,
                                           .pull = bpass_pull};

typedef struct job {
    const char *launch; /* with %llu for the frame count */
    unsigned long long frames;
} job;

static int run_job(void *arg)
{
    const job *j = arg;
    char launch[512];
    sp_pipeline *p;

    snprintf(launch, sizeof launch, j->launch, j->frames);
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc < 0) {
        fprintf(stderr, "bench_pipeline: %s\n", sp_errmsg());
        return rc;
    }
    rc = sp_pipeline_run(p);
    if (rc < 0)
        fprintf(stderr, "bench_pipeline: %s\n", sp_errmsg());
    sp_pipeline_destroy(p);
    return rc < 0 ? rc : 0;
}

int main(int argc, char **argv)
{
    static const char *const launches[] = {
        "bsrc frames=%llu ! bsink",
        "bsrc frames=%llu ! bpass ! bpass ! bpass ! bpass ! bsink",
        "bsrc frames=%llu ! queue depth=4 ! bsink",
        "bsrc frames=%llu ! queue depth=64 ! bsink",
        "bsrc frames=%llu ! queue depth=16 ! bpass ! queue depth=16 ! bsink",
    };
    bench_opts o;

    if (bench_parse_args(argc, argv, &o) < 0)
        return 2;
    if (sp_stage_class_register(&bsrc_class) < 0 ||
        sp_stage_class_register(&bpass_class) < 0 ||
        sp_stage_class_register(&bsink_class) < 0) {
        fprintf(stderr, "bench_pipeline: %s\n", sp_errmsg());
        return 1;
    }
    unsigned long long frames = o.quick ? 20000 : 200000;
    int runs = o.quick ? 3 : 7;
    if (!o.json)
        printf("%-70s %10s %12s %12s\n", "pipeline (empty one-point frames)",
               "frames", "ns/frame", "frames/s");
    for (size_t i = 0; i < sizeof launches / sizeof launches[0]; i++) {
        job j = {launches[i], frames};
        double ms = bench_median_ms(run_job, &j, 1, runs);
        if (ms < 0)
            return 1;
        double ns = ms * 1e6 / (double)frames;
        char shown[512];
        snprintf(shown, sizeof shown, launches[i], frames);
        if (o.json)
            printf("{\"pipeline\": \"%s\", \"frames\": %llu, \"median_ms\": "
                   "%.3f, \"ns_per_frame\": %.1f, \"fps\": %.0f}\n",
                   shown, frames, ms, ns, 1e9 / ns);
        else
            printf("%-70s %10llu %12.1f %12.0f\n", shown, frames, ns, 1e9 / ns);
    }
    return 0;
}
