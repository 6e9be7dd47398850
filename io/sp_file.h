/* sensorpipe: writing a whole output file so that no reader ever sees half
 * of it. */
#ifndef SP_FILE_H
#define SP_FILE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Writes @p n bytes of @p data to @p path the way every sensorpipe writer
 *  does: into a fresh temporary file beside it ("DIR/.NAME.tmp.PID.N",
 *  created exclusively, never through a link planted there), renamed over
 *  @p path only when complete, so a failure leaves @p path as it was and
 *  no temporary file behind. SP_OK, or SP_EINVAL (a path too long) or
 *  SP_EIO with the path and the reason in sp_errmsg(). Allocates nothing. */
int sp_file_write_atomic(const char *path, const void *data, size_t n);

/** Prepares @p path for a later sp_file_write_atomic(): makes its folder
 *  (and that folder's parents) when missing and proves a file can be
 *  created there, by creating and removing a temporary file as the write
 *  will. A tool calls it before a long run whose result it writes at the
 *  end, so an unwritable output fails at once, not after the work. SP_OK,
 *  or SP_EINVAL / SP_EIO with the path and the reason in sp_errmsg(). */
int sp_file_prepare(const char *path);

#ifdef __cplusplus
}
#endif

#endif
