/* `sensorpipe` with no arguments: runs the demo pipeline on the synthetic
 * rig (lidar and camera) into ./sensorpipe-demo/ and says what it did. */
#include <stdio.h>

#include "cli_int.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

#define DEMO_DIR "sensorpipe-demo"
#define DEMO_FRAMES "300"
#define DEMO_LAUNCH                                                          \
    "synth frames=" DEMO_FRAMES " ! queue depth=4 ! npy dir=" DEMO_DIR

int cli_demo(void)
{
    cli_run_opts o = {.stats = 1};
    cli_run_result r;
    int status;

    printf(CLI_PROG " demo: the synthetic sensor rig (a spinning 64-beam "
                    "lidar and a Bayer camera)\n"
                    "through a queue (the rig runs in its own thread) into "
                    ".npy files.\n"
                    "  " CLI_PROG " run --stats '%s'\n\n",
           DEMO_LAUNCH);
    fflush(stdout);
    if (sp_stage_class_find("synth") == NULL ||
        sp_stage_class_find("npy") == NULL) {
        fprintf(stderr,
                CLI_PROG ": the demo needs the 'synth' and 'npy' stages, "
                         "which this build does not have (%s)\n",
                sp_errmsg());
        return 1;
    }
    status = cli_run_launch(DEMO_LAUNCH, &o, &r);
    if (status != 0)
        return status;
    printf("\nwhat it did: %llu frames in %.2f s\n",
           (unsigned long long)r.frames, r.wall_s);
    for (size_t i = 0; i < r.nstreams; i++)
        printf("  %-10s %6llu frames -> ./" DEMO_DIR "/%s/NNNNNN.npy\n",
               r.stream[i], (unsigned long long)r.stream_frames[i],
               r.stream[i]);
    if (r.alloc_counted && r.allocs_after_warmup == r.pool_grows)
        printf("heap allocations after warm-up: %llu in %llu frames%s\n",
               (unsigned long long)r.allocs_after_warmup,
               (unsigned long long)r.frames_after_warmup,
               r.pool_grows ? " (each the header of a pool block added when "
                              "more frames were in flight than during "
                              "warm-up)"
                            : "");
    else if (r.alloc_counted)
        printf("heap allocations after warm-up: %llu in %llu frames (%llu "
               "of them pool blocks added)\n",
               (unsigned long long)r.allocs_after_warmup,
               (unsigned long long)r.frames_after_warmup,
               (unsigned long long)r.pool_grows);
    else
        printf("heap allocations after warm-up: n/a (sanitizer build)\n");
    printf("\nload one in Python:  numpy.load('" DEMO_DIR "/%s/000000.npy')\n"
           "list the stages:     " CLI_PROG " stages\n"
           "your own pipeline:   " CLI_PROG " run --stats 'synth frames=100 "
           "! queue depth=4 ! npy dir=out'\n",
           r.nstreams ? r.stream[0] : "velodyne");
    return 0;
}
