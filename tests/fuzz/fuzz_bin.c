/* libFuzzer target: float32 point records (.bin, io/bin.c) and the layout
 * guess `sensorpipe info` makes for them. The first byte picks the field
 * list (one of LAYOUTS, or from 0xC0 up a list of (byte & 0x3F) bytes taken
 * from the input, so the field parser is fuzzed too); the rest is the file,
 * on a memfd opened by its /proc/self/fd path. Promises checked (sp_bin.h):
 *  - create refuses a bad field list with SP_EINVAL naming it ("bin:
 *    fields"), and a file another format claims by content with
 *    SP_EFORMAT naming the format to use;
 *  - shape: a size that is not a whole number of records is SP_EFORMAT
 *    naming the file, the byte and the record size; else points = size /
 *    record, fields = the layout's ring / time;
 *  - read fills exactly `points` points into an exact-capacity sp_points
 *    (ASan sees a write past it) whose values are the file's, field by
 *    field, bit for bit (ring: the float clamped to 0..65535), and
 *    optional fields the layout lacks are zero;
 *  - the guess lists exactly the record sizes of 3..8 floats that divide
 *    the file, and its best is 0 or one of them. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sp_bin.h"

static const char *const LAYOUTS[] = {
    NULL,
    "x,y,z,i,ring",
    "x,y,z",
    "x,y,z,intensity,t",
    "_,x,y,z,pad",
    "x,y,z,i,ring,time,_,_",
    "z,y,x,reflectance",
    "x,y,z,,i",
};
#define NLAYOUTS (sizeof LAYOUTS / sizeof LAYOUTS[0])

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_bin: %s (status %d: %s)\n", what, rc, sp_errmsg());
    abort();
}

/* The roles the harness reads the spec as, independently of io/bin.c:
 * 'x' 'y' 'z' 'i' 'r' (ring) 't' (time), '_' or 'e' (an extra's name). Returns
 * the field count, or -1 when the spec is one create must refuse. */
static int roles_of(const char *spec, char role[SP_BIN_MAX_FIELDS])
{
    static const struct {
        const char *name;
        char role;
    } names[] = {{"x", 'x'},    {"y", 'y'},         {"z", 'z'},
                 {"i", 'i'},    {"intensity", 'i'}, {"reflectance", 'i'},
                 {"ring", 'r'}, {"t", 't'},         {"time", 't'},
                 {"_", '_'},    {"pad", '_'}};
    if (!spec || !*spec)
        spec = "x,y,z,i";
    int n = 0;
    const char *p = spec;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char r = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strlen(names[k].name) == len && !strncmp(names[k].name, p, len))
                r = names[k].role;
        /* any other name of 1..31 bytes may be a float32 extra channel
         * (sp_bin.h); whether the layout takes it is io/bin.c's to say */
        if (!r && len > 0 && len < SP_POINTS_NAME_MAX)
            r = 'e';
        if (!r || n == SP_BIN_MAX_FIELDS)
            return -1;
        for (int k = 0; k < n && r != '_' && r != 'e'; k++)
            if (role[k] == r)
                return -1;
        role[n++] = r;
        if (!e)
            break;
        p = e + 1;
    }
    if (!memchr(role, 'x', (size_t)n) || !memchr(role, 'y', (size_t)n) ||
        !memchr(role, 'z', (size_t)n))
        return -1;
    return n;
}

static float *column(sp_points *p, char role)
{
    switch (role) {
    case 'x':
        return p->x;
    case 'y':
        return p->y;
    case 'z':
        return p->z;
    case 'i':
        return p->intensity;
    case 't':
        return p->time;
    default:
        return NULL;
    }
}

static void check_points(const uint8_t *file, size_t n, const char *role,
                         int nf, sp_points *p)
{
    size_t rec = (size_t)nf * 4;
    int has[128] = {0};
    for (int c = 0; c < nf; c++) {
        has[(int)role[c]] = 1;
        for (size_t k = 0; k < n; k++) {
            float v;
            memcpy(&v, file + k * rec + (size_t)c * 4, 4);
            if (role[c] == 'r') {
                uint16_t want = !(v > 0) ? 0 : v >= 65535 ? 65535 : (uint16_t)v;
                if (p->ring[k] != want)
                    fail("ring differs from the file's float", 0);
                continue;
            }
            float *col = column(p, role[c]);
            if (col && memcmp(&col[k], &v, 4) != 0)
                fail("a value differs from the file's bits", 0);
        }
    }
    for (size_t k = 0; k < n; k++)
        if ((!has['i'] && p->intensity[k] != 0) ||
            (!has['r'] && p->ring[k] != 0) || (!has['t'] && p->time[k] != 0))
            fail("a field the layout lacks is not zero", 0);
}

static void check_guess(const char *path, uint64_t size)
{
    sp_bin_guess g;
    int rc = sp_bin_guess_layout(path, &g);
    if (rc != SP_OK)
        fail("the layout guess failed on a readable file", rc);
    if (g.file_size != size)
        fail("the guess's file size is wrong", 0);
    unsigned want = 0;
    for (unsigned k = 3; k <= 8; k++)
        if (size % (4 * k) == 0) {
            if (want >= g.nfits || g.fits[want] != k)
                fail("the guess's fitting record sizes are wrong", 0);
            want++;
        } else if (!isnan(g.median_jump[k])) {
            fail("a record size that does not fit has a median jump", 0);
        }
    if (want != g.nfits)
        fail("the guess lists a size that does not fit", 0);
    if (g.best && (size % (4 * g.best) != 0 || size / (4 * g.best) < 2))
        fail("the guess's best record size does not fit the file", 0);
    if (g.col4_whole && (g.col4_min < 0 || g.col4_max > 255 ||
                         g.col4_distinct == 0 || g.col4_distinct > 256))
        fail("the 4th column's figures are out of their range", 0);
    /* The note a run without fields= leaves: terminated, within its
     * buffer, something to say exactly when it wrote something. */
    char note[96];
    memset(note, 0x7f, sizeof note);
    rc = sp_bin_layout_note(path, "x,y,z,i", note, sizeof note);
    if (rc < 0 || rc > 1 || !memchr(note, '\0', sizeof note) ||
        (rc == 1) != (note[0] != '\0'))
        fail("the layout note is not a terminated line or its status", rc);
    if (size % 16 != 0 && rc != 1)
        fail("a size of no whole 4-float records went unsaid", rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (size < 1)
        return 0;
    if (fd < 0) {
        fd = memfd_create("fuzz.bin", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    char spec_buf[64];
    const char *spec;
    size_t used = 1;
    if (data[0] >= 0xC0) {
        size_t n = data[0] & 0x3F;
        if (n > size - 1)
            n = size - 1;
        for (size_t k = 0; k < n; k++)
            spec_buf[k] = data[1 + k] ? (char)data[1 + k] : ',';
        spec_buf[n] = '\0';
        spec = spec_buf;
        used += n;
    } else {
        spec = LAYOUTS[data[0] % NLAYOUTS];
    }
    const uint8_t *file = data + used;
    size_t fsize = size - used;
    if (ftruncate(fd, 0) != 0 ||
        (fsize && pwrite(fd, file, fsize, 0) != (ssize_t)fsize))
        abort();

    char role[SP_BIN_MAX_FIELDS];
    int nf = roles_of(spec, role);
    sp_bin_reader *r = NULL;
    int rc = sp_bin_reader_create(path, spec, &r);
    if (nf < 0) {
        if (rc != SP_EINVAL || r || !strstr(sp_errmsg(), "bin: fields"))
            fail("a bad field list was not refused with SP_EINVAL", rc);
        return 0;
    }
    /* a list with extra names: the layout may refuse one (a duplicate,
     * a name it does not take), always as a field-list error */
    if (rc == SP_EINVAL && memchr(role, 'e', (size_t)nf) && !r &&
        strstr(sp_errmsg(), "bin: fields"))
        return 0;
    if (rc != SP_OK) {
        if (rc != SP_EFORMAT || r || !strstr(sp_errmsg(), "not a bin file"))
            fail("create refused a good field list", rc);
        return 0;
    }
    if (sp_bin_reader_count(r) != 1 ||
        sp_bin_reader_record_size(r) != (size_t)nf * 4)
        fail("count or record size is wrong", 0);
    check_guess(path, fsize);

    size_t points = 0;
    unsigned fields = 0;
    rc = sp_bin_reader_shape(r, 0, &points, &fields);
    size_t rec = (size_t)nf * 4;
    if (fsize % rec != 0) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), path) ||
            !strstr(sp_errmsg(), "-byte record"))
            fail("a partial record was not refused with SP_EFORMAT", rc);
        sp_bin_reader_destroy(r);
        return 0;
    }
    unsigned want_fields =
        (memchr(role, 'r', (size_t)nf) ? SP_POINTS_RING : 0u) |
        (memchr(role, 't', (size_t)nf) ? SP_POINTS_TIME : 0u);
    if (rc != SP_OK || points != fsize / rec || fields != want_fields)
        fail("shape disagrees with the file size and layout", rc);

    /* Every optional field present, so zero-filling is checked too. */
    unsigned all = SP_POINTS_RING | SP_POINTS_TIME;
    size_t cap = points ? points : 1;
    size_t bytes = sp_points_block_size(cap, all);
    void *mem = aligned_alloc(SP_ARRAY_ALIGN, (bytes + 63) & ~(size_t)63);
    if (!mem)
        abort();
    sp_points p;
    if (sp_points_init(&p, mem, bytes, cap, all) != SP_OK)
        abort();
    rc = sp_bin_reader_read(r, 0, &p);
    if (rc != SP_OK || p.count != points)
        fail("read failed on a file shape accepted", rc);
    check_points(file, points, role, nf, &p);
    /* A second read (the reader's buffer warm) gives the same. */
    memset(mem, 0xEE, bytes);
    if (sp_bin_reader_read(r, 0, &p) != SP_OK)
        fail("a second read failed", 0);
    check_points(file, points, role, nf, &p);
    free(mem);
    sp_bin_reader_destroy(r);
    return 0;
}
