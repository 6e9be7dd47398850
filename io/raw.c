/* Headerless raw image frames: size every file at open, then read frame by
 * frame straight into the caller's image: one pread() when the strides
 * match, else rows read in place and moved to their stride (no staging
 * buffer, so memory is the image's whatever the file's stride). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format_int.h"
#include "io_int.h"
#include "sp_rawimg.h"

struct sp_raw_reader {
    sp__filelist files;
    sp_raw_desc d;
    size_t row_bytes;   /* pixels of one row */
    size_t file_stride; /* bytes between rows in the file */
    size_t rows;        /* rows in a frame (NV12: height * 3 / 2) */
    size_t frame_bytes;
    size_t *first; /* first[f] = index of file f's first frame; first[count] =
                      total */
};

static int format_ok(sp_pixfmt f)
{
    switch (f) {
    case SP_PIX_GRAY8:
    case SP_PIX_GRAY16:
    case SP_PIX_BAYER_RGGB8:
    case SP_PIX_BAYER_BGGR8:
    case SP_PIX_BAYER_GRBG8:
    case SP_PIX_BAYER_GBRG8:
    case SP_PIX_BAYER_RGGB16:
    case SP_PIX_BAYER_BGGR16:
    case SP_PIX_BAYER_GRBG16:
    case SP_PIX_BAYER_GBRG16:
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
    case SP_PIX_NV12:
    case SP_PIX_YUYV:
    case SP_PIX_UYVY:
    case SP_PIX_RGBA8:
    case SP_PIX_BGRA8:
    case SP_PIX_RGB16:
    case SP_PIX_F32:
        return 1;
    default:
        return 0;
    }
}

static int is16(sp_pixfmt f)
{
    return f == SP_PIX_GRAY16 || f == SP_PIX_RGB16 ||
           (f >= SP_PIX_BAYER_RGGB16 && f <= SP_PIX_BAYER_GBRG16);
}

static int check_desc(const sp_raw_desc *d)
{
    if (!format_ok(d->format))
        return sp__fail(SP_EUNSUPPORTED,
                        "raw: format '%s', expected gray8, "
                        "gray16, bayer_{rggb,bggr,grbg,gbrg}{8,16}, rgb8, "
                        "bgr8, rgba8, bgra8, rgb16, nv12, yuyv, uyvy or f32",
                        sp_pixfmt_name(d->format) ? sp_pixfmt_name(d->format)
                                                  : "?");
    if (d->width == 0 || d->height == 0 || d->width > SP_RAW_MAX_DIM ||
        d->height > SP_RAW_MAX_DIM)
        return sp__fail(SP_EINVAL,
                        "raw: size %ux%u, expected width and "
                        "height 1..%u",
                        d->width, d->height, SP_RAW_MAX_DIM);
    if (d->format == SP_PIX_NV12 && ((d->width | d->height) & 1))
        return sp__fail(SP_EINVAL,
                        "raw: nv12 size %ux%u, expected even width "
                        "and height",
                        d->width, d->height);
    if ((d->format == SP_PIX_YUYV || d->format == SP_PIX_UYVY) &&
        (d->width & 1))
        return sp__fail(SP_EINVAL,
                        "raw: %s width %u, expected an even "
                        "width",
                        sp_pixfmt_name(d->format), d->width);
    if (is16(d->format) ? d->bit_depth > 16
                        : (d->bit_depth != 0 && d->bit_depth != 8))
        return sp__fail(SP_EINVAL, "raw: bit depth %u for %s, expected %s",
                        d->bit_depth, sp_pixfmt_name(d->format),
                        is16(d->format) ? "1..16" : "8");
    size_t rb = sp_image_row_bytes(d->width, d->format);
    if (d->stride && d->stride < rb)
        return sp__fail(SP_EINVAL,
                        "raw: stride %zu is less than the %zu "
                        "bytes of a %u-pixel %s row, expected >= %zu",
                        d->stride, rb, d->width, sp_pixfmt_name(d->format), rb);
    return SP_OK;
}

static int ignored_name(const char *name)
{
    size_t n = strlen(name);
    return n >= 4 && !strcmp(name + n - 4, ".txt");
}

int sp_raw_reader_create(const char *path, const sp_raw_desc *desc,
                         sp_raw_reader **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(path && desc);
    SP_TRY(check_desc(desc));
    int kind = sp__path_kind(path);
    if (kind == 0) /* headerless: refuse what another format recognises */
        kind = sp__format_refuse_other(path, "raw");
    if (kind < 0)
        return kind;
    sp_raw_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    r->d = *desc;
    r->row_bytes = sp_image_row_bytes(desc->width, desc->format);
    r->file_stride = desc->stride ? desc->stride : r->row_bytes;
    r->rows = desc->format == SP_PIX_NV12 ? (size_t)desc->height * 3 / 2
                                          : desc->height;
    r->frame_bytes = r->file_stride * r->rows; /* < 2^16 * 6 * 2^17 */
    int rc = kind ? sp__filelist_dir(&r->files, path, NULL)
                  : sp__filelist_one(&r->files, path);
    if (rc < 0)
        goto fail;
    /* Drop side files (timestamps.txt, notes) from a folder listing. */
    size_t keep = 0;
    for (size_t f = 0; f < r->files.count; f++) {
        if (kind && ignored_name(sp__basename(r->files.names[f]))) {
            free(r->files.names[f]);
            continue;
        }
        r->files.names[keep++] = r->files.names[f];
    }
    r->files.count = keep;
    if (keep == 0) {
        rc = sp__fail_empty_folder(path, "raw frame");
        goto fail;
    }
    r->first = calloc(keep + 1, sizeof *r->first);
    if (!r->first) {
        rc = sp__fail(SP_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    for (size_t f = 0; f < keep; f++) {
        const char *fp = sp__filelist_path(&r->files, f);
        uint64_t size;
        rc = sp__file_size(fp, &size);
        if (rc < 0)
            goto fail;
        if (size % r->frame_bytes != 0) {
            rc = sp__fail(
                SP_EFORMAT,
                "%s: %llu bytes is not a whole number "
                "of %zu-byte frames (%ux%u %s, stride %zu): %llu "
                "frames and %llu bytes over, expected a multiple "
                "of %zu",
                fp, (unsigned long long)size, r->frame_bytes, desc->width,
                desc->height, sp_pixfmt_name(desc->format), r->file_stride,
                (unsigned long long)(size / r->frame_bytes),
                (unsigned long long)(size % r->frame_bytes), r->frame_bytes);
            goto fail;
        }
        r->first[f + 1] = r->first[f] + (size_t)(size / r->frame_bytes);
    }
    if (r->first[keep] == 0) {
        rc = sp__fail(SP_ENOTFOUND,
                      "%s: no frames (empty files), expected "
                      "at least one %zu-byte frame",
                      path, r->frame_bytes);
        goto fail;
    }
    *out = r;
    return SP_OK;
fail:
    sp_raw_reader_destroy(r);
    return rc;
}

void sp_raw_reader_destroy(sp_raw_reader *r)
{
    if (!r)
        return;
    sp__filelist_free(&r->files);
    free(r->first);
    free(r);
}

size_t sp_raw_reader_count(const sp_raw_reader *r)
{
    return r ? r->first[r->files.count] : 0;
}

size_t sp_raw_reader_frame_bytes(const sp_raw_reader *r)
{
    return r ? r->frame_bytes : 0;
}

/* File holding frame i: binary search over the prefix sums. */
static size_t file_of(const sp_raw_reader *r, size_t i)
{
    size_t lo = 0, hi = r->files.count;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->first[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

const char *sp_raw_reader_origin(sp_raw_reader *r, size_t i,
                                 size_t *index_in_file)
{
    if (!r || i >= sp_raw_reader_count(r))
        return NULL;
    size_t f = file_of(r, i);
    if (index_in_file)
        *index_in_file = i - r->first[f];
    return sp__filelist_path(&r->files, f);
}

size_t sp_raw_reader_file_frames(const sp_raw_reader *r, size_t i)
{
    if (!r || i >= sp_raw_reader_count(r))
        return 0;
    size_t f = file_of(r, i);
    return r->first[f + 1] - r->first[f];
}

/* Rows y0 .. y0+k-1 of the frame at @p off, read with one pread() into the
 * image from row y0's start: they land file_stride apart and are moved
 * down to the image's smaller stride. */
static int read_batch(const sp_raw_reader *r, int fd, uint64_t off,
                      sp_image *dst, size_t y0, size_t k, const char *path)
{
    uint8_t *base = dst->data + y0 * dst->stride;
    size_t n = (k - 1) * r->file_stride + r->row_bytes;
    SP_TRY(
        sp__pread_full(fd, base, n, off + (uint64_t)y0 * r->file_stride, path));
    for (size_t j = 1; j < k; j++)
        memmove(base + j * dst->stride, base + j * r->file_stride,
                r->row_bytes);
    return SP_OK;
}

/* The frame at @p off into @p dst, whatever the two strides. The image
 * itself is the only buffer: a padded file (file stride > image stride) is
 * read in batches of as many rows as fit in the image from the current row
 * on, each compacted in place, or row by row when the padding is wide (it
 * is then never read); a file with a smaller stride is read whole into the
 * image's start and its rows spread out from the last. */
static int read_rows(const sp_raw_reader *r, int fd, uint64_t off,
                     sp_image *dst, const char *path)
{
    size_t fs = r->file_stride, ds = dst->stride, rb = r->row_bytes;
    size_t rows = r->rows;
    /* The last row's padding is not read: the image may end at its last
     * pixel. */
    if (ds >= fs) {
        SP_TRY(sp__pread_full(fd, dst->data, (rows - 1) * fs + rb, off, path));
        for (size_t y = rows; ds > fs && y-- > 1;)
            memmove(dst->data + y * ds, dst->data + y * fs, rb);
        return SP_OK;
    }
    /* Batches read the padding between their rows: worth it while that is
     * less than a row or a page (cheaper than a call per row); wider
     * padding is skipped, one row per read, with the kernel's read-ahead
     * (which would read it anyway) turned off for the frame: a hint only,
     * so its failure does not matter. */
    size_t pad = fs - rb, most = pad <= rb || pad <= 4096 ? rows : 1;
    if (most == 1)
        (void)posix_fadvise(fd, (off_t)off, (off_t)r->frame_bytes,
                            POSIX_FADV_RANDOM);
    size_t end = (rows - 1) * ds + rb; /* bytes the image spans */
    for (size_t y = 0; y < rows;) {
        size_t room = end - y * ds;
        size_t k = (room - rb) / fs + 1;
        if (k > most)
            k = most;
        if (k > rows - y)
            k = rows - y;
        SP_TRY(read_batch(r, fd, off, dst, y, k, path));
        y += k;
    }
    return SP_OK;
}

int sp_raw_reader_read(sp_raw_reader *r, size_t i, sp_image *dst)
{
    SP_GUARD(r && dst && dst->data);
    size_t total = sp_raw_reader_count(r);
    if (i >= total)
        return sp__fail(SP_ERANGE, "raw: frame %zu, expected < %zu", i, total);
    if (dst->width != r->d.width || dst->height != r->d.height ||
        dst->format != r->d.format || dst->stride < r->row_bytes)
        return sp__fail(
            SP_EINVAL,
            "raw: image %ux%u %s does not match the "
            "reader's %ux%u %s",
            dst->width, dst->height,
            sp_pixfmt_name(dst->format) ? sp_pixfmt_name(dst->format) : "?",
            r->d.width, r->d.height, sp_pixfmt_name(r->d.format));
    size_t in_file;
    const char *path = sp_raw_reader_origin(r, i, &in_file);
    uint64_t off = (uint64_t)in_file * r->frame_bytes;
    int fd, rc;
    SP_TRY(sp__open_read(path, &fd));
    rc = read_rows(r, fd, off, dst, path);
    close(fd);
    if (rc < 0)
        return rc;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    if (is16(r->d.format))
        for (size_t y = 0; y < r->rows; y++) {
            uint8_t *row = dst->data + y * dst->stride;
            for (size_t x = 0; x + 1 < r->row_bytes; x += 2) {
                uint8_t t = row[x];
                row[x] = row[x + 1];
                row[x + 1] = t;
            }
        }
    if (r->d.format == SP_PIX_F32)
        for (size_t y = 0; y < r->rows; y++) {
            uint8_t *row = dst->data + y * dst->stride;
            for (size_t x = 0; x + 3 < r->row_bytes; x += 4) {
                uint8_t t0 = row[x], t1 = row[x + 1];
                row[x] = row[x + 3];
                row[x + 1] = row[x + 2];
                row[x + 2] = t1;
                row[x + 3] = t0;
            }
        }
#endif
    dst->bit_depth =
        is16(r->d.format) ? (r->d.bit_depth ? r->d.bit_depth : 16) : 0;
    return SP_OK;
}
