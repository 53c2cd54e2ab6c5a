/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Ruby extension otelctx: module Otelctx, class Otelctx::Record.
 *
 * Per fiber: each fiber's attached record lives in that fiber's local
 * storage (Thread#[] is fiber-local), and a TracePoint on :fiber_switch,
 * enabled for every thread when the extension loads, attaches the record of
 * the fiber that now runs (none: nothing attached). So a reader
 * interrupting a thread sees the running fiber's record, whoever wrote
 * last; and the storage keeps the attached record alive (GC never frees what
 * a reader points at).
 */
#include <ruby.h>
#include <ruby/debug.h>

#include <otelctx.h>

/* Records hold at most 306 entries (612 bytes of 2-byte headers). */
#define MAX_ATTRS 306

static VALUE record_class;
static ID fiber_record;     /* the fiber-local key of the fiber's attached Record */
static ID fiber_own_record; /* the fiber-local key of the Record update() reuses */

static const rb_data_type_t record_type = {
    .wrap_struct_name = "otelctx_record",
    .function = {.dfree = RUBY_TYPED_DEFAULT_FREE, .dsize = NULL},
    .flags = RUBY_TYPED_FREE_IMMEDIATELY,
};

static otelctx_record *record_ptr(VALUE record)
{
    return NIL_P(record) ? NULL : rb_check_typeddata(record, &record_type);
}

static void raise_errno(int ret)
{
    rb_syserr_fail(-ret, otelctx_strerror(ret));
}

static const uint8_t *id_bytes(VALUE id, long size, const char *name)
{
    if (NIL_P(id))
        return NULL;
    StringValue(id);
    if (RSTRING_LEN(id) != size)
        rb_raise(rb_eArgError, "%s must be %ld bytes or nil", name, size);
    return (const uint8_t *)RSTRING_PTR(id);
}

/* otelctx_record_set from Ruby values: attrs is an Array of [index, String]. */
static int write_record(otelctx_record *record, VALUE trace_id, VALUE span_id, VALUE flags,
                        VALUE attrs)
{
    const uint8_t *trace = id_bytes(trace_id, 16, "trace_id");
    const uint8_t *span = id_bytes(span_id, 8, "span_id");
    unsigned int trace_flags = NUM2UINT(flags);
    if (trace_flags > 255)
        rb_raise(rb_eArgError, "trace flags are one byte");
    if (!NIL_P(attrs))
        Check_Type(attrs, T_ARRAY);
    long n = NIL_P(attrs) ? 0 : RARRAY_LEN(attrs);
    if (n > MAX_ATTRS)
        rb_raise(rb_eArgError, "at most %d attributes fit in a record", MAX_ATTRS);
    otelctx_attr entries[MAX_ATTRS];
    for (long i = 0; i < n; i++) {
        VALUE pair = rb_ary_entry(attrs, i);
        if (!RB_TYPE_P(pair, T_ARRAY) || RARRAY_LEN(pair) != 2)
            rb_raise(rb_eArgError, "an attribute is [key index, value]");
        unsigned int key = NUM2UINT(rb_ary_entry(pair, 0));
        VALUE value = rb_ary_entry(pair, 1);
        StringValue(value);
        if (key > 255)
            rb_raise(rb_eArgError, "a key index is 0..255 (from Otelctx.key_index)");
        entries[i] = (otelctx_attr){(uint8_t)key, RSTRING_PTR(value), (size_t)RSTRING_LEN(value)};
    }
    int left_out = otelctx_record_set(record, trace, span, (uint8_t)trace_flags, entries, (size_t)n);
    if (left_out < 0)
        raise_errno(left_out);
    return left_out;
}

static VALUE record_alloc(VALUE klass)
{
    otelctx_record *record;
    VALUE obj = TypedData_Make_Struct(klass, otelctx_record, &record_type, record);
    int ret = otelctx_record_init(record);
    if (ret < 0)
        raise_errno(ret);
    return obj;
}

/* set(trace_id = nil, span_id = nil, trace_flags = 0, attributes = []) -> number left out */
static VALUE record_set(int argc, VALUE *argv, VALUE self)
{
    VALUE trace_id, span_id, flags, attrs;
    rb_scan_args(argc, argv, "04", &trace_id, &span_id, &flags, &attrs);
    return INT2NUM(write_record(record_ptr(self), trace_id, span_id,
                                NIL_P(flags) ? INT2FIX(0) : flags, attrs));
}

static VALUE key_index(VALUE self, VALUE name)
{
    (void)self;
    int index = otelctx_key_index(StringValueCStr(name));
    if (index < 0)
        raise_errno(index);
    return INT2NUM(index);
}

static VALUE current_record(VALUE self)
{
    (void)self;
    return rb_thread_local_aref(rb_thread_current(), fiber_record);
}

/* The fiber's record becomes record and is attached; the previous one is
 * returned (it stays alive as long as the caller keeps it). */
static VALUE swap_record(VALUE record)
{
    otelctx_record *ptr = record_ptr(record);
    VALUE thread = rb_thread_current();
    VALUE previous = rb_thread_local_aref(thread, fiber_record);
    rb_thread_local_aset(thread, fiber_record, record);
    otelctx_attach(ptr);
    RB_GC_GUARD(previous); /* attached until the line above */
    return previous;
}

static VALUE yield_record(VALUE record)
{
    return rb_yield(record);
}

/* attach(record or nil) -> previous; with a block, restores it after the block. */
static VALUE attach(VALUE self, VALUE record)
{
    (void)self;
    record_ptr(record); /* raises TypeError before anything changes */
    VALUE previous = swap_record(record);
    if (!rb_block_given_p())
        return previous;
    return rb_ensure(yield_record, record, swap_record, previous);
}

static VALUE detach(VALUE self)
{
    (void)self;
    return swap_record(Qnil);
}

/* update(trace_id, span_id, trace_flags = 0, attributes = []): rewrites the
 * running fiber's record; with none attached, attaches the fiber's own
 * record first (made on its first use, kept for the fiber's next update).
 * Never otelctx_update: that rewrites whatever is attached, another fiber's
 * record included when a switch is missed. */
static VALUE update(int argc, VALUE *argv, VALUE self)
{
    VALUE trace_id, span_id, flags, attrs;
    rb_scan_args(argc, argv, "22", &trace_id, &span_id, &flags, &attrs);
    VALUE record = current_record(self);
    if (NIL_P(record)) {
        VALUE thread = rb_thread_current();
        record = rb_thread_local_aref(thread, fiber_own_record);
        if (NIL_P(record)) {
            record = record_alloc(record_class);
            rb_thread_local_aset(thread, fiber_own_record, record);
        }
        swap_record(record);
    }
    return INT2NUM(write_record(record_ptr(record), trace_id, span_id,
                                NIL_P(flags) ? INT2FIX(0) : flags, attrs));
}

static VALUE update_flags(VALUE self, VALUE flags)
{
    (void)self;
    unsigned int trace_flags = NUM2UINT(flags);
    if (trace_flags > 255)
        rb_raise(rb_eArgError, "trace flags are one byte");
    int ret = otelctx_update_flags((uint8_t)trace_flags);
    if (ret < 0)
        raise_errno(ret);
    return Qnil;
}

/* Runs in the fiber switched to: publishes its record. */
static void on_fiber_switch(VALUE tracepoint, void *data)
{
    (void)tracepoint, (void)data;
    otelctx_attach(record_ptr(rb_thread_local_aref(rb_thread_current(), fiber_record)));
}

__attribute__((visibility("default"))) void Init_otelctx(void)
{
    fiber_record = rb_intern("__otelctx_record");
    fiber_own_record = rb_intern("__otelctx_own_record");
    VALUE module = rb_define_module("Otelctx");
    record_class = rb_define_class_under(module, "Record", rb_cObject);
    rb_define_alloc_func(record_class, record_alloc);
    rb_define_method(record_class, "initialize", record_set, -1);
    rb_define_method(record_class, "set", record_set, -1);
    rb_define_module_function(module, "key_index", key_index, 1);
    rb_define_module_function(module, "attach", attach, 1);
    rb_define_module_function(module, "detach", detach, 0);
    rb_define_module_function(module, "current_record", current_record, 0);
    rb_define_module_function(module, "update", update, -1);
    rb_define_module_function(module, "update_flags", update_flags, 1);
    VALUE tracepoint = rb_tracepoint_new(0, RUBY_EVENT_FIBER_SWITCH, on_fiber_switch, NULL);
    rb_global_variable(&record_class);
    rb_define_const(module, "FIBER_SWITCH_HOOK", tracepoint);
    rb_tracepoint_enable(tracepoint);
}
