/* Test helpers for the camera kernel suites; see cam2_test.h. */
#include "cam2_test.h"
#include "oracle_run.h"
#include "sp_frame.h"
#include "sp_pipeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

size_t cam2_row_bytes(const sp_image *img)
{
    return sp_image_row_bytes(img->width, img->format);
}

int cam2_image_alloc(sp_image *img, uint32_t w, uint32_t h, sp_pixfmt fmt,
                     size_t pad)
{
    memset(img, 0, sizeof *img);
    size_t row = sp_image_row_bytes(w, fmt);
    if (row == 0 && w != 0)
        return -1;
    if (fmt == SP_PIX_F32)
        pad = (pad + 3) & ~(size_t)3; /* float rows must stay aligned */
    size_t stride = row + pad;
    size_t bytes = stride * h + 64;
    /* 64-byte aligned like pool blocks, size rounded for aligned_alloc. */
    uint8_t *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!mem)
        return -1;
    memset(mem, CAM2_CANARY, bytes);
    img->data = mem;
    img->width = w;
    img->height = h;
    img->stride = stride;
    img->format = fmt;
    return 0;
}

void cam2_image_free(sp_image *img)
{
    free(img->data);
    img->data = NULL;
}

int cam2_canaries_ok(const sp_image *img)
{
    size_t row = cam2_row_bytes(img);
    for (uint32_t y = 0; y < img->height; y++) {
        const uint8_t *r = img->data + (size_t)y * img->stride;
        for (size_t i = row; i < img->stride; i++)
            if (r[i] != CAM2_CANARY)
                return 0;
    }
    const uint8_t *end = img->data + img->stride * img->height;
    for (int i = 0; i < 64; i++)
        if (end[i] != CAM2_CANARY)
            return 0;
    return 1;
}

static uint32_t xorshift(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

void cam2_fill_random(sp_image *img, uint32_t seed)
{
    uint32_t s = seed * 2654435761u + 12345u;
    if (s == 0)
        s = 1;
    for (uint32_t y = 0; y < img->height; y++) {
        uint8_t *r = img->data + (size_t)y * img->stride;
        if (img->format == SP_PIX_F32) {
            float *f = (float *)(void *)r;
            for (uint32_t x = 0; x < img->width; x++)
                f[x] = (float)(xorshift(&s) % 302000u) / 1000.f - 2.f;
        } else {
            size_t row = cam2_row_bytes(img);
            for (size_t i = 0; i < row; i++)
                r[i] = (uint8_t)(xorshift(&s) >> 24);
        }
    }
}

size_t cam2_compare(const sp_image *a, const sp_image *b, double tol,
                    double *maxdiff)
{
    size_t bad = 0;
    double worst = 0;
    int f32 = a->format == SP_PIX_F32;
    size_t row = cam2_row_bytes(a);
    for (uint32_t y = 0; y < a->height && y < b->height; y++) {
        const uint8_t *ra = a->data + (size_t)y * a->stride;
        const uint8_t *rb = b->data + (size_t)y * b->stride;
        if (f32) {
            const float *fa = (const float *)(const void *)ra;
            const float *fb = (const float *)(const void *)rb;
            for (size_t i = 0; i < row / 4; i++) {
                double d = fabs((double)fa[i] - (double)fb[i]);
                if (d != d)
                    d = INFINITY;
                if (d > worst)
                    worst = d;
                if (d > tol)
                    bad++;
            }
        } else {
            for (size_t i = 0; i < row; i++) {
                double d = abs((int)ra[i] - (int)rb[i]);
                if (d > worst)
                    worst = d;
                if (d > tol)
                    bad++;
            }
        }
    }
    if (maxdiff)
        *maxdiff = worst;
    return bad;
}

int cam2_kctx(sp_backend b, sp_kctx **out)
{
    *out = NULL;
    sp_kctx_desc d = {.backend = b};
    int rc = sp_kctx_create(&d, out);
    if (rc < 0)
        return rc;
    if (b == SP_BACKEND_SIMD && sp_kctx_simd_level(*out) == SP_SIMD_NONE) {
        sp_kctx_destroy(*out);
        *out = NULL;
        return SP_EUNSUPPORTED;
    }
    return SP_OK;
}

static char simd_saved[32];
static int simd_forced, simd_had;

int cam2_simd_force(const char *level)
{
    if (!simd_forced) {
        const char *old = getenv("SP_SIMD");
        simd_had = old != NULL;
        snprintf(simd_saved, sizeof simd_saved, "%s", old ? old : "");
        simd_forced = 1;
    }
    setenv("SP_SIMD", level, 1);
    sp_kctx *k = NULL;
    sp_kctx_desc d = {.backend = SP_BACKEND_SIMD};
    int ok = sp_kctx_create(&d, &k) == SP_OK &&
             strcmp(sp_simd_level_name(sp_kctx_simd_level(k)), level) == 0;
    sp_kctx_destroy(k);
    if (!ok) {
        cam2_simd_restore(NULL);
        return -1;
    }
    return 0;
}

int cam2_simd_restore(void **state)
{
    (void)state;
    if (simd_forced) {
        if (simd_had)
            setenv("SP_SIMD", simd_saved, 1);
        else
            unsetenv("SP_SIMD");
        simd_forced = 0;
    }
    return 0;
}

const char *cam2_tmpdir(void)
{
    static char dir[512];
    if (!dir[0]) {
        const char *t = getenv("SP_TEST_TMP");
        snprintf(dir, sizeof dir, "%s", t && *t ? t : "/tmp/sp_cam2_test");
        mkdir(dir, 0755);
    }
    return dir;
}

int cam2_have_cv2(void)
{
    static int have = -1;
    if (have < 0) {
        have = oracle_status("/usr/bin/python3 -c 'import cv2, numpy' "
                             ">/dev/null 2>&1") == 0;
    }
    return have;
}

int cam2_write_rows(const char *path, const sp_image *img)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t row = cam2_row_bytes(img);
    for (uint32_t y = 0; y < img->height; y++)
        if (fwrite(img->data + (size_t)y * img->stride, 1, row, f) != row) {
            fclose(f);
            return -1;
        }
    return fclose(f) == 0 ? 0 : -1;
}

int cam2_read_rows(const char *path, sp_image *img)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t row = cam2_row_bytes(img);
    for (uint32_t y = 0; y < img->height; y++)
        if (fread(img->data + (size_t)y * img->stride, 1, row, f) != row) {
            fclose(f);
            return -1;
        }
    int extra = fgetc(f) != EOF;
    fclose(f);
    return extra ? -1 : 0;
}

int cam2_run_python(const char *script)
{
    char path[640];
    snprintf(path, sizeof path, "%s/script_%d.py", cam2_tmpdir(),
             (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(script, f);
    fclose(f);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s'", path);
    int st = system(cmd);
    remove(path);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

int cam2_pipeline_frames(const char *launch, sp_backend b, sp_frame **frames,
                         int max, sp_pipeline **pl)
{
    *pl = NULL;
    sp_pipeline_opts o = {.backend = b};
    int rc = sp_pipeline_create(launch, &o, pl);
    if (rc < 0)
        return rc;
    int n = 0;
    while (n < max) {
        rc = sp_pipeline_pull(*pl, &frames[n]);
        if (rc == SP_EOS)
            break;
        if (rc < 0) {
            cam2_frames_release(frames, n);
            return rc;
        }
        n++;
    }
    return n;
}

void cam2_frames_release(sp_frame **frames, int n)
{
    for (int i = 0; i < n; i++) {
        sp_frame_unref(frames[i]);
        frames[i] = NULL;
    }
}
