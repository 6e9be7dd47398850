/* Ctrl-C while a pull is blocked in C.
 *
 * Python's SIGINT handler only sets a flag that the interpreter looks at
 * between bytecodes; a thread blocked in sp_pipeline_pull() (the GIL
 * released, waiting on a queue or decoding a chunk) would not see it until
 * the pull returned on its own. So while pulls run, a handler of ours comes
 * first: it asks every pipeline being pulled to stop (sp_pipeline_stop() is
 * async-signal-safe; the pull then returns SP_ECANCELED within ~50 ms) and
 * calls the handler that was installed before, so Python raises
 * KeyboardInterrupt as usual once the pull is back. Nothing is installed
 * unless Python itself handles SIGINT (signal.getsignal() is a callable):
 * a program that ignores Ctrl-C, or lets it kill the process, keeps doing
 * so. Python's view is asked, not the C handler's: a library may have put
 * its own handler in front (LLVM does, loaded by the OpenCL back-end PoCL,
 * and chains to the previous one), which says nothing about what the
 * program wants.
 *
 * Arming and disarming run with the GIL held, so the counters need no lock;
 * the handler only reads the slots and the saved handler. */
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "sp_py_int.h"

#define NSLOTS 64

static sp_pipeline *_Atomic slots[NSLOTS];
static atomic_int in_handler;
static atomic_ulong fired;       /* SIGINTs our handler saw */
static int armed;                /* pulls that armed, GIL held */
static int installed;            /* our handler is in place */
static struct sigaction chained; /* the handler we replaced */
static PyObject *getsignal;      /* _signal.getsignal */

static void on_sigint(int sig, siginfo_t *info, void *uctx)
{
    atomic_fetch_add(&fired, 1);
    /* Python's handler first: the signal may have come to a queue's
     * thread, and the pull returning SP_ECANCELED in the main thread must
     * find it already recorded, or the interpreter would end the
     * iteration as a plain stop instead of raising KeyboardInterrupt. */
    if (chained.sa_flags & SA_SIGINFO)
        chained.sa_sigaction(sig, info, uctx);
    else if (chained.sa_handler != SIG_DFL && chained.sa_handler != SIG_IGN)
        chained.sa_handler(sig);
    atomic_fetch_add(&in_handler, 1);
    for (int i = 0; i < NSLOTS; i++) {
        sp_pipeline *p = atomic_load(&slots[i]);
        if (p)
            sp_pipeline_stop(p);
    }
    atomic_fetch_sub(&in_handler, 1);
}

static int is_ours(const struct sigaction *sa)
{
    return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_sigint;
}

/* 1 when Python handles SIGINT (default_int_handler or the program's). */
static int python_handles(void)
{
    if (!getsignal) {
        /* _signal: signal.getsignal() wraps it in an enum, 70 times
         * slower, and this runs on every pull. */
        PyObject *mod = PyImport_ImportModule("_signal");
        if (mod) {
            getsignal = PyObject_GetAttrString(mod, "getsignal");
            Py_DECREF(mod);
        }
        if (!getsignal) {
            PyErr_Clear();
            return 0;
        }
    }
    PyObject *num = PyLong_FromLong(SIGINT);
    PyObject *h =
        num ? PyObject_CallFunctionObjArgs(getsignal, num, NULL) : NULL;
    int yes = h && PyCallable_Check(h);
    Py_XDECREF(h);
    Py_XDECREF(num);
    PyErr_Clear();
    return yes;
}

static void install(void)
{
    struct sigaction cur;
    if (!python_handles())
        return;
    if (sigaction(SIGINT, NULL, &cur) != 0 || is_ours(&cur))
        return;
    if (!(cur.sa_flags & SA_SIGINFO) &&
        (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN))
        return;
    chained = cur;
    struct sigaction ours;
    memset(&ours, 0, sizeof ours);
    ours.sa_sigaction = on_sigint;
    ours.sa_mask = cur.sa_mask;
    ours.sa_flags = SA_SIGINFO | (cur.sa_flags & (SA_ONSTACK | SA_RESTART));
    installed = sigaction(SIGINT, &ours, NULL) == 0;
}

static void uninstall(void)
{
    struct sigaction cur;
    /* Someone (signal.signal() in the loop's body) may have replaced ours
     * meanwhile: theirs stays. */
    if (sigaction(SIGINT, NULL, &cur) == 0 && is_ours(&cur))
        sigaction(SIGINT, &chained, NULL);
    installed = 0;
}

int sp__py_sigint_arm(sp_pipeline *p)
{
    int token = -1;
    for (int i = 0; i < NSLOTS && token < 0; i++) {
        sp_pipeline *none = NULL;
        if (atomic_compare_exchange_strong(&slots[i], &none, p))
            token = i;
    }
    if (armed++ == 0)
        install();
    return token;
}

void sp__py_sigint_disarm(int token)
{
    if (token >= 0) {
        atomic_store(&slots[token], NULL);
        /* A handler that read the slot before it was cleared may still be
         * calling sp_pipeline_stop() on it: let it finish before the
         * caller may destroy the pipeline. */
        while (atomic_load(&in_handler) > 0)
            sched_yield();
    }
    if (--armed == 0 && installed)
        uninstall();
}

unsigned long sp__py_sigint_fired(void)
{
    return atomic_load(&fired);
}
