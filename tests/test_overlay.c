/* ctest-label: pipeline */
/* ctest-timeout: 120 */
/* A sweep and the camera image of the same sample: how `project` and
 * `overlay` pair them (nearest in time within sync=, ties to the same seq;
 * a scripted source gives each camera frame its own width, so the depth
 * image's width says which one was taken), project's image size from the
 * camera frame, overlay's pixels against the depth image and the ramp, a
 * bag whose CameraInfo needs calib= for where the lidar is (fixture bag
 * written with python3-rosbag; the shared data's real camera bag with a
 * sweep added), and the real KITTI object set when the
 * shared data is there. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bag_test.h"
#include "kcloud.h"
#include "sp_crop.h"
#include "rosmsg_oracle.h"
#include "sp_iotest.h"
#include "sp_overlay.h"
#include "sp_pipeline.h"
#include "sp_stage.h"

/* ---- tscript: frames from a script ---- */

/* script= "L0@0 C0@50 ...": L a sweep (stream velodyne), C a camera frame
 * (image_02), R another camera (image_03); then its seq and its time in
 * ms. A camera frame made by token k is (20 + k) pixels wide and 10 high;
 * a sweep holds 3 points 10 m ahead. Both carry one calibration (camera
 * 40 px focal, centre (5, 5); lidar x forward) without an image size. */
#define TS_MAX 64

typedef struct tscript {
    char kind[TS_MAX];
    uint64_t seq[TS_MAX];
    int64_t t_ns[TS_MAX];
    int n, next;
    sp_calib calib;
} tscript;

static const sp_prop_spec tscript_props[] = {
    {"script", SP_PROP_STRING, NULL, 0, 0, NULL, "frames to make", 0},
};

static int tscript_init(sp_stage *st)
{
    tscript *s = sp_stage_priv(st);
    const char *p = sp_stage_prop_str(st, "script");
    while (*p && s->n < TS_MAX) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        char k;
        unsigned long long seq;
        long long ms;
        int used = 0;
        if (sscanf(p, "%c%llu@%lld%n", &k, &seq, &ms, &used) != 3)
            return sp_stage_fail(st, SP_EINVAL, "script at '%s'", p);
        s->kind[s->n] = k;
        s->seq[s->n] = seq;
        s->t_ns[s->n] = ms * 1000000;
        s->n++;
        p += used;
    }
    sp_calib *c = &s->calib;
    memset(c, 0, sizeof *c);
    const double P[12] = {40, 0, 5, 0, 0, 40, 5, 0, 0, 0, 1, 0};
    const double Tr[12] = {0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0};
    memcpy(c->P[2], P, sizeof P);
    memcpy(c->velo_to_cam, Tr, sizeof Tr);
    c->R0[0] = c->R0[4] = c->R0[8] = 1;
    c->has_P = c->has_velo_to_cam = 1;
    c->camera = 2;
    strcpy(c->source, "tscript");
    return SP_OK;
}

static int tscript_pull(sp_stage *st, sp_frame **out)
{
    tscript *s = sp_stage_priv(st);
    if (s->next >= s->n)
        return SP_EOS;
    int i = s->next++;
    sp_frame *f = NULL;
    if (s->kind[i] == 'L') {
        int rc = sp_frame_create_points(sp_stage_poolmgr(st), 3, 0, &f);
        if (rc < 0)
            return rc;
        for (int j = 0; j < 3; j++) {
            f->u.points.x[j] = 10;
            f->u.points.y[j] = 0.01f * (float)j;
            f->u.points.z[j] = 0;
            f->u.points.intensity[j] = 1;
        }
        f->u.points.count = 3;
        f->payload = SP_PAYLOAD_POINTS;
        f->sensor = SP_SENSOR_LIDAR;
        strcpy(f->stream, "velodyne");
    } else {
        int rc = sp_frame_create_image(sp_stage_poolmgr(st), (uint32_t)(20 + i),
                                       10, SP_PIX_RGB8, 0, &f);
        if (rc < 0)
            return rc;
        memset(f->u.image.data, 100, f->u.image.stride * 10);
        f->payload = SP_PAYLOAD_IMAGE;
        f->sensor = SP_SENSOR_CAMERA;
        strcpy(f->stream, s->kind[i] == 'C' ? "image_02" : "image_03");
    }
    f->seq = s->seq[i];
    f->timestamp_ns = s->t_ns[i];
    f->calib = &s->calib;
    *out = f;
    return SP_OK;
}

static const sp_stage_class tscript_class = {
    .name = "tscript",
    .description = "test: frames from a script",
    .props = tscript_props,
    .nprops = 1,
    .priv_size = sizeof(tscript),
    .is_source = 1,
    .init = tscript_init,
    .pull = tscript_pull,
};

static int setup(void **state)
{
    (void)state;
    if (!sp_stage_class_find("tscript"))
        assert_int_equal(sp_stage_class_register(&tscript_class), SP_OK);
    return 0;
}

/* A frame that waited for its partner comes out as soon as that partner
 * (or a frame past the window) arrives, just before it; frames that are
 * neither pass at once. Runs @p launch and writes what came out: "L0" (a
 * sweep), "C0" / "R0" (a camera frame of image_02 / image_03), "D0:27" (a depth
 * image of seq 0, 27 wide), "O0:27" (an overlay), separated by spaces. Returns
 * the status that ended the run. */
static char got[4096], msg[1024];

static int trace(const char *launch)
{
    sp_pipeline *p = NULL;
    got[0] = msg[0] = '\0';
    int rc = sp_pipeline_create(launch, NULL, &p);
    if (rc < 0) {
        snprintf(msg, sizeof msg, "%s", sp_errmsg());
        return rc;
    }
    sp_frame *f;
    size_t n = 0;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        char one[64];
        unsigned long long seq = (unsigned long long)f->seq;
        if (f->payload == SP_PAYLOAD_POINTS)
            snprintf(one, sizeof one, "L%llu", seq);
        else if (f->payload == SP_PAYLOAD_TENSOR)
            snprintf(one, sizeof one, "D%llu:%zu", seq, f->u.tensor.shape[1]);
        else if (!strncmp(f->stream, "overlay/", 8))
            snprintf(one, sizeof one, "O%llu:%u", seq, f->u.image.width);
        else
            snprintf(one, sizeof one, "%c%llu",
                     !strcmp(f->stream, "image_02") ? 'C' : 'R', seq);
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", n ? " " : "",
                              one);
        sp_frame_unref(f);
    }
    if (rc < 0)
        snprintf(msg, sizeof msg, "%s", sp_errmsg());
    sp_pipeline_destroy(p);
    return rc;
}

static void expect(const char *launch, const char *want)
{
    int rc = trace(launch);
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, msg);
    if (strcmp(got, want))
        fail_msg("%s:\n  got  %s\n  want %s", launch, got, want);
}

/* synth's timing: the camera 50 ms after its sweep, halfway to the next:
 * the tie goes to the frame of the same seq. Camera k is token 2k+1, so
 * 21 + 2k wide. */
static void test_pair_half_period(void **state)
{
    (void)state;
    expect("tscript script='L0@0 C0@50 L1@100 C1@150 L2@200 C2@250' ! "
           "project",
           "D0:21 C0 D1:23 C1 D2:25 C2");
    /* points=true: the sweep follows its depth image. */
    expect("tscript script='L0@0 C0@50 L1@100 C1@150' ! project points=true",
           "D0:21 L0 C0 D1:23 L1 C1");
}

/* KITTI raw's timing: each camera a few ms before its sweep; the sweep
 * takes the nearer camera, never the next sample's. */
static void test_pair_camera_first(void **state)
{
    (void)state;
    expect("tscript script='C0@-3 L0@0 C1@97 L1@100 C2@197 L2@200' ! project",
           "C0 D0:20 C1 D1:22 C2 D2:24");
    /* And the camera's overlay takes the sweep just after it. */
    expect("tscript script='C0@-3 L0@0 C1@97 L1@100' ! overlay",
           "O0:20 L0 O1:22 L1");
}

/* A 30 Hz camera beside a 10 Hz lidar: each sweep takes the camera frame
 * of its own time; same time and seq needs no waiting. */
static void test_pair_fast_camera(void **state)
{
    (void)state;
    expect("tscript script='C0@0 L0@0 C1@33 C2@66 L1@100 C3@100' ! project",
           "C0 D0:20 C1 C2 D1:25 C3");
    /* camera= picks the stream: image_03 (R) rather than the nearer
     * image_02. */
    expect("tscript script='L0@0 C0@1 R0@5' ! project camera=image_03",
           "C0 D0:22 R0");
}

/* No camera within sync=: no size unless width= gives it; a wider window
 * finds it. */
static void test_pair_none(void **state)
{
    (void)state;
    assert_int_equal(trace("tscript script='L0@0 C0@80' ! project"), SP_EINVAL);
    if (!strstr(msg, "no image size: no camera frame of the same sample"))
        fail_msg("%s", msg);
    expect("tscript script='L0@0 C0@80' ! project width=32 height=10",
           "D0:32 C0");
    expect("tscript script='L0@0 C0@80' ! project sync=0.1", "D0:21 C0");
    expect("tscript script='L0@0 C0@80' ! project sync=100ms", "D0:21 C0");
    /* 79 ms: the camera, 80 ms after the sweep, is another sample's */
    assert_int_equal(trace("tscript script='L0@0 C0@80' ! project sync=79ms"),
                     SP_EINVAL);
    if (!strstr(msg, "no camera frame of the same sample"))
        fail_msg("%s", msg);
    /* width= overrides the camera frame's. */
    expect("tscript script='L0@0 C0@0' ! project width=64 height=10",
           "D0:64 C0");
}

/* Frames that all carry one time (a source without timestamps): the wait
 * is bounded, every frame comes out, in order. */
static void test_pair_same_times(void **state)
{
    (void)state;
    expect("tscript script='L0@0 L1@0 L2@0 L3@0 L4@0 L5@0 L6@0' ! "
           "project width=8 height=10",
           "D0:8 D1:8 D2:8 D3:8 D4:8 D5:8 D6:8");
}

/* ---- overlay pixels ---- */

/* Copies of the first depth image, overlay and camera image of a run. */
typedef struct pic {
    int have;
    uint32_t w, h; /* image: width, height; depth: shape[1], shape[0] */
    char stream[SP_STREAM_NAME_MAX];
    sp_pixfmt format;
    uint8_t *px; /* rows packed: w * 3 bytes (RGB8), w * 4 (f32 depth) */
} pic;

typedef struct pics {
    pic depth, overlay, image;
} pics;

static void keep(pic *dst, const sp_frame *f)
{
    if (dst->have)
        return;
    dst->have = 1;
    snprintf(dst->stream, sizeof dst->stream, "%s", f->stream);
    if (f->payload == SP_PAYLOAD_TENSOR) {
        dst->h = (uint32_t)f->u.tensor.shape[0];
        dst->w = (uint32_t)f->u.tensor.shape[1];
        size_t n = (size_t)dst->w * dst->h * sizeof(float);
        dst->px = malloc(n);
        memcpy(dst->px, f->u.tensor.data, n);
        return;
    }
    const sp_image *im = &f->u.image;
    dst->w = im->width;
    dst->h = im->height;
    dst->format = im->format;
    size_t row = sp_image_row_bytes(im->width, im->format);
    dst->px = malloc(row * im->height);
    for (uint32_t y = 0; y < im->height; y++)
        memcpy(dst->px + y * row, sp_image_row(im, y), row);
}

static void grab(const char *launch, pics *o)
{
    memset(o, 0, sizeof *o);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) < 0)
        fail_msg("%s", sp_errmsg());
    sp_frame *f;
    int rc;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        if (f->payload == SP_PAYLOAD_TENSOR)
            keep(&o->depth, f);
        else if (f->payload == SP_PAYLOAD_IMAGE &&
                 !strncmp(f->stream, "overlay/", 8))
            keep(&o->overlay, f);
        else if (f->payload == SP_PAYLOAD_IMAGE)
            keep(&o->image, f);
        sp_frame_unref(f);
    }
    if (rc != SP_EOS)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_pipeline_destroy(p);
}

static void pics_free(pics *o)
{
    free(o->depth.px);
    free(o->overlay.px);
    free(o->image.px);
    memset(o, 0, sizeof *o);
}

static void test_overlay_pixels(void **state)
{
    (void)state;
    for (int radius = 0; radius <= 1; radius++) {
        char launch[512];
        pics o;
        snprintf(launch, sizeof launch,
                 "synth frames=1 format=rgb8 ! project points=true ! overlay "
                 "radius=%d image=true",
                 radius);
        grab(launch, &o);
        assert_true(o.depth.have && o.overlay.have && o.image.have);
        assert_string_equal(o.overlay.stream, "overlay/image_02");
        assert_int_equal(o.overlay.format, SP_PIX_RGB8);
        assert_int_equal(o.overlay.w, o.image.w);
        assert_int_equal(o.overlay.h, o.image.h);
        assert_int_equal(o.depth.w, o.image.w);
        assert_int_equal(o.depth.h, o.image.h);
        const float *d = (const float *)o.depth.px;
        uint32_t W = o.image.w, H = o.image.h;
        sp_overlay_params pp = {.near = 0, .far = 50, .radius = radius};
        size_t dots = 0;
        for (uint32_t y = 0; y < H; y++)
            for (uint32_t x = 0; x < W; x++) {
                /* The nearest depth within the dot's reach. */
                float best = 0;
                for (int dy = -radius; dy <= radius; dy++)
                    for (int dx = -radius; dx <= radius; dx++) {
                        long yy = (long)y + dy, xx = (long)x + dx;
                        if (yy < 0 || xx < 0 || yy >= (long)H || xx >= (long)W)
                            continue;
                        float v = d[yy * W + xx];
                        if (v > 0 && (best == 0 || v < best))
                            best = v;
                    }
                unsigned char want[3];
                const uint8_t *src = o.image.px + ((size_t)y * W + x) * 3;
                if (best > 0) {
                    sp_overlay_color(&pp, best, want);
                    dots++;
                } else {
                    memcpy(want, src, 3);
                }
                const uint8_t *g = o.overlay.px + ((size_t)y * W + x) * 3;
                if (memcmp(g, want, 3))
                    fail_msg("radius %d: pixel (%u, %u) is %u %u %u, "
                             "expected %u %u %u",
                             radius, x, y, g[0], g[1], g[2], want[0], want[1],
                             want[2]);
            }
        /* A street in front of the camera: thousands of points. */
        assert_true(dots > 10000);
        pics_free(&o);
    }
    /* The ramp's stops. */
    sp_overlay_params pp = {.near = 0, .far = 40};
    unsigned char c[3];
    sp_overlay_color(&pp, 0, c);
    assert_true(c[0] == 255 && c[1] == 0 && c[2] == 0);
    sp_overlay_color(&pp, 20, c);
    assert_true(c[0] == 0 && c[1] == 255 && c[2] == 0);
    sp_overlay_color(&pp, 1000, c);
    assert_true(c[0] == 0 && c[1] == 0 && c[2] == 255);
}

static void test_overlay_without_sweep(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    assert_int_equal(sp_pipeline_create("synth lidar=false frames=2 "
                                        "format=gray8 ! overlay",
                                        NULL, &p),
                     SP_OK);
    sp_frame *f;
    int n = 0;
    while (sp_pipeline_pull(p, &f) == SP_OK) {
        assert_string_equal(f->stream, "overlay/image_02");
        assert_int_equal(f->u.image.format, SP_PIX_RGB8);
        n++;
        sp_frame_unref(f);
    }
    assert_int_equal(n, 2);
    sp_pipeline_close(p);
    uint64_t rep = 0;
    int found = 0;
    for (size_t i = 0; i < sp_pipeline_note_count(p); i++) {
        const char *t = sp_pipeline_note(p, i, &rep);
        if (strstr(t, "stage 'overlay': a camera frame had no sweep within "
                      "sync=0.05 s: drawn without points")) {
            found = 1;
            assert_int_equal(rep, 2);
        }
    }
    assert_true(found);
    sp_pipeline_destroy(p);

    /* A Bayer mosaic is not a picture to draw on: say what to do. */
    assert_int_equal(trace("synth frames=1 ! overlay"), SP_EINVAL);
    if (!strstr(msg, "bayer_rggb8 cannot be drawn on") ||
        !strstr(msg, "debayer"))
        fail_msg("%s", msg);
}

/* ---- a bag: the camera from CameraInfo, the lidar's place from calib= */

/* The overlay has one (scalar) version, and says so after a kernel that
 * ran SIMD on the same context: sp_kctx_last_simd() is not left over. */
static void test_overlay_records_scalar(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    kcloud *c = kcloud_new(4, 0), *o = kcloud_new(4, 0);
    kcloud_random(c, 4, 7, 5.0f, 0.0f, 0);
    sp_crop_params cp = {0};
    assert_int_equal(sp_crop(k, &cp, &c->pts, &o->pts), SP_OK);
    assert_int_equal(sp_kctx_last_simd(k), sp_kctx_simd_level(k));
    float depth[4 * 4] = {[5] = 10.0f};
    uint8_t px[4 * 4 * 3] = {0};
    sp_tensor t = {depth, SP_DTYPE_F32, 2, {4, 4, 1, 1}};
    sp_image im = {px, 4, 4, 12, SP_PIX_RGB8, 0};
    sp_overlay_params op = {.near = 1, .far = 50, .radius = 1};
    assert_int_equal(sp_overlay_draw(k, &op, &t, &im), SP_OK);
    assert_int_equal(sp_kctx_last_backend(k), SP_BACKEND_SCALAR);
    assert_int_equal(sp_kctx_last_simd(k), SP_SIMD_NONE);
    assert_true(px[3 * 5] || px[3 * 5 + 1] || px[3 * 5 + 2]);
    kcloud_free(c);
    kcloud_free(o);
    sp_kctx_destroy(k);
}

static void test_bag_camerainfo(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    char bag[1024], extr[1024], cmd[4096], launch[4096];
    snprintf(bag, sizeof bag, "%s", iot_tmp("cam_lidar.bag"));
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/oracles/cam_lidar_bag.py' '%s'",
             ro_tests_dir(), bag);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("%s: exit %d", cmd, rc);
    snprintf(launch, sizeof launch, "bag path=%s ! project", bag);
    assert_int_equal(trace(launch), SP_EINVAL);
    if (!strstr(msg, "/cam/camera_info (a CameraInfo) gives the camera but "
                     "not where the lidar is") ||
        !strstr(msg, "expected calib=FILE") || !strstr(msg, "/tf is not read"))
        fail_msg("%s", msg);

    /* lidar x forward, y left, z up -> camera x right, y down, z ahead. */
    snprintf(extr, sizeof extr, "%s", iot_tmp("lidar_to_cam.txt"));
    iot_write_str(extr, "0 -1 0 0\n0 0 -1 0\n1 0 0 0\n0 0 0 1\n");
    snprintf(launch, sizeof launch,
             "bag path=%s ! project calib=%s points=true ! overlay calib=%s "
             "radius=0",
             bag, extr, extr);
    pics o;
    grab(launch, &o);
    assert_true(o.depth.have && o.overlay.have);
    /* The camera frame's size; P = [40 0 32; 0 40 24]: (10, 0, 0) at
     * (32, 24), (10, 2, 1) at (24, 20), (20, -4, -1) at (40, 26); the point
     * behind the car is not seen. */
    assert_int_equal(o.depth.h, 48);
    assert_int_equal(o.depth.w, 64);
    const float *d = (const float *)o.depth.px;
    int n = 0;
    for (int i = 0; i < 48 * 64; i++)
        n += d[i] > 0;
    assert_int_equal(n, 3);
    assert_true(d[24 * 64 + 32] == 10.0f);
    assert_true(d[20 * 64 + 24] == 10.0f);
    assert_true(d[26 * 64 + 40] == 20.0f);
    const uint8_t *px = o.overlay.px + (26 * 64 + 40) * 3;
    assert_true(px[0] == 103 && px[1] == 255 && px[2] == 0); /* 20 m */
    px = o.overlay.px + (24 * 64 + 32) * 3;
    assert_true(px[0] == 255 && px[1] == 203 && px[2] == 0); /* 10 m */
    px = o.overlay.px;
    assert_true(px[0] == 128 && px[1] == 128 && px[2] == 128);
    pics_free(&o);
}

/* The same with a real camera: the shared data's Raspberry Pi bag (a JPEG
 * CompressedImage, 1280 x 720, and its recorded CameraInfo) with one sweep
 * added 5 ms after the image. The depth image takes the camera frame's
 * size; the pixels are where the real CameraInfo's P puts the points (as
 * numpy computes them from the P rosbag reads: (630.2, 380.2), (370.2,
 * 250.1), (890.2, 445.2)); the overlay is the decoded photo with dots of
 * the ramp's colour there. */
static void test_real_bag_camerainfo(void **state)
{
    (void)state;
    BT_NEED_PYTHON();
    const char *real = bt_real("ubiquity_aruco_marker_jpeg.bag");
    if (!real)
        skip();
    char bag[1024], extr[1024], cmd[4096], launch[4096];
    snprintf(bag, sizeof bag, "%s", iot_tmp("real_cam_lidar.bag"));
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 '%s/oracles/cam_lidar_bag.py' '%s' '%s'",
             ro_tests_dir(), bag, real);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("%s: exit %d", cmd, rc);
    /* Without calib=: the CameraInfo is found, the lidar's place is not. */
    snprintf(launch, sizeof launch, "bag path=%s ! project", bag);
    assert_int_equal(trace(launch), SP_EINVAL);
    if (!strstr(msg, "/raspicam_node/camera_info (a CameraInfo) gives the "
                     "camera but not where the lidar is"))
        fail_msg("%s", msg);

    snprintf(extr, sizeof extr, "%s", iot_tmp("real_lidar_to_cam.txt"));
    iot_write_str(extr, "0 -1 0 0\n0 0 -1 0\n1 0 0 0\n");
    snprintf(launch, sizeof launch,
             "bag path=%s ! project calib=%s points=true ! overlay calib=%s "
             "radius=0 image=true",
             bag, extr, extr);
    pics o;
    grab(launch, &o);
    assert_true(o.depth.have && o.overlay.have && o.image.have);
    assert_int_equal(o.depth.w, 1280);
    assert_int_equal(o.depth.h, 720);
    assert_int_equal(o.image.w, 1280);
    assert_int_equal(o.image.h, 720);
    assert_int_equal(o.overlay.w, 1280);
    assert_int_equal(o.overlay.h, 720);
    assert_string_equal(o.overlay.stream,
                        "overlay/raspicam_node/image/compressed");
    const float *d = (const float *)o.depth.px;
    static const int at[3][2] = {{630, 380}, {370, 250}, {890, 445}};
    static const float depth[3] = {10, 10, 20};
    int n = 0;
    for (int i = 0; i < 720 * 1280; i++)
        n += d[i] > 0;
    assert_int_equal(n, 3);
    sp_overlay_params pp = {.near = 0, .far = 50, .radius = 0};
    for (int i = 0; i < 3; i++) {
        size_t k = (size_t)at[i][1] * 1280 + (size_t)at[i][0];
        if (d[k] != depth[i])
            fail_msg("depth at (%d, %d) is %g, expected %g", at[i][0], at[i][1],
                     (double)d[k], (double)depth[i]);
        unsigned char want[3];
        sp_overlay_color(&pp, depth[i], want);
        assert_memory_equal(o.overlay.px + k * 3, want, 3);
        o.overlay.px[k * 3] = o.image.px[k * 3]; /* for the compare below */
        o.overlay.px[k * 3 + 1] = o.image.px[k * 3 + 1];
        o.overlay.px[k * 3 + 2] = o.image.px[k * 3 + 2];
    }
    /* Every other pixel is the photo's, and the photo is no flat grey. */
    assert_memory_equal(o.overlay.px, o.image.px, (size_t)1280 * 720 * 3);
    size_t differ = 0;
    for (size_t i = 3; i < (size_t)1280 * 720 * 3; i += 3)
        differ += memcmp(o.image.px + i, o.image.px, 3) != 0;
    assert_true(differ > 100000);
    pics_free(&o);
}

/* ---- the real KITTI object set ---- */

static void test_kitti_object(void **state)
{
    (void)state;
    const char *root = iot_data("kitti_object");
    if (!root) {
        print_message("skipped: $SP_TEST_DATA/kitti_object is missing (the "
                      "shared data folder)\n");
        skip();
    }
    char launch[2048];
    snprintf(launch, sizeof launch,
             "kitti path=%s ! project points=true ! overlay image=true", root);
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) < 0)
        fail_msg("%s", sp_errmsg());
    /* 000000 is 1224x370, the others 1242x375: each sample's own size. */
    static const size_t w[3] = {1224, 1242, 1242}, h[3] = {370, 375, 375};
    int depths = 0, overlays = 0;
    sp_frame *f;
    int rc;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        if (f->payload == SP_PAYLOAD_TENSOR) {
            assert_true(f->seq < 3);
            assert_int_equal(f->u.tensor.shape[0], h[f->seq]);
            assert_int_equal(f->u.tensor.shape[1], w[f->seq]);
            const float *d = f->u.tensor.data;
            size_t n = 0;
            for (size_t i = 0; i < w[f->seq] * h[f->seq]; i++)
                n += d[i] > 0;
            assert_true(n > 15000);
            depths++;
        } else if (!strncmp(f->stream, "overlay/", 8)) {
            assert_int_equal(f->u.image.width, w[f->seq]);
            assert_int_equal(f->u.image.height, h[f->seq]);
            overlays++;
        }
        sp_frame_unref(f);
    }
    if (rc != SP_EOS)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(depths, 3);
    assert_int_equal(overlays, 3);
    sp_pipeline_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_half_period),
        cmocka_unit_test(test_pair_camera_first),
        cmocka_unit_test(test_pair_fast_camera),
        cmocka_unit_test(test_pair_none),
        cmocka_unit_test(test_pair_same_times),
        cmocka_unit_test(test_overlay_pixels),
        cmocka_unit_test(test_overlay_without_sweep),
        cmocka_unit_test(test_overlay_records_scalar),
        cmocka_unit_test(test_bag_camerainfo),
        cmocka_unit_test(test_real_bag_camerainfo),
        cmocka_unit_test(test_kitti_object),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
