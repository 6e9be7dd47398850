/* PCD writer: v0.7 headers and ascii / binary / binary_compressed data,
 * written to a temporary file that is renamed when complete.
 *
 * Every column of the cloud is written (sp_points_columns(): the standard
 * channels under the names and types the file they came from had, then
 * the extras), with the organisation and viewpoint it was read with.
 * ascii and binary are staged through about 64 KiB of records at a time;
 * binary_compressed needs the whole cloud column by column and its LZF
 * output; both in grow-only buffers owned by the writer. */
#include <lzf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file_int.h"
#include "pcd_int.h"

struct sp_pcd_writer {
    sp__iobuf soa;
    sp__iobuf lzf;
};

#define STAGE 65536

int sp_pcd_writer_create(sp_pcd_writer **out)
{
    SP_GUARD(out);
    *out = calloc(1, sizeof **out);
    return *out ? SP_OK : sp__fail(SP_ENOMEM, "pcd writer: out of memory");
}

void sp_pcd_writer_destroy(sp_pcd_writer *w)
{
    if (!w)
        return;
    sp__iobuf_free(&w->soa);
    sp__iobuf_free(&w->lzf);
    free(w);
}

/* The columns written and the bytes of one point record. */
typedef struct cols {
    sp_points_column c[SP_POINTS_MAX_COLUMNS];
    size_t n, bytes[SP_POINTS_MAX_COLUMNS], rec;
} cols;

static void cols_of(const sp_points *p, cols *cs)
{
    cs->n = sp_points_columns(p, cs->c);
    cs->rec = 0;
    for (size_t k = 0; k < cs->n; k++) {
        cs->bytes[k] = sp_field_type_size(cs->c[k].type) * cs->c[k].count;
        cs->rec += cs->bytes[k];
    }
}

static char type_letter(sp_field_type t)
{
    return t == SP_FIELD_F32 || t == SP_FIELD_F64                       ? 'F'
           : t == SP_FIELD_U8 || t == SP_FIELD_U16 || t == SP_FIELD_U32 ? 'U'
                                                                        : 'I';
}

/* Appends to buf[*k..cap); the header buffer is sized for the most
 * columns, so this never truncates. */
static void put(char *buf, size_t cap, size_t *k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t cap, size_t *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = *k < cap ? vsnprintf(buf + *k, cap - *k, fmt, ap) : 0;
    va_end(ap);
    if (w > 0)
        *k = *k + (size_t)w < cap ? *k + (size_t)w : cap;
}

static size_t header(char *buf, size_t cap, const sp_points *p, const cols *cs,
                     sp_pcd_encoding enc)
{
    size_t k = 0;
    put(buf, cap, &k,
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS");
    for (size_t i = 0; i < cs->n; i++)
        put(buf, cap, &k, " %s", cs->c[i].name);
    put(buf, cap, &k, "\nSIZE");
    for (size_t i = 0; i < cs->n; i++)
        put(buf, cap, &k, " %zu", sp_field_type_size(cs->c[i].type));
    put(buf, cap, &k, "\nTYPE");
    for (size_t i = 0; i < cs->n; i++)
        put(buf, cap, &k, " %c", type_letter(cs->c[i].type));
    put(buf, cap, &k, "\nCOUNT");
    for (size_t i = 0; i < cs->n; i++)
        put(buf, cap, &k, " %u", (unsigned)cs->c[i].count);
    /* An organised cloud keeps its rows while no stage changed its points
     * (they leave height 0). */
    size_t h = p->height > 1 && p->count % p->height == 0 ? p->height : 1;
    static const double identity[7] = {0, 0, 0, 1, 0, 0, 0};
    const double *vp =
        p->stored && p->stored->has_viewpoint ? p->stored->viewpoint : identity;
    put(buf, cap, &k, "\nWIDTH %zu\nHEIGHT %zu\nVIEWPOINT", p->count / h, h);
    /* 17 significant digits: a double reads back bit for bit. */
    for (int i = 0; i < 7; i++)
        put(buf, cap, &k, " %.17g", vp[i]);
    put(buf, cap, &k, "\nPOINTS %zu\nDATA %s\n", p->count,
        sp_pcd_encoding_name(enc));
    return k;
}

/* One value of type @p t at @p s as ascii text; PCL's own reader takes
 * these back exactly (9 digits for float32, 17 for float64). */
static int format_value(char *o, size_t cap, sp_field_type t, const uint8_t *s)
{
    switch (t) {
    case SP_FIELD_I8:
        return snprintf(o, cap, "%d", (int)(int8_t)s[0]);
    case SP_FIELD_U8:
        return snprintf(o, cap, "%u", (unsigned)s[0]);
    case SP_FIELD_I16: {
        int16_t v;
        memcpy(&v, s, 2);
        return snprintf(o, cap, "%d", (int)v);
    }
    case SP_FIELD_U16: {
        uint16_t v;
        memcpy(&v, s, 2);
        return snprintf(o, cap, "%u", (unsigned)v);
    }
    case SP_FIELD_I32: {
        int32_t v;
        memcpy(&v, s, 4);
        return snprintf(o, cap, "%ld", (long)v);
    }
    case SP_FIELD_U32: {
        uint32_t v;
        memcpy(&v, s, 4);
        return snprintf(o, cap, "%lu", (unsigned long)v);
    }
    case SP_FIELD_F32: {
        float v;
        memcpy(&v, s, 4);
        return snprintf(o, cap, "%.9g", (double)v);
    }
    default: {
        double v;
        memcpy(&v, s, 8);
        return snprintf(o, cap, "%.17g", v);
    }
    }
}

/* Points [first, first + m) as records into @p o. */
static void records(const sp_points *p, const cols *cs, size_t first, size_t m,
                    uint8_t *o)
{
    size_t off = 0;
    for (size_t k = 0; k < cs->n; k++) {
        sp_points_column_copy(p, &cs->c[k], first, m, o + off, cs->rec);
        off += cs->bytes[k];
    }
}

/* How many records one staging round takes: about STAGE bytes, at least
 * one record. */
static size_t per_round(size_t rec)
{
    return rec < STAGE ? STAGE / rec : 1;
}

static int write_ascii(sp_pcd_writer *w, sp__afile *af, const sp_points *p,
                       const cols *cs)
{
    const char *path = af->path;
    size_t per = per_round(cs->rec);
    SP_TRY(sp__iobuf_reserve(&w->soa, per * cs->rec, path));
    /* 25 bytes hold any value with its separator. */
    size_t line_max = 0;
    for (size_t k = 0; k < cs->n; k++)
        line_max += 25 * (size_t)cs->c[k].count;
    SP_TRY(sp__iobuf_reserve(&w->lzf, STAGE + line_max + 1, path));
    char *buf = (char *)w->lzf.data;
    size_t used = 0;
    for (size_t done = 0; done < p->count;) {
        size_t m = p->count - done < per ? p->count - done : per;
        records(p, cs, done, m, w->soa.data);
        for (size_t i = 0; i < m; i++) {
            const uint8_t *r = w->soa.data + i * cs->rec;
            size_t off = 0;
            for (size_t k = 0; k < cs->n; k++) {
                size_t es = sp_field_type_size(cs->c[k].type);
                for (uint32_t j = 0; j < cs->c[k].count; j++) {
                    if (off || j)
                        buf[used++] = ' ';
                    used += (size_t)format_value(buf + used, 25, cs->c[k].type,
                                                 r + off + j * es);
                }
                off += cs->bytes[k];
            }
            buf[used++] = '\n';
            if (used >= STAGE) {
                SP_TRY(sp__afile_write(af, buf, used));
                used = 0;
            }
        }
        done += m;
    }
    return used ? sp__afile_write(af, buf, used) : SP_OK;
}

static int write_binary(sp_pcd_writer *w, sp__afile *af, const sp_points *p,
                        const cols *cs)
{
    size_t per = per_round(cs->rec);
    SP_TRY(sp__iobuf_reserve(&w->soa, per * cs->rec, af->path));
    for (size_t done = 0; done < p->count;) {
        size_t m = p->count - done < per ? p->count - done : per;
        records(p, cs, done, m, w->soa.data);
        SP_TRY(sp__afile_write(af, w->soa.data, m * cs->rec));
        done += m;
    }
    return SP_OK;
}

static int write_compressed(sp_pcd_writer *w, sp__afile *af, const sp_points *p,
                            const cols *cs)
{
    const char *path = af->path;
    size_t n = p->count, rec = cs->rec;
    if (rec && n > UINT32_MAX / rec)
        return sp__fail(SP_ERANGE,
                        "%s: %zu points of %zu bytes, expected at "
                        "most 4 GiB for binary_compressed",
                        path, n, rec);
    uint32_t usize = (uint32_t)(n * rec), csize = 0;
    if (usize) {
        /* PCL's layout: each field's column in turn. */
        SP_TRY(sp__iobuf_reserve(&w->soa, usize, path));
        size_t off = 0;
        for (size_t k = 0; k < cs->n; k++) {
            sp_points_column_copy(p, &cs->c[k], 0, n, w->soa.data + off,
                                  cs->bytes[k]);
            off += n * cs->bytes[k];
        }
        /* LZF grows incompressible data by at most 1 byte in 32. */
        size_t cap = (size_t)usize + usize / 32 + 64;
        SP_TRY(sp__iobuf_reserve(&w->lzf, cap + 8, path));
        csize =
            lzf_compress(w->soa.data, usize, w->lzf.data + 8, (unsigned)cap);
        if (csize == 0)
            return sp__fail(SP_EIO,
                            "%s: LZF compression of %u bytes did not "
                            "fit %zu",
                            path, usize, cap);
    } else {
        SP_TRY(sp__iobuf_reserve(&w->lzf, 8, path));
    }
    memcpy(w->lzf.data, &csize, 4);
    memcpy(w->lzf.data + 4, &usize, 4);
    return sp__afile_write(af, w->lzf.data, 8 + (size_t)csize);
}

int sp_pcd_writer_write(sp_pcd_writer *w, const char *path,
                        const sp_points *pts, sp_pcd_encoding encoding)
{
    SP_GUARD(w && path && pts);
    SP_GUARD(pts->count == 0 || (pts->x && pts->y && pts->z && pts->intensity));
    SP_GUARD(encoding >= SP_PCD_ASCII && encoding <= SP_PCD_BINARY_COMPRESSED);
    cols cs;
    cols_of(pts, &cs);
    /* Each column takes at most 32 + 2 + 2 + 5 bytes over the 4 lines. */
    char hdr[512 + 48 * SP_POINTS_MAX_COLUMNS];
    size_t hl = header(hdr, sizeof hdr, pts, &cs, encoding);
    sp__afile af;
    SP_TRY(sp__afile_open(&af, path));
    int rc = sp__afile_write(&af, hdr, hl);
    if (rc == SP_OK) {
        if (encoding == SP_PCD_ASCII)
            rc = write_ascii(w, &af, pts, &cs);
        else if (encoding == SP_PCD_BINARY)
            rc = write_binary(w, &af, pts, &cs);
        else
            rc = write_compressed(w, &af, pts, &cs);
    }
    if (rc < 0) {
        sp__afile_abort(&af);
        return rc;
    }
    return sp__afile_commit(&af);
}

int sp_pcd_write(const char *path, const sp_points *pts,
                 sp_pcd_encoding encoding)
{
    sp_pcd_writer *w;
    SP_TRY(sp_pcd_writer_create(&w));
    int rc = sp_pcd_writer_write(w, path, pts, encoding);
    sp_pcd_writer_destroy(w);
    return rc;
}
