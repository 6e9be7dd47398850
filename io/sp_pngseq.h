/* sensorpipe: a folder of PNG images as one camera stream, read lazily.
 *
 * Lists the folder's .png files in name order (or takes one file); each
 * image is probed (size query: width, height, decoded format) and decoded
 * only when asked for, through one reused sp_png_reader (see sp_png.h for
 * the formats and the allocation-free arena).
 *
 * Thread safety: one thread per sequence. */
#ifndef SP_PNGSEQ_H
#define SP_PNGSEQ_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_png.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_pngseq sp_pngseq;

/** Open a .png file or a folder of them. SP_ENOTFOUND for a missing path
 *  or a folder with no .png; SP_ENOMEM. */
int sp_pngseq_create(const char *path, sp_pngseq **out);

/** Free the sequence. NULL is a no-op. */
void sp_pngseq_destroy(sp_pngseq *s);

/** Charge the PNG reader's memory (libpng's arena) to @p mgr's budget
 *  (borrowed; see sp_png_reader_set_poolmgr). NULL (the default) charges
 *  nothing. SP_EBUDGET when the budget cannot cover the arena. */
int sp_pngseq_set_poolmgr(sp_pngseq *s, sp_poolmgr *mgr);

/** Number of images. */
size_t sp_pngseq_count(const sp_pngseq *s);

/** Path of image @p i (borrowed; valid while @p s lives); "" if out of
 *  range. */
const char *sp_pngseq_path(const sp_pngseq *s, size_t i);

/** Size query: read image @p i's header. SP_EFORMAT for a file that is not
 *  a PNG, or whose header claims more pixels than its data can hold
 *  (message from the PNG reader, naming the file). */
int sp_pngseq_shape(sp_pngseq *s, size_t i, sp_png_info *info);

/** Decode image @p i into @p dst (laid out by the caller to the shape). */
int sp_pngseq_read(sp_pngseq *s, size_t i, sp_image *dst);

#ifdef __cplusplus
}
#endif
#endif
