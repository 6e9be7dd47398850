/* resize, scalar reference: the specification every other back-end must
 * reproduce bit for bit. The formulas are in sp_resize.h; the tables come
 * from kernels/resize.c. */
#include <math.h>
#include <string.h>

#include "resize_int.h"

/* The back-ends must reproduce this float arithmetic bit for bit: no
 * a * b + c contracted into an fma (GCC's ISO C mode does not contract;
 * clang does by default). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ---- linear --------------------------------------------------------- */

/* Horizontal pass of one source row, kept as H >> 4: the vertical pass
 * only ever uses H >> 4 (OpenCV's VResizeLinear<uchar>), and it fits int16
 * (255 * 2048 >> 4 = 32640). */
void sp__resize_hrow_u8(const sp__resize_plan *p, const uint8_t *s, int16_t *h,
                        int from)
{
    for (int i = from; i < p->n; i++) {
        int v = s[p->x0[i]] * p->ia[2 * i] + s[p->x1[i]] * p->ia[2 * i + 1];
        h[i] = (int16_t)(v >> 4);
    }
}

void sp__resize_vrow_u8(const sp__resize_plan *p, const int16_t *h0,
                        const int16_t *h1, int16_t b0, int16_t b1, uint8_t *d,
                        int from)
{
    for (int i = from; i < p->n; i++)
        d[i] =
            (uint8_t)((((b0 * h0[i]) >> 16) + ((b1 * h1[i]) >> 16) + 2) >> 2);
}

void sp__resize_hrow_f32(const sp__resize_plan *p, const float *s, float *h,
                         int from)
{
    for (int i = from; i < p->n; i++)
        h[i] = s[p->x0[i]] * p->fa[2 * i] + s[p->x1[i]] * p->fa[2 * i + 1];
}

void sp__resize_vrow_f32(const sp__resize_plan *p, const float *h0,
                         const float *h1, float b0, float b1, float *d,
                         int from)
{
    for (int i = from; i < p->n; i++)
        d[i] = h0[i] * b0 + h1[i] * b1;
}

int sp__resize_build_windows(sp_kctx *k, const sp__resize_plan *p,
                             sp__resize_windows *wt)
{
    int nb = p->n / 4;
    size_t head = ((size_t)nb * 4 + 63) / 64 * 64;
    uint8_t *mem = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS + 1,
                                    head + (size_t)nb * 16 + 64);
    if (!mem)
        return SP_ENOMEM;
    wt->base = (int32_t *)(void *)mem;
    wt->mask = mem + head;
    for (int b = 0; b < nb; b++) {
        int lo = p->x0[4 * b], hi = p->x1[4 * b];
        for (int e = 1; e < 4; e++) {
            int a = p->x0[4 * b + e], c = p->x1[4 * b + e];
            lo = a < lo ? a : lo;
            hi = c > hi ? c : hi;
        }
        uint8_t *m = wt->mask + 16 * (size_t)b;
        if (hi - lo > 15 || lo + 16 > p->srow) {
            wt->base[b] = -1;
            memset(m, 0x80, 16);
            continue;
        }
        wt->base[b] = lo;
        for (int e = 0; e < 4; e++) {
            m[4 * e] = (uint8_t)(p->x0[4 * b + e] - lo);
            m[4 * e + 1] = 0x80;
            m[4 * e + 2] = (uint8_t)(p->x1[4 * b + e] - lo);
            m[4 * e + 3] = 0x80;
        }
    }
    return SP_OK;
}

int sp__resize_stream_ok(const sp__resize_plan *p, size_t align)
{
    return ((uintptr_t)p->dst % align) == 0 && p->dstride % align == 0 &&
           p->dstride * p->dh >= SP__STREAM_MIN;
}

/* The linear path's rows: the scalar pieces over whole rows (no window
 * table, no prefetch, no streaming). */
static void hrow_u8(const sp__resize_plan *p, const sp__resize_windows *wt,
                    const uint8_t *s, int16_t *h, const uint8_t *pf)
{
    (void)wt;
    (void)pf;
    sp__resize_hrow_u8(p, s, h, 0);
}

static void vrow_u8(const sp__resize_plan *p, const int16_t *h0,
                    const int16_t *h1, int16_t b0, int16_t b1, uint8_t *d,
                    int stream)
{
    (void)stream;
    sp__resize_vrow_u8(p, h0, h1, b0, b1, d, 0);
}

static void vrow_f32(const sp__resize_plan *p, const float *h0, const float *h1,
                     float b0, float b1, float *d)
{
    sp__resize_vrow_f32(p, h0, h1, b0, b1, d, 0);
}

static const sp__resize_rows scalar_rows = {
    .hrow_u8 = hrow_u8,
    .vrow_u8 = vrow_u8,
    .vrow_f32 = vrow_f32,
};

/* Exact 2x downscale: the 2x2 mean, (a + b + c + d + 2) >> 2 for bytes
 * (OpenCV's ResizeAreaFastVec for 2x2), (a + b + c + d) * 0.25 for floats. */
void sp__resize_half_row(const sp__resize_plan *p, uint32_t dy, int from_px)
{
    int cn = p->cn;
    const uint8_t *r0 = sp__resize_src_row(p, (int32_t)(2 * dy));
    const uint8_t *r1 = sp__resize_src_row(p, (int32_t)(2 * dy + 1));
    if (p->f32) {
        const float *a = (const float *)(const void *)r0;
        const float *b = (const float *)(const void *)r1;
        float *d = (float *)(void *)sp__resize_dst_row(p, dy);
        for (int dx = from_px; dx < (int)p->dw; dx++)
            for (int c = 0; c < cn; c++) {
                int x = 2 * cn * dx + c;
                d[dx * cn + c] = (a[x] + a[x + cn] + b[x] + b[x + cn]) * 0.25f;
            }
        return;
    }
    uint8_t *d = sp__resize_dst_row(p, dy);
    for (int dx = from_px; dx < (int)p->dw; dx++)
        for (int c = 0; c < cn; c++) {
            int x = 2 * cn * dx + c;
            d[dx * cn + c] =
                (uint8_t)((r0[x] + r0[x + cn] + r1[x] + r1[x + cn] + 2) >> 2);
        }
}

/* ---- nearest -------------------------------------------------------- */

void sp__resize_nearest_row(const sp__resize_plan *p, uint32_t dy)
{
    const uint8_t *s = sp__resize_src_row(p, p->y0[dy]);
    uint8_t *d = sp__resize_dst_row(p, dy);
    if (p->f32) {
        const float *sf = (const float *)s;
        float *df = (float *)d;
        for (int i = 0; i < p->n; i++)
            df[i] = sf[p->x0[i]];
        return;
    }
    for (int i = 0; i < p->n; i++)
        d[i] = s[p->x0[i]];
}

/* ---- area ----------------------------------------------------------- */

/* Vertical box sums first (contiguous in memory, so every back-end can
 * vectorise them): v[x] = sum over the covered source rows j, in order, of
 * wy[j] * px[j][x], starting from 0. */
void sp__resize_area_vrow(const sp__resize_plan *p, uint32_t dy, float *v,
                          int from)
{
    const float *wy = p->aw_y + p->ayw[dy];
    for (int x = from; x < p->srow; x++)
        v[x] = 0.f;
    for (int j = 0; j < p->ayn[dy]; j++) {
        const uint8_t *s = sp__resize_src_row(p, p->ays[dy] + j);
        const float w = wy[j];
        if (p->f32) {
            const float *sf = (const float *)(const void *)s;
            for (int x = from; x < p->srow; x++)
                v[x] += w * sf[x];
        } else {
            for (int x = from; x < p->srow; x++)
                v[x] += w * (float)s[x];
        }
    }
}

/* Then the horizontal box sums of that row: h = sum over the covered
 * source pixels, in order, of wx * v, starting from 0. */
void sp__resize_area_hrow(const sp__resize_plan *p, const float *v, float *h)
{
    int cn = p->cn;
    for (uint32_t dx = 0; dx < p->dw; dx++) {
        const float *w = p->aw_x + p->axw[dx];
        int x0 = p->axs[dx] * cn, cnt = p->axn[dx];
        for (int c = 0; c < cn; c++) {
            float acc = 0.f;
            for (int t = 0; t < cnt; t++)
                acc += w[t] * v[x0 + t * cn + c];
            h[(int)dx * cn + c] = acc;
        }
    }
}

/* Writes an output row: floats as they are, bytes as floor(h + 0.5)
 * clamped to 0..255. */
void sp__resize_area_store(const sp__resize_plan *p, const float *h, uint8_t *d,
                           int from)
{
    if (p->f32) {
        memcpy((float *)(void *)d + from, h + from,
               (size_t)(p->n - from) * sizeof(float));
        return;
    }
    for (int i = from; i < p->n; i++) {
        float t = floorf(h[i] + 0.5f);
        d[i] = (uint8_t)(t < 0.f ? 0.f : (t > 255.f ? 255.f : t));
    }
}

static int area_scalar(sp_kctx *k, const sp__resize_plan *p)
{
    float *v = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS,
                                (size_t)p->srow * sizeof(float));
    float *h = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS + 1,
                                (size_t)p->n * sizeof(float));
    if (!v || !h)
        return SP_ENOMEM;
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        sp__resize_area_vrow(p, dy, v, 0);
        sp__resize_area_hrow(p, v, h);
        sp__resize_area_store(p, h, sp__resize_dst_row(p, dy), 0);
    }
    return SP_OK;
}

int sp__resize_scalar(sp_kctx *k, const sp__resize_plan *p)
{
    switch (p->method) {
    case SP_RESIZE_NEAREST:
        for (uint32_t dy = 0; dy < p->dh; dy++)
            sp__resize_nearest_row(p, dy);
        return SP_OK;
    case SP_RESIZE_AREA:
        return area_scalar(k, p);
    default:
        if (p->half) {
            for (uint32_t dy = 0; dy < p->dh; dy++)
                sp__resize_half_row(p, dy, 0);
            return SP_OK;
        }
        return sp__resize_linear(k, p, &scalar_rows);
    }
}
