/* The point kernels on the caller's arrays: voxel, crop, bev. The Python
 * layer (sensorpipe.voxel, ...) takes an (N, k) array or a dict of
 * channels. Channels (a dict, a frame's points, the columns of a
 * Fortran-ordered array) come as tuples of 1-D arrays that the kernel reads
 * where they are, into outputs the Python layer allocated. An (N, k) array
 * of rows (C order, the usual np.fromfile(...).reshape(-1, 4)) is split
 * into channels in a scratch buffer kept between calls, the kernel writes
 * its output there too, and the result rows go straight into the bytes
 * returned (the *_rows functions). Kernels run without the GIL, on a
 * context of the asked back-end from the module's cache. */
#include <string.h>

#include "sp_py_buffers_int.h"

/* The input cloud, the output cloud and the context of one call. */
typedef struct call {
    sp__py_pbufs ib, ob;
    sp_points in, out;
    sp_backend backend;
    sp_kctx *k;
} call;

static int call_begin(call *c, PyObject *in, Py_ssize_t n, PyObject *out,
                      const char *backend)
{
    c->k = NULL;
    if (sp__py_backend(backend, &c->backend) < 0)
        return -1;
    if (sp__py_points_get(in, n, 0, &c->ib, &c->in) < 0)
        return -1;
    if (out && sp__py_points_get(out, 0, 1, &c->ob, &c->out) < 0) {
        sp__py_points_release(&c->ib);
        return -1;
    }
    if (!out)
        memset(&c->ob, 0, sizeof c->ob);
    c->k = sp__py_kctx_take(c->backend);
    if (!c->k) {
        sp__py_points_release(&c->ib);
        sp__py_points_release(&c->ob);
        return -1;
    }
    return 0;
}

static void call_end(call *c)
{
    sp__py_kctx_give(c->backend, c->k);
    sp__py_points_release(&c->ib);
    sp__py_points_release(&c->ob);
}

static PyObject *py_voxel(PyObject *self, PyObject *args)
{
    PyObject *in, *out;
    Py_ssize_t n;
    float leaf[3];
    unsigned int min_points;
    const char *backend;
    if (!PyArg_ParseTuple(args, "OnO(fff)Is", &in, &n, &out, &leaf[0], &leaf[1],
                          &leaf[2], &min_points, &backend))
        return NULL;
    call c;
    if (call_begin(&c, in, n, out, backend) < 0)
        return NULL;
    sp_voxel_params v = {.leaf = {leaf[0], leaf[1], leaf[2]},
                         .min_points = min_points};
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_voxel(c.k, &v, &c.in, &c.out);
    PyEval_RestoreThread(ts);
    size_t count = c.out.count;
    call_end(&c);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    return PyLong_FromSize_t(count);
}

static PyObject *py_crop(PyObject *self, PyObject *args)
{
    PyObject *in, *out;
    Py_ssize_t n;
    sp_crop_params cp = {0};
    const char *backend;
    if (!PyArg_ParseTuple(args, "OnOI(fff)(fff)ffps", &in, &n, &out, &cp.limits,
                          &cp.min[0], &cp.min[1], &cp.min[2], &cp.max[0],
                          &cp.max[1], &cp.max[2], &cp.range_min, &cp.range_max,
                          &cp.invert, &backend))
        return NULL;
    call c;
    if (call_begin(&c, in, n, out, backend) < 0)
        return NULL;
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_crop(c.k, &cp, &c.in, &c.out);
    PyEval_RestoreThread(ts);
    size_t count = c.out.count;
    call_end(&c);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    return PyLong_FromSize_t(count);
}

static int parse_bev(PyObject *t, sp_bev_params *b)
{
    return PyArg_ParseTuple(t, "ddddddd;bev parameters", &b->xmin, &b->xmax,
                            &b->ymin, &b->ymax, &b->zmin, &b->zmax, &b->res)
               ? 0
               : -1;
}

static PyObject *py_bev_shape(PyObject *self, PyObject *params)
{
    sp_bev_params b;
    size_t s[3];
    if (parse_bev(params, &b) < 0)
        return NULL;
    int rc = sp_bev_shape(&b, s);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    return Py_BuildValue("(nnn)", (Py_ssize_t)s[0], (Py_ssize_t)s[1],
                         (Py_ssize_t)s[2]);
}

static PyObject *py_bev(PyObject *self, PyObject *args)
{
    PyObject *in, *out, *params;
    Py_ssize_t n;
    const char *backend;
    sp_bev_params b;
    if (!PyArg_ParseTuple(args, "OnOOs", &in, &n, &out, &params, &backend) ||
        parse_bev(params, &b) < 0)
        return NULL;
    Py_buffer tv;
    sp_tensor t;
    if (sp__py_tensor_get(out, &tv, &t) < 0)
        return NULL;
    call c;
    if (call_begin(&c, in, n, NULL, backend) < 0) {
        PyBuffer_Release(&tv);
        return NULL;
    }
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_bev_rasterize(c.k, &b, &c.in, &t);
    PyEval_RestoreThread(ts);
    call_end(&c);
    PyBuffer_Release(&tv);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    Py_RETURN_NONE;
}

/* ---- (N, k) rows ---- */

/* Rows x, y, z[, intensity] staged as channels in scratch memory, with
 * room for an output cloud of the same capacity. */
typedef struct rows {
    Py_buffer v;
    size_t n, k;
    void *mem;
    size_t cap;
    sp_points in, out;
} rows;

static int rows_begin(rows *r, PyObject *obj, int with_out)
{
    memset(r, 0, sizeof *r);
    if (PyObject_GetBuffer(obj, &r->v, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return -1;
    const char *f = r->v.format ? r->v.format : "B";
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    if (r->v.ndim != 2 || r->v.itemsize != 4 || strcmp(f, "f") != 0 ||
        r->v.shape[1] < 3 || r->v.shape[1] > 4) {
        PyErr_SetString(PyExc_ValueError,
                        "points: expected a C-contiguous (N, 3) or (N, 4) "
                        "float32 array");
        PyBuffer_Release(&r->v);
        return -1;
    }
    r->n = (size_t)r->v.shape[0];
    r->k = (size_t)r->v.shape[1];
    /* Each channel on a 64-byte boundary. */
    size_t ch = ((r->n ? r->n : 1) * sizeof(float) + 63) & ~(size_t)63;
    r->mem = sp__py_scratch_take(ch * (with_out ? 8 : 4), &r->cap);
    if (!r->mem) {
        PyBuffer_Release(&r->v);
        PyErr_NoMemory();
        return -1;
    }
    char *m = r->mem;
    r->in = (sp_points){.x = (float *)m,
                        .y = (float *)(m + ch),
                        .z = (float *)(m + 2 * ch),
                        .intensity = (float *)(m + 3 * ch),
                        .count = r->n,
                        .capacity = r->n};
    if (with_out) {
        m += 4 * ch;
        r->out = (sp_points){.x = (float *)m,
                             .y = (float *)(m + ch),
                             .z = (float *)(m + 2 * ch),
                             .intensity = (float *)(m + 3 * ch),
                             .capacity = r->n};
    }
    return 0;
}

/* Rows to channels (no GIL needed). */
static void rows_split(rows *r)
{
    const float *p = r->v.buf;
    size_t n = r->n, k = r->k;
    for (size_t i = 0; i < n; i++, p += k) {
        r->in.x[i] = p[0];
        r->in.y[i] = p[1];
        r->in.z[i] = p[2];
        r->in.intensity[i] = k > 3 ? p[3] : 0.0f;
    }
}

/* The output's first m points as rows of k floats in a new bytearray. */
static PyObject *rows_result(rows *r, size_t m)
{
    PyObject *ba =
        PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(m * r->k * 4));
    if (!ba)
        return NULL;
    float *p = (float *)PyByteArray_AsString(ba);
    size_t k = r->k;
    for (size_t i = 0; i < m; i++, p += k) {
        p[0] = r->out.x[i];
        p[1] = r->out.y[i];
        p[2] = r->out.z[i];
        if (k > 3)
            p[3] = r->out.intensity[i];
    }
    return ba;
}

static void rows_end(rows *r)
{
    sp__py_scratch_give(r->mem, r->cap);
    PyBuffer_Release(&r->v);
}

static PyObject *py_voxel_rows(PyObject *self, PyObject *args)
{
    PyObject *in;
    float leaf[3];
    unsigned int min_points;
    const char *backend;
    sp_backend b;
    if (!PyArg_ParseTuple(args, "O(fff)Is", &in, &leaf[0], &leaf[1], &leaf[2],
                          &min_points, &backend) ||
        sp__py_backend(backend, &b) < 0)
        return NULL;
    rows r;
    if (rows_begin(&r, in, 1) < 0)
        return NULL;
    sp_kctx *k = sp__py_kctx_take(b);
    if (!k) {
        rows_end(&r);
        return NULL;
    }
    sp_voxel_params v = {.leaf = {leaf[0], leaf[1], leaf[2]},
                         .min_points = min_points};
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rows_split(&r);
    rc = sp_voxel(k, &v, &r.in, &r.out);
    PyEval_RestoreThread(ts);
    sp__py_kctx_give(b, k);
    PyObject *res = rc < 0 ? sp__py_raise(rc, 0) : rows_result(&r, r.out.count);
    rows_end(&r);
    return res;
}

static PyObject *py_crop_rows(PyObject *self, PyObject *args)
{
    PyObject *in;
    sp_crop_params cp = {0};
    const char *backend;
    sp_backend b;
    if (!PyArg_ParseTuple(args, "OI(fff)(fff)ffps", &in, &cp.limits, &cp.min[0],
                          &cp.min[1], &cp.min[2], &cp.max[0], &cp.max[1],
                          &cp.max[2], &cp.range_min, &cp.range_max, &cp.invert,
                          &backend) ||
        sp__py_backend(backend, &b) < 0)
        return NULL;
    rows r;
    if (rows_begin(&r, in, 1) < 0)
        return NULL;
    sp_kctx *k = sp__py_kctx_take(b);
    if (!k) {
        rows_end(&r);
        return NULL;
    }
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rows_split(&r);
    rc = sp_crop(k, &cp, &r.in, &r.out);
    PyEval_RestoreThread(ts);
    sp__py_kctx_give(b, k);
    PyObject *res = rc < 0 ? sp__py_raise(rc, 0) : rows_result(&r, r.out.count);
    rows_end(&r);
    return res;
}

static PyObject *py_bev_rows(PyObject *self, PyObject *args)
{
    PyObject *in, *out, *params;
    const char *backend;
    sp_bev_params bp;
    sp_backend b;
    if (!PyArg_ParseTuple(args, "OOOs", &in, &out, &params, &backend) ||
        parse_bev(params, &bp) < 0 || sp__py_backend(backend, &b) < 0)
        return NULL;
    Py_buffer tv;
    sp_tensor t;
    if (sp__py_tensor_get(out, &tv, &t) < 0)
        return NULL;
    rows r;
    if (rows_begin(&r, in, 0) < 0) {
        PyBuffer_Release(&tv);
        return NULL;
    }
    sp_kctx *k = sp__py_kctx_take(b);
    int rc = SP_OK;
    if (k) {
        PyThreadState *ts = PyEval_SaveThread();
        rows_split(&r);
        rc = sp_bev_rasterize(k, &bp, &r.in, &t);
        PyEval_RestoreThread(ts);
        sp__py_kctx_give(b, k);
    }
    rows_end(&r);
    PyBuffer_Release(&tv);
    if (!k)
        return NULL;
    if (rc < 0)
        return sp__py_raise(rc, 0);
    Py_RETURN_NONE;
}

PyMethodDef sp__py_points_methods[] = {
    {"_voxel_rows", py_voxel_rows, METH_VARARGS,
     "_voxel_rows(rows, (lx, ly, lz), min_points, backend) -> bytearray of "
     "the output rows"},
    {"_crop_rows", py_crop_rows, METH_VARARGS,
     "_crop_rows(rows, limits, mins, maxs, range_min, range_max, invert, "
     "backend) -> bytearray of the output rows"},
    {"_bev_rows", py_bev_rows, METH_VARARGS,
     "_bev_rows(rows, out, params, backend): rasterise into out (3, H, W)"},
    {"_voxel", py_voxel, METH_VARARGS,
     "_voxel(in, n, out, (lx, ly, lz), min_points, backend) -> count"},
    {"_crop", py_crop, METH_VARARGS,
     "_crop(in, n, out, limits, mins, maxs, range_min, range_max, invert, "
     "backend) -> count"},
    {"_bev_shape", py_bev_shape, METH_O,
     "_bev_shape((xmin, xmax, ymin, ymax, zmin, zmax, res)) -> (3, H, W)"},
    {"_bev", py_bev, METH_VARARGS,
     "_bev(in, n, out, params, backend): rasterise into out (3, H, W)"},
    {NULL, NULL, 0, NULL},
};
