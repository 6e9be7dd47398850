/* The rosbag2 container (see rosbag2_int.h and sp_log.h): a bag folder
 * (metadata.yaml and its storage files in recording order; without
 * metadata.yaml, the .db3 files in name order), or one .db3 file. Whole-file
 * zstd (FILE mode, x_0.db3.zstd) is decompressed at open into a temporary
 * file that SQLite opens and that is unlinked at once, so nothing is left
 * behind however the process ends; per-message zstd (MESSAGE mode) is
 * decompressed when a message is read. A folder whose storage is MCAP is
 * handed to the MCAP container (io/rosbag2_mcap.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "format_int.h"
#include "io_int.h"
#include "rosbag2_int.h"

typedef struct r2 {
    sp__r2_db **dbs; /* by log file index; NULL for a file that failed */
    size_t ndbs;
} r2;

static const uint8_t zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};
static const char sqlite_magic[16] = "SQLite format 3";

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

/* The first bytes of a regular file; 0 when it cannot be read (a FIFO is
 * not waited for). Sets no message. */
static size_t head_of(const char *path, void *buf, size_t cap)
{
    int fd = sp__open_regular(path, NULL, NULL);
    if (fd < 0)
        return 0;
    ssize_t k = pread(fd, buf, cap, 0);
    close(fd);
    return k > 0 ? (size_t)k : 0;
}

static int is_zstd_file(const char *path)
{
    uint8_t h[4];
    return head_of(path, h, 4) == 4 && !memcmp(h, zstd_magic, 4);
}

/* ---- probe ---- */

/* A folder without metadata.yaml: its first .db3 file (by name) decides. */
static int probe_db3_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char best[256] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && ends_with(e->d_name, ".db3") &&
            strlen(e->d_name) < sizeof best &&
            (!best[0] || strcmp(e->d_name, best) < 0))
            snprintf(best, sizeof best, "%s", e->d_name);
    closedir(d);
    if (!best[0])
        return 0;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, best) >= sizeof path)
        return 0;
    uint8_t h[16];
    return head_of(path, h, 16) == 16 && !memcmp(h, sqlite_magic, 16) &&
           sp__r2_db_is_bag(path);
}

static int r2_probe(const char *path, int is_dir, const uint8_t *head, size_t n)
{
    if (is_dir) {
        char meta[4096];
        if ((size_t)snprintf(meta, sizeof meta, "%s/metadata.yaml", path) >=
            sizeof meta)
            return 0;
        struct stat st;
        if (stat(meta, &st) != 0)
            return probe_db3_folder(path);
        char text[4096];
        size_t k = head_of(meta, text, sizeof text);
        return sp__r2_meta_sniff(text, k);
    }
    if (n >= 16 && !memcmp(head, sqlite_magic, 16))
        return sp__r2_db_is_bag(path);
    return n >= 4 && !memcmp(head, zstd_magic, 4) &&
           ends_with(path, ".db3.zstd");
}

/* ---- FILE mode: a decompressed copy ---- */

int sp__r2_unzstd_file(const char *path, char *tmp, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    if ((size_t)snprintf(tmp, cap, "%s/sensorpipe-rosbag2-XXXXXX", dir) >= cap)
        return sp__fail(SP_ERANGE, "%s: TMPDIR path too long", path);
    int in;
    SP_TRY(sp__open_read(path, &in));
    int rc = SP_OK;
    int out = -1;
    ZSTD_DStream *ds = ZSTD_createDStream();
    /* Reads of whole pages into a page-aligned buffer: the kernel's copy
     * into a destination 1-31 bytes past the source's page offset ran 7x
     * slower on AMD Zen, and glibc puts a block this size 16 bytes into a
     * page (see sp__iobuf_reserve). zstd's input size is only a hint. */
    size_t in_cap = (ZSTD_DStreamInSize() + 4095) & ~(size_t)4095;
    size_t out_cap = ZSTD_DStreamOutSize();
    void *ibm = NULL;
    uint8_t *ib = posix_memalign(&ibm, 4096, in_cap) ? NULL : ibm;
    uint8_t *ob = malloc(out_cap);
    if (!ds || !ib || !ob) {
        rc = sp__fail(SP_ENOMEM, "%s: out of memory for zstd", path);
        goto done;
    }
    out = mkostemp(tmp, O_CLOEXEC);
    if (out < 0) {
        rc = sp__fail(SP_EIO,
                      "%s: cannot create its decompressed copy in %s: %s", path,
                      dir, strerror(errno));
        goto done;
    }
    uint64_t read_total = 0, written = 0;
    size_t last = 1; /* ZSTD_decompressStream's hint: 0 at a frame's end */
    for (;;) {
        ssize_t k = read(in, ib, in_cap);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            rc = sp__fail(SP_EIO, "%s: byte %llu: %s", path,
                          (unsigned long long)read_total, strerror(errno));
            goto done;
        }
        if (k == 0)
            break;
        ZSTD_inBuffer ibuf = {ib, (size_t)k, 0};
        while (ibuf.pos < ibuf.size) {
            ZSTD_outBuffer obuf = {ob, out_cap, 0};
            last = ZSTD_decompressStream(ds, &obuf, &ibuf);
            if (ZSTD_isError(last)) {
                rc = sp__fail(SP_EFORMAT,
                              "%s: byte %llu: zstd data is corrupt: %s, "
                              "expected a zstd-compressed .db3 "
                              "(compression_mode FILE)",
                              path, (unsigned long long)(read_total + ibuf.pos),
                              ZSTD_getErrorName(last));
                goto done;
            }
            if (obuf.pos > SP__IO_MAX_FILE - written) {
                rc = sp__fail(SP_ERANGE,
                              "%s: decompresses to more than %llu bytes, "
                              "the limit of one file",
                              path, (unsigned long long)SP__IO_MAX_FILE);
                goto done;
            }
            for (size_t off = 0; off < obuf.pos;) {
                ssize_t w = write(out, ob + off, obuf.pos - off);
                if (w < 0 && errno == EINTR)
                    continue;
                if (w <= 0) {
                    rc = sp__fail(SP_EIO,
                                  "%s: cannot write its decompressed copy "
                                  "in %s: %s",
                                  path, dir, strerror(w < 0 ? errno : ENOSPC));
                    goto done;
                }
                off += (size_t)w;
            }
            written += obuf.pos;
        }
        read_total += (uint64_t)k;
    }
    if (read_total == 0 || last != 0)
        rc = sp__fail(SP_EFORMAT,
                      "%s: byte %llu: the file ends inside a zstd frame, "
                      "expected a complete frame (a truncated file)",
                      path, (unsigned long long)read_total);
done:
    if (out >= 0) {
        close(out);
        if (rc < 0)
            unlink(tmp);
    }
    free(ib);
    free(ob);
    ZSTD_freeDStream(ds);
    close(in);
    return rc;
}

/* ---- open ---- */

int sp__r2_resolve(const char *dir, const sp__r2_meta *m, const char *rel,
                   char *buf, size_t cap)
{
    struct stat st;
    if (rel[0] == '/') {
        snprintf(buf, cap, "%s", rel);
    } else {
        if ((size_t)snprintf(buf, cap, "%s/%s", dir, rel) >= cap)
            return sp__fail(SP_ERANGE, "%s/metadata.yaml: %s: path too long",
                            dir, rel);
        /* Bags before metadata version 4 name their files from the bag
         * folder's parent ("bag/bag_0.db3"). */
        if (stat(buf, &st) != 0 && m->version < 4) {
            char parent[4096];
            snprintf(parent, sizeof parent, "%s", dir);
            size_t len = strlen(parent);
            while (len > 1 && parent[len - 1] == '/')
                parent[--len] = '\0';
            char *slash = strrchr(parent, '/');
            if (slash)
                slash[slash == parent] = '\0';
            else
                snprintf(parent, sizeof parent, ".");
            char alt[4096];
            if ((size_t)snprintf(alt, sizeof alt, "%s/%s", parent, rel) <
                    sizeof alt &&
                stat(alt, &st) == 0)
                snprintf(buf, cap, "%s", alt);
        }
    }
    if (stat(buf, &st) != 0)
        return sp__fail(SP_ENOTFOUND,
                        "%s/metadata.yaml lists %s, but %s is missing", dir,
                        rel, buf);
    return SP_OK;
}

/* One storage file: add it to the log, decompress it when it is a zstd
 * file, index its rows. */
static int open_one(sp_log *log, r2 *r, const char *path, int zstd_messages,
                    int *was_zstd)
{
    uint16_t fi;
    *was_zstd = 0;
    SP_TRY(sp__log_add_file(log, path, &fi, NULL, NULL));
    if (fi >= r->ndbs) {
        size_t n = (size_t)fi + 1;
        sp__r2_db **p = realloc(r->dbs, n * sizeof *p);
        if (!p)
            return sp__fail(SP_ENOMEM, "%s: out of memory", path);
        for (size_t i = r->ndbs; i < n; i++)
            p[i] = NULL;
        r->dbs = p;
        r->ndbs = n;
    }
    if (!is_zstd_file(path))
        return sp__r2_db_open(log, path, path, fi, zstd_messages, &r->dbs[fi]);
    *was_zstd = 1;
    char tmp[4096];
    SP_TRY(sp__r2_unzstd_file(path, tmp, sizeof tmp));
    char shown[4200];
    snprintf(shown, sizeof shown, "%s (decompressed)", path);
    int rc = sp__r2_db_open(log, tmp, shown, fi, zstd_messages, &r->dbs[fi]);
    /* SQLite holds the file open from here on (immutable: never reopened),
     * so its name can go now. */
    unlink(tmp);
    return rc;
}

static int damaged(int rc)
{
    return rc == SP_EFORMAT || rc == SP_ENOTFOUND || rc == SP_EIO ||
           rc == SP_EUNSUPPORTED;
}

/* Open each file in @p paths; a file that cannot be read is damage after
 * the others' messages, unless none can be read (the open fails). */
static int open_files(sp_log *log, r2 *r, char **paths, size_t n,
                      int zstd_messages, size_t *nzstd)
{
    int first_rc = SP_OK, opened = 0;
    char first_msg[SP__ERRMSG_MAX] = "";
    *nzstd = 0;
    for (size_t i = 0; i < n; i++) {
        int was_zstd;
        int rc = open_one(log, r, paths[i], zstd_messages, &was_zstd);
        *nzstd += (size_t)was_zstd;
        if (rc == SP_OK) {
            opened++;
            continue;
        }
        if (!damaged(rc))
            return rc;
        if (first_rc == SP_OK) {
            first_rc = rc;
            snprintf(first_msg, sizeof first_msg, "%s", sp_errmsg());
        }
        sp__log_damage(log, rc, "%s", sp_errmsg());
    }
    if (!opened && first_rc < 0)
        return sp__fail(first_rc, "%s", first_msg);
    return SP_OK;
}

static uint64_t rows_of(const r2 *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->ndbs; i++)
        n += sp__r2_db_rows(r->dbs[i]);
    return n;
}

/* The first file's SQLite schema, for the note. */
static const char *schema_of(const r2 *r)
{
    for (size_t i = 0; i < r->ndbs; i++)
        if (r->dbs[i])
            return sp__r2_db_describe(r->dbs[i]);
    return "no readable file";
}

/* A bag folder whose metadata.yaml (@p m, read from @p meta_path) says
 * storage sqlite3. */
static int open_with_meta(sp_log *log, r2 *r, const char *dir,
                          const char *meta_path, const sp__r2_meta *m)
{
    char **paths = calloc(m->npaths, sizeof *paths);
    if (!paths)
        return sp__fail(SP_ENOMEM, "%s: out of memory", meta_path);
    size_t n = 0;
    int rc = SP_OK;
    for (size_t i = 0; i < m->npaths; i++) {
        char p[4096];
        rc = sp__r2_resolve(dir, m, m->paths[i], p, sizeof p);
        if (rc == SP_ENOTFOUND) {
            /* Damage after the other files' messages, as a damaged file. */
            sp__log_damage(log, SP_EFORMAT, "%s", sp_errmsg());
            rc = SP_OK;
            continue;
        }
        if (rc < 0)
            goto out;
        if (!(paths[n] = strdup(p))) {
            rc = sp__fail(SP_ENOMEM, "%s: out of memory", dir);
            goto out;
        }
        n++;
    }
    if (n == 0) {
        rc = sp__fail(SP_EFORMAT,
                      "%s: none of the %zu files it lists is there (%s)",
                      meta_path, m->npaths, m->paths[0]);
        goto out;
    }
    size_t nzstd;
    SP_TRY_GOTO(rc,
                open_files(log, r, paths, n,
                           m->compression == SP__R2_COMP_MESSAGE, &nzstd),
                out);
    sp_log_info *li = sp__log_info_mut(log);
    snprintf(li->compression, sizeof li->compression, "%s",
             m->compression == SP__R2_COMP_MESSAGE ? "zstd (message)"
             : nzstd                               ? "zstd (file)"
                                                   : "none");
    uint64_t rows = rows_of(r);
    char counts[128] = "";
    if (m->message_count != rows)
        snprintf(counts, sizeof counts,
                 "; metadata.yaml says %llu messages, the files hold %llu",
                 (unsigned long long)m->message_count,
                 (unsigned long long)rows);
    snprintf(li->note, sizeof li->note,
             "metadata.yaml v%d, %zu file%s in its order, %s%s%s%s%s",
             m->version, n, n == 1 ? "" : "s", schema_of(r),
             nzstd ? "; decompressed from " : "",
             nzstd ? sp__basename(paths[0]) : "",
             nzstd > 1 ? " and the others" : "", counts);
out:
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

/* No metadata.yaml (a recording that was killed, or files copied alone):
 * the .db3 (and .db3.zstd) files in name order. */
static int open_without_meta(sp_log *log, r2 *r, const char *dir)
{
    sp__filelist fl;
    SP_TRY(sp__filelist_dir(&fl, dir, NULL));
    size_t n = 0;
    for (size_t i = 0; i < fl.count; i++)
        if (ends_with(fl.names[i], ".db3") ||
            ends_with(fl.names[i], ".db3.zstd"))
            fl.names[n++] = fl.names[i];
        else
            free(fl.names[i]);
    fl.count = n;
    int rc = SP_OK;
    if (n == 0) {
        rc = sp__fail(SP_EFORMAT,
                      "%s: no metadata.yaml and no .db3 files, expected a "
                      "rosbag2 bag folder",
                      dir);
        goto out;
    }
    size_t nzstd;
    SP_TRY_GOTO(rc, open_files(log, r, fl.names, n, -1, &nzstd), out);
    int msg_zstd = 0;
    for (size_t i = 0; i < r->ndbs; i++)
        msg_zstd |= sp__r2_db_zstd(r->dbs[i]);
    sp_log_info *li = sp__log_info_mut(log);
    snprintf(li->compression, sizeof li->compression, "%s",
             msg_zstd ? "zstd (message)"
             : nzstd  ? "zstd (file)"
                      : "none");
    snprintf(li->note, sizeof li->note,
             "no metadata.yaml: %zu .db3 file%s read in name order, %s%s%s", n,
             n == 1 ? "" : "s", schema_of(r),
             nzstd ? "; decompressed from " : "",
             nzstd ? sp__basename(fl.names[0]) : "");
out:
    sp__filelist_free(&fl);
    return rc;
}

static int open_file(sp_log *log, r2 *r, const char *path)
{
    char *one[1] = {(char *)path};
    size_t nzstd;
    SP_TRY(open_files(log, r, one, 1, -1, &nzstd));
    sp_log_info *li = sp__log_info_mut(log);
    snprintf(li->compression, sizeof li->compression, "%s",
             sp__r2_db_zstd(r->dbs[0]) ? "zstd (message)"
             : nzstd                   ? "zstd (file)"
                                       : "none");
    snprintf(li->note, sizeof li->note,
             "one .db3 file, no metadata.yaml, %s%s%s", schema_of(r),
             nzstd ? "; decompressed from " : "",
             nzstd ? sp__basename(path) : "");
    return SP_OK;
}

static void r2_close(sp_log *log)
{
    r2 *r = sp__log_impl(log);
    if (!r)
        return;
    for (size_t i = 0; i < r->ndbs; i++)
        sp__r2_db_close(r->dbs[i]);
    free(r->dbs);
    free(r);
    sp__log_set_impl(log, NULL);
}

static int r2_open(sp_log *log, const char *path)
{
    int kind = sp__path_kind(path);
    if (kind < 0)
        return kind;
    sp_log_info *li = sp__log_info_mut(log);
    li->indexed = 1;
    snprintf(li->profile, sizeof li->profile, "sqlite3");
    char meta_path[4096];
    struct stat st;
    if (kind == 1 &&
        (size_t)snprintf(meta_path, sizeof meta_path, "%s/metadata.yaml",
                         path) >= sizeof meta_path)
        return sp__fail(SP_ERANGE, "%s: path too long", path);
    int with_meta = kind == 1 && stat(meta_path, &st) == 0;
    sp__r2_meta m;
    memset(&m, 0, sizeof m);
    int rc = SP_OK;
    if (with_meta) {
        sp__iobuf buf = {0};
        size_t len;
        rc = sp__read_text(meta_path, SP__R2_META_MAX, &buf, &len);
        if (rc == SP_OK)
            rc = sp__r2_meta_parse((const char *)buf.data, len, meta_path, &m);
        sp__iobuf_free(&buf);
        if (rc < 0)
            goto out;
        snprintf(li->version, sizeof li->version, "%d", m.version);
        if (m.storage == SP__R2_MCAP) {
            /* The MCAP container takes the log over: no impl of ours. */
            snprintf(li->profile, sizeof li->profile, "mcap");
            rc = sp__r2_open_mcap(log, path, &m);
            goto out;
        }
    }
    r2 *r = calloc(1, sizeof *r);
    if (!r) {
        rc = sp__fail(SP_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    sp__log_set_impl(log, r);
    rc = with_meta   ? open_with_meta(log, r, path, meta_path, &m)
         : kind == 1 ? open_without_meta(log, r, path)
                     : open_file(log, r, path);
out:
    sp__r2_meta_free(&m);
    return rc;
}

static int r2_parse_record(sp_log *log, const sp__log_entry *e,
                           const uint8_t *rec, size_t avail, sp_log_msg *msg)
{
    (void)log;
    (void)e;
    /* A row's data is the message itself. */
    msg->data = rec;
    msg->size = avail;
    msg->publish_time = msg->log_time;
    return SP_OK;
}

static int r2_fetch(sp_log *log, const sp__log_entry *e, const uint8_t **rec,
                    size_t *avail, sp_log_msg *msg)
{
    (void)msg;
    r2 *r = sp__log_impl(log);
    if (!r || e->file >= r->ndbs || !r->dbs[e->file])
        return sp__fail(SP_EINVAL,
                        "rosbag2: entry of file %u without a "
                        "database",
                        e->file);
    return sp__r2_db_fetch(log, r->dbs[e->file], e, rec, avail);
}

static const sp__log_ops r2_ops = {.name = "rosbag2",
                                   .probe = r2_probe,
                                   .open = r2_open,
                                   .parse_record = r2_parse_record,
                                   .fetch = r2_fetch,
                                   .close = r2_close};

const sp__format sp__format_rosbag2 = {.name = "rosbag2",
                                       .what =
                                           "ROS 2 bag (rosbag2 folder or .db3)",
                                       .source = "bag",
                                       .order = 12,
                                       .probe = r2_probe,
                                       .describe = NULL,
                                       .log = &r2_ops};
