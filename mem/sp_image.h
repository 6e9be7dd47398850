/* sensorpipe: a strided image carved from one block.
 *
 * `stride` is the distance in bytes between row starts (>= the row's bytes;
 * by default rounded up to 64 so every row is aligned). Planar formats (NV12)
 * keep their planes one after the other with the same stride: the UV plane
 * starts at data + stride * height. The struct borrows its memory. */
#ifndef SP_IMAGE_H
#define SP_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(enum, name, bytes per pixel (0 = planar, see below), channels) */
#define SP_PIXFMT_LIST(X)                                                      \
    X(SP_PIX_GRAY8, "gray8", 1, 1)                                             \
    X(SP_PIX_GRAY16, "gray16", 2, 1)                                           \
    X(SP_PIX_BAYER_RGGB8, "bayer_rggb8", 1, 1)                                 \
    X(SP_PIX_BAYER_BGGR8, "bayer_bggr8", 1, 1)                                 \
    X(SP_PIX_BAYER_GRBG8, "bayer_grbg8", 1, 1)                                 \
    X(SP_PIX_BAYER_GBRG8, "bayer_gbrg8", 1, 1)                                 \
    X(SP_PIX_BAYER_RGGB16, "bayer_rggb16", 2, 1)                               \
    X(SP_PIX_BAYER_BGGR16, "bayer_bggr16", 2, 1)                               \
    X(SP_PIX_BAYER_GRBG16, "bayer_grbg16", 2, 1)                               \
    X(SP_PIX_BAYER_GBRG16, "bayer_gbrg16", 2, 1)                               \
    X(SP_PIX_RGB8, "rgb8", 3, 3)                                               \
    X(SP_PIX_BGR8, "bgr8", 3, 3)                                               \
    X(SP_PIX_RGBA8, "rgba8", 4, 4)                                             \
    X(SP_PIX_RGB16, "rgb16", 6, 3)                                             \
    X(SP_PIX_NV12, "nv12", 1, 3)                                               \
    X(SP_PIX_YUYV, "yuyv", 2, 3)                                               \
    X(SP_PIX_F32, "f32", 4, 1)                                                 \
    X(SP_PIX_BGRA8, "bgra8", 4, 4)                                             \
    X(SP_PIX_UYVY, "uyvy", 2, 3)

typedef enum sp_pixfmt {
#define SP__PIXFMT_ENUM(e, name, bpp, ch) e,
    SP_PIXFMT_LIST(SP__PIXFMT_ENUM)
#undef SP__PIXFMT_ENUM
        SP_PIX_COUNT
} sp_pixfmt;

typedef struct sp_image {
    uint8_t *data;
    uint32_t width, height;
    size_t stride; /**< bytes between row starts */
    sp_pixfmt format;
    uint8_t bit_depth; /**< significant bits of 16-bit formats; 0 = all */
} sp_image;

/** "rgb8", ... ; NULL for an unknown value. */
const char *sp_pixfmt_name(sp_pixfmt fmt);

/** Parse a name as sp_pixfmt_name() writes it (case-insensitive). Returns
 *  SP_ENOTFOUND for an unknown name, with the valid names in the message. */
int sp_pixfmt_from_name(const char *name, sp_pixfmt *out);

/** Bytes per pixel of a packed format; for NV12, 1 (the luma plane). */
size_t sp_pixfmt_bytes_per_pixel(sp_pixfmt fmt);

/** Channels per pixel once decoded (gray 1, Bayer 1, RGB 3, RGBA 4, NV12 and
 *  YUYV 3). */
unsigned sp_pixfmt_channels(sp_pixfmt fmt);

/** 1 for the eight Bayer formats. */
int sp_pixfmt_is_bayer(sp_pixfmt fmt);

/** Bytes of one row's pixels (no padding). 0 for invalid input. */
size_t sp_image_row_bytes(uint32_t width, sp_pixfmt fmt);

/** The default stride: row bytes rounded up to 64. */
size_t sp_image_default_stride(uint32_t width, sp_pixfmt fmt);

/** Bytes a block needs for the image; @p stride 0 = default. 0 if the stride
 *  is smaller than a row, the size overflows, or the format needs even
 *  dimensions (NV12: width and height; YUYV: width) that it does not get. */
size_t sp_image_block_size(uint32_t width, uint32_t height, sp_pixfmt fmt,
                           size_t stride);

/** Lay out @p img over @p mem. @p stride 0 = default. SP_EINVAL (with the
 *  sizes in the message) when mem is too small or the shape invalid. */
int sp_image_init(sp_image *img, void *mem, size_t mem_size, uint32_t width,
                  uint32_t height, sp_pixfmt fmt, size_t stride);

/** Pointer to row @p y of the first plane. */
static inline uint8_t *sp_image_row(const sp_image *img, uint32_t y)
{
    return img->data + (size_t)y * img->stride;
}

#ifdef __cplusplus
}
#endif
#endif
