/* sensorpipe: PNG files to and from packed images (libpng).
 *
 * Reading is two steps so that a lazy source can size its pool block before
 * it decodes: sp_png_probe() reads the header and says the width, height and
 * pixel format the file decodes to; the caller lays out an sp_image of that
 * shape in its own memory (a pool block) and sp_png_read() decodes into it,
 * honouring the image's stride. Decoded formats:
 *
 *   file colour type         decoded as
 *   gray 1/2/4/8 bit         SP_PIX_GRAY8 (low depths scaled up to 0..255)
 *   gray 16 bit              SP_PIX_GRAY16, host-endian
 *   gray+alpha 8 bit         SP_PIX_RGBA8 (gray copied to R, G and B)
 *   gray+alpha 16 bit        SP_PIX_GRAY16, alpha dropped (no 16-bit RGBA)
 *   RGB 8 bit                SP_PIX_RGB8
 *   RGB 16 bit               SP_PIX_RGB16, host-endian
 *   RGBA 8 bit               SP_PIX_RGBA8
 *   RGBA 16 bit              SP_PIX_RGB16, alpha dropped (no 16-bit RGBA)
 *   palette                  SP_PIX_RGB8, or SP_PIX_RGBA8 with a tRNS chunk
 *
 * Interlaced files are decoded too. Files wider or taller than
 * SP_PNG_MAX_DIM, and files whose IDAT chunks are too small to hold the
 * pixels their header claims (deflate expands at most 1032:1), are refused
 * by the probe, before anything is sized from them.
 *
 * Memory: libpng allocates its structures (png_struct, info, zlib's inflate
 * window, row buffers) for every file. The reader serves all of them from an
 * arena it owns and reuses, so that after the first file of a given shape
 * decoding allocates nothing from the heap; a request that does not fit is
 * taken from malloc once and the arena grows to the high-water mark at the
 * next file. File bytes are read with read(2) through a fixed buffer, not
 * stdio. What remains per file: nothing once warm.
 *
 * Writing (sp_png_writer_image, sp_png_writer_plane) goes through a
 * temporary file in the same directory that is renamed over the target when
 * complete and removed on any failure. Float data is written as a colour-mapped
 * picture (the "turbo" map), with the value range that maps to the ends of
 * the colour scale stored in a tEXt chunk, key "sensorpipe:range", text
 * "min max" (printf %.9g). Empty pixels (NaN and -1 by default, see
 * sp_png_empty) are black. A reusable sp_png_writer serves libpng's structures
 * and zlib's deflate state from its own arena, like the reader, so a warm
 * writer allocates nothing per file; sp_png_write_image() /
 * sp_png_write_plane() are one-shot conveniences that create a temporary writer
 * (they allocate).
 *
 * Errors: SP_EFORMAT for a corrupt, truncated or non-PNG file, with the file
 * name and what libpng reported; SP_EIO for system failures with the path
 * and strerror. libpng never prints: its warnings are discarded and its
 * errors become the message. */
#ifndef SP_PNG_H
#define SP_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_poolmgr.h"
#include "sp_status.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest width or height accepted when reading. */
#define SP_PNG_MAX_DIM 32768u

/** What a PNG file decodes to. */
typedef struct sp_png_info {
    uint32_t width, height;
    sp_pixfmt format;   /**< as in the table above */
    uint8_t bit_depth;  /**< the file's bits per sample (1..16) */
    uint8_t color_type; /**< the file's PNG colour type (0,2,3,4,6) */
    uint8_t interlaced; /**< 1 for Adam7 */
} sp_png_info;

/** A reusable PNG decoder: its memory arena and read buffer. One per
 *  thread (not thread-safe); create once, use for every file. */
typedef struct sp_png_reader sp_png_reader;

/** New reader. *out = NULL on entry. SP_ENOMEM. */
int sp_png_reader_create(sp_png_reader **out);

/** Free a reader and its arena. NULL is a no-op. */
void sp_png_reader_destroy(sp_png_reader *r);

/** Charge the reader's memory (its arena and whatever libpng asks beyond
 *  it) to @p mgr's budget from now on (borrowed; it must outlive the reader
 *  or be replaced by NULL before the manager goes). NULL (the default)
 *  charges nothing: libpng's memory is then bounded only by
 *  SP_PNG_MAX_DIM. SP_EBUDGET when the budget cannot cover the arena now;
 *  later, a refused charge makes probe or read fail with SP_EBUDGET and the
 *  budget's message, naming the file. */
int sp_png_reader_set_poolmgr(sp_png_reader *r, sp_poolmgr *mgr);

/** Heap allocations libpng requested that the arena could not serve, since
 *  the reader was created (0 after warm-up means none per frame). */
uint64_t sp_png_reader_heap_allocs(const sp_png_reader *r);

/** Read the header of @p path (borrowed) and fill @p info.
 *  @p r may be NULL (a temporary reader is used; it allocates).
 *  SP_EIO (cannot open/read: path and strerror), SP_EFORMAT (not a PNG,
 *  corrupt or truncated header, larger than SP_PNG_MAX_DIM, or IDAT
 *  chunks too small to inflate to the pixels the header claims — the
 *  message names the file, the sizes and the IDAT bytes found), SP_EBUDGET
 *  (a reader with a pool manager). */
int sp_png_probe(sp_png_reader *r, const char *path, sp_png_info *info);

/** Decode @p path into @p img (borrowed), whose data, stride, width, height
 *  and format the caller has set up, normally with sp_image_init() from a
 *  probe. The file must decode to exactly that width, height and format,
 *  else SP_EFORMAT naming both shapes (e.g. the file changed since the
 *  probe). @p info, if not NULL, receives the header. @p r may be NULL.
 *  Returns SP_OK, SP_EINVAL (bad image), SP_EIO, SP_EFORMAT (corrupt or
 *  truncated data: path and libpng's words). On failure the image's pixels
 *  are unspecified. */
int sp_png_read(sp_png_reader *r, const char *path, sp_image *img,
                sp_png_info *info);

/** The library that inflates a PNG's pixel data on the direct decode path:
 *  "isa-l" (Intel ISA-L, where the build found libisal) or "libdeflate".
 *  A static string; `sensorpipe devices` prints it. */
const char *sp_png_inflater(void);

/** As sp_png_probe(), for a PNG held in memory: @p n bytes at @p data
 *  (borrowed; a CompressedImage's payload). @p name (borrowed, NULL =
 *  "png data") names the input in messages. @p r may be NULL. SP_EFORMAT
 *  (not a PNG, corrupt or truncated header, larger than SP_PNG_MAX_DIM). */
int sp_png_probe_mem(sp_png_reader *r, const uint8_t *data, size_t n,
                     const char *name, sp_png_info *info);

/** As sp_png_read(), for a PNG held in memory (see sp_png_probe_mem()).
 *  Returns SP_OK, SP_EINVAL (bad image), SP_EFORMAT (corrupt or truncated
 *  data, or a shape other than @p img's). */
int sp_png_read_mem(sp_png_reader *r, const uint8_t *data, size_t n,
                    const char *name, sp_image *img, sp_png_info *info);

/** Which float values are "empty" (drawn black, left out of the range). */
typedef enum sp_png_empty {
    SP_PNG_EMPTY_NAN_NEG1 = 0, /**< NaN and exactly -1 (the range image's mark
                                    for no return): the default */
    SP_PNG_EMPTY_NAN,          /**< NaN only (-1 is a value, e.g. in a
                                    normalised tensor) */
    SP_PNG_EMPTY_NEGATIVE      /**< NaN and every negative value */
} sp_png_empty;

/** How float data becomes colours. Zero-initialised = automatic range from
 *  the finite, non-empty values; NaN and -1 empty. */
typedef struct sp_png_cmap {
    float lo, hi;       /**< value range; lo == hi means "use the data's finite
                             min and max" */
    sp_png_empty empty; /**< which values are empty */
} sp_png_cmap;

/** A reusable PNG encoder: its arena, output buffer and row buffer. One per
 *  thread (not thread-safe). */
typedef struct sp_png_writer sp_png_writer;

/** New writer. *out = NULL on entry. SP_ENOMEM. */
int sp_png_writer_create(sp_png_writer **out);

/** Free a writer. NULL is a no-op. */
void sp_png_writer_destroy(sp_png_writer *w);

/** Heap allocations libpng/zlib requested that the arena could not serve
 *  since the writer was created. */
uint64_t sp_png_writer_heap_allocs(const sp_png_writer *w);

/** As sp_png_write_image(), with a reusable writer @p w (borrowed). */
int sp_png_writer_image(sp_png_writer *w, const char *path, const sp_image *img,
                        const sp_png_cmap *cmap);

/** As sp_png_write_plane(), with a reusable writer @p w (borrowed). */
int sp_png_writer_plane(sp_png_writer *w, const char *path, const sp_tensor *t,
                        size_t channel, const sp_png_cmap *cmap);

/** Write @p img (borrowed) to @p path. GRAY8, GRAY16, RGB8, RGBA8, RGB16 as
 *  themselves; BGR8 as RGB (channels swapped by libpng); the Bayer formats
 *  as gray of the same depth (the raw mosaic); F32 colour-mapped with
 *  @p cmap (NULL = defaults). NV12 and YUYV give SP_EUNSUPPORTED (convert
 *  first). Returns SP_OK, SP_EINVAL, SP_EUNSUPPORTED, SP_EIO. */
int sp_png_write_image(const char *path, const sp_image *img,
                       const sp_png_cmap *cmap);

/** Write one 2-D plane of tensor @p t (borrowed): a 2-D tensor (H, W) is the
 *  plane itself (@p channel must be 0); a 3-D tensor (C, H, W) or 4-D
 *  (1, C, H, W) gives plane @p channel. U8 and U16 planes are written as
 *  gray of that depth, F32 and I32 colour-mapped with @p cmap.
 *  Returns SP_OK, SP_EINVAL (bad shape or channel), SP_EIO. */
int sp_png_write_plane(const char *path, const sp_tensor *t, size_t channel,
                       const sp_png_cmap *cmap);

/** Number of planes sp_png_write_plane() accepts for @p t: 1 for 2-D, C for
 *  (C, H, W) and (1, C, H, W), 0 for a shape it cannot write. */
size_t sp_png_plane_count(const sp_tensor *t);

/** The colour map, 256 RGB entries (turbo), for tests and legends. */
const uint8_t *sp_png_cmap_table(void);

#ifdef __cplusplus
}
#endif
#endif
