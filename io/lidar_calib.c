/* Lidar calibration files (see sp_lidarcal.h): Velodyne YAML through
 * libyaml's document API, Hesai CSV by hand (three numbers a line). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "error_int.h"
#include "io_int.h"
#include "sp_lidarcal.h"

#define CALIB_MAX_BYTES (1u << 20)

static int yaml_num(yaml_document_t *doc, yaml_node_t *v, const char *name,
                    const char *key, double *out)
{
    if (v->type != YAML_SCALAR_NODE)
        goto bad;
    const char *s = (const char *)v->data.scalar.value;
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end != '\0')
        goto bad;
    *out = d;
    return SP_OK;
bad:
    (void)doc;
    return sp__fail(SP_EFORMAT,
                    "%s: line %zu, column %zu: %s: expected a "
                    "number",
                    name, v->start_mark.line + 1, v->start_mark.column + 1,
                    key);
}

static int yaml_bool(yaml_node_t *v, const char *name, const char *key,
                     int *out)
{
    const char *s =
        v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "1"))
        *out = 1;
    else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "0"))
        *out = 0;
    else
        return sp__fail(
            SP_EFORMAT, "%s: line %zu, column %zu: %s: expected true or false",
            name, v->start_mark.line + 1, v->start_mark.column + 1, key);
    return SP_OK;
}

static int velodyne_laser(yaml_document_t *doc, yaml_node_t *m,
                          const char *name, sp_lidar_calib *out)
{
    if (m->type != YAML_MAPPING_NODE)
        return sp__fail(SP_EFORMAT,
                        "%s: line %zu: a laser, expected a "
                        "mapping",
                        name, m->start_mark.line + 1);
    double id = -1;
    sp_lidar_laser l = {.ring = -1};
    int have_vert = 0, have_min = 0, have_max = 0;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start;
         p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        yaml_node_t *v = yaml_document_get_node(doc, p->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE)
            continue;
        const char *key = (const char *)k->data.scalar.value;
        double *dst = NULL;
        if (!strcmp(key, "laser_id"))
            dst = &id;
        else if (!strcmp(key, "rot_correction"))
            dst = &l.rot;
        else if (!strcmp(key, "vert_correction")) {
            dst = &l.vert;
            have_vert = 1;
        } else if (!strcmp(key, "dist_correction"))
            dst = &l.dist_correction;
        else if (!strcmp(key, "vert_offset_correction"))
            dst = &l.vert_offset;
        else if (!strcmp(key, "horiz_offset_correction"))
            dst = &l.horiz_offset;
        else if (!strcmp(key, "dist_correction_x"))
            dst = &l.dist_correction_x;
        else if (!strcmp(key, "dist_correction_y"))
            dst = &l.dist_correction_y;
        else if (!strcmp(key, "focal_distance"))
            dst = &l.focal_distance;
        else if (!strcmp(key, "focal_slope"))
            dst = &l.focal_slope;
        else if (!strcmp(key, "min_intensity")) {
            dst = &l.min_intensity;
            have_min = 1;
        } else if (!strcmp(key, "max_intensity")) {
            dst = &l.max_intensity;
            have_max = 1;
        } else if (!strcmp(key, "two_pt_correction_available"))
            SP_TRY(yaml_bool(v, name, key, &l.two_pt));
        if (dst)
            SP_TRY(yaml_num(doc, v, name, key, dst));
    }
    /* The driver floors both bounds and defaults them to 0 and 255; a
     * table that gives neither keeps the struct's "no clamp" (both 0). */
    if (have_min || have_max) {
        l.min_intensity = have_min ? floor(l.min_intensity) : 0.0;
        l.max_intensity = have_max ? floor(l.max_intensity) : 255.0;
        if (!(l.min_intensity >= 0 && l.max_intensity <= 255 &&
              l.min_intensity <= l.max_intensity))
            return sp__fail(SP_ERANGE,
                            "%s: line %zu: min_intensity %g, max_intensity "
                            "%g, expected 0 <= min <= max <= 255",
                            name, m->start_mark.line + 1, l.min_intensity,
                            l.max_intensity);
    }
    if (!(fabs(l.focal_slope) <= 1e3 && fabs(l.focal_distance) <= 1e6 &&
          fabs(l.dist_correction_x) <= 1e3 &&
          fabs(l.dist_correction_y) <= 1e3 && fabs(l.vert_offset) <= 1e3 &&
          fabs(l.horiz_offset) <= 1e3 && fabs(l.dist_correction) <= 1e3))
        return sp__fail(SP_ERANGE,
                        "%s: line %zu: a correction beyond 1000 (metres, or "
                        "intensity per unit), expected a calibration table",
                        name, m->start_mark.line + 1);
    if (id < 0 || id >= SP_LIDAR_MAX_LASERS || id != (double)(int)id)
        return sp__fail(SP_ERANGE,
                        "%s: line %zu: laser_id %g, expected an integer "
                        "0..%d",
                        name, m->start_mark.line + 1, id,
                        SP_LIDAR_MAX_LASERS - 1);
    if (!have_vert)
        return sp__fail(SP_EFORMAT,
                        "%s: line %zu: laser %d has no "
                        "vert_correction",
                        name, m->start_mark.line + 1, (int)id);
    out->laser[(int)id] = l;
    if ((unsigned)id + 1 > out->nlasers)
        out->nlasers = (unsigned)id + 1;
    return SP_OK;
}

static int parse_velodyne(const char *text, size_t len, const char *name,
                          sp_lidar_calib *out)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return sp__fail(SP_ENOMEM, "%s: out of memory for the YAML parser",
                        name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_document_t doc;
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = sp__fail(
            parser.error == YAML_MEMORY_ERROR ? SP_ENOMEM : SP_EFORMAT,
            "%s: line %zu, column %zu: not valid YAML: %s", name,
            parser.problem_mark.line + 1, parser.problem_mark.column + 1,
            parser.problem ? parser.problem : "error");
        yaml_parser_delete(&parser);
        return rc;
    }
    int rc = SP_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_node_t *lasers = NULL;
    if (root && root->type == YAML_MAPPING_NODE)
        for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
             p < root->data.mapping.pairs.top; p++) {
            yaml_node_t *k = yaml_document_get_node(&doc, p->key);
            if (k && k->type == YAML_SCALAR_NODE &&
                !strcmp((const char *)k->data.scalar.value, "lasers"))
                lasers = yaml_document_get_node(&doc, p->value);
        }
    if (!lasers || lasers->type != YAML_SEQUENCE_NODE) {
        rc = sp__fail(SP_EFORMAT,
                      "%s: no `lasers:` sequence, expected a "
                      "Velodyne calibration table",
                      name);
        goto done;
    }
    for (yaml_node_item_t *it = lasers->data.sequence.items.start;
         it < lasers->data.sequence.items.top && rc == SP_OK; it++) {
        yaml_node_t *m = yaml_document_get_node(&doc, *it);
        rc = m ? velodyne_laser(&doc, m, name, out)
               : sp__fail(SP_EFORMAT, "%s: a broken laser entry", name);
    }
    if (rc == SP_OK && out->nlasers == 0)
        rc = sp__fail(SP_EFORMAT,
                      "%s: `lasers:` is empty, expected one entry "
                      "per laser",
                      name);
    out->vendor = SP_LIDAR_CALIB_VELODYNE;
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return rc;
}

static int parse_hesai(const char *text, size_t len, const char *name,
                       sp_lidar_calib *out)
{
    const char *p = text, *end = text + len;
    size_t line = 0;
    int header = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        char buf[256];
        size_t n = (size_t)(le - p);
        line++;
        if (n >= sizeof buf)
            return sp__fail(SP_EFORMAT,
                            "%s: line %zu: %zu characters, "
                            "expected a short CSV row",
                            name, line, n);
        memcpy(buf, p, n);
        buf[n] = '\0';
        p = nl ? nl + 1 : end;
        char *s = buf;
        while (*s == ' ' || *s == '\t' || *s == '\r')
            s++;
        if (*s == '\0')
            continue;
        if (!header) {
            header = 1;
            if (strncmp(s, "Laser id", 8) && strncmp(s, "Channel", 7))
                return sp__fail(SP_EFORMAT,
                                "%s: line %zu: expected the header `Laser "
                                "id,Elevation,Azimuth`",
                                name, line);
            continue;
        }
        int id;
        double el, az;
        char tail;
        if (sscanf(s, "%d , %lf , %lf %c", &id, &el, &az, &tail) != 3 &&
            !(sscanf(s, "%d , %lf , %lf %c", &id, &el, &az, &tail) == 4 &&
              (tail == '\r' || tail == ',')))
            return sp__fail(SP_EFORMAT,
                            "%s: line %zu: '%.40s', expected laser id, "
                            "elevation, azimuth",
                            name, line, s);
        if (id < 1 || id > SP_LIDAR_MAX_LASERS)
            return sp__fail(SP_ERANGE,
                            "%s: line %zu: laser id %d, expected "
                            "1..%d",
                            name, line, id, SP_LIDAR_MAX_LASERS);
        sp_lidar_laser *l = &out->laser[id - 1];
        memset(l, 0, sizeof *l);
        l->vert = el;
        l->rot = az;
        l->ring = id - 1;
        if ((unsigned)id > out->nlasers)
            out->nlasers = (unsigned)id;
    }
    if (out->nlasers == 0)
        return sp__fail(SP_EFORMAT,
                        "%s: no laser rows, expected `Laser "
                        "id,Elevation,Azimuth` and a row per laser",
                        name);
    out->vendor = SP_LIDAR_CALIB_HESAI;
    return SP_OK;
}

static int has_lasers_key(const char *t, size_t n)
{
    for (size_t i = 0; i + 7 <= n; i++)
        if (t[i] == 'l' && !memcmp(t + i, "lasers:", 7))
            return 1;
    return 0;
}

int sp_lidar_calib_parse(const char *text, size_t len, const char *name,
                         sp_lidar_calib *out)
{
    SP_GUARD(out != NULL && (text != NULL || len == 0));
    memset(out, 0, sizeof *out);
    if (!name)
        name = "calibration";
    snprintf(out->source, sizeof out->source, "%s", name);
    const char *s = text;
    while (s < text + len &&
           (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t' ||
            (unsigned char)*s == 0xef || (unsigned char)*s == 0xbb ||
            (unsigned char)*s == 0xbf))
        s++;
    size_t rest = (size_t)(text + len - s);
    int rc;
    if ((rest >= 8 && !strncmp(s, "Laser id", 8)) ||
        (rest >= 7 && !strncmp(s, "Channel", 7)))
        rc = parse_hesai(s, rest, name, out);
    else if (has_lasers_key(text, len))
        rc = parse_velodyne(text, len, name, out);
    else
        rc = sp__fail(SP_EFORMAT,
                      "%s: neither a Velodyne YAML table (`lasers:`) nor a "
                      "Hesai angle-correction CSV (`Laser id,Elevation,"
                      "Azimuth`)",
                      name);
    if (rc < 0) {
        char keep[sizeof out->source];
        memcpy(keep, out->source, sizeof keep);
        memset(out, 0, sizeof *out);
        memcpy(out->source, keep, sizeof keep);
    }
    return rc;
}

int sp_lidar_calib_load(const char *path, sp_lidar_calib *out)
{
    SP_GUARD(path != NULL && out != NULL);
    sp__iobuf buf = {0};
    size_t len = 0;
    int rc = sp__read_text(path, CALIB_MAX_BYTES, &buf, &len);
    if (rc == SP_OK)
        rc = sp_lidar_calib_parse((const char *)buf.data, len, path, out);
    sp__iobuf_free(&buf);
    return rc;
}
