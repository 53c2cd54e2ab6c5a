/* SPDX-License-Identifier: Apache-2.0 */
/*
 * otelctx.attach(record) and the Token that restores what it replaced.
 * Outside a task the Token keeps the attached record alive until restore()
 * (a record freed while attached would leave readers a dangling pointer).
 * Inside an asyncio task it replaces the task's record instead, so that the
 * new record follows the task across its awaits; restore() gives the task
 * its previous record back (and publishes it if the task is running).
 */
#include "otelctx_python.h"

#include <pythread.h>

typedef struct {
    PyObject_HEAD
    RecordObject *record;          /* what this attach published; NULL: attach(None) */
    TaskStepsObject *steps;        /* the task whose record it replaced; NULL: the thread's */
    RecordObject *task_previous;   /* the task's record before (task mode) */
    otelctx_record *previous;      /* the slot before (thread mode) */
    unsigned long thread;          /* the thread that attached */
    int restored;
} TokenObject;

PyObject *otelctx_py_attach(PyObject *module, PyObject *record)
{
    (void)module;
    if (record != Py_None && !PyObject_TypeCheck(record, &otelctx_py_record_type))
        return PyErr_Format(PyExc_TypeError, "attach() takes an otelctx.Record or None");
    TokenObject *token = PyObject_GC_New(TokenObject, &otelctx_py_token_type);
    if (token == NULL)
        return NULL;
    RecordObject *r = record == Py_None ? NULL : (RecordObject *)record;
    token->record = r;
    Py_XINCREF(r);
    token->thread = PyThread_get_thread_ident();
    token->restored = 0;
    token->previous = NULL;
    token->task_previous = NULL;
    token->steps = otelctx_py_running_steps();
    if (token->steps != NULL) {
        Py_INCREF(token->steps);
        token->task_previous = token->steps->record; /* the task's reference, moved */
        Py_XINCREF(r);
        token->steps->record = r;
        otelctx_attach(otelctx_py_steps_record(token->steps));
    } else {
        token->previous = otelctx_attach(r != NULL ? &r->record : NULL);
    }
    PyObject_GC_Track(token);
    return (PyObject *)token;
}

static PyObject *token_restore(PyObject *self, PyObject *unused)
{
    (void)unused;
    TokenObject *token = (TokenObject *)self;
    if (token->restored)
        return PyErr_Format(PyExc_RuntimeError, "this attach was already restored");
    if (token->thread != PyThread_get_thread_ident())
        return PyErr_Format(PyExc_RuntimeError, "restore() on another thread than attach()");
    otelctx_record *attached = token->record != NULL ? &token->record->record : NULL;
    if (token->steps != NULL) {
        TaskStepsObject *steps = token->steps;
        if (steps->record != token->record)
            return PyErr_Format(PyExc_RuntimeError,
                                "restore() of an attach that is not the task's innermost one");
        Py_XDECREF(steps->record);
        steps->record = token->task_previous;
        token->task_previous = NULL;
        /* A task that is not running (its coroutine finalized outside a step)
         * has nothing attached: only its record changes. */
        if (otelctx_py_running_steps() == steps)
            otelctx_attach(otelctx_py_steps_record(steps));
    } else {
        if (otelctx_current() != attached)
            return PyErr_Format(PyExc_RuntimeError,
                                "restore() of an attach that is not the innermost one");
        otelctx_attach(token->previous);
        Py_CLEAR(token->record); /* detached now: it may be freed */
    }
    token->restored = 1;
    Py_RETURN_NONE;
}

static int token_traverse(PyObject *self, visitproc visit, void *arg)
{
    TokenObject *token = (TokenObject *)self;
    Py_VISIT(token->record);
    Py_VISIT(token->steps);
    Py_VISIT(token->task_previous);
    return 0;
}

/* The GC clears a token found in a cycle (an abandoned coroutine holding it).
 * Thread mode, never restored: the record may still be attached, so its
 * reference is kept for good rather than freeing what readers point at. */
static int token_clear(PyObject *self)
{
    TokenObject *token = (TokenObject *)self;
    if (token->restored || token->steps != NULL)
        Py_CLEAR(token->record);
    Py_CLEAR(token->task_previous);
    Py_CLEAR(token->steps);
    return 0;
}

static void token_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    token_clear(self);
    PyObject_GC_Del(self);
}

static PyObject *token_enter(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *record = ((TokenObject *)self)->record != NULL
        ? (PyObject *)((TokenObject *)self)->record : Py_None;
    Py_INCREF(record);
    return record;
}

static PyObject *token_exit(PyObject *self, PyObject *args)
{
    (void)args;
    PyObject *done = token_restore(self, NULL);
    if (done == NULL)
        return NULL;
    Py_DECREF(done);
    Py_RETURN_FALSE;
}

static PyMethodDef token_methods[] = {
    {"restore", token_restore, METH_NOARGS,
     "Publishes what the attach replaced (innermost attach first, same thread or task)."},
    {"__enter__", token_enter, METH_NOARGS, "The attached record."},
    {"__exit__", token_exit, METH_VARARGS, "restore()"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject otelctx_py_token_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otelctx.Token",
    .tp_doc = "Returned by attach(): restore() (or the end of a with block) undoes it.",
    .tp_basicsize = sizeof(TokenObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = token_traverse,
    .tp_clear = token_clear,
    .tp_dealloc = token_dealloc,
    .tp_methods = token_methods,
};
