/* libFuzzer target: a PNG on arbitrary bytes through the reader and its
 * arena (io/png_read.c, io/png_arena.c), both ways in: from memory
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
 *    refuses would change what the reader accepts).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
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
    if (strcmp(sp_png_inflater(), "libdeflate")) {
        sp__png_fast *f = sp__png_reader_fast(rd);
        memset(mb, 0xA5, b.stride * b.height);
        f->libdeflate_only = 1;
        int rl = sp_png_read_mem(rd, copy, size, "fz.png", &b, NULL);
        f->libdeflate_only = 0;
        if (rl != rm)
            fail("ISA-L's and libdeflate's inflate disagree on the status", rl);
        if (rl == SP_OK && memcmp(ma, mb, b.stride * b.height))
            fail("ISA-L's and libdeflate's inflate gave other pixels", 0);
    }
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
    return 0;
}
