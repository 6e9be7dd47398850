/* Temporary-name-and-rename output files (see atomic_file_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file_int.h"
#include "error_int.h"
#include "sp_file.h"

/* Distinguishes temporary files of threads in one process writing the same
 * name; the pid distinguishes processes. */
static atomic_uint tmp_counter;

/* Names tried before giving up: a name is taken when a process that had
 * this pid before was killed mid-write (in a container every run may be
 * pid 1), or when someone planted a file or link there. */
#define TMP_TRIES 16

int sp__afile_open(sp__afile *f, const char *path)
{
    f->fd = -1;
    f->path = path;
    f->tmp[0] = '\0';
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    if (*base == '\0')
        return sp__fail(
            SP_EINVAL,
            "%s: output path names a directory, expected a file name", path);
    char first[PATH_MAX] = "";
    int e = 0;
    for (int attempt = 0; attempt < TMP_TRIES; attempt++) {
        unsigned n = atomic_fetch_add(&tmp_counter, 1u);
        int len = snprintf(f->tmp, sizeof f->tmp, "%.*s.%s.tmp.%ld.%u", dir_len,
                           path, base, (long)getpid(), n);
        if (len < 0 || (size_t)len >= sizeof f->tmp) {
            f->tmp[0] = '\0';
            return sp__fail(SP_EINVAL,
                            "%s: output path too long (limit %zu bytes)", path,
                            sizeof f->tmp - 32);
        }
        if (attempt == 0)
            memcpy(first, f->tmp, (size_t)len + 1);
        /* A new file or nothing: O_EXCL never opens what is already there
         * and, with O_NOFOLLOW, never writes through a symbolic link
         * planted at this name (in a shared folder, onto someone else's
         * file). Regular files' usual mode; the umask still applies. */
        f->fd = open(
            f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f->fd >= 0)
            return SP_OK;
        e = errno;
        if (e != EEXIST && e != EINTR)
            break;
    }
    f->tmp[0] = '\0';
    if (e == EEXIST)
        return sp__fail(SP_EIO,
                        "%s: cannot create a temporary file in its "
                        "directory: %d names from %s on are taken by files "
                        "or links already there (left untouched), expected "
                        "them free",
                        path, TMP_TRIES, first);
    return sp__fail(SP_EIO,
                    "%s: cannot create a temporary file in its directory: %s",
                    path, strerror(e));
}

int sp__afile_write(sp__afile *f, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return sp__fail(SP_EIO, "%s: write failed: %s", f->path,
                            w < 0 ? strerror(errno) : "no progress");
        p += w;
        n -= (size_t)w;
    }
    return SP_OK;
}

int sp__afile_writev(sp__afile *f, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(f->fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return sp__fail(SP_EIO, "%s: write failed: %s", f->path,
                            strerror(errno));
        /* Skip what was written; a partial write resumes mid-vector. */
        size_t done = (size_t)w;
        while (n > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            if (w == 0)
                return sp__fail(SP_EIO, "%s: write failed: no progress",
                                f->path);
            iov->iov_base = (char *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return SP_OK;
}

int sp__afile_commit(sp__afile *f)
{
    int rc = close(f->fd);
    f->fd = -1;
    if (rc != 0) {
        rc = sp__fail(SP_EIO, "%s: closing failed: %s", f->path,
                      strerror(errno));
        sp__afile_abort(f);
        return rc;
    }
    if (rename(f->tmp, f->path) != 0) {
        rc = sp__fail(
            SP_EIO,
            "%s: cannot rename the finished temporary file into place: %s",
            f->path, strerror(errno));
        sp__afile_abort(f);
        return rc;
    }
    f->tmp[0] = '\0';
    return SP_OK;
}

void sp__afile_abort(sp__afile *f)
{
    if (f->fd >= 0) {
        close(f->fd);
        f->fd = -1;
    }
    if (f->tmp[0]) {
        unlink(f->tmp);
        f->tmp[0] = '\0';
    }
}

int sp_file_write_atomic(const char *path, const void *data, size_t n)
{
    SP_GUARD(path != NULL && (data != NULL || n == 0));
    sp__afile f;
    int rc = sp__afile_open(&f, path);
    if (rc < 0)
        return rc;
    rc = sp__afile_write(&f, data, n);
    if (rc < 0) {
        sp__afile_abort(&f);
        return rc;
    }
    return sp__afile_commit(&f);
}

/* mkdir -p: each component in turn; an existing folder is fine. */
int sp__make_dirs(const char *dir)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n >= sizeof buf)
        return sp__fail(SP_EINVAL, "path too long");
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return sp__fail(SP_EIO, "cannot create folder %s: %s", buf,
                            strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return sp__fail(SP_EIO, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return sp__fail(SP_EIO, "exists and is not a folder");
    return SP_OK;
}

int sp__make_parent_dirs(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    char dir[PATH_MAX];
    struct stat st;
    if (n == 0 || n >= sizeof dir)
        return SP_OK; /* the current or root folder, or the open's to refuse */
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (stat(dir, &st) == 0 || errno != ENOENT)
        return SP_OK; /* there, or in the way: the open says how */
    int rc = sp__make_dirs(dir);
    return rc < 0 ? sp__fail_context(rc, "%s: ", path) : SP_OK;
}

int sp_file_prepare(const char *path)
{
    SP_GUARD(path != NULL);
    SP_TRY(sp__make_parent_dirs(path));
    sp__afile f;
    SP_TRY(sp__afile_open(&f, path));
    sp__afile_abort(&f);
    return SP_OK;
}
