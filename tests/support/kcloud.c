/* Test support for the lidar kernels' suites (see kcloud.h). */
#include "kcloud.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sp_status.h"

kcloud *kcloud_new(size_t cap, unsigned fields)
{
    kcloud *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t bytes = sp_points_block_size(cap ? cap : 1, fields);
    bytes = (bytes + 63) & ~(size_t)63;
    c->mem = aligned_alloc(64, bytes);
    if (!c->mem || sp_points_init(&c->pts, c->mem, bytes, cap, fields) != 0) {
        free(c->mem);
        free(c);
        return NULL;
    }
    return c;
}

void kcloud_free(kcloud *c)
{
    if (!c)
        return;
    free(c->mem);
    free(c);
}

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float uni(uint64_t *s) /* [0, 1) */
{
    return (float)(next(s) >> 40) * (1.0f / 16777216.0f);
}

void kcloud_random(kcloud *c, size_t n, uint64_t seed, float extent,
                   float quantum, int bad)
{
    uint64_t s = seed;
    sp_points *p = &c->pts;
    for (size_t i = 0; i < n; i++) {
        float v[3];
        for (int a = 0; a < 3; a++) {
            v[a] = (uni(&s) * 2.0f - 1.0f) * extent;
            if (quantum > 0 && (next(&s) & 3) == 0)
                v[a] = floorf(v[a] / quantum) * quantum;
        }
        if (bad && next(&s) % 100 == 0) {
            static const float odd[] = {NAN, INFINITY, -INFINITY};
            v[next(&s) % 3] = odd[next(&s) % 3];
        }
        p->x[i] = v[0];
        p->y[i] = v[1];
        p->z[i] = v[2];
        p->intensity[i] = uni(&s);
        if (p->ring)
            p->ring[i] = (uint16_t)(next(&s) % 64);
        if (p->time)
            p->time[i] = (float)i * 1e-6f;
    }
    p->count = n;
}

kcloud *kcloud_load_kitti(const char *path, char *why, size_t whycap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whycap, "%s: not found", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = size > 0 ? (size_t)size / 16 : 0;
    kcloud *c = kcloud_new(n, 0);
    float *rec = malloc(n * 16 + 16);
    if (!c || !rec || fread(rec, 16, n, f) != n) {
        snprintf(why, whycap, "%s: cannot read %zu points", path, n);
        fclose(f);
        free(rec);
        kcloud_free(c);
        return NULL;
    }
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        c->pts.x[i] = rec[4 * i];
        c->pts.y[i] = rec[4 * i + 1];
        c->pts.z[i] = rec[4 * i + 2];
        c->pts.intensity[i] = rec[4 * i + 3];
    }
    c->pts.count = n;
    free(rec);
    return c;
}

const char *kcloud_data_path(const char *rel, char *buf, size_t cap)
{
    const char *root = getenv("SP_TEST_DATA");
    struct stat st;
    if (!root || !*root)
        root = "../shared/data";
    snprintf(buf, cap, "%s/%s", root, rel);
    return stat(buf, &st) == 0 ? buf : NULL;
}

int kcloud_backends(sp_kctx *ctx[KCLOUD_MAX_BACKENDS],
                    const char *names[KCLOUD_MAX_BACKENDS])
{
    int n = 0;
    sp_kctx_desc d = {.backend = SP_BACKEND_SCALAR};
    if (sp_kctx_create(&d, &ctx[n]) == 0)
        names[n++] = "scalar";
    static const char *levels[] = {"sse41", "avx2", "neon"};
    static const sp_simd_level lv[] = {SP_SIMD_SSE41, SP_SIMD_AVX2,
                                       SP_SIMD_NEON};
    d.backend = SP_BACKEND_SIMD;
    for (int i = 0; i < 3; i++) {
        setenv("SP_SIMD", levels[i], 1);
        if (sp_simd_detect() == lv[i] && sp_kctx_create(&d, &ctx[n]) == 0)
            names[n++] = levels[i];
    }
    unsetenv("SP_SIMD");
    d.backend = SP_BACKEND_OPENCL;
    if (sp_kctx_create(&d, &ctx[n]) == 0)
        names[n++] = "opencl";
    else
        sp_errmsg_clear();
    return n;
}

void kcloud_backends_free(sp_kctx *ctx[KCLOUD_MAX_BACKENDS], int n)
{
    for (int i = 0; i < n; i++)
        sp_kctx_destroy(ctx[i]);
}
