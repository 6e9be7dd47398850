/* ctest-label: pipeline */
/* The synthetic rig: the lidar and camera as pure functions (determinism,
 * KITTI-like sweeps, Bayer mosaic, calibration consistent with the
 * rendering) and the `synth` source stage (order, streams, sizes, errors). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_pipeline.h"
#include "sp_project.h"
#include "synth_int.h"

typedef struct cloud {
    sp_points p;
    float *mem;
} cloud;

static void cloud_alloc(cloud *c)
{
    size_t n = SP__SYNTH_MAX_POINTS;
    c->mem = malloc(n * 6 * sizeof(float));
    assert_non_null(c->mem);
    float *b = c->mem;
    c->p = (sp_points){.x = b,
                       .y = b + n,
                       .z = b + 2 * n,
                       .intensity = b + 3 * n,
                       .ring = (uint16_t *)(b + 4 * n),
                       .time = b + 5 * n,
                       .capacity = n,
                       .fields = SP_POINTS_RING | SP_POINTS_TIME};
}

static void sweep(uint64_t seed, uint64_t k, cloud *c)
{
    static sp__synth_scene scene, now;
    static sp__synth_lidar lidar;
    sp__synth_scene_init(&scene, seed);
    sp__synth_scene_at(&scene, (double)k * 0.1, &now);
    sp__synth_lidar_init(&lidar, SP__SYNTH_AZIMUTHS);
    assert_int_equal(sp__synth_lidar_sweep(
                         &lidar, &now, sp__synth_frame_seed(seed, 0, k), &c->p),
                     SP_OK);
}

static int same_cloud(const cloud *a, const cloud *b)
{
    size_t n = a->p.count;
    if (n != b->p.count)
        return 0;
    return !memcmp(a->p.x, b->p.x, n * 4) && !memcmp(a->p.y, b->p.y, n * 4) &&
           !memcmp(a->p.z, b->p.z, n * 4) &&
           !memcmp(a->p.intensity, b->p.intensity, n * 4) &&
           !memcmp(a->p.ring, b->p.ring, n * 2) &&
           !memcmp(a->p.time, b->p.time, n * 4);
}

static void test_lidar_deterministic(void **state)
{
    (void)state;
    cloud a, b;
    cloud_alloc(&a);
    cloud_alloc(&b);
    sweep(42, 3, &a);
    sweep(42, 3, &b);
    assert_true(same_cloud(&a, &b));
    sweep(43, 3, &b);
    assert_false(same_cloud(&a, &b));
    sweep(42, 4, &b); /* the next sweep: traffic moved, noise differs */
    assert_false(same_cloud(&a, &b));
    free(a.mem);
    free(b.mem);
}

static void test_lidar_like_kitti(void **state)
{
    (void)state;
    cloud c;
    cloud_alloc(&c);
    const double el_lo = SP__SYNTH_EL_MIN_DEG, el_hi = SP__SYNTH_EL_MAX_DEG;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        sweep(seed, seed % 3, &c);
        const sp_points *p = &c.p;
        if (p->count < 110000 || p->count > 120000)
            fail_msg("seed %llu: %zu points, expected 110k..120k",
                     (unsigned long long)seed, p->count);
        size_t ground = 0, below = 0;
        float prev_t = 0.0f;
        for (size_t i = 0; i < p->count; i++) {
            float h = hypotf(p->x[i], p->y[i]);
            double el = atan2(p->z[i], h) * 180.0 / M_PI;
            assert_true(p->ring[i] < 64);
            /* each point lies on its beam's cone (noise is along the ray),
             * the beam at the centre of its 64th of the field of view */
            double beam = el_lo + (p->ring[i] + 0.5) * (el_hi - el_lo) / 64.0;
            if (fabs(el - beam) > 0.01)
                fail_msg("point %zu: elevation %.4f, ring %u beam %.4f", i, el,
                         p->ring[i], beam);
            assert_true(el >= el_lo - 0.01 && el <= el_hi + 0.01);
            assert_true(p->time[i] >= 0.0f && p->time[i] < 0.1f);
            assert_true(p->time[i] >= prev_t); /* firing order */
            prev_t = p->time[i];
            assert_true(p->intensity[i] >= 0.0f && p->intensity[i] <= 1.0f);
            float r = sqrtf(h * h + p->z[i] * p->z[i]);
            assert_true(r <= SP__SYNTH_MAX_RANGE + 0.05f);
            if (fabsf(p->z[i] - SP__SYNTH_GROUND_Z) < 0.03f)
                ground++;
            if (p->z[i] < SP__SYNTH_GROUND_Z - 0.03f)
                below++;
        }
        /* most returns are road (KITTI: roughly half to two thirds) */
        assert_true(ground > p->count / 3);
        assert_int_equal(below, 0);
        /* rings 0 and 63 both fire */
        int seen0 = 0, seen63 = 0;
        for (size_t i = 0; i < p->count; i++) {
            seen0 |= p->ring[i] == 0;
            seen63 |= p->ring[i] == 63;
        }
        assert_true(seen0 && seen63);
    }
    free(c.mem);
}

static void test_lidar_too_small(void **state)
{
    (void)state;
    static sp__synth_scene scene;
    static sp__synth_lidar lidar;
    sp__synth_scene_init(&scene, 1);
    sp__synth_lidar_init(&lidar, SP__SYNTH_AZIMUTHS);
    float buf[64];
    sp_points p = {
        .x = buf, .y = buf, .z = buf, .intensity = buf, .capacity = 16};
    assert_int_equal(sp__synth_lidar_sweep(&lidar, &scene, 1, &p), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "115200"));
}

typedef struct picture {
    sp_image img;
    uint8_t *mem;
} picture;

static void picture_alloc(picture *pic, uint32_t w, uint32_t h, sp_pixfmt fmt)
{
    size_t stride = sp_image_default_stride(w, fmt);
    pic->mem = calloc(stride, h);
    assert_non_null(pic->mem);
    pic->img = (sp_image){.data = pic->mem,
                          .width = w,
                          .height = h,
                          .stride = stride,
                          .format = fmt};
}

static void test_camera_mosaic(void **state)
{
    (void)state;
    static sp__synth_scene scene;
    sp__synth_scene_init(&scene, 5);
    sp_calib cal;
    sp__synth_calib(&cal, 620, 188);
    picture rgb, bay, bay2;
    picture_alloc(&rgb, 620, 188, SP_PIX_RGB8);
    picture_alloc(&bay, 620, 188, SP_PIX_BAYER_RGGB8);
    picture_alloc(&bay2, 620, 188, SP_PIX_BAYER_RGGB8);
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 99, &rgb.img),
                     SP_OK);
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 99, &bay.img),
                     SP_OK);
    /* R at (even, even), G on the other diagonal, B at (odd, odd) */
    for (uint32_t y = 0; y < 188; y++)
        for (uint32_t x = 0; x < 620; x++) {
            int ch = (int)(x & 1) + (int)(y & 1);
            uint8_t want = sp_image_row(&rgb.img, y)[x * 3 + (uint32_t)ch];
            if (sp_image_row(&bay.img, y)[x] != want)
                fail_msg("(%u,%u): bayer %u, rgb channel %d %u", x, y,
                         sp_image_row(&bay.img, y)[x], ch, want);
        }
    /* the scene has structure: sky at the top centre is blue, road at the
     * bottom is grey, and the picture is not flat */
    const uint8_t *top = sp_image_row(&rgb.img, 2) + 310 * 3;
    const uint8_t *bottom = sp_image_row(&rgb.img, 185) + 310 * 3;
    assert_true(top[2] > top[0] + 20);
    assert_true(abs((int)bottom[0] - (int)bottom[2]) < 25 && bottom[1] < 160);
    /* deterministic, and the noise depends on the frame seed */
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 99, &bay2.img),
                     SP_OK);
    assert_memory_equal(bay.mem, bay2.mem, bay.img.stride * 188);
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 100, &bay2.img),
                     SP_OK);
    assert_memory_not_equal(bay.mem, bay2.mem, bay.img.stride * 188);
    /* wrong size or format */
    sp__synth_calib(&cal, 640, 188);
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 99, &bay.img),
                     SP_EINVAL);
    sp__synth_calib(&cal, 620, 188);
    rgb.img.format = SP_PIX_NV12;
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 99, &rgb.img),
                     SP_EINVAL);
    free(rgb.mem);
    free(bay.mem);
    free(bay2.mem);
}

/* Lidar point -> pixel with the calibration, KITTI style:
 * P2 * R0_rect * Tr_velo_to_cam * X. Returns 0 behind the camera. */
static int project(const sp_calib *c, const float X[3], double *u, double *v)
{
    double cam[3], rect[3];
    for (int r = 0; r < 3; r++)
        cam[r] = c->velo_to_cam[r * 4] * X[0] +
                 c->velo_to_cam[r * 4 + 1] * X[1] +
                 c->velo_to_cam[r * 4 + 2] * X[2] + c->velo_to_cam[r * 4 + 3];
    for (int r = 0; r < 3; r++)
        rect[r] = c->R0[r * 3] * cam[0] + c->R0[r * 3 + 1] * cam[1] +
                  c->R0[r * 3 + 2] * cam[2];
    const double *P = c->P[c->camera];
    double w = P[8] * rect[0] + P[9] * rect[1] + P[10] * rect[2] + P[11];
    if (w <= 0.1)
        return 0;
    *u = (P[0] * rect[0] + P[1] * rect[1] + P[2] * rect[2] + P[3]) / w;
    *v = (P[4] * rect[0] + P[5] * rect[1] + P[6] * rect[2] + P[7]) / w;
    return 1;
}

static void test_calibration_consistent(void **state)
{
    (void)state;
    static sp__synth_scene scene, without;
    const uint64_t seed = 11;
    sp__synth_scene_init(&scene, seed);
    /* the car ahead in our lane */
    int lead = -1;
    for (int i = 0; i < scene.n; i++) {
        const sp__synth_object *o = &scene.obj[i];
        if (o->material == SP__SYNTH_CAR && o->vx == 0.0f && o->x0 > 0 &&
            o->y0 < 0 && o->y1 > 0)
            lead = i;
    }
    assert_true(lead >= 0);
    const sp__synth_object *car = &scene.obj[lead];
    float target[3] = {car->x0, 0.0f, 0.5f * (car->z0 + car->z1)};
    sp_calib cal;
    sp__synth_calib(&cal, 1242, 375);
    double u, v;
    assert_true(project(&cal, target, &u, &v));
    assert_true(u > 0 && u < 1242 && v > 0 && v < 375);

    /* The rendered picture changes there when the car is taken away, and
     * not in the sky above the street. */
    memcpy(&without, &scene, sizeof scene);
    memmove(&without.obj[lead], &without.obj[lead + 1],
            (size_t)(without.n - lead - 1) * sizeof without.obj[0]);
    without.n--;
    picture a, b;
    picture_alloc(&a, 1242, 375, SP_PIX_RGB8);
    picture_alloc(&b, 1242, 375, SP_PIX_RGB8);
    assert_int_equal(sp__synth_camera_render(&scene, &cal, 1, &a.img), SP_OK);
    assert_int_equal(sp__synth_camera_render(&without, &cal, 1, &b.img), SP_OK);
    const uint8_t *pa = sp_image_row(&a.img, (uint32_t)v) + (size_t)u * 3;
    const uint8_t *pb = sp_image_row(&b.img, (uint32_t)v) + (size_t)u * 3;
    int diff = abs(pa[0] - pb[0]) + abs(pa[1] - pb[1]) + abs(pa[2] - pb[2]);
    assert_true(diff > 30);
    assert_memory_equal(sp_image_row(&a.img, 1), sp_image_row(&b.img, 1),
                        1242 * 3);

    /* Lidar returns that project next to that pixel are the car's rear:
     * at its distance. */
    cloud c;
    cloud_alloc(&c);
    sweep(seed, 0, &c);
    size_t near = 0;
    for (size_t i = 0; i < c.p.count; i++) {
        float X[3] = {c.p.x[i], c.p.y[i], c.p.z[i]};
        double pu, pv;
        if (!project(&cal, X, &pu, &pv) || fabs(pu - u) > 6 || fabs(pv - v) > 6)
            continue;
        near++;
        assert_true(fabsf(X[0] - car->x0) < 0.1f);
    }
    assert_true(near >= 2);
    free(c.mem);
    free(a.mem);
    free(b.mem);
}

/* The library's own projection kernel, fed the rig's calibration, puts the
 * lead car's returns where the camera drew it, at its distance. */
static void test_project_kernel_agrees(void **state)
{
    (void)state;
    static sp__synth_scene scene;
    const uint64_t seed = 11;
    sp__synth_scene_init(&scene, seed);
    int lead = -1;
    for (int i = 0; i < scene.n; i++) {
        const sp__synth_object *o = &scene.obj[i];
        if (o->material == SP__SYNTH_CAR && o->vx == 0.0f && o->x0 > 0 &&
            o->y0 < 0 && o->y1 > 0)
            lead = i;
    }
    assert_true(lead >= 0);
    const sp__synth_object *car = &scene.obj[lead];
    sp_calib cal;
    sp__synth_calib(&cal, 1242, 375);
    sp_project_params pp = {0};
    assert_int_equal(sp_project_params_from_calib(&cal, &pp), SP_OK);
    assert_int_equal(pp.width, 1242);
    assert_int_equal(pp.height, 375);
    sp_kctx *k = NULL;
    sp_kctx_desc kd = {.backend = SP_BACKEND_SCALAR};
    if (sp_kctx_create(&kd, &k) != SP_OK)
        fail_msg("%s", sp_errmsg());
    cloud c;
    cloud_alloc(&c);
    sweep(seed, 0, &c);
    float *depth = calloc(375 * 1242, sizeof(float));
    sp_tensor t = {.data = depth,
                   .dtype = SP_DTYPE_F32,
                   .ndim = 2,
                   .shape = {375, 1242, 1, 1}};
    if (sp_project_depth(k, &pp, &c.p, &t) != SP_OK)
        fail_msg("%s", sp_errmsg());
    /* the car's rear face centre, by our own arithmetic */
    float target[3] = {car->x0, 0.0f, 0.5f * (car->z0 + car->z1)};
    double u, v;
    assert_true(project(&cal, target, &u, &v));
    float want = car->x0 - SP__SYNTH_CAM_X; /* depth: z in the camera frame */
    size_t near = 0;
    for (int dv = -8; dv <= 8; dv++)
        for (int du = -8; du <= 8; du++) {
            float d =
                depth[(size_t)((int)v + dv) * 1242 + (size_t)((int)u + du)];
            if (d == 0.0f)
                continue;
            near++;
            if (fabsf(d - want) > 0.1f)
                fail_msg("depth %.3f at (%d,%d), expected the car at %.3f", d,
                         (int)u + du, (int)v + dv, want);
        }
    assert_true(near >= 4);
    free(depth);
    free(c.mem);
    sp_kctx_destroy(k);
}

/* ---- the stage ---- */

static void test_stage_order_and_shapes(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create("synth frames=3 seed=7 width=320 height=96",
                                NULL, &p);
    if (rc != SP_OK)
        fail_msg("%s", sp_errmsg());
    int64_t last_ts = -1;
    int nl = 0, nc = 0;
    sp_frame *f;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        assert_true(f->timestamp_ns > last_ts);
        last_ts = f->timestamp_ns;
        assert_non_null(f->calib);
        if (f->sensor == SP_SENSOR_LIDAR) {
            assert_string_equal(f->stream, "velodyne");
            assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
            assert_int_equal(f->seq, (uint64_t)nl);
            assert_int_equal(f->timestamp_ns, (int64_t)nl * 100000000);
            assert_true(f->u.points.count >= 110000 &&
                        f->u.points.count <= 120000);
            assert_non_null(f->u.points.ring);
            assert_non_null(f->u.points.time);
            nl++;
        } else {
            assert_string_equal(f->stream, "image_02");
            assert_int_equal(f->payload, SP_PAYLOAD_IMAGE);
            assert_int_equal(f->seq, (uint64_t)nc);
            assert_int_equal(f->timestamp_ns,
                             (int64_t)nc * 100000000 + 50000000);
            assert_int_equal(f->u.image.width, 320);
            assert_int_equal(f->u.image.height, 96);
            assert_int_equal(f->u.image.format, SP_PIX_BAYER_RGGB8);
            assert_int_equal(f->calib->width, 320);
            assert_int_equal(f->calib->height, 96);
            nc++;
        }
        sp_frame_unref(f);
    }
    assert_int_equal(rc, SP_EOS);
    assert_int_equal(nl, 3);
    assert_int_equal(nc, 3);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    /* one sensor only, and the default camera size */
    rc = sp_pipeline_create("synth frames=2 lidar=false", NULL, &p);
    if (rc != SP_OK)
        fail_msg("%s", sp_errmsg());
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->sensor, SP_SENSOR_CAMERA);
    assert_int_equal(f->u.image.width, 1242);
    assert_int_equal(f->u.image.height, 375);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);

    assert_int_equal(sp_pipeline_create("synth frames=0", NULL, &p), SP_OK);
    assert_int_equal(sp_pipeline_pull(p, &f), SP_EOS);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

static void test_stage_same_seed_same_frames(void **state)
{
    (void)state;
    sp_pipeline *a = NULL, *b = NULL;
    assert_int_equal(sp_pipeline_create(
                         "synth frames=2 seed=3 width=64 height=32", NULL, &a),
                     SP_OK);
    assert_int_equal(sp_pipeline_create(
                         "synth frames=2 seed=3 width=64 height=32", NULL, &b),
                     SP_OK);
    sp_frame *fa, *fb;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(sp_pipeline_pull(a, &fa), SP_OK);
        assert_int_equal(sp_pipeline_pull(b, &fb), SP_OK);
        assert_int_equal(fa->sensor, fb->sensor);
        if (fa->sensor == SP_SENSOR_LIDAR) {
            assert_int_equal(fa->u.points.count, fb->u.points.count);
            assert_memory_equal(fa->u.points.x, fb->u.points.x,
                                fa->u.points.count * 4);
            assert_memory_equal(fa->u.points.intensity, fb->u.points.intensity,
                                fa->u.points.count * 4);
        } else {
            for (uint32_t y = 0; y < 32; y++)
                assert_memory_equal(sp_image_row(&fa->u.image, y),
                                    sp_image_row(&fb->u.image, y), 64);
        }
        sp_frame_unref(fa);
        sp_frame_unref(fb);
    }
    assert_int_equal(sp_pipeline_destroy(a), SP_OK);
    assert_int_equal(sp_pipeline_destroy(b), SP_OK);
}

/* columns=N: N azimuth steps, each firing at the centre of its step, the
 * sweep still 100 ms long; the pool block is sized for N columns. */
static void test_stage_columns(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    int rc =
        sp_pipeline_create("synth frames=1 camera=false columns=90", NULL, &p);
    if (rc != SP_OK)
        fail_msg("%s", sp_errmsg());
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    const sp_points *q = &f->u.points;
    assert_true(q->capacity >= 64 * 90 && q->capacity < 64 * 1800);
    /* 90 of the default's 1800 columns: about a twentieth of its points */
    assert_true(q->count > 110000 / 20 * 9 / 10 && q->count <= 64 * 90);
    int seen[90] = {0};
    for (size_t i = 0; i < q->count; i++) {
        double az = atan2(q->y[i], q->x[i]) * 180.0 / M_PI; /* -180..180 */
        double step = (az + 180.0) / 4.0;                   /* 4 degrees */
        int col = (int)floor(step);
        if (fabs(step - col - 0.5) > 1e-3)
            fail_msg("point %zu at %.5f deg: not at a column centre", i, az);
        assert_true(col >= 0 && col < 90);
        seen[col] = 1;
        float t = (float)col * (float)(0.1 / 90.0);
        assert_true(q->time[i] == t);
    }
    for (int c = 0; c < 90; c++)
        assert_true(seen[c]);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
    assert_true(sp_pipeline_create("synth columns=0", NULL, &p) < 0);
    iot_msg_has("columns", NULL);
    assert_true(sp_pipeline_create("synth columns=1801", NULL, &p) < 0);
    iot_msg_has("columns", "1800", NULL);
}

static void test_stage_errors(void **state)
{
    (void)state;
    sp_pipeline *p = NULL;
    assert_true(sp_pipeline_create("synth lidar=false camera=false", NULL, &p) <
                0);
    assert_null(p);
    assert_non_null(strstr(sp_errmsg(), "synth"));
    assert_non_null(strstr(sp_errmsg(), "nothing to produce"));
    assert_true(sp_pipeline_create("synth width=1", NULL, &p) < 0);
    assert_non_null(strstr(sp_errmsg(), "width"));
    /* odd sizes are fine (KITTI's 375 rows are) */
    assert_int_equal(
        sp_pipeline_create("synth width=333 format=rgb8 frames=1 lidar=false",
                           NULL, &p),
        SP_OK);
    sp_frame *f;
    assert_int_equal(sp_pipeline_pull(p, &f), SP_OK);
    assert_int_equal(f->u.image.format, SP_PIX_RGB8);
    assert_int_equal(f->u.image.width, 333);
    sp_frame_unref(f);
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lidar_deterministic),
        cmocka_unit_test(test_lidar_like_kitti),
        cmocka_unit_test(test_lidar_too_small),
        cmocka_unit_test(test_camera_mosaic),
        cmocka_unit_test(test_calibration_consistent),
        cmocka_unit_test(test_project_kernel_agrees),
        cmocka_unit_test(test_stage_order_and_shapes),
        cmocka_unit_test(test_stage_same_seed_same_frames),
        cmocka_unit_test(test_stage_columns),
        cmocka_unit_test(test_stage_errors),
    };
    return cmocka_run_group_tests_name("synth", tests, NULL, NULL);
}
