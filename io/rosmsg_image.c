/* sensor_msgs/Image and sensor_msgs/CompressedImage (see sp_rosmsg.h).
 *
 * Raw images are copied row by row into the caller's image, which drops
 * the message's row padding and swaps 16- and 32-bit samples of a
 * big-endian message. Compressed images are recognised by their first
 * bytes, not by the format string (drivers write "jpeg", "jpg", "rgb8;
 * jpeg compressed bgr8", ...): JPEG goes through libjpeg-turbo straight
 * into the caller's rows at the caller's stride (io/jpeg_dec.c, its memory
 * from the decoder's arenas), PNG through the project's PNG reader
 * (sp_png_read_mem). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "jpeg_int.h"
#include "rosmsg_cursor_int.h"
#include "sp_png.h"
#include "sp_poolmgr.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG 1
#else
#define HOST_BIG 0
#endif

/* ---- Image ---- */

static const struct {
    const char *name;
    sp_pixfmt fmt;
} encodings[] = {
    {"mono8", SP_PIX_GRAY8},
    {"8UC1", SP_PIX_GRAY8},
    {"mono16", SP_PIX_GRAY16},
    {"16UC1", SP_PIX_GRAY16},
    {"rgb8", SP_PIX_RGB8},
    {"bgr8", SP_PIX_BGR8},
    /* OpenCV's convention: three 8-bit channels are BGR (cv_bridge turns
     * 8UC3 into bgr8 without conversion), four are BGRA. */
    {"8UC3", SP_PIX_BGR8},
    {"rgba8", SP_PIX_RGBA8},
    {"bgra8", SP_PIX_BGRA8},
    {"8UC4", SP_PIX_BGRA8},
    {"rgb16", SP_PIX_RGB16},
    {"bayer_rggb8", SP_PIX_BAYER_RGGB8},
    {"bayer_bggr8", SP_PIX_BAYER_BGGR8},
    {"bayer_gbrg8", SP_PIX_BAYER_GBRG8},
    {"bayer_grbg8", SP_PIX_BAYER_GRBG8},
    {"bayer_rggb16", SP_PIX_BAYER_RGGB16},
    {"bayer_bggr16", SP_PIX_BAYER_BGGR16},
    {"bayer_gbrg16", SP_PIX_BAYER_GBRG16},
    {"bayer_grbg16", SP_PIX_BAYER_GRBG16},
    /* ROS's "yuv422" is UYVY byte order; "yuv422_yuy2" is YUYV. */
    {"yuv422", SP_PIX_UYVY},
    {"uyvy", SP_PIX_UYVY},
    {"yuv422_yuy2", SP_PIX_YUYV},
    {"yuyv", SP_PIX_YUYV},
    {"32FC1", SP_PIX_F32},
};

int sp_rosmsg_image_format(const char *encoding, sp_pixfmt *out)
{
    SP_GUARD(encoding != NULL && out != NULL);
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
        if (!strcasecmp(encoding, encodings[i].name)) {
            *out = encodings[i].fmt;
            return SP_OK;
        }
    }
    return sp__fail(SP_EUNSUPPORTED,
                    "Image.encoding '%.32s' is not decoded, expected mono8, "
                    "8UC1, mono16, 16UC1, rgb8, bgr8, 8UC3, rgba8, bgra8, "
                    "8UC4, rgb16, bayer_{rggb,bggr,gbrg,grbg}{8,16}, yuv422 "
                    "(uyvy), yuv422_yuy2 (yuyv) or 32FC1",
                    encoding);
}

int sp_rosmsg_image_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                          sp_rosimg_msg *out)
{
    SP_GUARD(out != NULL && (buf != NULL || n == 0));
    memset(out, 0, sizeof *out);
    sp__rcur c;
    uint8_t b;
    uint32_t nd;
    SP_TRY(sp__rcur_init(&c, buf, n, enc, "Image"));
    SP_TRY(sp__rcur_header(&c, &out->header));
    SP_TRY(sp__rcur_u32(&c, &out->height, "height"));
    SP_TRY(sp__rcur_u32(&c, &out->width, "width"));
    SP_TRY(sp__rcur_string_into(&c, out->encoding, sizeof out->encoding, NULL,
                                "encoding"));
    SP_TRY(sp__rcur_u8(&c, &b, "is_bigendian"));
    out->is_bigendian = b != 0;
    SP_TRY(sp__rcur_u32(&c, &out->step, "step"));
    SP_TRY(sp__rcur_seq(&c, &nd, 1, &out->data, "data"));
    out->data_size = nd;

    sp_pixfmt fmt;
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
        if (strcasecmp(out->encoding, encodings[i].name))
            continue;
        fmt = encodings[i].fmt;
        uint64_t row = (uint64_t)out->width * sp_pixfmt_bytes_per_pixel(fmt);
        if (out->step < row)
            return sp__fail(SP_EFORMAT,
                            "Image: step %u, but %u pixels of %s need %llu "
                            "bytes",
                            out->step, out->width, out->encoding,
                            (unsigned long long)row);
        break;
    }
    uint64_t all = (uint64_t)out->step * out->height;
    if (all > out->data_size)
        return sp__fail(SP_EFORMAT,
                        "Image: step %u x height %u is %llu bytes, but data "
                        "holds %zu",
                        out->step, out->height, (unsigned long long)all,
                        out->data_size);
    return SP_OK;
}

static void copy_row_swapped(uint8_t *dst, const uint8_t *src, size_t bytes,
                             size_t sample)
{
    if (sample == 2) {
        for (size_t i = 0; i + 2 <= bytes; i += 2) {
            uint16_t v;
            memcpy(&v, src + i, 2);
            v = sp__bswap16(v);
            memcpy(dst + i, &v, 2);
        }
    } else {
        for (size_t i = 0; i + 4 <= bytes; i += 4) {
            uint32_t v;
            memcpy(&v, src + i, 4);
            v = sp__bswap32(v);
            memcpy(dst + i, &v, 4);
        }
    }
}

int sp_rosmsg_image_copy(const sp_rosimg_msg *m, sp_image *dst)
{
    SP_GUARD(m != NULL && dst != NULL && dst->data != NULL);
    sp_pixfmt fmt;
    SP_TRY(sp_rosmsg_image_format(m->encoding, &fmt));
    size_t row = sp_image_row_bytes(m->width, fmt);
    if (dst->width != m->width || dst->height != m->height ||
        dst->format != fmt || dst->stride < row)
        return sp__fail(
            SP_EINVAL,
            "Image: the destination is %ux%u %s with stride %zu, "
            "expected %ux%u %s (%s) with stride >= %zu",
            dst->width, dst->height,
            sp_pixfmt_name(dst->format) ? sp_pixfmt_name(dst->format) : "?",
            dst->stride, m->width, m->height, sp_pixfmt_name(fmt), m->encoding,
            row);
    if (m->height == 0 || row == 0)
        return SP_OK;
    /* Checked again here because @p m may not come from the parser. */
    if (m->step < row || !m->data ||
        (uint64_t)m->step * (m->height - 1) + row > m->data_size)
        return sp__fail(SP_EFORMAT,
                        "Image: %u rows of step %u (%zu bytes of pixels), but "
                        "data holds %zu",
                        m->height, m->step, row, m->data_size);
    size_t sample = 0;
    if (m->is_bigendian != HOST_BIG) {
        if (fmt == SP_PIX_F32)
            sample = 4;
        else if (fmt == SP_PIX_GRAY16 || fmt == SP_PIX_RGB16 ||
                 (sp_pixfmt_is_bayer(fmt) &&
                  sp_pixfmt_bytes_per_pixel(fmt) == 2))
            sample = 2;
    }
    for (uint32_t y = 0; y < m->height; y++) {
        const uint8_t *s = m->data + (size_t)y * m->step;
        if (sample)
            copy_row_swapped(sp_image_row(dst, y), s, row, sample);
        else
            memcpy(sp_image_row(dst, y), s, row);
    }
    return SP_OK;
}

/* ---- CompressedImage ---- */

int sp_rosmsg_cimage_parse(const uint8_t *buf, size_t n, sp_rosmsg_enc enc,
                           sp_roscimg_msg *out)
{
    SP_GUARD(out != NULL && (buf != NULL || n == 0));
    memset(out, 0, sizeof *out);
    sp__rcur c;
    uint32_t nd;
    SP_TRY(sp__rcur_init(&c, buf, n, enc, "CompressedImage"));
    SP_TRY(sp__rcur_header(&c, &out->header));
    SP_TRY(sp__rcur_string_into(&c, out->format, sizeof out->format, NULL,
                                "format"));
    SP_TRY(sp__rcur_seq(&c, &nd, 1, &out->data, "data"));
    out->data_size = nd;
    return SP_OK;
}

struct sp_rosmsg_decoder {
    sp__jpeg_dec *jpeg; /* made at the first JPEG: a log of clouds only
                         * never holds libjpeg's arenas */
    sp_png_reader *png;
    sp_poolmgr *mgr; /* borrowed; NULL: nothing is charged */
};

int sp_rosmsg_decoder_create(sp_rosmsg_decoder **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    sp_rosmsg_decoder *d = calloc(1, sizeof *d);
    if (!d)
        return sp__fail(SP_ENOMEM, "image decoder: out of memory");
    int rc = sp_png_reader_create(&d->png);
    if (rc < 0) {
        free(d);
        return rc;
    }
    *out = d;
    return SP_OK;
}

void sp_rosmsg_decoder_destroy(sp_rosmsg_decoder *d)
{
    if (!d)
        return;
    sp_png_reader_destroy(d->png);
    sp__jpeg_dec_destroy(d->jpeg);
    free(d);
}

int sp_rosmsg_decoder_set_poolmgr(sp_rosmsg_decoder *d, sp_poolmgr *mgr)
{
    SP_GUARD(d != NULL);
    if (d->jpeg)
        SP_TRY(sp__jpeg_dec_set_poolmgr(d->jpeg, mgr));
    int rc = sp_png_reader_set_poolmgr(d->png, mgr);
    if (rc < 0) {
        /* back to where it was (see sp__jpeg_dec_set_poolmgr) */
        if (d->jpeg)
            (void)sp__jpeg_dec_set_poolmgr(d->jpeg, d->mgr);
        return rc;
    }
    d->mgr = mgr;
    return SP_OK;
}

/* The JPEG decoder, made (and charged) at the first JPEG. */
static int need_jpeg(sp_rosmsg_decoder *d)
{
    if (d->jpeg)
        return SP_OK;
    SP_TRY(sp__jpeg_dec_create(&d->jpeg));
    int rc = sp__jpeg_dec_set_poolmgr(d->jpeg, d->mgr);
    if (rc < 0) {
        sp__jpeg_dec_destroy(d->jpeg);
        d->jpeg = NULL;
    }
    return rc;
}

typedef enum { PAYLOAD_JPEG, PAYLOAD_PNG } payload_kind;

static int payload_kind_of(const sp_roscimg_msg *m, payload_kind *k)
{
    static const uint8_t png_sig[8] = {0x89, 'P',  'N',  'G',
                                       '\r', '\n', 0x1a, '\n'};
    const uint8_t *p = m->data;
    if (p && m->data_size >= 3 && p[0] == 0xFF && p[1] == 0xD8 &&
        p[2] == 0xFF) {
        *k = PAYLOAD_JPEG;
        return SP_OK;
    }
    if (p && m->data_size >= 8 && !memcmp(p, png_sig, 8)) {
        *k = PAYLOAD_PNG;
        return SP_OK;
    }
    uint8_t head[4] = {0};
    memcpy(head, p ? p : head, m->data_size < 4 ? m->data_size : 4);
    return sp__fail(SP_EFORMAT,
                    "CompressedImage (format '%s'): %zu bytes of data "
                    "starting %02x %02x %02x %02x, expected JPEG (ff d8 ff) "
                    "or PNG (89 50 4e 47)",
                    m->format, m->data_size, head[0], head[1], head[2],
                    head[3]);
}

/* What libjpeg may allocate to decode a w x h image, the size the arena
 * grows to first: a progressive one keeps every coefficient of the image
 * (64 int16 per 8x8 block and component, sized here without subsampling:
 * an upper bound), a sequential one a few MCU rows; both add row buffers
 * for upsampling and colour conversion and a fixed part for tables. (Were
 * it short, the arena's heap overflow serves the rest, charged, and the
 * arena grows to it for the next image.) */
static uint64_t jpeg_work_bytes(const sp__jpeg_info *ji)
{
    uint64_t comps = ji->kind == SP__JPEG_GRAY ? 1 : 3;
    uint64_t w16 = ((uint64_t)ji->width + 15) / 16 * 16;
    uint64_t h16 = ((uint64_t)ji->height + 15) / 16 * 16;
    uint64_t rows = w16 * comps * 16 * 4; /* MCU rows, upsampling, colour */
    uint64_t coefs = ji->progressive ? w16 * h16 * comps * 2 : 0;
    return (64u << 10) + rows + coefs;
}

/* The header, or the error naming what is wrong with it. */
static int jpeg_info(sp_rosmsg_decoder *d, const sp_roscimg_msg *m,
                     sp__jpeg_info *out)
{
    SP_TRY(need_jpeg(d));
    sp__jpeg_info ji;
    int rc = sp__jpeg_dec_info(d->jpeg, m->data, m->data_size, &ji);
    if (rc == SP_EFORMAT)
        return sp__fail(SP_EFORMAT,
                        "CompressedImage (format '%s'): JPEG header of %zu "
                        "bytes: %s, expected a baseline or progressive JPEG",
                        m->format, m->data_size, sp__jpeg_dec_message(d->jpeg));
    if (rc < 0)
        return rc;
    if (ji.width == 0 || ji.height == 0)
        return sp__fail(SP_EFORMAT,
                        "CompressedImage (format '%s'): JPEG header of %zu "
                        "bytes has no frame (tables only, or cut short), "
                        "expected a baseline or progressive JPEG",
                        m->format, m->data_size);
    if (ji.kind == SP__JPEG_CMYK || ji.kind == SP__JPEG_YCCK)
        return sp__fail(SP_EUNSUPPORTED,
                        "CompressedImage (format '%s'): a %s JPEG, expected "
                        "grayscale or colour (YCbCr, RGB)",
                        m->format, ji.kind == SP__JPEG_CMYK ? "CMYK" : "YCCK");
    if (ji.kind == SP__JPEG_OTHER)
        return sp__fail(SP_EUNSUPPORTED,
                        "CompressedImage (format '%s'): a JPEG of %d "
                        "components in no known colour space, expected "
                        "grayscale or colour (YCbCr, RGB)",
                        m->format, ji.components);
    *out = ji;
    return SP_OK;
}

static sp_pixfmt jpeg_format(const sp__jpeg_info *ji)
{
    return ji->kind == SP__JPEG_GRAY ? SP_PIX_GRAY8 : SP_PIX_RGB8;
}

int sp_rosmsg_cimage_info(sp_rosmsg_decoder *d, const sp_roscimg_msg *m,
                          uint32_t *width, uint32_t *height, sp_pixfmt *fmt)
{
    SP_GUARD(d != NULL && m != NULL && width && height && fmt);
    payload_kind k;
    SP_TRY(payload_kind_of(m, &k));
    if (k == PAYLOAD_JPEG) {
        sp__jpeg_info ji;
        SP_TRY(jpeg_info(d, m, &ji));
        *width = ji.width;
        *height = ji.height;
        *fmt = jpeg_format(&ji);
        return SP_OK;
    }
    sp_png_info pi;
    SP_TRY(sp_png_probe_mem(d->png, m->data, m->data_size,
                            "CompressedImage PNG", &pi));
    *width = pi.width;
    *height = pi.height;
    *fmt = pi.format;
    return SP_OK;
}

int sp_rosmsg_cimage_decode(sp_rosmsg_decoder *d, const sp_roscimg_msg *m,
                            sp_image *dst)
{
    SP_GUARD(d != NULL && m != NULL && dst != NULL && dst->data != NULL);
    payload_kind k;
    SP_TRY(payload_kind_of(m, &k));
    if (k == PAYLOAD_PNG)
        return sp_png_read_mem(d->png, m->data, m->data_size,
                               "CompressedImage PNG", dst, NULL);
    sp__jpeg_info ji;
    SP_TRY(jpeg_info(d, m, &ji));
    uint32_t w = ji.width, h = ji.height;
    sp_pixfmt fmt = jpeg_format(&ji);
    size_t row = sp_image_row_bytes(w, fmt);
    if (dst->width != w || dst->height != h || dst->format != fmt ||
        dst->stride < row || dst->stride > (size_t)0x7fffffff)
        return sp__fail(
            SP_EINVAL,
            "CompressedImage: the destination is %ux%u %s with "
            "stride %zu, but the JPEG decodes to %ux%u %s",
            dst->width, dst->height,
            sp_pixfmt_name(dst->format) ? sp_pixfmt_name(dst->format) : "?",
            dst->stride, w, h, sp_pixfmt_name(fmt));
    /* libjpeg's working memory comes from the decoder's arena, grown
     * first (and charged) to what this image can take, so a budget
     * refusal comes before libjpeg starts and names the image. */
    uint64_t work = jpeg_work_bytes(&ji);
    char what[160];
    snprintf(what, sizeof what, "CompressedImage (format '%s'): %ux%u %s JPEG",
             m->format, w, h, ji.progressive ? "progressive" : "sequential");
    /* Warnings (a truncated scan, extraneous bytes before a marker) leave
     * an image that libjpeg-turbo completed as best it could; they are not
     * failures, as in libjpeg-turbo's own djpeg and OpenCV's imdecode.
     * Only errors fail. */
    int rc = sp__jpeg_dec_decode(
        d->jpeg, m->data, m->data_size, fmt == SP_PIX_GRAY8, dst->data,
        dst->stride, w, h, work > SIZE_MAX ? SIZE_MAX : (size_t)work, what);
    if (rc == SP_EFORMAT)
        return sp__fail(SP_EFORMAT,
                        "CompressedImage (format '%s'): JPEG data of %zu "
                        "bytes: %s, expected a decodable JPEG",
                        m->format, m->data_size, sp__jpeg_dec_message(d->jpeg));
    return rc;
}
