/* PCD reader: lazy over a file or a folder of files, decoding ascii, binary
 * and binary_compressed data into sp_points (structure of arrays).
 *
 * Per frame: open the file, read at most SP_PCD_MAX_HEADER bytes, parse and
 * check the header against the file size (the size query), then read exactly
 * the bytes the data needs into a staging buffer (grow-only heap, or a pool
 * block under the budget, released after each frame) and convert each wanted
 * field's column straight into the caller's arrays. */
#include <errno.h>
#include <float.h>
#include <lzf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcd_int.h"

/* LZF encodes at most 264 bytes in a 3-byte back reference; a stated size
 * beyond this ratio cannot be true and must not size an allocation. */
#define LZF_MAX_RATIO 96u

struct sp_pcd_reader {
    sp__filelist files;
    int fd;
    size_t cur; /* frame whose header is parsed, or SIZE_MAX */
    uint64_t file_size;
    sp_pcd_header hdr;
    uint32_t csize, usize; /* binary_compressed sizes of frame cur */
    sp__iobuf buf;         /* header and raw data bytes */
    sp__iobuf scratch;     /* decompressed columns */
};

/* ---- value conversion ---- */

static inline double load_value(const uint8_t *p, char type, unsigned size)
{
    switch (type) {
    case 'F':
        if (size == 4) {
            float f;
            memcpy(&f, p, 4);
            return f;
        } else {
            double d;
            memcpy(&d, p, 8);
            return d;
        }
    case 'U':
        switch (size) {
        case 1:
            return p[0];
        case 2: {
            uint16_t v;
            memcpy(&v, p, 2);
            return v;
        }
        case 4: {
            uint32_t v;
            memcpy(&v, p, 4);
            return v;
        }
        default: {
            uint64_t v;
            memcpy(&v, p, 8);
            return (double)v;
        }
        }
    default:
        switch (size) {
        case 1:
            return (int8_t)p[0];
        case 2: {
            int16_t v;
            memcpy(&v, p, 2);
            return v;
        }
        case 4: {
            int32_t v;
            memcpy(&v, p, 4);
            return v;
        }
        default: {
            int64_t v;
            memcpy(&v, p, 8);
            return (double)v;
        }
        }
    }
}

/* Half an ulp above FLT_MAX (2^128 - 2^103): the smallest magnitude that
 * rounds to infinity. Below it a value rounds to a float (FLT_MAX printed
 * with 9 digits, 3.40282347e+38, is a little above FLT_MAX itself). */
#define F32_OVERFLOW 3.4028235677973366e38

/* A finite value that would round to infinity as a float32 (a silent Inf
 * in practice) is refused (see sp_pcd.h). NaN and infinities stand for
 * themselves and pass. */
static int fits_f32(double v)
{
    return !(isfinite(v) && fabs(v) >= F32_OVERFLOW);
}

static int too_large(const char *name, size_t point, const sp_pcd_field *f,
                     double v)
{
    return sp__fail(SP_ERANGE,
                    "%s: point %zu: field '%s' (%c%u) holds %g, beyond "
                    "float32's range (largest %g), expected values that fit "
                    "a float32",
                    name, point, f->name, f->type, (unsigned)f->size, v,
                    (double)FLT_MAX);
}

/* One field's column (every @p stride bytes from @p base) into floats. The
 * float32 case is the hot one (x, y, z, intensity of nearly every file);
 * integers always fit, float64 is checked. */
static int column_f32(const uint8_t *base, size_t stride, size_t n,
                      const sp_pcd_field *f, float *dst, const char *name)
{
    if (f->type == 'F' && f->size == 4) {
        for (size_t k = 0; k < n; k++)
            memcpy(&dst[k], base + k * stride, 4);
        return SP_OK;
    }
    if (f->type == 'F') {
        for (size_t k = 0; k < n; k++) {
            double v = load_value(base + k * stride, 'F', 8);
            if (!fits_f32(v))
                return too_large(name, k, f, v);
            dst[k] = (float)v;
        }
        return SP_OK;
    }
    for (size_t k = 0; k < n; k++)
        dst[k] = (float)load_value(base + k * stride, f->type, f->size);
    return SP_OK;
}

static uint16_t to_ring(double v)
{
    if (!(v > 0))
        return 0;
    return v >= 65535 ? 65535 : (uint16_t)v;
}

/* Time in seconds before it becomes a float: float32 as is; float64
 * relative to the first point; integers are nanoseconds. */
static double time_s(double v, const sp_pcd_field *f, double t0)
{
    if (f->type == 'F')
        return f->size == 4 ? v : v - t0;
    return v * 1e-9;
}

static void fill_optional_zero(sp_points *dst, const sp_pcd_header *h, size_t n)
{
    if (h->iintensity < 0)
        memset(dst->intensity, 0, n * sizeof(float));
    if (dst->ring && h->iring < 0)
        memset(dst->ring, 0, n * sizeof(uint16_t));
    if (dst->time && h->itime < 0)
        memset(dst->time, 0, n * sizeof(float));
}

/* Columns from records (binary: base = data, stride = point_size) or from
 * column-major data (compressed: each field's column contiguous). */
static int columns(const sp_pcd_header *h, const uint8_t *data, int soa,
                   sp_points *dst, const char *name)
{
    size_t n = (size_t)h->points;
    int want[4] = {h->ix, h->iy, h->iz, h->iintensity};
    float *out[4] = {dst->x, dst->y, dst->z, dst->intensity};
    for (int k = 0; k < 4; k++) {
        if (want[k] < 0)
            continue;
        const sp_pcd_field *f = &h->fields[want[k]];
        const uint8_t *base = soa ? data + n * f->offset : data + f->offset;
        size_t stride = soa ? (size_t)f->size * f->count : h->point_size;
        SP_TRY(column_f32(base, stride, n, f, out[k], name));
    }
    if (dst->ring && h->iring >= 0) {
        const sp_pcd_field *f = &h->fields[h->iring];
        const uint8_t *base = soa ? data + n * f->offset : data + f->offset;
        size_t stride = soa ? f->size : h->point_size;
        for (size_t k = 0; k < n; k++)
            dst->ring[k] =
                to_ring(load_value(base + k * stride, f->type, f->size));
    }
    if (dst->time && h->itime >= 0) {
        const sp_pcd_field *f = &h->fields[h->itime];
        const uint8_t *base = soa ? data + n * f->offset : data + f->offset;
        size_t stride = soa ? f->size : h->point_size;
        double t0 = n ? load_value(base, f->type, f->size) : 0;
        if (!isfinite(t0))
            t0 = 0;
        for (size_t k = 0; k < n; k++) {
            double t = time_s(load_value(base + k * stride, f->type, f->size),
                              f, t0);
            if (!fits_f32(t))
                return too_large(name, k, f, t);
            dst->time[k] = (float)t;
        }
    }
    return SP_OK;
}

/* ---- ascii ---- */

static int decode_ascii(const sp_pcd_header *h, const uint8_t *data, size_t len,
                        const char *name, sp_points *dst)
{
    /* Token index of each value we keep; -1 = skip. */
    int slot_of_field[SP_PCD_MAX_FIELDS];
    uint32_t tok_of_field[SP_PCD_MAX_FIELDS];
    uint32_t tok = 0;
    for (uint32_t i = 0; i < h->nfields; i++) {
        slot_of_field[i] = -1;
        tok_of_field[i] = tok;
        tok += h->fields[i].count;
    }
    int slots[6] = {h->ix,
                    h->iy,
                    h->iz,
                    h->iintensity,
                    dst->ring ? h->iring : -1,
                    dst->time ? h->itime : -1};
    for (int s = 0; s < 6; s++)
        if (slots[s] >= 0)
            slot_of_field[slots[s]] = s;

    const char *p = (const char *)data, *end = p + len;
    uint32_t line = h->data_line;
    size_t n = 0;
    double t0 = 0;
    while (n < h->points) {
        if (p >= end)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: DATA ends after %zu "
                            "points, expected POINTS %llu",
                            name, line, n, (unsigned long long)h->points);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        uint32_t field = 0, within = 0, ntok = 0;
        const char *s = p;
        while (s < le) {
            while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
                s++;
            if (s >= le)
                break;
            const char *b = s;
            while (s < le && *s != ' ' && *s != '\t' && *s != '\r')
                s++;
            if (ntok >= h->values_per_point) {
                ntok++;
                continue;
            }
            /* Map token to (field, element). */
            while (field < h->nfields &&
                   ntok >= tok_of_field[field] + h->fields[field].count)
                field++;
            within = ntok - tok_of_field[field];
            ntok++;
            int slot = slot_of_field[field];
            if (slot < 0 || within != 0)
                continue;
            char tmp[64];
            size_t tl = (size_t)(s - b);
            if (tl >= sizeof tmp)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: value '%.20s...' "
                                "too long, expected a number",
                                name, line, b);
            memcpy(tmp, b, tl);
            tmp[tl] = '\0';
            char *ep;
            errno = 0;
            double v = strtod(tmp, &ep);
            int overflow = errno == ERANGE && isinf(v);
            if (ep == tmp || *ep)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: value '%s' of field "
                                "'%s', expected a number",
                                name, line, tmp, h->fields[field].name);
            if (slot == 5 && n == 0 && isfinite(v))
                t0 = v;
            /* What becomes a float must fit one: 1e39 is no float32, and
             * 1e400 (strtod's HUGE_VAL) no number at all. */
            double conv = slot == 5 ? time_s(v, &h->fields[field], t0) : v;
            if (slot != 4 && (overflow || !fits_f32(conv)))
                return sp__fail(SP_ERANGE,
                                "%s: line %u: value '%s' of field '%s' is "
                                "beyond float32's range (largest %g), "
                                "expected a value that fits a float32",
                                name, line, tmp, h->fields[field].name,
                                (double)FLT_MAX);
            switch (slot) {
            case 0:
                dst->x[n] = (float)v;
                break;
            case 1:
                dst->y[n] = (float)v;
                break;
            case 2:
                dst->z[n] = (float)v;
                break;
            case 3:
                dst->intensity[n] = (float)v;
                break;
            case 4:
                dst->ring[n] = to_ring(v);
                break;
            default:
                dst->time[n] = (float)conv;
                break;
            }
        }
        if (ntok != 0) {
            if (ntok != h->values_per_point)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: %u values, expected "
                                "%u (one per FIELDS x COUNT)",
                                name, line, ntok, h->values_per_point);
            n++;
        }
        line++;
        p = nl ? nl + 1 : end;
    }
    return SP_OK;
}

/* ---- binary_compressed ---- */

int sp__pcd_check_compressed(const sp_pcd_header *h, uint32_t csize,
                             uint32_t usize, uint64_t avail, const char *name)
{
    uint64_t want = h->points * h->point_size;
    size_t off = h->data_offset;
    if (csize > avail - 8)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: compressed size %u but "
                        "only %llu bytes follow, expected at most that",
                        name, off, csize, (unsigned long long)(avail - 8));
    if (usize != want)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: uncompressed size %u, "
                        "expected POINTS %llu x %u bytes = %llu",
                        name, off + 4, usize, (unsigned long long)h->points,
                        h->point_size, (unsigned long long)want);
    if ((uint64_t)usize > (uint64_t)csize * LZF_MAX_RATIO + 64)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: %u compressed bytes cannot "
                        "hold %u uncompressed bytes, expected at most %u:1",
                        name, off, csize, usize, LZF_MAX_RATIO);
    return SP_OK;
}

static int decode_compressed(const sp_pcd_header *h, const uint8_t *data,
                             size_t len, const char *name, sp_points *dst,
                             sp__iobuf *scratch)
{
    uint32_t csize, usize;
    if (len < 8) {
        if (h->points == 0)
            return SP_OK;
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: DATA holds %zu bytes, "
                        "expected 8 bytes of sizes",
                        name, h->data_offset, len);
    }
    memcpy(&csize, data, 4);
    memcpy(&usize, data + 4, 4);
    SP_TRY(sp__pcd_check_compressed(h, csize, usize, len, name));
    if (usize == 0)
        return SP_OK;
    SP_TRY(sp__iobuf_reserve(scratch, usize, name));
    errno = 0;
    unsigned got = lzf_decompress(data + 8, csize, scratch->data, usize);
    if (got == 0) {
        if (errno == E2BIG)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %zu: LZF data decodes past "
                            "its stated %u bytes, expected exactly that many",
                            name, h->data_offset + 8, usize);
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: LZF data is corrupt, "
                        "expected %u compressed bytes decoding to %u",
                        name, h->data_offset + 8, csize, usize);
    }
    if (got != usize)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %zu: LZF data decodes to %u "
                        "bytes, expected the stated %u",
                        name, h->data_offset + 8, got, usize);
    return columns(h, scratch->data, 1, dst, name);
}

int sp__pcd_decode(const sp_pcd_header *h, const uint8_t *data, size_t len,
                   const char *name, sp_points *dst, sp__iobuf *scratch)
{
    SP_GUARD(h && dst && (data || len == 0) && scratch);
    if (!name)
        name = "pcd";
    if (dst->capacity < h->points)
        return sp__fail(SP_EINVAL,
                        "%s: %llu points do not fit an sp_points "
                        "of capacity %zu, expected capacity >= POINTS",
                        name, (unsigned long long)h->points, dst->capacity);
    int rc = SP_OK;
    switch (h->encoding) {
    case SP_PCD_BINARY: {
        uint64_t need = h->points * h->point_size;
        if (need > len)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %zu: POINTS says %llu "
                            "points (%llu bytes) but DATA holds %zu bytes",
                            name, h->data_offset, (unsigned long long)h->points,
                            (unsigned long long)need, len);
        rc = columns(h, data, 0, dst, name);
        break;
    }
    case SP_PCD_ASCII:
        rc = decode_ascii(h, data, len, name, dst);
        break;
    case SP_PCD_BINARY_COMPRESSED:
        rc = decode_compressed(h, data, len, name, dst, scratch);
        break;
    }
    if (rc < 0)
        return rc;
    fill_optional_zero(dst, h, (size_t)h->points);
    dst->count = (size_t)h->points;
    return SP_OK;
}

/* ---- reader ---- */

int sp_pcd_reader_create(const char *path, sp_pcd_reader **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(path);
    int kind = sp__path_kind(path);
    if (kind < 0)
        return kind;
    sp_pcd_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    r->fd = -1;
    r->cur = SIZE_MAX;
    int rc = kind ? sp__filelist_dir(&r->files, path, ".pcd")
                  : sp__filelist_one(&r->files, path);
    if (rc == SP_OK && r->files.count == 0)
        rc = sp__fail(SP_ENOTFOUND,
                      "%s: folder holds no .pcd files, "
                      "expected at least one",
                      path);
    if (rc < 0) {
        sp_pcd_reader_destroy(r);
        return rc;
    }
    *out = r;
    return SP_OK;
}

void sp_pcd_reader_destroy(sp_pcd_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    sp__filelist_free(&r->files);
    sp__iobuf_free(&r->buf);
    sp__iobuf_free(&r->scratch);
    free(r);
}

void sp_pcd_reader_set_poolmgr(sp_pcd_reader *r, sp_poolmgr *mgr)
{
    if (!r)
        return;
    sp__iobuf_set_poolmgr(&r->buf, mgr);
    sp__iobuf_set_poolmgr(&r->scratch, mgr);
}

size_t sp_pcd_reader_count(const sp_pcd_reader *r)
{
    return r ? r->files.count : 0;
}

const char *sp_pcd_reader_path(sp_pcd_reader *r, size_t i)
{
    return r ? sp__filelist_path(&r->files, i) : "";
}

const sp_pcd_header *sp_pcd_reader_header(const sp_pcd_reader *r)
{
    return (r && r->cur != SIZE_MAX) ? &r->hdr : NULL;
}

static int prepare(sp_pcd_reader *r, size_t i)
{
    if (i >= r->files.count)
        return sp__fail(SP_ERANGE, "pcd: frame %zu, expected < %zu", i,
                        r->files.count);
    if (r->cur == i)
        return SP_OK;
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    r->cur = SIZE_MAX;
    const char *path = sp__filelist_path(&r->files, i);
    SP_TRY(sp__file_size(path, &r->file_size));
    SP_TRY(sp__open_read(path, &r->fd));
    size_t n = r->file_size < SP_PCD_MAX_HEADER ? (size_t)r->file_size
                                                : SP_PCD_MAX_HEADER;
    SP_TRY(sp__iobuf_reserve(&r->buf, n + 1, path));
    int rc = sp__pread_full(r->fd, r->buf.data, n, 0, path);
    if (rc == SP_OK)
        rc = sp_pcd_header_parse((const char *)r->buf.data, n, path, &r->hdr);
    /* The header is parsed into r->hdr: its bytes are not needed again. */
    sp__iobuf_release(&r->buf);
    SP_TRY(rc);
    SP_TRY(sp_pcd_header_check(&r->hdr, r->file_size, path));
    if (r->hdr.encoding == SP_PCD_BINARY_COMPRESSED && r->hdr.points > 0) {
        uint8_t sz[8];
        SP_TRY(sp__pread_full(r->fd, sz, 8, r->hdr.data_offset, path));
        memcpy(&r->csize, sz, 4);
        memcpy(&r->usize, sz + 4, 4);
        SP_TRY(sp__pcd_check_compressed(&r->hdr, r->csize, r->usize,
                                        r->file_size - r->hdr.data_offset,
                                        path));
    }
    r->cur = i;
    return SP_OK;
}

int sp_pcd_reader_shape(sp_pcd_reader *r, size_t i, size_t *points,
                        unsigned *fields)
{
    SP_GUARD(r && points && fields);
    SP_TRY(prepare(r, i));
    *points = (size_t)r->hdr.points;
    *fields = r->hdr.points_fields;
    return SP_OK;
}

int sp_pcd_reader_read(sp_pcd_reader *r, size_t i, sp_points *dst)
{
    SP_GUARD(r && dst);
    SP_TRY(prepare(r, i));
    const sp_pcd_header *h = &r->hdr;
    const char *path = sp__filelist_path(&r->files, i);
    uint64_t avail = r->file_size - h->data_offset;
    uint64_t n;
    switch (h->encoding) {
    case SP_PCD_BINARY:
        n = h->points * h->point_size;
        break;
    case SP_PCD_BINARY_COMPRESSED:
        n = h->points ? 8 + (uint64_t)r->csize : 0;
        break;
    default:
        n = avail;
        break;
    }
    if (n > SP__IO_MAX_FILE || n > avail)
        return sp__fail(SP_ERANGE,
                        "%s: byte %zu: %llu bytes of DATA, expected "
                        "at most %llu",
                        path, h->data_offset, (unsigned long long)n,
                        (unsigned long long)avail);
    if (dst->capacity < h->points)
        return sp__fail(SP_EINVAL,
                        "%s: %llu points do not fit an sp_points "
                        "of capacity %zu, expected capacity >= POINTS",
                        path, (unsigned long long)h->points, dst->capacity);
    int rc = sp__iobuf_reserve(&r->buf, (size_t)n + 1, path);
    if (rc == SP_OK)
        rc =
            sp__pread_full(r->fd, r->buf.data, (size_t)n, h->data_offset, path);
    if (rc == SP_OK)
        rc = sp__pcd_decode(h, r->buf.data, (size_t)n, path, dst, &r->scratch);
    sp__iobuf_release(&r->buf);
    sp__iobuf_release(&r->scratch);
    return rc;
}

int sp_pcd_header_read(const char *path, sp_pcd_header *out)
{
    SP_GUARD(path && out);
    sp_pcd_reader *r;
    SP_TRY(sp_pcd_reader_create(path, &r));
    int rc = prepare(r, 0);
    if (rc == SP_OK)
        *out = r->hdr;
    sp_pcd_reader_destroy(r);
    return rc;
}
