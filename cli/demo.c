/* `sensorpipe` with no arguments: runs the demo pipeline on the synthetic
 * rig (lidar and camera) into ./sensorpipe-demo/ and says what it did. */
#include <stdio.h>

#include "cli_int.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

#define DEMO_DIR "sensorpipe-demo"
#define DEMO_FRAMES "100"
/* One linear chain serves both sensors: lidar stages pass camera frames
 * through and camera stages pass lidar frames through. The range image and
 * the depth map are made from the full sweep (points=true passes the cloud
 * on after the raster), then the cloud is cropped, downsampled and rasterised
 * to a bird's-eye view before its ground is removed. The png sink writes the
 * pictures (camera image, colour-mapped rasters) and passes every frame on to
 * npy, so each picture lies beside its array. */
#define DEMO_LAUNCH                                                            \
    "synth frames=" DEMO_FRAMES " ! queue depth=4"                             \
    " ! range points=true ! project points=true"                               \
    " ! crop x=0:70 y=-40:40 z=-3:2 ! voxel leaf=0.2 ! bev points=true"        \
    " ! ground"                                                                \
    " ! debayer ! undistort ! resize width=640 height=384"                     \
    " ! png dir=" DEMO_DIR " ! normalize ! npy dir=" DEMO_DIR

int cli_demo(void)
{
    cli_run_opts o = {.stats = 1};
    cli_run_result r;
    int status;

    printf(CLI_PROG " demo: the synthetic sensor rig (a spinning 64-beam "
                    "lidar and a Bayer camera)\n"
                    "runs in its own thread (queue); each sweep becomes a "
                    "range image, a depth map in\n"
                    "the camera, and a bird's-eye view of the cropped, "
                    "voxelised cloud, whose ground is\n"
                    "then removed; each camera frame is debayered, "
                    "undistorted, resized and normalised\n"
                    "into a network's input tensor. Pictures (.png) lie "
                    "beside the arrays (.npy).\n"
                    "  " CLI_PROG " run --stats '%s'\n\n",
           DEMO_LAUNCH);
    fflush(stdout);
    if (sp_stage_class_find("synth") == NULL ||
        sp_stage_class_find("npy") == NULL ||
        sp_stage_class_find("png") == NULL) {
        fprintf(stderr,
                CLI_PROG
                ": the demo needs the 'synth', 'png' and 'npy' stages, "
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
        printf("  %-10s %6llu frames -> ./" DEMO_DIR "/%s/\n", r.stream[i],
               (unsigned long long)r.stream_frames[i], r.stream[i]);
    printf("  (each frame is NNNNNN.npy; images and rasters also have a "
           "picture: NNNNNN.png,\n"
           "   or one NNNNNN_cK.png per channel of a multi-channel raster)\n");
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
