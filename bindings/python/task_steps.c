/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-asyncio-task publishing. asyncio runs a task as a series of steps, each
 * one coro.send()/coro.throw() from Task.__step on the loop's thread. The
 * task factory gives every task a TaskSteps around its coroutine: each step
 * attaches the task's record, runs the coroutine's step, then restores what
 * the thread had, so a reader interrupting the thread while a task runs sees
 * that task's record, and between steps the thread's own.
 */
#include "otelctx_python.h"

/* The step running on this thread (steps nest when one TaskSteps awaits another). */
static _Thread_local TaskStepsObject *running;

TaskStepsObject *otelctx_py_running_steps(void)
{
    return running;
}

typedef int (*step_fn)(PyObject *coro, PyObject *arg, PyObject **result);

/* StopIteration(value), the way a coroutine's send() reports its return. */
static void raise_return(PyObject *value)
{
    PyObject *stop = PyObject_CallOneArg(PyExc_StopIteration, value);
    if (stop != NULL) {
        PyErr_SetObject(PyExc_StopIteration, stop);
        Py_DECREF(stop);
    }
}

static PyObject *run_step(TaskStepsObject *self, step_fn step, PyObject *arg)
{
    TaskStepsObject *outer = running;
    Py_INCREF(self); /* a reference while its record is attached */
    running = self;
    otelctx_record *previous = otelctx_attach(otelctx_py_steps_record(self));
    PyObject *result = NULL;
    int done = step(self->coro, arg, &result);
    otelctx_attach(previous);
    running = outer;
    Py_DECREF(self);
    if (done == PYGEN_RETURN) {
        raise_return(result);
        Py_DECREF(result);
        return NULL;
    }
    return result; /* NULL with the error set for PYGEN_ERROR */
}

static int send_step(PyObject *coro, PyObject *value, PyObject **result)
{
    return PyIter_Send(coro, value, result);
}

static int call_step(PyObject *coro, PyObject *method_and_args, PyObject **result)
{
    PyObject *method = PyObject_GetAttr(coro, PyTuple_GET_ITEM(method_and_args, 0));
    if (method == NULL)
        return PYGEN_ERROR;
    *result = PyObject_Call(method, PyTuple_GET_ITEM(method_and_args, 1), NULL);
    Py_DECREF(method);
    return *result != NULL ? PYGEN_NEXT : PYGEN_ERROR;
}

static PyObject *call_in_step(PyObject *self, const char *name, PyObject *args)
{
    PyObject *method_and_args = Py_BuildValue("(sO)", name, args);
    if (method_and_args == NULL)
        return NULL;
    PyObject *result = run_step((TaskStepsObject *)self, call_step, method_and_args);
    Py_DECREF(method_and_args);
    return result;
}

static PyObject *steps_send(PyObject *self, PyObject *value)
{
    return run_step((TaskStepsObject *)self, send_step, value);
}

static PyObject *steps_throw(PyObject *self, PyObject *args)
{
    return call_in_step(self, "throw", args);
}

static PyObject *steps_close(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *none = PyTuple_New(0);
    if (none == NULL)
        return NULL;
    PyObject *result = call_in_step(self, "close", none);
    Py_DECREF(none);
    return result;
}

static PyObject *steps_next(PyObject *self)
{
    return run_step((TaskStepsObject *)self, send_step, Py_None);
}

static PyObject *steps_await(PyObject *self)
{
    Py_INCREF(self);
    return self;
}

static PyObject *steps_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"coro", "record", NULL};
    PyObject *coro, *record = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:TaskSteps", keywords, &coro, &record))
        return NULL;
    if (record != Py_None && !PyObject_TypeCheck(record, &otelctx_py_record_type))
        return PyErr_Format(PyExc_TypeError, "record must be an otelctx.Record or None");
    TaskStepsObject *self = (TaskStepsObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(coro);
    self->coro = coro;
    self->record = record == Py_None ? NULL : (RecordObject *)record;
    Py_XINCREF(self->record);
    return (PyObject *)self;
}

static int steps_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(((TaskStepsObject *)self)->coro);
    Py_VISIT(((TaskStepsObject *)self)->record);
    return 0;
}

/* Only unreachable TaskSteps are cleared: none of them is running, so their
 * records are not attached anywhere. */
static int steps_clear(PyObject *self)
{
    Py_CLEAR(((TaskStepsObject *)self)->coro);
    Py_CLEAR(((TaskStepsObject *)self)->record);
    return 0;
}

static void steps_dealloc(PyObject *self)
{
    PyObject_GC_UnTrack(self);
    steps_clear(self);
    Py_TYPE(self)->tp_free(self);
}

static PyObject *steps_get_record(PyObject *self, void *unused)
{
    (void)unused;
    PyObject *record = (PyObject *)((TaskStepsObject *)self)->record;
    record = record != NULL ? record : Py_None;
    Py_INCREF(record);
    return record;
}

static PyObject *steps_get_coro(PyObject *self, void *unused)
{
    (void)unused;
    Py_INCREF(((TaskStepsObject *)self)->coro);
    return ((TaskStepsObject *)self)->coro;
}

/* __name__ and __qualname__ are the coroutine's: asyncio names tasks by them. */
static PyObject *steps_get_coro_attr(PyObject *self, void *name)
{
    return PyObject_GetAttrString(((TaskStepsObject *)self)->coro, name);
}

static PyGetSetDef steps_getset[] = {
    {"__name__", steps_get_coro_attr, NULL, "the coroutine's __name__", "__name__"},
    {"__qualname__", steps_get_coro_attr, NULL, "the coroutine's __qualname__", "__qualname__"},
    {"record", steps_get_record, NULL, "the record attached while the task runs", NULL},
    {"coro", steps_get_coro, NULL, "the wrapped coroutine", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef steps_methods[] = {
    {"send", steps_send, METH_O, "the coroutine's send(), with the task's record attached"},
    {"throw", steps_throw, METH_VARARGS, "the coroutine's throw(), with the task's record attached"},
    {"close", steps_close, METH_NOARGS, "the coroutine's close(), with the task's record attached"},
    {NULL, NULL, 0, NULL},
};

static PyAsyncMethods steps_async = {.am_await = steps_await};

PyTypeObject otelctx_py_task_steps_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otelctx.TaskSteps",
    .tp_doc = "TaskSteps(coro, record=None): coro, with record attached during each of its steps.",
    .tp_basicsize = sizeof(TaskStepsObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = steps_new,
    .tp_traverse = steps_traverse,
    .tp_clear = steps_clear,
    .tp_dealloc = steps_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = steps_next,
    .tp_as_async = &steps_async,
    .tp_methods = steps_methods,
    .tp_getset = steps_getset,
};
