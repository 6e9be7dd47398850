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

kcloud *kcloud_new_layout(size_t cap, const sp_points_layout *l)
{
    kcloud *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t bytes = sp_points_block_size_layout(cap ? cap : 1, l);
    bytes = (bytes + 63) & ~(size_t)63;
    c->mem = bytes ? aligned_alloc(64, bytes) : NULL;
    if (!c->mem || sp_points_init_layout(&c->pts, c->mem, bytes, cap, l) != 0) {
        free(c->mem);
        free(c);
        return NULL;
    }
    return c;
}

void kcloud_layout_all(sp_points_layout *l, unsigned fields)
{
    static const struct {
        const char *name;
        sp_field_type type;
        uint32_t count;
        sp_field_kind kind;
    } f[] = {
        {"v_i8", SP_FIELD_I8, 1, SP_FIELD_VALUE},
        {"v_u8", SP_FIELD_U8, 1, SP_FIELD_VALUE},
        {"v_i16", SP_FIELD_I16, 1, SP_FIELD_VALUE},
        {"v_u16", SP_FIELD_U16, 2, SP_FIELD_VALUE},
        {"v_i32", SP_FIELD_I32, 1, SP_FIELD_VALUE},
        {"v_u32", SP_FIELD_U32, 1, SP_FIELD_VALUE},
        {"curvature", SP_FIELD_F32, 1, SP_FIELD_VALUE},
        {"time_stamp", SP_FIELD_F64, 1, SP_FIELD_VALUE},
        {"normal", SP_FIELD_F32, 3, SP_FIELD_VALUE},
        {"v_f64x3", SP_FIELD_F64, 3, SP_FIELD_VALUE},
        {"v_u8x5", SP_FIELD_U8, 5, SP_FIELD_VALUE},
        {"v_i16x3", SP_FIELD_I16, 3, SP_FIELD_VALUE},
        {"rgba", SP_FIELD_U32, 1, SP_FIELD_COLOR},
        {"rgb", SP_FIELD_F32, 1, SP_FIELD_COLOR},
        {"c_i32x2", SP_FIELD_I32, 2, SP_FIELD_COLOR},
        {"label", SP_FIELD_U16, 1, SP_FIELD_LABEL},
        {"l_i8x3", SP_FIELD_I8, 3, SP_FIELD_LABEL},
        {"return_type", SP_FIELD_U8, 1, SP_FIELD_LABEL},
        {"id", SP_FIELD_U32, 1, SP_FIELD_LABEL},
    };
    memset(l, 0, sizeof *l);
    l->fields = fields;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (sp_points_layout_add(l, f[i].name, f[i].type, f[i].count,
                                 f[i].kind) < 0)
            abort();
}

static void put_value(uint8_t *at, sp_field_type t, uint64_t r)
{
    switch (t) {
    case SP_FIELD_F32: {
        float v =
            (float)((double)(int64_t)(r >> 11) / 9007199254740992.0 * 2e6);
        memcpy(at, &v, 4);
        break;
    }
    case SP_FIELD_F64: {
        double v = (double)(int64_t)(r >> 11) / 9007199254740992.0 * 2e6;
        memcpy(at, &v, 8);
        break;
    }
    default: /* integers: any bit pattern is a valid value */
        memcpy(at, &r, sp_field_type_size(t));
        break;
    }
}

void kcloud_fill_extras(kcloud *c, uint64_t seed, int raw)
{
    uint64_t s = seed ^ 0x5eedf00dull;
    sp_points *p = &c->pts;
    for (unsigned e = 0; e < p->nextra; e++) {
        sp_points_extra *x = &p->extra[e];
        size_t es = sp_field_type_size(x->field.type);
        uint8_t *d = x->data;
        int id = !strcmp(x->field.name, "id") && x->field.type == SP_FIELD_U32;
        for (size_t i = 0; i < p->count; i++)
            for (uint32_t k = 0; k < x->field.count; k++) {
                uint8_t *at = d + (i * x->field.count + k) * es;
                uint64_t r = next(&s);
                if (id)
                    memcpy(at, &(uint32_t){(uint32_t)i}, 4);
                else if (raw)
                    memcpy(at, &r, es);
                else
                    put_value(at, x->field.type, r);
            }
    }
}

void kcloud_cluster(kcloud *c, uint64_t seed)
{
    uint64_t s = seed ^ 0xc1u;
    sp_points *p = &c->pts;
    for (size_t i = 1; i < p->count; i++) {
        if (next(&s) % 5 >= 3)
            continue;
        size_t back = 1 + next(&s) % 8;
        size_t j = back > i ? 0 : i - back;
        p->x[i] = p->x[j];
        p->y[i] = p->y[j];
        p->z[i] = p->z[j];
    }
}

int kcloud_extras_equal(const sp_points *a, const sp_points *b, char *why,
                        size_t cap)
{
    if (a->count != b->count || a->nextra != b->nextra) {
        snprintf(why, cap, "%zu points with %u extras against %zu with %u",
                 a->count, a->nextra, b->count, b->nextra);
        return 0;
    }
    for (unsigned e = 0; e < a->nextra; e++) {
        const sp_points_field *fa = &a->extra[e].field,
                              *fb = &b->extra[e].field;
        if (strcmp(fa->name, fb->name) || fa->type != fb->type ||
            fa->count != fb->count || fa->kind != fb->kind) {
            snprintf(why, cap, "extra %u: '%s' against '%s'", e, fa->name,
                     fb->name);
            return 0;
        }
        size_t stride = sp_points_extra_stride(&a->extra[e]);
        const uint8_t *da = a->extra[e].data, *db = b->extra[e].data;
        for (size_t i = 0; i < a->count; i++)
            if (memcmp(da + i * stride, db + i * stride, stride)) {
                snprintf(why, cap, "extra '%s' (%s x %u), row %zu differs",
                         fa->name, sp_field_type_name(fa->type), fa->count, i);
                return 0;
            }
    }
    return 1;
}

int kcloud_rows_from_ids(const sp_points *in, const sp_points *out, char *why,
                         size_t cap)
{
    const sp_points_extra *ide = sp_points_extra_find(out, "id");
    if (!ide || ide->field.type != SP_FIELD_U32) {
        snprintf(why, cap, "the output has no u32 extra 'id'");
        return 0;
    }
    const uint32_t *id = ide->data;
    for (size_t j = 0; j < out->count; j++) {
        uint32_t i = id[j];
        if (i >= in->count || (j && i <= id[j - 1])) {
            snprintf(why, cap, "row %zu: id %u out of order or range", j, i);
            return 0;
        }
        if (memcmp(&out->x[j], &in->x[i], 4) ||
            memcmp(&out->y[j], &in->y[i], 4) ||
            memcmp(&out->z[j], &in->z[i], 4) ||
            memcmp(&out->intensity[j], &in->intensity[i], 4) ||
            (out->ring && in->ring && out->ring[j] != in->ring[i]) ||
            (out->time && in->time && memcmp(&out->time[j], &in->time[i], 4))) {
            snprintf(why, cap, "row %zu (input %u): a standard channel differs",
                     j, i);
            return 0;
        }
        for (unsigned e = 0; e < out->nextra; e++) {
            const sp_points_extra *o = &out->extra[e];
            const sp_points_extra *s = sp_points_extra_find(in, o->field.name);
            size_t st = sp_points_extra_stride(o);
            if (!s || memcmp((const uint8_t *)o->data + j * st,
                             (const uint8_t *)s->data + (size_t)i * st, st)) {
                snprintf(why, cap, "row %zu (input %u): extra '%s' differs", j,
                         i, o->field.name);
                return 0;
            }
        }
    }
    return 1;
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

int kcloud_ran_asked(const sp_kctx *k)
{
    switch (sp_kctx_backend(k)) {
    case SP_BACKEND_SCALAR:
        return sp_kctx_last_backend(k) == SP_BACKEND_SCALAR &&
               sp_kctx_last_simd(k) == SP_SIMD_NONE;
    case SP_BACKEND_SIMD:
        return sp_kctx_last_backend(k) == SP_BACKEND_SIMD &&
               sp_kctx_last_simd(k) == sp_kctx_simd_level(k);
    case SP_BACKEND_OPENCL:
        return sp_kctx_last_backend(k) == SP_BACKEND_OPENCL &&
               sp_kctx_last_simd(k) == SP_SIMD_NONE;
    default:
        return 1;
    }
}

int kcloud_ran_cpu(const sp_kctx *k)
{
    sp_simd_level l = sp_kctx_backend(k) == SP_BACKEND_SCALAR
                          ? SP_SIMD_NONE
                          : sp_kctx_simd_level(k);
    sp_backend b = l == SP_SIMD_NONE ? SP_BACKEND_SCALAR : SP_BACKEND_SIMD;
    return sp_kctx_last_backend(k) == b && sp_kctx_last_simd(k) == l;
}
