/* Helpers for the io/ test suites (see sp_iotest.h). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <turbojpeg.h>

#include "sp_iotest.h"
#include "sp_pipeline.h"
#include "sp_status.h"

const char *iot_data(const char *rel)
{
    static char buf[4][1024];
    static int k;
    const char *d = getenv("SP_TEST_DATA");
    if (!d || !*d)
        return NULL;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", d, rel);
    struct stat st;
    if (stat(buf[k], &st) != 0)
        return NULL;
    return buf[k];
}

void iot_mkdirs(const char *path)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0777);
            *p = '/';
        }
    }
    mkdir(tmp, 0777);
}

const char *iot_tmp(const char *rel)
{
    static char buf[8][1024];
    static int k;
    const char *t = getenv("SP_TEST_TMP");
    char base[512];
    snprintf(base, sizeof base, "%s", t && *t ? t : "/tmp/sp_iotest");
    iot_mkdirs(base);
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, rel);
    return buf[k];
}

size_t iot_emulated_stride(size_t k, const char *what)
{
    const char *emu = getenv("SP_TEST_EMULATOR");
    static char said[64];
    if (emu == NULL || *emu == '\0' || k <= 1)
        return 1;
    if (strncmp(said, what, sizeof said - 1) == 0)
        return k; /* said once, for a sweep run in a loop */
    snprintf(said, sizeof said, "%s", what);
    print_message("under %s: %s, every %zu%s case (every case natively)\n", emu,
                  what, k,
                  k == 2   ? "nd"
                  : k == 3 ? "rd"
                           : "th");
    return k;
}

void iot_buf_add(iot_buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

void iot_write(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        fail_msg("cannot create %s", path);
    if (n && fwrite(data, 1, n, f) != n)
        fail_msg("cannot write %s", path);
    fclose(f);
}

void iot_write_str(const char *path, const char *text)
{
    iot_write(path, text, strlen(text));
}

void iot_rmdir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            iot_rmdir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

void *iot_points_alloc(sp_points *p, size_t capacity, unsigned fields)
{
    size_t n = sp_points_block_size(capacity, fields);
    if (n == 0)
        n = 64;
    void *mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    assert_non_null(mem);
    assert_int_equal(sp_points_init(p, mem, n, capacity, fields), SP_OK);
    return mem;
}

void *iot_image_alloc(sp_image *img, uint32_t w, uint32_t h, sp_pixfmt fmt,
                      size_t stride)
{
    size_t n = sp_image_block_size(w, h, fmt, stride);
    assert_true(n > 0);
    void *mem = aligned_alloc(64, (n + 63) & ~(size_t)63);
    assert_non_null(mem);
    assert_int_equal(sp_image_init(img, mem, n, w, h, fmt, stride), SP_OK);
    return mem;
}

uint8_t *iot_jpeg_encode(const uint8_t *px, uint32_t w, uint32_t h, int tjpf,
                         int subsamp, int quality, int flags, unsigned long *n)
{
    tjhandle c = tjInitCompress();
    assert_non_null(c);
    unsigned char *jb = NULL;
    *n = 0;
    assert_int_equal(tjCompress2(c, px, (int)w, 0, (int)h, tjpf, &jb, n,
                                 subsamp, quality, flags),
                     0);
    tjDestroy(c);
    uint8_t *out = malloc(*n);
    assert_non_null(out);
    memcpy(out, jb, *n);
    tjFree(jb);
    return out;
}

size_t iot_lzf_literals(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t o = 0;
    while (n) {
        size_t run = n < 32 ? n : 32;
        out[o++] = (uint8_t)(run - 1);
        memcpy(out + o, in, run);
        o += run;
        in += run;
        n -= run;
    }
    return o;
}

void iot_msg_has(const char *first, ...)
{
    const char *m = sp_errmsg();
    va_list ap;
    va_start(ap, first);
    for (const char *s = first; s; s = va_arg(ap, const char *)) {
        if (!strstr(m, s)) {
            va_end(ap);
            fail_msg("message \"%s\" lacks \"%s\"", m, s);
        }
    }
    va_end(ap);
}

void iot_run_ok(const char *launch)
{
    char none[1];
    iot_run_notes(launch, none, sizeof none);
}

void iot_run_notes(const char *launch, char *buf, size_t cap)
{
    sp_pipeline *p = NULL;
    if (sp_pipeline_create(launch, NULL, &p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    if (sp_pipeline_run(p) != SP_OK)
        fail_msg("%s: %s", launch, sp_errmsg());
    sp_pipeline_close(p);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sp_pipeline_note_count(p) && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s\n",
                                sp_pipeline_note(p, i, NULL));
    assert_int_equal(sp_pipeline_destroy(p), SP_OK);
}
