/* ctest-label: io */
/* PCD reading (io/pcd_header.c, io/pcd_read.c): PCL's own test files from
 * $SP_TEST_DATA, and files written here in all three encodings with fields
 * in an unusual order, mixed types, COUNT > 1 and padding, organised clouds
 * and folders as sequences; the writer's round trips in every encoding,
 * including PCL's files. Hostile headers are in test_hostile.c. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sp_iotest.h"
#include "sp_pcd.h"

/* ---- PCL's files ---- */

static void read_all(const char *path, size_t want_points, unsigned want_fields,
                     sp_points *p, void **mem)
{
    sp_pcd_reader *r;
    size_t n;
    unsigned fields;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    assert_int_equal(sp_pcd_reader_count(r), 1);
    assert_int_equal(sp_pcd_reader_shape(r, 0, &n, &fields), SP_OK);
    assert_int_equal(n, want_points);
    assert_int_equal(fields, want_fields);
    *mem = iot_points_alloc(p, n, fields);
    assert_int_equal(sp_pcd_reader_read(r, 0, p), SP_OK);
    assert_int_equal(p->count, want_points);
    sp_pcd_reader_destroy(r);
}

static void test_bunny_v05_ascii(void **state)
{
    (void)state;
    const char *path = iot_data("pcd/bunny.pcd");
    if (!path)
        skip();
    sp_pcd_header h;
    assert_int_equal(sp_pcd_header_read(path, &h), SP_OK);
    assert_string_equal(h.version, ".5");
    assert_int_equal(h.encoding, SP_PCD_ASCII);
    assert_int_equal(h.nfields, 3);
    assert_int_equal(h.iintensity, -1);
    assert_true(h.viewpoint[3] == 1.0); /* default when absent (v0.5) */
    sp_points p;
    void *mem;
    read_all(path, 397, 0, &p, &mem);
    /* First and last lines of PCL's test/bunny.pcd. */
    assert_true(p.x[0] == 0.0054216f && p.y[0] == 0.11349f &&
                p.z[0] == 0.040749f);
    assert_true(p.intensity[0] == 0.0f);
    for (size_t i = 0; i < p.count; i++)
        assert_true(fabsf(p.x[i]) < 1 && fabsf(p.y[i]) < 1 &&
                    fabsf(p.z[i]) < 1);
    free(mem);
}

static void test_milk_binary_compressed(void **state)
{
    (void)state;
    const char *path = iot_data("pcd/milk.pcd");
    if (!path)
        skip();
    sp_pcd_header h;
    assert_int_equal(sp_pcd_header_read(path, &h), SP_OK);
    assert_int_equal(h.encoding, SP_PCD_BINARY_COMPRESSED);
    assert_true(h.viewpoint[3] == 1.0);
    sp_points p;
    void *mem;
    read_all(path, 13704, 0, &p, &mem);
    /* A milk carton about 0.2 m across: all finite, all small. */
    double sx = 0;
    for (size_t i = 0; i < p.count; i++) {
        assert_true(isfinite(p.x[i]) && isfinite(p.y[i]) && isfinite(p.z[i]));
        assert_true(fabsf(p.x[i]) < 2 && fabsf(p.y[i]) < 2 &&
                    fabsf(p.z[i]) < 2);
        sx += p.x[i];
    }
    assert_true(sx != 0);
    free(mem);
}

static void test_ndt_binary_intensity(void **state)
{
    (void)state;
    const char *path = iot_data("pcd/ndt_omp_251370668.pcd");
    if (!path)
        skip();
    sp_pcd_header h;
    assert_int_equal(sp_pcd_header_read(path, &h), SP_OK);
    assert_int_equal(h.encoding, SP_PCD_BINARY);
    assert_int_equal(h.point_size, 16);
    sp_points p;
    void *mem;
    read_all(path, 69088, 0, &p, &mem);
    /* Compare with the raw records read independently of the reader. */
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    float rec[4];
    size_t idx[3] = {0, 12345, 69087};
    for (int k = 0; k < 3; k++) {
        fseek(f, (long)(h.data_offset + idx[k] * 16), SEEK_SET);
        assert_int_equal(fread(rec, 4, 4, f), 4);
        assert_memory_equal(&p.x[idx[k]], &rec[0], 4);
        assert_memory_equal(&p.y[idx[k]], &rec[1], 4);
        assert_memory_equal(&p.z[idx[k]], &rec[2], 4);
        assert_memory_equal(&p.intensity[idx[k]], &rec[3], 4);
    }
    fclose(f);
    int nonzero = 0;
    for (size_t i = 0; i < p.count; i++)
        nonzero += p.intensity[i] != 0;
    assert_true(nonzero > 1000);
    free(mem);
}

/* ---- generated files: odd field order, mixed types ---- */

#define NP 5
static const double gx[NP] = {1.25, -3.5, 1e-3, 70.123456789, -0.0};
static const float gy[NP] = {2.5f, 0.25f, -7.75f, 3.0f, 1e6f};
static const float gz[NP] = {-1.0f, 0.5f, 0.0f, 12.5f, -2.0f};
static const uint8_t gi[NP] = {0, 17, 255, 128, 3};
static const uint16_t gring[NP] = {0, 63, 1, 127, 40000};
static const uint32_t gt[NP] = {0, 1000000, 25000000, 99999999, 7};

static const char *fields_hdr = "FIELDS intensity normal x _ rgb y z ring t\n"
                                "SIZE 1 4 8 1 4 4 4 2 4\n"
                                "TYPE U F F U U F F U U\n"
                                "COUNT 1 3 1 2 1 1 1 1 1\n";
/* record: 1 + 12 + 8 + 2 + 4 + 4 + 4 + 2 + 4 = 41 bytes */
#define REC 41

static size_t make_record(int k, uint8_t *o)
{
    float nrm[3] = {9.0f, 8.0f, 7.0f};
    uint8_t pad[2] = {0xAA, 0x55};
    uint32_t rgb = 0x00ff8040u;
    size_t off = 0;
#define PUT(v) (memcpy(o + off, &(v), sizeof(v)), off += sizeof(v))
    PUT(gi[k]);
    PUT(nrm);
    PUT(gx[k]);
    PUT(pad);
    PUT(rgb);
    PUT(gy[k]);
    PUT(gz[k]);
    PUT(gring[k]);
    PUT(gt[k]);
#undef PUT
    return off;
}

static size_t header(char *buf, size_t cap, const char *data, unsigned w,
                     unsigned h)
{
    return (size_t)snprintf(buf, cap,
                            "# .PCD v0.7 - Point Cloud Data file format\n"
                            "VERSION 0.7\n%sWIDTH %u\nHEIGHT %u\n"
                            "VIEWPOINT 1 2 3 1 0 0 0\nPOINTS %u\nDATA %s\n",
                            fields_hdr, w, h, w * h, data);
}

static void write_mixed(const char *path, sp_pcd_encoding enc)
{
    uint8_t file[4096];
    size_t n =
        header((char *)file, sizeof file, sp_pcd_encoding_name(enc), NP, 1);
    uint8_t recs[NP][REC];
    for (int k = 0; k < NP; k++)
        assert_int_equal(make_record(k, recs[k]), REC);
    if (enc == SP_PCD_BINARY) {
        memcpy(file + n, recs, sizeof recs);
        n += sizeof recs;
    } else if (enc == SP_PCD_ASCII) {
        for (int k = 0; k < NP; k++)
            n += (size_t)snprintf((char *)file + n, sizeof file - n,
                                  "%u 9 8 7 %.17g 170 85 16744512 %.9g "
                                  "%.9g %u %u\n",
                                  gi[k], gx[k], gy[k], gz[k], gring[k], gt[k]);
    } else {
        /* Column-major: each field's values for all points in turn. */
        uint8_t soa[NP * REC];
        size_t so = 0, fo = 0;
        static const size_t fsz[] = {1, 12, 8, 2, 4, 4, 4, 2, 4};
        for (int f = 0; f < 9; f++) {
            for (int k = 0; k < NP; k++) {
                memcpy(soa + so, recs[k] + fo, fsz[f]);
                so += fsz[f];
            }
            fo += fsz[f];
        }
        uint8_t lz[NP * REC * 2];
        uint32_t c = (uint32_t)iot_lzf_literals(soa, so, lz);
        uint32_t u = (uint32_t)so;
        memcpy(file + n, &c, 4);
        memcpy(file + n + 4, &u, 4);
        memcpy(file + n + 8, lz, c);
        n += 8 + c;
        memset(file + n, 0, 100); /* PCL leaves zero bytes behind */
        n += 100;
    }
    iot_write(path, file, n);
}

static void check_mixed(const sp_points *p)
{
    assert_int_equal(p->count, NP);
    for (int k = 0; k < NP; k++) {
        assert_true(p->x[k] == (float)gx[k]);
        assert_true(p->y[k] == gy[k]);
        assert_true(p->z[k] == gz[k]);
        assert_true(p->intensity[k] == (float)gi[k]);
        assert_int_equal(p->ring[k], gring[k]);
        assert_true(fabsf(p->time[k] - (float)(gt[k] * 1e-9)) < 1e-9f);
    }
}

static void test_mixed_all_encodings(void **state)
{
    (void)state;
    static const sp_pcd_encoding encs[] = {SP_PCD_ASCII, SP_PCD_BINARY,
                                           SP_PCD_BINARY_COMPRESSED};
    for (int e = 0; e < 3; e++) {
        char name[64];
        snprintf(name, sizeof name, "mixed_%s.pcd",
                 sp_pcd_encoding_name(encs[e]));
        const char *path = iot_tmp(name);
        write_mixed(path, encs[e]);
        sp_pcd_reader *r;
        size_t n;
        unsigned fields;
        assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
        assert_int_equal(sp_pcd_reader_shape(r, 0, &n, &fields), SP_OK);
        assert_int_equal(n, NP);
        assert_int_equal(fields, SP_POINTS_RING | SP_POINTS_TIME);
        const sp_pcd_header *h = sp_pcd_reader_header(r);
        assert_int_equal(h->point_size, REC);
        assert_int_equal(h->values_per_point, 12);
        assert_true(h->viewpoint[0] == 1 && h->viewpoint[2] == 3);
        assert_int_equal(h->encoding, encs[e]);
        sp_points p;
        void *mem = iot_points_alloc(&p, n, fields);
        assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_OK);
        check_mixed(&p);
        free(mem);

        /* Into points without ring/time: those columns are dropped. */
        mem = iot_points_alloc(&p, n, 0);
        assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_OK);
        assert_true(p.x[1] == (float)gx[1] && p.intensity[2] == 255.0f);
        free(mem);
        sp_pcd_reader_destroy(r);
    }
}

static void test_optional_zero_filled(void **state)
{
    (void)state;
    const char *path = iot_tmp("xyz_only.pcd");
    iot_write_str(path, "# generated by /a/very/long/path/without/any/spaces/"
                        "in/it/that/goes/on/and/on/for/a/while/now.cpp\n"
                        "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                        "COUNT 1 1 1\nWIDTH 2\nHEIGHT 1\nPOINTS 2\n"
                        "DATA ascii\n1 2 3\n\n4 5 6");
    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    sp_points p;
    void *mem = iot_points_alloc(&p, 2, SP_POINTS_RING | SP_POINTS_TIME);
    memset(p.intensity, 0x7f, 8);
    memset(p.ring, 0x7f, 4);
    memset(p.time, 0x7f, 8);
    assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_OK);
    assert_int_equal(p.count, 2);
    assert_true(p.x[1] == 4 && p.y[1] == 5 && p.z[1] == 6);
    for (int k = 0; k < 2; k++)
        assert_true(p.intensity[k] == 0 && p.ring[k] == 0 && p.time[k] == 0);
    free(mem);
    sp_pcd_reader_destroy(r);
}

static void test_organised_nan_kept(void **state)
{
    (void)state;
    const char *path = iot_tmp("organised.pcd");
    char buf[2048];
    size_t n = (size_t)snprintf(buf, sizeof buf,
                                "VERSION .7\nFIELDS x y z i\nSIZE 4 4 4 4\n"
                                "TYPE F F F F\nCOUNT 1 1 1 1\nWIDTH 3\n"
                                "HEIGHT 2\nPOINTS 6\nDATA binary\n");
    float rec[6][4];
    for (int k = 0; k < 6; k++) {
        rec[k][0] = (k == 2 || k == 4) ? NAN : (float)k;
        rec[k][1] = (k == 2 || k == 4) ? NAN : (float)(10 * k);
        rec[k][2] = (k == 2 || k == 4) ? NAN : -1.0f;
        rec[k][3] = (float)(k * 3);
    }
    memcpy(buf + n, rec, sizeof rec);
    iot_write(path, buf, n + sizeof rec);
    sp_pcd_header h;
    assert_int_equal(sp_pcd_header_read(path, &h), SP_OK);
    assert_int_equal(h.width, 3);
    assert_int_equal(h.height, 2);
    assert_int_equal(h.iintensity, 3); /* "i" is intensity */
    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    sp_points p;
    void *mem = iot_points_alloc(&p, 6, 0);
    assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_OK);
    assert_int_equal(p.count, 6);
    assert_true(isnan(p.x[2]) && isnan(p.y[4]) && isnan(p.z[4]));
    assert_true(p.x[5] == 5 && p.y[3] == 30 && p.intensity[5] == 15);
    free(mem);
    sp_pcd_reader_destroy(r);
}

static void test_folder_sequence_and_laziness(void **state)
{
    (void)state;
    const char *dir = iot_tmp("seq");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char path[1024];
    /* Written out of order; read back in name order. */
    static const int order[] = {2, 0, 1};
    for (int k = 0; k < 3; k++) {
        char body[256];
        int i = order[k];
        snprintf(path, sizeof path, "%s/scan_%03d.pcd", dir, i);
        snprintf(body, sizeof body,
                 "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\n"
                 "TYPE F F F\nWIDTH %d\nPOINTS %d\nDATA ascii\n",
                 i + 1, i + 1);
        for (int j = 0; j <= i; j++)
            snprintf(body + strlen(body), sizeof body - strlen(body),
                     "%d 0 0\n", i);
        iot_write_str(path, body);
    }
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    iot_write_str(path, "not a cloud");
    /* A broken file later in the sequence must not matter until pulled. */
    snprintf(path, sizeof path, "%s/scan_999.pcd", dir);
    iot_write_str(path, "garbage");

    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(dir, &r), SP_OK);
    assert_int_equal(sp_pcd_reader_count(r), 4);
    assert_non_null(strstr(sp_pcd_reader_path(r, 0), "scan_000.pcd"));
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        unsigned fields;
        assert_int_equal(sp_pcd_reader_shape(r, i, &n, &fields), SP_OK);
        assert_int_equal(n, i + 1);
        sp_points p;
        void *mem = iot_points_alloc(&p, n, fields);
        assert_int_equal(sp_pcd_reader_read(r, i, &p), SP_OK);
        assert_true(p.x[0] == (float)i);
        free(mem);
    }
    size_t n;
    unsigned fields;
    assert_int_equal(sp_pcd_reader_shape(r, 3, &n, &fields), SP_EFORMAT);
    iot_msg_has("scan_999.pcd", "line 1", "unknown keyword 'garbage'", NULL);
    sp_pcd_reader_destroy(r);
}

static void test_capacity_checked(void **state)
{
    (void)state;
    const char *path = iot_tmp("cap.pcd");
    iot_write_str(path, "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nWIDTH 3\n"
                        "HEIGHT 1\nDATA ascii\n1 1 1\n2 2 2\n3 3 3\n");
    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
    sp_points p;
    void *mem = iot_points_alloc(&p, 2, 0);
    assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_EINVAL);
    iot_msg_has("cap.pcd", "capacity 2", NULL);
    free(mem);
    sp_pcd_reader_destroy(r);
}

/* ---- writer round trips ---- */

/* Equal bit for bit, except that ascii keeps NaN as a NaN, not its bits. */
static void assert_same_floats(const float *a, const float *b, size_t n,
                               int ascii)
{
    for (size_t k = 0; k < n; k++) {
        if (ascii && isnan(a[k])) {
            assert_true(isnan(b[k]));
            continue;
        }
        if (memcmp(&a[k], &b[k], 4) != 0)
            fail_msg("point %zu: %.9g != %.9g", k, (double)a[k], (double)b[k]);
    }
}

static void round_trip(const sp_points *p, const char *name)
{
    static const sp_pcd_encoding encs[] = {SP_PCD_ASCII, SP_PCD_BINARY,
                                           SP_PCD_BINARY_COMPRESSED};
    const char *dir = iot_tmp("rt");
    iot_mkdirs(dir);
    sp_pcd_writer *w;
    assert_int_equal(sp_pcd_writer_create(&w), SP_OK);
    for (int e = 0; e < 3; e++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s_%s.pcd", dir, name,
                 sp_pcd_encoding_name(encs[e]));
        assert_int_equal(sp_pcd_writer_write(w, path, p, encs[e]), SP_OK);
        sp_pcd_reader *r;
        size_t n;
        unsigned fields;
        assert_int_equal(sp_pcd_reader_create(path, &r), SP_OK);
        assert_int_equal(sp_pcd_reader_shape(r, 0, &n, &fields), SP_OK);
        assert_int_equal(n, p->count);
        assert_int_equal(fields, p->fields);
        assert_int_equal(sp_pcd_reader_header(r)->encoding, encs[e]);
        sp_points q;
        void *mem = iot_points_alloc(&q, n ? n : 1, fields);
        assert_int_equal(sp_pcd_reader_read(r, 0, &q), SP_OK);
        assert_int_equal(q.count, p->count);
        int ascii = encs[e] == SP_PCD_ASCII;
        assert_same_floats(p->x, q.x, n, ascii);
        assert_same_floats(p->y, q.y, n, ascii);
        assert_same_floats(p->z, q.z, n, ascii);
        assert_same_floats(p->intensity, q.intensity, n, ascii);
        if (p->ring)
            assert_memory_equal(p->ring, q.ring, n * 2);
        if (p->time)
            assert_same_floats(p->time, q.time, n, ascii);
        free(mem);
        sp_pcd_reader_destroy(r);
    }
    sp_pcd_writer_destroy(w);
}

static void test_write_round_trip_synthetic(void **state)
{
    (void)state;
    enum { N = 5003 };
    sp_points p;
    void *mem = iot_points_alloc(&p, N, SP_POINTS_RING | SP_POINTS_TIME);
    uint32_t s = 12345;
    for (int k = 0; k < N; k++) {
        s = s * 1664525u + 1013904223u;
        p.x[k] = (float)((int32_t)s) * 1e-6f;
        p.y[k] = (float)(s >> 8) * 1e-3f;
        p.z[k] = k % 7 == 0 ? 1.0f / (float)(k + 1) : -(float)k;
        p.intensity[k] = (float)(s & 255);
        p.ring[k] = (uint16_t)(k % 128);
        p.time[k] = (float)k * 1e-5f;
    }
    p.x[3] = NAN;
    p.y[4] = -0.0f;
    p.z[5] = 1e-40f; /* subnormal */
    p.x[6] = 3.4e38f;
    p.count = N;
    round_trip(&p, "synthetic");
    /* Without the optional arrays, and empty. */
    sp_points q = p;
    q.ring = NULL;
    q.time = NULL;
    q.fields = 0;
    round_trip(&q, "xyzi");
    q.count = 0;
    round_trip(&q, "empty");
    q.count = 1;
    round_trip(&q, "one");
    free(mem);
}

static void test_write_round_trip_real(void **state)
{
    (void)state;
    static const char *files[] = {"pcd/bunny.pcd", "pcd/milk.pcd",
                                  "pcd/ndt_omp_251370668.pcd"};
    static const size_t counts[] = {397, 13704, 69088};
    int any = 0;
    for (int f = 0; f < 3; f++) {
        const char *path = iot_data(files[f]);
        if (!path)
            continue;
        any = 1;
        sp_points p;
        void *mem;
        read_all(path, counts[f], 0, &p, &mem);
        char name[32];
        snprintf(name, sizeof name, "real%d", f);
        round_trip(&p, name);
        free(mem);
    }
    if (!any)
        skip();
}

static void test_write_failure_leaves_nothing(void **state)
{
    (void)state;
    sp_points p;
    void *mem = iot_points_alloc(&p, 4, 0);
    memset(p.x, 0, 16);
    memset(p.y, 0, 16);
    memset(p.z, 0, 16);
    memset(p.intensity, 0, 16);
    p.count = 4;
    assert_int_equal(
        sp_pcd_write(iot_tmp("no/such/dir/x.pcd"), &p, SP_PCD_BINARY), SP_EIO);
    iot_msg_has("no/such/dir/x.pcd", "cannot create a temporary file", NULL);
    /* A successful write leaves exactly one file: no temporary behind. */
    const char *dir = iot_tmp("clean");
    iot_rmdir(dir);
    iot_mkdirs(dir);
    char path[1024];
    snprintf(path, sizeof path, "%s/a.pcd", dir);
    assert_int_equal(sp_pcd_write(path, &p, SP_PCD_BINARY_COMPRESSED), SP_OK);
    sp_pcd_reader *r;
    assert_int_equal(sp_pcd_reader_create(dir, &r), SP_OK);
    assert_int_equal(sp_pcd_reader_count(r), 1);
    sp_pcd_reader_destroy(r);
    free(mem);
}

/* A header longer than the reader looks at (SP_PCD_MAX_HEADER) is called
 * that, not a header without its DATA line. */
static void test_header_too_long(void **state)
{
    (void)state;
    size_t cap = SP_PCD_MAX_HEADER + 4096;
    char *t = malloc(cap);
    assert_non_null(t);
    /* Comment lines up to exactly SP_PCD_MAX_HEADER bytes, so what the
     * reader looks at ends at a line's end (where it used to say the
     * header "ends without a DATA line"). */
    size_t n = (size_t)snprintf(t, cap, "VERSION .7\n");
    while (n + 80 <= SP_PCD_MAX_HEADER)
        n += (size_t)snprintf(t + n, cap - n, "# %76s\n", "comment");
    size_t pad = SP_PCD_MAX_HEADER - n;
    assert_true(pad >= 3);
    t[n++] = '#';
    memset(t + n, ' ', pad - 2);
    n += pad - 2;
    t[n++] = '\n';
    assert_int_equal(n, SP_PCD_MAX_HEADER);
    n += (size_t)snprintf(t + n, cap - n,
                          "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 "
                          "1\nWIDTH 1\nHEIGHT 1\nPOINTS 1\nDATA ascii\n1 2 "
                          "3\n");
    const char *path = iot_tmp("long_header.pcd");
    iot_write(path, t, n);
    free(t);
    sp_pcd_header h;
    assert_int_equal(sp_pcd_header_read(path, &h), SP_EFORMAT);
    iot_msg_has("long_header.pcd", "header too long",
                "no DATA line in the first 65536 bytes", NULL);
}

/* Values a float32 cannot hold are refused, naming the file, the point or
 * line, and the field (sp_pcd.h); NaN written as such still passes. */
static void test_values_beyond_float32(void **state)
{
    (void)state;
    /* Binary, x as F 8 holding 1e300 at point 1. */
    char hdr[512];
    int hl = snprintf(hdr, sizeof hdr,
                      "VERSION .7\nFIELDS x y z\nSIZE 8 4 4\nTYPE F F F\n"
                      "COUNT 1 1 1\nWIDTH 2\nHEIGHT 1\nPOINTS 2\n"
                      "DATA binary\n");
    uint8_t buf[600];
    memcpy(buf, hdr, (size_t)hl);
    double xs[2] = {1.5, 1e300};
    float yz[2] = {2, 3};
    size_t o = (size_t)hl;
    for (int k = 0; k < 2; k++) {
        memcpy(buf + o, &xs[k], 8);
        memcpy(buf + o + 8, yz, 8);
        o += 16;
    }
    const char *bin = iot_tmp("f8_huge.pcd");
    iot_write(bin, buf, o);
    sp_pcd_reader *r = NULL;
    assert_int_equal(sp_pcd_reader_create(bin, &r), SP_OK);
    sp_points p;
    void *mem = iot_points_alloc(&p, 2, 0);
    assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_ERANGE);
    iot_msg_has("f8_huge.pcd", "point 1", "field 'x' (F8)", "1e+300",
                "beyond float32's range", NULL);
    sp_pcd_reader_destroy(r);

    /* ascii: 1e39 for an F 4 field, and 1e400 (past even a double). */
    static const char *const vals[] = {"1e39", "-1e39", "1e400"};
    for (int k = 0; k < 3; k++) {
        char text[512];
        snprintf(text, sizeof text,
                 "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                 "COUNT 1 1 1\nWIDTH 2\nHEIGHT 1\nPOINTS 2\nDATA ascii\n"
                 "1 2 3\n4 %s 6\n",
                 vals[k]);
        const char *asc = iot_tmp("f4_huge.pcd");
        iot_write_str(asc, text);
        assert_int_equal(sp_pcd_reader_create(asc, &r), SP_OK);
        assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_ERANGE);
        iot_msg_has("f4_huge.pcd: line 11", vals[k], "field 'y'",
                    "beyond float32's range", NULL);
        sp_pcd_reader_destroy(r);
    }
    /* NaN, written as NaN, and the largest float itself (as the writer
     * prints it, 9 digits, a little above FLT_MAX) pass. */
    const char *ok = iot_tmp("f4_edge.pcd");
    iot_write_str(ok, "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
                      "COUNT 1 1 1\nWIDTH 2\nHEIGHT 1\nPOINTS 2\n"
                      "DATA ascii\nnan nan nan\n3.40282347e+38 1e-320 -0\n");
    assert_int_equal(sp_pcd_reader_create(ok, &r), SP_OK);
    assert_int_equal(sp_pcd_reader_read(r, 0, &p), SP_OK);
    assert_true(isnan(p.x[0]));
    assert_true(p.x[1] == 3.40282347e+38f);
    assert_true(p.y[1] == 0.0f);
    sp_pcd_reader_destroy(r);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bunny_v05_ascii),
        cmocka_unit_test(test_milk_binary_compressed),
        cmocka_unit_test(test_ndt_binary_intensity),
        cmocka_unit_test(test_mixed_all_encodings),
        cmocka_unit_test(test_optional_zero_filled),
        cmocka_unit_test(test_organised_nan_kept),
        cmocka_unit_test(test_folder_sequence_and_laziness),
        cmocka_unit_test(test_capacity_checked),
        cmocka_unit_test(test_write_round_trip_synthetic),
        cmocka_unit_test(test_write_round_trip_real),
        cmocka_unit_test(test_write_failure_leaves_nothing),
        cmocka_unit_test(test_header_too_long),
        cmocka_unit_test(test_values_beyond_float32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
