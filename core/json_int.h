/* Internal: a JSON string literal of any C string, for the library's JSON
 * outputs (the pipeline's report, `info --json`); never installed. */
#ifndef SP_JSON_INT_H
#define SP_JSON_INT_H

#include <stddef.h>

/* Writes @p s as a JSON string, quotes included (", \ and control bytes
 * escaped; other bytes as they are), into @p dst with snprintf semantics:
 * at most @p cap bytes, NUL-terminated when cap > 0 (dst may be NULL when
 * cap is 0). Returns the length the whole literal needs. */
size_t sp__json_str(char *dst, size_t cap, const char *s);

#endif
