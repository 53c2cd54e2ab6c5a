/* SPDX-License-Identifier: Apache-2.0 */
/* otelctx.Record: a record prepared off the hot path, the argument parser
 * that Record.set and otelctx.update share, and the copy a new task starts
 * with. */
#include "otelctx_python.h"

#include <string.h>

/* Attributes beyond this many go to the heap (a record holds at most 306). */
#define STACK_ATTRS 16

/* A 16- or 8-byte id, or None (NULL: no trace); 0 or -1 raised. */
static int parse_id(PyObject *obj, Py_ssize_t size, const char *name, const uint8_t **out)
{
    if (obj == Py_None) {
        *out = NULL;
        return 0;
    }
    if (!PyBytes_Check(obj) || PyBytes_GET_SIZE(obj) != size) {
        PyErr_Format(PyExc_ValueError, "%s must be %zd bytes or None", name, size);
        return -1;
    }
    *out = (const uint8_t *)PyBytes_AS_STRING(obj);
    return 0;
}

/* One (key index, str or bytes) pair; the value's bytes stay owned by pair. */
static int parse_attr(PyObject *pair, otelctx_attr *attr)
{
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_SetString(PyExc_TypeError, "an attribute is a (key index, value) tuple");
        return -1;
    }
    long key = PyLong_AsLong(PyTuple_GET_ITEM(pair, 0));
    if (key == -1 && PyErr_Occurred())
        return -1;
    if (key < 0 || key > 255) {
        PyErr_SetString(PyExc_ValueError, "a key index is 0..255 (from otelctx.key_index)");
        return -1;
    }
    PyObject *value = PyTuple_GET_ITEM(pair, 1);
    Py_ssize_t len;
    const char *bytes;
    if (PyUnicode_Check(value)) {
        bytes = PyUnicode_AsUTF8AndSize(value, &len);
        if (bytes == NULL)
            return -1;
    } else if (PyBytes_Check(value)) {
        bytes = PyBytes_AS_STRING(value);
        len = PyBytes_GET_SIZE(value);
    } else {
        PyErr_SetString(PyExc_TypeError, "an attribute value is str or bytes");
        return -1;
    }
    *attr = (otelctx_attr){(uint8_t)key, bytes, (size_t)len};
    return 0;
}

/* The four arguments, each NULL when not given. */
static int write_values(otelctx_record *record, PyObject *trace_obj, PyObject *span_obj,
                        PyObject *flags_obj, PyObject *attrs_obj)
{
    unsigned long flags = 0;
    if (flags_obj != NULL) {
        flags = PyLong_AsUnsignedLong(flags_obj);
        if (flags == (unsigned long)-1 && PyErr_Occurred())
            return -1;
        if (flags > 255) {
            PyErr_SetString(PyExc_ValueError, "trace flags are one byte");
            return -1;
        }
    }
    trace_obj = trace_obj != NULL ? trace_obj : Py_None;
    span_obj = span_obj != NULL ? span_obj : Py_None;
    const uint8_t *trace_id, *span_id;
    if (parse_id(trace_obj, 16, "trace_id", &trace_id) < 0 ||
        parse_id(span_obj, 8, "span_id", &span_id) < 0)
        return -1;
    PyObject *seq = attrs_obj != NULL
        ? PySequence_Fast(attrs_obj, "attributes must be a sequence of (key index, value)")
        : PyTuple_New(0);
    if (seq == NULL)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    otelctx_attr stack[STACK_ATTRS];
    otelctx_attr *attrs = n <= STACK_ATTRS ? stack : PyMem_New(otelctx_attr, (size_t)n);
    int ret = -1;
    if (attrs == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (parse_attr(PySequence_Fast_GET_ITEM(seq, i), &attrs[i]) < 0)
            goto out;
    int left_out = record != NULL
        ? otelctx_record_set(record, trace_id, span_id, (uint8_t)flags, attrs, (size_t)n)
        : otelctx_update(trace_id, span_id, (uint8_t)flags, attrs, (size_t)n);
    if (left_out < 0)
        otelctx_py_error(left_out);
    else
        ret = left_out;
out:
    if (attrs != stack)
        PyMem_Free(attrs);
    Py_DECREF(seq);
    return ret;
}

static const char *const keywords[] = {"trace_id", "span_id", "trace_flags", "attributes"};
#define N_ARGS 4

int otelctx_py_write(otelctx_record *record, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames)
{
    PyObject *values[N_ARGS] = {NULL, NULL, NULL, NULL};
    if (nargs > N_ARGS) {
        PyErr_SetString(PyExc_TypeError, "at most 4 arguments: trace_id, span_id, trace_flags, attributes");
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        values[i] = args[i];
    Py_ssize_t nkw = kwnames != NULL ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
        size_t i = 0;
        while (i < N_ARGS && (name == NULL || strcmp(name, keywords[i]) != 0))
            i++;
        if (i == N_ARGS || values[i] != NULL) {
            PyErr_Format(PyExc_TypeError, "unexpected or repeated argument %s", name ? name : "?");
            return -1;
        }
        values[i] = args[nargs + k];
    }
    return write_values(record, values[0], values[1], values[2], values[3]);
}

int otelctx_py_record_copy(otelctx_record *dst, const otelctx_record *src)
{
    if (src == NULL || src->valid != 1)
        return 0;
    /* Entries as OTEP 4947 lays them out: index, length, bytes. */
    otelctx_attr attrs[OTELCTX_ATTRS_CAPACITY / 2];
    size_t n = 0, at = 0, size = src->attrs_data_size;
    if (size > OTELCTX_ATTRS_CAPACITY) /* another writer's record: read what fits */
        size = OTELCTX_ATTRS_CAPACITY;
    while (at + 2 <= size && at + 2 + src->attrs_data[at + 1] <= size) {
        attrs[n++] = (otelctx_attr){src->attrs_data[at], (const char *)&src->attrs_data[at + 2],
                                    src->attrs_data[at + 1]};
        at += 2 + (size_t)src->attrs_data[at + 1];
    }
    static const uint8_t zero[16];
    int traced = memcmp(src->trace_id, zero, 16) != 0 || memcmp(src->span_id, zero, 8) != 0;
    int ret = otelctx_record_set(dst, traced ? src->trace_id : NULL, traced ? src->span_id : NULL,
                                 traced ? src->trace_flags : 0, attrs, n);
    if (ret < 0) {
        otelctx_py_error(ret);
        return -1;
    }
    return 0;
}

static int record_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"trace_id", "span_id", "trace_flags", "attributes", NULL};
    PyObject *values[N_ARGS] = {NULL, NULL, NULL, NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOOO", names, &values[0], &values[1],
                                     &values[2], &values[3]))
        return -1;
    otelctx_record *record = &((RecordObject *)self)->record;
    int ret = otelctx_record_init(record);
    if (ret < 0) {
        otelctx_py_error(ret);
        return -1;
    }
    return write_values(record, values[0], values[1], values[2], values[3]) < 0 ? -1 : 0;
}

static PyObject *record_set(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                            PyObject *kwnames)
{
    int left_out = otelctx_py_write(&((RecordObject *)self)->record, args, nargs, kwnames);
    return left_out < 0 ? NULL : PyLong_FromLong(left_out);
}

static PyMethodDef record_methods[] = {
    {"set", (PyCFunction)(void (*)(void))record_set, METH_FASTCALL | METH_KEYWORDS,
     "set(trace_id=None, span_id=None, trace_flags=0, attributes=()) -> number left out\n"
     "Rewrites the record in place (safe while it is attached to this thread)."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject otelctx_py_record_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "otelctx.Record",
    .tp_doc = "Record(trace_id=None, span_id=None, trace_flags=0, attributes=())\n"
              "A prepared thread-context record; attributes are (key index, str) pairs.",
    .tp_basicsize = sizeof(RecordObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = record_init,
    .tp_methods = record_methods,
};
