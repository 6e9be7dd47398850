/* The point kernels on the caller's arrays: voxel, crop, bev. The Python
 * layer (sensorpipe.voxel, ...) takes an (N, k) array or a dict of
 * channels, allocates the outputs and calls these with tuples of 1-D
 * channel arrays; the kernel runs where the arrays are, without the GIL,
 * on a context of the asked back-end from the module's cache. */
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
    if (!PyArg_ParseTuple(args, "OnO(fff)Is", &in, &n, &out, &leaf[0],
                          &leaf[1], &leaf[2], &min_points, &backend))
        return NULL;
    call c;
    if (call_begin(&c, in, n, out, backend) < 0)
        return NULL;
    sp_voxel_params v = {.leaf = {leaf[0], leaf[1], leaf[2]},
                         .min_points = min_points};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sp_voxel(c.k, &v, &c.in, &c.out);
    Py_END_ALLOW_THREADS
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
    if (!PyArg_ParseTuple(args, "OnOI(fff)(fff)ffps", &in, &n, &out,
                          &cp.limits, &cp.min[0], &cp.min[1], &cp.min[2],
                          &cp.max[0], &cp.max[1], &cp.max[2], &cp.range_min,
                          &cp.range_max, &cp.invert, &backend))
        return NULL;
    call c;
    if (call_begin(&c, in, n, out, backend) < 0)
        return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = sp_crop(c.k, &cp, &c.in, &c.out);
    Py_END_ALLOW_THREADS
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
    Py_BEGIN_ALLOW_THREADS
    rc = sp_bev_rasterize(c.k, &b, &c.in, &t);
    Py_END_ALLOW_THREADS
    call_end(&c);
    PyBuffer_Release(&tv);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    Py_RETURN_NONE;
}

PyMethodDef sp__py_points_methods[] = {
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
