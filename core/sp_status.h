/* sensorpipe: status codes and the error message every call leaves behind.
 *
 * Every function that can fail returns an int status: SP_OK (0), a positive
 * stream state (SP_EOS), or a negative SP_E... error. On an error the library
 * writes a specific message, "where: what, expected what", into a
 * thread-local buffer that sp_errmsg() returns. The library itself never
 * prints. */
#ifndef SP_STATUS_H
#define SP_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, description) */
#define SP_STATUS_LIST(X)                                                      \
    X(SP_OK, 0, "success")                                                     \
    X(SP_EOS, 1, "end of stream")                                              \
    X(SP_EINVAL, -1, "invalid argument")                                       \
    X(SP_ENOMEM, -2, "out of memory")                                          \
    X(SP_EIO, -3, "input/output error")                                        \
    X(SP_EFORMAT, -4, "malformed input")                                       \
    X(SP_EBUSY, -5, "resource busy")                                           \
    X(SP_ETIMEDOUT, -6, "timed out")                                           \
    X(SP_EAGAIN, -7, "resource exhausted, try again")                          \
    X(SP_EBUDGET, -8, "memory budget exceeded")                                \
    X(SP_ENOTFOUND, -9, "not found")                                           \
    X(SP_EUNSUPPORTED, -10, "not supported")                                   \
    X(SP_ERANGE, -11, "value out of range")                                    \
    X(SP_ECL, -12, "OpenCL error")                                             \
    X(SP_ECANCELED, -13, "canceled")                                           \
    X(SP_ESYS, -14, "system call failed")

typedef enum sp_status {
#define SP__STATUS_ENUM(name, value, text) name = value,
    SP_STATUS_LIST(SP__STATUS_ENUM)
#undef SP__STATUS_ENUM
} sp_status;

/** Name of a status code ("SP_EFORMAT"); "SP_UNKNOWN" for other values. */
const char *sp_status_name(int status);

/** One-line description of a status code ("malformed input"). */
const char *sp_status_str(int status);

/** The message of the last error raised on this thread, or "" if none.
 *  The pointer stays valid until the next failing call on this thread. */
const char *sp_errmsg(void);

/** Forget this thread's last error message. */
void sp_errmsg_clear(void);

#ifdef __cplusplus
}
#endif
#endif
