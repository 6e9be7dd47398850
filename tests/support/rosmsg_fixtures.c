/* The fixture messages of test_rosmsg.c (see rosmsg_fixtures.h). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include <cmocka.h>

#include "rosmsg_fixtures.h"
#include "rosmsg_oracle.h"
#include "sp_iotest.h"
#include "sp_png.h"

#define MAX_FX 40

static fx_msg fx[MAX_FX];
static size_t nfx;

static uint8_t *pattern(size_t n, unsigned mul, unsigned add)
{
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * mul + add);
    return b;
}

static fx_msg *add(const char *name, sp_rosmsg_kind kind)
{
    assert_true(nfx < MAX_FX);
    fx_msg *f = &fx[nfx++];
    memset(f, 0, sizeof *f);
    f->name = name;
    f->kind = kind;
    f->seq = (uint32_t)nfx * 101;
    f->sec = 1700000000 + (int32_t)nfx;
    f->nsec = 123456789u + (uint32_t)nfx;
    f->frame_id = "sensor_frame";
    f->nlengths = 3;
    return f;
}

static void field(fx_msg *f, const char *name, uint32_t off, uint8_t type,
                  uint32_t count)
{
    f->fields[f->nfields++] = (fx_field){name, off, type, count};
    f->nlengths = 3 + f->nfields;
}

static fx_msg *cloud(const char *name, uint32_t h, uint32_t w, uint32_t ps,
                     uint32_t rs, size_t ndata)
{
    fx_msg *f = add(name, SP_ROSMSG_POINTCLOUD2);
    f->height = h;
    f->width = w;
    f->point_step = ps;
    f->row_step = rs;
    f->ndata = ndata;
    f->data = pattern(ndata, 37, 11);
    f->is_dense = 1;
    return f;
}

static fx_msg *image(const char *name, const char *enc, int fmt, uint32_t w,
                     uint32_t h, uint32_t step, size_t ndata, int be)
{
    fx_msg *f = add(name, SP_ROSMSG_IMAGE);
    f->encoding = enc;
    f->pixfmt = fmt;
    f->width = w;
    f->height = h;
    f->step = step;
    f->ndata = ndata;
    f->data = pattern(ndata, 29, 3);
    f->is_bigendian = be;
    return f;
}

/* A JPEG made with TurboJPEG, and its pixels as TurboJPEG decodes them
 * with default flags. */
static void jpeg(fx_msg *f, uint32_t w, uint32_t h, int gray)
{
    int ch = gray ? 1 : 3;
    uint8_t *src = malloc((size_t)w * h * ch);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w * (uint32_t)ch; x++)
            src[(size_t)y * w * ch + x] = (uint8_t)(x * 9 + y * 13 + (x ^ y));
    unsigned long jn;
    uint8_t *data =
        iot_jpeg_encode(src, w, h, gray ? TJPF_GRAY : TJPF_RGB,
                        gray ? TJSAMP_GRAY : TJSAMP_420, 90, 0, &jn);
    uint8_t *pix = malloc((size_t)w * h * ch);
    tjhandle d = tjInitDecompress();
    assert_int_equal(tjDecompress2(d, data, jn, pix, (int)w, 0, (int)h,
                                   gray ? TJPF_GRAY : TJPF_RGB, 0),
                     0);
    tjDestroy(d);
    free(src);
    f->width = w;
    f->height = h;
    f->data = data;
    f->ndata = jn;
    f->pixels = pix;
    f->pixfmt = gray ? SP_PIX_GRAY8 : SP_PIX_RGB8;
}

/* A 16-bit gray PNG written by the project's PNG writer (libpng). */
static void png16(fx_msg *f, uint32_t w, uint32_t h)
{
    sp_image img;
    void *mem = iot_image_alloc(&img, w, h, SP_PIX_GRAY16, 0);
    uint16_t *pix = malloc((size_t)w * h * 2);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint16_t v = (uint16_t)(x * 4099u + y * 257u + 1);
            memcpy(sp_image_row(&img, y) + 2 * x, &v, 2);
            pix[y * w + x] = v;
        }
    const char *path = iot_tmp("fixture16.png");
    assert_int_equal(sp_png_write_image(path, &img, NULL), SP_OK);
    free(mem);
    f->data = ro_read(path, &f->ndata);
    assert_non_null(f->data);
    f->pixels = (const uint8_t *)pix;
    f->width = w;
    f->height = h;
    f->pixfmt = SP_PIX_GRAY16;
}

static fx_msg *caminfo(const char *name, const char *model, int expect,
                       uint32_t nD)
{
    static const double K[9] = {525.123456789, 0, 319.5, 0, 525.987654321,
                                239.5,         0, 0,     1};
    static const double R[9] = {0.999,   -0.0123, 0.0345, 0.0123, 0.999,
                                -1e-300, -0.0345, 1e-300, 0.999};
    static const double P[12] = {530.5,  0, 320.25, -39.375, 0, 530.5,
                                 240.75, 0, 0,      0,       1, 0};
    fx_msg *f = add(name, SP_ROSMSG_CAMERA_INFO);
    f->encoding = model;
    f->pixfmt = expect;
    f->width = 640;
    f->height = 480;
    f->nD = nD;
    for (uint32_t i = 0; i < nD; i++)
        f->D[i] = i == 1 ? -0.0 : (i % 2 ? -1.0 : 1.0) / (3.0 + i * 7);
    memcpy(f->K, K, sizeof K);
    memcpy(f->R, R, sizeof R);
    memcpy(f->P, P, sizeof P);
    return f;
}

static void build(void)
{
    if (nfx)
        return;
    fx_msg *f = cloud("pc2", 2, 3, 44, 136, 277);
    f->frame_id = "lidar_top";
    field(f, "x", 0, 7, 1);
    field(f, "y", 4, 7, 1);
    field(f, "z", 8, 7, 1);
    field(f, "reflectance", 12, 4, 1);
    field(f, "ring", 14, 2, 1);
    field(f, "t", 16, 8, 1);
    field(f, "rgb", 24, 7, 1);
    field(f, "normal", 28, 7, 3);
    field(f, "x", 40, 7, 1);
    f = cloud("pc2_be", 1, 2, 12, 24, 24);
    f->frame_id = "";
    f->is_bigendian = 1;
    f->is_dense = 0;
    field(f, "x", 0, 7, 1);
    field(f, "y", 4, 7, 1);
    field(f, "z", 8, 7, 1);
    f = cloud("pc2_empty", 0, 0, 12, 0, 0);
    field(f, "x", 0, 7, 1);
    field(f, "y", 4, 7, 1);
    field(f, "z", 8, 7, 1);
    f = cloud("bad_rowstep", 2, 2, 12, 24, 30);
    field(f, "x", 0, 7, 1);
    f->expect_err = "row_step 24 x height 2 is 48 bytes, but data holds 30";
    f = cloud("bad_rowstep_small", 1, 2, 12, 20, 24);
    field(f, "x", 0, 7, 1);
    f->expect_err = "row_step 20, but width 2 x point_step 12 is 24";
    f = cloud("bad_datatype", 1, 1, 12, 12, 12);
    field(f, "x", 0, 7, 1);
    field(f, "rgb", 4, 9, 1);
    f->expect_err = "fields[1] 'rgb': datatype 9, expected 1..8";
    f = cloud("bad_datatype0", 1, 1, 12, 12, 12);
    field(f, "x", 0, 0, 1);
    f->expect_err = "fields[0] 'x': datatype 0";
    f = cloud("bad_offset", 1, 1, 12, 12, 12);
    field(f, "x", 0, 7, 1);
    field(f, "y", 10, 7, 1);
    f->expect_err = "'y': 1 x FLOAT32 at offset 10 ends at byte 14 of a "
                    "point, but point_step is 12";
    f = cloud("bad_count", 1, 1, 12, 12, 12);
    field(f, "normal", 0, 7, 4);
    f->expect_err = "4 x FLOAT32 at offset 0 ends at byte 16";
    f = cloud("many_fields", 1, 1, 65, 65, 65);
    static char names[65][8];
    for (int i = 0; i < 65; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        field(f, names[i], (uint32_t)i, 2, 1);
    }
    f->expect_err = "65 fields, expected at most 64";

    image("img_mono16", "mono16", SP_PIX_GRAY16, 5, 3, 12, 36, 1);
    image("img_rgb8", "rgb8", SP_PIX_RGB8, 4, 2, 16, 32, 0);
    image("img_32f", "32FC1", SP_PIX_F32, 3, 2, 12, 24, 1);
    image("img_bayer16", "bayer_rggb16", SP_PIX_BAYER_RGGB16, 4, 2, 8, 16, 0);
    image("img_yuv422", "yuv422", SP_PIX_UYVY, 4, 2, 8, 17, 0);
    image("img_unknown", "16SC3", -1, 2, 2, 12, 24, 0);
    f = image("bad_step", "rgb8", SP_PIX_RGB8, 4, 1, 11, 11, 0);
    f->expect_err = "step 11, but 4 pixels of rgb8 need 12 bytes";
    f = image("bad_imgdata", "mono8", SP_PIX_GRAY8, 4, 3, 4, 11, 0);
    f->expect_err = "step 4 x height 3 is 12 bytes, but data holds 11";

    f = add("cimg_jpeg", SP_ROSMSG_COMPRESSED_IMAGE);
    f->format = "rgb8; jpeg compressed bgr8";
    jpeg(f, 24, 16, 0);
    f = add("cimg_gray", SP_ROSMSG_COMPRESSED_IMAGE);
    f->format = "jpeg";
    jpeg(f, 17, 9, 1);
    f = add("cimg_png", SP_ROSMSG_COMPRESSED_IMAGE);
    f->format = "png";
    png16(f, 13, 7);
    f = add("cimg_gif", SP_ROSMSG_COMPRESSED_IMAGE);
    f->format = "gif";
    f->data = (const uint8_t *)"GIF89a\x01\x00\x01\x00";
    f->ndata = 10;
    f->pixfmt = -1;

    caminfo("caminfo", "plumb_bob", SP_DIST_PLUMB_BOB, 5);
    f = caminfo("caminfo_rat", "rational_polynomial", SP_DIST_RATIONAL, 8);
    f->binning[0] = f->binning[1] = 1;
    f->roi[2] = 480;
    f->roi[3] = 640;
    f->roi[4] = 1;
    caminfo("caminfo_equi", "equidistant", SP_DIST_EQUIDISTANT, 4);
    caminfo("caminfo_short", "plumb_bob", SP_DIST_PLUMB_BOB, 4);
    f = caminfo("caminfo_bin", "plumb_bob", 0, 5);
    f->binning[0] = f->binning[1] = 2;
    f->expect_err = "binning 2x2";
    f = caminfo("caminfo_roi", "plumb_bob", 0, 5);
    f->roi[0] = 10;
    f->roi[1] = 20;
    f->roi[2] = 100;
    f->roi[3] = 200;
    f->expect_err = "region of interest 200x100 at (10, 20) of 640x480";
    f = caminfo("caminfo_model", "kannala_brandt", 0, 4);
    f->expect_err = "distortion_model 'kannala_brandt', expected plumb_bob";
    f = caminfo("caminfo_d14", "rational_polynomial", 0, 14);
    f->expect_err = "rational_polynomial with 14 coefficients, expected at "
                    "most 8";

    f = add("scan", SP_ROSMSG_LASER_SCAN);
    const float s[7] = {-1.5f, 1.5f, 0.5f, 1e-3f, 0.1f, 0.1f, 30.0f};
    memcpy(f->scan, s, sizeof s);
    const float r[7] = {1.0f, NAN, INFINITY, 0.05f, 2.5f, 30.5f, 10.0f};
    f->nranges = f->nintensities = 7;
    for (int i = 0; i < 7; i++) {
        f->ranges[i] = r[i];
        f->intensities[i] = 100.0f + (float)i * 0.25f;
    }
    f = add("scan_noint", SP_ROSMSG_LASER_SCAN);
    const float s2[7] = {0.0f, 3.14159f, 1.0471975f, 0.0f, 0.0f, 0.0f, 5.0f};
    memcpy(f->scan, s2, sizeof s2);
    f->nranges = 3;
    f->ranges[0] = 1.0f;
    f->ranges[1] = 0.0f;
    f->ranges[2] = -INFINITY;
}

size_t fx_count(void)
{
    build();
    return nfx;
}

const fx_msg *fx_get(size_t i)
{
    build();
    return &fx[i];
}

/* ---- the JSON spec ---- */

static void jnum(FILE *o, double v)
{
    if (isnan(v)) {
        fputs("\"nan\"", o);
        return;
    }
    if (isinf(v)) {
        fputs(v > 0 ? "\"inf\"" : "\"-inf\"", o);
        return;
    }
    char b[64];
    snprintf(b, sizeof b, "%.17g", v);
    /* "-0" would be read back as the integer 0 by Python's json */
    fprintf(o, "%s%s", b, strpbrk(b, ".e") ? "" : ".0");
}

static void jdoubles(FILE *o, const char *key, const double *v, size_t n)
{
    fprintf(o, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', o);
        jnum(o, v[i]);
    }
    fputc(']', o);
}

static void jfloats(FILE *o, const char *key, const float *v, size_t n)
{
    fprintf(o, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', o);
        jnum(o, v[i]);
    }
    fputc(']', o);
}

static void jbytes(FILE *o, const uint8_t *b, size_t n)
{
    fputs(",\"data\":[", o);
    for (size_t i = 0; i < n; i++)
        fprintf(o, i ? ",%u" : "%u", b[i]);
    fputc(']', o);
}

static void write_spec(const char *path)
{
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    static const char *const types[] = {"",           "PointCloud2",
                                        "Image",      "CompressedImage",
                                        "CameraInfo", "LaserScan"};
    fputs("{\"messages\":[\n", o);
    for (size_t i = 0; i < fx_count(); i++) {
        const fx_msg *f = &fx[i];
        fprintf(o,
                "%s{\"name\":\"%s\",\"type\":\"%s\",\"header\":{\"seq\":%u,"
                "\"sec\":%d,\"nsec\":%u,\"frame_id\":\"%s\"}",
                i ? ",\n" : "", f->name, types[f->kind], f->seq, f->sec,
                f->nsec, f->frame_id);
        switch (f->kind) {
        case SP_ROSMSG_POINTCLOUD2:
            fprintf(o, ",\"height\":%u,\"width\":%u,\"fields\":[", f->height,
                    f->width);
            for (uint32_t k = 0; k < f->nfields; k++)
                fprintf(o,
                        "%s{\"name\":\"%s\",\"offset\":%u,\"datatype\":%u,"
                        "\"count\":%u}",
                        k ? "," : "", f->fields[k].name, f->fields[k].offset,
                        f->fields[k].datatype, f->fields[k].count);
            fprintf(o,
                    "],\"is_bigendian\":%d,\"point_step\":%u,\"row_step\":%u,"
                    "\"is_dense\":%d",
                    f->is_bigendian, f->point_step, f->row_step, f->is_dense);
            jbytes(o, f->data, f->ndata);
            break;
        case SP_ROSMSG_IMAGE:
            fprintf(o,
                    ",\"height\":%u,\"width\":%u,\"encoding\":\"%s\","
                    "\"is_bigendian\":%d,\"step\":%u",
                    f->height, f->width, f->encoding, f->is_bigendian, f->step);
            jbytes(o, f->data, f->ndata);
            break;
        case SP_ROSMSG_COMPRESSED_IMAGE:
            fprintf(o, ",\"format\":\"%s\"", f->format);
            jbytes(o, f->data, f->ndata);
            break;
        case SP_ROSMSG_CAMERA_INFO:
            fprintf(o,
                    ",\"height\":%u,\"width\":%u,\"distortion_model\":\"%s\","
                    "\"binning_x\":%u,\"binning_y\":%u,\"roi\":{\"x_offset\":"
                    "%u,\"y_offset\":%u,\"height\":%u,\"width\":%u,"
                    "\"do_rectify\":%u}",
                    f->height, f->width, f->encoding, f->binning[0],
                    f->binning[1], f->roi[0], f->roi[1], f->roi[2], f->roi[3],
                    f->roi[4]);
            jdoubles(o, "D", f->D, f->nD);
            jdoubles(o, "K", f->K, 9);
            jdoubles(o, "R", f->R, 9);
            jdoubles(o, "P", f->P, 12);
            break;
        default: {
            static const char *const k[7] = {
                "angle_min", "angle_max", "angle_increment", "time_increment",
                "scan_time", "range_min", "range_max"};
            for (int j = 0; j < 7; j++) {
                fprintf(o, ",\"%s\":", k[j]);
                jnum(o, f->scan[j]);
            }
            jfloats(o, "ranges", f->ranges, f->nranges);
            jfloats(o, "intensities", f->intensities, f->nintensities);
            break;
        }
        }
        fputc('}', o);
    }
    fputs("\n]}\n", o);
    fclose(o);
}

static int gen_status[3]; /* per encoder: 0 not run, 1 done, -1 missing */

static int run_encoder(int which, const char *dir, const char *spec)
{
    char cmd[4096], err[1100], why[1400] = "";
    const char *t = ro_tests_dir();
    snprintf(err, sizeof err, "%s/encoder%d.err", dir, which);
    if (which == FX_ROS1) {
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 '%s/oracles/make_rosmsg_fixtures.py' "
                 "'%s' '%s'",
                 t, spec, dir);
    } else {
        char nm[1200];
        snprintf(nm, sizeof nm,
                 "%s/oracles/node_modules/@foxglove/rosmsg2-serialization", t);
        struct stat st;
        if (stat(nm, &st) != 0)
            snprintf(why, sizeof why,
                     "%s is missing (run npm ci in tests/oracles)", nm);
        else if (ro_run("command -v node >/dev/null", err) != 0)
            snprintf(why, sizeof why, "node is not on PATH");
        snprintf(cmd, sizeof cmd,
                 "node --single-threaded '%s/oracles/make_rosmsg_fixtures.mjs' "
                 "'%s' '%s'",
                 t, spec, dir);
    }
    int rc = why[0] ? 3 : ro_run(cmd, err);
    if (rc == 3) {
        if (!why[0]) {
            char *e = ro_read_text(err);
            snprintf(why, sizeof why, "%s", e ? e : "?");
            free(e);
        }
        printf("SKIP: %s encoder unavailable: %s\n",
               which == FX_ROS1 ? "ROS1 (genpy)" : "CDR (@foxglove)", why);
        return -1;
    }
    if (rc != 0) {
        char *e = ro_read_text(err);
        fail_msg("%s exited with %d: %s", cmd, rc, e ? e : "");
    }
    return 1;
}

const char *fx_generate(unsigned which)
{
    static char dir[1024];
    snprintf(dir, sizeof dir, "%s", iot_tmp("fixtures"));
    iot_mkdirs(dir);
    char spec[1100];
    snprintf(spec, sizeof spec, "%s/spec.json", dir);
    int ok = 0;
    for (int w = FX_ROS1; w <= FX_CDR; w++) {
        if (!(which & (unsigned)w))
            continue;
        if (gen_status[w] == 0) {
            write_spec(spec);
            gen_status[w] = run_encoder(w, dir, spec);
        }
        ok |= gen_status[w] > 0;
    }
    return ok ? dir : NULL;
}

/* ---- hostile bytes ---- */

void fx_selector(uint8_t sel, sp_rosmsg_kind *kind, sp_rosmsg_enc *enc)
{
    static const sp_rosmsg_kind kinds[5] = {
        SP_ROSMSG_POINTCLOUD2, SP_ROSMSG_IMAGE, SP_ROSMSG_COMPRESSED_IMAGE,
        SP_ROSMSG_CAMERA_INFO, SP_ROSMSG_LASER_SCAN};
    *kind = kinds[sel % 5];
    *enc = (sel / 5) % 2 ? SP_ROSMSG_CDR : SP_ROSMSG_ROS1;
}

int fx_parse_and_use(sp_rosmsg_kind kind, sp_rosmsg_enc enc, const uint8_t *b,
                     size_t n)
{
    int rc;
    switch (kind) {
    case SP_ROSMSG_POINTCLOUD2: {
        sp_pc2_msg m;
        sp_pc2_plan p;
        rc = sp_rosmsg_pc2_parse(b, n, enc, &m);
        if (rc == SP_OK && sp_rosmsg_pc2_plan(&m, NULL, &p) < 0 &&
            !sp_errmsg()[0])
            fail_msg("plan failed without a message");
        break;
    }
    case SP_ROSMSG_IMAGE: {
        sp_rosimg_msg m;
        sp_pixfmt fmt;
        rc = sp_rosmsg_image_parse(b, n, enc, &m);
        if (rc == SP_OK && sp_rosmsg_image_format(m.encoding, &fmt) == SP_OK &&
            (uint64_t)m.width * m.height <= (1u << 20) &&
            sp_image_block_size(m.width, m.height, fmt, 0) != 0) {
            sp_image img;
            void *mem = iot_image_alloc(&img, m.width, m.height, fmt, 0);
            int r2 = sp_rosmsg_image_copy(&m, &img);
            if (r2 != SP_OK)
                fail_msg("copy of a parsed image: %s", sp_errmsg());
            free(mem);
        }
        break;
    }
    case SP_ROSMSG_COMPRESSED_IMAGE: {
        sp_roscimg_msg m;
        rc = sp_rosmsg_cimage_parse(b, n, enc, &m);
        if (rc != SP_OK)
            break;
        sp_rosmsg_decoder *d = NULL;
        assert_int_equal(sp_rosmsg_decoder_create(&d), SP_OK);
        uint32_t w, h;
        sp_pixfmt fmt;
        if (sp_rosmsg_cimage_info(d, &m, &w, &h, &fmt) == SP_OK &&
            (uint64_t)w * h <= (1u << 20)) {
            sp_image img;
            void *mem = iot_image_alloc(&img, w, h, fmt, 0);
            if (sp_rosmsg_cimage_decode(d, &m, &img) < 0 && !sp_errmsg()[0])
                fail_msg("decode failed without a message");
            free(mem);
        }
        sp_rosmsg_decoder_destroy(d);
        break;
    }
    case SP_ROSMSG_CAMERA_INFO: {
        sp_caminfo_msg m;
        sp_calib c;
        rc = sp_rosmsg_caminfo_parse(b, n, enc, &m);
        if (rc == SP_OK && sp_rosmsg_caminfo_to_calib(&m, "x", &c) < 0 &&
            !sp_errmsg()[0])
            fail_msg("to_calib failed without a message");
        break;
    }
    default: {
        sp_laserscan_msg m;
        rc = sp_rosmsg_laserscan_parse(b, n, enc, &m);
        if (rc == SP_OK) {
            sp_points p;
            void *mem =
                iot_points_alloc(&p, m.nranges ? m.nranges : 1, SP_POINTS_TIME);
            assert_int_equal(sp_rosmsg_laserscan_points(&m, &p), SP_OK);
            free(mem);
        }
        break;
    }
    }
    if (rc < 0 && !sp_errmsg()[0])
        fail_msg("status %d without a message", rc);
    return rc;
}

void fx_hostile(sp_rosmsg_kind kind, sp_rosmsg_enc enc, int be,
                const uint8_t *b, size_t n, const char *name, int nlengths)
{
    /* Exact-size copies, so ASan sees a read one past the end. */
    for (size_t k = 0; k < n; k++) {
        uint8_t *c = malloc(k ? k : 1);
        memcpy(c, b, k);
        sp_errmsg_clear();
        int rc = fx_parse_and_use(kind, enc, k ? c : NULL, k);
        if (rc != SP_EFORMAT)
            fail_msg("%s cut to %zu of %zu bytes: status %d (%s), expected "
                     "SP_EFORMAT",
                     name, k, n, rc, sp_errmsg());
        free(c);
    }
    uint8_t *c = malloc(n);
    int lengths = 0;
    for (int order = 0; order < 2; order++) {
        int big = order ? !be : be;
        const uint8_t pat[4] = {big ? 0xFF : 0xF0, 0xFF, 0xFF,
                                big ? 0xF0 : 0xFF};
        for (size_t o = 0; o + 4 <= n; o++) {
            memcpy(c, b, n);
            memcpy(c + o, pat, 4);
            sp_errmsg_clear();
            int rc = fx_parse_and_use(kind, enc, c, n);
            const char *msg = sp_errmsg();
            int hit = strstr(msg, "string of 4294967280 bytes") ||
                      strstr(msg, "sequence of 4294967280 elements");
            if (hit && rc != SP_EFORMAT)
                fail_msg("%s: %s with status %d", name, msg, rc);
            if (order == 0)
                lengths += hit;
        }
    }
    if (nlengths >= 0 && lengths != nlengths)
        fail_msg("%s: %d length fields refused as 0xFFFFFFF0, expected %d",
                 name, lengths, nlengths);
    if (enc == SP_ROSMSG_CDR && n >= 4) {
        static const uint8_t kinds[][2] = {
            {0, 2},    {0, 3},    {0, 6},    {0, 7}, {0, 0x0b},
            {0, 0x10}, {0, 0x11}, {0, 0x15}, {1, 1}, {0xff, 0}};
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            memcpy(c, b, n);
            c[0] = kinds[i][0];
            c[1] = kinds[i][1];
            int rc = fx_parse_and_use(kind, enc, c, n);
            char want[32];
            snprintf(want, sizeof want, "bytes 0x%02x 0x%02x", c[0], c[1]);
            if (rc != SP_EUNSUPPORTED || !strstr(sp_errmsg(), want))
                fail_msg("%s with encapsulation %s: status %d (%s), expected "
                         "SP_EUNSUPPORTED naming them",
                         name, want, rc, sp_errmsg());
        }
    }
    free(c);
}

size_t fx_hostile_seeds(void)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/rosmsg", ro_tests_dir());
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        size_t n;
        uint8_t *b = ro_read(p, &n);
        if (!b || n < 2) {
            free(b);
            continue;
        }
        sp_rosmsg_kind kind;
        sp_rosmsg_enc enc;
        fx_selector(b[0], &kind, &enc);
        /* Seeds are valid messages: check that first, then the rest. */
        if (fx_parse_and_use(kind, enc, b + 1, n - 1) != SP_OK)
            fail_msg("seed %s: %s", e->d_name, sp_errmsg());
        int be = enc == SP_ROSMSG_CDR && n >= 3 && b[2] == 0;
        fx_hostile(kind, enc, be, b + 1, n - 1, e->d_name, -1);
        free(b);
        count++;
    }
    closedir(d);
    return count;
}
