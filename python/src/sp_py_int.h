/* The Python extension `sensorpipe._sensorpipe`: what its files share.
 *
 * Written against the limited API of CPython 3.11 (abi3: one build serves
 * 3.11 and later; the buffer protocol joined the limited API in 3.11) and
 * no NumPy C-API: frames export their pool block through the buffer
 * protocol and the Python layer (python/sensorpipe/__init__.py) lays NumPy
 * arrays over it with np.ndarray(buffer=frame, ...), so an array's base is
 * the frame and the block goes back to its pool when the frame and the last
 * array over it are gone.
 *
 * Single-phase initialisation with the types and exceptions in static
 * globals: the module is not meant for several sub-interpreters. */
#ifndef SP_PY_INT_H
#define SP_PY_INT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sensorpipe.h"

/* ---- module.c: errors, back-ends, kernel contexts ---- */

/** Raise the exception class of @p status (sensorpipe.Error or one of its
 *  subclasses) with the library's message for this thread (sp_errmsg(), or
 *  the status's description when empty); `column` is set to @p column
 *  when > 0. Returns NULL. */
PyObject *sp__py_raise(int status, int column);

/** Raise sensorpipe.Error's class for @p status with a message of ours. */
PyObject *sp__py_raise_fmt(int status, const char *fmt, ...);

/** Parse a back-end name ("auto", "scalar", "simd", "opencl"); -1 with
 *  ValueError set for another. */
int sp__py_backend(const char *name, sp_backend *out);

/** A kernel context for back-end @p b from the module's cache (created when
 *  the cache is empty; the GIL is released while creating). NULL with an
 *  exception set when it cannot be created. Give it back with
 *  sp__py_kctx_give() from the same call; one thread uses it meanwhile. */
sp_kctx *sp__py_kctx_take(sp_backend b);
void sp__py_kctx_give(sp_backend b, sp_kctx *k);

/** A 64-byte aligned scratch buffer of at least @p bytes from the module's
 *  cache (*cap: its size); NULL when out of memory. Give it back with
 *  sp__py_scratch_give(). Any thread, GIL or not. */
void *sp__py_scratch_take(size_t bytes, size_t *cap);
void sp__py_scratch_give(void *p, size_t cap);

/* ---- alloc_count.c: the library's heap allocations (stats) ---- */

/** Install the counter of the library's malloc-family calls when this
 *  build wraps them (not in sanitizer builds). Returns 1 when counting. */
int sp__py_alloc_counting(void);

/** The count so far (0 when not counting). */
uint64_t sp__py_alloc_count(void);

/* ---- sigint.c: Ctrl-C stops a pipeline blocked in a pull ---- */

/** While a pull of @p p runs without the GIL, SIGINT also stops @p p (then
 *  the handler that was there runs as before, so Python raises
 *  KeyboardInterrupt). Call with the GIL held; returns a token for
 *  sp__py_sigint_disarm(). */
int sp__py_sigint_arm(sp_pipeline *p);
void sp__py_sigint_disarm(int token);

/** How many SIGINTs the handler has seen (any thread). */
unsigned long sp__py_sigint_fired(void);

/* ---- frame_obj.c ---- */

extern PyTypeObject *sp__py_frame_type; /* _sensorpipe.Frame */

/** Make the class that frames are created as (a Python subclass of
 *  _sensorpipe.Frame with no instance dict). */
int sp__py_frame_set_class(PyObject *cls);

/** A new frame object over @p f, taking its reference. @p owner (the
 *  pipeline object, whose pool manager holds the block) and @p origin (a
 *  str or None) are referenced. NULL on failure (f released then). */
PyObject *sp__py_frame_new(PyObject *owner, sp_frame *f, PyObject *origin);

int sp__py_frame_init(PyObject *module);

/* ---- pipeline_obj.c ---- */

int sp__py_pipeline_init(PyObject *module);

/** Count a frame of @p owner (a pipeline object) born (+1) or gone (-1). */
void sp__py_pipeline_frame_count(PyObject *owner, int delta, size_t bytes);

/** The pool manager of @p obj, a pipeline object (borrowed; it lives as
 *  long as the object); NULL with TypeError for anything else. */
sp_poolmgr *sp__py_pipeline_mgr(PyObject *obj);

/* ---- frame_make.c ---- */

extern PyMethodDef sp__py_frame_make_methods[];

/* ---- kernels_points.c, kernels_image.c ---- */

extern PyMethodDef sp__py_points_methods[];
extern PyMethodDef sp__py_image_methods[];

#endif
