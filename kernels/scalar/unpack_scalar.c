/* unpack, the scalar reference and specification: one element at a time,
 * read with memcpy (records sit at any alignment), column by column. */
#include <string.h>

#include "unpack_int.h"

static inline uint16_t ld16(const uint8_t *e, int swap)
{
    uint16_t v;
    memcpy(&v, e, 2);
    return swap ? __builtin_bswap16(v) : v;
}

static inline uint32_t ld32(const uint8_t *e, int swap)
{
    uint32_t v;
    memcpy(&v, e, 4);
    return swap ? __builtin_bswap32(v) : v;
}

static inline uint64_t ld64(const uint8_t *e, int swap)
{
    uint64_t v;
    memcpy(&v, e, 8);
    return swap ? __builtin_bswap64(v) : v;
}

static inline float ldf32(const uint8_t *e, int swap)
{
    uint32_t u = ld32(e, swap);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline double ldf64(const uint8_t *e, int swap)
{
    uint64_t u = ld64(e, swap);
    double f;
    memcpy(&f, &u, 8);
    return f;
}

/* value * scale + bias in double, each operation rounded (two statements:
 * no compiler contracts them into a fused multiply-add), then to float. */
static inline float to_f32(double v, double scale, double bias)
{
    double t = v * scale;
    t = t + bias;
    return (float)t;
}

static inline uint16_t clamp_int(int64_t v)
{
    return v < 0 ? 0 : v > 65535 ? 65535 : (uint16_t)v;
}

/* NaN and everything at or below 0 -> 0; truncation toward zero. */
static inline uint16_t clamp_float(double v)
{
    if (!(v > 0))
        return 0;
    if (v >= 65535.0)
        return 65535;
    return (uint16_t)v;
}

/* Each loop reads element r at e + r * step and writes out[r]. */
#define EACH(OUT_T, EXPR)                                                      \
    do {                                                                       \
        OUT_T *out_ = (OUT_T *)out;                                            \
        for (size_t r = 0; r < n; r++) {                                       \
            const uint8_t *x = e + r * step;                                   \
            out_[r] = (EXPR);                                                  \
        }                                                                      \
    } while (0)

static void col_copy(const sp__unpack_colplan *c, const uint8_t *e,
                     size_t step, size_t n, void *out, int swap)
{
    switch (c->size) {
    case 1:
        EACH(uint8_t, x[0]);
        break;
    case 2:
        EACH(uint16_t, ld16(x, swap));
        break;
    case 4:
        EACH(uint32_t, ld32(x, swap));
        break;
    default:
        EACH(uint64_t, ld64(x, swap));
        break;
    }
}

static void col_f32(const sp__unpack_colplan *c, const uint8_t *e,
                    size_t step, size_t n, void *out, int swap)
{
    const double s = c->scale, b = c->bias;
    switch (c->type) {
    case SP_UNPACK_I8:
        EACH(float, to_f32((int8_t)x[0], s, b));
        break;
    case SP_UNPACK_U8:
        EACH(float, to_f32(x[0], s, b));
        break;
    case SP_UNPACK_I16:
        EACH(float, to_f32((int16_t)ld16(x, swap), s, b));
        break;
    case SP_UNPACK_U16:
        EACH(float, to_f32(ld16(x, swap), s, b));
        break;
    case SP_UNPACK_I32:
        EACH(float, to_f32((int32_t)ld32(x, swap), s, b));
        break;
    case SP_UNPACK_U32:
        EACH(float, to_f32(ld32(x, swap), s, b));
        break;
    case SP_UNPACK_F32:
        EACH(float, to_f32(ldf32(x, swap), s, b));
        break;
    default:
        EACH(float, to_f32(ldf64(x, swap), s, b));
        break;
    }
}

static void col_u16(const sp__unpack_colplan *c, const uint8_t *e,
                    size_t step, size_t n, void *out, int swap)
{
    switch (c->type) {
    case SP_UNPACK_I8:
        EACH(uint16_t, clamp_int((int8_t)x[0]));
        break;
    case SP_UNPACK_U8:
        EACH(uint16_t, x[0]);
        break;
    case SP_UNPACK_I16:
        EACH(uint16_t, clamp_int((int16_t)ld16(x, swap)));
        break;
    case SP_UNPACK_U16:
        EACH(uint16_t, ld16(x, swap));
        break;
    case SP_UNPACK_I32:
        EACH(uint16_t, clamp_int((int32_t)ld32(x, swap)));
        break;
    case SP_UNPACK_U32:
        EACH(uint16_t, clamp_int(ld32(x, swap)));
        break;
    case SP_UNPACK_F32:
        EACH(uint16_t, clamp_float(ldf32(x, swap)));
        break;
    default:
        EACH(uint16_t, clamp_float(ldf64(x, swap)));
        break;
    }
}

void sp__unpack_scalar_rows(const sp__unpack_plan *p, const uint8_t *src,
                            size_t row, size_t r0, size_t r1)
{
    if (r0 >= r1)
        return;
    const uint8_t *rec = src + row * p->row_step + r0 * p->step;
    size_t o = row * p->per_row + r0, n = r1 - r0;
    for (size_t i = 0; i < p->ncols; i++) {
        const sp__unpack_colplan *c = &p->cols[i];
        const uint8_t *e = rec + c->offset;
        switch (c->op) {
        case SP_UNPACK_COPY:
            col_copy(c, e, p->step, n, (uint8_t *)c->dst + o * c->size,
                     p->swap);
            break;
        case SP_UNPACK_TO_F32:
            col_f32(c, e, p->step, n, (float *)c->dst + o, p->swap);
            break;
        default:
            col_u16(c, e, p->step, n, (uint16_t *)c->dst + o, p->swap);
            break;
        }
    }
}

/* Column by column over a slice of records small enough to stay in L1,
 * so a large cloud is read from memory once, not once per column. */
#define SLICE 256

void sp__unpack_scalar(const sp__unpack_plan *p, const uint8_t *src)
{
    for (size_t row = 0; row < p->rows; row++)
        for (size_t r = 0; r < p->per_row; r += SLICE)
            sp__unpack_scalar_rows(p, src, row, r,
                                   p->per_row - r < SLICE ? p->per_row
                                                          : r + SLICE);
}
