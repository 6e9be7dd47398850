/* The direct PNG decode path (see png_fast_int.h). */
#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifndef SP_HAVE_ISAL
#define SP_HAVE_ISAL 0 /* CMake defines it (SP_WITH_ISAL) */
#endif
#if SP_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "error_int.h"
#include "log_int.h" /* sp__crc32 */
#include "png_fast_int.h"

/* Files larger than this (compressed bytes plus filtered rows) stream
 * through libpng instead of being staged whole. */
#define FAST_MAX_STAGE ((uint64_t)1 << 30)
#define HEAD_BYTES 33 /* signature + IHDR chunk */

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

int sp__png_fast_init(sp__png_fast *f)
{
    memset(f, 0, sizeof *f);
    f->inflater = libdeflate_alloc_decompressor();
    if (!f->inflater)
        return sp__fail(SP_ENOMEM, "png reader: out of memory for libdeflate");
#if SP_HAVE_ISAL
    f->isal = malloc(sizeof(struct inflate_state));
    if (!f->isal) {
        sp__png_fast_deinit(f);
        return sp__fail(SP_ENOMEM, "png reader: out of memory for ISA-L's "
                                   "inflate state");
    }
#endif
    return SP_OK;
}

size_t sp__png_fast_state_bytes(const sp__png_fast *f)
{
#if SP_HAVE_ISAL
    return f->isal ? sizeof(struct inflate_state) : 0;
#else
    (void)f;
    return 0;
#endif
}

const char *sp_png_inflater(void)
{
    return SP_HAVE_ISAL ? "isa-l" : "libdeflate";
}

const char *sp__png_fast_inflater(const sp__png_fast *f)
{
    return f->isal && !f->libdeflate_only ? "isa-l" : "libdeflate";
}

/* 1 when the zlib stream z[0, zn) inflates to exactly n bytes at out, its
 * Adler-32 checked; 0 for anything else (libpng then judges the file). */
static int inflate_exact(sp__png_fast *f, const uint8_t *z, size_t zn,
                         uint8_t *out, size_t n)
{
#if SP_HAVE_ISAL
    if (f->isal && !f->libdeflate_only && zn <= UINT32_MAX && n <= UINT32_MAX) {
        struct inflate_state *st = f->isal;
        isal_inflate_init(st);
        st->crc_flag = ISAL_ZLIB; /* parse the zlib header, check Adler-32 */
        st->next_in = (uint8_t *)(uintptr_t)z;
        st->avail_in = (uint32_t)zn;
        st->next_out = out;
        st->avail_out = (uint32_t)n;
        return isal_inflate_stateless(st) == ISAL_DECOMP_OK &&
               st->avail_out == 0;
    }
#endif
    size_t got = 0;
    return libdeflate_zlib_decompress(f->inflater, z, zn, out, n, &got) ==
               LIBDEFLATE_SUCCESS &&
           got == n;
}

void sp__png_fast_deinit(sp__png_fast *f)
{
    if (f->inflater)
        libdeflate_free_decompressor(f->inflater);
    f->inflater = NULL;
    sp_poolmgr_uncharge(f->mgr, sp__png_fast_state_bytes(f));
    f->mgr = NULL;
    free(f->isal);
    f->isal = NULL;
    sp__iobuf_free(&f->stage);
}

/* The image format a signature + IHDR decodes to on the direct path, with
 * its bytes per pixel; 0 when the direct path does not cover it. */
static int direct_format(const uint8_t *h, uint32_t *w, uint32_t *ht,
                         sp_pixfmt *fmt, unsigned *bpp)
{
    if (memcmp(h, png_sig, 8) || be32(h + 8) != 13 || memcmp(h + 12, "IHDR", 4))
        return 0;
    if (sp__crc32(0, h + 12, 17) != be32(h + 29))
        return 0;
    *w = be32(h + 16);
    *ht = be32(h + 20);
    uint8_t depth = h[24], ct = h[25];
    if (h[26] != 0 || h[27] != 0 ||
        h[28] != 0) /* deflate, filter 0, no Adam7 */
        return 0;
    if (depth == 8 && ct == 0)
        *fmt = SP_PIX_GRAY8, *bpp = 1;
    else if (depth == 8 && ct == 2)
        *fmt = SP_PIX_RGB8, *bpp = 3;
    else if (depth == 8 && ct == 6)
        *fmt = SP_PIX_RGBA8, *bpp = 4;
    else if (depth == 16 && ct == 0)
        *fmt = SP_PIX_GRAY16, *bpp = 2;
    else if (depth == 16 && ct == 2)
        *fmt = SP_PIX_RGB16, *bpp = 6;
    else
        return 0;
    return 1;
}

/* Walk the chunks of @p file (@p size bytes, signature and IHDR already
 * checked), moving the IDAT payloads together to @p idat. Returns the
 * IDAT byte count, or 0 when anything is irregular (libpng then decodes or
 * reports it): a truncated chunk, a bad CRC, IDATs not in one run, an
 * unknown critical chunk, no IEND. */
static size_t gather_idat(const uint8_t *file, size_t size, uint8_t *idat)
{
    size_t off = HEAD_BYTES, got = 0;
    int seen = 0, ended = 0; /* IDAT run: 0 before, 1 in, 2 after */
    while (off + 12 <= size) {
        uint32_t len = be32(file + off);
        const uint8_t *type = file + off + 4;
        if (len > 0x7fffffffu || size - off - 12 < len)
            return 0;
        if (sp__crc32(0, type, 4 + (size_t)len) != be32(type + 4 + len))
            return 0;
        if (!memcmp(type, "IDAT", 4)) {
            if (seen == 2)
                return 0;
            seen = 1;
            memmove(idat + got, type + 4, len);
            got += len;
        } else {
            if (seen == 1)
                seen = 2;
            if (!memcmp(type, "IEND", 4)) {
                ended = 1;
                break;
            }
            /* critical chunks other than PLTE (a suggested palette in
             * truecolour files) are for libpng to judge */
            if (!(type[0] & 0x20) && memcmp(type, "PLTE", 4))
                return 0;
            if (!memcmp(type, "IHDR", 4))
                return 0;
        }
        off += 12 + (size_t)len;
    }
    return ended ? got : 0;
}

static int host_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* Unfilter the rows of @p raw into @p img (16-bit samples in place first,
 * then copied in host order). 0, or SP__PNG_FAST_DECLINED on an unknown
 * filter type. */
static int unfilter_into(const sp__png_fast *f, uint8_t *raw, size_t row_bytes,
                         unsigned bpp, sp_image *img)
{
    const uint8_t *prev = NULL;
    int swap = bpp == 2 || bpp == 6 ? host_little_endian() : 0;
    for (uint32_t y = 0; y < img->height; y++) {
        uint8_t *r = raw + (size_t)y * (row_bytes + 1);
        /* 8-bit rows go straight into the image, 16-bit ones are unfiltered
         * in place and then put in host order */
        uint8_t *dst = sp_image_row(img, y);
        uint8_t *out = swap ? r + 1 : dst;
        int rc = f->scalar ? sp__png_unfilter_row_scalar(r[0], r + 1, out, prev,
                                                         row_bytes, bpp)
                           : sp__png_unfilter_row_simd(r[0], r + 1, out, prev,
                                                       row_bytes, bpp);
        if (rc < 0)
            return SP__PNG_FAST_DECLINED;
        if (swap)
            for (size_t i = 0; i < row_bytes; i += 2) {
                dst[i] = r[1 + i + 1];
                dst[i + 1] = r[1 + i];
            }
        prev = out;
    }
    return SP_OK;
}

int sp__png_fast_decode(sp__png_fast *f, const char *path, const uint8_t *mem,
                        size_t n, sp_image *img, sp_png_info *info)
{
    if (f->disabled || !f->inflater)
        return SP__PNG_FAST_DECLINED;
    int fd = -1, rc = SP__PNG_FAST_DECLINED;
    uint64_t size = n;
    uint8_t head[HEAD_BYTES];
    if (mem) {
        if (n < HEAD_BYTES)
            return SP__PNG_FAST_DECLINED;
        memcpy(head, mem, HEAD_BYTES);
    } else {
        SP_TRY(sp__open_read_size(path, &fd, &size));
        ssize_t got;
        do
            got = pread(fd, head, HEAD_BYTES, 0);
        while (got < 0 && errno == EINTR);
        if (got != HEAD_BYTES)
            goto out;
    }
    uint32_t w, h;
    sp_pixfmt fmt;
    unsigned bpp;
    if (!direct_format(head, &w, &h, &fmt, &bpp) || w != img->width ||
        h != img->height || fmt != img->format || w == 0 || h == 0)
        goto out;
    size_t row_bytes = (size_t)w * bpp;
    uint64_t raw_bytes = (uint64_t)(row_bytes + 1) * h;
    if (size > FAST_MAX_STAGE || raw_bytes > FAST_MAX_STAGE - size)
        goto out;

    rc = sp__iobuf_reserve(&f->stage, (size_t)(size + raw_bytes), path);
    if (rc < 0)
        goto out;
    uint8_t *file = f->stage.data, *raw = f->stage.data + size;
    if (mem) {
        memcpy(file, mem, n);
    } else {
        rc = sp__pread_full(fd, file, (size_t)size, 0, path);
        if (rc < 0)
            goto out;
    }
    rc = SP__PNG_FAST_DECLINED;
    size_t idat = gather_idat(file, (size_t)size, file);
    if (idat == 0)
        goto out;
    if (!inflate_exact(f, file, idat, raw, (size_t)raw_bytes))
        goto out;
    rc = unfilter_into(f, raw, row_bytes, bpp, img);
    if (rc == SP_OK) {
        f->decoded++;
        if (info) {
            memset(info, 0, sizeof *info);
            info->width = w;
            info->height = h;
            info->format = fmt;
            info->bit_depth = head[24];
            info->color_type = head[25];
        }
    }
out:
    if (fd >= 0)
        close(fd);
    sp__iobuf_release(&f->stage);
    return rc;
}
