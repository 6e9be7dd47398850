/* ctest-label: io */
/* Calibration that helps instead of blocking: every form sp_calib_load()
 * reads (KITTI object file, a raw drive's pair, either file of it, its
 * folder, a bare 3x4 / 4x4 matrix as text or .npy, rigid or a lidar2img
 * projection) with the exact message for what it refuses; and KITTI
 * calibration read only when a stage asks (a lidar-only chain never fails
 * on a broken file, the stage that needs it fails naming the file and the
 * line, the same way every time; nothing read until then). Fixtures are
 * written under the test's tmp folder. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_calib.h"
#include "sp_iotest.h"
#include "sp_kitti.h"
#include "sp_npy.h"
#include "sp_pipeline.h"
#include "sp_project.h"

/* KITTI object 000001's numbers (P2, R0_rect, Tr_velo_to_cam). */
static const char *const object_txt =
    "P0: 7.215377e+02 0.000000e+00 6.095593e+02 0.000000e+00 0.000000e+00 "
    "7.215377e+02 1.728540e+02 0.000000e+00 0.000000e+00 0.000000e+00 "
    "1.000000e+00 0.000000e+00\n"
    "P1: 7.215377e+02 0.000000e+00 6.095593e+02 -3.875744e+02 0.000000e+00 "
    "7.215377e+02 1.728540e+02 0.000000e+00 0.000000e+00 0.000000e+00 "
    "1.000000e+00 0.000000e+00\n"
    "P2: 7.215377e+02 0.000000e+00 6.095593e+02 4.485728e+01 0.000000e+00 "
    "7.215377e+02 1.728540e+02 2.163791e-01 0.000000e+00 0.000000e+00 "
    "1.000000e+00 2.745884e-03\n"
    "P3: 7.215377e+02 0.000000e+00 6.095593e+02 -3.395242e+02 0.000000e+00 "
    "7.215377e+02 1.728540e+02 2.199936e+00 0.000000e+00 0.000000e+00 "
    "1.000000e+00 2.729905e-03\n"
    "R0_rect: 9.999239e-01 9.837760e-03 -7.445048e-03 -9.869795e-03 "
    "9.999421e-01 -4.278459e-03 7.402527e-03 4.351614e-03 9.999631e-01\n"
    "Tr_velo_to_cam: 7.533745e-03 -9.999714e-01 -6.166020e-04 -4.069766e-03 "
    "1.480249e-02 7.280733e-04 -9.998902e-01 -7.631618e-02 9.998621e-01 "
    "7.523790e-03 1.480755e-02 -2.717806e-01\n";

static const char *const cam_to_cam_txt =
    "calib_time: 09-Jan-2012 13:57:47\n"
    "S_02: 1.392000e+03 5.120000e+02\n"
    "K_02: 9.597910e+02 0 6.960217e+02 0 9.569251e+02 2.241806e+02 0 0 1\n"
    "D_02: -3.691481e-01 1.968681e-01 1.353473e-03 5.677587e-04 "
    "-6.770705e-02\n"
    "R_rect_00: 9.999239e-01 9.837760e-03 -7.445048e-03 -9.869795e-03 "
    "9.999421e-01 -4.278459e-03 7.402527e-03 4.351614e-03 9.999631e-01\n"
    "P_rect_00: 7.215377e+02 0 6.095593e+02 0 0 7.215377e+02 1.728540e+02 0 "
    "0 0 1 0\n"
    "P_rect_02: 7.215377e+02 0 6.095593e+02 4.485728e+01 0 7.215377e+02 "
    "1.728540e+02 2.163791e-01 0 0 1 2.745884e-03\n"
    "P_rect_03: 7.215377e+02 0 6.095593e+02 -3.395242e+02 0 7.215377e+02 "
    "1.728540e+02 2.199936e+00 0 0 1 2.729905e-03\n";

static const char *const velo_to_cam_txt =
    "calib_time: 15-Mar-2012 11:37:16\n"
    "R: 7.533745e-03 -9.999714e-01 -6.166020e-04 1.480249e-02 7.280733e-04 "
    "-9.998902e-01 9.998621e-01 7.523790e-03 1.480755e-02\n"
    "T: -4.069766e-03 -7.631618e-02 -2.717806e-01\n"
    "delta_f: 0 0\ndelta_c: 0 0\n";

static void rm_rf(const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

/* Writes @p text to the scratch file @p name (its folder made first). */
static const char *tmpf(const char *name, const char *text)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", iot_tmp(name));
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        iot_mkdirs(dir);
    }
    const char *p = iot_tmp(name);
    iot_write_str(p, text);
    return p;
}

/* Pixel of (x, y, z) through a calibration, as the project kernel forms
 * it (P R0 Tr), in double. */
static void project_point(const sp_calib *c, const double X[3], double *u,
                          double *v, double *d)
{
    sp_project_params pp = {0};
    assert_int_equal(sp_project_params_from_calib(c, &pp), SP_OK);
    double r0[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, cam[3], rc[3], q[3];
    if (pp.R0)
        memcpy(r0, pp.R0, sizeof r0);
    for (int i = 0; i < 3; i++)
        cam[i] = pp.Tr[i * 4] * X[0] + pp.Tr[i * 4 + 1] * X[1] +
                 pp.Tr[i * 4 + 2] * X[2] + pp.Tr[i * 4 + 3];
    for (int i = 0; i < 3; i++)
        rc[i] = r0[i * 3] * cam[0] + r0[i * 3 + 1] * cam[1] +
                r0[i * 3 + 2] * cam[2];
    for (int i = 0; i < 3; i++)
        q[i] = pp.P[i * 4] * rc[0] + pp.P[i * 4 + 1] * rc[1] +
               pp.P[i * 4 + 2] * rc[2] + pp.P[i * 4 + 3];
    *u = q[0] / q[2];
    *v = q[1] / q[2];
    *d = rc[2];
}

/* ---- bare matrices ---- */

static void test_matrix_text(void **state)
{
    (void)state;
    sp_calib c, obj;
    assert_int_equal(
        sp_calib_parse_kitti(object_txt, strlen(object_txt), "obj.txt", &obj),
        SP_OK);
    assert_int_equal(obj.form, SP_CALIB_KITTI_OBJECT);

    /* A rigid 3x4 [R|t], numpy.savetxt style: where the lidar is. */
    const char *rigid = "# lidar to camera\n"
                        "7.533745e-03 -9.999714e-01 -6.166020e-04 "
                        "-4.069766e-03\n"
                        "1.480249e-02 7.280733e-04 -9.998902e-01 "
                        "-7.631618e-02\n"
                        "9.998621e-01 7.523790e-03 1.480755e-02 "
                        "-2.717806e-01\n";
    assert_int_equal(sp_calib_parse_matrix(rigid, strlen(rigid), "tr.txt", &c),
                     SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_CAMERA);
    assert_true(c.has_velo_to_cam && !c.has_P);
    assert_true(c.velo_to_cam[3] == -4.069766e-03);
    assert_string_equal(sp_calib_form_name(c.form), "lidar_to_camera");

    /* The same as a 4x4 with brackets and commas (numpy's repr). */
    const char *rigid4 =
        "[[7.533745e-03, -9.999714e-01, -6.166020e-04, -4.069766e-03],\n"
        " [1.480249e-02, 7.280733e-04, -9.998902e-01, -7.631618e-02],\n"
        " [9.998621e-01, 7.523790e-03, 1.480755e-02, -2.717806e-01],\n"
        " [0, 0, 0, 1]]\n";
    assert_int_equal(
        sp_calib_parse_matrix(rigid4, strlen(rigid4), "tr4.txt", &c), SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_CAMERA);

    /* lidar2img = P2 R0 Tr as mmdetection3d keeps it (4x4), scaled by 3
     * as a whole: the same pixels, and depth in metres again. */
    double m[16] = {0}, r0tr[12];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += obj.R0[i * 3 + k] * obj.velo_to_cam[k * 4 + j];
            r0tr[i * 4 + j] = s;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double s = j == 3 ? obj.P[2][i * 4 + 3] : 0;
            for (int k = 0; k < 3; k++)
                s += obj.P[2][i * 4 + k] * r0tr[k * 4 + j];
            m[i * 4 + j] = 3 * s;
        }
    m[15] = 1;
    char text[1024];
    size_t tl = 0;
    for (int i = 0; i < 16; i++)
        tl += (size_t)snprintf(text + tl, sizeof text - tl, "%.17g%s", m[i],
                               i % 4 == 3 ? "\n" : " ");
    assert_int_equal(sp_calib_parse_matrix(text, tl, "lidar2img.txt", &c),
                     SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_IMAGE);
    assert_true(c.has_P && c.has_velo_to_cam);
    const double pts[3][3] = {{10, 2, -1}, {30, -5, 0.5}, {6, 0, -1.5}};
    for (int i = 0; i < 3; i++) {
        double u1, v1, d1, u2, v2, d2;
        project_point(&obj, pts[i], &u1, &v1, &d1);
        project_point(&c, pts[i], &u2, &v2, &d2);
        assert_true(fabs(u1 - u2) < 1e-6 && fabs(v1 - v2) < 1e-6);
        /* Depth: lidar2img's third row is P2's (which has a 2.7 mm
         * offset) over R0 Tr; metres either way, to that offset. */
        assert_true(fabs(d1 - d2) < 5e-3);
    }
    /* 12 numbers of the same: a 3x4 works the same. */
    tl = 0;
    for (int i = 0; i < 12; i++)
        tl += (size_t)snprintf(text + tl, sizeof text - tl, "%.17g, ", m[i]);
    assert_int_equal(sp_calib_parse_matrix(text, tl, "l2i_3x4.txt", &c), SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_IMAGE);
}

static void test_matrix_refused(void **state)
{
    (void)state;
    sp_calib c;
    const char *t = "1 0 0 0\n0 1 0 0\n0 0 1\n";
    assert_int_equal(sp_calib_parse_matrix(t, strlen(t), "short.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("short.txt: 11 numbers, expected 12 (a 3x4 matrix) or 16",
                NULL);
    t = "1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 1 1\n";
    assert_int_equal(sp_calib_parse_matrix(t, strlen(t), "row.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("row.txt: the 4x4 matrix's last row is 0 0 1 1",
                "expected 0 0 0 1", NULL);
    t = "1 0 0 0\n0 1 zero 0\n0 0 1 0\n";
    assert_int_equal(sp_calib_parse_matrix(t, strlen(t), "word.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("word.txt: line 2: 'zero', expected a number", NULL);
    t = "1 0 0 0 0 1 0 0 0 0 nan 0";
    assert_int_equal(sp_calib_parse_matrix(t, strlen(t), "nan.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("nan.txt: line 1: 'nan' is not finite", NULL);
    t = "700 0 600 0 0 700 170 0 0 0 0 0";
    assert_int_equal(sp_calib_parse_matrix(t, strlen(t), "flat.txt", &c),
                     SP_EFORMAT);
    iot_msg_has("flat.txt: the third row's first three numbers are zero", NULL);
}

/* ---- files, told apart by content ---- */

static void test_load_forms(void **state)
{
    (void)state;
    sp_calib c;
    /* A KITTI object file; camera 3 picks P3. */
    char obj[1024];
    snprintf(obj, sizeof obj, "%s", tmpf("forms/000001.txt", object_txt));
    assert_int_equal(sp_calib_load(obj, -1, &c), SP_OK);
    assert_int_equal(c.form, SP_CALIB_KITTI_OBJECT);
    assert_int_equal(c.camera, 2);
    assert_int_equal(sp_calib_load(obj, 3, &c), SP_OK);
    assert_int_equal(c.camera, 3);

    /* A raw drive: either file finds the other beside it, so does the
     * folder. */
    char dir[512];
    snprintf(dir, sizeof dir, "%s", iot_tmp("forms/2011_09_26"));
    rm_rf(dir);
    iot_mkdirs(dir);
    char cam[1024], velo[1024];
    snprintf(cam, sizeof cam, "%s/calib_cam_to_cam.txt", dir);
    snprintf(velo, sizeof velo, "%s/calib_velo_to_cam.txt", dir);
    iot_write_str(cam, cam_to_cam_txt);
    iot_write_str(velo, velo_to_cam_txt);
    const char *paths[3] = {cam, velo, dir};
    for (int i = 0; i < 3; i++) {
        memset(&c, 0, sizeof c);
        assert_int_equal(sp_calib_load(paths[i], -1, &c), SP_OK);
        assert_int_equal(c.form, SP_CALIB_KITTI_RAW);
        assert_true(c.has_P && c.has_velo_to_cam && c.has_R0 && c.has_K);
        assert_int_equal(c.camera, 2);
        assert_true(c.P[2][3] == 4.485728e+01);
        assert_true(c.velo_to_cam[3] == -4.069766e-03);
        assert_non_null(strstr(c.source, "calib_cam_to_cam.txt + "
                                         "calib_velo_to_cam.txt"));
    }
    /* calib_velo_to_cam.txt alone: where the lidar is, no camera. */
    char lone[512];
    snprintf(lone, sizeof lone, "%s", iot_tmp("forms/lone"));
    rm_rf(lone);
    iot_mkdirs(lone);
    snprintf(velo, sizeof velo, "%s/calib_velo_to_cam.txt", lone);
    iot_write_str(velo, velo_to_cam_txt);
    assert_int_equal(sp_calib_load(velo, -1, &c), SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_CAMERA);
    assert_true(c.has_velo_to_cam && !c.has_P);

    /* .npy: float64 (4,4) and float32 (3,4) (written with our writer). */
    double m4[16] = {0, -1, 0, 0.1, 0, 0, -1, 0.2, 1, 0, 0, 0.3, 0, 0, 0, 1};
    float m3[12];
    for (int i = 0; i < 12; i++)
        m3[i] = (float)m4[i];
    sp_tensor t = {
        .data = m3, .dtype = SP_DTYPE_F32, .ndim = 2, .shape = {3, 4, 1, 1}};
    iot_mkdirs(iot_tmp("forms"));
    const char *npy = iot_tmp("forms/tr34.npy");
    assert_int_equal(sp_npy_write_tensor(npy, &t), SP_OK);
    assert_int_equal(sp_calib_load(npy, -1, &c), SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_CAMERA);
    assert_true(fabs(c.velo_to_cam[3] - 0.1) < 1e-7);
    /* float64 by hand: numpy.save(np.float64 4x4) writes this header. */
    char hdr[128];
    const char *dict = "{'descr': '<f8', 'fortran_order': False, "
                       "'shape': (4, 4), }";
    size_t hl = 10 + strlen(dict) + 1;
    size_t pad = (64 - hl % 64) % 64;
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    uint16_t hlen = (uint16_t)(strlen(dict) + pad + 1);
    memcpy(hdr + 8, &hlen, 2);
    memcpy(hdr + 10, dict, strlen(dict));
    memset(hdr + 10 + strlen(dict), ' ', pad);
    hdr[10 + strlen(dict) + pad] = '\n';
    size_t total = 10 + hlen;
    uint8_t buf[256];
    memcpy(buf, hdr, total);
    memcpy(buf + total, m4, sizeof m4);
    npy = iot_tmp("forms/tr44.npy");
    iot_write(npy, buf, total + sizeof m4);
    assert_int_equal(sp_calib_load(npy, -1, &c), SP_OK);
    assert_int_equal(c.form, SP_CALIB_LIDAR_TO_CAMERA);
    assert_true(c.velo_to_cam[11] == 0.3);

    /* What is none of them says which forms it expected. */
    const char *bad = tmpf("forms/notes.txt", "camera: left\nlens: 4mm\n");
    assert_int_equal(sp_calib_load(bad, -1, &c), SP_EFORMAT);
    iot_msg_has("notes.txt: no calibration key found",
                "a bare 3x4 or 4x4 matrix", "P2:", NULL);
    assert_int_equal(sp_calib_load(iot_tmp("forms/none.txt"), -1, &c),
                     SP_ENOTFOUND);
    const char *empty = iot_tmp("forms/emptydir");
    rm_rf(empty);
    iot_mkdirs(empty);
    assert_int_equal(sp_calib_load(empty, -1, &c), SP_ENOTFOUND);
    iot_msg_has("emptydir: a folder without calib_cam_to_cam.txt", NULL);
    assert_int_equal(sp_calib_load(obj, 1, &c), SP_OK); /* P1 is there */
    const char *p2only = tmpf("forms/p2.txt", "P2: 1 0 0 0 0 1 0 0 0 0 1 0\n");
    assert_int_equal(sp_calib_load(p2only, 3, &c), SP_EFORMAT);
    iot_msg_has("p2.txt: no P3, expected one for camera 3", NULL);
}

/* ---- read only when a stage needs it ---- */

static void write_sweep(const char *path)
{
    /* Points ahead of the car, some in the camera's view. */
    float rec[5][4] = {{10, 0, -1, 0.5f},
                       {20, 3, 0, 0.3f},
                       {8, -2, -1.5f, 0.9f},
                       {-5, 0, 0, 0.1f},
                       {15, 1, 0.5f, 0.2f}};
    iot_write(path, rec, sizeof rec);
}

static const char *make_object_set(const char *name, const char *calib)
{
    const char *root = iot_tmp(name);
    rm_rf(root);
    char p[1024];
    snprintf(p, sizeof p, "%s/training/velodyne", root);
    iot_mkdirs(p);
    snprintf(p, sizeof p, "%s/training/calib", root);
    iot_mkdirs(p);
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/training/velodyne/%06d.bin", root, i);
        write_sweep(p);
        snprintf(p, sizeof p, "%s/training/calib/%06d.txt", root, i);
        iot_write_str(p, calib);
    }
    return root;
}

/* The message of the run drain() made last, kept past the teardown. */
static char last_msg[1024];

/* Pulls every frame; returns the status that ended the run (SP_EOS when
 * all went through) and the frames pulled. */
static int drain(const char *launch, int *frames)
{
    sp_pipeline *p = NULL;
    int rc = sp_pipeline_create(launch, NULL, &p);
    *frames = 0;
    snprintf(last_msg, sizeof last_msg, "%s", rc < 0 ? sp_errmsg() : "");
    if (rc < 0)
        return rc;
    sp_frame *f;
    while ((rc = sp_pipeline_pull(p, &f)) == SP_OK) {
        ++*frames;
        sp_frame_unref(f);
    }
    snprintf(last_msg, sizeof last_msg, "%s", rc < 0 ? sp_errmsg() : "");
    sp_pipeline_destroy(p);
    return rc;
}

static void assert_last_msg_has(const char *a, const char *b)
{
    if (!strstr(last_msg, a) || (b && !strstr(last_msg, b)))
        fail_msg("message '%s' lacks '%s' / '%s'", last_msg, a, b ? b : "");
}

static void test_lazy_object_set(void **state)
{
    (void)state;
    /* Tr_velo_to_cam has 11 numbers: broken, but a lidar-only chain never
     * reads it. */
    char root[1024];
    snprintf(root, sizeof root, "%s",
             make_object_set("lazy_obj",
                             "P2: 700 0 600 0 0 700 170 0 0 0 1 0\n"
                             "Tr_velo_to_cam: 0 -1 0 0 0 0 -1 0 1 0 0\n"));
    char launch[2048];
    int frames = 0;
    snprintf(launch, sizeof launch,
             "kitti path=%s ! crop x=0:70 ! voxel leaf=0.5", root);
    assert_int_equal(drain(launch, &frames), SP_EOS);
    assert_int_equal(frames, 2);
    snprintf(launch, sizeof launch, "kitti path=%s ! crop x=0:70 ! null", root);
    assert_int_equal(drain(launch, &frames), SP_EOS);

    /* Not read at all: the reader's slot is still unread after a pass
     * over every frame. */
    sp_kitti *k = NULL;
    assert_int_equal(sp_kitti_create(root, NULL, &k), SP_OK);
    const sp_calib *ref = NULL;
    for (size_t i = 0; i < sp_kitti_frame_count(k); i++) {
        size_t n;
        assert_int_equal(sp_kitti_points_shape(k, i, &n), SP_OK);
        assert_int_equal(sp_kitti_calib_ref(k, i, &ref), SP_OK);
        assert_non_null(ref->lazy);
        assert_false(ref->lazy_done);
        assert_false(ref->has_P || ref->has_velo_to_cam);
    }
    /* Asked for: the file and the line, the same on every call. */
    for (int i = 0; i < 2; i++) {
        const sp_calib *c = (const sp_calib *)1;
        assert_int_equal(sp_calib_get(ref, &c), SP_EFORMAT);
        assert_null(c);
        iot_msg_has("calib/000001.txt: line 2:",
                    "key 'Tr_velo_to_cam' has 11 values, expected 12", NULL);
    }
    sp_kitti_destroy(k);

    /* The stage that needs it fails, naming the file. */
    snprintf(launch, sizeof launch,
             "kitti path=%s ! project width=100 height=50", root);
    assert_int_equal(drain(launch, &frames), SP_EFORMAT);
    assert_last_msg_has("stage 'project'", "calib/000000.txt: line 2:");

    /* A good file works through the same chain. */
    snprintf(root, sizeof root, "%s",
             make_object_set("lazy_obj_ok", object_txt));
    snprintf(launch, sizeof launch,
             "kitti path=%s ! project width=1242 height=375", root);
    assert_int_equal(drain(launch, &frames), SP_EOS);
    assert_int_equal(frames, 2);
}

static void test_lazy_raw_drive(void **state)
{
    (void)state;
    char date[512];
    snprintf(date, sizeof date, "%s", iot_tmp("lazy_raw"));
    rm_rf(date);
    char drive[1024], p[1200];
    snprintf(drive, sizeof drive, "%s/2011_09_26_drive_0001_sync", date);
    snprintf(p, sizeof p, "%s/velodyne_points/data", drive);
    iot_mkdirs(p);
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/velodyne_points/data/%010d.bin", drive, i);
        write_sweep(p);
    }
    snprintf(p, sizeof p, "%s/calib_cam_to_cam.txt", date);
    iot_write_str(p, cam_to_cam_txt);
    snprintf(p, sizeof p, "%s/calib_velo_to_cam.txt", date);
    iot_write_str(p, "calib_time: 15-Mar-2012 11:37:16\nR 1 0 0\n");
    char launch[2048];
    int frames;
    snprintf(launch, sizeof launch, "kitti path=%s ! crop x=0:70 ! null",
             drive);
    assert_int_equal(drain(launch, &frames), SP_EOS);
    assert_int_equal(frames, 3);
    snprintf(launch, sizeof launch,
             "kitti path=%s ! project width=1242 height=375", drive);
    assert_int_equal(drain(launch, &frames), SP_EFORMAT);
    assert_last_msg_has("calib_velo_to_cam.txt: line 2:",
                        "expected 'key: values'");
    /* Fixed: the drive's calibration projects (the camera's size is not
     * there: S_02 is the unrectified camera's, used when no camera frame
     * or width= gives one). */
    snprintf(p, sizeof p, "%s/calib_velo_to_cam.txt", date);
    iot_write_str(p, velo_to_cam_txt);
    snprintf(launch, sizeof launch, "kitti path=%s ! project", drive);
    assert_int_equal(drain(launch, &frames), SP_EOS);
    assert_int_equal(frames, 3);
}

/* calib= takes the other forms too: the drive's folder, and a lidar2img
 * matrix (.npy) agrees with the object file pixel for pixel. */
static void test_project_calib_forms(void **state)
{
    (void)state;
    char root[1024], obj[1024], l2i[1024];
    snprintf(root, sizeof root, "%s",
             make_object_set("forms_proj", object_txt));
    snprintf(obj, sizeof obj, "%s", tmpf("forms_proj_calib.txt", object_txt));
    sp_calib c;
    assert_int_equal(sp_calib_load(obj, -1, &c), SP_OK);
    /* lidar2img (3,4) float64 .npy = P2 R0 Tr. */
    double r0tr[12], m[12];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0;
            for (int k = 0; k < 3; k++)
                s += c.R0[i * 3 + k] * c.velo_to_cam[k * 4 + j];
            r0tr[i * 4 + j] = s;
        }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double s = j == 3 ? c.P[2][i * 4 + 3] : 0;
            for (int k = 0; k < 3; k++)
                s += c.P[2][i * 4 + k] * r0tr[k * 4 + j];
            m[i * 4 + j] = s;
        }
    char text[1024];
    size_t tl = 0;
    for (int i = 0; i < 12; i++)
        tl += (size_t)snprintf(text + tl, sizeof text - tl, "%.17g%s", m[i],
                               i % 4 == 3 ? "\n" : " ");
    snprintf(l2i, sizeof l2i, "%s", tmpf("forms_proj_lidar2img.txt", text));
    const char *calibs[2] = {obj, l2i};
    float *depth[2] = {NULL, NULL};
    for (int v = 0; v < 2; v++) {
        char launch[2048];
        snprintf(launch, sizeof launch,
                 "kitti path=%s count=1 ! project calib=%s width=1242 "
                 "height=375",
                 root, calibs[v]);
        sp_pipeline *p = NULL;
        if (sp_pipeline_create(launch, NULL, &p) < 0)
            fail_msg("%s", sp_errmsg());
        sp_frame *f;
        if (sp_pipeline_pull(p, &f) != SP_OK)
            fail_msg("%s", sp_errmsg());
        assert_string_equal(f->stream, "depth");
        depth[v] = malloc(1242 * 375 * sizeof(float));
        memcpy(depth[v], f->u.tensor.data, 1242 * 375 * sizeof(float));
        sp_frame_unref(f);
        sp_pipeline_destroy(p);
    }
    int hits = 0;
    for (int i = 0; i < 1242 * 375; i++) {
        int a = depth[0][i] > 0, b = depth[1][i] > 0;
        assert_int_equal(a, b);
        if (a) {
            hits++;
            assert_true(fabsf(depth[0][i] - depth[1][i]) < 5e-3f);
        }
    }
    assert_int_equal(hits, 4); /* the point behind the car is not seen */
    free(depth[0]);
    free(depth[1]);
    /* A file that is no calibration: the property and what it expected. */
    const char *bad = tmpf("forms_proj_bad.txt", "hello: world\n");
    char launch[2048];
    int frames;
    snprintf(launch, sizeof launch,
             "kitti path=%s ! project calib=%s width=64 height=48", root, bad);
    assert_true(drain(launch, &frames) < 0);
    assert_last_msg_has("property 'calib'", "forms_proj_bad.txt");
    assert_last_msg_has("a bare 3x4 or 4x4 matrix", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix_text),
        cmocka_unit_test(test_matrix_refused),
        cmocka_unit_test(test_load_forms),
        cmocka_unit_test(test_lazy_object_set),
        cmocka_unit_test(test_lazy_raw_drive),
        cmocka_unit_test(test_project_calib_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
