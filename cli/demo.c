/* `sensorpipe` with no arguments: runs the demo pipeline on the synthetic
 * rig (lidar and camera) into ./sensorpipe-demo/ and says what it did:
 * what went in (sweeps, camera frames) and what came out (the sensor
 * streams processed, the rasters derived from them), where, and how much.
 *
 * The demo removes what a previous demo wrote before it writes: the .npy
 * and .png files in its own stream folders under ./sensorpipe-demo/ (and
 * the folders, once empty). Anything else there is left alone and
 * reported. Its output stays under ~100 MB (DEMO_FRAMES samples). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_int.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

#define DEMO_DIR "sensorpipe-demo"
/* 0.8 s of driving (10 Hz): about 11 MB of arrays and pictures per sample,
 * so the whole output stays under 100 MB. */
#define DEMO_FRAMES "8"
#define DEMO_MAX_MB 100.0
/* One linear chain serves both sensors: lidar stages pass camera frames
 * through and camera stages pass lidar frames through. The range image and
 * the depth map are made from the full sweep (points=true passes the cloud
 * on after the raster); the camera frame is debayered and the full sweep
 * drawn over it (overlay, image=true passes the image on); then the cloud
 * is cropped, downsampled and rasterised to a bird's-eye view before its
 * ground is removed, and the camera frame alone (streams=image_02) is
 * undistorted, resized and normalised. The png sink writes the pictures
 * (camera image, overlay, colour-mapped rasters) and passes every frame on
 * to npy, so each picture lies beside its array. */
#define DEMO_LAUNCH                                                            \
    "synth frames=" DEMO_FRAMES " ! queue depth=4"                             \
    " ! range points=true ! project points=true"                               \
    " ! debayer ! overlay image=true"                                          \
    " ! crop x=0:70 y=-40:40 z=-3:2 ! voxel leaf=0.2"                          \
    " ! bev res=0.2 points=true ! ground"                                      \
    " ! undistort streams=image_02"                                            \
    " ! resize width=640 height=384 streams=image_02"                          \
    " ! png dir=" DEMO_DIR " ! normalize streams=image_02 ! npy dir=" DEMO_DIR

/* The demo's streams: what each is, and whether it is a sensor's own data
 * or a raster derived from it. */
static const struct demo_stream {
    const char *name, *unit, *what;
    int derived;
} demo_streams[] = {
    {"velodyne", "sweeps", "cropped, voxelised, ground removed", 0},
    {"image_02", "camera frames", "debayered, resized, normalised", 0},
    {"range", "range images", "5 planes, one column per firing", 1},
    {"depth", "depth maps", "the sweep seen by the camera", 1},
    {"overlay/image_02", "overlays", "the sweep drawn over the image", 1},
    {"bev", "bird's-eye views", "height, intensity, density", 1},
};
#define NDEMO (sizeof demo_streams / sizeof demo_streams[0])

typedef struct tally {
    unsigned long long files, bytes; /* ours: .npy/.png in our folders */
    unsigned long long other;        /* anything else found there */
    char other_example[PATH_MAX];
} tally;

static int is_ours(const char *name)
{
    size_t n = strlen(name);
    return n > 4 &&
           (!strcmp(name + n - 4, ".npy") || !strcmp(name + n - 4, ".png"));
}

/* Counts (and with @p remove, deletes) the demo's files under @p dir,
 * recursively (a stream such as overlay/image_02 nests); removes folders
 * left empty. Missing folders are fine. */
static void walk(const char *dir, int remove, tally *t)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk(p, remove, t);
            continue;
        }
        if (S_ISREG(st.st_mode) && is_ours(e->d_name)) {
            if (remove && unlink(p) != 0) {
                t->other++;
                snprintf(t->other_example, sizeof t->other_example, "%s", p);
                continue;
            }
            t->files++;
            t->bytes += (unsigned long long)st.st_size;
        } else {
            t->other++;
            snprintf(t->other_example, sizeof t->other_example, "%s", p);
        }
    }
    closedir(d);
    if (remove)
        rmdir(dir); /* only when empty: what is left stays */
}

/* Over the demo's stream folders (each top folder once: overlay/image_02
 * lies in overlay/). */
static void walk_demo(int remove, tally *t)
{
    memset(t, 0, sizeof *t);
    char tops[NDEMO][64];
    size_t ntops = 0;
    for (size_t i = 0; i < NDEMO; i++) {
        const char *name = demo_streams[i].name;
        const char *slash = strchr(name, '/');
        int n = slash ? (int)(slash - name) : (int)strlen(name);
        char top[64];
        snprintf(top, sizeof top, "%.*s", n, name);
        int dup = 0;
        for (size_t j = 0; j < ntops; j++)
            dup |= !strcmp(tops[j], top);
        if (dup)
            continue;
        strcpy(tops[ntops++], top);
        char p[PATH_MAX];
        snprintf(p, sizeof p, DEMO_DIR "/%s", top);
        walk(p, remove, t);
    }
    if (remove)
        rmdir(DEMO_DIR);
}

static const struct demo_stream *find_stream(const char *name)
{
    for (size_t i = 0; i < NDEMO; i++)
        if (!strcmp(demo_streams[i].name, name))
            return &demo_streams[i];
    return NULL;
}

static double mib(unsigned long long b)
{
    return (double)b / (1024.0 * 1024.0);
}

static void print_streams(const cli_run_result *r, int derived)
{
    for (size_t i = 0; i < r->nstreams; i++) {
        const struct demo_stream *s = find_stream(r->stream[i]);
        if ((s ? s->derived : 1) != derived)
            continue;
        printf("    %-17s %4llu %-17s -> ./" DEMO_DIR "/%s/  (%s)\n",
               r->stream[i], (unsigned long long)r->stream_frames[i],
               s ? s->unit : "frames", r->stream[i], s ? s->what : "");
    }
}

static void print_allocs(const cli_run_result *r)
{
    if (r->alloc_counted && r->allocs_after_warmup == r->pool_grows)
        printf("heap allocations after warm-up: %llu in %llu frames%s\n",
               (unsigned long long)r->allocs_after_warmup,
               (unsigned long long)r->frames_after_warmup,
               r->pool_grows ? " (each the header of a pool block added when "
                               "more frames were in flight than during "
                               "warm-up)"
                             : "");
    else if (r->alloc_counted)
        printf("heap allocations after warm-up: %llu in %llu frames (%llu "
               "of them pool blocks added)\n",
               (unsigned long long)r->allocs_after_warmup,
               (unsigned long long)r->frames_after_warmup,
               (unsigned long long)r->pool_grows);
    else
        printf("heap allocations after warm-up: n/a (sanitizer build)\n");
}

int cli_demo(void)
{
    cli_run_opts o = {.stats = 1};
    cli_run_result r;
    int status;

    printf(CLI_PROG " demo: the synthetic sensor rig (a spinning 64-beam "
                    "lidar and a Bayer camera),\n" DEMO_FRAMES
                    " samples (0.8 s at 10 Hz), in its own "
                    "thread (queue). Each sweep becomes a range\n"
                    "image, a depth map in the camera, an overlay on the "
                    "camera image and a bird's-eye\n"
                    "view of the cropped, voxelised cloud, whose ground is "
                    "then removed; each camera\n"
                    "frame is debayered, undistorted, resized and "
                    "normalised into a network's input tensor.\n"
                    "Pictures (.png) lie beside the arrays (.npy).\n"
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
    tally before;
    walk_demo(1, &before);
    if (before.files)
        printf("removed the previous demo's output: %llu files, %.1f MB, "
               "from ./" DEMO_DIR "/\n\n",
               before.files, mib(before.bytes));
    fflush(stdout);
    status = cli_run_launch(DEMO_LAUNCH, &o, &r);
    if (status != 0)
        return status;
    uint64_t sweeps = 0, images = 0, derived = 0;
    for (size_t i = 0; i < r.nstreams; i++) {
        const struct demo_stream *s = find_stream(r.stream[i]);
        if (s && !strcmp(s->name, "velodyne"))
            sweeps += r.stream_frames[i];
        else if (s && !strcmp(s->name, "image_02"))
            images += r.stream_frames[i];
        else
            derived += r.stream_frames[i];
    }
    printf("\nwhat it did in %.2f s: %llu lidar sweeps and %llu camera "
           "frames in,\n"
           "  %llu sensor frames and %llu derived rasters out:\n",
           r.wall_s, (unsigned long long)sweeps, (unsigned long long)images,
           (unsigned long long)(sweeps + images), (unsigned long long)derived);
    printf("  the sensors' own data, processed:\n");
    print_streams(&r, 0);
    printf("  derived from them:\n");
    print_streams(&r, 1);
    printf("  (each frame is NNNNNN.npy; images and rasters also have a "
           "picture: NNNNNN.png,\n"
           "   or one NNNNNN_cK.png per channel of a multi-channel raster)\n");
    tally after;
    walk_demo(0, &after);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    printf("wrote %.1f MB in %llu files under %s/" DEMO_DIR "/%s\n",
           mib(after.bytes), after.files, cwd,
           mib(after.bytes) > DEMO_MAX_MB ? " (more than the demo's 100 MB: "
                                            "a bug, please report it)"
                                          : "");
    if (after.other)
        printf("left %llu file%s there that the demo did not write, e.g. "
               "%s\n",
               after.other, after.other == 1 ? "" : "s", after.other_example);
    printf("the next demo run removes these first; `rm -r " DEMO_DIR
           "` removes them now\n");
    print_allocs(&r);
    printf("\nlook at one:         ./" DEMO_DIR "/overlay/image_02/000000.png "
           "(the sweep over the camera image)\n"
           "load one in Python:  numpy.load('" DEMO_DIR "/range/000000.npy')\n"
           "list the stages:     " CLI_PROG " stages\n"
           "your own pipeline:   " CLI_PROG " run --stats 'synth frames=100 "
           "! queue depth=4 ! npy dir=out'\n");
    return 0;
}
