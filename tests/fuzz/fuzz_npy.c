/* libFuzzer target: a .npy file on arbitrary bytes (io/npy.c's reader) on
 * a memfd opened by its /proc/self/fd path: sp_npy_read_header, then
 * sp_npy_read into a buffer of exactly the size the header promises and
 * into one a byte short. Promises checked (sp_npy.h):
 *  - a refusal is SP_EFORMAT naming the file and a byte offset;
 *  - an accepted header is version 1 or 2, has at most SP_NPY_MAX_DIMS
 *    dimensions, one of the supported descrs with its element size, a
 *    count equal to the product of its shape (no overflow), and data that
 *    ends exactly at the end of the file;
 *  - sp_npy_read gives the header again and exactly the file's bytes after
 *    data_offset, and refuses a short buffer with SP_ERANGE without
 *    writing past it (ASan: the buffers are exact-size heap blocks). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sp_npy.h"

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_npy: %s (status %d: %s)\n", what, rc, sp_errmsg());
    abort();
}

static size_t descr_size(const char *d)
{
    static const char *const ok[] = {"u1", "i1", "u2", "i2", "u4",
                                     "i4", "f4", "u8", "i8", "f8"};
    if (strlen(d) != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|'))
        return 0;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcmp(d + 1, ok[i]))
            return (size_t)(ok[i][1] - '0');
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.npy", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    sp_npy_header h;
    int rc = sp_npy_read_header(path, &h);
    if (rc != SP_OK) {
        if (rc != SP_EFORMAT || !strstr(sp_errmsg(), path) ||
            (!strstr(sp_errmsg(), "byte ") && !strstr(sp_errmsg(), "overflow")))
            fail("a refusal is not SP_EFORMAT naming the file and byte", rc);
        return 0;
    }
    if ((h.version != 1 && h.version != 2) || h.ndim < 0 ||
        h.ndim > SP_NPY_MAX_DIMS)
        fail("accepted a version or rank outside the promise", 0);
    if (h.elem_size == 0 || h.elem_size != descr_size(h.descr))
        fail("accepted a descr that is not supported, or its size is wrong",
             0);
    __uint128_t count = 1;
    for (int i = 0; i < h.ndim; i++)
        count *= h.shape[i];
    if (count != h.count || (__uint128_t)h.count * h.elem_size != h.data_bytes)
        fail("count or data_bytes is not the product of the shape", 0);
    if (h.data_offset > size || size - h.data_offset != h.data_bytes)
        fail("accepted data that does not end at the end of the file", 0);
    if (h.data_offset < 10 + (h.version == 2 ? 2 : 0))
        fail("data starts inside the preamble", 0);

    /* data_bytes is at most the input's size here, so this is small. */
    size_t n = h.data_bytes;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return 0;
    sp_npy_header h2;
    rc = sp_npy_read(path, &h2, n ? buf : NULL, n);
    if (rc != SP_OK)
        fail("sp_npy_read refused what sp_npy_read_header accepted", rc);
    if (memcmp(&h, &h2, sizeof h) != 0)
        fail("sp_npy_read parsed another header", 0);
    if (n && memcmp(buf, data + h.data_offset, n) != 0)
        fail("sp_npy_read returned other bytes than the file's data", 0);
    free(buf);
    if (n > 0) {
        uint8_t *small = malloc(n - 1 ? n - 1 : 1);
        if (!small)
            return 0;
        rc = sp_npy_read(path, &h2, small, n - 1);
        if (rc != SP_ERANGE || !strstr(sp_errmsg(), path))
            fail("a short buffer was not refused with SP_ERANGE", rc);
        free(small);
    }
    return 0;
}
