/* Points: a structure of arrays carved from one block, each array starting
 * on a 64-byte boundary so SIMD kernels can use aligned loads and no two
 * arrays share a cache line. The extras' table sits after the arrays, so x
 * stays at the start of the block whatever the layout. */
#include <stdint.h>
#include <string.h>

#include "error_int.h"
#include "sp_points.h"

#define KNOWN_FIELDS (SP_POINTS_RING | SP_POINTS_TIME)
#define NSTD 6 /* x, y, z, intensity, ring, time */

static const char *const standard_names[NSTD] = {"x",         "y",    "z",
                                                 "intensity", "ring", "time"};

size_t sp_field_type_size(sp_field_type type)
{
    switch (type) {
    case SP_FIELD_I8:
    case SP_FIELD_U8:
        return 1;
    case SP_FIELD_I16:
    case SP_FIELD_U16:
        return 2;
    case SP_FIELD_I32:
    case SP_FIELD_U32:
    case SP_FIELD_F32:
        return 4;
    case SP_FIELD_F64:
        return 8;
    }
    return 0;
}

const char *sp_field_type_name(sp_field_type type)
{
    static const char *const names[] = {"i8",  "u8",  "i16", "u16",
                                        "i32", "u32", "f32", "f64"};
    if (type < SP_FIELD_I8 || type > SP_FIELD_F64)
        return NULL;
    return names[type - SP_FIELD_I8];
}

static const char *kind_name(sp_field_kind k)
{
    switch (k) {
    case SP_FIELD_VALUE:
        return "value";
    case SP_FIELD_COLOR:
        return "color";
    case SP_FIELD_LABEL:
        return "label";
    }
    return "?";
}

size_t sp_points_extra_stride(const sp_points_extra *e)
{
    return e ? sp_field_type_size(e->field.type) * e->field.count : 0;
}

/* Bytes of one array of n elements of elem bytes, padded to the alignment;
 * 0 on overflow (n > 0). */
static size_t array_bytes(size_t n, size_t elem)
{
    if (n > (SIZE_MAX - (SP_ARRAY_ALIGN - 1)) / elem)
        return 0;
    return (n * elem + SP_ARRAY_ALIGN - 1) & ~(size_t)(SP_ARRAY_ALIGN - 1);
}

/* The name's length when it is 1..31 bytes with no space or control byte
 * before the NUL, else 0. */
static size_t name_ok(const char *name)
{
    size_t len = 0;
    while (len < SP_POINTS_NAME_MAX && name[len]) {
        unsigned char c = (unsigned char)name[len];
        if (c <= 0x20 || c == 0x7f)
            return 0;
        len++;
    }
    return len < SP_POINTS_NAME_MAX ? len : 0;
}

/* Checks extra i of l against itself and the extras before it. */
static int field_check(const sp_points_layout *l, unsigned i)
{
    const sp_points_field *f = &l->extra[i];
    if (!name_ok(f->name)) {
        char shown[SP_POINTS_NAME_MAX + 1];
        size_t n = 0;
        while (n < SP_POINTS_NAME_MAX && f->name[n]) {
            unsigned char c = (unsigned char)f->name[n];
            shown[n++] = (char)(c < 0x20 || c == 0x7f ? '?' : c);
        }
        shown[n] = '\0';
        return sp__fail(SP_EINVAL,
                        "points: extra %u: name '%s' (%zu bytes), expected "
                        "1..%d bytes with no space or control character",
                        i, shown, n, SP_POINTS_NAME_MAX - 1);
    }
    for (int s = 0; s < NSTD; s++)
        if (!strcmp(f->name, standard_names[s]))
            return sp__fail(SP_EINVAL,
                            "points: extra %u: '%s' is a standard channel, "
                            "expected another name",
                            i, f->name);
    for (unsigned j = 0; j < i; j++)
        if (!strcmp(f->name, l->extra[j].name))
            return sp__fail(SP_EINVAL,
                            "points: extra %u: name '%s' already used by "
                            "extra %u, expected unique names",
                            i, f->name, j);
    size_t es = sp_field_type_size(f->type);
    if (es == 0)
        return sp__fail(SP_EINVAL,
                        "points: extra %u '%s': type %d, expected 1..8 "
                        "(i8 u8 i16 u16 i32 u32 f32 f64)",
                        i, f->name, (int)f->type);
    if (f->count > SP_POINTS_MAX_COUNT)
        return sp__fail(SP_EINVAL,
                        "points: extra %u '%s': count %u, expected at most "
                        "%d",
                        i, f->name, f->count, SP_POINTS_MAX_COUNT);
    if (f->kind != SP_FIELD_VALUE && f->kind != SP_FIELD_COLOR &&
        f->kind != SP_FIELD_LABEL)
        return sp__fail(SP_EINVAL,
                        "points: extra %u '%s': kind %d, expected value, "
                        "color or label",
                        i, f->name, (int)f->kind);
    if (f->kind == SP_FIELD_COLOR && es != 4)
        return sp__fail(SP_EINVAL,
                        "points: extra %u '%s': kind %s needs a 4-byte type "
                        "(u32, i32, f32), got %s",
                        i, f->name, kind_name(f->kind),
                        sp_field_type_name(f->type));
    return SP_OK;
}

int sp_points_layout_check(const sp_points_layout *l)
{
    SP_GUARD(l != NULL);
    if (l->fields & ~KNOWN_FIELDS)
        return sp__fail(SP_EINVAL,
                        "points: unknown field flags 0x%x, expected "
                        "SP_POINTS_RING | SP_POINTS_TIME",
                        l->fields & ~KNOWN_FIELDS);
    if (l->nextra > SP_POINTS_MAX_EXTRA)
        return sp__fail(SP_EINVAL,
                        "points: %u extra fields, expected at most %d",
                        l->nextra, SP_POINTS_MAX_EXTRA);
    for (unsigned i = 0; i < l->nextra; i++)
        SP_TRY(field_check(l, i));
    return SP_OK;
}

int sp_points_layout_add(sp_points_layout *l, const char *name,
                         sp_field_type type, uint32_t count, sp_field_kind kind)
{
    SP_GUARD(l != NULL && name != NULL);
    if (l->nextra >= SP_POINTS_MAX_EXTRA)
        return sp__fail(SP_EINVAL,
                        "points: no room for extra '%.*s': the layout has "
                        "the most, %d",
                        SP_POINTS_NAME_MAX - 1, name, SP_POINTS_MAX_EXTRA);
    sp_points_field *f = &l->extra[l->nextra];
    memset(f, 0, sizeof *f);
    size_t len = strlen(name);
    memcpy(f->name, name,
           len < SP_POINTS_NAME_MAX ? len : SP_POINTS_NAME_MAX - 1);
    f->type = type;
    f->count = count ? count : 1;
    f->kind = kind;
    int rc = len < SP_POINTS_NAME_MAX ? field_check(l, l->nextra)
                                      : sp__fail(SP_EINVAL,
                                                 "points: extra name '%.*s...' "
                                                 "has %zu bytes, expected at "
                                                 "most %d",
                                                 SP_POINTS_NAME_MAX - 1, name,
                                                 len, SP_POINTS_NAME_MAX - 1);
    if (rc < 0) {
        memset(f, 0, sizeof *f);
        return rc;
    }
    return (int)l->nextra++;
}

int sp_points_layout_find(const sp_points_layout *l, const char *name)
{
    if (!l || !name)
        return -1;
    for (unsigned i = 0; i < l->nextra && i < SP_POINTS_MAX_EXTRA; i++)
        if (!strncmp(l->extra[i].name, name, SP_POINTS_NAME_MAX))
            return (int)i;
    return -1;
}

void sp_points_layout_of(const sp_points *p, sp_points_layout *out)
{
    memset(out, 0, sizeof *out);
    out->fields = p->fields;
    out->nextra = p->extra ? p->nextra : 0;
    for (unsigned i = 0; i < out->nextra; i++)
        out->extra[i] = p->extra[i].field;
}

sp_points_extra *sp_points_extra_find(const sp_points *p, const char *name)
{
    if (!p || !name || !p->extra)
        return NULL;
    for (unsigned i = 0; i < p->nextra; i++)
        if (!strncmp(p->extra[i].field.name, name, SP_POINTS_NAME_MAX))
            return &p->extra[i];
    return NULL;
}

/* Sizes of the pieces in block order: the 6 standard arrays, the extras'
 * arrays, the table. -1 on overflow. */
static int layout_sizes(size_t capacity, const sp_points_layout *l,
                        size_t sizes[NSTD + SP_POINTS_MAX_EXTRA + 1])
{
    size_t f = array_bytes(capacity, sizeof(float));
    size_t r = array_bytes(capacity, sizeof(uint16_t));
    if (capacity && (f == 0 || r == 0))
        return -1;
    sizes[0] = sizes[1] = sizes[2] = sizes[3] = f;
    sizes[4] = (l->fields & SP_POINTS_RING) ? r : 0;
    sizes[5] = (l->fields & SP_POINTS_TIME) ? f : 0;
    for (unsigned i = 0; i < l->nextra; i++) {
        const sp_points_field *e = &l->extra[i];
        size_t stride = sp_field_type_size(e->type) * (e->count ? e->count : 1);
        size_t b = array_bytes(capacity, stride);
        if (capacity && b == 0)
            return -1;
        sizes[NSTD + i] = b;
    }
    sizes[NSTD + l->nextra] =
        l->nextra ? array_bytes(l->nextra, sizeof(sp_points_extra)) : 0;
    return 0;
}

/* The block size of a checked layout; 0 on overflow. */
static size_t block_size(size_t capacity, const sp_points_layout *l)
{
    size_t sizes[NSTD + SP_POINTS_MAX_EXTRA + 1];
    if (layout_sizes(capacity, l, sizes) < 0)
        return 0;
    size_t total = 0;
    for (unsigned i = 0; i < NSTD + l->nextra + 1; i++) {
        if (sizes[i] > SIZE_MAX - total)
            return 0;
        total += sizes[i];
    }
    return total;
}

static const sp_points_layout no_extras; /* x, y, z, intensity */

size_t sp_points_block_size_layout(size_t capacity,
                                   const sp_points_layout *layout)
{
    const sp_points_layout *l = layout ? layout : &no_extras;
    if (sp_points_layout_check(l) < 0)
        return 0;
    return block_size(capacity, l);
}

int sp_points_init_layout(sp_points *p, void *mem, size_t mem_size,
                          size_t capacity, const sp_points_layout *layout)
{
    SP_GUARD(p);
    memset(p, 0, sizeof *p);
    const sp_points_layout *l = layout ? layout : &no_extras;
    SP_TRY(sp_points_layout_check(l));
    size_t need = block_size(capacity, l);
    if (capacity && need == 0)
        return sp__fail(SP_EINVAL,
                        "points: capacity %zu overflows the block size",
                        capacity);
    if (need && !mem)
        return sp__fail(SP_EINVAL, "points: no memory for %zu points",
                        capacity);
    if ((uintptr_t)mem % SP_ARRAY_ALIGN)
        return sp__fail(SP_EINVAL,
                        "points: memory at %p is not %d-byte aligned", mem,
                        SP_ARRAY_ALIGN);
    if (mem_size < need)
        return sp__fail(SP_EINVAL,
                        "points: %zu points need %zu bytes, block has %zu",
                        capacity, need, mem_size);
    size_t sizes[NSTD + SP_POINTS_MAX_EXTRA + 1];
    layout_sizes(capacity, l, sizes);
    uint8_t *at = mem;
    void *arr[NSTD + SP_POINTS_MAX_EXTRA + 1];
    for (unsigned i = 0; i < NSTD + l->nextra + 1; i++) {
        arr[i] = at;
        if (at) /* capacity 0 may come with no memory at all */
            at += sizes[i];
    }
    p->x = arr[0];
    p->y = arr[1];
    p->z = arr[2];
    p->intensity = arr[3];
    p->ring = (l->fields & SP_POINTS_RING) ? arr[4] : NULL;
    p->time = (l->fields & SP_POINTS_TIME) ? arr[5] : NULL;
    if (l->nextra) {
        p->extra = arr[NSTD + l->nextra];
        for (unsigned i = 0; i < l->nextra; i++) {
            sp_points_extra *e = &p->extra[i];
            memset(e, 0, sizeof *e);
            e->field = l->extra[i];
            if (e->field.count == 0)
                e->field.count = 1;
            e->data = arr[NSTD + i];
        }
        p->nextra = l->nextra;
    }
    p->count = 0;
    p->capacity = capacity;
    p->fields = l->fields;
    return SP_OK;
}

size_t sp_points_block_size(size_t capacity, unsigned fields)
{
    const sp_points_layout l = {.fields = fields};
    return sp_points_block_size_layout(capacity, &l);
}

int sp_points_init(sp_points *p, void *mem, size_t mem_size, size_t capacity,
                   unsigned fields)
{
    const sp_points_layout l = {.fields = fields};
    return sp_points_init_layout(p, mem, mem_size, capacity, &l);
}
