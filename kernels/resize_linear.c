/* resize, the linear path's row loop, shared by every CPU version (scalar,
 * SSE4.1, AVX2, NEON): which source rows each output row needs, the two
 * filtered rows kept (consecutive output rows often share source rows,
 * always when upscaling, as in OpenCV's resizeGeneric_), the next source
 * row prefetched while one is filtered, RGBA8 rows whose two source rows
 * are fresh filtered both ways in one pass, streaming stores. A version
 * brings only its row functions (sp__resize_rows, resize_int.h). */
#include "resize_int.h"

/* 1 when output row dy needs two source rows that are neither held (tag)
 * nor needed by the next output row: nothing is lost by not keeping them. */
static int fresh_pair(const sp__resize_plan *p, uint32_t dy,
                      const int32_t tag[2])
{
    int32_t a = p->y0[dy], b = p->y1[dy];
    if (a == b || a == tag[0] || a == tag[1] || b == tag[0] || b == tag[1])
        return 0;
    if (dy + 1 < p->dh) {
        int32_t c = p->y0[dy + 1], e = p->y1[dy + 1];
        if (c == a || c == b || e == a || e == b)
            return 0;
    }
    return 1;
}

/* The row filtered after want[t] of output row dy, tags as they are
 * before it: the other tap of this row if it is not held, else the first
 * row a later output row needs that this one does not hold; -1 if none. */
static int32_t next_row(const sp__resize_plan *p, uint32_t dy, int t,
                        const int32_t tag[2])
{
    int32_t a = p->y0[dy], b = p->y1[dy];
    if (t == 0 && b != a && tag[0] != b && tag[1] != b)
        return b;
    for (uint32_t d = dy + 1; d < p->dh; d++) {
        if (p->y0[d] != a && p->y0[d] != b)
            return p->y0[d];
        if (p->y1[d] != a && p->y1[d] != b)
            return p->y1[d];
    }
    return -1;
}

int sp__resize_linear(sp_kctx *k, const sp__resize_plan *p,
                      const sp__resize_rows *r)
{
    size_t esz = p->f32 ? sizeof(float) : sizeof(int16_t);
    size_t rowb = ((size_t)p->n * esz + 63) & ~(size_t)63;
    uint8_t *buf = sp__kctx_scratch(k, SP__RESIZE_SLOT_ROWS, 2 * rowb);
    if (!buf)
        return SP_ENOMEM;
    const int rgba = p->cn == 4 && !p->f32 && r->hrow_rgba;
    sp__resize_windows wt = {0};
    if (!p->f32 && !rgba && r->windows)
        SP_TRY(sp__resize_build_windows(k, p, &wt));
    void *rows[2] = {buf, buf + rowb};
    int32_t tag[2] = {-1, -1};
    const int stream =
        !p->f32 && r->stream_align && sp__resize_stream_ok(p, r->stream_align);
    for (uint32_t dy = 0; dy < p->dh; dy++) {
        int32_t want[2] = {p->y0[dy], p->y1[dy]};
        int slot[2];
        if (rgba && r->fused_rgba && fresh_pair(p, dy, tag)) {
            int more = dy + 1 < p->dh;
            const uint8_t *s0 = sp__resize_src_row(p, want[0]),
                          *s1 = sp__resize_src_row(p, want[1]);
            int16_t b0 = p->ib[2 * dy], b1 = p->ib[2 * dy + 1];
            int i = r->fused_rgba(
                p, s0, s1, b0, b1, sp__resize_dst_row(p, dy),
                more ? sp__resize_src_row(p, p->y0[dy + 1]) : NULL,
                more ? sp__resize_src_row(p, p->y1[dy + 1]) : NULL, stream);
            /* The row's tail, past the version's vector steps. */
            sp__resize_hrow_u8(p, s0, rows[0], i);
            sp__resize_hrow_u8(p, s1, rows[1], i);
            sp__resize_vrow_u8(p, rows[0], rows[1], b0, b1,
                               sp__resize_dst_row(p, dy), i);
            tag[0] = tag[1] = -1; /* rows hold only their tails */
            continue;
        }
        for (int t = 0; t < 2; t++) {
            slot[t] = tag[0] == want[t] ? 0 : (tag[1] == want[t] ? 1 : -1);
            if (slot[t] >= 0)
                continue;
            /* Overwrite the slot the other tap does not need. */
            int s = t == 1 ? 1 - slot[0] : (tag[0] == want[1] ? 1 : 0);
            if (p->f32) {
                const float *sf =
                    (const float *)(const void *)sp__resize_src_row(p, want[t]);
                if (r->hrow_f32)
                    r->hrow_f32(p, sf, rows[s]);
                else
                    sp__resize_hrow_f32(p, sf, rows[s], 0);
            } else {
                int32_t nx = next_row(p, dy, t, tag);
                const uint8_t *pf = nx >= 0 ? sp__resize_src_row(p, nx) : NULL;
                if (rgba)
                    r->hrow_rgba(p, sp__resize_src_row(p, want[t]), rows[s],
                                 pf);
                else
                    r->hrow_u8(p, &wt, sp__resize_src_row(p, want[t]), rows[s],
                               pf);
            }
            tag[s] = want[t];
            slot[t] = s;
        }
        if (p->f32)
            r->vrow_f32(p, rows[slot[0]], rows[slot[1]], p->fb[2 * dy],
                        p->fb[2 * dy + 1],
                        (float *)(void *)sp__resize_dst_row(p, dy));
        else
            r->vrow_u8(p, rows[slot[0]], rows[slot[1]], p->ib[2 * dy],
                       p->ib[2 * dy + 1], sp__resize_dst_row(p, dy), stream);
    }
    if (stream)
        sp__stream_end(); /* streamed rows visible before the next stage */
    return SP_OK;
}
