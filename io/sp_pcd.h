/* sensorpipe: PCL's point cloud files (.pcd), read lazily and written.
 *
 * Reads PCD v0.5, v0.6 and v0.7 headers (VERSION, FIELDS or COLUMNS, SIZE,
 * TYPE, COUNT, WIDTH, HEIGHT, VIEWPOINT, POINTS, DATA) and the three data
 * encodings: ascii, binary (array of point records) and binary_compressed
 * (uint32 compressed size, uint32 uncompressed size, then LZF of the fields
 * stored one column after another).
 *
 * Fields map onto sp_points as follows; all others (rgb, normals, padding
 * "_", any field with COUNT > 1) are skipped:
 *  - x, y, z (required; any numeric type, converted to float32);
 *  - intensity, i or reflectance -> intensity (0 when the file has none);
 *  - ring -> ring (uint16, values clamped to 0..65535);
 *  - time, t or timestamp -> time in seconds: float32 copied as is, float64
 *    taken relative to the first point (absolute epoch seconds do not fit a
 *    float32), integer types read as nanoseconds since the sweep start.
 * Values beyond float32's range are refused, not converted: a float64
 * field holding 1e300, or an ascii value of 1e39 (or 1e400) for any field
 * kept as a float, is SP_ERANGE naming the file, the point (binary) or line
 * (ascii) and the field, because converting it would silently give Inf.
 * NaN and infinities written as such pass unchanged (PCL writes NaN for
 * invalid points); ring values are clamped, as said above.
 * Colour (rgb/rgba) is not kept: sp_points has no colour array.
 * Organised clouds (HEIGHT > 1) are read row-major with their NaN points
 * kept, as PCL keeps them; the crop stage drops NaN points.
 *
 * Every size in a header is checked against the file's real size and the
 * limits below before a caller is told how much memory a frame needs.
 *
 * Thread safety: a reader or writer is used by one thread at a time;
 * different objects are independent. */
#ifndef SP_PCD_H
#define SP_PCD_H

#include <stddef.h>
#include <stdint.h>

#include "sp_points.h"
#include "sp_poolmgr.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_PCD_MAX_FIELDS 64
#define SP_PCD_MAX_HEADER (64u * 1024u) /**< bytes before the DATA line */
#define SP_PCD_MAX_POINTS ((uint64_t)1 << 31)

typedef enum sp_pcd_encoding {
    SP_PCD_ASCII = 0,
    SP_PCD_BINARY = 1,
    SP_PCD_BINARY_COMPRESSED = 2
} sp_pcd_encoding;

/** "ascii", "binary", "binary_compressed". */
const char *sp_pcd_encoding_name(sp_pcd_encoding e);

typedef struct sp_pcd_field {
    char name[32];
    char type;       /**< 'F', 'U' or 'I' */
    uint8_t size;    /**< bytes per value: 1, 2, 4, 8 */
    uint32_t count;  /**< values per point */
    uint32_t offset; /**< byte offset of the field in a binary point record */
} sp_pcd_field;

typedef struct sp_pcd_header {
    char version[8]; /**< as written (".7", "0.7", ".5"); "" if none */
    uint32_t nfields;
    sp_pcd_field fields[SP_PCD_MAX_FIELDS];
    uint64_t width, height, points;
    double viewpoint[7]; /**< tx ty tz qw qx qy qz; default 0 0 0 1 0 0 0 */
    sp_pcd_encoding encoding;
    uint32_t point_size;       /**< bytes of one binary point record */
    uint32_t values_per_point; /**< ascii tokens per point (sum of COUNTs) */
    size_t data_offset;        /**< byte where the data starts */
    uint32_t data_line; /**< 1-based line number of the first data line */
    /* Index into fields[] of what maps onto sp_points; -1 when absent. */
    int ix, iy, iz, iintensity, iring, itime;
    unsigned points_fields; /**< SP_POINTS_RING / SP_POINTS_TIME available */
} sp_pcd_header;

/** Parse a PCD header from the first @p len bytes of a file (enough to
 *  reach the end of the DATA line; SP_PCD_MAX_HEADER bytes always suffice).
 *  @p name is used in messages. Checks the header's own consistency
 *  (WIDTH x HEIGHT = POINTS, known TYPE/SIZE pairs, x y z present, limits),
 *  not the file size; see sp_pcd_header_check().
 *  Returns SP_OK, SP_EFORMAT (message: name, line, what was expected),
 *  SP_EUNSUPPORTED (unknown TYPE/SIZE or DATA encoding), SP_ERANGE (limits). */
int sp_pcd_header_parse(const char *buf, size_t len, const char *name,
                        sp_pcd_header *out);

/** Check that a file of @p file_size bytes can hold the data the header
 *  promises (binary: POINTS records; ascii: at least two bytes per value).
 *  binary_compressed sizes are checked when the frame is read, because they
 *  sit after the header. SP_EFORMAT with name and byte offset otherwise. */
int sp_pcd_header_check(const sp_pcd_header *h, uint64_t file_size,
                        const char *name);

/** Read and check the header of one file (convenience for tools). */
int sp_pcd_header_read(const char *path, sp_pcd_header *out);

typedef struct sp_pcd_reader sp_pcd_reader;

/** Open a .pcd file or a folder of them (sorted by name: a sequence). Lists
 *  files only; no file is opened until a frame is asked for. *out is NULL
 *  on failure. SP_ENOTFOUND for a missing path or a folder with no .pcd. */
int sp_pcd_reader_create(const char *path, sp_pcd_reader **out);

/** Close files and free the reader. NULL is a no-op. */
void sp_pcd_reader_destroy(sp_pcd_reader *r);

/** Take the staging memory (the header, the DATA bytes, the decompressed
 *  columns of binary_compressed) from @p mgr (borrowed; it must outlive the
 *  reader), so that the manager's budget bounds it; the blocks go back to
 *  their pools after each frame. NULL (the default) uses grow-only heap
 *  buffers, unbounded but for the checks against the file size. A budget
 *  refusal is SP_EBUDGET, naming the file and the bytes asked. */
void sp_pcd_reader_set_poolmgr(sp_pcd_reader *r, sp_poolmgr *mgr);

/** Number of files (frames). */
size_t sp_pcd_reader_count(const sp_pcd_reader *r);

/** Path of frame @p i (borrowed; valid while @p r lives). */
const char *sp_pcd_reader_path(sp_pcd_reader *r, size_t i);

/** Size query: open frame @p i, parse and check its header, and give the
 *  number of points and the optional SP_POINTS_* fields it carries, so the
 *  caller can lay out an sp_points of that capacity. */
int sp_pcd_reader_shape(sp_pcd_reader *r, size_t i, size_t *points,
                        unsigned *fields);

/** The header of the frame last passed to shape() or read() (borrowed), or
 *  NULL. */
const sp_pcd_header *sp_pcd_reader_header(const sp_pcd_reader *r);

/** Read frame @p i into @p dst (laid out by the caller with capacity >= the
 *  shape's points). Optional fields @p dst has but the file lacks are
 *  zero-filled; ones the file has but @p dst lacks are dropped. Staging and
 *  decompression use buffers owned by the reader (heap, or pool blocks:
 *  sp_pcd_reader_set_poolmgr).
 *  Returns SP_OK, SP_EFORMAT (data shorter than promised, bad ascii value,
 *  LZF size mismatch...), SP_ERANGE (a value beyond float32's range, see
 *  above), SP_EINVAL (capacity too small), SP_EIO, SP_EBUDGET (staging
 *  refused by the reader's pool manager). */
int sp_pcd_reader_read(sp_pcd_reader *r, size_t i, sp_points *dst);

/* ---- writing ---- */

typedef struct sp_pcd_writer sp_pcd_writer;

/** A writer owns grow-only buffers so repeated writes allocate nothing once
 *  warm. */
int sp_pcd_writer_create(sp_pcd_writer **out);
void sp_pcd_writer_destroy(sp_pcd_writer *w);

/** Write @p pts as a PCD v0.7 file: fields x y z intensity (F4), ring (U2)
 *  and time (F4) when present; WIDTH = count, HEIGHT = 1. Written to a
 *  temporary file beside @p path and renamed when complete, so a failed
 *  write leaves nothing behind. ascii uses 9 significant digits, so floats
 *  read back bit for bit. */
int sp_pcd_writer_write(sp_pcd_writer *w, const char *path,
                        const sp_points *pts, sp_pcd_encoding encoding);

/** One-shot form of the above (creates and destroys a writer). */
int sp_pcd_write(const char *path, const sp_points *pts,
                 sp_pcd_encoding encoding);

#ifdef __cplusplus
}
#endif
#endif
