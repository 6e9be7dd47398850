/* libFuzzer target: a PCD file (header + ascii, binary or binary_compressed
 * data) on arbitrary bytes, read two ways that must agree:
 *  1. in memory: the header parser, the header/file-size check and the
 *     data decoder, each given an exact-size heap copy (no NUL, no slack),
 *     so ASan catches any read past it;
 *  2. through the public reader (sp_pcd_reader_create/shape/read) on the
 *     same bytes in a memfd opened by its /proc/self/fd path, which adds the
 *     reader's own size checks, positioned reads and grow-only buffers.
 * Both must give the same status and, on success, the same points; every
 * refusal must carry a message. Point memory is sized from the checked
 * header only (as a pipeline does), exactly, and laid out as its plan (the
 * extra channels included), so a write past POINTS or past an extra's
 * array is an ASan error too. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pcd_int.h"

/* Keep memory per input bounded: the header check ties POINTS to the file
 * size, and inputs are at most a few KiB, so this is never reached by a
 * header the check accepts; it guards the harness, not the library. */
#define MAX_POINTS (1u << 20)

/* Laid out as the header plans (the extras included), so that both paths
 * decode every field. */
static void *points_alloc(sp_points *p, size_t cap, const sp_points_layout *l)
{
    size_t bytes = sp_points_block_size_layout(cap ? cap : 1, l);
    if (bytes == 0)
        abort(); /* the header's plan must be a valid layout */
    void *mem = aligned_alloc(SP_ARRAY_ALIGN, (bytes + 63) & ~(size_t)63);
    if (!mem)
        return NULL;
    if (sp_points_init_layout(p, mem, bytes, cap ? cap : 1, l) != SP_OK)
        abort();
    return mem;
}

static void require_message(int rc, const char *where)
{
    if (rc < 0 && sp_errmsg()[0] == '\0') {
        fprintf(stderr, "%s: status %d without a message\n", where, rc);
        abort();
    }
}

/* The header read_memory() parsed, when it parsed one. */
static sp_pcd_header h;
static int have_h;

/* In memory. Returns the status; *mem_out/p hold the points on SP_OK. */
static int read_memory(const uint8_t *data, size_t size, sp_points *p,
                       void **mem_out)
{
    static sp__iobuf scratch; /* grow-only, as a reader's */
    have_h = 0;
    *mem_out = NULL;
    size_t n = size < SP_PCD_MAX_HEADER ? size : SP_PCD_MAX_HEADER;
    char *head = malloc(n ? n : 1);
    if (!head)
        return SP_ENOMEM;
    memcpy(head, data, n);
    int rc = sp_pcd_header_parse(head, n, "fuzz.pcd", &h);
    free(head);
    if (rc == SP_OK)
        rc = sp_pcd_header_check(&h, size, "fuzz.pcd");
    require_message(rc, "header");
    if (rc != SP_OK)
        return rc;
    have_h = 1;
    size_t len = size - h.data_offset;
    /* binary_compressed: POINTS is bounded by the two size words, which the
     * header check cannot see; check them before sizing anything from
     * POINTS, as the reader's shape() does. */
    if (h.encoding == SP_PCD_BINARY_COMPRESSED && h.points > 0) {
        uint32_t csize, usize;
        if (len < 8)
            return SP_EFORMAT; /* the reader's 8-byte read fails the same */
        memcpy(&csize, data + h.data_offset, 4);
        memcpy(&usize, data + h.data_offset + 4, 4);
        rc = sp__pcd_check_compressed(&h, csize, usize, len, "fuzz.pcd");
        require_message(rc, "compressed sizes");
        if (rc != SP_OK)
            return rc;
    }
    if (h.points > MAX_POINTS)
        abort(); /* the checks let through more points than the bytes hold */
    uint8_t *copy = malloc(len ? len : 1);
    void *mem = points_alloc(p, (size_t)h.points, &h.layout);
    if (!copy || !mem) {
        free(copy);
        free(mem);
        return SP_ENOMEM;
    }
    memcpy(copy, data + h.data_offset, len);
    rc = sp__pcd_decode(&h, copy, len, "fuzz.pcd", p, &scratch);
    free(copy);
    require_message(rc, "decode");
    if (rc == SP_OK && p->count != h.points)
        abort();
    if (rc == SP_OK)
        *mem_out = mem;
    else
        free(mem);
    return rc;
}

/* Through the public reader on a memfd holding the bytes. */
static int read_file(const uint8_t *data, size_t size, sp_points *p,
                     void **mem_out)
{
    static int fd = -1;
    static char path[64];
    *mem_out = NULL;
    if (fd < 0) {
        fd = memfd_create("fuzz.pcd", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        abort();

    sp_pcd_reader *r = NULL;
    int rc = sp_pcd_reader_create(path, &r);
    if (rc != SP_OK)
        abort(); /* a one-file list of an existing file */
    size_t points = 0;
    unsigned fields = 0;
    rc = sp_pcd_reader_shape(r, 0, &points, &fields);
    require_message(rc, "shape");
    if (rc == SP_OK) {
        if (points > MAX_POINTS || !sp_pcd_reader_header(r))
            abort();
        void *mem = points_alloc(p, points, &sp_pcd_reader_header(r)->layout);
        if (!mem) {
            sp_pcd_reader_destroy(r);
            return SP_ENOMEM;
        }
        rc = sp_pcd_reader_read(r, 0, p);
        require_message(rc, "read");
        if (rc == SP_OK && p->count != points)
            abort();
        if (rc == SP_OK)
            *mem_out = mem;
        else
            free(mem);
    }
    sp_pcd_reader_destroy(r);
    return rc;
}

static int same(float a, float b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sp_points a, b;
    void *ma, *mb;
    int ra = read_memory(data, size, &a, &ma);
    int rb = read_file(data, size, &b, &mb);
    if (ra == SP_ENOMEM || rb == SP_ENOMEM)
        goto out;
    /* One known difference: for POINTS 0 binary_compressed the reader does
     * not look at the two size words (there is nothing to decode), while
     * the decoder, handed the bytes after the header, checks them. */
    int empty_compressed =
        have_h && h.points == 0 && h.encoding == SP_PCD_BINARY_COMPRESSED;
    if ((ra == SP_OK) != (rb == SP_OK) && !empty_compressed) {
        fprintf(stderr, "memory path %s, reader %s: %s\n", sp_status_name(ra),
                sp_status_name(rb), sp_errmsg());
        abort();
    }
    if (ra == SP_OK && rb == SP_OK) {
        if (a.count != b.count)
            abort();
        for (size_t i = 0; i < a.count; i++) {
            if (!same(a.x[i], b.x[i]) || !same(a.y[i], b.y[i]) ||
                !same(a.z[i], b.z[i]) || !same(a.intensity[i], b.intensity[i]))
                abort();
            if (b.ring && a.ring[i] != b.ring[i])
                abort();
            if (b.time && !same(a.time[i], b.time[i]))
                abort();
        }
        if (a.nextra != b.nextra)
            abort();
        for (unsigned k = 0; k < a.nextra; k++)
            if (memcmp(a.extra[k].data, b.extra[k].data,
                       a.count * sp_points_extra_stride(&a.extra[k])))
                abort();
    }
out:
    free(ma);
    free(mb);
    return 0;
}
