#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error_int.h"

static _Thread_local char errbuf[SP__ERRMSG_MAX];

const char *sp_status_name(int status)
{
    switch (status) {
#define SP__STATUS_NAME(name, value, text)                                     \
    case value:                                                                \
        return #name;
        SP_STATUS_LIST(SP__STATUS_NAME)
#undef SP__STATUS_NAME
    }
    return "SP_UNKNOWN";
}

const char *sp_status_str(int status)
{
    switch (status) {
#define SP__STATUS_STR(name, value, text)                                      \
    case value:                                                                \
        return text;
        SP_STATUS_LIST(SP__STATUS_STR)
#undef SP__STATUS_STR
    }
    return "unknown status";
}

const char *sp_errmsg(void)
{
    return errbuf;
}

void sp_errmsg_clear(void)
{
    errbuf[0] = '\0';
}

int sp__fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    return status;
}

int sp__fail_context(int status, const char *fmt, ...)
{
    char old[SP__ERRMSG_MAX];
    va_list ap;
    size_t n;

    /* The new text is prefix + old message, truncated to the buffer. */
    memcpy(old, errbuf, sizeof old);
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    n = strlen(errbuf);
    const char *rest = old[0] != '\0' ? old : sp_status_str(status);
    size_t len = strlen(rest);
    if (len > sizeof errbuf - 1 - n)
        len = sizeof errbuf - 1 - n;
    memcpy(errbuf + n, rest, len);
    errbuf[n + len] = '\0';
    return status;
}
