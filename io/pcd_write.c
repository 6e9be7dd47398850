/* PCD writer: v0.7 headers and ascii / binary / binary_compressed data,
 * written to a temporary file that is renamed when complete.
 *
 * ascii and binary are staged through a fixed stack buffer; binary_compressed
 * needs the whole cloud column by column and its LZF output, kept in
 * grow-only buffers owned by the writer. */
#include <lzf.h>
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

static int header(char *buf, size_t cap, const sp_points *p,
                  sp_pcd_encoding enc)
{
    int ring = p->ring != NULL, tm = p->time != NULL;
    return snprintf(buf, cap,
                    "# .PCD v0.7 - Point Cloud Data file format\n"
                    "VERSION 0.7\n"
                    "FIELDS x y z intensity%s%s\n"
                    "SIZE 4 4 4 4%s%s\n"
                    "TYPE F F F F%s%s\n"
                    "COUNT 1 1 1 1%s%s\n"
                    "WIDTH %zu\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\n"
                    "POINTS %zu\nDATA %s\n",
                    ring ? " ring" : "", tm ? " time" : "", ring ? " 2" : "",
                    tm ? " 4" : "", ring ? " U" : "", tm ? " F" : "",
                    ring ? " 1" : "", tm ? " 1" : "", p->count, p->count,
                    sp_pcd_encoding_name(enc));
}

static int write_ascii(sp__afile *af, const sp_points *p)
{
    char buf[STAGE];
    size_t used = 0;
    for (size_t k = 0; k < p->count; k++) {
        /* 9 significant digits: every float32 reads back bit for bit. */
        char line[160];
        int n = snprintf(line, sizeof line, "%.9g %.9g %.9g %.9g", p->x[k],
                         p->y[k], p->z[k], p->intensity[k]);
        if (p->ring)
            n += snprintf(line + n, sizeof line - (size_t)n, " %u",
                          (unsigned)p->ring[k]);
        if (p->time)
            n += snprintf(line + n, sizeof line - (size_t)n, " %.9g",
                          p->time[k]);
        line[n++] = '\n';
        if (used + (size_t)n > sizeof buf) {
            SP_TRY(sp__afile_write(af, buf, used));
            used = 0;
        }
        memcpy(buf + used, line, (size_t)n);
        used += (size_t)n;
    }
    return used ? sp__afile_write(af, buf, used) : SP_OK;
}

static size_t record_size(const sp_points *p)
{
    return 16 + (p->ring ? 2 : 0) + (p->time ? 4 : 0);
}

static int write_binary(sp__afile *af, const sp_points *p)
{
    uint8_t buf[STAGE];
    size_t rec = record_size(p), per = sizeof buf / rec;
    for (size_t done = 0; done < p->count;) {
        size_t m = p->count - done < per ? p->count - done : per;
        for (size_t k = 0; k < m; k++) {
            uint8_t *o = buf + k * rec;
            size_t i = done + k;
            memcpy(o, &p->x[i], 4);
            memcpy(o + 4, &p->y[i], 4);
            memcpy(o + 8, &p->z[i], 4);
            memcpy(o + 12, &p->intensity[i], 4);
            size_t off = 16;
            if (p->ring) {
                memcpy(o + off, &p->ring[i], 2);
                off += 2;
            }
            if (p->time)
                memcpy(o + off, &p->time[i], 4);
        }
        SP_TRY(sp__afile_write(af, buf, m * rec));
        done += m;
    }
    return SP_OK;
}

static int write_compressed(sp_pcd_writer *w, sp__afile *af, const sp_points *p)
{
    const char *path = af->path;
    size_t n = p->count, rec = record_size(p);
    if (n > UINT32_MAX / rec)
        return sp__fail(SP_ERANGE,
                        "%s: %zu points of %zu bytes, expected at "
                        "most 4 GiB for binary_compressed",
                        path, n, rec);
    uint32_t usize = (uint32_t)(n * rec), csize = 0;
    if (usize) {
        /* PCL's layout: each field's column in turn. */
        SP_TRY(sp__iobuf_reserve(&w->soa, usize, path));
        uint8_t *o = w->soa.data;
        memcpy(o, p->x, n * 4);
        memcpy(o + n * 4, p->y, n * 4);
        memcpy(o + n * 8, p->z, n * 4);
        memcpy(o + n * 12, p->intensity, n * 4);
        size_t off = n * 16;
        if (p->ring) {
            memcpy(o + off, p->ring, n * 2);
            off += n * 2;
        }
        if (p->time)
            memcpy(o + off, p->time, n * 4);
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
    char hdr[512];
    int hl = header(hdr, sizeof hdr, pts, encoding);
    sp__afile af;
    SP_TRY(sp__afile_open(&af, path));
    int rc = sp__afile_write(&af, hdr, (size_t)hl);
    if (rc == SP_OK) {
        if (encoding == SP_PCD_ASCII)
            rc = write_ascii(&af, pts);
        else if (encoding == SP_PCD_BINARY)
            rc = write_binary(&af, pts);
        else
            rc = write_compressed(w, &af, pts);
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
