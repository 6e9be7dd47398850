/* Packed arrays over Python buffers (buffers.c), for the kernel
 * functions. */
#ifndef SP_PY_BUFFERS_INT_H
#define SP_PY_BUFFERS_INT_H

#include "sp_py_int.h"

/* The buffers behind one cloud: x, y, z, intensity, ring, time. */
typedef struct sp__py_pbufs {
    Py_buffer v[6];
    int have[6];
} sp__py_pbufs;

/* Lay *p over the tuple (x, y, z, intensity, ring, time) of 1-D C-contiguous
 * arrays (float32; ring uint16; ring and time may be None). An input
 * (out = 0) has @p n points and each array at least n values; an output
 * (out = 1) is writable and its capacity the shortest array. Release with
 * sp__py_points_release() (also after a failure: nothing is held then).
 * -1 with an exception set on failure. */
int sp__py_points_get(PyObject *seq, Py_ssize_t n, int out, sp__py_pbufs *b,
                      sp_points *p);
void sp__py_points_release(sp__py_pbufs *b);

/* Lay *im over an array of pixel format @p fmt: (H, W) or (H, W, C) with
 * the format's element type, pixels contiguous within a row, any row
 * stride. @p out asks for a writable buffer. Release *v with
 * PyBuffer_Release() on success; -1 with an exception set on failure. */
int sp__py_image_get(PyObject *obj, sp_pixfmt fmt, int out, Py_buffer *v,
                     sp_image *im);

/* Lay *t over a writable C-contiguous float32 array of 1 to 4 dims. */
int sp__py_tensor_get(PyObject *obj, Py_buffer *v, sp_tensor *t);

#endif
