/* ctest-label: unit */
/* Extra channels of sp_points: the layout descriptor (add, check, find,
 * every refusal with its message), the block layout over exactly-sized
 * buffers (each array 64-byte aligned, inside the block, disjoint, x still
 * first, the table last, exact sizes), the limits (32 extras, 31-byte
 * names, count 4096, overflow), lookups on a cloud, layout_of round trip,
 * the wrappers unchanged, and frames made with a layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_frame.h"
#include "sp_points.h"
#include "sp_poolmgr.h"

static void *alloc64(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64);
    assert_non_null(p);
    return p;
}

static size_t pad64(size_t b)
{
    return (b + 63) / 64 * 64;
}

static void test_type_sizes_and_names(void **state)
{
    (void)state;
    static const size_t size[9] = {0, 1, 1, 2, 2, 4, 4, 4, 8};
    static const char *name[9] = {NULL,  "i8",  "u8",  "i16", "u16",
                                  "i32", "u32", "f32", "f64"};
    for (int t = 0; t <= 9; t++) {
        size_t want = t < 9 ? size[t] : 0;
        assert_int_equal(sp_field_type_size((sp_field_type)t), want);
        const char *n = sp_field_type_name((sp_field_type)t);
        if (t >= 1 && t <= 8)
            assert_string_equal(n, name[t]);
        else
            assert_null(n);
    }
    /* The PointField numbering, so a datatype converts as is. */
    assert_int_equal(SP_FIELD_I8, 1);
    assert_int_equal(SP_FIELD_F32, 7);
    assert_int_equal(SP_FIELD_F64, 8);
}

static void test_layout_add_find(void **state)
{
    (void)state;
    sp_points_layout l = {0};
    assert_int_equal(sp_points_layout_check(&l), SP_OK);
    assert_int_equal(
        sp_points_layout_add(&l, "rgb", SP_FIELD_F32, 1, SP_FIELD_COLOR), 0);
    assert_int_equal(
        sp_points_layout_add(&l, "normal", SP_FIELD_F32, 3, SP_FIELD_VALUE), 1);
    /* count 0 means 1 */
    assert_int_equal(
        sp_points_layout_add(&l, "label", SP_FIELD_U32, 0, SP_FIELD_LABEL), 2);
    assert_int_equal(l.extra[2].count, 1);
    assert_int_equal(l.nextra, 3);
    assert_int_equal(sp_points_layout_find(&l, "normal"), 1);
    assert_int_equal(sp_points_layout_find(&l, "label"), 2);
    assert_int_equal(sp_points_layout_find(&l, "norma"), -1);
    assert_int_equal(sp_points_layout_find(&l, "x"), -1);
    assert_int_equal(sp_points_layout_find(NULL, "x"), -1);
    assert_int_equal(sp_points_layout_check(&l), SP_OK);
}

/* Each refusal of add leaves the layout as it was and says why. */
static void refused(sp_points_layout *l, const char *name, int type,
                    uint32_t count, int kind, const char *msg)
{
    unsigned before = l->nextra;
    int rc = sp_points_layout_add(l, name, (sp_field_type)type, count,
                                  (sp_field_kind)kind);
    if (rc != SP_EINVAL)
        fail_msg("'%s': %d, expected SP_EINVAL", name, rc);
    if (!strstr(sp_errmsg(), msg))
        fail_msg("'%s': message '%s' lacks '%s'", name, sp_errmsg(), msg);
    assert_int_equal(l->nextra, before);
    assert_int_equal(l->extra[before].name[0], 0);
}

static void test_layout_refusals(void **state)
{
    (void)state;
    sp_points_layout l = {0};
    assert_true(sp_points_layout_add(&l, "a", SP_FIELD_U8, 1, 0) == 0);
    refused(&l, "", SP_FIELD_U8, 1, 0, "name ''");
    refused(&l, "has space", SP_FIELD_U8, 1, 0, "no space");
    refused(&l, "tab\there", SP_FIELD_U8, 1, 0, "control");
    refused(&l, "0123456789012345678901234567890123", SP_FIELD_U8, 1, 0,
            "at most 31");
    refused(&l, "a", SP_FIELD_U8, 1, 0, "already used by extra 0");
    refused(&l, "x", SP_FIELD_F32, 1, 0, "standard channel");
    refused(&l, "intensity", SP_FIELD_F32, 1, 0, "standard channel");
    refused(&l, "time", SP_FIELD_F64, 1, 0, "standard channel");
    refused(&l, "ring", SP_FIELD_U8, 1, 0, "standard channel");
    refused(&l, "t0", 0, 1, 0, "type 0");
    refused(&l, "t9", 9, 1, 0, "type 9");
    refused(&l, "big", SP_FIELD_U8, SP_POINTS_MAX_COUNT + 1, 0, "count 4097");
    refused(&l, "k", SP_FIELD_U8, 1, 3, "kind 3");
    refused(&l, "c8", SP_FIELD_U8, 1, SP_FIELD_COLOR, "4-byte type");
    refused(&l, "c64", SP_FIELD_F64, 1, SP_FIELD_COLOR, "got f64");
    /* 31 bytes is the longest name; count 4096 the largest. */
    assert_true(sp_points_layout_add(&l, "0123456789012345678901234567890",
                                     SP_FIELD_U8, SP_POINTS_MAX_COUNT, 0) > 0);
    /* Full at 32. */
    sp_points_layout f = {0};
    char name[16];
    for (int i = 0; i < SP_POINTS_MAX_EXTRA; i++) {
        snprintf(name, sizeof name, "e%d", i);
        assert_int_equal(sp_points_layout_add(&f, name, SP_FIELD_U8, 1, 0), i);
    }
    assert_int_equal(sp_points_layout_add(&f, "one_more", SP_FIELD_U8, 1, 0),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "no room for extra 'one_more'"));
    assert_int_equal(f.nextra, SP_POINTS_MAX_EXTRA);
    assert_int_equal(sp_points_layout_check(&f), SP_OK);

    /* check() catches what a hand-filled layout gets wrong. */
    sp_points_layout h = {0};
    h.nextra = 2;
    strcpy(h.extra[0].name, "dup");
    h.extra[0].type = SP_FIELD_F32;
    strcpy(h.extra[1].name, "dup");
    h.extra[1].type = SP_FIELD_F32;
    assert_int_equal(sp_points_layout_check(&h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "extra 1: name 'dup' already used"));
    memset(h.extra[1].name, 'n', sizeof h.extra[1].name); /* no NUL */
    assert_int_equal(sp_points_layout_check(&h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "extra 1: name"));
    h.nextra = SP_POINTS_MAX_EXTRA + 1;
    assert_int_equal(sp_points_layout_check(&h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "33 extra fields"));
    h.nextra = 0;
    h.fields = 0x80;
    assert_int_equal(sp_points_layout_check(&h), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "unknown field flags 0x80"));
    assert_int_equal(sp_points_block_size_layout(10, &h), 0);
}

static sp_points_layout mixed_layout(unsigned fields)
{
    sp_points_layout l = {.fields = fields};
    assert_true(
        sp_points_layout_add(&l, "rgb", SP_FIELD_F32, 1, SP_FIELD_COLOR) >= 0);
    assert_true(sp_points_layout_add(&l, "normal", SP_FIELD_F32, 3, 0) >= 0);
    assert_true(sp_points_layout_add(&l, "return_type", SP_FIELD_U8, 1,
                                     SP_FIELD_LABEL) >= 0);
    assert_true(sp_points_layout_add(&l, "channel", SP_FIELD_U16, 1,
                                     SP_FIELD_LABEL) >= 0);
    assert_true(sp_points_layout_add(&l, "time_stamp", SP_FIELD_F64, 1, 0) >=
                0);
    assert_true(sp_points_layout_add(&l, "u8x5", SP_FIELD_U8, 5, 0) >= 0);
    return l;
}

static int inside(const void *p, size_t bytes, const uint8_t *mem, size_t n)
{
    const uint8_t *b = p;
    return b >= mem && b + bytes <= mem + n;
}

static void check_layout(size_t cap, const sp_points_layout *l)
{
    size_t need = sp_points_block_size_layout(cap, l);
    assert_true(need > 0);
    assert_int_equal(need % 64, 0);
    uint8_t *mem = alloc64(need);
    sp_points p;
    assert_int_equal(sp_points_init_layout(&p, mem, need, cap, l), SP_OK);
    assert_ptr_equal(p.x, mem); /* x first, as without extras */
    assert_int_equal(p.nextra, l->nextra);
    assert_int_equal(p.fields, l->fields);
    /* Every array: aligned, inside, disjoint from all the others and from
     * the table; every byte writable (ASan sees the exact buffer). */
    enum { MAXA = 6 + SP_POINTS_MAX_EXTRA + 1 };
    const void *arr[MAXA];
    size_t sz[MAXA], na = 0;
    const void *std[6] = {p.x, p.y, p.z, p.intensity, p.ring, p.time};
    const size_t ssz[6] = {4, 4, 4, 4, 2, 4};
    for (int i = 0; i < 6; i++)
        if (std[i]) {
            arr[na] = std[i];
            sz[na++] = cap * ssz[i];
        }
    for (unsigned e = 0; e < p.nextra; e++) {
        sp_points_extra *x = &p.extra[e];
        assert_string_equal(x->field.name, l->extra[e].name);
        assert_int_equal(x->field.type, l->extra[e].type);
        assert_int_equal(x->field.count,
                         l->extra[e].count ? l->extra[e].count : 1);
        assert_int_equal(x->field.kind, l->extra[e].kind);
        size_t stride = sp_points_extra_stride(x);
        assert_int_equal(stride,
                         sp_field_type_size(x->field.type) * x->field.count);
        arr[na] = x->data;
        sz[na++] = cap * stride;
        memset(x->data, 0x5a, cap * stride);
    }
    if (p.nextra) {
        arr[na] = p.extra;
        sz[na++] = p.nextra * sizeof *p.extra;
        /* The table comes last. */
        assert_true((const uint8_t *)p.extra + p.nextra * sizeof *p.extra <=
                    mem + need);
        assert_true((const uint8_t *)p.extra >=
                    (const uint8_t *)p.extra[p.nextra - 1].data);
    }
    for (size_t i = 0; i < na; i++) {
        assert_int_equal((uintptr_t)arr[i] % 64, 0);
        assert_true(inside(arr[i], sz[i], mem, need));
        for (size_t j = 0; j < i; j++) {
            const uint8_t *a = arr[i], *b = arr[j];
            assert_true(a + sz[i] <= b || b + sz[j] <= a);
        }
    }
    /* One byte short is refused. */
    assert_int_equal(sp_points_init_layout(&p, mem, need - 1, cap, l),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "block has"));
    free(mem);
}

static void test_block_layouts(void **state)
{
    (void)state;
    static const size_t caps[] = {1, 7, 63, 64, 65, 1000, 100003};
    for (unsigned f = 0; f < 4; f++) {
        sp_points_layout l = mixed_layout(f);
        for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++)
            check_layout(caps[i], &l);
    }
    /* Exact size at 65 points: 4 floats (320 each), rgb 320, normal 780 ->
     * 832, u8 65 -> 128, u16 130 -> 192, f64 520 -> 576, u8x5 325 -> 384,
     * and a table of 6 entries. */
    sp_points_layout l = mixed_layout(0);
    size_t table = pad64(6 * sizeof(sp_points_extra));
    assert_int_equal(sp_points_block_size_layout(65, &l),
                     4 * 320 + 320 + 832 + 128 + 192 + 576 + 384 + table);
    /* No extras: the same sizes as before, NULL layout included. */
    assert_int_equal(sp_points_block_size_layout(65, NULL), 4 * 320);
    sp_points_layout r = {.fields = SP_POINTS_RING | SP_POINTS_TIME};
    assert_int_equal(sp_points_block_size_layout(65, &r), 5 * 320 + 192);
    assert_int_equal(sp_points_block_size(65, SP_POINTS_RING | SP_POINTS_TIME),
                     5 * 320 + 192);
    /* Capacity 0 with extras still needs the table. */
    assert_int_equal(sp_points_block_size_layout(0, &l), table);
    uint8_t *mem = alloc64(table);
    sp_points p;
    assert_int_equal(sp_points_init_layout(&p, mem, table, 0, &l), SP_OK);
    assert_int_equal(p.nextra, 6);
    assert_int_equal(sp_points_init_layout(&p, NULL, 0, 0, &l), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "no memory"));
    /* Without extras, capacity 0 needs nothing. */
    assert_int_equal(sp_points_init_layout(&p, NULL, 0, 0, NULL), SP_OK);
    assert_int_equal(p.nextra, 0);
    assert_null(p.extra);
    free(mem);
}

static void test_limits_and_overflow(void **state)
{
    (void)state;
    /* 32 extras of the largest count: still laid out. */
    sp_points_layout l = {0};
    char name[16];
    for (int i = 0; i < SP_POINTS_MAX_EXTRA; i++) {
        snprintf(name, sizeof name, "d%d", i);
        assert_true(sp_points_layout_add(&l, name, SP_FIELD_F64,
                                         SP_POINTS_MAX_COUNT, 0) >= 0);
    }
    check_layout(3, &l);
    /* A capacity whose extra array overflows size_t is 0 / SP_EINVAL. */
    size_t huge = SIZE_MAX / (8 * SP_POINTS_MAX_COUNT) + 1;
    assert_int_equal(sp_points_block_size_layout(huge, &l), 0);
    /* ... and one where only the sum overflows. */
    size_t part = SIZE_MAX / (8 * SP_POINTS_MAX_COUNT) / 4;
    assert_int_equal(sp_points_block_size_layout(part, &l), 0);
    sp_points p;
    uint8_t *mem = alloc64(4096);
    assert_int_equal(sp_points_init_layout(&p, mem, 4096, huge, &l), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "overflows"));
    /* Misaligned memory. */
    sp_points_layout m = mixed_layout(0);
    assert_int_equal(sp_points_init_layout(&p, mem + 8, 4000, 2, &m),
                     SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "aligned"));
    /* An invalid layout is refused by init and sized 0. */
    m.extra[0].kind = (sp_field_kind)7;
    assert_int_equal(sp_points_block_size_layout(2, &m), 0);
    assert_int_equal(sp_points_init_layout(&p, mem, 4096, 2, &m), SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "kind 7"));
    free(mem);
}

static void test_lookups_and_layout_of(void **state)
{
    (void)state;
    sp_points_layout l = mixed_layout(SP_POINTS_TIME);
    size_t need = sp_points_block_size_layout(10, &l);
    uint8_t *mem = alloc64(need);
    sp_points p;
    assert_int_equal(sp_points_init_layout(&p, mem, need, 10, &l), SP_OK);
    sp_points_extra *n = sp_points_extra_find(&p, "normal");
    assert_non_null(n);
    assert_ptr_equal(n, &p.extra[1]);
    assert_int_equal(sp_points_extra_stride(n), 12);
    assert_null(sp_points_extra_find(&p, "nope"));
    assert_null(sp_points_extra_find(&p, "x"));
    assert_null(sp_points_extra_find(NULL, "rgb"));
    assert_int_equal(sp_points_extra_stride(NULL), 0);
    sp_points_layout back;
    memset(&back, 0xff, sizeof back);
    sp_points_layout_of(&p, &back);
    assert_int_equal(back.fields, SP_POINTS_TIME);
    assert_int_equal(back.nextra, l.nextra);
    for (unsigned i = 0; i < l.nextra; i++) {
        assert_string_equal(back.extra[i].name, l.extra[i].name);
        assert_int_equal(back.extra[i].type, l.extra[i].type);
        assert_int_equal(back.extra[i].count, l.extra[i].count);
        assert_int_equal(back.extra[i].kind, l.extra[i].kind);
    }
    /* Unused entries are zero, so the result compares like a fresh one. */
    assert_int_equal(back.extra[l.nextra].name[0], 0);
    assert_int_equal(back.extra[SP_POINTS_MAX_EXTRA - 1].type, 0);
    /* A cloud without extras gives the zero layout with its fields. */
    sp_points q;
    uint8_t *m2 = alloc64(sp_points_block_size(4, SP_POINTS_RING));
    assert_int_equal(
        sp_points_init(&q, m2, sp_points_block_size(4, 1), 4, SP_POINTS_RING),
        SP_OK);
    assert_int_equal(q.nextra, 0);
    assert_null(q.extra);
    sp_points_layout_of(&q, &back);
    assert_int_equal(back.fields, SP_POINTS_RING);
    assert_int_equal(back.nextra, 0);
    free(m2);
    free(mem);
}

static void test_frames_with_layout(void **state)
{
    (void)state;
    /* The frame header stays within six cache lines (the payload starts
     * at the header rounded up to 64 bytes). */
    assert_true(sizeof(sp_frame) <= 384);
    sp_poolmgr *mgr = NULL;
    assert_int_equal(sp_poolmgr_create(NULL, &mgr), SP_OK);
    sp_points_layout l = mixed_layout(SP_POINTS_RING);
    sp_frame *f = NULL;
    assert_int_equal(sp_frame_create_points_layout(mgr, 1000, &l, &f), SP_OK);
    assert_int_equal(f->payload, SP_PAYLOAD_POINTS);
    sp_points *p = &f->u.points;
    assert_int_equal(p->capacity, 1000);
    assert_int_equal(p->nextra, 6);
    assert_non_null(p->ring);
    for (unsigned e = 0; e < p->nextra; e++) {
        assert_int_equal((uintptr_t)p->extra[e].data % 64, 0);
        memset(p->extra[e].data, 1,
               1000 * sp_points_extra_stride(&p->extra[e]));
    }
    /* The table and arrays are in the frame's block. */
    assert_true((uint8_t *)p->extra > (uint8_t *)f);
    sp_frame_unref(f);
    /* Empty clouds and NULL layouts. */
    assert_int_equal(sp_frame_create_points_layout(mgr, 0, &l, &f), SP_OK);
    assert_int_equal(f->u.points.nextra, 6);
    sp_frame_unref(f);
    assert_int_equal(sp_frame_create_points_layout(mgr, 5, NULL, &f), SP_OK);
    assert_int_equal(f->u.points.nextra, 0);
    assert_int_equal(f->u.points.fields, 0);
    sp_frame_unref(f);
    /* An invalid layout: refused, *out NULL, nothing held. */
    l.extra[2].type = (sp_field_type)12;
    f = (sp_frame *)&l;
    assert_int_equal(sp_frame_create_points_layout(mgr, 5, &l, &f), SP_EINVAL);
    assert_null(f);
    assert_non_null(strstr(sp_errmsg(), "type 12"));
    assert_int_equal(sp_poolmgr_destroy(mgr), SP_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_sizes_and_names),
        cmocka_unit_test(test_layout_add_find),
        cmocka_unit_test(test_layout_refusals),
        cmocka_unit_test(test_block_layouts),
        cmocka_unit_test(test_limits_and_overflow),
        cmocka_unit_test(test_lookups_and_layout_of),
        cmocka_unit_test(test_frames_with_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
