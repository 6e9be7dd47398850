/* Internal helpers for raising errors; never installed. */
#ifndef SP_ERROR_INT_H
#define SP_ERROR_INT_H

#include "sp_status.h"

#if defined(__GNUC__)
#define SP__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SP__PRINTF(f, a)
#endif

#define SP__ERRMSG_MAX 1024

/* Sets this thread's message and returns status, so a failure reads
 * `return sp__fail(SP_EFORMAT, "%s: byte %zu: ...", path, off);` */
int sp__fail(int status, const char *fmt, ...) SP__PRINTF(2, 3);

/* Prepends context to the current message ("stage 'voxel': " + message)
 * and returns status unchanged. Used when an error crosses a layer. */
int sp__fail_context(int status, const char *fmt, ...) SP__PRINTF(2, 3);

/* Programmer error guard: a NULL handle or impossible argument. */
#define SP_GUARD(cond)                                                         \
    do {                                                                       \
        if (!(cond))                                                           \
            return sp__fail(SP_EINVAL, "%s: invalid argument: %s", __func__,   \
                            #cond);                                            \
    } while (0)

/* Propagates a negative status unchanged. */
#define SP_TRY(expr)                                                           \
    do {                                                                       \
        int sp__rc_ = (expr);                                                  \
        if (sp__rc_ < 0)                                                       \
            return sp__rc_;                                                    \
    } while (0)

/* Jumps to a cleanup label with rc set when expr fails; rc must be an int
 * in scope. */
#define SP_TRY_GOTO(rc, expr, label)                                           \
    do {                                                                       \
        (rc) = (expr);                                                         \
        if ((rc) < 0)                                                          \
            goto label;                                                        \
    } while (0)

#endif
