/* sensorpipe: headerless raw image frames, as cameras and ISPs dump them.
 *
 * A file holds one or more frames back to back, each `height` rows of
 * `stride` bytes (NV12: `height` luma rows then `height / 2` rows of
 * interleaved UV, same stride). Formats: every sp_pixfmt — gray8, gray16,
 * bayer_rggb8 / bggr8 / grbg8 / gbrg8, the same patterns in 16 bits, rgb8,
 * bgr8, rgba8, bgra8, rgb16, nv12, yuyv, uyvy, f32; 16-bit samples and f32
 * are little-endian (16-bit: any bit depth up to 16). A folder is a sequence of
 * such files in name order (files ending .txt are ignored).
 *
 * Thread safety: one thread per reader. */
#ifndef SP_RAWIMG_H
#define SP_RAWIMG_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest width or height accepted. */
#define SP_RAW_MAX_DIM 65536u

typedef struct sp_raw_desc {
    uint32_t width, height; /**< required */
    sp_pixfmt format;       /**< one of the formats above */
    size_t stride;          /**< bytes per row in the file; 0 = no padding */
    uint8_t bit_depth;      /**< 16-bit formats: significant bits 1..16;
                                 0 = 16. Must be 0 or 8 for 8-bit ones. */
} sp_raw_desc;

typedef struct sp_raw_reader sp_raw_reader;

/** Open a file or folder of raw frames. Sizes every file (stat only, no
 *  file is opened) and refuses a file whose size is not a whole number of
 *  frames, naming the file size, the frame size and the leftover bytes.
 *  Returns SP_OK, SP_EINVAL (bad width/height/format/stride/bit depth),
 *  SP_EUNSUPPORTED (a format raw files cannot hold), SP_EFORMAT (file
 *  size), SP_ENOTFOUND (missing path, empty folder). */
int sp_raw_reader_create(const char *path, const sp_raw_desc *desc,
                         sp_raw_reader **out);

/** Free the reader. NULL is a no-op. */
void sp_raw_reader_destroy(sp_raw_reader *r);

/** Total frames over all files. */
size_t sp_raw_reader_count(const sp_raw_reader *r);

/** Bytes one frame occupies in a file. */
size_t sp_raw_reader_frame_bytes(const sp_raw_reader *r);

/** The file frame @p i comes from (borrowed; valid while @p r lives) and
 *  its index within that file. NULL when i is out of range. */
const char *sp_raw_reader_origin(sp_raw_reader *r, size_t i,
                                 size_t *index_in_file);

/** Frames in the file that holds frame @p i (0 when i is out of range). */
size_t sp_raw_reader_file_frames(const sp_raw_reader *r, size_t i);

/** Read frame @p i into @p dst, which the caller laid out with the desc's
 *  width, height and format (any stride). Sets dst->bit_depth. SP_EINVAL
 *  when @p dst has another shape. Allocates nothing: rows are read into
 *  @p dst and moved to its stride there, and a file's row padding is not
 *  read where it exceeds what the image can hold (so memory is the image's,
 *  whatever the file's stride). Writes nothing past the last pixel byte of
 *  the last row; the bytes of @p dst's own row padding are unspecified
 *  afterwards (rows are spread out in place). The reader takes no pool manager:
 * it needs none. */
int sp_raw_reader_read(sp_raw_reader *r, size_t i, sp_image *dst);

#ifdef __cplusplus
}
#endif
#endif
