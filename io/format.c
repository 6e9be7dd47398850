/* The format registry (see format_int.h): the table the build writes from
 * the sources, sorted into probe order once, and the content probe. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format_int.h"
#include "io_int.h"
#include "launch_value_int.h"

#define SP__FORMAT(sym) extern const sp__format sym;
#include "sp_formats_list.h"
#undef SP__FORMAT

static const sp__format *table[] = {
#define SP__FORMAT(sym) &sym,
#include "sp_formats_list.h"
#undef SP__FORMAT
    NULL};

#define NFORMATS (sizeof table / sizeof table[0] - 1)

static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int by_order(const void *a, const void *b)
{
    const sp__format *x = *(const sp__format *const *)a;
    const sp__format *y = *(const sp__format *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void sort_table(void)
{
    if (NFORMATS > 1)
        qsort(table, NFORMATS, sizeof table[0], by_order);
}

size_t sp__format_count(void)
{
    pthread_once(&sorted_once, sort_table);
    return NFORMATS;
}

const sp__format *sp__format_at(size_t i)
{
    size_t n = sp__format_count();
    return i < n ? table[i] : NULL;
}

/* The first bytes of a regular file; *n = 0 when it cannot be read. */
static void read_head(const char *path, uint8_t *head, size_t *n)
{
    *n = 0;
    int fd = sp__open_regular(path, NULL, NULL);
    if (fd < 0)
        return;
    ssize_t k = pread(fd, head, SP__FORMAT_HEAD, 0);
    close(fd);
    if (k > 0)
        *n = (size_t)k;
}

/* The first format whose probe gives @p want. */
static const sp__format *probe_pass(const char *path, int is_dir,
                                    const uint8_t *head, size_t n, int want)
{
    for (size_t i = 0; i < sp__format_count(); i++) {
        const sp__format *f = sp__format_at(i);
        if (f->probe && f->probe(path, is_dir, is_dir ? NULL : head, n) == want)
            return f;
    }
    return NULL;
}

static void known_list(char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sp__format_count() && used < cap; i++) {
        int k = snprintf(buf + used, cap - used, "%s%s",
                         i == 0                        ? ""
                         : i + 1 == sp__format_count() ? " or "
                                                       : ", ",
                         sp__format_at(i)->what);
        if (k < 0)
            break;
        used += (size_t)k;
    }
}

const sp__format *sp__format_of(const char *path)
{
    int kind = sp__path_kind(path);
    if (kind < 0)
        return NULL; /* sp__path_kind() said why */
    uint8_t head[SP__FORMAT_HEAD];
    size_t n = 0;
    if (kind == 0)
        read_head(path, head, &n);
    const sp__format *f =
        probe_pass(path, kind == 1, head, n, SP__PROBE_CONTENT);
    if (!f)
        f = probe_pass(path, kind == 1, head, n, SP__PROBE_NAME);
    if (f)
        return f;
    char known[1024];
    known_list(known, sizeof known);
    if (kind == 1)
        sp__fail(SP_ENOTFOUND,
                 "%s: a folder sensorpipe does not recognise, expected %s",
                 path, known);
    else
        sp__fail(SP_ENOTFOUND,
                 "%s: unknown kind of file (%zu bytes seen, starting "
                 "%02x %02x %02x %02x), expected %s (headerless raw frames "
                 "need the raw source's width=, height=, format=)",
                 path, n, n > 0 ? head[0] : 0, n > 1 ? head[1] : 0,
                 n > 2 ? head[2] : 0, n > 3 ? head[3] : 0, known);
    return NULL;
}

/* The launch-string words that read a file of @p f, up to its path; NULL
 * for a format no source reads (.npy). */
static const char *use_of(const sp__format *f, char *buf, size_t cap)
{
    if (f->use)
        return f->use;
    if (f->source == NULL)
        return NULL;
    snprintf(buf, cap, "%s path=", f->source);
    return buf;
}

int sp__format_refuse(int rc, const sp__format *f, const char *path,
                      const char *not_a)
{
    char use[64], qpath[PATH_MAX + 8];
    const char *how = use_of(f, use, sizeof use);
    if (how == NULL)
        return sp__fail(rc, "%s is a %s, not %s (no source reads it)", path,
                        f->what, not_a);
    sp__launch_value(qpath, sizeof qpath, path);
    return sp__fail(rc, "%s is a %s, not %s: read it with `%s%s`", path,
                    f->what, not_a, how, qpath);
}

int sp__format_refuse_other(const char *path, const char *mine)
{
    if (sp__path_kind(path) != 0)
        return SP_OK; /* folders and missing files: the reader decides */
    uint8_t head[SP__FORMAT_HEAD];
    size_t n;
    read_head(path, head, &n);
    if (n == 0)
        return SP_OK;
    /* Only a content answer may claim the file: a name guess must not veto
     * another reader. */
    for (size_t i = 0; i < sp__format_count(); i++) {
        const sp__format *f = sp__format_at(i);
        if (!strcmp(f->name, mine) || !f->probe)
            continue;
        if (f->probe(path, 0, head, n) == SP__PROBE_CONTENT) {
            char not_a[64];
            snprintf(not_a, sizeof not_a, "a %s file", mine);
            return sp__format_refuse(SP_EFORMAT, f, path, not_a);
        }
    }
    return SP_OK;
}

void sp__format_folder_hint(const char *dir, const char *lead, char *buf,
                            size_t cap)
{
    enum { MAX_ENTRIES = 256, MAX_KINDS = 8, MAX_NAMED = 3 };
    if (cap == 0)
        return;
    buf[0] = '\0';
    /* Sorted by name, so that the hint does not follow the file system's
     * order; a folder of thousands of frames is probed only so far, and the
     * hint says so. */
    sp__filelist fl;
    if (sp__filelist_entries(&fl, dir, NULL,
                             SP__LIST_FILES | SP__LIST_FOLDERS) != SP_OK)
        return;
    size_t nn = fl.count < MAX_ENTRIES ? fl.count : MAX_ENTRIES;
    int more = fl.count > MAX_ENTRIES;
    struct {
        const sp__format *f;
        size_t count;
        const char *named[MAX_NAMED];
    } kinds[MAX_KINDS];
    size_t nk = 0;
    for (size_t i = 0; i < nn; i++) {
        const char *path = sp__filelist_path(&fl, i);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        uint8_t head[SP__FORMAT_HEAD];
        size_t n = 0;
        const sp__format *f = NULL;
        if (S_ISDIR(st.st_mode)) /* a bag's folder: its layout */
            f = probe_pass(path, 1, NULL, 0, SP__PROBE_CONTENT);
        else if (S_ISREG(st.st_mode)) {
            read_head(path, head, &n);
            f = probe_pass(path, 0, head, n, SP__PROBE_CONTENT);
        }
        if (f == NULL)
            continue;
        size_t k = 0;
        while (k < nk && kinds[k].f != f)
            k++;
        if (k == nk) {
            if (nk == MAX_KINDS)
                continue;
            kinds[nk].f = f;
            kinds[nk].count = 0;
            nk++;
        }
        if (kinds[k].count < MAX_NAMED)
            kinds[k].named[kinds[k].count] = path + strlen(dir) + 1;
        kinds[k].count++;
    }
    size_t used = 0;
    if (nk > 0) {
        int w = snprintf(buf, cap, "%s", lead);
        used = w > 0 ? (size_t)w : 0;
    }
    for (size_t k = 0; k < nk && used < cap; k++) {
        char use[64];
        const char *how = use_of(kinds[k].f, use, sizeof use);
        int w = snprintf(buf + used, cap - used,
                         "%s%zu x %s%s%s%s: ", k ? "; " : "", kinds[k].count,
                         kinds[k].f->what,
                         how ? ", read with `" : " (no source reads it)",
                         how ? how : "", how ? "...`" : "");
        for (size_t j = 0; w >= 0 && j < kinds[k].count && j < MAX_NAMED; j++)
            if (used + (size_t)w < cap)
                w += snprintf(buf + used + w, cap - used - (size_t)w, "%s%s",
                              j ? ", " : "", kinds[k].named[j]);
        if (w >= 0 && kinds[k].count > MAX_NAMED && used + (size_t)w < cap)
            w += snprintf(buf + used + w, cap - used - (size_t)w, ", ...");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (nk > 0 && more && used < cap)
        snprintf(buf + used, cap - used, " (of %d of its entries)",
                 MAX_ENTRIES);
    sp__filelist_free(&fl);
}

int sp__fail_empty_folder(const char *dir, const char *what)
{
    char hint[1024];
    sp__format_folder_hint(dir, SP__FOLDER_HINT, hint, sizeof hint);
    return sp__fail(SP_ENOTFOUND,
                    "%s: folder holds no %s files, expected at least one%s",
                    dir, what, hint);
}
