/* Internal: an output file written under a temporary name in the same
 * directory and renamed over its real name only when complete, so a reader
 * never sees a half-written file and a failure leaves nothing behind. Used
 * by every writer in io/. Allocates nothing. */
#ifndef SP_ATOMIC_FILE_INT_H
#define SP_ATOMIC_FILE_INT_H

#include <limits.h>
#include <stddef.h>
#include <sys/uio.h>

typedef struct sp__afile {
    int fd;
    const char *path;   /* borrowed: the final name */
    char tmp[PATH_MAX]; /* "DIR/.NAME.tmp.PID.N" */
} sp__afile;

/* Create the temporary file "DIR/.NAME.tmp.PID.N", mode 0644, with
 * O_CREAT | O_EXCL | O_NOFOLLOW: nothing that is already there (a file
 * left by a killed run, a symbolic link planted in a shared folder) is
 * opened, truncated or written through; the next N is tried instead, up to
 * 16 names. SP_EINVAL for a path too long, SP_EIO with the path and the
 * reason otherwise. */
int sp__afile_open(sp__afile *f, const char *path);

/* Write all of buf (retries short writes and EINTR). SP_EIO with the path
 * and strerror. */
int sp__afile_write(sp__afile *f, const void *buf, size_t n);

/* Write all of iov[0..n) (n <= IOV_MAX); may modify iov. SP_EIO. */
int sp__afile_writev(sp__afile *f, struct iovec *iov, int n);

/* Close and rename over the final name. On failure the temporary file is
 * removed. SP_EIO with the path and strerror. */
int sp__afile_commit(sp__afile *f);

/* Close and remove the temporary file; keeps the current error message.
 * Safe to call after a failed open or commit (does nothing then). */
void sp__afile_abort(sp__afile *f);

/* mkdir -p @p dir. SP_EIO naming the folder that could not be made (or
 * "exists and is not a folder"), SP_EINVAL for a path too long. */
int sp__make_dirs(const char *dir);

/* The folders of output file @p path's directory, made when it is
 * missing, as the file sinks make their dir=: a run asked to write
 * out/run1/x.mcap is not refused for want of out/run1. Anything else in
 * the way (a file where a folder should be, no permission) is left for
 * the file's open to report. SP_EIO with the path. */
int sp__make_parent_dirs(const char *path);

#endif
