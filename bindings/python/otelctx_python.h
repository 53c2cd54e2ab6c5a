/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPython extension `otelctx`: what its files share. A Record owns one
 * otelctx_record inside the Python object; a Token undoes one attach; a
 * TaskSteps wraps a coroutine so that its task's record is attached while
 * each of its steps runs.
 */
#ifndef OTELCTX_PYTHON_H
#define OTELCTX_PYTHON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <otelctx.h>

typedef struct {
    PyObject_HEAD
    otelctx_record record; /* lives as long as the object; a Token or a TaskSteps
                              holding a reference keeps it alive while attached */
} RecordObject;

typedef struct TaskStepsObject {
    PyObject_HEAD
    PyObject *coro;         /* the task's coroutine */
    RecordObject *record;   /* the task's record, NULL: none (nothing attached) */
} TaskStepsObject;

extern PyTypeObject otelctx_py_record_type;
extern PyTypeObject otelctx_py_token_type;
extern PyTypeObject otelctx_py_task_steps_type;

/* The TaskSteps whose step runs on this thread, NULL outside any task. */
TaskStepsObject *otelctx_py_running_steps(void);

/* The record attached while steps run (NULL: none). */
static inline otelctx_record *otelctx_py_steps_record(const TaskStepsObject *steps)
{
    return steps->record != NULL ? &steps->record->record : NULL;
}

/* Raises OSError(errno, otelctx_strerror) for a negative return; NULL. */
PyObject *otelctx_py_error(int ret);

/* attach(record_or_None): the Token that undoes it. */
PyObject *otelctx_py_attach(PyObject *module, PyObject *record);

/* Record.set's arguments (vectorcall: positional, then kwnames' values), parsed and written into record with otelctx_record_set
 * (or, record NULL, with otelctx_update); the number left out, or -1 raised. */
int otelctx_py_write(otelctx_record *record, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames);

/* dst becomes what src publishes (src NULL or not valid: dst stays empty);
 * 0, or -1 raised. */
int otelctx_py_record_copy(otelctx_record *dst, const otelctx_record *src);

#endif
