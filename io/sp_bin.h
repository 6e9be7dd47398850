/* sensorpipe: raw float32 point records (.bin), read lazily and written.
 *
 * A .bin file is a bare array of point records, each a fixed list of
 * little-endian float32 values. KITTI's layout (x, y, z, reflectance) is the
 * default; nuScenes' lidar files add the ring index as a fifth float
 * (fields "x,y,z,i,ring"). Field names: x, y, z (required), i or intensity,
 * ring (a float holding an integer, stored as uint16), t or time (seconds),
 * _ for a value to skip, and any other name (1..31 characters, no blank)
 * for a float32 extra channel of that name ("x,y,z,i,ring,label").
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
 *  comma-separated record layout ("x,y,z,i" when NULL or ""). Lists files
 *  only. Returns SP_OK, SP_EINVAL (bad field list, with the valid names),
 *  SP_ENOTFOUND (missing path or no .bin in the folder). */
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

/** What `sensorpipe info` says about a .bin file whose layout is unknown. */
typedef struct sp_bin_guess {
    uint64_t file_size;
    /** Records of 3..8 floats that divide the file size exactly. */
    unsigned nfits;
    unsigned fits[6];
    /** The one that looks right from the values (0 if none does): in the
     *  right layout consecutive records are neighbouring points, so the
     *  median jump between them is smallest. */
    unsigned best;
    double median_jump[9]; /**< per floats-per-record candidate, metres */
} sp_bin_guess;

/** Look at the first records of @p path and fill @p out. */
int sp_bin_guess_layout(const char *path, sp_bin_guess *out);

/** Write @p pts as KITTI .bin (x, y, z, intensity float32 records) through a
 *  temporary file renamed when complete. Allocates nothing (a fixed stack
 *  buffer stages the records). */
int sp_kittibin_write(const char *path, const sp_points *pts);

#ifdef __cplusplus
}
#endif
#endif
