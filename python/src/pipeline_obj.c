/* _sensorpipe.Pipeline: a pipeline built from a launch string and pulled
 * lazily, one frame per __next__.
 *
 * The pipeline object owns a pool manager of its own (passed to
 * sp_pipeline_create as a borrowed manager), and every frame references the
 * pipeline object, so the manager outlives every block a frame or array
 * still holds; close() ends the run (threads joined, every stage's fini(),
 * every block the stages held returned) while frames stay valid, and the
 * pipeline and its manager are freed when the object and its last frame
 * are gone.
 *
 * A pull runs without the GIL, with SIGINT armed to stop the pipeline
 * (sigint.c). One thread drives a pipeline: a second thread that pulls
 * while a pull is in progress is refused with sensorpipe.Busy. */
#include <string.h>
#include <time.h>

#include "sp_py_int.h"

typedef struct pipe_obj {
    PyObject_HEAD
    sp_pipeline *p;
    sp_poolmgr *mgr;
    int busy;   /* a pull is in progress (GIL released) */
    int ended;  /* end of stream, an error, a stop, or closed */
    int closed; /* close() started */
    Py_ssize_t frames_alive;
    Py_ssize_t bytes_alive;
    /* The last origin seen and its str: consecutive frames mostly come
     * from one file, so the string is made once per file, not per frame. */
    char *origin_c;
    PyObject *origin_s;
} pipe_obj;

static PyTypeObject *pipe_type;

void sp__py_pipeline_frame_count(PyObject *owner, int delta, size_t bytes)
{
    pipe_obj *o = (pipe_obj *)owner;
    o->frames_alive += delta;
    o->bytes_alive += delta * (Py_ssize_t)bytes;
}

sp_poolmgr *sp__py_pipeline_mgr(PyObject *obj)
{
    if (!PyObject_TypeCheck(obj, pipe_type)) {
        PyErr_SetString(PyExc_TypeError, "expected a sensorpipe.Pipeline");
        return NULL;
    }
    return ((pipe_obj *)obj)->mgr;
}

static PyObject *origin_of(pipe_obj *o, const char *origin)
{
    if (!origin)
        return Py_None;
    if (o->origin_c && strcmp(o->origin_c, origin) == 0)
        return o->origin_s;
    size_t n = strlen(origin);
    PyObject *s = PyUnicode_DecodeFSDefaultAndSize(origin, (Py_ssize_t)n);
    char *c = PyMem_Malloc(n + 1);
    if (!s || !c) {
        Py_XDECREF(s);
        PyMem_Free(c);
        return NULL;
    }
    memcpy(c, origin, n + 1);
    PyMem_Free(o->origin_c);
    Py_XDECREF(o->origin_s);
    o->origin_c = c;
    o->origin_s = s;
    return s;
}

static int check_created(pipe_obj *o)
{
    if (!o->p) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Pipeline.__init__ was not called or failed");
        return -1;
    }
    return 0;
}

static PyObject *pipe_new(PyTypeObject *t, PyObject *args, PyObject *kw)
{
    allocfunc alloc = (allocfunc)PyType_GetSlot(t, Py_tp_alloc);
    return alloc(t, 0);
}

static int pipe_init(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"launch",        "budget",     "backend",
                             "warmup_frames", "timeout_ms", NULL};
    pipe_obj *o = (pipe_obj *)self;
    const char *launch, *backend = "auto";
    unsigned long long budget = 0;
    unsigned int warmup = 0;
    long long timeout_ms = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|$KsIL", kwlist, &launch,
                                     &budget, &backend, &warmup, &timeout_ms))
        return -1;
    if (o->p) {
        PyErr_SetString(PyExc_RuntimeError, "Pipeline already created");
        return -1;
    }
    sp_backend b;
    if (sp__py_backend(backend, &b) < 0)
        return -1;
    sp_poolmgr_desc md = {.budget_bytes = budget, .timeout_ms = timeout_ms};
    sp_pipeline_opts po = {.backend = b, .warmup_frames = warmup};
    sp_poolmgr *mgr = NULL;
    sp_pipeline *p = NULL;
    int rc, column = 0;
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_poolmgr_create(&md, &mgr);
    if (rc == SP_OK) {
        po.poolmgr = mgr;
        rc = sp_pipeline_create(launch, &po, &p);
        if (rc < 0)
            column = sp_pipeline_error_column();
    }
    PyEval_RestoreThread(ts);
    if (rc < 0) {
        sp__py_raise(rc, column);
        sp_poolmgr_destroy(mgr);
        return -1;
    }
    o->mgr = mgr;
    o->p = p;
    return 0;
}

static void pipe_dealloc(PyObject *self)
{
    pipe_obj *o = (pipe_obj *)self;
    PyTypeObject *tp = Py_TYPE(self);
    if (PyType_GetFlags(tp) & Py_TPFLAGS_HAVE_GC)
        PyObject_GC_UnTrack(self);
    /* Frames reference this object, so none is alive here and the manager
     * has every block back once the pipeline is destroyed. */
    sp_pipeline_destroy(o->p);
    if (o->mgr && sp_poolmgr_destroy(o->mgr) < 0) {
        /* Cannot happen while frames hold this object; leave it rather
         * than free memory something may still point into. */
    }
    PyMem_Free(o->origin_c);
    Py_XDECREF(o->origin_s);
    freefunc tp_free = (freefunc)PyType_GetSlot(tp, Py_tp_free);
    tp_free(self);
    Py_DECREF(tp);
}

/* Marks a pull in progress; -1 with an exception when refused, 1 when the
 * iteration is over (nothing to pull), 0 to go on. */
static int pull_enter(pipe_obj *o)
{
    if (check_created(o) < 0)
        return -1;
    if (o->busy) {
        sp__py_raise_fmt(SP_EBUSY,
                         "pipeline: another thread is pulling it; a "
                         "pipeline is driven by one thread at a time");
        return -1;
    }
    if (o->ended || o->closed)
        return 1;
    o->busy = 1;
    return 0;
}

/* After the pull: the exception for a status other than SP_OK (NULL
 * returned with nothing set = the end of the iteration). @p signaled: our
 * SIGINT handler ran during the pull. */
static PyObject *pull_status(pipe_obj *o, int rc, int signaled)
{
    o->ended = 1;
    if (rc == SP_EOS)
        return NULL;
    if (rc != SP_ECANCELED)
        return sp__py_raise(rc, 0);
    /* Ctrl-C: Python's KeyboardInterrupt. Python's handler has normally
     * run before ours stopped the pipeline, but a library's handler in
     * between (LLVM's, through PoCL) re-raises the signal, which then
     * arrives when ours returns: give it a moment. A stop() or close()
     * from elsewhere (no signal) ends the iteration quietly. */
    for (int i = 0; i < (signaled ? 100 : 1); i++) {
        if (PyErr_CheckSignals() < 0 || !signaled)
            break;
        struct timespec ms = {0, 1000000};
        PyThreadState *ts = PyEval_SaveThread();
        nanosleep(&ms, NULL);
        PyEval_RestoreThread(ts);
    }
    return NULL;
}

static PyObject *pipe_next(PyObject *self)
{
    pipe_obj *o = (pipe_obj *)self;
    int e = pull_enter(o);
    if (e != 0)
        return NULL;
    sp_frame *f = NULL;
    int rc;
    unsigned long sig0 = sp__py_sigint_fired();
    int token = sp__py_sigint_arm(o->p);
    PyThreadState *ts = PyEval_SaveThread();
    rc = sp_pipeline_pull(o->p, &f);
    PyEval_RestoreThread(ts);
    sp__py_sigint_disarm(token);
    o->busy = 0;
    if (rc != SP_OK)
        return pull_status(o, rc, sp__py_sigint_fired() != sig0);
    PyObject *origin = origin_of(o, f->origin);
    if (!origin) {
        sp_frame_unref(f);
        return NULL;
    }
    return sp__py_frame_new(self, f, origin);
}

static PyObject *pipe_iter(PyObject *self)
{
    return Py_NewRef(self);
}

static PyObject *pipe_run(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    int e = pull_enter(o);
    if (e < 0)
        return NULL;
    if (e > 0)
        return PyLong_FromLong(0);
    unsigned long long n = 0;
    sp_frame *f;
    int rc;
    unsigned long sig0 = sp__py_sigint_fired();
    int token = sp__py_sigint_arm(o->p);
    PyThreadState *ts = PyEval_SaveThread();
    while ((rc = sp_pipeline_pull(o->p, &f)) == SP_OK) {
        sp_frame_unref(f);
        n++;
    }
    PyEval_RestoreThread(ts);
    sp__py_sigint_disarm(token);
    o->busy = 0;
    pull_status(o, rc, sp__py_sigint_fired() != sig0);
    if (PyErr_Occurred())
        return NULL;
    return PyLong_FromUnsignedLongLong(n);
}

static PyObject *pipe_stop(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    if (check_created(o) < 0)
        return NULL;
    sp_pipeline_stop(o->p);
    Py_RETURN_NONE;
}

static PyObject *pipe_close(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    if (!o->p || o->closed)
        Py_RETURN_NONE;
    o->closed = 1;
    sp_pipeline_stop(o->p);
    /* Another thread is in a pull: it returns soon after the stop; the
     * pipeline must not be closed under it. */
    while (o->busy) {
        struct timespec ms = {0, 1000000};
        PyThreadState *ts = PyEval_SaveThread();
        nanosleep(&ms, NULL);
        PyEval_RestoreThread(ts);
    }
    o->busy = 1;
    PyThreadState *ts = PyEval_SaveThread();
    sp_pipeline_close(o->p);
    PyEval_RestoreThread(ts);
    o->busy = 0;
    o->ended = 1;
    Py_RETURN_NONE;
}

static PyObject *pipe_enter(PyObject *self, PyObject *noargs)
{
    if (check_created((pipe_obj *)self) < 0)
        return NULL;
    return Py_NewRef(self);
}

static PyObject *pipe_exit(PyObject *self, PyObject *args)
{
    PyObject *r = pipe_close(self, NULL);
    if (!r)
        return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

/* ---- figures ---- */

/* d[key] = v, stealing v; -1 when v is NULL or the set fails. */
static int put(PyObject *d, const char *key, PyObject *v)
{
    if (!v)
        return -1;
    int rc = PyDict_SetItemString(d, key, v);
    Py_DECREF(v);
    return rc;
}

#define U64(v) PyLong_FromUnsignedLongLong((unsigned long long)(v))

static PyObject *pool_dict(const sp_pool_stats *s)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    if (put(d, "name", PyUnicode_FromString(s->name)) < 0 ||
        put(d, "block_bytes", U64(s->block_size)) < 0 ||
        put(d, "alignment", U64(s->alignment)) < 0 ||
        put(d, "blocks", U64(s->blocks)) < 0 ||
        put(d, "in_use", U64(s->in_use)) < 0 ||
        put(d, "high_water", U64(s->high_water)) < 0 ||
        put(d, "max_blocks", U64(s->max_blocks)) < 0 ||
        put(d, "acquires", U64(s->acquires)) < 0 ||
        put(d, "releases", U64(s->releases)) < 0 ||
        put(d, "reuses", U64(s->reuses)) < 0 ||
        put(d, "grows", U64(s->grows)) < 0 ||
        put(d, "trims", U64(s->trims)) < 0 ||
        put(d, "waits", U64(s->waits)) < 0 ||
        put(d, "wait_ns", U64(s->wait_ns)) < 0 ||
        put(d, "timeouts", U64(s->timeouts)) < 0 ||
        put(d, "reuse_ratio", PyFloat_FromDouble(s->reuse_ratio)) < 0 ||
        put(d, "bytes_reserved", U64(s->bytes_reserved)) < 0 ||
        put(d, "bytes_locked", U64(s->bytes_locked)) < 0 ||
        put(d, "lock_failures", U64(s->lock_failures)) < 0 ||
        put(d, "numa_node", PyLong_FromLong(s->numa_node)) < 0 ||
        put(d, "numa_note", PyUnicode_FromString(s->numa_note)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *stage_dict(const sp_stage_stats *s)
{
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    if (put(d, "name", PyUnicode_FromString(s->name)) < 0 ||
        put(d, "class", PyUnicode_FromString(s->cls)) < 0 ||
        put(d, "frames_in", U64(s->frames_in)) < 0 ||
        put(d, "frames_out", U64(s->frames_out)) < 0 ||
        put(d, "frames", U64(s->frames_out)) < 0 ||
        put(d, "skipped", U64(s->skipped)) < 0 ||
        put(d, "threads", PyLong_FromLong(s->threads)) < 0 ||
        put(d, "frames_split", U64(s->frames_split)) < 0 ||
        put(d, "mean_ns", U64(s->mean_ns)) < 0 ||
        put(d, "p50_ns", U64(s->p50_ns)) < 0 ||
        put(d, "p99_ns", U64(s->p99_ns)) < 0 ||
        put(d, "p90_ns", U64(s->p90_ns)) < 0 ||
        put(d, "p999_ns", U64(s->p999_ns)) < 0 ||
        put(d, "jitter_ns", U64(s->jitter_ns)) < 0 ||
        put(d, "max_ns", U64(s->max_ns)) < 0 ||
        put(d, "busy_s", PyFloat_FromDouble(s->busy_s)) < 0 ||
        put(d, "fps", PyFloat_FromDouble(s->fps)) < 0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *list_of_pools(sp_poolmgr *mgr)
{
    size_t n = sp_poolmgr_pool_count(mgr);
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < n; i++) {
        sp_pool_stats s;
        if (sp_poolmgr_stats_get(mgr, i, &s) < 0)
            continue;
        PyObject *d = pool_dict(&s);
        if (!d || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(d);
    }
    return list;
}

static PyObject *pipe_pools(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    if (check_created(o) < 0)
        return NULL;
    return list_of_pools(o->mgr);
}

static PyObject *pipe_stats(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    if (check_created(o) < 0)
        return NULL;
    sp_pipeline_stats *s = PyMem_Malloc(sizeof *s);
    if (!s)
        return PyErr_NoMemory();
    int rc = sp_pipeline_stats_get(o->p, s);
    if (rc < 0) {
        PyMem_Free(s);
        return sp__py_raise(rc, 0);
    }
    PyObject *d = PyDict_New(), *stages = PyList_New(0), *py = PyDict_New();
    PyObject *pools = list_of_pools(o->mgr);
    int ok = d && stages && pools && py;
    for (size_t i = 0; ok && i < s->nstages; i++) {
        PyObject *sd = stage_dict(&s->stages[i]);
        ok = sd && PyList_Append(stages, sd) == 0;
        Py_XDECREF(sd);
    }
    int counted = s->alloc_counted && s->frames >= s->warmup_frames;
    ok = ok && put(d, "frames", U64(s->frames)) == 0 &&
         put(d, "wall_s", PyFloat_FromDouble(s->wall_s)) == 0 &&
         put(d, "fps", PyFloat_FromDouble(s->fps)) == 0 &&
         put(d, "backend", PyUnicode_FromString(s->backend)) == 0 &&
         PyDict_SetItemString(d, "stages", stages) == 0 &&
         PyDict_SetItemString(d, "pools", pools) == 0 &&
         put(d, "pool_budget_bytes", U64(s->pool_budget_bytes)) == 0 &&
         put(d, "pool_reserved_bytes", U64(s->pool_reserved_bytes)) == 0 &&
         put(d, "peak_rss_bytes", U64(s->peak_rss_bytes)) == 0 &&
         put(d, "warmup_frames", U64(s->warmup_frames)) == 0 &&
         put(d, "frames_after_warmup", U64(s->frames_after_warmup)) == 0 &&
         put(d, "heap_allocs_after_warmup",
             counted ? U64(s->heap_allocs_after_warmup) : Py_NewRef(Py_None)) ==
             0 &&
         put(d, "heap_allocs_counted",
             PyUnicode_FromString(
                 !s->alloc_counted
                     ? "no (sanitizer build)"
                     : "sensorpipe's own malloc-family calls, all threads")) ==
             0 &&
         put(d, "pool_grows_after_warmup",
             counted ? U64(s->pool_grows_after_warmup) : Py_NewRef(Py_None)) ==
             0 &&
         put(py, "frames_alive", PyLong_FromSsize_t(o->frames_alive)) == 0 &&
         put(py, "bytes_alive", PyLong_FromSsize_t(o->bytes_alive)) == 0 &&
         PyDict_SetItemString(d, "python", py) == 0;
    PyMem_Free(s);
    Py_XDECREF(stages);
    Py_XDECREF(pools);
    Py_XDECREF(py);
    if (!ok) {
        Py_XDECREF(d);
        return NULL;
    }
    return d;
}

static PyObject *pipe_report(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"format", NULL};
    pipe_obj *o = (pipe_obj *)self;
    const char *fmt = "table";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|s", kwlist, &fmt) ||
        check_created(o) < 0)
        return NULL;
    sp_report_format rf;
    if (!strcmp(fmt, "table"))
        rf = SP_REPORT_TABLE;
    else if (!strcmp(fmt, "json"))
        rf = SP_REPORT_JSON;
    else {
        PyErr_Format(PyExc_ValueError,
                     "report format '%s', expected 'table' or 'json'", fmt);
        return NULL;
    }
    int n = sp_pipeline_report(o->p, rf, NULL, 0);
    if (n < 0)
        return sp__py_raise(n, 0);
    char *buf = PyMem_Malloc((size_t)n + 1);
    if (!buf)
        return PyErr_NoMemory();
    sp_pipeline_report(o->p, rf, buf, (size_t)n + 1);
    PyObject *s = PyUnicode_DecodeUTF8(buf, n, "replace");
    PyMem_Free(buf);
    return s;
}

static PyObject *pipe_notes(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    if (check_created(o) < 0)
        return NULL;
    size_t n = sp_pipeline_note_count(o->p);
    PyObject *list = PyList_New(0);
    for (size_t i = 0; list && i < n; i++) {
        uint64_t rep = 0;
        const char *text = sp_pipeline_note(o->p, i, &rep);
        PyObject *t =
            Py_BuildValue("(sK)", text ? text : "", (unsigned long long)rep);
        if (!t || PyList_Append(list, t) < 0)
            Py_CLEAR(list);
        Py_XDECREF(t);
    }
    return list;
}

static PyObject *pipe_stages(PyObject *self, PyObject *noargs)
{
    pipe_obj *o = (pipe_obj *)self;
    if (check_created(o) < 0)
        return NULL;
    size_t n = sp_pipeline_stage_count(o->p);
    PyObject *list = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; list && i < n; i++) {
        PyObject *s = PyUnicode_FromString(sp_pipeline_stage_name(o->p, i));
        if (!s)
            Py_CLEAR(list);
        else
            PyList_SetItem(list, (Py_ssize_t)i, s);
    }
    return list;
}

static PyObject *get_closed(PyObject *self, void *c)
{
    return PyBool_FromLong(((pipe_obj *)self)->closed);
}

static PyObject *get_frames_alive(PyObject *self, void *c)
{
    return PyLong_FromSsize_t(((pipe_obj *)self)->frames_alive);
}

static PyMethodDef pipe_methods[] = {
    {"run", pipe_run, METH_NOARGS,
     "run() -> int: pull every frame in C (releasing each at once) until "
     "the end; returns how many. For pipelines that end in a sink."},
    {"stop", pipe_stop, METH_NOARGS,
     "stop(): ask the pipeline to stop (any thread); the iteration then "
     "ends within ~50 ms."},
    {"close", pipe_close, METH_NOARGS,
     "close(): end the run: threads joined, every stage finished, every "
     "block the stages held returned. Frames already pulled stay valid. "
     "Idempotent."},
    {"stats", pipe_stats, METH_NOARGS,
     "stats() -> dict: frames, stages (list of dicts), pools (list of "
     "dicts), memory and heap figures."},
    {"pools", pipe_pools, METH_NOARGS,
     "pools() -> list of dict: each pool of the pipeline's manager."},
    {"report", (PyCFunction)(void (*)(void))pipe_report,
     METH_VARARGS | METH_KEYWORDS,
     "report(format='table'|'json') -> str: the stages, pools and memory "
     "as `sensorpipe run --stats` prints them."},
    {"notes", pipe_notes, METH_NOARGS,
     "notes() -> list of (text, repeats): what the stages skipped, dropped "
     "or guessed (final after close())."},
    {"stage_names", pipe_stages, METH_NOARGS,
     "stage_names() -> list of str: the stages' instance names."},
    {"__enter__", pipe_enter, METH_NOARGS, NULL},
    {"__exit__", pipe_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef pipe_getset[] = {
    {"closed", get_closed, NULL, "True once close() was called", NULL},
    {"frames_alive", get_frames_alive, NULL,
     "frames of this pipeline that Python still holds", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot pipe_slots[] = {
    {Py_tp_new, pipe_new},
    {Py_tp_init, pipe_init},
    {Py_tp_dealloc, pipe_dealloc},
    {Py_tp_iter, pipe_iter},
    {Py_tp_iternext, pipe_next},
    {Py_tp_methods, pipe_methods},
    {Py_tp_getset, pipe_getset},
    {Py_tp_doc,
     "Pipeline(launch, *, budget=0, backend='auto', warmup_frames=0, "
     "timeout_ms=0): a pipeline from a launch string, iterated lazily."},
    {0, NULL},
};

static PyType_Spec pipe_spec = {
    .name = "sensorpipe._sensorpipe.Pipeline",
    .basicsize = sizeof(pipe_obj),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = pipe_slots,
};

int sp__py_pipeline_init(PyObject *m)
{
    pipe_type = (PyTypeObject *)PyType_FromSpec(&pipe_spec);
    if (!pipe_type)
        return -1;
    return PyModule_AddObjectRef(m, "Pipeline", (PyObject *)pipe_type);
}
