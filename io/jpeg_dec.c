/* JPEG decoding with libjpeg-turbo, allocation-free once warm (see
 * jpeg_int.h).
 *
 * The decompressor is created once and reused for every image, as
 * TurboJPEG's handle is, and driven the way TurboJPEG's tjDecompress2()
 * drives it (so the pixels are TurboJPEG's, byte for byte): the bytes from
 * memory, with a fake EOI after a truncated stream (a warning); RGB or
 * grayscale out; the islow IDCT; rows straight into the caller's image.
 * libjpeg reports errors by calling error_exit, which must not return:
 * ours keeps the message and longjmps back to the call, which aborts the
 * image (its pool goes back to the arena) and returns SP_EFORMAT. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>

#include "error_int.h"
#include "jpeg_int.h"

#define ROWS_PER_CALL 16

struct sp__jpeg_dec {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    struct jpeg_source_mgr src;
    sp__jpeg_mem mem;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
};

static void on_error(j_common_ptr cinfo)
{
    sp__jpeg_dec *d = cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, d->msg);
    longjmp(d->jump, 1);
}

/* Warnings (level -1) and trace messages: not failures, and the library
 * never prints (libjpeg's default writes them to stderr). */
static void on_message(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level;
}

/* ---- the bytes, from memory ---- */

/* init_source and term_source: nothing to open or close. */
static void src_nothing(j_decompress_ptr cinfo)
{
    (void)cinfo;
}

/* Past the end: an EOI marker, and a warning, as libjpeg's own memory
 * source does, so a cut stream decodes as far as its data go. */
static boolean src_fill(j_decompress_ptr cinfo)
{
    static const JOCTET eoi[2] = {0xFF, JPEG_EOI};
    cinfo->err->msg_code = JWRN_JPEG_EOF;
    (*cinfo->err->emit_message)((j_common_ptr)cinfo, -1);
    cinfo->src->next_input_byte = eoi;
    cinfo->src->bytes_in_buffer = 2;
    return TRUE;
}

static void src_skip(j_decompress_ptr cinfo, long n)
{
    struct jpeg_source_mgr *s = cinfo->src;
    if (n <= 0)
        return;
    while ((size_t)n > s->bytes_in_buffer) {
        n -= (long)s->bytes_in_buffer;
        (void)src_fill(cinfo);
    }
    s->next_input_byte += n;
    s->bytes_in_buffer -= (size_t)n;
}

static void src_set(sp__jpeg_dec *d, const uint8_t *p, size_t n)
{
    d->src.next_input_byte = p;
    d->src.bytes_in_buffer = n;
}

/* ---- the decoder ---- */

int sp__jpeg_dec_create(sp__jpeg_dec **out)
{
    *out = NULL;
    sp__jpeg_dec *d = calloc(1, sizeof *d);
    if (!d)
        return sp__fail(SP_ENOMEM, "jpeg decoder: out of memory");
    int rc = sp__jpeg_mem_init(&d->mem);
    if (rc < 0) {
        free(d);
        return rc;
    }
    d->cinfo.err = jpeg_std_error(&d->err);
    d->err.error_exit = on_error;
    d->err.emit_message = on_message;
    d->cinfo.client_data = d;
    if (setjmp(d->jump)) {
        /* only an allocation can fail here */
        rc = sp__fail(SP_ENOMEM, "jpeg decoder: libjpeg: %s", d->msg);
        jpeg_destroy_decompress(&d->cinfo);
        sp__jpeg_mem_deinit(&d->mem);
        free(d);
        return rc;
    }
    jpeg_create_decompress(&d->cinfo);
    sp__jpeg_mem_install(&d->mem, (j_common_ptr)&d->cinfo);
    d->src.init_source = src_nothing;
    d->src.fill_input_buffer = src_fill;
    d->src.skip_input_data = src_skip;
    d->src.resync_to_restart = jpeg_resync_to_restart;
    d->src.term_source = src_nothing;
    d->cinfo.src = &d->src;
    *out = d;
    return SP_OK;
}

void sp__jpeg_dec_destroy(sp__jpeg_dec *d)
{
    if (!d)
        return;
    jpeg_destroy_decompress(&d->cinfo);
    sp__jpeg_mem_deinit(&d->mem);
    free(d);
}

int sp__jpeg_dec_set_poolmgr(sp__jpeg_dec *d, sp_poolmgr *mgr)
{
    sp__arena *perm = &d->mem.pool[JPOOL_PERMANENT];
    sp__arena *image = &d->mem.pool[JPOOL_IMAGE];
    sp_poolmgr *old = perm->mgr;
    SP_TRY(sp__arena_set_poolmgr(perm, mgr));
    int rc = sp__arena_set_poolmgr(image, mgr);
    /* On failure, back: the old manager has just had these bytes back, so
     * it can take them again; should another thread have taken that room
     * since, the arena is left uncharged rather than on the new one. */
    if (rc < 0 && sp__arena_set_poolmgr(perm, old) < 0)
        (void)sp__arena_set_poolmgr(perm, NULL);
    return rc;
}

const char *sp__jpeg_dec_message(const sp__jpeg_dec *d)
{
    return d->msg;
}

/* SP_EBUDGET when the arena's charge was refused (its message stands),
 * else SP_EFORMAT with libjpeg's words. */
static int failed(sp__jpeg_dec *d)
{
    int refused = d->mem.pool[JPOOL_PERMANENT].refused ||
                  d->mem.pool[JPOOL_IMAGE].refused;
    jpeg_abort_decompress(&d->cinfo);
    return refused ? SP_EBUDGET : SP_EFORMAT;
}

int sp__jpeg_dec_info(sp__jpeg_dec *d, const uint8_t *p, size_t n,
                      sp__jpeg_info *out)
{
    memset(out, 0, sizeof *out);
    d->msg[0] = '\0';
    d->mem.pool[JPOOL_PERMANENT].refused = 0;
    d->mem.pool[JPOOL_IMAGE].refused = 0;
    src_set(d, p, n);
    if (setjmp(d->jump))
        return failed(d);
    int hr = jpeg_read_header(&d->cinfo, FALSE);
    if (hr == JPEG_HEADER_OK) {
        out->width = d->cinfo.image_width;
        out->height = d->cinfo.image_height;
        out->components = d->cinfo.num_components;
        out->progressive = d->cinfo.progressive_mode;
        switch (d->cinfo.jpeg_color_space) {
        case JCS_GRAYSCALE:
            out->kind = SP__JPEG_GRAY;
            break;
        case JCS_YCbCr:
        case JCS_RGB:
            out->kind = SP__JPEG_COLOUR;
            break;
        case JCS_CMYK:
            out->kind = SP__JPEG_CMYK;
            break;
        case JCS_YCCK:
            out->kind = SP__JPEG_YCCK;
            break;
        default:
            out->kind = SP__JPEG_OTHER;
            break;
        }
    }
    jpeg_abort_decompress(&d->cinfo);
    return SP_OK;
}

int sp__jpeg_dec_decode(sp__jpeg_dec *d, const uint8_t *p, size_t n, int gray,
                        uint8_t *dst, size_t stride, uint32_t w, uint32_t h,
                        size_t work, const char *what)
{
    d->msg[0] = '\0';
    d->mem.pool[JPOOL_PERMANENT].refused = 0;
    SP_TRY(sp__arena_reset(&d->mem.pool[JPOOL_IMAGE], what, work));
    src_set(d, p, n);
    /* volatile: changed between setjmp and a possible longjmp */
    volatile uint32_t row = 0;
    if (setjmp(d->jump))
        return failed(d);
    if (jpeg_read_header(&d->cinfo, TRUE) != JPEG_HEADER_OK) {
        snprintf(d->msg, sizeof d->msg, "no image (tables only)");
        jpeg_abort_decompress(&d->cinfo);
        return SP_EFORMAT;
    }
    d->cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_EXT_RGB;
    d->cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&d->cinfo);
    if (d->cinfo.output_width != w || d->cinfo.output_height != h ||
        d->cinfo.output_components != (gray ? 1 : 3)) {
        snprintf(d->msg, sizeof d->msg,
                 "decodes to %ux%u with %d components, expected %ux%u with %d",
                 d->cinfo.output_width, d->cinfo.output_height,
                 d->cinfo.output_components, w, h, gray ? 1 : 3);
        jpeg_abort_decompress(&d->cinfo);
        return SP_EFORMAT;
    }
    while (row < h) {
        JSAMPROW rows[ROWS_PER_CALL];
        uint32_t k = h - row < ROWS_PER_CALL ? h - row : ROWS_PER_CALL;
        for (uint32_t i = 0; i < k; i++)
            rows[i] = dst + (size_t)(row + i) * stride;
        JDIMENSION got = jpeg_read_scanlines(&d->cinfo, rows, k);
        if (got == 0) { /* cannot happen with a memory source */
            snprintf(d->msg, sizeof d->msg, "stopped at row %u of %u",
                     (unsigned)row, h);
            jpeg_abort_decompress(&d->cinfo);
            return SP_EFORMAT;
        }
        row += got;
    }
    jpeg_finish_decompress(&d->cinfo);
    return SP_OK;
}
