/* A folder tree built from fuzz input, for the targets that open folders
 * (fuzz_kitti, fuzz_info). Header-only: each target includes it once.
 *
 * The input is a list of entries, each
 *     template  1 byte: which path (an index into the target's table of
 *               paths relative to the tree's root; "%s" takes the stem,
 *               a trailing '/' makes a folder, "../" reaches the folder
 *               above the root)
 *     stem      1 byte: below 0xE0 one of STEMS (KITTI's frame numbers
 *               and a few that are not), else (byte & 0x1F) bytes of the
 *               input as the stem itself ('/' and NUL replaced)
 *     length    2 bytes LE: the file's bytes that follow (bit 15 set: the
 *               bytes are a recipe for a valid PNG written by the
 *               library's writer: width, height, gray8 or rgb8, pixels)
 *     contents
 * so that seeds can hold real layouts and the fuzzer can still change a
 * name, a size, a timestamps line or a calibration value. An entry that
 * cannot be created (a name that is a folder already, "..") is skipped.
 *
 * The tree lives in a folder of its own under $SP_FUZZ_TMP, /dev/shm or
 * /tmp (sp-fuzz-tree.PID), emptied before every input and removed at exit,
 * or by the next run when a crash stopped this one. */
#ifndef FUZZ_TREE_H
#define FUZZ_TREE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sp_png.h"

static const char *const FT_STEMS[] = {
    "0000000000", "0000000001", "0000000002", "0000000003", "000000",
    "000001",     "000002",     "0000000010", "x",          "99999999999",
    "1000000000", "0",          "-1",         "00000000000000000000000001",
};
#define FT_NSTEMS (sizeof FT_STEMS / sizeof FT_STEMS[0])

static char ft_base[256]; /* the private folder */
static char ft_root[300]; /* ft_base/d: the tree's root */

static int ft_rm_one(const char *p, const struct stat *st, int flag,
                     struct FTW *f)
{
    (void)st;
    (void)flag;
    if (f->level > 0)
        remove(p);
    return 0;
}

static void ft_clear(void)
{
    nftw(ft_base, ft_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void ft_remove_all(void)
{
    ft_clear();
    rmdir(ft_base);
}

/* Trees of fuzzing processes that are gone (a crash aborts before the
 * atexit handler runs): removed by the next one. */
static void ft_sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int pid;
        char tail;
        if (sscanf(e->d_name, "sp-fuzz-tree.%d%c", &pid, &tail) != 1 ||
            pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH) == 0)
            continue;
        snprintf(ft_base, sizeof ft_base, "%s/%s", dir, e->d_name);
        ft_remove_all();
    }
    closedir(d);
}

static void ft_init(void)
{
    if (ft_base[0])
        return;
    const char *t = getenv("SP_FUZZ_TMP");
    if (!t || !*t)
        t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    ft_sweep(t);
    snprintf(ft_base, sizeof ft_base, "%s/sp-fuzz-tree.%d", t, (int)getpid());
    if (mkdir(ft_base, 0700) != 0 && errno != EEXIST) {
        perror("fuzz_tree: mkdir");
        abort();
    }
    snprintf(ft_root, sizeof ft_root, "%s/d", ft_base);
    atexit(ft_remove_all);
}

/* mkdir -p of every folder in @p path (relative to ft_base) but the last
 * component. */
static inline void ft_mkdirs(char *path)
{
    for (char *p = path + strlen(ft_base) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
}

/* A valid PNG from a recipe: w (1..16), h (1..16), colour (even: gray8,
 * odd: rgb8), then pixels (repeated when short). */
static inline void ft_write_png(const char *path, const uint8_t *r, size_t n)
{
    uint8_t pix[16 * 16 * 3];
    uint32_t w = n > 0 ? 1u + r[0] % 16u : 1, h = n > 1 ? 1u + r[1] % 16u : 1;
    int rgb = n > 2 && (r[2] & 1);
    size_t bytes = (size_t)w * h * (rgb ? 3 : 1);
    for (size_t i = 0; i < bytes; i++)
        pix[i] = n > 3 ? r[3 + i % (n - 3)] : (uint8_t)i;
    sp_image img = {.data = pix,
                    .width = w,
                    .height = h,
                    .stride = (size_t)w * (rgb ? 3 : 1),
                    .format = rgb ? SP_PIX_RGB8 : SP_PIX_GRAY8};
    sp_png_write_image(path, &img, NULL);
}

static int ft_show_one(const char *p, const struct stat *st, int flag,
                       struct FTW *f)
{
    (void)f;
    fprintf(stderr, "  %s%s %lld\n", p + strlen(ft_base),
            flag == FTW_D ? "/" : "", (long long)st->st_size);
    return 0;
}

/* Build the tree for @p data under a fresh ft_root from @p tpl (ntpl
 * paths). Returns the number of entries created. */
static inline size_t ft_build(const uint8_t *data, size_t size,
                       const char *const *tpl, size_t ntpl)
{
    ft_init();
    ft_clear();
    mkdir(ft_root, 0755);
    size_t made = 0, i = 0;
    while (i + 4 <= size) {
        const char *t = tpl[data[i] % ntpl];
        uint8_t s = data[i + 1];
        i += 2;
        char stem[40];
        if (s < 0xE0) {
            snprintf(stem, sizeof stem, "%s", FT_STEMS[s % FT_NSTEMS]);
        } else {
            size_t n = s & 0x1Fu;
            if (n > size - i)
                n = size - i;
            for (size_t k = 0; k < n; k++) {
                char c = (char)data[i + k];
                stem[k] = c == '/' ? '_' : c == '\0' ? '0' : c;
            }
            stem[n] = '\0';
            i += n;
        }
        if (i + 2 > size)
            break;
        size_t len = (size_t)(data[i] | data[i + 1] << 8);
        i += 2;
        int recipe = (len & 0x8000u) != 0;
        len &= 0x7FFFu;
        if (len > size - i)
            len = size - i;
        char rel[200], path[600];
        snprintf(rel, sizeof rel, t, stem);
        snprintf(path, sizeof path, "%s/%s", ft_root, rel);
        ft_mkdirs(path);
        size_t pl = strlen(path);
        if (pl && path[pl - 1] == '/') {
            made += mkdir(path, 0755) == 0;
        } else if (recipe) {
            ft_write_png(path, data + i, len);
            made++;
        } else {
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0) {
                if (len && write(fd, data + i, len) != (ssize_t)len)
                    abort();
                close(fd);
                made++;
            }
        }
        i += len;
    }
    if (getenv("SP_FUZZ_VERBOSE")) /* replaying an input: what it built */
        nftw(ft_base, ft_show_one, 16, FTW_PHYS);
    return made;
}

#endif
