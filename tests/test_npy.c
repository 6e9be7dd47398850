/* ctest-label: io */
/* .npy writer and reader (io/npy.c): header bytes against the format
 * specification, round trips of points, every pixel format and tensors,
 * temporary-file hygiene, hostile headers, and numpy.load when numpy is
 * installed. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "oracle_run.h"
#include "sp_npy.h"

static char tmpdir[512];

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("SP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s", t ? t : "/tmp/sp_test_npy");
    mkdir(tmpdir, 0777);
    return 0;
}

static const char *tpath(const char *name)
{
    static char p[4][1024];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof p[i], "%s/%s", tmpdir, name);
    return p[i];
}

static size_t slurp(const char *path, uint8_t **out)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *out = malloc((size_t)n + 1);
    assert_int_equal(fread(*out, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return (size_t)n;
}

static void put_bytes(const char *path, const void *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

/* No ".NAME.tmp." leftovers in the scratch folder. */
static void assert_no_temp_files(void)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp."))
            fail_msg("temporary file left behind: %s", e->d_name);
    closedir(d);
}

/* The header the npy format specification (version 1.0) prescribes, built
 * independently of the writer: magic, version, little-endian length, the
 * dict literal, space padding and a newline, data aligned to 64. */
static size_t spec_header(char *out, const char *dict)
{
    size_t total = (10 + strlen(dict) + 1 + 63) / 64 * 64;
    memcpy(out, "\x93NUMPY\x01\x00", 8);
    out[8] = (char)((total - 10) & 0xff);
    out[9] = (char)((total - 10) >> 8);
    memcpy(out + 10, dict, strlen(dict));
    memset(out + 10 + strlen(dict), ' ', total - 11 - strlen(dict));
    out[total - 1] = '\n';
    return total;
}

static void test_header_bytes(void **state)
{
    (void)state;
    float data[12];
    for (int i = 0; i < 12; i++)
        data[i] = (float)i * 0.5f;
    sp_tensor t = {
        .data = data, .dtype = SP_DTYPE_F32, .ndim = 2, .shape = {3, 4, 1, 1}};
    const char *path = tpath("hdr.npy");
    assert_int_equal(sp_npy_write_tensor(path, &t), SP_OK);
    char want[256];
    size_t wn = spec_header(
        want, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }");
    assert_int_equal(wn, 128);
    uint8_t *got;
    size_t n = slurp(path, &got);
    assert_int_equal(n, wn + sizeof data);
    assert_memory_equal(got, want, wn);
    assert_memory_equal(got + wn, data, sizeof data);
    free(got);

    /* 1-D shapes carry Python's trailing comma. */
    uint16_t v[5] = {1, 2, 3, 65535, 0};
    sp_tensor t1 = {
        .data = v, .dtype = SP_DTYPE_U16, .ndim = 1, .shape = {5, 1, 1, 1}};
    path = tpath("hdr1.npy");
    assert_int_equal(sp_npy_write_tensor(path, &t1), SP_OK);
    wn = spec_header(
        want, "{'descr': '<u2', 'fortran_order': False, 'shape': (5,), }");
    n = slurp(path, &got);
    assert_int_equal(n, wn + sizeof v);
    assert_memory_equal(got, want, wn);
    free(got);
    assert_no_temp_files();
}

typedef struct test_points {
    sp_points p;
    float *buf;
} test_points;

static void make_points(test_points *tp, size_t n, unsigned fields)
{
    tp->buf = malloc((n ? n : 1) * 6 * sizeof(float));
    float *b = tp->buf;
    tp->p = (sp_points){.x = b,
                        .y = b + n,
                        .z = b + 2 * n,
                        .intensity = b + 3 * n,
                        .count = n,
                        .capacity = n,
                        .fields = fields};
    if (fields & SP_POINTS_RING)
        tp->p.ring = (uint16_t *)(b + 4 * n);
    if (fields & SP_POINTS_TIME)
        tp->p.time = b + 5 * n;
    for (size_t i = 0; i < n; i++) {
        tp->p.x[i] = (float)i * 0.25f - 3.0f;
        tp->p.y[i] = (float)i * -1.5f;
        tp->p.z[i] = (float)(i % 7) - 1.73f;
        tp->p.intensity[i] = (float)(i % 100) / 100.0f;
        if (tp->p.ring)
            tp->p.ring[i] = (uint16_t)(i % 64);
        if (tp->p.time)
            tp->p.time[i] = (float)i * 1e-6f;
    }
}

static void check_points_file(const char *path, const sp_points *p,
                              unsigned fields)
{
    size_t cols = 4 + !!(fields & SP_POINTS_RING) + !!(fields & SP_POINTS_TIME);
    sp_npy_header h;
    assert_int_equal(sp_npy_read_header(path, &h), SP_OK);
    assert_string_equal(h.descr, "<f4");
    assert_int_equal(h.ndim, 2);
    assert_int_equal(h.shape[0], p->count);
    assert_int_equal(h.shape[1], cols);
    float *rows = malloc(h.data_bytes + 4);
    assert_int_equal(sp_npy_read(path, &h, rows, h.data_bytes), SP_OK);
    for (size_t i = 0; i < p->count; i++) {
        const float *r = rows + i * cols;
        assert_true(r[0] == p->x[i] && r[1] == p->y[i] && r[2] == p->z[i] &&
                    r[3] == p->intensity[i]);
        size_t c = 4;
        if (fields & SP_POINTS_RING)
            assert_true(r[c++] == (float)p->ring[i]);
        if (fields & SP_POINTS_TIME)
            assert_true(r[c++] == p->time[i]);
    }
    free(rows);
}

static void test_points_roundtrip(void **state)
{
    (void)state;
    /* 2500 points span several stack buffers (1024 rows each). */
    test_points tp;
    make_points(&tp, 2500, SP_POINTS_RING | SP_POINTS_TIME);
    static const unsigned fsets[] = {0, SP_POINTS_RING, SP_POINTS_TIME,
                                     SP_POINTS_RING | SP_POINTS_TIME};
    for (int k = 0; k < 4; k++) {
        const char *path = tpath("pts.npy");
        assert_int_equal(sp_npy_write_points(path, &tp.p, fsets[k]), SP_OK);
        check_points_file(path, &tp.p, fsets[k]);
    }
    free(tp.buf);

    /* zero points: a (0, 4) array */
    make_points(&tp, 0, 0);
    assert_int_equal(sp_npy_write_points(tpath("empty.npy"), &tp.p, 0), SP_OK);
    check_points_file(tpath("empty.npy"), &tp.p, 0);

    /* asking for a column the points lack */
    assert_int_equal(
        sp_npy_write_points(tpath("noring.npy"), &tp.p, SP_POINTS_RING),
        SP_EINVAL);
    assert_non_null(strstr(sp_errmsg(), "noring.npy"));
    assert_non_null(strstr(sp_errmsg(), "ring"));
    assert_int_equal(access(tpath("noring.npy"), F_OK), -1);
    free(tp.buf);
    assert_no_temp_files();
}

static void image_case(sp_pixfmt fmt, uint32_t w, uint32_t h, const char *descr,
                       int ndim, size_t s0, size_t s1, size_t s2)
{
    size_t row = sp_image_row_bytes(w, fmt);
    size_t stride =
        row + 13; /* padded, unaligned: the writer must drop padding */
    size_t rows = fmt == SP_PIX_NV12 ? (size_t)h * 3 / 2 : h;
    uint8_t *mem = malloc(stride * rows);
    for (size_t i = 0; i < stride * rows; i++)
        mem[i] = (uint8_t)(i * 31u + 7u);
    sp_image img = {
        .data = mem, .width = w, .height = h, .stride = stride, .format = fmt};
    const char *path = tpath("img.npy");
    if (sp_npy_write_image(path, &img) != SP_OK)
        fail_msg("%s: %s", sp_pixfmt_name(fmt), sp_errmsg());
    sp_npy_header hd;
    assert_int_equal(sp_npy_read_header(path, &hd), SP_OK);
    assert_string_equal(hd.descr, descr);
    assert_int_equal(hd.ndim, ndim);
    assert_int_equal(hd.shape[0], s0);
    assert_int_equal(hd.shape[1], s1);
    if (ndim == 3)
        assert_int_equal(hd.shape[2], s2);
    assert_int_equal(hd.data_bytes, row * rows);
    uint8_t *back = malloc(hd.data_bytes);
    assert_int_equal(sp_npy_read(path, &hd, back, hd.data_bytes), SP_OK);
    for (size_t y = 0; y < rows; y++)
        assert_memory_equal(back + y * row, mem + y * stride, row);
    free(back);

    /* and the unpadded case goes through the single-write path */
    img.stride = row;
    assert_int_equal(sp_npy_write_image(path, &img), SP_OK);
    assert_int_equal(sp_npy_read_header(path, &hd), SP_OK);
    back = malloc(hd.data_bytes);
    assert_int_equal(sp_npy_read(path, &hd, back, hd.data_bytes), SP_OK);
    assert_memory_equal(back, mem, row * rows);
    free(back);
    free(mem);
}

static void test_image_formats(void **state)
{
    (void)state;
    image_case(SP_PIX_GRAY8, 37, 101, "|u1", 2, 101, 37, 0);
    image_case(SP_PIX_BAYER_RGGB8, 40, 20, "|u1", 2, 20, 40, 0);
    image_case(SP_PIX_GRAY16, 37, 9, "<u2", 2, 9, 37, 0);
    image_case(SP_PIX_BAYER_GBRG16, 8, 6, "<u2", 2, 6, 8, 0);
    image_case(SP_PIX_RGB8, 33, 70, "|u1", 3, 70, 33, 3);
    image_case(SP_PIX_BGR8, 33, 7, "|u1", 3, 7, 33, 3);
    image_case(SP_PIX_RGBA8, 5, 3, "|u1", 3, 3, 5, 4);
    image_case(SP_PIX_RGB16, 5, 3, "<u2", 3, 3, 5, 3);
    image_case(SP_PIX_F32, 17, 4, "<f4", 2, 4, 17, 0);
    image_case(SP_PIX_NV12, 16, 10, "|u1", 2, 15, 16, 0);
    image_case(SP_PIX_YUYV, 16, 3, "|u1", 3, 3, 16, 2);
    image_case(SP_PIX_GRAY8, 1, 1, "|u1", 2, 1, 1, 0);
    assert_no_temp_files();
}

static void test_tensor_dtypes(void **state)
{
    (void)state;
    static const sp_dtype dts[] = {SP_DTYPE_U8, SP_DTYPE_U16, SP_DTYPE_I32,
                                   SP_DTYPE_F32};
    static const char *descrs[] = {"|u1", "<u2", "<i4", "<f4"};
    uint8_t data[2 * 3 * 5 * 7 * 4];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13u);
    for (int k = 0; k < 4; k++)
        for (int nd = 1; nd <= 4; nd++) {
            sp_tensor t = {.data = data,
                           .dtype = dts[k],
                           .ndim = nd,
                           .shape = {1, 1, 1, 1}};
            static const size_t dims[4] = {2, 3, 5, 7};
            size_t count = 1;
            for (int i = 0; i < nd; i++) {
                t.shape[i] = dims[i];
                count *= dims[i];
            }
            const char *path = tpath("t.npy");
            assert_int_equal(sp_npy_write_tensor(path, &t), SP_OK);
            sp_npy_header h;
            uint8_t back[sizeof data];
            assert_int_equal(sp_npy_read(path, &h, back, sizeof back), SP_OK);
            assert_string_equal(h.descr, descrs[k]);
            assert_int_equal(h.ndim, nd);
            for (int i = 0; i < nd; i++)
                assert_int_equal(h.shape[i], dims[i]);
            assert_int_equal(h.count, count);
            assert_memory_equal(back, data, count * sp_dtype_size(dts[k]));
        }
    /* a zero-sized dimension is a valid empty array */
    sp_tensor z = {
        .data = data, .dtype = SP_DTYPE_F32, .ndim = 2, .shape = {0, 8, 1, 1}};
    assert_int_equal(sp_npy_write_tensor(tpath("zero.npy"), &z), SP_OK);
    sp_npy_header h;
    assert_int_equal(sp_npy_read(tpath("zero.npy"), &h, NULL, 0), SP_OK);
    assert_int_equal(h.count, 0);
    /* too small a buffer */
    sp_tensor t = {
        .data = data, .dtype = SP_DTYPE_F32, .ndim = 1, .shape = {8, 1, 1, 1}};
    assert_int_equal(sp_npy_write_tensor(tpath("small.npy"), &t), SP_OK);
    float four[4];
    assert_int_equal(sp_npy_read(tpath("small.npy"), &h, four, sizeof four),
                     SP_ERANGE);
    assert_no_temp_files();
}

static void test_write_failures(void **state)
{
    (void)state;
    float v[4] = {1, 2, 3, 4};
    sp_tensor t = {
        .data = v, .dtype = SP_DTYPE_F32, .ndim = 1, .shape = {4, 1, 1, 1}};
    /* a folder that does not exist */
    const char *missing = tpath("no/such/dir/x.npy");
    assert_int_equal(sp_npy_write_tensor(missing, &t), SP_EIO);
    assert_non_null(strstr(sp_errmsg(), missing));
    assert_non_null(strstr(sp_errmsg(), strerror(ENOENT)));
    /* a read-only folder (root ignores permissions: skip that part) */
    const char *ro = tpath("readonly");
    mkdir(ro, 0777);
    chmod(ro, 0555);
    char target[1100];
    snprintf(target, sizeof target, "%s/x.npy", ro);
    if (geteuid() != 0) {
        assert_int_equal(sp_npy_write_tensor(target, &t), SP_EIO);
        assert_non_null(strstr(sp_errmsg(), target));
        assert_non_null(strstr(sp_errmsg(), strerror(EACCES)));
    }
    chmod(ro, 0777);
    /* a path naming a folder */
    assert_int_equal(sp_npy_write_tensor(tpath(""), &t), SP_EINVAL);

    /* an existing file is replaced whole */
    const char *path = tpath("replace.npy");
    put_bytes(path, "old contents", 12);
    assert_int_equal(sp_npy_write_tensor(path, &t), SP_OK);
    sp_npy_header h;
    float back[4];
    assert_int_equal(sp_npy_read(path, &h, back, sizeof back), SP_OK);
    assert_memory_equal(back, v, sizeof v);
    assert_no_temp_files();
}

/* ---- hostile headers ---- */

static void expect_bad(const char *name, const void *bytes, size_t n,
                       const char *fragment)
{
    const char *path = tpath(name);
    put_bytes(path, bytes, n);
    sp_npy_header h;
    int rc = sp_npy_read_header(path, &h);
    if (rc != SP_EFORMAT)
        fail_msg("%s: got %s, want SP_EFORMAT (%s)", name, sp_status_name(rc),
                 sp_errmsg());
    if (!strstr(sp_errmsg(), path) || !strstr(sp_errmsg(), fragment))
        fail_msg("%s: message '%s' lacks '%s'", name, sp_errmsg(), fragment);
}

/* A file with header dict @p dict and @p data_bytes zero bytes of data. */
static size_t with_dict(uint8_t *out, const char *dict, size_t data_bytes)
{
    size_t n = spec_header((char *)out, dict);
    memset(out + n, 0, data_bytes);
    return n + data_bytes;
}

static void test_hostile_headers(void **state)
{
    (void)state;
    static uint8_t b[8192];
    size_t n;

    expect_bad("magic.npy", "\x93NUMPX\x01\x00\x10\x00{}", 12,
               "not an npy file");
    expect_bad("short.npy", "\x93NU", 3, "not an npy file");
    expect_bad("version.npy", "\x93NUMPY\x03\x00\x10\x00{}", 12, "version 3.0");
    /* header length far beyond the file */
    expect_bad("hlen.npy", "\x93NUMPY\x01\x00\xff\xff{}", 12, "does not fit");
    /* version 2.0 with a 4 GiB header length */
    expect_bad("hlen2.npy", "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14,
               "does not fit");

    n = with_dict(
        b, "{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }", 32);
    expect_bad("descr.npy", b, n, "unsupported descr");
    n = with_dict(b, "{'descr': '<f4', 'shape': (2,), }", 8);
    expect_bad("missing.npy", b, n, "missing key");
    n = with_dict(
        b, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}",
        8);
    expect_bad("unknown.npy", b, n, "unknown key");
    n = with_dict(
        b, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", 8);
    expect_bad("fortran.npy", b, n, "True or False");
    n = with_dict(
        b, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8);
    expect_bad("negative.npy", b, n, "dimension");
    n = with_dict(b,
                  "{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (99999999999999999999999,), }",
                  8);
    expect_bad("overflow.npy", b, n, "overflows");
    n = with_dict(b,
                  "{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (4294967296, 4294967296, 16), }",
                  8);
    expect_bad("product.npy", b, n, "overflows");
    n = with_dict(b,
                  "{'descr': '<f4', 'fortran_order': False, "
                  "'shape': (1,1,1,1,1,1,1,1,1), }",
                  4);
    expect_bad("dims.npy", b, n, "too many dimensions");
    n = with_dict(
        b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }", 8);
    expect_bad("shortdata.npy", b, n, "promises 4000 data bytes");
    n = with_dict(
        b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 8);
    expect_bad("trailing.npy", b, n,
               "promises 4 data bytes but the file holds 8");
    n = with_dict(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
                  4);
    expect_bad("unterminated.npy", b, n, "expected");

    /* missing file */
    sp_npy_header h;
    assert_int_equal(sp_npy_read_header(tpath("nope.npy"), &h), SP_ENOTFOUND);
    assert_non_null(strstr(sp_errmsg(), "nope.npy: no such file"));

    /* a well-formed file from another writer (double quotes, Fortran order) */
    n = with_dict(
        b, "{\"descr\": \"<f8\", \"fortran_order\": True, \"shape\": (2, 3)}",
        48);
    put_bytes(tpath("other.npy"), b, n);
    assert_int_equal(sp_npy_read_header(tpath("other.npy"), &h), SP_OK);
    assert_int_equal(h.elem_size, 8);
    assert_int_equal(h.fortran_order, 1);
    assert_int_equal(h.count, 6);
}

/* Random byte damage to the header of a valid file: the reader answers
 * SP_OK or SP_EFORMAT, never crashes or reads past its buffer. */
static void test_header_mutations(void **state)
{
    (void)state;
    float v[6] = {1, 2, 3, 4, 5, 6};
    sp_tensor t = {
        .data = v, .dtype = SP_DTYPE_F32, .ndim = 2, .shape = {2, 3, 1, 1}};
    const char *good = tpath("mut_src.npy");
    assert_int_equal(sp_npy_write_tensor(good, &t), SP_OK);
    uint8_t *b;
    size_t n = slurp(good, &b);
    uint8_t *m = malloc(n);
    uint64_t s = 0x2545F4914F6CDD1Dull;
    const char *path = tpath("mut.npy");
    int bad = 0;
    for (int iter = 0; iter < 500; iter++) {
        memcpy(m, b, n);
        size_t len = n;
        for (int k = 0; k < 1 + iter % 3; k++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            size_t at = (size_t)(s % 128); /* the header */
            m[at] = (iter & 1) ? (uint8_t)(s >> 56) : (uint8_t)(m[at] ^ 0x20u);
        }
        if (iter % 5 == 0)
            len = (size_t)(s % n);
        put_bytes(path, m, len);
        sp_npy_header h;
        float back[64];
        int rc = sp_npy_read(path, &h, back, sizeof back);
        if (rc != SP_OK && rc != SP_EFORMAT && rc != SP_ERANGE)
            fail_msg("iteration %d: %s: %s", iter, sp_status_name(rc),
                     sp_errmsg());
        if (rc == SP_OK)
            assert_true(h.data_bytes <= sizeof back);
        else
            bad++;
    }
    assert_true(bad > 100);
    free(m);
    free(b);
}

/* numpy.load of a written file, when numpy is installed. */
static void test_numpy_load(void **state)
{
    (void)state;
    if (oracle_status("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") !=
        0) {
        print_message("skipping: python3 with numpy not available\n");
        skip();
    }
    test_points tp;
    make_points(&tp, 1000, SP_POINTS_RING | SP_POINTS_TIME);
    const char *pts = tpath("np_points.npy");
    assert_int_equal(
        sp_npy_write_points(pts, &tp.p, SP_POINTS_RING | SP_POINTS_TIME),
        SP_OK);
    free(tp.buf);
    uint8_t pix[6 * 4 * 3];
    for (size_t i = 0; i < sizeof pix; i++)
        pix[i] = (uint8_t)i;
    sp_image img = {.data = pix,
                    .width = 4,
                    .height = 6,
                    .stride = 12,
                    .format = SP_PIX_RGB8};
    const char *im = tpath("np_image.npy");
    assert_int_equal(sp_npy_write_image(im, &img), SP_OK);
    char cmd[4096];
    snprintf(
        cmd, sizeof cmd,
        "/usr/bin/python3 -c \"import numpy as np; a = np.load('%s'); "
        "assert a.shape == (1000, 6) and a.dtype == np.float32, a.shape; "
        "assert a[10, 0] == np.float32(10 * 0.25 - 3.0); assert a[70, 4] == 6; "
        "b = np.load('%s'); assert b.shape == (6, 4, 3) and b.dtype == "
        "np.uint8; "
        "assert b[1, 2, 1] == 1 * 12 + 2 * 3 + 1\"",
        pts, im);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_bytes),
        cmocka_unit_test(test_points_roundtrip),
        cmocka_unit_test(test_image_formats),
        cmocka_unit_test(test_tensor_dtypes),
        cmocka_unit_test(test_write_failures),
        cmocka_unit_test(test_hostile_headers),
        cmocka_unit_test(test_header_mutations),
        cmocka_unit_test(test_numpy_load),
    };
    return cmocka_run_group_tests_name("npy", tests, setup, NULL);
}
