/* unpack: checks of the layout and the columns, the plan every back-end
 * shares (op resolution and the SIMD windows, see unpack_int.h), and
 * dispatch. */
#include <stdint.h>

#include "unpack_int.h"

size_t sp_unpack_type_size(sp_unpack_type t)
{
    switch (t) {
    case SP_UNPACK_I8:
    case SP_UNPACK_U8:
        return 1;
    case SP_UNPACK_I16:
    case SP_UNPACK_U16:
        return 2;
    case SP_UNPACK_I32:
    case SP_UNPACK_U32:
    case SP_UNPACK_F32:
        return 4;
    case SP_UNPACK_F64:
        return 8;
    }
    return 0;
}

static size_t out_size(const sp__unpack_colplan *c)
{
    return c->op == SP_UNPACK_COPY     ? c->size
           : c->op == SP_UNPACK_TO_F32 ? sizeof(float)
                                       : sizeof(uint16_t);
}

static int overlaps(uintptr_t a, size_t na, uintptr_t b, size_t nb)
{
    return na && nb && a < b + nb && b < a + na;
}

static int check_col(const sp_unpack_desc *d, size_t i, sp__unpack_colplan *c)
{
    const sp_unpack_col *s = &d->cols[i];
    size_t size = sp_unpack_type_size(s->src_type);
    if (size == 0)
        return sp__fail(SP_EINVAL,
                        "unpack: column %zu: type %d unknown, expected 1..8 "
                        "(sensor_msgs/PointField datatypes)",
                        i, (int)s->src_type);
    if ((int)s->op < SP_UNPACK_COPY || (int)s->op > SP_UNPACK_TO_U16)
        return sp__fail(SP_EINVAL,
                        "unpack: column %zu: op %d unknown, expected copy, "
                        "to_f32 or to_u16",
                        i, (int)s->op);
    if (s->offset > d->step || size > d->step - s->offset)
        return sp__fail(SP_EINVAL,
                        "unpack: column %zu: %zu-byte element at offset %u "
                        "does not fit in a %zu-byte record, expected offset "
                        "+ size <= step",
                        i, size, s->offset, d->step);
    c->offset = s->offset;
    c->type = (uint8_t)s->src_type;
    c->size = (uint8_t)size;
    c->op = (uint8_t)s->op;
    c->scale = s->scale == 0 ? 1.0 : s->scale;
    c->bias = s->bias;
    c->dst = s->dst;
    if (c->op == SP_UNPACK_TO_F32 && c->type == SP_UNPACK_F32 &&
        c->scale == 1.0 && c->bias == 0)
        c->op = SP_UNPACK_COPY;
    if (d->count == 0)
        return SP_OK;
    size_t osz = out_size(c);
    if (!c->dst)
        return sp__fail(SP_EINVAL, "unpack: column %zu: dst is NULL", i);
    if ((uintptr_t)c->dst & (osz - 1))
        return sp__fail(SP_EINVAL,
                        "unpack: column %zu: dst %p is not aligned, expected "
                        "%zu-byte alignment",
                        i, c->dst, osz);
    if (d->count > SIZE_MAX / osz)
        return sp__fail(SP_EINVAL,
                        "unpack: column %zu: %zu elements of %zu bytes "
                        "overflow size_t",
                        i, d->count, osz);
    return SP_OK;
}

/* The dst arrays must not overlap the input or each other: every back-end
 * writes them in its own order. */
static int check_overlaps(const sp__unpack_plan *p, size_t count,
                          const uint8_t *src, size_t need)
{
    for (size_t i = 0; i < p->ncols; i++) {
        uintptr_t a = (uintptr_t)p->cols[i].dst;
        size_t na = count * out_size(&p->cols[i]);
        if (overlaps(a, na, (uintptr_t)src, need))
            return sp__fail(SP_EINVAL,
                            "unpack: column %zu: dst overlaps the input, "
                            "expected separate memory",
                            i);
        for (size_t j = 0; j < i; j++)
            if (overlaps(a, na, (uintptr_t)p->cols[j].dst,
                         count * out_size(&p->cols[j])))
                return sp__fail(SP_EINVAL,
                                "unpack: columns %zu and %zu: dst arrays "
                                "overlap, expected one array per column",
                                j, i);
    }
    return SP_OK;
}

/* Groups the columns of 1 to 4 bytes into 16-byte windows, in order of
 * offset: a column joins the first window where it lies inside one dword,
 * else opens a window at its own offset. */
static void plan_windows(sp__unpack_plan *p)
{
    uint8_t order[SP_UNPACK_MAX_COLS];
    size_t n = 0;
    p->nwin = p->nwide = 0;
    p->reach = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        if (p->cols[i].size == 8) {
            p->wide[p->nwide++] = (uint8_t)i;
            if (p->cols[i].offset + (size_t)8 > p->reach)
                p->reach = p->cols[i].offset + (size_t)8;
            continue;
        }
        size_t j = n++;
        while (j > 0 && p->cols[order[j - 1]].offset > p->cols[i].offset) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = (uint8_t)i;
    }
    uint32_t wbase[SP_UNPACK_MAX_COLS];
    uint8_t of[SP_UNPACK_MAX_COLS]; /* window of order[i] */
    for (size_t i = 0; i < n; i++) {
        const sp__unpack_colplan *c = &p->cols[order[i]];
        size_t w = 0;
        for (; w < p->nwin; w++) {
            uint32_t rel = c->offset - wbase[w]; /* offsets ascend */
            if (rel + c->size <= 16 && (rel & 3) + c->size <= 4)
                break;
        }
        if (w == p->nwin) {
            wbase[w] = c->offset;
            p->nwin++;
            if (c->offset + (size_t)16 > p->reach)
                p->reach = c->offset + (size_t)16;
        }
        of[i] = (uint8_t)w;
    }
    /* wcol grouped by window, columns in offset order within each. */
    size_t k = 0;
    for (size_t w = 0; w < p->nwin; w++) {
        sp__unpack_window *win = &p->win[w];
        win->base = wbase[w];
        win->lanes = 0;
        win->first = (uint8_t)k;
        for (size_t i = 0; i < n; i++) {
            if (of[i] != w)
                continue;
            uint32_t rel = p->cols[order[i]].offset - wbase[w];
            p->wcol[k] = (sp__unpack_wcol){.col = order[i],
                                           .lane = (uint8_t)(rel >> 2),
                                           .byte = (uint8_t)(rel & 3)};
            win->lanes |= (uint8_t)(1u << (rel >> 2));
            k++;
        }
        win->count = (uint8_t)(k - win->first);
        /* A dword read by one plain 4-byte COPY and nothing else. */
        win->direct = 0;
        for (unsigned j = 0; j < 4; j++) {
            int readers = 0, col = -1;
            for (size_t i = win->first; i < k; i++)
                if (p->wcol[i].lane == j) {
                    readers++;
                    col = (int)i;
                }
            if (readers != 1 || p->swap)
                continue;
            const sp__unpack_colplan *c = &p->cols[p->wcol[col].col];
            if (c->size == 4 && c->op == SP_UNPACK_COPY) {
                win->direct |= (uint8_t)(1u << j);
                win->dcol[j] = p->wcol[col].col;
                p->wcol[col].direct = 1;
            }
        }
    }
}

/* The back-ends; unpack has no OpenCL version. */
typedef void (*unpack_fn)(const sp__unpack_plan *, const uint8_t *, size_t);

static void unpack_scalar(const sp__unpack_plan *p, const uint8_t *src,
                          size_t n)
{
    (void)n;
    sp__unpack_scalar(p, src);
}

static const sp__ktable unpack_table = {
    "unpack",
    {SP__KT_SCALAR(unpack_scalar) SP__KT_SSE41(sp__unpack_sse41)
         SP__KT_AVX2(sp__unpack_avx2) SP__KT_NEON(sp__unpack_neon)},
    0,
    0,
};

int sp_unpack(sp_kctx *k, const sp_unpack_desc *d, const uint8_t *src, size_t n)
{
    SP_GUARD(k && d);
    if (d->rows == 0)
        return sp__fail(SP_EINVAL, "unpack: rows is 0, expected >= 1");
    if (d->count % d->rows)
        return sp__fail(SP_EINVAL,
                        "unpack: %zu records do not fill %zu rows, expected "
                        "count a multiple of rows",
                        d->count, d->rows);
    if (d->step == 0)
        return sp__fail(SP_EINVAL,
                        "unpack: step is 0, expected >= 1 byte per record");
    if (d->ncols > SP_UNPACK_MAX_COLS)
        return sp__fail(SP_EINVAL, "unpack: %zu columns, expected at most %d",
                        d->ncols, SP_UNPACK_MAX_COLS);
    size_t per_row = d->count / d->rows;
    if (per_row > SIZE_MAX / d->step)
        return sp__fail(SP_EINVAL,
                        "unpack: %zu records of %zu bytes overflow size_t, "
                        "expected input of at most SIZE_MAX bytes",
                        per_row, d->step);
    size_t row_bytes = per_row * d->step;
    if (d->rows > 1 && d->row_step < row_bytes)
        return sp__fail(SP_EINVAL,
                        "unpack: row_step %zu is less than a row of %zu "
                        "records x %zu bytes, expected >= %zu",
                        d->row_step, per_row, d->step, row_bytes);
    size_t need = row_bytes;
    if (d->rows > 1 && (d->row_step > (SIZE_MAX - need) / (d->rows - 1)))
        return sp__fail(SP_EINVAL,
                        "unpack: %zu rows of %zu bytes overflow size_t, "
                        "expected input of at most SIZE_MAX bytes",
                        d->rows, d->row_step);
    if (d->rows > 1)
        need += d->row_step * (d->rows - 1);
    if (n < need)
        return sp__fail(SP_EINVAL,
                        "unpack: %zu bytes of input, expected %zu (%zu rows, "
                        "row_step %zu, %zu records of %zu bytes a row)",
                        n, need, d->rows, d->row_step, per_row, d->step);
    if (need && !src)
        return sp__fail(SP_EINVAL, "unpack: src is NULL, expected %zu bytes",
                        need);

    sp__unpack_plan p;
    p.rows = d->rows;
    p.per_row = per_row;
    p.step = d->step;
    p.row_step = d->row_step;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    p.swap = !d->swap;
#else
    p.swap = d->swap != 0;
#endif
    p.ncols = d->ncols;
    for (size_t i = 0; i < d->ncols; i++)
        SP_TRY(check_col(d, i, &p.cols[i]));
    if (d->count)
        SP_TRY(check_overlaps(&p, d->count, src, need));

    sp__kimpl im = sp__kctx_pick_impl(k, &unpack_table, d->count);
    if (d->count == 0 || d->ncols == 0)
        return SP_OK;
    plan_windows(&p);
    ((unpack_fn)unpack_table.fn[im])(&p, src, n);
    return SP_OK;
}
