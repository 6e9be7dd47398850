/* Ouster metadata JSON (flat and nested layouts) into sp_ouster_meta.
 * jansson parses the text; this file only looks keys up, checks them and
 * fills the struct. See sp_ouster_meta.h for the layouts and defaults. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error_int.h"
#include "sp_ouster_meta.h"

static const char *const profile_names[] = {"LEGACY", "RNG19_RFL8_SIG16_NIR16",
                                            "RNG19_RFL8_SIG16_NIR16_DUAL",
                                            "RNG15_RFL8_NIR8"};

const char *sp_ouster_profile_name(sp_ouster_profile p)
{
    if ((unsigned)p < sizeof profile_names / sizeof profile_names[0])
        return profile_names[p];
    return "unknown";
}

size_t sp_ouster_packet_size(const sp_ouster_meta *m)
{
    size_t h = m->pixels_per_column, c = m->columns_per_packet;
    switch (m->profile) {
    case SP_OUSTER_LEGACY:
        return c * (16 + h * 12 + 4);
    case SP_OUSTER_RNG19_RFL8_SIG16_NIR16:
        return 32 + c * (12 + h * 12) + 32;
    case SP_OUSTER_RNG19_RFL8_SIG16_NIR16_DUAL:
        return 32 + c * (12 + h * 16) + 32;
    case SP_OUSTER_RNG15_RFL8_NIR8:
        return 32 + c * (12 + h * 4) + 32;
    }
    return 0;
}

/* Where a key is looked up: the file's name for messages, and the objects
 * of the layout in use (the flat layout has them all at the top). */
typedef struct ctx {
    const char *name;
    json_t *beams, *lidar, *fmt, *config, *info;
    const char *pb, *pl, *pf, *pc, *pi; /* their prefixes in messages */
} ctx;

static json_t *get(json_t *obj, const char *key)
{
    return obj && json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

static int missing(const ctx *c, const char *pre, const char *key)
{
    return sp__fail(SP_EFORMAT, "%s: key '%s%s' missing", c->name, pre, key);
}

static int number(const ctx *c, json_t *obj, const char *pre, const char *key,
                  double lo, double hi, double *out)
{
    json_t *v = get(obj, key);
    if (!v)
        return missing(c, pre, key);
    if (!json_is_number(v))
        return sp__fail(SP_EFORMAT, "%s: key '%s%s': expected a number",
                        c->name, pre, key);
    double d = json_number_value(v);
    if (!isfinite(d) || d < lo || d > hi)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%s%s': %g out of range, expected %g..%g",
                        c->name, pre, key, d, lo, hi);
    *out = d;
    return SP_OK;
}

static int integer(const ctx *c, json_t *obj, const char *pre, const char *key,
                   long lo, long hi, long *out)
{
    double d = 0;
    SP_TRY(number(c, obj, pre, key, (double)lo, (double)hi, &d));
    if (d != floor(d))
        return sp__fail(SP_EFORMAT, "%s: key '%s%s': %g, expected an integer",
                        c->name, pre, key, d);
    *out = (long)d;
    return SP_OK;
}

/* An array of exactly n numbers in [lo, hi]; n == 0 takes any length up to
 * cap and returns it in *got. */
static int numbers(const ctx *c, json_t *obj, const char *pre, const char *key,
                   size_t n, size_t cap, double lo, double hi, double *out,
                   size_t *got)
{
    json_t *v = get(obj, key);
    if (!v)
        return missing(c, pre, key);
    if (!json_is_array(v))
        return sp__fail(SP_EFORMAT, "%s: key '%s%s': expected an array",
                        c->name, pre, key);
    size_t len = json_array_size(v);
    if (n ? len != n : (len == 0 || len > cap))
        return n ? sp__fail(SP_EFORMAT,
                            "%s: key '%s%s': %zu values, expected %zu", c->name,
                            pre, key, len, n)
                 : sp__fail(SP_EFORMAT,
                            "%s: key '%s%s': %zu values, expected 1..%zu",
                            c->name, pre, key, len, cap);
    for (size_t i = 0; i < len; i++) {
        json_t *e = json_array_get(v, i);
        double d = json_is_number(e) ? json_number_value(e) : NAN;
        if (!json_is_number(e) || !isfinite(d) || d < lo || d > hi)
            return sp__fail(SP_EFORMAT,
                            "%s: key '%s%s': element %zu is not a number in "
                            "%g..%g",
                            c->name, pre, key, i, lo, hi);
        out[i] = d;
    }
    if (got)
        *got = len;
    return SP_OK;
}

static int string(const ctx *c, json_t *obj, const char *pre, const char *key,
                  char *out, size_t cap, int required)
{
    json_t *v = get(obj, key);
    out[0] = '\0';
    if (!v)
        return required ? missing(c, pre, key) : SP_OK;
    if (!json_is_string(v))
        return sp__fail(SP_EFORMAT, "%s: key '%s%s': expected a string",
                        c->name, pre, key);
    const char *s = json_string_value(v);
    if (strlen(s) >= cap)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%s%s': longer than %zu characters", c->name,
                        pre, key, cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return SP_OK;
}

static int profile(const ctx *c, sp_ouster_profile *out)
{
    char s[48];
    /* The flat layout keeps it in data_format; the nested one in
     * lidar_data_format and config_params (which must then agree). */
    json_t *where = get(c->fmt, "udp_profile_lidar") ? c->fmt : c->config;
    const char *pre = where == c->fmt ? c->pf : c->pc;
    SP_TRY(string(c, where, pre, "udp_profile_lidar", s, sizeof s, 0));
    if (s[0] == '\0') {
        *out = SP_OUSTER_LEGACY;
        return SP_OK;
    }
    for (unsigned i = 0; i < sizeof profile_names / sizeof *profile_names; i++)
        if (strcmp(s, profile_names[i]) == 0) {
            *out = (sp_ouster_profile)i;
            return SP_OK;
        }
    return sp__fail(SP_EFORMAT,
                    "%s: key '%sudp_profile_lidar': '%s' not supported, "
                    "expected LEGACY, RNG19_RFL8_SIG16_NIR16, "
                    "RNG19_RFL8_SIG16_NIR16_DUAL or RNG15_RFL8_NIR8",
                    c->name, pre, s);
}

/* "1024x10" -> 1024, 10. */
static int mode(const ctx *c, sp_ouster_meta *m, long *w)
{
    /* config_params holds it in the nested layout (sensor_info in some
     * ouster-sdk versions); the flat layout has both at the top. */
    json_t *where = get(c->config, "lidar_mode") || !get(c->info, "lidar_mode")
                        ? c->config
                        : c->info;
    const char *pre = where == c->config ? c->pc : c->pi;
    SP_TRY(string(c, where, pre, "lidar_mode", m->lidar_mode,
                  sizeof m->lidar_mode, 1));
    unsigned a, b;
    char tail;
    if (sscanf(m->lidar_mode, "%ux%u%c", &a, &b, &tail) != 2 || a == 0 ||
        a > SP_OUSTER_MAX_COLS || b == 0 || b > 100)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%slidar_mode': '%s', expected "
                        "COLUMNSxHZ such as 1024x10",
                        c->name, pre, m->lidar_mode);
    *w = a;
    m->frequency_hz = b;
    return SP_OK;
}

static int transform(const ctx *c, json_t *obj, const char *pre,
                     const char *key, double out[16])
{
    SP_TRY(numbers(c, obj, pre, key, 16, 16, -1e6, 1e6, out, NULL));
    if (out[12] != 0 || out[13] != 0 || out[14] != 0 || out[15] != 1)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%s%s': last row %g %g %g %g, expected 0 0 "
                        "0 1",
                        c->name, pre, key, out[12], out[13], out[14], out[15]);
    return SP_OK;
}

/* Firmware before 2.0 had no data_format: ouster-sdk's defaults for a
 * 64-beam sensor (its default_data_format). */
static int default_format(const ctx *c, sp_ouster_meta *m, long w)
{
    if (m->pixels_per_column != 64)
        return missing(c, c->pf, "pixels_per_column");
    int step = w == 512 ? 3 : w == 1024 ? 6 : w == 2048 ? 12 : 0;
    if (!step)
        return missing(c, c->pf, "pixel_shift_by_row");
    for (unsigned i = 0; i < 64; i++)
        m->pixel_shift_by_row[i] = step * (3 - (int)(i % 4));
    m->columns_per_packet = 16;
    m->columns_per_frame = (uint32_t)w;
    m->column_window[0] = 0;
    m->column_window[1] = (uint32_t)w - 1;
    return SP_OK;
}

static int data_format(const ctx *c, sp_ouster_meta *m, long w)
{
    long h = 0, cpp = 0, cpf = 0;
    double tmp[SP_OUSTER_MAX_BEAMS];
    SP_TRY(integer(c, c->fmt, c->pf, "pixels_per_column", 1,
                   SP_OUSTER_MAX_BEAMS, &h));
    if ((uint32_t)h != m->pixels_per_column)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%spixels_per_column': %ld, but "
                        "'%sbeam_altitude_angles' has %u beams",
                        c->name, c->pf, h, c->pb, m->pixels_per_column);
    SP_TRY(integer(c, c->fmt, c->pf, "columns_per_frame", 1, SP_OUSTER_MAX_COLS,
                   &cpf));
    if (cpf != w)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%scolumns_per_frame': %ld, but lidar_mode "
                        "'%s' says %ld",
                        c->name, c->pf, cpf, m->lidar_mode, w);
    SP_TRY(integer(c, c->fmt, c->pf, "columns_per_packet", 1, 64, &cpp));
    if (cpf % cpp)
        return sp__fail(SP_EFORMAT,
                        "%s: key '%scolumns_per_packet': %ld does not divide "
                        "columns_per_frame %ld",
                        c->name, c->pf, cpp, cpf);
    SP_TRY(numbers(c, c->fmt, c->pf, "pixel_shift_by_row", (size_t)h, 0,
                   -(double)cpf, (double)cpf, tmp, NULL));
    for (long i = 0; i < h; i++) {
        if (tmp[i] != floor(tmp[i]))
            return sp__fail(SP_EFORMAT,
                            "%s: key '%spixel_shift_by_row': element %ld is "
                            "%g, expected an integer",
                            c->name, c->pf, i, tmp[i]);
        m->pixel_shift_by_row[i] = (int32_t)tmp[i];
    }
    m->columns_per_packet = (uint32_t)cpp;
    m->columns_per_frame = (uint32_t)cpf;
    if (get(c->fmt, "column_window")) {
        double cw[2];
        SP_TRY(numbers(c, c->fmt, c->pf, "column_window", 2, 2, 0,
                       (double)(cpf - 1), cw, NULL));
        if (cw[0] != floor(cw[0]) || cw[1] != floor(cw[1]))
            return sp__fail(SP_EFORMAT,
                            "%s: key '%scolumn_window': expected integers",
                            c->name, c->pf);
        m->column_window[0] = (uint32_t)cw[0];
        m->column_window[1] = (uint32_t)cw[1];
    } else {
        m->column_window[0] = 0;
        m->column_window[1] = (uint32_t)cpf - 1;
    }
    return SP_OK;
}

static int fill(ctx *c, json_t *root, sp_ouster_meta *m)
{
    /* The nested layout's sections; the flat one has everything at the
     * top except the packet format, which sits in data_format. */
    json_t *bi = get(root, "beam_intrinsics");
    json_t *ldf = get(root, "lidar_data_format");
    m->nested = (bi && json_is_object(bi)) || (ldf && json_is_object(ldf));
    if (m->nested) {
        c->beams = bi, c->pb = "beam_intrinsics.";
        c->lidar = get(root, "lidar_intrinsics"), c->pl = "lidar_intrinsics.";
        c->fmt = ldf, c->pf = "lidar_data_format.";
        c->config = get(root, "config_params"), c->pc = "config_params.";
        c->info = get(root, "sensor_info"), c->pi = "sensor_info.";
        if (!c->beams)
            return missing(c, "", "beam_intrinsics");
    } else {
        c->beams = c->lidar = c->config = c->info = root;
        c->pb = c->pl = c->pc = c->pi = "";
        c->fmt = get(root, "data_format"), c->pf = "data_format.";
    }

    size_t h;
    SP_TRY(numbers(c, c->beams, c->pb, "beam_altitude_angles", 0,
                   SP_OUSTER_MAX_BEAMS, -90, 90, m->beam_altitude_deg, &h));
    m->pixels_per_column = (uint32_t)h;
    SP_TRY(numbers(c, c->beams, c->pb, "beam_azimuth_angles", h, h, -180, 180,
                   m->beam_azimuth_deg, NULL));
    SP_TRY(number(c, c->beams, c->pb, "lidar_origin_to_beam_origin_mm", -1e4,
                  1e4, &m->lidar_origin_to_beam_origin_mm));
    if (get(c->beams, "beam_to_lidar_transform")) {
        SP_TRY(transform(c, c->beams, c->pb, "beam_to_lidar_transform",
                         m->beam_to_lidar));
    } else {
        memset(m->beam_to_lidar, 0, sizeof m->beam_to_lidar);
        m->beam_to_lidar[0] = m->beam_to_lidar[5] = m->beam_to_lidar[10] =
            m->beam_to_lidar[15] = 1;
        m->beam_to_lidar[3] = m->lidar_origin_to_beam_origin_mm;
    }
    if (get(c->lidar, "lidar_to_sensor_transform")) {
        SP_TRY(transform(c, c->lidar, c->pl, "lidar_to_sensor_transform",
                         m->lidar_to_sensor));
    } else {
        static const double def[16] = {-1, 0, 0, 0,     0, -1, 0, 0,
                                       0,  0, 1, 36.18, 0, 0,  0, 1};
        memcpy(m->lidar_to_sensor, def, sizeof def);
    }

    long w = 0;
    SP_TRY(mode(c, m, &w));
    if (c->fmt && json_is_object(c->fmt))
        SP_TRY(data_format(c, m, w));
    else if (c->fmt)
        return sp__fail(SP_EFORMAT, "%s: key '%.*s': expected an object",
                        c->name, (int)strlen(c->pf) - 1, c->pf);
    else
        SP_TRY(default_format(c, m, w));
    SP_TRY(profile(c, &m->profile));
    if (m->nested && get(c->config, "udp_profile_lidar") &&
        get(c->fmt, "udp_profile_lidar")) {
        char s[48];
        SP_TRY(
            string(c, c->config, c->pc, "udp_profile_lidar", s, sizeof s, 1));
        if (strcmp(s, sp_ouster_profile_name(m->profile)) != 0)
            return sp__fail(SP_EFORMAT,
                            "%s: key '%sudp_profile_lidar': '%s', but "
                            "'%sudp_profile_lidar' says '%s'",
                            c->name, c->pc, s, c->pf,
                            sp_ouster_profile_name(m->profile));
    }

    SP_TRY(string(c, c->info, c->pi, "prod_line", m->prod_line,
                  sizeof m->prod_line, 0));
    SP_TRY(string(c, c->info, c->pi, "build_rev", m->build_rev,
                  sizeof m->build_rev, 0));
    /* prod_sn is a string in the flat layout, a number or a string in the
     * nested one; only packets' 40-bit serial is compared with it. */
    json_t *sn = get(c->info, "prod_sn");
    if (json_is_string(sn))
        m->prod_sn = strtoull(json_string_value(sn), NULL, 10);
    else if (json_is_integer(sn))
        m->prod_sn = (uint64_t)json_integer_value(sn);
    json_t *iid = get(c->info, "initialization_id");
    if (json_is_integer(iid))
        m->init_id = (uint32_t)json_integer_value(iid) & 0xffffffu;
    return SP_OK;
}

int sp_ouster_meta_parse(const char *text, size_t n, const char *name,
                         sp_ouster_meta *out)
{
    SP_GUARD(text || n == 0);
    SP_GUARD(out);
    if (!name)
        name = "ouster metadata";
    json_error_t err;
    json_t *root =
        json_loadb(text ? text : "", n, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return sp__fail(SP_EFORMAT,
                        "%s: line %d column %d: %s, expected Ouster "
                        "metadata JSON",
                        name, err.line, err.column, err.text);
    int rc;
    if (!json_is_object(root)) {
        rc = sp__fail(SP_EFORMAT,
                      "%s: top level is not a JSON object, expected Ouster "
                      "metadata",
                      name);
        goto free_root;
    }
    sp_ouster_meta *m = malloc(sizeof *m);
    if (!m) {
        rc = sp__fail(SP_ENOMEM, "%s: out of memory", name);
        goto free_root;
    }
    memset(m, 0, sizeof *m);
    ctx c = {.name = name};
    rc = fill(&c, root, m);
    if (rc == SP_OK)
        *out = *m;
    free(m);
free_root:
    json_decref(root);
    return rc;
}

int sp_ouster_meta_load(const char *path, sp_ouster_meta *out)
{
    SP_GUARD(path);
    SP_GUARD(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sp__fail(SP_EIO, "%s: cannot open: %s", path, strerror(errno));
    int rc;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = sp__fail(SP_EIO,
                      "%s: not a regular file, expected Ouster "
                      "metadata JSON",
                      path);
        goto close_fd;
    }
    if ((uint64_t)st.st_size > SP_OUSTER_META_MAX_BYTES) {
        rc = sp__fail(SP_EFORMAT,
                      "%s: %lld bytes, expected at most %u for Ouster "
                      "metadata",
                      path, (long long)st.st_size, SP_OUSTER_META_MAX_BYTES);
        goto close_fd;
    }
    size_t n = (size_t)st.st_size, got = 0;
    buf = malloc(n ? n : 1);
    if (!buf) {
        rc = sp__fail(SP_ENOMEM, "%s: out of memory", path);
        goto close_fd;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = sp__fail(SP_EIO, "%s: byte %zu: read failed: %s", path, got,
                          r < 0 ? strerror(errno) : "file shrank");
            goto free_buf;
        }
        got += (size_t)r;
    }
    rc = sp_ouster_meta_parse(buf, n, path, out);
free_buf:
    free(buf);
close_fd:
    close(fd);
    return rc;
}
