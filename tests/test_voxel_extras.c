/* ctest-label: simd */
/* ctest-timeout: 120 */
/* voxel's extra channels (the rules in sp_voxel.h) against a reference
 * written here from the spec: voxels by qsort of the float32 indices,
 * members in input order; VALUE the double sum times 1/count rounded once
 * (integers to nearest, halves away from zero), COLOR per 8-bit channel
 * floor(sum / count) in integers — checked again against PCL's
 * AccumulatorRGBA formula (float sums, float division, truncation) — and
 * LABEL the first member's values. Clouds with extras of every type and
 * count, voxels with many scattered members, NaN points, min_points, on
 * each of voxel's paths (runs, packed, general, wide); every back-end,
 * OpenCL included, equal to scalar bit for bit in the extras. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kcloud.h"
#include "sp_voxel.h"

typedef struct ref_entry {
    int64_t v[3];
    uint32_t idx;
} ref_entry;

static int cmp_ref(const void *pa, const void *pb)
{
    const ref_entry *a = pa, *b = pb;
    for (int ax = 2; ax >= 0; ax--)
        if (a->v[ax] != b->v[ax])
            return a->v[ax] < b->v[ax] ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* One element of an extra as a double (the reference's VALUE input). */
static double elem_d(const uint8_t *at, sp_field_type t)
{
    switch (t) {
    case SP_FIELD_I8:
        return *(const int8_t *)at;
    case SP_FIELD_U8:
        return *at;
    case SP_FIELD_I16: {
        int16_t v;
        memcpy(&v, at, 2);
        return v;
    }
    case SP_FIELD_U16: {
        uint16_t v;
        memcpy(&v, at, 2);
        return v;
    }
    case SP_FIELD_I32: {
        int32_t v;
        memcpy(&v, at, 4);
        return v;
    }
    case SP_FIELD_U32: {
        uint32_t v;
        memcpy(&v, at, 4);
        return v;
    }
    case SP_FIELD_F32: {
        float v;
        memcpy(&v, at, 4);
        return v;
    }
    case SP_FIELD_F64: {
        double v;
        memcpy(&v, at, 8);
        return v;
    }
    }
    return 0;
}

/* The mean stored as the type: floats rounded once; integers rounded to
 * the nearest, halves away from zero, clamped. */
static void store_mean(uint8_t *at, sp_field_type t, double m)
{
    static const double lo[9] = {0, -128, 0, -32768, 0, -2147483648.0, 0};
    static const double hi[9] = {0,     127,          255,         32767,
                                 65535, 2147483647.0, 4294967295.0};
    if (t == SP_FIELD_F32) {
        float f = (float)m;
        memcpy(at, &f, 4);
        return;
    }
    if (t == SP_FIELD_F64) {
        memcpy(at, &m, 8);
        return;
    }
    double r = m >= 0 ? floor(m + 0.5) : ceil(m - 0.5);
    if (r < lo[t])
        r = lo[t];
    if (r > hi[t])
        r = hi[t];
    switch (t) {
    case SP_FIELD_I8:
        *(int8_t *)at = (int8_t)r;
        break;
    case SP_FIELD_U8:
        *at = (uint8_t)r;
        break;
    case SP_FIELD_I16:
        memcpy(at, &(int16_t){(int16_t)r}, 2);
        break;
    case SP_FIELD_U16:
        memcpy(at, &(uint16_t){(uint16_t)r}, 2);
        break;
    case SP_FIELD_I32:
        memcpy(at, &(int32_t){(int32_t)r}, 4);
        break;
    default:
        memcpy(at, &(uint32_t){(uint32_t)r}, 4);
        break;
    }
}

/* PCL's AccumulatorRGBA::get for one packed value: float sums of each
 * channel, divided by the count as float, truncated. */
static uint32_t pcl_rgba(const float sum[4], size_t n)
{
    float fn = (float)n;
    return (uint32_t)(sum[3] / fn) << 24 | (uint32_t)(sum[2] / fn) << 16 |
           (uint32_t)(sum[1] / fn) << 8 | (uint32_t)(sum[0] / fn);
}

/* The reference: out gets x, y, z, intensity and every extra. */
static void reference(const sp_points *in, const float leaf[3],
                      uint32_t min_points, sp_points *out)
{
    size_t n = in->count, m = 0, o = 0;
    ref_entry *e = malloc((n ? n : 1) * sizeof *e);
    assert_non_null(e);
    const float inv[3] = {1.0f / leaf[0], 1.0f / leaf[1], 1.0f / leaf[2]};
    const float *c[3] = {in->x, in->y, in->z};
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(c[0][i]) || !isfinite(c[1][i]) || !isfinite(c[2][i]))
            continue;
        for (int a = 0; a < 3; a++)
            e[m].v[a] = (int64_t)floorf(c[a][i] * inv[a]);
        e[m++].idx = (uint32_t)i;
    }
    qsort(e, m, sizeof *e, cmp_ref);
    for (size_t s = 0; s < m;) {
        size_t t = s + 1;
        while (t < m && !memcmp(e[t].v, e[s].v, sizeof e[s].v))
            t++;
        size_t cnt = t - s;
        if (cnt < (min_points ? min_points : 1)) {
            s = t;
            continue;
        }
        double sx = 0, sy = 0, sz = 0, sw = 0;
        for (size_t j = s; j < t; j++) {
            sx += in->x[e[j].idx];
            sy += in->y[e[j].idx];
            sz += in->z[e[j].idx];
            sw += in->intensity[e[j].idx];
        }
        double r = 1.0 / (double)cnt;
        out->x[o] = (float)(sx * r);
        out->y[o] = (float)(sy * r);
        out->z[o] = (float)(sz * r);
        out->intensity[o] = (float)(sw * r);
        for (unsigned x = 0; x < in->nextra; x++) {
            const sp_points_extra *ie = &in->extra[x];
            sp_points_extra *oe = sp_points_extra_find(out, ie->field.name);
            sp_field_type t_ = ie->field.type;
            size_t es = sp_field_type_size(t_), st = es * ie->field.count;
            const uint8_t *src = ie->data;
            uint8_t *dst = (uint8_t *)oe->data + o * st;
            if (ie->field.kind == SP_FIELD_LABEL) {
                memcpy(dst, src + (size_t)e[s].idx * st, st);
                continue;
            }
            for (uint32_t k = 0; k < ie->field.count; k++) {
                if (ie->field.kind == SP_FIELD_VALUE) {
                    double sum = 0;
                    for (size_t j = s; j < t; j++)
                        sum += elem_d(src + (size_t)e[j].idx * st + k * es, t_);
                    store_mean(dst + k * es, t_, sum * r);
                    continue;
                }
                uint64_t ch[4] = {0};
                float fch[4] = {0};
                for (size_t j = s; j < t; j++) {
                    uint32_t v;
                    memcpy(&v, src + (size_t)e[j].idx * st + k * 4, 4);
                    for (int b = 0; b < 4; b++) {
                        ch[b] += (v >> (8 * b)) & 0xff;
                        fch[b] += (float)((v >> (8 * b)) & 0xff);
                    }
                }
                uint32_t packed = 0;
                for (int b = 0; b < 4; b++)
                    packed |= (uint32_t)(ch[b] / cnt) << (8 * b);
                /* The claim of sp_voxel.h: PCL's float formula agrees. */
                if (pcl_rgba(fch, cnt) != packed)
                    fail_msg("voxel %zu '%s': PCL's rgba %08x, floor %08x", o,
                             ie->field.name, pcl_rgba(fch, cnt), packed);
                memcpy(dst + k * 4, &packed, 4);
            }
        }
        o++;
        s = t;
    }
    out->count = o;
    free(e);
}

static void assert_xyzi(const sp_points *a, const sp_points *b, int exact,
                        const char *what)
{
    if (a->count != b->count)
        fail_msg("%s: %zu voxels, expected %zu", what, b->count, a->count);
    for (size_t i = 0; i < a->count; i++) {
        const float av[4] = {a->x[i], a->y[i], a->z[i], a->intensity[i]};
        const float bv[4] = {b->x[i], b->y[i], b->z[i], b->intensity[i]};
        for (int c = 0; c < 4; c++) {
            float tol = exact ? 0.0f : 1e-6f * fmaxf(1.0f, fabsf(av[c]));
            if (!(fabsf(av[c] - bv[c]) <= tol))
                fail_msg("%s: voxel %zu field %d: %.9g, expected %.9g", what, i,
                         c, (double)bv[c], (double)av[c]);
        }
    }
}

/* The reference pins scalar (finite values); every back-end equals scalar
 * in every extra (also with raw bytes, NaN patterns included). */
static void check(kcloud *in, const float leaf[3], uint32_t min_points, int raw,
                  const char *label)
{
    size_t n = in->pts.count;
    sp_points_layout l;
    sp_points_layout_of(&in->pts, &l);
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    kcloud *ref = kcloud_new_layout(n, &l), *sc = kcloud_new_layout(n, &l);
    kcloud *out = kcloud_new_layout(n, &l);
    assert_non_null(ref);
    assert_non_null(sc);
    assert_non_null(out);
    sp_voxel_params v = {.leaf = {leaf[0], leaf[1], leaf[2]},
                         .min_points = min_points};
    char what[160], why[256];
    int rc = sp_voxel(ctx[0], &v, &in->pts, &sc->pts);
    if (rc != SP_OK)
        fail_msg("%s scalar: %s", label, sp_errmsg());
    if (!raw) {
        reference(&in->pts, leaf, min_points, &ref->pts);
        snprintf(what, sizeof what, "%s: scalar vs reference", label);
        assert_xyzi(&ref->pts, &sc->pts, 1, what);
        if (!kcloud_extras_equal(&ref->pts, &sc->pts, why, sizeof why))
            fail_msg("%s: %s", what, why);
    }
    for (int b = 1; b < nb; b++) {
        snprintf(what, sizeof what, "%s%s: %s vs scalar", label,
                 raw ? " (raw bytes)" : "", names[b]);
        for (unsigned e = 0; e < out->pts.nextra; e++)
            memset(out->pts.extra[e].data, 0xA5,
                   n * sp_points_extra_stride(&out->pts.extra[e]));
        rc = sp_voxel(ctx[b], &v, &in->pts, &out->pts);
        if (rc != SP_OK)
            fail_msg("%s: %s", what, sp_errmsg());
        assert_xyzi(&sc->pts, &out->pts, strcmp(names[b], "opencl") != 0, what);
        if (!kcloud_extras_equal(&sc->pts, &out->pts, why, sizeof why))
            fail_msg("%s: %s", what, why);
    }
    kcloud_backends_free(ctx, nb);
    kcloud_free(ref);
    kcloud_free(sc);
    kcloud_free(out);
}

static kcloud *cloud(size_t n, uint64_t seed, float extent, float quantum,
                     int raw)
{
    sp_points_layout l;
    kcloud_layout_all(&l, SP_POINTS_RING | SP_POINTS_TIME);
    kcloud *c = kcloud_new_layout(n, &l);
    assert_non_null(c);
    kcloud_random(c, n, seed, extent, quantum, 1);
    kcloud_cluster(c, seed);
    kcloud_fill_extras(c, seed, raw);
    return c;
}

/* The runs path (a grid of < 2^32 cells), sizes around every SIMD step. */
static void test_runs_path(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 7, 8, 9, 63, 65, 1000, 30000};
    const float leaf[3] = {0.5f, 0.5f, 0.5f}, leaf2[3] = {1.0f, 0.7f, 2.0f};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "runs, %zu points", sizes[i]);
        for (int raw = 0; raw < 2; raw++) {
            kcloud *in = cloud(sizes[i], 50 + i, 4, 0.25f, raw);
            check(in, leaf, 0, raw, label);
            check(in, leaf2, 3, raw, label);
            kcloud_free(in);
        }
    }
}

/* Bigger grids: packed (>= 2^32 cells, key + index bits <= 64), general
 * (more key bits, 32-bit indices per axis) and wide (indices past 32
 * bits), each with clustered points so voxels hold several members. */
static void test_other_paths(void **state)
{
    (void)state;
    static const struct {
        const char *label;
        float extent, leaf;
    } paths[] = {
        {"packed", 1000, 0.1f},
        {"general", 2000, 0.01f},
        {"wide", 1e8f, 0.01f},
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        for (int raw = 0; raw < 2; raw++) {
            kcloud *in = cloud(5000, 70 + i, paths[i].extent, 0, raw);
            const float leaf[3] = {paths[i].leaf, paths[i].leaf, paths[i].leaf};
            check(in, leaf, 0, raw, paths[i].label);
            check(in, leaf, 2, raw, paths[i].label);
            kcloud_free(in);
        }
}

/* Hand-made values with known answers, one voxel of 3 points and one of
 * 1: the rules in numbers. */
static void test_rules_by_hand(void **state)
{
    (void)state;
    sp_points_layout l = {0};
    assert_int_equal(
        sp_points_layout_add(&l, "rgba", SP_FIELD_U32, 1, SP_FIELD_COLOR), 0);
    assert_int_equal(sp_points_layout_add(&l, "i8", SP_FIELD_I8, 1, 0), 1);
    assert_int_equal(
        sp_points_layout_add(&l, "label", SP_FIELD_U16, 2, SP_FIELD_LABEL), 2);
    assert_int_equal(sp_points_layout_add(&l, "f", SP_FIELD_F32, 1, 0), 3);
    kcloud *in = kcloud_new_layout(4, &l), *out = kcloud_new_layout(4, &l);
    const float x[4] = {0.1f, 5.0f, 0.2f, 0.3f};
    const uint32_t rgba[4] = {0xff0000ffu, 0x11223344u, 0x01000001u,
                              0x00010002u};
    const int8_t i8[4] = {-1, 7, -2, 0}; /* mean -1: exact; */
    const uint16_t lab[8] = {9, 8, 1, 1, 3, 3, 4, 4};
    const float f[4] = {1, 100, 2, 4};
    for (int i = 0; i < 4; i++) {
        in->pts.x[i] = x[i];
        in->pts.y[i] = in->pts.z[i] = 0.5f;
        in->pts.intensity[i] = 0;
        ((uint32_t *)in->pts.extra[0].data)[i] = rgba[i];
        ((int8_t *)in->pts.extra[1].data)[i] = i8[i];
        ((float *)in->pts.extra[3].data)[i] = f[i];
    }
    memcpy(in->pts.extra[2].data, lab, sizeof lab);
    in->pts.count = 4;
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    sp_voxel_params v = {.leaf = {1, 1, 1}};
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_OK);
    assert_int_equal(out->pts.count, 2);
    /* Voxel 0: points 0, 2, 3. Channels: a (ff+01+00)/3 = 85 (0x55),
     * r (0+0+1)/3 = 0, g 0, b (ff+01+02)/3 = 86 (0x56). */
    assert_int_equal(((uint32_t *)out->pts.extra[0].data)[0], 0x55000056u);
    assert_int_equal(((uint32_t *)out->pts.extra[0].data)[1], 0x11223344u);
    assert_int_equal(((int8_t *)out->pts.extra[1].data)[0], -1);
    const uint16_t *ol = out->pts.extra[2].data;
    assert_int_equal(ol[0], 9); /* the first point's pair */
    assert_int_equal(ol[1], 8);
    assert_int_equal(ol[2], 1); /* the other voxel: point 1's */
    assert_int_equal(ol[3], 1);
    assert_true(((float *)out->pts.extra[3].data)[0] == (float)(7.0 / 3.0));
    /* Integer halves round away from zero: (-1 + -2) / 2 = -1.5 -> -2. */
    in->pts.x[3] = 3.0f;
    assert_int_equal(sp_voxel(k, &v, &in->pts, &out->pts), SP_OK);
    assert_int_equal(out->pts.count, 3);
    assert_int_equal(((int8_t *)out->pts.extra[1].data)[0], -2);
    /* An output without extras ignores them; one with another type is
     * refused with the name. */
    kcloud *plain = kcloud_new(4, 0);
    assert_int_equal(sp_voxel(k, &v, &in->pts, &plain->pts), SP_OK);
    assert_int_equal(plain->pts.count, 3);
    sp_points_layout bad = {0};
    assert_int_equal(sp_points_layout_add(&bad, "f", SP_FIELD_F64, 1, 0), 0);
    kcloud *o2 = kcloud_new_layout(4, &bad);
    assert_int_equal(sp_voxel(k, &v, &in->pts, &o2->pts), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "voxel: extra 'f' is f32 x 1 in the "
                                        "input but f64 x 1"));
    kcloud_free(o2);
    kcloud_free(plain);
    sp_kctx_destroy(k);
    kcloud_free(in);
    kcloud_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_by_hand),
        cmocka_unit_test(test_runs_path),
        cmocka_unit_test(test_other_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
