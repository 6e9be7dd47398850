/* PNG writing with libpng (see sp_png.h): images as themselves, float data
 * as colour-mapped pictures with the value range in a tEXt chunk.
 *
 * libpng's output goes through the writer's fixed buffer into an sp__afile
 * (temporary name, renamed when complete). Rows that need converting
 * (colour maps) are built in the writer's row buffer, and libpng's and
 * zlib's memory comes from the writer's arena, so a warm writer allocates
 * nothing per file. */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file_int.h"
#include "error_int.h"
#include "png_arena_int.h"
#include "sp_png.h"

/* Widest colour-mapped row (RGB8) the row buffer holds. */
#define CMAP_MAX_WIDTH 16384u
#define OUT_BUF 32768u
/* zlib level: 1 keeps writing fast enough for a sink in a benchmark; the
 * files are ~10-20% larger than at the default 6. */
#define COMPRESSION 1
/* zlib's deflate state at the default window is ~260 KiB. */
#define ARENA_INITIAL (384u * 1024u)

/* Turbo (Google, 2019; polynomial fit by Ruofei Du), 256 entries: a
 * perceptually ordered rainbow from dark blue through green to dark red. */
static const uint8_t turbo[256][3] = {
    {35, 23, 27},    {39, 26, 40},    {43, 28, 52},    {47, 30, 63},
    {51, 32, 74},    {54, 35, 85},    {57, 37, 95},    {59, 40, 105},
    {62, 42, 114},   {64, 44, 123},   {66, 47, 132},   {68, 49, 140},
    {69, 52, 148},   {71, 55, 155},   {72, 57, 162},   {73, 60, 169},
    {73, 62, 175},   {74, 65, 181},   {74, 68, 187},   {75, 70, 193},
    {75, 73, 198},   {75, 76, 203},   {75, 79, 207},   {74, 81, 211},
    {74, 84, 215},   {74, 87, 219},   {73, 89, 223},   {73, 92, 226},
    {72, 95, 229},   {71, 98, 232},   {70, 101, 234},  {69, 103, 237},
    {68, 106, 239},  {67, 109, 240},  {66, 112, 242},  {65, 114, 244},
    {64, 117, 245},  {63, 120, 246},  {62, 123, 247},  {61, 125, 248},
    {59, 128, 248},  {58, 131, 249},  {57, 134, 249},  {56, 136, 249},
    {55, 139, 249},  {53, 142, 249},  {52, 144, 248},  {51, 147, 248},
    {50, 150, 247},  {49, 152, 246},  {48, 155, 246},  {47, 158, 245},
    {46, 160, 244},  {45, 163, 242},  {44, 165, 241},  {43, 168, 240},
    {42, 170, 238},  {42, 173, 237},  {41, 175, 235},  {40, 178, 234},
    {40, 180, 232},  {39, 182, 230},  {39, 185, 228},  {38, 187, 226},
    {38, 189, 224},  {37, 192, 222},  {37, 194, 220},  {37, 196, 218},
    {37, 198, 215},  {37, 200, 213},  {37, 202, 211},  {37, 205, 209},
    {37, 207, 206},  {38, 209, 204},  {38, 210, 201},  {38, 212, 199},
    {39, 214, 196},  {39, 216, 194},  {40, 218, 191},  {41, 220, 189},
    {42, 221, 186},  {43, 223, 184},  {44, 225, 181},  {45, 226, 178},
    {46, 228, 176},  {47, 229, 173},  {48, 231, 171},  {49, 232, 168},
    {51, 234, 166},  {52, 235, 163},  {54, 236, 160},  {55, 238, 158},
    {57, 239, 155},  {59, 240, 153},  {61, 241, 150},  {63, 242, 148},
    {65, 243, 145},  {67, 244, 143},  {69, 245, 140},  {71, 246, 138},
    {73, 247, 135},  {75, 248, 133},  {78, 249, 131},  {80, 249, 128},
    {82, 250, 126},  {85, 250, 124},  {87, 251, 121},  {90, 251, 119},
    {93, 252, 117},  {95, 252, 115},  {98, 253, 113},  {101, 253, 110},
    {104, 253, 108}, {106, 253, 106}, {109, 254, 104}, {112, 254, 102},
    {115, 254, 100}, {118, 254, 98},  {121, 254, 96},  {124, 253, 94},
    {127, 253, 93},  {130, 253, 91},  {133, 253, 89},  {136, 252, 87},
    {139, 252, 86},  {142, 252, 84},  {145, 251, 82},  {149, 251, 81},
    {152, 250, 79},  {155, 249, 78},  {158, 249, 76},  {161, 248, 75},
    {164, 247, 73},  {167, 246, 72},  {170, 246, 70},  {173, 245, 69},
    {176, 244, 68},  {179, 243, 66},  {182, 242, 65},  {185, 240, 64},
    {188, 239, 63},  {191, 238, 62},  {194, 237, 60},  {197, 235, 59},
    {200, 234, 58},  {203, 233, 57},  {205, 231, 56},  {208, 230, 55},
    {211, 228, 54},  {213, 227, 53},  {216, 225, 52},  {219, 223, 52},
    {221, 222, 51},  {223, 220, 50},  {226, 218, 49},  {228, 216, 48},
    {230, 214, 48},  {233, 212, 47},  {235, 210, 46},  {237, 208, 45},
    {239, 206, 45},  {241, 204, 44},  {243, 202, 43},  {244, 200, 43},
    {246, 198, 42},  {248, 196, 42},  {249, 193, 41},  {251, 191, 40},
    {252, 189, 40},  {253, 186, 39},  {255, 184, 39},  {255, 181, 38},
    {255, 179, 38},  {255, 177, 37},  {255, 174, 37},  {255, 172, 36},
    {255, 169, 36},  {255, 166, 35},  {255, 164, 35},  {255, 161, 34},
    {255, 159, 34},  {255, 156, 34},  {255, 153, 33},  {255, 151, 33},
    {255, 148, 32},  {255, 145, 32},  {255, 142, 31},  {255, 140, 31},
    {255, 137, 30},  {255, 134, 30},  {255, 131, 30},  {255, 129, 29},
    {255, 126, 29},  {255, 123, 28},  {255, 120, 28},  {255, 117, 27},
    {255, 115, 27},  {255, 112, 26},  {254, 109, 26},  {252, 106, 26},
    {251, 104, 25},  {249, 101, 25},  {248, 98, 24},   {246, 95, 24},
    {244, 92, 23},   {243, 90, 23},   {241, 87, 22},   {239, 84, 22},
    {237, 82, 21},   {235, 79, 20},   {233, 76, 20},   {230, 74, 19},
    {228, 71, 19},   {226, 69, 18},   {224, 66, 18},   {221, 64, 17},
    {219, 61, 16},   {216, 59, 16},   {214, 56, 15},   {211, 54, 15},
    {209, 52, 14},   {206, 49, 13},   {203, 47, 13},   {201, 45, 12},
    {198, 43, 11},   {196, 41, 11},   {193, 39, 10},   {190, 37, 10},
    {188, 35, 9},    {185, 33, 8},    {183, 31, 8},    {180, 29, 7},
    {177, 28, 6},    {175, 26, 6},    {172, 24, 5},    {170, 23, 4},
    {168, 22, 4},    {165, 20, 3},    {163, 19, 2},    {161, 18, 2},
    {159, 17, 1},    {157, 16, 0},    {155, 15, 0},    {154, 14, 0},
    {152, 14, 0},    {150, 13, 0},    {149, 12, 0},    {148, 12, 0},
    {147, 12, 0},    {146, 12, 0},    {145, 11, 0},    {145, 12, 0},
    {144, 12, 0},    {144, 12, 0},    {144, 12, 0},    {144, 13, 0}};

const uint8_t *sp_png_cmap_table(void)
{
    return &turbo[0][0];
}

/* ---- the writer core ---- */

struct sp_png_writer {
    sp__arena arena;
    sp__afile f;
    const char *path;
    int io_rc;     /* status of the failing write, if any */
    char msg[256]; /* libpng's error text */
    size_t n;
    uint8_t buf[OUT_BUF];
    uint8_t scratch[CMAP_MAX_WIDTH * 3];
};
typedef struct sp_png_writer writer;

int sp_png_writer_create(sp_png_writer **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    writer *w = calloc(1, sizeof *w);
    if (!w)
        return sp__fail(SP_ENOMEM, "png writer: out of memory");
    int rc = sp__arena_init(&w->arena, ARENA_INITIAL, SP__PNG_ARENA_MAX_REQUEST,
                            "libpng's memory", "png writer");
    if (rc < 0) {
        free(w);
        return rc;
    }
    *out = w;
    return SP_OK;
}

void sp_png_writer_destroy(sp_png_writer *w)
{
    if (!w)
        return;
    sp__arena_deinit(&w->arena);
    free(w);
}

uint64_t sp_png_writer_heap_allocs(const sp_png_writer *w)
{
    return w ? w->arena.heap_allocs : 0;
}

/* Produces row y of the picture: a pointer into the source, or the row
 * built in @p scratch. */
typedef const uint8_t *(*row_fn)(const void *src, uint32_t y, uint8_t *scratch);

typedef struct picture {
    uint32_t width, height;
    int color_type, depth;
    int swap16, bgr;
    int sbit; /* significant bits of 16-bit gray, 0 = all */
    row_fn row;
    const void *src;
    const char *range; /* tEXt sensorpipe:range, or NULL */
} picture;

static void on_error(png_structp png, png_const_charp msg)
{
    writer *w = png_get_error_ptr(png);
    if (w->msg[0] == '\0')
        snprintf(w->msg, sizeof w->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void write_cb(png_structp png, png_bytep data, size_t len)
{
    writer *w = png_get_io_ptr(png);
    while (len > 0) {
        if (w->n == sizeof w->buf) {
            int rc = sp__afile_write(&w->f, w->buf, w->n);
            if (rc < 0) {
                w->io_rc = rc;
                png_error(png, "write failed");
            }
            w->n = 0;
        }
        size_t take = sizeof w->buf - w->n;
        if (take > len)
            take = len;
        memcpy(w->buf + w->n, data, take);
        w->n += take;
        data += take;
        len -= take;
    }
}

static void flush_cb(png_structp png)
{
    (void)png;
}

static int host_le(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static int write_picture(writer *w, const char *path, const picture *pic)
{
    png_structp png = NULL;
    png_infop info = NULL;
    volatile int rc = SP_OK;

    w->path = path;
    w->io_rc = 0;
    w->msg[0] = '\0';
    w->n = 0;
    SP_TRY(sp__arena_reset(&w->arena, path, 0));
    SP_TRY(sp__afile_open(&w->f, path));
    png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, w, on_error,
                                    on_warning, &w->arena, sp__png_arena_malloc,
                                    sp__png_arena_free);
    if (!png) {
        rc = sp__fail(SP_ENOMEM,
                      "%s: libpng could not create its write structure", path);
        goto abort;
    }
    info = png_create_info_struct(png);
    if (!info) {
        rc = sp__fail(SP_ENOMEM,
                      "%s: libpng could not create its info structure", path);
        goto destroy;
    }
    if (setjmp(png_jmpbuf(png))) {
        /* A failing write already set the message (path and strerror). */
        if (rc == SP_OK)
            rc = w->io_rc ? w->io_rc
                          : sp__fail(SP_EIO, "%s: libpng could not write: %s",
                                     path, w->msg);
        goto destroy;
    }
    png_set_write_fn(png, w, write_cb, flush_cb);
    png_set_compression_level(png, COMPRESSION);
    png_set_IHDR(png, info, pic->width, pic->height, pic->depth,
                 pic->color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pic->sbit) {
        png_color_8 sb = {0};
        sb.gray = (png_byte)pic->sbit;
        png_set_sBIT(png, info, &sb);
    }
    if (pic->range) {
        png_text t = {0};
        t.compression = PNG_TEXT_COMPRESSION_NONE;
        t.key = (png_charp) "sensorpipe:range";
        t.text = (png_charp)pic->range;
        png_set_text(png, info, &t, 1);
    }
    png_write_info(png, info);
    if (pic->swap16)
        png_set_swap(png);
    if (pic->bgr)
        png_set_bgr(png);
    for (uint32_t y = 0; y < pic->height; y++)
        png_write_row(png, (png_const_bytep)pic->row(pic->src, y, w->scratch));
    png_write_end(png, NULL);
    if (w->n > 0) {
        int wrc = sp__afile_write(&w->f, w->buf, w->n);
        if (wrc < 0)
            rc = wrc;
    }

destroy:
    png_destroy_write_struct(&png, info ? &info : NULL);
abort:
    if (rc < 0) {
        sp__afile_abort(&w->f);
        return rc;
    }
    return sp__afile_commit(&w->f);
}

/* ---- images ---- */

static const uint8_t *image_row(const void *src, uint32_t y, uint8_t *scratch)
{
    (void)scratch;
    return sp_image_row(src, y);
}

/* A float plane to colour: any source of float values per row. */
typedef struct fplane {
    uint32_t width, height;
    const uint8_t *base;
    size_t stride; /* bytes between rows */
    int is_i32;
    float lo, scale; /* index = (v - lo) * scale */
    sp_png_empty empty;
} fplane;

static float fplane_at(const fplane *p, const uint8_t *row, uint32_t x)
{
    if (p->is_i32) {
        int32_t v;
        memcpy(&v, row + (size_t)x * 4, 4);
        return (float)v;
    }
    float v;
    memcpy(&v, row + (size_t)x * 4, 4);
    return v;
}

static int is_empty(const fplane *p, float v)
{
    switch (p->empty) {
    case SP_PNG_EMPTY_NAN:
        return isnan(v);
    case SP_PNG_EMPTY_NEGATIVE:
        return isnan(v) || v < 0.0f;
    default:
        return isnan(v) || v == -1.0f;
    }
}

static const uint8_t *cmap_row(const void *src, uint32_t y, uint8_t *scratch)
{
    const fplane *p = src;
    const uint8_t *row = p->base + (size_t)y * p->stride;
    uint8_t *o = scratch;
    for (uint32_t x = 0; x < p->width; x++, o += 3) {
        float v = fplane_at(p, row, x);
        if (is_empty(p, v)) {
            o[0] = o[1] = o[2] = 0;
            continue;
        }
        float t = (v - p->lo) * p->scale;
        int i = t <= 0.0f ? 0 : t >= 255.0f ? 255 : (int)(t + 0.5f);
        o[0] = turbo[i][0];
        o[1] = turbo[i][1];
        o[2] = turbo[i][2];
    }
    return scratch;
}

/* Fix the plane's value range (given or from the data) and write it. */
static int write_cmap(writer *w, const char *path, fplane *p,
                      const sp_png_cmap *cmap)
{
    if (p->width > CMAP_MAX_WIDTH)
        return sp__fail(
            SP_EUNSUPPORTED,
            "%s: colour-mapped pictures are limited to %u pixels wide, got %u",
            path, CMAP_MAX_WIDTH, p->width);
    sp_png_cmap c = cmap ? *cmap : (sp_png_cmap){0};
    p->empty = c.empty;
    float lo = c.lo, hi = c.hi;
    if (!(lo < hi)) {
        /* automatic: the finite, non-empty values' extent */
        lo = INFINITY;
        hi = -INFINITY;
        for (uint32_t y = 0; y < p->height; y++) {
            const uint8_t *row = p->base + (size_t)y * p->stride;
            for (uint32_t x = 0; x < p->width; x++) {
                float v = fplane_at(p, row, x);
                if (is_empty(p, v) || isinf(v))
                    continue;
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
        if (lo > hi)
            lo = hi = 0.0f; /* nothing but empty pixels */
    }
    p->lo = lo;
    p->scale = hi > lo ? 255.0f / (hi - lo) : 0.0f;
    char range[64];
    snprintf(range, sizeof range, "%.9g %.9g", (double)lo, (double)hi);
    picture pic = {.width = p->width,
                   .height = p->height,
                   .color_type = PNG_COLOR_TYPE_RGB,
                   .depth = 8,
                   .row = cmap_row,
                   .src = p,
                   .range = range};
    return write_picture(w, path, &pic);
}

int sp_png_writer_image(sp_png_writer *w, const char *path, const sp_image *img,
                        const sp_png_cmap *cmap)
{
    SP_GUARD(w != NULL);
    SP_GUARD(path != NULL);
    SP_GUARD(img != NULL);
    size_t row = sp_image_row_bytes(img->width, img->format);
    if (!img->data || row == 0 || img->height == 0 || img->stride < row ||
        img->width > SP_PNG_MAX_DIM || img->height > SP_PNG_MAX_DIM)
        return sp__fail(
            SP_EINVAL, "%s: invalid image %ux%u %s stride %zu", path,
            img->width, img->height,
            sp_pixfmt_name(img->format) ? sp_pixfmt_name(img->format) : "?",
            img->stride);
    picture pic = {.width = img->width,
                   .height = img->height,
                   .depth = 8,
                   .row = image_row,
                   .src = img};
    switch (img->format) {
    case SP_PIX_GRAY8:
    case SP_PIX_BAYER_RGGB8:
    case SP_PIX_BAYER_BGGR8:
    case SP_PIX_BAYER_GRBG8:
    case SP_PIX_BAYER_GBRG8:
        pic.color_type = PNG_COLOR_TYPE_GRAY;
        break;
    case SP_PIX_GRAY16:
    case SP_PIX_BAYER_RGGB16:
    case SP_PIX_BAYER_BGGR16:
    case SP_PIX_BAYER_GRBG16:
    case SP_PIX_BAYER_GBRG16:
        pic.color_type = PNG_COLOR_TYPE_GRAY;
        pic.depth = 16;
        pic.swap16 = host_le();
        pic.sbit =
            img->bit_depth > 0 && img->bit_depth < 16 ? img->bit_depth : 0;
        break;
    case SP_PIX_RGB8:
        pic.color_type = PNG_COLOR_TYPE_RGB;
        break;
    case SP_PIX_BGR8:
        pic.color_type = PNG_COLOR_TYPE_RGB;
        pic.bgr = 1;
        break;
    case SP_PIX_RGBA8:
        pic.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
        break;
    case SP_PIX_BGRA8:
        pic.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
        pic.bgr = 1;
        break;
    case SP_PIX_RGB16:
        pic.color_type = PNG_COLOR_TYPE_RGB;
        pic.depth = 16;
        pic.swap16 = host_le();
        break;
    case SP_PIX_F32: {
        fplane p = {.width = img->width,
                    .height = img->height,
                    .base = img->data,
                    .stride = img->stride};
        return write_cmap(w, path, &p, cmap);
    }
    default:
        return sp__fail(SP_EUNSUPPORTED,
                        "%s: cannot write %s as PNG, expected gray, Bayer, "
                        "RGB, BGR, RGBA or f32 (convert first)",
                        path, sp_pixfmt_name(img->format));
    }
    return write_picture(w, path, &pic);
}

/* ---- tensors ---- */

typedef struct tplane {
    const uint8_t *base;
    size_t row_bytes;
} tplane;

static const uint8_t *tensor_row(const void *src, uint32_t y, uint8_t *scratch)
{
    (void)scratch;
    const tplane *p = src;
    return p->base + (size_t)y * p->row_bytes;
}

size_t sp_png_plane_count(const sp_tensor *t)
{
    if (!t || sp_dtype_size(t->dtype) == 0)
        return 0;
    switch (t->ndim) {
    case 2:
        return t->shape[0] && t->shape[1] ? 1 : 0;
    case 3:
        return t->shape[1] && t->shape[2] ? t->shape[0] : 0;
    case 4:
        return t->shape[0] == 1 && t->shape[2] && t->shape[3] ? t->shape[1] : 0;
    default:
        return 0;
    }
}

int sp_png_writer_plane(sp_png_writer *w, const char *path, const sp_tensor *t,
                        size_t channel, const sp_png_cmap *cmap)
{
    SP_GUARD(w != NULL);
    SP_GUARD(path != NULL);
    SP_GUARD(t != NULL);
    size_t planes = sp_png_plane_count(t);
    if (planes == 0 || !t->data)
        return sp__fail(
            SP_EINVAL,
            "%s: cannot write a tensor of %d dimensions as pictures, "
            "expected (H, W), (C, H, W) or (1, C, H, W) with data",
            path, t->ndim);
    if (channel >= planes)
        return sp__fail(SP_EINVAL, "%s: plane %zu asked of a tensor with %zu",
                        path, channel, planes);
    size_t h = t->shape[t->ndim - 2], cols = t->shape[t->ndim - 1];
    if (cols > SP_PNG_MAX_DIM || h > SP_PNG_MAX_DIM)
        return sp__fail(SP_EINVAL,
                        "%s: plane %zux%zu is larger than %u pixels a side",
                        path, cols, h, SP_PNG_MAX_DIM);
    size_t esize = sp_dtype_size(t->dtype);
    const uint8_t *base = (const uint8_t *)t->data + channel * h * cols * esize;
    if (t->dtype == SP_DTYPE_F32 || t->dtype == SP_DTYPE_I32) {
        fplane p = {.width = (uint32_t)cols,
                    .height = (uint32_t)h,
                    .base = base,
                    .stride = cols * esize,
                    .is_i32 = t->dtype == SP_DTYPE_I32};
        return write_cmap(w, path, &p, cmap);
    }
    tplane tp = {.base = base, .row_bytes = cols * esize};
    picture pic = {.width = (uint32_t)cols,
                   .height = (uint32_t)h,
                   .color_type = PNG_COLOR_TYPE_GRAY,
                   .depth = esize == 2 ? 16 : 8,
                   .swap16 = esize == 2 && host_le(),
                   .row = tensor_row,
                   .src = &tp};
    return write_picture(w, path, &pic);
}

/* ---- one-shot conveniences ---- */

int sp_png_write_image(const char *path, const sp_image *img,
                       const sp_png_cmap *cmap)
{
    sp_png_writer *w = NULL;
    SP_TRY(sp_png_writer_create(&w));
    int rc = sp_png_writer_image(w, path, img, cmap);
    sp_png_writer_destroy(w);
    return rc;
}

int sp_png_write_plane(const char *path, const sp_tensor *t, size_t channel,
                       const sp_png_cmap *cmap)
{
    sp_png_writer *w = NULL;
    SP_TRY(sp_png_writer_create(&w));
    int rc = sp_png_writer_plane(w, path, t, channel, cmap);
    sp_png_writer_destroy(w);
    return rc;
}
