/* libFuzzer target: PCD's binary_compressed data path (the two stated
 * sizes, their checks against the header and the bytes present, the LZF
 * decode into a scratch buffer and the column split) behind a fixed, valid
 * header, so every execution reaches the LZF code instead of dying in the
 * header parser.
 *
 * Input: byte 0 picks the mode and one of four field layouts.
 *  - decode mode: bytes 1-2 are POINTS (little-endian), the rest is the
 *    DATA section exactly as a file holds it (uint32 compressed size,
 *    uint32 uncompressed size, LZF). The decoder gets an exact-size heap
 *    copy, so any read past it is an ASan error. It must return SP_OK with
 *    count = POINTS, or SP_EFORMAT with a message naming the file.
 *  - round-trip mode: the rest is column data; it is compressed with
 *    liblzf's own encoder (as PCL writes it) and must decode back to the
 *    same values (x, y, z, intensity, ring), so the size checks can never
 *    refuse a stream a real writer produced.
 * liblzf itself is the system library, not instrumented: its own bounds
 * checks are what keep lzf_decompress inside its buffers. */
#include <lzf.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcd_int.h"

static const char *const layouts[4] = {
    "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\n",
    "FIELDS x y z intensity ring\nSIZE 4 4 4 1 2\nTYPE F F F U U\n"
    "COUNT 1 1 1 1 1\n",
    "FIELDS x y z time\nSIZE 8 8 8 8\nTYPE F F F F\nCOUNT 1 1 1 1\n",
    /* COUNT > 1 and padding fields between the ones kept. */
    "FIELDS x normal y z _\nSIZE 4 4 4 4 1\nTYPE F F F F U\n"
    "COUNT 1 3 1 1 3\n",
};

/* Header of @p layout with @p points points; 0 on success. */
static int make_header(unsigned layout, unsigned points, sp_pcd_header *h)
{
    char text[512];
    int n = snprintf(text, sizeof text,
                     "# .PCD v0.7\nVERSION 0.7\n%sWIDTH %u\nHEIGHT 1\n"
                     "VIEWPOINT 0 0 0 1 0 0 0\nPOINTS %u\n"
                     "DATA binary_compressed\n",
                     layouts[layout], points, points);
    if (sp_pcd_header_parse(text, (size_t)n, "fuzz.pcd", h) != SP_OK)
        abort(); /* the fixed headers are valid */
    return 0;
}

/* An sp_points with exactly @p cap points of room (ring and time on).
 * Returns the block to free, NULL when it cannot be had. */
static void *points_alloc(sp_points *p, size_t cap)
{
    unsigned fields = SP_POINTS_RING | SP_POINTS_TIME;
    size_t bytes = sp_points_block_size(cap ? cap : 1, fields);
    void *mem = aligned_alloc(SP_ARRAY_ALIGN, (bytes + 63) & ~(size_t)63);
    if (!mem)
        return NULL;
    if (sp_points_init(p, mem, bytes, cap ? cap : 1, fields) != SP_OK)
        abort();
    return mem;
}

/* Value of column @p col's element @p i as sp_points holds it. */
static float expect_f(const uint8_t *col, size_t i, unsigned size, char type)
{
    if (type == 'F' && size == 4) {
        float v;
        memcpy(&v, col + 4 * i, 4);
        return v;
    }
    if (type == 'F' && size == 8) {
        double v;
        memcpy(&v, col + 8 * i, 8);
        return (float)v;
    }
    if (type == 'U' && size == 1)
        return (float)col[i];
    abort();
}

static int same_float(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void check_error(int rc)
{
    const char *m = sp_errmsg();
    /* Malformed data, or a float64 value no float32 holds (sp_pcd.h). */
    int range = rc == SP_ERANGE && strstr(m, "beyond float32's range");
    if ((rc != SP_EFORMAT && !range) || strncmp(m, "fuzz.pcd: ", 10) != 0 ||
        !strstr(m, "expected")) {
        fprintf(stderr, "unexpected status %d (%s): %s\n", rc,
                sp_status_name(rc), m);
        abort();
    }
}

static void decode_mode(const sp_pcd_header *h, const uint8_t *data,
                        size_t size, sp__iobuf *scratch)
{
    uint8_t *copy = malloc(size ? size : 1);
    sp_points p;
    void *mem = points_alloc(&p, (size_t)h->points);
    if (copy && mem) {
        memcpy(copy, data, size);
        int rc = sp__pcd_decode(h, copy, size, "fuzz.pcd", &p, scratch);
        if (rc == SP_OK) {
            if (p.count != h->points)
                abort();
        } else {
            check_error(rc);
        }
    }
    free(mem);
    free(copy);
}

static void roundtrip_mode(const sp_pcd_header *h0, unsigned layout,
                           const uint8_t *data, size_t size, sp__iobuf *scratch)
{
    sp_pcd_header h;
    size_t ps = h0->point_size;
    size_t n = size / ps;
    make_header(layout, (unsigned)n, &h);
    size_t usize = n * ps;
    if (usize == 0)
        return;
    /* liblzf's worst case grows incompressible data by 1 byte in 32. */
    size_t cap = usize + usize / 16 + 64;
    uint8_t *file = malloc(8 + cap);
    sp_points p;
    void *mem = points_alloc(&p, n);
    if (!file || !mem)
        goto out;
    unsigned csize =
        lzf_compress(data, (unsigned)usize, file + 8, (unsigned)cap);
    if (csize == 0)
        abort(); /* cap is above liblzf's worst case */
    uint32_t c32 = csize, u32 = (uint32_t)usize;
    memcpy(file, &c32, 4);
    memcpy(file + 4, &u32, 4);
    /* Exact size: the decoder must not look past the compressed bytes. */
    uint8_t *exact = realloc(file, 8 + (size_t)csize);
    if (!exact)
        goto out;
    file = exact;
    int rc =
        sp__pcd_decode(&h, file, 8 + (size_t)csize, "fuzz.pcd", &p, scratch);
    /* An F8 coordinate beyond float32's range is refused, not made an
     * infinity (sp_pcd.h): expected exactly when the data holds one. */
    int too_big = 0;
    int fi[5] = {h.ix, h.iy, h.iz, h.iintensity, h.itime};
    for (int k = 0; k < 5; k++) {
        if (fi[k] < 0 || h.fields[fi[k]].type != 'F' ||
            h.fields[fi[k]].size != 8)
            continue;
        const uint8_t *col = data + n * h.fields[fi[k]].offset;
        /* Times are taken relative to the first point's (finite) value. */
        double t0 = 0;
        if (k == 4 && n) {
            memcpy(&t0, col, 8);
            if (!isfinite(t0))
                t0 = 0;
        }
        for (size_t i = 0; i < n; i++) {
            double v;
            memcpy(&v, col + 8 * i, 8);
            v -= t0;
            /* A first time above 1e12 says nanoseconds (sp_pcd.h). */
            if (k == 4 && fabs(t0) > 1e12)
                v *= 1e-9;
            if (isfinite(v) && isinf((float)v))
                too_big = 1;
        }
    }
    if (too_big) {
        if (rc != SP_ERANGE || !strstr(sp_errmsg(), "beyond float32")) {
            fprintf(stderr,
                    "an F8 value beyond float32 was not refused: "
                    "%d %s\n",
                    rc, sp_errmsg());
            abort();
        }
        goto out;
    }
    if (rc != SP_OK) {
        fprintf(stderr, "a stream lzf_compress wrote was refused: %s\n",
                sp_errmsg());
        abort();
    }
    if (p.count != n)
        abort();
    /* Columns are stored one after another (SoA), each n x size x count. */
    float *got[4] = {p.x, p.y, p.z, p.intensity};
    int idx[4] = {h.ix, h.iy, h.iz, h.iintensity};
    for (int k = 0; k < 4; k++) {
        if (idx[k] < 0)
            continue;
        const sp_pcd_field *f = &h.fields[idx[k]];
        const uint8_t *col = data + n * f->offset;
        for (size_t i = 0; i < n; i++)
            if (!same_float(got[k][i], expect_f(col, i, f->size, f->type))) {
                fprintf(stderr, "field %s point %zu differs\n", f->name, i);
                abort();
            }
    }
    if (h.iring >= 0) {
        const uint8_t *col = data + n * h.fields[h.iring].offset;
        for (size_t i = 0; i < n; i++) {
            uint16_t r;
            memcpy(&r, col + 2 * i, 2);
            if (p.ring[i] != r)
                abort();
        }
    }
out:
    free(mem);
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Grow-only, as a reader's: reuse across inputs is part of the test. */
    static sp__iobuf scratch;
    if (size < 3)
        return 0;
    unsigned layout = data[0] & 3u;
    sp_pcd_header h;
    if (data[0] & 4u) {
        make_header(layout, 0, &h);
        roundtrip_mode(&h, layout, data + 1, size - 1, &scratch);
    } else {
        unsigned points = (unsigned)data[1] | (unsigned)data[2] << 8;
        make_header(layout, points, &h);
        decode_mode(&h, data + 3, size - 3, &scratch);
    }
    return 0;
}
