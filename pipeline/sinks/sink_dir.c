/* The output folder of the file sinks and the names of their files (see
 * sink_int.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file_int.h"
#include "error_int.h"
#include "sink_int.h"

#define NAMES_FIRST 4096 /* slots: 3072 names before the first growth */

int sp__sink_dir_open(sp__sink_dir *d, const char *dir, sp__sink_naming naming)
{
    memset(d, 0, sizeof *d);
    d->naming = naming;
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
    int rc = sp__make_dirs(d->dir);
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
    d->names = calloc(NAMES_FIRST, sizeof *d->names);
    if (!d->names)
        return sp__fail(SP_ENOMEM, "dir=%s: out of memory", d->dir);
    d->cap = NAMES_FIRST;
    return SP_OK;
}

sp__sink_naming sp__sink_naming_of(const sp_stage *st)
{
    return (sp__sink_naming)sp_stage_prop(st, "name")->i;
}

static void note_stale(const sp__sink_dir *d, sp_stage *st);

void sp__sink_dir_close(sp__sink_dir *d, sp_stage *st)
{
    note_stale(d, st);
    free(d->names);
    d->names = NULL;
    d->nnames = d->cap = 0;
}

/* FNV-1a, never 0 (the empty slot). */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

/* The slot of @p h: its own if present, else the empty one it would take. */
static sp__sink_name *name_slot(sp__sink_name *t, size_t cap, uint64_t h)
{
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (t[i].hash && t[i].hash != h)
        i = (i + 1) & (cap - 1);
    return &t[i];
}

/* Double the table: a growth per doubling, so a run of n frames allocates
 * log2(n / 3072) times, never per frame. */
static int names_grow(sp__sink_dir *d)
{
    size_t cap = d->cap * 2;
    sp__sink_name *t = calloc(cap, sizeof *t);
    if (!t)
        return sp__fail(SP_ENOMEM,
                        "dir=%s: out of memory remembering %zu file names",
                        d->dir, d->nnames);
    for (size_t i = 0; i < d->cap; i++)
        if (d->names[i].hash)
            *name_slot(t, cap, d->names[i].hash) = d->names[i];
    free(d->names);
    d->names = t;
    d->cap = cap;
    return SP_OK;
}

/* "000134" of /data/velodyne/000134.bin, "x" of x.pcd.bin (nuScenes: the
 * .pcd is part of the extension), "frame_20121214T142255.814212" of that
 * .pcd: the name without its last extension. 0 when nothing is left. */
static size_t origin_stem(const char *origin, const char **stem)
{
    const char *b = strrchr(origin, '/');
    b = b ? b + 1 : origin;
    size_t n = strlen(b);
    const char *dot = strrchr(b, '.');
    if (dot && dot > b) {
        int bin = strcmp(dot, ".bin") == 0;
        n = (size_t)(dot - b);
        if (bin && n > 4 && !memcmp(b + n - 4, ".pcd", 4))
            n -= 4;
    }
    *stem = b;
    return n;
}

/* The file name of @p f (no suffix, no extension) into @p buf. */
static void frame_name(const sp__sink_dir *d, const sp_frame *f, char *buf,
                       size_t cap)
{
    const char *stem = NULL;
    size_t n = 0;
    int by_stamp = d->naming == SP__SINK_NAME_STAMP;
    if (d->naming == SP__SINK_NAME_SOURCE && f->origin) {
        if (f->origin_kind == SP_ORIGIN_LOG)
            by_stamp = 1;
        else
            n = origin_stem(f->origin, &stem);
    }
    if (by_stamp && f->timestamp_ns >= 0)
        snprintf(buf, cap, "%019lld", (long long)f->timestamp_ns);
    else if (by_stamp)
        snprintf(buf, cap, "%lld", (long long)f->timestamp_ns);
    else if (n && f->origin_kind == SP_ORIGIN_FILE_ITEM)
        snprintf(buf, cap, "%.*s_%06llu", (int)n, stem,
                 (unsigned long long)f->origin_index);
    else if (n)
        snprintf(buf, cap, "%.*s", (int)n, stem);
    else
        snprintf(buf, cap, "%06llu", (unsigned long long)f->seq);
}

/* Remember d->path (from @p rel on, the part under DIR) as written by @p f;
 * the same path twice in one run is an error. A 64-bit hash stands for the
 * path: a match is confirmed by the file being there, so a hash collision
 * (about 1 in 10^11 for a million files) can never fail a run. */
static int remember(sp__sink_dir *d, const sp_frame *f, const char *rel)
{
    uint64_t h = name_hash(rel);
    sp__sink_name *slot = name_slot(d->names, d->cap, h);
    struct stat st;
    if (slot->hash && stat(d->path, &st) == 0) {
        const char *how =
            d->naming == SP__SINK_NAME_STAMP  ? "the same timestamp"
            : f->origin_kind == SP_ORIGIN_LOG ? "the same header stamp"
                                              : "inputs of the same name";
        if (f->origin)
            return sp__fail(
                SP_EINVAL,
                "frame %llu of stream '%s' (%s): %s was already written by "
                "frame %llu of this run (%s), expected one file per frame: "
                "name=seq numbers the files instead",
                (unsigned long long)f->seq, f->stream, f->origin, d->path,
                (unsigned long long)slot->seq, how);
        return sp__fail(SP_EINVAL,
                        "frame %llu of stream '%s': %s was already written "
                        "by frame %llu of this run (%s), expected one file "
                        "per frame: name=seq numbers the files instead",
                        (unsigned long long)f->seq, f->stream, d->path,
                        (unsigned long long)slot->seq, how);
    }
    if (slot->hash) { /* a hash collision, not a name: a slot of its own */
        h = (h * 0x9e3779b97f4a7c15ull) | 1;
        slot = name_slot(d->names, d->cap, h);
    }
    if (!slot->hash) {
        if ((d->nnames + 1) * 4 > d->cap * 3) {
            SP_TRY(names_grow(d));
            slot = name_slot(d->names, d->cap, h);
        }
        d->nnames++;
    }
    slot->hash = h;
    slot->seq = f->seq;
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
        int rc = sp__make_dirs(d->path);
        if (rc < 0)
            return sp__fail_context(rc, "%s: ", d->path);
        /* Remember up to SP__SINK_MAX_STREAMS; more just mkdir again. */
        if (d->nstreams < SP__SINK_MAX_STREAMS)
            strcpy(d->streams[d->nstreams++], s);
    }
    char name[NAME_MAX + 32];
    frame_name(d, f, name, sizeof name);
    int m = snprintf(d->path + n, sizeof d->path - (size_t)n, "/%s%s.%s", name,
                     suffix, ext);
    if (m < 0 || (size_t)m >= sizeof d->path - (size_t)n)
        return sp__fail(SP_EINVAL, "%s/%s%s.%s: path too long (limit %zu)",
                        d->path, name, suffix, ext, sizeof d->path - 1);
    SP_TRY(remember(d, f, d->path + strlen(d->dir) + 1));
    *out = d->path;
    return SP_OK;
}

/* See sp__sink_dir_close(). */
static void note_stale(const sp__sink_dir *d, sp_stage *st)
{
    size_t stale = 0;
    char first[PATH_MAX] = "";
    for (int i = 0; i < d->nstreams && d->nnames; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", d->dir, d->streams[i]);
        DIR *dp = opendir(path);
        if (!dp)
            continue;
        for (struct dirent *e; (e = readdir(dp)) != NULL;) {
            char rel[PATH_MAX];
            struct stat sb;
            int n =
                snprintf(rel, sizeof rel, "%s/%s", d->streams[i], e->d_name);
            if (n < 0 || (size_t)n >= sizeof rel)
                continue;
            /* d_type spares a stat per file of a large run; some file
             * systems leave it unknown */
            if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
                continue;
            if (e->d_type == DT_UNKNOWN) {
                n = snprintf(path, sizeof path, "%s/%s", d->dir, rel);
                if (n < 0 || (size_t)n >= sizeof path ||
                    lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
                    continue;
            }
            uint64_t h = name_hash(rel);
            if (name_slot(d->names, d->cap, h)->hash == h)
                continue;
            if (!stale++)
                memcpy(first, rel, strlen(rel) + 1);
        }
        closedir(dp);
    }
    if (stale)
        sp_stage_note(st,
                      "dir=%s: %zu file%s in the folders this run wrote to "
                      "%s not written by it (%s%s), left as %s: from an "
                      "earlier run? An empty dir= keeps a run's files apart",
                      d->dir, stale, stale == 1 ? "" : "s",
                      stale == 1 ? "was" : "were", first,
                      stale == 1 ? "" : ", ...",
                      stale == 1 ? "it was" : "they were");
}
