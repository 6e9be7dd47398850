/* _sensorpipe._points_frame(): a points frame of a chosen layout (extra
 * channels included) from a pipeline's pools, its arrays left for the
 * caller to fill through frame.points.
 *
 * No reader fills extra channels yet, and the mapping from a block's
 * layout to NumPy views (names, element types, values per point, offsets
 * inside the exported payload) must not wait for one to be proven: the
 * tests build frames of every extra type and count with this and check
 * frame.points against them. */
#include <string.h>

#include "sp_py_int.h"

static int type_of(const char *name, sp_field_type *out)
{
    for (int t = SP_FIELD_I8; t <= SP_FIELD_F64; t++) {
        const char *n = sp_field_type_name((sp_field_type)t);
        if (n && strcmp(n, name) == 0) {
            *out = (sp_field_type)t;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "extra type '%s': expected i8, u8, i16, u16, i32, u32, f32 "
                 "or f64",
                 name);
    return -1;
}

static int kind_of(const char *name, sp_field_kind *out)
{
    static const char *const names[] = {"value", "color", "label"};
    for (int k = 0; k < 3; k++) {
        if (strcmp(names[k], name) == 0) {
            *out = (sp_field_kind)k;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "extra kind '%s': expected value, color or label", name);
    return -1;
}

/* (pipeline, count, ring, time, [(name, type, count, kind), ...]) */
static PyObject *points_frame(PyObject *self, PyObject *args)
{
    PyObject *pipe, *extras;
    Py_ssize_t count;
    int ring, time;
    if (!PyArg_ParseTuple(args, "OnppO", &pipe, &count, &ring, &time, &extras))
        return NULL;
    sp_poolmgr *mgr = sp__py_pipeline_mgr(pipe);
    if (!mgr)
        return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count: expected >= 0");
        return NULL;
    }
    sp_points_layout lay;
    memset(&lay, 0, sizeof lay);
    lay.fields = (ring ? SP_POINTS_RING : 0) | (time ? SP_POINTS_TIME : 0);
    Py_ssize_t n = PySequence_Size(extras);
    if (n < 0)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name, *type, *kind;
        unsigned int vals;
        sp_field_type t;
        sp_field_kind k;
        PyObject *e = PySequence_GetItem(extras, i);
        int ok = e &&
                 PyArg_ParseTuple(e, "ssIs;extra: (name, type, count, kind)",
                                  &name, &type, &vals, &kind) &&
                 type_of(type, &t) == 0 && kind_of(kind, &k) == 0;
        /* name and the others point into e's items: used before e goes. */
        int rc = ok ? sp_points_layout_add(&lay, name, t, vals, k) : 0;
        Py_XDECREF(e);
        if (!ok)
            return NULL;
        if (rc < 0)
            return sp__py_raise(rc, 0);
    }
    sp_frame *f = NULL;
    int rc = sp_frame_create_points_layout(mgr, (size_t)count, &lay, &f);
    if (rc < 0)
        return sp__py_raise(rc, 0);
    f->u.points.count = (size_t)count;
    return sp__py_frame_new(pipe, f, Py_None);
}

PyMethodDef sp__py_frame_make_methods[] = {
    {"_points_frame", points_frame, METH_VARARGS,
     "_points_frame(pipeline, count, ring, time, [(name, type, count, "
     "kind), ...]) -> Frame: a points frame of that layout from the "
     "pipeline's pools, its values unset (for tests)."},
    {NULL, NULL, 0, NULL},
};
