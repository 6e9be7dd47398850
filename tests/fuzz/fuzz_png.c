/* libFuzzer target: a PNG on arbitrary bytes through the reader and its
 * arena (io/png_read.c, io/arena.c), both ways in: from memory
 * (sp_png_probe_mem / sp_png_read_mem, an exact-size heap copy, so ASan
 * sees any read past it) and from a file (sp_png_probe / sp_png_read on a
 * memfd opened by its /proc/self/fd path, through the reader's read(2)
 * buffer). One reader serves every input, so the arena grows, is reset and
 * reused across files as in a pipeline. Promises checked:
 *  - the memory and file paths agree: same status, same header, the same
 *    pixels bit for bit; a refusal is SP_EFORMAT naming the input;
 *  - the decoded format is the one sp_png.h's table gives for the file's
 *    colour type and depth, and no size passes SP_PNG_MAX_DIM;
 *  - rows land inside the caller's stride: the padding after each row is
 *    left as it was;
 *  - an image of another shape is refused (SP_EFORMAT, "decodes to");
 *  - a warm reader decoding the same input again asks the heap for
 *    nothing (sp_png_reader_heap_allocs does not move);
 *  - where the build inflates with ISA-L, inflating with libdeflate
 *    instead gives the same status and the same pixels (two independent
 *    zlib decoders on the same stream: one accepting what the other
 *    refuses would change what the reader accepts);
 *  - the direct path (io/png_fast.c) and libpng give the same status and
 *    the same pixels: the direct path only declines, never decides.
 * Random bytes seldom keep a chunk's CRC and the zlib stream's Adler-32
 * right, so they rarely reach the row filters. An input starting "RW" is
 * instead a recipe: byte 2 picks the colour type and depth (the five the
 * direct path decodes and grey+alpha, which it leaves to libpng), bytes
 * 3-4 the width (1..512), byte 5 the zlib level and the IDAT chunk size,
 * and the rest is the filtered scanlines, filter bytes included (up to 64
 * rows, the last padded with zeros), which the harness compresses with
 * zlib into a PNG whose CRCs are right.
 * Pixel memory is the harness's (as a source takes a pool block after the
 * probe), capped at HARNESS_MAX_BYTES so one input cannot take the fuzzing
 * process's memory; bounding what a header may claim is the source's job
 * (its budget and max frame size), not this reader's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zlib.h>

#include "png_fast_int.h"
#include "sp_png.h"

#define HARNESS_MAX_BYTES ((size_t)4 << 20)
#define PAD 6 /* bytes of padding after each row (a multiple of 2) */

static sp_png_reader *rd;
static int fd = -1;
static char path[64];

static void fail(const char *what, int rc)
{
    fprintf(stderr, "fuzz_png: %s (status %d: %s)\n", what, rc, sp_errmsg());
    abort();
}

static void check_refusal(int rc, const char *name, const char *where)
{
    if (rc != SP_EFORMAT || !strstr(sp_errmsg(), name))
        fail(where, rc);
}

static sp_pixfmt expected_format(const sp_png_info *in)
{
    int d16 = in->bit_depth == 16;
    switch (in->color_type) {
    case 0:
        return d16 ? SP_PIX_GRAY16 : SP_PIX_GRAY8;
    case 2:
        return d16 ? SP_PIX_RGB16 : SP_PIX_RGB8;
    case 3: /* palette: RGBA8 only with a tRNS chunk, which the header
             * alone does not show */
        return in->format == SP_PIX_RGBA8 ? SP_PIX_RGBA8 : SP_PIX_RGB8;
    case 4:
        return d16 ? SP_PIX_GRAY16 : SP_PIX_RGBA8;
    default:
        return d16 ? SP_PIX_RGB16 : SP_PIX_RGBA8;
    }
}

/* Room for the image with PAD bytes after every row, filled with a marker
 * so writes outside the rows show. */
static uint8_t *image_alloc(sp_image *img, const sp_png_info *in)
{
    size_t row = sp_image_row_bytes(in->width, in->format);
    size_t stride = row + PAD;
    size_t bytes = stride * in->height;
    uint8_t *mem = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!mem)
        return NULL;
    memset(mem, 0xA5, bytes);
    if (sp_image_init(img, mem, bytes, in->width, in->height, in->format,
                      stride) != SP_OK)
        fail("sp_image_init refused a probed shape", SP_EINVAL);
    return mem;
}

static void check_padding(const sp_image *img)
{
    size_t row = sp_image_row_bytes(img->width, img->format);
    for (uint32_t y = 0; y < img->height; y++)
        for (size_t k = row; k < img->stride; k++)
            if (sp_image_row(img, y)[k] != 0xA5)
                fail("a decode wrote past its row into the stride padding", 0);
}

static uint8_t *put_chunk(uint8_t *o, const char *type, const uint8_t *d,
                          uint32_t n)
{
    o[0] = (uint8_t)(n >> 24), o[1] = (uint8_t)(n >> 16);
    o[2] = (uint8_t)(n >> 8), o[3] = (uint8_t)n;
    memcpy(o + 4, type, 4);
    if (n)
        memcpy(o + 8, d, n);
    uLong c = crc32(0L, o + 4, 4 + n);
    o[8 + n] = (uint8_t)(c >> 24), o[9 + n] = (uint8_t)(c >> 16);
    o[10 + n] = (uint8_t)(c >> 8), o[11 + n] = (uint8_t)c;
    return o + 12 + n;
}

/* The PNG an "RW" recipe describes (see the top), in a malloc'd buffer;
 * NULL when the input is not one. */
static uint8_t *from_recipe(const uint8_t *data, size_t size, size_t *out_n)
{
    static const uint8_t kinds[][3] = {/* colour type, depth, bytes per pixel */
                                       {0, 8, 1},  {2, 8, 3},  {6, 8, 4},
                                       {0, 16, 2}, {2, 16, 6}, {4, 8, 2}};
    if (size < 6 || data[0] != 'R' || data[1] != 'W')
        return NULL;
    const uint8_t *k = kinds[data[2] % 6];
    uint32_t w = 1 + (((uint32_t)data[3] | (uint32_t)(data[4] & 1) << 8));
    size_t row = (size_t)w * k[2] + 1, rest = size - 6;
    size_t h = rest / row + (rest % row != 0);
    h = h < 1 ? 1 : h > 64 ? 64 : h;
    uint8_t *raw = calloc(h, row);
    if (!raw)
        return NULL;
    memcpy(raw, data + 6, rest < h * row ? rest : h * row);
    uLongf zn = compressBound((uLong)(h * row));
    uint8_t *z = malloc(zn);
    /* IDAT chunks of 1 byte up: the direct path gathers them */
    size_t chunk = (size_t)1 << (data[5] >> 4);
    size_t nchunks = (zn + chunk - 1) / chunk;
    uint8_t *png = malloc(8 + 25 + 12 * (nchunks + 1) + zn);
    if (!z || !png ||
        compress2(z, &zn, raw, (uLong)(h * row), (data[5] & 15) % 10) != Z_OK) {
        free(raw);
        free(z);
        free(png);
        return NULL;
    }
    static const uint8_t sig[8] = {137, 80, 78, 71, 13, 10, 26, 10};
    uint8_t ihdr[13] = {
        0, 0, (uint8_t)(w >> 8), (uint8_t)w, 0, 0, 0, (uint8_t)h, k[1], k[0], 0,
        0, 0};
    uint8_t *o = png;
    memcpy(o, sig, 8);
    o = put_chunk(o + 8, "IHDR", ihdr, 13);
    for (size_t at = 0; at < zn; at += chunk)
        o = put_chunk(o, "IDAT", z + at,
                      (uint32_t)(zn - at < chunk ? zn - at : chunk));
    o = put_chunk(o, "IEND", NULL, 0);
    *out_n = (size_t)(o - png);
    free(raw);
    free(z);
    return png;
}

/* The file decoded again into @p b (memory @p mb) with the direct path's
 * switch @p flag set: the status @p rm and the pixels @p ma of the first
 * decode, or a failure naming the two @p who. */
static void again_with(int *flag, const char *who, const uint8_t *copy,
                       size_t size, int rm, const uint8_t *ma, uint8_t *mb,
                       sp_image *b)
{
    char what[160];
    memset(mb, 0xA5, b->stride * b->height);
    *flag = 1;
    int r = sp_png_read_mem(rd, copy, size, "fz.png", b, NULL);
    *flag = 0;
    if (r != rm) {
        snprintf(what, sizeof what, "%s disagree on the status", who);
        fail(what, r);
    }
    if (r == SP_OK && memcmp(ma, mb, b->stride * b->height)) {
        snprintf(what, sizeof what, "%s gave other pixels", who);
        fail(what, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t made_n = 0;
    uint8_t *made = from_recipe(data, size, &made_n);
    if (made) {
        data = made;
        size = made_n;
    }
    if (!rd && sp_png_reader_create(&rd) != SP_OK)
        abort();
    if (fd < 0) {
        fd = memfd_create("fuzz.png", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);

    sp_png_info im = {0}, fi = {0};
    int rm = sp_png_probe_mem(rd, copy, size, "fz.png", &im);
    if (rm != SP_OK)
        check_refusal(rm, "fz.png", "probe_mem refused without a message");
    int rf = sp_png_probe(rd, path, &fi);
    if (rf != SP_OK)
        check_refusal(rf, path, "probe refused without a message");
    if (rm != rf || (rm == SP_OK && memcmp(&im, &fi, sizeof im) != 0))
        fail("probe_mem and probe disagree", rm);
    if (rm != SP_OK)
        goto out;
    if (im.width == 0 || im.height == 0 || im.width > SP_PNG_MAX_DIM ||
        im.height > SP_PNG_MAX_DIM)
        fail("probe accepted a size outside 1..SP_PNG_MAX_DIM", 0);
    if (im.format != expected_format(&im))
        fail("decoded format is not the one sp_png.h promises", 0);

    size_t bytes = (sp_image_row_bytes(im.width, im.format) + PAD) * im.height;
    if (bytes > HARNESS_MAX_BYTES)
        goto out;
    sp_image a, b;
    uint8_t *ma = image_alloc(&a, &im), *mb = image_alloc(&b, &im);
    if (!ma || !mb) {
        free(ma);
        free(mb);
        goto out;
    }
    sp_png_info ia, ib;
    rm = sp_png_read_mem(rd, copy, size, "fz.png", &a, &ia);
    if (rm != SP_OK)
        check_refusal(rm, "fz.png", "read_mem refused without a message");
    rf = sp_png_read(rd, path, &b, &ib);
    if (rf != SP_OK)
        check_refusal(rf, path, "read refused without a message");
    if (rm != rf)
        fail("read_mem and read disagree", rm);
    if (rm == SP_OK) {
        if (memcmp(&ia, &im, sizeof ia) || memcmp(&ib, &im, sizeof ib))
            fail("read's header differs from probe's", 0);
        if (memcmp(ma, mb, b.stride * b.height))
            fail("read_mem and read decoded different pixels", 0);
        check_padding(&a);
        /* Warm: the arena grew to this file's high-water mark at the last
         * reset, so decoding it again takes nothing from the heap, and
         * gives the same pixels. */
        uint64_t before = sp_png_reader_heap_allocs(rd);
        if (sp_png_read_mem(rd, copy, size, "fz.png", &b, NULL) != SP_OK)
            fail("a second decode of an accepted file failed", 0);
        if (sp_png_reader_heap_allocs(rd) != before)
            fail("a warm reader allocated from the heap", 0);
        if (memcmp(ma, mb, b.stride * b.height))
            fail("a second decode gave other pixels", 0);
    }
    sp__png_fast *f = sp__png_reader_fast(rd);
    if (strcmp(sp_png_inflater(), "libdeflate"))
        again_with(&f->libdeflate_only, "ISA-L's and libdeflate's inflate",
                   copy, size, rm, ma, mb, &b);
    again_with(&f->disabled, "the direct path and libpng", copy, size, rm, ma,
               mb, &b);
    /* Another shape: refused after the header, before any row. */
    sp_image wrong = a;
    wrong.width = a.width > 1 ? a.width - 1 : a.width;
    wrong.height = a.width > 1 ? a.height : a.height - 1;
    if (wrong.height > 0) {
        rm = sp_png_read_mem(rd, copy, size, "fz.png", &wrong, NULL);
        if (rm != SP_EFORMAT || !strstr(sp_errmsg(), "decodes to"))
            fail("an image of another shape was not refused", rm);
    }
    free(ma);
    free(mb);
out:
    free(copy);
    free(made);
    return 0;
}
