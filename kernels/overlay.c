/* overlay: depth dots over an RGB8 image (see sp_overlay.h). A z-buffer of
 * the nearest depth per pixel is filled dot by dot from the sparse depth
 * image (only the pixels that hold a point are visited), then every pixel
 * the dots reached is coloured. */
#include <math.h>
#include <string.h>

#include "kernels_int.h"
#include "sp_overlay.h"

#define OVERLAY_MAX_RADIUS 16

static const unsigned char stops[5][3] = {
    {255, 0, 0}, {255, 255, 0}, {0, 255, 0}, {0, 255, 255}, {0, 0, 255}};

static int resolve(const sp_overlay_params *in, sp_overlay_params *p)
{
    static const sp_overlay_params def = {0, 50, 0};
    *p = in ? *in : def;
    if (p->near == 0 && p->far == 0) {
        p->near = def.near;
        p->far = def.far;
    }
    if (!(p->far > p->near) || !isfinite(p->far - p->near))
        return sp__fail(SP_EINVAL,
                        "overlay: depth range %g:%g, expected finite near < "
                        "far",
                        p->near, p->far);
    if (p->radius < 0 || p->radius > OVERLAY_MAX_RADIUS)
        return sp__fail(SP_EINVAL, "overlay: radius %d, expected 0..%d",
                        p->radius, OVERLAY_MAX_RADIUS);
    return SP_OK;
}

static void color_of(const sp_overlay_params *p, float d, unsigned char *rgb)
{
    double t = ((double)d - p->near) / (p->far - p->near);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    int q = (int)(t * 1024);
    int s = q / 256 > 3 ? 3 : q / 256;
    int f = q - 256 * s;
    for (int c = 0; c < 3; c++) {
        int a = stops[s][c], b = stops[s + 1][c];
        rgb[c] = (unsigned char)(a + ((b - a) * f) / 256);
    }
}

void sp_overlay_color(const sp_overlay_params *in, float d,
                      unsigned char rgb[3])
{
    sp_overlay_params p;
    if (resolve(in, &p) < 0) {
        rgb[0] = rgb[1] = rgb[2] = 0;
        return;
    }
    color_of(&p, d, rgb);
}

/* The one version (no SIMD or OpenCL one): dots into the z-buffer zb
 * (zeroed, w x h), then the colours. */
static void draw_scalar(const sp_overlay_params *pp, const float *d, float *zb,
                        sp_image *img)
{
    size_t w = img->width, h = img->height;
    long r = pp->radius;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++) {
            float v = d[y * w + x];
            if (!(v > 0.0f))
                continue;
            size_t y0 = y > (size_t)r ? y - (size_t)r : 0;
            size_t y1 = y + (size_t)r < h - 1 ? y + (size_t)r : h - 1;
            size_t x0 = x > (size_t)r ? x - (size_t)r : 0;
            size_t x1 = x + (size_t)r < w - 1 ? x + (size_t)r : w - 1;
            for (size_t yy = y0; yy <= y1; yy++)
                for (size_t xx = x0; xx <= x1; xx++) {
                    float *z = &zb[yy * w + xx];
                    if (*z == 0.0f || v < *z)
                        *z = v;
                }
        }
    for (size_t y = 0; y < h; y++) {
        uint8_t *row = sp_image_row(img, (uint32_t)y);
        for (size_t x = 0; x < w; x++)
            if (zb[y * w + x] > 0.0f)
                color_of(pp, zb[y * w + x], row + 3 * x);
    }
}

typedef void (*overlay_fn)(const sp_overlay_params *, const float *, float *,
                           sp_image *);

static const sp__ktable overlay_table = {
    "overlay",
    {SP__KT_SCALAR(draw_scalar)},
    0,
    0,
};

int sp_overlay_draw(sp_kctx *k, const sp_overlay_params *params,
                    const sp_tensor *depth, sp_image *img)
{
    sp_overlay_params p;
    SP_GUARD(k != NULL && depth != NULL && img != NULL);
    SP_TRY(resolve(params, &p));
    if (img->format != SP_PIX_RGB8)
        return sp__fail(SP_EINVAL, "overlay: image is %s, expected rgb8",
                        sp_pixfmt_name(img->format)
                            ? sp_pixfmt_name(img->format)
                            : "invalid");
    SP_TRY(sp__image_check("overlay", "image", img));
    if (!depth->data || depth->dtype != SP_DTYPE_F32 || depth->ndim != 2 ||
        depth->shape[0] != img->height || depth->shape[1] != img->width)
        return sp__fail(
            SP_EINVAL,
            "overlay: depth is %s with %d dimensions (%zu x %zu), "
            "expected f32 (%u, %u) like the image",
            sp_dtype_name(depth->dtype) ? sp_dtype_name(depth->dtype) : "?",
            depth->ndim, depth->ndim > 0 ? depth->shape[0] : 0,
            depth->ndim > 1 ? depth->shape[1] : 0, img->height, img->width);
    size_t w = img->width, h = img->height, n = w * h;
    sp__kimpl im = sp__kctx_pick_impl(k, &overlay_table, n);
    if (n == 0)
        return SP_OK;
    float *zb = sp__kctx_scratch(k, 0, n * sizeof *zb);
    if (!zb)
        return SP_ENOMEM;
    /* 0 = no dot: depths drawn are > 0. */
    memset(zb, 0, n * sizeof *zb);
    ((overlay_fn)overlay_table.fn[im])(&p, depth->data, zb, img);
    return SP_OK;
}
