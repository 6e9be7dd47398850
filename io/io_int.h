/* Internal helpers shared by the io/ readers and writers; never installed.
 *
 * - sp__iobuf: a grow-only byte buffer a reader owns. It grows during
 *   warm-up (the first frames) and is reused afterwards, so a steady stream
 *   of similar frames allocates nothing. Given a pool manager, it is a pool
 *   block instead, under the manager's budget.
 * - sp__filelist: the sorted names of the files (or folders) in a folder
 *   that end with an extension (or one file), listed once at open.
 * - whole-file and positioned reads that turn short reads and errno into
 *   messages naming the file and the byte offset.
 * Writers use atomic_file_int.h (temporary name, renamed when complete). */
#ifndef SP_IO_INT_H
#define SP_IO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "error_int.h"
#include "sp_poolmgr.h"

/* The largest single file any reader accepts (header-derived sizes are
 * checked against the real file size first; this is the sanity cap on top). */
#define SP__IO_MAX_FILE ((uint64_t)1 << 34) /* 16 GiB */
/* The largest text metadata file (calibration, timestamps, PCD header). */
#define SP__IO_MAX_TEXT ((size_t)64 << 20)

typedef struct sp__iobuf {
    uint8_t *data;
    size_t cap;
    /* Set by the owner (NULL = the heap, unbounded): the buffer is then a
     * block of this manager, so the budget bounds it. */
    sp_poolmgr *mgr;
    sp_block *block;
} sp__iobuf;

/* Make buf hold at least n bytes (contents not kept). SP_ENOMEM on failure,
 * with @p what in the message; with a manager, its refusal (SP_EBUDGET)
 * prefixed "WHAT: N bytes of staging: ". */
int sp__iobuf_reserve(sp__iobuf *buf, size_t n, const char *what);
/* Between frames: a pool block goes back to its pool (idle there, so the
 * budget can trim it for another size); heap memory is kept. */
void sp__iobuf_release(sp__iobuf *buf);
void sp__iobuf_free(sp__iobuf *buf);
/* Point @p buf at @p mgr (borrowed; NULL = heap) from now on. */
void sp__iobuf_set_poolmgr(sp__iobuf *buf, sp_poolmgr *mgr);
/* The pooled halves of the above (iobuf_pool.c). */
int sp__iobuf_reserve_pooled(sp__iobuf *buf, size_t n, const char *what);

typedef struct sp__filelist {
    char *dir;    /* folder (owned), "" when the list is one file */
    char **names; /* full paths, sorted by name, owned */
    size_t count;
} sp__filelist;

/* List @p dir's regular files whose name ends with @p ext (".bin"; NULL =
 * any), sorted by name. A missing folder is SP_ENOTFOUND; an empty listing
 * is SP_OK with count 0 (callers decide whether that is an error). */
int sp__filelist_dir(sp__filelist *fl, const char *dir, const char *ext);
/* The same, keeping regular files, folders or both (SP__LIST_*). */
enum { SP__LIST_FILES = 1, SP__LIST_FOLDERS = 2 };
int sp__filelist_entries(sp__filelist *fl, const char *dir, const char *ext,
                         int which);
/* A list of one file (no check that it exists). */
int sp__filelist_one(sp__filelist *fl, const char *path);
/* Full path of entry i (owned by the list: valid until it is freed); ""
 * when out of range. */
const char *sp__filelist_path(sp__filelist *fl, size_t i);
void sp__filelist_free(sp__filelist *fl);

/* Path is a directory (1), a regular file (0), missing (SP_ENOTFOUND), or
 * something else: a FIFO, a device, a socket (SP_EINVAL, naming what it
 * is). A symlink loop is SP_EIO and says so. */
int sp__path_kind(const char *path);
/* Regular file size; SP_ENOTFOUND / SP_EINVAL (not a regular file) /
 * SP_EIO with the path in the message. */
int sp__file_size(const char *path, uint64_t *size);
/* "a FIFO (named pipe)", "a folder", "a character device", ... for a
 * st_mode. */
const char *sp__file_kind_name(unsigned mode);

/* Read a whole text file (at most @p max bytes, else SP_ERANGE) into buf,
 * NUL-terminated; *len excludes the NUL. */
int sp__read_text(const char *path, size_t max, sp__iobuf *buf, size_t *len);

/* Read exactly @p n bytes at @p off from fd into dst; a short read is
 * SP_EFORMAT naming path, the offset and the byte counts. */
int sp__pread_full(int fd, void *dst, size_t n, uint64_t off, const char *path);

/* Every reader of a user's file opens it through these. The open never
 * blocks (O_NONBLOCK, cleared once open, so a FIFO or a device cannot hang
 * a run or ignore a stop), and anything but a regular file is refused by
 * what was opened (fstat), before a byte is read. */

/* Open for reading: SP_ENOTFOUND, SP_EINVAL (a FIFO, a device, a folder:
 * "is a FIFO (named pipe), expected a regular file"), SP_EIO (a symlink
 * loop, permissions) with the path in the message. */
int sp__open_read(const char *path, int *fd);
/* The same, also giving the size of what was opened (NULL: not wanted). */
int sp__open_read_size(const char *path, int *fd, uint64_t *size);
/* The same without a message, for probes: the descriptor, or -1 with errno
 * set; *mode (may be NULL) is the file's st_mode when it was opened but is
 * not a regular file, else 0. */
int sp__open_regular(const char *path, uint64_t *size, unsigned *mode);

/* Last path component (pointer into @p path). */
const char *sp__basename(const char *path);

#endif
