/* Text that reaches the terminal from outside the program: file and folder
 * names, topic names read from a log, messages that quote them. A name
 * holding ESC [ ... could otherwise move the cursor, retitle the window or
 * rewrite what was printed before it, so control characters are written as
 * \xNN: the C0 controls, DEL, and the C1 controls as UTF-8 encodes them
 * (U+0080..U+009F, which some terminals obey). Other bytes pass unchanged,
 * so UTF-8 names stay readable. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

size_t cli_escape_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            w += 4;
        else if (c == 0xc2 && i + 1 < n &&
                 ((unsigned char)s[i + 1] & 0xe0) == 0x80) {
            w += 8;
            i++;
        } else {
            w++;
        }
    }
    return w;
}

void cli_put_escaped(FILE *out, const char *s, int keep_lines)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 || *p == 0x7f) &&
            !(keep_lines && (*p == '\n' || *p == '\t'))) {
            fprintf(out, "\\x%02x", *p);
        } else if (*p == 0xc2 && (p[1] & 0xe0) == 0x80) {
            fprintf(out, "\\x%02x\\x%02x", p[0], p[1]);
            p++;
        } else {
            fputc(*p, out);
        }
    }
}

void cli_errf(const char *fmt, ...)
{
    char buf[8192];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = strlen(buf);
    int nl = len > 0 && buf[len - 1] == '\n';
    if (nl)
        buf[len - 1] = '\0';
    cli_put_escaped(stderr, buf, 0);
    if (nl)
        fputc('\n', stderr);
}
