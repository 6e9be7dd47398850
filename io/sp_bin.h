/* sensorpipe: raw float32 point records (.bin), read lazily and written.
 *
 * A .bin file is a bare array of point records, each a fixed list of
 * little-endian float32 values. KITTI's layout (x, y, z, reflectance) is the
 * default; nuScenes' lidar files (named *.pcd.bin) add the ring index as a
 * fifth float (fields "x,y,z,i,ring"), and are read so by default.
 * Nothing in the file says which: sp_bin_layout_note() says when the file
 * size or the values doubt the layout taken. Field names: x, y, z (required), i
 * or intensity, ring (a float holding an integer, stored as uint16), t or time
 * (seconds), _ for a value to skip, and any other name (1..31 characters, no
 * blank) for a float32 extra channel of that name ("x,y,z,i,ring,label").
 *
 * Thread safety: one thread per reader. */
#ifndef SP_BIN_H
#define SP_BIN_H

#include <stddef.h>
#include <stdint.h>

#include "sp_points.h"
#include "sp_poolmgr.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_BIN_MAX_FIELDS 16
/** Largest frame accepted (points); a bigger file is refused before anyone
 *  sizes memory from it. */
#define SP_BIN_MAX_POINTS ((uint64_t)1 << 28)

typedef struct sp_bin_reader sp_bin_reader;

/** Open a .bin file or a folder of them (sorted by name). @p fields is a
 *  comma-separated record layout; NULL or "" takes the default for the
 *  (first) file's name, sp_bin_default_fields(). Lists files only. Returns
 * SP_OK, SP_EINVAL (bad field list, with the valid names), SP_ENOTFOUND
 * (missing path or no .bin in the folder). */
int sp_bin_reader_create(const char *path, const char *fields,
                         sp_bin_reader **out);

/** Free the reader. NULL is a no-op. */
void sp_bin_reader_destroy(sp_bin_reader *r);

/** Take the read buffer (8192 records, at most 512 KiB) from @p mgr
 *  (borrowed; it must outlive the reader) so that the manager's budget
 *  bounds it: a block for each read, back to its pool after it. NULL (the
 *  default) uses the heap, unbounded. A budget refusal is SP_EBUDGET from
 *  sp_bin_reader_read(), naming the file and the bytes. */
void sp_bin_reader_set_poolmgr(sp_bin_reader *r, sp_poolmgr *mgr);

/** The layout read when none is given: "x,y,z,i,ring" (nuScenes) for a
 *  name ending .pcd.bin, else "x,y,z,i" (KITTI). A static string. */
const char *sp_bin_default_fields(const char *file);

/** The layout @p r reads: as given, or the default it took (borrowed). */
const char *sp_bin_reader_fields(const sp_bin_reader *r);

/** Number of files (frames). */
size_t sp_bin_reader_count(const sp_bin_reader *r);

/** Path of frame @p i (borrowed; valid while @p r lives). */
const char *sp_bin_reader_path(sp_bin_reader *r, size_t i);

/** The layout a frame of the reader's fields= takes (the optional fields
 *  and the extras; borrowed, valid while @p r lives). */
const sp_points_layout *sp_bin_reader_layout(const sp_bin_reader *r);

/** Bytes per record (4 x number of fields). */
size_t sp_bin_reader_record_size(const sp_bin_reader *r);

/** Size query: the number of points of frame @p i (file size / record size)
 *  and the optional SP_POINTS_* fields the layout carries. SP_EFORMAT when
 *  the file size is not a whole number of records (message: file, size,
 *  record size, the bytes left over); SP_ERANGE past SP_BIN_MAX_POINTS. */
int sp_bin_reader_shape(sp_bin_reader *r, size_t i, size_t *points,
                        unsigned *fields);

/** Read frame @p i into @p dst (capacity >= the shape's points). Optional
 *  fields @p dst has and the layout lacks are zero-filled. The file is read
 *  in chunks through a buffer owned by the reader (grow-only heap, or a
 *  pool block: sp_bin_reader_set_poolmgr). */
int sp_bin_reader_read(sp_bin_reader *r, size_t i, sp_points *dst);

/** The record sizes sp_bin_guess_layout() tries, in float32 values. */
#define SP_BIN_GUESS_MIN_FLOATS 3
#define SP_BIN_GUESS_MAX_FLOATS 8

/** What `sensorpipe info` says about a .bin file whose layout is unknown. */
typedef struct sp_bin_guess {
    uint64_t file_size;
    /** Records of SP_BIN_GUESS_MIN_FLOATS..SP_BIN_GUESS_MAX_FLOATS floats
     *  that divide the file size exactly. */
    unsigned nfits;
    unsigned fits[SP_BIN_GUESS_MAX_FLOATS - SP_BIN_GUESS_MIN_FLOATS + 1];
    /** The one that looks right from the values (0 if none does): in the
     *  right layout consecutive records are neighbouring points, so the
     *  median jump between them is smallest. */
    unsigned best;
    double median_jump[SP_BIN_GUESS_MAX_FLOATS + 1]; /**< per floats-per-record
                                                          candidate, metres */
    /** The 4th float of the first records read as 4-float records: */
    unsigned col4_n; /**< records looked at */
    int col4_whole;  /**< 1: each a whole number */
    float col4_min, col4_max;
    unsigned col4_distinct; /**< distinct values, counted up to 256 */
} sp_bin_guess;

/** Look at the first records of @p path and fill @p out. */
int sp_bin_guess_layout(const char *path, sp_bin_guess *out);

/** What to tell a user who reads @p file without fields=, taking the
 *  layout @p fields (sp_bin_default_fields()), as one line into @p buf
 *  ("" when there is nothing to say): that a .pcd.bin is read as 5 floats
 *  and why, and the evidence when the file size or the values say the
 *  layout is probably another (a size that is no whole number of records;
 *  values that are neighbouring points only in another record size; a 4th
 *  value that is a small whole number on every point, as ring indices
 *  are). `sensorpipe info` and the bin source say the same. Returns 1 when
 *  it wrote something, 0 when not, or the status of reading the file. */
int sp_bin_layout_note(const char *file, const char *fields, char *buf,
                       size_t cap);

/** Write @p pts as KITTI .bin (x, y, z, intensity float32 records) through a
 *  temporary file renamed when complete. Allocates nothing (a fixed stack
 *  buffer stages the records). */
int sp_kittibin_write(const char *path, const sp_points *pts);

#ifdef __cplusplus
}
#endif
#endif
