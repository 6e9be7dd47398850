/* libFuzzer target: headerless raw frames (io/raw.c). The first 9 bytes
 * are the reader's description: width and height (uint16 LE each, 0
 * included), format (byte % (SP_PIX_COUNT + 1): every format, the ones raw
 * files cannot hold and one past the end), file stride (uint16 LE, 0 = no
 * padding), bit depth (byte % 20), and how the caller lays out its image
 * (0: the file's stride, so rows are read straight in; else a stride of its
 * own, so the reader goes through its staging buffer). The rest is the
 * file, on a memfd opened by its /proc/self/fd path. Promises checked
 * (sp_rawimg.h):
 *  - a refused description is SP_EINVAL or SP_EUNSUPPORTED with "raw:",
 *    a file size that is not a whole number of frames SP_EFORMAT naming the
 *    file and the frame size, an empty file SP_ENOTFOUND;
 *  - frame count = size / frame bytes; each frame's rows are the file's
 *    bytes at that frame's offset and row's stride, nothing is written
 *    past the image's last pixel, 16-bit formats report their depth;
 *  - a frame past the end is SP_ERANGE; an image of another shape
 *    SP_EINVAL.
 * Memory: an accepted file holds at least one frame, so a frame (and the
 * reader's staging) is never larger than the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sp_rawimg.h"

#define HDR 9
#define MAX_FRAMES_READ 6

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_raw: %s (status %d: %s)\n", what, rc, sp_errmsg());
    abort();
}

static int is16(sp_pixfmt f)
{
    return f == SP_PIX_GRAY16 || f == SP_PIX_RGB16 ||
           (f >= SP_PIX_BAYER_RGGB16 && f <= SP_PIX_BAYER_GBRG16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (size < HDR)
        return 0;
    if (fd < 0) {
        fd = memfd_create("fuzz.raw", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    sp_raw_desc d = {
        .width = (uint32_t)(data[0] | data[1] << 8),
        .height = (uint32_t)(data[2] | data[3] << 8),
        .format = (sp_pixfmt)(data[4] % (SP_PIX_COUNT + 1)),
        .stride = (size_t)(data[5] | data[6] << 8),
        .bit_depth = (uint8_t)(data[7] % 20),
    };
    unsigned layout = data[8];
    const uint8_t *file = data + HDR;
    size_t fsize = size - HDR;
    if (ftruncate(fd, 0) != 0 ||
        (fsize && pwrite(fd, file, fsize, 0) != (ssize_t)fsize))
        abort();

    sp_raw_reader *r = NULL;
    int rc = sp_raw_reader_create(path, &d, &r);
    if (rc != SP_OK) {
        if (r)
            fail("a refusal left a reader", rc);
        const char *m = sp_errmsg();
        int ok = ((rc == SP_EINVAL || rc == SP_EUNSUPPORTED) &&
                  !strncmp(m, "raw: ", 5)) ||
                 (rc == SP_EFORMAT && strstr(m, path) &&
                  (strstr(m, "-byte frames") || strstr(m, "not a raw"))) ||
                 (rc == SP_ENOTFOUND && fsize == 0 && strstr(m, path));
        if (!ok)
            fail("unexpected refusal", rc);
        return 0;
    }
    size_t fb = sp_raw_reader_frame_bytes(r);
    size_t row = sp_image_row_bytes(d.width, d.format);
    size_t fstride = d.stride ? d.stride : row;
    size_t rows = d.format == SP_PIX_NV12 ? (size_t)d.height * 3 / 2 : d.height;
    if (row == 0 || fb != fstride * rows || fb == 0 || fsize % fb != 0 ||
        sp_raw_reader_count(r) != fsize / fb)
        fail("frame size or count disagrees with the description", 0);

    /* The caller's image: the file's stride, or its own with padding. */
    size_t stride = layout == 0 ? fstride : row + 2 * (layout % 8 + 1);
    size_t bytes = stride * rows;
    uint8_t *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!mem)
        abort();
    sp_image img = {.data = mem,
                    .width = d.width,
                    .height = d.height,
                    .stride = stride,
                    .format = d.format};
    size_t n = sp_raw_reader_count(r);
    for (size_t i = 0; i < n && i < MAX_FRAMES_READ; i++) {
        memset(mem, 0x5A, bytes);
        rc = sp_raw_reader_read(r, i, &img);
        if (rc != SP_OK)
            fail("reading an accepted frame failed", rc);
        size_t in_file = SIZE_MAX;
        if (!sp_raw_reader_origin(r, i, &in_file) || in_file != i)
            fail("origin of a frame is wrong", 0);
        const uint8_t *src = file + i * fb;
        for (size_t y = 0; y < rows; y++) {
            if (memcmp(mem + y * stride, src + y * fstride, row) != 0)
                fail("a row differs from the file's bytes", 0);
            /* The caller's own row padding is unspecified (rows are
             * spread out in place, sp_rawimg.h); past the last pixel of
             * the last row nothing is written. */
            for (size_t k = (rows - 1) * stride + row;
                 y + 1 == rows && k < bytes; k++)
                if (mem[k] != 0x5A)
                    fail("a read wrote past the image's last pixel", 0);
        }
        if (img.bit_depth !=
            (is16(d.format) ? (d.bit_depth ? d.bit_depth : 16) : 0))
            fail("bit depth is not the description's", 0);
    }
    if (sp_raw_reader_read(r, n, &img) != SP_ERANGE)
        fail("a frame past the end was not SP_ERANGE", 0);
    sp_image other = img;
    other.width = d.width + 1;
    if (sp_raw_reader_read(r, 0, &other) != SP_EINVAL)
        fail("an image of another shape was not SP_EINVAL", 0);
    free(mem);
    sp_raw_reader_destroy(r);
    return 0;
}
