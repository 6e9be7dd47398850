/* Typed stage properties: parsing text into values and checking them
 * against the class's declared range or choices. Messages name the
 * property, the value as given, and what is allowed; the caller prefixes
 * the stage. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pipeline_int.h"

const char *sp_prop_type_name(sp_prop_type t)
{
    switch (t) {
    case SP_PROP_INT:
        return "int";
    case SP_PROP_FLOAT:
        return "float";
    case SP_PROP_BOOL:
        return "bool";
    case SP_PROP_STRING:
        return "string";
    case SP_PROP_ENUM:
        return "enum";
    case SP_PROP_RANGE:
        return "range";
    case SP_PROP_FLOATS:
        return "floats";
    case SP_PROP_TIME:
        return "time";
    }
    return "?";
}

/* SP_PROP_TIME: the units a value may carry, in nanoseconds (integers,
 * so the ratio of two is exact). */
static const struct {
    const char *name;
    double ns;
} time_units[] = {{"ns", 1},  {"us", 1e3},   {"ms", 1e6},
                  {"s", 1e9}, {"min", 6e10}, {"h", 3.6e12}};
/* Their names, in the table's order, for messages. */
#define TIME_UNIT_NAMES "ns, us, ms, s, min, h"

/* The unit named by [u, u + n), in ns; 0 when none is. */
static double unit_ns(const char *u, size_t n)
{
    for (size_t i = 0; i < sizeof time_units / sizeof *time_units; i++)
        if (strlen(time_units[i].name) == n &&
            strncmp(time_units[i].name, u, n) == 0)
            return time_units[i].ns;
    return 0;
}

static const char *time_unit(const sp_prop_spec *s)
{
    return s->choices && *s->choices ? s->choices : "s";
}

/* The spec's unit in ns; 0 when it names none. */
static double spec_unit_ns(const sp_prop_spec *s)
{
    return unit_ns(time_unit(s), strlen(time_unit(s)));
}

static int has_range(const sp_prop_spec *s)
{
    return s->min < s->max;
}

/* SP_PROP_FLOATS: the counts choices allows ("1|3"), in order, into
 * c[0..SP_PROP_MAX_FLOATS); NULL or "" allows 1 to SP_PROP_MAX_FLOATS.
 * Returns how many, or 0 when choices is not such a list. */
static int floats_counts(const sp_prop_spec *s, int c[SP_PROP_MAX_FLOATS])
{
    int n = 0;
    if (!s->choices || !*s->choices) {
        for (; n < SP_PROP_MAX_FLOATS; n++)
            c[n] = n + 1;
        return n;
    }
    for (const char *p = s->choices;; p++) {
        if (!isdigit((unsigned char)*p) || n == SP_PROP_MAX_FLOATS)
            return 0;
        char *end;
        long k = strtol(p, &end, 10);
        if (k < 1 || k > SP_PROP_MAX_FLOATS || (n && k <= c[n - 1]))
            return 0;
        c[n++] = (int)k;
        if (*end == '\0')
            return n;
        if (*end != '|')
            return 0;
        p = end;
    }
}

/* An INT, FLOAT or RANGE spec whose choices is "auto" takes the word too. */
static int takes_auto(const sp_prop_spec *s)
{
    return (s->type == SP_PROP_INT || s->type == SP_PROP_FLOAT ||
            s->type == SP_PROP_RANGE) &&
           s->choices && strcmp(s->choices, "auto") == 0;
}

int sp__prop_spec_check(const sp_prop_spec *s)
{
    int c[SP_PROP_MAX_FLOATS];
    switch (s->type) {
    case SP_PROP_ENUM:
        if (s->choices == NULL || !*s->choices)
            return sp__fail(SP_EINVAL, "enum property '%s' has no choices",
                            s->name);
        break;
    case SP_PROP_TIME:
        if (spec_unit_ns(s) == 0)
            return sp__fail(SP_EINVAL,
                            "time property '%s' has unit '%s', expected ns, "
                            "us, ms, s, min or h",
                            s->name, s->choices);
        break;
    case SP_PROP_INT:
    case SP_PROP_FLOAT:
    case SP_PROP_RANGE:
        if (s->choices && !takes_auto(s))
            return sp__fail(SP_EINVAL,
                            "property '%s' has choices '%s', expected none or "
                            "\"auto\"",
                            s->name, s->choices);
        break;
    case SP_PROP_FLOATS:
        if (floats_counts(s, c) == 0)
            return sp__fail(SP_EINVAL,
                            "floats property '%s' allows '%s' numbers, "
                            "expected counts from 1 to %d, rising, joined by "
                            "'|' (\"1|3\")",
                            s->name, s->choices, SP_PROP_MAX_FLOATS);
        break;
    case SP_PROP_BOOL:
    case SP_PROP_STRING:
        break;
    default:
        return sp__fail(SP_EINVAL, "property '%s' has type %d", s->name,
                        (int)s->type);
    }
    return SP_OK;
}

/* "1 to 8", "1 or 3", "3", "1, 2 or 4" */
static void floats_counts_text(const sp_prop_spec *s, char *buf, size_t cap)
{
    int c[SP_PROP_MAX_FLOATS], n = floats_counts(s, c);
    if (!s->choices || !*s->choices) {
        snprintf(buf, cap, "1 to %d", SP_PROP_MAX_FLOATS);
        return;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%d",
                                i == 0       ? ""
                                : i == n - 1 ? " or "
                                             : ", ",
                                c[i]);
}

/* %.15g keeps integers and short decimals readable ("0.2", "1000000"). */
static void fmt_num(char *buf, size_t cap, double v)
{
    snprintf(buf, cap, "%.15g", v);
}

static void describe_type(const sp_prop_spec *s, char *buf, size_t cap);

void sp_prop_describe_allowed(const sp_prop_spec *s, char *buf, size_t cap)
{
    const char *pre = "auto, or ";
    if (takes_auto(s) && cap > strlen(pre)) {
        size_t n = (size_t)snprintf(buf, cap, "%s", pre);
        describe_type(s, buf + n, cap - n);
    } else {
        describe_type(s, buf, cap);
    }
}

static void describe_type(const sp_prop_spec *s, char *buf, size_t cap)
{
    char lo[32], hi[32];

    fmt_num(lo, sizeof lo, s->min);
    fmt_num(hi, sizeof hi, s->max);
    switch (s->type) {
    case SP_PROP_INT:
        if (has_range(s))
            snprintf(buf, cap, "an integer in %s..%s", lo, hi);
        else
            snprintf(buf, cap, "an integer");
        break;
    case SP_PROP_FLOAT:
        if (has_range(s))
            snprintf(buf, cap, "a number in %s..%s", lo, hi);
        else
            snprintf(buf, cap, "a number (e.g. 0.5 or 1/255)");
        break;
    case SP_PROP_BOOL:
        snprintf(buf, cap, "true or false (also 1/0, yes/no, on/off)");
        break;
    case SP_PROP_STRING:
        if (has_range(s))
            snprintf(buf, cap, "text of at most %s bytes", hi);
        else
            snprintf(buf, cap, "any text");
        break;
    case SP_PROP_ENUM: {
        /* "a|b|c" -> "one of a, b, c" */
        size_t len = (size_t)snprintf(buf, cap, "one of ");
        for (const char *p = s->choices; *p && len < cap; p++)
            len += (size_t)snprintf(buf + len, cap - len, "%s",
                                    *p == '|' ? ", " : (char[2]){*p, 0});
        break;
    }
    case SP_PROP_RANGE:
        if (has_range(s))
            snprintf(buf, cap, "LO:HI with %s <= LO <= HI <= %s", lo, hi);
        else
            snprintf(buf, cap, "LO:HI with LO <= HI (e.g. 0:70)");
        break;
    case SP_PROP_FLOATS: {
        char counts[64], range[80] = "";
        floats_counts_text(s, counts, sizeof counts);
        if (has_range(s))
            snprintf(range, sizeof range, " in %s..%s", lo, hi);
        snprintf(buf, cap, "%s comma-separated number%s%s (e.g. 0.5,0.5,0.5)",
                 counts, strcmp(counts, "1") ? "s" : "", range);
        break;
    }
    case SP_PROP_TIME: {
        char range[96] = "";
        if (has_range(s))
            snprintf(range, sizeof range, " in %s..%s %s", lo, hi,
                     time_unit(s));
        snprintf(buf, cap, "a time%s (a number of %s, or with a unit: %s)",
                 range, time_unit(s), TIME_UNIT_NAMES);
        break;
    }
    default:
        snprintf(buf, cap, "?");
    }
}

static int bad(const sp_prop_spec *s, const char *text, int status,
               const char *what)
{
    char allowed[256];

    sp_prop_describe_allowed(s, allowed, sizeof allowed);
    return sp__fail(status, "property '%s' = '%s': %s, expected %s", s->name,
                    text, what, allowed);
}

/* A number as strtod reads it, or a fraction "a/b" (scale=1/255); the
 * whole of [p, end) must be used and the result finite. */
static int parse_number(const char *p, const char *end, double *out)
{
    char tmp[128];
    size_t n = (size_t)(end - p);
    char *e;
    double a, b;

    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    /* strtod accepts leading spaces, "nan", "inf" and hex floats; none of
     * them belong in a launch string. */
    if (isspace((unsigned char)tmp[0]))
        return -1;
    for (size_t i = 0; i < n; i++)
        if (isalpha((unsigned char)tmp[i]) && tmp[i] != 'e' && tmp[i] != 'E')
            return -1;
    errno = 0;
    a = strtod(tmp, &e);
    /* ERANGE is also underflow: 1e-320 is a subnormal number (or 0), not
     * an error; only overflow is (caught below as not finite). */
    if (e == tmp)
        return -1;
    if (*e == '/') {
        const char *d = e + 1;
        if (*d == '\0' || isspace((unsigned char)*d))
            return -1;
        b = strtod(d, &e);
        if (e == d || *e != '\0' || b == 0.0)
            return -1;
        a /= b;
    } else if (*e != '\0') {
        return -1;
    }
    if (!isfinite(a))
        return -1;
    *out = a;
    return 0;
}

static int in_range(const sp_prop_spec *s, double v)
{
    return !has_range(s) || (v >= s->min && v <= s->max);
}

static int parse_int(const sp_prop_spec *s, const char *text, sp_prop_value *v)
{
    char *e;
    long long x;

    if (!*text || isspace((unsigned char)*text))
        return bad(s, text, SP_EINVAL, "not an integer");
    errno = 0;
    x = strtoll(text, &e, 10);
    if (*e != '\0')
        return bad(s, text, SP_EINVAL, "not an integer");
    if (errno == ERANGE)
        return bad(s, text, SP_ERANGE, "too large");
    if (!in_range(s, (double)x))
        return bad(s, text, SP_ERANGE, "out of range");
    v->i = x;
    v->f = (double)x;
    return SP_OK;
}

static int parse_bool(const sp_prop_spec *s, const char *text, sp_prop_value *v)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            v->i = 1;
            return SP_OK;
        }
        if (strcasecmp(text, no[i]) == 0) {
            v->i = 0;
            return SP_OK;
        }
    }
    return bad(s, text, SP_EINVAL, "not a boolean");
}

typedef struct {
    const char *c[64];
    size_t n;
} choice_list;

static const char *choice_at(size_t i, const void *ctx)
{
    return ((const choice_list *)ctx)->c[i];
}

/* 1 when @p word starts @p name or one of its '_' parts, any case. */
static int at_word(const char *name, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = name; p; p = strchr(p, '_'), p = p ? p + 1 : p)
        if (strncasecmp(p, word, wl) == 0)
            return 1;
    return 0;
}

/* " (did you mean 'bayer_rggb8'?)" for a value (3 characters or more)
 * that starts a choice or a '_' part of one -- rggb8 is bayer_rggb8 sooner
 * than rgb8, one edit away; near is nearest, not bilinear -- or else close
 * to one by sp_suggest()'s rule; "" when none is. */
static void choice_hint(const char *choices, const char *text, char *out,
                        size_t cap)
{
    char names[1024], hint[256];
    choice_list l = {.n = 0};
    out[0] = '\0';
    if (!*text || strlen(choices) >= sizeof names)
        return;
    strcpy(names, choices);
    for (char *p = names; p && l.n < 64; l.n++) {
        l.c[l.n] = p;
        p = strchr(p, '|');
        if (p)
            *p++ = '\0';
    }
    hint[0] = '\0';
    if (strlen(text) >= 3) {
        const char *m[3];
        size_t k = 0;
        for (size_t i = 0; i < l.n && k < 3; i++)
            if (at_word(l.c[i], text))
                m[k++] = l.c[i];
        sp__suggest_text(m, k, hint, sizeof hint);
    }
    if (!hint[0])
        sp_suggest(text, l.n, choice_at, &l, hint, sizeof hint);
    if (hint[0])
        snprintf(out, cap, " (%s)", hint);
}

static int parse_enum(const sp_prop_spec *s, const char *text, sp_prop_value *v)
{
    const char *p = s->choices;
    size_t tl = strlen(text);
    int64_t idx = 0;

    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == tl && strncasecmp(p, text, n) == 0) {
            v->i = idx;
            return SP_OK;
        }
        idx++;
        p += n;
        if (*p == '|')
            p++;
    }
    char what[160];
    snprintf(what, sizeof what, "not a known choice");
    choice_hint(s->choices, text, what + strlen(what),
                sizeof what - strlen(what));
    return bad(s, text, SP_EINVAL, what);
}

static int parse_range(const sp_prop_spec *s, const char *text,
                       sp_prop_value *v)
{
    const char *colon = strchr(text, ':');
    double lo, hi;

    if (colon == NULL)
        return bad(s, text, SP_EINVAL, "no ':' between the bounds");
    if (parse_number(text, colon, &lo) < 0 ||
        parse_number(colon + 1, colon + strlen(colon), &hi) < 0)
        return bad(s, text, SP_EINVAL, "a bound is not a number");
    if (lo > hi)
        return bad(s, text, SP_ERANGE, "LO is greater than HI");
    if (!in_range(s, lo) || !in_range(s, hi))
        return bad(s, text, SP_ERANGE, "out of range");
    v->lo = lo;
    v->hi = hi;
    return SP_OK;
}

static int parse_floats(const sp_prop_spec *s, const char *text,
                        sp_prop_value *v)
{
    const char *p = text;
    int n = 0;

    for (;;) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        double x;
        if (n == SP_PROP_MAX_FLOATS)
            return bad(s, text, SP_EINVAL, "too many numbers");
        if (parse_number(p, end, &x) < 0)
            return bad(s, text, SP_EINVAL, "not a list of numbers");
        if (!in_range(s, x))
            return bad(s, text, SP_ERANGE, "a number is out of range");
        v->v[n++] = x;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    int c[SP_PROP_MAX_FLOATS], nc = floats_counts(s, c), fits = 0;
    for (int i = 0; i < nc; i++)
        fits |= c[i] == n;
    if (!fits) {
        char what[48];
        snprintf(what, sizeof what, "%d number%s", n, n == 1 ? "" : "s");
        return bad(s, text, SP_EINVAL, what);
    }
    v->nv = n;
    return SP_OK;
}

/* A number, then optionally a unit ("50ms"): converted to the spec's
 * unit by the exact ratio of the two, so "0.05s" is 50 ms as "50" is. */
static int parse_time(const sp_prop_spec *s, const char *text, sp_prop_value *v)
{
    const char *end = text + strlen(text), *u = end;
    while (u > text && isalpha((unsigned char)u[-1]))
        u--;
    const double to = spec_unit_ns(s);
    double from = to, x;
    if (u < end) {
        from = unit_ns(u, (size_t)(end - u));
        if (from == 0) {
            char what[96];
            snprintf(what, sizeof what, "unknown unit '%.*s'",
                     (int)(end - u > 16 ? 16 : end - u), u);
            return bad(s, text, SP_EINVAL, what);
        }
    }
    if (to == 0)
        return sp__fail(SP_EINVAL, "property '%s': unknown unit '%s' declared",
                        s->name, time_unit(s));
    if (parse_number(text, u, &x) < 0)
        return bad(s, text, SP_EINVAL, "not a time");
    x = from >= to ? x * (from / to) : x / (to / from);
    if (!isfinite(x))
        return bad(s, text, SP_ERANGE, "too large");
    if (!in_range(s, x))
        return bad(s, text, SP_ERANGE, "out of range");
    v->f = x;
    return SP_OK;
}

int sp__prop_parse(const sp_prop_spec *s, const char *text, sp_prop_value *v)
{
    double x;
    int rc;

    memset(v, 0, sizeof *v);
    if (takes_auto(s) && strcmp(text, "auto") == 0) {
        v->set = v->is_auto = 1;
        return SP_OK;
    }
    switch (s->type) {
    case SP_PROP_INT:
        rc = parse_int(s, text, v);
        break;
    case SP_PROP_FLOAT:
        if (parse_number(text, text + strlen(text), &x) < 0)
            return bad(s, text, SP_EINVAL, "not a number");
        if (!in_range(s, x))
            return bad(s, text, SP_ERANGE, "out of range");
        v->f = x;
        rc = SP_OK;
        break;
    case SP_PROP_BOOL:
        rc = parse_bool(s, text, v);
        break;
    case SP_PROP_STRING:
        /* A limit is a size the text is copied into (a stream name):
         * refused when longer, never cut. */
        rc = SP_OK;
        if (has_range(s) && (double)strlen(text) > s->max) {
            char what[64];
            snprintf(what, sizeof what, "%zu bytes, too long", strlen(text));
            rc = bad(s, text, SP_ERANGE, what);
        }
        break;
    case SP_PROP_ENUM:
        rc = parse_enum(s, text, v);
        break;
    case SP_PROP_RANGE:
        rc = parse_range(s, text, v);
        break;
    case SP_PROP_FLOATS:
        rc = parse_floats(s, text, v);
        break;
    case SP_PROP_TIME:
        rc = parse_time(s, text, v);
        break;
    default:
        return sp__fail(SP_EINVAL, "property '%s': unknown type %d", s->name,
                        (int)s->type);
    }
    if (rc == SP_OK)
        v->set = 1;
    return rc;
}
