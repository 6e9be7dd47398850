/* Debayer, scalar reference: the specification every other back-end must
 * match bit for bit. See sp_debayer.h for the formulas and the border
 * rule. */
#include "debayer_int.h"

static inline unsigned sample(const uint8_t *row, int wide, uint32_t x)
{
    return wide ? ((const uint16_t *)(const void *)row)[x] : row[x];
}

static inline void put(uint8_t *row, int wide, uint32_t i, unsigned v)
{
    if (wide)
        ((uint16_t *)(void *)row)[i] = (uint16_t)v;
    else
        row[i] = (uint8_t)v;
}

static inline unsigned absdiff(unsigned a, unsigned b)
{
    return a > b ? a - b : b - a;
}

void sp__debayer_span_scalar(const sp__debayer_job *j, uint32_t y, uint32_t x0,
                             uint32_t x1)
{
    const int wide = j->wide;
    const uint8_t *u =
        j->src + (size_t)sp__debayer_refl((int64_t)y - 1, j->h) * j->sstride;
    const uint8_t *c = j->src + (size_t)y * j->sstride;
    const uint8_t *d =
        j->src + (size_t)sp__debayer_refl((int64_t)y + 1, j->h) * j->sstride;
    uint8_t *o = j->dst + (size_t)y * j->dstride;
    const int cx = sp__debayer_cx(j, y);
    const int rowred = sp__debayer_rowred(j, y);
    const uint32_t ir = j->bgr ? 2 : 0, ib = 2 - ir;

    for (uint32_t x = x0; x < x1; x++) {
        uint32_t xl = sp__debayer_refl((int64_t)x - 1, j->w);
        uint32_t xr = sp__debayer_refl((int64_t)x + 1, j->w);
        unsigned l = sample(c, wide, xl), r = sample(c, wide, xr);
        unsigned up = sample(u, wide, x), dn = sample(d, wide, x);
        unsigned own = sample(c, wide, x);
        unsigned red, green, blue;
        if ((int)(x & 1) == cx) {
            unsigned opp = (sample(u, wide, xl) + sample(u, wide, xr) +
                            sample(d, wide, xl) + sample(d, wide, xr) + 2) >>
                           2;
            unsigned x4 = (l + r + up + dn + 2) >> 2;
            green = x4;
            if (j->ea) {
                unsigned dh = absdiff(l, r), dv = absdiff(up, dn);
                if (dh < dv)
                    green = (l + r + 1) >> 1;
                else if (dv < dh)
                    green = (up + dn + 1) >> 1;
            }
            red = rowred ? own : opp;
            blue = rowred ? opp : own;
        } else {
            unsigned hc = (l + r + 1) >> 1, vc = (up + dn + 1) >> 1;
            green = own;
            red = rowred ? hc : vc;
            blue = rowred ? vc : hc;
        }
        put(o, wide, 3 * x + ir, red);
        put(o, wide, 3 * x + 1, green);
        put(o, wide, 3 * x + ib, blue);
    }
}

void sp__debayer_scalar(const sp__debayer_job *j)
{
    for (uint32_t y = 0; y < j->h; y++)
        sp__debayer_span_scalar(j, y, 0, j->w);
}
