/* sensorpipe: KITTI recordings — raw drives and object/odometry sets.
 *
 * Layout is detected from the folder:
 *  - a raw drive (2011_09_26_drive_0001_sync/):
 *    velodyne_points/data/NNNNNNNNNN.bin and image_00..03/data/NNNNNNNNNN.png,
 *    each stream with its timestamps.txt ("YYYY-MM-DD hh:mm:ss.nnnnnnnnn",
 *    UTC, to nanoseconds), calibration
 *    (calib_cam_to_cam.txt, calib_velo_to_cam.txt) beside the drive or one
 *    folder above it (where KITTI's archives put it);
 *  - an object or odometry set (a folder holding training/ or testing/, or
 *    that folder itself): velodyne/NNNNNN.bin, image_2/NNNNNN.png,
 *    image_3/NNNNNN.png and calib/NNNNNN.txt with P0..P3, R0_rect and
 *    Tr_velo_to_cam per frame; an odometry sequence (sequences/00/) is the
 *    same with one calib.txt (P0..P3, Tr) and times.txt (seconds, used as
 *    the frames' times; image_0/image_1 are streams image_00/image_01).
 *    Object sets have no timestamps: a frame's time is its number x 100 ms
 *    (sp_kitti_stream_info.has_timestamps is 0 and sp_kitti_note() says so).
 * Streams are named the same in both layouts: "velodyne", "image_00" ..
 * "image_03" (object image_2 is "image_02"). A drive may hold only some
 * streams. Frames of the chosen streams come out in timestamp order (ties:
 * velodyne first, then cameras in order).
 *
 * Opening lists files and parses timestamps and drive calibration; each
 * frame's bytes are read only when that frame is asked for, into memory the
 * caller lays out after a size query. Missing calibration is not an error
 * here: the frame's sp_calib then has no has_ flag set and its source
 * string names the file that was looked for, for the stage that needs it to
 * report. Malformed calibration is an error (line and expectation).
 *
 * Thread safety: one thread per sp_kitti. The parse functions are
 * reentrant. */
#ifndef SP_KITTI_H
#define SP_KITTI_H

#include <stddef.h>
#include <stdint.h>

#include "sp_calib.h"
#include "sp_image.h"
#include "sp_points.h"
#include "sp_poolmgr.h"
#include "sp_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- timestamps ---- */

/** Parse a timestamps file held in memory (@p len bytes, no NUL needed).
 *  Each line is "YYYY-MM-DD hh:mm:ss[.fraction]" (UTC, up to 9 fraction
 *  digits), or a plain number: with a decimal point it is seconds, without
 *  one nanoseconds (an exponent, as in 1.036240e-01, also means seconds).
 *  Trailing blank lines are ignored; others are errors.
 *  Times must not go backwards. Writes up to @p cap values to @p out and
 *  sets *count to the number of lines with a time (which may exceed cap:
 *  call once with cap 0 to size the array).
 *  Returns SP_OK or SP_EFORMAT ("name: line N: ..., expected ..."). */
int sp_timestamps_parse(const char *text, size_t len, const char *name,
                        int64_t *out, size_t cap, size_t *count);

/** Read and parse a timestamps file; *out is malloc'ed (free() it) with
 *  *count values. */
int sp_timestamps_load(const char *path, int64_t **out, size_t *count);

/* ---- calibration ---- */

/** Parse an object/odometry calibration file (P0..P3, R0_rect or R_rect,
 *  Tr_velo_to_cam or Tr_velo_cam or Tr) held in memory. Camera is set to 2.
 *  Keys it does not know are ignored; SP_EFORMAT naming @p name (and the
 *  line) for: a known key with the wrong number of values, a value that is
 *  not a finite number (nan, inf, 1e999), a line without "key:", a text
 *  with none of the keys, a P that is all zeros. */
int sp_calib_parse_kitti(const char *text, size_t len, const char *name,
                         sp_calib *out);

/** Parse a raw drive's calib_cam_to_cam.txt (@p cam, may be NULL) and
 *  calib_velo_to_cam.txt (@p velo, may be NULL) for camera @p camera
 *  (0..3): P = P_rect_00..03, R0 = R_rect_00, K/dist = K_0c/D_0c with
 *  width/height = S_0c (the unrectified camera they describe),
 *  velo_to_cam = [R | T]. Refused as sp_calib_parse_kitti() says, and a
 *  K_0c of zeros. */
int sp_calib_parse_kitti_raw(const char *cam, size_t cam_len,
                             const char *cam_name, const char *velo,
                             size_t velo_len, const char *velo_name, int camera,
                             sp_calib *out);

/** The largest calibration file read (bytes). */
#define SP_CALIB_MAX_BYTES (1 << 20)

/** Read @p path (a regular file of at most SP_CALIB_MAX_BYTES: a FIFO or
 *  a device is refused, never waited on) and parse it with
 *  sp_calib_parse_kitti(). SP_ENOTFOUND, SP_EINVAL (not a regular file),
 *  SP_ERANGE (too large), SP_EIO, or the parser's status. */
int sp_calib_load_kitti(const char *path, sp_calib *out);

/** The same for a raw drive's calib_cam_to_cam.txt and camera @p camera
 *  (sp_calib_parse_kitti_raw() with no velo file). */
int sp_calib_load_kitti_raw(const char *cam_path, int camera, sp_calib *out);

/* ---- the recording ---- */

typedef enum sp_kitti_layout {
    SP_KITTI_RAW = 0,   /**< raw drive */
    SP_KITTI_OBJECT = 1 /**< object / odometry set */
} sp_kitti_layout;

/** "raw" or "object". */
const char *sp_kitti_layout_name(sp_kitti_layout l);

typedef struct sp_kitti_desc {
    const char *streams; /**< "velodyne,image_02"; NULL or "" = all found */
    int64_t start;       /**< first index within each stream (default 0) */
    int64_t count;       /**< frames per stream; 0 = to the end */
    int64_t step;        /**< 0 = 1 */
} sp_kitti_desc;

typedef struct sp_kitti_stream_info {
    const char *name; /**< "velodyne", "image_02" (borrowed) */
    const char *dir;  /**< folder of its files (borrowed) */
    int is_camera;
    size_t files;            /**< files in the folder */
    size_t frames;           /**< selected by start/count/step */
    int has_timestamps;      /**< 0: times are index x 100 ms */
    int64_t t_first, t_last; /**< of the selected frames, ns */
} sp_kitti_stream_info;

typedef struct sp_kitti_frame {
    size_t stream; /**< stream index */
    const char *stream_name;
    int is_camera;
    size_t index; /**< file index within the stream's folder */
    int64_t timestamp_ns;
    const char *path; /**< borrowed; valid while the sp_kitti lives */
} sp_kitti_frame;

typedef struct sp_kitti sp_kitti;

/** Open a KITTI folder. @p desc may be NULL. Lists the chosen streams'
 *  files, reads their timestamps and the drive's calibration.
 *  Returns SP_OK, SP_ENOTFOUND (no KITTI layout; a named stream absent;
 *  nothing to read), SP_EINVAL (unknown stream name, bad start/count/step),
 *  SP_EFORMAT (timestamps or calibration malformed, timestamps fewer than
 *  files). */
int sp_kitti_create(const char *dir, const sp_kitti_desc *desc, sp_kitti **out);

/** Free everything. NULL is a no-op. */
void sp_kitti_destroy(sp_kitti *k);

/** Take the readers' memory from @p mgr (borrowed; it must outlive @p k):
 *  velodyne read buffers become pool blocks and libpng's memory is charged
 *  to the budget (see sp_bin_reader_set_poolmgr, sp_png_reader_set_poolmgr),
 *  so that the manager's budget bounds them. NULL (the default) uses the
 *  heap, unbounded. SP_EBUDGET when the budget cannot cover the PNG
 *  reader's arena; later refusals come from the reads, naming the file. */
int sp_kitti_set_poolmgr(sp_kitti *k, sp_poolmgr *mgr);

sp_kitti_layout sp_kitti_get_layout(const sp_kitti *k);

/** A note on how times were made ("" when every stream has timestamps). */
const char *sp_kitti_note(const sp_kitti *k);

size_t sp_kitti_stream_count(const sp_kitti *k);
int sp_kitti_stream_get(const sp_kitti *k, size_t s, sp_kitti_stream_info *out);

/** Frames over all chosen streams, in timestamp order. */
size_t sp_kitti_frame_count(const sp_kitti *k);
int sp_kitti_frame_get(sp_kitti *k, size_t i, sp_kitti_frame *out);

/** Size query for a velodyne frame: points in its file (checked to be a
 *  whole number of 16-byte records). SP_EINVAL for a camera frame. */
int sp_kitti_points_shape(sp_kitti *k, size_t i, size_t *points);

/** Read velodyne frame @p i into @p dst (x, y, z, reflectance). */
int sp_kitti_points_read(sp_kitti *k, size_t i, sp_points *dst);

/** Size query for a camera frame: the PNG's width, height and the format
 *  it decodes to (gray8 for image_00/01, rgb8 for image_02/03). */
int sp_kitti_image_shape(sp_kitti *k, size_t i, uint32_t *width,
                         uint32_t *height, sp_pixfmt *format);

/** Decode camera frame @p i into @p dst (laid out by the caller). */
int sp_kitti_image_read(sp_kitti *k, size_t i, sp_image *dst);

/** Calibration for frame @p i (borrowed; valid while @p k lives and the
 *  same for every frame of a stream of a raw drive). Object sets parse the
 *  frame's calib/NNNNNN.txt on first use. When the file is missing the
 *  calibration has no has_ flag and source names what was looked for; that
 *  is SP_OK. SP_EFORMAT for a malformed file. */
int sp_kitti_calib_get(sp_kitti *k, size_t i, const sp_calib **out);

#ifdef __cplusplus
}
#endif
#endif
