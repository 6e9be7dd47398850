/* PNG decoding with libpng into caller memory (see sp_png.h).
 *
 * libpng reports errors by calling an error function that must not return;
 * ours copies the message into the reader and longjmps back to the setjmp
 * in decode(), which turns it into SP_EFORMAT. All of libpng's memory comes
 * from the reader's arena (png_create_read_struct_2 with our malloc/free),
 * and file bytes come through read(2) into a fixed buffer, so a warm reader
 * decodes without touching the heap. The memory variants (a PNG inside a
 * message) take the same path with read_cb copying from the caller's bytes
 * instead of the file. */
#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_int.h"
#include "sp_png.h"
#include "sp_poolmgr.h"

#include "io_int.h"
#include "png_arena_int.h"
#include "png_fast_int.h"

#define ARENA_INITIAL (160u * 1024u)
#define READ_BUF_SIZE (64u * 1024u)

struct sp_png_reader {
    sp__arena arena;
    sp__png_fast fast; /* the direct path, tried first (png_fast_int.h) */
    /* the file being decoded, or the memory (mem != NULL) */
    int fd;
    const char *path;
    const uint8_t *mem;
    size_t mem_len;
    uint64_t offset; /* file bytes handed to libpng so far */
    size_t buf_len, buf_pos;
    char msg[256];
    uint8_t buf[READ_BUF_SIZE];
};

int sp_png_reader_create(sp_png_reader **out)
{
    SP_GUARD(out != NULL);
    *out = NULL;
    sp_png_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sp__fail(SP_ENOMEM, "png reader: out of memory");
    int rc = sp__arena_init(&r->arena, ARENA_INITIAL, SP__PNG_ARENA_MAX_REQUEST,
                            "libpng's memory", "png reader");
    if (rc < 0) {
        free(r);
        return rc;
    }
    rc = sp__png_fast_init(&r->fast);
    if (rc < 0) {
        sp__arena_deinit(&r->arena);
        free(r);
        return rc;
    }
    r->fd = -1;
    *out = r;
    return SP_OK;
}

void sp_png_reader_destroy(sp_png_reader *r)
{
    if (!r)
        return;
    sp__arena_deinit(&r->arena);
    sp__png_fast_deinit(&r->fast);
    free(r);
}

int sp_png_reader_set_poolmgr(sp_png_reader *r, sp_poolmgr *mgr)
{
    SP_GUARD(r != NULL);
    sp__png_fast *f = &r->fast;
    /* ISA-L's inflate state (87 KiB), held while the reader lives: on
     * the new manager before the arena, off it again if the arena does
     * not fit, so a refusal leaves every charge where it was */
    const uint64_t state =
        mgr != f->mgr && mgr ? sp__png_fast_state_bytes(f) : 0;
    if (state)
        SP_TRY(
            sp_poolmgr_charge(mgr, state, "png reader: ISA-L's inflate state"));
    int rc = sp__arena_set_poolmgr(&r->arena, mgr);
    if (rc < 0) {
        sp_poolmgr_uncharge(mgr, state);
        return rc;
    }
    if (mgr != f->mgr) {
        sp_poolmgr_uncharge(f->mgr, sp__png_fast_state_bytes(f));
        f->mgr = mgr;
    }
    sp__iobuf_set_poolmgr(&f->stage, mgr);
    return SP_OK;
}

uint64_t sp_png_reader_heap_allocs(const sp_png_reader *r)
{
    return r ? r->arena.heap_allocs : 0;
}

sp__png_fast *sp__png_reader_fast(sp_png_reader *r)
{
    return &r->fast;
}

static void on_error(png_structp png, png_const_charp msg)
{
    sp_png_reader *r = png_get_error_ptr(png);
    /* libpng's words say what is wrong; where in the file it stopped says
     * where (read_cb's own messages already carry their byte). */
    if (r->msg[0] == '\0')
        snprintf(r->msg, sizeof r->msg,
                 "%s (libpng stopped after byte %llu), expected a well-formed "
                 "PNG stream",
                 msg, (unsigned long long)r->offset);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    /* Warnings (unknown sRGB profiles, bad ancillary CRCs that libpng
     * skips) do not stop decoding and the library never prints. */
    (void)png;
    (void)msg;
}

static void read_cb(png_structp png, png_bytep data, size_t len)
{
    sp_png_reader *r = png_get_io_ptr(png);
    if (r->mem) {
        if (r->offset > r->mem_len || r->mem_len - r->offset < len) {
            snprintf(r->msg, sizeof r->msg,
                     "data truncated: ends at byte %zu, expected %zu more "
                     "bytes",
                     r->mem_len, len - (size_t)(r->mem_len - r->offset));
            png_error(png, r->msg);
        }
        memcpy(data, r->mem + r->offset, len);
        r->offset += len;
        return;
    }
    while (len > 0) {
        if (r->buf_pos == r->buf_len) {
            ssize_t n;
            do
                n = read(r->fd, r->buf, sizeof r->buf);
            while (n < 0 && errno == EINTR);
            if (n < 0) {
                snprintf(r->msg, sizeof r->msg, "read failed at byte %llu: %s",
                         (unsigned long long)r->offset, strerror(errno));
                png_error(png, r->msg);
            }
            if (n == 0) {
                snprintf(r->msg, sizeof r->msg,
                         "file truncated: ends at byte %llu, expected %zu more "
                         "bytes",
                         (unsigned long long)r->offset, len);
                png_error(png, r->msg);
            }
            r->buf_len = (size_t)n;
            r->buf_pos = 0;
        }
        size_t take = r->buf_len - r->buf_pos;
        if (take > len)
            take = len;
        memcpy(data, r->buf + r->buf_pos, take);
        r->buf_pos += take;
        r->offset += take;
        data += take;
        len -= take;
    }
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* Choose the decoded format for the header and ask libpng for the
 * transforms that produce it. */
static sp_pixfmt setup_transforms(png_structp png, png_infop pinfo,
                                  int color_type, int depth)
{
    sp_pixfmt fmt;
    switch (color_type) {
    case PNG_COLOR_TYPE_PALETTE:
        png_set_palette_to_rgb(png);
        if (png_get_valid(png, pinfo, PNG_INFO_tRNS)) {
            png_set_tRNS_to_alpha(png);
            fmt = SP_PIX_RGBA8;
        } else {
            fmt = SP_PIX_RGB8;
        }
        break;
    case PNG_COLOR_TYPE_GRAY:
        if (depth < 8)
            png_set_expand_gray_1_2_4_to_8(png);
        fmt = depth == 16 ? SP_PIX_GRAY16 : SP_PIX_GRAY8;
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
        if (depth == 16) {
            png_set_strip_alpha(png);
            fmt = SP_PIX_GRAY16;
        } else {
            png_set_gray_to_rgb(png);
            fmt = SP_PIX_RGBA8;
        }
        break;
    case PNG_COLOR_TYPE_RGB:
        fmt = depth == 16 ? SP_PIX_RGB16 : SP_PIX_RGB8;
        break;
    default: /* RGBA */
        if (depth == 16) {
            png_set_strip_alpha(png);
            fmt = SP_PIX_RGB16;
        } else {
            fmt = SP_PIX_RGBA8;
        }
        break;
    }
    if (depth == 16 && host_is_little_endian())
        png_set_swap(png);
    return fmt;
}

/* Bytes of one chunk header (length, type) at @p off, from the memory or
 * the file; 0 when fewer than 8 bytes are left. A file is read through
 * @p win (a window of bytes at *win_off, *win_len long), so that a file of
 * many tiny chunks costs one read per window, not one per chunk. */
static int chunk_head(sp_png_reader *r, uint64_t off, uint8_t head[8],
                      uint8_t *win, size_t win_cap, uint64_t *win_off,
                      size_t *win_len)
{
    if (r->mem) {
        if (off > r->mem_len || r->mem_len - off < 8)
            return 0;
        memcpy(head, r->mem + off, 8);
        return 1;
    }
    if (off < *win_off || off + 8 > *win_off + *win_len) {
        ssize_t n;
        do
            n = pread(r->fd, win, win_cap, (off_t)off);
        while (n < 0 && errno == EINTR);
        *win_off = off;
        *win_len = n > 0 ? (size_t)n : 0;
        if (*win_len < 8)
            return 0;
    }
    memcpy(head, win + (off - *win_off), 8);
    return 1;
}

/* Refuse a header whose pixels its IDAT chunks cannot hold, before anyone
 * sizes memory from it: deflate expands at most 1032:1 (a 258-byte match
 * in two bits), and the filtered rows are at least height x (row bytes + 1)
 * (non-interlaced) or width x height x bits / 8 (interlaced: every pixel
 * once, over the passes). Stops as soon as the IDAT bytes seen suffice,
 * which for a real image is the first chunk or two. */
#define DEFLATE_MAX_RATIO 1032u

static int check_idat(sp_png_reader *r, const char *path,
                      const sp_png_info *hdr)
{
    static const uint8_t channels[7] = {1, 0, 3, 1, 2, 0, 4};
    uint64_t bits = (uint64_t)hdr->width * hdr->bit_depth *
                    channels[hdr->color_type < 7 ? hdr->color_type : 0];
    uint64_t need = hdr->interlaced
                        ? ((uint64_t)hdr->height * bits + 7) / 8
                        : (uint64_t)hdr->height * ((bits + 7) / 8 + 1);
    uint64_t idat = 0, off = 8;
    uint8_t win[4096], head[8];
    uint64_t win_off = 0;
    size_t win_len = 0;
    while (idat * DEFLATE_MAX_RATIO < need &&
           chunk_head(r, off, head, win, sizeof win, &win_off, &win_len)) {
        uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 |
                       (uint32_t)head[2] << 8 | head[3];
        if (!memcmp(head + 4, "IEND", 4))
            break;
        if (!memcmp(head + 4, "IDAT", 4))
            idat += len; /* claimed; a short one fails the decode later */
        off += 12 + (uint64_t)len;
    }
    if (idat * DEFLATE_MAX_RATIO >= need)
        return SP_OK;
    return sp__fail(SP_EFORMAT,
                    "%s: IHDR says %ux%u, %u-bit colour type %u: %llu bytes "
                    "of filtered rows, but the file holds %llu bytes of IDAT, "
                    "which inflate to at most %llu; expected at least %llu "
                    "bytes of IDAT",
                    path, hdr->width, hdr->height, hdr->bit_depth,
                    hdr->color_type, (unsigned long long)need,
                    (unsigned long long)idat,
                    (unsigned long long)(idat * DEFLATE_MAX_RATIO),
                    (unsigned long long)((need + DEFLATE_MAX_RATIO - 1) /
                                         DEFLATE_MAX_RATIO));
}

/* One decode: the header always, the pixels when img is not NULL. From
 * @p mem (n bytes) when it is not NULL, else from the file @p path; path
 * names the input in messages either way. */
static int decode(sp_png_reader *r, const char *path, const uint8_t *mem,
                  size_t n, sp_image *img, sp_png_info *info)
{
    png_structp png = NULL;
    png_infop pinfo = NULL;
    volatile int rc = SP_OK;
    sp_png_info hdr = {0};

    if (img) {
        rc = sp__png_fast_decode(&r->fast, path, mem, n, img, info);
        if (rc != SP__PNG_FAST_DECLINED)
            return rc;
        rc = SP_OK;
    }
    SP_TRY(sp__arena_reset(&r->arena, path, 0));
    r->path = path;
    r->offset = 0;
    r->buf_len = r->buf_pos = 0;
    r->msg[0] = '\0';
    r->mem = mem;
    r->mem_len = n;
    r->fd = -1;
    if (!mem)
        SP_TRY(sp__open_read(path, &r->fd));

    png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, r, on_error,
                                   on_warning, &r->arena, sp__png_arena_malloc,
                                   sp__png_arena_free);
    if (!png) {
        rc = sp__fail(SP_ENOMEM,
                      "%s: libpng could not create its read structure", path);
        goto close_file;
    }
    pinfo = png_create_info_struct(png);
    if (!pinfo) {
        rc = sp__fail(SP_ENOMEM,
                      "%s: libpng could not create its info structure", path);
        goto destroy_png;
    }
    if (setjmp(png_jmpbuf(png))) {
        /* An allocation the budget refused: its message stands. */
        if (rc == SP_OK && r->arena.refused)
            rc = SP_EBUDGET;
        if (rc == SP_OK)
            rc = sp__fail(SP_EFORMAT, "%s: invalid PNG: %s", path,
                          r->msg[0] ? r->msg : "libpng error");
        goto destroy_png;
    }
    png_set_read_fn(png, r, read_cb);
    png_set_error_fn(png, r, on_error, on_warning);
    /* Refuse absurd sizes before libpng or our caller sizes anything. */
    png_set_user_limits(png, SP_PNG_MAX_DIM, SP_PNG_MAX_DIM);
    png_read_info(png, pinfo);

    png_uint_32 w, h;
    int depth, color_type, interlace;
    png_get_IHDR(png, pinfo, &w, &h, &depth, &color_type, &interlace, NULL,
                 NULL);
    hdr.width = w;
    hdr.height = h;
    hdr.bit_depth = (uint8_t)depth;
    hdr.color_type = (uint8_t)color_type;
    hdr.interlaced = interlace != PNG_INTERLACE_NONE;
    hdr.format = setup_transforms(png, pinfo, color_type, depth);
    rc = check_idat(r, path, &hdr);
    if (rc < 0 || !img)
        goto destroy_png;

    if (img->width != hdr.width || img->height != hdr.height ||
        img->format != hdr.format) {
        rc = sp__fail(SP_EFORMAT, "%s: decodes to %ux%u %s, expected %ux%u %s",
                      path, hdr.width, hdr.height, sp_pixfmt_name(hdr.format),
                      img->width, img->height,
                      sp_pixfmt_name(img->format) ? sp_pixfmt_name(img->format)
                                                  : "?");
        goto destroy_png;
    }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, pinfo);
    size_t row_bytes = sp_image_row_bytes(hdr.width, hdr.format);
    if (png_get_rowbytes(png, pinfo) != row_bytes) {
        rc =
            sp__fail(SP_EFORMAT,
                     "%s: libpng rows are %zu bytes, expected %zu for %ux%u %s",
                     path, (size_t)png_get_rowbytes(png, pinfo), row_bytes,
                     hdr.width, hdr.height, sp_pixfmt_name(hdr.format));
        goto destroy_png;
    }
    /* Rows go straight into the caller's image; for interlaced files each
     * pass refines the rows in place, which is why no row-pointer array or
     * intermediate buffer is needed. */
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < hdr.height; y++)
            png_read_row(png, sp_image_row(img, y), NULL);
    /* Reading to IEND catches a file truncated or corrupted after the
     * pixel data. */
    png_read_end(png, NULL);

destroy_png:
    png_destroy_read_struct(&png, pinfo ? &pinfo : NULL, NULL);
close_file:
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    r->mem = NULL;
    if (rc == SP_OK && info)
        *info = hdr;
    return rc;
}

static int with_reader(sp_png_reader *r, const char *path, const uint8_t *mem,
                       size_t n, sp_image *img, sp_png_info *info)
{
    if (r)
        return decode(r, path, mem, n, img, info);
    sp_png_reader *tmp = NULL;
    SP_TRY(sp_png_reader_create(&tmp));
    int rc = decode(tmp, path, mem, n, img, info);
    sp_png_reader_destroy(tmp);
    return rc;
}

int sp_png_probe(sp_png_reader *r, const char *path, sp_png_info *info)
{
    SP_GUARD(path != NULL);
    SP_GUARD(info != NULL);
    return with_reader(r, path, NULL, 0, NULL, info);
}

static int check_dest(const char *path, const sp_image *img)
{
    if (sp_image_row_bytes(img->width, img->format) == 0 || img->height == 0 ||
        img->stride < sp_image_row_bytes(img->width, img->format))
        return sp__fail(
            SP_EINVAL, "%s: destination image %ux%u %s stride %zu is not valid",
            path, img->width, img->height,
            sp_pixfmt_name(img->format) ? sp_pixfmt_name(img->format) : "?",
            img->stride);
    return SP_OK;
}

int sp_png_read(sp_png_reader *r, const char *path, sp_image *img,
                sp_png_info *info)
{
    SP_GUARD(path != NULL);
    SP_GUARD(img != NULL && img->data != NULL);
    SP_TRY(check_dest(path, img));
    return with_reader(r, path, NULL, 0, img, info);
}

int sp_png_probe_mem(sp_png_reader *r, const uint8_t *data, size_t n,
                     const char *name, sp_png_info *info)
{
    SP_GUARD(data != NULL || n == 0);
    SP_GUARD(info != NULL);
    static const uint8_t empty[1];
    return with_reader(r, name ? name : "png data", n ? data : empty, n, NULL,
                       info);
}

int sp_png_read_mem(sp_png_reader *r, const uint8_t *data, size_t n,
                    const char *name, sp_image *img, sp_png_info *info)
{
    SP_GUARD(data != NULL || n == 0);
    SP_GUARD(img != NULL && img->data != NULL);
    static const uint8_t empty[1];
    if (!name)
        name = "png data";
    SP_TRY(check_dest(name, img));
    return with_reader(r, name, n ? data : empty, n, img, info);
}
