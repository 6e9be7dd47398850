/* The module `sensorpipe._sensorpipe`: its exceptions (one class per
 * status, each also a subclass of the built-in exception it means), the
 * kernel contexts the kernel functions share, and the functions that are
 * not methods of a type. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_py_int.h"

#ifndef SP_PY_VERSION
#define SP_PY_VERSION "0"
#endif

/* ---- exceptions ---- */

static PyObject *error_base; /* sensorpipe.Error */

/* The class of each error status and the built-in exception it also is.
 * The names keep the library's vocabulary; the built-in base lets callers
 * catch them as they would Python's own. */
static struct {
    int status;
    const char *name;
    PyObject **builtin;
    PyObject *cls;
} classes[] = {
    {SP_EINVAL, "InvalidArgument", &PyExc_ValueError, NULL},
    {SP_ERANGE, "OutOfRange", &PyExc_ValueError, NULL},
    {SP_EFORMAT, "FormatError", &PyExc_ValueError, NULL},
    {SP_ENOTFOUND, "NotFound", &PyExc_FileNotFoundError, NULL},
    {SP_ENOMEM, "OutOfMemory", &PyExc_MemoryError, NULL},
    {SP_EBUDGET, "BudgetExceeded", &PyExc_MemoryError, NULL},
    {SP_EIO, "IOFailure", &PyExc_OSError, NULL},
    {SP_ESYS, "SystemCallError", &PyExc_OSError, NULL},
    {SP_EBUSY, "Busy", &PyExc_RuntimeError, NULL},
    {SP_ETIMEDOUT, "Timeout", &PyExc_TimeoutError, NULL},
    {SP_EAGAIN, "Again", &PyExc_RuntimeError, NULL},
    {SP_EUNSUPPORTED, "Unsupported", &PyExc_RuntimeError, NULL},
    {SP_ECL, "OpenCLError", &PyExc_RuntimeError, NULL},
    {SP_ECANCELED, "Canceled", NULL, NULL},
};
#define NCLASSES (sizeof classes / sizeof classes[0])

static int errors_init(PyObject *m)
{
    error_base = PyErr_NewExceptionWithDoc(
        "sensorpipe.Error",
        "A sensorpipe error: str() is the library's message; .status is "
        "the SP_E... code (negative int), .code its name, .column the "
        "launch string's column of a parse error (else None).",
        NULL, NULL);
    if (!error_base || PyModule_AddObjectRef(m, "Error", error_base) < 0)
        return -1;
    for (size_t i = 0; i < NCLASSES; i++) {
        char full[64];
        snprintf(full, sizeof full, "sensorpipe.%s", classes[i].name);
        PyObject *bases = classes[i].builtin
                              ? PyTuple_Pack(2, error_base, *classes[i].builtin)
                              : PyTuple_Pack(1, error_base);
        if (!bases)
            return -1;
        char doc[128];
        snprintf(doc, sizeof doc, "%s: %s.", sp_status_name(classes[i].status),
                 sp_status_str(classes[i].status));
        classes[i].cls = PyErr_NewExceptionWithDoc(full, doc, bases, NULL);
        Py_DECREF(bases);
        if (!classes[i].cls ||
            PyModule_AddObjectRef(m, classes[i].name, classes[i].cls) < 0)
            return -1;
    }
    return 0;
}

static PyObject *raise_text(int status, const char *text, int column)
{
    PyObject *cls = error_base;
    for (size_t i = 0; i < NCLASSES; i++)
        if (classes[i].status == status)
            cls = classes[i].cls;
    PyObject *exc = PyObject_CallFunction(cls, "s", text);
    if (!exc)
        return NULL;
    PyObject *st = PyLong_FromLong(status);
    PyObject *code = PyUnicode_FromString(sp_status_name(status));
    PyObject *col = column > 0 ? PyLong_FromLong(column) : Py_NewRef(Py_None);
    if (st && code && col && PyObject_SetAttrString(exc, "status", st) == 0 &&
        PyObject_SetAttrString(exc, "code", code) == 0 &&
        PyObject_SetAttrString(exc, "column", col) == 0)
        PyErr_SetObject(cls, exc);
    Py_XDECREF(st);
    Py_XDECREF(code);
    Py_XDECREF(col);
    Py_DECREF(exc);
    return NULL;
}

PyObject *sp__py_raise(int status, int column)
{
    const char *msg = sp_errmsg();
    return raise_text(status, msg && *msg ? msg : sp_status_str(status),
                      column);
}

PyObject *sp__py_raise_fmt(int status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return raise_text(status, text, 0);
}

int sp__py_backend(const char *name, sp_backend *out)
{
    if (sp_backend_from_name(name, out) < 0) {
        PyErr_Format(PyExc_ValueError,
                     "backend '%s', expected auto, scalar, simd or opencl",
                     name);
        return -1;
    }
    return 0;
}

/* ---- kernel contexts ---- */

/* A few contexts per back-end, kept between calls so that their scratch
 * memory (grow-only) and, for OpenCL, the compiled programs are reused.
 * A context serves one call at a time: a call takes one out and gives it
 * back, so threads calling kernels at once each get their own. */
#define KCTX_KEEP 4
static struct {
    sp_kctx *k[KCTX_KEEP];
    int n;
} kcache[SP_BACKEND_OPENCL + 1];
static pthread_mutex_t kcache_lock = PTHREAD_MUTEX_INITIALIZER;

sp_kctx *sp__py_kctx_take(sp_backend b)
{
    sp_kctx *k = NULL;
    pthread_mutex_lock(&kcache_lock);
    if (kcache[b].n > 0)
        k = kcache[b].k[--kcache[b].n];
    pthread_mutex_unlock(&kcache_lock);
    if (k)
        return k;
    sp_kctx_desc d = {.backend = b};
    int rc;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_kctx_create(&d, &k);
    PyEval_RestoreThread(ts);
    if (rc < 0) {
        sp__py_raise(rc, 0);
        return NULL;
    }
    return k;
}

void sp__py_kctx_give(sp_backend b, sp_kctx *k)
{
    pthread_mutex_lock(&kcache_lock);
    if (kcache[b].n < KCTX_KEEP) {
        kcache[b].k[kcache[b].n++] = k;
        k = NULL;
    }
    pthread_mutex_unlock(&kcache_lock);
    sp_kctx_destroy(k);
}

/* Scratch buffers for the kernels' staging (an (N, k) array split into
 * channels and back), kept between calls like the contexts: memory that a
 * call touches for the first time costs a page fault per page, several
 * times what splitting the points costs. */
static struct {
    void *p;
    size_t cap;
} scratch[KCTX_KEEP];
static int nscratch;

void *sp__py_scratch_take(size_t bytes, size_t *cap)
{
    void *p = NULL;
    pthread_mutex_lock(&kcache_lock);
    int best = -1;
    for (int i = 0; i < nscratch; i++)
        if (best < 0 || scratch[i].cap > scratch[best].cap)
            best = i;
    if (best >= 0 && scratch[best].cap >= bytes) {
        p = scratch[best].p;
        *cap = scratch[best].cap;
        scratch[best] = scratch[--nscratch];
    }
    pthread_mutex_unlock(&kcache_lock);
    if (p)
        return p;
    bytes = (bytes + 4095) & ~(size_t)4095;
    if (posix_memalign(&p, 64, bytes ? bytes : 4096) != 0)
        return NULL;
    *cap = bytes;
    return p;
}

void sp__py_scratch_give(void *p, size_t cap)
{
    pthread_mutex_lock(&kcache_lock);
    if (nscratch == KCTX_KEEP) {
        /* Keep the largest ones. */
        int small = 0;
        for (int i = 1; i < nscratch; i++)
            if (scratch[i].cap < scratch[small].cap)
                small = i;
        if (scratch[small].cap < cap) {
            void *old = scratch[small].p;
            scratch[small].p = p;
            scratch[small].cap = cap;
            p = old;
        }
    } else {
        scratch[nscratch].p = p;
        scratch[nscratch++].cap = cap;
        p = NULL;
    }
    pthread_mutex_unlock(&kcache_lock);
    free(p);
}

static void kcache_clear(void)
{
    pthread_mutex_lock(&kcache_lock);
    for (size_t b = 0; b < sizeof kcache / sizeof kcache[0]; b++)
        while (kcache[b].n > 0)
            sp_kctx_destroy(kcache[b].k[--kcache[b].n]);
    while (nscratch > 0)
        free(scratch[--nscratch].p);
    pthread_mutex_unlock(&kcache_lock);
}

/* ---- module functions ---- */

static PyObject *describe(PyObject *self, PyObject *noargs)
{
    int n = sp_kernels_describe(NULL, 0);
    if (n < 0)
        return sp__py_raise(n, 0);
    char *buf = PyMem_Malloc((size_t)n + 1);
    if (!buf)
        return PyErr_NoMemory();
    sp_kernels_describe(buf, (size_t)n + 1);
    PyObject *s = PyUnicode_DecodeUTF8(buf, n, "replace");
    PyMem_Free(buf);
    return s;
}

static PyObject *simd_level(PyObject *self, PyObject *noargs)
{
    return PyUnicode_FromString(sp_simd_level_name(sp_simd_detect()));
}

static PyObject *set_frame_class(PyObject *self, PyObject *cls)
{
    if (sp__py_frame_set_class(cls) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *alloc_counting(PyObject *self, PyObject *noargs)
{
    return PyBool_FromLong(sp_alloc_counter_active());
}

static PyObject *alloc_count(PyObject *self, PyObject *noargs)
{
    return PyLong_FromUnsignedLongLong(sp__py_alloc_count());
}

static PyObject *trim_kernels(PyObject *self, PyObject *noargs)
{
    kcache_clear();
    Py_RETURN_NONE;
}

static PyObject *status_name(PyObject *self, PyObject *arg)
{
    long st = PyLong_AsLong(arg);
    if (st == -1 && PyErr_Occurred())
        return NULL;
    return PyUnicode_FromString(sp_status_name((int)st));
}

static PyMethodDef module_methods[] = {
    {"describe", describe, METH_NOARGS,
     "describe() -> str: the SIMD level and why, the OpenCL platforms and "
     "devices and the one chosen (as `sensorpipe devices`)."},
    {"simd_level", simd_level, METH_NOARGS,
     "simd_level() -> str: 'avx2', 'sse41', 'neon' or 'scalar' (after "
     "SP_SIMD=)."},
    {"_set_frame_class", set_frame_class, METH_O,
     "Frames are created as this subclass of _sensorpipe.Frame."},
    {"_alloc_counting", alloc_counting, METH_NOARGS,
     "True when the library's heap allocations are counted for stats()."},
    {"_alloc_count", alloc_count, METH_NOARGS,
     "The library's malloc-family calls so far (0 when not counted)."},
    {"trim_kernels", trim_kernels, METH_NOARGS,
     "trim_kernels(): free the kernel contexts and scratch buffers (and "
     "their memory) that the kernel functions keep between calls."},
    {"status_name", status_name, METH_O,
     "status_name(status) -> str: 'SP_EFORMAT' for -4, ..."},
    {NULL, NULL, 0, NULL},
};

static int add_methods(PyObject *m, PyMethodDef *defs)
{
    PyObject *name = PyModule_GetNameObject(m);
    if (!name)
        return -1;
    int rc = 0;
    for (PyMethodDef *d = defs; d->ml_name; d++) {
        PyObject *f = PyCFunction_NewEx(d, NULL, name);
        if (!f || PyModule_AddObject(m, d->ml_name, f) < 0) {
            Py_XDECREF(f);
            rc = -1;
            break;
        }
    }
    Py_DECREF(name);
    return rc;
}

static void module_free(void *m)
{
    kcache_clear();
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_sensorpipe",
    .m_doc = "sensorpipe's C extension; use the package `sensorpipe`.",
    .m_size = -1,
    .m_methods = module_methods,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__sensorpipe(void)
{
    PyObject *m = PyModule_Create(&module_def);
    if (!m)
        return NULL;
    if (errors_init(m) < 0 || sp__py_frame_init(m) < 0 ||
        sp__py_pipeline_init(m) < 0 ||
        add_methods(m, sp__py_points_methods) < 0 ||
        add_methods(m, sp__py_image_methods) < 0 ||
        add_methods(m, sp__py_frame_make_methods) < 0 ||
        PyModule_AddStringConstant(m, "__version__", SP_PY_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "HAVE_OPENCL", SP_HAVE_OPENCL) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    sp__py_alloc_counting();
    return m;
}
