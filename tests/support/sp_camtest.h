/* Helpers for the camera-kernel suites (test_debayer, test_levels,
 * test_convert): strided test images with random content and padding, the
 * kernel contexts of every back-end present, exact image comparison and the
 * OpenCV cross-check through /usr/bin/python3. Header-only (static inline)
 * so suites that do not use it pay nothing. */
#ifndef SP_CAMTEST_H
#define SP_CAMTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "oracle_run.h"
#include "sp_image.h"
#include "sp_kernels.h"

static inline uint32_t camtest_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

typedef struct camtest_img {
    sp_image im;
    uint8_t *mem;
    size_t size;
} camtest_img;

/* An image with `pad` extra bytes per row (stride = row + pad, kept even),
 * every byte (padding included) random. Returns 0 or -1. */
static inline int camtest_img_alloc(camtest_img *t, uint32_t w, uint32_t h,
                                    sp_pixfmt f, size_t pad, uint64_t *rng)
{
    size_t row = sp_image_row_bytes(w, f);
    size_t stride = row + ((pad + 1) & ~(size_t)1);
    if (stride == 0)
        stride = 64;
    size_t size = sp_image_block_size(w, h, f, stride);
    if (w == 0 || h == 0)
        size = 64;
    if (size == 0)
        return -1;
    t->mem = malloc(size);
    t->size = size;
    if (!t->mem)
        return -1;
    for (size_t i = 0; i < size; i++)
        t->mem[i] = (uint8_t)camtest_rand(rng);
    if (w == 0 || h == 0) {
        memset(&t->im, 0, sizeof t->im);
        t->im.data = t->mem;
        t->im.width = w;
        t->im.height = h;
        t->im.format = f;
        t->im.stride = stride;
        return 0;
    }
    return sp_image_init(&t->im, t->mem, size, w, h, f, stride) == SP_OK ? 0
                                                                         : -1;
}

static inline void camtest_img_free(camtest_img *t)
{
    free(t->mem);
    t->mem = NULL;
}

/* 1 if the pixel bytes (not the padding) of a and b are equal; else 0 and
 * the first difference in `where`. Rows: height, or height * 3 / 2 for
 * NV12. */
static inline int camtest_img_equal(const sp_image *a, const sp_image *b,
                                    char *where, size_t cap)
{
    size_t row = sp_image_row_bytes(a->width, a->format);
    uint32_t rows = a->format == SP_PIX_NV12 ? a->height * 3 / 2 : a->height;
    for (uint32_t y = 0; y < rows; y++) {
        const uint8_t *pa = a->data + (size_t)y * a->stride,
                      *pb = b->data + (size_t)y * b->stride;
        for (size_t i = 0; i < row; i++)
            if (pa[i] != pb[i]) {
                snprintf(where, cap, "row %u byte %zu: %u vs %u", y, i, pa[i],
                         pb[i]);
                return 0;
            }
    }
    return 1;
}

/* Contexts for the back-ends present: scalar always, the best SIMD level,
 * SSE4.1 too when the best is AVX2 (through SP_SIMD, restored after), and
 * OpenCL when a device opens. Returns how many (<= CAMTEST_MAX_CTX). */
#define CAMTEST_MAX_CTX 4
static inline int camtest_contexts(sp_kctx *ks[CAMTEST_MAX_CTX],
                                   const char *names[CAMTEST_MAX_CTX])
{
    int n = 0;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    if (sp_kctx_create(&d, &ks[n]) == SP_OK)
        names[n++] = "scalar";
    sp_simd_level best = sp_simd_detect();
    if (best != SP_SIMD_NONE) {
        d.backend = SP_BACKEND_SIMD;
        if (sp_kctx_create(&d, &ks[n]) == SP_OK)
            names[n++] = sp_simd_level_name(best);
    }
    if (best == SP_SIMD_AVX2) {
        const char *old = getenv("SP_SIMD");
        char saved[32] = "";
        if (old)
            snprintf(saved, sizeof saved, "%s", old);
        setenv("SP_SIMD", "sse41", 1);
        d.backend = SP_BACKEND_SIMD;
        if (sp_kctx_create(&d, &ks[n]) == SP_OK) {
            if (sp_kctx_simd_level(ks[n]) == SP_SIMD_SSE41)
                names[n++] = "sse41";
            else
                sp_kctx_destroy(ks[n]);
        }
        if (old)
            setenv("SP_SIMD", saved, 1);
        else
            unsetenv("SP_SIMD");
    }
    d.backend = SP_BACKEND_OPENCL;
    if (sp_kctx_create(&d, &ks[n]) == SP_OK)
        names[n++] = "opencl";
    static int told;
    if (!told++) {
        fprintf(stderr, "back-ends compared with scalar:");
        for (int i = 1; i < n; i++)
            fprintf(stderr, " %s", names[i]);
        fprintf(stderr, "%s\n", n > 1 ? "" : " none");
    }
    return n;
}

/* Writes `bytes` to path. 0 or -1. */
static inline int camtest_write(const char *path, const void *p, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(p, 1, bytes, f);
    return (fclose(f) == 0 && n == bytes) ? 0 : -1;
}

static inline int camtest_read(const char *path, void *p, size_t bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(p, 1, bytes, f);
    fclose(f);
    return n == bytes ? 0 : -1;
}

/* 1 when /usr/bin/python3 can import cv2 and numpy. */
static inline int camtest_have_cv2(void)
{
    return oracle_status(
               "/usr/bin/python3 -c 'import cv2, numpy' >/dev/null 2>&1") == 0;
}

/* The per-test scratch folder ($SP_TEST_TMP, created), or NULL. */
static inline const char *camtest_tmpdir(void)
{
    const char *t = getenv("SP_TEST_TMP");
    if (!t || !*t)
        return NULL;
    mkdir(t, 0777);
    return t;
}

#endif
