/* Images: strided pixel rows carved from one block, and the pixel-format
 * table generated from SP_PIXFMT_LIST.
 *
 * Besides the header's rules, a stride must be a multiple of the format's
 * sample size (2 for 16-bit formats, 4 for f32) so every row of 16/32-bit
 * samples stays naturally aligned for the kernels. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "error_int.h"
#include "sp_image.h"

typedef struct fmt_info {
    const char *name;
    unsigned bpp;
    unsigned channels;
} fmt_info;

static const fmt_info formats[SP_PIX_COUNT] = {
#define SP__PIXFMT_INFO(e, name, bpp, ch) [e] = {name, bpp, ch},
    SP_PIXFMT_LIST(SP__PIXFMT_INFO)
#undef SP__PIXFMT_INFO
};

static int valid(sp_pixfmt fmt)
{
    return (unsigned)fmt < SP_PIX_COUNT;
}

const char *sp_pixfmt_name(sp_pixfmt fmt)
{
    return valid(fmt) ? formats[fmt].name : NULL;
}

int sp_pixfmt_from_name(const char *name, sp_pixfmt *out)
{
    SP_GUARD(name);
    SP_GUARD(out);
    for (int i = 0; i < SP_PIX_COUNT; i++) {
        if (strcasecmp(name, formats[i].name) == 0) {
            *out = (sp_pixfmt)i;
            return SP_OK;
        }
    }
    char list[256];
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < SP_PIX_COUNT && len < sizeof list; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                         formats[i].name);
        if (w > 0)
            len += (size_t)w;
    }
    return sp__fail(SP_ENOTFOUND,
                    "pixel format '%.64s': unknown, expected one of %s", name,
                    list);
}

size_t sp_pixfmt_bytes_per_pixel(sp_pixfmt fmt)
{
    return valid(fmt) ? formats[fmt].bpp : 0;
}

unsigned sp_pixfmt_channels(sp_pixfmt fmt)
{
    return valid(fmt) ? formats[fmt].channels : 0;
}

int sp_pixfmt_is_bayer(sp_pixfmt fmt)
{
    return fmt >= SP_PIX_BAYER_RGGB8 && fmt <= SP_PIX_BAYER_GBRG16;
}

/* Bytes of one sample: what rows and strides must stay aligned to. */
static size_t sample_bytes(sp_pixfmt fmt)
{
    switch (fmt) {
    case SP_PIX_GRAY16:
    case SP_PIX_BAYER_RGGB16:
    case SP_PIX_BAYER_BGGR16:
    case SP_PIX_BAYER_GRBG16:
    case SP_PIX_BAYER_GBRG16:
    case SP_PIX_RGB16:
        return 2;
    case SP_PIX_F32:
        return 4;
    default:
        return 1;
    }
}

size_t sp_image_row_bytes(uint32_t width, sp_pixfmt fmt)
{
    if (!valid(fmt) || width == 0)
        return 0;
    /* width <= 2^32 and bpp <= 6: no overflow in size_t (64-bit). NV12's
     * luma row and its interleaved chroma row are both `width` bytes. */
    return (size_t)width * formats[fmt].bpp;
}

size_t sp_image_default_stride(uint32_t width, sp_pixfmt fmt)
{
    size_t row = sp_image_row_bytes(width, fmt);
    return (row + 63) & ~(size_t)63;
}

/* Why a shape is invalid, or NULL; *need gets the block size when valid. */
static const char *check_shape(uint32_t width, uint32_t height, sp_pixfmt fmt,
                               size_t *stride, size_t *need)
{
    *need = 0;
    if (!valid(fmt))
        return "unknown pixel format";
    if (width == 0 || height == 0)
        return "width and height must be > 0";
    if (fmt == SP_PIX_NV12 && ((width | height) & 1))
        return "nv12 needs an even width and height";
    if ((fmt == SP_PIX_YUYV || fmt == SP_PIX_UYVY) && (width & 1))
        return "yuyv and uyvy need an even width";
    size_t row = sp_image_row_bytes(width, fmt);
    if (*stride == 0)
        *stride = sp_image_default_stride(width, fmt);
    if (*stride < row)
        return "stride is smaller than a row";
    if (*stride % sample_bytes(fmt))
        return "stride is not a multiple of the sample size";
    size_t rows = height;
    if (fmt == SP_PIX_NV12)
        rows += height / 2; /* interleaved UV plane, half the rows */
    if (rows > SIZE_MAX / *stride)
        return "size overflows";
    *need = rows * *stride;
    return NULL;
}

size_t sp_image_block_size(uint32_t width, uint32_t height, sp_pixfmt fmt,
                           size_t stride)
{
    size_t need;
    return check_shape(width, height, fmt, &stride, &need) ? 0 : need;
}

int sp_image_init(sp_image *img, void *mem, size_t mem_size, uint32_t width,
                  uint32_t height, sp_pixfmt fmt, size_t stride)
{
    SP_GUARD(img);
    memset(img, 0, sizeof *img);
    size_t need;
    size_t asked = stride;
    const char *why = check_shape(width, height, fmt, &stride, &need);
    if (why)
        return sp__fail(SP_EINVAL, "image %ux%u %s stride %zu: %s", width,
                        height, valid(fmt) ? formats[fmt].name : "?", asked,
                        why);
    if (!mem)
        return sp__fail(SP_EINVAL, "image %ux%u %s: no memory", width, height,
                        formats[fmt].name);
    if ((uintptr_t)mem % sample_bytes(fmt))
        return sp__fail(
            SP_EINVAL, "image %ux%u %s: memory at %p is not %zu-byte aligned",
            width, height, formats[fmt].name, mem, sample_bytes(fmt));
    if (mem_size < need)
        return sp__fail(SP_EINVAL,
                        "image %ux%u %s stride %zu: needs %zu bytes, block "
                        "has %zu",
                        width, height, formats[fmt].name, stride, need,
                        mem_size);
    img->data = mem;
    img->width = width;
    img->height = height;
    img->stride = stride;
    img->format = fmt;
    img->bit_depth = 0;
    return SP_OK;
}
