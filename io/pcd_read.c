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

#include "format_int.h"
#include "fields_map_int.h"
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
    char *fields_map;      /* fields= map, or NULL */
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
            if (!sp__pcd_fits_f32(v))
                return too_large(name, k, f, v);
            dst[k] = (float)v;
        }
        return SP_OK;
    }
    for (size_t k = 0; k < n; k++)
        dst[k] = (float)load_value(base + k * stride, f->type, f->size);
    return SP_OK;
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
            dst->ring[k] = sp__pcd_to_ring(
                load_value(base + k * stride, f->type, f->size));
    }
    if (dst->time && h->itime >= 0) {
        const sp_pcd_field *f = &h->fields[h->itime];
        const uint8_t *base = soa ? data + n * f->offset : data + f->offset;
        size_t stride = soa ? f->size : h->point_size;
        double t0 = n ? load_value(base, f->type, f->size) : 0;
        if (!isfinite(t0))
            t0 = 0;
        for (size_t k = 0; k < n; k++) {
            double v = load_value(base + k * stride, f->type, f->size);
            double t = sp__pcd_time_s(v, f, t0);
            if (!sp__pcd_fits_f32(t))
                return too_large(name, k, f, t);
            dst->time[k] = (float)t;
        }
    }
    /* Extras bit for bit: PCD data is little-endian, as every host we
     * build for. */
    for (uint32_t i = 0; i < h->nfields; i++) {
        sp_points_extra *e = sp__pcd_extra_of(h, i, dst);
        if (!e)
            continue;
        const sp_pcd_field *f = &h->fields[i];
        size_t es = (size_t)f->size * f->count;
        uint8_t *o = e->data;
        if (soa) {
            memcpy(o, data + n * f->offset, n * es);
            continue;
        }
        const uint8_t *s = data + f->offset;
        for (size_t k = 0; k < n; k++)
            memcpy(o + k * es, s + k * h->point_size, es);
    }
    return SP_OK;
}

sp_points_extra *sp__pcd_extra_of(const sp_pcd_header *h, uint32_t i,
                                  sp_points *dst)
{
    if (i >= h->nfields || h->extra[i] < 0 ||
        (unsigned)h->extra[i] >= h->layout.nextra)
        return NULL;
    const sp_points_field *want = &h->layout.extra[h->extra[i]];
    sp_points_extra *e = sp_points_extra_find(dst, want->name);
    if (!e || e->field.type != want->type ||
        (e->field.count ? e->field.count : 1) !=
            (want->count ? want->count : 1))
        return NULL;
    return e;
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
        rc = sp__pcd_decode_ascii(h, data, len, name, dst);
        break;
    case SP_PCD_BINARY_COMPRESSED:
        rc = decode_compressed(h, data, len, name, dst, scratch);
        break;
    }
    if (rc < 0)
        return rc;
    fill_optional_zero(dst, h, (size_t)h->points);
    dst->count = (size_t)h->points;
    dst->height = h->height > 1 ? (uint32_t)h->height : 0;
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
        rc = sp__fail_empty_folder(path, ".pcd");
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
    free(r->fields_map);
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

int sp_pcd_reader_set_fields(sp_pcd_reader *r, const char *fields_map)
{
    SP_GUARD(r);
    sp__fmap check;
    SP_TRY(sp__fmap_parse(fields_map, &check));
    free(r->fields_map);
    r->fields_map = NULL;
    if (fields_map && *fields_map) {
        r->fields_map = strdup(fields_map);
        if (!r->fields_map)
            return sp__fail(SP_ENOMEM, "pcd: out of memory");
    }
    r->cur = SIZE_MAX; /* map the next header afresh */
    return SP_OK;
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
    if (rc == SP_OK && r->fields_map)
        rc = sp_pcd_header_map(&r->hdr, r->fields_map, path);
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
