/* ctest-label: simd */
/* unpack: the scalar reference against a model written here from the
 * header's rules (bytes assembled by shifts, not memcpy + bswap), and every
 * back-end (scalar, SSE4.1, AVX2, NEON, whichever this CPU has) against
 * the scalar output bit for bit, with guard bytes after each column left
 * untouched. Random records with NaN payloads, +-Inf, -0, denormals and
 * integer limits injected; every type for every op, swap on and off, steps
 * 1..64, input misaligned by 0..7 bytes, rows with padding, counts around
 * the vector widths, the common PointCloud2 layouts at full size; a hand-
 * computed table; every error of the header with its message. */
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
#include "sp_status.h"
#include "sp_unpack.h"

#define GUARD 32

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
    return (size_t)(rnd() % n);
}

static size_t tsize(sp_unpack_type t)
{
    return sp_unpack_type_size(t);
}

static size_t osize(const sp_unpack_col *c)
{
    return c->op == SP_UNPACK_COPY     ? tsize(c->src_type)
           : c->op == SP_UNPACK_TO_F32 ? 4
                                       : 2;
}

/* ---- the model: the header's rules, written independently ---- */

static uint64_t raw_bytes(const uint8_t *e, size_t size, int swap)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++)
        v |= (uint64_t)e[swap ? size - 1 - i : i] << (8 * i);
    return v;
}

static double as_double(uint64_t v, sp_unpack_type t)
{
    switch (t) {
    case SP_UNPACK_I8:
        return (double)(int8_t)(uint8_t)v;
    case SP_UNPACK_U8:
        return (double)(uint8_t)v;
    case SP_UNPACK_I16:
        return (double)(int16_t)(uint16_t)v;
    case SP_UNPACK_U16:
        return (double)(uint16_t)v;
    case SP_UNPACK_I32:
        return (double)(int32_t)(uint32_t)v;
    case SP_UNPACK_U32:
        return (double)(uint32_t)v;
    case SP_UNPACK_F32: {
        uint32_t u = (uint32_t)v;
        float f;
        memcpy(&f, &u, 4);
        return (double)f;
    }
    default: {
        double d;
        memcpy(&d, &v, 8);
        return d;
    }
    }
}

static int is_float(sp_unpack_type t)
{
    return t == SP_UNPACK_F32 || t == SP_UNPACK_F64;
}

/* Element i of column c, written at out (host byte order). */
static void model_elem(const sp_unpack_col *c, const uint8_t *e, int swap,
                       uint8_t *out)
{
    size_t size = tsize(c->src_type);
    uint64_t v = raw_bytes(e, size, swap);
    double s = c->scale == 0 ? 1.0 : c->scale;
    if (c->op == SP_UNPACK_COPY ||
        (c->op == SP_UNPACK_TO_F32 && c->src_type == SP_UNPACK_F32 &&
         s == 1.0 && c->bias == 0)) {
        for (size_t i = 0; i < size; i++) /* little-endian host */
            out[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    double x = as_double(v, c->src_type);
    if (c->op == SP_UNPACK_TO_F32) {
        double t = x * s;
        t += c->bias;
        float f = (float)t;
        memcpy(out, &f, 4);
        return;
    }
    uint16_t u;
    if (is_float(c->src_type)) {
        if (isnan(x) || x <= 0)
            u = 0;
        else if (x >= 65535.0)
            u = 65535;
        else
            u = (uint16_t)trunc(x);
    } else {
        u = x < 0 ? 0 : x > 65535 ? 65535 : (uint16_t)x;
    }
    memcpy(out, &u, 2);
}

/* ---- running and comparing ---- */

typedef struct outs {
    uint8_t *buf[SP_UNPACK_MAX_COLS];
    size_t bytes[SP_UNPACK_MAX_COLS];
} outs;

/* Aligned to 64 (so a column's dst can be placed at any alignment the
 * test wants) with GUARD bytes of 0xA5 after the elements. */
static void outs_alloc(outs *o, sp_unpack_desc *d)
{
    for (size_t i = 0; i < d->ncols; i++) {
        o->bytes[i] = d->count * osize(&d->cols[i]);
        size_t cap = (o->bytes[i] + GUARD + 63) & ~(size_t)63;
        o->buf[i] = aligned_alloc(64, cap);
        assert_non_null(o->buf[i]);
        memset(o->buf[i], 0xA5, cap);
        d->cols[i].dst = o->buf[i];
    }
}

static void outs_free(outs *o, size_t ncols)
{
    for (size_t i = 0; i < ncols; i++)
        free(o->buf[i]);
}

static void check_guard(const outs *o, size_t ncols, const char *what)
{
    for (size_t i = 0; i < ncols; i++)
        for (size_t b = 0; b < GUARD; b++)
            if (o->buf[i][o->bytes[i] + b] != 0xA5)
                fail_msg("%s: column %zu: byte %zu past the end written", what,
                         i, b);
}

static void describe(char *buf, size_t cap, const sp_unpack_desc *d,
                     const char *what)
{
    int len = snprintf(buf, cap,
                       "%s: count %zu rows %zu step %zu row_step %zu swap %d",
                       what, d->count, d->rows, d->step, d->row_step, d->swap);
    for (size_t i = 0; i < d->ncols && len > 0 && (size_t)len < cap; i++)
        len += snprintf(buf + len, cap - (size_t)len,
                        " [off %u type %d op %d s %g b %g]", d->cols[i].offset,
                        (int)d->cols[i].src_type, (int)d->cols[i].op,
                        d->cols[i].scale, d->cols[i].bias);
}

static void report(const sp_unpack_desc *d, const char *what, size_t col,
                   size_t elem, const uint8_t *want, const uint8_t *got,
                   size_t sz)
{
    char buf[2048];
    describe(buf, sizeof buf, d, what);
    char w[40] = "", g[40] = "";
    for (size_t i = 0; i < sz; i++) {
        snprintf(w + 2 * i, 3, "%02x", want[sz - 1 - i]);
        snprintf(g + 2 * i, 3, "%02x", got[sz - 1 - i]);
    }
    fail_msg("%s: column %zu element %zu: 0x%s, expected 0x%s", buf, col, elem,
             g, w);
}

/* Every back-end on d: scalar against the model, the others against
 * scalar, bit for bit. */
static void check_all(sp_unpack_desc *d, const uint8_t *src, size_t n,
                      const char *what)
{
    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    assert_true(nb >= 1);
    size_t per_row = d->count / d->rows;

    outs ref;
    outs_alloc(&ref, d);
    int rc = sp_unpack(ctx[0], d, src, n);
    if (rc != SP_OK)
        fail_msg("%s: scalar: %s", what, sp_errmsg());
    check_guard(&ref, d->ncols, what);
    uint8_t want[8];
    for (size_t i = 0; i < d->ncols; i++) {
        const sp_unpack_col *c = &d->cols[i];
        size_t sz = osize(c);
        for (size_t row = 0; row < d->rows; row++)
            for (size_t r = 0; r < per_row; r++) {
                size_t k = row * per_row + r;
                model_elem(c, src + row * d->row_step + r * d->step + c->offset,
                           d->swap, want);
                if (memcmp(want, ref.buf[i] + k * sz, sz))
                    report(d, what, i, k, want, ref.buf[i] + k * sz, sz);
            }
    }
    for (int b = 1; b < nb; b++) {
        outs got;
        outs_alloc(&got, d);
        char w[128];
        snprintf(w, sizeof w, "%s, %s", what, names[b]);
        rc = sp_unpack(ctx[b], d, src, n);
        if (rc != SP_OK)
            fail_msg("%s: %s", w, sp_errmsg());
        if (!kcloud_ran_cpu(ctx[b]))
            fail_msg("%s: ran %s/%s", w,
                     sp_backend_name(sp_kctx_last_backend(ctx[b])),
                     sp_simd_level_name(sp_kctx_last_simd(ctx[b])));
        check_guard(&got, d->ncols, w);
        for (size_t i = 0; i < d->ncols; i++)
            if (memcmp(ref.buf[i], got.buf[i], ref.bytes[i])) {
                size_t sz = osize(&d->cols[i]), k = 0;
                while (!memcmp(ref.buf[i] + k * sz, got.buf[i] + k * sz, sz))
                    k++;
                report(d, w, i, k, ref.buf[i] + k * sz, got.buf[i] + k * sz,
                       sz);
            }
        outs_free(&got, d->ncols);
    }
    outs_free(&ref, d->ncols);
    kcloud_backends_free(ctx, nb);
}

/* ---- inputs ---- */

static const uint32_t f32_special[] = {
    0x7fc00000u,              /* quiet NaN */
    0x7f800001u,              /* signalling NaN */
    0x7fc12345u,              /* NaN with a payload */
    0xffa00001u,              /* negative signalling NaN */
    0x7f800000u, 0xff800000u, /* +-Inf */
    0x80000000u, 0x00000000u, /* -0, +0 */
    0x00000001u, 0x807fffffu, /* denormals */
    0x7f7fffffu,              /* FLT_MAX */
    0x477fff80u,              /* 65535.5 */
    0x477ffeffu,              /* 65534.996 */
    0x47800000u,              /* 65536 */
    0xbfc00000u,              /* -1.5 */
    0xbf7fffffu,              /* -0.99999994 */
    0x3f7fffffu,              /* 0.99999994 */
    0x4b800001u,              /* 16777218 */
};

static const uint64_t f64_special[] = {
    0x7ff8000000000000ull, 0x7ff0000000000001ull, /* quiet, signalling NaN */
    0x7ff8000000012345ull, 0xfff4000000000000ull, /* payloads, negative */
    0x7ff0000000000000ull, 0xfff0000000000000ull, /* +-Inf */
    0x8000000000000000ull, 0x0000000000000001ull, /* -0, denormal */
    0x3ff0000010000000ull, /* 1 + 2^-24: a tie, rounds to 1 */
    0x3ff0000010000001ull, /* just above the tie: 1 + 2^-23 */
    0x3ff0000030000000ull, /* 1 + 3 * 2^-24: tie to even, up */
    0x47efffffefffffffull, /* below FLT_MAX's rounding edge */
    0x47efffffe0000000ull, /* FLT_MAX exactly */
    0x47effffff0000000ull, /* the edge: rounds to +Inf */
    0x7fefffffffffffffull, /* DBL_MAX: +Inf in float */
    0x40effffe66666666ull, /* 65535.95 */
    0xc00999999999999aull, /* -3.2 */
    0x41d2c684c0000000ull, /* 1.26e9 (epoch seconds) */
};

static const uint32_t i32_special[] = {
    0x80000000u, 0x7fffffffu, 0xffffffffu, 0x0000ffffu,
    0x00010000u, 0x01000001u, /* 16777217: a tie, rounds to even 16777216 */
    0x01000003u,              /* 16777219: a tie, rounds up to 16777220 */
    0xfeffffffu, 0x00000000u, 0xffff0000u};

static const uint16_t i16_special[] = {0x8000, 0x7fff, 0xffff, 0x0000, 0xff7f};

/* Writes value bytes (v's low `size` bytes) at e in the record's order. */
static void put_raw(uint8_t *e, uint64_t v, size_t size, int swap)
{
    for (size_t i = 0; i < size; i++)
        e[swap ? size - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Random bytes with special values of each column's type in about a
 * quarter of the records. */
static void fill(uint8_t *buf, size_t n, const sp_unpack_desc *d)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)rnd();
    size_t per_row = d->count / (d->rows ? d->rows : 1);
    for (size_t row = 0; row < d->rows; row++)
        for (size_t r = 0; r < per_row; r++) {
            if (rnd_below(4))
                continue;
            const sp_unpack_col *c = &d->cols[rnd_below(d->ncols)];
            uint8_t *e = buf + row * d->row_step + r * d->step + c->offset;
            switch (c->src_type) {
            case SP_UNPACK_F32:
                put_raw(e, f32_special[rnd_below(sizeof f32_special / 4)], 4,
                        d->swap);
                break;
            case SP_UNPACK_F64:
                put_raw(e, f64_special[rnd_below(sizeof f64_special / 8)], 8,
                        d->swap);
                break;
            case SP_UNPACK_I32:
            case SP_UNPACK_U32:
                put_raw(e, i32_special[rnd_below(sizeof i32_special / 4)], 4,
                        d->swap);
                break;
            case SP_UNPACK_I16:
            case SP_UNPACK_U16:
                put_raw(e, i16_special[rnd_below(sizeof i16_special / 2)], 2,
                        d->swap);
                break;
            default:
                e[0] = (uint8_t)(rnd_below(2) ? 0x80 : 0x7f);
                break;
            }
        }
}

/* Input of the layout at `misalign` bytes past a 64-byte boundary, with
 * `extra` bytes after the layout's end. */
typedef struct input {
    uint8_t *mem, *src;
    size_t n;
} input;

static size_t layout_bytes(const sp_unpack_desc *d)
{
    size_t per_row = d->count / d->rows;
    return (d->rows - 1) * d->row_step + per_row * d->step;
}

static input make_input(const sp_unpack_desc *d, size_t misalign, size_t extra)
{
    input in;
    in.n = layout_bytes(d) + extra;
    in.mem = aligned_alloc(64, (in.n + misalign + 64) & ~(size_t)63);
    assert_non_null(in.mem);
    in.src = in.mem + misalign;
    fill(in.src, in.n, d);
    return in;
}

static const double scales[][2] = {
    {1, 0},       {0, 0},     {1e-9, 0}, {0.001, -5.5}, {2, 0},
    {1, -1.26e9}, {-1, 0.25}, {1, -0.0}, {0.5, 1e-30},  {3.0, 7.0},
};
#define NSCALES (sizeof scales / sizeof scales[0])

static void set_col(sp_unpack_col *c, uint32_t off, sp_unpack_type t,
                    sp_unpack_op op, size_t si)
{
    *c = (sp_unpack_col){.offset = off, .src_type = t, .op = op};
    if (op == SP_UNPACK_TO_F32) {
        c->scale = scales[si % NSCALES][0];
        c->bias = scales[si % NSCALES][1];
    }
}

/* ---- tests ---- */

/* Every type for every op, both byte orders, the TO_F32 scales, at counts
 * around the vector widths; the column alone, then beside x,y,z f32. */
static void test_types_ops(void **state)
{
    (void)state;
    static const size_t counts[] = {0,  1,  2,  3,  4,  5,  7,  8,  9,
                                    15, 16, 17, 31, 33, 64, 65, 257};
    static const size_t steps[] = {0, 16, 20, 32, 37, 48};
    rng_state = 1;
    for (int t = SP_UNPACK_I8; t <= SP_UNPACK_F64; t++)
        for (int op = SP_UNPACK_COPY; op <= SP_UNPACK_TO_U16; op++)
            for (int swap = 0; swap < 2; swap++)
                for (size_t si = 0; si < (op == SP_UNPACK_TO_F32 ? NSCALES : 1);
                     si++)
                    for (size_t st = 0; st < sizeof steps / sizeof *steps;
                         st++) {
                        size_t sz = tsize((sp_unpack_type)t);
                        size_t step = steps[st] ? steps[st] : sz;
                        sp_unpack_desc d = {
                            .rows = 1, .step = step, .swap = swap};
                        d.count = counts[rnd_below(sizeof counts / 8)];
                        uint32_t off = (uint32_t)rnd_below(step - sz + 1);
                        set_col(&d.cols[0], off, (sp_unpack_type)t,
                                (sp_unpack_op)op, si);
                        d.ncols = 1;
                        if (step >= 16 && off >= 12) {
                            for (int a = 0; a < 3; a++)
                                set_col(&d.cols[1 + a], (uint32_t)(4 * a),
                                        SP_UNPACK_F32, SP_UNPACK_COPY, 0);
                            d.ncols = 4;
                        }
                        input in = make_input(&d, rnd_below(8), 0);
                        char what[96];
                        snprintf(what, sizeof what, "type %d op %d swap %d", t,
                                 op, swap);
                        check_all(&d, in.src, in.n, what);
                        free(in.mem);
                    }
}

/* Every step 1..64 at every misalignment of the input, random columns
 * that fit (overlapping fields too), random rows with padding. */
static void test_steps_alignment(void **state)
{
    (void)state;
    static const sp_unpack_type types[] = {
        SP_UNPACK_I8,  SP_UNPACK_U8,  SP_UNPACK_I16, SP_UNPACK_U16,
        SP_UNPACK_I32, SP_UNPACK_U32, SP_UNPACK_F32, SP_UNPACK_F64};
    rng_state = 2;
    for (size_t step = 1; step <= 64; step++)
        for (size_t mis = 0; mis < 8; mis++) {
            sp_unpack_desc d = {.step = step, .swap = (int)rnd_below(2)};
            d.rows = 1 + rnd_below(3);
            d.count = d.rows * rnd_below(60);
            d.row_step = (d.count / d.rows) * step + rnd_below(3) * 7;
            d.ncols = 1 + rnd_below(8);
            for (size_t i = 0; i < d.ncols; i++) {
                sp_unpack_type t;
                do
                    t = types[rnd_below(8)];
                while (tsize(t) > step);
                set_col(&d.cols[i], (uint32_t)rnd_below(step - tsize(t) + 1), t,
                        (sp_unpack_op)rnd_below(3), rnd_below(NSCALES));
            }
            input in = make_input(&d, mis, rnd_below(2) * 5);
            char what[64];
            snprintf(what, sizeof what, "step %zu misaligned %zu", step, mis);
            check_all(&d, in.src, in.n, what);
            free(in.mem);
        }
}

/* The layouts PointCloud2 drivers publish, at full size and at counts that
 * leave tails: x,y,z,intensity f32 + ring u16 (copied or converted). */
static void test_common_layouts(void **state)
{
    (void)state;
    static const struct {
        size_t step;
        uint32_t off[5]; /* x y z intensity ring */
    } lay[] = {
        {16, {0, 4, 8, 12, 0}},  /* no ring: KITTI-like XYZI */
        {20, {0, 4, 8, 12, 16}}, /* XYZI + ring */
        {32, {0, 4, 8, 16, 20}}, /* Velodyne (swri bag), Luminar */
        {32, {0, 4, 8, 12, 16}},
        {48, {0, 4, 8, 16, 26}}, /* Ouster-like, ring at 26 */
    };
    static const size_t counts[] = {124914, 35707, 1001};
    rng_state = 3;
    for (size_t l = 0; l < sizeof lay / sizeof lay[0]; l++)
        for (size_t c = 0; c < 3; c++)
            for (int ringop = 0; ringop < 2; ringop++) {
                sp_unpack_desc d = {
                    .rows = 1, .step = lay[l].step, .count = counts[c]};
                for (int a = 0; a < 4; a++)
                    set_col(&d.cols[a], lay[l].off[a], SP_UNPACK_F32,
                            a == 3 && ringop ? SP_UNPACK_TO_F32
                                             : SP_UNPACK_COPY,
                            0);
                d.ncols = 4;
                if (lay[l].off[4])
                    set_col(&d.cols[d.ncols++], lay[l].off[4], SP_UNPACK_U16,
                            ringop ? SP_UNPACK_TO_U16 : SP_UNPACK_COPY, 0);
                input in = make_input(&d, c, 0);
                char what[64];
                snprintf(what, sizeof what, "layout step %zu, %zu points",
                         lay[l].step, counts[c]);
                check_all(&d, in.src, in.n, what);
                free(in.mem);
            }
    /* An organised cloud: 64 rows of 1800 with 16 bytes of row padding. */
    sp_unpack_desc d = {.rows = 64,
                        .count = 64 * 1800,
                        .step = 32,
                        .row_step = 1800 * 32 + 16,
                        .swap = 0,
                        .ncols = 5};
    for (int a = 0; a < 3; a++)
        set_col(&d.cols[a], (uint32_t)(4 * a), SP_UNPACK_F32, SP_UNPACK_COPY,
                0);
    set_col(&d.cols[3], 16, SP_UNPACK_F32, SP_UNPACK_COPY, 0);
    set_col(&d.cols[4], 20, SP_UNPACK_U16, SP_UNPACK_COPY, 0);
    input in = make_input(&d, 3, 0);
    check_all(&d, in.src, in.n, "organised 64 x 1800");
    free(in.mem);
}

/* Values worked out by hand from the header's rules, one record little-
 * and one big-endian, on every back-end. Record (step 24):
 *   0 f32, 4 i16, 6 u16, 8 u32, 12 i32, 16 f64 */
static void test_hand_table(void **state)
{
    (void)state;
    uint8_t rec[2][3 * 24];
    memset(rec, 0, sizeof rec);
    const uint32_t f32v[3] = {0x3fc00000u /* 1.5 */, 0x7fa00001u /* sNaN */,
                              0x80000000u /* -0 */};
    const uint16_t i16v[3] = {(uint16_t)-300, 0x7fff, 0x8000};
    const uint16_t u16v[3] = {65535, 0, 1234};
    const uint32_t u32v[3] = {4000000000u, 65536, 7};
    const uint32_t i32v[3] = {16777217u, 16777219u, (uint32_t)-5};
    const uint64_t f64v[3] = {0x4004000000000000ull /* 2.5 */,
                              0x40f1170b33333333ull /* 70000.7 */,
                              0xc00999999999999aull /* -3.2 */};
    for (int s = 0; s < 2; s++)
        for (int r = 0; r < 3; r++) {
            uint8_t *e = rec[s] + 24 * r;
            put_raw(e + 0, f32v[r], 4, s);
            put_raw(e + 4, i16v[r], 2, s);
            put_raw(e + 6, u16v[r], 2, s);
            put_raw(e + 8, u32v[r], 4, s);
            put_raw(e + 12, i32v[r], 4, s);
            put_raw(e + 16, f64v[r], 8, s);
        }
    /* Columns and the expected values. */
    uint32_t f_copy[3], f_aff[3], u_f[3], i16_f[3], u16_f[3], u32_f[3],
        i32_f[3], f64_f[3];
    uint16_t f_u16[3], i16_u16[3], u32_u16[3], i32_u16[3], f64_u16[3];
    int16_t i16_copy[3];
    sp_unpack_desc d = {.count = 3, .rows = 1, .step = 24, .ncols = 0};
#define COL(off, t, o, s, b, out)                                              \
    d.cols[d.ncols++] = (sp_unpack_col){.offset = off,                         \
                                        .src_type = t,                         \
                                        .op = o,                               \
                                        .scale = s,                            \
                                        .bias = b,                             \
                                        .dst = out}
    COL(0, SP_UNPACK_F32, SP_UNPACK_COPY, 0, 0, f_copy);
    COL(0, SP_UNPACK_F32, SP_UNPACK_TO_F32, 2, 1, f_aff);
    COL(0, SP_UNPACK_F32, SP_UNPACK_TO_F32, 1, 0, u_f); /* = COPY */
    COL(0, SP_UNPACK_F32, SP_UNPACK_TO_U16, 0, 0, f_u16);
    COL(4, SP_UNPACK_I16, SP_UNPACK_COPY, 0, 0, i16_copy);
    COL(4, SP_UNPACK_I16, SP_UNPACK_TO_F32, 0.5, 0, i16_f);
    COL(4, SP_UNPACK_I16, SP_UNPACK_TO_U16, 0, 0, i16_u16);
    COL(6, SP_UNPACK_U16, SP_UNPACK_TO_F32, 0, 0, u16_f);
    COL(8, SP_UNPACK_U32, SP_UNPACK_TO_F32, 0, 0, u32_f);
    COL(8, SP_UNPACK_U32, SP_UNPACK_TO_U16, 0, 0, u32_u16);
    COL(12, SP_UNPACK_I32, SP_UNPACK_TO_F32, 0, 0, i32_f);
    COL(12, SP_UNPACK_I32, SP_UNPACK_TO_U16, 0, 0, i32_u16);
    COL(16, SP_UNPACK_F64, SP_UNPACK_TO_F32, 3, -0.5, f64_f);
    COL(16, SP_UNPACK_F64, SP_UNPACK_TO_U16, 0, 0, f64_u16);
#undef COL
    /* 1.5*2+1 = 4; sNaN*2+1 = the quieted NaN 0x7fe00001; -0*2+1 = 1. */
    const uint32_t x_f_aff[3] = {0x40800000u, 0x7fe00001u, 0x3f800000u};
    const uint16_t x_f_u16[3] = {1, 0, 0};
    const uint32_t x_i16_f[3] = {0xc3160000u /* -150 */,
                                 0x467ffe00u /* 16383.5 */,
                                 0xc6800000u /* -16384 */};
    const uint16_t x_i16_u16[3] = {0, 32767, 0};
    const uint32_t x_u16_f[3] = {0x477fff00u /* 65535 */, 0,
                                 0x449a4000u /* 1234 */};
    const uint32_t x_u32_f[3] = {0x4f6e6b28u /* 4e9 */, 0x47800000u,
                                 0x40e00000u};
    const uint16_t x_u32_u16[3] = {65535, 65535, 7};
    const uint32_t x_i32_f[3] = {0x4b800000u /* 16777216 */,
                                 0x4b800002u /* 16777220 */,
                                 0xc0a00000u /* -5 */};
    const uint16_t x_i32_u16[3] = {65535, 65535, 0};
    /* 2.5*3-0.5 = 7; 70000.7*3-0.5 = 210001.59999999998 in double, the
     * nearest float 210001.59375; -3.2*3-0.5 = -10.100000000000001, the
     * nearest float -10.1000003815. */
    const uint32_t x_f64_f[3] = {0x40e00000u, 0x484d1466u, 0xc121999au};
    const uint16_t x_f64_u16[3] = {2, 65535, 0};

    sp_kctx *ctx[KCLOUD_MAX_BACKENDS];
    const char *names[KCLOUD_MAX_BACKENDS];
    int nb = kcloud_backends(ctx, names);
    for (int b = 0; b < nb; b++)
        for (int s = 0; s < 2; s++) {
            d.swap = s;
            assert_int_equal(sp_unpack(ctx[b], &d, rec[s], sizeof rec[s]),
                             SP_OK);
            for (int r = 0; r < 3; r++) {
                assert_int_equal(f_copy[r], f32v[r]);
                assert_int_equal(u_f[r], f32v[r]);
                assert_int_equal(f_aff[r], x_f_aff[r]);
                assert_int_equal(f_u16[r], x_f_u16[r]);
                assert_int_equal((uint16_t)i16_copy[r], i16v[r]);
                assert_int_equal(i16_f[r], x_i16_f[r]);
                assert_int_equal(i16_u16[r], x_i16_u16[r]);
                assert_int_equal(u16_f[r], x_u16_f[r]);
                assert_int_equal(u32_f[r], x_u32_f[r]);
                assert_int_equal(u32_u16[r], x_u32_u16[r]);
                assert_int_equal(i32_f[r], x_i32_f[r]);
                assert_int_equal(i32_u16[r], x_i32_u16[r]);
                assert_int_equal(f64_f[r], x_f64_f[r]);
                assert_int_equal(f64_u16[r], x_f64_u16[r]);
            }
        }
    kcloud_backends_free(ctx, nb);
}

static void expect_err(sp_kctx *k, const sp_unpack_desc *d, const uint8_t *src,
                       size_t n, const char *msg)
{
    int rc = sp_unpack(k, d, src, n);
    if (rc != SP_EINVAL)
        fail_msg("expected SP_EINVAL with '%s', got %d", msg, rc);
    if (!strstr(sp_errmsg(), msg))
        fail_msg("message '%s' lacks '%s'", sp_errmsg(), msg);
}

static void test_errors(void **state)
{
    (void)state;
    sp_kctx *k = NULL;
    assert_int_equal(sp_kctx_create(NULL, &k), SP_OK);
    static uint8_t buf[4096];
    float x[64], y[64];
    sp_unpack_desc ok = {.count = 10, .rows = 1, .step = 16, .ncols = 1};
    ok.cols[0] =
        (sp_unpack_col){.offset = 0, .src_type = SP_UNPACK_F32, .dst = x};
    assert_int_equal(sp_unpack(k, &ok, buf, 160), SP_OK);

    expect_err(NULL, &ok, buf, 160, "invalid argument");
    expect_err(k, NULL, buf, 160, "invalid argument");
    sp_unpack_desc d = ok;
    d.rows = 0;
    expect_err(k, &d, buf, 160, "unpack: rows is 0, expected >= 1");
    d = ok;
    d.rows = 3;
    d.row_step = 64;
    expect_err(k, &d, buf, 160,
               "unpack: 10 records do not fill 3 rows, expected count a "
               "multiple of rows");
    d = ok;
    d.step = 0;
    expect_err(k, &d, buf, 160, "unpack: step is 0");
    d = ok;
    d.ncols = SP_UNPACK_MAX_COLS + 1;
    expect_err(k, &d, buf, 160, "unpack: 65 columns, expected at most 64");
    d = ok;
    d.cols[0].src_type = (sp_unpack_type)9;
    expect_err(k, &d, buf, 160, "unpack: column 0: type 9 unknown");
    d.cols[0].src_type = (sp_unpack_type)0;
    expect_err(k, &d, buf, 160, "unpack: column 0: type 0 unknown");
    d = ok;
    d.cols[0].op = (sp_unpack_op)3;
    expect_err(k, &d, buf, 160, "unpack: column 0: op 3 unknown");
    d = ok;
    d.cols[0].offset = 13;
    expect_err(k, &d, buf, 160,
               "unpack: column 0: 4-byte element at offset 13 does not fit "
               "in a 16-byte record");
    d.cols[0].offset = UINT32_MAX;
    expect_err(k, &d, buf, 160, "does not fit");
    d = ok;
    d.cols[0].dst = NULL;
    expect_err(k, &d, buf, 160, "unpack: column 0: dst is NULL");
    d.cols[0].dst = (uint8_t *)x + 2;
    expect_err(k, &d, buf, 160, "is not aligned, expected 4-byte alignment");
    d.cols[0].op = SP_UNPACK_TO_U16; /* 2-byte output: aligned enough */
    assert_int_equal(sp_unpack(k, &d, buf, 160), SP_OK);
    d = ok;
    d.cols[0].dst = buf + 100;
    expect_err(k, &d, buf, 160, "unpack: column 0: dst overlaps the input");
    d = ok;
    d.ncols = 2;
    d.cols[1] = d.cols[0];
    d.cols[1].dst = x + 9;
    expect_err(k, &d, buf, 160, "unpack: columns 0 and 1: dst arrays overlap");
    d.cols[1].dst = x + 10; /* adjacent is fine */
    assert_int_equal(sp_unpack(k, &d, buf, 160), SP_OK);
    d.cols[1].dst = y;
    d.rows = 2;
    d.row_step = 79;
    expect_err(k, &d, buf, 4096,
               "unpack: row_step 79 is less than a row of 5 records x 16 "
               "bytes, expected >= 80");
    d.row_step = 100;
    expect_err(k, &d, buf, 179,
               "unpack: 179 bytes of input, expected 180 (2 rows, row_step "
               "100, 5 records of 16 bytes a row)");
    assert_int_equal(sp_unpack(k, &d, buf, 180), SP_OK);
    d = ok;
    expect_err(k, &d, buf, 159, "unpack: 159 bytes of input, expected 160");
    expect_err(k, &d, NULL, 160, "unpack: src is NULL, expected 160 bytes");
    d.count = SIZE_MAX / 2;
    expect_err(k, &d, buf, 160, "overflow size_t");
    d.count = 4;
    d.rows = 4;
    d.row_step = SIZE_MAX / 2;
    expect_err(k, &d, buf, 160, "unpack: 4 rows of");
    /* Nothing to do: count 0 with no dst or src, no columns. */
    d = ok;
    d.count = 0;
    d.cols[0].dst = NULL;
    assert_int_equal(sp_unpack(k, &d, NULL, 0), SP_OK);
    d = ok;
    d.ncols = 0;
    assert_int_equal(sp_unpack(k, &d, buf, 160), SP_OK);
    /* One row: row_step is not used (zero-initialised is fine). */
    d = ok;
    d.row_step = 0;
    assert_int_equal(sp_unpack(k, &d, buf, 160), SP_OK);
    sp_kctx_destroy(k);
}

/* The windows read 16 bytes from a record; with n exactly the layout's
 * size the last records must come from the scalar code, never past the
 * end (ASan runs catch an over-read: the buffer ends right there). */
static void test_exact_end(void **state)
{
    (void)state;
    rng_state = 5;
    for (size_t step = 1; step <= 24; step++)
        for (size_t count = 0; count <= 40; count += 1 + count / 8) {
            sp_unpack_desc d = {.count = count, .rows = 1, .step = step};
            set_col(&d.cols[0], (uint32_t)(step - 1), SP_UNPACK_U8,
                    SP_UNPACK_COPY, 0);
            d.ncols = 1;
            if (step >= 4)
                set_col(&d.cols[d.ncols++], (uint32_t)(step - 4), SP_UNPACK_F32,
                        SP_UNPACK_TO_U16, 0);
            if (step >= 8)
                set_col(&d.cols[d.ncols++], 0, SP_UNPACK_F64, SP_UNPACK_TO_F32,
                        3);
            size_t n = count * step;
            uint8_t *src = malloc(n ? n : 1); /* exactly n for ASan */
            assert_non_null(src);
            fill(src, n, &d);
            check_all(&d, src, n, "exact end");
            free(src);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_table),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_types_ops),
        cmocka_unit_test(test_steps_alignment),
        cmocka_unit_test(test_exact_end),
        cmocka_unit_test(test_common_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
