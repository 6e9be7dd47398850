/* The camera kernels on the caller's arrays: debayer, resize, normalize.
 * The Python layer names the pixel formats (a NumPy array does not carry
 * one) and allocates the outputs; rows may be padded, pixels must be
 * contiguous within a row (buffers.c). */
#include "sp_py_buffers_int.h"

static int pixfmt(const char *name, sp_pixfmt *out)
{
    if (sp_pixfmt_from_name(name, out) < 0) {
        PyErr_Format(PyExc_ValueError, "%s", sp_errmsg());
        return -1;
    }
    return 0;
}

/* Source and destination images and the context of one call. */
typedef struct call {
    Py_buffer sv, dv;
    sp_image src, dst;
    sp_backend backend;
    sp_kctx *k;
} call;

static int call_begin(call *c, PyObject *src, sp_pixfmt sf, PyObject *dst,
                      sp_pixfmt df, const char *backend)
{
    if (sp__py_backend(backend, &c->backend) < 0)
        return -1;
    if (sp__py_image_get(src, sf, 0, &c->sv, &c->src) < 0)
        return -1;
    if (dst && sp__py_image_get(dst, df, 1, &c->dv, &c->dst) < 0) {
        PyBuffer_Release(&c->sv);
        return -1;
    }
    c->k = sp__py_kctx_take(c->backend);
    if (!c->k) {
        PyBuffer_Release(&c->sv);
        if (dst)
            PyBuffer_Release(&c->dv);
        return -1;
    }
    return 0;
}

static PyObject *call_end(call *c, int have_dst, int rc)
{
    sp__py_kctx_give(c->backend, c->k);
    PyBuffer_Release(&c->sv);
    if (have_dst)
        PyBuffer_Release(&c->dv);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    Py_RETURN_NONE;
}

static PyObject *py_debayer(PyObject *self, PyObject *args)
{
    PyObject *src, *dst;
    const char *sfn, *dfn, *method, *pattern, *backend;
    if (!PyArg_ParseTuple(args, "OsOssss", &src, &sfn, &dst, &dfn, &method,
                          &pattern, &backend))
        return NULL;
    sp_pixfmt sf, df;
    sp_debayer_desc d = {0};
    if (pixfmt(sfn, &sf) < 0 || pixfmt(dfn, &df) < 0)
        return NULL;
    if (sp_debayer_method_from_name(method, &d.method) < 0 ||
        (*pattern && sp_bayer_pattern_from_name(pattern, &d.pattern) < 0)) {
        PyErr_Format(PyExc_ValueError, "%s", sp_errmsg());
        return NULL;
    }
    d.bgr = df == SP_PIX_BGR8;
    call c;
    if (call_begin(&c, src, sf, dst, df, backend) < 0)
        return NULL;
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_debayer(c.k, &d, &c.src, &c.dst);
    PyEval_RestoreThread(ts);
    return call_end(&c, 1, rc);
}

static PyObject *py_resize(PyObject *self, PyObject *args)
{
    PyObject *src, *dst;
    const char *fn, *method, *backend;
    if (!PyArg_ParseTuple(args, "OOsss", &src, &dst, &fn, &method, &backend))
        return NULL;
    sp_pixfmt f;
    sp_resize_method m;
    if (pixfmt(fn, &f) < 0)
        return NULL;
    if (sp_resize_method_from_name(method, &m) < 0) {
        PyErr_Format(PyExc_ValueError, "%s", sp_errmsg());
        return NULL;
    }
    call c;
    if (call_begin(&c, src, f, dst, f, backend) < 0)
        return NULL;
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_resize(c.k, &c.src, &c.dst, m);
    PyEval_RestoreThread(ts);
    return call_end(&c, 1, rc);
}

static int floats3(PyObject *seq, float v[3], int *n, const char *what)
{
    PyObject *fast = PySequence_Tuple(seq);
    if (!fast)
        return -1;
    Py_ssize_t len = PyTuple_Size(fast);
    if (len != 0 && len != 1 && len != 3) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError,
                     "normalize: %s has %zd values, expected 1 or 3 (R, G, "
                     "B)",
                     what, len);
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++) {
        double d = PyFloat_AsDouble(PyTuple_GetItem(fast, i));
        if (d == -1.0 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return -1;
        }
        v[i] = (float)d;
    }
    Py_DECREF(fast);
    *n = (int)len;
    return 0;
}

static PyObject *py_normalize(PyObject *self, PyObject *args)
{
    PyObject *src, *dst, *mean, *std;
    const char *fn, *order, *backend;
    float scale;
    if (!PyArg_ParseTuple(args, "OsOOOfss", &src, &fn, &dst, &mean, &std,
                          &scale, &order, &backend))
        return NULL;
    sp_pixfmt f;
    sp_normalize_desc d = {.scale = scale};
    int nm, ns;
    if (pixfmt(fn, &f) < 0 || floats3(mean, d.mean, &nm, "mean") < 0 ||
        floats3(std, d.std, &ns, "std") < 0)
        return NULL;
    if (nm != ns) {
        PyErr_Format(PyExc_ValueError,
                     "normalize: mean has %d values and std %d, expected "
                     "as many",
                     nm, ns);
        return NULL;
    }
    d.nvalues = nm;
    if (sp_channel_order_from_name(order, &d.order) < 0) {
        PyErr_Format(PyExc_ValueError, "%s", sp_errmsg());
        return NULL;
    }
    Py_buffer tv;
    sp_tensor t;
    if (sp__py_tensor_get(dst, &tv, &t) < 0)
        return NULL;
    call c;
    if (call_begin(&c, src, f, NULL, f, backend) < 0) {
        PyBuffer_Release(&tv);
        return NULL;
    }
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_normalize(c.k, &d, &c.src, &t);
    PyEval_RestoreThread(ts);
    PyBuffer_Release(&tv);
    return call_end(&c, 0, rc);
}

PyMethodDef sp__py_image_methods[] = {
    {"_debayer", py_debayer, METH_VARARGS,
     "_debayer(src, src_format, dst, dst_format, method, pattern, backend)"},
    {"_resize", py_resize, METH_VARARGS,
     "_resize(src, dst, format, method, backend)"},
    {"_normalize", py_normalize, METH_VARARGS,
     "_normalize(src, format, dst, mean, std, scale, order, backend)"},
    {NULL, NULL, 0, NULL},
};
