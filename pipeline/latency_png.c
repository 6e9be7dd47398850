/* The latency histograms as a picture: one row per stage and one for end
 * to end, time on a log axis from 1 us to 10 s, a bar per pixel column
 * whose height is the share of that row's frames there. Drawn once after
 * a run, so the one image buffer comes from the heap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_int.h"
#include "sp_png.h"

#define LO_NS 1e3  /* left edge: 1 us */
#define HI_NS 1e10 /* right edge: 10 s */

static void draw_row(uint8_t *img, size_t stride, uint32_t y0,
                     const sp__hist *h, uint8_t r, uint8_t g, uint8_t b)
{
    double col[SP_LATENCY_PNG_W] = {0}, top = 0;
    const double span = log10(HI_NS / LO_NS);

    for (size_t i = 0; i < SP__HIST_BUCKETS; i++) {
        uint32_t n = atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
        if (n == 0)
            continue;
        double v = (double)sp__hist_bucket_low(i);
        double x = (log10(v > LO_NS ? v : LO_NS) - log10(LO_NS)) / span;
        int c = (int)(x * (SP_LATENCY_PNG_W - 1));
        if (c < 0)
            c = 0;
        if (c >= SP_LATENCY_PNG_W)
            c = SP_LATENCY_PNG_W - 1;
        col[c] += n;
        if (col[c] > top)
            top = col[c];
    }
    for (int c = 0; top > 0 && c < SP_LATENCY_PNG_W; c++) {
        if (col[c] <= 0)
            continue;
        /* At least one pixel for any column with frames: the tail shows. */
        uint32_t hgt = (uint32_t)(col[c] / top * (SP_LATENCY_PNG_ROW - 4));
        if (hgt < 1)
            hgt = 1;
        for (uint32_t k = 0; k < hgt; k++) {
            uint8_t *px = img +
                          (size_t)(y0 + SP_LATENCY_PNG_ROW - 2 - k) * stride +
                          (size_t)c * 3;
            px[0] = r, px[1] = g, px[2] = b;
        }
    }
}

int sp_pipeline_latency_png(const sp_pipeline *p, const char *path)
{
    SP_GUARD(p != NULL && path != NULL);
    uint32_t rows = (uint32_t)p->nstages + 1;
    sp_image im = {.width = SP_LATENCY_PNG_W,
                   .height = rows * SP_LATENCY_PNG_ROW,
                   .stride = (size_t)SP_LATENCY_PNG_W * 3,
                   .format = SP_PIX_RGB8};
    im.data = malloc(im.stride * im.height);
    if (im.data == NULL)
        return sp__fail(SP_ENOMEM, "%s: out of memory for the picture", path);
    memset(im.data, 255, im.stride * im.height);
    for (uint32_t y = 0; y < im.height; y++) {
        /* Decade lines (1 us, 10 us, ... 10 s) and row separators. */
        for (int d = 0; d <= 7; d++) {
            int c = d * (SP_LATENCY_PNG_W - 1) / 7;
            memset(im.data + y * im.stride + (size_t)c * 3, 200, 3);
        }
        if (y % SP_LATENCY_PNG_ROW == SP_LATENCY_PNG_ROW - 1)
            memset(im.data + y * im.stride, 160, im.stride);
    }
    for (size_t i = 0; i < p->nstages; i++)
        draw_row(im.data, im.stride, (uint32_t)i * SP_LATENCY_PNG_ROW,
                 &p->stages[i]->hist, 40, 90, 200);
    draw_row(im.data, im.stride, (uint32_t)p->nstages * SP_LATENCY_PNG_ROW,
             &p->e2e, 200, 40, 40);
    int rc = sp_png_write_image(path, &im, NULL);
    free(im.data);
    return rc;
}
