/* NumPy .npy writer and reader (see sp_npy.h).
 *
 * The header is built exactly as numpy.save writes it:
 *   "\x93NUMPY" 1 0 <uint16 LE header length>
 *   "{'descr': '<f4', 'fortran_order': False, 'shape': (N, 4), }"
 * padded with spaces and ended with '\n' so that the data starts on a
 * multiple of 64 bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file_int.h"
#include "error_int.h"
#include "io_int.h"
#include "sp_npy.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_ALIGN 64
#define HEADER_MAX 65536
/* Points are interleaved into rows through this many bytes of stack. */
#define POINT_ROWS 1024
/* Image rows handed to one writev() call. */
#define ROWS_PER_WRITEV 64

static int host_le(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* "<f4" etc. for a multi-byte kind in host order; "|u1" for bytes. */
static void descr_for(char out[8], char kind, size_t size)
{
    if (size == 1)
        snprintf(out, 8, "|%c1", kind);
    else
        snprintf(out, 8, "%c%c%zu", host_le() ? '<' : '>', kind, size);
}

/* Build the version 1.0 header into @p out; returns its total length
 * (magic included), a multiple of NPY_ALIGN, or 0 if it does not fit. */
static size_t build_header(char *out, size_t cap, const char *descr, int ndim,
                           const size_t *shape)
{
    char dict[512];
    int n =
        snprintf(dict, sizeof dict,
                 "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < ndim && n > 0 && (size_t)n < sizeof dict; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, i ? ", %zu" : "%zu",
                      shape[i]);
    if (n > 0 && (size_t)n < sizeof dict)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%s), }",
                      ndim == 1 ? "," : "");
    if (n <= 0 || (size_t)n >= sizeof dict)
        return 0;
    size_t total = 10 + (size_t)n + 1; /* + '\n' */
    total = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
    if (total > cap)
        return 0;
    size_t hlen = total - 10;
    memcpy(out, NPY_MAGIC, 6);
    out[6] = 1;
    out[7] = 0;
    out[8] = (char)(hlen & 0xff);
    out[9] = (char)(hlen >> 8);
    memcpy(out + 10, dict, (size_t)n);
    memset(out + 10 + n, ' ', total - 10 - (size_t)n - 1);
    out[total - 1] = '\n';
    return total;
}

/* Open the temporary file and write the header. */
static int begin(sp__afile *f, const char *path, const char *descr, int ndim,
                 const size_t *shape)
{
    char hdr[512];
    size_t len = build_header(hdr, sizeof hdr, descr, ndim, shape);
    if (len == 0)
        return sp__fail(SP_EINVAL, "%s: npy header for this shape is too long",
                        path);
    SP_TRY(sp__afile_open(f, path));
    int rc = sp__afile_write(f, hdr, len);
    if (rc < 0)
        sp__afile_abort(f);
    return rc;
}

static int finish(sp__afile *f, int rc)
{
    if (rc < 0) {
        sp__afile_abort(f);
        return rc;
    }
    return sp__afile_commit(f);
}

int sp_npy_write_points(const char *path, const sp_points *p, unsigned fields)
{
    SP_GUARD(path != NULL);
    SP_GUARD(p != NULL);
    if (fields & ~(unsigned)(SP_POINTS_RING | SP_POINTS_TIME))
        return sp__fail(
            SP_EINVAL,
            "%s: unknown point fields 0x%x, expected ring and/or time", path,
            fields);
    if ((fields & SP_POINTS_RING) && !p->ring)
        return sp__fail(
            SP_EINVAL,
            "%s: ring column asked for but the points have no ring field",
            path);
    if ((fields & SP_POINTS_TIME) && !p->time)
        return sp__fail(
            SP_EINVAL,
            "%s: time column asked for but the points have no time field",
            path);
    if (p->count > 0 && (!p->x || !p->y || !p->z || !p->intensity))
        return sp__fail(SP_EINVAL, "%s: points have no x/y/z/intensity arrays",
                        path);
    if (p->count > p->capacity)
        return sp__fail(SP_EINVAL, "%s: point count %zu exceeds capacity %zu",
                        path, p->count, p->capacity);

    size_t cols = 4 + !!(fields & SP_POINTS_RING) + !!(fields & SP_POINTS_TIME);
    size_t shape[2] = {p->count, cols};
    char descr[8];
    descr_for(descr, 'f', 4);
    sp__afile f;
    SP_TRY(begin(&f, path, descr, 2, shape));

    /* Structure of arrays to rows, a stack buffer at a time. */
    float rows[POINT_ROWS * 6];
    int rc = SP_OK;
    for (size_t base = 0; base < p->count && rc == SP_OK; base += POINT_ROWS) {
        size_t n = p->count - base < POINT_ROWS ? p->count - base : POINT_ROWS;
        float *o = rows;
        for (size_t i = base; i < base + n; i++) {
            *o++ = p->x[i];
            *o++ = p->y[i];
            *o++ = p->z[i];
            *o++ = p->intensity[i];
            if (fields & SP_POINTS_RING)
                *o++ = (float)p->ring[i];
            if (fields & SP_POINTS_TIME)
                *o++ = p->time[i];
        }
        rc = sp__afile_write(&f, rows, n * cols * sizeof(float));
    }
    return finish(&f, rc);
}

int sp_npy_write_image(const char *path, const sp_image *img)
{
    SP_GUARD(path != NULL);
    SP_GUARD(img != NULL);
    size_t row = sp_image_row_bytes(img->width, img->format);
    if (!img->data || row == 0 || img->height == 0 || img->stride < row)
        return sp__fail(
            SP_EINVAL, "%s: invalid image %ux%u %s stride %zu", path,
            img->width, img->height,
            sp_pixfmt_name(img->format) ? sp_pixfmt_name(img->format) : "?",
            img->stride);

    size_t shape[3] = {img->height, img->width, 0};
    int ndim = 2;
    size_t rows = img->height;
    char descr[8];
    switch (img->format) {
    case SP_PIX_GRAY8:
    case SP_PIX_BAYER_RGGB8:
    case SP_PIX_BAYER_BGGR8:
    case SP_PIX_BAYER_GRBG8:
    case SP_PIX_BAYER_GBRG8:
        descr_for(descr, 'u', 1);
        break;
    case SP_PIX_GRAY16:
    case SP_PIX_BAYER_RGGB16:
    case SP_PIX_BAYER_BGGR16:
    case SP_PIX_BAYER_GRBG16:
    case SP_PIX_BAYER_GBRG16:
        descr_for(descr, 'u', 2);
        break;
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
        descr_for(descr, 'u', 1);
        shape[2] = 3;
        ndim = 3;
        break;
    case SP_PIX_RGBA8:
    case SP_PIX_BGRA8:
        descr_for(descr, 'u', 1);
        shape[2] = 4;
        ndim = 3;
        break;
    case SP_PIX_RGB16:
        descr_for(descr, 'u', 2);
        shape[2] = 3;
        ndim = 3;
        break;
    case SP_PIX_F32:
        descr_for(descr, 'f', 4);
        break;
    case SP_PIX_NV12:
        if (img->width % 2 || img->height % 2)
            return sp__fail(SP_EINVAL,
                            "%s: NV12 image %ux%u, expected even dimensions",
                            path, img->width, img->height);
        descr_for(descr, 'u', 1);
        rows = (size_t)img->height * 3 / 2;
        shape[0] = rows;
        break;
    case SP_PIX_YUYV:
    case SP_PIX_UYVY:
        descr_for(descr, 'u', 1);
        shape[2] = 2;
        ndim = 3;
        break;
    default:
        return sp__fail(SP_EINVAL, "%s: unknown pixel format %d", path,
                        (int)img->format);
    }

    sp__afile f;
    SP_TRY(begin(&f, path, descr, ndim, shape));
    int rc = SP_OK;
    if (img->stride == row) {
        rc = sp__afile_write(&f, img->data, row * rows);
    } else {
        /* Rows without their padding, straight from the image. */
        struct iovec iov[ROWS_PER_WRITEV];
        for (size_t y = 0; y < rows && rc == SP_OK; y += ROWS_PER_WRITEV) {
            int n = 0;
            for (size_t k = y; k < rows && n < ROWS_PER_WRITEV; k++, n++)
                iov[n] = (struct iovec){.iov_base = img->data + k * img->stride,
                                        .iov_len = row};
            rc = sp__afile_writev(&f, iov, n);
        }
    }
    return finish(&f, rc);
}

int sp_npy_write_tensor(const char *path, const sp_tensor *t)
{
    SP_GUARD(path != NULL);
    SP_GUARD(t != NULL);
    size_t esize = sp_dtype_size(t->dtype);
    if (esize == 0 || t->ndim < 1 || t->ndim > SP_TENSOR_MAX_DIMS)
        return sp__fail(SP_EINVAL,
                        "%s: invalid tensor (dtype %d, %d dimensions)", path,
                        (int)t->dtype, t->ndim);
    size_t bytes = esize;
    for (int i = 0; i < t->ndim; i++) {
        if (t->shape[i] != 0 && bytes > SIZE_MAX / t->shape[i])
            return sp__fail(SP_EINVAL, "%s: tensor size overflows", path);
        bytes *= t->shape[i];
    }
    if (bytes > 0 && !t->data)
        return sp__fail(SP_EINVAL, "%s: tensor has no data", path);
    char descr[8];
    switch (t->dtype) {
    case SP_DTYPE_U8:
        descr_for(descr, 'u', 1);
        break;
    case SP_DTYPE_U16:
        descr_for(descr, 'u', 2);
        break;
    case SP_DTYPE_I32:
        descr_for(descr, 'i', 4);
        break;
    default:
        descr_for(descr, 'f', 4);
        break;
    }
    sp__afile f;
    SP_TRY(begin(&f, path, descr, t->ndim, t->shape));
    return finish(&f, sp__afile_write(&f, t->data, bytes));
}

/* ---- reader ---- */

typedef struct parser {
    const char *s, *end, *path;
    size_t base; /* file offset of s[0] for messages */
    const char *p;
} parser;

static int perr(parser *ps, const char *what)
{
    return sp__fail(SP_EFORMAT, "%s: byte %zu: npy header: %s", ps->path,
                    ps->base + (size_t)(ps->p - ps->s), what);
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

static int expect_char(parser *ps, char c, const char *what)
{
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != c)
        return perr(ps, what);
    ps->p++;
    return SP_OK;
}

/* A quoted Python string ('x' or "x") into out (cap bytes). */
static int parse_str(parser *ps, char *out, size_t cap)
{
    skip_ws(ps);
    if (ps->p >= ps->end || (*ps->p != '\'' && *ps->p != '"'))
        return perr(ps, "expected a quoted string");
    char q = *ps->p++;
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != q) {
        if (n + 1 >= cap)
            return perr(ps, "string too long");
        out[n++] = *ps->p++;
    }
    if (ps->p >= ps->end)
        return perr(ps, "unterminated string");
    ps->p++;
    out[n] = '\0';
    return SP_OK;
}

static int parse_shape(parser *ps, sp_npy_header *h)
{
    SP_TRY(expect_char(ps, '(', "expected '(' to start the shape"));
    h->ndim = 0;
    for (;;) {
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ')') {
            ps->p++;
            return SP_OK;
        }
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
            return perr(ps, "expected a dimension (non-negative integer)");
        if (h->ndim == SP_NPY_MAX_DIMS)
            return perr(ps, "too many dimensions (limit 8)");
        size_t v = 0;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            size_t d = (size_t)(*ps->p - '0');
            if (v > (SIZE_MAX - d) / 10)
                return perr(ps, "dimension overflows");
            v = v * 10 + d;
            ps->p++;
        }
        /* Python 2 wrote long integers as 3L. */
        if (ps->p < ps->end && *ps->p == 'L')
            ps->p++;
        h->shape[h->ndim++] = v;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',')
            ps->p++;
        else if (ps->p >= ps->end || *ps->p != ')')
            return perr(ps, "expected ',' or ')' in the shape");
    }
}

static size_t descr_size(const char *d)
{
    static const char *const ok[] = {"u1", "i1", "u2", "i2", "u4",
                                     "i4", "f4", "u8", "i8", "f8"};
    char order = host_le() ? '<' : '>';
    if (strlen(d) != 3)
        return 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (strcmp(d + 1, ok[i]) != 0)
            continue;
        size_t size = (size_t)(ok[i][1] - '0');
        if (size == 1 ? (d[0] == '|' || d[0] == '<' || d[0] == '>')
                      : d[0] == order)
            return size;
    }
    return 0;
}

static int parse_dict(parser *ps, sp_npy_header *h)
{
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    SP_TRY(expect_char(ps, '{', "expected '{'"));
    for (;;) {
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        char key[32];
        SP_TRY(parse_str(ps, key, sizeof key));
        SP_TRY(expect_char(ps, ':', "expected ':' after a key"));
        if (strcmp(key, "descr") == 0) {
            SP_TRY(parse_str(ps, h->descr, sizeof h->descr));
            h->elem_size = descr_size(h->descr);
            if (h->elem_size == 0)
                return perr(
                    ps,
                    "unsupported descr (expected a plain integer or float type "
                    "in host byte order)");
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            skip_ws(ps);
            if (ps->end - ps->p >= 4 && memcmp(ps->p, "True", 4) == 0) {
                h->fortran_order = 1;
                ps->p += 4;
            } else if (ps->end - ps->p >= 5 && memcmp(ps->p, "False", 5) == 0) {
                h->fortran_order = 0;
                ps->p += 5;
            } else {
                return perr(ps, "fortran_order must be True or False");
            }
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            SP_TRY(parse_shape(ps, h));
            have_shape = 1;
        } else {
            return perr(ps,
                        "unknown key (expected descr, fortran_order, shape)");
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',')
            ps->p++;
        else if (ps->p >= ps->end || *ps->p != '}')
            return perr(ps, "expected ',' or '}'");
    }
    if (!have_descr || !have_fortran || !have_shape)
        return perr(
            ps, "missing key (descr, fortran_order and shape are required)");
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '\n')
        return perr(ps, "expected the header to end with a newline");
    return SP_OK;
}

/* Parse the header from an open file; leaves the offset at the data. */
static int read_header_fd(int fd, const char *path, sp_npy_header *h)
{
    memset(h, 0, sizeof *h);
    struct stat st;
    if (fstat(fd, &st) != 0)
        return sp__fail(SP_EIO, "%s: cannot stat: %s", path, strerror(errno));
    uint8_t pre[12];
    ssize_t n = pread(fd, pre, sizeof pre, 0);
    if (n < 0)
        return sp__fail(SP_EIO, "%s: read failed: %s", path, strerror(errno));
    if (n < 10 || memcmp(pre, NPY_MAGIC, 6) != 0)
        return sp__fail(
            SP_EFORMAT,
            "%s: byte 0: not an npy file (expected \\x93NUMPY magic)", path);
    size_t hlen, hstart;
    if (pre[6] == 1 && pre[7] == 0) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        hstart = 10;
    } else if (pre[6] == 2 && pre[7] == 0 && n >= 12) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
               (size_t)pre[11] << 24;
        hstart = 12;
    } else {
        return sp__fail(SP_EFORMAT,
                        "%s: byte 6: npy version %u.%u, expected 1.0 or 2.0",
                        path, pre[6], pre[7]);
    }
    h->version = pre[6];
    if (hlen >= HEADER_MAX || hstart + hlen > (uint64_t)st.st_size)
        return sp__fail(
            SP_EFORMAT,
            "%s: byte 8: header length %zu does not fit (file is %lld bytes, "
            "limit %d)",
            path, hlen, (long long)st.st_size, HEADER_MAX - 1);
    char buf[HEADER_MAX];
    n = pread(fd, buf, hlen, (off_t)hstart);
    if (n < 0)
        return sp__fail(SP_EIO, "%s: read failed: %s", path, strerror(errno));
    if ((size_t)n != hlen)
        return sp__fail(SP_EFORMAT, "%s: byte %zu: header truncated", path,
                        hstart + (size_t)n);
    parser ps = {
        .s = buf, .end = buf + hlen, .path = path, .base = hstart, .p = buf};
    SP_TRY(parse_dict(&ps, h));

    h->count = 1;
    for (int i = 0; i < h->ndim; i++) {
        if (h->shape[i] != 0 && h->count > SIZE_MAX / h->shape[i])
            return sp__fail(SP_EFORMAT, "%s: shape's element count overflows",
                            path);
        h->count *= h->shape[i];
    }
    if (h->count > SIZE_MAX / h->elem_size)
        return sp__fail(SP_EFORMAT, "%s: data size overflows", path);
    h->data_bytes = h->count * h->elem_size;
    h->data_offset = hstart + hlen;
    uint64_t have = (uint64_t)st.st_size - h->data_offset;
    if (have != h->data_bytes)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: header promises %zu data bytes but the "
                        "file holds %llu",
                        path, h->data_offset, h->data_bytes,
                        (unsigned long long)have);
    return SP_OK;
}

static int read_impl(const char *path, sp_npy_header *h, void *buf,
                     size_t buf_size)
{
    int fd;
    SP_TRY(sp__open_read(path, &fd));
    int rc = read_header_fd(fd, path, h);
    if (rc == SP_OK && buf) {
        if (h->data_bytes > buf_size) {
            rc = sp__fail(SP_ERANGE,
                          "%s: data is %zu bytes, the buffer holds %zu", path,
                          h->data_bytes, buf_size);
        } else {
            size_t done = 0;
            while (done < h->data_bytes) {
                ssize_t n = pread(fd, (char *)buf + done, h->data_bytes - done,
                                  (off_t)(h->data_offset + done));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0) {
                    rc = sp__fail(n < 0 ? SP_EIO : SP_EFORMAT,
                                  "%s: byte %zu: %s", path,
                                  h->data_offset + done,
                                  n < 0 ? strerror(errno) : "file ended early");
                    break;
                }
                done += (size_t)n;
            }
        }
    }
    close(fd);
    return rc;
}

int sp_npy_read_header(const char *path, sp_npy_header *h)
{
    SP_GUARD(path != NULL);
    SP_GUARD(h != NULL);
    return read_impl(path, h, NULL, 0);
}

int sp_npy_read(const char *path, sp_npy_header *h, void *buf, size_t buf_size)
{
    SP_GUARD(path != NULL);
    SP_GUARD(h != NULL);
    SP_GUARD(buf != NULL || buf_size == 0);
    if (!buf) {
        /* Only an empty array fits an empty buffer. */
        SP_TRY(read_impl(path, h, NULL, 0));
        if (h->data_bytes > 0)
            return sp__fail(SP_ERANGE,
                            "%s: data is %zu bytes, the buffer holds 0", path,
                            h->data_bytes);
        return SP_OK;
    }
    return read_impl(path, h, buf, buf_size);
}
