/* A launch value that reads back as given (launch_value_int.h). */
#include <string.h>

#include "launch_value_int.h"

static void put(char *dst, size_t cap, size_t *n, char c)
{
    if (*n + 1 < cap)
        dst[*n] = c;
    (*n)++;
}

size_t sp__launch_value(char *dst, size_t cap, const char *s)
{
    size_t n = 0;
    int bare = s[0] != '\0' && strpbrk(s, " \t\n\r!'\"") == NULL;
    char q = bare ? '\0' : strchr(s, '\'') == NULL ? '\'' : '"';
    if (q)
        put(dst, cap, &n, q);
    for (const char *p = s; *p; p++) {
        if (q == '"' && (*p == '"' || *p == '\\'))
            put(dst, cap, &n, '\\');
        put(dst, cap, &n, *p);
    }
    if (q)
        put(dst, cap, &n, q);
    if (cap > 0)
        dst[n < cap ? n : cap - 1] = '\0';
    return n;
}
