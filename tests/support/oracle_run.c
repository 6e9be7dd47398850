#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "oracle_run.h"

#define MAGIC "sensorpipe oracle answer 1\n"

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#define FNV_BASIS 0xcbf29ce484222325ull

/* "<size>:<hash>" of a file's bytes, or 0 when it cannot be read (then
 * nothing is cached: the oracle reports the missing file itself). */
static int file_id(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    uint64_t h = FNV_BASIS;
    size_t total = 0, n;
    static uint8_t buf[1 << 16];
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        h = fnv1a(h, buf, n);
        total += n;
    }
    int ok = !ferror(f);
    fclose(f);
    snprintf(out, cap, "%zu:%016llx", total, (unsigned long long)h);
    return ok;
}

/* @p s with every occurrence of @p what replaced by @p by (malloc'd; @p s
 * is freed), or NULL. */
static char *replace_all(char *s, const char *what, const char *by)
{
    size_t pn = strlen(what), tn = strlen(by);
    if (pn == 0)
        return s;
    size_t count = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + pn, what))
        count++;
    char *next = malloc(strlen(s) + count * tn + 1);
    if (!next) {
        free(s);
        return NULL;
    }
    char *w = next;
    const char *r = s;
    for (const char *p = strstr(r, what); p; p = strstr(r, what)) {
        memcpy(w, r, (size_t)(p - r));
        w += p - r;
        memcpy(w, by, tn);
        w += tn;
        r = p + pn;
    }
    strcpy(w, r);
    free(s);
    return next;
}

/* @p cmd with every occurrence of each input's path replaced by its
 * file_id and of @p out (or NULL) by "<out>" (malloc'd), or NULL when an
 * input cannot be read. */
static char *cache_key(const char *cmd, const char *const *inputs,
                       const char *out)
{
    char *key = strdup(cmd);
    for (size_t i = 0; key && inputs && inputs[i]; i++) {
        char id[64], tag[80];
        if (!file_id(inputs[i], id, sizeof id)) {
            free(key);
            return NULL;
        }
        snprintf(tag, sizeof tag, "<file %s>", id);
        key = replace_all(key, inputs[i], tag);
    }
    if (key && out)
        key = replace_all(key, out, "<out>");
    return key;
}

/* With the cache on (SP_TEST_ORACLE_CACHE), the key of @p cmd (see
 * cache_key) and in @p path its entry's name, @p suffix added; NULL when
 * the cache is off, an input cannot be read or the name does not fit. */
static char *cache_open(const char *cmd, const char *const *inputs,
                        const char *out, const char *suffix, char *path,
                        size_t cap)
{
    const char *dir = getenv("SP_TEST_ORACLE_CACHE");
    if (!dir || !*dir)
        return NULL;
    mkdir(dir, 0777); /* .ci/run and make test make it; by hand, one level */
    char *key = cache_key(cmd, inputs, out);
    if (key && snprintf(path, cap, "%s/%016llx%s", dir,
                        (unsigned long long)fnv1a(FNV_BASIS, key, strlen(key)),
                        suffix) >= (int)cap) {
        free(key);
        key = NULL;
    }
    return key;
}

/* sh's exit status from a wait status, -1 for a signal or no run. */
static int exit_code(int st)
{
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The kept answer for @p key, or NULL. A file whose key differs (a clash
 * of the file name's hash) or that does not parse is a miss. */
static char *cache_read(const char *path, const char *key, size_t *len,
                        int *status)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *out = NULL;
    size_t klen = strlen(key), mlen = strlen(MAGIC);
    char *head = malloc(mlen + klen + 2);
    unsigned long long n;
    int st;
    if (head && fread(head, 1, mlen + klen + 1, f) == mlen + klen + 1 &&
        memcmp(head, MAGIC, mlen) == 0 && memcmp(head + mlen, key, klen) == 0 &&
        head[mlen + klen] == '\n' && fscanf(f, "%d %llu", &st, &n) == 2 &&
        fgetc(f) == '\n') {
        out = malloc((size_t)n + 1);
        if (out && fread(out, 1, (size_t)n, f) == (size_t)n) {
            out[n] = '\0';
            *len = (size_t)n;
            *status = st;
        } else {
            free(out);
            out = NULL;
        }
    }
    free(head);
    fclose(f);
    return out;
}

/* Written beside and renamed into place: suites running at once may
 * compute the same answer; each rename is whole. */
static void cache_write(const char *path, const char *key, const char *text,
                        size_t len, int status)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >=
        (int)sizeof tmp)
        return;
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return;
    int ok = fprintf(f, "%s%s\n%d %zu\n", MAGIC, key, status, len) > 0 &&
             fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

static char *run(const char *cmd, size_t *len, int *status)
{
    *len = 0;
    *status = -1;
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16;
    char *text = malloc(cap);
    size_t r;
    while (text && (r = fread(text + *len, 1, cap - *len - 1, p)) > 0) {
        *len += r;
        if (cap - *len < 4096) {
            char *more = realloc(text, cap *= 2);
            if (!more)
                free(text);
            text = more;
        }
    }
    int st = pclose(p);
    if (!text)
        return NULL;
    text[*len] = '\0';
    *status = exit_code(st);
    return text;
}

char *oracle_output(const char *cmd, const char *const *inputs, size_t *len,
                    int *status)
{
    size_t n_;
    if (!len)
        len = &n_;
    char path[4096];
    char *key = cache_open(cmd, inputs, NULL, "", path, sizeof path);
    char *text = key ? cache_read(path, key, len, status) : NULL;
    if (!text) {
        text = run(cmd, len, status);
        if (key && text && *status >= 0 && *status < 124)
            cache_write(path, key, text, *len, *status);
    }
    free(key);
    return text;
}

/* A folder entry is <entry>/tree, the folder, and <entry>/key, an answer
 * file (cache_write) with no text, which says whose folder it is. */
int oracle_make_dir(const char *cmd, const char *const *inputs, const char *dir)
{
    char entry[4096], keyfile[4300], sh[12600];
    char *key = cache_open(cmd, inputs, dir, ".d", entry, sizeof entry);
    if (key) {
        size_t n;
        int st;
        snprintf(keyfile, sizeof keyfile, "%s/key", entry);
        char *hit = cache_read(keyfile, key, &n, &st);
        int kept = hit != NULL;
        free(hit);
        if (kept &&
            snprintf(sh, sizeof sh, "mkdir -p '%s' && cp -R '%s/tree/.' '%s/'",
                     dir, entry, dir) < (int)sizeof sh &&
            exit_code(system(sh)) == 0) {
            free(key);
            return 0;
        }
    }
    int status = exit_code(system(cmd));
    if (key && status == 0) {
        /* Made beside and renamed into place whole; a rename that finds
         * the entry made meanwhile by another suite drops this copy. */
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", entry, (long)getpid());
        snprintf(keyfile, sizeof keyfile, "%s/key", tmp);
        if (snprintf(sh, sizeof sh,
                     "rm -rf '%s' && mkdir -p '%s' && cp -R '%s' '%s/tree'",
                     tmp, tmp, dir, tmp) < (int)sizeof sh &&
            exit_code(system(sh)) == 0)
            cache_write(keyfile, key, "", 0, 0);
        if (access(keyfile, F_OK) != 0 || rename(tmp, entry) != 0) {
            snprintf(sh, sizeof sh, "rm -rf '%s'", tmp);
            if (system(sh) != 0)
                fprintf(stderr, "note: could not remove %s\n", tmp);
        }
    }
    free(key);
    return status;
}

int oracle_status(const char *cmd)
{
    int status;
    free(oracle_output(cmd, NULL, NULL, &status));
    return status;
}
