/* JSON string literals (see json_int.h). */
#include <stdio.h>

#include "json_int.h"

size_t sp__json_str(char *dst, size_t cap, const char *s)
{
    size_t len = 0;
    char esc[8];
#define EMIT(c)                                                                \
    do {                                                                       \
        if (len + 1 < cap)                                                     \
            dst[len] = (c);                                                    \
        len++;                                                                 \
    } while (0)
    EMIT('"');
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            EMIT('\\');
            EMIT((char)c);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            for (const char *e = esc; *e; e++)
                EMIT(*e);
        } else {
            EMIT((char)c);
        }
    }
    EMIT('"');
#undef EMIT
    if (cap)
        dst[len < cap ? len : cap - 1] = '\0';
    return len;
}
