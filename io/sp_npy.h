/* sensorpipe: NumPy .npy files from packed arrays, and a small reader.
 *
 * Files are format version 1.0, C order, readable by numpy.load(path) with
 * no options. What each payload becomes:
 *
 *   points                 (N, 4) float32: x, y, z, intensity per row;
 *                          with SP_POINTS_RING in @p fields a ring column
 *                          (the uint16 beam index as float32, exact), then
 *                          with SP_POINTS_TIME a time column (seconds from
 *                          sweep start): (N, 5) or (N, 6), always in the
 *                          order x, y, z, intensity, ring, time.
 *   GRAY8, BAYER_*8        (H, W) uint8 (Bayer: the raw mosaic)
 *   GRAY16, BAYER_*16      (H, W) uint16
 *   RGB8, BGR8             (H, W, 3) uint8, channels in memory order (BGR8
 *                          stays B, G, R)
 *   RGBA8                  (H, W, 4) uint8
 *   RGB16                  (H, W, 3) uint16
 *   F32                    (H, W) float32
 *   NV12                   (H * 3 / 2, W) uint8: the Y plane followed by the
 *                          interleaved UV plane, the layout OpenCV's
 *                          cv2.cvtColor(a, cv2.COLOR_YUV2RGB_NV12) takes
 *   YUYV                   (H, W, 2) uint8: the packed Y0 U Y1 V bytes, the
 *                          layout of cv2.COLOR_YUV2RGB_YUYV
 *   tensor                 its own shape and dtype (u8, u16, i32, f32)
 *
 * Image rows are written without their stride padding. Multi-byte values
 * are written in host byte order with the matching descr ('<' on little-
 * endian hosts).
 *
 * Writing allocates nothing from the heap: the header and any row
 * conversion go through a fixed buffer on the stack, contiguous data is
 * written straight from the array with write(2)/writev(2). Every file is
 * written to a temporary name in the same directory (".NAME.tmp.PID.N") and
 * renamed over @p path when complete; on any failure the temporary file is
 * removed and nothing appears under @p path. Errors name the path and the
 * system's reason. Thread-safe (no shared state besides an atomic counter). */
#ifndef SP_NPY_H
#define SP_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "sp_image.h"
#include "sp_points.h"
#include "sp_status.h"
#include "sp_tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most dimensions the reader accepts. */
#define SP_NPY_MAX_DIMS 8

/** Write points @p p (borrowed) as (N, 4|5|6) float32. @p fields is a set of
 *  SP_POINTS_RING / SP_POINTS_TIME columns to add; each must be present in
 *  @p p (SP_EINVAL otherwise, naming the missing field). Zero points give a
 *  (0, 4) array. Returns SP_OK, SP_EINVAL, SP_EIO. */
int sp_npy_write_points(const char *path, const sp_points *p, unsigned fields);

/** Write the columns of @p p that @p names picks ("x,y,z,rgb,label": the
 *  names sp_points_columns() gives, a standard channel also by its own
 *  name; NULL, "" or "all": every column in order). @p structured 0: an
 *  (N, C) float32 array, each value converted, a column of count k taking
 *  k columns; 1: a structured array of shape (N,) whose fields keep their
 *  names, types and counts ([('x', '<f4'), ('hist', '<f4', (3,)),
 *  ('label', '<u4')], packed). SP_EINVAL naming a name the points lack and
 *  the names they have; SP_EUNSUPPORTED for points of more than 32 KiB. */
int sp_npy_write_columns(const char *path, const sp_points *p,
                         const char *names, int structured);

/** Write image @p img (borrowed) as in the table above. Returns SP_OK,
 *  SP_EINVAL (invalid image), SP_EIO. */
int sp_npy_write_image(const char *path, const sp_image *img);

/** Write tensor @p t (borrowed) in its shape and dtype. Returns SP_OK,
 *  SP_EINVAL, SP_EIO. */
int sp_npy_write_tensor(const char *path, const sp_tensor *t);

/** A parsed .npy header. */
typedef struct sp_npy_header {
    char descr[8];     /**< "<f4", "|u1", ... as in the file */
    size_t elem_size;  /**< bytes per element */
    int fortran_order; /**< 1 if the file says True */
    int ndim;          /**< 0 (a scalar) .. SP_NPY_MAX_DIMS */
    size_t shape[SP_NPY_MAX_DIMS];
    size_t count;       /**< elements (product of shape) */
    size_t data_offset; /**< where the data starts in the file */
    size_t data_bytes;  /**< count * elem_size */
    int version;        /**< 1 or 2 */
} sp_npy_header;

/** Parse the header of @p path. Accepts versions 1.0 and 2.0 and the descrs
 *  |u1 |i1 <u2 <i2 <u4 <i4 <f4 <u8 <i8 <f8 (and '>' on a big-endian host).
 *  Hostile headers are refused with SP_EFORMAT naming the byte offset:
 *  bad magic, unsupported version, header length beyond the file or 64 KiB,
 *  malformed dictionary, unknown or missing key, unsupported descr, too
 *  many dimensions, element count overflowing size_t, file shorter or
 *  longer than the data the header promises. SP_EIO if it cannot be read. */
int sp_npy_read_header(const char *path, sp_npy_header *h);

/** Parse the header and read the data into @p buf (borrowed, @p buf_size
 *  bytes; the caller sizes it from a previous sp_npy_read_header()).
 *  SP_ERANGE if the data does not fit, else as sp_npy_read_header(). */
int sp_npy_read(const char *path, sp_npy_header *h, void *buf, size_t buf_size);

#ifdef __cplusplus
}
#endif
#endif
