/* Timestamps files: one time per line, KITTI's "YYYY-MM-DD hh:mm:ss.nnnnnnnnn"
 * (UTC) or a plain number. Parsed from a bounded buffer so it can be fuzzed;
 * every error names the file and the line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io_int.h"
#include "sp_kitti.h"

/* Exactly @p n digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DD hh:mm:ss[.f{1,9}]" in [s, e); 0 and *ns on success. */
static int parse_datetime(const char *s, const char *e, int64_t *ns)
{
    if (e - s < 19 || s[4] != '-' || s[7] != '-' ||
        (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
        return -1;
    int Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2);
    int h = digits(s + 11, 2), m = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 ||
        m < 0 || m > 59 || sec < 0 || sec > 60)
        return -1;
    int64_t frac = 0;
    const char *p = s + 19;
    if (p < e && *p == '.') {
        p++;
        int nd = 0;
        while (p < e && *p >= '0' && *p <= '9') {
            if (nd < 9) {
                frac = frac * 10 + (*p - '0');
                nd++;
            }
            p++;
        }
        if (nd == 0)
            return -1;
        for (; nd < 9; nd++)
            frac *= 10;
    }
    if (p != e)
        return -1;
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    /* Past 2262-04-11 23:47:16.854775807 nanoseconds overflow int64. */
    if (t < 0 || (int64_t)t > (INT64_MAX - frac) / 1000000000)
        return -1;
    *ns = (int64_t)t * 1000000000 + frac;
    return 0;
}

/* A plain number: with '.' or an exponent, seconds; without, nanoseconds. */
static int parse_number(const char *s, const char *e, int64_t *ns)
{
    int64_t ip = 0, frac = 0;
    int nd = 0, dot = 0, any = 0;
    const char *p = s;
    for (; p < e && *p >= '0' && *p <= '9'; p++, any = 1) {
        if (ip > (INT64_MAX - 9) / 10)
            return -1;
        ip = ip * 10 + (*p - '0');
    }
    if (p < e && *p == '.') {
        dot = 1;
        for (p++; p < e && *p >= '0' && *p <= '9'; p++, any = 1)
            if (nd < 9) {
                frac = frac * 10 + (*p - '0');
                nd++;
            }
        for (; nd < 9; nd++)
            frac *= 10;
    }
    if (any && p < e && (*p == 'e' || *p == 'E')) {
        /* Scientific notation (KITTI odometry's times.txt: 1.036240e-01):
         * seconds, parsed from a bounded copy. */
        char tmp[64];
        size_t n = (size_t)(e - s);
        if (n >= sizeof tmp)
            return -1;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        char *end;
        double v = strtod(tmp, &end);
        if (*end || !(v >= 0 && v < 9.2e9))
            return -1;
        *ns = llround(v * 1e9);
        return 0;
    }
    if (!any || p != e)
        return -1;
    if (!dot) {
        *ns = ip;
        return 0;
    }
    if (ip > INT64_MAX / 1000000000 - 1)
        return -1;
    *ns = ip * 1000000000 + frac;
    return 0;
}

int sp_timestamps_parse(const char *text, size_t len, const char *name,
                        int64_t *out, size_t cap, size_t *count)
{
    SP_GUARD((text || len == 0) && count && (out || cap == 0));
    if (!name)
        name = "timestamps.txt";
    *count = 0;
    const char *p = text, *end = text + len;
    size_t n = 0;
    unsigned line = 0, blank_line = 0;
    int64_t prev = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *s = p, *e = le;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            e--;
        p = nl ? nl + 1 : end;
        if (s == e) {
            if (!blank_line)
                blank_line = line;
            continue;
        }
        if (blank_line)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: empty line before more "
                            "times, expected one time per line",
                            name, blank_line);
        int64_t t;
        if (parse_datetime(s, e, &t) != 0 && parse_number(s, e, &t) != 0)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: '%.*s', expected "
                            "YYYY-MM-DD hh:mm:ss.nnnnnnnnn or a number",
                            name, line, (int)(e - s > 48 ? 48 : e - s), s);
        if (n > 0 && t < prev)
            return sp__fail(SP_EFORMAT,
                            "%s: line %u: time goes backwards "
                            "(%lld ns before line %u's), expected times in "
                            "order",
                            name, line, (long long)(prev - t), line - 1);
        if (n < cap)
            out[n] = t;
        prev = t;
        n++;
    }
    *count = n;
    return SP_OK;
}

int sp_timestamps_load(const char *path, int64_t **out, size_t *count)
{
    SP_GUARD(path && out && count);
    *out = NULL;
    *count = 0;
    sp__iobuf buf = {0};
    size_t len, n;
    int rc = sp__read_text(path, SP__IO_MAX_TEXT, &buf, &len);
    if (rc == SP_OK)
        rc =
            sp_timestamps_parse((const char *)buf.data, len, path, NULL, 0, &n);
    if (rc == SP_OK) {
        /* n <= lines <= file size: bounded by the checked file size. */
        int64_t *v = malloc((n ? n : 1) * sizeof *v);
        if (!v)
            rc = sp__fail(SP_ENOMEM, "%s: out of memory", path);
        else if ((rc = sp_timestamps_parse((const char *)buf.data, len, path, v,
                                           n, &n)) < 0)
            free(v);
        else {
            *out = v;
            *count = n;
        }
    }
    sp__iobuf_free(&buf);
    return rc;
}
