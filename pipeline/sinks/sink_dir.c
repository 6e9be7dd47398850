/* The output folder of the file sinks (see sink_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file_int.h"
#include "error_int.h"
#include "sink_int.h"

/* mkdir -p: each component in turn; an existing folder is fine. */
static int make_dirs(const char *dir)
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

int sp__sink_dir_open(sp__sink_dir *d, const char *dir)
{
    memset(d, 0, sizeof *d);
    if (!dir || !dir[0])
        return sp__fail(SP_EINVAL, "dir: empty, expected an output folder");
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n >= sizeof d->dir)
        return sp__fail(SP_EINVAL, "dir=%s: path too long (limit %zu bytes)",
                        dir, sizeof d->dir - 1);
    memcpy(d->dir, dir, n);
    d->dir[n] = '\0';
    int rc = make_dirs(d->dir);
    if (rc < 0)
        return sp__fail_context(rc, "dir=%s: ", dir);
    /* Prove it writable now rather than at the first frame: create and
     * remove a probe file (access() would ignore read-only mounts). It is
     * created the way every output's temporary file is (a new file, never
     * through a link planted at its name: atomic_file_int.h). */
    char probe[PATH_MAX];
    snprintf(probe, sizeof probe, "%s/sensorpipe-probe", d->dir);
    sp__afile f;
    rc = sp__afile_open(&f, probe);
    if (rc < 0)
        return sp__fail_context(rc,
                                "dir=%s: cannot write files there: ", d->dir);
    sp__afile_abort(&f);
    return SP_OK;
}

int sp__sink_dir_path(sp__sink_dir *d, const sp_frame *f, const char *suffix,
                      const char *ext, const char **out)
{
    const char *s = f->stream;
    *out = NULL;
    /* A log topic ("/sensing/lidar/points") becomes nested folders; every
     * component must be a plain name, so nothing lands outside DIR. */
    while (*s == '/')
        s++;
    int ok = s[0] && memchr(f->stream, '\0', SP_STREAM_NAME_MAX);
    for (const char *c = s; ok && *c;) {
        const char *e = strchr(c, '/');
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len == 0 || c[0] == '.')
            ok = 0;
        c += len + (e ? 1 : 0);
        if (e && !*c)
            ok = 0;
    }
    if (!ok)
        return sp__fail(
            SP_EINVAL,
            "frame %llu: stream name '%.*s' cannot be a folder name, "
            "expected names separated by '/', none empty or starting "
            "with '.'",
            (unsigned long long)f->seq, SP_STREAM_NAME_MAX, f->stream);
    int known = 0;
    for (int i = 0; i < d->nstreams && !known; i++)
        known = strcmp(d->streams[i], s) == 0;
    int n = snprintf(d->path, sizeof d->path, "%s/%s", d->dir, s);
    if (!known) {
        int rc = make_dirs(d->path);
        if (rc < 0)
            return sp__fail_context(rc, "%s: ", d->path);
        /* Remember up to SP__SINK_MAX_STREAMS; more just mkdir again. */
        if (d->nstreams < SP__SINK_MAX_STREAMS)
            strcpy(d->streams[d->nstreams++], s);
    }
    snprintf(d->path + n, sizeof d->path - (size_t)n, "/%06llu%s.%s",
             (unsigned long long)f->seq, suffix, ext);
    *out = d->path;
    return SP_OK;
}
