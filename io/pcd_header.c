/* PCD header parser: text lines up to and including "DATA <encoding>".
 *
 * Works on a bounded buffer (never past len; no NUL needed) so it can be
 * fuzzed directly. Each error names the file, the line and what was
 * expected. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io_int.h"
#include "pcd_int.h"
#include "sp_pcd.h"

#define MAX_TOKENS (SP_PCD_MAX_FIELDS + 2)
#define MAX_TOKEN 64

typedef struct line_toks {
    int n;
    char tok[MAX_TOKENS][MAX_TOKEN];
} line_toks;

const char *sp_pcd_encoding_name(sp_pcd_encoding e)
{
    switch (e) {
    case SP_PCD_ASCII:
        return "ascii";
    case SP_PCD_BINARY:
        return "binary";
    case SP_PCD_BINARY_COMPRESSED:
        return "binary_compressed";
    }
    return "?";
}

/* Split [s, e) into whitespace-separated tokens. Returns -1 when a token is
 * too long or there are too many. */
static int tokenize(const char *s, const char *e, line_toks *t)
{
    t->n = 0;
    while (s < e) {
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++;
        if (s >= e)
            break;
        const char *b = s;
        while (s < e && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
        size_t n = (size_t)(s - b);
        if (t->n >= MAX_TOKENS || n >= MAX_TOKEN)
            return -1;
        memcpy(t->tok[t->n], b, n);
        t->tok[t->n][n] = '\0';
        t->n++;
    }
    return 0;
}

/* Strict unsigned integer: digits only, no sign, no overflow past 2^63. */
static int parse_u64(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (x > (UINT64_MAX / 2 - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return 0;
}

static int parse_double(const char *s, double *v)
{
    char *end;
    *v = strtod(s, &end);
    return (end == s || *end) ? -1 : 0;
}

static int type_ok(char type, unsigned size)
{
    switch (type) {
    case 'F':
        return size == 4 || size == 8;
    case 'U':
    case 'I':
        return size == 1 || size == 2 || size == 4 || size == 8;
    }
    return 0;
}

static int find_field(const sp_pcd_header *h, const char *const *names)
{
    for (uint32_t i = 0; i < h->nfields; i++)
        for (const char *const *n = names; *n; n++)
            if (strcmp(h->fields[i].name, *n) == 0)
                return (int)i;
    return -1;
}

int sp_pcd_header_parse(const char *buf, size_t len, const char *name,
                        sp_pcd_header *h)
{
    enum {
        K_FIELDS = 1,
        K_SIZE = 2,
        K_TYPE = 4,
        K_COUNT = 8,
        K_WIDTH = 16,
        K_HEIGHT = 32,
        K_POINTS = 64
    };
    unsigned seen = 0;
    uint32_t size_line = 0, type_line = 0, points_line = 0;
    static const double vp_default[7] = {0, 0, 0, 1, 0, 0, 0};
    line_toks t;
    const char *p = buf, *end = buf + len;
    uint32_t line = 0;

    SP_GUARD(buf && h);
    if (!name)
        name = "pcd";
    memset(h, 0, sizeof *h);
    memcpy(h->viewpoint, vp_default, sizeof vp_default);
    h->height = 1;

    for (;;) {
        /* A reader hands over at most SP_PCD_MAX_HEADER bytes: running out
         * of them is a header too long, not one that lacks its DATA. */
        if (len >= SP_PCD_MAX_HEADER &&
            (p >= end || !memchr(p, '\n', (size_t)(end - p))))
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: header too long: no DATA line in "
                            "the first %u bytes, expected the header to end "
                            "within %u bytes",
                            name, line + 1, SP_PCD_MAX_HEADER,
                            SP_PCD_MAX_HEADER);
        if (p >= end)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: header ends without a "
                            "DATA line, expected DATA ascii|binary|"
                            "binary_compressed",
                            name, line + 1);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        /* Comments may hold anything (long paths, prose): skip them before
         * tokenizing. */
        const char *q = p;
        while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
            q++;
        if (q < le && *q == '#') {
            p = nl ? nl + 1 : end;
            continue;
        }
        if (tokenize(p, le, &t) != 0)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: line too long or more "
                            "than %d values, expected a PCD header line",
                            name, line, MAX_TOKENS);
        const char *next = nl ? nl + 1 : end;
        if (t.n == 0) {
            p = next;
            continue;
        }
        const char *kw = t.tok[0];
        int nv = t.n - 1;

        if (!strcmp(kw, "VERSION")) {
            /* Kept for information only; truncation is harmless. */
            size_t vl = nv > 0 ? strlen(t.tok[1]) : 0;
            if (vl >= sizeof h->version)
                vl = sizeof h->version - 1;
            memcpy(h->version, t.tok[1], vl);
            h->version[vl] = '\0';
        } else if (!strcmp(kw, "FIELDS") || !strcmp(kw, "COLUMNS")) {
            if (nv < 1 || nv > SP_PCD_MAX_FIELDS)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: FIELDS lists %d "
                                "names, expected 1 to %d",
                                name, line, nv, SP_PCD_MAX_FIELDS);
            h->nfields = (uint32_t)nv;
            for (int i = 0; i < nv; i++) {
                if (strlen(t.tok[i + 1]) >= sizeof h->fields[i].name)
                    return sp__fail(SP_EFORMAT,
                                    "%s: line %u: field name "
                                    "'%s' too long, expected at most %zu "
                                    "characters",
                                    name, line, t.tok[i + 1],
                                    sizeof h->fields[i].name - 1);
                strcpy(h->fields[i].name, t.tok[i + 1]);
                h->fields[i].count = 1;
            }
            seen |= K_FIELDS;
        } else if (!strcmp(kw, "SIZE") || !strcmp(kw, "TYPE") ||
                   !strcmp(kw, "COUNT")) {
            if (!(seen & K_FIELDS))
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: %s before FIELDS, "
                                "expected FIELDS first",
                                name, line, kw);
            if ((uint32_t)nv != h->nfields)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: %s has %d values "
                                "for %u fields, expected one per field",
                                name, line, kw, nv, h->nfields);
            for (int i = 0; i < nv; i++) {
                const char *v = t.tok[i + 1];
                uint64_t u = 0;
                if (kw[0] == 'T') {
                    if (strlen(v) != 1 ||
                        (v[0] != 'F' && v[0] != 'U' && v[0] != 'I'))
                        return sp__fail(SP_EUNSUPPORTED,
                                        "%s: line %u: TYPE "
                                        "'%s' of field '%s', expected F, U "
                                        "or I",
                                        name, line, v, h->fields[i].name);
                    h->fields[i].type = v[0];
                } else if (parse_u64(v, &u) != 0 || u == 0 ||
                           u > (kw[0] == 'S' ? 8u : 65536u)) {
                    return sp__fail(kw[0] == 'S' ? SP_EUNSUPPORTED : SP_EFORMAT,
                                    "%s: line %u: %s '%s' of field '%s', "
                                    "expected %s",
                                    name, line, kw, v, h->fields[i].name,
                                    kw[0] == 'S' ? "1, 2, 4 or 8"
                                                 : "an integer 1..65536");
                } else if (kw[0] == 'S') {
                    h->fields[i].size = (uint8_t)u;
                } else {
                    h->fields[i].count = (uint32_t)u;
                }
            }
            if (kw[0] == 'S') {
                seen |= K_SIZE;
                size_line = line;
            } else if (kw[0] == 'T') {
                seen |= K_TYPE;
                type_line = line;
            } else {
                seen |= K_COUNT;
            }
        } else if (!strcmp(kw, "WIDTH") || !strcmp(kw, "HEIGHT") ||
                   !strcmp(kw, "POINTS")) {
            uint64_t u;
            if (nv != 1 || parse_u64(t.tok[1], &u) != 0)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: %s '%s', expected "
                                "one non-negative integer",
                                name, line, kw, nv >= 1 ? t.tok[1] : "");
            if (u > SP_PCD_MAX_POINTS)
                return sp__fail(SP_ERANGE,
                                "%s: line %u: %s %llu, expected at "
                                "most %llu",
                                name, line, kw, (unsigned long long)u,
                                (unsigned long long)SP_PCD_MAX_POINTS);
            if (kw[0] == 'W') {
                h->width = u;
                seen |= K_WIDTH;
            } else if (kw[0] == 'H') {
                h->height = u;
                seen |= K_HEIGHT;
            } else {
                h->points = u;
                seen |= K_POINTS;
            }
            points_line = line;
        } else if (!strcmp(kw, "VIEWPOINT")) {
            if (nv != 7)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: VIEWPOINT has %d "
                                "values, expected 7 (tx ty tz qw qx qy qz)",
                                name, line, nv);
            for (int i = 0; i < 7; i++)
                if (parse_double(t.tok[i + 1], &h->viewpoint[i]) != 0)
                    return sp__fail(SP_EFORMAT,
                                    "%s: line %u: VIEWPOINT "
                                    "value '%s', expected a number",
                                    name, line, t.tok[i + 1]);
        } else if (!strcmp(kw, "DATA")) {
            if (nv != 1)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: DATA has %d values, "
                                "expected one of ascii, binary, "
                                "binary_compressed",
                                name, line, nv);
            if (!strcasecmp(t.tok[1], "ascii"))
                h->encoding = SP_PCD_ASCII;
            else if (!strcasecmp(t.tok[1], "binary"))
                h->encoding = SP_PCD_BINARY;
            else if (!strcasecmp(t.tok[1], "binary_compressed"))
                h->encoding = SP_PCD_BINARY_COMPRESSED;
            else
                return sp__fail(SP_EUNSUPPORTED,
                                "%s: line %u: DATA '%s', "
                                "expected ascii, binary or binary_compressed",
                                name, line, t.tok[1]);
            if (!nl && h->encoding != SP_PCD_ASCII && len >= SP_PCD_MAX_HEADER)
                return sp__fail(SP_EFORMAT,
                                "%s: line %u: DATA line not "
                                "terminated, expected a newline",
                                name, line);
            h->data_offset = (size_t)(next - buf);
            h->data_line = line + 1;
            break;
        } else {
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: unknown keyword '%.40s', "
                            "expected VERSION, FIELDS, SIZE, TYPE, COUNT, "
                            "WIDTH, HEIGHT, VIEWPOINT, POINTS or DATA",
                            name, line, kw);
        }
        p = next;
    }

    /* Consistency of what the header says about itself. */
    if (!(seen & K_FIELDS))
        return sp__fail(SP_EFORMAT,
                        "%s: line %u: DATA before FIELDS, "
                        "expected a FIELDS line",
                        name, line);
    if (!(seen & K_SIZE) || !(seen & K_TYPE))
        return sp__fail(SP_EFORMAT,
                        "%s: line %u: no %s line, expected SIZE "
                        "and TYPE for every field",
                        name, line, (seen & K_SIZE) ? "TYPE" : "SIZE");
    if (!(seen & K_WIDTH) && (seen & K_POINTS)) {
        h->width = h->points;
        h->height = 1;
    }
    if (!(seen & K_POINTS))
        h->points = h->width * h->height; /* both <= 2^31: no overflow */
    if (h->width * h->height != h->points)
        return sp__fail(SP_EFORMAT,
                        "%s: line %u: WIDTH %llu x HEIGHT %llu = "
                        "%llu but POINTS is %llu, expected them to agree",
                        name, points_line, (unsigned long long)h->width,
                        (unsigned long long)h->height,
                        (unsigned long long)(h->width * h->height),
                        (unsigned long long)h->points);

    uint64_t off = 0, values = 0;
    for (uint32_t i = 0; i < h->nfields; i++) {
        sp_pcd_field *f = &h->fields[i];
        if (!type_ok(f->type, f->size))
            return sp__fail(SP_EUNSUPPORTED,
                            "%s: line %u: field '%s' has "
                            "TYPE %c SIZE %u, expected F 4/8, U 1/2/4/8 or "
                            "I 1/2/4/8",
                            name, size_line > type_line ? size_line : type_line,
                            f->name, f->type, f->size);
        f->offset = (uint32_t)off;
        off += (uint64_t)f->size * f->count;
        values += f->count;
    }
    if (off > 65536)
        return sp__fail(SP_ERANGE,
                        "%s: point record of %llu bytes, expected at "
                        "most 65536",
                        name, (unsigned long long)off);
    h->point_size = (uint32_t)off;
    h->values_per_point = (uint32_t)values;

    static const char *const nx[] = {"x", NULL}, *const ny[] = {"y", NULL},
                             *const nz[] = {"z", NULL},
                             *const ni[] = {"intensity", "i", "reflectance",
                                            NULL},
                             *const nr[] = {"ring", NULL},
                             *const nt[] = {"time", "t", "timestamp", NULL};
    h->ix = find_field(h, nx);
    h->iy = find_field(h, ny);
    h->iz = find_field(h, nz);
    h->iintensity = find_field(h, ni);
    h->iring = find_field(h, nr);
    h->itime = find_field(h, nt);
    if (h->ix < 0 || h->iy < 0 || h->iz < 0)
        return sp__fail(SP_EFORMAT,
                        "%s: FIELDS has no '%s', expected x, y "
                        "and z",
                        name,
                        h->ix < 0   ? "x"
                        : h->iy < 0 ? "y"
                                    : "z");
    int req[3] = {h->ix, h->iy, h->iz};
    for (int k = 0; k < 3; k++)
        if (h->fields[req[k]].count != 1)
            return sp__fail(SP_EFORMAT,
                            "%s: field '%s' has COUNT %u, "
                            "expected 1",
                            name, h->fields[req[k]].name,
                            h->fields[req[k]].count);
    /* Optional fields with COUNT > 1 are not what we think they are. */
    if (h->iintensity >= 0 && h->fields[h->iintensity].count != 1)
        h->iintensity = -1;
    if (h->iring >= 0 && h->fields[h->iring].count != 1)
        h->iring = -1;
    if (h->itime >= 0 && h->fields[h->itime].count != 1)
        h->itime = -1;
    h->points_fields = (h->iring >= 0 ? SP_POINTS_RING : 0u) |
                       (h->itime >= 0 ? SP_POINTS_TIME : 0u);
    return SP_OK;
}

int sp_pcd_header_check(const sp_pcd_header *h, uint64_t file_size,
                        const char *name)
{
    SP_GUARD(h);
    if (!name)
        name = "pcd";
    if (file_size < h->data_offset)
        return sp__fail(SP_EFORMAT,
                        "%s: header ends at byte %zu past the "
                        "file's %llu bytes",
                        name, h->data_offset, (unsigned long long)file_size);
    uint64_t avail = file_size - h->data_offset;
    if (h->encoding == SP_PCD_BINARY) {
        uint64_t need = h->points * h->point_size; /* < 2^31 * 2^16 */
        if (need > avail)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %zu: POINTS says %llu "
                            "points of %u bytes (%llu bytes) but DATA holds "
                            "%llu bytes, expected the file to hold them all",
                            name, h->data_offset, (unsigned long long)h->points,
                            h->point_size, (unsigned long long)need,
                            (unsigned long long)avail);
    } else if (h->encoding == SP_PCD_ASCII) {
        /* Each value needs at least a digit and a separator. */
        uint64_t need = h->points * h->values_per_point * 2;
        if (need > avail + 1)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %zu: POINTS says %llu "
                            "points of %u values but DATA holds only %llu "
                            "bytes, expected at least %llu",
                            name, h->data_offset, (unsigned long long)h->points,
                            h->values_per_point, (unsigned long long)avail,
                            (unsigned long long)(need - 1));
    } else {
        if (avail < 8 && h->points > 0)
            return sp__fail(SP_EFORMAT,
                            "%s: byte %zu: DATA holds %llu bytes, "
                            "expected 8 bytes of compressed/uncompressed "
                            "sizes",
                            name, h->data_offset, (unsigned long long)avail);
    }
    return SP_OK;
}
