/* _sensorpipe.Frame: one pulled frame, holding one reference on its pool
 * block.
 *
 * The frame exports its payload (the points' arrays, the image's rows, the
 * tensor's elements: the block after the frame header) through the buffer
 * protocol, writable. The Python layer lays NumPy arrays over it with
 * np.ndarray(buffer=frame, offset=..., strides=...), whose base is then the
 * frame itself, so the block stays referenced exactly as long as the frame
 * object or any array or view over it lives, and its last release (the
 * frame's dealloc) hands it back to its pool. The header (which points into
 * the block) is not exported, so writing through an array cannot corrupt
 * it. A frame also references its pipeline object, whose pool manager must
 * outlive every block. */
#include <stddef.h>
#include <string.h>

#include "sp_py_int.h"

typedef struct frame_obj {
    PyObject_HEAD
    sp_frame *f;      /* one reference */
    PyObject *owner;  /* the pipeline object */
    PyObject *origin; /* str or None: copied, the source frees its own */
    char *lo, *hi;    /* the exported payload */
} frame_obj;

PyTypeObject *sp__py_frame_type;
static PyTypeObject *frame_class; /* what frames are created as */

/* ---- what the payload holds ---- */

/* One channel of a point cloud: its name, NumPy type string, values per
 * point and array. */
typedef struct chan {
    const char *name;
    const char *typestr;
    size_t itemsize;
    size_t ncomp;
    const void *data;
} chan;

#define MAX_CHANS (6 + SP_POINTS_MAX_EXTRA)

static const char *field_typestr(sp_field_type t)
{
    switch (t) {
    case SP_FIELD_I8:
        return "|i1";
    case SP_FIELD_U8:
        return "|u1";
    case SP_FIELD_I16:
        return "<i2";
    case SP_FIELD_U16:
        return "<u2";
    case SP_FIELD_I32:
        return "<i4";
    case SP_FIELD_U32:
        return "<u4";
    case SP_FIELD_F32:
        return "<f4";
    case SP_FIELD_F64:
        return "<f8";
    }
    return NULL;
}

/* Every channel of @p p: the standard ones, then each extra named channel
 * (when the library has them) in layout order. */
static size_t points_channels(const sp_points *p, chan *c)
{
    size_t n = 0;
    c[n++] = (chan){"x", "<f4", 4, 1, p->x};
    c[n++] = (chan){"y", "<f4", 4, 1, p->y};
    c[n++] = (chan){"z", "<f4", 4, 1, p->z};
    c[n++] = (chan){"intensity", "<f4", 4, 1, p->intensity};
    if (p->ring)
        c[n++] = (chan){"ring", "<u2", 2, 1, p->ring};
    if (p->time)
        c[n++] = (chan){"time", "<f4", 4, 1, p->time};
    for (unsigned i = 0; i < p->nextra && n < MAX_CHANS; i++) {
        const sp_points_extra *e = &p->extra[i];
        const char *ts = field_typestr(e->field.type);
        if (!ts || !e->data)
            continue;
        c[n++] = (chan){e->field.name, ts, sp_field_type_size(e->field.type),
                        e->field.count ? e->field.count : 1, e->data};
    }
    return n;
}

/* The NumPy view of an image: type string, item size, channels (0: a 2-D
 * array) and rows to export (NV12 has a half-height chroma plane). */
static void image_layout(const sp_image *im, const char **ts, size_t *item,
                         size_t *ch, size_t *rows)
{
    *rows = im->height;
    *ts = "|u1";
    *item = 1;
    *ch = 0;
    switch (im->format) {
    case SP_PIX_GRAY16:
    case SP_PIX_BAYER_RGGB16:
    case SP_PIX_BAYER_BGGR16:
    case SP_PIX_BAYER_GRBG16:
    case SP_PIX_BAYER_GBRG16:
        *ts = "<u2";
        *item = 2;
        break;
    case SP_PIX_RGB16:
        *ts = "<u2";
        *item = 2;
        *ch = 3;
        break;
    case SP_PIX_F32:
        *ts = "<f4";
        *item = 4;
        break;
    case SP_PIX_RGB8:
    case SP_PIX_BGR8:
        *ch = 3;
        break;
    case SP_PIX_RGBA8:
    case SP_PIX_BGRA8:
        *ch = 4;
        break;
    case SP_PIX_YUYV:
    case SP_PIX_UYVY:
        *ch = 2;
        break;
    case SP_PIX_NV12:
        *rows = (size_t)im->height + im->height / 2;
        break;
    default:
        break;
    }
}

static const char *dtype_typestr(sp_dtype d)
{
    switch (d) {
    case SP_DTYPE_U8:
        return "|u1";
    case SP_DTYPE_U16:
        return "<u2";
    case SP_DTYPE_I32:
        return "<i4";
    case SP_DTYPE_F32:
        return "<f4";
    default:
        return "|u1";
    }
}

/* The payload's extent in the block. */
static void payload_extent(const sp_frame *f, char **lo, char **hi)
{
    *lo = *hi = NULL;
    if (f->payload == SP_PAYLOAD_POINTS) {
        chan c[MAX_CHANS];
        size_t n = points_channels(&f->u.points, c);
        size_t cap = f->u.points.capacity ? f->u.points.capacity : 1;
        for (size_t i = 0; i < n; i++) {
            char *a = (char *)c[i].data;
            char *b = a + cap * c[i].itemsize * c[i].ncomp;
            if (!*lo || a < *lo)
                *lo = a;
            if (b > *hi)
                *hi = b;
        }
    } else if (f->payload == SP_PAYLOAD_IMAGE) {
        const char *ts;
        size_t item, ch, rows;
        image_layout(&f->u.image, &ts, &item, &ch, &rows);
        *lo = (char *)f->u.image.data;
        *hi = *lo + f->u.image.stride * rows;
    } else if (f->payload == SP_PAYLOAD_TENSOR) {
        size_t n = sp_tensor_count(&f->u.tensor);
        *lo = f->u.tensor.data;
        *hi = *lo + n * sp_dtype_size(f->u.tensor.dtype);
    } /* packets: no array is exported (kind 'packets', no view) */
    if (!*lo)
        *lo = *hi = (char *)f; /* nothing to export */
}

/* ---- the object ---- */

PyObject *sp__py_frame_new(PyObject *owner, sp_frame *f, PyObject *origin)
{
    frame_obj *o = (frame_obj *)PyType_GenericAlloc(frame_class, 0);
    if (!o) {
        sp_frame_unref(f);
        return NULL;
    }
    o->f = f;
    o->owner = Py_NewRef(owner);
    o->origin = Py_NewRef(origin);
    payload_extent(f, &o->lo, &o->hi);
    sp__py_pipeline_frame_count(owner, +1, sp_block_size(f->block));
    return (PyObject *)o;
}

static void frame_dealloc(PyObject *self)
{
    frame_obj *o = (frame_obj *)self;
    PyTypeObject *tp = Py_TYPE(self);
    if (o->f) {
        size_t bytes = sp_block_size(o->f->block);
        sp_frame_unref(o->f);
        sp__py_pipeline_frame_count(o->owner, -1, bytes);
    }
    Py_XDECREF(o->origin);
    Py_XDECREF(o->owner);
    freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    tp_free(self);
    Py_DECREF(tp);
}

static PyObject *frame_new_refused(PyTypeObject *t, PyObject *a, PyObject *k)
{
    PyErr_SetString(PyExc_TypeError,
                    "frames come from iterating a sensorpipe.Pipeline");
    return NULL;
}

static int frame_getbuffer(PyObject *self, Py_buffer *view, int flags)
{
    frame_obj *o = (frame_obj *)self;
    return PyBuffer_FillInfo(view, self, o->lo, o->hi - o->lo, 0, flags);
}

#define F(o) (((frame_obj *)(o))->f)

static PyObject *get_seq(PyObject *self, void *c)
{
    return PyLong_FromUnsignedLongLong(F(self)->seq);
}

static PyObject *get_stamp(PyObject *self, void *c)
{
    return PyLong_FromLongLong(F(self)->timestamp_ns);
}

static PyObject *get_log_time(PyObject *self, void *c)
{
    return PyLong_FromLongLong(F(self)->log_time_ns);
}

static PyObject *get_stream(PyObject *self, void *c)
{
    return PyUnicode_DecodeUTF8(F(self)->stream, strlen(F(self)->stream),
                                "replace");
}

static PyObject *get_sensor(PyObject *self, void *c)
{
    return PyUnicode_FromString(sp_sensor_name(F(self)->sensor));
}

static PyObject *get_kind(PyObject *self, void *c)
{
    return PyUnicode_FromString(sp_payload_name(F(self)->payload));
}

static PyObject *get_origin(PyObject *self, void *c)
{
    return Py_NewRef(((frame_obj *)self)->origin);
}

static PyObject *get_origin_index(PyObject *self, void *c)
{
    return PyLong_FromUnsignedLongLong(F(self)->origin_index);
}

static PyObject *get_source(PyObject *self, void *c)
{
    return Py_BuildValue("(OK)", ((frame_obj *)self)->origin,
                         (unsigned long long)F(self)->origin_index);
}

static PyObject *get_nbytes(PyObject *self, void *c)
{
    return PyLong_FromSize_t(sp_block_size(F(self)->block));
}

static PyObject *get_pipeline(PyObject *self, void *c)
{
    return Py_NewRef(((frame_obj *)self)->owner);
}

static PyGetSetDef frame_getset[] = {
    {"seq", get_seq, NULL, "sequence number in its stream, from 0", NULL},
    {"stamp_ns", get_stamp, NULL, "sensor time in ns (epoch, or log-relative)",
     NULL},
    {"log_time_ns", get_log_time, NULL,
     "when a log recorded it, ns (0 when not from a log)", NULL},
    {"stream", get_stream, NULL, "'velodyne', 'image_02', a topic ...", NULL},
    {"sensor", get_sensor, NULL, "'lidar', 'camera' or 'tensor'", NULL},
    {"kind", get_kind, NULL,
     "the payload: 'points', 'image', 'tensor' or 'packets' (raw lidar "
     "packets, before the lidar stage: no array view)",
     NULL},
    {"origin", get_origin, NULL, "the file it was read from, or None", NULL},
    {"origin_index", get_origin_index, NULL,
     "which item of the origin (a log message's index in its topic)", NULL},
    {"source", get_source, NULL, "(origin, origin_index)", NULL},
    {"nbytes", get_nbytes, NULL, "bytes of the pool block it holds", NULL},
    {"pipeline", get_pipeline, NULL, "the pipeline it came from", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- the layouts the Python layer builds arrays from ---- */

static PyObject *layout_points(PyObject *self, PyObject *noargs)
{
    frame_obj *o = (frame_obj *)self;
    if (o->f->payload != SP_PAYLOAD_POINTS)
        Py_RETURN_NONE;
    const sp_points *p = &o->f->u.points;
    chan c[MAX_CHANS];
    size_t n = points_channels(p, c);
    PyObject *list = PyList_New((Py_ssize_t)n);
    if (!list)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        PyObject *t = Py_BuildValue(
            "(snsn)", c[i].name, (Py_ssize_t)((const char *)c[i].data - o->lo),
            c[i].typestr, (Py_ssize_t)c[i].ncomp);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SetItem(list, (Py_ssize_t)i, t);
    }
    return Py_BuildValue("(nIN)", (Py_ssize_t)p->count, (unsigned)p->height,
                         list);
}

static PyObject *layout_image(PyObject *self, PyObject *noargs)
{
    frame_obj *o = (frame_obj *)self;
    if (o->f->payload != SP_PAYLOAD_IMAGE)
        Py_RETURN_NONE;
    const sp_image *im = &o->f->u.image;
    const char *ts;
    size_t item, ch, rows;
    image_layout(im, &ts, &item, &ch, &rows);
    PyObject *shape, *strides;
    if (ch) {
        shape = Py_BuildValue("(nnn)", (Py_ssize_t)rows, (Py_ssize_t)im->width,
                              (Py_ssize_t)ch);
        strides = Py_BuildValue("(nnn)", (Py_ssize_t)im->stride,
                                (Py_ssize_t)(ch * item), (Py_ssize_t)item);
    } else {
        shape = Py_BuildValue("(nn)", (Py_ssize_t)rows, (Py_ssize_t)im->width);
        strides =
            Py_BuildValue("(nn)", (Py_ssize_t)im->stride, (Py_ssize_t)item);
    }
    if (!shape || !strides) {
        Py_XDECREF(shape);
        Py_XDECREF(strides);
        return NULL;
    }
    return Py_BuildValue("(nNNssI)", (Py_ssize_t)((char *)im->data - o->lo),
                         shape, strides, ts, sp_pixfmt_name(im->format),
                         (unsigned)im->bit_depth);
}

static PyObject *layout_tensor(PyObject *self, PyObject *noargs)
{
    frame_obj *o = (frame_obj *)self;
    if (o->f->payload != SP_PAYLOAD_TENSOR)
        Py_RETURN_NONE;
    const sp_tensor *t = &o->f->u.tensor;
    PyObject *shape = PyTuple_New(t->ndim);
    if (!shape)
        return NULL;
    for (int i = 0; i < t->ndim; i++)
        PyTuple_SetItem(shape, i, PyLong_FromSize_t(t->shape[i]));
    return Py_BuildValue("(nNs)", (Py_ssize_t)((char *)t->data - o->lo), shape,
                         dtype_typestr(t->dtype));
}

static PyMethodDef frame_methods[] = {
    {"_layout_points", layout_points, METH_NOARGS,
     "(count, height, [(name, offset, typestr, values per point)]) or None"},
    {"_layout_image", layout_image, METH_NOARGS,
     "(offset, shape, strides, typestr, pixel format, bit depth) or None"},
    {"_layout_tensor", layout_tensor, METH_NOARGS,
     "(offset, shape, typestr) or None"},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot frame_slots[] = {
    {Py_tp_dealloc, frame_dealloc},
    {Py_tp_new, frame_new_refused},
    {Py_tp_getset, frame_getset},
    {Py_tp_methods, frame_methods},
    {Py_bf_getbuffer, frame_getbuffer},
    {Py_tp_doc, "A frame pulled from a pipeline; it holds its pool block."},
    {0, NULL},
};

static PyType_Spec frame_spec = {
    .name = "sensorpipe._sensorpipe.Frame",
    .basicsize = sizeof(frame_obj),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = frame_slots,
};

int sp__py_frame_set_class(PyObject *cls)
{
    if (!PyType_Check(cls) ||
        !PyType_IsSubtype((PyTypeObject *)cls, sp__py_frame_type)) {
        PyErr_SetString(PyExc_TypeError,
                        "expected a subclass of _sensorpipe.Frame");
        return -1;
    }
    PyTypeObject *old = frame_class;
    frame_class = (PyTypeObject *)Py_NewRef(cls);
    Py_XDECREF((PyObject *)old);
    return 0;
}

int sp__py_frame_init(PyObject *m)
{
    sp__py_frame_type = (PyTypeObject *)PyType_FromSpec(&frame_spec);
    if (!sp__py_frame_type)
        return -1;
    frame_class = (PyTypeObject *)Py_NewRef((PyObject *)sp__py_frame_type);
    return PyModule_AddObjectRef(m, "Frame", (PyObject *)sp__py_frame_type);
}
