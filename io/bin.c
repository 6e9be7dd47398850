/* Raw float32 point records (.bin): KITTI's x,y,z,reflectance and other
 * fixed layouts, read lazily frame by frame, plus the layout guesser that
 * `sensorpipe info` uses on files whose record size is unknown. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "format_int.h"
#include "io_int.h"
#include "sp_bin.h"

/* Records read per chunk: bounded staging regardless of the frame size,
 * and small enough (128 KiB of x,y,z,i) that the kernel's copy leaves the
 * chunk in L2 for the split into columns. */
#define CHUNK_RECORDS 8192

enum { F_SKIP = 0, F_X, F_Y, F_Z, F_I, F_RING, F_TIME, F_EXTRA };

struct sp_bin_reader {
    sp__filelist files;
    int nfields;
    uint8_t role[SP_BIN_MAX_FIELDS];
    char spec[256];          /* the layout read, as given or defaulted */
    int col[7];              /* role -> column, -1 if absent */
    unsigned fields;         /* SP_POINTS_* */
    sp_points_layout layout; /* fields and the extras (float32) */
    uint8_t extra[SP_BIN_MAX_FIELDS]; /* extra index of an F_EXTRA column */
    size_t cur; /* frame whose size is known, or SIZE_MAX */
    uint64_t cur_points;
    sp__iobuf buf;
};

static int parse_fields(sp_bin_reader *r, const char *spec)
{
    static const struct {
        const char *name;
        int role;
    } names[] = {{"x", F_X},       {"y", F_Y},         {"z", F_Z},
                 {"i", F_I},       {"intensity", F_I}, {"reflectance", F_I},
                 {"ring", F_RING}, {"t", F_TIME},      {"time", F_TIME},
                 {"_", F_SKIP},    {"pad", F_SKIP}};
    for (int k = 0; k < 7; k++)
        r->col[k] = -1;
    const char *p = spec;
    /* Every name, the last one included: "x,y,z,i," ends in an empty
     * name, refused like ",x,y,z" and "x,,y,z". */
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        int role = -1;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            if (strlen(names[k].name) == n && !strncmp(names[k].name, p, n))
                role = names[k].role;
        if (r->nfields >= SP_BIN_MAX_FIELDS)
            return sp__fail(SP_EINVAL,
                            "bin: fields '%s': more than %d, "
                            "expected fewer",
                            spec, SP_BIN_MAX_FIELDS);
        if (role < 0 && n > 0 && n < SP_POINTS_NAME_MAX) {
            /* Any other name is a float32 extra channel of that name. */
            char name[SP_POINTS_NAME_MAX];
            memcpy(name, p, n);
            name[n] = '\0';
            int k = sp_points_layout_add(&r->layout, name, SP_FIELD_F32, 1,
                                         SP_FIELD_VALUE);
            if (k >= 0) {
                r->extra[r->nfields] = (uint8_t)k;
                role = F_EXTRA;
            }
        }
        if (role < 0)
            return sp__fail(SP_EINVAL,
                            "bin: fields '%s': unknown name "
                            "'%.*s', expected x, y, z, i|intensity, ring, "
                            "t|time, _ or a new name of 1..31 characters "
                            "(an extra channel)",
                            spec, (int)(n > 64 ? 64 : n), p);
        if (role == F_EXTRA) {
            r->role[r->nfields++] = (uint8_t)role;
            if (!e)
                break;
            p = e + 1;
            continue;
        }
        if (role != F_SKIP && r->col[role] >= 0)
            return sp__fail(SP_EINVAL,
                            "bin: fields '%s': '%.*s' given "
                            "twice, expected once",
                            spec, (int)n, p);
        if (role != F_SKIP)
            r->col[role] = r->nfields;
        r->role[r->nfields++] = (uint8_t)role;
        if (!e)
            break;
        p = e + 1;
    }
    if (r->col[F_X] < 0 || r->col[F_Y] < 0 || r->col[F_Z] < 0)
        return sp__fail(SP_EINVAL, "bin: fields '%s': expected x, y and z",
                        spec);
    r->fields = (r->col[F_RING] >= 0 ? SP_POINTS_RING : 0u) |
                (r->col[F_TIME] >= 0 ? SP_POINTS_TIME : 0u);
    r->layout.fields = r->fields;
    /* Without intensity, a cloud of extras is written without one (a
     * plain x,y,z file keeps the zero intensity writers always gave it). */
    r->layout.stored.no_intensity = r->col[F_I] < 0 && r->layout.nextra;
    snprintf(r->spec, sizeof r->spec, "%s", spec);
    return SP_OK;
}

const sp_points_layout *sp_bin_reader_layout(const sp_bin_reader *r)
{
    return r ? &r->layout : NULL;
}

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

const char *sp_bin_default_fields(const char *file)
{
    return file && ends_with(file, ".pcd.bin") ? "x,y,z,i,ring" : "x,y,z,i";
}

const char *sp_bin_reader_fields(const sp_bin_reader *r)
{
    return r ? r->spec : "";
}

int sp_bin_reader_create(const char *path, const char *fields,
                         sp_bin_reader **out)
{
    SP_GUARD(out);
    *out = NULL;
    SP_GUARD(path);
    sp_bin_reader *r = calloc(1, sizeof *r);
    if (!r)
        return sp__fail(SP_ENOMEM, "%s: out of memory", path);
    r->cur = SIZE_MAX;
    /* A layout given is checked before anything is listed; the default
     * depends on the first file's name, so it waits for the listing. */
    int given = fields && *fields;
    int rc = given ? parse_fields(r, fields) : SP_OK;
    int kind = rc < 0 ? rc : sp__path_kind(path);
    /* Headerless: any file "reads"; a file another format recognises by
     * its content (a bag, a PNG) is refused instead of read as points. */
    if (kind == 0)
        kind = sp__format_refuse_other(path, "bin");
    if (kind < 0) {
        free(r);
        return kind;
    }
    rc = kind ? sp__filelist_dir(&r->files, path, ".bin")
              : sp__filelist_one(&r->files, path);
    if (rc == SP_OK && r->files.count == 0)
        rc = sp__fail_empty_folder(path, ".bin");
    if (rc == SP_OK && !given)
        rc = parse_fields(
            r, sp_bin_default_fields(sp__filelist_path(&r->files, 0)));
    if (rc < 0) {
        sp_bin_reader_destroy(r);
        return rc;
    }
    *out = r;
    return SP_OK;
}

void sp_bin_reader_destroy(sp_bin_reader *r)
{
    if (!r)
        return;
    sp__filelist_free(&r->files);
    sp__iobuf_free(&r->buf);
    free(r);
}

void sp_bin_reader_set_poolmgr(sp_bin_reader *r, sp_poolmgr *mgr)
{
    if (r)
        sp__iobuf_set_poolmgr(&r->buf, mgr);
}

size_t sp_bin_reader_count(const sp_bin_reader *r)
{
    return r ? r->files.count : 0;
}

const char *sp_bin_reader_path(sp_bin_reader *r, size_t i)
{
    return r ? sp__filelist_path(&r->files, i) : "";
}

size_t sp_bin_reader_record_size(const sp_bin_reader *r)
{
    return r ? (size_t)r->nfields * 4 : 0;
}

int sp_bin_reader_shape(sp_bin_reader *r, size_t i, size_t *points,
                        unsigned *fields)
{
    SP_GUARD(r && points && fields);
    if (i >= r->files.count)
        return sp__fail(SP_ERANGE, "bin: frame %zu, expected < %zu", i,
                        r->files.count);
    const char *path = sp__filelist_path(&r->files, i);
    uint64_t size;
    size_t rec = (size_t)r->nfields * 4;
    r->cur = SIZE_MAX;
    SP_TRY(sp__file_size(path, &size));
    if (size % rec != 0)
        return sp__fail(SP_EFORMAT,
                        "%s: byte %llu: file of %llu bytes ends "
                        "%llu bytes into a record, expected a multiple of the "
                        "%zu-byte record (%d float32 fields)",
                        path, (unsigned long long)(size - size % rec),
                        (unsigned long long)size,
                        (unsigned long long)(size % rec), rec, r->nfields);
    if (size / rec > SP_BIN_MAX_POINTS)
        return sp__fail(SP_ERANGE, "%s: %llu points, expected at most %llu",
                        path, (unsigned long long)(size / rec),
                        (unsigned long long)SP_BIN_MAX_POINTS);
    r->cur = i;
    r->cur_points = size / rec;
    *points = (size_t)r->cur_points;
    *fields = r->fields;
    return SP_OK;
}

/* The default x,y,z,i layout: @p m 16-byte records split into four
 * columns, four records at a time with a register transpose (the strided
 * per-column loops cost as much as the read itself). */
static void split_xyzi(const uint8_t *b, size_t m, float *x, float *y, float *z,
                       float *in)
{
    size_t k = 0;
#if defined(__SSE2__)
    for (; k + 4 <= m; k += 4) {
        const float *s = (const float *)(const void *)(b + k * 16);
        __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + 4);
        __m128 r2 = _mm_loadu_ps(s + 8), r3 = _mm_loadu_ps(s + 12);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(x + k, r0);
        _mm_storeu_ps(y + k, r1);
        _mm_storeu_ps(z + k, r2);
        _mm_storeu_ps(in + k, r3);
    }
#elif defined(__aarch64__)
    for (; k + 4 <= m; k += 4) {
        float32x4x4_t v = vld4q_f32((const float *)(const void *)(b + k * 16));
        vst1q_f32(x + k, v.val[0]);
        vst1q_f32(y + k, v.val[1]);
        vst1q_f32(z + k, v.val[2]);
        vst1q_f32(in + k, v.val[3]);
    }
#endif
    for (; k < m; k++) {
        memcpy(&x[k], b + k * 16, 4);
        memcpy(&y[k], b + k * 16 + 4, 4);
        memcpy(&z[k], b + k * 16 + 8, 4);
        memcpy(&in[k], b + k * 16 + 12, 4);
    }
}

static void zero_missing(const sp_bin_reader *r, sp_points *dst, size_t n)
{
    if (r->col[F_I] < 0)
        memset(dst->intensity, 0, n * sizeof(float));
    if (dst->ring && r->col[F_RING] < 0)
        memset(dst->ring, 0, n * sizeof(uint16_t));
    if (dst->time && r->col[F_TIME] < 0)
        memset(dst->time, 0, n * sizeof(float));
}

int sp_bin_reader_read(sp_bin_reader *r, size_t i, sp_points *dst)
{
    SP_GUARD(r && dst);
    size_t n;
    unsigned fields;
    if (r->cur != i)
        SP_TRY(sp_bin_reader_shape(r, i, &n, &fields));
    n = (size_t)r->cur_points;
    const char *path = sp__filelist_path(&r->files, i);
    if (dst->capacity < n)
        return sp__fail(SP_EINVAL,
                        "%s: %zu points do not fit an sp_points of "
                        "capacity %zu, expected capacity >= points",
                        path, n, dst->capacity);
    size_t nf = (size_t)r->nfields, rec = nf * 4;
    int fd;
    SP_TRY(sp__open_read(path, &fd));
    float *out[8] = {NULL,           dst->x, dst->y,    dst->z,
                     dst->intensity, NULL,   dst->time, NULL};
    size_t chunk = n < CHUNK_RECORDS ? n : CHUNK_RECORDS;
    int xyzi = nf == 4 && r->role[0] == F_X && r->role[1] == F_Y &&
               r->role[2] == F_Z && r->role[3] == F_I && dst->x && dst->y &&
               dst->z && dst->intensity;
    int rc = sp__iobuf_reserve(&r->buf, chunk * rec, path);
    for (size_t done = 0; rc == SP_OK && done < n;) {
        size_t m = n - done < chunk ? n - done : chunk;
        rc = sp__pread_full(fd, r->buf.data, m * rec, (uint64_t)done * rec,
                            path);
        if (rc < 0)
            break;
        const uint8_t *b = r->buf.data;
        if (xyzi) {
            split_xyzi(b, m, dst->x + done, dst->y + done, dst->z + done,
                       dst->intensity + done);
            done += m;
            continue;
        }
        for (size_t c = 0; c < nf; c++) {
            int role = r->role[c];
            if (role == F_SKIP)
                continue;
            if (role == F_RING) {
                if (!dst->ring)
                    continue;
                for (size_t k = 0; k < m; k++) {
                    float v;
                    memcpy(&v, b + k * rec + c * 4, 4);
                    dst->ring[done + k] = !(v > 0)     ? 0
                                          : v >= 65535 ? 65535
                                                       : (uint16_t)v;
                }
                continue;
            }
            float *o = out[role];
            if (role == F_EXTRA) {
                sp_points_extra *x = sp_points_extra_find(
                    dst, r->layout.extra[r->extra[c]].name);
                if (!x || x->field.type != SP_FIELD_F32)
                    continue;
                o = x->data;
            }
            if (!o)
                continue;
            for (size_t k = 0; k < m; k++)
                memcpy(&o[done + k], b + k * rec + c * 4, 4);
        }
        done += m;
    }
    close(fd);
    sp__iobuf_release(&r->buf);
    if (rc < 0)
        return rc;
    zero_missing(r, dst, n);
    dst->count = n;
    return SP_OK;
}

/* ---- layout guess ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The 4th float of @p recs 4-float records: whole numbers in a small
 * range on every point are what ring indices look like (KITTI's
 * reflectance is a fraction in 0..1). */
static void col4_stats(const float *vals, size_t recs, sp_bin_guess *out)
{
    uint8_t seen[256] = {0};
    out->col4_n = (unsigned)recs;
    out->col4_whole = recs > 0;
    out->col4_min = INFINITY;
    out->col4_max = -INFINITY;
    for (size_t j = 0; j < recs; j++) {
        float v = vals[j * 4 + 3];
        if (!(v == floorf(v)) || v < 0 || v > 255) {
            out->col4_whole = 0;
        } else if (!seen[(int)v]) {
            seen[(int)v] = 1;
            out->col4_distinct++;
        }
        if (v < out->col4_min)
            out->col4_min = v;
        if (v > out->col4_max)
            out->col4_max = v;
    }
    if (!recs)
        out->col4_min = out->col4_max = 0;
}

int sp_bin_guess_layout(const char *path, sp_bin_guess *out)
{
    SP_GUARD(path && out);
    memset(out, 0, sizeof *out);
    uint64_t size;
    SP_TRY(sp__file_size(path, &size));
    out->file_size = size;
    enum { SAMPLE = 2048 };
    static _Thread_local float
        vals[SAMPLE * SP_BIN_GUESS_MAX_FLOATS + SP_BIN_GUESS_MAX_FLOATS];
    static _Thread_local double jumps[SAMPLE];
    size_t want = SAMPLE * SP_BIN_GUESS_MAX_FLOATS * 4;
    size_t n = size < want ? (size_t)size : want;
    int fd;
    SP_TRY(sp__open_read(path, &fd));
    int rc = sp__pread_full(fd, vals, n & ~(size_t)3, 0, path);
    close(fd);
    if (rc < 0)
        return rc;
    size_t nvals = n / 4;
    col4_stats(vals, nvals / 4, out);
    double best_jump = INFINITY;
    for (unsigned k = SP_BIN_GUESS_MIN_FLOATS; k <= SP_BIN_GUESS_MAX_FLOATS;
         k++) {
        out->median_jump[k] = NAN;
        if (size % (4 * k) != 0)
            continue;
        out->fits[out->nfits++] = k;
        size_t recs = nvals / k;
        if (recs < 2)
            continue;
        size_t nj = 0;
        for (size_t j = 0; j + 1 < recs && nj < SAMPLE; j++) {
            const float *a = vals + j * k, *b = a + k;
            double d = fabs((double)a[0] - b[0]) + fabs((double)a[1] - b[1]) +
                       fabs((double)a[2] - b[2]);
            jumps[nj++] = isfinite(d) ? d : 1e30;
        }
        qsort(jumps, nj, sizeof jumps[0], cmp_double);
        double med = jumps[nj / 2];
        out->median_jump[k] = med;
        /* Prefer the smallest record that is clearly smooth: a record of
         * two real points is smooth too, but jumps twice as far. */
        if (med < best_jump * 0.75) {
            best_jump = med;
            out->best = k;
        }
    }
    if (best_jump > 1e3)
        out->best = 0;
    return SP_OK;
}

/* Appends to the note in @p buf ("; " between parts). */
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return;
    if (*len) {
        int w = snprintf(buf + *len, cap - *len, "; ");
        *len += w > 0 ? (size_t)w : 0;
        if (*len >= cap)
            return;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    *len += w > 0 ? (size_t)w : 0;
}

static unsigned count_fields(const char *spec)
{
    unsigned n = 1;
    for (; *spec; spec++)
        n += *spec == ',';
    return n;
}

int sp_bin_layout_note(const char *file, const char *fields, char *buf,
                       size_t cap)
{
    SP_GUARD(file && fields && buf && cap);
    buf[0] = '\0';
    sp_bin_guess g;
    SP_TRY(sp_bin_guess_layout(file, &g));
    unsigned k = count_fields(fields);
    size_t len = 0;
    if (ends_with(file, ".pcd.bin"))
        add(buf, cap, &len,
            "took fields=%s for %s: a .pcd.bin is nuScenes' lidar file, 5 "
            "floats per point (fields= says otherwise)",
            fields, sp__basename(file));
    if (g.file_size % (4u * k) != 0) {
        char fits[64] = "";
        size_t fl = 0;
        for (unsigned i = 0; i < g.nfits && fl < sizeof fits; i++) {
            int w = snprintf(fits + fl, sizeof fits - fl, "%s%u", i ? ", " : "",
                             g.fits[i]);
            fl += w > 0 ? (size_t)w : 0;
        }
        /* what else would fit, or that nothing does */
        char tail[128];
        if (g.nfits)
            snprintf(tail, sizeof tail,
                     "; records that fit: %s floats; give fields=", fits);
        else
            snprintf(tail, sizeof tail,
                     ", nor of any record of %u to %u float32: cut short, or "
                     "not float32 records",
                     SP_BIN_GUESS_MIN_FLOATS, SP_BIN_GUESS_MAX_FLOATS);
        add(buf, cap, &len,
            "%s: %llu bytes are not a whole number of %u-byte records (%u "
            "floats: %s)%s",
            sp__basename(file), (unsigned long long)g.file_size, 4 * k, k,
            fields, tail);
    } else if (g.best && g.best != k) {
        add(buf, cap, &len,
            "%s does not look like %u floats per point (%s): as %u floats "
            "consecutive points are %.3f m apart (median), as %u %.3f m; "
            "give fields= with %u names if that is the layout",
            sp__basename(file), k, fields, g.best, g.median_jump[g.best], k,
            g.median_jump[k], g.best);
    }
    if (k == 4 && g.best == 4 && g.col4_whole && g.col4_n >= 16 &&
        g.col4_distinct >= 2 && g.col4_max <= 127)
        add(buf, cap, &len,
            "%s: the 4th value is a whole number %g..%g on every one of the "
            "%u points looked at (%u distinct), as ring indices are, not "
            "KITTI's reflectance (0..1); if so, give fields=x,y,z,ring",
            sp__basename(file), (double)g.col4_min, (double)g.col4_max,
            g.col4_n, g.col4_distinct);
    return len > 0;
}
