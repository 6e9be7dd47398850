/* The synthetic camera: a level pinhole camera (intrinsics from the
 * calibration's K, no distortion) 0.27 m ahead of and 0.08 m below the
 * lidar, looking along +x. Each pixel is ray cast against the same scene
 * the lidar sees, shaded (sky gradient, asphalt texture and lane paint,
 * pavement tiles, facades with windows, cars with dark glass, Lambert
 * light from one sun) and written as a Bayer RGGB mosaic (or RGB8 / GRAY8).
 *
 * Because the camera is level, every pixel of one image column lies in one
 * vertical plane through the camera centre: the column's footprint
 * intersections are computed once and each pixel only compares heights,
 * exactly as a lidar column does. */
#include <math.h>

#include "error_int.h"
#include "synth_int.h"

#define MAX_DIST 400.0f

/* A cheap integer hash (lowbias32 by C. Wellons) of seed, a and b: texture
 * and noise per pixel without carrying PRNG state across pixels. */
static uint32_t hash3(uint32_t seed, int32_t a, int32_t b)
{
    uint32_t x =
        seed ^ ((uint32_t)a * 0x9E3779B1u) ^ ((uint32_t)b * 0x85EBCA77u);
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* Branch-free (maxss/minss): pixel values are noisy, branches mispredict. */
static int clamp255(float v)
{
    v = v > 0.0f ? v : 0.0f;
    v = v < 255.0f ? v : 255.0f;
    return (int)(v + 0.5f);
}

typedef struct colour {
    float r, g, b;
} colour;

/* Colour of one pixel's ray (returned in registers, not through memory:
 * this runs once per pixel). */
static colour shade(const sp__synth_scene *s, const sp__synth_hit *hit,
                    float ox, float oy, float oz, float dx, float dy,
                    float slope)
{
    colour c;
    /* sky: brighter towards the horizon */
    if (hit->obj == SP__SYNTH_HIT_NONE) {
        float k = slope * 2.5f;
        k = k > 0.0f ? k : 0.0f;
        k = k < 1.0f ? k : 1.0f;
        c.r = 205.0f + (90.0f - 205.0f) * k;
        c.g = 220.0f + (140.0f - 220.0f) * k;
        c.b = 238.0f + (215.0f - 238.0f) * k;
        return c;
    }
    float hx = ox + hit->d * dx, hy = oy + hit->d * dy,
          hz = oz + hit->d * slope;
    float light;
    if (hit->obj == SP__SYNTH_HIT_GROUND) {
        uint32_t h = hash3(0x6E0D, (int32_t)sp__synth_floor(hx * 8.0f),
                           (int32_t)sp__synth_floor(hy * 8.0f));
        float tex = (float)(h & 0xff) * (24.0f / 255.0f) - 12.0f;
        switch (sp__synth_ground_kind(hx, hy)) {
        case SP__SYNTH_PAINT:
            c = (colour){228.0f, 228.0f, 222.0f};
            break;
        case SP__SYNTH_PAVEMENT: {
            float fx = hx * (1.0f / 0.6f), fy = hy * (1.0f / 0.6f);
            int joint = fx - sp__synth_floor(fx) < 0.06f ||
                        fy - sp__synth_floor(fy) < 0.06f;
            float g = joint ? 120.0f : 162.0f;
            c = (colour){g, g - 2.0f, g - 10.0f};
            break;
        }
        default:
            c = (colour){92.0f, 92.0f, 98.0f};
            break;
        }
        c.r += tex;
        c.g += tex;
        c.b += tex;
        light = 0.95f;
    } else {
        const sp__synth_object *o = &s->obj[hit->obj];
        c = (colour){o->rgb[0], o->rgb[1], o->rgb[2]};
        if (hit->top) {
            light = 1.0f;
        } else {
            /* sun from the front left, high */
            float ndl = -0.35f * hit->nx + 0.45f * hit->ny;
            light = 0.62f + 0.38f * (ndl > 0.0f ? ndl : 0.0f) -
                    (ndl < 0.0f ? 0.1f : 0.0f);
            float u = hit->nx != 0.0f ? hy : hx;
            if (o->material == SP__SYNTH_BUILDING &&
                sp__synth_is_window(u, hz)) {
                c = (colour){62.0f, 76.0f, 100.0f};
            } else if (o->material == SP__SYNTH_CAR && hz > o->z1 - 0.55f) {
                c = (colour){40.0f, 45.0f, 56.0f};
            } else if (o->material == SP__SYNTH_CRATE) {
                float f = (hz - o->z0) * 6.0f;
                if (f - sp__synth_floor(f) < 0.12f)
                    light *= 0.7f;
            }
        }
    }
    /* a little haze with distance */
    float haze = hit->d * (1.0f / MAX_DIST), keep = light * (1.0f - haze);
    c.r = c.r * keep + 205.0f * haze;
    c.g = c.g * keep + 220.0f * haze;
    c.b = c.b * keep + 238.0f * haze;
    return c;
}

int sp__synth_camera_render(const sp__synth_scene *scene, const sp_calib *calib,
                            uint64_t frame_seed, sp_image *out)
{
    if (!scene || !calib || !calib->has_K || !out || !out->data)
        return sp__fail(SP_EINVAL,
                        "synth camera: missing scene, calibration or image");
    if (out->format != SP_PIX_BAYER_RGGB8 && out->format != SP_PIX_RGB8 &&
        out->format != SP_PIX_GRAY8)
        return sp__fail(
            SP_EINVAL,
            "synth camera: cannot render %s, expected bayer_rggb8, "
            "rgb8 or gray8",
            sp_pixfmt_name(out->format) ? sp_pixfmt_name(out->format) : "?");
    if ((int)out->width != calib->width || (int)out->height != calib->height)
        return sp__fail(
            SP_EINVAL, "synth camera: image is %ux%u, calibration is for %dx%d",
            out->width, out->height, calib->width, calib->height);
    const float fx = (float)calib->K[0], cx = (float)calib->K[2];
    const float fy = (float)calib->K[4], cy = (float)calib->K[5];
    const float inv_fx = 1.0f / fx, inv_fy = 1.0f / fy;
    const float ox = SP__SYNTH_CAM_X, oy = 0.0f, oz = SP__SYNTH_CAM_Z;
    sp__synth_span spans[SP__SYNTH_MAX_OBJECTS];
    const int bpp = out->format == SP_PIX_RGB8 ? 3 : 1;
    const uint32_t noise_seed = (uint32_t)(frame_seed ^ (frame_seed >> 32));

    for (uint32_t u = 0; u < out->width; u++) {
        /* camera x (right) is lidar -y: the column's horizontal direction */
        float a = ((float)u + 0.5f - cx) * inv_fx;
        float inv = 1.0f / sqrtf(1.0f + a * a);
        float dx = inv, dy = -a * inv;
        int ns = sp__synth_column(scene, ox, oy, dx, dy, spans,
                                  SP__SYNTH_MAX_OBJECTS);
        const float row_scale = inv_fy * inv;
        for (uint32_t v = 0; v < out->height; v++) {
            float slope = (cy - 0.5f - (float)v) * row_scale;
            sp__synth_hit hit;
            sp__synth_cast(scene, spans, ns, oz, slope, MAX_DIST, &hit);
            colour c = shade(scene, &hit, ox, oy, oz, dx, dy, slope);
            /* sensor noise, +-3 levels, fixed per (frame, pixel) */
            float noise =
                (float)(hash3(noise_seed, (int32_t)u, (int32_t)v) & 0xff) *
                    (6.0f / 255.0f) -
                3.0f;
            uint8_t *px = sp_image_row(out, v) + (size_t)u * (size_t)bpp;
            if (out->format == SP_PIX_RGB8) {
                px[0] = (uint8_t)clamp255(c.r + noise);
                px[1] = (uint8_t)clamp255(c.g + noise);
                px[2] = (uint8_t)clamp255(c.b + noise);
            } else if (out->format == SP_PIX_GRAY8) {
                px[0] = (uint8_t)clamp255(0.299f * c.r + 0.587f * c.g +
                                          0.114f * c.b + noise);
            } else {
                /* RGGB: R at (even x, even y), B at (odd, odd), G elsewhere */
                int ch = (int)(u & 1u) + (int)(v & 1u);
                float val = ch == 0 ? c.r : ch == 1 ? c.g : c.b;
                *px = (uint8_t)clamp255(val + noise);
            }
        }
    }
    return SP_OK;
}
