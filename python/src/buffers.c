/* Packed arrays laid over Python buffers (NumPy arrays), for the kernel
 * functions: the kernels read the caller's memory where it is, so an input
 * whose channels (or pixel rows) are contiguous is never copied. What does
 * not fit (a wrong dtype, a channel with a stride) is refused with a
 * ValueError saying what was expected; the Python layer converts first when
 * it has to and says so in its documentation. */
#include <string.h>

#include "sp_py_buffers_int.h"

/* A format string of one element of type @p want ('f', 'H', 'B' ...),
 * native or little-endian. */
static int format_is(const char *fmt, char want)
{
    if (!fmt)
        return want == 'B';
    if (*fmt == '<' || *fmt == '=' || *fmt == '@' || *fmt == '|')
        fmt++;
    return fmt[0] == want && fmt[1] == '\0';
}

static const char *const point_names[6] = {"x",         "y",    "z",
                                           "intensity", "ring", "time"};

void sp__py_points_release(sp__py_pbufs *b)
{
    for (int i = 0; i < 6; i++)
        if (b->have[i]) {
            PyBuffer_Release(&b->v[i]);
            b->have[i] = 0;
        }
}

int sp__py_points_get(PyObject *seq, Py_ssize_t n, int out, sp__py_pbufs *b,
                      sp_points *p)
{
    memset(b, 0, sizeof *b);
    memset(p, 0, sizeof *p);
    if (!PyTuple_Check(seq) || PyTuple_Size(seq) != 6) {
        PyErr_SetString(PyExc_TypeError,
                        "expected a tuple (x, y, z, intensity, ring, time)");
        return -1;
    }
    size_t cap = (size_t)-1;
    void *ptr[6] = {0};
    for (int i = 0; i < 6; i++) {
        PyObject *o = PyTuple_GetItem(seq, i);
        if (o == Py_None) {
            if (i < 4) {
                PyErr_Format(PyExc_ValueError, "points: channel '%s' missing",
                             point_names[i]);
                goto fail;
            }
            continue;
        }
        int flags =
            PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (out ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(o, &b->v[i], flags) < 0)
            goto fail;
        b->have[i] = 1;
        char want = i == 4 ? 'H' : 'f';
        Py_ssize_t item = i == 4 ? 2 : 4;
        if (b->v[i].ndim != 1 || b->v[i].itemsize != item ||
            !format_is(b->v[i].format, want)) {
            PyErr_Format(PyExc_ValueError,
                         "points: channel '%s': expected a 1-D %s array",
                         point_names[i], i == 4 ? "uint16" : "float32");
            goto fail;
        }
        size_t len = (size_t)(b->v[i].len / item);
        if (!out && len < (size_t)n) {
            PyErr_Format(PyExc_ValueError,
                         "points: channel '%s' has %zu values, expected %zd",
                         point_names[i], len, n);
            goto fail;
        }
        if (len < cap)
            cap = len;
        ptr[i] = b->v[i].buf;
    }
    p->x = ptr[0];
    p->y = ptr[1];
    p->z = ptr[2];
    p->intensity = ptr[3];
    p->ring = ptr[4];
    p->time = ptr[5];
    p->fields = (ptr[4] ? SP_POINTS_RING : 0) | (ptr[5] ? SP_POINTS_TIME : 0);
    p->count = out ? 0 : (size_t)n;
    p->capacity = out ? cap : (size_t)n;
    return 0;
fail:
    sp__py_points_release(b);
    return -1;
}

/* The NumPy form of a packed pixel format: element type, its size and the
 * channels of the last axis (0: a 2-D array). */
static int pixfmt_form(sp_pixfmt f, char *type, Py_ssize_t *item,
                       Py_ssize_t *ch)
{
    *type = 'B';
    *item = 1;
    *ch = 0;
    switch (f) {
    case SP_PIX_GRAY8:
    case SP_PIX_BAYER_RGGB8:
    case SP_PIX_BAYER_BGGR8:
    case SP_PIX_BAYER_GRBG8:
    case SP_PIX_BAYER_GBRG8:
        return 0;
    case SP_PIX_GRAY16:
    case SP_PIX_BAYER_RGGB16:
    case SP_PIX_BAYER_BGGR16:
    case SP_PIX_BAYER_GRBG16:
    case SP_PIX_BAYER_GBRG16:
        *type = 'H';
        *item = 2;
        return 0;
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
        *ch = 3;
        return 0;
    case SP_PIX_RGBA8:
    case SP_PIX_BGRA8:
        *ch = 4;
        return 0;
    case SP_PIX_RGB16:
        *type = 'H';
        *item = 2;
        *ch = 3;
        return 0;
    case SP_PIX_F32:
        *type = 'f';
        *item = 4;
        return 0;
    default:
        return -1;
    }
}

int sp__py_image_get(PyObject *obj, sp_pixfmt fmt, int out, Py_buffer *v,
                     sp_image *im)
{
    char type;
    Py_ssize_t item, ch;
    memset(im, 0, sizeof *im);
    if (pixfmt_form(fmt, &type, &item, &ch) < 0) {
        PyErr_Format(PyExc_ValueError, "image format %s has no array form here",
                     sp_pixfmt_name(fmt));
        return -1;
    }
    if (PyObject_GetBuffer(obj, v,
                           PyBUF_STRIDES | PyBUF_FORMAT |
                               (out ? PyBUF_WRITABLE : 0)) < 0)
        return -1;
    int ndim = ch ? 3 : 2;
    const char *want = type == 'B'   ? "uint8"
                       : type == 'H' ? "uint16"
                                     : "float32";
    int ok = v->itemsize == item && format_is(v->format, type) &&
             (v->ndim == ndim || (!ch && v->ndim == 3 && v->shape[2] == 1));
    if (!ok) {
        if (ch)
            PyErr_Format(PyExc_ValueError,
                         "%s image: expected a (height, width, %zd) %s array",
                         sp_pixfmt_name(fmt), ch, want);
        else
            PyErr_Format(PyExc_ValueError,
                         "%s image: expected a (height, width) %s array",
                         sp_pixfmt_name(fmt), want);
        goto fail;
    }
    Py_ssize_t h = v->shape[0], w = v->shape[1];
    Py_ssize_t px = (ch ? ch : 1) * item;
    /* Rows may be padded (any row stride), pixels and their channels must
     * follow each other. */
    int dense = (w <= 1 || v->strides[1] == px) &&
                (v->ndim < 3 || v->shape[2] <= 1 || v->strides[2] == item) &&
                (h <= 1 || v->strides[0] >= w * px) && v->strides[0] >= 0 &&
                v->strides[0] % item == 0 && (size_t)v->buf % (size_t)item == 0;
    if (!dense) {
        PyErr_Format(PyExc_ValueError,
                     "%s image: expected rows of contiguous pixels (strides "
                     "(row, %zd%s), row >= %zd), got a view with other "
                     "strides: np.ascontiguousarray() it first",
                     sp_pixfmt_name(fmt), px, ch ? ", item" : "", w * px);
        goto fail;
    }
    if (h > (Py_ssize_t)UINT32_MAX || w > (Py_ssize_t)UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError,
                        "image larger than 2^32 pixels a side");
        goto fail;
    }
    im->data = v->buf;
    im->width = (uint32_t)w;
    im->height = (uint32_t)h;
    im->stride = h > 1 ? (size_t)v->strides[0] : (size_t)(w * px);
    if (im->stride == 0)
        im->stride = (size_t)(w * px);
    im->format = fmt;
    return 0;
fail:
    PyBuffer_Release(v);
    return -1;
}

int sp__py_tensor_get(PyObject *obj, Py_buffer *v, sp_tensor *t)
{
    memset(t, 0, sizeof *t);
    if (PyObject_GetBuffer(
            obj, v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return -1;
    if (v->ndim < 1 || v->ndim > SP_TENSOR_MAX_DIMS || v->itemsize != 4 ||
        !format_is(v->format, 'f')) {
        PyErr_SetString(PyExc_ValueError,
                        "expected a C-contiguous float32 array of 1 to 4 "
                        "dimensions");
        PyBuffer_Release(v);
        return -1;
    }
    t->data = v->buf;
    t->dtype = SP_DTYPE_F32;
    t->ndim = v->ndim;
    for (int i = 0; i < SP_TENSOR_MAX_DIMS; i++)
        t->shape[i] = i < v->ndim ? (size_t)v->shape[i] : 1;
    return 0;
}
