/* SPDX-License-Identifier: Apache-2.0 */
/* The module otelctx: its functions and its initialisation. */
#include "otelctx_python.h"

PyObject *otelctx_py_error(int ret)
{
    PyObject *error = Py_BuildValue("(is)", -ret, otelctx_strerror(ret));
    if (error != NULL) {
        PyErr_SetObject(PyExc_OSError, error);
        Py_DECREF(error);
    }
    return NULL;
}

/* otelctx_update and otelctx_detach write whatever is attached: inside a
 * task that is the task's record, which set() and attach() already cover. */
static int refuse_in_task(const char *name)
{
    if (otelctx_py_running_steps() == NULL)
        return 0;
    PyErr_Format(PyExc_RuntimeError,
                 "%s() writes the thread's record; in an asyncio task use task_record().set() "
                 "or attach()", name);
    return -1;
}

static PyObject *key_index(PyObject *module, PyObject *name)
{
    (void)module;
    const char *utf8 = PyUnicode_AsUTF8(name);
    if (utf8 == NULL)
        return NULL;
    int index = otelctx_key_index(utf8);
    return index < 0 ? otelctx_py_error(index) : PyLong_FromLong(index);
}

static PyObject *detach(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    if (refuse_in_task("detach") < 0)
        return NULL;
    otelctx_detach();
    Py_RETURN_NONE;
}

static PyObject *update(PyObject *module, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames)
{
    (void)module;
    if (refuse_in_task("update") < 0)
        return NULL;
    int left_out = otelctx_py_write(NULL, args, nargs, kwnames);
    return left_out < 0 ? NULL : PyLong_FromLong(left_out);
}

static PyObject *update_flags(PyObject *module, PyObject *flags_obj)
{
    (void)module;
    long flags = PyLong_AsLong(flags_obj);
    if (flags == -1 && PyErr_Occurred())
        return NULL;
    if (flags < 0 || flags > 255)
        return PyErr_Format(PyExc_ValueError, "trace flags are one byte");
    int ret = otelctx_update_flags((uint8_t)flags);
    if (ret < 0)
        return otelctx_py_error(ret);
    Py_RETURN_NONE;
}

static PyObject *task_record(PyObject *module, PyObject *unused)
{
    (void)module, (void)unused;
    TaskStepsObject *steps = otelctx_py_running_steps();
    PyObject *record = steps != NULL && steps->record != NULL ? (PyObject *)steps->record : Py_None;
    Py_INCREF(record);
    return record;
}

/* loop.set_task_factory(otelctx.task_factory): asyncio.Task over a TaskSteps
 * whose record starts as a copy of what the creating thread publishes (in a
 * task: the creating task's record), as a child task inherits its creator's
 * context; the keywords (context=, name=) go to the Task. */
static PyObject *task_factory(PyObject *module, PyObject *args, PyObject *kwargs)
{
    (void)module;
    PyObject *loop, *coro, *task = NULL, *steps = NULL, *task_type = NULL, *keywords = NULL;
    if (!PyArg_ParseTuple(args, "OO:task_factory", &loop, &coro))
        return NULL;
    PyObject *record = PyObject_CallNoArgs((PyObject *)&otelctx_py_record_type);
    if (record == NULL)
        return NULL;
    if (otelctx_py_record_copy(&((RecordObject *)record)->record, otelctx_current()) < 0) {
        Py_DECREF(record);
        return NULL;
    }
    steps = PyObject_CallFunctionObjArgs((PyObject *)&otelctx_py_task_steps_type, coro, record, NULL);
    PyObject *asyncio = PyImport_ImportModule("asyncio");
    if (steps == NULL || asyncio == NULL)
        goto out;
    task_type = PyObject_GetAttrString(asyncio, "Task");
    keywords = kwargs != NULL ? PyDict_Copy(kwargs) : PyDict_New();
    if (task_type == NULL || keywords == NULL || PyDict_SetItemString(keywords, "loop", loop) < 0)
        goto out;
    PyObject *positional = PyTuple_Pack(1, steps);
    if (positional != NULL) {
        task = PyObject_Call(task_type, positional, keywords);
        Py_DECREF(positional);
    }
out:
    Py_XDECREF(keywords);
    Py_XDECREF(task_type);
    Py_XDECREF(asyncio);
    Py_XDECREF(steps);
    Py_DECREF(record);
    return task;
}

static PyMethodDef functions[] = {
    {"key_index", key_index, METH_O,
     "key_index(name) -> index of the attribute key in the process's key map"},
    {"attach", otelctx_py_attach, METH_O,
     "attach(record or None) -> Token: publishes record (in a task: as the task's record)"},
    {"detach", detach, METH_NOARGS, "otelctx_detach() for this thread (not in a task)"},
    {"update", (PyCFunction)(void (*)(void))update, METH_FASTCALL | METH_KEYWORDS,
     "update(trace_id, span_id, trace_flags=0, attributes=()) -> number left out\n"
     "otelctx_update() on this thread's attached or own record (not in a task)"},
    {"update_flags", update_flags, METH_O, "update_flags(flags): the attached record's trace flags"},
    {"task_record", task_record, METH_NOARGS, "the running asyncio task's Record, or None"},
    {"task_factory", (PyCFunction)(void (*)(void))task_factory, METH_VARARGS | METH_KEYWORDS,
     "loop.set_task_factory(otelctx.task_factory): a record per task"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "otelctx",
    .m_doc = "Publishes OpenTelemetry thread context (OTEP 4947) through libotelctx, "
             "per thread and per asyncio task.",
    .m_size = -1,
    .m_methods = functions,
};

/* asyncio.Task accepts only what asyncio.iscoroutine() does: a registered
 * collections.abc.Coroutine. */
static int register_coroutine(void)
{
    PyObject *abc = PyImport_ImportModule("collections.abc");
    if (abc == NULL)
        return -1;
    PyObject *coroutine = PyObject_GetAttrString(abc, "Coroutine");
    Py_DECREF(abc);
    if (coroutine == NULL)
        return -1;
    PyObject *done = PyObject_CallMethod(coroutine, "register", "O", (PyObject *)&otelctx_py_task_steps_type);
    Py_DECREF(coroutine);
    Py_XDECREF(done);
    return done != NULL ? 0 : -1;
}

PyMODINIT_FUNC PyInit_otelctx(void)
{
    PyTypeObject *types[] = {&otelctx_py_record_type, &otelctx_py_token_type,
                             &otelctx_py_task_steps_type};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (PyType_Ready(types[i]) < 0)
            return NULL;
    if (register_coroutine() < 0)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    if (PyModule_AddObjectRef(module, "Record", (PyObject *)&otelctx_py_record_type) < 0 ||
        PyModule_AddObjectRef(module, "Token", (PyObject *)&otelctx_py_token_type) < 0 ||
        PyModule_AddObjectRef(module, "TaskSteps", (PyObject *)&otelctx_py_task_steps_type) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
