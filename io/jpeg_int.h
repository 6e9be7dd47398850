/* Internal to io/: JPEG decoding with libjpeg-turbo (the libjpeg API, as
 * TurboJPEG's own wrapper drives it) straight into the caller's rows, with
 * every byte libjpeg allocates served by the decoder's two arenas
 * (arena_int.h) through a memory manager of ours (jpeg_mem.c): libjpeg's
 * own takes every buffer of an image from malloc and frees it after, ~10
 * heap allocations a frame, where a warm sp__jpeg_dec makes none.
 *
 * One decoder per thread. Errors: SP_EFORMAT with libjpeg's words in
 * sp__jpeg_dec_message(); SP_EBUDGET / SP_ENOMEM with their message set
 * (sp_errmsg()). */
#ifndef SP_JPEG_INT_H
#define SP_JPEG_INT_H

/* jpeglib.h needs size_t and FILE declared before it */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jpeglib.h>

#include "arena_int.h"
#include "sp_poolmgr.h"

/* ---- the memory manager (jpeg_mem.c) ---- */

typedef struct sp__jpeg_mem {
    struct jpeg_memory_mgr pub;     /* first: libjpeg sees only this */
    struct jpeg_memory_mgr *own;    /* libjpeg's, put back for destroy */
    sp__arena pool[JPOOL_NUMPOOLS]; /* JPOOL_PERMANENT, JPOOL_IMAGE */
    struct sp__jpeg_virt *virt;     /* the image's virtual arrays */
} sp__jpeg_mem;

/* Arenas ready; SP_ENOMEM. Then sp__jpeg_mem_install() after
 * jpeg_create_decompress(). */
int sp__jpeg_mem_init(sp__jpeg_mem *m);
/* Serve @p cinfo's allocations from now on (libjpeg's manager keeps what
 * it allocated at creation, and gets control back at destroy). */
void sp__jpeg_mem_install(sp__jpeg_mem *m, j_common_ptr cinfo);
/* After jpeg_destroy_decompress(). */
void sp__jpeg_mem_deinit(sp__jpeg_mem *m);

/* ---- the decoder (jpeg_dec.c) ---- */

typedef enum {
    SP__JPEG_GRAY,   /* decodes to gray8 */
    SP__JPEG_COLOUR, /* YCbCr or RGB: decodes to rgb8 */
    SP__JPEG_CMYK,
    SP__JPEG_YCCK,
    SP__JPEG_OTHER /* components in no colour space libjpeg knows */
} sp__jpeg_kind;

typedef struct sp__jpeg_info {
    uint32_t width, height;
    int components;
    int progressive; /* every coefficient is kept while decoding */
    sp__jpeg_kind kind;
} sp__jpeg_info;

typedef struct sp__jpeg_dec sp__jpeg_dec;

int sp__jpeg_dec_create(sp__jpeg_dec **out);
void sp__jpeg_dec_destroy(sp__jpeg_dec *d);

/* Charge the arenas to @p mgr (borrowed; NULL = nothing charged), off the
 * previous one; SP_EBUDGET leaves the charges where they were. */
int sp__jpeg_dec_set_poolmgr(sp__jpeg_dec *d, sp_poolmgr *mgr);

/* The header of the @p n bytes at @p p. SP_EFORMAT when libjpeg refuses
 * it; a stream of tables only (or cut before its frame) gives width 0. */
int sp__jpeg_dec_info(sp__jpeg_dec *d, const uint8_t *p, size_t n,
                      sp__jpeg_info *out);

/* Decode into @p h rows of @p w pixels at @p dst, @p stride bytes apart,
 * gray8 (@p gray) or rgb8, with the islow IDCT and fancy upsampling
 * (TurboJPEG's TJFLAG_ACCURATEDCT). The image arena first grows to @p work
 * bytes if smaller, charged as "@p what: libjpeg's working memory". A
 * warning (a truncated scan, extraneous bytes) is not a failure. */
int sp__jpeg_dec_decode(sp__jpeg_dec *d, const uint8_t *p, size_t n, int gray,
                        uint8_t *dst, size_t stride, uint32_t w, uint32_t h,
                        size_t work, const char *what);

/* libjpeg's message for the last SP_EFORMAT. */
const char *sp__jpeg_dec_message(const sp__jpeg_dec *d);

#endif
